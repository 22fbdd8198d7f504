import { stableHash } from '../hash';
import type { SchemaModel } from './model';
import {
	nullRateJumps,
	sortEntries,
	type DriftEntry,
	type NullRateSettings,
	type NullStat,
} from './drift';

/**
 * Drift memory over the Store's counters, planned and read here; the node passes in
 * the Store's `increment` for its scope. Per batch, at most three round trips:
 * 1. the scope's marker count (read) and two counters per nullable field (values seen,
 *    nulls seen): the totals before this batch are the baseline a null-rate jump is
 *    measured against;
 * 2. a marker counter per drift detail (null-rate jumps included, now known): the call
 *    that takes it to 1 saw it first, so it alerts; every later batch gets 2, 3… and
 *    stays quiet. Racing executions cannot both get 1;
 * 3. the markers this batch created, added to the scope's count.
 * What data decides is bounded: every counter expires (the memory's lifetime; a marker
 * sooner when the drift should alert again), and once the scope holds its maximum of
 * markers no new ones are made until the count expires: drift then alerts every time,
 * and the result says so. A scope holds at most about twice its maximum at once (the
 * count restarts while the last window's markers live out their lifetime), plus one batch.
 * Shaped like the Store's CounterIncrement without importing it: core knows no store.
 */
export interface CounterStep {
	key: string;
	by: number;
	ttlMs: number | null;
}

export type IncrementCounters = (steps: CounterStep[]) => Promise<number[]>;

export interface DriftMemorySettings {
	/** How long anything remembered lives: markers, null counts, the marker count. */
	lifetimeMs: number;
	/** A drift alerts again after this long (capped by the lifetime); null: once per lifetime. */
	alertAgainMs: number | null;
	/** Markers a scope may hold; past it, drift is not remembered (and alerts every time). */
	maxMarkers: number;
}

export const DRIFT_MEMORY_DEFAULTS = Object.freeze({ lifetimeDays: 30, maxMarkers: 10_000 });

/** The counter of markers made in a scope; no marker or null counter key starts this way. */
export const MARKER_COUNT_KEY = 'drift-marker-count';

export interface DriftMemoryPlan {
	increments: CounterStep[];
	/** Per entry, the positions of its marker counters in `increments`. */
	markerPositions: number[][];
	/** Per field path, the positions of its null counters and this batch's counts. */
	nullPositions: Map<
		string,
		{ nulls: number; seen: number; batchNulls: number; batchSeen: number }
	>;
}

/** History of one field before this batch. */
export interface NullHistory {
	rate: number;
	observed: number;
}

/** Keys stay readable up to this length; longer ones are hashed (the store caps keys at 1 KiB). */
const MAX_READABLE_KEY_BYTES = 400;

/**
 * Which schema the memory is about: the name and version the user pinned, else the
 * schema's fingerprint. A new version starts a fresh memory, so its drift alerts anew.
 */
export function schemaIdentity(name: string, version: string, fingerprint: string): string {
	const trimmed = name.trim();
	if (trimmed === '') return `schema-${fingerprint.slice(0, 16)}`;
	return `${trimmed}@${version.trim() === '' ? '-' : version.trim()}`;
}

function counterKey(kind: string, identity: string, rest: string): string {
	const readable = `${kind}:${identity}:${rest}`;
	return Buffer.byteLength(readable, 'utf8') <= MAX_READABLE_KEY_BYTES
		? readable
		: `${kind}:#${stableHash(readable)}`;
}

export function markerKey(
	identity: string,
	entry: Pick<DriftEntry, 'kind' | 'path'>,
	detail: string,
): string {
	return counterKey(
		'drift',
		identity,
		`${entry.kind}:${entry.path}${detail === '' ? '' : `:${detail}`}`,
	);
}

/** How long a marker lives: until the drift should alert again, at most the memory's lifetime. */
export function markerTtlMs(settings: DriftMemorySettings): number {
	return settings.alertAgainMs === null
		? settings.lifetimeMs
		: Math.min(settings.alertAgainMs, settings.lifetimeMs);
}

/**
 * A marker's first and last sighting (epoch ms), kept as counters beside it
 * (`first:<marker key>`, `last:<marker key>`): a counter holds only a number, so each is
 * read (+0) with the marker and moved to now by adding the difference. The first
 * sighting is moved once, by the batch that made the marker; the last at most every
 * LAST_SEEN_RESOLUTION_MS. Records made before these existed have neither: unknown.
 */
