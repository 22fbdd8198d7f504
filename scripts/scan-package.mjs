// Runs n8n's static analyser for community packages (@n8n/scan-community-package) on the
// package as it is published: the unpacked `npm pack` tarball, offline (the analyser's
// by-name entry point downloads from the registry; its analyzePackage takes a folder).
//
// Every violation is attributed to the source module it came from: esbuild writes a
// `// <path>` comment before each module it bundles, so a violation in dist/shared/index.js
// is reported as, say, node_modules/ioredis/built/Redis.js or nodes/shared/stores/sqlite.ts.
// That attribution, not the bundle line, is what scripts/scan-expected.json lists, so a
// rebuild that moves lines does not change the comparison.
//
// Usage:
//   node scripts/scan-package.mjs                     pack the repo (prepack builds), scan, print
//   node scripts/scan-package.mjs --tarball x.tgz     scan that tarball
//   node scripts/scan-package.mjs --dir folder        scan an unpacked package folder
//   options: --json (machine-readable result), --check (exit 1 on a violation the expected
//   remainder does not allow), --update-expected (rewrite scripts/scan-expected.json:
//   counts tightened to today's, vanished entries dropped, new ones added with a TODO reason)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
export const EXPECTED_FILE = path.join(root, 'scripts/scan-expected.json');
const scannerPath = createRequire(path.join(root, 'package.json')).resolve(
	'@n8n/scan-community-package/scanner/scanner.mjs',
);

/** `npm pack` of the repo into a temporary folder; returns the tarball. */
function packRepo(into) {
	const result = spawnSync('npm', ['pack', '--pack-destination', into, '--loglevel=warn'], {
		cwd: root,
		encoding: 'utf8',
	});
	if (result.status !== 0)
		throw new Error(`npm pack failed (exit ${result.status}):\n${result.stderr}${result.stdout}`);
	const tarball = readdirSync(into).find((file) => file.endsWith('.tgz'));
	if (!tarball) throw new Error(`npm pack wrote no tarball into ${into}`);
	return path.join(into, tarball);
}

function unpack(tarball, into) {
	const dir = path.join(into, 'package');
	mkdirSync(dir, { recursive: true });
	const result = spawnSync('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1'], {
		encoding: 'utf8',
	});
	if (result.status !== 0) throw new Error(`tar -xzf ${tarball} failed: ${result.stderr}`);
	return dir;
}

const MODULE_MARKER = /^\/\/ (\S+\.(?:[cm]?[jt]s|json))$/;

/** Per bundle line, the source module esbuild put there (`// path` comments); repo-relative or node_modules/…. */
function moduleIndex(text) {
	const markers = [];
	text.split('\n').forEach((line, index) => {
		const match = MODULE_MARKER.exec(line);
		if (match) markers.push({ line: index + 1, module: normaliseModule(match[1]) });
	});
	return (line) => {
		let found = '(esbuild runtime)';
		for (const marker of markers) {
			if (marker.line > line) break;
			found = marker.module;
		}
		return found;
	};
}

/** `../../main/node_modules/pg/lib/x.js` → `node_modules/pg/lib/x.js` (the worktree's node_modules may be a link). */
function normaliseModule(modulePath) {
	const at = modulePath.lastIndexOf('node_modules/');
	return at >= 0 ? modulePath.slice(at) : modulePath;
}

/**
 * The analyser's own analyzePackage (pass/fail and the stylish report), plus the same ESLint
 * run through its exported buildScanConfig with the same options and file patterns, for
 * structured messages. Both must count the same problems, or this script is out of date.
 */
