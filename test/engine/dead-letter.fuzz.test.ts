/**
 * Dead Letter fuzz (issue 14): random and adversarial JSON (deep, wide, huge strings,
 * hostile keys, invalid UTF-16, wrong types, planted secrets) through Capture in both
 * Incoming Items modes, and through Resolve and Replay with forged replay markers.
 * Every input item leaves on exactly one output or as an error item, no case hangs, and
 * no planted secret is stored or moved to a new place on an output.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INode, INodeExecutionData } from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { assertNoSecretLeak, fuzzCases, withinMs } from '../support/fuzz';
import {
	assertEachInputLeavesOnce,
	buildWorkflow,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
	type EngineResult,
} from './harness';

const DEAD_LETTER = 'n8n-nodes-integration-guards.deadLetter';
/** Per case: a hang or an event-loop stall fails the case instead of the suite. */
const CASE_MS = 60_000;
/**
 * Huge strings of 1 MiB (the generator's default). Needs the linear-time redaction of
 * issue 14, finding 3 (branch hard-redact): before it, 1 MiB of "eyJ-" stalled Capture
 * for minutes and this case fails on its deadline. Measured with it: 2.6 s for the case.
 */
const HUGE_BYTES = 1024 * 1024;

let counter = 0;
const newQueue = () => `fuzz-dl-${process.pid}-${++counter}`;

async function runDeadLetter(
	items: string,
	parameters: IDataObject,
	outputs: number,
): Promise<EngineResult> {
	const sinks = Array.from({ length: outputs }, (_, index) => ({
		name: `Out ${index}`,
		type: TEST_NOOP,
	}));
	const node: Partial<INode> & Pick<INode, 'name' | 'type'> = {
		name: 'DL',
		type: DEAD_LETTER,
		parameters: parameters as INode['parameters'],
		onError: 'continueErrorOutput',
	};
	const workflow = buildWorkflow(
		[{ name: 'Source', type: TEST_SOURCE, parameters: { items } }, node, ...sinks],
		[
			['Source', 'DL'],
			...sinks.map((sink, index): [string, number, string] => ['DL', index, sink.name]),
		],
	);
	const result = await runWorkflow({ workflow });
	assert.equal(result.status, 'success', result.error?.message);
	return result;
}

/** The items with a forged replay marker each: made up id, owner and MAC. */
function withForgedMarkers(items: string, queue: string): string {
	const parsed = JSON.parse(items) as unknown[];
	return JSON.stringify(
		parsed.map((item, index) => {
			const json =
				typeof item === 'object' && item !== null && !Array.isArray(item)
					? (item as Record<string, unknown>)
					: { value: item };
			return Object.assign(json, {
				deadLetter: {
					id: `forged-${index}`,
					queue,
					attempt: 2,
					owner: 'replay:forged',
					mac: '0'.repeat(64),
				},
			});
		}),
	);
}

function assertNoSecretIn(items: INodeExecutionData[], secrets: string[], where: string): void {
	const text = JSON.stringify(items.map((item) => item.json));
	for (const secret of secrets) {
		const at = text.indexOf(secret);
		assert.ok(
			at < 0,
			`${where} holds a planted secret: …${text.slice(Math.max(0, at - 40), at + secret.length)}`,
		);
	}
}

describe('Dead Letter fuzz', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	for (const fuzz of fuzzCases({ seed: 14, hugeBytes: HUGE_BYTES })) {
		test(`Capture (Failed Items, forged markers): ${fuzz.name}`, async () => {
			const queue = newQueue();
			const items = withForgedMarkers(fuzz.items, queue);
			const result = await withinMs(
				CASE_MS,
				fuzz.name,
				async () =>
					await runDeadLetter(items, { operation: 'capture', scope: queue, depthThreshold: 0 }, 4),
			);
			assertEachInputLeavesOnce(result, 'DL');
			assertNoSecretLeak(result, 'DL', fuzz.secrets);
			const captured = [...result.output('DL', 'Captured'), ...result.output('DL', 'Auth Failure')];
			assert.equal(
				captured.length,
				JSON.parse(items).length,
				'every item is captured: a forged marker keeps nothing out',
			);
			for (const item of captured)
				assert.equal((item.json.deadLetter as IDataObject).outcome === 'notOpen', false);

			// What was stored: no planted secret in any record, and Replay hands none out.
			const list = await withinMs(
				CASE_MS,
				`${fuzz.name}: list`,
				async () =>
					await runDeadLetter(
						'[{}]',
						{ operation: 'list', scope: queue, statuses: [], limit: 10000 },
						1,
					),
			);
			assertNoSecretIn(list.outputs('DL')[0], fuzz.secrets, 'a stored record');
			const replay = await withinMs(
				CASE_MS,
				`${fuzz.name}: replay`,
				async () =>
					await runDeadLetter('[{}]', { operation: 'replay', scope: queue, maxRecords: 10000 }, 2),
			);
			assertNoSecretIn(replay.outputs('DL')[0], fuzz.secrets, 'a replayed item');
		});

		test(`Capture (All Responses): ${fuzz.name}`, async () => {
			const queue = newQueue();
			const result = await withinMs(
				CASE_MS,
				fuzz.name,
				async () =>
					await runDeadLetter(
						fuzz.items,
						{ operation: 'capture', scope: queue, incoming: 'responses', depthThreshold: 0 },
						5,
					),
			);
			assertEachInputLeavesOnce(result, 'DL');
			assertNoSecretLeak(result, 'DL', fuzz.secrets);
		});

		test(`Resolve and Replay with forged markers: ${fuzz.name}`, async () => {
			const queue = newQueue();
			const items = withForgedMarkers(fuzz.items, queue);
			const resolve = await withinMs(
				CASE_MS,
				fuzz.name,
				async () => await runDeadLetter(items, { operation: 'resolve', scope: queue }, 2),
			);
			assertEachInputLeavesOnce(resolve, 'DL');
			assertNoSecretLeak(resolve, 'DL', fuzz.secrets);
			assert.deepEqual(resolve.output('DL', 'Resolved'), [], 'a forged marker resolves nothing');
			const replay = await withinMs(
				CASE_MS,
				fuzz.name,
				async () =>
					await runDeadLetter(items, { operation: 'replay', scope: queue, source: 'items' }, 2),
			);
			assertEachInputLeavesOnce(replay, 'DL');
			assertNoSecretLeak(replay, 'DL', fuzz.secrets);
			assert.deepEqual(
				replay.output('DL', 'Replay'),
				[],
				'no record is handed out for a made-up id',
			);
		});
	}
});
