// n8n in queue mode, for the end-to-end suite: a main process and workers (`n8n worker`),
// Bull's queue on a private Redis, n8n's database on a private Postgres (both from
// test/support/services.ts, so a test may kill and restart them), and this package
// installed into every process's own user folder the way a user installs it on each
// machine (`npm install` in <user folder>/.n8n/nodes).
//
// What n8n 2.40.7 does here (read in its source, measured in the queue-mode.*.test.ts files):
// - Every process loads community packages from ITS user folder's .n8n/nodes/node_modules
//   (the community-packages backend module runs on main and workers alike), so each
//   worker needs the package installed; a worker without it fails the execution with
//   "Unrecognized node type".
// - The main process takes the production webhooks (no webhook processor is started) and
//   enqueues each execution; a worker runs it. With `responseMode: lastNode` the main
//   answers the caller when the worker reports the job finished.
// - OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS=true sends manual runs to the workers too (in
//   2.40.7 they still run on main by default, with a deprecation warning).
// - Bull runs with maxStalledCount 0: a job whose worker died is not retried. Once its
//   lock runs out (QUEUE_WORKER_LOCK_DURATION) the stalled check fails it, and the main
//   process fails the execution and answers its webhook with an error.
// - Every n8n process exits when Redis stays unreachable longer than
//   QUEUE_BULL_REDIS_TIMEOUT_THRESHOLD (default 10 s); shorter outages are retried
//   every second.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { after, before } from 'node:test';

import type { IDataObject } from 'n8n-workflow';
import { Client } from 'pg';

import {
	startPostgres,
	startRedis,
	type PrivatePostgres,
	type PrivateService,
} from '../support/services';
import {
	ensureRuntime,
	freePort,
	installPackage,
	n8nEnv,
	packPackage,
	spawnN8nProcess,
	startN8n,
	waitUntil,
	type N8nInstance,
	type N8nProcess,
	type ImportedWorkflow,
	type Runtime,
	type WorkflowJson,
} from './harness';
import { startReceiver, type Receiver } from './queue-receiver';

const WORKER_READY_TIMEOUT_MS = 240_000;

export interface QueueWorker {
	readonly name: string;
	readonly userFolder: string;
	readonly logFile: string;
	healthPort: number;
	/** PID of the running worker, undefined while it is down. */
	pid(): number | undefined;
	/** Starts it (again) and waits until its /healthz/readiness answers and it took the queue. */
	start(): Promise<void>;
	/** kill -9 of the worker and its task runner: its running executions die mid-way. */
	kill(): Promise<void>;
	/** Graceful stop (SIGTERM). */
	stop(): Promise<void>;
	isReady(): Promise<boolean>;
	logTail(lines?: number): string;
}

export interface QueueCluster {
	main: N8nInstance;
	workers: QueueWorker[];
	redis: PrivateService;
	postgres: PrivatePostgres;
	/** The environment every process shares (queue, database, encryption key, timings). */
	sharedEnv: Record<string, string>;
	stop(): Promise<void>;
}

export interface QueueClusterOptions {
	/** Number of workers (default 2). */
	workers?: number;
	/** Jobs each worker runs at once (`n8n worker --concurrency`, default 10). */
	concurrency?: number;
	/** Extra environment for every process. */
	env?: Record<string, string>;
}

/** The database n8n uses on the private Postgres. */
const N8N_DATABASE = 'n8n';

/**
 * Starts Redis, Postgres, the main process and the workers. Always pair with
 * `await cluster.stop()`; a failed start stops what it started.
 */
