// Dead Letter Capture in the n8n engine, in process (test/engine/harness.ts → runWorkflow): the
// node's own time as n8n records it (run data executionTime), µs per item, at each size, on the
// embedded and the Postgres store, beside a floor measured in the same process and minute: the
// least any durable capture does (each item stringified and inserted by one prepared statement in
// one transaction; Postgres: one unnest INSERT). Prints tables; asserts nothing.
//
//   export PATH=$PWD/node_modules/.bin:$PATH      # Node 24
//   npx tsc -p tsconfig.json
//   node build/test/bench/dead-letter-engine.js
//
// BENCH_BEFORE=<dir>: a copy of an older build/ (with node_modules beside it); its Dead Letter runs
// as a second contender ("before"), same items, same store, taking turns with this one.
// BENCH_SIZES (1000,10000,100000), BENCH_REPEATS (3 timed rounds after one warm-up),
// BENCH_STORES (embedded,postgres), BENCH_VERSION (the node version run; default the newest),
// BENCH_DEPTH (10000: List, Stats, Replay → Resolve on a queue that deep, best of 2 after a warm-up; 0 skips).
//
// Also printed: the peak heap seen while the node ran (sampled every 5 ms, so a synchronous
// stretch may hide a short peak) and the bytes per item of the Capture's output as JSON (what
// n8n keeps of it in the run data).
import '../engine/env';

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { Client } from 'pg';

import { DeadLetter } from '../../nodes/DeadLetter/DeadLetter.node';
import { closeAllStores } from '../../nodes/shared/stores/factory';
import { buildWorkflow, runWorkflow, startEngine, stopEngine } from '../engine/harness';
import { intFromEnv, listFromEnv, loadAverage, table } from './support';

const SIZES = listFromEnv('BENCH_SIZES', [1000, 10_000, 100_000]);
const REPEATS = intFromEnv('BENCH_REPEATS', 3, 1, 20);
const STORES = (process.env.BENCH_STORES ?? 'embedded,postgres').split(',');
const BEFORE = process.env.BENCH_BEFORE;
const VERSION = Number(process.env.BENCH_VERSION ?? '0') || undefined;
/** Queue depth for the List / Stats / Replay / Resolve table (best of 2 rounds after a warm-up); 0 skips it. */
const DEPTH = intFromEnv('BENCH_DEPTH', 10_000, 0, 100_000);
const PG_SCHEMA = `bench_dl_${process.pid}`;
const PG = { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' };

const CREDENTIALS = {
	integrationGuardsPostgresApi: { ...PG, ssl: 'disable', schema: PG_SCHEMA },
};

/** Makes `count` failed items as a vendor's error output hands them on (the bench:all items). */
class Generate implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Generate',
		name: 'generate',
		group: ['transform'],
		version: 1,
		description: 'Bench only',
		defaults: { name: 'Generate' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Count', name: 'count', type: 'number', default: 1 }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const count = this.getNodeParameter('count', 0) as number;
		const run = randomUUID();
		const out: INodeExecutionData[] = new Array(count);
		for (let i = 0; i < count; i++) {
			out[i] = {
				json: {
					id: `${run}-${i}`,
					email: `contact${i}@example.com`,
					name: `Contact ${i}`,
					error: {
						message: `Request failed with status code ${i % 3 ? 503 : 422}`,
						description: 'Service Unavailable',
						httpCode: i % 3 ? '503' : '422',
					},
				},
				pairedItem: { item: 0 },
			};
		}
		return [out];
	}
}

type Contender = 'after' | 'before';

const beforeType = BEFORE
	? (require(path.resolve(BEFORE, 'build/nodes/DeadLetter/DeadLetter.node.js')) as {
			DeadLetter: new () => INodeType;
		})
	: undefined;
const beforeStores = BEFORE
	? (require(path.resolve(BEFORE, 'build/nodes/shared/stores/factory.js')) as {
			closeAllStores(): Promise<void>;
		})
	: undefined;

const TYPE: Record<Contender, string> = {
	after: 'bench.deadLetter',
	before: 'bench.deadLetterBefore',
};

