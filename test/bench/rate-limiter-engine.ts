// Profile: the Rate Limiter's cost per item inside n8n-core, in process (test/engine/harness.ts),
// next to a No Operation floor measured in the same process. Prints tables; asserts nothing.
//
//   export PATH=$PWD/node_modules/.bin:$PATH      # Node 24
//   npx tsc -p tsconfig.json
//   node --expose-gc build/test/bench/rate-limiter-engine.js
//
// Items are handed to the measured node directly (the harness's startItems), so the figures
// are the node's run data executionTime, as n8n records it. Per size: one untimed warm-up,
// then BENCH_REPEATS (3) timed rounds; min and median µs per item. Contenders:
//   - No Operation (the floor);
//   - Wait for Slot, embedded, limit 1,000,000,000/s (far above need: the cost of taking tokens);
//   - Wait for Slot, embedded, limit 1,000,000/s (what bench:all uses: at 100k the bucket's
//     refill binds, ~0.9 µs per item of pure pacing);
//   - Wait for Slot, Redis, limit 1,000,000,000/s;
//   - Check Quota, embedded.
// Then one paced run (BENCH_PACED_ITEMS, 100,000, at BENCH_PACED_RATE, 5,000/s, 100 %
// utilisation: about 20 s): the achieved rate start to end against the target. Peak heap
// above the heap before the run is sampled every few ms (the run data of the items
// included: compare with the floor's).
//
// Environment: BENCH_SIZES (1000,10000,100000), BENCH_REPEATS (3), BENCH_PACED_ITEMS,
// BENCH_PACED_RATE, BENCH_PACED_BURST (1), BENCH_ONLY (contender
// keys, comma-separated: noop, wait, wait1m, waitRedis, quota, paced).
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import type {
	IDataObject,
	IExecuteFunctions,
	INode,
	INodeExecutionData,
	INodeType,
} from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { closeAllLimiters } from '../../nodes/shared/stores/limiter';
import { RateLimiter } from '../../nodes/RateLimiter/RateLimiter.node';
import {
	BASE_NOOP,
	buildWorkflow,
	NoOpStandIn,
	runWorkflow,
	stopEngine,
	waitForWarmIsolate,
} from '../engine/harness';

import { count, intFromEnv, listFromEnv, loadAverage, median } from './support';

const LIMITER = 'n8n-nodes-integration-guards.rateLimiter';
const SIZES = listFromEnv('BENCH_SIZES', [1000, 10000, 100000]);
const REPEATS = intFromEnv('BENCH_REPEATS', 3, 1, 20);
const PACED_ITEMS = intFromEnv('BENCH_PACED_ITEMS', 100000, 100, 1000000);
const PACED_RATE = intFromEnv('BENCH_PACED_RATE', 5000, 1, 1000000);
const PACED_BURST = intFromEnv('BENCH_PACED_BURST', 1, 1, 1000000);
const ONLY = (process.env.BENCH_ONLY ?? '')
	.split(',')
	.map((key) => key.trim())
	.filter(Boolean);
const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const REDIS = { integrationGuardsRedisApi: { host: '127.0.0.1', port: 6379 } };

type Key = 'noop' | 'wait' | 'wait1m' | 'waitRedis' | 'quota';
interface Contender {
	label: string;
	node: () => Omit<INode, 'name' | 'id' | 'position' | 'typeVersion'> & { typeVersion?: number };
	credentials?: typeof REDIS;
	/** Asserts the run did the whole work; returns the output the items left on. */
	check: (outputs: INodeExecutionData[][], items: number) => void;
}

const waitForSlot = (limit: number, store = 'embedded') => ({
	type: LIMITER,
	typeVersion: 1,
	parameters: {
		operation: 'waitForSlot',
		limiterName: `bench-engine-${RUN}-${limit}-${store}`,
		store,
		limit,
		per: 'second',
		targetUtilization: 90,
		tokensPerItem: 1,
		maxWait: 0,
		options: {},
	},
	...(store === 'redis'
		? { credentials: { integrationGuardsRedisApi: { id: '1', name: 'Redis' } } }
		: {}),
});

const allOnFirst = (outputs: INodeExecutionData[][], items: number) => {
	assert.equal(outputs[0]?.length, items, 'every item on the first output');
	assert.equal(outputs[1]?.length ?? 0, 0, 'nothing on the second output');
};

