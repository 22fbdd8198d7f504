import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { TokenBucket } from '../../../nodes/shared/core/ratelimit/bucket';

/**
 * The bucket as the limiter kept it before, on bottleneck: a heartbeat every millisecond
 * adding one increase at each point of the refill grid, up to the capacity.
 */
class HeartbeatBucket {
	tokens: number;
	private nextRefillAt: number;
	private clock: number;

	constructor(
		private readonly plan: { capacity: number; increaseAmount: number; increaseIntervalMs: number },
		now: number,
	) {
		this.tokens = plan.capacity;
		this.nextRefillAt = now + plan.increaseIntervalMs;
		this.clock = now;
	}

	clone(): HeartbeatBucket {
		return Object.assign(Object.create(HeartbeatBucket.prototype) as HeartbeatBucket, this);
	}

	advance(now: number): void {
		for (; this.clock <= now; this.clock++) {
			if (this.clock < this.nextRefillAt) continue;
			this.nextRefillAt += this.plan.increaseIntervalMs;
			this.tokens = Math.min(this.plan.capacity, this.tokens + this.plan.increaseAmount);
		}
	}
}

const plans = fc
	.record({
		increaseAmount: fc.integer({ min: 1, max: 50 }),
		increaseIntervalMs: fc.integer({ min: 1, max: 40 }),
		extra: fc.integer({ min: 0, max: 100 }),
	})
	.map(({ increaseAmount, increaseIntervalMs, extra }) => ({
		increaseAmount,
		increaseIntervalMs,
		capacity: increaseAmount + extra,
	}));

/** Steps: move the clock on by `after` ms, then try to take `weight` tokens. */
const steps = fc.array(
	fc.record({ after: fc.integer({ min: 0, max: 120 }), weight: fc.integer({ min: 1, max: 160 }) }),
	{ maxLength: 60 },
);

describe('TokenBucket', () => {
	it('holds what a bucket refilled by a heartbeat every millisecond holds, and takes alike', () => {
		fc.assert(
			fc.property(plans, steps, (plan, script) => {
				const start = 1_000_000;
				const bucket = new TokenBucket(plan, start);
				const oracle = new HeartbeatBucket(plan, start);
				let now = start;
				for (const { after, weight } of script) {
					now += after;
					oracle.advance(now);
					assert.equal(bucket.available(now), oracle.tokens);
					const wait = bucket.take(weight, now);
					if (weight <= oracle.tokens) {
						assert.equal(wait, 0);
						oracle.tokens -= weight;
					} else if (weight <= plan.capacity) {
						// The wait named is the first moment the heartbeat bucket holds the tokens.
						assert.ok(wait > 0);
						const probe = oracle.clone();
						probe.advance(now + wait - 1);
						assert.ok(probe.tokens < weight, 'not earlier');
						probe.advance(now + wait);
						assert.ok(probe.tokens >= weight, 'then');
					}
				}
			}),
			{ numRuns: 2000 },
		);
	});

	it('never gives more than the capacity plus one increase per interval passed', () => {
		fc.assert(
			fc.property(plans, steps, (plan, script) => {
				const bucket = new TokenBucket(plan, 0);
				let now = 0;
				let taken = 0;
				for (const { after, weight } of script) {
					now += after;
					if (bucket.take(weight, now) === 0) taken += weight;
					const refills = Math.floor(now / plan.increaseIntervalMs);
					assert.ok(taken <= plan.capacity + refills * plan.increaseAmount);
				}
			}),
			{ numRuns: 2000 },
		);
	});
});
