import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import type { ClaimRecord, ClaimRequest, FinishRequest } from '../../nodes/shared/core/idempotency';
import {
	asClaimRecord,
	DEFAULT_UNKNOWN_RETENTION_MS,
	decideClaim,
	decideComplete,
	decideOutcomeUnknown,
	decideRelease,
	firstClaim,
	idempotencyKey,
} from '../../nodes/shared/core/idempotency';
import { stampedJson, stampMembers } from '../../nodes/shared/stores/insert';

const NOW = 1_800_000_000_000;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const request = (overrides: Partial<ClaimRequest> = {}): ClaimRequest => ({
	fingerprint: null,
	owner: 'execution-2',
	leaseMs: 5 * MINUTE,
	retentionMs: DAY,
	correlationId: 'corr-2',
	...overrides,
});

const finish = (overrides: Partial<FinishRequest> = {}): FinishRequest => ({
	owner: 'execution-1',
	retentionMs: DAY,
	correlationId: 'corr-1',
	...overrides,
});

/** A record as left by execution-1's claim at `NOW - ageMs`. */
function claimedBy(
	owner = 'execution-1',
	ageMs = MINUTE,
	overrides: Partial<ClaimRecord> = {},
): ClaimRecord {
	return {
		...decideClaim(undefined, request({ owner, correlationId: 'corr-1' }), NOW - ageMs).record,
		...overrides,
	};
}

describe('decideClaim', () => {
	it('proceeds on a new key and holds a lease', () => {
		const decision = decideClaim(undefined, request(), NOW);
		assert.equal(decision.route, 'proceed');
		assert.equal(decision.write?.value.status, 'inFlight');
		assert.equal(decision.write?.value.leaseUntil, NOW + 5 * MINUTE);
		assert.equal(decision.write?.value.attempts, 1);
		assert.equal(decision.write?.value.correlationId, 'corr-2');
	});

	it('keeps a claim at least as long as twice its lease, even with a short retention', () => {
		const decision = decideClaim(undefined, request({ retentionMs: MINUTE }), NOW);
		assert.equal(decision.write?.ttlMs, 10 * MINUTE);
	});

	it('routes In Flight while another execution holds the lease, without writing', () => {
		const decision = decideClaim(claimedBy(), request(), NOW);
		assert.equal(decision.route, 'inFlight');
		assert.equal(decision.write, undefined);
	});

	it('lets the key be claimed again once the lease ran out (the holder crashed)', () => {
		const decision = decideClaim(claimedBy('execution-1', 6 * MINUTE), request(), NOW);
		assert.equal(decision.route, 'proceed');
		assert.equal(decision.write?.value.owner, 'execution-2');
		assert.equal(decision.write?.value.attempts, 2);
		assert.equal(
			decision.write?.value.correlationId,
			'corr-1',
			'the first correlation ID stays with the key',
		);
	});

	it('routes Reconcile instead when the lease ran out and expired leases are set to reconcile', () => {
		const expired = claimedBy('execution-1', 6 * MINUTE);
		const decision = decideClaim(expired, request({ afterExpiredLease: 'reconcile' }), NOW);
		assert.equal(decision.route, 'reconcile');
		assert.equal(decision.write?.value.needsReconcile, true);
		assert.equal(
			decideClaim(
				decideRelease(expired, finish(), NOW).write!.value,
				request({ afterExpiredLease: 'reconcile' }),
				NOW,
			).route,
			'proceed',
			'a released key is known not written',
		);
	});

	it('routes Duplicate with the stored result once completed', () => {
		const completed = decideComplete(claimedBy(), finish({ result: { id: 'inv_1' } }), NOW).write!
			.value;
		const decision = decideClaim(completed, request(), NOW + MINUTE);
		assert.equal(decision.route, 'duplicate');
		assert.deepEqual(decision.record.result, { id: 'inv_1' });
		assert.equal(decision.write, undefined);
	});

	it('refuses a key reused with a different payload (Conflict), whatever its state', () => {
		const stored = claimedBy('execution-1', MINUTE, { fingerprint: 'f-1' });
		for (const record of [
			stored,
			{ ...stored, status: 'completed' as const },
			{ ...stored, status: 'released' as const },
		]) {
			assert.equal(decideClaim(record, request({ fingerprint: 'f-2' }), NOW).route, 'conflict');
		}
		assert.equal(
			decideClaim({ ...stored, status: 'completed' }, request({ fingerprint: 'f-1' }), NOW).route,
			'duplicate',
		);
	});

	it('does not check payloads when either side has no fingerprint', () => {
		assert.equal(
			decideClaim({ ...claimedBy(), status: 'completed' }, request({ fingerprint: 'f-2' }), NOW)
				.route,
			'duplicate',
		);
	});

	it('proceeds after a release and counts the attempt', () => {
		const released = decideRelease(claimedBy(), finish(), NOW).write!.value;
		const decision = decideClaim(released, request(), NOW + 1);
		assert.equal(decision.route, 'proceed');
		assert.equal(decision.write?.value.attempts, 2);
	});

	it('routes Reconcile after an unknown outcome, and again if the reconciler dies', () => {
		const unknown = decideOutcomeUnknown(claimedBy(), finish({ error: 'socket hang up' }), NOW)
			.write!.value;
		const first = decideClaim(unknown, request(), NOW + 1);
		assert.equal(first.route, 'reconcile');
		assert.equal(first.write?.value.status, 'inFlight');
		assert.equal(
			first.write?.ttlMs,
			7 * DAY,
			'a key waiting for reconciliation is kept 7 days by default, not for ever',
		);
		assert.equal(
			decideClaim(first.write!.value, request({ owner: 'execution-3' }), NOW + MINUTE).route,
			'inFlight',
		);
		assert.equal(
			decideClaim(first.write!.value, request({ owner: 'execution-3' }), NOW + 10 * MINUTE).route,
			'reconcile',
		);
	});
});