const CONTENDERS: Record<Key, Contender> = {
	noop: {
		label: 'No Operation (floor)',
		node: () => ({ type: 'n8n-nodes-base.noOp', parameters: {} }),
		check: (outputs, items) => assert.equal(outputs[0]?.length, items),
	},
	wait: {
		label: 'Wait for Slot, embedded, 1e9/s',
		node: () => waitForSlot(1e9),
		check: allOnFirst,
	},
	wait1m: {
		label: 'Wait for Slot, embedded, 1e6/s',
		node: () => waitForSlot(1e6),
		check: allOnFirst,
	},
	waitRedis: {
		label: 'Wait for Slot, Redis, 1e9/s',
		node: () => waitForSlot(1e9, 'redis'),
		credentials: REDIS,
		check: allOnFirst,
	},
	quota: {
		label: 'Check Quota, embedded',
		node: () => ({
			type: LIMITER,
			typeVersion: 1,
			parameters: {
				operation: 'quota',
				quotaName: `bench-engine-${RUN}`,
				store: 'embedded',
				quota: 1e15,
				period: 'day',
				usePerItem: 1,
				thresholds: '75',
				options: {},
			},
		}),
		check: allOnFirst,
	},
};

function itemsOf(size: number): INodeExecutionData[] {
	return Array.from({ length: size }, (_, index) => ({
		json: { id: `c-${index}`, email: `user${index}@example.com`, amount: index % 977 },
	}));
}

/** The last execute's time, ms, to the microsecond (executionTime is whole ms). */
let insideMs = NaN;

/** The node type, its execute timed with the high-resolution clock. */
function timed(inner: INodeType): INodeType {
	const outer = Object.create(inner) as INodeType;
	outer.execute = async function (this: IExecuteFunctions) {
		const started = performance.now();
		try {
			return await inner.execute!.call(this);
		} finally {
			insideMs = performance.now() - started;
		}
	};
	return outer;
}

const NODE_TYPES = { [LIMITER]: timed(new RateLimiter()), [BASE_NOOP]: timed(new NoOpStandIn()) };

interface Round {
	/** executionTime, whole ms. */
	executionMs: number;
	/** The timed execute, µs resolution. */
	nodeMs: number;
	peakHeapMb: number;
	outputs: INodeExecutionData[][];
}

/** One execution: the node's executionTime, and the heap's peak above where it started. */
async function runOnce(contender: Contender, items: INodeExecutionData[]): Promise<Round> {
	const node = { name: 'Measured', ...contender.node() };
	const workflow = buildWorkflow([node], []);
	await waitForWarmIsolate();
	global.gc?.();
	const before = process.memoryUsage().heapUsed;
	let peak = before;
	const sampler = setInterval(() => {
		peak = Math.max(peak, process.memoryUsage().heapUsed);
	}, 5);
	try {
		const result = await runWorkflow({
			workflow,
			startItems: items,
			startNode: 'Measured',
			credentials: contender.credentials,
			nodeTypes: NODE_TYPES,
		});
		peak = Math.max(peak, process.memoryUsage().heapUsed);
		assert.equal(result.status, 'success', result.error?.message);
		const measured = result.nodes.Measured;
		return {
			executionMs: measured.task.executionTime,
			nodeMs: insideMs,
			peakHeapMb: (peak - before) / 2 ** 20,
			outputs: measured.outputs,
		};
	} finally {
		clearInterval(sampler);
	}
}

const us = (ms: number, items: number) => ((ms * 1000) / items).toFixed(2);

