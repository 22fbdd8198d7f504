import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	BreakerPolicyError,
	DEFAULT_BREAKER_POLICY,
	isBreakerPolicyError,
	policiesDiffer,
	resolveBreakerPolicy,
} from '../../../nodes/shared/core/breaker';
import { callsToReach, reachesRate } from '../../../nodes/shared/core/breaker/policy';

describe('breaker policy', () => {
	it('has every default in one frozen object', () => {
		assert.deepEqual(DEFAULT_BREAKER_POLICY, {
			failureRatePercent: 50,
			slowCallMs: 30_000,
			slowCallRatePercent: 50,
			minimumCalls: 10,
			windowMs: 60_000,
			windowBuckets: 12,
			openMs: 120_000,
			halfOpenProbes: 3,
			probeTimeoutMs: 60_000,
			windowType: 'time',
			windowCalls: 100,
			consecutiveFailures: 5,
			openBackoffMultiplier: 1,
			maxOpenMs: 1_800_000,
		});
		assert.ok(Object.isFrozen(DEFAULT_BREAKER_POLICY));
	});

	it('overrides defaults and ignores undefined overrides', () => {
		const policy = resolveBreakerPolicy({ openMs: 5000, minimumCalls: undefined });
		assert.equal(policy.openMs, 5000);
		assert.equal(policy.minimumCalls, 10);
	});

	const bad: Array<[string, Record<string, unknown>, RegExp]> = [
		[
			'a threshold of 0%',
			{ failureRatePercent: 0 },
			/failureRatePercent must be a number above 0 and at most 100 \(percent\); got 0/,
		],
		['a threshold over 100%', { slowCallRatePercent: 101 }, /slowCallRatePercent .* got 101/],
		[
			'a fractional minimum',
			{ minimumCalls: 2.5 },
			/minimumCalls must be a whole number at least 1/,
		],
		['NaN', { openMs: Number.NaN }, /openMs must be a number above 0/],
		['Infinity', { windowMs: Number.POSITIVE_INFINITY }, /windowMs/],
		['a string', { halfOpenProbes: '3' }, /halfOpenProbes .* got "3"/],
		['zero probes', { halfOpenProbes: 0 }, /halfOpenProbes must be a whole number at least 1/],
		['a negative timeout', { probeTimeoutMs: -1 }, /probeTimeoutMs/],
		['too many buckets', { windowBuckets: 61 }, /windowBuckets .* at most 60 \(buckets\)/],
	];
	for (const [what, overrides, message] of bad) {
		it(`refuses ${what}, naming the option`, () => {
			assert.throws(
				() => resolveBreakerPolicy(overrides),
				(error: unknown) => {
					assert.ok(error instanceof BreakerPolicyError);
					assert.ok(isBreakerPolicyError(error));
					assert.equal(error.option, Object.keys(overrides)[0]);
					assert.match(error.message, message);
					return true;
				},
			);
		});
	}

	it('recognises its errors by brand, not by class identity', () => {
		const foreign = Object.assign(new Error('x'), { isBreakerPolicyError: true });
		assert.ok(isBreakerPolicyError(foreign));
		assert.ok(!isBreakerPolicyError(new Error('x')));
		assert.ok(!isBreakerPolicyError('failureRatePercent'));
	});

	it('tells policies apart option by option', () => {
		const policy = resolveBreakerPolicy();
		assert.ok(!policiesDiffer(policy, { ...DEFAULT_BREAKER_POLICY }));
		assert.ok(policiesDiffer(policy, { ...policy, halfOpenProbes: 4 }));
	});

	it('counts the bad calls that reach a rate without float drift', () => {
		assert.equal(callsToReach(50, 10), 5);
		assert.equal(callsToReach(50, 3), 2);
		assert.equal(callsToReach(100, 3), 3);
		assert.equal(callsToReach(1, 3), 1);
		assert.equal(callsToReach(33.3, 3), 1);
		assert.equal(callsToReach(70, 10), 7, '70% of 10 is 7, not 7.000000000000001');
		assert.ok(reachesRate(5, 10, 50));
		assert.ok(!reachesRate(4, 10, 50));
		assert.ok(!reachesRate(0, 0, 50), 'no calls never reach a rate');
	});
});
