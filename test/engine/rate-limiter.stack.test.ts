/**
 * Wait for Slot's Also Limit (a period cap and a cap on items in flight, granted together
 * with the rate by the store) and Release Slot, through the real n8n engine, on the
 * embedded store and on Redis: leases travel on the items, a later execution finds the
 * slots held until Release Slot gives them back, the period cap refuses at once, and a
 * store that cannot be reached sends no item to Proceed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { closeAllLimiters } from '../../nodes/shared/stores/limiter';
import { redisHarness } from '../support/stores';
import {
	assertEachInputLeavesOnce,
	assertPairing,
	buildWorkflow,
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

function redisCredential(port?: number): Record<string, string | number> {
	const config = redis.config() as { host: string; port: number; keyPrefix: string };
	return { host: config.host, port: port ?? config.port, keyPrefix: config.keyPrefix };
}

async function run(
	parameters: INodeParameters,
	items: object[],
	store: Store,
	options: { redisPort?: number; onError?: 'continueRegularOutput' } = {},
): Promise<EngineResult> {
	const onRedis = store === 'redis';
	const workflow = {
		...buildWorkflow(
			[
				{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
				{
					name: 'Limiter',
					type: LIMITER,
					typeVersion: 2.1,
					parameters: { ...parameters, store },
					...(onRedis
						? { credentials: { integrationGuardsRedisApi: { id: '1', name: 'Redis' } } }
						: {}),
					...(options.onError ? { onError: options.onError } : {}),
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
		id: 'stack-wf',
		name: 'stacked limits',
	};
	return await runWorkflow({
		workflow,
		credentials: onRedis ? { integrationGuardsRedisApi: redisCredential(options.redisPort) } : {},
	});
}

function succeeded(result: EngineResult): EngineResult {
	assert.equal(result.status, 'success', result.error?.message);
	assertPairing(result, ['Limiter']);
	assertEachInputLeavesOnce(result, 'Limiter');
	return result;
}

const details = (item: INodeExecutionData) => item.json.rateLimiter as IDataObject;

const slot = (limiterName: string, alsoLimit: INodeParameters, maxWait = 0): INodeParameters => ({
	operation: 'waitForSlot',
	limiterName,
	limit: 100,
	per: 'second',
	targetUtilization: 100,
	maxWait,
	alsoLimit,
	options: { burst: 10 },
});

describe('Rate Limiter stacked limits and Release Slot in the n8n engine', () => {
	before(async () => {
		await startEngine();
		await redis.check();
	});
	after(async () => {
		await closeAllLimiters();
		await closeAllStores();
		await redis.cleanup();
		await stopEngine();
	});

	for (const store of ['embedded', 'redis'] as Store[]) {
		test(`on ${store}: Max In Flight holds slots across executions until Release Slot`, async () => {
			const name = fresh('inflight');
			const also = { maxInFlight: 2, leaseSeconds: 60 };
			const first = succeeded(await run(slot(name, also), [{ n: 0 }, { n: 1 }, { n: 2 }], store));
			const proceeded = first.output('Limiter', 'Proceed');
			assert.equal(proceeded.length, 2);
			const leases = proceeded.map((item) => details(item).lease);
			assert.ok(leases.every((lease) => typeof lease === 'string'));
			assert.equal(new Set(leases).size, 2);
			assert.deepEqual(
				first.output('Limiter', 'Over Limit').map((item) => details(item).reason),
				['inFlightThisRun'],
				'the third would wait for a slot this very run holds',
			);

			// Another execution waits at most 1 s for a slot: both are held.
			const second = succeeded(await run(slot(name, also, 1), [{ n: 3 }], store));
			assert.deepEqual(
				second.output('Limiter', 'Over Limit').map((item) => details(item).reason),
				['maxWait'],
			);

			// Release Slot gives them back (the lease given as an expression, as after a vendor
			// node that replaced the item); an item without a lease passes through.
			const release = succeeded(
				await run(
					{
						operation: 'releaseSlot',
						limiterName: name,
						leaseId: '={{ $json.rateLimiter?.lease }}',
					},
					[...proceeded.map((item) => item.json), { n: 9 }],
					store,
				),
			);
			assert.deepEqual(
				release.output('Limiter', 'Continue').map((item) => details(item)?.released ?? null),
				[true, true, false],
			);
			const again = succeeded(
				await run(
					{ operation: 'releaseSlot', limiterName: name },
					proceeded.map((item) => item.json),
					store,
				),
			);
			assert.deepEqual(
				again.output('Limiter', 'Continue').map((item) => details(item).released),
				[false, false],
				'a lease is released once',
			);

			const third = succeeded(await run(slot(name, also, 1), [{ n: 4 }, { n: 5 }], store));
			assert.equal(third.output('Limiter', 'Proceed').length, 2, 'the slots are free again');
			assert.deepEqual(
				third.output('Limiter', 'Proceed').map((item) => details(item).inFlight),
				[2, 2],
			);
		});

		test(`on ${store}: Period Cap allows a burst up to the cap, then Over Limit at once`, async () => {
			const name = fresh('cap');
			const also = { periodCap: 3, capPeriod: 'day' };
			const started = Date.now();
			const first = succeeded(
				await run(
					slot(name, also),
					[0, 1, 2, 3, 4].map((n) => ({ n })),
					store,
				),
			);
			assert.ok(Date.now() - started < 5_000, 'nobody waits for the period to end');
			assert.deepEqual(
				first.output('Limiter', 'Proceed').map((item) => details(item).periodUsed),
				[3, 3, 3],
			);
			const over = first.output('Limiter', 'Over Limit');
			assert.deepEqual(
				over.map((item) => details(item).reason),
				['periodCap', 'periodCap'],
			);
			assert.ok((details(over[0]).retryAfterMs as number) > 0);
			const next = succeeded(await run(slot(name, also), [{ n: 5 }], store));
			assert.equal(
				next.output('Limiter', 'Over Limit').length,
				1,
				'the cap holds across executions',
			);
		});
	}

	test('a Redis that cannot be reached sends no item to Proceed (fails closed)', async () => {
		const name = fresh('down');
		const failed = await run(slot(name, { maxInFlight: 2 }), [{ n: 0 }, { n: 1 }], 'redis', {
			redisPort: 1,
		});
		assert.equal(failed.status, 'error');
		const continued = await run(slot(name, { maxInFlight: 2 }), [{ n: 0 }, { n: 1 }], 'redis', {
			redisPort: 1,
			onError: 'continueRegularOutput',
		});
		assert.equal(continued.output('Limiter', 'Proceed').length, 0);
		const refused = continued.output('Limiter', 'Over Limit');
		assert.equal(refused.length, 2);
		assert.ok(refused.every((item) => String(item.json.error ?? '').includes('127.0.0.1:1')));
	});
});