/**
 * The node's main-thread CPU time and heap growth, measured around its execute: on a machine
 * shared with other work, wall time (executionTime) says more about the load than about the
 * node. Postgres' own work is in the server, not here.
 */
let lastRun = { cpuUs: NaN, heapMb: NaN };

type NodeClass = new () => INodeType;
function measured(Base: NodeClass): NodeClass {
	return class extends Base {
		async execute(this: IExecuteFunctions) {
			(globalThis as { gc?: () => void }).gc?.();
			const heap = process.memoryUsage().heapUsed;
			const start = process.threadCpuUsage();
			try {
				return await (
					Base.prototype.execute as (this: IExecuteFunctions) => Promise<INodeExecutionData[][]>
				).call(this);
			} finally {
				const cpu = process.threadCpuUsage(start);
				lastRun = {
					cpuUs: cpu.user + cpu.system,
					heapMb: (process.memoryUsage().heapUsed - heap) / 2 ** 20,
				};
			}
		}
	} as NodeClass;
}
const NODES: Record<Contender, NodeClass | undefined> = {
	after: measured(DeadLetter),
	before: beforeType ? measured(beforeType.DeadLetter) : undefined,
};

interface Sample {
	us: number;
	cpuUs: number;
	/** Heap growth from the node's start to its end (after a gc at its start): what it built and had not freed. */
	endHeapMb: number;
	heapMb: number;
	outBytes: number;
	routed: string;
}

async function captureOnce(
	contender: Contender,
	store: string,
	items: number,
	version: number | undefined,
	scope = `bench-${randomUUID()}`,
): Promise<Sample> {
	const workflow = buildWorkflow(
		[
			{ name: 'Start', type: 'test.noop' },
			{ name: 'Generate', type: 'bench.generate', parameters: { count: items } },
			{
				name: 'Capture',
				type: TYPE[contender],
				// The newest version unless told (2.1: the summary only); the old build's newest is 2.
				typeVersion: contender === 'after' ? (version ?? 2.1) : 2,
				parameters: {
					operation: 'capture',
					store,
					scope,
					depthThreshold: 100_000_000,
					options: { maxOpenRecords: 0 },
				},
				...(store === 'postgres'
					? { credentials: { integrationGuardsPostgresApi: { id: '1', name: 'pg' } } }
					: {}),
			},
		],
		[
			['Start', 'Generate'],
			['Generate', 'Capture'],
		],
	);
	let peak = 0;
	const base = process.memoryUsage().heapUsed;
	const timer = setInterval(() => {
		peak = Math.max(peak, process.memoryUsage().heapUsed);
	}, 5);
	const result = await runWorkflow({
		workflow,
		credentials: CREDENTIALS,
		nodeTypes: {
			'bench.generate': Generate,
			[TYPE.after]: NODES.after!,
			...(NODES.before ? { [TYPE.before]: NODES.before } : {}),
		},
	});
	clearInterval(timer);
	peak = Math.max(peak, process.memoryUsage().heapUsed);
	if (result.status !== 'success') throw new Error(`${contender}: ${result.error?.message}`);
	const capture = result.nodes.Capture;
	const outputs = capture.outputs;
	let bytes = 0;
	for (const output of outputs) for (const item of output) bytes += JSON.stringify(item).length;
	return {
		us: (capture.task.executionTime * 1000) / items,
		cpuUs: lastRun.cpuUs / items,
		endHeapMb: lastRun.heapMb,
		heapMb: Math.max(0, peak - base) / 2 ** 20,
		outBytes: bytes / items,
		routed: outputs.map((output) => output.length).join('/'),
	};
}

