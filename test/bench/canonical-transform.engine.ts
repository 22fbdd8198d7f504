// Canonical Transform's 12-field benchmark mapping in process, on the engine harness
// (n8n-core's WorkflowExecute, test/engine/harness.ts): the node's own executionTime per
// item next to No Operation's (the floor) and the Code node's script run directly in
// this process with luxon (no task runner, no sandbox: a lower bound of the Code node's
// cost; the real-n8n benchmark, canonical-transform.ts, measures the node itself).
// Same items and mapping as canonical-transform.ts. Prints a table; asserts nothing.
//
//   export PATH=$PWD/node_modules/.bin:$PATH      # Node 24
//   npx tsc -p tsconfig.json
//   node --expose-gc build/test/bench/canonical-transform.engine.js [sizes] [contenders]
//
// One warm-up and BENCH_REPEATS (3) timed rounds per size and contender; min and median.
// Heap: growth of the used heap over one execution (the input items excluded, the output
// included, no GC forced in between: an upper bound of the peak), and what is left after
// the result is dropped and GC runs (with --expose-gc).
import os from 'node:os';
import { DateTime } from 'luxon';
import type { INode, INodeExecutionData } from 'n8n-workflow';

import { runWorkflow } from '../engine/harness';
import { canonicalTransformBench as bench } from './canonical-transform';

type Contender = 'noop' | 'code' | 'transform';

const sizes = (process.argv[2] ?? '1000,10000,100000').split(',').map(Number);
const contenders = (process.argv[3] ?? 'noop,code,transform').split(',') as Contender[];
const ROUNDS = Number(process.env.BENCH_REPEATS ?? 3);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function items(count: number): INodeExecutionData[] {
	return new Function(bench.generatorCode(count))() as INodeExecutionData[];
}

const codeNode = bench.contenderNode('code').parameters as { jsCode: string };
const codeScript = new Function('$input', 'DateTime', codeNode.jsCode) as (
	input: { all(): INodeExecutionData[] },
	dateTime: typeof DateTime,
) => INodeExecutionData[];

/** One execution: milliseconds inside the contender and the number of items out. */
async function once(contender: Contender, input: INodeExecutionData[]): Promise<[number, number]> {
	if (contender === 'code') {
		const started = process.hrtime.bigint();
		const copies = input.map((item) => ({ json: item.json }));
		const out = codeScript({ all: () => copies }, DateTime);
		return [Number(process.hrtime.bigint() - started) / 1e6, out.length];
	}
	const node =
		contender === 'noop'
			? {
					id: 'noop',
					name: bench.measured,
					type: 'n8n-nodes-base.noOp',
					typeVersion: 1,
					position: [0, 0] as [number, number],
					parameters: {},
				}
			: {
					...bench.contenderNode('transform'),
					id: 'transform',
					type: 'n8n-nodes-integration-guards.canonicalTransform',
					position: [0, 0] as [number, number],
				};
	const result = await runWorkflow({
		workflow: { nodes: [node as INode], connections: {} },
		startItems: input,
	});
	const run = result.nodes[bench.measured];
	if (result.status !== 'success' || run === undefined)
		throw new Error(`${contender} failed: ${result.error?.message ?? run?.error?.message}`);
	return [run.task.executionTime, run.outputs[0].length];
}

async function main(): Promise<void> {
	console.log(
		`Node ${process.version}, ${os.cpus().length} cores, load average ${os
			.loadavg()
			.map((load) => load.toFixed(2))
			.join(' ')}; ${ROUNDS} timed rounds after one warm-up`,
	);
	console.log('');
	console.log(
		'| items | contender | min µs/item | median µs/item | heap growth MB | left after GC MB | load |',
	);
	console.log('|---:|---|---:|---:|---:|---:|---:|');
	for (const size of sizes) {
		const input = items(size);
		for (const contender of contenders) {
			const times: number[] = [];
			let growth = 0;
			let left = 0;
			for (let round = 0; round <= ROUNDS; round++) {
				gc();
				const before = process.memoryUsage().heapUsed;
				const [ms, out] = await once(contender, input);
				const after = process.memoryUsage().heapUsed;
				if (out !== size) throw new Error(`${contender}: ${out} items out of ${size}`);
				if (round > 0) {
					times.push((ms * 1000) / size);
					growth = Math.max(growth, (after - before) / 2 ** 20);
				}
				gc();
				left = (process.memoryUsage().heapUsed - before) / 2 ** 20;
			}
			times.sort((a, b) => a - b);
			console.log(
				`| ${size} | ${contender} | ${times[0].toFixed(2)} | ${times[Math.floor(times.length / 2)].toFixed(2)} | ${growth.toFixed(1)} | ${left.toFixed(1)} | ${os.loadavg()[0].toFixed(2)} |`,
			);
		}
	}
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	},
);