export const SIGHTING_KINDS = ['first', 'last'] as const;
export type Sighting = (typeof SIGHTING_KINDS)[number];
export const LAST_SEEN_RESOLUTION_MS = 10 * 60_000;

export function sightingKey(sighting: Sighting, marker: string): string {
	return `${sighting}:${marker}`;
}

export function planMarkers(
	identity: string,
	entries: readonly DriftEntry[],
	ttlMs: number,
): DriftMemoryPlan {
	const increments: CounterStep[] = [];
	const markerPositions = entries.map((entry) =>
		entry.details.map((detail) => {
			const key = markerKey(identity, entry, detail);
			const at = increments.push({ key, by: 1, ttlMs }) - 1;
			// Read with the marker (the sightings follow it at fixed offsets).
			for (const sighting of SIGHTING_KINDS)
				increments.push({ key: sightingKey(sighting, key), by: 0, ttlMs });
			return at;
		}),
	);
	return { increments, markerPositions, nullPositions: new Map() };
}

/**
 * The counter steps that move a batch's sightings to `now`: the first sighting of each
 * marker this batch made, the last of each marker whose last sighting is older than the
 * resolution (or ahead of now: two batches raced).
 */
export function planSightings(
	plan: DriftMemoryPlan,
	values: readonly number[],
	now: number,
): CounterStep[] {
	const steps: CounterStep[] = [];
	for (const positions of plan.markerPositions) {
		for (const at of positions) {
			const { ttlMs } = plan.increments[at];
			const [first, last] = [values[at + 1], values[at + 2]];
			if (values[at] === 1 && first !== now)
				steps.push({ key: plan.increments[at + 1].key, by: now - first, ttlMs });
			if (Math.abs(now - last) >= LAST_SEEN_RESOLUTION_MS || values[at] === 1)
				if (last !== now) steps.push({ key: plan.increments[at + 2].key, by: now - last, ttlMs });
		}
	}
	return steps;
}

/** Round trip 1: the scope's marker count (first, read only) and the null counters. */
export function planNullCounters(
	identity: string,
	nullStats: readonly NullStat[],
	lifetimeMs: number,
): DriftMemoryPlan {
	const plan: DriftMemoryPlan = {
		increments: [{ key: MARKER_COUNT_KEY, by: 0, ttlMs: lifetimeMs }],
		markerPositions: [],
		nullPositions: new Map(),
	};
	for (const stat of nullStats) {
		if (stat.observed === 0) continue;
		const nulls =
			plan.increments.push({
				key: counterKey('nulls', identity, stat.path),
				by: stat.nulls,
				ttlMs: lifetimeMs,
			}) - 1;
		const seen =
			plan.increments.push({
				key: counterKey('values', identity, stat.path),
				by: stat.observed,
				ttlMs: lifetimeMs,
			}) - 1;
		plan.nullPositions.set(stat.path, {
			nulls,
			seen,
			batchNulls: stat.nulls,
			batchSeen: stat.observed,
		});
	}
	return plan;
}

/** Which entries are new (any marker at 1), and each field's null history before this batch. */
export function readDriftMemory(
	plan: DriftMemoryPlan,
	values: readonly number[],
): { isNew: boolean[]; history: Map<string, NullHistory> } {
	if (values.length !== plan.increments.length) {
		throw new Error(
			`Drift memory: the store answered ${values.length} counters for ${plan.increments.length} asked`,
		);
	}
	const isNew = plan.markerPositions.map((positions) =>
		positions.some((position) => values[position] === 1),
	);
	const history = new Map<string, NullHistory>();
	for (const [path, slot] of plan.nullPositions) {
		const observed = values[slot.seen] - slot.batchSeen;
		const nulls = values[slot.nulls] - slot.batchNulls;
		if (observed > 0)
			history.set(path, { observed, rate: Math.min(1, Math.max(0, nulls / observed)) });
	}
	return { isNew, history };
}

/**
 * The null rate a field is expected to have: its history when there is enough of it,
 * else what the schema says (`x-null-rate`, written by inference), else none.
 */
export function baselineFor(
	path: string,
	model: SchemaModel,
	history: ReadonlyMap<string, NullHistory>,
	minValues: number,
): number | undefined {
	const past = history.get(path);
	if (past !== undefined && past.observed >= minValues) return past.rate;
	return model.nullRateBaselines.get(path);
}

