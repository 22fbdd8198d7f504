// Installs and locates the pinned n8n releases the end-to-end tests and the demo run:
//   current  n8n 2.40.7 on Node 24 (every e2e test, the demo, the editor test)
//   v1       n8n 1.123.50 (the last 1.x that runs on Node 20) on Node 20 (the compatibility test)
//
// Each is installed once into a cache folder outside the repo:
//   <cache>/n8n-<version>/      package.json, node_modules/n8n, node_modules/node-<os>-<arch>
// where <cache> is $N8N_GUARDS_CACHE or ~/.cache/n8n-integration-guards.
//
// How (each step learned the hard way on an offline-ish machine):
// - `npm install --ignore-scripts`: several of n8n's ~2300 dependencies have install scripts
//   that download binaries or compile; with scripts on, the install is slower and fails
//   without internet. We run only the native builds n8n needs, afterwards.
// - n8n 2.x needs Node >= 24, n8n 1.x runs on Node 20. We install that Node itself from npm
//   as `node-<os>-<arch>` (the platform package behind the `node` package): it has bin/node
//   AND include/node, the headers native modules compile against, and needs no install
//   script (the `node` package's binary comes from a preinstall script that --ignore-scripts
//   skips). The same Node on every machine, whatever the system Node is.
// - `npm rebuild sqlite3 [isolated-vm]` with that Node first on PATH and npm_config_nodedir
//   set to its headers (a user npmrc may point nodedir at another Node's headers), and
//   npm_config_build_from_source=sqlite3 so sqlite3 does not try to download a prebuilt
//   binary (isolated-vm, a 2.x dependency, uses the prebuilt one it ships for Node 24).
// - A marker file is written only after install, rebuild and a load check succeeded; a
//   present and matching marker makes `ensureN8n()` return at once.
//
// CLI (<which> = current (default) | v1 | all):
//   node scripts/n8n-runtime.mjs [ensure] [<which>]     install if needed, print the paths
//   node scripts/n8n-runtime.mjs ensure [<which>] --json  same, one JSON object a line on stdout
//   node scripts/n8n-runtime.mjs paths [<which>] [--json] print the paths, exit 3 when not installed
// `all` installs one after the other (the machine's cores go to compiling sqlite3).
// Progress goes to stderr; stdout carries only the result.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const N8N_VERSION = '2.40.7';
/**
 * The last n8n 1.x release that installs and runs on Node 20, and that Node. Later 1.123.x
 * releases (1.123.66 to 1.123.81, the last 1.x) depend on @n8n/expression-runtime, whose
 * isolated-vm 6 needs Node >= 22: on Node 20 npm cannot build it, and n8n (with its default
 * expression engine) stops at start-up with "Could not initialize the vm expression engine".
 */
export const N8N_V1_VERSION = '1.123.50';
export const NODE_V1_VERSION = '20.20.2';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MARKER = '.n8n-guards-runtime.json';
const LOCK_WAIT_MS = 30 * 60 * 1000;
const INSTALL_TIMEOUT_MS = 40 * 60 * 1000;
const REBUILD_TIMEOUT_MS = 20 * 60 * 1000;

/**
 * The installs this script knows. `nativeModules` are rebuilt from source (sqlite3) or
 * from their shipped prebuilds (isolated-vm) for that Node; `minutes` is what a cold
 * install took on the 2-core CI machine, for the progress message.
 */
export const RUNTIMES = {
	current: {
		n8nVersion: N8N_VERSION,
		nodeVersion: () => nodeVersion(),
		nativeModules: ['sqlite3', 'isolated-vm'],
		minutes: '8-10',
		size: '2.8 GB',
	},
	v1: {
		n8nVersion: N8N_V1_VERSION,
		nodeVersion: () => NODE_V1_VERSION,
		nativeModules: ['sqlite3'],
		// n8n-nodes-base 1.x depends on xlsx as a tarball URL on SheetJS's own CDN, which only
		// the npm registry's mirror of it reaches here: use the registry's last xlsx (0.18.5;
		// only the spreadsheet nodes use it, and no test runs them).
		overrides: { xlsx: '0.18.5' },
		minutes: '10-15',
		size: '1.8 GB',
	},
};

function runtimeSpec(which) {
	const spec = RUNTIMES[which];
	if (!spec)
		throw new Error(
			`n8n-runtime: unknown runtime "${which}" (known: ${Object.keys(RUNTIMES).join(', ')})`,
		);
	return spec;
}

/** The Node 24 version to run n8n 2.x with: the repo's `node` devDependency, or a known good one. */
export function nodeVersion() {
	try {
		const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
		const wanted = pkg.devDependencies?.node;
		if (
			typeof wanted === 'string' &&
			/^\d+\.\d+\.\d+$/.test(wanted) &&
			Number(wanted.split('.')[0]) >= 24
		)
			return wanted;
	} catch {
		// fall through to the default
	}
	return '24.21.0';
}

