import type { LatencyHistogram } from './latency';
import { latencyBin, latencyPercentile, mergeHistograms } from './latency';
import type { BreakerPolicy } from './policy';

/**
 * The sliding time window, kept as a few time buckets so its memory is bounded by the
 * bucket count, not by the number of calls. A bucket starts at a multiple of
 * windowMs / windowBuckets on the store's clock; the window at `now` is every bucket
 * that started within the last windowMs, so it slides in bucket-sized steps and covers
 * between windowMs minus one bucket and windowMs.
 */
export type CallCounts = { calls: number; failures: number; slow: number };

/** A bucket of the window that decides when a closed breaker opens. */
export type WindowBucket = CallCounts & {
	/** Epoch ms on the store's clock. */
	start: number;
};

/** A bucket of the monitoring window: counts and latencies of every recorded call. */
export type StatsBucket = WindowBucket & {
	/** Calls whose latency is known (they carried a Check stamp). */
	measured: number;
	latencySumMs: number;
	latencyMinMs: number | null;
	latencyMaxMs: number | null;
	latency: LatencyHistogram;
};

/** One recorded call as the windows see it. */
export type ObservedCall = { failed: boolean; slow: boolean; latencyMs: number | null };

export type LatencySummary = {
	/** Calls with a known latency. The other fields are null when it is 0. */
	measured: number;
	meanMs: number | null;
	minMs: number | null;
	maxMs: number | null;
	p50Ms: number | null;
	p95Ms: number | null;
	p99Ms: number | null;
};

function bucketSize(policy: BreakerPolicy): number {
	return Math.max(1, Math.ceil(policy.windowMs / policy.windowBuckets));
}

/** The buckets still inside the window at `now`. */
export function liveBuckets<Bucket extends { start: number }>(
	buckets: readonly Bucket[],
	now: number,
	policy: BreakerPolicy,
): Bucket[] {
	return buckets.filter((bucket) => bucket.start > now - policy.windowMs);
}

/**
 * The live buckets with the one for `now` changed by `change` (created empty first when
 * missing). Returns new objects: stored state is never changed in place.
 */
function updateCurrentBucket<Bucket extends { start: number }>(
	buckets: readonly Bucket[],
	now: number,
	policy: BreakerPolicy,
	empty: (start: number) => Bucket,
	change: (bucket: Bucket) => Bucket,
): Bucket[] {
	const size = bucketSize(policy);
	const start = Math.floor(now / size) * size;
	const live = liveBuckets(buckets, now, policy);
	const index = live.findIndex((bucket) => bucket.start === start);
	if (index < 0) return [...live, change(empty(start))];
	return live.map((bucket, position) => (position === index ? change(bucket) : bucket));
}

/** The trip window with `counts` added at `now`. */
export function countInWindow(
	buckets: readonly WindowBucket[],
	now: number,
	policy: BreakerPolicy,
	counts: CallCounts,
): WindowBucket[] {
	return updateCurrentBucket(
		buckets,
		now,
		policy,
		(start) => ({ start, calls: 0, failures: 0, slow: 0 }),
		(bucket) => ({
			...bucket,
			calls: bucket.calls + counts.calls,
			failures: bucket.failures + counts.failures,
			slow: bucket.slow + counts.slow,
		}),
	);
}

/** Calls, failures and slow calls in the window at `now`. */
export function windowTotals(
	buckets: readonly WindowBucket[],
	now: number,
	policy: BreakerPolicy,
): CallCounts {
	const totals: CallCounts = { calls: 0, failures: 0, slow: 0 };
	for (const bucket of liveBuckets(buckets, now, policy)) {
		totals.calls += bucket.calls;
		totals.failures += bucket.failures;
		totals.slow += bucket.slow;
	}
	return totals;
}

/** The monitoring window with `calls` observed at `now`. */
export function observeInStats(
	buckets: readonly StatsBucket[],
	now: number,
	policy: BreakerPolicy,
	calls: readonly ObservedCall[],
): StatsBucket[] {
	if (calls.length === 0) return liveBuckets(buckets, now, policy);
	return updateCurrentBucket(buckets, now, policy, emptyStatsBucket, (bucket) =>
		observeAll(bucket, calls),
	);
}

function emptyStatsBucket(start: number): StatsBucket {
	return {
		start,
		calls: 0,
		failures: 0,
		slow: 0,
		measured: 0,
		latencySumMs: 0,
		latencyMinMs: null,
		latencyMaxMs: null,
		latency: {},
	};
}

/** A copy of `bucket` with `calls` counted: one copy per batch, not one per call. */
function observeAll(bucket: StatsBucket, calls: readonly ObservedCall[]): StatsBucket {
	const next: StatsBucket = { ...bucket, latency: { ...bucket.latency } };
	for (const call of calls) {
		next.calls++;
		if (call.failed) next.failures++;
		if (call.slow) next.slow++;
		if (call.latencyMs === null) continue;
		next.measured++;
		next.latencySumMs += call.latencyMs;
		next.latencyMinMs = Math.min(next.latencyMinMs ?? Infinity, call.latencyMs);
		next.latencyMaxMs = Math.max(next.latencyMaxMs ?? -Infinity, call.latencyMs);
		const bin = String(latencyBin(call.latencyMs));
		next.latency[bin] = (next.latency[bin] ?? 0) + 1;
	}
	return next;
}

/** Counts and latency percentiles of the monitoring window at `now`. */
export function statsTotals(
	buckets: readonly StatsBucket[],
	now: number,
	policy: BreakerPolicy,
): CallCounts & { latency: LatencySummary } {
	const live = liveBuckets(buckets, now, policy);
	const totals = windowTotals(live, now, policy);
	const measured = live.reduce((sum, bucket) => sum + bucket.measured, 0);
	if (measured === 0) {
		return {
			...totals,
			latency: {
				measured: 0,
				meanMs: null,
				minMs: null,
				maxMs: null,
				p50Ms: null,
				p95Ms: null,
				p99Ms: null,
			},
		};
	}
	const range = {
		min: Math.min(...live.map((bucket) => bucket.latencyMinMs ?? Infinity)),
		max: Math.max(...live.map((bucket) => bucket.latencyMaxMs ?? -Infinity)),
	};
	const histogram = mergeHistograms(live.map((bucket) => bucket.latency));
	const sum = live.reduce((total, bucket) => total + bucket.latencySumMs, 0);
	return {
		...totals,
		latency: {
			measured,
			meanMs: roundMs(sum / measured),
			minMs: roundMs(range.min),
			maxMs: roundMs(range.max),
			p50Ms: roundMs(latencyPercentile(histogram, 50, range)),
			p95Ms: roundMs(latencyPercentile(histogram, 95, range)),
			p99Ms: roundMs(latencyPercentile(histogram, 99, range)),
		},
	};
}

/** Latencies are reported to a tenth of a millisecond: finer is noise here. */
function roundMs<Value extends number | null>(ms: Value): Value {
	return (ms === null ? null : Math.round(ms * 10) / 10) as Value;
}