/** List, Stats, Replay and Resolve on a queue of `depth` open records: each operation's executionTime, ms. */
async function depthOps(contender: Contender, store: string, depth: number): Promise<number[]> {
	const scope = `bench-depth-${randomUUID()}`;
	await captureOnce(contender, store, depth, undefined, scope);
	const times: number[] = [];
	const operations: Array<Record<string, unknown>> = [
		{ operation: 'list', limit: 10_000 },
		{ operation: 'stats', depthThreshold: 100_000_000 },
		{ operation: 'replay', maxRecords: 10_000 },
	];
	for (const parameters of operations) {
		const workflow = buildWorkflow(
			[
				{ name: 'Start', type: 'test.noop' },
				{
					name: 'DL',
					type: TYPE[contender],
					typeVersion: 2,
					parameters: { store, scope, ...parameters } as INode['parameters'],
					...(store === 'postgres'
						? { credentials: { integrationGuardsPostgresApi: { id: '1', name: 'pg' } } }
						: {}),
				},
				...(parameters.operation === 'replay'
					? [
							{
								name: 'Resolve',
								type: TYPE[contender],
								parameters: { operation: 'resolve', store, scope } as INode['parameters'],
								...(store === 'postgres'
									? { credentials: { integrationGuardsPostgresApi: { id: '1', name: 'pg' } } }
									: {}),
							},
						]
					: []),
			],
			[
				['Start', 'DL'],
				...(parameters.operation === 'replay' ? [['DL', 'Resolve'] as [string, string]] : []),
			],
		);
		const result = await runWorkflow({
			workflow,
			credentials: CREDENTIALS,
			nodeTypes: {
				[TYPE.after]: DeadLetter,
				...(beforeType ? { [TYPE.before]: beforeType.DeadLetter } : {}),
			},
		});
		if (result.status !== 'success')
			throw new Error(`${contender} ${String(parameters.operation)}: ${result.error?.message}`);
		times.push(result.nodes.DL.task.executionTime);
		if (parameters.operation === 'replay') times.push(result.nodes.Resolve.task.executionTime);
	}
	return times;
}

/** The floor: each item stringified and inserted in one transaction by one prepared statement. */
async function floorOnce(store: string, items: number): Promise<{ us: number; cpuUs: number }> {
	const rows = Array.from({ length: items }, (_, i) => ({
		id: randomUUID(),
		json: { id: i, email: `contact${i}@example.com`, name: `Contact ${i}`, error: 'x' },
	}));
	if (store === 'embedded') {
		const { DatabaseSync } = require('node:sqlite') as typeof import('node:sqlite');
		const dir = mkdtempSync(path.join(os.tmpdir(), 'dl-floor-'));
		const db = new DatabaseSync(path.join(dir, 'floor.sqlite'));
		db.exec('PRAGMA journal_mode = WAL');
		db.exec('CREATE TABLE q (id TEXT PRIMARY KEY, data TEXT NOT NULL)');
		const started = process.hrtime.bigint();
		const cpu = process.threadCpuUsage();
		const insert = db.prepare('INSERT INTO q (id, data) VALUES (?, ?) ON CONFLICT DO NOTHING');
		db.exec('BEGIN IMMEDIATE');
		for (const row of rows) insert.run(row.id, JSON.stringify(row.json));
		db.exec('COMMIT');
		const ns = Number(process.hrtime.bigint() - started);
		const used = process.threadCpuUsage(cpu);
		db.close();
		rmSync(dir, { recursive: true, force: true });
		return { us: ns / 1000 / items, cpuUs: (used.user + used.system) / items };
	}
	const client = new Client(PG);
	await client.connect();
	try {
		await client.query(
			`CREATE TABLE IF NOT EXISTS ${PG_SCHEMA}_floor (id text PRIMARY KEY, data json)`,
		);
		const started = process.hrtime.bigint();
		const cpu = process.threadCpuUsage();
		await client.query(
			`INSERT INTO ${PG_SCHEMA}_floor (id, data) SELECT * FROM unnest($1::text[], $2::json[]) ON CONFLICT DO NOTHING`,
			[rows.map((row) => row.id), rows.map((row) => JSON.stringify(row.json))],
		);
		const used = process.threadCpuUsage(cpu);
		return {
			us: Number(process.hrtime.bigint() - started) / 1000 / items,
			cpuUs: (used.user + used.system) / items,
		};
	} finally {
		await client.query(`DROP TABLE IF EXISTS ${PG_SCHEMA}_floor`);
		await client.end();
	}
}

const min = (values: number[]) => Math.min(...values);
const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
};
const fixed = (value: number, digits = 1) => value.toFixed(digits);

