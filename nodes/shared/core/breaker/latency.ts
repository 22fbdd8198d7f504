/**
 * Latency histograms in bounded memory: counts per logarithmic bin. Each bin is 10%
 * wider than the one before, so a percentile read from the histogram is within about
 * ±5% of the true value, and latencies from 1 ms to a day fit in under 200 bins however
 * many calls are counted.
 *
 * Kept as a plain object keyed by bin number (JSON keeps object keys as strings) so it
 * is stored as it is with the breaker's state.
 */
export type LatencyHistogram = { [bin: string]: number };

const GROWTH = 1.1;
const LOG_GROWTH = Math.log(GROWTH);

/** Bin 0 holds latencies under 1 ms; bin b ≥ 1 holds [1.1^(b-1), 1.1^b) ms. */
export function latencyBin(ms: number): number {
	if (!(ms >= 1)) return 0;
	return 1 + Math.floor(Math.log(ms) / LOG_GROWTH);
}

/** The value a bin stands for: its geometric middle (0.5 ms for bin 0). */
export function binLatency(bin: number): number {
	return bin <= 0 ? 0.5 : Math.pow(GROWTH, bin - 0.5);
}

/** The sum of several histograms, as bin → count. */
export function mergeHistograms(histograms: LatencyHistogram[]): Map<number, number> {
	const merged = new Map<number, number>();
	for (const histogram of histograms) {
		for (const [bin, count] of Object.entries(histogram)) {
			merged.set(Number(bin), (merged.get(Number(bin)) ?? 0) + count);
		}
	}
	return merged;
}

/**
 * The `percent` percentile (nearest rank) of the latencies in `histogram`, clamped to
 * the smallest and largest latency seen: when every call took 120 ms, every percentile
 * is exactly 120 ms. Null when nothing was measured.
 */
export function latencyPercentile(
	histogram: Map<number, number>,
	percent: number,
	range: { min: number; max: number },
): number | null {
	const total = [...histogram.values()].reduce((sum, count) => sum + count, 0);
	if (total === 0) return null;
	const rank = Math.max(1, Math.ceil((percent / 100) * total));
	let seen = 0;
	for (const bin of [...histogram.keys()].sort((a, b) => a - b)) {
		seen += histogram.get(bin) ?? 0;
		if (seen >= rank) return Math.min(range.max, Math.max(range.min, binLatency(bin)));
	}
	return range.max;
}
