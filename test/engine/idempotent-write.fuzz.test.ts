/**
 * Idempotent Write fed random and adversarial items (test/support/fuzz.ts) through the
 * n8n engine, on the embedded store: every input item leaves on exactly one output or as
 * an error item, no case hangs, and no planted secret moves to a new place.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { withinMs } from '../support/fuzz';
import { fuzzGuard, guardAfterSource as workflowAround } from './guard-workflow';
import { assertEachInputLeavesOnce, runWorkflow, startEngine, stopEngine } from './harness';

const IDEMPOTENT_WRITE = 'n8n-nodes-integration-guards.idempotentWrite';
const CASE_MS = 60_000;
let scopeCounter = 0;

/** The configurations a builder would use, each on a fresh scope; error output on. */
const CONFIGURATIONS: Array<{
	label: string;
	parameters: Record<string, unknown>;
	outputs: number;
}> = [
	{
		label: 'Claim by Key Fields with a conflict check',
		parameters: {
			operation: 'claim',
			keySource: 'fields',
			keyFields: 'id, __proto__.id',
			conflictFields: 'amount, constructor',
		},
		outputs: 5,
	},
	{
		label: 'Claim by a Key expression',
		parameters: { operation: 'claim', keySource: 'expression', keyValue: '={{ $json.id }}' },
		outputs: 5,
	},
	{
		label: 'Complete with the default Claimed Key',
		parameters: { operation: 'complete', resultFields: 'id, __proto__, password' },
		outputs: 1,
	},
	{
		label: 'Release by Key Fields',
		parameters: { operation: 'release', keySource: 'fields', keyFields: 'id' },
		outputs: 1,
	},
];

/** Source → Guard (error output on) → a sink per output, error output included. */
function guardAfterSource(items: string, parameters: Record<string, unknown>, outputs: number) {
	const guard = {
		name: 'Guard',
		type: IDEMPOTENT_WRITE,
		typeVersion: 2,
		parameters: { scope: `fuzz-${++scopeCounter}`, ...parameters, options: { waitSeconds: 0 } },
		onError: 'continueErrorOutput' as const,
	};
	return workflowAround(items, guard, outputs + 1);
}

describe('Idempotent Write fuzz: random and adversarial items', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	fuzzGuard(CONFIGURATIONS, (items, configuration) =>
		guardAfterSource(items, configuration.parameters, configuration.outputs),
	);

	test('a key value nested too deep to hash fails that item only; the others are claimed', async () => {
		const deep = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
		const items = `[{"id":"A"},{"id":${deep}},{"id":"B"}]`;
		for (const parameters of [
			{ operation: 'claim', keySource: 'fields', keyFields: 'id' },
			{ operation: 'claim', keySource: 'fields', keyFields: 'name', conflictFields: 'id' },
		]) {
			const named = items
				.replace(/"id":"([AB])"/g, '"id":"$1","name":"$1"')
				.replace(/"id":\{/, '"name":"C","id":{');
			const result = await withinMs(CASE_MS, 'deep key', () =>
				runWorkflow({ workflow: guardAfterSource(named, parameters, 5) }),
			);
			assert.equal(result.status, 'success', result.error?.message);
			assert.deepEqual(
				result.output('Guard', 'Proceed').map((item) => item.json.name ?? item.json.id),
				['A', 'B'],
				JSON.stringify(parameters),
			);
			const errors = result.output('Guard', 5);
			assert.equal(errors.length, 1);
			assert.match(String(errors[0].json.error), /item 1 could not be (computed|compared)/);
			assertEachInputLeavesOnce(result, 'Guard');
		}
	});

	test('the error kept with a key (Release, Mark Outcome Unknown) is redacted and capped', async () => {
		const token = 'tok_abcdefghijklmnopqrstuvwxyz0123456789';
		const items = JSON.stringify([
			{ id: 'A', error: `401 from vendor: Authorization: Bearer ${token} ${'x'.repeat(100_000)}` },
		]);
		for (const operation of ['release', 'markOutcomeUnknown']) {
			const result = await runWorkflow({
				workflow: guardAfterSource(items, { operation, keySource: 'fields', keyFields: 'id' }, 1),
			});
			const lastError = String(
				(result.output('Guard', 0)[0].json.idempotency as { lastError: string }).lastError,
			);
			assert.ok(
				!lastError.includes(token),
				`${operation}: the token is not kept: ${lastError.slice(0, 120)}`,
			);
			assert.ok(
				lastError.length < 1100,
				`${operation}: capped at about 1,000 characters (${lastError.length})`,
			);
		}
	});
});