async function measureSizes(keys: Key[]): Promise<void> {
	const rows: string[][] = [];
	for (const size of SIZES) {
		const items = itemsOf(size);
		for (const key of keys) {
			const contender = CONTENDERS[key];
			try {
				await runOnce(contender, items); // warm-up
				const rounds: Round[] = [];
				for (let round = 0; round < REPEATS; round++) {
					const result = await runOnce(contender, items);
					contender.check(result.outputs, size);
					rounds.push({ ...result, outputs: [] });
				}
				const times = rounds.map((round) => round.nodeMs);
				rows.push([
					count(size),
					contender.label,
					us(Math.min(...times), size),
					us(median(times), size),
					times.map((ms) => ms.toFixed(1)).join(' / '),
					rounds.map((round) => round.executionMs).join(' / '),
					Math.max(...rounds.map((round) => round.peakHeapMb)).toFixed(1),
					loadAverage(),
				]);
			} catch (error) {
				rows.push([
					count(size),
					contender.label,
					'failed',
					String(error).slice(0, 80),
					'',
					'',
					'',
					'',
				]);
			}
			console.error(rows.at(-1)?.join(' | '));
		}
	}
	console.log('\n## Time inside the node (its execute, timed), µs per item\n');
	console.log(
		'| items | node | min | median | rounds (ms) | executionTime (ms) | peak heap MB | load |',
	);
	console.log('|---:|---|---:|---:|---|---|---:|---|');
	for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

/** 100k items queued at a real limit: the achieved rate against the target. */
async function measurePaced(): Promise<void> {
	const node = {
		type: LIMITER,
		typeVersion: 1,
		parameters: {
			operation: 'waitForSlot',
			limiterName: `bench-engine-paced-${RUN}`,
			store: 'embedded',
			limit: PACED_RATE,
			per: 'second',
			targetUtilization: 100,
			tokensPerItem: 1,
			maxWait: 0,
			options: { burst: PACED_BURST },
		},
	};
	const contender: Contender = { label: 'paced', node: () => node, check: allOnFirst };
	// A refill the pump sees more than one increase late is lost (the bucket holds one
	// increase at Burst 1): how late the event loop ran says how often that could happen.
	const loopDelay = monitorEventLoopDelay({ resolution: 5 });
	loopDelay.enable();
	const started = Date.now();
	const result = await runOnce(contender, itemsOf(PACED_ITEMS));
	const wall = Date.now() - started;
	loopDelay.disable();
	contender.check(result.outputs, PACED_ITEMS);
	const granted = result.outputs[0].map((item) =>
		Date.parse(String((item.json.rateLimiter as IDataObject).grantedAt)),
	);
	// Gaps between successive grants longer than one increase: refills the pump saw late.
	const times = [...new Set(granted)].sort((x, y) => x - y);
	const increaseMs = Math.ceil((25 * 1000) / 1000); // MIN_INCREASE_INTERVAL_MS at these rates
	let lateGaps = 0;
	let longestGap = 0;
	for (let at = 1; at < times.length; at++) {
		const gap = times[at] - times[at - 1];
		longestGap = Math.max(longestGap, gap);
		if (gap >= 2 * increaseMs) lateGaps++;
	}
	const first = Math.min(...granted);
	const last = Math.max(...granted);
	const burst = granted.filter((at) => at === first).length;
	const target = PACED_RATE;
	const nodeRate = (PACED_ITEMS * 1000) / result.nodeMs;
	// The first grant takes the bucket's initial tokens at once; the rest are paced.
	const pacedRate = ((PACED_ITEMS - burst) * 1000) / Math.max(1, last - first);
	const off = (rate: number) => `${(((rate - target) / target) * 100).toFixed(2)} %`;
	console.log(
		`\n## Paced: ${count(PACED_ITEMS)} items queued at ${count(target)}/s (100 %), Burst ${count(PACED_BURST)}\n`,
	);
	console.log('| measure | items/s | vs target |');
	console.log('|---|---:|---:|');
	console.log(
		`| node executionTime (${(result.nodeMs / 1000).toFixed(2)} s) | ${nodeRate.toFixed(1)} | ${off(nodeRate)} |`,
	);
	console.log(
		`| first → last grant, after the ${count(burst)} of the initial burst (${((last - first) / 1000).toFixed(2)} s) | ${pacedRate.toFixed(1)} | ${off(pacedRate)} |`,
	);
	console.log(`| wall time of the execution: ${(wall / 1000).toFixed(2)} s | | |`);
	console.log(
		`\n${count(times.length)} distinct grant times; ${lateGaps} gaps of two increases (${2 * increaseMs} ms) or more, the longest ${longestGap} ms`,
	);
	console.log(`\npeak heap above start: ${result.peakHeapMb.toFixed(1)} MB`);
	const ms = (ns: number) => (ns / 1e6).toFixed(1);
	console.log(
		`event loop delay during the run: p50 ${ms(loopDelay.percentile(50))} ms, p99 ${ms(loopDelay.percentile(99))} ms, p99.9 ${ms(loopDelay.percentile(99.9))} ms, max ${ms(loopDelay.max)} ms (one increase: 25 ms); load ${loadAverage()}`,
	);
}

async function main(): Promise<void> {
	const keys = (Object.keys(CONTENDERS) as Key[]).filter(
		(key) => ONLY.length === 0 || ONLY.includes(key),
	);
	console.log(
		`# Rate Limiter in n8n-core, in process; ${REPEATS} timed rounds after a warm-up; load ${loadAverage()}; gc ${global.gc ? 'exposed' : 'not exposed'}`,
	);
	try {
		if (keys.length > 0) await measureSizes(keys);
		if (ONLY.length === 0 || ONLY.includes('paced')) await measurePaced();
	} finally {
		await closeAllLimiters();
		await closeAllStores();
		await stopEngine();
	}
	console.log(`\nload at the end: ${loadAverage()}`);
}

void main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
