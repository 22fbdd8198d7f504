// A store outage in a real n8n, for the guards of this package (issue 14, finding 1):
// a workflow Manual Trigger → two items → the guard with On Error "Continue (using error
// output)", on a private Redis that is stopped before the run.
import type { IDataObject } from 'n8n-workflow';

import { startRedis, type PrivateService } from '../support/services';

import type { N8nInstance, WorkflowJson } from './harness';

export interface StoppedRedis {
	redis: PrivateService;
	credential: { id: string; name: string };
}

/** A private Redis with an n8n credential on it, stopped: every store call fails to connect. */
export async function stoppedRedis(n8n: N8nInstance, name: string): Promise<StoppedRedis> {
	const redis = await startRedis({ appendOnly: false });
	const credential = await n8n.createCredential('integrationGuardsRedisApi', name, {
		host: redis.host,
		port: redis.port,
		database: 0,
		keyPrefix: 'outage:',
	});
	await redis.stop();
	return { redis, credential };
}

/** Manual Trigger → two order items (one carrying an API key) → the guard, error output on. */
export function outageWorkflow(
	name: string,
	guard: { type: string; typeVersion: number; parameters: IDataObject },
	credential: { id: string; name: string },
): WorkflowJson {
	return {
		name,
		nodes: [
			{
				id: 'trigger',
				name: 'Run',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: 'items',
				name: 'Items',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				position: [220, 0],
				parameters: {
					mode: 'raw',
					jsonOutput:
						'={{ { orders: [{ orderId: "o-1", apiKey: "sk_live_outage" }, { orderId: "o-2" }] } }}',
					options: {},
				},
			},
			{
				id: 'split',
				name: 'One Item per Order',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [330, 0],
				parameters: { fieldToSplitOut: 'orders', options: {} },
			},
			{
				id: 'guard',
				name: 'Guard',
				type: guard.type,
				typeVersion: guard.typeVersion,
				position: [440, 0],
				parameters: { ...guard.parameters, store: 'redis' },
				credentials: { integrationGuardsRedisApi: credential },
				onError: 'continueErrorOutput',
			},
		],
		connections: {
			Run: { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
			Items: { main: [[{ node: 'One Item per Order', type: 'main', index: 0 }]] },
			'One Item per Order': { main: [[{ node: 'Guard', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	} as WorkflowJson;
}
