// Idempotent Write in the engine harness (n8n-core in process): µs per item inside the node
// (its run data executionTime) for Claim, Look Up, Complete and Release, on the embedded
// store, Redis and Postgres, beside the floor measured in the same process: a bare
// node:sqlite transaction of sorted upserts of the same rows. Prints tables; asserts nothing.
//
//   export PATH=$PWD/node_modules/.bin:$PATH      # Node 24
//   npx tsc -p tsconfig.json
//   node --expose-gc build/test/bench/idempotent-write-engine.js
//
// Environment: IW_SIZES (1000,10000,100000), IW_STORES (embedded,redis,postgres),
// IW_OPERATIONS (claim,lookUp,complete,release), IW_ROUNDS (3 timed after 1 warm-up).
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import type { INode, INodeExecutionData } from 'n8n-workflow';
import Redis from 'ioredis';
import { Client as PgClient } from 'pg';

import { idempotencyKey } from '../../nodes/shared/core/idempotency';
import { pickFields } from '../../nodes/shared/core/paths';
import { closeAllStores } from '../../nodes/shared/stores/factory';
import { buildWorkflow, runWorkflow, stopEngine, TEST_NOOP } from '../engine/harness';

const IDEMPOTENT_WRITE = 'n8n-nodes-integration-guards.idempotentWrite';
const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const PG_SCHEMA = `iw_bench_${RUN}`;
const REDIS_PREFIX = `iw-bench-${RUN}:`;

const list = (name: string, fallback: string) =>
	(process.env[name] ?? fallback)
		.split(',')
		.map((entry) => entry.trim())
		.filter((entry) => entry !== '');
const SIZES = list('IW_SIZES', '1000,10000,100000').map(Number);
const STORES = list('IW_STORES', 'embedded,redis,postgres') as StoreName[];
const OPERATIONS = list('IW_OPERATIONS', 'claim,lookUp,complete,release') as Operation[];
const ROUNDS = Number(process.env.IW_ROUNDS ?? 3);

type StoreName = 'embedded' | 'redis' | 'postgres';
type Operation = 'claim' | 'lookUp' | 'complete' | 'release';

const CREDENTIALS = {
	integrationGuardsRedisApi: {
		host: '127.0.0.1',
		port: 6379,
		database: 0,
		keyPrefix: REDIS_PREFIX,
	},
	integrationGuardsPostgresApi: {
		host: '127.0.0.1',
		port: 5432,
		database: 'test',
		user: 'postgres',
		ssl: 'disable',
		schema: PG_SCHEMA,
	},
};

/** Round trips to Redis and Postgres, counted at the clients' send functions. */
const roundTrips = { redis: 0, postgres: 0 };
function countRoundTrips(): void {
	const redisProto = Redis.prototype as unknown as { sendCommand: (...args: unknown[]) => unknown };
	const sendCommand = redisProto.sendCommand;
	redisProto.sendCommand = function (this: unknown, ...args: unknown[]) {
		const command = args[0] as { name?: string };
		if (command?.name !== 'info' && command?.name !== 'ping') roundTrips.redis++;
		return sendCommand.apply(this, args);
	};
	const pgProto = PgClient.prototype as unknown as { query: (...args: unknown[]) => unknown };
	const query = pgProto.query;
	pgProto.query = function (this: unknown, ...args: unknown[]) {
		roundTrips.postgres++;
		return query.apply(this, args);
	};
}

function node(operation: Operation, store: StoreName, scope: string): INode {
	return {
		id: 'measured',
		name: 'Measured',
		type: IDEMPOTENT_WRITE,
		typeVersion: 2.1,
		position: [0, 0],
		parameters: {
			operation,
			store,
			scope,
			keySource: 'fields',
			keyFields: 'id',
			...(operation === 'complete' ? { resultFields: 'amount' } : {}),
			options: {},
		},
		credentials: {
			integrationGuardsRedisApi: { id: 'redis', name: 'Redis' },
			integrationGuardsPostgresApi: { id: 'postgres', name: 'Postgres' },
		},
	};
}

function items(count: number, run: string): INodeExecutionData[] {
	const out = new Array<INodeExecutionData>(count);
	for (let i = 0; i < count; i++)
		out[i] = { json: { id: `${run}-${i}`, amount: i % 1000, currency: 'AUD' } };
	return out;
}

interface Timed {
	us: number;
	heapMiB: number;
	trips: number;
	outputs: number[];
}

async function runOnce(
	operation: Operation,
	store: StoreName,
	scope: string,
	input: INodeExecutionData[],
): Promise<Timed> {
	const sink = { name: 'Sink', type: TEST_NOOP };
	const measured = node(operation, store, scope);
	const workflow = buildWorkflow([measured, sink], [['Measured', 'Sink']]);
	(global as { gc?: () => void }).gc?.();
	const heapBefore = process.memoryUsage().heapUsed;
	let heapPeak = heapBefore;
	const sampler = setInterval(() => {
		heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
	}, 2);
	const tripsBefore = store === 'redis' ? roundTrips.redis : roundTrips.postgres;
	const result = await runWorkflow({
		workflow,
		startNode: 'Measured',
		startItems: input,
		credentials: CREDENTIALS,
	});
	clearInterval(sampler);
	heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
	const trips = (store === 'redis' ? roundTrips.redis : roundTrips.postgres) - tripsBefore;
	const run = result.nodes.Measured;
	if (run?.error) throw new Error(`${operation} on ${store}: ${run.error.message}`);
	const outputs = run.outputs.map((output) => output.length);
	if (outputs.reduce((a, b) => a + b, 0) !== input.length)
		throw new Error(`${operation} on ${store}: ${outputs.join('/')} items out of ${input.length}`);
	return {
		us: (run.task.executionTime * 1000) / input.length,
		heapMiB: (heapPeak - heapBefore) / 2 ** 20,
		trips: store === 'embedded' ? 0 : trips,
		outputs,
	};
}