export async function startQueueCluster(options: QueueClusterOptions = {}): Promise<QueueCluster> {
	const started = Date.now();
	const runtime = await ensureRuntime();
	const tarball = await packPackage();
	const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
	const workers: QueueWorker[] = [];
	let main: N8nInstance | undefined;
	const stop = async () => {
		await Promise.allSettled(workers.map((worker) => worker.stop()));
		await main?.stop();
		await Promise.allSettled([redis.dispose(), postgres.dispose()]);
		for (const worker of workers)
			if (process.env.N8N_GUARDS_KEEP !== '1')
				rmSync(worker.userFolder, { recursive: true, force: true });
	};
	try {
		const admin = new Client({
			host: postgres.host,
			port: postgres.port,
			user: postgres.user,
			database: postgres.database,
			connectionTimeoutMillis: 5000,
		});
		await admin.connect();
		await admin.query(`CREATE DATABASE ${N8N_DATABASE}`);
		await admin.end();

		const sharedEnv: Record<string, string> = {
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: redis.host,
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: postgres.host,
			DB_POSTGRESDB_PORT: String(postgres.port),
			DB_POSTGRESDB_DATABASE: N8N_DATABASE,
			DB_POSTGRESDB_USER: postgres.user,
			DB_POSTGRESDB_PASSWORD: '',
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			// A dead worker's jobs are found stalled after ~15-20 s instead of 60-90 s.
			QUEUE_WORKER_LOCK_DURATION: '15000',
			QUEUE_WORKER_LOCK_RENEW_TIME: '5000',
			QUEUE_WORKER_STALLED_INTERVAL: '5000',
			// Workflows may read $env (the scenario workflows tell which worker ran them).
			N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false',
			...options.env,
		};

		// The workers' folders are installed while the main process starts (it migrates the database first).
		const folders = Array.from({ length: options.workers ?? 2 }, () =>
			mkdtempSync(path.join(os.tmpdir(), 'n8n-guards-worker-')),
		);
		const installs = Promise.all(folders.map((folder) => installPackage(folder, tarball, runtime)));
		const mainStart = startN8n({ env: sharedEnv, runtime });
		const [mainInstance] = await Promise.all([mainStart, installs]);
		main = mainInstance;

		folders.forEach((folder, index) =>
			workers.push(
				makeWorker(runtime, `worker-${index + 1}`, folder, sharedEnv, options.concurrency ?? 10),
			),
		);
		await Promise.all(workers.map((worker) => worker.start()));
		process.stderr.write(
			`[e2e] queue mode up (main + ${workers.length} workers, Redis :${redis.port}, Postgres :${postgres.port}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
		);
		return { main, workers, redis, postgres, sharedEnv, stop };
	} catch (error) {
		const logs = workers.map((worker) => `${worker.name} log:\n${worker.logTail(40)}`).join('\n');
		await stop();
		throw new Error(`${(error as Error).message}\n${logs}`);
	}
}

function makeWorker(
	runtime: Runtime,
	name: string,
	userFolder: string,
	sharedEnv: Record<string, string>,
	concurrency: number,
): QueueWorker {
	mkdirSync(userFolder, { recursive: true });
	const logFile = path.join(userFolder, 'n8n.log');
	let child: N8nProcess | undefined;
	let healthPort = 0;
	let brokerPort = 0;

	const readLog = (): string => {
		try {
			return readFileSync(logFile, 'utf8');
		} catch {
			return '';
		}
	};
	const logTail = (lines = 60) => readLog().split('\n').slice(-lines).join('\n');
	const isReady = async (): Promise<boolean> => {
		if (!child || child.exited() !== undefined) return false;
		try {
			const response = await fetch(`http://127.0.0.1:${healthPort}/healthz/readiness`, {
				signal: AbortSignal.timeout(3000),
			});
			await response.arrayBuffer();
			return response.ok;
		} catch {
			return false;
		}
	};

	const worker: QueueWorker = {
		name,
		userFolder,
		logFile,
		get healthPort() {
			return healthPort;
		},
		pid: () => (child && child.exited() === undefined ? child.pid : undefined),
		isReady,
		logTail,
		start: async () => {
			if (child && child.exited() === undefined) return;
			for (let attempt = 1; ; attempt++) {
				healthPort = await freePort();
				brokerPort = await freePort();
				while (brokerPort === healthPort) brokerPort = await freePort();
				const logStart = readLog().length;
				const env = {
					...n8nEnv(userFolder, healthPort, brokerPort),
					...sharedEnv,
					QUEUE_HEALTH_CHECK_ACTIVE: 'true',
					QUEUE_HEALTH_CHECK_PORT: String(healthPort),
					N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
					E2E_WORKER: name,
				};
				const startedAt = Date.now();
				child = spawnN8nProcess(runtime, ['worker', `--concurrency=${concurrency}`], {
					cwd: userFolder,
					env,
					logFile,
				});
				try {
					await waitUntil(
						async () => {
							const exited = child?.exited();
							if (exited !== undefined)
								throw new Error(`${name} stopped during start-up (${exited})`);
							// Ready = the worker server answers readiness (database and Redis connected) and the queue processor is set up.
							return (
								(await isReady()) && readLog().slice(logStart).includes('n8n worker is now ready')
							);
						},
						WORKER_READY_TIMEOUT_MS,
						`${name} to be ready (health port ${healthPort})`,
						250,
					);
					process.stderr.write(
						`[e2e] ${name} ready (pid ${child.pid}) in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`,
					);
					return;
				} catch (error) {
					const since = readLog().slice(logStart);
					await child.kill();
					if (attempt >= 3 || !/EADDRINUSE|is already in use/.test(since)) {
						throw new Error(
							`${(error as Error).message}\n${name} log:\n${since.split('\n').slice(-60).join('\n')}`,
						);
					}
				}
			}
		},
		kill: async () => {
			await child?.kill();
			process.stderr.write(`[e2e] ${name} killed (SIGKILL)\n`);
		},
		stop: async () => {
			await child?.stop();
		},
	};
	return worker;
}

