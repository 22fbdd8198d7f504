/**
 * Circuit Breaker fed random and adversarial items (test/support/fuzz.ts) through the
 * n8n engine, on the embedded store: every input item leaves on exactly one output or as
 * an error item, no case hangs, and no planted secret moves to a new place.
 */
import { after, before, describe } from 'node:test';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { fuzzGuard, guardAfterSource } from './guard-workflow';
import { startEngine, stopEngine } from './harness';

const BREAKER = 'n8n-nodes-integration-guards.circuitBreaker';
let scopeCounter = 0;

/**
 * Check, Record (Outcome Field, both ways; version 1.1 counting by kind and by expression)
 * and Set State, each on a fresh scope; error output on.
 */
const CONFIGURATIONS: Array<{
	label: string;
	parameters: Record<string, unknown>;
	outputs: number;
	version?: number;
}> = [
	{ label: 'Check', parameters: { operation: 'check' }, outputs: 2 },
	{
		label: 'Record, failed when the field has a value',
		parameters: {
			operation: 'record',
			outcomeFrom: 'field',
			outcomeField: 'error',
			minimumCalls: 1,
		},
		outputs: 2,
	},
	{
		label: 'Record, failed when the field is false, with a Check Stamp expression',
		parameters: {
			operation: 'record',
			outcomeFrom: 'field',
			outcomeField: 'ok',
			failedWhen: 'false',
			options: { checkStamp: '={{ $json.circuitBreaker }}', correlationField: '__proto__' },
		},
		outputs: 2,
	},
	{ label: 'Set State', parameters: { operation: 'setState', newState: 'forceOpen' }, outputs: 1 },
	{
		label: 'Record 1.1, failures counted by status, network error and timeout, Last Calls',
		version: 1.1,
		parameters: {
			operation: 'record',
			outcomeFrom: 'field',
			outcomeField: 'error',
			windowType: 'count',
			windowCalls: 5,
			minimumCalls: 1,
		},
		outputs: 2,
	},
	{
		label: 'Record 1.1, failures counted by expression, Failures in a Row',
		version: 1.1,
		parameters: {
			operation: 'record',
			outcomeFrom: 'field',
			outcomeField: 'error',
			countedFailures: 'expression',
			countFailure: '={{ $json.error?.status >= 500 }}',
			windowType: 'consecutive',
			consecutiveFailures: 2,
		},
		outputs: 2,
	},
];

describe('Circuit Breaker fuzz: random and adversarial items', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	fuzzGuard(CONFIGURATIONS, (items, configuration) =>
		guardAfterSource(
			items,
			{
				name: 'Guard',
				type: BREAKER,
				typeVersion: configuration.version ?? 1,
				parameters: {
					scope: `fuzz-breaker-${++scopeCounter}`,
					breakerName: 'fuzz',
					...configuration.parameters,
				},
				onError: 'continueErrorOutput',
			},
			configuration.outputs + 1,
		),
	);
});
