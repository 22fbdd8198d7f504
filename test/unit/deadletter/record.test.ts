/**
 * The record's life at the core level: statuses (a lease that ran out is pending
 * again), attempts, poison parking, IDs, and taking a failed item apart — then the same
 * lease-expiry semantics against the real embedded store.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import {
	asDeadLetterData,
	asReplayMarker,
	sentPayload,
	splitSentItem,
	attemptOf,
	deadLetterId,
	deadLetterStatus,
	describeDeadLetter,
	planReplay,
	splitFailedItem,
	statusAfterFailedAttempt,
	storeStatusOf,
	type DeadLetterData,
	type QueueEntryLike,
} from '../../../nodes/shared/core/deadletter';
import { SqliteStore } from '../../../nodes/shared/stores/sqlite';

const NOW = 1_800_000_000_000;

function entry(overrides: Partial<QueueEntryLike> = {}): QueueEntryLike {
	return {
		id: 'dl-1',
		status: 'pending',
		category: 'transient',
		data: data() as never,
		attempts: 0,
		enqueuedAt: NOW - 120_000,
		updatedAt: NOW - 60_000,
		leaseUntil: null,
		leaseOwner: null,
		...overrides,
	};
}

function data(overrides: Partial<DeadLetterData> = {}): DeadLetterData {
	return {
		v: 1,
		payload: { id: 7 },
		binary: null,
		error: {
			message: 'HTTP 503',
			description: null,
			httpCode: 503,
			code: null,
			name: null,
			messages: [],
			body: null,
			bodyTruncated: false,
			retryAfterSeconds: null,
		},
		class: 'transient',
		reason: 'HTTP 503',
		failedNode: 'Vendor',
		workflow: { id: 'w1', name: 'Sync' },
		executionId: '42',
		correlationId: 'c-1',
		idempotencyKey: 'k'.repeat(64),
		redacted: [],
		...overrides,
	};
}

describe('status and lease expiry', () => {
	it('a held lease is replaying; one that ran out is pending again', () => {
		assert.equal(deadLetterStatus({ status: 'leased', leaseUntil: NOW + 1 }, NOW), 'replaying');
		assert.equal(
			deadLetterStatus({ status: 'leased', leaseUntil: NOW }, NOW),
			'pending',
			'expires at its end',
		);
		assert.equal(deadLetterStatus({ status: 'leased', leaseUntil: NOW - 1 }, NOW), 'pending');
		assert.equal(deadLetterStatus({ status: 'leased', leaseUntil: null }, NOW), 'pending');
		assert.equal(deadLetterStatus({ status: 'pending', leaseUntil: null }, NOW), 'pending');
		assert.equal(deadLetterStatus({ status: 'done', leaseUntil: null }, NOW), 'resolved');
		assert.equal(deadLetterStatus({ status: 'discarded', leaseUntil: null }, NOW), 'poison');
	});

	it('maps statuses to the store and back', () => {
		assert.deepEqual(
			['pending', 'replaying', 'resolved', 'poison'].map((status) =>
				storeStatusOf(status as never),
			),
			['pending', 'leased', 'done', 'discarded'],
		);
	});

	it('the attempt is the first failure plus one per lease', () => {
		assert.equal(attemptOf({ attempts: 0 }), 1);
		assert.equal(attemptOf({ attempts: 3 }), 4);
	});

	it('parks records leased past Max Attempts (replays that kept dying) instead of handing them out', () => {
		const plan = planReplay(
			[{ attempts: 1 }, { attempts: 2 }, { attempts: 3 }, { attempts: 9 }],
			3,
		);
		assert.deepEqual(plan.replay.map(attemptOf), [2, 3]);
		assert.deepEqual(plan.park.map(attemptOf), [4, 10]);
	});

	it('a failed attempt returns the record, or parks it at the maximum', () => {
		assert.equal(statusAfterFailedAttempt(2, 3), 'pending');
		assert.equal(statusAfterFailedAttempt(3, 3), 'discarded');
		assert.equal(statusAfterFailedAttempt(7, 3), 'discarded');
		assert.equal(statusAfterFailedAttempt(1, 1), 'discarded');
	});

	it('describes a record with the status at `now`', () => {
		const view = describeDeadLetter(
			entry({ status: 'leased', attempts: 1, leaseUntil: NOW - 1, leaseOwner: 'r1' }),
			NOW,
			'sync',
		);
		assert.equal(view.status, 'pending');
		assert.equal(view.leaseUntil, null);
		assert.equal(view.attempt, 2);
		assert.equal(view.ageMinutes, 2);
		assert.equal(view.queue, 'sync');
		assert.equal(
			describeDeadLetter(entry({ status: 'leased', leaseUntil: NOW + 60_000 }), NOW, 'sync').status,
			'replaying',
		);
	});

	it('refuses queue data that is not a dead letter', () => {
		assert.throws(() => asDeadLetterData({ something: 'else' }), /not a dead letter/);
		assert.equal(asDeadLetterData({ ...data(), class: 'weird' } as never).class, 'unknown');
	});
});

describe('deadLetterId', () => {
	it('is the same for the same batch and item, so a retried capture stores nothing twice', () => {
		assert.equal(deadLetterId('batch-a', 3), deadLetterId('batch-a', 3));
		assert.notEqual(deadLetterId('batch-a', 3), deadLetterId('batch-b', 3));
	});

	it('is a UUIDv8 whose order within a batch is the item order', () => {
		const ids = [0, 1, 2, 10, 255, 4096].map((index) => deadLetterId('batch', index));
		for (const id of ids)
			assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
		assert.deepEqual([...ids].sort(), ids);
	});

	it('without a batch (no execution ID) is a fresh UUIDv7', () => {
		const id = deadLetterId(null, 0);
		assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
		assert.notEqual(id, deadLetterId(null, 0));
	});
});

describe('splitFailedItem', () => {
	const fields = { error: 'error', output: 'deadLetter' };

	it('gives back the item as it was before the failing node', () => {
		const parts = splitFailedItem(
			{
				id: 1,
				email: 'a@x.test',
				error: { message: 'x' },
				details: { message: 'm', httpCode: '400', body: {} },
				deadLetter: { id: 'dl-1', queue: 'q', attempt: 2, edited: true },
			},
			fields,
		);
		assert.deepEqual(parts.payload, { id: 1, email: 'a@x.test' });
		assert.deepEqual(parts.error, { message: 'x' });
		assert.deepEqual(parts.details, { message: 'm', httpCode: '400', body: {} });
		assert.deepEqual(parts.replay, {
			id: 'dl-1',
			queue: 'q',
			attempt: 2,
			edited: true,
			owner: null,
			mac: null,
			payloadField: null,
		});
	});

	it('keeps a payload field called details, and a deadLetter field that is not a replay marker', () => {
		const parts = splitFailedItem(
			{ details: { color: 'red' }, deadLetter: 'note', error: 'x' },
			fields,
		);
		assert.deepEqual(parts.payload, { details: { color: 'red' }, deadLetter: 'note' });
		assert.equal(parts.replay, null);
	});

	it('keeps __proto__ as data', () => {
		const parts = splitFailedItem(
			JSON.parse('{"__proto__": {"x": 1}, "error": "e"}') as Record<string, unknown>,
			fields,
		);
		assert.ok(Object.hasOwn(parts.payload, '__proto__'));
		assert.equal(Object.getPrototypeOf(parts.payload), Object.prototype);
	});

	it('reads replay markers strictly', () => {
		assert.equal(asReplayMarker({ id: 'x', queue: 'q', attempt: 0 }), null);
		assert.equal(asReplayMarker({ id: '', queue: 'q', attempt: 2 }), null);
		assert.equal(asReplayMarker({ id: 'x', queue: 'q', attempt: 1.5 }), null);
		assert.deepEqual(asReplayMarker({ id: 'x', queue: 'q', attempt: 2 }), {
			id: 'x',
			queue: 'q',
			attempt: 2,
			edited: false,
			owner: null,
			mac: null,
			payloadField: null,
		});
		assert.deepEqual(asReplayMarker({ id: 'x', queue: 'q', attempt: 2, owner: 'o', mac: 'm' }), {
			id: 'x',
			queue: 'q',
			attempt: 2,
			edited: false,
			owner: 'o',
			mac: 'm',
			payloadField: null,
		});
	});

	it('sentPayload strips the error fields only from an item that is itself an error item', () => {
		const fields = { error: 'error', output: 'deadLetter' };
		assert.deepEqual(
			sentPayload(
				{ id: 1, error: { message: 'x' }, details: { httpCode: '503', message: 'm' } },
				fields,
			).payload,
			{ id: 1 },
		);
		assert.deepEqual(
			sentPayload({ id: 1, error: null, details: { httpCode: 'x' } }, fields).payload,
			{ id: 1, error: null, details: { httpCode: 'x' } },
		);
	});

	it('splitSentItem keeps the record as sent, error-looking fields included, without the replay marker', () => {
		const parts = splitSentItem(
			{
				id: 1,
				error: null,
				details: { httpCode: 'x' },
				deadLetter: { id: 'dl-1', queue: 'q', attempt: 2 },
			},
			'deadLetter',
		);
		assert.deepEqual(parts.payload, { id: 1, error: null, details: { httpCode: 'x' } });
		assert.equal(parts.replay?.id, 'dl-1');
	});
});

describe('lease expiry on the embedded store', () => {
	const folder = mkdtempSync(path.join(tmpdir(), 'dl-unit-'));
	const store = new SqliteStore({ backend: 'sqlite', file: path.join(folder, 'guards.sqlite') });
	const queue = store.queue;
	after(async () => {
		await store.close();
		rmSync(folder, { recursive: true, force: true });
	});

	it('a replay that never settles loses nothing: its records come back, counted, then park as poison', async () => {
		const name = 'deadletter:unit-lease';
		await queue.enqueue(name, [
			{ id: deadLetterId('unit', 0), category: 'transient', data: data() },
			{ id: deadLetterId('unit', 1), category: 'data', data: data({ class: 'data' }) },
		]);
		const first = await queue.lease(name, { limit: 10, leaseMs: 60, owner: 'replay-1' });
		assert.deepEqual(
			first.map((leased) => attemptOf(leased)),
			[2, 2],
		);
		assert.deepEqual(
			await queue.lease(name, { limit: 10, leaseMs: 60, owner: 'replay-2' }),
			[],
			'held: nobody else gets them',
		);
		const listed = await queue.list(name, { limit: 10 });
		assert.deepEqual(
			listed.map((leased) => deadLetterStatus(leased, Date.now())),
			['replaying', 'replaying'],
		);

		await new Promise((resolve) => setTimeout(resolve, 100));
		const again = await queue.lease(name, { limit: 10, leaseMs: 60, owner: 'replay-3' });
		assert.deepEqual(
			again.map((leased) => leased.id),
			first.map((leased) => leased.id),
			'returned after the lease ran out',
		);
		const plan = planReplay(again, 2);
		assert.equal(plan.replay.length, 0);
		assert.equal(plan.park.length, 2, 'attempt 3 is past Max Attempts 2');
		assert.deepEqual(
			await queue.settle(
				name,
				plan.park.map((leased) => ({
					id: leased.id,
					owner: 'replay-3',
					status: 'discarded' as const,
				})),
			),
			[true, true],
		);
		const stats = await queue.stats(name);
		assert.deepEqual(
			{ pending: stats.pending, leased: stats.leased, discarded: stats.discarded },
			{ pending: 0, leased: 0, discarded: 2 },
		);
	});

	it('the first holder, whose lease ran out, can no longer settle as owner', async () => {
		const name = 'deadletter:unit-owner';
		await queue.enqueue(name, [{ id: 'only', category: 'transient', data: data() }]);
		await queue.lease(name, { limit: 1, leaseMs: 30, owner: 'slow' });
		await new Promise((resolve) => setTimeout(resolve, 60));
		await queue.lease(name, { limit: 1, leaseMs: 60_000, owner: 'fast' });
		assert.deepEqual(await queue.settle(name, [{ id: 'only', owner: 'slow', status: 'done' }]), [
			false,
		]);
		assert.deepEqual(
			await queue.settle(name, [{ id: 'only', status: 'done' }]),
			[true],
			'Resolve settles any open record: the write happened',
		);
	});
});
