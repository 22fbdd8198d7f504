/**
 * The official JSON Schema Test Suite as schema-suite.test.ts reads it: the pinned copy
 * under test/fixtures/json-schema-test-suite, its remotes by the URL the suite uses, the
 * known-failures list, and the per-file table.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { findPackageRoot } from './node-types';

export const SUITE_DIR = path.join(findPackageRoot(), 'test', 'fixtures', 'json-schema-test-suite');
export const KNOWN_FAILURES_FILE = path.join(SUITE_DIR, 'known-failures.json');

/** Suite folder → Schema Guard's Dialect option, and the share of main tests it must pass. */
export const DRAFTS = [
	{ folder: 'draft7', dialect: 'draft-07', target: 99 },
	{ folder: 'draft2019-09', dialect: 'draft2019-09', target: 97 },
	{ folder: 'draft2020-12', dialect: 'draft2020-12', target: 97 },
] as const;
export type Draft = (typeof DRAFTS)[number];

/** The remotes every draft may use: the shared files, plus its own folder. */
const SHARED_REMOTES = [
	'integer.json',
	'nested',
	'baseUriChange',
	'baseUriChangeFolder',
	'baseUriChangeFolderInSubschema',
];

export interface SuiteTest {
	/** `<group description> / <test description>`, unique within its file. */
	id: string;
	data: unknown;
	valid: boolean;
}

export interface SuiteGroup {
	description: string;
	schema: unknown;
	tests: SuiteTest[];
}

export interface SuiteFile {
	/** Relative to the draft folder: `ref.json`, `optional/bignum.json`, `optional/format/uri.json`. */
	file: string;
	section: 'main' | 'optional' | 'format';
	groups: SuiteGroup[];
}

export type Outcome =
	| { result: 'passed' }
	| { result: 'failed'; route: string }
	| { result: 'refused'; message: string };

function listJson(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true })
		.filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
		.map((entry) => entry.name)
		.sort();
}

function readGroups(file: string): SuiteGroup[] {
	const raw = JSON.parse(readFileSync(file, 'utf8')) as Array<{
		description: string;
		schema: unknown;
		tests: Array<{ description: string; data: unknown; valid: boolean }>;
	}>;
	const seen = new Map<string, number>();
	return raw.map((group) => ({
		description: group.description,
		schema: group.schema,
		tests: group.tests.map((test) => {
			// A few files repeat a description; a counter keeps ids unique and stable.
			const base = `${group.description} / ${test.description}`;
			const count = (seen.get(base) ?? 0) + 1;
			seen.set(base, count);
			return { id: count === 1 ? base : `${base} #${count}`, data: test.data, valid: test.valid };
		}),
	}));
}

/** Every keyword file of one draft: main files, then optional/, then optional/format/. */
export function loadDraft(draft: Draft): SuiteFile[] {
	const root = path.join(SUITE_DIR, 'tests', draft.folder);
	const sections: Array<[SuiteFile['section'], string, string]> = [
		['main', root, ''],
		['optional', path.join(root, 'optional'), 'optional/'],
		['format', path.join(root, 'optional', 'format'), 'optional/format/'],
	];
	return sections.flatMap(([section, dir, prefix]) =>
		listJson(dir).map((name) => ({
			file: `${prefix}${name}`,
			section,
			groups: readGroups(path.join(dir, name)),
		})),
	);
}

function readTree(dir: string, urlPrefix: string, into: Record<string, unknown>): void {
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) readTree(full, `${urlPrefix}${entry.name}/`, into);
		else if (entry.name.endsWith('.json'))
			into[`${urlPrefix}${entry.name}`] = JSON.parse(readFileSync(full, 'utf8')) as unknown;
	}
}

/** URI → schema, as the suite's README says remotes are served: `http://localhost:1234/<path>`. */
export function loadRemotes(draft: Draft): Record<string, unknown> {
	const remotes: Record<string, unknown> = {};
	const root = path.join(SUITE_DIR, 'remotes');
	for (const name of [...SHARED_REMOTES, draft.folder]) {
		const full = path.join(root, name);
		if (name.endsWith('.json'))
			remotes[`http://localhost:1234/${name}`] = JSON.parse(readFileSync(full, 'utf8')) as unknown;
		else readTree(full, `http://localhost:1234/${name}/`, remotes);
	}
	return remotes;
}

/** draft folder → main file → test id → reason. */
export type KnownFailures = Record<string, Record<string, Record<string, string>>>;

export function readKnownFailures(): KnownFailures {
	try {
		return JSON.parse(readFileSync(KNOWN_FAILURES_FILE, 'utf8')) as KnownFailures;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
		throw error;
	}
}

export const TODO_REASON = 'TODO: reason';

const firstLine = (text: string): string => text.split('\n')[0].slice(0, 200);

/**
 * The list as it should be after this run: every failing main test, its old reason kept,
 * new ones marked TODO (with the node's message when the schema was refused).
 */
export function nextKnownFailures(
	previous: KnownFailures,
	outcomes: Map<string, Map<string, Map<string, Outcome>>>,
): KnownFailures {
	const next: KnownFailures = {};
	for (const [draft, files] of outcomes) {
		const draftList: Record<string, Record<string, string>> = {};
		for (const [file, tests] of files) {
			const fileList: Record<string, string> = {};
			for (const [id, outcome] of tests) {
				if (outcome.result === 'passed') continue;
				const old = previous[draft]?.[file]?.[id];
				const hint =
					outcome.result === 'refused' ? ` (refused: ${firstLine(outcome.message)})` : '';
				fileList[id] = old !== undefined && !old.startsWith(TODO_REASON) ? old : TODO_REASON + hint;
			}
			if (Object.keys(fileList).length > 0) draftList[file] = fileList;
		}
		next[draft] = draftList;
	}
	return next;
}

export function writeKnownFailures(list: KnownFailures): void {
	writeFileSync(KNOWN_FAILURES_FILE, `${JSON.stringify(list, null, '\t')}\n`);
}

export interface Tally {
	passed: number;
	failed: number;
	refused: number;
}

export function tally(outcomes: Iterable<Outcome>): Tally {
	const counts: Tally = { passed: 0, failed: 0, refused: 0 };
	for (const outcome of outcomes) counts[outcome.result]++;
	return counts;
}

export const total = (counts: Tally): number => counts.passed + counts.failed + counts.refused;

export const percent = (counts: Tally): number =>
	total(counts) === 0 ? 100 : (100 * counts.passed) / total(counts);

function row(cells: Array<string | number>): string {
	const [first, ...rest] = cells;
	return `${String(first).padEnd(44)} ${rest.map((cell) => String(cell).padStart(8)).join(' ')}`;
}

/** The table for one section of one draft: one line per keyword file, then the total. */
export function formatTable(
	title: string,
	files: Array<{ file: string; counts: Tally }>,
): { text: string; counts: Tally } {
	const sum: Tally = { passed: 0, failed: 0, refused: 0 };
	const lines = [title, row(['file', 'passed', 'failed', 'refused', '%'])];
	for (const { file, counts } of files) {
		sum.passed += counts.passed;
		sum.failed += counts.failed;
		sum.refused += counts.refused;
		lines.push(
			row([file, counts.passed, counts.failed, counts.refused, percent(counts).toFixed(1)]),
		);
	}
	lines.push(row(['total', sum.passed, sum.failed, sum.refused, percent(sum).toFixed(1)]));
	return { text: lines.join('\n'), counts: sum };
}
