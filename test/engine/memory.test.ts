/**
 * No node keeps per-item state after its execution: every node of the package (embedded
 * store, the benches' items and parameters, test/bench/engine-nodes.ts) runs 10 executions
 * of 10,000 items in this process, and the V8 heap after a full GC at the end must be
 * within a margin of the heap after the first execution. A node that kept something per
 * item (a map of keys, listeners, a cache without a bound) would hold 9 × 10,000 more of it.
 * Asserts memory, never time.
 *
 * A full GC needs `--expose-gc`: without the flag the test sets it at run time through
 * V8 (`v8.setFlagsFromString`), so it runs under scripts/run-tests.mjs as it is.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { fullGc } from '../bench/engine-gc';
import { caseNode, ENGINE_CASES, generateItems } from '../bench/engine-nodes';
import { runWorkflow, stopEngine } from './harness';

const EXECUTIONS = 10;
const ITEMS = 10_000;
const MB = 1024 * 1024;
/**
 * What the heap may grow from the first execution to the last: allocator noise, n8n's and
 * V8's own caches filling. 9 executions × 10,000 items kept at even 100 bytes each would be
 * 8.6 MB, over it.
 */
const MARGIN_MB = 6;

const gc = fullGc();

/** heapUsed after full GCs (two: weak references and finalizers free more on the second). */
function settledHeap(): number {
	gc();
	gc();
	return process.memoryUsage().heapUsed;
}

describe('memory: no node keeps per-item state after its execution', () => {
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	for (const engineCase of ENGINE_CASES) {
		test(`${engineCase.label}: ${EXECUTIONS} executions of ${ITEMS} items`, async (t) => {
			const heaps: number[] = [];
			for (let execution = 0; execution < EXECUTIONS; execution++) {
				const node = caseNode(engineCase);
				const result = await runWorkflow({
					workflow: { nodes: [node], connections: {} },
					startItems: generateItems(engineCase, ITEMS),
					startNode: node.name,
				});
				assert.equal(result.status, 'success', result.error?.message);
				const ran = result.nodes[node.name];
				const out = ran.outputs.reduce(
					(sum, output, index) =>
						sum + (/drift report/i.test(ran.outputNames[index]) ? 0 : output.length),
					0,
				);
				assert.equal(out, ITEMS, `execution ${execution + 1}: every item leaves once`);
				heaps.push(settledHeap());
			}
			const growthMb = (heaps[heaps.length - 1] - heaps[0]) / MB;
			const trace = heaps.map((heap) => (heap / MB).toFixed(1)).join(', ');
			t.diagnostic(`heap growth ${growthMb.toFixed(1)} MB (MB after each execution: ${trace})`);
			assert.ok(
				growthMb < MARGIN_MB,
				`the heap grew ${growthMb.toFixed(1)} MB from the first execution to the last (MB after each: ${trace})`,
			);
		});
	}
});
