import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	bucketValue,
	COST_BUCKETS,
	costBucket,
	costRegression,
	histogramPercentile,
} from '../../../nodes/shared/core/cost/stats';

function histogram(costs: number[]): number[] {
	const counts = new Array<number>(COST_BUCKETS).fill(0);
	for (const cost of costs) counts[costBucket(cost)]++;
	return counts;
}

function exactPercentile(costs: number[], percent: number): number {
	const sorted = [...costs].sort((a, b) => a - b);
	return sorted[Math.max(1, Math.ceil((percent / 100) * sorted.length)) - 1];
}

describe('cost per record', () => {
	it('buckets costs within 10% and keeps every cost in range', () => {
		assert.equal(costBucket(0), 0);
		assert.equal(costBucket(Number.NaN), 0);
		assert.equal(costBucket(-5), 0);
		assert.equal(costBucket(Number.MAX_SAFE_INTEGER), COST_BUCKETS - 1);
		for (const nanos of [1, 7, 12_150, 1_000_000, 2_500_000_000, 2 ** 40]) {
			const read = bucketValue(costBucket(nanos));
			assert.ok(Math.abs(read - nanos) / nanos <= 0.1, `${nanos} reads back as ${read}`);
		}
	});

	it('reads p95 within 10% of the exact value', () => {
		const costs = Array.from({ length: 2000 }, (_, index) => 10_000 + ((index * 7919) % 2000) * 50);
		const read = histogramPercentile(histogram(costs), 95)!;
		const exact = exactPercentile(costs, 95);
		assert.ok(Math.abs(read - exact) / exact <= 0.1, `p95 read ${read}, exact ${exact}`);
		assert.equal(histogramPercentile(histogram([]), 95), null);
		// One expensive record in fifty shows at p99, not at p95.
		const spiky = [...Array<number>(98).fill(1000), 1_000_000, 1_000_000];
		assert.ok(histogramPercentile(histogram(spiky), 95)! < 1200);
		assert.ok(histogramPercentile(histogram(spiky), 99)! > 900_000);
	});

	it('flags a regression when cost per record doubles against the trailing average', () => {
		const trailing = [
			{ spentNanos: 1000, records: 10 },
			{ spentNanos: 3000, records: 30 },
		];
		assert.equal(costRegression({ spentNanos: 2000, records: 10 }, trailing).regressed, true);
		assert.equal(costRegression({ spentNanos: 1999, records: 10 }, trailing).regressed, false);
		assert.equal(costRegression({ spentNanos: 2000, records: 10 }, trailing).ratio, 2);
		assert.equal(
			costRegression({ spentNanos: 1800, records: 9 }, trailing).regressed,
			false,
			'too few records to judge',
		);
		assert.equal(
			costRegression({ spentNanos: 2000, records: 10 }, []).regressed,
			false,
			'nothing to compare with',
		);
		assert.equal(costRegression({ spentNanos: 0, records: 0 }, trailing).currentAverage, null);
		assert.equal(
			costRegression({ spentNanos: 5, records: 10 }, [{ spentNanos: 0, records: 10 }]).regressed,
			false,
			'free before: no ratio',
		);
	});
});
