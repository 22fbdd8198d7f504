// The real-n8n side of bench:all (all.ts): one n8n with an external hook file that records,
// inside n8n, what each execution did (every node's `executionTime` and output counts, the
// measured node's run data size, n8n's heap), Redis and Postgres credentials created through
// the API as the e2e tests create them, and one manual run of a workflow at a time.
//
// Why a hook: reading a 100,000-item execution back through the REST API is ~90 MB of JSON
// that a busy n8n takes over a minute to send; the hook hands the same figures over in a few
// hundred bytes, from n8n's own `workflowExecuteAfter` (external hook `workflow.postExecute`).
// n8n saves the execution as it always does (what a user gets); each one is deleted once read,
// so the database does not grow by gigabytes over a run.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import Redis from 'ioredis';
import { Client } from 'pg';

import { startN8n, type N8nInstance, type WorkflowJson } from '../e2e/harness';
import { describe as describeError } from './support';

export { crashReason } from './support';

/**
 * Whether n8n's process still listens. Not /healthz answering: n8n runs a node's work on its
 * one thread, so a 100,000-item node on a busy machine leaves it silent for a minute while
 * alive; only a refused connection means it is gone.
 */
export async function alive(n8n: N8nInstance): Promise<boolean> {
	try {
		const response = await fetch(`${n8n.baseUrl}/healthz`, { signal: AbortSignal.timeout(5000) });
		await response.arrayBuffer();
		return true;
	} catch (error) {
		const cause = (error as { cause?: { code?: string } }).cause;
		return cause?.code !== 'ECONNREFUSED' && cause?.code !== 'ECONNRESET';
	}
}

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
export const REDIS_PREFIX = `guards-bench-${RUN}:`;
export const PG_TABLE_PREFIX = `bench_${RUN}_`;
const REDIS = { host: '127.0.0.1', port: 6379, database: 0, keyPrefix: REDIS_PREFIX };
const POSTGRES = {
	host: '127.0.0.1',
	port: 5432,
	database: 'test',
	user: 'postgres',
	password: '',
	ssl: 'disable',
	schema: 'public',
	tablePrefix: PG_TABLE_PREFIX,
};

/** The node every bench workflow measures. */
export const MEASURED = 'Measured';

/**
 * Loaded by n8n (EXTERNAL_HOOK_FILES). A full GC before each execution (V8's flag set at run
 * time), heapUsed sampled every 10 ms while it runs (only between the engine's awaits: a
 * lower bound of the peak) and once more at its end, when the run data is still held.
 */
const HOOK_SOURCE = `'use strict';
const fs = require('fs');
const path = require('path');
const v8 = require('v8');
const vm = require('vm');
const dir = process.env.BENCH_HOOK_DIR;
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
let base = 0;
let peak = 0;
const sample = () => { const used = process.memoryUsage().heapUsed; if (used > peak) peak = used; };
setInterval(sample, 10).unref();
module.exports = { workflow: {
	preExecute: [async function () { gc(); base = process.memoryUsage().heapUsed; peak = base; }],
	postExecute: [async function (run, workflowData, executionId) {
		sample();
		const nodes = {};
		const runData = (run && run.data && run.data.resultData && run.data.resultData.runData) || {};
		for (const name of Object.keys(runData)) {
			const task = runData[name][0];
			if (!task) continue;
			const main = (task.data && task.data.main) || [];
			const entry = { executionTime: task.executionTime, outputs: main.map((items) => (items ? items.length : 0)) };
			if (task.error) entry.error = String(task.error.message || task.error);
			if (name === ${JSON.stringify(MEASURED)}) {
				try { entry.outputBytes = Buffer.byteLength(JSON.stringify(main)); } catch (error) { entry.outputBytes = -1; }
			}
			nodes[name] = entry;
		}
		const error = run && run.data && run.data.resultData && run.data.resultData.error;
		const summary = { executionId, status: run && run.status, error: error ? String(error.message || error) : undefined, nodes, heapBase: base, heapPeak: peak };
		const file = path.join(dir, executionId + '.json');
		fs.writeFileSync(file + '.tmp', JSON.stringify(summary));
		fs.renameSync(file + '.tmp', file);
	}],
} };
`;

export interface NodeSummary {
	executionTime: number;
	outputs: number[];
	error?: string;
	outputBytes?: number;
}

export interface Summary {
	executionId: string;
	status: string;
	error?: string;
	nodes: Record<string, NodeSummary>;
	heapBase: number;
	heapPeak: number;
}

