/**
 * The official JSON Schema Test Suite (pinned under test/fixtures/json-schema-test-suite)
 * through Schema Guard in the real engine, the way a workflow runs it: the group's schema
 * pasted as JSON Schema, each test's data as one item `{ value: data }` checked at Field
 * to Check `value`, the draft's dialect, the suite's remotes as Referenced Schemas, the
 * default contract, Check Formats off (the drafts' default: `format` annotates) except for
 * optional/format/, which tests format assertion. A test passes when its item leaves on Valid exactly when the suite
 * says `valid: true`; a schema the node refuses fails every test of its group.
 *
 * Prints passed / failed / refused per keyword file and draft (optional/ and
 * optional/format/ apart, outside the target). Asserts the target share of main tests,
 * and that the failing main tests are exactly those in known-failures.json with a reason.
 * `UPDATE_SUITE_EXPECTATIONS=1` rewrites that list instead (see the fixture's README).
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { startEngine, stopEngine } from './harness';
import {
	DRAFTS,
	formatTable,
	KNOWN_FAILURES_FILE,
	loadDraft,
	loadRemotes,
	nextKnownFailures,
	percent,
	readKnownFailures,
	tally,
	TODO_REASON,
	writeKnownFailures,
	type Outcome,
	type SuiteFile,
} from './schema-suite.cases';
import { hasFieldToCheck, runSuiteFile } from './schema-suite.run';

const UPDATE = process.env.UPDATE_SUITE_EXPECTATIONS === '1';
const WITH_FIELD = hasFieldToCheck();

/** draft folder → main file → test id → outcome. */
const mainOutcomes = new Map<string, Map<string, Map<string, Outcome>>>();
const started = performance.now();

function describeOutcome(outcome: Outcome): string {
	if (outcome.result === 'refused') return `refused: ${outcome.message}`;
	return outcome.result === 'failed' ? `went to ${outcome.route}` : 'passed';
}

describe('JSON Schema Test Suite through Schema Guard', () => {
	before(async () => {
		await startEngine();
		if (!WITH_FIELD)
			console.log(
				"Schema Guard has no Field to Check option: each schema is wrapped as the schema of the item's `value` field. Figures for comparison only.",
			);
	});

	after(async () => {
		const seconds = ((performance.now() - started) / 1000).toFixed(1);
		console.log(`\nJSON Schema Test Suite: ${seconds} s for all drafts`);
		if (UPDATE && mainOutcomes.size === DRAFTS.length) {
			writeKnownFailures(nextKnownFailures(readKnownFailures(), mainOutcomes));
			console.log(`Rewrote ${KNOWN_FAILURES_FILE}`);
		}
		await stopEngine();
		await closeAllStores();
	});

	for (const draft of DRAFTS) {
		describe(draft.folder, () => {
			const files: SuiteFile[] = loadDraft(draft);
			const remotes = loadRemotes(draft);
			const main = new Map<string, Map<string, Outcome>>();

			test('runs every test group of every keyword file through the node', async () => {
				const draftStarted = performance.now();
				const bySection = { main: [], optional: [], format: [] } as Record<
					SuiteFile['section'],
					Array<{ file: string; counts: ReturnType<typeof tally> }>
				>;
				for (const file of files) {
					const outcomes = await runSuiteFile(file, draft, remotes, WITH_FIELD);
					if (file.section === 'main') main.set(file.file, outcomes);
					bySection[file.section].push({ file: file.file, counts: tally(outcomes.values()) });
				}
				mainOutcomes.set(draft.folder, main);
				const seconds = ((performance.now() - draftStarted) / 1000).toFixed(1);
				const titles = {
					main: `${draft.folder} (dialect ${draft.dialect}, Check Formats off): main tests, target ≥ ${draft.target} %`,
					optional: `${draft.folder}: optional/ (Check Formats off; not counted in the target)`,
					format: `${draft.folder}: optional/format/ (Check Formats on; not counted in the target)`,
				};
				for (const section of ['main', 'optional', 'format'] as const)
					console.log(`\n${formatTable(titles[section], bySection[section]).text}`);
				console.log(`${draft.folder}: ${seconds} s`);
			});

			test(`passes at least ${draft.target} % of the main tests (refused counts as failed)`, () => {
				assert.ok(main.size > 0, 'the suite ran');
				const counts = tally([...main.values()].flatMap((tests) => [...tests.values()]));
				const share = percent(counts);
				assert.ok(
					share >= draft.target,
					`${draft.folder}: ${share.toFixed(1)} % passed (${counts.passed} passed, ${counts.failed} failed, ${counts.refused} refused), target ${draft.target} %`,
				);
			});

			test('fails exactly the main tests listed in known-failures.json', () => {
				assert.ok(main.size > 0, 'the suite ran');
				if (UPDATE) {
					console.log(`${draft.folder}: known failures are rewritten after the last draft`);
					return;
				}
				const listed = readKnownFailures()[draft.folder] ?? {};
				const unlisted: string[] = [];
				const stale: string[] = [];
				const todo: string[] = [];
				for (const [file, tests] of main) {
					for (const [id, outcome] of tests) {
						const reason = listed[file]?.[id];
						if (outcome.result !== 'passed' && reason === undefined)
							unlisted.push(`${file}: ${id} (${describeOutcome(outcome)})`);
						if (outcome.result === 'passed' && reason !== undefined)
							stale.push(`${file}: ${id} (listed: ${reason})`);
						if (reason?.startsWith(TODO_REASON)) todo.push(`${file}: ${id}`);
					}
				}
				for (const [file, tests] of Object.entries(listed)) {
					for (const id of Object.keys(tests))
						if (!main.get(file)?.has(id)) stale.push(`${file}: ${id} (no such test)`);
				}
				if (todo.length > 0)
					console.log(`${draft.folder}: ${todo.length} known failures still say "${TODO_REASON}"`);
				const show = (list: string[]) =>
					list.slice(0, 40).join('\n  ') +
					(list.length > 40 ? `\n  … ${list.length - 40} more` : '');
				assert.deepEqual(
					{ unlisted: unlisted.length, stale: stale.length },
					{ unlisted: 0, stale: 0 },
					`${draft.folder}: known-failures.json is out of date (UPDATE_SUITE_EXPECTATIONS=1 rewrites it).` +
						(unlisted.length > 0 ? `\nFailing but not listed:\n  ${show(unlisted)}` : '') +
						(stale.length > 0 ? `\nListed but passing (stale):\n  ${show(stale)}` : ''),
				);
			});
		});
	}
});
