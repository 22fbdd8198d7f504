import { stableHash } from '../hash';
import { isPlainObject, type JsonObject, type JsonValue } from '../json';
import { DAY_MS } from '../time';
import { BUDGET_PERIODS, type BudgetPeriod, type BudgetWindow } from './windows';
import type { AlertKind } from './thresholds';

/** A budget's limits per period: money in nanos and/or a number of items, null when not limited. */
export interface PeriodLimit {
	moneyNanos: number | null;
	items: number | null;
}

/**
 * What a Check Budget node stores about its budget, so Record Usage and Report (which
 * have no limits of their own) count in the same windows and alert on the same limits.
 */
export interface BudgetConfig {
	zone: string;
	currency: string;
	limits: Partial<Record<BudgetPeriod, PeriodLimit>>;
	thresholds: Record<AlertKind, number[]>;
}

export const MAX_BUDGET_NAME_LENGTH = 200;

/**
 * How long a budget's saved limits are kept after its last Check Budget: longer than
 * Report looks back (8 monthly windows), and refreshed by each Check at most daily.
 */
export const BUDGET_CONFIG_TTL_MS = 400 * DAY_MS;

/** Why a budget name cannot be used, or null. */
export function budgetNameProblem(name: string): string | null {
	if (name.trim() === '') return 'is empty';
	if (name.length > MAX_BUDGET_NAME_LENGTH)
		return `is longer than ${MAX_BUDGET_NAME_LENGTH} characters`;
	if ([...name].some((character) => character.charCodeAt(0) < 0x20))
		return 'contains control characters';
	return null;
}

/** Store keys of one budget; every key starts with the budget's name. */
export const budgetKeys = {
	config: (budget: string) => `budget/${budget}/config`,
	counter: (budget: string, counter: BudgetCounter, window: BudgetWindow) =>
		`budget/${budget}/${counter}/${window.period}/${window.id}`,
	bucket: (budget: string, window: BudgetWindow, bucket: number) =>
		`budget/${budget}/hist/${window.period}/${window.id}/${bucket}`,
	alert: (budget: string, kind: AlertKind, window: BudgetWindow, threshold: number) =>
		`budget/${budget}/alert/${kind}/${window.period}/${window.id}/${threshold}`,
	cache: (budget: string, hash: string) => `budget/${budget}/cache/${hash}`,
	/** Made 1 by the one Record Usage that releases a Check Budget reservation; any later one sees 2+. */
	release: (budget: string, reservation: string) => `budget/${budget}/release/${reservation}`,
	/** Made 1 by the one Record Usage that records an AI model node's call of an execution. */
	call: (budget: string, execution: string, node: string, run: number) =>
		`budget/${budget}/call/${execution}/${stableHash(node).slice(0, 16)}/${run}`,
};

/**
 * spent: recorded actual cost (nanos); records: recorded items; reserved: estimates of
 * items Check Budget let through that Record Usage has not priced yet (nanos); items:
 * items let through (the volume guard rail); avoided, hits, misses: the cache; cached:
 * responses Cache Store took (its daily cap).
 */
export type BudgetCounter =
	| 'spent'
	| 'records'
	| 'reserved'
	| 'items'
	| 'avoided'
	| 'hits'
	| 'misses'
	| 'cached';

export function asBudgetConfig(value: JsonValue | undefined): BudgetConfig | null {
	if (
		!isPlainObject(value) ||
		typeof value.zone !== 'string' ||
		!isPlainObject(value.limits) ||
		!isPlainObject(value.thresholds)
	)
		return null;
	const limits: BudgetConfig['limits'] = {};
	for (const period of BUDGET_PERIODS) {
		const limit = (value.limits as Record<string, unknown>)[period];
		if (!isPlainObject(limit)) continue;
		const count = (entry: unknown) =>
			typeof entry === 'number' && Number.isSafeInteger(entry) && entry >= 0 ? entry : null;
		limits[period] = { moneyNanos: count(limit.moneyNanos), items: count(limit.items) };
	}
	const list = (entry: unknown) =>
		Array.isArray(entry)
			? entry.filter((item): item is number => typeof item === 'number' && item > 0)
			: [];
	const thresholds = value.thresholds as Record<string, unknown>;
	return {
		zone: value.zone,
		currency: typeof value.currency === 'string' ? value.currency : 'USD',
		limits,
		thresholds: { actual: list(thresholds.actual), forecast: list(thresholds.forecast) },
	};
}

export function budgetConfigJson(config: BudgetConfig): JsonObject {
	const limits: JsonObject = {};
	for (const period of BUDGET_PERIODS) {
		const limit = config.limits[period];
		if (limit) limits[period] = { moneyNanos: limit.moneyNanos, items: limit.items };
	}
	return {
		zone: config.zone,
		currency: config.currency,
		limits,
		thresholds: { actual: config.thresholds.actual, forecast: config.thresholds.forecast },
	};
}

/** The periods a config limits, in order hour, day, month. */
export function limitedPeriods(config: BudgetConfig): BudgetPeriod[] {
	return BUDGET_PERIODS.filter((period) => {
		const limit = config.limits[period];
		return limit !== undefined && (limit.moneyNanos !== null || limit.items !== null);
	});
}

/** A period's standing when a batch arrives: counters as the store returned them. */
export interface PeriodStanding {
	period: BudgetPeriod;
	limit: PeriodLimit;
	spentNanos: number;
	/** Reserved by other batches (not this one), nanos. */
	reservedNanos: number;
	/** Items let through by other batches (not this one). */
	items: number;
}

