/**
 * Rate Limiter's per-item names (version 2.1) through the real n8n engine: a Limiter Name
 * or Quota Name expression names a limiter (quota) per item; items are grouped by name,
 * each name keeps its own state in the store (checked by a later run that names it
 * plainly), a name that is not text fails only its item, more than 100 names fail the
 * node. Version 2 reads the expression from the first item, as before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INode, INodeParameters } from 'n8n-workflow';

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

type Backend = { store: 'embedded' } | { store: 'redis' };

/** The credential data of this run's Redis key space. */
function redisCredential(): Record<string, string | number> {
	const config = redis.config() as { host: string; port: number; keyPrefix: string };
	return { host: config.host, port: config.port, keyPrefix: config.keyPrefix };
}

/** The limiter node at `typeVersion` over `items`, in workflow `workflowId` (its Scope). */
async function runLimiter(
	workflowId: string,
	typeVersion: number,
	parameters: INodeParameters,
	items: object[],
	backend: Backend = { store: 'embedded' },
	extra: Partial<INode> = {},
): Promise<EngineResult> {
	const onRedis = backend.store === 'redis';
	const workflow = {
		...buildWorkflow(
			[
				{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
				{
					name: 'Limiter',
					type: LIMITER,
					typeVersion,
					parameters: { ...parameters, store: backend.store },
					...(onRedis
						? { credentials: { integrationGuardsRedisApi: { id: '1', name: 'Redis' } } }
						: {}),
					...extra,
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
	return await runWorkflow({
		workflow,
		credentials: onRedis ? { integrationGuardsRedisApi: redisCredential() } : {},
	});
}

function succeeded(result: EngineResult): EngineResult {
	assert.equal(result.status, 'success', result.error?.message);
	assertPairing(result, ['Limiter']);
	assertEachInputLeavesOnce(result, 'Limiter');
	return result;
}

/** One token an hour, none to spare: a second taker of the same limiter is over the limit. */
const slot = (limiterName: string): INodeParameters => ({
	operation: 'waitForSlot',
	limiterName,
	limit: 1,
	per: 'hour',
	targetUtilization: 100,
	maxWait: 1,
});

const quota = (quotaName: string): INodeParameters => ({
	operation: 'quota',
	quotaName,
	quota: 100,
	period: 'day',
	timeZone: 'UTC',
});

/** Each item's route by the input item it pairs to: 'proceed' or 'overLimit'. */
function routesByItem(result: EngineResult): string[] {
	const routes: string[] = [];
	for (const output of ['Proceed', 'Over Limit'])
		for (const item of result.output('Limiter', output)) {
			const index = pairedItemsOf(item)?.[0]?.item ?? -1;
			routes[index] =
				item.json.error !== undefined
					? 'error'
					: String((item.json.rateLimiter as IDataObject).route);
		}
	return routes;
}

describe('Rate Limiter per-item names (version 2.1) in the n8n engine', () => {
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

	for (const backend of [{ store: 'embedded' }, { store: 'redis' }] as Backend[]) {
		test(`on ${backend.store}: three tenants in one batch take from three limiters`, async () => {
			const workflowId = fresh('keys-wf');
			const [a, b, c] = [fresh('tenant-a'), fresh('tenant-b'), fresh('tenant-c')];
			const items = [a, b, a, c, b, c].map((tenant, n) => ({ tenant, n }));
			const result = succeeded(
				await runLimiter(workflowId, 2.1, slot('={{ $json.tenant }}'), items, backend),
			);
			assert.deepEqual(
				routesByItem(result),
				['proceed', 'proceed', 'overLimit', 'proceed', 'overLimit', 'overLimit'],
				"each tenant's first item takes its limiter's one token, its second finds none",
			);
			assert.deepEqual(
				result
					.output('Limiter', 'Proceed')
					.map((item) => (item.json.rateLimiter as IDataObject).limiter),
				[a, b, c],
				'each item names its own limiter, the items in input order',
			);
			// The state is in the store, under each name: a later run naming a tenant plainly
			// finds its limiter spent; a fourth tenant's is untouched.
			for (const tenant of [a, b, c]) {
				const again = succeeded(await runLimiter(workflowId, 2.1, slot(tenant), [{}], backend));
				assert.deepEqual(routesByItem(again), ['overLimit'], `${tenant} is spent`);
			}
			const other = succeeded(
				await runLimiter(workflowId, 2.1, slot(fresh('tenant-d')), [{}], backend),
			);
			assert.deepEqual(routesByItem(other), ['proceed']);
		});

		test(`on ${backend.store}: Quota counts each tenant into its own quota`, async () => {
			const workflowId = fresh('quota-wf');
			const [a, b, c] = [fresh('qa'), fresh('qb'), fresh('qc')];
			const items = [a, b, a, c, a].map((tenant, n) => ({ tenant, n }));
			const result = succeeded(
				await runLimiter(workflowId, 2.1, quota('={{ $json.tenant }}'), items, backend),
			);
			assert.deepEqual(
				result
					.output('Limiter', 'Continue')
					.map((item) => [item.json.n, (item.json.rateLimiter as IDataObject).usage]),
				[
					[0, 1],
					[1, 1],
					[2, 2],
					[3, 1],
					[4, 3],
				],
			);
			const again = succeeded(await runLimiter(workflowId, 2.1, quota(a), [{}], backend));
			assert.equal(
				(again.output('Limiter', 'Continue')[0].json.rateLimiter as IDataObject).usage,
				4,
				"tenant a's counter is in the store",
			);
		});
	}

	test("Learn From Response holds each tenant's own limiter", async () => {
		const workflowId = fresh('learn-wf');
		const [a, b] = [fresh('learn-a'), fresh('learn-b')];
		const learned = succeeded(
			await runLimiter(
				workflowId,
				2.1,
				{
					operation: 'learnFromResponse',
					limiterName: '={{ $json.tenant }}',
					limit: 10,
					per: 'second',
				},
				[
					{ tenant: a, statusCode: 429, headers: { 'retry-after': '60' } },
					{ tenant: b, statusCode: 200, headers: {} },
				],
			),
		);
		const [retry] = learned.output('Limiter', 'Retry');
		assert.equal(retry.json.tenant, a);
		assert.equal(((retry.json.rateLimiter as IDataObject).hold as IDataObject).recorded, true);
		assert.deepEqual(
			learned.output('Limiter', 'OK').map((item) => item.json.tenant),
			[b],
		);
		// In the store: a's limiter holds for a minute, b's does not.
		const wait = (name: string): INodeParameters => ({
			operation: 'waitForSlot',
			limiterName: name,
			limit: 10,
			per: 'second',
			maxWait: 1,
		});
		assert.deepEqual(routesByItem(succeeded(await runLimiter(workflowId, 2.1, wait(a), [{}]))), [
			'overLimit',
		]);
		assert.deepEqual(routesByItem(succeeded(await runLimiter(workflowId, 2.1, wait(b), [{}]))), [
			'proceed',
		]);
	});

	test('a name that is not text fails only its item, naming it', async () => {
		const [a, b] = [fresh('ok-a'), fresh('ok-b')];
		const items = [{ tenant: a }, { tenant: { id: 7 } }, { tenant: b }, { tenant: '  ' }];
		const result = succeeded(
			await runLimiter(fresh('bad-wf'), 2.1, slot('={{ $json.tenant }}'), items, undefined, {
				onError: 'continueRegularOutput',
			}),
		);
		assert.deepEqual(routesByItem(result), ['proceed', 'error', 'proceed', 'error']);
		const errors = result.output('Limiter', 'Over Limit').map((item) => item.json);
		assert.match(String(errors[0].error), /Limiter Name of item 1 is not text but {"id":7}/);
		assert.equal((errors[0].details as IDataObject).itemIndex, 1);
		assert.match(String(errors[1].error), /Limiter Name of item 3 is empty/);

		// Without On Error: Continue the node fails, naming the item, before any token is taken.
		const name = fresh('untouched');
		const failed = await runLimiter(fresh('bad-wf'), 2.1, slot('={{ $json.tenant }}'), [
			{ tenant: name },
			{ tenant: ['x'] },
		]);
		assert.equal(failed.status, 'error');
		assert.match(String(failed.error?.message), /Limiter Name of item 1 is not text but/);
	});

	test('an item error inside a group names the input item, not the group position', async () => {
		const [a, b] = [fresh('tok-a'), fresh('tok-b')];
		const result = succeeded(
			await runLimiter(
				fresh('tok-wf'),
				2.1,
				{ ...slot('={{ $json.tenant }}'), limit: 10, tokensPerItem: '={{ $json.tokens }}' },
				[
					{ tenant: a, tokens: 1 },
					{ tenant: b, tokens: 1 },
					{ tenant: b, tokens: 'many' },
				],
				undefined,
				{ onError: 'continueRegularOutput' },
			),
		);
		assert.deepEqual(routesByItem(result), ['proceed', 'proceed', 'error']);
		const [error] = result.output('Limiter', 'Over Limit');
		assert.equal((error.json.details as IDataObject).itemIndex, 2);
	});

	test('more than 100 names in one execution fail the node, saying so', async () => {
		const items = Array.from({ length: 101 }, (_, n) => ({ tenant: `t${n}` }));
		const result = await runLimiter(fresh('cap-wf'), 2.1, slot('={{ $json.tenant }}'), items);
		assert.equal(result.status, 'error');
		assert.match(
			String(result.error?.message),
			/Limiter Name gives more than 100 different names in one execution \(item 100/,
		);
		const quotaRun = await runLimiter(fresh('cap-wf'), 2.1, quota('={{ $json.tenant }}'), items);
		assert.match(String(quotaRun.error?.message), /Quota Name gives more than 100/);
	});

	test('version 2 reads the expression from the first item: one limiter for the batch', async () => {
		const workflowId = fresh('v2-wf');
		const [a, b] = [fresh('v2-a'), fresh('v2-b')];
		const result = succeeded(
			await runLimiter(workflowId, 2, slot('={{ $json.tenant }}'), [
				{ tenant: a },
				{ tenant: b },
				{ tenant: { not: 'text' } },
			]),
		);
		assert.deepEqual(routesByItem(result), ['proceed', 'overLimit', 'overLimit']);
		assert.deepEqual(
			result
				.output('Limiter', 'Over Limit')
				.map((item) => (item.json.rateLimiter as IDataObject).limiter),
			[a, a],
		);
		const bAlone = succeeded(await runLimiter(workflowId, 2, slot(b), [{}]));
		assert.deepEqual(routesByItem(bAlone), ['proceed'], "b's limiter was never touched");
	});
});
