import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { breakerStats } from '../../../nodes/shared/core/breaker';
import { Breaker } from '../../support/breaker';
import { FakeClock } from './clock';

describe('hop statistics', () => {
	it('reports calls, error rate and latency percentiles over the window', () => {
		const clock = new FakeClock();
		const breaker = new Breaker({
			clock,
			policy: { windowMs: 60_000, minimumCalls: 100, slowCallMs: 900 },
		});
		// 20 calls of 100, 200, …, 2000 ms; every fifth fails.
		for (let call = 1; call <= 20; call++) {
			const ticket = breaker.check();
			clock.advance(call * 100);
			if (call % 5 === 0) breaker.failure(ticket);
			else breaker.success(ticket);
		}
		const stats = breaker.stats();
		assert.deepEqual(
			[
				stats.status,
				stats.calls,
				stats.failures,
				stats.failureRatePercent,
				stats.slowCalls,
				stats.slowCallRatePercent,
			],
			['closed', 20, 4, 20, 11, 55],
		);
		assert.equal(stats.latency.measured, 20);
		assert.equal(stats.latency.meanMs, 1050);
		assert.equal(stats.latency.minMs, 100);
		assert.equal(stats.latency.maxMs, 2000);
		for (const [read, exact] of [
			[stats.latency.p50Ms, 1000],
			[stats.latency.p95Ms, 1900],
			[stats.latency.p99Ms, 2000],
		] as const) {
			assert.ok(read !== null && Math.abs(read - exact) / exact <= 0.05, `${read} vs ${exact}`);
		}
	});

	it('counts unstamped calls without latency', () => {
		const breaker = new Breaker({ clock: new FakeClock() });
		breaker.success();
		breaker.failure();
		const stats = breaker.stats();
		assert.deepEqual(
			[stats.calls, stats.failureRatePercent, stats.latency.measured, stats.latency.p50Ms],
			[2, 50, 0, null],
		);
	});

	it('lets old calls slide out of the window', () => {
		const clock = new FakeClock();
		const breaker = new Breaker({ clock, policy: { windowMs: 10_000, windowBuckets: 10 } });
		breaker.failure();
		clock.advance(10_000);
		breaker.success();
		assert.deepEqual([breaker.stats().calls, breaker.stats().failures], [1, 0]);
	});

	it('shows probes while half-open and an open breaker as half-open once its time is up', () => {
		const clock = new FakeClock();
		const breaker = new Breaker({
			clock,
			policy: { minimumCalls: 2, openMs: 1000, halfOpenProbes: 2 },
		});
		breaker.failure();
		breaker.failure();
		const open = breaker.stats();
		assert.deepEqual(
			[open.status, open.opens, open.openUntil, open.lastChange?.to],
			['open', 1, clock.now() + 1000, 'open'],
		);
		clock.advance(1000);
		assert.equal(breaker.stats().status, 'halfOpen');
		assert.equal(breaker.stats().since, clock.now());
		breaker.check();
		assert.deepEqual(breaker.stats().probes, {
			allowed: 2,
			granted: 1,
			recorded: 0,
			failed: 0,
			slow: 0,
		});
	});

	it('describes a breaker nothing was recorded for', () => {
		const stats = breakerStats(undefined, 42);
		assert.deepEqual(
			[
				stats.known,
				stats.status,
				stats.calls,
				stats.failureRatePercent,
				stats.probes,
				stats.policy.openMs,
			],
			[false, 'closed', 0, null, null, 120_000],
		);
	});
});
