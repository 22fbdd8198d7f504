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
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
	closeSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	openSync,
	readdirSync,
	readFileSync,
	renameSync,
	rmSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import type { IDataObject, INodeExecutionData, IRunExecutionData, ITaskData } from 'n8n-workflow';

import { freeLoopbackPort } from '../support/services';

export const PACKAGE_NAME = 'n8n-nodes-integration-guards';
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 20_000;
const EXECUTION_TIMEOUT_MS = 120_000;
const BROWSER_ID = 'integration-guards-e2e';

export const OWNER = {
	email: 'e2e-owner@example.com',
	firstName: 'E2E',
	lastName: 'Owner',
	password: 'E2e-Owner-Passw0rd',
};

// ---------------------------------------------------------------------------------------
// Locations and the pinned runtime
// ---------------------------------------------------------------------------------------

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

function cacheBase(): string {
	const fromEnv = process.env.N8N_GUARDS_CACHE;
	if (fromEnv) {
		const resolved = path.resolve(fromEnv);
		return /^n8n-\d+\.\d+\.\d+$/.test(path.basename(resolved)) ? path.dirname(resolved) : resolved;
	}
	return path.join(os.homedir(), '.cache', 'n8n-integration-guards');
}

/** Environment for npm and n8n children: the runtime's Node 24 first on PATH (n8n spawns `node` for its task runner). */
function runtimeEnv(runtime: Runtime, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	return {
		...process.env,
		PATH: [runtime.nodeBinDir, process.env.PATH ?? ''].join(path.delimiter),
		...extra,
	};
}

// ---------------------------------------------------------------------------------------
// Packing and installing the package the way a user would
// ---------------------------------------------------------------------------------------

/** A content hash of everything that goes into the tarball. */
function sourceFingerprint(root: string): string {
	const hash = createHash('sha256');
	const visit = (relative: string): void => {
		const absolute = path.join(root, relative);
		if (!existsSync(absolute)) return;
		const stat = statSync(absolute);
		if (stat.isDirectory()) {
			for (const entry of readdirSync(absolute).sort()) visit(path.join(relative, entry));
		} else if (stat.isFile()) {
			hash.update(relative).update('\0').update(readFileSync(absolute)).update('\0');
		}
	};
	for (const item of [
		'package.json',
		'package-lock.json',
		'tsconfig.json',
		'gulpfile.js',
		'scripts/build.mjs',
		'nodes',
		'credentials',
		'README.md',
		'LICENSE',
		'LICENSE.md',
	]) {
		visit(item);
	}
	return hash.digest('hex').slice(0, 16);
}

let tarballPromise: Promise<string> | undefined;

/**
 * `npm pack` of the repo (its prepack runs the build). The tarball is cached under
 * <cache>/packs/<fingerprint>/ so every test file of a run (each its own process) and
 * later runs with unchanged sources reuse it.
 */
export function packPackage(): Promise<string> {
	tarballPromise ??= (async () => {
		const given = process.env.N8N_GUARDS_TARBALL;
		if (given) {
			if (!existsSync(given))
				throw new Error(`harness: N8N_GUARDS_TARBALL=${given} does not exist`);
			return path.resolve(given);
		}
		const runtime = await ensureRuntime();
		const root = repoRoot();
		const fingerprint = sourceFingerprint(root);
		const packDir = path.join(cacheBase(), 'packs', fingerprint);
		const findTarball = (): string | undefined => {
			if (!existsSync(packDir)) return undefined;
			const found = readdirSync(packDir).find((file) => file.endsWith('.tgz'));
			return found && path.join(packDir, found);
		};
		const cached = findTarball();
		if (cached) return cached;
		return await withLock(`${packDir}.lock`, async () => {
			const again = findTarball();
			if (again) return again;
			const building = `${packDir}.tmp-${process.pid}`;
			rmSync(building, { recursive: true, force: true });
			mkdirSync(building, { recursive: true });
			const started = Date.now();
			const result = await runProcess(
				'npm',
				['pack', '--pack-destination', building, '--json', '--loglevel=warn'],
				{
					cwd: root,
					env: runtimeEnv(runtime),
					timeoutMs: 10 * 60 * 1000,
				},
			);
			if (result.code !== 0) {
				rmSync(building, { recursive: true, force: true });
				throw new Error(
					`harness: \`npm pack\` in ${root} failed (exit ${result.code}):\n${(result.stderr + result.stdout).slice(-6000)}`,
				);
			}
			rmSync(packDir, { recursive: true, force: true });
			mkdirSync(path.dirname(packDir), { recursive: true });
			// rename is atomic: other processes see either no folder or a complete one
			renameSync(building, packDir);
			const tarball = findTarball();
			if (!tarball) throw new Error(`harness: npm pack wrote no tarball into ${packDir}`);
			process.stderr.write(`[e2e] packed ${path.basename(tarball)} in ${seconds(started)} s\n`);
			prunePacks(path.dirname(packDir), packDir);
			return tarball;
		});
	})();
	tarballPromise.catch(() => {
		tarballPromise = undefined;
	});
	return tarballPromise;
}

