// Rate Limiter's Learn From Response in the real n8n engine (n8n-core's WorkflowExecute):
// the answers n8n's HTTP Request node leaves on items (a full response under Never Error, an
// error on the error output) route to OK, Retry or Give Up, each input item exactly once and
// paired; the hold a 429 asks for lands on the shared limiter that Wait for Slot waits on.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { RateLimiter } from '../../nodes/RateLimiter/RateLimiter.node';
import { closeAllLimiters } from '../../nodes/shared/stores/limiter';
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
const limiterNode = new RateLimiter();
let counter = 0;
const fresh = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

const DEAD_REDIS = {
	node: { credentials: { integrationGuardsRedisApi: { id: '1', name: 'Redis' } } },
	credentials: { integrationGuardsRedisApi: { host: '127.0.0.1', port: 1 } },
};

async function learn(
	parameters: INodeParameters,
	items: object[],
	onError?: 'continueErrorOutput' | 'continueRegularOutput',
	redis?: typeof DEAD_REDIS,
): Promise<EngineResult> {
	const outputs = ['OK', 'Retry', 'Give Up'];
	const links: Array<[string, string] | [string, number, string]> = [['Source', 'Learn']];
	outputs.forEach((name, index) => links.push(['Learn', index, name]));
	const errorOutput = onError === 'continueErrorOutput';
	if (errorOutput) links.push(['Learn', 3, 'Errors']);
	const workflow = buildWorkflow(
		[
			{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
			{
				name: 'Learn',
				type: LIMITER,
				parameters: { operation: 'learnFromResponse', limit: 10, per: 'second', ...parameters },
				...(onError ? { onError } : {}),
				...redis?.node,
			},
			...[...outputs, ...(errorOutput ? ['Errors'] : [])].map((name) => ({
				name,
				type: TEST_NOOP,
			})),
		],
		links,
	);
	return await runWorkflow({
		workflow,
		nodeTypes: { [LIMITER]: limiterNode },
		...(redis ? { credentials: redis.credentials } : {}),
	});
}

const details = (item: INodeExecutionData) => item.json.rateLimiter as IDataObject;

describe('Learn From Response in the n8n engine', () => {
	before(startEngine);
	after(async () => {
		await closeAllLimiters();
		await stopEngine();
	});

	test('routes full responses and error items to OK, Retry and Give Up, each once and paired', async () => {
		const items = [
			{ body: { id: 1 }, headers: { 'x-ratelimit-remaining': '3' }, statusCode: 200 },
			{ body: {}, headers: { 'retry-after': '1' }, statusCode: 429 },
			{ id: 3, error: { message: '503 - "down"', status: 503 } },
			{ id: 4, error: { message: '400 - "bad"', httpCode: '400' } },
			{
				id: 5,
				error: 'The service is receiving too many requests from you',
				_retry: { attempt: 5 },
			},
			{ id: 6, error: { message: 'socket hang up', code: 'ECONNRESET' } },
		];
		const limiterName = fresh('learn');
		const result = await learn({ limiterName }, items);
		assert.equal(result.status, 'success');
		assertPairing(result, ['Learn']);
		assertEachInputLeavesOnce(result, 'Learn');
		const ok = result.output('Learn', 'OK');
		const retry = result.output('Learn', 'Retry');
		const giveUp = result.output('Learn', 'Give Up');
		assert.deepEqual(
			ok.map((item) => item.json.statusCode),
			[200],
		);
		assert.deepEqual(details(ok[0]).observed, {
			limit: null,
			remaining: 3,
			resetAt: null,
			windowSeconds: null,
		});
		assert.deepEqual(
			retry.map((item) => [details(item).status, details(item).delaySource]),
			[
				[429, 'server'],
				[503, 'backoff'],
				[null, 'backoff'],
			],
		);
		const limited = details(retry[0]);
		assert.equal(limited.retryAfterMs, 1000);
		assert.equal(limited.delayMs, 1000);
		assert.equal(limited.nextAttempt, 2);
		assert.deepEqual(retry[1].json._retry, { attempt: 2 });
		assert.equal(retry[1].json.error, undefined, 'the error is removed on Retry');
		assert.equal(details(retry[1]).error, '503 - "down"', 'its message is kept');
		assert.deepEqual(
			giveUp.map((item) => [item.json.id, details(item).reason]),
			[
				[4, 'notRetryable'],
				[5, 'maxAttempts'],
			],
		);
	});

	test("a 429's Retry-After holds the shared limiter: Wait for Slot on it waits, capped by Max Hold", async () => {
		const limiterName = fresh('hold');
		await learn({ limiterName }, [{ statusCode: 429, headers: { 'retry-after': '2' } }]);
		const started = Date.now();
		const workflow = buildWorkflow(
			[
				{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify([{ n: 1 }]) } },
				{
					name: 'Slot',
					type: LIMITER,
					parameters: { operation: 'waitForSlot', limiterName, limit: 10, per: 'second' },
				},
				{ name: 'Out', type: TEST_NOOP },
			],
			[
				['Source', 'Slot'],
				['Slot', 0, 'Out'],
			],
		);
		const result = await runWorkflow({ workflow, nodeTypes: { [LIMITER]: limiterNode } });
		assert.equal(result.status, 'success');
		const waited = Date.now() - started;
		assert.ok(waited >= 1500, `Wait for Slot waited out the vendor's hold (${waited} ms)`);

		// Max Hold 0: a vendor asking a day holds nobody; the item still says what it asked.
		const capped = fresh('capped');
		const asked = await learn({ limiterName: capped, options: { maxHold: 0 } }, [
			{ statusCode: 429, headers: { 'retry-after': '60' } },
		]);
		const hold = details(asked.output('Learn', 'Retry')[0]).hold as IDataObject;
		assert.deepEqual(hold, { requestedMs: 60000, heldMs: 0, capped: true, recorded: true });
	});

	test('bad settings name their parameter; hostile items never stop the batch', async () => {
		const bad = await learn({ limiterName: fresh('bad'), options: { retryOn: '429, 7xx' } }, [{}]);
		assert.equal(bad.status, 'error');
		assert.match(String(bad.error?.message), /Retry On/);
		const hostile = [
			{ error: null },
			{ error: [] },
			{ error: { response: { headers: 'nope' } } },
			{ statusCode: '429x', headers: [] },
			{ _retry: 'x', error: 'boom' },
			{ _retry: { attempt: '__proto__' }, statusCode: 503 },
		];
		const result = await learn({ limiterName: fresh('hostile') }, hostile);
		assert.equal(result.status, 'success');
		assertEachInputLeavesOnce(result, 'Learn');
		assertPairing(result, ['Learn']);
		// "boom" says nothing about a status: it is retried (as a timeout would be), but its
		// attempt cannot be counted under a string: it gives up rather than retry for ever.
		const gaveUp = result.output('Learn', 'Give Up');
		assert.ok(gaveUp.some((item) => details(item).reason === 'attemptNotRecorded'));
	});

	test('fails closed when the Redis limiter cannot be reached: no item on OK or Retry', async () => {
		const parameters = { limiterName: fresh('dead'), store: 'redis' };
		const items = [{ statusCode: 200 }, { statusCode: 429 }];
		const stopped = await learn(parameters, items, undefined, DEAD_REDIS);
		assert.equal(stopped.status, 'error');
		assert.match(String(stopped.error?.message), /Redis at 127\.0\.0\.1:1 \(db 0\): unreachable/);
		const routed = await learn(parameters, items, 'continueErrorOutput', DEAD_REDIS);
		assert.equal(routed.output('Learn', 'OK').length, 0);
		assert.equal(routed.output('Learn', 'Retry').length, 0);
		assert.equal(routed.outputs('Learn')[3].length, 2, 'both on the error output');
		const regular = await learn(parameters, items, 'continueRegularOutput', DEAD_REDIS);
		assert.equal(regular.output('Learn', 'OK').length, 0);
		assert.equal(regular.output('Learn', 'Retry').length, 0);
		assert.equal(regular.output('Learn', 'Give Up').length, 2, 'both on Give Up, with the error');
	});
});
