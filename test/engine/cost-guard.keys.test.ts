/**
 * Cost Guard's per-item budgets (version 1.1) through the real n8n engine: a Budget Name
 * expression gives each item its budget on Cache Lookup, Check Budget, Record Usage and
 * Cache Store; each budget keeps its own spend in the store (read back by Report, which
 * names it plainly), on the embedded store and on Postgres. A name that is not text fails
 * only its item; more than 100 budgets fail the node. Version 1 reads the expression from
 * the first item, as before.
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
import type { PostgresStoreConfig } from '../../nodes/shared/stores/types';
import { postgresHarness } from '../support/stores';
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
} from './harness';

const COST_GUARD = 'n8n-nodes-integration-guards.costGuard';
const LLM = 'test.keysLlm';
const postgres = postgresHarness();
let counter = 0;
const fresh = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

/** A stand-in LLM: each item becomes a gpt-4o-mini answer of 1,000 + 500 tokens (0.00045 USD). */
class TestLlm implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Test LLM',
		name: 'keysLlm',
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
				(_item, index): INodeExecutionData => ({
					json: {
						object: 'chat.completion',
						model: 'gpt-4o-mini-2024-07-18',
						choices: [{ index: 0, message: { role: 'assistant', content: 'ok' } }],
						usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
					},
					pairedItem: { item: index },
				}),
			),
		];
	}
}

type NodeSpec = Partial<INode> & Pick<INode, 'name' | 'type'>;
type Backend = { store: 'embedded' } | { store: 'postgres' };

function postgresCredential(): Record<string, string | number> {
	const { host, port, database, user, schema, tablePrefix } =
		postgres.config() as PostgresStoreConfig;
	return {
		host,
		port,
		database,
		user,
		password: '',
		ssl: 'disable',
		schema: schema ?? '',
		tablePrefix: tablePrefix ?? '',
	};
}

const guard = (
	name: string,
	operation: string,
	budgetName: string,
	parameters: INodeParameters,
	backend: Backend,
	typeVersion = 1.1,
): NodeSpec => ({
	name,
	type: COST_GUARD,
	typeVersion,
	parameters: { operation, budgetName, store: backend.store, ...parameters },
	...(backend.store === 'postgres'
		? { credentials: { integrationGuardsPostgresApi: { id: '1', name: 'Postgres' } } }
		: {}),
});