/** Keeps the packs folder small: the 5 newest tarball folders stay. */
function prunePacks(packsDir: string, keep: string): void {
	try {
		const folders = readdirSync(packsDir)
			.filter((name) => /^[0-9a-f]{16}$/.test(name))
			.map((name) => ({
				dir: path.join(packsDir, name),
				mtime: statSync(path.join(packsDir, name)).mtimeMs,
			}))
			.sort((a, b) => b.mtime - a.mtime);
		for (const { dir } of folders.slice(5))
			if (dir !== keep) rmSync(dir, { recursive: true, force: true });
	} catch {
		// pruning is best effort
	}
}

/** `npm install --omit=dev --omit=peer <tarball>` in <user folder>/.n8n/nodes, as a user would. */
export async function installPackage(
	userFolder: string,
	tarball: string,
	runtime: Runtime,
): Promise<string> {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodesDir, { recursive: true });
	const manifest = path.join(nodesDir, 'package.json');
	// The same manifest n8n writes there when it installs community packages itself.
	if (!existsSync(manifest))
		writeFileSync(
			manifest,
			JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2),
		);
	const started = Date.now();
	// --omit=peer: without it npm installs a second n8n-workflow next to our package.
	// --prefer-offline: same result, but npm does not revalidate the peer's metadata
	// (resolving n8n-workflow's tree online takes ~14 s, from its cache ~5 s).
	const result = await runProcess(
		'npm',
		[
			'install',
			'--omit=dev',
			'--omit=peer',
			'--prefer-offline',
			'--no-audit',
			'--no-fund',
			'--loglevel=warn',
			tarball,
		],
		{
			cwd: nodesDir,
			env: runtimeEnv(runtime),
			timeoutMs: 5 * 60 * 1000,
		},
	);
	if (result.code !== 0) {
		throw new Error(
			`harness: installing ${tarball} into ${nodesDir} failed (exit ${result.code}):\n${(result.stderr + result.stdout).slice(-6000)}`,
		);
	}
	const installed = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	if (!existsSync(path.join(installed, 'package.json')))
		throw new Error(`harness: ${installed} missing after npm install`);
	const secondWorkflow = path.join(nodesDir, 'node_modules', 'n8n-workflow');
	if (existsSync(secondWorkflow))
		throw new Error(`harness: npm installed a second n8n-workflow into ${secondWorkflow}`);
	process.stderr.write(`[e2e] installed the package into ${nodesDir} in ${seconds(started)} s\n`);
	return installed;
}

export interface DeclaredTypes {
	/** Full node type names, e.g. `n8n-nodes-integration-guards.idempotentWrite`. */
	nodes: string[];
	/** Credential type names, e.g. `integrationGuardsRedisApi`. */
	credentials: string[];
}

/**
 * The node and credential type names the installed package declares (package.json
 * `n8n.nodes` / `n8n.credentials`), read by loading each listed file with Node 24 and
 * n8n's own n8n-workflow, the way n8n's loader does.
 */