/**
 * The floor: one bare node:sqlite transaction of sorted upserts of the same rows (the keys
 * the node computes, claim-shaped values) into a table of the same shape that grows as the
 * store's does (one file per size, kept across rounds), µs per item.
 */
function floorUs(input: INodeExecutionData[], file: string): number {
	const db = new DatabaseSync(file);
	db.exec('PRAGMA journal_mode = WAL');
	db.exec(
		`CREATE TABLE IF NOT EXISTS records (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, version INTEGER NOT NULL, expires_at INTEGER, PRIMARY KEY (ns, key)) WITHOUT ROWID;
		CREATE INDEX IF NOT EXISTS records_expires_at ON records (expires_at) WHERE expires_at IS NOT NULL`,
	);
	const now = Date.now();
	const rows = input.map((item, i) => ({
		key: idempotencyKey(pickFields(item.json, ['id']).values),
		value: JSON.stringify({
			firstClaimedAt: now,
			updatedAt: now,
			leaseUntil: now + 300_000,
			status: 'inFlight',
			fingerprint: null,
			owner: 'execution-1',
			attempts: 1,
			needsReconcile: false,
			completedAt: null,
			result: null,
			correlationId: `0193a0b0-0000-7000-8000-${String(i).padStart(12, '0')}`,
			lastError: null,
		}),
	}));
	const started = process.hrtime.bigint();
	rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
	const upsert = db.prepare(
		`INSERT INTO records (ns, key, value, version, expires_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, version = excluded.version, expires_at = excluded.expires_at`,
	);
	db.exec('BEGIN IMMEDIATE');
	let version = 0;
	for (const row of rows) upsert.run('floor', row.key, row.value, ++version, now + 86_400_000);
	db.exec('COMMIT');
	const us = Number(process.hrtime.bigint() - started) / 1000 / rows.length;
	db.close();
	return us;
}

const median = (values: number[]) =>
	[...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

async function prepare(
	operation: Operation,
	store: StoreName,
	scope: string,
	input: INodeExecutionData[],
): Promise<void> {
	// Complete, Release and Look Up act on claimed keys: claim them first, untimed.
	if (operation !== 'claim') await runOnce('claim', store, scope, input);
}

async function main(): Promise<void> {
	countRoundTrips();
	const folder = mkdtempSync(path.join(tmpdir(), 'iw-floor-'));
	const rows: string[][] = [];
	try {
		for (const operation of OPERATIONS) {
			for (const store of STORES) {
				for (const size of SIZES) {
					const scope = `iw-bench-${RUN}-${operation}-${store}-${size}`;
					const timed: Timed[] = [];
					const floors: number[] = [];
					const floorFile = path.join(folder, `floor-${operation}-${store}-${size}.sqlite`);
					let row: string[];
					try {
						for (let round = 0; round <= ROUNDS; round++) {
							const input = items(size, `${RUN}-${operation}-${store}-${size}-${round}`);
							await prepare(operation, store, scope, input);
							const result = await runOnce(operation, store, scope, input);
							const floor = floorUs(input, floorFile);
							if (round === 0) continue; // warm-up
							timed.push(result);
							floors.push(floor);
						}
						const us = timed.map((t) => t.us);
						row = [
							operation,
							store,
							String(size),
							fmt(Math.min(...us)),
							fmt(median(us)),
							`${fmt(Math.min(...floors))} / ${fmt(median(floors))}`,
							(median(us) / median(floors)).toFixed(1),
							store === 'embedded' ? '-' : String(median(timed.map((t) => t.trips))),
							fmt(median(timed.map((t) => t.heapMiB))),
							timed[0].outputs.join('/'),
							os.loadavg()[0].toFixed(2),
						];
					} catch (error) {
						const message = (error as Error).message.replace(/\|/g, '/').slice(0, 160);
						row = [
							operation,
							store,
							String(size),
							`failed: ${message}`,
							'',
							'',
							'',
							'',
							'',
							'',
							os.loadavg()[0].toFixed(2),
						];
						await closeAllStores();
					}
					rows.push(row);
					console.log(row.join(' | '));
				}
			}
		}
	} finally {
		await closeAllStores();
		await stopEngine();
		rmSync(folder, { recursive: true, force: true });
		await cleanUp();
	}
	console.log('');
	console.log(
		'| operation | store | items | min µs/item | median µs/item | floor min / median µs/item | median ÷ floor | round trips | peak heap MiB | outputs | load 1m |',
	);
	console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|');
	for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

async function cleanUp(): Promise<void> {
	if (STORES.includes('postgres')) {
		const client = new PgClient({
			host: '127.0.0.1',
			port: 5432,
			database: 'test',
			user: 'postgres',
		});
		await client.connect();
		await client.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
		await client.end();
	}
	if (STORES.includes('redis')) {
		const redis = new Redis({ host: '127.0.0.1', port: 6379 });
		let cursor = '0';
		do {
			const [next, keys] = await redis.scan(cursor, 'MATCH', `${REDIS_PREFIX}*`, 'COUNT', 1000);
			cursor = next;
			if (keys.length > 0) await redis.del(...keys);
		} while (cursor !== '0');
		redis.disconnect();
	}
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	},
);
