// n8n in queue mode, for the end-to-end suite: a main process and workers (`n8n worker`),
// Bull's queue on a private Redis, n8n's database on a private Postgres (both from
// test/support/services.ts, so a test may kill and restart them), and this package
// installed into every process's own user folder the way a user installs it on each
// machine (`npm install` in <user folder>/.n8n/nodes).
//
// What n8n 2.40.7 does here (read in its source, measured in queue-mode.test.ts):
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
	type Runtime,
} from './harness';

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
