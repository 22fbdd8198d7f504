/** Workflows for the guard-node tests of Idempotent Write and Circuit Breaker. */
import { test } from 'node:test';

import type { INode } from 'n8n-workflow';

import { assertNoSecretLeak, fuzzCases, withinMs } from '../support/fuzz';
import {
	assertEachInputLeavesOnce,
	buildWorkflow,
	runWorkflow,
	TEST_NOOP,
	TEST_SOURCE,
	type Link,
	type WorkflowJson,
} from './harness';

/** Source (items as JSON text) → the guard → a sink on each of its `outputs` outputs. */
export function guardAfterSource(
	items: string,
	guard: Partial<INode> & Pick<INode, 'name' | 'type'>,
	outputs: number,
): WorkflowJson {
	const sinks = Array.from({ length: outputs }, (_, index) => ({
		name: `Sink ${index}`,
		type: TEST_NOOP,
	}));
	const links: Link[] = [
		['Source', guard.name],
		...sinks.map((sink, index): Link => [guard.name, index, sink.name]),
	];
	return buildWorkflow(
		[{ name: 'Source', type: TEST_SOURCE, parameters: { items } }, guard, ...sinks],
		links,
	);
}

/**
 * The fuzz contract for a guard named "Guard": for every case of test/support/fuzz.ts and
 * every configuration, each input item leaves on exactly one output or as an error
 * item, no case hangs, and no planted secret moves.
 */
export function fuzzGuard<Configuration extends { label: string }>(
	configurations: Configuration[],
	workflowFor: (items: string, configuration: Configuration) => WorkflowJson,
	caseMs = 60_000,
): void {
	for (const fuzz of fuzzCases({ seed: 14 })) {
		for (const configuration of configurations) {
			test(`${configuration.label}: ${fuzz.name}`, async () => {
				const result = await withinMs(caseMs, fuzz.name, () =>
					runWorkflow({ workflow: workflowFor(fuzz.items, configuration) }),
				);
				assertEachInputLeavesOnce(result, 'Guard');
				assertNoSecretLeak(result, 'Guard', fuzz.secrets);
			});
		}
	}
}