export async function scanFolder(packageDir) {
	// The analyser makes a temporary folder when it loads (for its by-name downloads): removed on exit.
	const { default: tmp } = await import(
		pathToFileURL(createRequire(scannerPath).resolve('tmp')).href
	);
	tmp.setGracefulCleanup();
	const scanner = await import(pathToFileURL(scannerPath).href);
	const official = await scanner.analyzePackage(packageDir);
	const eslintPath = createRequire(scannerPath).resolve('eslint');
	const { ESLint } = await import(pathToFileURL(eslintPath).href);
	const { default: glob } = await import(
		pathToFileURL(createRequire(scannerPath).resolve('fast-glob')).href
	);
	const eslint = new ESLint({
		cwd: packageDir,
		allowInlineConfig: false,
		overrideConfigFile: true,
		overrideConfig: await scanner.buildScanConfig(),
	});
	// analyzePackage's default patterns and ignores
	const files = glob.sync(['**/*.js', '**/*.ts', '**/*.json'], {
		cwd: packageDir,
		absolute: true,
		ignore: ['node_modules/**', '**/package-lock.json'],
	});
	const results = await eslint.lintFiles(files);
	const violations = [];
	for (const result of results) {
		const distFile = path.relative(packageDir, result.filePath).split(path.sep).join('/');
		const moduleAt = moduleIndex(readFileSync(result.filePath, 'utf8'));
		for (const message of result.messages) {
			if (message.severity !== 2) continue;
			violations.push({
				rule: message.ruleId ?? '(parse error)',
				file: moduleAt(message.line ?? 0),
				message: message.message,
				dist: distFile,
				line: message.line,
				column: message.column,
			});
		}
	}
	const officialCount = official.passed
		? 0
		: Number(/(\d+) problems?/.exec(official.details ?? '')?.[1] ?? NaN);
	if (officialCount !== violations.length) {
		throw new Error(
			`scan-package: analyzePackage reports ${officialCount} problems (${official.message ?? 'passed'}), this script found ${violations.length}: ` +
				'the analyser changed how it lints; update scripts/scan-package.mjs to match it',
		);
	}
	return { passed: official.passed, violations };
}

/** Packs (unless given a tarball or folder), unpacks into a temporary folder, scans. */
export async function scanPackage({ tarball, dir } = {}) {
	const temp = mkdtempSync(path.join(os.tmpdir(), 'scan-package-'));
	try {
		const packageDir = dir ?? unpack(tarball ?? packRepo(temp), temp);
		return await scanFolder(packageDir);
	} finally {
		rmSync(temp, { recursive: true, force: true });
	}
}

export function loadExpected(file = EXPECTED_FILE) {
	return JSON.parse(readFileSync(file, 'utf8')).entries;
}

function entryMatches(entry, violation) {
	return (
		entry.rule === violation.rule &&
		(entry.file.endsWith('/')
			? violation.file.startsWith(entry.file)
			: violation.file === entry.file) &&
		new RegExp(entry.message).test(violation.message)
	);
}

export const describeEntry = (entry) => `${entry.rule} in ${entry.file} /${entry.message}/`;
export const describeViolation = (v) =>
	`${v.rule} in ${v.file} (${v.dist}:${v.line}:${v.column}): ${v.message}`;

/**
 * Compares violations with the expected remainder. Each violation counts against the first
 * entry that matches its rule, source file and message; an entry allows at most `max`.
 * unexpected: violations no entry allows; over: entries with more than `max` (the excess
 * violations named); vanished: entries nothing matched any more (fine: delete them).
 */
export function compareWithExpected(violations, entries) {
	const matched = entries.map(() => []);
	const unexpected = [];
	for (const violation of violations) {
		const index = entries.findIndex((entry) => entryMatches(entry, violation));
		if (index < 0) unexpected.push(violation);
		else matched[index].push(violation);
	}
	const over = entries
		.map((entry, index) => ({ entry, found: matched[index] }))
		.filter(({ entry, found }) => found.length > entry.max);
	const vanished = entries.filter((_, index) => matched[index].length === 0);
	const counts = entries.map((_, index) => matched[index].length);
	return { unexpected, over, vanished, counts, ok: unexpected.length === 0 && over.length === 0 };
}

/** A readable failure: every violation the remainder does not allow, by name. */
export function formatComparison(comparison) {
	const lines = [];
	if (comparison.unexpected.length > 0) {
		lines.push(
			`${comparison.unexpected.length} new violation(s) of n8n's static analyser (not in scripts/scan-expected.json):`,
		);
		for (const violation of comparison.unexpected)
			lines.push(`  NEW ${describeViolation(violation)}`);
	}
	for (const { entry, found } of comparison.over) {
		lines.push(`  MORE THAN EXPECTED (${found.length} > ${entry.max}) ${describeEntry(entry)}:`);
		for (const violation of found) lines.push(`    ${describeViolation(violation)}`);
	}
	if (lines.length > 0) {
		lines.push(
			"Remove the new use, or, when self-hosted state really needs it, add it to scripts/scan-expected.json with the reason (and to the README's Security section).",
		);
	}
	return lines.join('\n');
}

