import { stableStringify } from '../hash';
import type { JsonObject, JsonValue } from '../json';
import { describeDriftEntry, type DriftEntry } from './drift';

export interface SchemaLabel {
	name: string;
	version: string;
	fingerprint: string;
	source: string;
}

export interface DriftReportInput {
	schema: SchemaLabel;
	entries: readonly DriftEntry[];
	/** Per entry: new to drift memory (all true when memory is off). */
	isNew: readonly boolean[];
	memory: boolean;
	/** Set when drift memory was full: what the report says about it. */
	memoryFull?: string;
	counts: { items: number; valid: number; invalid: number; errors: number; withDrift: number };
	/** Entries left out because too many distinct ones were seen. */
	moreDrift: number;
	/** The inferred schema, when the schema came from a sample: so the user can pin it. */
	inferredSchema?: JsonValue;
}

/** The Drift Report item: one per execution, readable as it is in a chat message or a ticket. */
export function buildDriftReport(input: DriftReportInput): JsonObject {
	const { counts } = input;
	const drift = input.entries.map((entry, index) =>
		entryJson(entry, input.isNew[index] ?? true, counts.items),
	);
	const newDrift = input.isNew.filter(Boolean).length;
	const report: JsonObject = {
		schema: { ...input.schema },
		summary: summaryLine(input.entries, newDrift, input.memory, counts.items, counts.withDrift),
		items: counts.items,
		valid: counts.valid,
		invalid: counts.invalid,
		errors: counts.errors,
		itemsWithDrift: counts.withDrift,
		newDrift,
		memory: input.memory,
		...(input.memoryFull === undefined ? {} : { memoryFull: input.memoryFull }),
		drift,
		moreDrift: input.moreDrift,
	};
	// Through JSON text: the schema's field maps have no prototype, which n8n's item code does not expect.
	if (input.inferredSchema !== undefined)
		report.inferredSchema = JSON.parse(JSON.stringify(input.inferredSchema)) as JsonValue;
	return report;
}

function summaryLine(
	entries: readonly DriftEntry[],
	newDrift: number,
	memory: boolean,
	items: number,
	withDrift: number,
): string {
	const kinds = `${entries.length} kind${entries.length === 1 ? '' : 's'} of drift`;
	const where = withDrift > 0 ? ` in ${withDrift} of ${items} item${items === 1 ? '' : 's'}` : '';
	return `${kinds}${where}${memory ? `, ${newDrift} new` : ''}`;
}

function entryJson(entry: DriftEntry, isNew: boolean, items: number): JsonObject {
	const json: JsonObject = {
		kind: entry.kind,
		path: entry.path,
		description: describeDriftEntry(entry, items),
		count: entry.count,
		examples: entry.examples,
		new: isNew,
	};
	if (entry.exampleCorrelationIds.length > 0)
		json.exampleCorrelationIds = entry.exampleCorrelationIds;
	if (entry.expected !== undefined) json.expected = entry.expected;
	if (entry.received !== undefined) json.received = { ...entry.received };
	if (entry.values !== undefined)
		json.values = entry.values.map((seen) => ({ value: jsonSafe(seen.value), count: seen.count }));
	if (entry.nullRate !== undefined) json.nullRate = entry.nullRate;
	if (entry.baselineNullRate !== undefined) json.baselineNullRate = entry.baselineNullRate;
	if (entry.observed !== undefined) json.observed = entry.observed;
	return json;
}

/** A value as JSON: what an expression left (a Date, a bigint) becomes what n8n would store. */
export function jsonSafe(value: unknown): JsonValue {
	if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
	if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
	try {
		return JSON.parse(stableStringify(value)) as JsonValue;
	} catch {
		return String(value);
	}
}
