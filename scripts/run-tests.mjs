// Compiles the TypeScript (nodes, credentials, tests) to build/ and runs the chosen
// suites with node's own test runner, one file at a time so suites that start
// servers or race on shared stores do not disturb each other.
// Usage: node scripts/run-tests.mjs unit stores engine e2e   (--no-compile to skip tsc)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const compile = !args.includes('--no-compile');
const suites = args.filter((arg) => !arg.startsWith('--'));
if (suites.length === 0) suites.push('unit', 'stores', 'engine', 'e2e');

function run(command, commandArgs) {
	const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
	if (result.status !== 0) process.exit(result.status ?? 1);
}

function testFiles(folder) {
	if (!existsSync(folder)) return [];
	return readdirSync(folder, { recursive: true })
		.map(String)
		.filter((file) => file.endsWith('.test.js'))
		.sort()
		.map((file) => path.join(folder, file));
}

if (compile) {
	// A clean build/, so a deleted test never runs from an old compile.
	rmSync(path.join(root, 'build'), { recursive: true, force: true });
	run(process.execPath, [
		path.join(root, 'node_modules/typescript/bin/tsc'),
		'-p',
		'tsconfig.json',
	]);
}

const files = suites.flatMap((suite) => {
	const found = testFiles(path.join(root, 'build/test', suite));
	if (found.length === 0) {
		console.error(`No tests found for suite "${suite}" in build/test/${suite}`);
		process.exit(1);
	}
	return found;
});
// A hung test fails after 15 minutes instead of holding CI to its limit.
run(process.execPath, [
	'--test',
	'--test-concurrency=1',
	'--test-timeout=900000',
	'--test-reporter=spec',
	...files,
]);
