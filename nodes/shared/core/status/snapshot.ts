import { asBreakerState, breakerStats, BREAKER_REGISTRY_KEY } from '../breaker';
import { asAlertMark } from '../expiry/alerts';
import { isPlainObject } from '../json';
import { parseQuotaKey } from '../ratelimit/quota';
import { DRIFT_KINDS } from '../schema/drift';
import { parseMemoryKey } from '../schema/memory';
import { DAY_MS } from '../time';
import { budgets } from './budgets';
import {
	byName,
	compare,
	count,
	GUARD_KINDS,
	groupBy,
	inScope,
	iso,
	limiterNote,
	scopeOfNamespace,
	seconds,
} from './common';
import type { LimiterView } from '../ratelimit/learned';
import type {
	BreakerStatusRow,
	DeadLetterRow,
	DriftRow,
	ExpiryRow,
	LimiterRow,
	GuardsSnapshot,
	QuotaRow,
	StatusInput,
} from './types';

/** Each guard's section of the snapshot, decoded by the guard's own core (budgets: budgets.ts). */

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

/** `<URI-encoded limiter key>:<hash>`: a version 2 key is ` ["ratelimit:<scope>", "<name>"]`, a version 1 key the bare name. */
function limiterIdentity(
	id: string,
): { scope: string | null; name: string; settingsId: string } | null {
	const split = id.lastIndexOf(':');
	let key: string;
	try {
		key = decodeURIComponent(id.slice(0, split));
	} catch {
		return null;
	}
	const settingsId = id.slice(split + 1);
	if (!key.startsWith(' ')) return { scope: '(instance-wide)', name: key, settingsId };
	try {
		const parsed: unknown = JSON.parse(key);
		if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string')
			return { scope: scopeOfNamespace(parsed[0], 'ratelimit'), name: parsed[1], settingsId };
	} catch {
		// Not a key Rate Limiter made.
	}
	return null;
}

const finite = (field: unknown) =>
	typeof field === 'number' && Number.isFinite(field) ? field : null;

function configuredRate(amount: number | null, interval: number | null, capacity: number | null) {
	if (amount === null || interval === null || interval <= 0) return null;
	return {
		tokensPerInterval: amount,
		intervalMs: interval,
		perSecond: Math.round((amount * 1000 * 1000) / interval) / 1000,
		capacity,
	};
}

function learnedRow(view: LimiterView | undefined): LimiterRow['learnedLimit'] {
	const observed = view?.learned;
	if (!observed) return null;
	return {
		limit: observed.limit,
		remaining: observed.remaining,
		windowSeconds: observed.windowSeconds,
		resetAt: observed.resetAt,
		observedAt: observed.observedAt,
		learnedIn: 'this n8n process',
	};
}

function limiters(input: StatusInput): LimiterRow[] {
	// What this process learned of limiters on Redis (a learned limit is never stored there).
	const learnedHere = new Map(
		(input.processLimiters ?? []).filter((view) => view.shared).map((view) => [view.id, view]),
	);
	const rows = new Map<string, LimiterRow>();
	for (const entry of input.limiters ?? []) {
		const identity = limiterIdentity(entry.key);
		if (identity === null || !inScope(input, identity.scope)) continue;
		let row = rows.get(entry.key);
		if (!row) {
			row = {
				scope: identity.scope,
				name: identity.name,
				location: input.store.location,
				configured: null,
				tokens: null,
				learnedLimit: learnedRow(learnedHere.get(entry.key)),
				holdUntil: null,
				holdInSeconds: null,
				settingsId: identity.settingsId,
			};
			rows.set(entry.key, row);
		}
		const value = isPlainObject(entry.value) ? entry.value : {};
		const settings = isPlainObject(value.settings) ? value.settings : null;
		if (settings) {
			row.tokens = finite(settings.tokens);
			row.configured = configuredRate(
				finite(settings.increaseAmount),
				finite(settings.increaseIntervalMs),
				finite(settings.capacity),
			);
		}
		const until = finite(value.holdUntil);
		if (until !== null && until > input.now) {
			row.holdUntil = iso(until);
			row.holdInSeconds = seconds(until - input.now);
		}
	}
	return [...rows.values()].sort((a, b) => byName(a, b) || compare(a.settingsId, b.settingsId));
}

