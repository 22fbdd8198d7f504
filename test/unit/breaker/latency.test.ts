import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { LatencyHistogram } from '../../../nodes/shared/core/breaker/latency';
import {
	binLatency,
	latencyBin,
	latencyPercentile,
	mergeHistograms,
} from '../../../nodes/shared/core/breaker/latency';

/** Counts latencies into a histogram, as the stats window does. */
function count(latencies: number[]): LatencyHistogram {
	const histogram: LatencyHistogram = {};
	for (const ms of latencies) histogram[latencyBin(ms)] = (histogram[latencyBin(ms)] ?? 0) + 1;
	return histogram;
}

function histogramOf(latencies: number[]): {
	histogram: Map<number, number>;
	range: { min: number; max: number };
} {
	return {
		histogram: mergeHistograms([count(latencies)]),
		range: { min: Math.min(...latencies), max: Math.max(...latencies) },
	};
}

/** Within the histogram's 5%. */
function near(read: number | null, exact: number): boolean {
	return read !== null && Math.abs(read - exact) / exact <= 0.05;
}

/** Nearest-rank percentile of the exact values, for comparison. */
function exactPercentile(latencies: number[], percent: number): number {
	const sorted = [...latencies].sort((a, b) => a - b);
	return sorted[Math.max(1, Math.ceil((percent / 100) * sorted.length)) - 1];
}

describe('latency histogram', () => {
	it('puts sub-millisecond latencies in bin 0 and grows bins by 10%', () => {
		assert.equal(latencyBin(0), 0);
		assert.equal(latencyBin(0.99), 0);
		assert.equal(latencyBin(Number.NaN), 0);
		assert.equal(latencyBin(1), 1);
		for (const ms of [1, 3, 17, 250, 999, 30_000, 3_600_000]) {
			const bin = latencyBin(ms);
			const middle = binLatency(bin);
			assert.ok(Math.abs(middle - ms) / ms <= 0.05 + 1e-9, `${ms} ms reads back as ${middle} ms`);
		}
	});

	it('reads percentiles within 5% of the exact values', () => {
		const latencies = Array.from({ length: 1000 }, (_, index) => index + 1);
		const { histogram, range } = histogramOf(latencies);
		for (const percent of [50, 95, 99]) {
			const read = latencyPercentile(histogram, percent, range)!;
			const exact = exactPercentile(latencies, percent);
			assert.ok(
				Math.abs(read - exact) / exact <= 0.05,
				`p${percent}: read ${read}, exact ${exact}`,
			);
		}
	});

	it('is exact when every call took the same time', () => {
		const { histogram, range } = histogramOf([120, 120, 120]);
		assert.deepEqual(
			[50, 95, 99].map((percent) => latencyPercentile(histogram, percent, range)),
			[120, 120, 120],
		);
	});

	it('shows one slow call in fifty at p99 but not at p95', () => {
		const latencies = [...Array<number>(98).fill(100), 20_000, 20_000];
		const { histogram, range } = histogramOf(latencies);
		assert.ok(near(latencyPercentile(histogram, 50, range), 100));
		assert.ok(near(latencyPercentile(histogram, 95, range), 100));
		assert.ok(near(latencyPercentile(histogram, 99, range), 20_000));
	});

	it('stays bounded however many calls it counts', () => {
		let seed = 7;
		const histogram = count(
			Array.from({ length: 20_000 }, () => {
				seed = (seed * 48271) % 2147483647;
				return (seed / 2147483647) * 86_400_000;
			}),
		);
		assert.ok(Object.keys(histogram).length < 200, `${Object.keys(histogram).length} bins`);
		assert.equal(
			Object.values(histogram).reduce((sum, count) => sum + count, 0),
			20_000,
		);
	});

	it('has no percentile without measurements', () => {
		assert.equal(latencyPercentile(new Map(), 50, { min: 0, max: 0 }), null);
	});

	it('merges histograms of several buckets', () => {
		const merged = mergeHistograms([count([10]), count([10, 500])]);
		assert.equal(merged.get(latencyBin(10)), 2);
		assert.equal(merged.get(latencyBin(500)), 1);
	});
});
