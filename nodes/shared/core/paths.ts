import type { JsonValue } from './json';

/**
 * Reads `a.b[0].c` style paths from item data. Only own properties are followed, so
 * a path through `__proto__` or `constructor` finds nothing instead of the prototype.
 */
export function getPath(source: unknown, path: string): unknown {
	let current: unknown = source;
	for (const segment of splitPath(path)) {
		if (current === null || typeof current !== 'object') return undefined;
		if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
		current = (current as Record<string, unknown>)[segment];
	}
	return current;
}

export function splitPath(path: string): string[] {
	const segments: string[] = [];
	for (const part of path.split('.')) {
		const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
		if (!match) {
			segments.push(part);
			continue;
		}
		if (match[1] !== '') segments.push(match[1]);
		for (const index of match[2].matchAll(/\[(\d+)\]/g)) segments.push(index[1]);
	}
	return segments;
}

/** "id, customer.email" → ["id", "customer.email"]; blanks dropped, duplicates kept once. */
export function parseFieldList(list: string): string[] {
	return [...new Set(list.split(',').map((field) => field.trim()).filter((field) => field !== ''))];
}

/** The values of `fields` in `source`, keyed by path, for hashing or keeping. Missing ones are listed. */
export function pickFields(source: unknown, fields: string[]): { values: Record<string, JsonValue>; missing: string[] } {
	const values: Record<string, JsonValue> = Object.create(null) as Record<string, JsonValue>;
	const missing: string[] = [];
	for (const field of fields) {
		const value = getPath(source, field);
		if (value === undefined || value === null || value === '') missing.push(field);
		else values[field] = value as JsonValue;
	}
	return { values, missing };
}