/** Embedded limiters this n8n process holds, read from its memory (only when the store read is Embedded). */
function processLimiters(input: StatusInput): LimiterRow[] {
	if (input.store.backend !== 'sqlite') return [];
	const rows: LimiterRow[] = [];
	for (const view of input.processLimiters ?? []) {
		const identity = view.shared ? null : limiterIdentity(view.id);
		if (identity === null || !inScope(input, identity.scope)) continue;
		const until = view.holdUntil !== null && view.holdUntil > input.now ? view.holdUntil : null;
		rows.push({
			scope: identity.scope,
			name: identity.name,
			location: 'this n8n process',
			configured: configuredRate(
				view.plan.increaseAmount,
				view.plan.increaseIntervalMs,
				view.plan.capacity,
			),
			tokens: view.tokens,
			learnedLimit: learnedRow(view),
			holdUntil: iso(until),
			holdInSeconds: until === null ? null : seconds(until - input.now),
			settingsId: identity.settingsId,
		});
	}
	return rows.sort((a, b) => byName(a, b) || compare(a.settingsId, b.settingsId));
}

function expiries(input: StatusInput): ExpiryRow[] {
	// One record per (credential, status): the latest check of each credential speaks for it.
	const latest = new Map<string, { row: ExpiryRow; at: number }>();
	for (const entry of input.records) {
		const scope = scopeOfNamespace(entry.namespace, GUARD_KINDS.expiry);
		const mark = inScope(input, scope) ? asAlertMark(entry.value) : undefined;
		if (mark === undefined) continue;
		const hash = entry.key.slice(entry.key.lastIndexOf(':') + 1);
		const at = mark.checkedAt ?? mark.alertedAt;
		const id = JSON.stringify([scope, hash]);
		const seen = latest.get(id);
		if (seen && seen.at >= at) continue;
		latest.set(id, {
			at,
			row: {
				scope: scope!,
				status: mark.status,
				name: mark.name ?? null,
				kind: mark.kind ?? null,
				expiresAt: iso(mark.expiresAt ?? null),
				daysLeft: mark.daysLeft ?? null,
				checkedAt: iso(at)!,
				credentialHash: hash.slice(0, 12),
				alertedAt: iso(mark.alertedAt)!,
				quietUntil: iso(entry.expiresAt),
			},
		});
	}
	// ISO strings of one format sort as their instants; unknown expiry dates last.
	return [...latest.values()]
		.map(({ row }) => row)
		.sort(
			(a, b) =>
				(a.expiresAt === null ? 1 : 0) - (b.expiresAt === null ? 1 : 0) ||
				compare(a.expiresAt ?? '', b.expiresAt ?? '') ||
				compare(a.scope, b.scope) ||
				compare(b.alertedAt, a.alertedAt) ||
				compare(a.name ?? a.credentialHash, b.name ?? b.credentialHash),
		);
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
	const limiterRows = limiters(input);
	const processRows = processLimiters(input);
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
			limitersHeld: [...limiterRows, ...processRows].filter((row) => row.holdUntil !== null).length,
			deadLetters: queueRows.reduce((sum, row) => sum + row.open, 0),
			driftFindings: driftRows.length,
			expiryAlerts: expiryRows.length,
		},
		breakers: breakerRows,
		limiters: {
			note: limiterNote(input.store.backend),
			shared: limiterRows,
			process: processRows,
		},
		quotas: quotaRows,
		budgets: budgetRows,
		deadLetters: queueRows,
		drift: driftRows,
		expiries: expiryRows,
	};
}
