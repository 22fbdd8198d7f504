import { stableStringify } from '../hash';
import type { ProbeNode, SchemaModel } from './model';
import type { DriftKind, Finding } from './types';
import { isJsonObject, quote } from './values';

/**
 * Drift: how the observed shape of a batch differs from the schema. Counted per field
 * path (`lines[].sku`), per item (an item with three bad lines counts once), with the
 * first few item indexes as examples. Pure: the node feeds it items and reads entries.
 */
export interface DriftEntry {
	kind: DriftKind;
	/** Field path with `[]` for array elements; `(the item)` for the item itself. */
	path: string;
	/** Items showing this drift. */
	count: number;
	/** Indexes of the first items showing it. */
	examples: number[];
	/** Correlation IDs of those example items, where they had one. */
	exampleCorrelationIds: string[];
	/** What the schema says, in words. */
	expected?: string;
	/** typeChanged: the JSON types that arrived instead, with item counts. */
	received?: Record<string, number>;
	/** unseenEnumValue: values never seen before, with item counts (at most `maxValues`). */
	values?: Array<{ value: unknown; count: number }>;
	/** nullRateJump: share of nulls among the values seen in this batch, 0..1. */
	nullRate?: number;
	/** nullRateJump: the share expected (drift memory or the schema's x-null-rate), 0..1. */
	baselineNullRate?: number;
	/** nullRateJump: values seen in this batch. */
	observed?: number;
	/**
	 * What the entry alerts once per: the received type, the enum value, or '' for the
	 * path alone. A new enum value at a known path alerts again; the same one does not.
	 */
	details: string[];
}

export interface DriftOptions {
	/** Example item indexes kept per entry. */
	examples: number;
	/** Distinct entries kept; further ones are only counted. */
	maxEntries: number;
	/** Distinct enum values kept per path. */
	maxValues: number;
}

export const DEFAULT_DRIFT_OPTIONS: Readonly<DriftOptions> = Object.freeze({
	examples: 5,
	maxEntries: 100,
	maxValues: 20,
});

/** Null counts of one nullable field over a batch. */
export interface NullStat {
	path: string;
	/** Values seen (the field present, null or not). */
	observed: number;
	nulls: number;
	/** Indexes of the first items where it was null. */
	examples: number[];
	exampleCorrelationIds: string[];
}

export interface NullRateSettings {
	/** A jump is a rise of at least this many percentage points over the baseline. */
	thresholdPoints: number;
	/** Fewer values than this in a batch say nothing about a rate. */
	minValues: number;
}

const KIND_ORDER: readonly DriftKind[] = [
	'fieldAdded',
	'requiredMissing',
	'typeChanged',
	'unseenEnumValue',
	'nullRateJump',
];
/** Every kind of drift, in report order (Guards Status parses memory keys with it). */
export const DRIFT_KINDS = KIND_ORDER;

interface EntryState {
	entry: DriftEntry;
	lastItem: number;
	lastItemByDetail: Map<string, number>;
	values: Map<string, { value: unknown; count: number }>;
}

interface NullState extends NullStat {
	lastNullItem: number;
}

export class DriftCollector {
	private readonly states = new Map<string, EntryState>();
	private readonly nulls = new Map<string, NullState>();
	private readonly driftItems: number[] = [];
	private readonly options: DriftOptions;
	/** Entries not kept because maxEntries was reached (counted by item occurrence). */
	overflow = 0;

	constructor(
		private readonly model: SchemaModel,
		options: Partial<DriftOptions> = {},
	) {
		this.options = { ...DEFAULT_DRIFT_OPTIONS, ...options };
	}

	/** Whether observe looks at an item without findings (the schema has nullable fields to count). */
	get watchesNulls(): boolean {
		return this.model.nullProbe.props.size > 0 || this.model.nullProbe.items !== undefined;
	}

	/** Records one item: its findings (from checkItem) and its nulls. Returns whether it showed drift. */
	observe(
		index: number,
		findings: readonly Finding[],
		json: unknown,
		correlationId?: string,
	): boolean {
		let drifted = false;
		for (const finding of findings) {
			if (finding.kind === 'invalidValue') continue;
			this.record(index, finding, correlationId);
			drifted = true;
		}
		if (drifted) this.driftItems.push(index);
		if (this.watchesNulls) {
			this.walkNulls(this.model.nullProbe, json, index, correlationId);
		}
		return drifted;
	}

	/** Items that showed a change or an unseen enum value, in input order. */
	itemsWithDrift(): number[] {
		return this.driftItems;
	}

	entries(): DriftEntry[] {
		const entries = [...this.states.values()].map((state) => {
			if (state.values.size > 0) state.entry.values = [...state.values.values()];
			return state.entry;
		});
		return sortEntries(entries);
	}

	nullStats(): NullStat[] {
		return [...this.nulls.values()].map((stat) => ({
			path: stat.path,
			observed: stat.observed,
			nulls: stat.nulls,
			examples: stat.examples,
			exampleCorrelationIds: stat.exampleCorrelationIds,
		}));
	}

