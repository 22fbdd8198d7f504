/**
 * Dead Letter Trigger fuzz: random and adversarial JSON (deep, wide, huge strings,
 * hostile keys, wrong types, planted secrets) captured as transient failures, then
 * polled with a schedule whose first wait is 0. Each record leaves the first poll once:
 * on Records with the payload exactly as captured (Dead Letter 2.2's item), or — when
 * redaction took values from it and no key opens them — on Alerts as needing input,
 * naming them, never sent with a placeholder. No planted secret reaches the Alerts, no
 * record leaves twice, no case hangs.
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
								typeVersion: 2.2,
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
			const alerts: INodeExecutionData[] = first.nodes.Trigger.outputs[1];
			const idOf = (item: INodeExecutionData) => (item.json.deadLetter as IDataObject).id as string;
			assert.ok(alerts.every((item) => item.json.kind === 'needsInput'));
			assert.deepEqual(
				[...records, ...alerts].map(idOf).sort(),
				[...ids].sort(),
				'each record leaves once: sent, or held for input',
			);
			for (const item of records) {
				// The record's index in the batch is the last part of its id.
				const index = parseInt(idOf(item).slice(-12), 16);
				// Capture keeps the item as the vendor node was given it: without the error it added.
				const given = Object.fromEntries(
					Object.entries(items[index]).filter(([key]) => key !== 'error'),
				);
				assert.deepEqual(item.json.payload, given, 'sent exactly as captured');
				assert.ok(!JSON.stringify(item.json.payload).includes('[REDACTED]'));
			}
			for (const item of alerts)
				assert.ok(((item.json.deadLetter as IDataObject).needsInput as string[]).length > 0);
			const text = JSON.stringify(alerts.map((item) => item.json));
			for (const secret of fuzz.secrets)
				assert.ok(!text.includes(secret), `a planted secret reached the trigger's Alerts`);
			const second = await poll();
			assert.equal(second.status, 'success', second.error?.message);
			assert.equal(second.nodes.Trigger, undefined, 'leased: nothing is emitted twice');
		});
	}
});
