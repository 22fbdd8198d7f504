// Installs and locates the pinned n8n that the end-to-end tests and the demo run.
//
// n8n is installed once into a cache folder outside the repo:
//   <cache>/n8n-<version>/      package.json, node_modules/n8n, node_modules/node-<os>-<arch>
// where <cache> is $N8N_GUARDS_CACHE or ~/.cache/n8n-integration-guards.
//
// How (each step learned the hard way on an offline-ish machine):
// - `npm install --ignore-scripts`: several of n8n's ~2300 dependencies have install scripts
//   that download binaries or compile; with scripts on, the install is slower and fails
//   without internet. We run only the native builds n8n needs, afterwards.
// - n8n 2.x needs Node >= 24. We install Node 24 itself from npm as `node-<os>-<arch>`
//   (the platform package behind the `node` package): it has bin/node AND include/node,
//   the headers native modules compile against, and needs no install script
//   (the `node` package's binary comes from a preinstall script that --ignore-scripts skips).
// - `npm rebuild sqlite3 isolated-vm` with Node 24 first on PATH and npm_config_nodedir set
//   to those headers (a user npmrc may point nodedir at another Node's headers), and
//   npm_config_build_from_source=sqlite3 so sqlite3 does not try to download a prebuilt
//   binary (isolated-vm uses the prebuilt one it ships).
// - A marker file is written only after install, rebuild and a load check succeeded; a
//   present and matching marker makes `ensureN8n()` return at once.
//
// CLI:
//   node scripts/n8n-runtime.mjs [ensure]   install if needed, print the paths
//   node scripts/n8n-runtime.mjs ensure --json   same, one JSON object on stdout
//   node scripts/n8n-runtime.mjs paths [--json]  print the paths, exit 3 when not installed
// Progress goes to stderr; stdout carries only the result.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const N8N_VERSION = '2.40.7';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MARKER = '.n8n-guards-runtime.json';
const NATIVE_MODULES = ['sqlite3', 'isolated-vm'];
const LOCK_WAIT_MS = 30 * 60 * 1000;
const INSTALL_TIMEOUT_MS = 40 * 60 * 1000;
const REBUILD_TIMEOUT_MS = 20 * 60 * 1000;

/** The Node 24 version to run n8n with: the repo's `node` devDependency, or a known good one. */
export function nodeVersion() {
	try {
		const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
		const wanted = pkg.devDependencies?.node;
		if (typeof wanted === 'string' && /^\d+\.\d+\.\d+$/.test(wanted) && Number(wanted.split('.')[0]) >= 24) return wanted;
	} catch {
		// fall through to the default
	}
	return '24.21.0';
}

/** The npm package that carries the Node binary and headers for this platform (as the `node` package picks it). */
export function nodePackageName() {
	const platform = process.platform === 'win32' ? 'win' : process.platform;
	if (platform === 'win') throw new Error('n8n-runtime: Windows is not supported by this script (use WSL).');
	const prefix = process.platform === 'darwin' && process.arch === 'arm64' ? 'node-bin' : 'node';
	return `${prefix}-${platform}-${process.arch}`;
}

/** The cache base folder ($N8N_GUARDS_CACHE or ~/.cache/n8n-integration-guards). */
export function cacheBase() {
	const fromEnv = process.env.N8N_GUARDS_CACHE;
	if (fromEnv) {
		const resolved = path.resolve(fromEnv);
		// Also accept the install folder itself (…/n8n-2.40.7).
		return path.basename(resolved) === `n8n-${N8N_VERSION}` ? path.dirname(resolved) : resolved;
	}
	return path.join(os.homedir(), '.cache', 'n8n-integration-guards');
}

/** Where everything lives, whether or not it is installed. */
export function runtimePaths() {
	const dir = path.join(cacheBase(), `n8n-${N8N_VERSION}`);
	const nodePackageDir = path.join(dir, 'node_modules', nodePackageName());
	const n8nPackageDir = path.join(dir, 'node_modules', 'n8n');
	return {
		dir,
		n8nVersion: N8N_VERSION,
		nodeVersion: nodeVersion(),
		n8nPackageDir,
		n8nBin: path.join(n8nPackageDir, 'bin', 'n8n'),
		nodeBin: path.join(nodePackageDir, 'bin', 'node'),
		nodeBinDir: path.join(nodePackageDir, 'bin'),
		nodeHeadersDir: nodePackageDir,
		marker: path.join(dir, MARKER),
	};
}

function log(message) {
	process.stderr.write(`[n8n-runtime] ${message}\n`);
}

function seconds(since) {
	return ((Date.now() - since) / 1000).toFixed(1);
}

function readMarker(paths) {
	try {
		return JSON.parse(readFileSync(paths.marker, 'utf8'));
	} catch {
		return undefined;
	}
}

/** True when the pinned n8n is installed, rebuilt and verified (the marker matches). */
export function isInstalled(paths = runtimePaths()) {
	const marker = readMarker(paths);
	return Boolean(
		marker &&
			marker.n8nVersion === paths.n8nVersion &&
			marker.nodeVersion === paths.nodeVersion &&
			existsSync(paths.n8nBin) &&
			existsSync(paths.nodeBin),
	);
}