describe('decideComplete', () => {
	it('completes and keeps the result for the retention time', () => {
		const transition = decideComplete(claimedBy(), finish({ result: { id: 7 } }), NOW);
		assert.equal(transition.outcome, 'completed');
		assert.equal(transition.write?.value.status, 'completed');
		assert.equal(transition.write?.value.leaseUntil, null);
		assert.equal(transition.write?.ttlMs, DAY);
	});

	it('records the write even when the claim already expired from the store', () => {
		const transition = decideComplete(undefined, finish({ result: { id: 7 } }), NOW);
		assert.equal(transition.outcome, 'completed');
		assert.equal(transition.write?.value.status, 'completed');
	});

	it('clears a pending reconciliation', () => {
		const unknown = decideOutcomeUnknown(claimedBy(), finish(), NOW).write!.value;
		assert.equal(decideComplete(unknown, finish(), NOW).write?.value.needsReconcile, false);
	});

	it('leaves a completed key untouched', () => {
		const completed = decideComplete(claimedBy(), finish({ result: { id: 1 } }), NOW).write!.value;
		const again = decideComplete(completed, finish({ result: { id: 2 } }), NOW + 1);
		assert.equal(again.outcome, 'alreadyCompleted');
		assert.equal(again.write, undefined);
	});
});

describe('decideRelease', () => {
	it('never releases a completed key (that would invite a second write)', () => {
		const completed = decideComplete(claimedBy(), finish(), NOW).write!.value;
		assert.equal(decideRelease(completed, finish(), NOW).outcome, 'notReleasedCompleted');
	});

	it('does not release a claim another execution took over', () => {
		const takenOver = claimedBy('execution-9', MINUTE);
		assert.equal(
			decideRelease(takenOver, finish({ owner: 'execution-1' }), NOW).outcome,
			'heldByAnother',
		);
	});

	it('reports a key that was never claimed', () => {
		assert.equal(decideRelease(undefined, finish(), NOW).outcome, 'notClaimed');
	});

	it('keeps the error with the key', () => {
		assert.equal(
			decideRelease(claimedBy(), finish({ error: 'HTTP 400' }), NOW).write?.value.lastError,
			'HTTP 400',
		);
	});
});

