// The in-process engine bench: every node of the package through n8n-core's WorkflowExecute
// (test/engine/harness.ts runWorkflow), no server, no database, the embedded store. One table:
// µs per item inside the node (min and median of the timed rounds) at each size, the No
// Operation floor measured in the same process, and the heap a run of the largest size takes.
// Prints; asserts nothing.
//
//   npm run bench:engine        # or: node --expose-gc build/test/bench/engine.js after tsc
//
// The time is the node's own: process.hrtime around n8n-core's WorkflowExecute.runNode for
// the measured node (what n8n's run data `executionTime` measures, without its whole-ms
// rounding). Each size of each node: one untimed warm-up run, then BENCH_REPEATS timed runs,
// each on freshly generated items (new keys). Heap: heapUsed after a full GC before the run
// (the input items already built), against the highest heapUsed sampled every 2 ms while it
// runs and once when it returns (the outputs still held), i.e. a lower bound of the peak;
// "retained" is heapUsed after a full GC once the run's result is dropped.
//
// Environment: BENCH_SIZES (1000,10000,100000), BENCH_REPEATS (3), BENCH_ONLY (comma-separated
// substrings of row names, e.g. "cost,breaker"; the floor always runs), BENCH_SIZE_SECONDS (90:
// no further timed round of a node at a size once its rounds there took this long; at least one).
import os from 'node:os';

import { WorkflowExecute } from 'n8n-core';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { runWorkflow, stopEngine, waitForWarmIsolate, type EngineResult } from '../engine/harness';
import { fullGc } from './engine-gc';
import { caseNode, ENGINE_CASES, type EngineCase, generateItems } from './engine-nodes';
import { count, intFromEnv, listFromEnv, loadAverage, median, table } from './support';

/** Node name → ns spent in WorkflowExecute.runNode, and the main thread's CPU µs in it, for the latest run of each node. */
const nodeNs = new Map<string, number>();
const nodeCpuUs = new Map<string, number>();
type RunNode = (...args: unknown[]) => Promise<unknown>;
const proto = WorkflowExecute.prototype as unknown as { runNode: RunNode };
const originalRunNode = proto.runNode;
/** The main thread's CPU time (Node 23.9+), µs: what the node cost, however busy the machine. */
const threadCpu = (): number => {
	const used = process.threadCpuUsage();
	return used.user + used.system;
};
proto.runNode = async function timed(this: unknown, ...args: unknown[]): Promise<unknown> {
	const name = (args[1] as { node: { name: string } }).node.name;
	const started = process.hrtime.bigint();
	const cpuStarted = threadCpu();
	try {
		return await originalRunNode.apply(this, args);
	} finally {
		nodeNs.set(name, Number(process.hrtime.bigint() - started));
		nodeCpuUs.set(name, threadCpu() - cpuStarted);
	}
};

interface Round {
	ms: number;
	/** The main thread's CPU time in runNode, ms (the GC work done on it included). */
	cpuMs: number;
	/** MB above the post-GC baseline. */
	peakMb: number;
	retainedMb: number;
}

interface CaseSize {
	items: number;
	rounds: Round[];
	failure?: string;
	note?: string;
}

const gc = fullGc();
const MB = 1024 * 1024;

/** One execution of the case's node on `items` generated items: its time and heap, or why it failed. */
async function runOnce(engineCase: EngineCase, items: number): Promise<Round> {
	const node = caseNode(engineCase);
	let startItems = generateItems(engineCase, items);
	await waitForWarmIsolate();
	gc();
	const base = process.memoryUsage().heapUsed;
	let peak = base;
	const sampler = setInterval(() => {
		peak = Math.max(peak, process.memoryUsage().heapUsed);
	}, 2);
	nodeNs.delete(node.name);
	nodeCpuUs.delete(node.name);
	let result: EngineResult | undefined;
	try {
		result = await runWorkflow({
			workflow: { nodes: [node], connections: {} },
			startItems,
			startNode: node.name,
		});
		peak = Math.max(peak, process.memoryUsage().heapUsed);
	} finally {
		clearInterval(sampler);
	}
	const ns = nodeNs.get(node.name);
	const cpuUs = nodeCpuUs.get(node.name) ?? NaN;
	const problem = check(result, node.name, items);
	startItems = [];
	result = undefined;
	gc();
	const retained = process.memoryUsage().heapUsed;
	if (problem) throw new Error(problem);
	if (ns === undefined) throw new Error('the node did not run');
	return {
		ms: ns / 1e6,
		cpuMs: cpuUs / 1000,
		peakMb: (peak - base) / MB,
		retainedMb: (retained - base) / MB,
	};
}

/** Why the run did not do the whole work, or undefined. */
function check(result: EngineResult, name: string, items: number): string | undefined {
	if (result.status !== 'success')
		return `execution ${result.status}: ${result.error?.message ?? 'no message'}`;
	const ran = result.nodes[name];
	if (!ran) return 'the node did not run';
	if (ran.error) return `node error: ${ran.error.message}`;
	// Every input item leaves once; Schema Guard's Drift Report output adds a summary of its own.
	const out = ran.outputs.reduce(
		(sum, output, index) =>
			sum + (/drift report/i.test(ran.outputNames[index]) ? 0 : output.length),
		0,
	);
	return out === items ? undefined : `put out ${count(out)} of ${count(items)} items`;
}

