/**
 * Send Request with per-item Limiter Names (version 2.1 and later) through the real n8n
 * engine: each item takes its slot from its own name's limiter, so one tenant's spent
 * limiter holds back only that tenant's items; the state stays in the store under each
 * name (a later run naming a tenant plainly finds it spent). On the embedded store and Redis.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { closeAllLimiters } from '../../nodes/shared/stores/limiter';
import { redisHarness } from '../support/stores';
import {
	assertEachInputLeavesOnce,
	assertPairing,
	buildWorkflow,
	pairedItemsOf,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
	type EngineResult,
} from './harness';

const LIMITER = 'n8n-nodes-integration-guards.rateLimiter';
const redis = redisHarness();
let counter = 0;
const fresh = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

type Store = 'embedded' | 'redis';

/** Requests the vendor received, by the tenant in their path. */
const received = new Map<string, number>();
let server: Server;
let baseUrl = '';

async function runSend(
	workflowId: string,
	typeVersion: number,
	limiterName: string,
	items: object[],
	store: Store,
): Promise<EngineResult> {
	const onRedis = store === 'redis';
	const parameters: INodeParameters = {
		operation: 'sendRequest',
		store,
		limiterName,
		// One request an hour per limiter, none to spare; an item that would wait longer
		// than a second leaves on Failed (over limit), unsent.
		limit: 1,
		per: 'hour',
		targetUtilization: 100,
		maxWait: 1,
		url: `=${baseUrl}/{{ $json.tenant }}`,
	};
	const workflow = {
		...buildWorkflow(
			[
				{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
				{
					name: 'Limiter',
					type: LIMITER,
					typeVersion,
					parameters,
					...(onRedis
						? { credentials: { integrationGuardsRedisApi: { id: '1', name: 'Redis' } } }
						: {}),
				},
				{ name: 'Out 0', type: TEST_NOOP },
				{ name: 'Out 1', type: TEST_NOOP },
			],
			[
				['Source', 'Limiter'],
				['Limiter', 0, 'Out 0'],
				['Limiter', 1, 'Out 1'],
			],
		),
		id: workflowId,
		name: `workflow ${workflowId}`,
	};
	const config = redis.config() as { host: string; port: number; keyPrefix: string };
	const result = await runWorkflow({
		workflow,
		credentials: onRedis
			? {
					integrationGuardsRedisApi: {
						host: config.host,
						port: config.port,
						keyPrefix: config.keyPrefix,
					},
				}
			: {},
	});
	assert.equal(result.status, 'success', result.error?.message);
	assertPairing(result, ['Limiter']);
	assertEachInputLeavesOnce(result, 'Limiter');
	return result;
}

/** Each input item's route ('success' or 'failed: <reason>'), by the item it pairs to. */
function routesByItem(result: EngineResult): string[] {
	const routes: string[] = [];
	for (const output of ['Success', 'Failed'])
		for (const item of result.output('Limiter', output)) {
			const index = pairedItemsOf(item)?.[0]?.item ?? -1;
			const error = item.json.error as IDataObject | undefined;
			routes[index] = error ? `failed: ${String(error.reason)}` : 'success';
		}
	return routes;
}

describe('Send Request with per-item Limiter Names in the n8n engine', () => {
	before(async () => {
		await startEngine();
		await redis.check();
		server = createServer((request, response) => {
			const tenant = (request.url ?? '/').slice(1);
			received.set(tenant, (received.get(tenant) ?? 0) + 1);
			response.writeHead(200, { 'content-type': 'application/json' });
			response.end(JSON.stringify({ tenant }));
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	after(async () => {
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
		await closeAllLimiters();
		await closeAllStores();
		await redis.cleanup();
		await stopEngine();
	});

	for (const store of ['embedded', 'redis'] as Store[])
		for (const version of [2.1, 2.2])
			test(`on ${store}, version ${version}: each tenant's items take from their own limiter`, async () => {
				const workflowId = fresh('send-keys-wf');
				const [a, b, c] = [fresh('a'), fresh('b'), fresh('c')];
				const items = [a, b, a, c, b, c].map((tenant, n) => ({ tenant, n }));
				const result = await runSend(workflowId, version, '={{ $json.tenant }}', items, store);
				assert.deepEqual(
					routesByItem(result),
					[
						'success',
						'success',
						'failed: overLimit',
						'success',
						'failed: overLimit',
						'failed: overLimit',
					],
					"each tenant's first item takes its limiter's one slot, its second finds none",
				);
				for (const tenant of [a, b, c])
					assert.equal(received.get(tenant), 1, `${tenant}: one request reached the vendor`);
				assert.deepEqual(
					result
						.output('Limiter', 'Success')
						.map((item) => [
							item.json.tenant,
							(item.json.rateLimiter as IDataObject).limiter,
							((item.json.response as IDataObject).body as IDataObject).tenant,
						]),
					[a, b, c].map((tenant) => [tenant, tenant, tenant]),
					'each item names its own limiter and got its own answer',
				);
				// The state is in the store under each name: a later run naming a tenant
				// plainly finds its limiter spent and sends nothing; a new tenant's is untouched.
				const again = await runSend(workflowId, version, a, [{ tenant: a }], store);
				assert.deepEqual(routesByItem(again), ['failed: overLimit']);
				assert.equal(received.get(a), 1, 'nothing more was sent for a spent tenant');
				const d = fresh('d');
				const other = await runSend(workflowId, version, d, [{ tenant: d }], store);
				assert.deepEqual(routesByItem(other), ['success']);
			});
});
