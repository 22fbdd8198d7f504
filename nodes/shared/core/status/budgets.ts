import { asBudgetConfig, parseBudgetKey, type ParsedBudgetKey } from '../cost/budget';
import { nanosToNumber } from '../cost/money';
import { forecastNanos, percentOf } from '../cost/thresholds';
import { BUDGET_PERIODS, isTimeZone, windowAt, type BudgetPeriod } from '../cost/windows';
import { byName, compare, count, GUARD_KINDS, inScope, scopeOfNamespace } from './common';
import type { BudgetPeriodRow, BudgetRow, StatusEntry, StatusInput } from './types';

/** Cost Guard's budgets: its config record (Check Budget) and its counters, per scope. */

type Parsed<Kind extends ParsedBudgetKey['kind']> = Extract<ParsedBudgetKey, { kind: Kind }>;

export function budgets(input: StatusInput): BudgetRow[] {
	const found = new Map<
		string,
		{
			scope: string;
			name: string;
			config: StatusEntry | null;
			counters: Array<Parsed<'counter'> & { value: number }>;
			alerts: Array<Parsed<'alert'> & { value: number }>;
		}
	>();
	const budgetOf = (scope: string, name: string) => {
		const id = JSON.stringify([scope, name]);
		let budget = found.get(id);
		if (!budget) found.set(id, (budget = { scope, name, config: null, counters: [], alerts: [] }));
		return budget;
	};
	for (const entry of input.records) {
		const scope = scopeOfNamespace(entry.namespace, GUARD_KINDS.cost);
		const parsed = inScope(input, scope) ? parseBudgetKey(entry.key) : null;
		if (parsed?.kind === 'config') budgetOf(scope!, parsed.budget).config = entry;
	}
	for (const entry of input.counters) {
		const scope = scopeOfNamespace(entry.namespace, GUARD_KINDS.cost);
		const parsed = inScope(input, scope) ? parseBudgetKey(entry.key) : null;
		const value = count(entry.value);
		if (parsed?.kind === 'counter')
			budgetOf(scope!, parsed.budget).counters.push({ ...parsed, value });
		if (parsed?.kind === 'alert') budgetOf(scope!, parsed.budget).alerts.push({ ...parsed, value });
	}
	const rows: BudgetRow[] = [];
	// The current windows per zone and period, computed once (luxon is not cheap per budget).
	const windows = new Map<string, ReturnType<typeof windowAt>>();
	const windowOf = (period: BudgetPeriod, zone: string) => {
		const id = `${period} ${zone}`;
		let window = windows.get(id);
		if (!window) windows.set(id, (window = windowAt(period, input.now, zone)));
		return window;
	};
	const zones = new Map<string, boolean>();
	const knownZone = (zone: string) => {
		let known = zones.get(zone);
		if (known === undefined) zones.set(zone, (known = isTimeZone(zone)));
		return known;
	};
	for (const budget of found.values()) {
		const config = budget.config ? asBudgetConfig(budget.config.value) : null;
		const zone = config && knownZone(config.zone) ? config.zone : 'UTC';
		const periods: BudgetPeriodRow[] = [];
		for (const period of BUDGET_PERIODS) {
			const current = windowOf(period, zone);
			const mine = budget.counters.filter((counter) => counter.period === period);
			const limit = config?.limits[period];
			if (mine.length === 0 && !limit) continue;
			const value = (counter: string, window: string) =>
				mine.find((entry) => entry.counter === counter && entry.window === window)?.value ?? 0;
			const spentNanos = value('spent', current.id);
			const forecast = forecastNanos(spentNanos, current, input.now);
			const stored = [
				...new Set(mine.filter((entry) => entry.counter === 'spent').map((entry) => entry.window)),
			];
			if (!stored.includes(current.id)) stored.push(current.id);
			periods.push({
				period,
				window: current.id,
				spent: nanosToNumber(spentNanos),
				limit: limit?.moneyNanos != null ? nanosToNumber(limit.moneyNanos) : null,
				percentOfLimit: limit?.moneyNanos ? percentOf(spentNanos, limit.moneyNanos) : null,
				forecast: forecast === null ? null : nanosToNumber(forecast),
				itemsLetThrough: Math.max(0, value('items', current.id)),
				itemLimit: limit?.items ?? null,
				thresholdsCrossed: budget.alerts
					.filter(
						(alert) => alert.period === period && alert.window === current.id && alert.value >= 1,
					)
					.map((alert) => ({ kind: alert.alert, threshold: alert.threshold }))
					.sort((a, b) => compare(a.kind, b.kind) || a.threshold - b.threshold),
				history: stored
					.sort()
					.map((window) => ({ window, spent: nanosToNumber(value('spent', window)) })),
			});
		}
		rows.push({
			scope: budget.scope,
			name: budget.name,
			currency: config?.currency ?? 'USD',
			limitsKnown: config !== null,
			periods: sortPeriods(periods),
		});
	}
	return rows.sort(byName);
}

function sortPeriods(periods: BudgetPeriodRow[]): BudgetPeriodRow[] {
	return periods.sort(
		(a, b) =>
			BUDGET_PERIODS.indexOf(a.period as BudgetPeriod) -
			BUDGET_PERIODS.indexOf(b.period as BudgetPeriod),
	);
}