/** The npm package that carries the Node binary and headers for this platform (as the `node` package picks it). */
export function nodePackageName() {
	const platform = process.platform === 'win32' ? 'win' : process.platform;
	if (platform === 'win')
		throw new Error('n8n-runtime: Windows is not supported by this script (use WSL).');
	const prefix = process.platform === 'darwin' && process.arch === 'arm64' ? 'node-bin' : 'node';
	return `${prefix}-${platform}-${process.arch}`;
}

/** The cache base folder ($N8N_GUARDS_CACHE or ~/.cache/n8n-integration-guards). */
export function cacheBase() {
	const fromEnv = process.env.N8N_GUARDS_CACHE;
	if (fromEnv) {
		const resolved = path.resolve(fromEnv);
		// Also accept an install folder itself (…/n8n-2.40.7).
		return /^n8n-\d+\.\d+\.\d+$/.test(path.basename(resolved)) ? path.dirname(resolved) : resolved;
	}
	return path.join(os.homedir(), '.cache', 'n8n-integration-guards');
}

/** Where everything of one runtime lives, whether or not it is installed. */
export function runtimePaths(which = 'current') {
	const spec = runtimeSpec(which);
	const dir = path.join(cacheBase(), `n8n-${spec.n8nVersion}`);
	const nodePackageDir = path.join(dir, 'node_modules', nodePackageName());
	const n8nPackageDir = path.join(dir, 'node_modules', 'n8n');
	return {
		runtime: which,
		dir,
		n8nVersion: spec.n8nVersion,
		nodeVersion: spec.nodeVersion(),
		n8nPackageDir,
		n8nBin: path.join(n8nPackageDir, 'bin', 'n8n'),
		nodeBin: path.join(nodePackageDir, 'bin', 'node'),
		nodeBinDir: path.join(nodePackageDir, 'bin'),
		nodeHeadersDir: nodePackageDir,
		nativeModules: spec.nativeModules,
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
			paths.nativeModules.every((name) => marker.nativeModules?.includes(name)) &&
			existsSync(paths.n8nBin) &&
			existsSync(paths.nodeBin),
	);
}

function resultOf(paths) {
	const { marker: _marker, nativeModules: _native, ...rest } = paths;
	const marker = readMarker(paths);
	return {
		...rest,
		installed: isInstalled(paths),
		...(marker?.timings ? { installTimings: marker.timings } : {}),
	};
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
		const heartbeat = setInterval(
			() => log(`${label}: still running (${seconds(started)} s)`),
			30_000,
		);
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
			writeFileSync(
				owner,
				JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() }),
			);
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
			const stale = holder
				? holder.host === os.hostname() && !isProcessAlive(holder.pid)
				: lockAgeMs > 60_000;
			if (stale) {
				log(`removing a stale lock left by ${holder ? `pid ${holder.pid}` : 'an unknown process'}`);
				rmSync(lockDir, { recursive: true, force: true });
				continue;
			}
			if (Date.now() > deadline)
				throw new Error(
					`n8n-runtime: ${lockDir} is still held after ${LOCK_WAIT_MS / 60000} minutes`,
				);
			if (!announced) {
				log(
					`another process (${holder ? `pid ${holder.pid}` : 'unknown'}) is installing n8n; waiting for it`,
				);
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
		description: `The n8n (${paths.runtime}) that n8n-nodes-integration-guards runs its end-to-end tests against.`,
		dependencies: { n8n: paths.n8nVersion, [nodePackageName()]: paths.nodeVersion },
		...(runtimeSpec(paths.runtime).overrides
			? { overrides: runtimeSpec(paths.runtime).overrides }
			: {}),
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
	const spec = runtimeSpec(paths.runtime);
	const timings = {};
	let started = Date.now();
	log(
		`installing n8n@${paths.n8nVersion} and ${nodePackageName()}@${paths.nodeVersion} into ${paths.dir} ` +
			`(npm install --ignore-scripts, then compiling ${paths.nativeModules.join(', ')}; a cold install takes about ${spec.minutes} minutes and ${spec.size})`,
	);
	await run(
		npm.command,
		[...npm.prefix, 'install', '--ignore-scripts', '--no-audit', '--no-fund'],
		{
			cwd: paths.dir,
			env,
			timeoutMs: INSTALL_TIMEOUT_MS,
			label: 'npm install',
		},
	);
	timings.npmInstallSeconds = Number(seconds(started));
	log(`npm install done in ${seconds(started)} s`);
	if (!existsSync(paths.nodeBin))
		throw new Error(`n8n-runtime: ${paths.nodeBin} is missing after npm install`);
	if (!existsSync(path.join(paths.nodeHeadersDir, 'include', 'node', 'node_api.h'))) {
		throw new Error(`n8n-runtime: Node headers missing in ${paths.nodeHeadersDir}/include/node`);
	}

	started = Date.now();
	log(
		`rebuilding ${paths.nativeModules.join(', ')} for Node ${paths.nodeVersion} (headers from ${paths.nodeHeadersDir})`,
	);
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
	// found first on PATH: the runtime's own Node here (24 for 2.x, 20 for 1.x).
	await run(
		npm.prefix.length ? paths.nodeBin : 'npm',
		[...npm.prefix, 'rebuild', ...paths.nativeModules],
		{
			cwd: paths.dir,
			env: rebuildEnv,
			timeoutMs: REBUILD_TIMEOUT_MS,
			label: 'npm rebuild',
		},
	);
	timings.rebuildSeconds = Number(seconds(started));
	log(`npm rebuild done in ${seconds(started)} s`);

	started = Date.now();
	verify(paths);
	timings.verifySeconds = Number(seconds(started));
	log(`verified (native modules load, n8n --version) in ${seconds(started)} s`);
	timings.totalSeconds = Number(seconds(total));

	writeFileSync(
		paths.marker,
		JSON.stringify(
			{
				n8nVersion: paths.n8nVersion,
				nodeVersion: paths.nodeVersion,
				nodePackage: nodePackageName(),
				nativeModules: paths.nativeModules,
				completedAt: new Date().toISOString(),
				seconds: timings.totalSeconds,
				timings,
			},
			null,
			'\t',
		) + '\n',
	);
	log(`n8n ${paths.n8nVersion} ready in ${seconds(total)} s`);
}

