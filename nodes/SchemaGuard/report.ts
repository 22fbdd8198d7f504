import type { IDataObject, INodeExecutionData, NodeExecutionHint } from 'n8n-workflow';

import { hint, schema, type json } from '../shared';
import type { Settings } from './settings';

/** What Schema Guard tells about a batch: the Drift Report item and the panel's hints. */

/** An inferred schema longer than this is cut in the hint; the drift report has it whole. */
const HINT_SCHEMA_CHARS = 3000;

export interface Counts {
	items: number;
	valid: number;
	invalid: number;
	errors: number;
}

export interface SettledDrift {
	entries: schema.DriftEntry[];
	isNew: boolean[];
	/** Drift memory was full: nothing new was remembered. */
	full?: { markers: number; maxMarkers: number };
}

export function reportItem(
	settings: Settings,
	drift: SettledDrift,
	counts: Counts,
	collector: schema.DriftCollector,
	itemCount: number,
): INodeExecutionData {
	const { compiled } = settings;
	const report = schema.buildDriftReport({
		schema: {
			name: settings.name,
			version: settings.version,
			fingerprint: compiled.fingerprint,
			source: compiled.source,
		},
		entries: drift.entries,
		isNew: drift.isNew,
		memory: settings.driftMemory,
		memoryFull: drift.full ? memoryFullNote(drift.full) : undefined,
		counts: { ...counts, withDrift: collector.itemsWithDrift().length },
		moreDrift: collector.overflow,
		inferredSchema:
			compiled.source === 'sample' ? (compiled.document as json.JsonValue) : undefined,
	});
	// The report summarises the items that drifted: it pairs with them.
	const paired = new Set<number>(collector.itemsWithDrift());
	for (const entry of drift.entries)
		if (entry.kind === 'nullRateJump') for (const example of entry.examples) paired.add(example);
	if (paired.size === 0 && itemCount > 0) paired.add(0);
	return {
		json: report as IDataObject,
		pairedItem: [...paired].sort((a, b) => a - b).map((item) => ({ item })),
	};
}

export function compileHints(settings: Settings): NodeExecutionHint[] {
	const { compiled } = settings;
	const hints = compiled.warnings.map((message) => hint(`Schema: ${message}`, 'warning'));
	if (compiled.source === 'jsonSchema') hints.push(hint(`${compiled.dialectNote}.`));
	if (compiled.source === 'sample') {
		const text = JSON.stringify(compiled.document);
		const shown =
			text.length > HINT_SCHEMA_CHARS
				? `${text.slice(0, HINT_SCHEMA_CHARS)}… (the whole schema is in the drift report)`
				: text;
		hints.push(
			hint(
				`Schema inferred from the sample (${compiled.model.fieldCount} fields). To pin it, choose JSON Schema and paste: ${shown}`,
			),
		);
	}
	return hints;
}

export function driftHint(
	entries: schema.DriftEntry[],
	isNew: boolean[],
	memory: boolean,
	items: number,
): NodeExecutionHint {
	const fresh = entries.filter((_, index) => isNew[index]);
	if (memory && fresh.length === 0) {
		return hint(
			`Schema drift seen before (${entries.length} kind${entries.length === 1 ? '' : 's'}); no new alert`,
		);
	}
	const shown = (memory ? fresh : entries)
		.slice(0, 5)
		.map((entry) => schema.describeDriftEntry(entry, items));
	const more = (memory ? fresh : entries).length - shown.length;
	return hint(
		`Schema drift${memory ? ' (new)' : ''}: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`,
		'warning',
	);
}

/** The scope's drift memory holds its maximum: say so, and what to do. */
function memoryFullNote(full: { markers: number; maxMarkers: number }): string {
	return `Drift memory is full (${full.markers} of ${full.maxMarkers} remembered drifts in this scope): drift is reported on every execution until old ones expire (Remember Drift For) or you raise Max Remembered Drifts`;
}

export function memoryFullHint(full: { markers: number; maxMarkers: number }): NodeExecutionHint {
	return hint(memoryFullNote(full), 'warning');
}
