/**
 * Cost Guard fuzzed through the real n8n engine (issue 14): random and adversarial items
 * (deep, wide, huge strings, hostile keys, invalid UTF-16, wrong types, 2,000 items), each
 * carrying planted secrets, through every operation under On Error: Continue (using
 * error output). Every input item leaves on exactly one output or as an error item, no
 * case takes longer than its deadline, and no planted secret appears on an output except
 * where the item itself held it. The cache round trip stores items with secrets and looks
 * them up with items that have none: a secret there came through the store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { INode, INodeParameters } from 'n8n-workflow';

import { CostGuard } from '../../nodes/CostGuard/CostGuard.node';
import { closeAllStores } from '../../nodes/shared/stores/factory';
import { assertNoSecretLeak, fuzzCases, withinMs, type FuzzCase } from '../support/fuzz';
import {
	assertEachInputLeavesOnce,
	assertPairing,
	buildWorkflow,
	loadPackageTypes,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
	type EngineResult,
	type Link,
	type NodeTypeInput,
} from './harness';

const COST_GUARD = 'n8n-nodes-integration-guards.costGuard';
/** Per case and operation: a bound, not a timing assertion (a hang or a stalled loop fails here). */
const DEADLINE_MS = 60_000;
let budgets = 0;
const freshBudget = () => `fuzz-cost-${process.pid}-${++budgets}`;

function nodeTypes(): Record<string, NodeTypeInput> {
	return loadPackageTypes().nodes.has(COST_GUARD) ? {} : { [COST_GUARD]: CostGuard };
}

/** Each operation as a user would set it up, reading fields the fuzzed items may or may not have. */
const OPERATIONS: Array<[string, INodeParameters, number]> = [
	[
		'checkBudget',
		{
			limits: { dailyLimit: '5', dailyItems: 1000 },
			estimate: 'tokens',
			prompt: '={{ $json.text }}',
			estimateModel: 'gpt-4o-mini',
			expectedOutputTokens: 100,
			options: { actualThresholds: '', forecastThresholds: '', timeZone: 'UTC' },
		},
		3,
	],
	['recordUsage', { options: { checkStamp: '={{ $json.costGuard }}' } }, 2],
	['report', {}, 1],
	['cacheLookup', { keyFields: 'text, id', options: { ignoreCase: true } }, 2],
	[
		'cacheStore',
		{ keyFrom: 'fields', keyFields: 'text, id', options: { cacheResponseField: '' } },
		1,
	],
];

async function runGuard(
	items: string,
	operation: string,
	parameters: INodeParameters,
	outputs: number,
	budget = freshBudget(),
): Promise<EngineResult> {
	const node: Partial<INode> & Pick<INode, 'name' | 'type'> = {
		name: 'Guard',
		type: COST_GUARD,
		parameters: { operation, budgetName: budget, ...parameters },
		onError: 'continueErrorOutput',
	};
	const sinks = Array.from({ length: outputs + 1 }, (_, index) => ({
		name: `Sink ${index}`,
		type: TEST_NOOP,
	}));
	const links: Link[] = [
		['Source', 'Guard'],
		...sinks.map((sink, index): Link => ['Guard', index, sink.name]),
	];
	const workflow = buildWorkflow(
		[{ name: 'Source', type: TEST_SOURCE, parameters: { items } }, node, ...sinks],
		links,
	);
	return await runWorkflow({ workflow, nodeTypes: nodeTypes() });
}

/** Report answers one summary item paired with every input item (or, failing, each input as an error item). */
function assertReportCoversEachInputOnce(result: EngineResult): void {
	assertPairing(result, ['Guard']);
	for (const run of result.nodes.Guard.runs) {
		const inputs = run.inputs[0].length;
		const seen = new Array<number>(inputs).fill(0);
		for (const items of run.outputs) {
			for (const item of items) {
				const paired = Array.isArray(item.pairedItem) ? item.pairedItem : [item.pairedItem];
				for (const entry of paired)
					seen[typeof entry === 'number' ? entry : (entry as { item: number }).item]++;
			}
		}
		assert.deepEqual(
			seen,
			new Array<number>(inputs).fill(1),
			'Report pairs its summary with each input item once',
		);
	}
}

/** The fuzzed items without their planted secrets (same ids and texts): what a later execution would look up with. */
function withoutSecrets(fuzz: FuzzCase): string {
	const items = JSON.parse(fuzz.items) as unknown[];
	const strip = (value: unknown): unknown => {
		if (typeof value === 'string')
			return fuzz.secrets.some((secret) => value.includes(secret)) ? 'gone' : value;
		if (Array.isArray(value)) return value.map(strip);
		if (value !== null && typeof value === 'object') {
			const copy: Record<string, unknown> = {};
			for (const key of Object.keys(value))
				Object.defineProperty(copy, key, {
					value: strip((value as Record<string, unknown>)[key]),
					enumerable: true,
					writable: true,
					configurable: true,
				});
			return copy;
		}
		return value;
	};
	return JSON.stringify(items.map(strip));
}

describe('Cost Guard fuzzed in the n8n engine', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	for (const fuzz of fuzzCases({ seed: 14 })) {
		test(fuzz.name, async () => {
			for (const [operation, parameters, outputs] of OPERATIONS) {
				const label = `${fuzz.name}, ${operation}`;
				const result = await withinMs(DEADLINE_MS, label, () =>
					runGuard(fuzz.items, operation, parameters, outputs),
				);
				assert.equal(result.status, 'success', `${label}: ${result.error?.message}`);
				if (operation === 'report') assertReportCoversEachInputOnce(result);
				else assertEachInputLeavesOnce(result, 'Guard');
				assertNoSecretLeak(result, 'Guard', fuzz.secrets);
			}

			// Through the cache: stored with the secrets, looked up without them.
			const budget = freshBudget();
			const cacheFields = { keyFields: 'id', options: {} };
			const stored = await withinMs(DEADLINE_MS, `${fuzz.name}, cache store`, () =>
				runGuard(fuzz.items, 'cacheStore', { keyFrom: 'fields', ...cacheFields }, 1, budget),
			);
			assert.equal(stored.status, 'success', stored.error?.message);
			assertEachInputLeavesOnce(stored, 'Guard');
			const looked = await withinMs(DEADLINE_MS, `${fuzz.name}, cache lookup`, () =>
				runGuard(withoutSecrets(fuzz), 'cacheLookup', cacheFields, 2, budget),
			);
			assert.equal(looked.status, 'success', looked.error?.message);
			assertEachInputLeavesOnce(looked, 'Guard');
			assertNoSecretLeak(looked, 'Guard', fuzz.secrets);
		});
	}
});
