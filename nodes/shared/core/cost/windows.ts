import { DateTime, IANAZone } from 'luxon';

/** Budget windows: calendar hours, days and months in the budget's time zone. */
export type BudgetPeriod = 'hour' | 'day' | 'month';
export const BUDGET_PERIODS: readonly BudgetPeriod[] = ['hour', 'day', 'month'];

export interface BudgetWindow {
	period: BudgetPeriod;
	/** Stable label of the window in its zone, part of the counter keys: "2026-03-29T02", "2026-03-29", "2026-03". */
	id: string;
	/** Epoch ms of the window's first and first-after-last instant. */
	start: number;
	end: number;
}

const FORMATS: Record<BudgetPeriod, string> = {
	hour: "yyyy-MM-dd'T'HH",
	day: 'yyyy-MM-dd',
	month: 'yyyy-MM',
};

export function isTimeZone(zone: string): boolean {
	return zone.trim() !== '' && IANAZone.isValidZone(zone.trim());
}

/**
 * The window of `period` holding `now` in `zone`. Hours are wall-clock hours, so the
 * hour repeated when the clocks go back is two windows (the id carries the offset), and
 * a day on which the clocks change is 23 or 25 hours long.
 */
export function windowAt(period: BudgetPeriod, now: number, zone: string): BudgetWindow {
	if (!isTimeZone(zone)) throw new RangeError(`Unknown time zone "${zone}"`);
	const local = DateTime.fromMillis(now, { zone: zone.trim() });
	const start = local.startOf(period);
	const end = start.plus({ [`${period}s`]: 1 });
	let id = start.toFormat(FORMATS[period]);
	// An hour that occurs twice (DST end) is told apart by its offset.
	if (period === 'hour') id += start.toFormat('ZZZ');
	return { period, id, start: start.toMillis(), end: end.toMillis() };
}

/** The `count` windows before the one holding `now`, newest first. */
export function previousWindows(
	period: BudgetPeriod,
	now: number,
	zone: string,
	count: number,
): BudgetWindow[] {
	const windows: BudgetWindow[] = [];
	let current = windowAt(period, now, zone);
	for (let index = 0; index < count; index++) {
		current = windowAt(period, current.start - 1, zone);
		windows.push(current);
	}
	return windows;
}

/** Share of the window gone by at `now`, 0..1. */
export function elapsedFraction(window: BudgetWindow, now: number): number {
	const length = window.end - window.start;
	return Math.min(1, Math.max(0, (now - window.start) / length));
}

/** Keeps a window's counters a while after it ends, for reports on previous windows. */
export function windowTtlMs(window: BudgetWindow, now: number, keepWindows = 8): number {
	return Math.max(1, window.end - now) + (window.end - window.start) * keepWindows;
}
