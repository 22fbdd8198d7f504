/**
 * The newcomer's versions through the real n8n engine (in process), on the embedded
 * store: Idempotent Write 3 (repeats in one batch go to Duplicate, a test lease in
 * manual runs, lean items, a warning or an error when Complete finds no claim) and the
 * paired operations of Idempotent Write 3, Circuit Breaker 1.2 and Cost Guard 1.2, whose
 * second operation takes Scope and name from the matching first node, or fails saying
 * it found none. Older versions keep their behaviour: checked beside each.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type {
	IDataObject,
	IExecuteFunctions,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
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
	type Link,
	type NodeTypeInput,
} from './harness';
import { TestVendor, VENDOR } from './vendor-node';

const PACKAGE = 'n8n-nodes-integration-guards';
const IDEMPOTENT_WRITE = `${PACKAGE}.idempotentWrite`;
const BREAKER = `${PACKAGE}.circuitBreaker`;
const COST_GUARD = `${PACKAGE}.costGuard`;
const LLM = 'test.pairedLlm';
const CLAIM_OUTPUTS = ['Proceed', 'Duplicate', 'In Flight', 'Conflict', 'Reconcile'];

let counter = 0;
const fresh = (kind: string) => `paired-${kind}-${process.pid}-${++counter}`;

type NodeSpec = Partial<INode> & Pick<INode, 'name' | 'type'>;

/** Answers like OpenAI chat completions: 1,000 prompt and 500 completion tokens of gpt-4o-mini. */
class TestLlm implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Test LLM',
		name: 'pairedLlm',
		group: ['transform'],
		version: 1,
		description: 'Harness only: answers like OpenAI chat completions',
		defaults: { name: 'LLM' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
		usableAsTool: true,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [
			this.getInputData().map(
				(item, index): INodeExecutionData => ({
					json: {
						model: 'gpt-4o-mini-2024-07-18',
						choices: [
							{ index: 0, message: { role: 'assistant', content: `re ${item.json.text}` } },
						],
						usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
					},
					pairedItem: { item: index },
				}),
			),
		];
	}
}

const nodeTypes: Record<string, NodeTypeInput> = { [VENDOR]: TestVendor, [LLM]: TestLlm };

const source = (items: object[]): NodeSpec => ({
	name: 'Source',
	type: TEST_SOURCE,
	parameters: { items: JSON.stringify(items) },
});

function iw(name: string, typeVersion: number, parameters: INodeParameters): NodeSpec {
	return { name, type: IDEMPOTENT_WRITE, typeVersion, parameters };
}

const claim = (scope: string, parameters: INodeParameters = {}, typeVersion = 3) =>
	iw('Claim', typeVersion, {
		operation: 'claim',
		scope,
		keySource: 'fields',
		keyFields: 'order',
		...parameters,
	});

/** Source → node, every output into its own sink. */
async function runSingle(
	node: NodeSpec,
	items: object[],
	outputCount: number,
	options: Partial<Parameters<typeof runWorkflow>[0]> = {},
): Promise<EngineResult> {
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
		nodeTypes,
		...options,
	});
}

/** Source → Claim → (Proceed) Vendor → Complete, the common wiring. */
async function claimWriteComplete(
	claimNode: NodeSpec,
	complete: NodeSpec,
	items: object[],
	options: Partial<Parameters<typeof runWorkflow>[0]> = {},
): Promise<EngineResult> {
	return await runWorkflow({
		workflow: buildWorkflow(
			[
				source(items),
				claimNode,
				{ name: 'Vendor', type: VENDOR },
				complete,
				{ name: 'Done', type: TEST_NOOP },
			],
			[
				['Source', claimNode.name],
				[claimNode.name, 0, 'Vendor'],
				['Vendor', complete.name],
				[complete.name, 'Done'],
			],
		),
		nodeTypes,
		...options,
	});
}

