import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { failClosed, failClosedRoutesFrom, storeCredentialTests } from '../shared';
import { outputsForParameters, properties } from './description';
import { executeRateLimiter } from './router';

/** The outputs that are not a happy path: where items go when the node fails closed under On Error: Continue. */
const REFUSAL_OUTPUTS = ['Over Limit', 'Failed', 'Give Up', 'Alert'];

export class RateLimiter implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Rate Limiter',
		name: 'rateLimiter',
		icon: { light: 'file:rateLimiter.svg', dark: 'file:rateLimiter.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ { waitForSlot: "wait for slot", sendRequest: "send request", backoff: "backoff", quota: "quota" }[$parameter["operation"]] + ($parameter["limiterName"] ? ": " + $parameter["limiterName"] : $parameter["quotaName"] ? ": " + $parameter["quotaName"] : "") }}',
		description:
			'Stay under vendor rate limits and quotas: wait for a slot, send throttled requests with retries, back off, count quotas',
		defaults: { name: 'Rate Limiter' },
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{(${outputsForParameters.toString()})($parameter)}}`,
		usableAsTool: true,
		// Literal, so n8n's linter can see each store credential is tested (testedBy).
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
				// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed, @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references -- n8n's generic HTTP credentials, as its HTTP Request node uses them
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
		properties,
	};

	methods = { credentialTest: storeCredentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await failClosed(
			this,
			(context) =>
				failClosedRoutesFrom(outputsForParameters(context.getNode().parameters), REFUSAL_OUTPUTS),
			async () => await executeRateLimiter(this),
		);
	}
}