export async function declaredTypes(
	installedDir: string,
	runtime: Runtime,
): Promise<DeclaredTypes> {
	const script = `
		const path = require('node:path');
		const dir = ${JSON.stringify(installedDir)};
		const pkg = require(path.join(dir, 'package.json'));
		const load = (file) => {
			const exported = require(path.join(dir, file));
			const className = path.basename(file).split('.')[0];
			const Type = exported[className];
			if (typeof Type !== 'function') throw new Error(file + ' does not export a class named ' + className);
			return new Type();
		};
		const nodes = (pkg.n8n?.nodes ?? []).map((file) => {
			const node = load(file);
			const name = node.description?.name ?? node.baseDescription?.name;
			if (!name) throw new Error(file + ': no description.name');
			return pkg.name + '.' + name;
		});
		const credentials = (pkg.n8n?.credentials ?? []).map((file) => {
			const name = load(file).name;
			if (!name) throw new Error(file + ': no name');
			return name;
		});
		process.stdout.write(JSON.stringify({ nodes, credentials }));
	`;
	const result = await runProcess(runtime.nodeBin, ['-e', script], {
		cwd: installedDir,
		// n8n-workflow is a peer: resolve it from n8n's own node_modules, as inside n8n
		env: runtimeEnv(runtime, { NODE_PATH: path.join(runtime.dir, 'node_modules') }),
		timeoutMs: 60_000,
	});
	if (result.code !== 0)
		throw new Error(
			`harness: cannot load the installed package's nodes/credentials:\n${result.stderr}`,
		);
	return JSON.parse(result.stdout) as DeclaredTypes;
}

// ---------------------------------------------------------------------------------------
// Executions
// ---------------------------------------------------------------------------------------

export interface WorkflowNodeJson {
	name: string;
	type: string;
	typeVersion: number;
	onError?: string;
	[key: string]: unknown;
}

export interface WorkflowJson {
	id?: string;
	name?: string;
	nodes: WorkflowNodeJson[];
	connections: IDataObject;
	settings?: IDataObject;
	pinData?: IDataObject;
	[key: string]: unknown;
}

export interface ImportedWorkflow {
	id: string;
	name: string;
	versionId: string;
	active: boolean;
	nodes: WorkflowNodeJson[];
}

export interface NodeRun {
	/** Every output, by index: main outputs in order, then the error output (if onError = continueErrorOutput). */
	outputs: INodeExecutionData[][];
	/**
	 * The same outputs by name, as the editor labels them: the node's outputNames or output
	 * displayNames (its outputs expression evaluated on the workflow's parameters), else
	 * 'main', 'output 1', …; the error output is 'error'.
	 */
	byName: Record<string, INodeExecutionData[]>;
	/** Set when the node failed (and did not route the error to an output). */
	error?: unknown;
	executionStatus?: string;
	raw: ITaskData;
}

export interface Execution {
	id: string;
	status: string;
	finished: boolean;
	mode: string;
	workflowId: string;
	data: IRunExecutionData;
	/** The workflow error, if the execution failed. */
	error?: unknown;
	/** Names of the nodes that ran, in order of execution (runData order). */
	nodesRun: string[];
	/** One run of a node (runIndex 0 by default); throws when the node did not run. */
	node(name: string, runIndex?: number): NodeRun;
	/** Shorthand for node(name).outputs[output] (or byName[output] for a string) as plain JSON objects. */
	json(name: string, output?: number | string, runIndex?: number): IDataObject[];
}

interface PublicationStatus {
	status: 'in_progress' | 'not_published' | 'published' | 'partial' | 'failed';
	liveVersionId: string | null;
	pendingVersionId: string | null;
	triggers: Array<{ nodeId: string; status: string; errorMessage?: string | null }>;
}

interface LoadedNodeType {
	name: string;
	version: number | number[];
	outputs?: unknown;
	outputNames?: string[];
}

/** Names of a node's outputs as the editor shows them: outputNames, output displayNames, or its outputs expression evaluated on its parameters. */
function describedOutputNames(
	description: LoadedNodeType | undefined,
	parameters: IDataObject,
	nodeVersion: number,
): Array<string | undefined> {
	if (!description) return [];
	if (Array.isArray(description.outputNames)) return description.outputNames;
	let outputs: unknown = description.outputs;
	if (typeof outputs === 'string' && outputs.startsWith('={{') && outputs.endsWith('}}')) {
		// The node's own code (e.g. `={{(function …)($parameter, $nodeVersion)}}`), as n8n's editor evaluates it.
		try {
			outputs = vm.runInNewContext(
				outputs.slice(3, -2),
				{ $parameter: parameters, $nodeVersion: nodeVersion },
				{ timeout: 1000 },
			);
		} catch {
			outputs = undefined;
		}
	}
	if (!Array.isArray(outputs)) return [];
	return outputs.map((output: unknown) =>
		output &&
		typeof output === 'object' &&
		typeof (output as { displayName?: unknown }).displayName === 'string'
			? (output as { displayName: string }).displayName
			: undefined,
	);
}

