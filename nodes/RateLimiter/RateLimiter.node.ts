import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { clock, failClosed, failClosedRoutesFrom, storeCredentialTests } from '../shared';
import { OUTPUTS, outputNames, REFUSAL_OUTPUTS } from './actions/outputs';
import { router } from './actions/router';
import { subtitle, versionDescription } from './actions/versionDescription';

export class RateLimiter implements INodeType {
	/** The base part of the description, literal for n8n's linter; then the version part. */
	description: INodeTypeDescription = {
		displayName: 'Rate Limiter',
		name: 'rateLimiter',
		icon: { light: 'file:rateLimiter.svg', dark: 'file:rateLimiter.dark.svg' },
		group: ['transform'],
		// Named from the Operation parameter's options, in actions/versionDescription.ts.
		subtitle,
		description:
			'Stay under vendor rate limits and quotas: wait for a slot, send throttled requests with retries, back off, count quotas',
		defaults: { name: 'Rate Limiter' },
		inputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		...versionDescription,
		credentials: [
			{
				name: 'integrationGuardsRedisApi',
				required: true,
				testedBy: 'integrationGuardsRedisTest',
				displayOptions: { show: { store: ['redis'] } },
			},
			{
				name: 'integrationGuardsPostgresApi',
				required: true,
				testedBy: 'integrationGuardsPostgresTest',
				displayOptions: { show: { store: ['postgres'], operation: ['quota'] } },
			},
			// n8n's generic credentials, as its HTTP Request node declares them (without the -Api
			// suffix; the linter reports only the first unsuffixed name).
			{
				// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references, n8n-nodes-base/node-class-description-credentials-name-unsuffixed -- n8n's generic HTTP credentials, under n8n's names, as its HTTP Request node uses them
				name: 'httpBasicAuth',
				required: true,
				displayOptions: {
					show: {
						operation: ['sendRequest'],
						authentication: ['genericCredentialType'],
						genericAuthType: ['httpBasicAuth'],
					},
				},
			},
			{
				// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references -- n8n's generic HTTP credentials, as its HTTP Request node uses them
				name: 'httpBearerAuth',
				required: true,
				displayOptions: {
					show: {
						operation: ['sendRequest'],
						authentication: ['genericCredentialType'],
						genericAuthType: ['httpBearerAuth'],
					},
				},
			},
			{
				// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references -- n8n's generic HTTP credentials, as its HTTP Request node uses them
				name: 'httpHeaderAuth',
				required: true,
				displayOptions: {
					show: {
						operation: ['sendRequest'],
						authentication: ['genericCredentialType'],
						genericAuthType: ['httpHeaderAuth'],
					},
				},
			},
			{
				// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references -- n8n's generic HTTP credentials, as its HTTP Request node uses them
				name: 'httpQueryAuth',
				required: true,
				displayOptions: {
					show: {
						operation: ['sendRequest'],
						authentication: ['genericCredentialType'],
						genericAuthType: ['httpQueryAuth'],
					},
				},
			},
			{
				// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references -- n8n's generic OAuth credentials, as its HTTP Request node uses them (n8n refreshes the token)
				name: 'oAuth1Api',
				required: true,
				displayOptions: {
					show: {
						operation: ['sendRequest'],
						authentication: ['genericCredentialType'],
						genericAuthType: ['oAuth1Api'],
					},
				},
			},
			{
				// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references -- n8n's generic OAuth credentials, as its HTTP Request node uses them (n8n refreshes the token)
				name: 'oAuth2Api',
				required: true,
				displayOptions: {
					show: {
						operation: ['sendRequest'],
						authentication: ['genericCredentialType'],
						genericAuthType: ['oAuth2Api'],
					},
				},
			},
		],
	};

	methods = { credentialTest: storeCredentialTests };

	/** n8n calls it with the execution as `this`; the clock is the node's (a test may give one). */
	execute: (this: IExecuteFunctions) => Promise<INodeExecutionData[][]>;

	constructor(nodeClock: clock.Clock = clock.systemClock) {
		this.execute = async function (this: IExecuteFunctions) {
			return await failClosed(
				this,
				(context) =>
					failClosedRoutesFrom(
						outputNames(context.getNode().parameters, OUTPUTS, context.getNode().typeVersion).map(
							(displayName) => ({
								displayName,
							}),
						),
						REFUSAL_OUTPUTS,
					),
				async () => await router(this, nodeClock),
			);
		};
	}
}
