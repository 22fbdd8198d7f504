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
	/** Failures the rules do not count (a 400 for bad data): in `calls`, not in `failures`. */
	notCounted: number;
	/** Calls whose latency is known (they carried a Check stamp). */
	measured: number;
	latencySumMs: number;
	latencyMinMs: number | null;
	latencyMaxMs: number | null;
	latency: LatencyHistogram;
};

/** One recorded call as the windows see it. `failed` is a counted failure only. */
export type ObservedCall = {
	failed: boolean;
	slow: boolean;
	latencyMs: number | null;
	/** A failure the rules do not count. */
	notCounted?: boolean;
};

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
		notCounted: 0,
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
		if (call.notCounted === true) next.notCounted++;
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
): CallCounts & { notCounted: number; latency: LatencySummary } {
	const live = liveBuckets(buckets, now, policy);
	const totals = {
		...windowTotals(live, now, policy),
		notCounted: live.reduce((sum, bucket) => sum + (bucket.notCounted ?? 0), 0),
	};
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

/* ------------------------------------------------- Count and consecutive windows */

/**
 * The count window's letters, one per call: a success, a failure, a slow success, a slow
 * failure. A string, not an array of objects: 10,000 calls are 10 kB in the record.
 */
const LETTER = { ok: '.', failed: 'x', slow: 's', failedSlow: 'X' } as const;

function letterOf(call: ObservedCall): string {
	if (call.failed) return call.slow ? LETTER.failedSlow : LETTER.failed;
	return call.slow ? LETTER.slow : LETTER.ok;
}

/**
 * A batch in the order the count and consecutive windows take it: good calls first, then
 * slow ones, then failures. A batch's calls finished together; this order makes the
 * outcome independent of the order of its items, and errs towards protecting the hop.
 */
export function batchOrder(calls: readonly ObservedCall[]): ObservedCall[] {
	const rank = (call: ObservedCall) => (call.failed ? 2 : call.slow ? 1 : 0);
	return [...calls].sort((a, b) => rank(a) - rank(b));
}

/** The count window with `calls` (in batch order) added, keeping the last `size` calls. */
export function addToRecent(recent: string, calls: readonly ObservedCall[], size: number): string {
	const added = recent + calls.map(letterOf).join('');
	return added.length > size ? added.slice(added.length - size) : added;
}

/** Calls, failures and slow calls in the count window. */
export function recentTotals(recent: string): CallCounts {
	const totals: CallCounts = { calls: recent.length, failures: 0, slow: 0 };
	for (const letter of recent) {
		if (letter === LETTER.failed || letter === LETTER.failedSlow) totals.failures++;
		if (letter === LETTER.slow || letter === LETTER.failedSlow) totals.slow++;
	}
	return totals;
}

/** Failed or slow calls in a row, after `calls` (in batch order): a good call ends the run. */
export function extendRun(run: number, calls: readonly ObservedCall[]): number {
	let length = run;
	for (const call of calls) length = call.failed || call.slow ? length + 1 : 0;
	return length;
}