function resultOf(paths) {
	const { marker: _marker, ...rest } = paths;
	return { ...rest, installed: isInstalled(paths) };
}

/** Runs a command, streaming its output to our stderr, with a hard time limit. */
function run(command, args, { cwd, env, timeoutMs, label }) {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
		let tail = '';
		const onData = (chunk) => {
			const text = chunk.toString();
			tail = (tail + text).slice(-8000);
			if (process.env.N8N_GUARDS_VERBOSE) process.stderr.write(text);
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		const heartbeat = setInterval(() => log(`${label}: still running (${seconds(started)} s)`), 30_000);
		const timer = setTimeout(() => {
			log(`${label}: no result after ${timeoutMs / 1000} s, stopping it`);
			child.kill('SIGTERM');
		}, timeoutMs);
		child.on('error', (error) => {
			clearInterval(heartbeat);
			clearTimeout(timer);
			reject(new Error(`${label}: could not start ${command}: ${error.message}`));
		});
		child.on('close', (code, signal) => {
			clearInterval(heartbeat);
			clearTimeout(timer);
			if (code === 0) resolve(tail);
			else reject(new Error(`${label} failed (exit ${code ?? signal}). Last output:\n${tail}`));
		});
	});
}

function isProcessAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error.code === 'EPERM';
	}
}

/** A lock folder next to the install folder so two test processes never install at once. */
async function withLock(paths, fn) {
	const lockDir = `${paths.dir}.lock`;
	const owner = path.join(lockDir, 'owner.json');
	const deadline = Date.now() + LOCK_WAIT_MS;
	let announced = false;
	mkdirSync(path.dirname(lockDir), { recursive: true });
	for (;;) {
		try {
			mkdirSync(lockDir);
			writeFileSync(owner, JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() }));
			break;
		} catch (error) {
			if (error.code !== 'EEXIST') throw error;
			let holder;
			try {
				holder = JSON.parse(readFileSync(owner, 'utf8'));
			} catch {
				holder = undefined;
			}
			const lockAgeMs = (() => {
				try {
					return Date.now() - statSync(lockDir).mtimeMs;
				} catch {
					return 0;
				}
			})();
			const stale = holder ? holder.host === os.hostname() && !isProcessAlive(holder.pid) : lockAgeMs > 60_000;
			if (stale) {
				log(`removing a stale lock left by ${holder ? `pid ${holder.pid}` : 'an unknown process'}`);
				rmSync(lockDir, { recursive: true, force: true });
				continue;
			}
			if (Date.now() > deadline) throw new Error(`n8n-runtime: ${lockDir} is still held after ${LOCK_WAIT_MS / 60000} minutes`);
			if (!announced) {
				log(`another process (${holder ? `pid ${holder.pid}` : 'unknown'}) is installing n8n; waiting for it`);
				announced = true;
			}
			await new Promise((resolve) => setTimeout(resolve, 2000));
		}
	}
	try {
		return await fn();
	} finally {
		rmSync(lockDir, { recursive: true, force: true });
	}
}

function npmCommand() {
	return process.env.npm_execpath && process.env.npm_execpath.endsWith('npm-cli.js')
		? { command: process.execPath, prefix: [process.env.npm_execpath] }
		: { command: 'npm', prefix: [] };
}

/** The environment every npm/n8n child gets: Node 24 first on PATH, headers pinned. */
export function runtimeEnv(paths = runtimePaths(), base = process.env) {
	const env = { ...base };
	env.PATH = [paths.nodeBinDir, base.PATH ?? ''].filter(Boolean).join(path.delimiter);
	return env;
}