export interface Credentials {
	redis: { id: string; name: string };
	postgres: { id: string; name: string };
}

export interface BenchN8n {
	n8n: N8nInstance;
	credentials: Credentials;
	starts: number;
}

const hookDir = mkdtempSync(path.join(os.tmpdir(), 'guards-bench-hook-'));
const hookFile = path.join(hookDir, 'hooks.js');
writeFileSync(hookFile, HOOK_SOURCE);

/** Starts n8n with the hook (which reads the heap itself: no N8N_METRICS), creates the credentials. */
export async function startBenchN8n(
	starts: number,
	prepare: (n8n: N8nInstance) => Promise<void>,
): Promise<BenchN8n> {
	const n8n = await startN8n({
		env: { EXTERNAL_HOOK_FILES: hookFile, BENCH_HOOK_DIR: hookDir },
	});
	try {
		const credentials = {
			redis: await n8n.createCredential('integrationGuardsRedisApi', 'Guards Redis (bench)', REDIS),
			postgres: await n8n.createCredential(
				'integrationGuardsPostgresApi',
				'Guards Postgres (bench)',
				POSTGRES,
			),
		};
		await prepare(n8n);
		return { n8n, credentials, starts };
	} catch (error) {
		await n8n.stop();
		throw error;
	}
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One manual run (as the editor's button starts it) of an imported workflow: the hook's
 * summary, or a thrown error saying why there is none (n8n gone, timed out).
 */
export async function runManual(
	n8n: N8nInstance,
	workflowId: string,
	trigger: string,
	timeoutMs: number,
): Promise<Summary> {
	const started = await n8n.api<{ executionId?: string }>(
		'POST',
		`/rest/workflows/${workflowId}/run`,
		{ triggerToStartFrom: { name: trigger } },
	);
	if (!started.executionId) throw new Error(`no execution started: ${JSON.stringify(started)}`);
	const file = path.join(hookDir, `${started.executionId}.json`);
	const deadline = Date.now() + timeoutMs;
	let checked = Date.now();
	while (!existsSync(file)) {
		if (Date.now() > deadline) {
			// Stopped, so the next contender does not queue behind it.
			await n8n.api('POST', `/rest/executions/${started.executionId}/stop`).catch(() => undefined);
			throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s (BENCH_TIMEOUT_SECONDS)`);
		}
		if (Date.now() - checked > 5000) {
			checked = Date.now();
			if (!(await alive(n8n))) throw new Error('n8n is gone (connection refused)');
		}
		await sleep(100);
	}
	const summary = JSON.parse(readFileSync(file, 'utf8')) as Summary;
	rmSync(file, { force: true });
	// n8n saved it (as for a user); it is not needed again and 100,000 items are ~100 MB of SQLite.
	await n8n
		.api('POST', '/rest/executions/delete', { ids: [started.executionId] })
		.catch((error: unknown) =>
			process.stderr.write(`[bench:all] deleting execution: ${describeError(error)}\n`),
		);
	return summary;
}

export async function importWorkflow(n8n: N8nInstance, workflow: WorkflowJson): Promise<string> {
	return (await n8n.importWorkflow(workflow)).id;
}

/** Removes what the run left in Redis and Postgres (its key prefix, its tables). */
export async function cleanUpStores(): Promise<void> {
	const redis = new Redis({ host: REDIS.host, port: REDIS.port, lazyConnect: true });
	try {
		await redis.connect();
		let cursor = '0';
		do {
			const [next, keys] = await redis.scan(cursor, 'MATCH', `${REDIS_PREFIX}*`, 'COUNT', 1000);
			cursor = next;
			if (keys.length) await redis.del(...keys);
		} while (cursor !== '0');
	} catch (error) {
		process.stderr.write(`[bench:all] cleaning Redis: ${describeError(error)}\n`);
	} finally {
		redis.disconnect();
	}
	const pg = new Client({
		host: POSTGRES.host,
		port: POSTGRES.port,
		database: 'test',
		user: 'postgres',
	});
	try {
		await pg.connect();
		const tables = await pg.query<{ tablename: string }>(
			`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE $1`,
			[`${PG_TABLE_PREFIX}%`],
		);
		for (const { tablename } of tables.rows)
			await pg.query(`DROP TABLE IF EXISTS "${tablename}" CASCADE`);
	} catch (error) {
		process.stderr.write(`[bench:all] cleaning Postgres: ${describeError(error)}\n`);
	} finally {
		await pg.end().catch(() => undefined);
	}
	rmSync(hookDir, { recursive: true, force: true });
}
