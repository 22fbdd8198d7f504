/**
 * Quotas per day or month: which window a moment falls in (in the user's time zone, so
 * "daily" resets at their midnight, month ends and DST included) and which alert
 * thresholds a batch of use crossed. Usage is an atomic store counter, so exactly one
 * increment crosses each threshold: that batch alerts, no other.
 */
import { DateTime } from 'luxon';

import { describeValue, SettingsError } from '../errors/settings';
import { parsePercentages } from '../percentages';

export type QuotaPeriod = 'hour' | 'day' | 'week' | 'month';

export interface QuotaWindow {
	/** Stable name of the window, e.g. 2026-11-27 or 2026-11 (store key part). */
	id: string;
	/** Epoch ms of its first and one past its last millisecond. */
	start: number;
	end: number;
}

export type QuotaSetting = 'period' | 'timeZone' | 'quota' | 'thresholds';

/** A quota setting that is not valid: a SettingsError whose option is the setting's key. */
export class QuotaSettingsError extends SettingsError<QuotaSetting> {
	// A time zone or a list of thresholds has no range: it is valid or not.
	readonly problem: string;

	constructor(setting: QuotaSetting, value: unknown, expected: string) {
		super(setting, value, expected, `${setting} must be ${expected}, got ${JSON.stringify(value)}`);
		this.name = 'QuotaSettingsError';
		this.problem = `is not valid: ${describeValue(value)}`;
	}

	/** The setting's key (the option, as every SettingsError names it). */
	get setting(): QuotaSetting {
		return this.option;
	}
}

export function isQuotaSettingsError(error: unknown): error is QuotaSettingsError {
	return error instanceof QuotaSettingsError;
}

const FORMATS: Record<QuotaPeriod, string> = {
	hour: "yyyy-MM-dd'T'HH",
	day: 'yyyy-MM-dd',
	week: "kkkk-'W'WW",
	month: 'yyyy-MM',
};

/** The window `now` falls in, in `zone` (an IANA name, or UTC). */
export function quotaWindow(now: number, period: QuotaPeriod, zone: string): QuotaWindow {
	if (!Object.prototype.hasOwnProperty.call(FORMATS, period))
		throw new QuotaSettingsError('period', period, 'hour, day, week or month');
	const local = DateTime.fromMillis(now, { zone: zone.trim() === '' ? 'UTC' : zone.trim() });
	if (!local.isValid)
		throw new QuotaSettingsError(
			'timeZone',
			zone,
			'an IANA time zone such as Europe/Berlin, or UTC',
		);
	const start = local.startOf(period);
	const end = start.plus({ [`${period}s`]: 1 });
	return { id: start.toFormat(FORMATS[period]), start: start.toMillis(), end: end.toMillis() };
}

/** "75, 90, 100" → [75, 90, 100]: unique, sorted, each above 0 and at most 1000 (%). */
export function parseQuotaThresholds(text: string): number[] {
	let values: number[];
	try {
		values = parsePercentages(text);
	} catch {
		throw new QuotaSettingsError(
			'thresholds',
			text,
			'percentages above 0 and at most 1000, e.g. 75, 90, 100',
		);
	}
	if (values.length === 0)
		throw new QuotaSettingsError('thresholds', text, 'one or more percentages, e.g. 75, 90, 100');
	return values;
}

/** The usage at which `threshold` percent of `quota` is reached (whole units, rounded up). */
export function thresholdUsage(quota: number, threshold: number): number {
	return Math.ceil((quota * threshold) / 100 - 1e-9);
}

/**
 * Thresholds crossed when usage went from `before` to `after` (inclusive of reaching
 * one exactly): before < mark ≤ after.
 */
export function crossedThresholds(
	before: number,
	after: number,
	quota: number,
	thresholds: number[],
): number[] {
	if (!(after > before)) return [];
	return thresholds.filter((threshold) => {
		const mark = thresholdUsage(quota, threshold);
		return before < mark && mark <= after;
	});
}