async function install(paths) {
	const total = Date.now();
	mkdirSync(paths.dir, { recursive: true });
	// Exact pins; npm reuses whatever is already in node_modules and adds what is missing.
	const manifest = {
		name: 'n8n-integration-guards-runtime',
		private: true,
		description: 'The n8n that n8n-nodes-integration-guards runs its end-to-end tests and demo against.',
		dependencies: { n8n: paths.n8nVersion, [nodePackageName()]: paths.nodeVersion },
	};
	writeFileSync(path.join(paths.dir, 'package.json'), JSON.stringify(manifest, null, '\t') + '\n');
	rmSync(paths.marker, { force: true });

	const npm = npmCommand();
	const env = {
		...process.env,
		npm_config_audit: 'false',
		npm_config_fund: 'false',
		npm_config_update_notifier: 'false',
		npm_config_loglevel: 'warn',
	};
	let started = Date.now();
	log(`installing n8n@${paths.n8nVersion} and ${nodePackageName()}@${paths.nodeVersion} into ${paths.dir} (npm install --ignore-scripts; a cold install takes about 4-6 minutes and 2.8 GB)`);
	await run(npm.command, [...npm.prefix, 'install', '--ignore-scripts', '--no-audit', '--no-fund'], {
		cwd: paths.dir,
		env,
		timeoutMs: INSTALL_TIMEOUT_MS,
		label: 'npm install',
	});
	log(`npm install done in ${seconds(started)} s`);
	if (!existsSync(paths.nodeBin)) throw new Error(`n8n-runtime: ${paths.nodeBin} is missing after npm install`);
	if (!existsSync(path.join(paths.nodeHeadersDir, 'include', 'node', 'node_api.h'))) {
		throw new Error(`n8n-runtime: Node headers missing in ${paths.nodeHeadersDir}/include/node`);
	}

	started = Date.now();
	log(`rebuilding ${NATIVE_MODULES.join(', ')} for Node ${paths.nodeVersion} (headers from ${paths.nodeHeadersDir})`);
	const rebuildEnv = runtimeEnv(paths, {
		...env,
		npm_config_nodedir: paths.nodeHeadersDir,
		// Only sqlite3 (prebuild-install would try to download from GitHub); isolated-vm ships
		// a prebuilt binary for Node 24 that node-gyp-build picks up ('true' here would make
		// it compile V8 bindings for ~4 minutes instead).
		npm_config_build_from_source: 'sqlite3',
		npm_config_jobs: String(Math.max(1, os.availableParallelism?.() ?? os.cpus().length)),
	});
	// npm (a `#!/usr/bin/env node` script) and the install scripts it runs use the `node`
	// found first on PATH: Node 24 here.
	await run(npm.prefix.length ? paths.nodeBin : 'npm', [...npm.prefix, 'rebuild', ...NATIVE_MODULES], {
		cwd: paths.dir,
		env: rebuildEnv,
		timeoutMs: REBUILD_TIMEOUT_MS,
		label: 'npm rebuild',
	});
	log(`npm rebuild done in ${seconds(started)} s`);

	started = Date.now();
	verify(paths);
	log(`verified (native modules load, n8n --version) in ${seconds(started)} s`);

	writeFileSync(
		paths.marker,
		JSON.stringify(
			{
				n8nVersion: paths.n8nVersion,
				nodeVersion: paths.nodeVersion,
				nodePackage: nodePackageName(),
				nativeModules: NATIVE_MODULES,
				completedAt: new Date().toISOString(),
				seconds: Number(seconds(total)),
			},
			null,
			'\t',
		) + '\n',
	);
	log(`n8n ${paths.n8nVersion} ready in ${seconds(total)} s`);
}

/** Loads the rebuilt native modules with Node 24 from n8n's folder, then asks n8n for its version. */
function verify(paths) {
	const check = NATIVE_MODULES.map(
		(name) => `require(require.resolve(${JSON.stringify(name)}, { paths: [${JSON.stringify(paths.n8nPackageDir)}] }));`,
	).join(' ');
	const loaded = spawnSync(paths.nodeBin, ['-e', check], { encoding: 'utf8', timeout: 120_000, env: runtimeEnv(paths) });
	if (loaded.status !== 0) {
		throw new Error(`n8n-runtime: the native modules do not load with Node ${paths.nodeVersion}:\n${loaded.stderr || loaded.error}`);
	}
	const version = spawnSync(paths.nodeBin, [paths.n8nBin, '--version'], {
		encoding: 'utf8',
		timeout: 180_000,
		env: runtimeEnv(paths),
	});
	const printed = `${version.stdout ?? ''}`.trim();
	if (version.status !== 0 || !printed.includes(paths.n8nVersion)) {
		throw new Error(`n8n-runtime: \`n8n --version\` printed "${printed}" (exit ${version.status}):\n${version.stderr ?? version.error}`);
	}
}

/**
 * Makes sure the pinned n8n is installed, rebuilt and verified; returns its paths.
 * Fast (no child process) when the marker is present.
 */
export async function ensureN8n() {
	const paths = runtimePaths();
	if (isInstalled(paths)) return resultOf(paths);
	await withLock(paths, async () => {
		if (isInstalled(paths)) return; // another process finished it while we waited
		await install(paths);
	});
	return resultOf(paths);
}

async function main(argv) {
	const json = argv.includes('--json');
	const command = argv.find((arg) => !arg.startsWith('--')) ?? 'ensure';
	let result;
	if (command === 'ensure') {
		result = await ensureN8n();
	} else if (command === 'paths') {
		result = resultOf(runtimePaths());
	} else {
		process.stderr.write('usage: node scripts/n8n-runtime.mjs [ensure|paths] [--json]\n');
		return 2;
	}
	if (json) {
		process.stdout.write(JSON.stringify(result) + '\n');
	} else {
		process.stdout.write(
			`n8n ${result.n8nVersion}: ${result.installed ? 'installed' : 'NOT installed'} in ${result.dir}\n` +
				`  n8n binary:  ${result.n8nBin}\n` +
				`  Node binary: ${result.nodeBin} (${result.nodeVersion})\n` +
				`  run it:      ${result.nodeBin} ${result.n8nBin} start\n`,
		);
	}
	return result.installed ? 0 : 3;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	main(process.argv.slice(2)).then(
		(code) => {
			process.exitCode = code;
		},
		(error) => {
			process.stderr.write(`[n8n-runtime] ${error instanceof Error ? error.message : String(error)}\n`);
			process.exitCode = 1;
		},
	);
}
