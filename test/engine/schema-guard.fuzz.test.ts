/**
 * Schema Guard fuzzed through the n8n engine (issue 14): random and adversarial items
 * (deep, wide, huge strings, hostile keys, invalid UTF-16, wrong types, planted
 * secrets) against a schema with backtracking-prone patterns, formats, enums and
 * nested arrays, with drift memory on. Every input item leaves on exactly one of Valid,
 * Invalid or the error output (the drift report is a summary), within a bounded time,
 * and no planted secret appears anywhere the input did not hold it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INode } from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { assertNoSecretLeak, fuzzCases, withinMs } from '../support/fuzz';
import {
	buildWorkflow,
	pairedItemsOf,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
	type EngineResult,
	type Link,
} from './harness';

const SCHEMA_GUARD = 'n8n-nodes-integration-guards.schemaGuard';
const GUARD = 'Guard';

const SCHEMA = {
	type: 'object',
	properties: {
		id: { type: ['string', 'integer'], maxLength: 64 },
		email: { type: 'string', format: 'email' },
		amount: { type: 'number', minimum: 0 },
		name: { type: 'string', pattern: '^([a-zA-Z0-9]+\\s?)*$' },
		status: { enum: ['active', 'paused'] },
		text: { type: 'string', pattern: '^(a+)+$' },
		items: {
			type: 'array',
			items: { type: 'object', properties: { sku: { type: 'string', pattern: '^[A-Z]+-\\d+$' } } },
		},
		correlationId: { type: 'string' },
		// Not a string: the planted `X-Api-Key: …` line in `note` is quoted in the problem, so the redactor must catch it.
		note: { type: ['integer', 'null'] },
		data: { type: 'object', properties: { nested: {} } },
		type: { type: 'string', format: 'hostname' },
	},
	required: ['id'],
};

const CONFIGS: Array<{ name: string; parameters: IDataObject; onError: INode['onError'] }> = [
	{
		name: 'drift memory and report, error output',
		parameters: { driftMemory: true, store: 'embedded', scope: 'fuzz' },
		onError: 'continueErrorOutput',
	},
	{
		name: 'Discard Value and Freeze, regular output',
		parameters: {
			onFieldAdded: 'freeze',
			onTypeChanged: 'discardValue',
			onRequiredMissing: 'discardValue',
		},
		onError: 'continueRegularOutput',
	},
];

function workflow(items: string, parameters: IDataObject, onError: INode['onError']) {
	const outputs = onError === 'continueErrorOutput' ? 4 : 3;
	const sinks = Array.from({ length: outputs }, (_, index) => ({
		name: `Sink ${index}`,
		type: TEST_NOOP,
	}));
	return buildWorkflow(
		[
			{ name: 'Source', type: TEST_SOURCE, parameters: { items } },
			{
				name: GUARD,
				type: SCHEMA_GUARD,
				parameters: {
					schemaSource: 'jsonSchema',
					jsonSchema: JSON.stringify(SCHEMA),
					schemaName: 'fuzz',
					...parameters,
				},
				onError,
			},
			...sinks,
		],
		[['Source', GUARD], ...sinks.map((sink, index): Link => [GUARD, index, sink.name])],
	);
}

/** Every input item on exactly one output other than the Drift Report (output 2). */
function assertEachItemOnce(result: EngineResult): void {
	const run = result.nodes[GUARD];
	const seen = new Array<number>(run.inputs[0].length).fill(0);
	run.outputs.forEach((items, output) => {
		if (output === 2) return;
		for (const item of items) {
			const paired = pairedItemsOf(item) ?? [];
			assert.equal(paired.length, 1, `output ${output}: an item pairs with one input item`);
			seen[paired[0].item]++;
		}
	});
	const wrong = seen.flatMap((count, item) =>
		count === 1 ? [] : [`item ${item} left ${count} times`],
	);
	assert.deepEqual(wrong, [], 'every input item leaves exactly once');
	for (const report of run.outputs[2] ?? [])
		assert.ok((pairedItemsOf(report) ?? []).length > 0, 'the drift report pairs with items');
}

before(startEngine);
after(async () => {
	await closeAllStores();
	await stopEngine();
});

for (const config of CONFIGS) {
	describe(`Schema Guard fuzz: ${config.name}`, () => {
		for (const fuzz of fuzzCases({ seed: 14 })) {
			test(fuzz.name, async () => {
				const result = await withinMs(60_000, fuzz.name, () =>
					runWorkflow({ workflow: workflow(fuzz.items, config.parameters, config.onError) }),
				);
				assert.equal(result.status, 'success', result.error?.message);
				assertEachItemOnce(result);
				assertNoSecretLeak(result, GUARD, fuzz.secrets);
			});
		}
	});
}