const ordersOf = (items: INodeExecutionData[]) => items.map((item) => item.json.order);
const stampOf = (item: INodeExecutionData, field = 'idempotentWrite') =>
	item.json[field] as IDataObject;
const hintsOf = (result: EngineResult, node: string) =>
	result.nodes[node].hints.map((hint) => hint.message);

describe('Idempotent Write 3: the first run does what a newcomer expects', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	test('repeats of a key in one batch go to Duplicate, naming the first item; version 2.1 still sends them to In Flight', async () => {
		const scope = fresh('iw');
		const items = [{ order: 'A' }, { order: 'B' }, { order: 'A' }, { order: 'C' }, { order: 'A' }];
		const result = await runSingle(claim(scope, { options: { waitSeconds: 0 } }), items, 5);
		assert.deepEqual(result.nodes.Claim.outputNames, CLAIM_OUTPUTS);
		const [proceed, duplicate, inFlight, conflict, reconcile] = result.outputs('Claim');
		assert.deepEqual(ordersOf(proceed), ['A', 'B', 'C']);
		assert.deepEqual(ordersOf(duplicate), ['A', 'A']);
		assert.deepEqual([inFlight, conflict, reconcile], [[], [], []]);
		assert.deepEqual(
			duplicate.map((item) => [item.pairedItem, stampOf(item).route, stampOf(item).repeatOfItem]),
			[
				[{ item: 2 }, 'duplicate', 0],
				[{ item: 4 }, 'duplicate', 0],
			],
		);
		assert.equal(stampOf(duplicate[0]).key, stampOf(proceed[0]).key);
		assert.match(hintsOf(result, 'Claim').join('\n'), /2 item\(s\) repeat a key an earlier item/);
		assertPairing(result);
		assertEachInputLeavesOnce(result, 'Claim');

		const old = await runSingle(
			claim(fresh('iw'), { options: { waitSeconds: 0 } }, 2.1),
			[{ order: 'A' }, { order: 'A' }],
			5,
		);
		assert.deepEqual(ordersOf(old.output('Claim', 0)), ['A']);
		assert.deepEqual(ordersOf(old.output('Claim', 2)), ['A']);
		assert.equal(stampOf(old.output('Claim', 2)[0]).duplicate, false);
	});

	test('a repeat with other Conflict Check Fields than its first item goes to Conflict; repeats of a completed key carry its result', async () => {
		const scope = fresh('iw');
		const node = claim(scope, { conflictFields: 'amount', options: { waitSeconds: 0 } });
		const first = await runSingle(
			node,
			[
				{ order: 'A', amount: 1 },
				{ order: 'A', amount: 2 },
			],
			5,
		);
		assert.deepEqual(ordersOf(first.output('Claim', 0)), ['A']);
		assert.deepEqual(
			first.output('Claim', 3).map((item) => [item.json.amount, item.pairedItem]),
			[[2, { item: 1 }]],
		);

		const completedScope = fresh('iw');
		await claimWriteComplete(
			claim(completedScope),
			iw('Complete', 3, { operation: 'complete', resultFields: 'id' }),
			[{ order: 'A' }],
		);
		const again = await runSingle(claim(completedScope), [{ order: 'A' }, { order: 'A' }], 5);
		const duplicates = again.output('Claim', 1);
		assert.deepEqual(
			duplicates.map((item) => [item.pairedItem, stampOf(item).result]),
			[
				[{ item: 0 }, { id: 'crm-0' }],
				[{ item: 1 }, { id: 'crm-0' }],
			],
		);
		assert.equal(stampOf(duplicates[0]).repeatOfItem, undefined);
		assert.equal(stampOf(duplicates[1]).repeatOfItem, 0);
	});

	test('items stay lean: the stamp is key, route and status, and no correlation ID is added unless a field is named', async () => {
		const result = await runSingle(claim(fresh('iw')), [{ order: 'A', amount: 5 }], 5);
		const [item] = result.output('Claim', 0);
		assert.deepEqual(Object.keys(item.json).sort(), ['amount', 'idempotentWrite', 'order']);
		assert.deepEqual(Object.keys(stampOf(item)).sort(), ['key', 'route', 'status']);
		assert.deepEqual([stampOf(item).route, stampOf(item).status], ['proceed', 'inFlight']);

		const named = await runSingle(
			claim(fresh('iw'), { options: { correlationField: 'correlationId', itemStamp: 'full' } }),
			[{ order: 'A' }, { order: 'B', correlationId: 'given-1' }],
			5,
		);
		const [a, b] = named.output('Claim', 0);
		assert.match(String(a.json.correlationId), /^[0-9a-f-]{36}$/);
		assert.equal(b.json.correlationId, 'given-1');
		assert.equal(stampOf(a).attempts, 1);
		assert.equal(stampOf(b).firstCorrelationId, 'given-1');

		// Version 2.1 keeps its 12-field stamp and its correlation ID.
		const old = await runSingle(claim(fresh('iw'), {}, 2.1), [{ order: 'A' }], 5);
		const [oldItem] = old.output('Claim', 0);
		assert.match(String(oldItem.json.correlationId), /^[0-9a-f-]{36}$/);
		assert.equal(Object.keys(stampOf(oldItem)).length, 12);
	});

	test('a manual run claims for the test lease and says so; a production run claims for Lease (Minutes)', async () => {
		const scope = fresh('iw');
		const node = claim(scope, { options: { waitSeconds: 0 } });
		const first = await runSingle(node, [{ order: 'A' }], 5);
		assert.match(
			hintsOf(first, 'Claim').join('\n'),
			/Manual run: keys were claimed for 10 seconds \(Options → Lease in Manual Runs\)/,
		);
		const again = await runSingle(node, [{ order: 'A' }], 5);
		const [held] = again.output('Claim', 2);
		assert.match(
			hintsOf(again, 'Claim').join('\n'),
			/1 item\(s\) went to In Flight: another execution holds their key \(the first by execution-\d+, until .*Forget clears keys/,
		);
		const leaseLeft = Date.parse(String(stampOf(held).leaseUntil)) - Date.now();
		assert.ok(leaseLeft > 0 && leaseLeft <= 10_000, `lease left ${leaseLeft} ms`);

		// A 1-second test lease runs out: the next run reconciles (the write may have happened).
		const short = claim(fresh('iw'), { options: { waitSeconds: 0, testLeaseSeconds: 1 } });
		await runSingle(short, [{ order: 'A' }], 5);
		await new Promise((resolve) => setTimeout(resolve, 1200));
		const after = await runSingle(short, [{ order: 'A' }], 5);
		assert.deepEqual(ordersOf(after.output('Claim', 4)), ['A']);

		const production = fresh('iw');
		const webhookNode = claim(production, { options: { waitSeconds: 0 } });
		const trigger = await runSingle(webhookNode, [{ order: 'A' }], 5, { mode: 'webhook' });
		assert.doesNotMatch(hintsOf(trigger, 'Claim').join('\n'), /Manual run/);
		const held5 = (await runSingle(webhookNode, [{ order: 'A' }], 5)).output('Claim', 2);
		const left = Date.parse(String(stampOf(held5[0]).leaseUntil)) - Date.now();
		assert.ok(left > 4 * 60_000 && left <= 5 * 60_000, `lease left ${left} ms`);

		// Version 2.1 in a manual run: Lease (Minutes), no hint.
		const oldScope = fresh('iw');
		const old = claim(oldScope, { options: { waitSeconds: 0 } }, 2.1);
		await runSingle(old, [{ order: 'A' }], 5);
		const oldHeld = (await runSingle(old, [{ order: 'A' }], 5)).output('Claim', 2);
		const oldLeft = Date.parse(String(stampOf(oldHeld[0]).leaseUntil)) - Date.now();
		assert.ok(oldLeft > 4 * 60_000, `lease left ${oldLeft} ms`);
	});

	test('Complete takes the Scope of the matching Claim node, says so, and the next run finds the key completed', async () => {
		const scope = fresh('iw');
		const complete = iw('Complete', 3, { operation: 'complete', resultFields: 'id' });
		const result = await claimWriteComplete(claim(scope), complete, [
			{ order: 'A' },
			{ order: 'B' },
		]);
		const completed = result.output('Complete', 0);
		assert.equal(completed.length, 2);
		for (const item of completed) {
			assert.deepEqual(Object.keys(stampOf(item)).sort(), [
				'claimFound',
				'key',
				'outcome',
				'result',
				'status',
			]);
			assert.deepEqual(
				[stampOf(item).outcome, stampOf(item).claimFound, stampOf(item).status],
				['completed', true, 'completed'],
			);
			assert.equal(item.json.correlationId, undefined);
		}
		assert.deepEqual(hintsOf(result, 'Complete'), [
			`Paired with the Claim node "Claim": Scope "${scope}".`,
		]);
		const next = await runSingle(claim(scope), [{ order: 'A' }, { order: 'B' }], 5);
		assert.deepEqual(ordersOf(next.output('Claim', 1)), ['A', 'B']);

		// Release pairs the same way.
		const releaseScope = fresh('iw');
		const released = await claimWriteComplete(
			claim(releaseScope),
			iw('Release', 3, { operation: 'release' }),
			[{ order: 'A' }],
		);
		assert.equal(stampOf(released.output('Release', 0)[0]).outcome, 'released');
		assert.match(hintsOf(released, 'Release')[0], /Paired with the Claim node "Claim"/);
	});

	test('Complete with nothing to pair with fails saying where it looked; a different Store is refused', async () => {
		const alone = await runSingle(
			iw('Complete', 3, { operation: 'complete', keySource: 'fields', keyFields: 'order' }),
			[{ order: 'A' }],
			1,
		);
		assert.equal(alone.status, 'error');
		assert.match(
			String(alone.nodes.Complete.error?.message),
			/Found no Claim node to pair with: no enabled Idempotent Write Claim node is connected before "Complete"/,
		);
		assert.deepEqual(alone.nodes.Complete.outputs, [[]]);

		const otherStore = await claimWriteComplete(
			claim(fresh('iw')),
			iw('Complete', 3, {
				operation: 'complete',
				store: 'redis',
			}),
			[{ order: 'A' }],
			{
				credentials: { integrationGuardsRedisApi: { host: '127.0.0.1', port: 6379 } },
			},
		);
		assert.match(
			String(otherStore.nodes.Complete.error?.message),
			/Store is "redis" here but "embedded" on the Claim node "Claim"/,
		);
	});

	test('Complete whose own Scope matches no claim warns naming the scope and items, or fails those items when asked', async () => {
		const scope = fresh('iw');
		const own = {
			operation: 'complete',
			scopeFrom: 'own',
			scope: `${scope}-typo`,
			resultFields: 'id',
		};
		const warned = await claimWriteComplete(claim(scope), iw('Complete', 3, own), [
			{ order: 'A' },
			{ order: 'B' },
		]);
		assert.equal(warned.output('Complete', 0).length, 2);
		const [warning] = warned.nodes.Complete.hints;
		assert.equal(warning.type, 'warning');
		assert.match(
			warning.message,
			new RegExp(
				`2 of 2 item\\(s\\) matched no claim in scope "${scope}-typo" and were recorded as completed anyway .*item 0 \\(key [0-9a-f]{12}…\\), item 1`,
			),
		);

		const failScope = fresh('iw');
		const failed = await claimWriteComplete(
			claim(failScope),
			{
				...iw('Complete', 3, {
					...own,
					scope: `${failScope}-typo`,
					options: { ifNoClaim: 'error' },
				}),
				onError: 'continueErrorOutput',
			},
			[{ order: 'A' }],
		);
		const [, errors] = failed.outputs('Complete');
		assert.equal(failed.output('Complete', 0).length, 0);
		assert.match(String(errors[0].json.error), /Item 0: key [0-9a-f]{12}… has no claim in scope/);
		// Nothing was recorded under the typo: the Claim's key is still in flight in its own scope.
		const next = await runSingle(
			claim(failScope, { options: { waitSeconds: 0 } }),
			[{ order: 'A' }],
			5,
		);
		assert.deepEqual(ordersOf(next.output('Claim', 2)), ['A']);
	});
});