// ---------------------------------------------------------------------------------------
// The shared setup of the queue-mode test files (queue-mode.*.test.ts)
// ---------------------------------------------------------------------------------------

/** A tag for this run's paths, scopes and key prefixes: runs never share state. */
export const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;

export interface Credentials {
	redis: { id: string; name: string };
	postgres: { id: string; name: string };
}

export interface ExecutionSummary {
	id: string;
	status: string;
	workflowId: string;
}

/** Every error message in an execution: the workflow error and each node run's error. */
export function errorMessages(data: IDataObject): string[] {
	const messages: string[] = [];
	const resultData = (data.resultData ?? {}) as IDataObject;
	const push = (error: unknown) => {
		if (error && typeof error === 'object') {
			const { message, description } = error as { message?: unknown; description?: unknown };
			if (typeof message === 'string')
				messages.push(description ? `${message} (${String(description)})` : message);
		}
	};
	push(resultData.error);
	for (const runs of Object.values(
		(resultData.runData ?? {}) as Record<string, Array<{ error?: unknown }>>,
	))
		for (const run of runs) push(run.error);
	return messages;
}

/** What a queue-mode test file works with; the fields are set once its before() hook ran. */
export interface QueueSuite {
	readonly cluster: QueueCluster;
	readonly receiver: Receiver;
	readonly credentials: Credentials;
	/** The schema of the guards' Postgres store. */
	readonly storeSchema: string;
	executionsOf(workflowId: string, status: string): Promise<ExecutionSummary[]>;
	/** Every error message of the failed executions of a workflow. */
	errorsOf(workflowId: string): Promise<string[]>;
	/** Imports a workflow into the main process and activates it. */
	activate(json: WorkflowJson): Promise<ImportedWorkflow>;
	/** Records how long a step took, printed after the file's tests. */
	time(name: string, since: number): void;
	/** Open dead letters of a scope (pending, or leased by a replay that did not resolve them), by record id. */
	pendingDeadLetters(scope: string): Promise<Map<string, number>>;
}

/**
 * Registers the before/after hooks of a queue-mode test file (call it inside its
 * describe): the receiver, a cluster of main + 2 workers on a private Redis and Postgres,
 * and the Redis and Postgres credentials of the guards' stores.
 */
