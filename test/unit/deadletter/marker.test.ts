import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';

import { asReplayMarker, markerMac, verifyMarker } from '../../../nodes/shared/core/deadletter';

describe('replay markers bound to their lease', () => {
	const secret = randomBytes(32);
	const fields = {
		id: '0191c7e2-0000-8000-8000-000000000001',
		queue: 'orders',
		attempt: 2,
		owner: 'replay:7:abc',
	};
	const signed = asReplayMarker({ ...fields, mac: markerMac(secret, fields) })!;

	test('a marker its Replay signed verifies, with its owner', () => {
		assert.deepEqual(verifyMarker(secret, signed, 'orders'), {
			trusted: true,
			owner: 'replay:7:abc',
		});
	});

	const refusals: Array<[string, Record<string, unknown>, string, RegExp]> = [
		['another queue', { ...signed }, 'billing', /names queue "orders"/],
		[
			'no signature (pre-upgrade)',
			{ id: signed.id, queue: 'orders', attempt: 2 },
			'orders',
			/no signature/,
		],
		['an edited attempt', { ...signed, attempt: 3 }, 'orders', /does not match/],
		['an edited id', { ...signed, id: 'other' }, 'orders', /does not match/],
		['an edited owner', { ...signed, owner: 'replay:8:abc' }, 'orders', /does not match/],
		['a malformed MAC', { ...signed, mac: 'xyz' }, 'orders', /malformed/],
		['a MAC of the right shape', { ...signed, mac: 'f'.repeat(64) }, 'orders', /does not match/],
	];
	for (const [label, value, queue, reason] of refusals) {
		test(`refused: ${label}`, () => {
			const verdict = verifyMarker(secret, asReplayMarker(value)!, queue);
			assert.equal(verdict.trusted, false);
			assert.match((verdict as { reason: string }).reason, reason);
		});
	}

	test("another store's secret does not verify it", () => {
		assert.equal(verifyMarker(randomBytes(32), signed, 'orders').trusted, false);
	});

	test('fields cannot run into each other (JSON of an array, not concatenation)', () => {
		const a = markerMac(secret, { id: 'a', queue: 'bc', attempt: 1, owner: 'o' });
		const b = markerMac(secret, { id: 'ab', queue: 'c', attempt: 1, owner: 'o' });
		assert.notEqual(a, b);
	});
});
