// Level 4 of the test plan: this package in a real n8n.
//
// startN8n() installs the pinned n8n if needed (scripts/n8n-runtime.mjs), packs this package
// with `npm pack` (cached by a fingerprint of its sources), installs the tarball into a fresh
// n8n user folder the way a user would (`npm install` in <user folder>/.n8n/nodes), starts
// `n8n start` with Node 24 on free 127.0.0.1 ports, sets up the owner, and FAILS unless n8n
// loaded every node and credential the package declares. It returns helpers to import,
// activate and run workflows and to read every output of every node of an execution.
//
// Environment:
//   N8N_GUARDS_CACHE     cache base folder (default ~/.cache/n8n-integration-guards)
//   N8N_GUARDS_TARBALL   use this tarball instead of packing the repo
//   N8N_GUARDS_INSTALL   'never' = do not install n8n when it is missing (RuntimeMissingError)
//   N8N_GUARDS_KEEP      '1' = keep the temporary user folder after stop() (for debugging)
//   N8N_GUARDS_LOG_LEVEL n8n's log level (default 'info'); the log is <user folder>/n8n.log
//
// The harness lives in harness/ by subject; this module is the one every test imports from:
//   harness/runtime.ts     the pinned runtime, its environment, n8n processes (workers)
//   harness/package.ts     npm pack (cached) and install into a user folder; declared types
//   harness/client.ts      REST client: owner, workflows, webhooks, executions, credentials
//   harness/executions.ts  executions read back: every output by index and by name
//   harness/processes.ts   child processes, exit hooks, polling, a cross-process lock
import { spawn, type ChildProcess } from 'node:child_process';
import {
	closeSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	openSync,
	readFileSync,
	rmSync,
	statSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freeLoopbackPort } from '../support/services';
import { restClient, workflowClient, type RestClient, type WorkflowClient } from './harness/client';
import type { LoadedNodeType } from './harness/executions';
import { declaredTypes, installPackage, packPackage, type DeclaredTypes } from './harness/package';
import {
	installExitHooks,
	killGroup,
	running,
	seconds,
	sleep,
	STOP_TIMEOUT_MS,
	waitUntil,
} from './harness/processes';
import { ensureRuntime, PACKAGE_NAME, runtimeEnv, type Runtime } from './harness/runtime';

export { OWNER, type WebhookResult, type WorkflowClient } from './harness/client';
export type {
	Execution,
	ImportedWorkflow,
	NodeRun,
	WorkflowJson,
	WorkflowNodeJson,
} from './harness/executions';
export { declaredTypes, installPackage, packPackage, type DeclaredTypes } from './harness/package';
export { waitUntil } from './harness/processes';
export {
	ensureRuntime,
	PACKAGE_NAME,
	repoRoot,
	runtimeEnv,
	RuntimeMissingError,
	spawnN8nProcess,
	type N8nProcess,
	type Runtime,
} from './harness/runtime';
export { freeLoopbackPort as freePort };

const READY_TIMEOUT_MS = 180_000;

export interface StartOptions {
	/** A user folder to use (kept after stop); default: a new temporary folder (removed by stop()). */
	userFolder?: string;
	/** Extra environment for n8n (wins over the harness defaults). */
	env?: Record<string, string>;
	/** Skip the install when <user folder>/.n8n/nodes already holds the package. */
	reuseInstalledPackage?: boolean;
	/** Another n8n/Node install to run (e.g. the n8n 1.x compatibility runtime); default: the pinned one. */
	runtime?: Runtime;
}

export interface N8nInstance extends WorkflowClient {
	baseUrl: string;
	port: number;
	userFolder: string;
	runtime: Runtime;
	tarball: string;
	declared: DeclaredTypes;
	loadedNodeTypes: string[];
	loadedCredentialTypes: string[];
	/** An authenticated request to n8n's REST API (`/rest/...`); returns the `data` of the answer. */
	api: RestClient['api'];
	/** The last `lines` lines of n8n's log. */
	logTail(lines?: number): string;
	stop(): Promise<void>;
	/**
	 * Kills n8n at once (SIGKILL to its process group), as a crash or an OOM kill would:
	 * running executions die mid-way. The user folder is kept, so a new startN8n() on it
	 * (`userFolder`, `reuseInstalledPackage`) brings the same instance back.
	 */
	kill(): Promise<void>;
}

