import { asBreakerState, breakerStats, BREAKER_REGISTRY_KEY } from '../breaker';
import { asBudgetConfig, parseBudgetKey, type ParsedBudgetKey } from '../cost/budget';
import { nanosToNumber } from '../cost/money';
import { forecastNanos, percentOf } from '../cost/thresholds';
import { BUDGET_PERIODS, isTimeZone, windowAt, type BudgetPeriod } from '../cost/windows';
import { asAlertMark } from '../expiry/alerts';
import { isPlainObject } from '../json';
import { parseQuotaKey } from '../ratelimit/quota';
import { DRIFT_KINDS } from '../schema/drift';
import { parseMemoryKey } from '../schema/memory';
import { DAY_MS, SECOND_MS } from '../time';
import type {
	BreakerStatusRow,
	BudgetPeriodRow,
	BudgetRow,
	DeadLetterRow,
	DriftRow,
	ExpiryRow,
	GuardsSnapshot,
	QuotaRow,
	StatusEntry,
	StatusInput,
} from './types';

/**
 * The store namespaces of each guard, as the nodes name them (`<kind>:<scope>`, see
 * resolveScope): Guards Status scans these prefixes. Rate Limiter's version 1 quotas
 * live in the bare `quota` namespace.
 */
export const GUARD_KINDS = {
	breaker: 'breaker',
	cost: 'cost',
	quota: 'quota',
	drift: 'schema-drift',
	expiry: 'expiry',
	deadLetter: 'deadletter',
} as const;

export const LIMITER_NOTE =
	"Rate Limiter's token buckets, learned limits and holds are not kept in this store: Embedded limiters live in each n8n process, Redis limiters in bottleneck's own keys. Its Quotas are listed below.";

/** A counter's value as a count: anything but a safe integer (not written by a guard) counts 0. */
const count = (value: unknown) =>
	typeof value === 'number' && Number.isSafeInteger(value) ? value : 0;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const seconds = (ms: number) => Math.max(0, Math.round(ms / SECOND_MS));

/** The scope part of a namespace `<kind>:<scope>`; the bare kind (version 1 quotas) is instance-wide. */
export function scopeOfNamespace(namespace: string, kind: string): string | null {
	if (namespace === kind) return '(instance-wide)';
	return namespace.startsWith(`${kind}:`) ? namespace.slice(kind.length + 1) : null;
}

/** The scopes a Scope filter selects: exactly that scope (a prefix scan also finds longer names). */
function inScope(input: StatusInput, scope: string | null): scope is string {
	return scope !== null && (input.scope === null || scope === input.scope);
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
	const groups = new Map<string, T[]>();
	for (const row of rows) {
		const id = key(row);
		const group = groups.get(id);
		if (group) group.push(row);
		else groups.set(id, [row]);
	}
	return groups;
}

/** Code-unit order: stable across machines, and far cheaper than localeCompare on 10,000 rows. */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const byName = <T extends { scope: string; name: string }>(a: T, b: T) =>
	compare(a.scope, b.scope) || compare(a.name, b.name);

function breakers(input: StatusInput, warnings: string[]): BreakerStatusRow[] {
	const rows: BreakerStatusRow[] = [];
	for (const entry of input.records) {
		const scope = scopeOfNamespace(entry.namespace, GUARD_KINDS.breaker);
		if (!inScope(input, scope) || entry.key === BREAKER_REGISTRY_KEY) continue;
		if (!entry.key.startsWith('breaker:')) continue;
		let state;
		try {
			state = asBreakerState(entry.value);
		} catch {
			state = undefined;
		}
		if (state === undefined) {
			warnings.push(
				`Breaker ${entry.key.slice(8)} in scope ${scope}: its record is not in a known format.`,
			);
			continue;
		}
		const stats = breakerStats(state, input.now);
		rows.push({
			scope,
			name: entry.key.slice('breaker:'.length),
			state: stats.status,
			since: iso(stats.since)!,
			halfOpenInSeconds:
				stats.status === 'open' && stats.openUntil !== null
					? seconds(stats.openUntil - input.now)
					: null,
			calls: stats.calls,
			failures: stats.failures,
			failureRatePercent: stats.failureRatePercent,
			p95Ms: stats.latency.p95Ms,
			windowSeconds: seconds(stats.windowMs),
			opens: stats.opens,
			lastChange: stats.lastChange && {
				from: stats.lastChange.from,
				to: stats.lastChange.to,
				at: iso(stats.lastChange.at)!,
				reason: stats.lastChange.reason,
			},
			buckets: [...state.stats]
				.sort((a, b) => a.start - b.start)
				.map((bucket) => ({
					start: iso(bucket.start)!,
					calls: bucket.calls,
					failures: bucket.failures,
				})),
		});
	}
	return rows.sort(byName);
}

