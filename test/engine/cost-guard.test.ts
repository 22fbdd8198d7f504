/**
 * Cost Guard through the real n8n engine (in process), on the embedded store: Cache
 * Lookup → Check Budget → a stand-in LLM node answering in OpenAI's chat completions
 * shape → Record Usage → Cache Store, with a budget that runs out part-way. Every output
 * and every pairing is asserted, and the figures are exact to the nano.
 */
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
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

import { CostGuard } from '../../nodes/CostGuard/CostGuard.node';
import { closeAllStores } from '../../nodes/shared/stores/factory';
import type { PostgresStoreConfig, RedisStoreConfig } from '../../nodes/shared/stores/types';
import { postgresHarness, redisHarness } from '../support/stores';
import { budgetKeys } from '../../nodes/shared/core/cost/budget';
import { cacheKeyOf } from '../../nodes/shared/core/cost/cache';
import { createRedactor } from '../../nodes/shared/core/deadletter/redact';
import { promptTokens } from '../../nodes/shared/core/cost/estimate';
import { previousWindows, windowTtlMs } from '../../nodes/shared/core/cost/windows';
import { embeddedStoreFile } from '../../nodes/shared/n8n/store';
import { SqliteStore } from '../../nodes/shared/stores/sqlite';
import {
	assertEachInputLeavesOnce,
	assertPairing,
	buildWorkflow,
	loadPackageTypes,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	storagePathFor,
	TEST_SOURCE,
	medianRunMs,
	type EngineResult,
	type Link,
	type NodeTypeInput,
} from './harness';

const COST_GUARD = 'n8n-nodes-integration-guards.costGuard';
const LLM = 'test.llm';
let budgetCounter = 0;
const freshBudget = () => `engine-cost-${process.pid}-${++budgetCounter}`;

/** Calls the stand-in LLM answered, across runs. */
let llmCalls = 0;

/**
 * Stands in for an HTTP Request node calling OpenAI: replaces each item with a chat
 * completion for gpt-4o-mini using 1,000 prompt tokens (200 of them cached when the
 * item asks) and 500 completion tokens.
 */
class TestLlm implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Test LLM',
		name: 'llm',
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
			this.getInputData().map((item, index): INodeExecutionData => {
				llmCalls++;
				return {
					json: {
						id: `chatcmpl-${llmCalls}`,
						object: 'chat.completion',
						model: 'gpt-4o-mini-2024-07-18',
						choices: [
							{
								index: 0,
								message: { role: 'assistant', content: `summary of ${String(item.json.text)}` },
								finish_reason: 'stop',
							},
						],
						usage: {
							prompt_tokens: 1000,
							completion_tokens: 500,
							total_tokens: 1500,
							prompt_tokens_details: { cached_tokens: item.json.cached === true ? 200 : 0 },
						},
					},
					pairedItem: { item: index },
				};
			}),
		];
	}
}

function nodeTypes(): Record<string, NodeTypeInput> {
	const types: Record<string, NodeTypeInput> = { [LLM]: TestLlm };
	if (!loadPackageTypes().nodes.has(COST_GUARD)) types[COST_GUARD] = CostGuard;
	return types;
}

type NodeSpec = Partial<INode> & Pick<INode, 'name' | 'type'>;

const source = (items: object[]): NodeSpec => ({
	name: 'Source',
	type: TEST_SOURCE,
	parameters: { items: JSON.stringify(items) },
});
const guard = (
	name: string,
	operation: string,
	budget: string,
	parameters: INodeParameters = {},
	extra: Partial<INode> = {},
): NodeSpec => ({
	name,
	type: COST_GUARD,
	parameters: { operation, budgetName: budget, ...parameters },
	...extra,
});

/** One gpt-4o-mini call of the stand-in: 1,000 input at 0.15 and 500 output at 0.60 per million. */
const CALL_NANOS = 1000 * 150 + 500 * 600;

function enrichment(budget: string, items: object[], check: INodeParameters = {}) {
	return buildWorkflow(
		[
			source(items),
			// In the budget's zone: on the first run this counts its misses before Check Budget has saved the budget.
			guard('Cache Lookup', 'cacheLookup', budget, {
				keyFields: 'text',
				options: { ignoreCase: true, timeZone: 'UTC' },
			}),
			{ name: 'Cached', type: TEST_NOOP },
			guard('Check Budget', 'checkBudget', budget, {
				limits: { dailyLimit: '0.0018' },
				estimate: 'fixed',
				estimatedCost: '0.00045',
				options: { timeZone: 'UTC', forecastThresholds: '' },
				...check,
			}),
			{ name: 'LLM', type: LLM },
			{ name: 'Over', type: TEST_NOOP },
			{ name: 'Alerts', type: TEST_NOOP },
			guard('Record Usage', 'recordUsage', budget, {
				options: { checkStamp: "={{ $('Check Budget').item.json.costGuard }}" },
			}),
			{ name: 'Usage Alerts', type: TEST_NOOP },
			guard('Cache Store', 'cacheStore', budget, {
				cacheKey: "={{ $('Cache Lookup').item.json.costGuardCache.key }}",
			}),
		],
		[
			['Source', 'Cache Lookup'],
			['Cache Lookup', 0, 'Cached'],
			['Cache Lookup', 1, 'Check Budget'],
			['Check Budget', 0, 'LLM'],
			['Check Budget', 1, 'Over'],
			['Check Budget', 2, 'Alerts'],
			['LLM', 'Record Usage'],
			['Record Usage', 0, 'Cache Store'],
			['Record Usage', 1, 'Usage Alerts'],
		],
	);
}

type RunOptions = Partial<Parameters<typeof runWorkflow>[0]>;

async function run(
	workflow: ReturnType<typeof buildWorkflow>,
	options: RunOptions = {},
): Promise<EngineResult> {
	return await runWorkflow({ workflow, nodeTypes: nodeTypes(), ...options });
}

async function runSingle(
	node: NodeSpec,
	items: object[],
	outputCount: number,
	options: RunOptions = {},
): Promise<EngineResult> {
	const sinks = Array.from({ length: outputCount }, (_, index) => ({
		name: `Sink ${index}`,
		type: TEST_NOOP,
	}));
	const links: Link[] = [
		['Source', node.name],
		...sinks.map((sink, index): Link => [node.name, index, sink.name]),
	];
	return await run(buildWorkflow([source(items), node, ...sinks], links), options);
}

/**
 * Every input item leaves on exactly one of the item outputs; Alert items are new items
 * (one per threshold per window), paired with the batch's first item, and not counted.
 */
function assertRoutedOnce(result: EngineResult, nodeName: string): void {
	const node = result.nodes[nodeName];
	for (const run of node.runs) {
		const seen = new Array<number>(run.inputs[0].length).fill(0);
		run.outputs.forEach((items, output) => {
			if (run.outputNames[output] === 'Alert') return;
			for (const item of items) seen[(item.pairedItem as { item: number }).item]++;
		});
		assert.deepEqual(
			seen,
			new Array<number>(run.inputs[0].length).fill(1),
			`${nodeName} routes each input item once`,
		);
	}
	assertPairing(result, [nodeName]);
}

const texts = (items: INodeExecutionData[]) => items.map((item) => item.json.text);
const guardField = (item: INodeExecutionData) => item.json.costGuard as IDataObject;
const alertsOf = (items: INodeExecutionData[]) =>
	items.map(
		(item) =>
			`${String(item.json.alert)} ${String(item.json.period)} ${String(item.json.thresholdPercent)}`,
	);

