/**
 * Dead Letter Trigger fuzz: random and adversarial JSON (deep, wide, huge strings,
 * hostile keys, wrong types, planted secrets) captured as transient failures, then
 * polled with a schedule whose first wait is 0. Each record is emitted once, by the first
 * poll only, with the payload Capture stored; no planted secret reaches the trigger's
 * output (Capture redacted it); no case hangs.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { fuzzCases, withinMs } from '../support/fuzz';
import { buildWorkflow, runWorkflow, stopEngine, TEST_NOOP, TEST_SOURCE } from './harness';

const DEAD_LETTER = 'n8n-nodes-integration-guards.deadLetter';
const TRIGGER = 'n8n-nodes-integration-guards.deadLetterTrigger';
const CASE_MS = 60_000;
let counter = 0;

describe('Dead Letter Trigger fuzz', () => {
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	for (const fuzz of fuzzCases({ hugeBytes: 256 * 1024 })) {
		test(`captured, then emitted once: ${fuzz.name}`, async () => {
			const queue = `fuzz-trigger-${process.pid}-${++counter}`;
			// Each item failed with a 503: a transient record whatever its fields.
			const items = (JSON.parse(fuzz.items) as IDataObject[]).map((json) => ({
				...json,
				error: 'Service Unavailable (503)',
			}));
			const captured = await withinMs(CASE_MS, 'capture', () =>
				runWorkflow({
					workflow: buildWorkflow(
						[
							{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
							{
								name: 'Capture',
								type: DEAD_LETTER,
								typeVersion: 2.1,
								parameters: {
									operation: 'capture',
									scope: queue,
									payloadFrom: 'item',
									options: {},
								},
							},
						],
						[['Source', 'Capture']],
					),
				}),
			);
			assert.equal(captured.status, 'success', captured.error?.message);
			const ids = [...captured.nodes.Capture.outputs[0], ...captured.nodes.Capture.outputs[1]].map(
				(item) => (item.json.deadLetter as IDataObject).id as string,
			);
			assert.equal(ids.length, items.length, 'every item captured');

			const poll = () =>
				withinMs(CASE_MS, 'poll', () =>
					runWorkflow({
						workflow: buildWorkflow(
							[
								{
									name: 'Trigger',
									type: TRIGGER,
									parameters: { scope: queue, transientMinutes: '0', maxRecords: 10_000 },
								},
								{ name: 'Sink', type: TEST_NOOP },
							],
							[['Trigger', 'Sink']],
						),
					}),
				);
			const first = await poll();
			assert.equal(first.status, 'success', first.error?.message);
			const records: INodeExecutionData[] = first.nodes.Trigger.outputs[0];
			assert.deepEqual(
				records.map((item) => (item.json.deadLetter as IDataObject).id).sort(),
				[...ids].sort(),
				'each record emitted once',
			);
			const text = JSON.stringify(records.map((item) => item.json));
			for (const secret of fuzz.secrets)
				assert.ok(!text.includes(secret), `a planted secret reached the trigger's output`);
			const second = await poll();
			assert.equal(second.status, 'success', second.error?.message);
			assert.equal(second.nodes.Trigger, undefined, 'leased: nothing is emitted twice');
		});
	}
});
