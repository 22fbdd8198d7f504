import { elapsedFraction, type BudgetWindow } from './windows';

/** Alert thresholds in percent of a limit, e.g. [50, 75, 100]. */
export const DEFAULT_THRESHOLDS = [50, 75, 100];

export type AlertKind = 'actual' | 'forecast';

/** "50, 75, 100" → [50, 75, 100]; empty → []; anything else is a RangeError naming the entry. */
/**
 * The linear forecast of what a window will end at: spend so far divided by the share
 * of the window gone by (as AWS Budgets forecasts). Null until `minimumElapsed` of the
 * window has passed: a forecast from the first minutes would cry wolf.
 */
export function forecastNanos(
	spentNanos: number,
	window: BudgetWindow,
	now: number,
	minimumElapsed = 0.1,
): number | null {
	const elapsed = elapsedFraction(window, now);
	if (elapsed < minimumElapsed || elapsed <= 0) return null;
	return Math.round(spentNanos / elapsed);
}

/** Thresholds reached by `amount` against `limit` (amount ≥ threshold% of limit), in integer maths. */
export function reachedThresholds(
	amountNanos: number,
	limitNanos: number,
	thresholds: number[],
): number[] {
	if (limitNanos <= 0) return [];
	// amount / limit ≥ t / 100  ⇔  amount × 100 ≥ t × limit; t may have decimals, so scale by 1000.
	return thresholds.filter(
		(threshold) =>
			BigInt(amountNanos) * 100_000n >= BigInt(Math.round(threshold * 1000)) * BigInt(limitNanos),
	);
}

/** Percent of a limit, rounded to two decimals (for display). */
export function percentOf(amountNanos: number, limitNanos: number): number | null {
	if (limitNanos <= 0) return null;
	return Math.round((amountNanos / limitNanos) * 10_000) / 100;
}
