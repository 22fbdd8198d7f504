/**
 * Cost per record: a histogram of per-record costs in the store's counters (one
 * counter per bucket, so recording is an atomic increment however many workers record
 * at once), read back as an average and a p95, and a regression flag.
 */

/** Buckets per doubling: each bucket spans 2^(1/4) ≈ 19%, so a percentile reads within ±9.5%. */
const BUCKETS_PER_OCTAVE = 4;
/** Bucket 0 holds costs below 1 nano (zero); the last holds everything from 2^44 nanos (≈ 17,592 units) up. */
export const COST_BUCKETS = 44 * BUCKETS_PER_OCTAVE + 2;

export function costBucket(nanos: number): number {
	if (!(nanos >= 1)) return 0;
	return Math.min(COST_BUCKETS - 1, 1 + Math.floor(Math.log2(nanos) * BUCKETS_PER_OCTAVE + 1e-9));
}

/** The geometric middle of a bucket, in nanos. */
export function bucketValue(bucket: number): number {
	if (bucket <= 0) return 0;
	return Math.round(2 ** ((bucket - 1 + 0.5) / BUCKETS_PER_OCTAVE));
}

/**
 * Nearest-rank percentile from bucket counts (index = bucket), clamped into the exact
 * [min, max] when known. Null when nothing was counted.
 */
export function histogramPercentile(counts: number[], percent: number): number | null {
	const total = counts.reduce((sum, count) => sum + Math.max(0, count), 0);
	if (total === 0) return null;
	const rank = Math.max(1, Math.ceil((percent / 100) * total));
	let seen = 0;
	for (let bucket = 0; bucket < counts.length; bucket++) {
		seen += Math.max(0, counts[bucket]);
		if (seen >= rank) return bucketValue(bucket);
	}
	return bucketValue(counts.length - 1);
}

export interface Regression {
	/** Average cost per record of the current window, nanos (null with no records). */
	currentAverage: number | null;
	/** Average over the trailing windows that had records, nanos. */
	trailingAverage: number | null;
	/** current / trailing, rounded to two decimals. */
	ratio: number | null;
	regressed: boolean;
}

/**
 * Flags a regression when the current window's cost per record is at least `factor`
 * times the trailing average (records-weighted over the previous windows), once the
 * current window has `minimumRecords`.
 */
export function costRegression(
	current: { spentNanos: number; records: number },
	trailing: Array<{ spentNanos: number; records: number }>,
	factor = 2,
	minimumRecords = 10,
): Regression {
	const currentAverage = current.records > 0 ? current.spentNanos / current.records : null;
	const spent = trailing.reduce((sum, window) => sum + Math.max(0, window.spentNanos), 0);
	const records = trailing.reduce((sum, window) => sum + Math.max(0, window.records), 0);
	const trailingAverage = records > 0 ? spent / records : null;
	const ratio =
		currentAverage !== null && trailingAverage !== null && trailingAverage > 0
			? Math.round((currentAverage / trailingAverage) * 100) / 100
			: null;
	const regressed =
		ratio !== null &&
		current.records >= minimumRecords &&
		currentAverage! >= factor * trailingAverage!;
	return {
		currentAverage: currentAverage === null ? null : Math.round(currentAverage),
		trailingAverage: trailingAverage === null ? null : Math.round(trailingAverage),
		ratio,
		regressed,
	};
}
