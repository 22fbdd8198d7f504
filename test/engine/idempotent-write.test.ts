/**
 * Idempotent Write through the real n8n engine (in process), on the embedded store:
 * every output, every pairing, and the error paths.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { INode, INodeExecutionData } from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import {
	assertEachInputLeavesOnce,
	assertPairing,
	buildWorkflow,
	medianRunMs,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
	type EngineResult,
	type Link,
	type NodeTypeInput,
} from './harness';
import { TestVendor, VENDOR } from './vendor-node';

const IDEMPOTENT_WRITE = 'n8n-nodes-integration-guards.idempotentWrite';
const CLAIM_OUTPUTS = ['Proceed', 'Duplicate', 'In Flight', 'Conflict', 'Reconcile'];
let scopeCounter = 0;

function source(items: object[]): Partial<INode> & Pick<INode, 'name' | 'type'> {
	return { name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } };
}

function claimNode(
	scope: string,
	parameters: Record<string, unknown> = {},
	extra: Partial<INode> = {},
) {
	return {
		name: 'Claim',
		type: IDEMPOTENT_WRITE,
		parameters: {
			operation: 'claim',
			scope,
			keySource: 'fields',
			keyFields: 'invoice',
			...parameters,
		},
		...extra,
	};
}

/** Source → node, every output of the node into its own pass-through sink. */
async function runSingle(
	node: Partial<INode> & Pick<INode, 'name' | 'type'>,
	items: object[],
	outputCount: number,
	options: Partial<Parameters<typeof runWorkflow>[0]> = {},
) {
	const sinks = Array.from({ length: outputCount }, (_, index) => ({
		name: `Sink ${index}`,
		type: TEST_NOOP,
	}));
	const links: Link[] = [
		['Source', node.name],
		...sinks.map((sink, index): Link => [node.name, index, sink.name]),
	];
	return await runWorkflow({
		workflow: buildWorkflow([source(items), node, ...sinks], links),
		...options,
	});
}

const nodeTypes: Record<string, NodeTypeInput> = { [VENDOR]: TestVendor };

/** A Redis store nobody listens on: every store call fails. */
const UNREACHABLE = {
	credentials: { integrationGuardsRedisApi: { host: '127.0.0.1', port: 1 } },
	node: { credentials: { integrationGuardsRedisApi: { id: 'redis-1', name: 'Redis' } } },
};
const OPERATIONS = [
	'claim',
	'complete',
	'release',
	'markOutcomeUnknown',
	'lookUp',
	'forget',
] as const;

const keysOf = (items: INodeExecutionData[]) =>
	items.map((item) => (item.json.idempotency as { key: string }).key);
const invoicesOf = (items: INodeExecutionData[]) => items.map((item) => item.json.invoice);