/** Loads the rebuilt native modules with the runtime's Node from n8n's folder, then asks n8n for its version. */
function verify(paths) {
	const check = paths.nativeModules
		.map(
			(name) =>
				`require(require.resolve(${JSON.stringify(name)}, { paths: [${JSON.stringify(paths.n8nPackageDir)}] }));`,
		)
		.join(' ');
	const loaded = spawnSync(
		paths.nodeBin,
		['-e', `${check} process.stdout.write(process.version)`],
		{
			encoding: 'utf8',
			timeout: 120_000,
			env: runtimeEnv(paths),
		},
	);
	if (loaded.status !== 0 || loaded.stdout !== `v${paths.nodeVersion}`) {
		throw new Error(
			`n8n-runtime: the native modules do not load with Node ${paths.nodeVersion}:\n${loaded.stderr || loaded.error}`,
		);
	}
	const version = spawnSync(paths.nodeBin, [paths.n8nBin, '--version'], {
		encoding: 'utf8',
		timeout: 180_000,
		env: runtimeEnv(paths),
	});
	const printed = `${version.stdout ?? ''}`.trim();
	if (version.status !== 0 || !printed.includes(paths.n8nVersion)) {
		throw new Error(
			`n8n-runtime: \`n8n --version\` printed "${printed}" (exit ${version.status}):\n${version.stderr ?? version.error}`,
		);
	}
}

/**
 * Makes sure a pinned n8n ('current' = 2.x on Node 24, 'v1' = 1.x on Node 20) is
 * installed, rebuilt and verified; returns its paths. Fast (no child process) when the
 * marker is present.
 */
export async function ensureN8n(which = 'current') {
	const paths = runtimePaths(which);
	if (isInstalled(paths)) return resultOf(paths);
	await withLock(paths, async () => {
		if (isInstalled(paths)) return; // another process finished it while we waited
		try {
			await install(paths);
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			throw new Error(
				`installing n8n ${paths.n8nVersion} on Node ${paths.nodeVersion} (${which}) failed: ${message}\n` +
					`Retry with \`node scripts/n8n-runtime.mjs ensure ${which}\` (needs the npm registry; N8N_GUARDS_VERBOSE=1 shows npm's output).`,
			);
		}
	});
	return resultOf(paths);
}

async function main(argv) {
	const json = argv.includes('--json');
	const words = argv.filter((arg) => !arg.startsWith('--'));
	const command = ['ensure', 'paths'].includes(words[0]) ? words.shift() : 'ensure';
	const which = words[0] ?? 'current';
	const names = which === 'all' ? Object.keys(RUNTIMES) : [which];
	if (
		words.length > 1 ||
		!names.every((name) => name in RUNTIMES) ||
		!['ensure', 'paths'].includes(command)
	) {
		process.stderr.write(
			`usage: node scripts/n8n-runtime.mjs [ensure|paths] [${Object.keys(RUNTIMES).join('|')}|all] [--json]\n`,
		);
		return 2;
	}
	const results = [];
	for (const name of names)
		results.push(command === 'ensure' ? await ensureN8n(name) : resultOf(runtimePaths(name)));
	for (const result of results) {
		if (json) {
			process.stdout.write(JSON.stringify(result) + '\n');
		} else {
			process.stdout.write(
				`n8n ${result.n8nVersion} (${result.runtime}): ${result.installed ? 'installed' : 'NOT installed'} in ${result.dir}\n` +
					`  n8n binary:  ${result.n8nBin}\n` +
					`  Node binary: ${result.nodeBin} (${result.nodeVersion})\n` +
					`  run it:      ${result.nodeBin} ${result.n8nBin} start\n`,
			);
		}
	}
	return results.every((result) => result.installed) ? 0 : 3;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	main(process.argv.slice(2)).then(
		(code) => {
			process.exitCode = code;
		},
		(error) => {
			process.stderr.write(
				`[n8n-runtime] ${error instanceof Error ? error.message : String(error)}\n`,
			);
			process.exitCode = 1;
		},
	);
}
