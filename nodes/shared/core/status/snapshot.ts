import { asBreakerState, breakerStats, BREAKER_REGISTRY_KEY } from '../breaker';
import { asAlertMark, asCheckedMark } from '../expiry/alerts';
import { isPlainObject } from '../json';
import { asLimiterRecord, type LimiterRecord, type LimiterView } from '../ratelimit/learned';
import {
	asQuotaSettingsRecord,
	parseQuotaKey,
	parseQuotaSettingsKey,
	thresholdUsage,
	type QuotaSettingsRecord,
} from '../ratelimit/quota';
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
import type {
	BreakerStatusRow,
	DeadLetterRow,
	DriftRow,
	ExpiryRow,
	LimiterRow,
	GuardsSnapshot,
	QuotaRow,
	StatusEntry,
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
	// What each quota is set to, as its Quota node last wrote it.
	const settings = new Map<string, QuotaSettingsRecord>();
	for (const entry of input.records) {
		const scope = scopeOfNamespace(entry.namespace, GUARD_KINDS.quota);
		const parsed = inScope(input, scope) ? parseQuotaSettingsKey(entry.key) : null;
		const record = parsed ? asQuotaSettingsRecord(entry.value) : undefined;
		if (record) settings.set(JSON.stringify([scope, parsed!.quota, parsed!.period]), record);
	}
	const rows: QuotaRow[] = [];
	for (const group of groupBy(usage, (row) =>
		JSON.stringify([row.scope, row.quota, row.period]),
	).values()) {
		const history = group
			.map((row) => ({ window: row.window, usage: row.usage }))
			.sort((a, b) => compare(a.window, b.window));
		const latest = history[history.length - 1];
		const { scope, quota, period } = group[0];
		const set = settings.get(JSON.stringify([scope, quota, period]));
		const limit = set?.limit ?? null;
		rows.push({
			scope,
			name: quota,
			period,
			window: latest.window,
			usage: latest.usage,
			limit,
			percentOfLimit: limit === null ? null : Math.round((latest.usage * 1000) / limit) / 10,
			remaining: limit === null ? null : Math.max(0, limit - latest.usage),
			thresholds: set?.thresholds ?? [],
			thresholdsCrossed:
				limit === null
					? []
					: set!.thresholds.filter((threshold) => thresholdUsage(limit, threshold) <= latest.usage),
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
	const since = input.now - input.driftDays * DAY_MS;
	// Each marker's first and last sighting, kept as counters beside it (epoch ms).
	const sightings = new Map<string, { first?: number; last?: number }>();
	const markers: Array<{ scope: string; entry: StatusEntry; parsed: MarkerKey }> = [];
	let hashed = 0;
	for (const entry of input.counters) {
		const scope = scopeOfNamespace(entry.namespace, GUARD_KINDS.drift);
		if (!inScope(input, scope)) continue;
		const parsed = parseMemoryKey(entry.key, DRIFT_KINDS);
		if (parsed?.kind === 'hashed' && parsed.counter === 'drift') hashed += 1;
		if (parsed?.kind === 'marker') markers.push({ scope, entry, parsed });
		if (parsed?.kind !== 'sighting') continue;
		const at = count(entry.value);
		if (at <= 0) continue;
		const id = JSON.stringify([entry.namespace, parsed.marker]);
		const seen = sightings.get(id) ?? {};
		// A last sighting ahead of now (two batches raced) means now.
		seen[parsed.sighting] = Math.min(at, input.now);
		sightings.set(id, seen);
	}
	const rows: DriftRow[] = [];
	for (const { scope, entry, parsed } of markers) {
		const seen = sightings.get(JSON.stringify([entry.namespace, entry.key]));
		const first = seen?.first ?? null;
		const last = seen?.last ?? first;
		// Unknown sightings (markers written before they were kept) are listed.
		if (last !== null && last < since) continue;
		rows.push({
			scope,
			schema: parsed.identity,
			kind: parsed.drift,
			path: parsed.path,
			detail: parsed.detail,
			timesSeen: count(entry.value),
			firstSeenAt: iso(first),
			lastSeenAt: iso(last),
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

type MarkerKey = Extract<ReturnType<typeof parseMemoryKey>, { kind: 'marker' }>;

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

function configuredRate(
	amount: number | null,
	interval: number | null,
	capacity: number | null,
	record: LimiterRecord | undefined,
): LimiterRow['configured'] {
	if (amount === null || interval === null || interval <= 0) return null;
	return {
		limit: record?.configured?.limit ?? null,
		per: record?.configured?.per ?? null,
		targetUtilization: record?.configured?.targetUtilization ?? null,
		tokensPerInterval: amount,
		intervalMs: interval,
		perSecond: Math.round((amount * 1000 * 1000) / interval) / 1000,
		capacity,
	};
}

type Learned = NonNullable<LimiterView['learned']>;

/** The newer of what the limiter's record and this process's memory say was learned. */
function learnedRow(
	record: LimiterRecord | undefined,
	view: LimiterView | undefined,
): LimiterRow['learnedLimit'] {
	const stored = record?.learned ?? null;
	const here = view?.learned ?? null;
	const newer = (a: Learned | null, b: Learned | null) =>
		a === null || (b !== null && Date.parse(b.observedAt) > Date.parse(a.observedAt));
	const [observed, by] = newer(stored, here)
		? [here, 'this n8n process']
		: [stored, stored?.by ?? 'unknown'];
	if (!observed) return null;
	return {
		limit: observed.limit,
		remaining: observed.remaining,
		windowSeconds: observed.windowSeconds,
		resetAt: observed.resetAt,
		observedAt: observed.observedAt,
		learnedBy: by,
	};
}

/** The limiters' records in the store (any process's), by id, for the backend given. */
function limiterRecords(
	input: StatusInput,
	backend: LimiterRecord['backend'],
): Map<string, { scope: string; record: LimiterRecord }> {
	const found = new Map<string, { scope: string; record: LimiterRecord }>();
	for (const entry of input.records) {
		const scope = scopeOfNamespace(entry.namespace, GUARD_KINDS.limiter);
		const record = scope === null ? undefined : asLimiterRecord(entry.value);
		if (record === undefined || record.backend !== backend) continue;
		const identity = limiterIdentity(record.id);
		if (identity === null || !inScope(input, identity.scope)) continue;
		found.set(record.id, { scope: identity.scope, record });
	}
	return found;
}

function newRow(
	id: string,
	location: string,
	record: LimiterRecord | undefined,
	view: LimiterView | undefined,
): LimiterRow | null {
	const identity = limiterIdentity(id);
	if (identity === null || identity.scope === null) return null;
	const plan = record?.plan ?? view?.plan;
	return {
		scope: identity.scope,
		name: identity.name,
		location,
		configured: plan
			? configuredRate(plan.increaseAmount, plan.increaseIntervalMs, plan.capacity, record)
			: null,
		tokens: null,
		learnedLimit: learnedRow(record, view),
		recordedAt: record?.updatedAt ?? null,
		recordedBy: record?.by ?? null,
		holdUntil: null,
		holdInSeconds: null,
		settingsId: identity.settingsId,
	};
}

function setHold(row: LimiterRow, until: number | null, now: number): void {
	if (until === null || until <= now) return;
	row.holdUntil = iso(until);
	row.holdInSeconds = seconds(until - now);
}

/** Limiters on Redis: their shared buckets and holds, and their records (both in a Redis store only). */
function limiters(input: StatusInput): LimiterRow[] {
	const records = limiterRecords(input, 'redis');
	// What this process learned of limiters on Redis, newer than its record maybe.
	const views = new Map(
		(input.processLimiters ?? []).filter((view) => view.shared).map((view) => [view.id, view]),
	);
	const rows = new Map<string, LimiterRow>();
	const rowOf = (id: string) => {
		let row = rows.get(id);
		if (!row) {
			row = newRow(id, input.store.location, records.get(id)?.record, views.get(id)) ?? undefined;
			if (row) rows.set(id, row);
		}
		return row;
	};
	for (const id of records.keys()) rowOf(id);
	for (const entry of input.limiters ?? []) {
		const identity = limiterIdentity(entry.key);
		if (identity === null || !inScope(input, identity.scope)) continue;
		const row = rowOf(entry.key);
		if (!row) continue;
		const value = isPlainObject(entry.value) ? entry.value : {};
		const settings = isPlainObject(value.settings) ? value.settings : null;
		if (settings) {
			row.tokens = finite(settings.tokens);
			row.configured = configuredRate(
				finite(settings.increaseAmount),
				finite(settings.increaseIntervalMs),
				finite(settings.capacity),
				records.get(entry.key)?.record,
			);
		}
		setHold(row, finite(value.holdUntil), input.now);
	}
	return [...rows.values()].sort((a, b) => byName(a, b) || compare(a.settingsId, b.settingsId));
}

/**
 * Embedded limiters (only when the store read is Embedded): every one a process sharing
 * the file recorded, with tokens and holds where this n8n process holds it.
 */
function processLimiters(input: StatusInput): LimiterRow[] {
	if (input.store.backend !== 'sqlite') return [];
	const records = limiterRecords(input, 'embedded');
	const views = new Map(
		(input.processLimiters ?? []).filter((view) => !view.shared).map((view) => [view.id, view]),
	);
	const rows: LimiterRow[] = [];
	for (const id of new Set([...records.keys(), ...views.keys()])) {
		const view = views.get(id);
		const row = newRow(
			id,
			view ? 'this n8n process' : 'each n8n process',
			records.get(id)?.record,
			view,
		);
		if (row === null || !inScope(input, row.scope)) continue;
		if (view) {
			row.tokens = view.tokens;
			setHold(row, view.holdUntil, input.now);
		}
		rows.push(row);
	}
	return rows.sort((a, b) => byName(a, b) || compare(a.settingsId, b.settingsId));
}

function expiries(input: StatusInput): ExpiryRow[] {
	// Per credential (scope and key hash): its latest check (a checked record, or an alert
	// record refreshed by a check), and its latest alert still remembered.
	const latest = new Map<
		string,
		{ row: ExpiryRow; at: number; alert: { at: number; quietUntil: string | null } | null }
	>();
	const credential = (scope: string, hash: string) => {
		const id = JSON.stringify([scope, hash]);
		let found = latest.get(id);
		if (!found) {
			found = {
				at: Number.NEGATIVE_INFINITY,
				alert: null,
				row: {
					scope,
					status: 'unknown',
					name: null,
					kind: null,
					expiresAt: null,
					daysLeft: null,
					checkedAt: '',
					credentialHash: hash.slice(0, 12),
					alertedAt: null,
					quietUntil: null,
				},
			};
			latest.set(id, found);
		}
		return found;
	};
	for (const entry of input.records) {
		const scope = scopeOfNamespace(entry.namespace, GUARD_KINDS.expiry);
		if (!inScope(input, scope)) continue;
		const hash = entry.key.slice(entry.key.lastIndexOf(':') + 1);
		const mark = asAlertMark(entry.value);
		const checked = mark === undefined ? asCheckedMark(entry.value) : undefined;
		if (mark === undefined && checked === undefined) continue;
		const found = credential(scope, hash);
		const at = checked?.checkedAt ?? mark!.checkedAt ?? mark!.alertedAt;
		if (mark !== undefined && (found.alert === null || mark.alertedAt > found.alert.at))
			found.alert = { at: mark.alertedAt, quietUntil: iso(entry.expiresAt) };
		if (at <= found.at) continue;
		found.at = at;
		const subject = checked ?? mark!;
		Object.assign(found.row, {
			status: subject.status,
			name: subject.name || null,
			kind: subject.kind || null,
			expiresAt: iso(subject.expiresAt ?? null),
			daysLeft: subject.daysLeft ?? null,
			checkedAt: iso(at)!,
		});
	}
	// ISO strings of one format sort as their instants; unknown expiry dates last.
	return [...latest.values()]
		.map(({ row, alert }) => ({
			...row,
			alertedAt: alert === null ? null : iso(alert.at),
			quietUntil: alert?.quietUntil ?? null,
		}))
		.sort(
			(a, b) =>
				(a.expiresAt === null ? 1 : 0) - (b.expiresAt === null ? 1 : 0) ||
				compare(a.expiresAt ?? '', b.expiresAt ?? '') ||
				compare(a.scope, b.scope) ||
				compare(b.alertedAt ?? '', a.alertedAt ?? '') ||
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
			expiryAlerts: expiryRows.filter((row) => row.alertedAt !== null).length,
			expiries: expiryRows.length,
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
