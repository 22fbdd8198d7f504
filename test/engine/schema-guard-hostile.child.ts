/**
 * Child process of schema-guard-hostile.test.ts: runs the regular expression cases and
 * prints one line per case (`HOSTILE_RESULT {json}`). A backtracking engine would hold
 * the event loop for ever; in a child, the parent's timeout can still kill it.
 */
import { performance } from 'node:perf_hooks';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { stopEngine } from './harness';
import { REGEX_CASES, RESULT_MARKER, runGuard } from './schema-guard-hostile.cases';

async function main(): Promise<void> {
	for (const [name, { schema, items }] of Object.entries(REGEX_CASES)) {
		const started = performance.now();
		let outcome: unknown;
		try {
			outcome = await runGuard(schema, items);
		} catch (error) {
			outcome = { thrown: error instanceof Error ? error.message : String(error) };
		}
		const ms = Math.round(performance.now() - started);
		process.stdout.write(`${RESULT_MARKER}${JSON.stringify({ name, ms, outcome })}\n`);
	}
	await stopEngine();
	await closeAllStores();
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	},
);