export interface RememberedDrift {
	/** The batch's entries with its null-rate jumps, sorted. */
	entries: DriftEntry[];
	/** Per entry: seen first now (or not remembered, because the memory is full). */
	isNew: boolean[];
	/** Set when the scope already held its maximum of markers: nothing new was remembered. */
	full?: { markers: number; maxMarkers: number };
}

/**
 * Which of a batch's drift entries are new to the scope's memory, null-rate jumps
 * measured against the remembered history. One store call without drift, three at most.
 */
export async function rememberDrift(
	increment: IncrementCounters,
	input: {
		identity: string;
		entries: readonly DriftEntry[];
		nullStats: readonly NullStat[];
		model: SchemaModel;
		nullRate: NullRateSettings;
		settings: DriftMemorySettings;
		/** Epoch ms of the batch (the sightings); the system clock when omitted. */
		now?: number;
	},
): Promise<RememberedDrift> {
	const { now } = input;
	const { identity, settings } = input;
	// Always, drift or not: a store that cannot be reached fails the batch now, not on the
	// day drift first appears.
	const counts = planNullCounters(identity, input.nullStats, settings.lifetimeMs);
	const counted = await increment(counts.increments);
	const { history } = readDriftMemory(counts, counted);
	const markers = counted[0];
	const jumps = nullRateJumps(
		input.nullStats,
		(path) => baselineFor(path, input.model, history, input.nullRate.minValues),
		input.nullRate,
	);
	const entries = sortEntries([...input.entries, ...jumps]);
	if (entries.length === 0) return { entries, isNew: [] };
	if (markers >= settings.maxMarkers) {
		return {
			entries,
			isNew: entries.map(() => true),
			full: { markers, maxMarkers: settings.maxMarkers },
		};
	}
	const plan = planMarkers(identity, entries, markerTtlMs(settings));
	const values = await increment(plan.increments);
	const { isNew } = readDriftMemory(plan, values);
	const created = plan.markerPositions.flat().filter((at) => values[at] === 1).length;
	const steps = planSightings(plan, values, now ?? Date.now());
	if (created > 0)
		steps.unshift({ key: MARKER_COUNT_KEY, by: created, ttlMs: settings.lifetimeMs });
	if (steps.length > 0) await increment(steps);
	return { entries, isNew };
}

/**
 * A drift memory counter key taken apart (Guards Status reads them): a marker
 * (`drift:<identity>:<kind>:<path>[:<detail>]`), a null or value count, the marker count,
 * or a hashed key too long to read (`<kind>:#<hash>`). Null for any other key.
 */
export type ParsedMemoryKey =
	| { kind: 'marker'; identity: string; drift: string; path: string; detail: string }
	| { kind: 'sighting'; sighting: Sighting; marker: string }
	| { kind: 'nulls' | 'values'; identity: string; path: string }
	| { kind: 'hashed'; counter: string }
	| { kind: 'markerCount' };

export function parseMemoryKey(key: string, driftKinds: readonly string[]): ParsedMemoryKey | null {
	if (key === MARKER_COUNT_KEY) return { kind: 'markerCount' };
	const sighting = /^(first|last):(drift:.*)$/.exec(key);
	if (sighting) return { kind: 'sighting', sighting: sighting[1] as Sighting, marker: sighting[2] };
	const hashed = /^(drift|nulls|values):#[0-9a-f]+$/.exec(key);
	if (hashed) return { kind: 'hashed', counter: hashed[1] };
	if (key.startsWith('drift:')) {
		const rest = key.slice('drift:'.length);
		// The identity may hold ":" too: the first ":<kind>:" after it ends it.
		for (let at = rest.indexOf(':'); at > 0; at = rest.indexOf(':', at + 1)) {
			const after = rest.slice(at + 1);
			const drift = driftKinds.find((kind) => after.startsWith(`${kind}:`));
			if (drift === undefined) continue;
			const tail = after.slice(drift.length + 1);
			// A detail (a received type, an enum value) follows the path's last ":", if any.
			const split = tail.indexOf(':');
			return {
				kind: 'marker',
				identity: rest.slice(0, at),
				drift,
				path: split < 0 ? tail : tail.slice(0, split),
				detail: split < 0 ? '' : tail.slice(split + 1),
			};
		}
		return null;
	}
	const count = /^(nulls|values):(.+?@[^:]*|schema-[0-9a-f]+):(.*)$/.exec(key);
	if (count) return { kind: count[1] as 'nulls' | 'values', identity: count[2], path: count[3] };
	return null;
}
