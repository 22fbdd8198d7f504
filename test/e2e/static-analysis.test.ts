// n8n's static analyser for community packages (@n8n/scan-community-package, its
// analyzePackage) on the package as published: the unpacked `npm pack` tarball. What it
// reports must stay within the expected remainder in scripts/scan-expected.json (bundled
// ioredis/pg, node:sqlite, node:net/tls, …, each with its reason; the README's Security
// section lists them). A new violation fails with its rule, source file and message; one
// that vanished is fine (scripts/scan-package.mjs --update-expected tidies the list).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
	appendFileSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { packPackage, repoRoot, RuntimeMissingError } from './harness';

interface Violation {
	rule: string;
	file: string;
	message: string;
	dist: string;
	line: number;
}
interface ScanResult {
	violations: Violation[];
	comparison: {
		ok: boolean;
		unexpected: Violation[];
		over: unknown[];
		vanished: Array<{ rule: string; file: string }>;
		report: string;
	};
}

const script = path.join(repoRoot(), 'scripts', 'scan-package.mjs');

function scan(args: string[]): { code: number | null; result: ScanResult; stderr: string } {
	const run = spawnSync(process.execPath, [script, '--json', '--check', ...args], {
		cwd: repoRoot(),
		encoding: 'utf8',
		maxBuffer: 64 * 1024 * 1024,
		timeout: 10 * 60 * 1000,
	});
	let result: ScanResult;
	try {
		result = JSON.parse(run.stdout) as ScanResult;
	} catch {
		throw new Error(
			`scan-package.mjs printed no result (exit ${run.status}):\n${run.stderr.slice(-4000)}`,
		);
	}
	return { code: run.status, result, stderr: run.stderr };
}

/** The harness's cached tarball (the one the other e2e tests install); without n8n installed, `npm pack` here. */
async function publishedTarball(into: string): Promise<string> {
	try {
		return await packPackage();
	} catch (error) {
		if (!(error instanceof RuntimeMissingError)) throw error;
		const pack = spawnSync('npm', ['pack', '--pack-destination', into, '--loglevel=warn'], {
			cwd: repoRoot(),
			encoding: 'utf8',
		});
		assert.equal(pack.status, 0, pack.stderr);
		return path.join(into, pack.stdout.trim().split('\n').pop() ?? '');
	}
}

describe('n8n static analyser (@n8n/scan-community-package) on the published tarball', () => {
	let tarball: string;
	let temp: string;

	before(async () => {
		temp = mkdtempSync(path.join(os.tmpdir(), 'static-analysis-'));
		tarball = await publishedTarball(temp);
	});
	after(() => {
		if (temp) rmSync(temp, { recursive: true, force: true });
	});

	it('reports nothing beyond the expected remainder in scripts/scan-expected.json', () => {
		const { code, result, stderr } = scan(['--tarball', tarball]);
		const byRule = new Map<string, number>();
		for (const violation of result.violations)
			byRule.set(violation.rule, (byRule.get(violation.rule) ?? 0) + 1);
		process.stderr.write(
			`[static-analysis] ${result.violations.length} violation(s): ${JSON.stringify(Object.fromEntries(byRule))}\n`,
		);
		for (const entry of result.comparison.vanished)
			process.stderr.write(
				`[static-analysis] gone, the entry can be deleted: ${entry.rule} in ${entry.file}\n`,
			);
		assert.ok(
			result.violations.length > 0,
			`the analyser found nothing at all, which the bundled ioredis/pg rule out: is it still linting the package?\n${stderr}`,
		);
		assert.equal(result.comparison.ok, true, result.comparison.report);
		assert.equal(code, 0, stderr);
	});

	it('fails on a new violation and names it; moved bundle lines and vanished violations do not matter', () => {
		// The published package, then: a new node file using a restricted global, every bundle
		// line of the shared code moved down, and one node (with its expected violations) gone.
		const unpacked = path.join(temp, 'package');
		mkdirSync(unpacked, { recursive: true });
		const untar = spawnSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1'], {
			encoding: 'utf8',
		});
		assert.equal(untar.status, 0, untar.stderr);
		const shared = path.join(unpacked, 'dist/shared/index.js');
		writeFileSync(shared, '\n'.repeat(137) + readFileSync(shared, 'utf8'));
		rmSync(path.join(unpacked, 'dist/nodes/CredentialExpiryCheck'), {
			recursive: true,
			force: true,
		});
		mkdirSync(path.join(unpacked, 'dist/nodes/Sneaky'), { recursive: true });
		appendFileSync(
			path.join(unpacked, 'dist/nodes/Sneaky/Sneaky.node.js'),
			'"use strict";\n\n// nodes/Sneaky/Sneaky.node.ts\nrequire("node:child_process");\nmodule.exports = { later: () => setTimeout(() => undefined, 10) };\n',
		);

		const { code, result } = scan(['--dir', unpacked]);
		assert.equal(code, 1, 'the check must fail');
		assert.equal(result.comparison.ok, false);
		const unexpected = result.comparison.unexpected
			.map((violation) => `${violation.rule} ${violation.file} ${violation.message}`)
			.sort();
		assert.equal(unexpected.length, 2, result.comparison.report);
		assert.match(
			unexpected[0],
			/no-restricted-globals nodes\/Sneaky\/Sneaky\.node\.ts .*'setTimeout'/,
		);
		assert.match(
			unexpected[1],
			/no-restricted-imports nodes\/Sneaky\/Sneaky\.node\.ts .*'node:child_process'/,
		);
		assert.match(
			result.comparison.report,
			/NEW @n8n\/community-nodes\/no-restricted-imports in nodes\/Sneaky\/Sneaky\.node\.ts/,
		);
		assert.deepEqual(result.comparison.over, []);
		assert.ok(
			result.comparison.vanished.some(
				(entry) => entry.file === 'nodes/CredentialExpiryCheck/tlsProbe.ts',
			),
			"the removed node's entries are reported as gone, not as a failure",
		);
	});
});
