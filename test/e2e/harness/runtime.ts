// The pinned n8n runtime (scripts/n8n-runtime.mjs): where it is, the environment its
// children run in, and n8n processes spawned from it (queue-mode workers, see
// queue-harness.ts), tracked and killed like the server so none outlives the test process.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
	installExitHooks,
	killGroup,
	running,
	runProcess,
	sleep,
	STOP_TIMEOUT_MS,
} from './processes';

export const PACKAGE_NAME = 'n8n-nodes-integration-guards';

/** The repository root: the nearest folder above this file with our package.json. */
export function repoRoot(): string {
	let dir = __dirname;
	for (let i = 0; i < 10; i++) {
		const candidate = path.join(dir, 'package.json');
		if (existsSync(candidate)) {
			try {
				if (JSON.parse(readFileSync(candidate, 'utf8')).name === PACKAGE_NAME) return dir;
			} catch {
				// keep looking
			}
		}
		dir = path.dirname(dir);
	}
	throw new Error(`harness: cannot find the ${PACKAGE_NAME} package.json above ${__dirname}`);
}

export interface Runtime {
	dir: string;
	n8nVersion: string;
	nodeVersion: string;
	n8nPackageDir: string;
	n8nBin: string;
	nodeBin: string;
	nodeBinDir: string;
	nodeHeadersDir: string;
	installed: boolean;
}

/** Thrown when n8n is not installed and N8N_GUARDS_INSTALL=never forbids installing it. */
export class RuntimeMissingError extends Error {}

let runtimePromise: Promise<Runtime> | undefined;

/** Installs (if needed) and locates the pinned n8n through scripts/n8n-runtime.mjs. */
export function ensureRuntime(): Promise<Runtime> {
	runtimePromise ??= (async () => {
		const noInstall = process.env.N8N_GUARDS_INSTALL === 'never';
		const script = path.join(repoRoot(), 'scripts', 'n8n-runtime.mjs');
		const { code, stdout, stderr } = await runProcess(
			process.execPath,
			[script, noInstall ? 'paths' : 'ensure', '--json'],
			{
				cwd: repoRoot(),
				timeoutMs: 60 * 60 * 1000,
				echoStderr: true,
			},
		);
		const line = stdout.trim().split('\n').pop() ?? '';
		let runtime: Runtime | undefined;
		try {
			runtime = JSON.parse(line) as Runtime;
		} catch {
			runtime = undefined;
		}
		if (!runtime || !runtime.installed) {
			const why = noInstall
				? 'N8N_GUARDS_INSTALL=never and the pinned n8n is not installed'
				: `scripts/n8n-runtime.mjs ensure failed (exit ${code})`;
			throw new RuntimeMissingError(
				`${why}. Install it with \`node scripts/n8n-runtime.mjs ensure\` (needs the npm registry, ~5 minutes, 2.8 GB).\n${stderr.slice(-4000)}`,
			);
		}
		return runtime;
	})();
	// A failed attempt must not poison later callers in the same process.
	runtimePromise.catch(() => {
		runtimePromise = undefined;
	});
	return runtimePromise;
}

export function cacheBase(): string {
	const fromEnv = process.env.N8N_GUARDS_CACHE;
	if (fromEnv) {
		const resolved = path.resolve(fromEnv);
		return /^n8n-\d+\.\d+\.\d+$/.test(path.basename(resolved)) ? path.dirname(resolved) : resolved;
	}
	return path.join(os.homedir(), '.cache', 'n8n-integration-guards');
}

/** Environment for npm and n8n children: the runtime's Node 24 first on PATH (n8n spawns `node` for its task runner). */
export function runtimeEnv(runtime: Runtime, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	return {
		...process.env,
		PATH: [runtime.nodeBinDir, process.env.PATH ?? ''].join(path.delimiter),
		...extra,
	};
}

export interface N8nProcess {
	readonly pid: number | undefined;
	/** 'exit <code or signal>' once it ended, else undefined. */
	exited(): string | undefined;
	/** SIGKILL to its process group (n8n and its task runner), as a crash or an OOM kill would; resolves once it is gone (bounded). */
	kill(): Promise<void>;
	/** SIGTERM (n8n finishes or hands back its running executions), SIGKILL after `timeoutMs`. */
	stop(timeoutMs?: number): Promise<void>;
}

/** Spawns `node <n8n bin> ...args` with the runtime's Node first on PATH, output appended to `logFile`. */
export function spawnN8nProcess(
	runtime: Runtime,
	args: string[],
	options: { cwd: string; env: Record<string, string>; logFile: string },
): N8nProcess {
	installExitHooks();
	const logFd = openSync(options.logFile, 'a');
	const child = spawn(runtime.nodeBin, [runtime.n8nBin, ...args], {
		cwd: options.cwd,
		env: runtimeEnv(runtime, options.env),
		detached: true,
		stdio: ['ignore', logFd, logFd],
	});
	closeSync(logFd);
	running.add(child);
	let exited: string | undefined;
	child.once('exit', (code, signal) => {
		exited = `exit ${code ?? signal}`;
	});
	const waitExit = async (timeoutMs: number): Promise<void> => {
		const deadline = Date.now() + timeoutMs;
		while (exited === undefined && Date.now() < deadline) await sleep(50);
	};
	return {
		pid: child.pid,
		exited: () => exited,
		kill: async () => {
			killGroup(child, 'SIGKILL', true);
			await waitExit(10_000);
			running.delete(child);
		},
		stop: async (timeoutMs = STOP_TIMEOUT_MS) => {
			killGroup(child, 'SIGTERM');
			await waitExit(timeoutMs);
			killGroup(child, 'SIGKILL', true);
			await waitExit(5000);
			running.delete(child);
		},
	};
}