export interface Admission {
	admitted: boolean[];
	/** Per admitted=false item, the periods whose limit it would break ("day money", "hour items"). */
	reasons: Array<string[]>;
	admittedNanos: number;
	admittedCount: number;
}

/**
 * Decides which items of a batch fit, in order: an item is let through when, for every
 * limited period, the recorded spend plus what is reserved plus its estimate stays
 * within the money limit, and the items let through stay within the item limit. An
 * item that does not fit does not use up room, so a cheaper item after it may still
 * fit. Integer maths only.
 */
export function decideAdmission(estimates: number[], standings: PeriodStanding[]): Admission {
	const admitted: boolean[] = [];
	const reasons: Array<string[]> = [];
	let admittedNanos = 0;
	let admittedCount = 0;
	for (const estimate of estimates) {
		const broken: string[] = [];
		for (const standing of standings) {
			const { moneyNanos, items } = standing.limit;
			if (moneyNanos !== null) {
				const committed =
					standing.spentNanos + Math.max(0, standing.reservedNanos) + admittedNanos + estimate;
				// Once the recorded spend reaches the limit nothing more goes through, even at an estimate of 0.
				if (committed > moneyNanos || standing.spentNanos >= moneyNanos) {
					broken.push(`${standing.period} money`);
				}
			}
			if (items !== null && Math.max(0, standing.items) + admittedCount + 1 > items)
				broken.push(`${standing.period} items`);
		}
		const fits = broken.length === 0;
		admitted.push(fits);
		reasons.push(broken);
		if (fits) {
			admittedNanos += estimate;
			admittedCount++;
		}
	}
	return { admitted, reasons, admittedNanos, admittedCount };
}

/**
 * How full each item leaves the budget: per item, the largest share (percent, one
 * decimal) of any money limit that the recorded spend, the reservations and the items
 * let through before it plus its own estimate make up. An item turned away shows what it
 * would have made. Null when the budget has no money limit. With a threshold it drives a
 * cheaper-model route: `percent >= 80` picks the small model.
 */
export function percentsOfLimit(
	estimates: number[],
	standings: PeriodStanding[],
	admission: Admission,
): Array<number | null> {
	const money = standings.filter((standing) => standing.limit.moneyNanos !== null);
	if (money.length === 0) return estimates.map(() => null);
	let before = 0;
	return estimates.map((estimate, position) => {
		const percent = Math.max(
			...money.map((standing) => {
				const committed =
					standing.spentNanos + Math.max(0, standing.reservedNanos) + before + estimate;
				const limit = standing.limit.moneyNanos!;
				return limit === 0 ? 100 : Math.round((committed / limit) * 1000) / 10;
			}),
		);
		if (admission.admitted[position]) before += estimate;
		return percent;
	});
}

/** A store key of a budget taken apart: the inverse of `budgetKeys` (Guards Status reads them). */
export type ParsedBudgetKey =
	| { kind: 'config'; budget: string }
	| {
			kind: 'counter';
			budget: string;
			counter: BudgetCounter;
			period: BudgetPeriod;
			window: string;
	  }
	| { kind: 'bucket'; budget: string; period: BudgetPeriod; window: string; bucket: number }
	| {
			kind: 'alert';
			budget: string;
			alert: AlertKind;
			period: BudgetPeriod;
			window: string;
			threshold: number;
	  }
	| { kind: 'cache' | 'release'; budget: string };

const BUDGET_COUNTERS: readonly BudgetCounter[] = [
	'spent',
	'records',
	'reserved',
	'items',
	'avoided',
	'hits',
	'misses',
	'cached',
];

/**
 * Null for a key `budgetKeys` cannot have made. Read from the end: a budget name may hold
 * "/", window ids and the other parts never do.
 */
export function parseBudgetKey(key: string): ParsedBudgetKey | null {
	if (!key.startsWith('budget/')) return null;
	const parts = key.slice('budget/'.length).split('/');
	const isPeriod = (text: string | undefined): text is BudgetPeriod =>
		BUDGET_PERIODS.includes(text as BudgetPeriod);
	const name = (drop: number) => parts.slice(0, parts.length - drop).join('/');
	const n = parts.length;
	if (n >= 2 && parts[n - 1] === 'config') return { kind: 'config', budget: name(1) };
	if (n >= 6 && parts[n - 5] === 'alert' && isPeriod(parts[n - 3])) {
		const threshold = Number(parts[n - 1]);
		const alert = parts[n - 4];
		if ((alert === 'actual' || alert === 'forecast') && Number.isFinite(threshold))
			return {
				kind: 'alert',
				budget: name(5),
				alert,
				period: parts[n - 3] as BudgetPeriod,
				window: parts[n - 2],
				threshold,
			};
	}
	if (n >= 5 && parts[n - 4] === 'hist' && isPeriod(parts[n - 3]) && /^\d+$/.test(parts[n - 1]))
		return {
			kind: 'bucket',
			budget: name(4),
			period: parts[n - 3] as BudgetPeriod,
			window: parts[n - 2],
			bucket: Number(parts[n - 1]),
		};
	if (n >= 4 && BUDGET_COUNTERS.includes(parts[n - 3] as BudgetCounter) && isPeriod(parts[n - 2]))
		return {
			kind: 'counter',
			budget: name(3),
			counter: parts[n - 3] as BudgetCounter,
			period: parts[n - 2] as BudgetPeriod,
			window: parts[n - 1],
		};
	if (n >= 3 && (parts[n - 2] === 'cache' || parts[n - 2] === 'release'))
		return { kind: parts[n - 2] as 'cache' | 'release', budget: name(2) };
	return null;
}
