// Rate Limiter wrapping vendor nodes, in the real n8n engine. Learn From Response (n8n-core's WorkflowExecute):
// the answers n8n's HTTP Request node leaves on items (a full response under Never Error, an
// error on the error output) route to OK, Retry or Give Up, each input item exactly once and
// paired; the hold a 429 asks for lands on the shared limiter that Wait for Slot waits on.
// Wait for Slot warns when more items than the burst leave at once toward a node that is not
// a loop.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
	NodeConnectionTypes,
	type IDataObject,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
} from 'n8n-workflow';

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

/** Loop Over Items as far as the warning cares: a node of its type, passing items on. */
const loopStandIn: INodeType = {
	description: {
		displayName: 'Loop Over Items',
		name: 'splitInBatches',
		group: ['organization'],
		version: 3,
		description: 'stand-in',
		defaults: { name: 'Loop Over Items' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	},
	async execute() {
		return [this.getInputData()];
	},
};

describe('Wait for Slot: what the next node will do with the batch', () => {
	before(startEngine);
	after(async () => {
		await closeAllLimiters();
		await stopEngine();
	});

	async function slotInto(next: string | null, items: number, burst = 1): Promise<string[]> {
		const nodes = [
			{
				name: 'Source',
				type: TEST_SOURCE,
				parameters: { items: JSON.stringify(Array.from({ length: items }, (_, n) => ({ n }))) },
			},
			{
				name: 'Slot',
				type: LIMITER,
				parameters: {
					operation: 'waitForSlot',
					limiterName: fresh('batch'),
					limit: 10,
					per: 'second',
					options: { burst },
				},
			},
			...(next === null ? [] : [{ name: 'Next', type: next }]),
		];
		const workflow = buildWorkflow(nodes, [
			['Source', 'Slot'],
			...(next === null ? [] : ([['Slot', 0, 'Next']] as Array<[string, number, string]>)),
		]);
		const result = await runWorkflow({
			workflow,
			nodeTypes: { [LIMITER]: limiterNode, 'n8n-nodes-base.splitInBatches': loopStandIn },
		});
		assert.equal(result.status, 'success', result.error?.message);
		assert.equal(result.output('Slot', 'Proceed').length, items);
		return result.nodes.Slot.hints
			.filter((hint) => hint.type === 'warning')
			.map((hint) => hint.message);
	}

	test('warns, naming the next node, when more items than the burst leave at once toward it', async () => {
		const [warning, ...rest] = await slotInto(TEST_NOOP, 5);
		assert.equal(rest.length, 0);
		assert.match(
			warning,
			/5 items leave on Proceed at once, more than the burst of 1; "Next" gets them as one batch/,
		);
		assert.match(warning, /Loop Over Items \(Batch Size 1\)/);
	});

	test('says nothing within the burst, toward a loop, or with no node after it', async () => {
		assert.deepEqual(await slotInto(TEST_NOOP, 1), []);
		assert.deepEqual(await slotInto(TEST_NOOP, 3, 3), []);
		assert.deepEqual(await slotInto('n8n-nodes-base.splitInBatches', 5), []);
		assert.deepEqual(await slotInto(null, 5), []);
	});
});

/** A vendor node that answers each item's first call with a 429 (as HTTP Request's error output puts it), then succeeds. */
const calls = new Map<string, number>();
const batchSizes: number[] = [];
const throttlingVendor: INodeType = {
	description: {
		displayName: 'Throttling Vendor',
		name: 'throttlingVendor',
		group: ['transform'],
		version: 1,
		description: 'stand-in',
		defaults: { name: 'Vendor' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	},
	async execute() {
		const items = this.getInputData();
		batchSizes.push(items.length);
		return [
			items.map((item, index) => {
				const id = String(item.json.id);
				const count = (calls.get(id) ?? 0) + 1;
				calls.set(id, count);
				if (count > 1) return { json: { id, delivered: true }, pairedItem: { item: index } };
				const error = Object.assign(new Error('429 - "busy"'), {
					status: 429,
					response: { status: 429, headers: { 'retry-after': '0' } },
				});
				return { json: { error }, pairedItem: { item: index } };
			}),
		];
	},
};

describe('Backoff, Paced (version 2.1): a per-item schedule through the shared limiter', () => {
	before(startEngine);
	after(async () => {
		await closeAllLimiters();
		await stopEngine();
	});

	async function loop(items: number, wireSuccess = true, version = 2.1): Promise<EngineResult> {
		const workflow = buildWorkflow(
			[
				{
					name: 'Source',
					type: TEST_SOURCE,
					parameters: {
						items: JSON.stringify(
							Array.from({ length: items }, (_, n) => ({ id: `${counter}-${n}` })),
						),
					},
				},
				{ name: 'Vendor', type: 'test.throttlingVendor', onError: 'continueErrorOutput' },
				{
					name: 'Backoff',
					type: LIMITER,
					typeVersion: version,
					parameters: {
						operation: 'backoff',
						limiterName: fresh('paced'),
						limit: 20,
						per: 'second',
						baseDelay: 0.05,
						maxDelay: 0.1,
					},
				},
				{ name: 'Done', type: TEST_NOOP },
				{ name: 'Gave Up', type: TEST_NOOP },
			],
			[
				['Source', 'Vendor'],
				// Version 2 retries whatever comes in: its vendor's successes go straight on.
				(version >= 2.1 && wireSuccess ? ['Vendor', 0, 'Backoff'] : ['Vendor', 0, 'Done']) as [
					string,
					number,
					string,
				],
				['Vendor', 1, 'Backoff'],
				['Backoff', 0, 'Vendor'],
				['Backoff', 1, 'Gave Up'],
				...(version >= 2.1 ? ([['Backoff', 2, 'Done']] as Array<[string, number, string]>) : []),
			],
		);
		return await runWorkflow({
			workflow,
			nodeTypes: { [LIMITER]: limiterNode, 'test.throttlingVendor': throttlingVendor },
		});
	}

	const onAllRuns = (result: EngineResult, node: string, output: number) =>
		(result.nodes[node]?.runs ?? []).flatMap((run) => run.outputs[output] ?? []);

	test('every item delivered exactly once, the retries a burst at a time, items without an error passed on untouched', async () => {
		calls.clear();
		batchSizes.length = 0;
		const result = await loop(12);
		assert.equal(result.status, 'success', result.error?.message);
		const done = onAllRuns(result, 'Done', 0);
		assert.equal(done.length, 12);
		assert.deepEqual(
			done.map((item) => item.json.delivered),
			Array(12).fill(true),
		);
		assert.deepEqual(done[0].json, { id: done[0].json.id, delivered: true }, 'untouched');
		assert.equal(onAllRuns(result, 'Gave Up', 0).length, 0);
		assert.deepEqual(
			[...calls.values()],
			Array(12).fill(2),
			'each item called twice: refused, then delivered',
		);
		assert.equal(batchSizes[0], 12, 'the first call took the whole batch');
		assert.ok(
			batchSizes.slice(1).every((size) => size === 1),
			`the retries reached the vendor one per run: ${batchSizes.join(',')}`,
		);
		for (const item of onAllRuns(result, 'Backoff', 0))
			assert.ok(item.pairedItem, 'each released item is paired');
	});

	test('refuses to strand items: only the error output wired in is a configuration error naming the vendor node', async () => {
		const result = await loop(3, false);
		assert.equal(result.status, 'error');
		assert.match(String(result.error?.message), /only the error output of "Vendor" is wired here/);
	});

	test('version 2 keeps its two outputs and the whole-batch wait', async () => {
		calls.clear();
		batchSizes.length = 0;
		const result = await loop(4, true, 2);
		assert.equal(result.status, 'success', result.error?.message);
		assert.equal(result.nodes.Backoff.outputs.length, 2);
		assert.equal(batchSizes[1], 4, 'version 2 sends the whole batch back at once');
	});
});