type Parsed<Kind extends ParsedBudgetKey['kind']> = Extract<ParsedBudgetKey, { kind: Kind }>;

function budgets(input: StatusInput): BudgetRow[] {
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

function quotas(input: StatusInput): QuotaRow[] {
	const usage = input.counters.flatMap((entry) => {
		const scope = scopeOfNamespace(entry.namespace, GUARD_KINDS.quota);
		const parsed = inScope(input, scope) ? parseQuotaKey(entry.key) : null;
		return parsed && parsed.alertedThreshold === null
			? [{ scope: scope!, ...parsed, usage: count(entry.value) }]
			: [];
	});
	const alerts = input.records.flatMap((entry) => {
		const scope = scopeOfNamespace(entry.namespace, GUARD_KINDS.quota);
		const parsed = inScope(input, scope) ? parseQuotaKey(entry.key) : null;
		return parsed && parsed.alertedThreshold !== null ? [{ scope: scope!, ...parsed }] : [];
	});
	const rows: QuotaRow[] = [];
	for (const group of groupBy(usage, (row) =>
		JSON.stringify([row.scope, row.quota, row.period]),
	).values()) {
		const history = group
			.map((row) => ({ window: row.window, usage: row.usage }))
			.sort((a, b) => compare(a.window, b.window));
		const latest = history[history.length - 1];
		const { scope, quota, period } = group[0];
		rows.push({
			scope,
			name: quota,
			period,
			window: latest.window,
			usage: latest.usage,
			thresholdsAlerted: alerts
				.filter(
					(alert) =>
						alert.scope === scope &&
						alert.quota === quota &&
						alert.period === period &&
						alert.window === latest.window,
				)
				.map((alert) => alert.alertedThreshold!)
				.sort((a, b) => a - b),
			history,
		});
	}
	return rows.sort((a, b) => byName(a, b) || compare(a.period, b.period));
}

function deadLetters(input: StatusInput): DeadLetterRow[] {
	const age = (at: number | null) => (at === null ? null : seconds(input.now - at));
	const rows: DeadLetterRow[] = [];
	const groups = groupBy(input.queues, (entry) => entry.namespace);
	for (const [queue, entries] of groups) {
		const scope = scopeOfNamespace(queue, GUARD_KINDS.deadLetter);
		if (!inScope(input, scope)) continue;
		const classes = entries.map((entry) => {
			const value = isPlainObject(entry.value) ? entry.value : {};
			const oldest = typeof value.oldestOpenAt === 'number' ? value.oldestOpenAt : null;
			return {
				class: entry.key === '' ? '(none)' : entry.key,
				open: count(value.open),
				leased: count(value.leased),
				oldestAt: oldest,
			};
		});
		const oldest = classes.reduce<number | null>(
			(min, row) =>
				row.oldestAt !== null && (min === null || row.oldestAt < min) ? row.oldestAt : min,
			null,
		);
		rows.push({
			scope,
			open: classes.reduce((sum, row) => sum + row.open, 0),
			leased: classes.reduce((sum, row) => sum + row.leased, 0),
			oldestAgeSeconds: age(oldest),
			classes: classes
				.sort((a, b) => b.open - a.open || compare(a.class, b.class))
				.map((row) => ({
					class: row.class,
					open: row.open,
					leased: row.leased,
					oldestAgeSeconds: age(row.oldestAt),
				})),
		});
	}
	return rows.sort((a, b) => compare(a.scope, b.scope));
}

function drift(input: StatusInput, warnings: string[]): DriftRow[] {
	const lifetimeMs = input.driftLifetimeDays * DAY_MS;
	const since = input.now - input.driftDays * DAY_MS;
	const rows: DriftRow[] = [];
	let hashed = 0;
	for (const entry of input.counters) {
		const scope = scopeOfNamespace(entry.namespace, GUARD_KINDS.drift);
		if (!inScope(input, scope)) continue;
		const parsed = parseMemoryKey(entry.key, DRIFT_KINDS);
		if (parsed?.kind === 'hashed' && parsed.counter === 'drift') hashed += 1;
		if (parsed?.kind !== 'marker') continue;
		const firstSeen = entry.expiresAt === null ? null : entry.expiresAt - lifetimeMs;
		if (firstSeen !== null && firstSeen < since) continue;
		rows.push({
			scope,
			schema: parsed.identity,
			kind: parsed.drift,
			path: parsed.path,
			detail: parsed.detail,
			timesSeen: count(entry.value),
			firstSeenAt: iso(firstSeen),
		});
	}
	if (hashed > 0)
		warnings.push(
			`${hashed} drift marker(s) have keys too long to read back (stored as a hash): counted by Schema Guard, not listed here.`,
		);
	return rows.sort(
		(a, b) =>
			compare(a.scope, b.scope) ||
			compare(a.schema, b.schema) ||
			DRIFT_KINDS.indexOf(a.kind as never) - DRIFT_KINDS.indexOf(b.kind as never) ||
			compare(a.path, b.path),
	);
}

function expiries(input: StatusInput): ExpiryRow[] {
	const rows: ExpiryRow[] = [];
	for (const entry of input.records) {
		const scope = scopeOfNamespace(entry.namespace, GUARD_KINDS.expiry);
		const mark = inScope(input, scope) ? asAlertMark(entry.value) : undefined;
		if (mark === undefined) continue;
		rows.push({
			scope: scope!,
			status: mark.status,
			credentialHash: entry.key.slice(entry.key.lastIndexOf(':') + 1).slice(0, 12),
			alertedAt: iso(mark.alertedAt)!,
			quietUntil: iso(entry.expiresAt),
		});
	}
	return rows.sort((a, b) => compare(a.scope, b.scope) || compare(b.alertedAt, a.alertedAt));
}

/** Every guard's state from what the store's scan returned. */
export function buildSnapshot(input: StatusInput): GuardsSnapshot {
	const warnings: string[] = [...(input.notes ?? [])];
	if (input.cap.reached)
		warnings.push(
			`Stopped after reading ${input.cap.limit} entries (Max Entries): the figures below cover part of the store. Raise Max Entries or set a Scope.`,
		);
	const breakerRows = breakers(input, warnings);
	const budgetRows = budgets(input);
	const queueRows = deadLetters(input);
	const driftRows = drift(input, warnings);
	const expiryRows = expiries(input);
	const quotaRows = quotas(input);
	return {
		generatedAt: new Date(input.now).toISOString(),
		store: { backend: input.store.backend, location: input.store.location },
		scope: input.scope,
		complete: !input.cap.reached,
		recordsRead: input.records.length + input.counters.length + input.queues.length,
		warnings,
		totals: {
			breakers: breakerRows.length,
			breakersOpen: breakerRows.filter((row) => row.state !== 'closed').length,
			budgets: budgetRows.length,
			budgetsOverThreshold: budgetRows.filter((row) =>
				row.periods.some((period) => period.thresholdsCrossed.length > 0),
			).length,
			quotas: quotaRows.length,
			deadLetters: queueRows.reduce((sum, row) => sum + row.open, 0),
			driftFindings: driftRows.length,
			expiryAlerts: expiryRows.length,
		},
		breakers: breakerRows,
		limiters: { note: LIMITER_NOTE },
		quotas: quotaRows,
		budgets: budgetRows,
		deadLetters: queueRows,
		drift: driftRows,
		expiries: expiryRows,
	};
}