function outputNamesFor(
	types: LoadedNodeType[],
	workflowNode: WorkflowNodeJson | undefined,
	count: number,
): string[] {
	let described: Array<string | undefined> = [];
	if (workflowNode) {
		const versions = types.filter((type) => type.name === workflowNode.type);
		const matching =
			versions.find((type) =>
				Array.isArray(type.version)
					? type.version.includes(workflowNode.typeVersion)
					: type.version === workflowNode.typeVersion,
			) ?? versions[0];
		described = describedOutputNames(
			matching,
			(workflowNode.parameters ?? {}) as IDataObject,
			workflowNode.typeVersion,
		);
	}
	const hasErrorOutput = workflowNode?.onError === 'continueErrorOutput';
	const mainCount = Math.max(0, hasErrorOutput ? count - 1 : count);
	const names: string[] = [];
	for (let index = 0; index < mainCount; index++) {
		names.push(described[index] ?? (index === 0 ? 'main' : `output ${index}`));
	}
	if (hasErrorOutput) names.push('error');
	return names;
}

function toExecution(
	raw: IDataObject,
	data: IRunExecutionData,
	types: LoadedNodeType[],
): Execution {
	const workflowNodes = ((raw.workflowData as IDataObject | undefined)?.nodes ??
		[]) as WorkflowNodeJson[];
	const runData = data.resultData?.runData ?? {};
	const node = (name: string, runIndex = 0): NodeRun => {
		const runs = runData[name];
		if (!runs || !runs[runIndex]) {
			throw new Error(
				`node "${name}" has no run ${runIndex} in execution ${String(raw.id)}; nodes that ran: ${Object.keys(runData).join(', ') || 'none'}`,
			);
		}
		const task = runs[runIndex];
		const outputs = (task.data?.main ?? []).map((items) => items ?? []);
		const names = outputNamesFor(
			types,
			workflowNodes.find((candidate) => candidate.name === name),
			outputs.length,
		);
		const byName: Record<string, INodeExecutionData[]> = {};
		outputs.forEach((items, index) => {
			byName[names[index] ?? `output ${index}`] = items;
		});
		return { outputs, byName, error: task.error, executionStatus: task.executionStatus, raw: task };
	};
	return {
		id: String(raw.id),
		status: String(raw.status),
		finished: Boolean(raw.finished),
		mode: String(raw.mode),
		workflowId: String(raw.workflowId),
		data,
		error: data.resultData?.error,
		nodesRun: Object.keys(runData),
		node,
		json(name, output = 0, runIndex = 0) {
			const run = node(name, runIndex);
			const items = typeof output === 'number' ? run.outputs[output] : run.byName[output];
			if (!items)
				throw new Error(
					`node "${name}" has no output ${String(output)}; it has ${Object.keys(run.byName).join(', ')}`,
				);
			return items.map((item) => item.json);
		},
	};
}

// ---------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------

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

export interface WebhookResult {
	status: number;
	headers: Headers;
	/** Parsed JSON when the response is JSON, else the text. */
	body: unknown;
	/** The execution the call started (looked up after the response). */
	execution?: Execution;
}