describe('Cost Guard in the n8n engine', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	test('a budget that runs out part-way: exact routes, exact costs, each alert once, repeats served from the cache', async () => {
		const budget = freshBudget();
		const items = Array.from({ length: 10 }, (_, index) => ({ text: `Text ${index}`, n: index }));
		llmCalls = 0;
		const first = await run(enrichment(budget, items));
		assert.equal(first.status, 'success', first.error?.message);
		assert.deepEqual(first.nodes['Check Budget'].outputNames, [
			'Within Budget',
			'Over Budget',
			'Alert',
		]);
		assert.deepEqual(first.nodes['Record Usage'].outputNames, ['Recorded', 'Alert']);
		assert.deepEqual(first.nodes['Cache Lookup'].outputNames, ['Hit', 'Miss']);
		assert.deepEqual(first.output('Cache Lookup', 'Hit'), []);
		// 0.0018 / 0.00045 = 4 items fit the day.
		const within = first.output('Check Budget', 'Within Budget');
		assert.deepEqual(texts(within), ['Text 0', 'Text 1', 'Text 2', 'Text 3']);
		assert.deepEqual(
			texts(first.output('Check Budget', 'Over Budget')),
			items.slice(4).map((item) => item.text),
		);
		assert.deepEqual(
			within.map((item) => item.pairedItem),
			[0, 1, 2, 3].map((item) => ({ item })),
		);
		const stamp = guardField(within[0]);
		assert.deepEqual(
			[stamp.route, stamp.estimateNanos, stamp.estimateExact, stamp.currency],
			['within', 450_000, '0.00045', 'USD'],
		);
		assert.deepEqual(guardField(first.output('Check Budget', 'Over Budget')[0]).overLimits, [
			'day money',
		]);
		assert.equal(llmCalls, 4);
		assert.deepEqual(
			first.output('Check Budget', 'Alert'),
			[],
			'nothing recorded yet when the batch was checked',
		);

		const recorded = first.output('Record Usage', 'Recorded');
		assert.equal(recorded.length, 4);
		for (const item of recorded) {
			const cost = item.json.cost as IDataObject;
			assert.deepEqual(
				[cost.nanos, cost.exact, cost.amount, cost.model, cost.budget],
				[CALL_NANOS, '0.00045', 0.00045, 'gpt-4o-mini-2024-07-18', budget],
			);
			assert.match(String(cost.priceSource), /^built-in table of \d{4}-\d\d-\d\d$/);
		}
		assert.deepEqual(alertsOf(first.output('Record Usage', 'Alert')), [
			'actual day 50',
			'actual day 75',
			'actual day 100',
		]);
		const full = first.output('Record Usage', 'Alert')[2].json;
		assert.deepEqual(
			[full.spentExact, full.limit, full.percent, full.budget],
			['0.0018', 0.0018, 100, budget],
		);
		assert.match(
			String(full.message),
			/has spent 0\.0018 USD of its daily limit 0\.0018 USD \(100% threshold/,
		);
		assert.equal(first.output('Cache Store', 'Stored').length, 4);
		assert.ok(
			!first.nodes['Record Usage'].hints.some((hint) =>
				/no item carried its Check Budget stamp/.test(hint.message),
			),
		);
		for (const node of ['Cache Lookup', 'Cache Store']) assertEachInputLeavesOnce(first, node);
		for (const node of ['Check Budget', 'Record Usage']) assertRoutedOnce(first, node);
		assertPairing(first);

		// The same input again, in other case and spacing: the four answered ones come from the cache.
		const second = await run(
			enrichment(
				budget,
				items.map((item) => ({ ...item, text: `  ${item.text.toUpperCase()} ` })),
			),
		);
		assert.equal(second.status, 'success', second.error?.message);
		const hits = second.output('Cache Lookup', 'Hit');
		assert.deepEqual(
			hits.map((item) => item.pairedItem),
			[0, 1, 2, 3].map((item) => ({ item })),
		);
		assert.deepEqual(
			hits.map((item) => (item.json.choices as IDataObject[])[0]),
			[0, 1, 2, 3].map((n) => ({
				index: 0,
				message: { role: 'assistant', content: `summary of Text ${n}` },
				finish_reason: 'stop',
			})),
		);
		assert.equal((hits[0].json.costGuardCache as IDataObject).hit, true);
		assert.equal((hits[0].json.costGuardCache as IDataObject).costAvoided, 0.00045);
		assert.equal(llmCalls, 4, 'no call for the cached inputs, none over budget');
		assert.equal(second.output('Check Budget', 'Within Budget').length, 0);
		assert.equal(second.output('Check Budget', 'Over Budget').length, 6);
		assert.deepEqual(
			second.output('Check Budget', 'Alert'),
			[],
			'each alert fires once per window',
		);
		assertPairing(second);

		const report = await runSingle(guard('Report', 'report', budget), [{}], 1);
		assert.equal(report.status, 'success', report.error?.message);
		const [summary] = report.output('Report', 'Report');
		const day = (summary.json.periods as IDataObject).day as IDataObject;
		assert.deepEqual(
			[day.spentExact, day.reserved, day.limit, day.percentOfLimit, day.records],
			['0.0018', 0, 0.0018, 100, 4],
		);
		const perRecord = day.costPerRecord as IDataObject;
		assert.equal(perRecord.average, 0.00045);
		assert.ok(
			Math.abs((perRecord.p95 as number) - 0.00045) / 0.00045 <= 0.1,
			`p95 ${String(perRecord.p95)}`,
		);
		assert.deepEqual(day.cache, {
			hits: 4,
			misses: 16,
			costAvoided: 0.0018,
			costAvoidedExact: '0.0018',
		});
		assert.equal(summary.json.timeZone, 'UTC', "Report counts in the budget's zone");
		assert.equal(((summary.json.periods as IDataObject).month as IDataObject).spentExact, '0.0018');
	});

	test('Report counts the items a money-only budget let through, in every period (issue 20)', async () => {
		const budget = freshBudget();
		const items = Array.from({ length: 12 }, (_, n) => ({ text: `t${n}` }));
		const checked = await runSingle(
			guard('Check Budget', 'checkBudget', budget, {
				limits: { dailyLimit: '0.010' },
				estimate: 'fixed',
				estimatedCost: '0.001',
				options: { timeZone: 'UTC', actualThresholds: '', forecastThresholds: '' },
			}),
			items,
			3,
		);
		assert.equal(checked.status, 'success', checked.error?.message);
		assert.equal(checked.output('Check Budget', 'Within Budget').length, 10);
		assert.equal(checked.output('Check Budget', 'Over Budget').length, 2);
		const report = await runSingle(guard('Report', 'report', budget), [{}], 1);
		const periods = report.output('Report', 'Report')[0].json.periods as IDataObject;
		for (const period of ['hour', 'day', 'month'])
			assert.equal(
				(periods[period] as IDataObject).itemsLetThrough,
				10,
				`${period}: the 10 items let through, none of the 2 turned away`,
			);
		assert.equal((periods.day as IDataObject).itemLimit, null);
	});

	test('Near Limit (%) stamps how full each item leaves the budget, for a cheaper-model route', async () => {
		const budget = freshBudget();
		const check = (options: IDataObject) =>
			guard('Check Budget', 'checkBudget', budget, {
				limits: { dailyLimit: '0.004' },
				estimate: 'fixed',
				estimatedCost: '0.001',
				options: { timeZone: 'UTC', actualThresholds: '', forecastThresholds: '', ...options },
			});
		const items = Array.from({ length: 5 }, (_, n) => ({ text: `t${n}` }));
		const result = await runSingle(check({ nearLimitPercent: 70 }), items, 3);
		assert.equal(result.status, 'success', result.error?.message);
		const stamps = [
			...result.output('Check Budget', 'Within Budget'),
			...result.output('Check Budget', 'Over Budget'),
		].map((item) => guardField(item));
		assert.deepEqual(
			stamps.map((stamp) => [stamp.route, stamp.percentOfLimit, stamp.nearLimit]),
			[
				['within', 25, false],
				['within', 50, false],
				['within', 75, true],
				['within', 100, true],
				['over', 125, true],
			],
		);
		assertRoutedOnce(result, 'Check Budget');
		// Off (the default): the stamp is as before.
		const off = await runSingle(
			guard('Check Budget', 'checkBudget', freshBudget(), {
				limits: { dailyLimit: '1' },
				estimate: 'fixed',
				estimatedCost: '0.001',
			}),
			[{ text: 'a' }],
			3,
		);
		const stamp = guardField(off.output('Check Budget', 'Within Budget')[0]);
		assert.equal('nearLimit' in stamp || 'percentOfLimit' in stamp, false);
		const bad = await runSingle(check({ nearLimitPercent: 150 }), items, 3);
		assert.equal(bad.status, 'error');
		assert.match(bad.error?.message ?? '', /Near Limit \(%\)/);
	});

	test('without the Check stamp the estimate stays reserved, and a hint says how to fix it', async () => {
		const budget = freshBudget();
		const workflow = enrichment(budget, [{ text: 'a' }, { text: 'b' }]);
		workflow.nodes.find((node) => node.name === 'Record Usage')!.parameters.options = {};
		const result = await run(workflow);
		assert.equal(result.status, 'success', result.error?.message);
		assert.ok(
			result.nodes['Record Usage'].hints.some((hint) =>
				/Check Stamp to \{\{ \$\('Check Budget'\)\.item\.json\.costGuard \}\}/.test(hint.message),
			),
		);
		const report = await runSingle(guard('Report', 'report', budget), [{}], 1);
		const day = (report.output('Report', 'Report')[0].json.periods as IDataObject)
			.day as IDataObject;
		assert.deepEqual([day.spentExact, day.reserved], ['0.0009', 0.0009]);
	});

	test('Record Usage prices Anthropic 1-hour cache writes and long prompts, and loads a price list (issue 20)', async () => {
		const budget = freshBudget();
		const anthropic = {
			type: 'message',
			model: 'claude-sonnet-4-5-20250929',
			usage: {
				input_tokens: 195_000,
				cache_creation_input_tokens: 10_000,
				cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 10_000 },
				cache_read_input_tokens: 0,
				output_tokens: 1_000,
			},
		};
		const listed = { model: 'my-model', usage: { prompt_tokens: 1_000_000, completion_tokens: 0 } };
		const result = await runSingle(
			guard('Record Usage', 'recordUsage', budget, {
				usageFormat: 'auto',
				model: '',
				priceList: JSON.stringify({
					'my-model': { input_cost_per_token: 7e-7, output_cost_per_token: 1e-6, mode: 'chat' },
				}),
			}),
			[anthropic, listed],
			2,
		);
		assert.equal(result.status, 'success', result.error?.message);
		const [sonnet, mine] = result
			.output('Record Usage', 'Recorded')
			.map((item) => item.json.cost as IDataObject);
		// 205,000 input tokens > 200K: 195,000 × $6 + 10,000 × $12 (1-hour write) + 1,000 × $22.50
		// per million = 1.17 + 0.12 + 0.0225 = $1.3125.
		assert.equal(sonnet.exact, '1.3125');
		assert.equal(sonnet.priceTier, 'long context');
		assert.deepEqual(sonnet.tokens, {
			input: 195_000,
			cachedInput: 0,
			cacheWrite: 10_000,
			cacheWrite1h: 10_000,
			output: 1_000,
			reasoning: 0,
		});
		// 1,000,000 × $0.70 per million from the list.
		assert.deepEqual([mine.exact, mine.priceSource], ['0.70', 'priceList']);
		assertRoutedOnce(result, 'Record Usage');

		const hostile = await runSingle(
			guard('Record Usage', 'recordUsage', budget, {
				priceList: '{"gpt-4o": {"input_cost_per_token": -1, "output_cost_per_token": 1e-6}}',
			}),
			[listed],
			2,
		);
		assert.equal(hostile.status, 'error');
		assert.match(
			hostile.error?.message ?? '',
			/^Price List \(JSON\) cannot be used: Price list, model "gpt-4o", field input_cost_per_token/,
		);
	});

	test('a reservation is released once, however many items carry its stamp', async () => {
		const budget = freshBudget();
		const checked = await runSingle(
			guard('Check Budget', 'checkBudget', budget, {
				limits: { dailyLimit: '1' },
				estimate: 'fixed',
				estimatedCost: '0.001',
				options: { timeZone: 'UTC' },
			}),
			[{ text: 'a' }],
			3,
		);
		const [within] = checked.output('Check Budget', 'Within Budget');
		const stamp = guardField(within);
		assert.match(String(stamp.reservation), /^[0-9a-f-]{36}$/);
		// A vendor node that returns two items for one, then the same execution retried: four copies of one stamp.
		const response = {
			model: 'gpt-4o-mini',
			usage: { prompt_tokens: 1000, completion_tokens: 500 },
			costGuard: stamp,
		};
		for (let run = 0; run < 2; run++) {
			const recorded = await runSingle(
				guard('Record Usage', 'recordUsage', budget, { usageFormat: 'openaiChat', model: '' }),
				[response, response],
				2,
			);
			assert.equal(recorded.status, 'success', recorded.error?.message);
		}
		// Another item's reservation, still open: a second release of the first one would eat it.
		const other = await runSingle(
			guard('Check Budget', 'checkBudget', budget, {
				limits: { dailyLimit: '1' },
				estimate: 'fixed',
				estimatedCost: '0.002',
				options: { timeZone: 'UTC' },
			}),
			[{ text: 'b' }],
			3,
		);
		assert.equal(other.output('Check Budget', 'Within Budget').length, 1);
		const again = await runSingle(
			guard('Record Usage', 'recordUsage', budget, { usageFormat: 'openaiChat', model: '' }),
			[response],
			2,
		);
		assert.equal(again.status, 'success', again.error?.message);
		const report = await runSingle(guard('Report', 'report', budget), [{}], 1);
		const day = (report.output('Report', 'Report')[0].json.periods as IDataObject)
			.day as IDataObject;
		assert.equal(
			day.reserved,
			0.002,
			"the first reservation released once; the other run's reservation intact",
		);
	});

	test('Stop the Workflow fails on the first item that does not fit, reserves nothing and leaves alerts for the next run', async () => {
		const budget = freshBudget();
		// 0.60 recorded before any Check published the limits (in the budget's zone, which it cannot read yet): no alert yet.
		const spent = await runSingle(
			guard('Record Usage', 'recordUsage', budget, {
				model: 'flat',
				priceOverrides: { models: [{ model: 'flat', input: '1', output: '0' }] },
				options: { timeZone: 'UTC' },
			}),
			[{ usage: { prompt_tokens: 600_000, completion_tokens: 0 } }],
			2,
		);
		assert.equal(
			(spent.output('Record Usage', 'Recorded')[0].json.cost as IDataObject).exact,
			'0.60',
		);
		assert.deepEqual(spent.output('Record Usage', 'Alert'), []);
		const check = (extra: IDataObject = {}) =>
			guard('Check Budget', 'checkBudget', budget, {
				limits: { dailyLimit: '1.00', dailyItems: 3 },
				estimate: 'fixed',
				estimatedCost: '0.10',
				options: { overBudget: 'stop', timeZone: 'UTC', forecastThresholds: '', ...extra },
			});
		const stopped = await runSingle(check(), [{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }], 3);
		assert.equal(stopped.status, 'error');
		assert.match(
			String(stopped.error?.message),
			/Budget ".*" is exhausted: item 3 does not fit \(day items limit\)/,
		);
		const routed = await runSingle(
			check({ overBudget: 'route' }),
			[{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }],
			3,
		);
		assert.equal(routed.status, 'success', routed.error?.message);
		assert.deepEqual(
			routed.output('Check Budget', 'Within Budget').map((item) => item.json.n),
			[0, 1, 2],
			'the stopped run reserved nothing',
		);
		assert.deepEqual(
			routed
				.output('Check Budget', 'Over Budget')
				.map((item) => [item.json.n, guardField(item).overLimits]),
			[[3, ['day items']]],
		);
		assert.deepEqual(
			alertsOf(routed.output('Check Budget', 'Alert')),
			['actual day 50'],
			'the alert the stopped run could not send',
		);
		assertRoutedOnce(routed, 'Check Budget');
	});

	test("what Record Usage and Cache Lookup count before the budget's first check lands in the budget's windows, whatever the date", async () => {
		const budget = freshBudget();
		// The workflow's zone and the budget's are 25 hours apart: their dates differ at every instant.
		const settings = { timezone: 'Pacific/Pago_Pago' };
		const zone = { timeZone: 'Pacific/Kiritimati' };
		const single = async (node: NodeSpec, items: object[], outputCount: number) => {
			const sinks = Array.from({ length: outputCount }, (_, index) => ({
				name: `Sink ${index}`,
				type: TEST_NOOP,
			}));
			const links: Link[] = [
				['Source', node.name],
				...sinks.map((sink, index): Link => [node.name, index, sink.name]),
			];
			return await run(buildWorkflow([source(items), node, ...sinks], links, settings));
		};
		const spent = await single(
			guard('Record Usage', 'recordUsage', budget, {
				model: 'flat',
				priceOverrides: { models: [{ model: 'flat', input: '1', output: '0' }] },
				options: zone,
			}),
			[{ usage: { prompt_tokens: 600_000, completion_tokens: 0 } }],
			2,
		);
		assert.equal(spent.status, 'success', spent.error?.message);
		const looked = await single(
			guard('Cache Lookup', 'cacheLookup', budget, { keyFields: 'text', options: zone }),
			[{ text: 'a' }],
			2,
		);
		assert.equal(looked.output('Cache Lookup', 'Miss').length, 1);
		const checked = await single(
			guard('Check Budget', 'checkBudget', budget, {
				limits: { dailyLimit: '1.00' },
				estimate: 'fixed',
				estimatedCost: '0.50',
				options: { ...zone, forecastThresholds: '' },
			}),
			[{ n: 0 }],
			3,
		);
		assert.equal(checked.status, 'success', checked.error?.message);
		assert.deepEqual(
			checked.output('Check Budget', 'Within Budget'),
			[],
			"0.60 spent + 0.50 does not fit 1.00 in the budget's day",
		);
		assert.deepEqual(guardField(checked.output('Check Budget', 'Over Budget')[0]).overLimits, [
			'day money',
		]);
		assert.deepEqual(alertsOf(checked.output('Check Budget', 'Alert')), ['actual day 50']);
		const report = await single(guard('Report', 'report', budget), [{}], 1);
		const day = (report.output('Report', 'Report')[0].json.periods as IDataObject)
			.day as IDataObject;
		assert.deepEqual(
			[
				day.spentExact,
				(day.cache as IDataObject).misses,
				report.output('Report', 'Report')[0].json.timeZone,
			],
			['0.60', 1, 'Pacific/Kiritimati'],
		);
		const wrong = await single(
			guard('Report', 'report', freshBudget(), { options: { timeZone: 'Mars/Base' } }),
			[{}],
			1,
		);
		assert.match(String(wrong.error?.message), /Unknown time zone "Mars\/Base"/);
	});

	test("estimates from the prompt tokens at the model's input price plus the expected output", async () => {
		const budget = freshBudget();
		const prompts = ['Summarise: the quick brown fox jumps over the lazy dog.', 'x'];
		const result = await runSingle(
			guard('Check Budget', 'checkBudget', budget, {
				limits: { monthlyLimit: '5' },
				estimate: 'tokens',
				prompt: '={{ $json.text }}',
				estimateModel: 'gpt-4o-mini',
				expectedOutputTokens: 100,
			}),
			prompts.map((text) => ({ text })),
			3,
		);
		assert.equal(result.status, 'success', result.error?.message);
		const estimates = result
			.output('Check Budget', 'Within Budget')
			.map((item) => guardField(item).estimateNanos);
		assert.deepEqual(
			estimates,
			prompts.map((text) => promptTokens(text) * 150 + 100 * 600),
		);
	});

	test("Record Usage prices each vendor's shape, and sends what it cannot price to the error output", async () => {
		const budget = freshBudget();
		const items = [
			{
				model: 'claude-sonnet-4-5-20250929',
				usage: {
					input_tokens: 100,
					cache_creation_input_tokens: 5000,
					cache_read_input_tokens: 20000,
					output_tokens: 300,
				},
			},
			{
				model: 'gpt-4o',
				usage: {
					prompt_tokens: 3000,
					completion_tokens: 500,
					prompt_tokens_details: { cached_tokens: 2000 },
				},
			},
			{ model: 'mystery-model', usage: { prompt_tokens: 1, completion_tokens: 1 } },
			{ model: 'gpt-4o', usage: { prompt_tokens: -5, completion_tokens: 1 } },
			{ text: 'no usage here' },
			{
				model: 'my-model',
				object: 'response',
				usage: { input_tokens: 10, output_tokens: 20, input_tokens_details: { cached_tokens: 0 } },
			},
		];
		const result = await runSingle(
			guard(
				'Record Usage',
				'recordUsage',
				budget,
				{ priceOverrides: { models: [{ model: 'my-model', input: '1', output: '2' }] } },
				{ onError: 'continueErrorOutput' },
			),
			items,
			3,
		);
		assert.equal(result.status, 'success', result.error?.message);
		assert.deepEqual(result.nodes['Record Usage'].outputNames, ['Recorded', 'Alert', 'Error']);
		const recorded = result.output('Record Usage', 'Recorded');
		assert.deepEqual(
			recorded.map((item) => item.pairedItem),
			[{ item: 0 }, { item: 1 }, { item: 5 }],
		);
		assert.deepEqual(
			recorded.map((item) => (item.json.cost as IDataObject).nanos),
			[
				100 * 3000 + 5000 * 3750 + 20000 * 300 + 300 * 15000,
				1000 * 2500 + 2000 * 1250 + 500 * 10000,
				10 * 1000 + 20 * 2000,
			],
		);
		assert.deepEqual((recorded[1].json.cost as IDataObject).tokens, {
			input: 1000,
			cachedInput: 2000,
			cacheWrite: 0,
			output: 500,
			reasoning: 0,
		});
		assert.equal((recorded[2].json.cost as IDataObject).priceSource, 'override');
		const errors = result.output('Record Usage', 'Error');
		assert.deepEqual(
			errors.map((item) => item.pairedItem),
			[{ item: 2 }, { item: 3 }, { item: 4 }],
		);
		assert.deepEqual(
			errors.map((item) => String(item.json.error).replace(/^Item \d+: /, '')),
			[
				'no price for model "mystery-model"',
				'usage.prompt_tokens is not a token count: -5',
				'No usage object found (looked at usage, tokenUsage, tokenUsageEstimate, usageMetadata, response.usage, response.usageMetadata, body.usage, data.usage, message.usage)',
			],
		);
		assertEachInputLeavesOnce(result, 'Record Usage');
	});

	test("a forecast alert fires once when the rate so far would reach the threshold by the day's end", async () => {
		const budget = freshBudget();
		// A zone where it is now between 06:00 and 18:00, so a quarter to three quarters of the day has gone.
		const zone = [
			'UTC',
			'Asia/Tokyo',
			'America/New_York',
			'Asia/Kolkata',
			'America/Los_Angeles',
			'Europe/Berlin',
			'Pacific/Auckland',
		].find((candidate) => {
			const hour = Number(
				new Intl.DateTimeFormat('en-GB', {
					hour: '2-digit',
					hour12: false,
					timeZone: candidate,
				}).format(new Date()),
			);
			return hour >= 6 && hour < 17;
		})!;
		const check = guard('Check Budget', 'checkBudget', budget, {
			limits: { dailyLimit: '0.00225' },
			options: { timeZone: zone, actualThresholds: '50', forecastThresholds: '25' },
		});
		const published = await runSingle(check, [{}], 3);
		assert.equal(published.status, 'success', published.error?.message);
		// One call: 20% of the limit spent; the forecast is 20% / (0.25..0.75) ≥ 26.7%.
		const call = { model: 'gpt-4o-mini', usage: { prompt_tokens: 1000, completion_tokens: 500 } };
		const record = guard('Record Usage', 'recordUsage', budget);
		const first = await runSingle(record, [call], 2);
		assert.deepEqual(alertsOf(first.output('Record Usage', 'Alert')), ['forecast day 25']);
		const alert = first.output('Record Usage', 'Alert')[0].json;
		assert.ok(
			(alert.forecast as number) > 0.00045 && (alert.percent as number) >= 25,
			JSON.stringify(alert),
		);
		assert.match(String(alert.message), /is forecast to spend/);
		const second = await runSingle(record, [call], 2);
		assert.deepEqual(
			second.output('Record Usage', 'Alert'),
			[],
			'the forecast alert is not repeated',
		);
		const third = await runSingle(record, [call, call, call], 2);
		assert.deepEqual(alertsOf(third.output('Record Usage', 'Alert')), ['actual day 50']);
	});

	test('configuration mistakes fail before any item, pointing at the parameter', async () => {
		const cases: Array<[INodeParameters, RegExp]> = [
			[{ operation: 'checkBudget', budgetName: 'x' }, /The budget has no limit/],
			[
				{ operation: 'checkBudget', budgetName: 'x', limits: { dailyLimit: '-3' } },
				/Daily Limit: "-3" is not an amount of money/,
			],
			[
				{
					operation: 'checkBudget',
					budgetName: 'x',
					limits: { dailyLimit: '3' },
					options: { timeZone: 'Mars/Base' },
				},
				/Unknown time zone "Mars\/Base"/,
			],
			[
				{
					operation: 'checkBudget',
					budgetName: 'x',
					limits: { dailyLimit: '3' },
					options: { actualThresholds: 'lots' },
				},
				/Actual Alert Thresholds: "lots" is not a threshold/,
			],
			[
				{ operation: 'checkBudget', budgetName: ' ', limits: { dailyLimit: '3' } },
				/Budget Name is empty/,
			],
			[
				{
					operation: 'checkBudget',
					budgetName: 'x',
					limits: { dailyLimit: '3' },
					estimate: 'tokens',
					prompt: 'x',
					estimateModel: 'nope',
				},
				/No price for model "nope"/,
			],
			[
				{
					operation: 'recordUsage',
					budgetName: 'x',
					priceOverrides: { models: [{ model: 'm', input: 'free', output: '1' }] },
				},
				/Price of m, input/,
			],
			[{ operation: 'cacheLookup', budgetName: 'x', keyFields: ' , ' }, /Key Fields is empty/],
		];
		for (const [parameters, message] of cases) {
			const result = await runSingle(
				{ name: 'Guard', type: COST_GUARD, parameters },
				[{ usage: { prompt_tokens: 1, completion_tokens: 1 }, model: 'gpt-4o' }],
				3,
			);
			assert.equal(result.status, 'error', JSON.stringify(parameters));
			assert.match(String(result.error?.message), message);
		}
	});
	for (const harness of [redisHarness(), postgresHarness()]) {
		test(`on ${harness.backend}, chosen as Store with its credential: the same budget, cache and report`, async () => {
			await harness.check();
			const config = harness.config();
			const credentialType =
				harness.backend === 'redis' ? 'integrationGuardsRedisApi' : 'integrationGuardsPostgresApi';
			const data =
				harness.backend === 'redis'
					? {
							host: (config as RedisStoreConfig).host,
							port: (config as RedisStoreConfig).port,
							database: 0,
							keyPrefix: (config as RedisStoreConfig).keyPrefix,
						}
					: (({ host, port, database, user, schema, tablePrefix }: PostgresStoreConfig) => ({
							host,
							port,
							database,
							user,
							password: '',
							ssl: 'disable',
							schema,
							tablePrefix,
						}))(config as PostgresStoreConfig);
			const options: RunOptions = { credentials: { [credentialType]: data } };
			const budget = freshBudget();
			const workflow = enrichment(budget, [
				{ text: 'a' },
				{ text: 'b' },
				{ text: 'c' },
				{ text: 'd' },
				{ text: 'e' },
			]);
			for (const node of workflow.nodes) {
				if (node.type !== COST_GUARD) continue;
				node.parameters.store = harness.backend;
				node.credentials = {
					[credentialType]: { id: `${harness.backend}-1`, name: harness.backend },
				};
			}
			try {
				const first = await run(workflow, options);
				assert.equal(first.status, 'success', first.error?.message);
				assert.deepEqual(texts(first.output('Check Budget', 'Within Budget')), [
					'a',
					'b',
					'c',
					'd',
				]);
				assert.deepEqual(texts(first.output('Check Budget', 'Over Budget')), ['e']);
				assert.deepEqual(alertsOf(first.output('Record Usage', 'Alert')), [
					'actual day 50',
					'actual day 75',
					'actual day 100',
				]);
				const second = await run(workflow, options);
				assert.equal(second.output('Cache Lookup', 'Hit').length, 4);
				assert.deepEqual(texts(second.output('Check Budget', 'Over Budget')), ['e']);
				assert.deepEqual(second.output('Check Budget', 'Alert'), [], 'alerts are not repeated');
				assert.equal(second.nodes.LLM, undefined, 'nothing called');
				const reportNode = guard(
					'Report',
					'report',
					budget,
					{ store: harness.backend },
					{
						credentials: {
							[credentialType]: { id: `${harness.backend}-1`, name: harness.backend },
						},
					},
				);
				const report = await runSingle(reportNode, [{}], 1, options);
				const day = (report.output('Report', 'Report')[0].json.periods as IDataObject)
					.day as IDataObject;
				assert.deepEqual(
					[
						day.spentExact,
						day.records,
						day.reserved,
						(day.cache as IDataObject).hits,
						(day.cache as IDataObject).costAvoidedExact,
					],
					['0.0018', 4, 0, 4, '0.0018'],
				);
			} finally {
				await closeAllStores();
				await harness.cleanup();
			}
		});
	}

	test('Cache Store refuses what is not a key or too large; Hit merges as chosen', async () => {
		const budget = freshBudget();
		const lookup = (parameters: INodeParameters = {}) =>
			guard('Cache Lookup', 'cacheLookup', budget, { keyFields: 'q', ...parameters });
		const miss = await runSingle(lookup(), [{ q: 'one' }, { q: 'two' }], 2);
		const keys = miss
			.output('Cache Lookup', 'Miss')
			.map((item) => (item.json.costGuardCache as IDataObject).key as string);
		assert.equal(keys.length, 2);
		const stored = await runSingle(
			guard(
				'Cache Store',
				'cacheStore',
				budget,
				{ keyFrom: 'key', cacheKey: '={{ $json.key }}', options: { cacheResponseField: 'answer' } },
				{ onError: 'continueErrorOutput' },
			),
			[
				{ key: keys[0], answer: { text: 'uno' }, cost: { nanos: 1234 } },
				{ key: keys[1], answer: { text: 'x'.repeat(1_100_000) } },
				{ key: '__proto__', answer: 'no' },
				{ key: 42, answer: 'no' },
			],
			1,
		);
		assert.equal(stored.status, 'success', stored.error?.message);
		assert.deepEqual(
			stored
				.output('Cache Store', 0)
				.map((item) => [item.pairedItem, (item.json.costGuardCache as IDataObject).stored]),
			[
				[{ item: 0 }, true],
				[{ item: 1 }, false],
			],
		);
		assert.deepEqual(
			stored.output('Cache Store', 'Error').map((item) => item.pairedItem),
			[{ item: 2 }, { item: 3 }],
		);
		assert.match(
			String(stored.output('Cache Store', 'Error')[0].json.error),
			/Cache Key is not a key from Cache Lookup/,
		);
		assert.match(
			stored.nodes['Cache Store'].hints[0].message,
			/1 response\(s\) were larger than 1 MB/,
		);

		const merged = await runSingle(
			lookup({ hitOutput: 'merge' }),
			[{ q: ' one ', keep: true }, { q: 'two' }],
			2,
		);
		assert.deepEqual(
			merged
				.output('Cache Lookup', 'Hit')
				.map((item) => [
					item.pairedItem,
					item.json.q,
					item.json.keep,
					item.json.text,
					(item.json.costGuardCache as IDataObject).costAvoided,
				]),
			[[{ item: 0 }, ' one ', true, 'uno', 0.000001234]],
		);
		assert.deepEqual(
			merged.output('Cache Lookup', 'Miss').map((item) => item.pairedItem),
			[{ item: 1 }],
			'the too large one was not stored',
		);
		const inField = await runSingle(
			lookup({ hitOutput: 'field', responseField: 'llm' }),
			[{ q: 'one' }],
			2,
		);
		assert.deepEqual(
			inField.output('Cache Lookup', 'Hit').map((item) => [item.json.q, item.json.llm]),
			[['one', { text: 'uno' }]],
		);
		const replaced = await runSingle(lookup(), [{ q: 'one', dropped: true }], 2);
		assert.deepEqual(Object.keys(replaced.output('Cache Lookup', 'Hit')[0].json).sort(), [
			'costGuardCache',
			'text',
		]);
		assertEachInputLeavesOnce(merged, 'Cache Lookup');
	});

	test("Cache Store keeps the vendor's answer only: not the item's cost, stamp or correlation ID, nor secrets", async () => {
		const budget = freshBudget();
		const lookup = guard('Cache Lookup', 'cacheLookup', budget, { keyFields: 'q' });
		const miss = await runSingle(lookup, [{ q: 'three' }, { q: { deep: { deeper: 1 } } }], 2);
		const [key] = miss
			.output('Cache Lookup', 'Miss')
			.map((item) => (item.json.costGuardCache as IDataObject).key as string);
		const stored = await runSingle(
			guard('Cache Store', 'cacheStore', budget, { keyFrom: 'key', cacheKey: '={{ $json.key }}' }),
			[
				{
					key,
					text: 'tres',
					headers: { authorization: 'Bearer sk-live-secret' },
					cost: { nanos: 500, amount: 0.0000005 },
					costGuard: { estimateNanos: 9 },
					correlationId: 'item-a',
				},
			],
			1,
		);
		assert.equal(stored.status, 'success', stored.error?.message);
		const hit = await runSingle(lookup, [{ q: 'three', correlationId: 'item-b' }], 2);
		const [replayed] = hit.output('Cache Lookup', 'Hit');
		assert.equal(replayed.json.text, 'tres');
		assert.equal(replayed.json.key, key);
		for (const field of ['cost', 'costGuard', 'correlationId'])
			assert.equal(replayed.json[field], undefined, `${field} is not replayed from another item`);
		assert.doesNotMatch(
			JSON.stringify(replayed.json),
			/sk-live-secret/,
			'a secret is never stored',
		);
		assert.equal(
			(replayed.json.costGuardCache as IDataObject).costAvoided,
			0.0000005,
			'the cost avoided is still counted',
		);
	});

	test("secrets in a cached answer never reach the store: what Cache Store writes is the package redactor's copy", async () => {
		const budget = freshBudget();
		const scope = `engine-cost-redact-${process.pid}`;
		const secrets = [
			'sk-live-0123456789abcdefghijkl',
			'hunter2-correct-horse',
			'AKIAIOSFODNN7EXAMPLE',
			'tok_9f8e7d6c5b4a39281706',
			'pa55w0rd-in-url',
		];
		const answer = {
			q: 'weather',
			choices: [
				{
					message: {
						content: `Use key ${secrets[0]} with Bearer ${secrets[3]} and https://bot:${secrets[4]}@api.example.com/v1`,
					},
				},
			],
			headers: { Authorization: `Bearer ${secrets[3]}`, 'X-Api-Key': secrets[2] },
			config: { password: secrets[1], nested: [{ apiKey: secrets[2] }] },
		};
		const stored = await runSingle(
			guard('Cache Store', 'cacheStore', budget, { scope, keyFrom: 'fields', keyFields: 'q' }),
			[answer],
			1,
		);
		assert.equal(stored.status, 'success', stored.error?.message);
		const key = (stored.output('Cache Store', 'Stored')[0].json.costGuardCache as IDataObject)
			.key as string;
		const store = new SqliteStore({
			backend: 'sqlite',
			file: embeddedStoreFile(storagePathFor(COST_GUARD)),
		});
		let raw: unknown;
		try {
			raw = (await store.read(`cost:${scope}`, [budgetKeys.cache(budget, key)])).records.get(
				budgetKeys.cache(budget, key),
			)?.value;
		} finally {
			await store.close();
		}
		assert.ok(raw !== undefined, 'the answer was stored');
		for (const secret of secrets)
			assert.ok(!JSON.stringify(raw).includes(secret), `${secret} is not in the store`);
		assert.deepEqual(
			(raw as IDataObject).response,
			createRedactor().redact(answer).value,
			'stored through the package redactor',
		);
		const hit = await runSingle(
			guard('Cache Lookup', 'cacheLookup', budget, { scope, keyFields: 'q' }),
			[{ q: 'weather' }],
			2,
		);
		const [served] = hit.output('Cache Lookup', 'Hit');
		for (const secret of secrets)
			assert.ok(
				!JSON.stringify(served.json).includes(secret),
				`${secret} is not served from the cache`,
			);
	});

	test('an entry stored with a secret (before the redactor knew its shape) is served redacted', async () => {
		const budget = freshBudget();
		const scope = `engine-cost-redact-${process.pid}`;
		const key = cacheKeyOf({ q: 'x' }, ['q'], { ignoreCase: false });
		const store = new SqliteStore({
			backend: 'sqlite',
			file: embeddedStoreFile(storagePathFor(COST_GUARD)),
		});
		try {
			await store.write(`cost:${scope}`, [
				{
					key: budgetKeys.cache(budget, key),
					value: {
						response: { answer: 'ok', password: 'old-entry-secret' },
						costNanos: 1,
						storedAt: 0,
					},
					ttlMs: 60_000,
				},
			]);
		} finally {
			await store.close();
		}
		const hit = await runSingle(
			guard('Cache Lookup', 'cacheLookup', budget, { scope, keyFields: 'q' }),
			[{ q: 'x' }],
			2,
		);
		assert.equal(hit.status, 'success', hit.error?.message);
		const [served] = hit.output('Cache Lookup', 'Hit');
		assert.equal(served.json.answer, 'ok');
		assert.doesNotMatch(JSON.stringify(served.json), /old-entry-secret/);
	});

	test('under Continue (using regular output) an item Record Usage cannot price is not on Recorded, and its error quotes no secret', async () => {
		const secret = 'sk-live-0123456789abcdefghijkl';
		const result = await runSingle(
			guard('Record Usage', 'recordUsage', freshBudget(), {}, { onError: 'continueRegularOutput' }),
			[
				{ model: 'gpt-4o-mini', usage: { prompt_tokens: 10, completion_tokens: 5 } },
				{ model: secret, usage: { prompt_tokens: 10, completion_tokens: 5 } },
			],
			2,
		);
		assert.equal(result.status, 'success', result.error?.message);
		assert.deepEqual(
			result.output('Record Usage', 'Recorded').map((item) => item.pairedItem),
			[{ item: 0 }],
			'only the priced item is on Recorded',
		);
		const [refused] = result.output('Record Usage', 'Alert');
		assert.deepEqual(refused.pairedItem, { item: 1 });
		assert.match(String(refused.json.error), /no price for model/);
		assert.ok(!String(refused.json.error).includes(secret), String(refused.json.error));
	});

	test('everything a budget stores has a bounded lifetime: limits, counters, reservations and their release claims, alerts, cache', async () => {
		const budget = freshBudget();
		const scope = `engine-cost-ttl-${process.pid}`;
		const workflow = enrichment(budget, [
			{ text: 'a' },
			{ text: 'b' },
			{ text: 'c' },
			{ text: 'd' },
			{ text: 'e' },
		]);
		for (const node of workflow.nodes) if (node.type === COST_GUARD) node.parameters.scope = scope;
		const started = Date.now();
		const result = await run(workflow);
		assert.equal(result.status, 'success', result.error?.message);
		assert.equal(result.output('Record Usage', 'Alert').length, 3, 'alerts were claimed');
		assert.equal(
			(await runSingle(guard('Report', 'report', budget, { scope }), [{}], 1)).status,
			'success',
		);
		const db = new DatabaseSync(embeddedStoreFile(storagePathFor(COST_GUARD)), { readOnly: true });
		let rows: Array<{ key: string; expires_at: number | null }>;
		try {
			rows = ['guards_records', 'guards_counters'].flatMap(
				(table) =>
					db
						.prepare(`SELECT key, expires_at FROM ${table} WHERE ns = ?`)
						.all(`cost:${scope}`) as Array<{ key: string; expires_at: number | null }>,
			);
		} finally {
			db.close();
		}
		const kinds = new Set(rows.map((row) => row.key.split('/')[2]));
		for (const kind of [
			'config',
			'spent',
			'reserved',
			'alert',
			'release',
			'cache',
			'misses',
			'hist',
		])
			assert.ok(kinds.has(kind), `stored: ${kind}`);
		const day = 24 * 3_600_000;
		const forever = rows.filter((row) => row.expires_at === null).map((row) => row.key);
		assert.deepEqual(forever, [], 'nothing is kept for ever');
		const latest = (prefix: string) =>
			Math.max(
				...rows
					.filter((row) => row.key.startsWith(`budget/${budget}/${prefix}`))
					.map((row) => row.expires_at! - started),
			);
		assert.ok(
			latest('config') <= 401 * day && latest('config') > 399 * day,
			`limits: ${latest('config') / day} days after the last check`,
		);
		// A daily budget's release claims last until the day ends, not a month.
		assert.ok(
			latest('release/') <= day + 3_600_000 + 60_000,
			`release claims: ${latest('release/') / 3_600_000} hours`,
		);
		assert.ok(latest('cache/') <= day + 60_000, `cache: ${latest('cache/') / 3_600_000} hours`);
		// Counters: the longest is a month window plus the 8 windows Report looks back on.
		assert.ok(Math.max(...rows.map((row) => row.expires_at! - started)) <= 401 * day);
	});

	test('a budget whose limits were saved for ever (before lifetimes) gets a lifetime at its next check', async () => {
		const budget = freshBudget();
		const scope = `engine-cost-ttl-${process.pid}`;
		const check = guard('Check Budget', 'checkBudget', budget, {
			scope,
			limits: { dailyLimit: '1' },
			options: { timeZone: 'UTC' },
		});
		assert.equal((await runSingle(check, [{}], 3)).status, 'success');
		const store = new SqliteStore({
			backend: 'sqlite',
			file: embeddedStoreFile(storagePathFor(COST_GUARD)),
		});
		try {
			const key = budgetKeys.config(budget);
			const { records } = await store.read(`cost:${scope}`, [key]);
			await store.write(`cost:${scope}`, [{ key, value: records.get(key)!.value, ttlMs: null }]);
			assert.equal((await store.read(`cost:${scope}`, [key])).records.get(key)!.expiresAt, null);
			assert.equal((await runSingle(check, [{}], 3)).status, 'success');
			assert.notEqual((await store.read(`cost:${scope}`, [key])).records.get(key)!.expiresAt, null);
		} finally {
			await store.close();
		}
	});

	test('Cache Store takes at most Max Responses Cached per Day new responses per budget; the rest leave on Stored, not cached', async () => {
		const budget = freshBudget();
		const cacheStore = guard('Cache Store', 'cacheStore', budget, {
			keyFrom: 'fields',
			keyFields: 'q',
			options: { maxCachedPerDay: 3 },
		});
		const first = await runSingle(
			cacheStore,
			[1, 2].map((n) => ({ q: `q${n}`, answer: n })),
			1,
		);
		const second = await runSingle(
			cacheStore,
			[3, 4, 5].map((n) => ({ q: `q${n}`, answer: n })),
			1,
		);
		const info = (result: EngineResult) =>
			result.output('Cache Store', 'Stored').map((item) => item.json.costGuardCache as IDataObject);
		assert.deepEqual(
			info(first).map((entry) => entry.stored),
			[true, true],
		);
		assert.deepEqual(
			info(second).map((entry) => [entry.stored, entry.reason]),
			[
				[true, undefined],
				[false, 'daily limit'],
				[false, 'daily limit'],
			],
		);
		assert.ok(
			second.nodes['Cache Store'].hints.some((hint) =>
				/2 response\(s\) were not cached/.test(hint.message),
			),
		);
		const lookup = await runSingle(
			guard('Cache Lookup', 'cacheLookup', budget, { keyFields: 'q' }),
			[1, 2, 3, 4, 5].map((n) => ({ q: `q${n}` })),
			2,
		);
		assert.deepEqual(
			lookup.output('Cache Lookup', 'Hit').map((item) => item.json.answer),
			[1, 2, 3],
		);
		assert.deepEqual(
			lookup.output('Cache Lookup', 'Miss').map((item) => item.json.q),
			['q4', 'q5'],
		);
	});

	test('Report flags a regression when the cost per record doubles against the previous days', async () => {
		const budget = freshBudget();
		const scope = `engine-cost-report-${process.pid}`;
		// The previous three days, as earlier runs left them in the embedded store: 100 records at 0.0001 each per day.
		const store = new SqliteStore({
			backend: 'sqlite',
			file: embeddedStoreFile(storagePathFor(COST_GUARD)),
		});
		try {
			const now = Date.now();
			const increments = previousWindows('day', now, 'UTC', 3).flatMap((window) => [
				{
					key: budgetKeys.counter(budget, 'spent', window),
					by: 10_000_000,
					ttlMs: windowTtlMs(window, now),
				},
				{
					key: budgetKeys.counter(budget, 'records', window),
					by: 100,
					ttlMs: windowTtlMs(window, now),
				},
			]);
			await store.increment(`cost:${scope}`, increments);
		} finally {
			await store.close();
		}
		// One item: a Check Budget with no items has nothing to check and saves nothing (n8n does not even run it).
		const publish = await runSingle(
			guard('Check Budget', 'checkBudget', budget, {
				scope,
				limits: { dailyLimit: '10' },
				options: { timeZone: 'UTC' },
			}),
			[{}],
			3,
		);
		assert.equal(publish.status, 'success', publish.error?.message);
		// Today: 10 records at 0.00021 each (21 µ$ = 350 input tokens at 0.60 per million on a custom price).
		const record = guard('Record Usage', 'recordUsage', budget, {
			scope,
			model: 'm',
			priceOverrides: { models: [{ model: 'm', input: '0.60', output: '0' }] },
		});
		const recorded = await runSingle(
			record,
			Array.from({ length: 10 }, () => ({ usage: { prompt_tokens: 350, completion_tokens: 0 } })),
			2,
		);
		assert.deepEqual(
			recorded
				.output('Record Usage', 'Recorded')
				.map((item) => (item.json.cost as IDataObject).exact),
			Array(10).fill('0.00021'),
		);
		const report = await runSingle(
			guard('Report', 'report', budget, { scope, trailingWindows: 3 }),
			[{}],
			1,
		);
		const [summary] = report.output('Report', 'Report');
		const perRecord = ((summary.json.periods as IDataObject).day as IDataObject)
			.costPerRecord as IDataObject;
		assert.deepEqual(
			[
				perRecord.average,
				perRecord.trailingAverage,
				perRecord.ratioToTrailing,
				perRecord.regression,
			],
			[0.00021, 0.0001, 2.1, true],
		);
		assert.equal(summary.json.regression, true);
	});

	test('an unreachable store fails the node, naming it', async () => {
		const credentials = { integrationGuardsRedisApi: { host: '127.0.0.1', port: 1 } };
		const node = guard(
			'Check Budget',
			'checkBudget',
			freshBudget(),
			{ store: 'redis', limits: { dailyLimit: '1' } },
			{ credentials: { integrationGuardsRedisApi: { id: 'redis-1', name: 'Redis' } } },
		);
		const failing = await runSingle(node, [{ n: 1 }], 3, { credentials });
		assert.equal(failing.status, 'error');
		const error = failing.error as { description?: string; messages?: string[] } | undefined;
		assert.match(
			String(error?.description),
			/Check that Redis at 127\.0\.0\.1:1 \(db 0\) is running/,
		);
		assert.match(String(failing.error?.message), /Redis at 127\.0\.0\.1:1 \(db 0\): unreachable/);
	});

	test('with the store unreachable every operation fails closed: error output, refusal output, or the node fails naming the store', async () => {
		const credentials = { integrationGuardsRedisApi: { host: '127.0.0.1', port: 1 } };
		const withCredential = {
			credentials: { integrationGuardsRedisApi: { id: 'redis-1', name: 'Redis' } },
		};
		const items = [0, 1, 2].map((n) => ({
			n,
			text: `Text ${n}`,
			model: 'gpt-4o-mini',
			usage: { prompt_tokens: 10, completion_tokens: 5 },
		}));
		// Per operation: its parameters, its outputs, and where items go under Continue (using regular output).
		const operations: Array<[string, INodeParameters, string[], string]> = [
			[
				'checkBudget',
				{ limits: { dailyLimit: '1' }, estimate: 'fixed', estimatedCost: '0.01' },
				['Within Budget', 'Over Budget', 'Alert'],
				'Over Budget',
			],
			['recordUsage', {}, ['Recorded', 'Alert'], 'Alert'],
			['report', {}, ['Report'], 'Report'],
			// Miss, not a failure: Miss skips the cache, and the Check Budget after it (on the same store) fails closed in turn.
			['cacheLookup', { keyFields: 'text' }, ['Hit', 'Miss'], 'Miss'],
			['cacheStore', { keyFrom: 'fields', keyFields: 'text' }, ['Stored'], 'Stored'],
		];
		for (const [operation, parameters, names, refusal] of operations) {
			const node = (onError?: INode['onError']) =>
				guard(
					'Guard',
					operation,
					freshBudget(),
					{ store: 'redis', ...parameters },
					{ ...withCredential, ...(onError ? { onError } : {}) },
				);
			const failing = await runSingle(node(), items, names.length, { credentials });
			assert.equal(failing.status, 'error', operation);
			assert.match(
				String((failing.error as { description?: string }).description),
				/Check that Redis at 127\.0\.0\.1:1 \(db 0\) is running/,
				operation,
			);

			const errorOutput = await runSingle(node('continueErrorOutput'), items, names.length + 1, {
				credentials,
			});
			assert.equal(errorOutput.status, 'success', `${operation}: ${errorOutput.error?.message}`);
			assert.deepEqual(
				[errorOutput.nodes.Guard.outputNames.length, errorOutput.nodes.Guard.outputNames.at(-1)],
				[names.length + 1, 'Error'],
				operation,
			);
			names.forEach((name, output) =>
				assert.deepEqual(
					errorOutput.output('Guard', output),
					[],
					`${operation}: nothing on ${name}`,
				),
			);
			const errors = errorOutput.output('Guard', 'Error');
			assert.deepEqual(
				errors.map((item) => item.pairedItem),
				[0, 1, 2].map((item) => ({ item })),
				operation,
			);
			for (const item of errors)
				assert.match(
					String(item.json.error),
					/Redis at 127\.0\.0\.1:1 \(db 0\): unreachable/,
					operation,
				);

			const regular = await runSingle(node('continueRegularOutput'), items, names.length, {
				credentials,
			});
			assert.equal(regular.status, 'success', `${operation}: ${regular.error?.message}`);
			for (const name of names.filter((name) => name !== refusal))
				assert.deepEqual(regular.output('Guard', name), [], `${operation}: nothing on ${name}`);
			const refused = regular.output('Guard', refusal);
			assert.deepEqual(
				refused.map((item) => [item.pairedItem, item.json.n]),
				[0, 1, 2].map((item) => [{ item }, item]),
				operation,
			);
			for (const item of refused)
				assert.match(
					String(item.json.error),
					/Redis at 127\.0\.0\.1:1 \(db 0\): unreachable/,
					operation,
				);
			assertEachInputLeavesOnce(regular, 'Guard');
		}
	});

	test('cost per item: Check Budget and Record Usage against two No Operation nodes (printed, not asserted)', async (t) => {
		const count = 5000;
		const items = Array.from({ length: count }, (_, index) => ({
			model: 'gpt-4o-mini',
			usage: { prompt_tokens: 100 + index, completion_tokens: 50 },
		}));
		const budget = freshBudget();
		const guarded = buildWorkflow(
			[
				source(items),
				guard('Check', 'checkBudget', budget, {
					limits: { monthlyLimit: '1000' },
					estimate: 'fixed',
					estimatedCost: '0.0001',
					options: { forecastThresholds: '' },
				}),
				guard('Record', 'recordUsage', budget),
			],
			[
				['Source', 'Check'],
				['Check', 0, 'Record'],
			],
		);
		const baseline = buildWorkflow(
			[source(items), { name: 'Check', type: TEST_NOOP }, { name: 'Record', type: TEST_NOOP }],
			[
				['Source', 'Check'],
				['Check', 'Record'],
			],
		);
		const median = (workflow: ReturnType<typeof buildWorkflow>) =>
			medianRunMs(run, workflow, (result) =>
				assert.equal(result.output('Record', 0).length, count),
			);
		const guardedMs = await median(guarded);
		const baselineMs = await median(baseline);
		t.diagnostic(
			`${count} items, Source -> Check Budget -> Record Usage (embedded store) ${guardedMs.toFixed(1)} ms vs Source -> NoOp -> NoOp ${baselineMs.toFixed(1)} ms: ${(((guardedMs - baselineMs) * 1000) / count / 2).toFixed(2)} µs more per item per node`,
		);
	});
});