async function main(): Promise<void> {
	await startEngine();
	const contenders: Contender[] = beforeType ? ['before', 'after'] : ['after'];
	const rows: string[][] = [];
	process.stdout.write(`load average at start: ${loadAverage()}\n`);
	try {
		for (const store of STORES) {
			for (const items of SIZES) {
				const samples: Record<Contender | 'floor', Sample[]> = { before: [], after: [], floor: [] };
				const failures: Record<Contender, string[]> = { before: [], after: [] };
				/** A failed run (a store timeout, say) is reported in the table, not thrown. */
				const attempt = async (contender: Contender, keep: boolean) => {
					try {
						const sample = await captureOnce(contender, store, items, VERSION);
						if (keep) samples[contender].push(sample);
					} catch (error) {
						failures[contender].push((error as Error).message.slice(0, 120));
					}
				};
				for (const contender of contenders) await attempt(contender, false); // warm-up
				for (let round = 0; round < REPEATS; round++) {
					for (let turn = 0; turn < contenders.length; turn++)
						await attempt(contenders[(round + turn) % contenders.length], true);
					samples.floor.push({
						...(await floorOnce(store, items)),
						endHeapMb: NaN,
						heapMb: 0,
						outBytes: 0,
						routed: '',
					});
				}
				for (const contender of [...contenders, 'floor'] as const) {
					const list = samples[contender];
					const us = list.map((sample) => sample.us);
					if (list.length === 0) {
						const why = contender === 'floor' ? '' : failures[contender][0];
						rows.push([
							store,
							items.toLocaleString('en-US'),
							contender,
							`failed: ${why}`,
							'',
							'',
							'',
							'',
							loadAverage(),
						]);
						continue;
					}
					const failed = contender === 'floor' ? 0 : failures[contender].length;
					rows.push([
						store,
						items.toLocaleString('en-US'),
						contender === 'floor'
							? 'floor (stringify + prepared insert, one transaction)'
							: `${contender}${failed ? ` (${failed} of ${REPEATS + 1} runs failed: ${failures[contender][0]})` : ''}`,
						fixed(min(us)),
						fixed(median(us)),
						fixed(min(list.map((sample) => sample.cpuUs))),
						fixed(median(list.map((sample) => sample.cpuUs))),
						contender === 'floor' ? '' : fixed(Math.max(...list.map((s) => s.endHeapMb)), 0),
						contender === 'floor' ? '' : fixed(Math.max(...list.map((s) => s.heapMb)), 0),
						contender === 'floor' ? '' : fixed(list[0].outBytes, 0),
						contender === 'floor' ? '' : list[0].routed,
						loadAverage(),
					]);
				}
				process.stderr.write(`[bench] ${store} ${items} done\n`);
			}
		}
		const depthRows: string[][] = [];
		for (const store of DEPTH > 0 ? STORES : []) {
			for (const contender of contenders) {
				const depth = DEPTH;
				await depthOps(contender, store, depth); // warm-up
				const rounds = [
					await depthOps(contender, store, depth),
					await depthOps(contender, store, depth),
				];
				const best = rounds[0].map((_, index) => Math.min(...rounds.map((round) => round[index])));
				depthRows.push([
					store,
					contender,
					depth.toLocaleString('en-US'),
					...best.map(String),
					loadAverage(),
				]);
			}
		}
		process.stdout.write(
			table(
				[
					'store',
					'contender',
					'queue depth',
					'List ms',
					'Stats ms',
					'Replay ms',
					'Resolve ms',
					'load',
				],
				depthRows,
			),
		);
		process.stdout.write('\n');
	} finally {
		await closeAllStores();
		await beforeStores?.closeAllStores();
		await stopEngine();
		if (STORES.includes('postgres')) {
			const client = new Client(PG);
			await client.connect();
			await client.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
			await client.end();
		}
	}
	process.stdout.write(
		table(
			[
				'store',
				'items',
				'contender',
				'min µs/item (executionTime)',
				'median µs/item',
				'min CPU µs/item (main thread)',
				'median CPU µs/item',
				'heap at node end MB',
				'peak heap MB (sampled)',
				'output bytes/item',
				'items per output',
				'load',
			],
			rows,
		),
	);
	process.stdout.write(`\nload average at end: ${loadAverage()}\n`);
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