export interface N8nInstance {
	baseUrl: string;
	port: number;
	userFolder: string;
	runtime: Runtime;
	tarball: string;
	declared: DeclaredTypes;
	loadedNodeTypes: string[];
	loadedCredentialTypes: string[];
	/** An authenticated request to n8n's REST API (`/rest/...`); returns the `data` of the answer. */
	api<T = unknown>(method: string, urlPath: string, body?: unknown): Promise<T>;
	importWorkflow(json: WorkflowJson): Promise<ImportedWorkflow>;
	activate(id: string): Promise<void>;
	deactivate(id: string): Promise<void>;
	runWebhook(
		webhookPath: string,
		body?: unknown,
		options?: { method?: string; headers?: Record<string, string>; test?: boolean },
	): Promise<WebhookResult>;
	/**
	 * Runs a workflow from its first trigger and waits for the finished execution.
	 * via 'rest' (default): POST /rest/workflows/:id/run (a manual run, as the editor's button).
	 * via 'cli': `n8n execute --id --rawOutput` against the same user folder and database.
	 */
	executeById(
		id: string,
		options?: { via?: 'rest' | 'cli'; triggerNode?: string },
	): Promise<Execution>;
	getExecution(id: string): Promise<Execution>;
	waitForExecution(id: string, timeoutMs?: number): Promise<Execution>;
	createCredential(
		type: string,
		name: string,
		data: IDataObject,
	): Promise<{ id: string; name: string; type: string }>;
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

const running = new Set<ChildProcess>();

/**
 * Signals the process group led by `child` (spawned detached): n8n and the task runner it
 * spawned, nothing else. `evenIfExited` reaches group members that outlived the leader;
 * safe because Linux does not reuse a PID while it still names a live process group.
 */
function killGroup(child: ChildProcess, signal: NodeJS.Signals, evenIfExited = false): void {
	if (child.pid === undefined) return;
	const leaderGone = child.exitCode !== null || child.signalCode !== null;
	if (leaderGone && !evenIfExited) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		if (leaderGone) return;
		try {
			child.kill(signal);
		} catch {
			// already gone
		}
	}
}