describe('decideOutcomeUnknown', () => {
	it('keeps the key for a bounded time: 7 days by default (finding 11: it had no expiry)', () => {
		const transition = decideOutcomeUnknown(claimedBy(), finish(), NOW);
		assert.equal(transition.write?.value.status, 'outcomeUnknown');
		assert.equal(DEFAULT_UNKNOWN_RETENTION_MS, 7 * DAY);
		assert.equal(transition.write?.ttlMs, 7 * DAY);
	});

	it('keeps the key for the retention the user chose, and so does the reconciling claim', () => {
		const transition = decideOutcomeUnknown(
			claimedBy(),
			finish({ unknownRetentionMs: 2 * DAY }),
			NOW,
		);
		assert.equal(transition.write?.ttlMs, 2 * DAY);
		const reconciling = decideClaim(
			transition.write!.value,
			request({ unknownRetentionMs: 3 * DAY }),
			NOW + 1,
		);
		assert.equal(reconciling.route, 'reconcile');
		assert.equal(reconciling.write?.ttlMs, 3 * DAY);
		const shortLease = decideClaim(
			transition.write!.value,
			request({ unknownRetentionMs: MINUTE, leaseMs: 5 * MINUTE }),
			NOW + 1,
		);
		assert.equal(shortLease.write?.ttlMs, 10 * MINUTE, 'never shorter than twice the lease');
	});

	it('an expired lease routed to Reconcile is kept like an unknown outcome', () => {
		const expired = decideClaim(
			claimedBy('execution-1', 10 * MINUTE),
			request({ afterExpiredLease: 'reconcile' }),
			NOW,
		);
		assert.equal(expired.route, 'reconcile');
		assert.equal(expired.write?.ttlMs, 7 * DAY);
	});

	it('does not downgrade a completed key', () => {
		const completed = decideComplete(claimedBy(), finish(), NOW).write!.value;
		assert.equal(decideOutcomeUnknown(completed, finish(), NOW).outcome, 'alreadyCompleted');
	});
});

describe('asClaimRecord', () => {
	it('refuses values that are not claim records', () => {
		for (const value of [1, 'x', null, [], { status: 'inFlight' }]) {
			assert.throws(() => asClaimRecord(value), /not in the expected format/);
		}
		assert.equal(asClaimRecord(undefined), undefined);
	});
});

describe('idempotencyKey', () => {
	it('is the same for the same logical record whatever the field order', () => {
		assert.equal(
			idempotencyKey({ a: 1, b: { c: 2, d: 3 } }),
			idempotencyKey({ b: { d: 3, c: 2 }, a: 1 }),
		);
	});
});

describe('firstClaim: the record a store inserts without reading first', () => {
	it('stamped at any store time, it is exactly what decideClaim writes for an absent key', () => {
		fc.assert(
			fc.property(
				fc.record({
					fingerprint: fc.option(fc.string({ minLength: 1, maxLength: 64 })),
					owner: fc.string({ minLength: 1 }),
					leaseMs: fc.integer({ min: 1, max: 10 * DAY }),
					retentionMs: fc.integer({ min: 1, max: 400 * DAY }),
					correlationId: fc.option(fc.string()),
					afterExpiredLease: fc.constantFrom('proceed' as const, 'reconcile' as const, undefined),
					unknownRetentionMs: fc.option(fc.integer({ min: 1, max: 400 * DAY }), {
						nil: undefined,
					}),
				}),
				fc.integer({ min: 0, max: 4_000_000_000_000 }),
				(claimRequest, now) => {
					const expected = decideClaim(undefined, claimRequest, now).write!;
					const { value, stamps, ttlMs } = firstClaim(claimRequest);
					const stored = stampedJson(
						JSON.stringify(value),
						stampMembers(Object.entries(stamps), now),
					);
					assert.deepEqual(JSON.parse(stored), expected.value);
					assert.equal(ttlMs, expected.ttlMs);
				},
			),
			{ numRuns: 2000 },
		);
	});
});
