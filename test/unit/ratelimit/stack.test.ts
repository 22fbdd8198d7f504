/**
 * core/ratelimit/stack.ts: the one rule every store applies to stacked limits (a rate, a
 * calendar window cap, leases in flight), decided on a stored state at a given time.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
	assertStackRequest,
	decideStack,
	type StackLimit,
	type StackState,
} from '../../../nodes/shared/core/ratelimit/stack';

const T = 1_800_000_000_000;
const rate: StackLimit = { kind: 'rate', capacity: 2, increaseAmount: 1, increaseIntervalMs: 100 };
const day = (id: string, endsAt: number, limit = 3): StackLimit => ({
	kind: 'window',
	limit,
	id,
	endsAt,
});
const inFlight = (max: number, leaseMs = 1000): StackLimit => ({ kind: 'inFlight', max, leaseMs });
const units = (n: number, prefix = 'u') =>
	Array.from({ length: n }, (_, i) => ({ tokens: 1, leaseId: `${prefix}${i}` }));

describe('decideStack', () => {
	test('a fresh bucket gives its capacity, then one more per interval on its grid', () => {
		const first = decideStack(null, { limits: [rate], units: units(3) }, T);
		assert.equal(first.granted, 2);
		assert.deepEqual(first.blockedBy, ['rate']);
		assert.equal(first.retryAfterMs, 100);
		const early = decideStack(first.state, { limits: [rate], units: units(1) }, T + 99);
		assert.equal(early.granted, 0);
		assert.equal(early.retryAfterMs, 1);
		const late = decideStack(first.state, { limits: [rate], units: units(3) }, T + 250);
		assert.equal(late.granted, 2, 'two intervals passed: two tokens, never past the capacity');
	});

	test('a window grants a burst up to its limit; a newer id starts afresh, an older one counts into the newer', () => {
		const a = decideStack(null, { limits: [day('d1', T + 5000)], units: units(5) }, T);
		assert.equal(a.granted, 3);
		assert.deepEqual(a.blockedBy, ['window']);
		assert.equal(a.retryAfterMs, 5000);
		const b = decideStack(a.state, { limits: [day('d2', T + 90_000)], units: units(2) }, T + 10);
		assert.equal(b.granted, 2);
		const behind = decideStack(b.state, { limits: [day('d1', T + 5000)], units: units(2) }, T + 20);
		assert.equal(behind.granted, 1, 'd2 has 1 left; the caller on d1 uses it');
		assert.equal(behind.state.w?.id, 'd2');
	});

	test('a stored window that ended is forgotten even when the caller names none', () => {
		const a = decideStack(null, { limits: [day('d1', T + 100)], units: units(3) }, T);
		const later = decideStack(a.state, { limits: [rate], units: units(1) }, T + 200);
		assert.equal(later.state.w, undefined);
	});

	test('leases: at most max held; released or run out, the slot returns', () => {
		const a = decideStack(null, { limits: [inFlight(2)], units: units(3) }, T);
		assert.equal(a.granted, 2);
		assert.deepEqual(a.blockedBy, ['inFlight']);
		assert.equal(a.retryAfterMs, 1000);
		const released = decideStack(
			a.state,
			{ limits: [inFlight(2)], units: [], release: ['u0', 'nope'] },
			T + 1,
		);
		assert.equal(released.released, 1);
		assert.deepEqual(released.releasedIds, ['u0']);
		assert.equal(released.usage.inFlight, 1);
		const expired = decideStack(a.state, { limits: [inFlight(2)], units: units(2, 'v') }, T + 1000);
		assert.equal(expired.granted, 2, 'both leases ran out at T + 1000');
	});

	test('all or nothing per unit: a unit refused by one limit takes nothing from the others', () => {
		const limits = [rate, day('d', T + 10_000, 10), inFlight(1)];
		const d = decideStack(null, { limits, units: units(2) }, T);
		assert.equal(d.granted, 1);
		assert.deepEqual(d.usage, { tokens: 1, windowUsed: 1, inFlight: 1 });
	});

	test('a call naming fewer limits keeps the others, and never shortens the record', () => {
		const a = decideStack(null, { limits: [rate, day('d', T + 60 * 60_000)], units: units(2) }, T);
		assert.ok(a.ttlMs >= 60 * 60_000);
		const release = decideStack(a.state, { limits: [], units: [], release: [] }, T + 10);
		assert.deepEqual(release.state.r, a.state.r);
		assert.deepEqual(release.state.w, a.state.w);
		assert.ok(release.ttlMs >= 60 * 60_000 - 10);
	});

	test('hostile state is ignored rather than trusted', () => {
		const junk = {
			r: { t: 'x', n: null },
			w: { id: 5, u: 'a', e: 'b' },
			l: { a: 'soon' },
		} as unknown as StackState;
		const d = decideStack(
			junk,
			{ limits: [rate, day('d', T + 1000), inFlight(1)], units: units(1) },
			T,
		);
		assert.equal(d.granted, 1);
		assert.deepEqual(d.usage, { tokens: 1, windowUsed: 1, inFlight: 1 });
	});
});

describe('assertStackRequest', () => {
	test('rejects what no store should run', () => {
		for (const request of [
			{ limits: [rate, rate], units: [] },
			{ limits: [{ ...rate, capacity: 0 }], units: [] },
			{ limits: [day('', T)], units: [] },
			{ limits: [inFlight(1)], units: [{ tokens: 1 }] },
			{ limits: [], units: [{ tokens: Number.NaN }] },
		])
			assert.throws(() => assertStackRequest(request), TypeError, JSON.stringify(request));
	});
});