// If the test process ends without calling stop() (a crash, Ctrl-C, a runner's SIGTERM),
// do not leave n8n running: it runs detached, so no terminal signal reaches it by itself.
let exitHooksInstalled = false;
function installExitHooks(): void {
	if (exitHooksInstalled) return;
	exitHooksInstalled = true;
	process.once('exit', () => {
		for (const child of running) killGroup(child, 'SIGKILL', true);
	});
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		process.once(signal, () => {
			for (const child of running) killGroup(child, 'SIGKILL');
			process.kill(process.pid, signal);
		});
	}
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

	let cookie = '';
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

	const request = async (
		method: string,
		urlPath: string,
		body?: unknown,
		headers: Record<string, string> = {},
	): Promise<Response> => {
		const init: RequestInit = {
			method,
			headers: {
				'browser-id': BROWSER_ID,
				...(cookie ? { cookie } : {}),
				...(body === undefined ? {} : { 'content-type': 'application/json' }),
				...headers,
			},
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(60_000),
		};
		return await fetch(baseUrl + urlPath, init);
	};

	const api = async <T = unknown>(method: string, urlPath: string, body?: unknown): Promise<T> => {
		let response: Response;
		let text: string;
		for (let attempt = 1; ; attempt++) {
			try {
				response = await request(method, urlPath, body);
				text = await response.text();
				break;
			} catch (error) {
				// A busy n8n sometimes resets a kept-alive connection: a read may be asked again.
				const reset =
					error instanceof Error &&
					/ECONNRESET|socket hang up|other side closed/.test(
						`${error.message} ${String((error as { cause?: unknown }).cause)}`,
					);
				if (method !== 'GET' || !reset || attempt >= 3) throw error;
				await sleep(500 * attempt);
			}
		}
		if (!response.ok)
			throw new Error(`n8n ${method} ${urlPath} → ${response.status}: ${text.slice(0, 2000)}`);
		const parsed = text ? (JSON.parse(text) as { data?: T }) : {};
		return (parsed && typeof parsed === 'object' && 'data' in parsed ? parsed.data : parsed) as T;
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

		// Owner: set up on a fresh database, log in on a reused one.
		const setup = await request('POST', '/rest/owner/setup', OWNER);
		let authResponse = setup;
		if (!setup.ok) {
			await setup.arrayBuffer();
			authResponse = await request('POST', '/rest/login', {
				emailOrLdapLoginId: OWNER.email,
				password: OWNER.password,
			});
		}
		const authText = await authResponse.text();
		if (!authResponse.ok)
			throw new Error(
				`cannot set up or log in the owner: ${authResponse.status} ${authText.slice(0, 500)}`,
			);
		const authCookie = authResponse.headers
			.getSetCookie()
			.find((value) => value.startsWith('n8n-auth='));
		if (!authCookie) throw new Error('n8n set no n8n-auth cookie on owner setup/login');
		cookie = authCookie.split(';')[0];

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

		const decode: (text: string) => IRunExecutionData = createRequire(
			path.join(runtime.n8nPackageDir, 'package.json'),
		)('flatted').parse;

		const getExecution = async (id: string): Promise<Execution> => {
			const raw = await api<IDataObject>('GET', `/rest/executions/${id}`);
			const data =
				typeof raw.data === 'string'
					? decode(raw.data)
					: (raw.data as unknown as IRunExecutionData);
			return toExecution(raw, data, nodeTypes);
		};

		const waitForExecution = async (
			id: string,
			timeoutMs = EXECUTION_TIMEOUT_MS,
		): Promise<Execution> => {
			let last: IDataObject | undefined;
			await waitUntil(
				async () => {
					last = await api<IDataObject>('GET', `/rest/executions/${id}`);
					return (
						!['new', 'running', 'waiting', 'unknown'].includes(String(last.status)) &&
						last.stoppedAt != null
					);
				},
				timeoutMs,
				`execution ${id} to finish`,
				200,
			);
			return await getExecution(id);
		};

		const latestExecutionId = async (): Promise<number> => {
			const list = await api<{ results: Array<{ id: string }> }>('GET', '/rest/executions?limit=1');
			return list.results.length ? Number(list.results[0].id) : 0;
		};

		const importWorkflow = async (json: WorkflowJson): Promise<ImportedWorkflow> => {
			const payload = {
				name: json.name ?? 'e2e workflow',
				nodes: json.nodes,
				connections: json.connections,
				settings: json.settings ?? { executionOrder: 'v1' },
				pinData: json.pinData ?? {},
			};
			// No `id`: n8n assigns one, so the same JSON can be imported twice in one run.
			return await api<ImportedWorkflow>('POST', '/rest/workflows', payload);
		};

		const activate = async (id: string): Promise<void> => {
			const workflow = await api<ImportedWorkflow>('GET', `/rest/workflows/${id}`);
			const result = await api<ImportedWorkflow>('POST', `/rest/workflows/${id}/activate`, {
				versionId: workflow.versionId,
			});
			if (!result.active) throw new Error(`workflow ${id} is not active after activation`);
			// n8n 2.x publishes through an outbox: the call returns before the triggers and
			// webhooks are registered. Wait until every trigger of this version is live.
			let status: PublicationStatus | undefined;
			try {
				await waitUntil(
					async () => {
						const response = await request('GET', `/rest/workflows/${id}/publication-status`);
						if (response.status === 404) {
							await response.arrayBuffer();
							status = undefined;
							return true; // publication service off: activation was synchronous
						}
						if (!response.ok)
							throw new Error(`publication-status → ${response.status}: ${await response.text()}`);
						status = ((await response.json()) as { data: PublicationStatus }).data;
						if (status.status === 'failed' || status.status === 'partial') return true;
						return status.status === 'published' && status.liveVersionId === workflow.versionId;
					},
					60_000,
					`workflow ${id} to be published`,
					100,
				);
			} catch (error) {
				throw new Error(
					`${(error as Error).message}; last status: ${JSON.stringify(status)}\nn8n log:\n${logTail(40)}`,
				);
			}
			if (status && status.status !== 'published') {
				throw new Error(
					`publishing workflow ${id} ${status.status}: ${JSON.stringify(status.triggers)}\nn8n log:\n${logTail(40)}`,
				);
			}
		};

		const deactivate = async (id: string): Promise<void> => {
			await api('POST', `/rest/workflows/${id}/deactivate`, {});
		};

		const runWebhook: N8nInstance['runWebhook'] = async (
			webhookPath,
			body,
			webhookOptions = {},
		) => {
			const before = await latestExecutionId();
			const method = webhookOptions.method ?? 'POST';
			const response = await fetch(
				`${baseUrl}/${webhookOptions.test ? 'webhook-test' : 'webhook'}/${webhookPath.replace(/^\//, '')}`,
				{
					method,
					headers: {
						...(body === undefined ? {} : { 'content-type': 'application/json' }),
						...webhookOptions.headers,
					},
					body: body === undefined || method === 'GET' ? undefined : JSON.stringify(body),
					signal: AbortSignal.timeout(EXECUTION_TIMEOUT_MS),
				},
			);
			const text = await response.text();
			let parsed: unknown = text;
			if ((response.headers.get('content-type') ?? '').includes('json') && text) {
				try {
					parsed = JSON.parse(text);
				} catch {
					parsed = text;
				}
			}
			// The execution is saved around the time the response goes out: wait for it
			// (unless n8n answered that no such webhook is registered).
			let executionId: number | undefined;
			const notRegistered = response.status === 404 && text.includes('is not registered');
			if (!notRegistered) {
				try {
					await waitUntil(
						async () => {
							const latest = await latestExecutionId();
							if (latest > before) executionId = latest;
							return executionId !== undefined;
						},
						15_000,
						`the execution of webhook ${webhookPath}`,
						100,
					);
				} catch {
					executionId = undefined;
				}
			}
			const execution =
				executionId === undefined ? undefined : await waitForExecution(String(executionId));
			return { status: response.status, headers: response.headers, body: parsed, execution };
		};

		const executeViaRest = async (id: string, triggerNode?: string): Promise<Execution> => {
			const workflow = await api<ImportedWorkflow>('GET', `/rest/workflows/${id}`);
			const trigger =
				triggerNode ??
				workflow.nodes.find(
					(node) => /trigger/i.test(node.type) || node.type === 'n8n-nodes-base.start',
				)?.name ??
				workflow.nodes[0]?.name;
			if (!trigger) throw new Error(`workflow ${id} has no nodes`);
			const result = await api<{ executionId?: string; waitingForWebhook?: boolean }>(
				'POST',
				`/rest/workflows/${id}/run`,
				{
					triggerToStartFrom: { name: trigger },
				},
			);
			if (!result.executionId)
				throw new Error(
					`manual run of workflow ${id} started no execution: ${JSON.stringify(result)}`,
				);
			return await waitForExecution(result.executionId);
		};

		const executeViaCli = async (id: string): Promise<Execution> => {
			const before = await latestExecutionId();
			// `n8n execute` starts its own task broker: give it a port of its own.
			const cliBroker = await freeLoopbackPort();
			const result = await runProcess(
				runtime.nodeBin,
				[runtime.n8nBin, 'execute', `--id=${id}`, '--rawOutput'],
				{
					cwd: userFolder,
					env: { ...env, N8N_RUNNERS_BROKER_PORT: String(cliBroker) },
					timeoutMs: EXECUTION_TIMEOUT_MS,
					track: extraChildren,
				},
			);
			const latest = await latestExecutionId();
			const saved = latest > before ? await waitForExecution(String(latest)) : undefined;
			// n8n 2.40.7's CLI sometimes dies with SIGSEGV/SIGABRT while exiting, after the
			// execution finished and was saved: an isolated-vm isolate thread of the expression
			// engine still allocates while the process tears down. The stored execution is then
			// the result; any other failure is a failure.
			const crashedOnExit = result.signal === 'SIGSEGV' || result.signal === 'SIGABRT';
			if (result.code !== 0 && !(crashedOnExit && saved && saved.finished)) {
				throw new Error(
					`n8n execute --id=${id} failed (exit ${result.code ?? result.signal}):\n${(result.stderr + '\n' + result.stdout).slice(-4000)}`,
				);
			}
			if (saved) return saved;
			// Not saved: use what the CLI printed (the run as JSON after the log lines).
			const printed = lastJsonObject(result.stdout);
			if (!printed)
				throw new Error(
					`n8n execute --id=${id} printed no execution:\n${result.stdout.slice(-4000)}`,
				);
			return toExecution(
				{
					id: 'cli',
					status: printed.status,
					finished: printed.finished,
					mode: 'cli',
					workflowId: id,
					workflowData: printed.workflowData,
				},
				printed.data as unknown as IRunExecutionData,
				nodeTypes,
			);
		};

		const createCredential = async (type: string, name: string, data: IDataObject) =>
			await api<{ id: string; name: string; type: string }>('POST', '/rest/credentials', {
				type,
				name,
				data,
			});

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
			importWorkflow,
			activate,
			deactivate,
			runWebhook,
			executeById: async (id, executeOptions = {}) =>
				executeOptions.via === 'cli'
					? await executeViaCli(id)
					: await executeViaRest(id, executeOptions.triggerNode),
			getExecution,
			waitForExecution,
			createCredential,
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

// ---------------------------------------------------------------------------------------
// Other n8n processes (queue-mode workers, see queue-harness.ts): started, tracked and
// killed like the server above, so none outlives the test process.
// ---------------------------------------------------------------------------------------

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

export { runtimeEnv };
export { freeLoopbackPort as freePort };

// ---------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

function seconds(since: number): string {
	return ((Date.now() - since) / 1000).toFixed(1);
}

/** The JSON object that ends `text` (n8n's CLI prints log lines, then the result). */
function lastJsonObject(text: string): IDataObject | undefined {
	const starts = [...text.matchAll(/^\{/gm)].map((match) => match.index ?? 0);
	for (const start of starts) {
		try {
			const parsed: unknown = JSON.parse(text.slice(start));
			if (parsed && typeof parsed === 'object' && Object.keys(parsed).length > 0)
				return parsed as IDataObject;
		} catch {
			// log output before the result: try the next candidate
		}
	}
	return undefined;
}

/** Polls `check` until it returns true; throws after `timeoutMs`. */
export async function waitUntil(
	check: () => Promise<boolean>,
	timeoutMs: number,
	what: string,
	intervalMs = 250,
): Promise<void> {
	const deadline = Date.now() + Math.max(0, timeoutMs);
	for (;;) {
		if (await check()) return;
		if (Date.now() >= deadline)
			throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
		await sleep(intervalMs);
	}
}

interface ProcessResult {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

/** Runs a command to completion with a time limit; kills it (by its PID) when the limit passes. */
function runProcess(
	command: string,
	args: string[],
	options: {
		cwd: string;
		env?: NodeJS.ProcessEnv;
		timeoutMs: number;
		echoStderr?: boolean;
		track?: Set<ChildProcess>;
	},
): Promise<ProcessResult> {
	return new Promise((resolve) => {
		installExitHooks();
		const child = spawn(command, args, {
			cwd: options.cwd,
			env: options.env ?? process.env,
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
		});
		options.track?.add(child);
		running.add(child);
		let stdout = '';
		let stderr = '';
		child.stdout?.on('data', (chunk: Buffer) => {
			stdout += chunk.toString();
		});
		child.stderr?.on('data', (chunk: Buffer) => {
			const text = chunk.toString();
			stderr += text;
			if (options.echoStderr) process.stderr.write(text);
		});
		const timer = setTimeout(() => {
			stderr += `\n[harness] ${command} ${args.join(' ')} killed after ${options.timeoutMs / 1000} s\n`;
			killGroup(child, 'SIGKILL');
		}, options.timeoutMs);
		child.on('error', (error) => {
			stderr += `\n[harness] could not start ${command}: ${error.message}\n`;
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			options.track?.delete(child);
			running.delete(child);
			resolve({ code, signal, stdout, stderr });
		});
	});
}

/** A cross-process lock (an atomic mkdir), bounded in time, stale locks of dead processes removed. */
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
	mkdirSync(path.dirname(lockDir), { recursive: true });
	const deadline = Date.now() + 15 * 60 * 1000;
	for (;;) {
		try {
			mkdirSync(lockDir);
			writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			let holder = NaN;
			try {
				holder = Number(readFileSync(path.join(lockDir, 'pid'), 'utf8'));
			} catch {
				// being written right now
			}
			if (Number.isInteger(holder) && !isAlive(holder)) {
				rmSync(lockDir, { recursive: true, force: true });
				continue;
			}
			if (Date.now() > deadline)
				throw new Error(`harness: lock ${lockDir} still held after 15 minutes`);
			await sleep(500);
		}
	}
	try {
		return await fn();
	} finally {
		rmSync(lockDir, { recursive: true, force: true });
	}
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}