async function run(
	nodes: NodeSpec[],
	links: Link[],
	items: object[],
	backend: Backend,
): Promise<EngineResult> {
	return await runWorkflow({
		workflow: buildWorkflow(
			[
				{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
				...nodes,
			],
			[['Source', nodes[0].name], ...links],
		),
		nodeTypes: { [LLM]: TestLlm },
		credentials:
			backend.store === 'postgres' ? { integrationGuardsPostgresApi: postgresCredential() } : {},
	});
}

/** Two calls a day per budget: 0.0009 USD, each call estimated and costing 0.00045. */
const CHECK: INodeParameters = {
	limits: { dailyLimit: '0.0009' },
	estimate: 'fixed',
	estimatedCost: '0.00045',
	options: { timeZone: 'UTC', forecastThresholds: '' },
};

/** Check Budget alone over `items`, its three outputs into sinks. */
async function check(
	budgetName: string,
	items: object[],
	backend: Backend = { store: 'embedded' },
	typeVersion = 1.1,
	extra: Partial<INode> = {},
): Promise<EngineResult> {
	const node = {
		...guard('Check Budget', 'checkBudget', budgetName, CHECK, backend, typeVersion),
		...extra,
	};
	return await run(
		[
			node,
			{ name: 'In', type: TEST_NOOP },
			{ name: 'Over', type: TEST_NOOP },
			{ name: 'Alerts', type: TEST_NOOP },
		],
		[
			['Check Budget', 0, 'In'],
			['Check Budget', 1, 'Over'],
			['Check Budget', 2, 'Alerts'],
		],
		items,
		backend,
	);
}

/** Today's spend and reservation of `budget`, from a Report node naming it plainly. */
async function today(budget: string, backend: Backend): Promise<[unknown, unknown]> {
	const result = await run(
		[guard('Report', 'report', budget, {}, backend), { name: 'Out', type: TEST_NOOP }],
		[['Report', 0, 'Out']],
		[{}],
		backend,
	);
	assert.equal(result.status, 'success', result.error?.message);
	const day = (result.output('Report', 'Report')[0].json.periods as IDataObject).day as IDataObject;
	return [day.spentExact, day.reserved];
}

const tenantOf = (item: INodeExecutionData) => item.json.tenant;

describe('Cost Guard per-item budgets (version 1.1) in the n8n engine', () => {
	before(async () => {
		await startEngine();
		await postgres.check();
	});
	after(async () => {
		await closeAllStores();
		await postgres.cleanup();
		await stopEngine();
	});

	for (const backend of [{ store: 'embedded' }, { store: 'postgres' }] as Backend[]) {
		test(`on ${backend.store}: three tenants in one batch spend three budgets, cache and all`, async () => {
			const [a, b, c] = [fresh('cost-a'), fresh('cost-b'), fresh('cost-c')];
			const budget = "={{ $('Source').item.json.tenant }}";
			const items = [a, a, b, a, c].map((tenant, n) => ({ tenant, text: `text ${n}` }));
			const result = await run(
				[
					guard('Cache Lookup', 'cacheLookup', budget, { keyFields: 'text' }, backend),
					{ name: 'Cached', type: TEST_NOOP },
					guard('Check Budget', 'checkBudget', budget, CHECK, backend),
					{ name: 'LLM', type: LLM },
					{ name: 'Over', type: TEST_NOOP },
					{ name: 'Alerts', type: TEST_NOOP },
					guard(
						'Record Usage',
						'recordUsage',
						budget,
						{ options: { checkStamp: "={{ $('Check Budget').item.json.costGuard }}" } },
						backend,
					),
					{ name: 'Usage Alerts', type: TEST_NOOP },
					guard(
						'Cache Store',
						'cacheStore',
						budget,
						{ cacheKey: "={{ $('Cache Lookup').item.json.costGuardCache.key }}" },
						backend,
					),
				],
				[
					['Cache Lookup', 0, 'Cached'],
					['Cache Lookup', 1, 'Check Budget'],
					['Check Budget', 0, 'LLM'],
					['Check Budget', 1, 'Over'],
					['Check Budget', 2, 'Alerts'],
					['LLM', 'Record Usage'],
					['Record Usage', 0, 'Cache Store'],
					['Record Usage', 1, 'Usage Alerts'],
				],
				items,
				backend,
			);
			assert.equal(result.status, 'success', result.error?.message);
			assertPairing(result);
			for (const node of ['Cache Lookup', 'Check Budget']) assertEachInputLeavesOnce(result, node);
			assert.deepEqual(result.output('Check Budget', 'Within Budget').map(tenantOf), [a, a, b, c]);
			assert.deepEqual(
				result.output('Check Budget', 'Over Budget').map(tenantOf),
				[a],
				"a's third call is over a's budget; b and c are not charged for it",
			);
			assert.equal(result.output('Cache Store', 'Stored').length, 4);
			assert.deepEqual(await today(a, backend), ['0.0009', 0]);
			assert.deepEqual(await today(b, backend), ['0.00045', 0]);
			assert.deepEqual(await today(c, backend), ['0.00045', 0]);
		});
	}

	test('a Budget Name that is not text fails only its item, naming it', async () => {
		const [a, b] = [fresh('ok-a'), fresh('ok-b')];
		const result = await check(
			'={{ $json.tenant }}',
			[{ tenant: a }, { tenant: { id: 7 } }, { tenant: b }],
			undefined,
			1.1,
			{ onError: 'continueRegularOutput' },
		);
		assert.equal(result.status, 'success', result.error?.message);
		assertPairing(result, ['Check Budget']);
		assertEachInputLeavesOnce(result, 'Check Budget');
		assert.deepEqual(result.output('Check Budget', 'Within Budget').map(tenantOf), [a, b]);
		const [failed] = result.output('Check Budget', 'Over Budget');
		assert.match(String(failed.json.error), /Budget Name of item 1 is not text but \{"id":7\}/);
		assert.equal((failed.json.details as IDataObject).itemIndex, 1);

		const thrown = await check('={{ $json.tenant }}', [{ tenant: a }, { tenant: null }]);
		assert.equal(thrown.status, 'error');
		assert.match(String(thrown.error?.message), /Budget Name of item 1 is not text but null/);
	});

	test('more than 100 budgets in one execution fail the node, saying so', async () => {
		const items = Array.from({ length: 101 }, (_, n) => ({ tenant: `t${n}` }));
		const result = await check('={{ $json.tenant }}', items);
		assert.equal(result.status, 'error');
		assert.match(
			String(result.error?.message),
			/Budget Name gives more than 100 different names in one execution \(item 100/,
		);
	});

	test('version 1 reads the expression from the first item: one budget for the batch', async () => {
		const backend: Backend = { store: 'embedded' };
		const [a, b] = [fresh('v1-a'), fresh('v1-b')];
		const result = await check('={{ $json.tenant }}', [{ tenant: a }, { tenant: b }], backend, 1);
		assert.equal(result.status, 'success', result.error?.message);
		assert.deepEqual(result.output('Check Budget', 'Within Budget').map(tenantOf), [a, b]);
		assert.deepEqual(await today(a, backend), ['0.00', 0.0009], 'both estimates reserved in a');
		assert.deepEqual(await today(b, backend), ['0.00', 0], 'b was never touched');

		const perItem = await check('={{ $json.tenant }}', [{ tenant: a }, { tenant: b }], backend);
		assert.deepEqual(perItem.output('Check Budget', 'Over Budget').map(tenantOf), [a]);
		assert.deepEqual(await today(b, backend), ['0.00', 0.00045], 'version 1.1: b has its own');
	});
});
