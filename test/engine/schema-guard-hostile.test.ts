/**
 * Schema Guard against hostile schemas and items, through the real engine: catastrophic
 * regular expressions on 100,000 characters (in a child process, so a backtracking
 * engine is killed rather than hanging the run), a 100,000-value enum, 100 levels of
 * nesting, unresolvable and never-ending $refs, schemas that are not JSON or not a
 * schema, __proto__ and constructor keys, a 5 MB item, and a schema error under
 * "Continue (using error output)". Behaviour is asserted, not speed: the only bound is
 * that each run finishes at all.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { startEngine, stopEngine } from './harness';
import { REGEX_CASES, RESULT_MARKER, runGuard, type GuardRun } from './schema-guard-hostile.cases';

/** Generous: n8n-core loads in the child, on a shared 2-core machine. */
const CHILD_TIMEOUT_MS = 240_000;

interface ChildReport {
	finished: boolean;
	stderr: string;
	cases: Map<string, { ms: number; outcome: GuardRun | { thrown: string } }>;
}

async function runRegexCasesInChild(): Promise<ChildReport> {
	const script = path.join(__dirname, 'schema-guard-hostile.child.js');
	return await new Promise((resolve) => {
		execFile(
			process.execPath,
			[script],
			{ timeout: CHILD_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' },
			(error, stdout, stderr) => {
				const cases: ChildReport['cases'] = new Map();
				for (const line of String(stdout).split('\n')) {
					if (!line.startsWith(RESULT_MARKER)) continue;
					const { name, ms, outcome } = JSON.parse(line.slice(RESULT_MARKER.length)) as {
						name: string;
						ms: number;
						outcome: GuardRun | { thrown: string };
					};
					cases.set(name, { ms, outcome });
				}
				resolve({ finished: error === null, stderr: String(stderr).slice(-2000), cases });
			},
		);
	});
}

const configError = (run: GuardRun): string =>
	`${run.error?.message ?? ''} ${run.error?.description ?? ''}`;

/** The node stopped before routing anything: an error, no item on Valid or Invalid. */
function assertStopped(run: GuardRun, what: string): void {
	assert.equal(run.status, 'error', `${what}: the execution fails`);
	assert.deepEqual([run.valid, run.invalid], [[], []], `${what}: no item is routed`);
}

describe('Schema Guard: hostile schemas and items', () => {
	before(async () => await startEngine());
	after(async () => {
		await stopEngine();
		await closeAllStores();
	});

	describe('catastrophic patterns on 100,000 characters answer (linear-time engine)', () => {
		let child: ChildReport;
		before(async () => {
			child = await runRegexCasesInChild();
			for (const [name, { ms }] of child.cases) console.log(`regex case ${name}: ${ms} ms`);
		});

		for (const [name, expected] of Object.entries(REGEX_CASES)) {
			test(`^(a+)+$ through ${name}: 'a' × 100,000 then '!' goes to Invalid`, () => {
				const report = child.cases.get(name);
				assert.ok(
					report !== undefined,
					`the ${name} case did not finish within ${CHILD_TIMEOUT_MS / 1000} s (finished: ${child.finished}). ${child.stderr}`,
				);
				assert.ok(!('thrown' in report.outcome), JSON.stringify(report.outcome));
				const run = report.outcome as GuardRun;
				assert.equal(run.status, 'success', JSON.stringify(run.error ?? run.nodeError));
				assert.deepEqual(
					{ valid: run.valid, invalid: run.invalid },
					{ valid: expected.valid, invalid: expected.invalid },
				);
			});
		}
	});

	test('a 100,000-value enum: members pass, anything else is Invalid', async () => {
		const values = Array.from({ length: 100_000 }, (_, index) => `code-${index}`);
		const schema = {
			type: 'object',
			properties: { code: { enum: values } },
			required: ['code'],
		};
		const run = await runGuard(schema, [
			{ code: 'code-99999' },
			{ code: 'code-100000' },
			{ code: 'code-0' },
			{ code: 42 },
		]);
		assert.equal(run.status, 'success', run.error?.message);
		assert.deepEqual(
			{ valid: run.valid, invalid: run.invalid },
			{ valid: [0, 2], invalid: [1, 3] },
		);
	});

	test('100 levels of nested objects: schema and data, the reason names the deepest field', async () => {
		let schema: IDataObject = {
			type: 'object',
			properties: { deepest: { type: 'integer' } },
			required: ['deepest'],
		};
		let good: IDataObject = { deepest: 1 };
		let bad: IDataObject = { deepest: 'one' };
		for (let level = 0; level < 99; level++) {
			schema = { type: 'object', properties: { n: schema }, required: ['n'] };
			good = { n: good };
			bad = { n: bad };
		}
		const run = await runGuard(schema, [good, bad]);
		assert.equal(run.status, 'success', run.error?.message);
		assert.deepEqual({ valid: run.valid, invalid: run.invalid }, { valid: [0], invalid: [1] });
		assert.match(run.invalidResults[0], /deepest/);
	});

	for (const ref of ['#/$defs/missing', 'https://schemas.example.com/missing.json']) {
		test(`an unresolvable $ref (${ref}) stops the node, naming the ref`, async () => {
			const schema = { type: 'object', properties: { a: { $ref: ref } } };
			const run = await runGuard(schema, [{ a: 1 }, { b: 2 }]);
			assertStopped(run, ref);
			assert.equal(run.error?.name, 'NodeOperationError');
			// A local ref may be named as its JSON pointer, without the leading '#'.
			assert.ok(configError(run).includes(ref.replace(/^#/, '')), configError(run));
		});
	}

	const cycles: Array<[string, unknown]> = [
		['{"$ref": "#"}', { $ref: '#' }],
		[
			'$defs a → b → a',
			{ $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a' } }, $ref: '#/$defs/a' },
		],
	];
	for (const [label, schema] of cycles) {
		test(`a $ref cycle that never terminates (${label}) is a schema error naming $ref, not Invalid items`, async () => {
			const run = await runGuard(schema, [{ a: 1 }, { b: 2 }, {}]);
			assertStopped(run, label);
			assert.match(configError(run), /\$ref/);
		});
	}

	test('a schema that is not JSON stops the node before any item', async () => {
		const run = await runGuard('{"type": ', [{ a: 1 }]);
		assertStopped(run, 'not JSON');
		assert.match(configError(run), /JSON/);
	});

	for (const [schema, pointer] of [
		[{ type: 12 }, '/type'],
		[{ type: 'object', properties: { a: { type: 12 } } }, '/properties/a/type'],
	] as const) {
		test(`a schema that is not a schema (${JSON.stringify(schema)}) names the JSON pointer ${pointer}`, async () => {
			const run = await runGuard(schema, [{ a: 1 }]);
			assertStopped(run, pointer);
			assert.ok(configError(run).includes(pointer), configError(run));
		});
	}

	test('__proto__ and constructor in the data and in properties: checked as plain keys, nothing polluted', async () => {
		// Text, not object literals: a literal's __proto__ sets the prototype instead.
		const schema = `{
			"type": "object",
			"properties": {
				"__proto__": { "type": "object", "properties": { "polluted": { "type": "boolean" } } },
				"constructor": { "type": "object" },
				"name": { "type": "string" }
			},
			"required": ["__proto__", "constructor"]
		}`;
		const items = JSON.parse(`[
			{ "__proto__": { "polluted": true }, "constructor": { "prototype": { "polluted": true } }, "name": "a" },
			{ "__proto__": 1, "constructor": {}, "name": "b" },
			{ "name": "c" },
			{ "__proto__": { "polluted": "yes" }, "constructor": {} }
		]`) as IDataObject[];
		const run = await runGuard(schema, items, { viaJsonText: true });
		assert.equal(run.status, 'success', run.error?.message);
		assert.deepEqual(
			{ valid: run.valid, invalid: run.invalid },
			{ valid: [0], invalid: [1, 2, 3] },
		);
		assert.equal(({} as IDataObject).polluted, undefined);
		assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
	});

	test('a 5 MB item is checked like any other', async () => {
		const blob = 'x'.repeat(5 * 1024 * 1024);
		const schema = {
			type: 'object',
			properties: { id: { type: 'integer' }, blob: { type: 'string', minLength: 1 } },
			required: ['id', 'blob'],
		};
		const run = await runGuard(schema, [
			{ id: 1, blob },
			{ id: 'two', blob },
		]);
		assert.equal(run.status, 'success', run.error?.message);
		assert.deepEqual({ valid: run.valid, invalid: run.invalid }, { valid: [0], invalid: [1] });
	});

	for (const [label, schema] of [
		['not a schema', { type: 12 }],
		['an unresolvable $ref', { properties: { a: { $ref: '#/$defs/missing' } } }],
		['a $ref cycle', { $ref: '#' }],
	] as const) {
		test(`Continue (using error output): ${label} sends every item to the error output, none to Valid`, async () => {
			const run = await runGuard(schema, [{ a: 1 }, { a: 2 }, { a: 3 }], {
				onError: 'continueErrorOutput',
			});
			assert.equal(run.status, 'success', run.error?.message);
			assert.deepEqual(
				{ valid: run.valid, invalid: run.invalid, errors: run.errors },
				{ valid: [], invalid: [], errors: [0, 1, 2] },
			);
		});
	}
});
