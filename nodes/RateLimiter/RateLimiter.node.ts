import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import { clock, failClosed, failClosedRoutesFrom, storeCredentialTests } from '../shared';
import { OUTPUTS, outputNames, REFUSAL_OUTPUTS } from './actions/outputs';
import { router } from './actions/router';
import { subtitle, versionDescription } from './actions/versionDescription';

export class RateLimiter implements INodeType {
	description: INodeTypeDescription = {
		...versionDescription,
		icon: { light: 'file:rateLimiter.svg', dark: 'file:rateLimiter.dark.svg' },
		subtitle,
		usableAsTool: true,
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
			// n8n's generic credentials, as its HTTP Request node declares them.
			{
				// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references -- n8n's generic HTTP credentials, as its HTTP Request node uses them
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
						outputNames(context.getNode().parameters, OUTPUTS).map((displayName) => ({
							displayName,
						})),
						REFUSAL_OUTPUTS,
					),
				async () => await router(this, nodeClock),
			);
		};
	}
}