describe('Idempotent Write in the n8n engine', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	test('Claim routes new keys to Proceed and repeats in the batch to In Flight, all paired', async () => {
		const scope = `engine-${++scopeCounter}`;
		const result = await runSingle(
			claimNode(scope),
			[{ invoice: 'A' }, { invoice: 'B' }, { invoice: 'A' }],
			5,
		);
		const outputs = result.outputs('Claim');
		assert.deepEqual(result.nodes.Claim.outputNames, CLAIM_OUTPUTS);
		assert.deepEqual(invoicesOf(outputs[0]), ['A', 'B']);
		assert.deepEqual(invoicesOf(outputs[2]), ['A']);
		assert.deepEqual([outputs[1], outputs[3], outputs[4]], [[], [], []]);
		assert.match(keysOf(outputs[0])[0], /^[0-9a-f]{64}$/);
		assert.equal(keysOf(outputs[0])[0], keysOf(outputs[2])[0]);
		assert.deepEqual(
			outputs[0].map((item) => item.pairedItem),
			[{ item: 0 }, { item: 1 }],
		);
		assert.deepEqual(outputs[2][0].pairedItem, { item: 2 });
		assert.match(
			String(outputs[0][0].json.correlationId),
			/^[0-9a-f-]{36}$/,
			'a correlation ID is assigned',
		);
		assertPairing(result);
		assertEachInputLeavesOnce(result, 'Claim');
	});

	test('Claim, Complete, then a second execution gets Duplicate with the kept result', async () => {
		const scope = `engine-${++scopeCounter}`;
		const complete = {
			name: 'Complete',
			type: IDEMPOTENT_WRITE,
			parameters: {
				operation: 'complete',
				scope,
				keySource: 'claimed',
				claimedKey: '={{ $json.idempotency.key }}',
				resultFields: 'vendorId',
			},
		};
		const first = await runWorkflow({
			workflow: buildWorkflow(
				[
					source([{ invoice: 'A', vendorId: 'inv_1', correlationId: 'corr-A' }]),
					claimNode(scope),
					complete,
					{ name: 'Done', type: TEST_NOOP },
				],
				[
					['Source', 'Claim'],
					['Claim', 0, 'Complete'],
					['Complete', 'Done'],
				],
			),
		});
		const completed = first.output('Complete', 0);
		assert.equal(completed.length, 1);
		assert.deepEqual(
			{
				...(completed[0].json.idempotency as object),
				firstClaimedAt: undefined,
				completedAt: undefined,
				owner: undefined,
			},
			{
				key: keysOf(first.output('Claim', 'Proceed'))[0],
				outcome: 'completed',
				claimFound: true,
				status: 'completed',
				attempts: 1,
				owner: undefined,
				firstClaimedAt: undefined,
				leaseUntil: null,
				completedAt: undefined,
				result: { vendorId: 'inv_1' },
				lastError: null,
				firstCorrelationId: 'corr-A',
			},
		);
		assert.equal(completed[0].json.correlationId, 'corr-A', 'an existing correlation ID is kept');
		assertPairing(first);

		const second = await runSingle(claimNode(scope), [{ invoice: 'A' }, { invoice: 'C' }], 5);
		const duplicates = second.output('Claim', 'Duplicate');
		assert.deepEqual(invoicesOf(duplicates), ['A']);
		assert.deepEqual((duplicates[0].json.idempotency as { result: object }).result, {
			vendorId: 'inv_1',
		});
		assert.deepEqual(invoicesOf(second.output('Claim', 'Proceed')), ['C']);
		assertEachInputLeavesOnce(second, 'Claim');
	});

	test('Conflict when a key returns with a different payload', async () => {
		const scope = `engine-${++scopeCounter}`;
		const node = claimNode(scope, { conflictFields: 'amount' });
		await runSingle(node, [{ invoice: 'A', amount: 100 }], 5);
		const again = await runSingle(
			node,
			[
				{ invoice: 'A', amount: 250 },
				{ invoice: 'A', amount: 100 },
			],
			5,
		);
		assert.deepEqual(
			again.output('Claim', 'Conflict').map((item) => item.json.amount),
			[250],
		);
		assert.deepEqual(
			again.output('Claim', 'In Flight').map((item) => item.json.amount),
			[100],
		);
	});

	test('Pass Through Flagged sends duplicates out of Proceed, marked', async () => {
		const scope = `engine-${++scopeCounter}`;
		const complete = {
			operation: 'complete',
			scope,
			keySource: 'fields',
			keyFields: 'invoice',
			resultFields: '',
		};
		await runSingle(
			{ name: 'Complete', type: IDEMPOTENT_WRITE, parameters: complete },
			[{ invoice: 'A' }],
			1,
		);
		const result = await runSingle(
			claimNode(scope, { options: { duplicates: 'flag' } }),
			[{ invoice: 'A' }, { invoice: 'B' }],
			5,
		);
		const proceed = result.output('Claim', 'Proceed');
		assert.deepEqual(
			proceed.map((item) => [
				item.json.invoice,
				(item.json.idempotency as { duplicate: boolean }).duplicate,
			]),
			[
				['A', true],
				['B', false],
			],
		);
	});

	test('an item without a key fails the node, naming the item and the field', async () => {
		const result = await runSingle(
			claimNode(`engine-${++scopeCounter}`),
			[{ invoice: 'A' }, { other: 1 }],
			5,
		);
		assert.equal(result.status, 'error');
		assert.match(String(result.error?.message), /Item 1 has no value in key field "invoice"/);
		assert.equal((result.error as { context?: { itemIndex?: number } }).context?.itemIndex, 1);
	});

	test('with "Continue (using error output)" the bad item leaves on the error output and the rest proceed', async () => {
		const node = claimNode(`engine-${++scopeCounter}`, {}, { onError: 'continueErrorOutput' });
		const result = await runSingle(node, [{ invoice: 'A' }, { other: 1 }, { invoice: '' }], 6);
		assert.deepEqual(result.nodes.Claim.outputNames.at(-1), 'Error');
		assert.deepEqual(invoicesOf(result.output('Claim', 'Proceed')), ['A']);
		const errors = result.output('Claim', 5);
		assert.equal(errors.length, 2);
		assert.deepEqual(
			errors.map((item) => item.pairedItem),
			[{ item: 1 }, { item: 2 }],
		);
		assert.match(String(errors[0].json.error), /key field "invoice"/);
		assert.deepEqual(errors[0].json.other, 1, 'the original fields travel with the error');
		assert.equal((errors[0].json.details as { itemIndex: number }).itemIndex, 1);
		assert.equal(errors[1].json.invoice, '');
		assertEachInputLeavesOnce(result, 'Claim');
	});

	test('with "Continue (using regular output)" a bad item never leaves on Proceed', async () => {
		const node = claimNode(`engine-${++scopeCounter}`, {}, { onError: 'continueRegularOutput' });
		const result = await runSingle(node, [{ other: 1 }, { invoice: 'B' }], 5);
		assert.deepEqual(invoicesOf(result.output('Claim', 'Proceed')), ['B']);
		assert.equal(result.output('Claim', 'Conflict').length, 1);
		assert.ok(result.output('Claim', 'Conflict')[0].json.error);
	});

	test('Release frees a claim; Outcome Unknown makes the next claim Reconcile; Look Up and Forget', async () => {
		const scope = `engine-${++scopeCounter}`;
		const op = (operation: string, parameters: Record<string, unknown> = {}) => ({
			name: 'Op',
			type: IDEMPOTENT_WRITE,
			parameters: { operation, scope, keySource: 'fields', keyFields: 'invoice', ...parameters },
		});
		// Claim and finish in one execution, as a workflow does.
		const claimThen = async (item: object, finish: ReturnType<typeof op>) =>
			await runWorkflow({
				workflow: buildWorkflow(
					[source([item]), claimNode(scope), finish],
					[
						['Source', 'Claim'],
						['Claim', 0, 'Op'],
					],
				),
			});
		const released = await claimThen(
			{ invoice: 'A' },
			op('release', { keySource: 'claimed', options: { errorMessage: 'HTTP 400' } }),
		);
		assert.equal(
			(released.output('Op', 0)[0].json.idempotency as { outcome: string }).outcome,
			'released',
		);
		const unknown = await claimThen(
			{ invoice: 'B', error: 'socket hang up' },
			op('markOutcomeUnknown', { keySource: 'claimed' }),
		);
		assert.equal(
			(unknown.output('Op', 0)[0].json.idempotency as { lastError: string }).lastError,
			'socket hang up',
		);

		const again = await runSingle(claimNode(scope), [{ invoice: 'A' }, { invoice: 'B' }], 5);
		assert.deepEqual(invoicesOf(again.output('Claim', 'Proceed')), ['A']);
		assert.deepEqual(invoicesOf(again.output('Claim', 'Reconcile')), ['B']);

		const looked = await runSingle(op('lookUp'), [{ invoice: 'A' }, { invoice: 'Z' }], 1);
		assert.deepEqual(
			looked
				.output('Op', 0)
				.map((item) => [
					(item.json.idempotency as { found: boolean }).found,
					(item.json.idempotency as { attempts?: number }).attempts,
				]),
			[
				[true, 2],
				[false, undefined],
			],
		);
		const forgotten = await runSingle(op('forget'), [{ invoice: 'A' }], 1);
		assert.equal(
			(forgotten.output('Op', 0)[0].json.idempotency as { forgotten: boolean }).forgotten,
			true,
		);
		assert.deepEqual(
			invoicesOf(
				(await runSingle(claimNode(scope), [{ invoice: 'A' }], 5)).output('Claim', 'Proceed'),
			),
			['A'],
		);
	});

	test('Release from another execution does not free a claim whose lease is still held', async () => {
		const scope = `engine-${++scopeCounter}`;
		await runSingle(claimNode(scope), [{ invoice: 'A' }], 5);
		const release = {
			name: 'Op',
			type: IDEMPOTENT_WRITE,
			parameters: { operation: 'release', scope, keySource: 'fields', keyFields: 'invoice' },
		};
		const result = await runSingle(release, [{ invoice: 'A' }], 1);
		assert.equal(
			(result.output('Op', 0)[0].json.idempotency as { outcome: string }).outcome,
			'heldByAnother',
		);
		assert.deepEqual(
			invoicesOf(
				(await runSingle(claimNode(scope), [{ invoice: 'A' }], 5)).output('Claim', 'In Flight'),
			),
			['A'],
		);
	});

	test("Wait for In-Flight Claims: routes by the holder's outcome once it finishes", async () => {
		const scope = `engine-${++scopeCounter}`;
		await runSingle(claimNode(scope), [{ invoice: 'A' }, { invoice: 'B' }], 5);
		const waiting = runSingle(
			claimNode(scope, { options: { waitSeconds: 20 } }),
			[{ invoice: 'A' }, { invoice: 'B' }],
			5,
		);
		await new Promise((resolve) => setTimeout(resolve, 400));
		// The holder finishes while the second execution waits: A completed, B released.
		const finish = (operation: string) => ({
			name: 'Op',
			type: IDEMPOTENT_WRITE,
			parameters: {
				operation,
				scope,
				keySource: 'fields',
				keyFields: 'invoice',
				resultFields: 'invoice',
			},
		});
		await runSingle(finish('complete'), [{ invoice: 'A' }], 1);
		await runSingle({ ...finish('forget') }, [{ invoice: 'B' }], 1);
		const started = Date.now();
		const result = await waiting;
		assert.ok(
			Date.now() - started < 15_000,
			'the wait ends when the holder finishes, not at the limit',
		);
		assert.deepEqual(invoicesOf(result.output('Claim', 'Duplicate')), ['A']);
		assert.deepEqual(invoicesOf(result.output('Claim', 'Proceed')), ['B']);
	});

	test('Wait for In-Flight Claims does not wait on a repeat of a key this batch claimed itself', async () => {
		const started = Date.now();
		const result = await runSingle(
			claimNode(`engine-${++scopeCounter}`, { options: { waitSeconds: 30 } }),
			[{ invoice: 'A' }, { invoice: 'A' }],
			5,
		);
		assert.ok(Date.now() - started < 10_000, 'no wait on our own claim');
		assert.deepEqual(invoicesOf(result.output('Claim', 'Proceed')), ['A']);
		assert.deepEqual(invoicesOf(result.output('Claim', 'In Flight')), ['A']);
	});

	test('Wait for In-Flight Claims gives up after the limit and routes In Flight', async () => {
		const scope = `engine-${++scopeCounter}`;
		await runSingle(claimNode(scope), [{ invoice: 'A' }], 5);
		const started = Date.now();
		const result = await runSingle(
			claimNode(scope, { options: { waitSeconds: 1 } }),
			[{ invoice: 'A' }],
			5,
		);
		assert.ok(Date.now() - started >= 1000);
		assert.deepEqual(invoicesOf(result.output('Claim', 'In Flight')), ['A']);
	});

	test('a claim whose execution died is claimable after its lease: Proceed, or Reconcile when chosen', async () => {
		const scope = `engine-${++scopeCounter}`;
		await runSingle(
			claimNode(scope, { leaseMinutes: 0.05 }),
			[{ invoice: 'A' }, { invoice: 'B' }],
			5,
		);
		assert.deepEqual(
			invoicesOf(
				(await runSingle(claimNode(scope), [{ invoice: 'A' }], 5)).output('Claim', 'In Flight'),
			),
			['A'],
		);
		await new Promise((resolve) => setTimeout(resolve, 3200));
		assert.deepEqual(
			invoicesOf(
				(await runSingle(claimNode(scope), [{ invoice: 'A' }], 5)).output('Claim', 'Proceed'),
			),
			['A'],
		);
		const careful = await runSingle(
			claimNode(scope, { afterExpiredLease: 'reconcile' }),
			[{ invoice: 'B' }],
			5,
		);
		assert.deepEqual(invoicesOf(careful.output('Claim', 'Reconcile')), ['B']);
	});

	test('input items are never mutated', async () => {
		const result = await runSingle(claimNode(`engine-${++scopeCounter}`), [{ invoice: 'A' }], 5);
		assert.deepEqual(result.output('Source', 0)[0].json, { invoice: 'A' });
	});

	test('bad configuration fails before any item: no key fields', async () => {
		const result = await runSingle(
			claimNode(`engine-${++scopeCounter}`, { keyFields: ' , ' }),
			[{ invoice: 'A' }],
			5,
		);
		assert.equal(result.status, 'error');
		assert.match(String(result.error?.message), /No key fields given/);
	});

	test('version 2 (new nodes): a claim whose execution died routes Reconcile by default; version 1 keeps Proceed (finding 15)', async () => {
		const scope = `engine-${++scopeCounter}`;
		await runSingle(
			claimNode(scope, { leaseMinutes: 0.05 }, { typeVersion: 2 }),
			[{ invoice: 'A' }, { invoice: 'B' }],
			5,
		);
		await new Promise((resolve) => setTimeout(resolve, 3200));
		const current = await runSingle(
			claimNode(scope, { options: { waitSeconds: 0 } }, { typeVersion: 2 }),
			[{ invoice: 'A' }],
			5,
		);
		assert.deepEqual(
			invoicesOf(current.output('Claim', 'Reconcile')),
			['A'],
			'version 2 defaults to Reconcile',
		);
		assert.deepEqual(invoicesOf(current.output('Claim', 'Proceed')), []);
		const saved = await runSingle(claimNode(scope, {}, { typeVersion: 1 }), [{ invoice: 'B' }], 5);
		assert.deepEqual(
			invoicesOf(saved.output('Claim', 'Proceed')),
			['B'],
			'a workflow saved with version 1 keeps its behaviour',
		);
		const chosen = await runSingle(
			claimNode(
				`engine-${++scopeCounter}`,
				{ afterExpiredLease: 'proceed', options: { waitSeconds: 0 } },
				{ typeVersion: 2 },
			),
			[{ invoice: 'C' }],
			5,
		);
		assert.deepEqual(invoicesOf(chosen.output('Claim', 'Proceed')), ['C']);
	});

	test('version 2: a copy arriving during the first attempt waits for it by default and routes by its outcome', async () => {
		const scope = `engine-${++scopeCounter}`;
		await runSingle(claimNode(scope, {}, { typeVersion: 2 }), [{ invoice: 'A' }], 5);
		const copy = runSingle(claimNode(scope, {}, { typeVersion: 2 }), [{ invoice: 'A' }], 5);
		await new Promise((resolve) => setTimeout(resolve, 400));
		await runSingle(
			{
				name: 'Op',
				type: IDEMPOTENT_WRITE,
				parameters: {
					operation: 'complete',
					scope,
					keySource: 'fields',
					keyFields: 'invoice',
					resultFields: '',
				},
			},
			[{ invoice: 'A' }],
			1,
		);
		const result = await copy;
		assert.deepEqual(
			invoicesOf(result.output('Claim', 'Duplicate')),
			['A'],
			'not In Flight: it waited for the first attempt',
		);
		assert.deepEqual(result.output('Claim', 'In Flight'), []);
		const v1 = await runSingle(claimNode(`engine-${++scopeCounter}`), [{ invoice: 'B' }], 5);
		assert.equal(v1.output('Claim', 'Proceed').length, 1);
	});

	test('Complete and Release after a vendor node that replaced the item find the claim through the pairing (default Claimed Key)', async () => {
		const scope = `engine-${++scopeCounter}`;
		const finish = (name: string, operation: string, parameters: Record<string, unknown> = {}) => ({
			name,
			type: IDEMPOTENT_WRITE,
			typeVersion: 2,
			parameters: { operation, scope, resultFields: 'id', ...parameters },
		});
		const result = await runWorkflow({
			nodeTypes,
			workflow: buildWorkflow(
				[
					source([{ invoice: 'A' }, { invoice: 'B' }]),
					claimNode(scope, {}, { typeVersion: 2 }),
					{ name: 'Vendor', type: VENDOR },
					finish('Complete', 'complete'),
				],
				[
					['Source', 'Claim'],
					['Claim', 0, 'Vendor'],
					['Vendor', 'Complete'],
				],
			),
		});
		assert.equal(result.status, 'success', result.error?.message);
		const completed = result.output('Complete', 0);
		assert.deepEqual(
			completed.map((item) => [
				item.json.id,
				(item.json.idempotency as { outcome: string }).outcome,
				(item.json.idempotency as { key: string }).key,
			]),
			[
				['crm-0', 'completed', keysOf(result.output('Claim', 'Proceed'))[0]],
				['crm-1', 'completed', keysOf(result.output('Claim', 'Proceed'))[1]],
			],
		);
		assertPairing(result);
		const again = await runSingle(
			claimNode(scope, {}, { typeVersion: 2 }),
			[{ invoice: 'A' }, { invoice: 'B' }],
			5,
		);
		assert.deepEqual(
			again
				.output('Claim', 'Duplicate')
				.map((item) => (item.json.idempotency as { result: object }).result),
			[{ id: 'crm-0' }, { id: 'crm-1' }],
		);

		// Release, with the Claim node named under Options.
		const released = await runWorkflow({
			nodeTypes,
			workflow: buildWorkflow(
				[
					source([{ invoice: 'C' }]),
					claimNode(scope, {}, { typeVersion: 2 }),
					{ name: 'Vendor', type: VENDOR },
					finish('Release', 'release', { options: { claimNode: 'Claim' } }),
				],
				[
					['Source', 'Claim'],
					['Claim', 0, 'Vendor'],
					['Vendor', 'Release'],
				],
			),
		});
		assert.equal(
			(released.output('Release', 0)[0].json.idempotency as { outcome: string }).outcome,
			'released',
		);
	});

	test('version 2.1 (new nodes) writes Output Field idempotentWrite by default; version 2 keeps idempotency', async () => {
		const scope = `engine-${++scopeCounter}`;
		const complete = (typeVersion: number) => ({
			name: 'Complete',
			type: IDEMPOTENT_WRITE,
			typeVersion,
			parameters: { operation: 'complete', scope, resultFields: '' },
		});
		const chain = async (claimVersion: number, completeVersion: number, between?: string) => {
			const nodes = [
				source([{ invoice: `v${claimVersion}-${completeVersion}-${between ?? 'direct'}` }]),
				claimNode(scope, { options: { waitSeconds: 0 } }, { typeVersion: claimVersion }),
				...(between ? [{ name: 'Between', type: between }] : []),
				complete(completeVersion),
			];
			const links: Link[] = between
				? [
						['Source', 'Claim'],
						['Claim', 0, 'Between'],
						['Between', 'Complete'],
					]
				: [
						['Source', 'Claim'],
						['Claim', 0, 'Complete'],
					];
			const result = await runWorkflow({ nodeTypes, workflow: buildWorkflow(nodes, links) });
			assert.equal(result.status, 'success', result.error?.message);
			return result;
		};

		const v2 = await chain(2, 2);
		const claimedV2 = v2.output('Claim', 'Proceed')[0].json;
		assert.equal(typeof (claimedV2.idempotency as { key?: unknown }).key, 'string');
		assert.equal(claimedV2.idempotentWrite, undefined, 'version 2 writes idempotency only');
		assert.equal(
			(v2.output('Complete', 0)[0].json.idempotency as { outcome: string }).outcome,
			'completed',
		);

		const v21 = await chain(2.1, 2.1);
		const claimedV21 = v21.output('Claim', 'Proceed')[0].json;
		assert.equal(typeof (claimedV21.idempotentWrite as { key?: unknown }).key, 'string');
		assert.equal(claimedV21.idempotency, undefined, 'version 2.1 writes idempotentWrite only');
		const completedV21 = v21.output('Complete', 0)[0].json;
		assert.equal((completedV21.idempotentWrite as { outcome: string }).outcome, 'completed');
		assert.equal(
			(completedV21.idempotentWrite as { key: string }).key,
			(claimedV21.idempotentWrite as { key: string }).key,
			"2.1's default Claimed Key reads the field its Claim wrote",
		);

		// A version 2.1 Complete after a version 2 Claim behind a vendor node: traced through
		// the pairing to the Claim, whose key is in that Claim's own default field.
		const mixed = await chain(2, 2.1, VENDOR);
		const claimedKey = (mixed.output('Claim', 'Proceed')[0].json.idempotency as { key: string })
			.key;
		const completedMixed = mixed.output('Complete', 0)[0].json.idempotentWrite as {
			key: string;
			outcome: string;
		};
		assert.deepEqual([completedMixed.key, completedMixed.outcome], [claimedKey, 'completed']);
	});

	test('an Output Field or Correlation ID Field named __proto__ is a configuration error naming the parameter', async () => {
		for (const [option, label] of [
			['outputField', 'Output Field'],
			['correlationField', 'Correlation ID Field'],
		]) {
			const result = await runSingle(
				claimNode(`engine-${++scopeCounter}`, { options: { [option]: '__proto__' } }),
				[{ invoice: 'A' }],
				5,
			);
			assert.equal(result.status, 'error');
			assert.match(String(result.error?.message), new RegExp(`^${label} cannot be "__proto__"`));
		}
	});

	test('Complete or Release whose key matches no claim says so: claimFound false and a warning', async () => {
		const scope = `engine-${++scopeCounter}`;
		const op = (operation: string) => ({
			name: 'Op',
			type: IDEMPOTENT_WRITE,
			parameters: { operation, scope, keySource: 'fields', keyFields: 'invoice', resultFields: '' },
		});
		for (const operation of ['complete', 'release', 'markOutcomeUnknown']) {
			const result = await runSingle(op(operation), [{ invoice: `never-claimed-${operation}` }], 1);
			const details = result.output('Op', 0)[0].json.idempotency as { claimFound: boolean };
			assert.equal(details.claimFound, false, operation);
			assert.match(
				result.nodes.Op.hints.map((hint) => hint.message).join('\n'),
				/1 of 1 item\(s\) matched no claim/,
				operation,
			);
		}
		await runSingle(claimNode(scope), [{ invoice: 'D' }], 5);
		const matched = await runSingle(op('complete'), [{ invoice: 'D' }], 1);
		assert.equal(
			(matched.output('Op', 0)[0].json.idempotency as { claimFound: boolean }).claimFound,
			true,
		);
		assert.deepEqual(matched.nodes.Op.hints, []);
	});

	test('cost per item: Complete tracing the claim through the pairing vs the key on the item (printed, not asserted)', async (t) => {
		const count = 2000;
		const items = Array.from({ length: count }, (_, index) => ({ invoice: `cost-${index}` }));
		const scope = `engine-${++scopeCounter}`;
		const workflowVia = (between: string) =>
			buildWorkflow(
				[
					source(items),
					claimNode(scope, { options: { duplicates: 'flag' } }, { typeVersion: 2 }),
					{ name: 'Between', type: between },
					{
						name: 'Complete',
						type: IDEMPOTENT_WRITE,
						typeVersion: 2,
						parameters: { operation: 'complete', scope, resultFields: '' },
					},
				],
				[
					['Source', 'Claim'],
					['Claim', 0, 'Between'],
					['Between', 'Complete'],
				],
			);
		const median = async (between: string) =>
			await medianRunMs(
				(workflow) => runWorkflow({ workflow, nodeTypes }),
				workflowVia(between),
				(result) => assert.equal(result.output('Complete', 0).length, count),
			);
		const onItem = await median(TEST_NOOP);
		const traced = await median(VENDOR);
		t.diagnostic(
			`${count} items, Claim -> No-op -> Complete (key on the item) ${onItem.toFixed(1)} ms vs Claim -> vendor -> Complete (traced through the pairing) ${traced.toFixed(1)} ms: ${(((traced - onItem) * 1000) / count).toFixed(1)} µs more per item`,
		);
	});

	describe('store unreachable: no item on Proceed or Done as if it had worked (finding 1)', () => {
		const outputsOf = (operation: string) => (operation === 'claim' ? 5 : 1);
		const refusalOf = (operation: string) => (operation === 'claim' ? 'Conflict' : 'Done');
		const node = (operation: string, onError?: INode['onError']) => ({
			name: 'Guard',
			type: IDEMPOTENT_WRITE,
			typeVersion: 2,
			parameters: {
				operation,
				store: 'redis',
				scope: `engine-${++scopeCounter}`,
				keySource: 'fields',
				keyFields: 'invoice',
				resultFields: '',
			},
			...UNREACHABLE.node,
			...(onError ? { onError } : {}),
		});
		const items = [
			{ invoice: 'A', apiKey: 'sk_live_secret' },
			{ invoice: 'B' },
			{ other: 'no key' },
		];
		const namesRedis = (result: EngineResult) => {
			const error = result.error as
				| { message?: string; description?: string; messages?: string[] }
				| undefined;
			assert.match(
				`${error?.message} ${error?.messages?.join(' ')} ${error?.description}`,
				/Redis at 127\.0\.0\.1:1 \(db 0\)/,
			);
		};

		for (const operation of OPERATIONS) {
			test(`${operation}: Continue (using error output) puts every item on the error output`, async () => {
				const result = await runSingle(
					node(operation, 'continueErrorOutput'),
					items,
					outputsOf(operation) + 1,
					{ credentials: UNREACHABLE.credentials },
				);
				assert.equal(result.status, 'success', result.error?.message);
				const outputs = result.outputs('Guard');
				assert.equal(result.nodes.Guard.outputNames.at(-1), 'Error');
				outputs
					.slice(0, -1)
					.forEach((output, index) =>
						assert.deepEqual(output, [], `nothing on ${result.nodes.Guard.outputNames[index]}`),
					);
				const errors = outputs.at(-1)!;
				assert.deepEqual(
					errors.map((item) => item.pairedItem),
					[{ item: 0 }, { item: 1 }, { item: 2 }],
				);
				for (const item of errors)
					assert.match(String(item.json.error), /Redis at 127\.0\.0\.1:1 \(db 0\): unreachable/);
				assertEachInputLeavesOnce(result, 'Guard');
			});

			test(`${operation}: Continue (using regular output) puts every item on ${refusalOf(operation)}, carrying the error`, async () => {
				const result = await runSingle(
					node(operation, 'continueRegularOutput'),
					items,
					outputsOf(operation),
					{ credentials: UNREACHABLE.credentials },
				);
				assert.equal(result.status, 'success', result.error?.message);
				const refused = result.output('Guard', refusalOf(operation));
				assert.equal(refused.length, 3);
				for (const item of refused)
					assert.match(String(item.json.error), /Redis at 127\.0\.0\.1:1/);
				if (operation === 'claim') {
					for (const name of ['Proceed', 'Duplicate', 'In Flight', 'Reconcile'])
						assert.deepEqual(result.output('Guard', name), [], name);
				}
				assertEachInputLeavesOnce(result, 'Guard');
			});

			test(`${operation}: without Continue the node fails naming the store`, async () => {
				const result = await runSingle(node(operation), items.slice(0, 2), outputsOf(operation), {
					credentials: UNREACHABLE.credentials,
				});
				assert.equal(result.status, 'error');
				namesRedis(result);
			});
		}
	});
});
