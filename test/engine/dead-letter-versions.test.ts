/**
 * What Capture's items carry, per node version, through the real n8n engine (embedded
 * store). Version 2.1 (issue 17) outputs the record's summary and the correlation ID, not
 * the payload and its binary again: a 100,000-item capture filled n8n's run data with a
 * second copy of every record. Workflows saved with versions 1 and 2 keep their output.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INode } from 'n8n-workflow';

import { DeadLetter } from '../../nodes/DeadLetter/DeadLetter.node';
import { closeAllStores } from '../../nodes/shared/stores/factory';
import {
	assertEachInputLeavesOnce,
	buildWorkflow,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
	type EngineResult,
	type Link,
} from './harness';

const DEAD_LETTER = 'n8n-nodes-integration-guards.deadLetter';
let queues = 0;

/** Two failed items as n8n's error output hands them on (the record, `error` beside it), with a file. */
const RECORDS = [
	{
		id: 1,
		email: 'a@example.com',
		error: { message: 'Request failed with status code 503', httpCode: '503' },
	},
	{
		id: 2,
		email: 'b@example.com',
		correlationId: 'corr-2',
		error: { message: 'Request failed with status code 401', httpCode: '401' },
	},
];

async function capture(typeVersion: number): Promise<EngineResult> {
	const queue = `engine-dl-versions-${process.pid}-${++queues}`;
	const sinks = ['Captured', 'Auth Failure', 'Depth Alert', 'Not Captured'];
	const result = await runWorkflow({
		workflow: buildWorkflow(
			[
				{
					name: 'Source',
					type: TEST_SOURCE,
					parameters: {
						items: JSON.stringify(RECORDS),
						binary: JSON.stringify({
							file: { content: 'hello pdf', fileName: 'a.pdf', mimeType: 'application/pdf' },
						}),
					},
				},
				{
					name: 'Capture',
					type: DEAD_LETTER,
					typeVersion,
					parameters: { operation: 'capture', scope: queue } as INode['parameters'],
				},
				...sinks.map((name) => ({ name, type: TEST_NOOP })),
			],
			[['Source', 'Capture'], ...sinks.map((name, index): Link => ['Capture', index, name])],
		),
		nodeTypes: { [DEAD_LETTER]: DeadLetter },
	});
	assert.equal(result.status, 'success', result.error?.message);
	assertEachInputLeavesOnce(result, 'Capture');
	return result;
}

const summaryKeys = ['id', 'queue', 'outcome', 'status', 'class', 'reason', 'attempt', 'error'];

describe('Capture output per node version', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	for (const version of [1, 2]) {
		test(`version ${version} (saved workflows) outputs the payload, its binary and the full summary, as before`, async () => {
			const result = await capture(version);
			const [captured] = result.output('Capture', 'Captured');
			const [auth] = result.output('Capture', 'Auth Failure');
			assert.deepEqual(captured.pairedItem, { item: 0 });
			assert.deepEqual(auth.pairedItem, { item: 1 });
			assert.equal(captured.json.id, 1);
			assert.equal(captured.json.email, 'a@example.com');
			assert.equal(captured.json.error, undefined);
			assert.equal(auth.json.correlationId, 'corr-2');
			assert.equal(captured.binary?.file.fileName, 'a.pdf');
			const summary = captured.json.deadLetter as IDataObject;
			assert.deepEqual(Object.keys(summary), [...summaryKeys, 'correlationId', 'idempotencyKey']);
			assert.equal(summary.correlationId, captured.json.correlationId);
			assert.match(summary.idempotencyKey as string, /^[0-9a-f]{64}$/);
			assert.deepEqual(summary.error, {
				message: 'Request failed with status code 503',
				description: null,
				httpCode: 503,
				code: null,
			});
			assert.equal(summary.outcome, 'captured');
			assert.equal(summary.class, 'transient');
		});
	}

	test('version 2.1 (new nodes) outputs the summary and the correlation ID only: no payload, no binary', async () => {
		const result = await capture(2.1);
		const [captured] = result.output('Capture', 'Captured');
		const [auth] = result.output('Capture', 'Auth Failure');
		assert.deepEqual(captured.pairedItem, { item: 0 });
		assert.deepEqual(auth.pairedItem, { item: 1 });
		assert.deepEqual(Object.keys(captured.json), ['correlationId', 'deadLetter']);
		assert.equal(captured.binary, undefined);
		assert.equal(auth.json.correlationId, 'corr-2');
		const summary = captured.json.deadLetter as IDataObject;
		assert.deepEqual(Object.keys(summary), summaryKeys);
		assert.deepEqual(
			{ ...summary, id: typeof summary.id },
			{
				id: 'string',
				queue: summary.queue,
				outcome: 'captured',
				status: 'pending',
				class: 'transient',
				reason: summary.reason,
				attempt: 1,
				error: {
					message: 'Request failed with status code 503',
					description: null,
					httpCode: 503,
					code: null,
				},
			},
		);
		assert.equal((auth.json.deadLetter as IDataObject).class, 'auth');
	});

	for (const version of [2.1, 2.2]) {
		test(`Replay version ${version}: ${version < 2.2 ? 'the payload with the marker and correlation ID merged in, as before' : 'the payload whole under payload, the marker apart, Needs Input declared'}`, async () => {
			const captured = await capture(version);
			const queue = String(
				(captured.output('Capture', 'Captured')[0].json.deadLetter as IDataObject).queue,
			);
			const sinks = ['Replayed', 'Not Replayed', 'Needs Input'];
			const result = await runWorkflow({
				workflow: buildWorkflow(
					[
						{ name: 'Start', type: TEST_NOOP },
						{
							name: 'Replay',
							type: DEAD_LETTER,
							typeVersion: version,
							parameters: { operation: 'replay', scope: queue } as INode['parameters'],
						},
						...sinks.map((name) => ({ name, type: TEST_NOOP })),
					],
					[['Start', 'Replay'], ...sinks.map((name, index): Link => ['Replay', index, name])],
				),
				nodeTypes: { [DEAD_LETTER]: DeadLetter },
			});
			assert.equal(result.status, 'success', result.error?.message);
			const replayed = result.output('Replay', 'Replay');
			assert.equal(replayed.length, 2);
			if (version < 2.2) {
				assert.deepEqual(result.nodes.Replay.outputNames, ['Replay', 'Not Replayed']);
				assert.deepEqual(Object.keys(replayed[0].json), [
					'id',
					'email',
					'correlationId',
					'deadLetter',
				]);
			} else {
				assert.deepEqual(result.nodes.Replay.outputNames, [
					'Replay',
					'Not Replayed',
					'Needs Input',
				]);
				assert.deepEqual(Object.keys(replayed[0].json), ['payload', 'deadLetter']);
				assert.deepEqual(replayed[0].json.payload, { id: 1, email: 'a@example.com' });
				assert.deepEqual(replayed[1].json.payload, {
					id: 2,
					email: 'b@example.com',
					correlationId: 'corr-2',
				});
			}
			assert.equal(replayed[0].binary?.file.fileName, 'a.pdf');
		});
	}
});