/** Default environment of a test n8n: quiet, offline, everything on 127.0.0.1. */
export function n8nEnv(
	userFolder: string,
	port: number,
	brokerPort: number,
): Record<string, string> {
	return {
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		WEBHOOK_URL: `http://127.0.0.1:${port}/`,
		N8N_EDITOR_BASE_URL: `http://127.0.0.1:${port}/`,
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		// 'info': n8n logs some fatal start-up errors (the task broker's port in use) at info level
		N8N_LOG_LEVEL: process.env.N8N_GUARDS_LOG_LEVEL ?? 'info',
		N8N_LOG_OUTPUT: 'console',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_VERIFIED_PACKAGES_ENABLED: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		N8N_SECURE_COOKIE: 'false',
		N8N_ENCRYPTION_KEY: 'integration-guards-e2e-encryption-key',
		EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
		EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
		EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'true',
		EXECUTIONS_DATA_SAVE_ON_PROGRESS: 'false',
		GENERIC_TIMEZONE: 'UTC',
		TZ: 'UTC',
	};
}

/**
 * Starts a real n8n with this package installed. Always pair with `await n8n.stop()`
 * (in `after()` / `finally`); stop() is also run if startup fails half-way.
 */
export async function startN8n(options: StartOptions = {}): Promise<N8nInstance> {
	const runtime = options.runtime ?? (await ensureRuntime());
	const tarball = await packPackage();
	const ownFolder = options.userFolder === undefined;
	const userFolder = options.userFolder ?? mkdtempSync(path.join(os.tmpdir(), 'n8n-guards-e2e-'));
	mkdirSync(userFolder, { recursive: true });

	const installedDir = path.join(userFolder, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME);
	let declared: DeclaredTypes;
	try {
		if (!(options.reuseInstalledPackage && existsSync(path.join(installedDir, 'package.json')))) {
			await installPackage(userFolder, tarball, runtime);
		}
		declared = await declaredTypes(installedDir, runtime);
	} catch (error) {
		if (ownFolder && process.env.N8N_GUARDS_KEEP !== '1')
			rmSync(userFolder, { recursive: true, force: true });
		throw error;
	}

	const logFile = path.join(userFolder, 'n8n.log');
	const logTail = (lines = 60): string => {
		try {
			return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
		} catch {
			return '';
		}
	};

	// Free ports are picked, then n8n binds them a moment later: another process may take
	// one in between. n8n then exits with EADDRINUSE, and we try again with new ports.
	let port = 0;
	let baseUrl = '';
	let env: NodeJS.ProcessEnv = {};
	let child: ChildProcess | undefined;
	let exited: string | undefined;
	const started = Date.now();
	installExitHooks();
	const launch = (): void => {
		const logFd = openSync(logFile, 'a');
		exited = undefined;
		// cwd = the user folder: n8n loads a `.env` from its working directory.
		const launched = spawn(runtime.nodeBin, [runtime.n8nBin, 'start'], {
			cwd: userFolder,
			env,
			detached: true,
			stdio: ['ignore', logFd, logFd],
		});
		closeSync(logFd);
		running.add(launched);
		launched.once('exit', (code, signal) => {
			exited = `exit ${code ?? signal}`;
		});
		child = launched;
	};
	const waitReady = async (): Promise<void> => {
		// /healthz answers once the HTTP server is up, /healthz/readiness once the database is
		// connected and migrated, /rest/settings once the REST routes are mounted.
		for (const probe of ['/healthz', '/healthz/readiness', '/rest/settings']) {
			await waitUntil(
				async () => {
					if (exited !== undefined) throw new Error(`n8n stopped during start-up (${exited})`);
					try {
						const response = await fetch(baseUrl + probe, { signal: AbortSignal.timeout(5000) });
						await response.arrayBuffer();
						return response.ok;
					} catch {
						return false;
					}
				},
				READY_TIMEOUT_MS - (Date.now() - started),
				`n8n to answer ${probe} on ${baseUrl}`,
			);
		}
	};

	const extraChildren = new Set<ChildProcess>();
	let stopped = false;
	const kill = async (): Promise<void> => {
		if (stopped) return;
		stopped = true;
		for (const extra of extraChildren) killGroup(extra, 'SIGKILL', true);
		if (child) {
			killGroup(child, 'SIGKILL', true);
			const deadline = Date.now() + 5000;
			while (exited === undefined && Date.now() < deadline) await sleep(50);
			running.delete(child);
			process.stderr.write(`[e2e] n8n killed (SIGKILL)\n`);
		}
	};

	const stop = async (): Promise<void> => {
		if (stopped) return;
		stopped = true;
		const stopping = Date.now();
		for (const extra of extraChildren) killGroup(extra, 'SIGKILL', true);
		if (child && exited === undefined) {
			killGroup(child, 'SIGTERM');
			const deadline = Date.now() + STOP_TIMEOUT_MS;
			while (exited === undefined && Date.now() < deadline) await sleep(100);
			if (exited === undefined) {
				killGroup(child, 'SIGKILL');
				const hardDeadline = Date.now() + 5000;
				while (exited === undefined && Date.now() < hardDeadline) await sleep(50);
			}
		}
		if (child) {
			// the task runner may outlive n8n for a moment: make sure the group is gone
			killGroup(child, 'SIGKILL', true);
			running.delete(child);
			process.stderr.write(`[e2e] n8n stopped (${exited ?? 'killed'}) in ${seconds(stopping)} s\n`);
		}
		if (ownFolder && process.env.N8N_GUARDS_KEEP !== '1')
			rmSync(userFolder, { recursive: true, force: true });
	};

	try {
		for (let attempt = 1; ; attempt++) {
			port = await freeLoopbackPort();
			let brokerPort = await freeLoopbackPort();
			while (brokerPort === port) brokerPort = await freeLoopbackPort();
			baseUrl = `http://127.0.0.1:${port}`;
			env = runtimeEnv(runtime, { ...n8nEnv(userFolder, port, brokerPort), ...options.env });
			const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
			launch();
			try {
				await waitReady();
				break;
			} catch (error) {
				const logSince = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(logStart) : '';
				if (attempt >= 3 || exited === undefined || !/EADDRINUSE|is already in use/.test(logSince))
					throw error;
				if (child) {
					killGroup(child, 'SIGKILL', true);
					running.delete(child);
				}
				process.stderr.write(
					`[e2e] a port was taken before n8n bound it; starting again (attempt ${attempt + 1})\n`,
				);
			}
		}
		process.stderr.write(
			`[e2e] n8n ready on ${baseUrl} in ${seconds(started)} s (user folder ${userFolder})\n`,
		);

		const rest = restClient(baseUrl);
		const { api } = rest;
		// Owner: set up on a fresh database, log in on a reused one.
		await rest.logInOwner();

		// Every declared node and credential must be loaded.
		const nodeTypes = await api<LoadedNodeType[]>('GET', '/types/nodes.json');
		const credentialTypes = await api<Array<{ name: string }>>('GET', '/types/credentials.json');
		const loadedNodeTypes = [...new Set(nodeTypes.map((type) => type.name))];
		const loadedCredentialTypes = [...new Set(credentialTypes.map((type) => type.name))];
		const missingNodes = declared.nodes.filter((name) => !loadedNodeTypes.includes(name));
		const missingCredentials = declared.credentials.filter(
			(name) => !loadedCredentialTypes.includes(name),
		);
		if (missingNodes.length > 0 || missingCredentials.length > 0) {
			throw new Error(
				`n8n did not load every type of ${PACKAGE_NAME}:\n` +
					(missingNodes.length ? `  missing nodes: ${missingNodes.join(', ')}\n` : '') +
					(missingCredentials.length
						? `  missing credentials: ${missingCredentials.join(', ')}\n`
						: '') +
					`  loaded from the package: ${loadedNodeTypes.filter((name) => name.startsWith(PACKAGE_NAME + '.')).join(', ') || 'no nodes'}\n` +
					`n8n log:\n${logTail(80)}`,
			);
		}

		return {
			baseUrl,
			port,
			userFolder,
			runtime,
			tarball,
			declared,
			loadedNodeTypes,
			loadedCredentialTypes,
			api,
			...workflowClient(
				{ baseUrl, runtime, userFolder, env, extraChildren, nodeTypes, logTail },
				rest,
			),
			logTail,
			stop,
			kill,
		};
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		const tail = logTail(80);
		await stop();
		throw new Error(
			`${message}${message.includes('n8n log:') ? '' : `\nn8n log (${logFile}):\n${tail}`}`,
		);
	}
}