	private record(index: number, finding: Finding, correlationId: string | undefined): void {
		const key = `${finding.kind}\u0000${finding.fieldPath}`;
		let state = this.states.get(key);
		if (!state) {
			if (this.states.size >= this.options.maxEntries) {
				this.overflow++;
				return;
			}
			state = {
				entry: {
					kind: finding.kind as DriftKind,
					path: finding.fieldPath,
					count: 0,
					examples: [],
					exampleCorrelationIds: [],
					details: [],
				},
				lastItem: -1,
				lastItemByDetail: new Map(),
				values: new Map(),
			};
			if (finding.kind !== 'fieldAdded') state.entry.expected = finding.expected;
			this.states.set(key, state);
		}
		const { entry } = state;
		if (state.lastItem !== index) {
			state.lastItem = index;
			entry.count++;
			if (entry.examples.length < this.options.examples) {
				entry.examples.push(index);
				if (correlationId !== undefined) entry.exampleCorrelationIds.push(correlationId);
			}
		}
		const detail = detailOf(finding);
		if (state.lastItemByDetail.get(detail) === index) return;
		state.lastItemByDetail.set(detail, index);
		if (finding.kind === 'typeChanged') {
			entry.received ??= {};
			entry.received[finding.receivedType] = (entry.received[finding.receivedType] ?? 0) + 1;
		}
		if (finding.kind === 'unseenEnumValue') {
			const seen = state.values.get(detail);
			if (seen) seen.count++;
			else if (state.values.size < this.options.maxValues)
				state.values.set(detail, { value: finding.value ?? null, count: 1 });
			else return;
		}
		if (!entry.details.includes(detail)) entry.details.push(detail);
	}

	/** Counts nulls along the probe: only the nullable fields, only where the item has their parent. */
	private walkNulls(
		node: ProbeNode,
		value: unknown,
		index: number,
		correlationId: string | undefined,
	): void {
		if (node.field !== undefined && value !== undefined)
			this.countNull(node.field, value === null, index, correlationId);
		if (node.props.size > 0 && isJsonObject(value)) {
			for (const [key, child] of node.props) {
				if (Object.prototype.hasOwnProperty.call(value, key))
					this.walkNulls(child, value[key], index, correlationId);
			}
		}
		if (node.items && Array.isArray(value)) {
			for (const element of value) this.walkNulls(node.items, element, index, correlationId);
		}
	}

	private countNull(
		path: string,
		isNull: boolean,
		index: number,
		correlationId: string | undefined,
	): void {
		let stat = this.nulls.get(path);
		if (!stat) {
			stat = {
				path,
				observed: 0,
				nulls: 0,
				examples: [],
				exampleCorrelationIds: [],
				lastNullItem: -1,
			};
			this.nulls.set(path, stat);
		}
		stat.observed++;
		if (!isNull) return;
		stat.nulls++;
		if (stat.lastNullItem !== index && stat.examples.length < this.options.examples) {
			stat.examples.push(index);
			if (correlationId !== undefined) stat.exampleCorrelationIds.push(correlationId);
		}
		stat.lastNullItem = index;
	}
}

/** Type changes alert per arriving type, enum values per value; the rest per path. */
function detailOf(finding: Finding): string {
	// A whole number and a decimal are one change of type (to number), not two.
	if (finding.kind === 'typeChanged')
		return finding.receivedType === 'integer' ? 'number' : finding.receivedType;
	if (finding.kind === 'unseenEnumValue') {
		try {
			return stableStringify(finding.value ?? null);
		} catch {
			return finding.receivedType;
		}
	}
	return '';
}

/**
 * Fields whose share of nulls rose by at least the threshold over their baseline. A
 * field without a baseline (no memory yet, no x-null-rate in the schema) cannot jump.
 */
export function nullRateJumps(
	stats: readonly NullStat[],
	baselineOf: (path: string) => number | undefined,
	settings: NullRateSettings,
): DriftEntry[] {
	const jumps: DriftEntry[] = [];
	for (const stat of stats) {
		if (stat.observed === 0 || stat.observed < settings.minValues || stat.nulls === 0) continue;
		const baseline = baselineOf(stat.path);
		if (baseline === undefined) continue;
		const rate = stat.nulls / stat.observed;
		if ((rate - baseline) * 100 < settings.thresholdPoints) continue;
		jumps.push({
			kind: 'nullRateJump',
			path: stat.path,
			count: stat.nulls,
			examples: stat.examples,
			exampleCorrelationIds: stat.exampleCorrelationIds,
			nullRate: round(rate),
			baselineNullRate: round(baseline),
			observed: stat.observed,
			details: [''],
		});
	}
	return jumps;
}

export function sortEntries(entries: DriftEntry[]): DriftEntry[] {
	return entries.sort(
		(a, b) =>
			KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.path.localeCompare(b.path),
	);
}

function round(rate: number): number {
	return Math.round(rate * 10_000) / 10_000;
}

function percent(rate: number): string {
	return `${Math.round(rate * 1000) / 10}%`;
}

/** One line per entry, for the report and the execution hint. */
export function describeDriftEntry(entry: DriftEntry, items: number): string {
	const share = `${entry.count} of ${items} item${items === 1 ? '' : 's'}`;
	switch (entry.kind) {
		case 'fieldAdded':
			return `New field ${entry.path} in ${share}`;
		case 'requiredMissing':
			return `Required field ${entry.path} missing in ${share}`;
		case 'typeChanged': {
			const received = Object.keys(entry.received ?? {}).join(', ');
			return `${entry.path} is ${received} instead of ${entry.expected ?? 'the schema type'} in ${share}`;
		}
		case 'unseenEnumValue': {
			const values = (entry.values ?? []).map((seen) =>
				typeof seen.value === 'string' ? quote(seen.value) : safeText(seen.value),
			);
			return `${entry.path} has values never seen before (${values.join(', ')}) in ${share}`;
		}
		case 'nullRateJump':
			return `${entry.path} is null in ${percent(entry.nullRate ?? 0)} of ${entry.observed ?? 0} values (expected about ${percent(entry.baselineNullRate ?? 0)})`;
	}
}

function safeText(value: unknown): string {
	try {
		const text = stableStringify(value);
		return text.length > 40 ? `${text.slice(0, 40)}…` : text;
	} catch {
		return String(value);
	}
}