/** Violations grouped by rule, then source file, with counts and distinct messages. */
export function formatGrouped(violations) {
	const byRule = new Map();
	for (const violation of violations) {
		const files = byRule.get(violation.rule) ?? new Map();
		byRule.set(violation.rule, files);
		const list = files.get(violation.file) ?? [];
		files.set(violation.file, list);
		list.push(violation);
	}
	const lines = [`${violations.length} violation(s)`];
	for (const [rule, files] of [...byRule].sort(([a], [b]) => a.localeCompare(b))) {
		const total = [...files.values()].reduce((sum, list) => sum + list.length, 0);
		lines.push('', `${rule} (${total})`);
		for (const [file, list] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
			lines.push(`  ${file} (${list.length})`);
			const messages = new Map();
			for (const violation of list) {
				const seen = messages.get(violation.message) ?? [];
				messages.set(violation.message, seen);
				seen.push(`${violation.dist}:${violation.line}`);
			}
			for (const [message, where] of messages) {
				lines.push(
					`    ${where.length}× ${message}  [${where.slice(0, 3).join(', ')}${where.length > 3 ? ', …' : ''}]`,
				);
			}
		}
	}
	return lines.join('\n');
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Bundled dependencies are listed per package, our own code per file. */
function fileGroup(file) {
	const match = /^(node_modules\/(?:@[^/]+\/)?[^/]+\/)/.exec(file);
	return match ? match[1] : file;
}

/** The expected remainder rewritten from today's scan, keeping every reason written by hand. */
export function updatedEntries(violations, entries) {
	const comparison = compareWithExpected(violations, entries);
	const kept = entries
		.map((entry, index) => ({ ...entry, max: comparison.counts[index] }))
		.filter((entry) => entry.max > 0);
	const added = new Map();
	for (const violation of comparison.unexpected) {
		const key = [violation.rule, fileGroup(violation.file), violation.message].join('\0');
		const entry = added.get(key) ?? {
			rule: violation.rule,
			file: fileGroup(violation.file),
			message: `^${escapeRegExp(violation.message)}$`,
			max: 0,
			reason: 'TODO: why self-hosted use needs this, or remove it',
		};
		entry.max++;
		added.set(key, entry);
	}
	return [...kept, ...added.values()];
}

function argument(args, name) {
	const index = args.indexOf(name);
	return index >= 0 ? args[index + 1] : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	const args = process.argv.slice(2);
	const { violations } = await scanPackage({
		tarball: argument(args, '--tarball'),
		dir: argument(args, '--dir'),
	});
	if (args.includes('--update-expected')) {
		const previous = JSON.parse(readFileSync(EXPECTED_FILE, 'utf8'));
		const entries = updatedEntries(violations, previous.entries);
		writeFileSync(EXPECTED_FILE, JSON.stringify({ ...previous, entries }, null, '\t') + '\n');
		console.error(
			`scripts/scan-expected.json: ${entries.length} entries for ${violations.length} violation(s)`,
		);
	}
	const comparison = args.includes('--check')
		? compareWithExpected(violations, loadExpected())
		: undefined;
	if (args.includes('--json')) {
		console.log(
			JSON.stringify(
				{
					violations,
					comparison: comparison && { ...comparison, report: formatComparison(comparison) },
				},
				null,
				2,
			),
		);
	} else {
		console.log(formatGrouped(violations));
	}
	if (comparison) {
		for (const entry of comparison.vanished)
			console.error(`gone (the entry can be deleted): ${describeEntry(entry)}`);
		if (!comparison.ok) {
			console.error(formatComparison(comparison));
			process.exitCode = 1;
		} else {
			console.error('scan-package: every violation is in the expected remainder');
		}
	}
}
