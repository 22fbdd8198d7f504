import { stableHash } from '../hash';
import type { SchemaModel } from './convert';
import type { DriftEntry, NullStat } from './drift';

/**
 * Drift memory over the Store's counters, planned and read here, sent by the node in
 * ONE `increment` call per batch:
 * - a marker counter per drift detail: the call that takes it to 1 saw it first, so it
 *   alerts; every later batch gets 2, 3… and stays quiet. Racing executions cannot both
 *   get 1. A TTL lets a marker expire, so the drift alerts again after it.
 * - two counters per nullable field (values seen, nulls seen): the totals before this
 *   batch are the baseline a null-rate jump is measured against.
 * A null-rate jump is only known once the totals are back, so its markers take a
 * second call, in the rare batch that has one.
 * Shaped like the Store's CounterIncrement without importing it: core knows no store.
 */
export interface CounterStep {
	key: string;
	by: number;
	ttlMs: number | null;
}

export interface DriftMemoryPlan {
	increments: CounterStep[];
	/** Per entry, the positions of its marker counters in `increments`. */
	markerPositions: number[][];
	/** Per field path, the positions of its null counters and this batch's counts. */
	nullPositions: Map<string, { nulls: number; seen: number; batchNulls: number; batchSeen: number }>;
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
	return Buffer.byteLength(readable, 'utf8') <= MAX_READABLE_KEY_BYTES ? readable : `${kind}:#${stableHash(readable)}`;
}

export function markerKey(identity: string, entry: Pick<DriftEntry, 'kind' | 'path'>, detail: string): string {
	return counterKey('drift', identity, `${entry.kind}:${entry.path}${detail === '' ? '' : `:${detail}`}`);
}

export function planMarkers(identity: string, entries: readonly DriftEntry[], alertAgainMs: number | null): DriftMemoryPlan {
	const increments: CounterStep[] = [];
	const markerPositions = entries.map((entry) =>
		entry.details.map((detail) => increments.push({ key: markerKey(identity, entry, detail), by: 1, ttlMs: alertAgainMs }) - 1),
	);
	return { increments, markerPositions, nullPositions: new Map() };
}

export function planDriftMemory(
	identity: string,
	entries: readonly DriftEntry[],
	nullStats: readonly NullStat[],
	alertAgainMs: number | null,
): DriftMemoryPlan {
	const plan = planMarkers(identity, entries, alertAgainMs);
	for (const stat of nullStats) {
		if (stat.observed === 0) continue;
		const nulls = plan.increments.push({ key: counterKey('nulls', identity, stat.path), by: stat.nulls, ttlMs: null }) - 1;
		const seen = plan.increments.push({ key: counterKey('values', identity, stat.path), by: stat.observed, ttlMs: null }) - 1;
		plan.nullPositions.set(stat.path, { nulls, seen, batchNulls: stat.nulls, batchSeen: stat.observed });
	}
	return plan;
}

/** Which entries are new (any marker at 1), and each field's null history before this batch. */
export function readDriftMemory(plan: DriftMemoryPlan, values: readonly number[]): { isNew: boolean[]; history: Map<string, NullHistory> } {
	if (values.length !== plan.increments.length) {
		throw new Error(`Drift memory: the store answered ${values.length} counters for ${plan.increments.length} asked`);
	}
	const isNew = plan.markerPositions.map((positions) => positions.some((position) => values[position] === 1));
	const history = new Map<string, NullHistory>();
	for (const [path, slot] of plan.nullPositions) {
		const observed = values[slot.seen] - slot.batchSeen;
		const nulls = values[slot.nulls] - slot.batchNulls;
		if (observed > 0) history.set(path, { observed, rate: Math.min(1, Math.max(0, nulls / observed)) });
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