describe('Circuit Breaker 1.2 and Cost Guard 1.2: the second operation finds its first', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	const breaker = (name: string, typeVersion: number, parameters: INodeParameters): NodeSpec => ({
		name,
		type: BREAKER,
		typeVersion,
		parameters,
	});

	test('Record takes Scope and Breaker Name from the Check node before it and records there', async () => {
		const scope = fresh('cb');
		const result = await runWorkflow({
			workflow: buildWorkflow(
				[
					source([{ n: 1 }, { n: 2 }]),
					breaker('Check', 1.2, { operation: 'check', scope, breakerName: 'crm' }),
					{ name: 'Vendor', type: VENDOR, onError: 'continueErrorOutput' },
					breaker('Record', 1.2, { operation: 'record' }),
					{ name: 'Synced', type: TEST_NOOP },
				],
				[
					['Source', 'Check'],
					['Check', 0, 'Vendor'],
					['Vendor', 0, 'Record', 0],
					['Vendor', 1, 'Record', 1],
					['Record', 0, 'Synced'],
				],
			),
			nodeTypes,
		});
		assert.equal(result.status, 'success');
		assert.equal(result.output('Record', 'Success').length, 2);
		assert.equal(
			hintsOf(result, 'Record')[0],
			`Paired with the Check node "Check": Scope "${scope}", Breaker Name "crm".`,
		);
		const stats = await runSingle(breaker('Stats', 1.2, { operation: 'stats', scope }), [{}], 1);
		const [report] = stats.output('Stats', 0);
		assert.deepEqual([report.json.breaker, report.json.calls], ['crm', 2]);
	});

	test('a per-item Breaker Name on Check: Record records each call on the breaker Check named for its item, though the vendor replaced the items', async () => {
		const scope = fresh('cb');
		const result = await runWorkflow({
			workflow: buildWorkflow(
				[
					source([{ vendor: 'crm' }, { vendor: 'erp' }, { vendor: 'crm' }]),
					breaker('Check', 1.2, { operation: 'check', scope, breakerName: '={{ $json.vendor }}' }),
					{ name: 'Vendor', type: VENDOR, onError: 'continueErrorOutput' },
					breaker('Record', 1.2, { operation: 'record' }),
				],
				[
					['Source', 'Check'],
					['Check', 0, 'Vendor'],
					['Vendor', 0, 'Record', 0],
					['Vendor', 1, 'Record', 1],
				],
			),
			nodeTypes,
		});
		assert.equal(result.status, 'success', String(result.error?.message));
		assert.deepEqual(
			result
				.output('Record', 'Success')
				.map((item) => [item.json.id, (item.json.circuitBreaker as IDataObject).name]),
			[
				['crm-0', 'crm'],
				['crm-1', 'erp'],
				['crm-2', 'crm'],
			],
		);
		assert.equal(
			hintsOf(result, 'Record')[0],
			`Paired with the Check node "Check": Scope "${scope}", Breaker Name per item, as "Check" named each item's.`,
		);
		const stats = await runSingle(breaker('Stats', 1.2, { operation: 'stats', scope }), [{}], 1);
		assert.deepEqual(
			stats.output('Stats', 0).map((item) => [item.json.breaker, item.json.calls]),
			[
				['crm', 2],
				['erp', 1],
			],
		);
	});

	test('Record with no Check before it fails saying so; version 1.1 records under its own settings', async () => {
		const alone = await runSingle(
			breaker('Record', 1.2, { operation: 'record', outcomeFrom: 'field' }),
			[{}],
			2,
		);
		assert.equal(alone.status, 'error');
		assert.match(
			String(alone.nodes.Record.error?.message),
			/Found no Check node to pair with: no enabled Circuit Breaker Check node is connected before "Record"/,
		);
		const scope = fresh('cb');
		const old = await runSingle(
			breaker('Record', 1.1, {
				operation: 'record',
				outcomeFrom: 'field',
				scope,
				breakerName: 'erp',
			}),
			[{}],
			2,
		);
		assert.equal(old.status, 'success');
		assert.doesNotMatch(hintsOf(old, 'Record').join('\n'), /Paired with/);
	});

	const guard = (name: string, typeVersion: number, parameters: INodeParameters): NodeSpec => ({
		name,
		type: COST_GUARD,
		typeVersion,
		parameters,
	});

	test('Record Usage and Cache Store take Scope and Budget Name from Check Budget and Cache Lookup', async () => {
		const scope = fresh('cg');
		const budget = 'llm';
		const workflow = buildWorkflow(
			[
				source([{ text: 'one' }, { text: 'two' }]),
				guard('Cache Lookup', 1.2, {
					operation: 'cacheLookup',
					scope,
					budgetName: budget,
					keyFields: 'text',
				}),
				{ name: 'Cached', type: TEST_NOOP },
				guard('Check Budget', 1.2, {
					operation: 'checkBudget',
					scope,
					budgetName: budget,
					limits: { dailyLimit: '1' },
				}),
				{ name: 'LLM', type: LLM },
				guard('Record Usage', 1.2, {
					operation: 'recordUsage',
					options: { checkStamp: "={{ $('Check Budget').item.json.costGuard }}" },
				}),
				guard('Cache Store', 1.2, {
					operation: 'cacheStore',
					cacheKey: "={{ $('Cache Lookup').item.json.costGuardCache.key }}",
				}),
			],
			[
				['Source', 'Cache Lookup'],
				['Cache Lookup', 0, 'Cached'],
				['Cache Lookup', 1, 'Check Budget'],
				['Check Budget', 0, 'LLM'],
				['LLM', 'Record Usage'],
				['Record Usage', 0, 'Cache Store'],
			],
		);
		const first = await runWorkflow({ workflow, nodeTypes });
		assert.equal(first.status, 'success', String(first.error?.message));
		const recorded = first.output('Record Usage', 0);
		assert.deepEqual(
			recorded.map((item) => (item.json.cost as IDataObject).budget),
			[budget, budget],
		);
		assert.equal(
			hintsOf(first, 'Record Usage')[0],
			`Paired with the Check Budget node "Check Budget": Scope "${scope}", Budget Name "llm".`,
		);
		assert.match(
			hintsOf(first, 'Cache Store').join('\n'),
			/Paired with the Cache Lookup node "Cache Lookup"/,
		);
		// The second run is served from the cache Cache Store filled under the Lookup's budget.
		const second = await runWorkflow({ workflow, nodeTypes });
		assert.deepEqual(
			second.output('Cached', 0).map((item) => (item.pairedItem as { item: number }).item),
			[0, 1],
		);
		assert.equal(second.nodes.LLM, undefined);
	});

	test('a per-item Budget Name on Check Budget: Record Usage records each item to the budget Check Budget named for it', async () => {
		const scope = fresh('cg');
		const result = await runWorkflow({
			workflow: buildWorkflow(
				[
					source([
						{ text: 'a', tenant: 'acme' },
						{ text: 'b', tenant: 'globex' },
					]),
					guard('Check Budget', 1.2, {
						operation: 'checkBudget',
						scope,
						budgetName: '={{ $json.tenant }}',
						limits: { dailyLimit: '1' },
					}),
					{ name: 'LLM', type: LLM },
					guard('Record Usage', 1.2, {
						operation: 'recordUsage',
						options: { checkStamp: "={{ $('Check Budget').item.json.costGuard }}" },
					}),
				],
				[
					['Source', 'Check Budget'],
					['Check Budget', 0, 'LLM'],
					['LLM', 'Record Usage'],
				],
			),
			nodeTypes,
		});
		assert.equal(result.status, 'success', String(result.error?.message));
		assert.deepEqual(
			result.output('Record Usage', 0).map((item) => (item.json.cost as IDataObject).budget),
			['acme', 'globex'],
		);
		assertEachInputLeavesOnce(result, 'Record Usage');
	});

	test('a per-item Budget Name on Cache Lookup: Cache Store stores each answer under the budget Cache Lookup named for it', async () => {
		const scope = fresh('cg');
		const workflow = buildWorkflow(
			[
				source([
					{ text: 'same question', tenant: 'acme' },
					{ text: 'same question', tenant: 'globex' },
				]),
				guard('Cache Lookup', 1.2, {
					operation: 'cacheLookup',
					scope,
					budgetName: '={{ $json.tenant }}',
					keyFields: 'text',
				}),
				{ name: 'Cached', type: TEST_NOOP },
				// The LLM's answer has no tenant: evaluated again here, the budget name would be empty.
				{ name: 'LLM', type: LLM },
				guard('Cache Store', 1.2, {
					operation: 'cacheStore',
					cacheKey: "={{ $('Cache Lookup').item.json.costGuardCache.key }}",
				}),
			],
			[
				['Source', 'Cache Lookup'],
				['Cache Lookup', 0, 'Cached'],
				['Cache Lookup', 1, 'LLM'],
				['LLM', 'Cache Store'],
			],
		);
		const first = await runWorkflow({ workflow, nodeTypes });
		assert.equal(first.status, 'success', String(first.error?.message));
		assert.deepEqual(
			first
				.output('Cache Lookup', 1)
				.map((item) => (item.json.costGuardCache as IDataObject).budget),
			['acme', 'globex'],
			'Cache Lookup 1.2 names the budget on each item',
		);
		assert.equal(first.output('Cache Store', 0).length, 2);
		assert.match(
			hintsOf(first, 'Cache Store').join('\n'),
			/Budget Name per item, as "Cache Lookup" named each item's/,
		);
		// Each tenant's answer is in its own budget's cache: both are hits the second time.
		const second = await runWorkflow({ workflow, nodeTypes });
		assert.deepEqual(
			second.output('Cached', 0).map((item) => (item.json.costGuardCache as IDataObject).budget),
			['acme', 'globex'],
		);
		assert.equal(second.nodes.LLM, undefined);
	});

	test('Record Usage with no Check Budget before it fails saying so; version 1.1 uses its own Budget Name', async () => {
		const alone = await runSingle(
			guard('Record Usage', 1.2, { operation: 'recordUsage', usageFormat: 'openaiChat' }),
			[{ usage: { prompt_tokens: 1, completion_tokens: 1 }, model: 'gpt-4o-mini' }],
			2,
		);
		assert.equal(alone.status, 'error');
		assert.match(
			String(alone.nodes['Record Usage'].error?.message),
			/Found no Check Budget node to pair with: no enabled Cost Guard Check Budget node is connected before "Record Usage"/,
		);
		const old = await runSingle(
			guard('Record Usage', 1.1, { operation: 'recordUsage', budgetName: fresh('cg') }),
			[{ usage: { prompt_tokens: 1, completion_tokens: 1 }, model: 'gpt-4o-mini' }],
			2,
		);
		assert.equal(old.status, 'success', String(old.error?.message));
		assert.doesNotMatch(hintsOf(old, 'Record Usage').join('\n'), /Paired with/);
	});
});