const message = (error: unknown) =>
	(error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(0, 120);

async function measure(
	engineCase: EngineCase,
	items: number,
	repeats: number,
	sizeMs: number,
	/** The node's median runs at its previous sizes, smallest first: it was warmed up there. */
	previous: Array<{ items: number; ms: number }>,
): Promise<CaseSize> {
	const result: CaseSize = { items, rounds: [] };
	const started = Date.now();
	try {
		// A warm-up loads and compiles the node's code; a node warmed up at a smaller size whose
		// runs here would not all fit BENCH_SIZE_SECONDS with one more skips it.
		const projected = project(previous, items);
		if (previous.length === 0 || projected * (repeats + 1) <= sizeMs)
			await runOnce(engineCase, items);
		else
			result.note = `no warm-up at this size (warmed up at ${count(previous[previous.length - 1].items)} items)`;
		for (let round = 0; round < repeats; round++) {
			if (round > 0 && Date.now() - started > sizeMs) {
				result.note = `${result.note ? `${result.note}; ` : ''}${round} of ${repeats} rounds (BENCH_SIZE_SECONDS)`;
				break;
			}
			result.rounds.push(await runOnce(engineCase, items));
		}
	} catch (error) {
		result.failure = message(error);
	}
	return result;
}

/**
 * One run at `items`, ms, from the runs at the smaller sizes: per item as at the last size,
 * times the growth of the per-item cost between the last two (a cost that grows with the
 * batch, as a quadratic one does, keeps growing).
 */
function project(previous: Array<{ items: number; ms: number }>, items: number): number {
	const last = previous[previous.length - 1];
	if (!last) return 0;
	const before = previous[previous.length - 2];
	const perItem = last.ms / last.items;
	const growth = before ? Math.max(1, perItem / (before.ms / before.items)) : 1;
	return perItem * growth * items;
}

const us = (ms: number, items: number): string => {
	const value = (ms * 1000) / items;
	return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
};

async function main(): Promise<void> {
	const started = Date.now();
	const sizes = [...listFromEnv('BENCH_SIZES', [1_000, 10_000, 100_000])].sort((a, b) => a - b);
	const repeats = intFromEnv('BENCH_REPEATS', 3, 1, 50);
	const sizeMs = intFromEnv('BENCH_SIZE_SECONDS', 90, 1, 3600) * 1000;
	const only = (process.env.BENCH_ONLY ?? '')
		.split(',')
		.map((part) => part.trim().toLowerCase())
		.filter(Boolean);
	const cases = ENGINE_CASES.filter(
		(each, index) =>
			index === 0 ||
			only.length === 0 ||
			only.some((part) => each.label.toLowerCase().includes(part)),
	);
	const largest = sizes[sizes.length - 1];
	console.log(
		`# Engine bench: n8n-core in process, embedded store, ${repeats} timed round(s) after a warm-up`,
	);
	console.log('');
	console.log(
		`${new Date(started).toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, ${os.cpus().length} cores, load average ${loadAverage()} at the start`,
	);
	console.log('');
	const rows: string[][] = [];
	const notes: string[] = [];
	for (const engineCase of cases) {
		const row = [engineCase.label];
		let heap = '';
		let cpu = '';
		const previous: Array<{ items: number; ms: number }> = [];
		for (const items of sizes) {
			process.stderr.write(`[bench:engine] ${engineCase.label}, ${count(items)} items\n`);
			const result = await measure(engineCase, items, repeats, sizeMs, previous);
			const times = result.rounds.map((round) => round.ms);
			if (times.length) previous.push({ items, ms: median(times) });
			if (result.failure) {
				row.push(`failed${times.length ? ` after ${times.length} round(s)` : ''}`);
				notes.push(`${engineCase.label}, ${count(items)} items: ${result.failure}`);
			} else {
				row.push(`${us(Math.min(...times), items)} / ${us(median(times), items)}`);
			}
			if (result.note) notes.push(`${engineCase.label}, ${count(items)} items: ${result.note}`);
			if (items === largest && result.rounds.length) {
				const cpuTimes = result.rounds.map((round) => round.cpuMs);
				cpu = `${us(Math.min(...cpuTimes), items)} / ${us(median(cpuTimes), items)}`;
				const per100k = 100_000 / items;
				heap = `${(Math.max(...result.rounds.map((round) => round.peakMb)) * per100k).toFixed(0)} / ${(median(result.rounds.map((round) => round.retainedMb)) * per100k).toFixed(1)}`;
			}
			process.stderr.write(
				`[bench:engine]   ${times.map((ms) => `${ms.toFixed(1)} ms`).join(', ')}${result.failure ? ` failed: ${result.failure}` : ''}\n`,
			);
		}
		row.push(cpu || 'n/a', heap || 'n/a', loadAverage().split(' ')[0]);
		rows.push(row);
	}
	await closeAllStores();
	await stopEngine();
	console.log(
		table(
			[
				'node',
				...sizes.map((items) => `${count(items)} items µs/item min / median`),
				`CPU µs/item min / median (${count(largest)} items)`,
				`heap MB per 100k: peak Δ / retained (${count(largest)} items)`,
				'load (1 min)',
			],
			rows,
		),
	);
	console.log('');
	for (const note of notes) console.log(`- ${note}`);
	if (notes.length) console.log('');
	console.log(
		`Total ${((Date.now() - started) / 1000).toFixed(0)} s; load average ${loadAverage()} at the end.`,
	);
}

if (require.main === module)
	main()
		.catch((error: unknown) => {
			console.error(error instanceof Error ? (error.stack ?? error.message) : error);
			process.exitCode = 1;
		})
		// The expression isolate pool and store handles would keep the process alive.
		.finally(() => process.exit());
