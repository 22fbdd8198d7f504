import type { JsonObject } from '../core/json';
import type { RecordInsert, RecordStamps } from './types';
import { normalizeWrites } from './validate';

/** What every backend's `insert` shares: checking a batch, and adding the stamps to a value's JSON. */

export interface NormalizedInsert {
	key: string;
	/** The value's JSON text, an object. */
	json: string;
	ttlMs: number | null;
}

/** Checks an insert batch as `write` checks its writes, plus: objects only, distinct keys, valid stamps. */
export function normalizeInserts(
	inserts: RecordInsert[],
	stamps: RecordStamps,
): { batch: NormalizedInsert[]; stamps: Array<[name: string, offsetMs: number]> } {
	const batch = normalizeWrites(inserts).map(({ key, json, ttlMs }) => ({ key, json, ttlMs }));
	const stampList = Object.entries(stamps ?? {});
	for (const [name, offset] of stampList) {
		if (name === '' || !Number.isSafeInteger(offset))
			throw new TypeError(`Stamp ${JSON.stringify(name)} needs a name and a whole number of ms`);
	}
	const seen = new Set<string>();
	batch.forEach((entry, index) => {
		if (!entry.json.startsWith('{'))
			throw new TypeError(`inserts[${index}].value must be a JSON object`);
		if (seen.has(entry.key))
			throw new TypeError(`inserts[${index}].key repeats an earlier key of the batch`);
		seen.add(entry.key);
		const value = inserts[index].value as JsonObject;
		for (const [name] of stampList) {
			if (Object.prototype.hasOwnProperty.call(value, name))
				throw new TypeError(
					`inserts[${index}].value has the stamped field ${JSON.stringify(name)}`,
				);
		}
	});
	return { batch, stamps: stampList };
}

/** The stamps as JSON members at the store's `now`: `"createdAt":1733468000000,...`. */
export function stampMembers(stamps: Array<[string, number]>, now: number): string {
	return stamps.map(([name, offset]) => `${JSON.stringify(name)}:${now + offset}`).join(',');
}

/** An object's JSON with the stamp members first. */
export function stampedJson(json: string, members: string): string {
	if (members === '') return json;
	return json === '{}' ? `{${members}}` : `{${members},${json.slice(1)}`;
}

/** Batch positions in key order (B-tree locality; one lock order for every batch). */
export function keyOrder(keys: readonly string[]): number[] {
	return keys
		.map((_, index) => index)
		.sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b));
}