export function queueSuite(subject: string): QueueSuite {
	let cluster!: QueueCluster;
	let receiver!: Receiver;
	let credentials!: Credentials;
	let storeSql: Client | undefined;
	const STORE_SCHEMA = `guards_queue_${RUN}`;
	const timings: Record<string, string> = {};

	const executionsOf = async (workflowId: string, status: string): Promise<ExecutionSummary[]> => {
		const filter = encodeURIComponent(JSON.stringify({ workflowId, status: [status] }));
		const list = await cluster.main.api<{ results: ExecutionSummary[] }>(
			'GET',
			`/rest/executions?filter=${filter}&limit=100`,
		);
		return list.results;
	};
	const errorsOf = async (workflowId: string): Promise<string[]> => {
		const failed = await executionsOf(workflowId, 'error');
		const messages: string[] = [];
		for (const execution of failed) {
			const full = await cluster.main.getExecution(execution.id);
			messages.push(...errorMessages(full.data as unknown as IDataObject));
		}
		return messages;
	};
	const activate = async (json: WorkflowJson) => {
		const workflow = await cluster.main.importWorkflow(json);
		await cluster.main.activate(workflow.id);
		return workflow;
	};
	const time = (name: string, since: number) => {
		timings[name] = `${((Date.now() - since) / 1000).toFixed(1)} s`;
	};

	before(
		async () => {
			const started = Date.now();
			receiver = await startReceiver();
			cluster = await startQueueCluster({ workers: 2, concurrency: 10 });
			credentials = {
				redis: await cluster.main.createCredential('integrationGuardsRedisApi', 'Queue Redis', {
					host: cluster.redis.host,
					port: cluster.redis.port,
					database: 1,
					keyPrefix: `guards-queue-e2e-${RUN}:`,
				}),
				postgres: await cluster.main.createCredential(
					'integrationGuardsPostgresApi',
					'Queue Postgres',
					{
						host: cluster.postgres.host,
						port: cluster.postgres.port,
						database: cluster.postgres.database,
						user: cluster.postgres.user,
						password: '',
						ssl: 'disable',
						schema: STORE_SCHEMA,
						tablePrefix: 'g_',
					},
				),
			};
			storeSql = new Client({
				host: cluster.postgres.host,
				port: cluster.postgres.port,
				user: 'postgres',
				database: cluster.postgres.database,
			});
			storeSql.on('error', () => undefined);
			await storeSql.connect();
			time('start-up (Redis, Postgres, main, 2 workers)', started);
		},
		{ timeout: 10 * 60_000 },
	);

	after(
		async () => {
			console.log(`[e2e] queue mode timings (${subject}): ${JSON.stringify(timings, null, 2)}`);
			await storeSql?.end().catch(() => undefined);
			await cluster?.stop();
			await receiver?.close();
		},
		{ timeout: 2 * 60_000 },
	);

	/** Open dead letters of a scope (pending, or leased by a replay that did not resolve them), by record id. */
	const pendingDeadLetters = async (scope: string): Promise<Map<string, number>> => {
		const client = new Client({
			host: cluster.postgres.host,
			port: cluster.postgres.port,
			user: 'postgres',
			database: cluster.postgres.database,
		});
		await client.connect();
		try {
			const { rows } = await client.query<{ record: string; copies: string }>(
				`SELECT data->'payload'->>'id' AS record, count(*) AS copies FROM ${STORE_SCHEMA}.g_queue WHERE queue LIKE $1 AND status IN ('pending', 'leased') GROUP BY 1`,
				[`%${scope}`],
			);
			return new Map(rows.map((row) => [String(row.record), Number(row.copies)]));
		} finally {
			await client.end();
		}
	};

	return {
		get cluster() {
			return cluster;
		},
		get receiver() {
			return receiver;
		},
		get credentials() {
			return credentials;
		},
		storeSchema: STORE_SCHEMA,
		executionsOf,
		errorsOf,
		activate,
		time,
		pendingDeadLetters,
	};
}
