import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { resolveBreakerPolicy } from '../../../nodes/shared/core/breaker';
import type { StatsBucket, WindowBucket } from '../../../nodes/shared/core/breaker/window';
import {
	countInWindow,
	observeInStats,
	statsTotals,
	windowTotals,
} from '../../../nodes/shared/core/breaker/window';

// Ten buckets of one second each.
const policy = resolveBreakerPolicy({ windowMs: 10_000, windowBuckets: 10 });
const T = 1_800_000_000_000;
const failure = { calls: 1, failures: 1, slow: 0 };

describe('sliding window', () => {
	it('counts a call until its bucket is a whole window old', () => {
		const window = countInWindow([], T + 5_500, policy, failure);
		assert.deepEqual(window, [{ start: T + 5_000, calls: 1, failures: 1, slow: 0 }]);
		assert.equal(
			windowTotals(window, T + 14_999, policy).calls,
			1,
			'still inside: the bucket started 9.999 s ago',
		);
		assert.equal(
			windowTotals(window, T + 15_000, policy).calls,
			0,
			'slid out in one bucket-sized step',
		);
	});

	it('adds calls in the same bucket together and never changes the input', () => {
		const first = countInWindow([], T + 100, policy, failure);
		const frozen = structuredClone(first);
		const second = countInWindow(first, T + 900, policy, { calls: 2, failures: 0, slow: 1 });
		assert.deepEqual(first, frozen);
		assert.deepEqual(second, [{ start: T, calls: 3, failures: 1, slow: 1 }]);
	});

	it('keeps at most one window of buckets however long it runs', () => {
		let window: WindowBucket[] = [];
		for (let second = 0; second < 1000; second++)
			window = countInWindow(window, T + second * 1000, policy, failure);
		assert.equal(window.length, 10);
		assert.equal(windowTotals(window, T + 999_000, policy).calls, 10);
	});

	it('forgets everything after a quiet window', () => {
		const window = countInWindow([], T, policy, failure);
		assert.deepEqual(countInWindow(window, T + 60_000, policy, failure), [
			{ start: T + 60_000, ...failure },
		]);
	});

	it('keeps latency figures per bucket, bounded and summed over the window', () => {
		let stats: StatsBucket[] = [];
		stats = observeInStats(stats, T, policy, [
			{ failed: false, slow: false, latencyMs: 100 },
			{ failed: true, slow: false, latencyMs: 300 },
			{ failed: false, slow: false, latencyMs: null },
		]);
		stats = observeInStats(stats, T + 2000, policy, [
			{ failed: false, slow: true, latencyMs: 1500 },
		]);
		const totals = statsTotals(stats, T + 2000, policy);
		assert.deepEqual(
			{
				calls: totals.calls,
				failures: totals.failures,
				slow: totals.slow,
				measured: totals.latency.measured,
			},
			{ calls: 4, failures: 1, slow: 1, measured: 3 },
		);
		assert.equal(totals.latency.meanMs, 633.3);
		assert.equal(totals.latency.minMs, 100);
		assert.equal(totals.latency.maxMs, 1500);
		assert.ok(
			Math.abs(totals.latency.p99Ms! - 1500) <= 75,
			`p99 ${totals.latency.p99Ms} within 5% of 1500`,
		);
		assert.ok(totals.latency.p99Ms! <= 1500, 'never above the slowest call seen');
		const later = statsTotals(stats, T + 10_500, policy);
		assert.equal(later.calls, 1, 'the first bucket slid out');
		assert.equal(later.latency.p50Ms, 1500, 'one call: clamped to exactly its latency');
	});

	it('reports no latency when nothing was measured', () => {
		const stats = observeInStats([], T, policy, [{ failed: true, slow: false, latencyMs: null }]);
		assert.deepEqual(statsTotals(stats, T, policy).latency, {
			measured: 0,
			meanMs: null,
			minMs: null,
			maxMs: null,
			p50Ms: null,
			p95Ms: null,
			p99Ms: null,
		});
	});
});