/**
 * For each unit of use in a batch (usage `before` → `before + Σ uses`), the index of the
 * use that crossed each threshold, so the alert pairs with the item that caused it.
 * Uses are never negative (a quota only counts up).
 */
export function crossingsByUse(
	before: number,
	uses: number[],
	quota: number,
	thresholds: number[],
): Array<{ threshold: number; use: number; usage: number }> {
	const out: Array<{ threshold: number; use: number; usage: number }> = [];
	// The marks still ahead, lowest first (then in the order given): usage only grows, so
	// each batch walks them once instead of filtering every threshold for every use.
	const marks = thresholds
		.map((threshold, order) => ({ threshold, order, mark: thresholdUsage(quota, threshold) }))
		.filter((entry) => entry.mark > before)
		.sort((a, b) => a.mark - b.mark || a.order - b.order);
	let next = 0;
	let usage = before;
	for (let use = 0; use < uses.length && next < marks.length; use++) {
		usage += uses[use];
		if (marks[next].mark > usage) continue;
		const crossed: typeof marks = [];
		while (next < marks.length && marks[next].mark <= usage) crossed.push(marks[next++]);
		crossed.sort((a, b) => a.order - b.order);
		for (const { threshold } of crossed) out.push({ threshold, use, usage });
	}
	return out;
}

/**
 * A Rate Limiter Quota key taken apart (Guards Status reads them): the counter
 * `<name>:<period>:<window id>` and its alert claims `<counter>:alerted:<threshold>`,
 * as the Quota operation writes them. Read from the end (names may hold ":"). Null for
 * any other key.
 */
export function parseQuotaKey(
	key: string,
): { quota: string; period: QuotaPeriod; window: string; alertedThreshold: number | null } | null {
	const match =
		/^(.+):(hour|day|week|month):([0-9W-]+(?:T\d\d)?)(?::alerted:(\d+(?:\.\d+)?))?$/.exec(key);
	if (!match) return null;
	return {
		quota: match[1],
		period: match[2] as QuotaPeriod,
		window: match[3],
		alertedThreshold: match[4] === undefined ? null : Number(match[4]),
	};
}

/**
 * What a quota is set to, kept beside its counters (`<name>:<period>:settings`) so that
 * Guards Status shows usage against the limit and the thresholds crossed. Written when
 * a process first counts into a window, and when the settings change. A type, so it is
 * assignable to JsonValue.
 */
export type QuotaSettingsRecord = {
	limit: number;
	thresholds: number[];
	timeZone: string;
	/** The window it was written in. */
	window: string;
	updatedAt: string;
};

export function quotaSettingsKey(name: string, period: QuotaPeriod): string {
	return `${name}:${period}:settings`;
}

/** A quota settings key taken apart; null for any other key. */
export function parseQuotaSettingsKey(key: string): { quota: string; period: QuotaPeriod } | null {
	const match = /^(.+):(hour|day|week|month):settings$/.exec(key);
	return match ? { quota: match[1], period: match[2] as QuotaPeriod } : null;
}

/** A stored quota settings record, or undefined when the value is not one. */
export function asQuotaSettingsRecord(value: unknown): QuotaSettingsRecord | undefined {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
	const field = value as Record<string, unknown>;
	const limit = field.limit;
	if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) return undefined;
	const thresholds = Array.isArray(field.thresholds)
		? field.thresholds.filter(
				(threshold): threshold is number =>
					typeof threshold === 'number' && Number.isFinite(threshold) && threshold > 0,
			)
		: [];
	const text = (entry: unknown) => (typeof entry === 'string' ? entry.slice(0, 200) : '');
	return {
		limit,
		thresholds: thresholds.slice(0, 100),
		timeZone: text(field.timeZone),
		window: text(field.window),
		updatedAt: text(field.updatedAt),
	};
}
