/**
 * A failed execution as n8n's public API returns it, taken apart: the failed node, its
 * error and the items it was given (issue 19, item 3). Hostile shapes included.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
	FailedExecutionError,
	MAX_EXECUTION_ITEMS,
	readFailedExecution,
} from '../../../nodes/shared/core/deadletter';

const error = { message: 'Service unavailable', httpCode: '503', node: { name: 'Call' } };

function execution(runData: unknown, extra: Record<string, unknown> = {}) {
	return {
		id: '9',
		workflowId: 'w',
		workflowData: { id: 'w', name: 'Sync' },
		data: { resultData: { runData, lastNodeExecuted: 'Call', error } },
		...extra,
	};
}

const items = (count: number, from = 0) =>
	Array.from({ length: count }, (_, index) => ({ json: { n: from + index } }));

function reason(value: unknown, hint = {}): string {
	try {
		readFailedExecution(value, hint);
	} catch (caught) {
		assert.ok(caught instanceof FailedExecutionError, String(caught));
		return caught.message;
	}
	assert.fail('did not throw');
}

describe('readFailedExecution', () => {
	test("the failed node's input from the output and run its source names; workflow and error", () => {
		const read = readFailedExecution(
			execution({
				A: [{ data: { main: [items(1)] } }, { data: { main: [items(2, 10), items(3, 20)] } }],
				Call: [
					{ error, source: [{ previousNode: 'A', previousNodeOutput: 1, previousNodeRun: 1 }] },
				],
			}),
		);
		assert.deepEqual(
			read.items.map((item) => item.json.n),
			[20, 21, 22],
		);
		assert.equal(read.failedNode, 'Call');
		assert.deepEqual(read.workflow, { id: 'w', name: 'Sync' });
		assert.equal(read.executionId, '9');
		assert.deepEqual(read.error, error);
		assert.equal(read.truncated, false);
	});

	test('several inputs (a Merge) in order; inputOverride wins; binary references kept', () => {
		const binary = { file: { id: 'filesystem-v2:x', fileName: 'a.pdf' } };
		const merged = readFailedExecution(
			execution({
				A: [{ data: { main: [items(1)] } }],
				B: [{ data: { main: [[{ json: { n: 5 }, binary }]] } }],
				Call: [{ error, source: [{ previousNode: 'A' }, { previousNode: 'B' }] }],
			}),
		);
		assert.deepEqual(merged.items, [
			{ json: { n: 0 }, binary: null },
			{ json: { n: 5 }, binary },
		]);
		const overridden = readFailedExecution(
			execution({ Call: [{ error, inputOverride: { main: [items(2, 7)] }, source: [] }] }),
		);
		assert.deepEqual(
			overridden.items.map((item) => item.json.n),
			[7, 8],
		);
	});

	test('the node from the error, else lastNodeExecuted, else the Error Trigger; a trigger failure has no items', () => {
		const read = readFailedExecution(
			{ id: 3, data: { resultData: { runData: { T: [{ error: { message: 'x' } }] } } } },
			{ failedNode: 'T' },
		);
		assert.equal(read.failedNode, 'T');
		assert.equal(read.executionId, '3');
		assert.deepEqual(read.items, []);
		assert.equal(read.workflow.id, null);
	});

	test('what cannot be read says why', () => {
		assert.match(reason(null), /did not answer with an execution/);
		assert.match(reason({ id: '1' }), /was saved without its data/);
		assert.match(reason({ id: '1', dataTooLargeToDisplay: true }), /too large/);
		assert.match(
			reason({ id: '1', data: { resultData: { runData: {} } } }),
			/does not say which node failed/,
		);
	});

	test('hostile shapes: wrong types, __proto__ node names, sources that point nowhere, huge inputs', () => {
		const hostile = readFailedExecution(
			execution({
				A: 'not runs',
				Call: [
					{
						error,
						source: [
							null,
							{ previousNode: '__proto__' },
							{ previousNode: 'A' },
							{ previousNode: 'Missing' },
							{ previousNode: 'B', previousNodeRun: 'x', previousNodeOutput: -1 },
						],
					},
				],
				B: [{ data: { main: [[{ json: 'text' }, null, { json: { ok: 1 } }]] } }],
			}),
		);
		assert.deepEqual(hostile.items, []);
		const big = readFailedExecution(
			execution({
				A: [{ data: { main: [items(MAX_EXECUTION_ITEMS + 5)] } }],
				Call: [{ error, source: [{ previousNode: 'A' }] }],
			}),
		);
		assert.equal(big.items.length, MAX_EXECUTION_ITEMS);
		assert.equal(big.truncated, true);
	});
});
