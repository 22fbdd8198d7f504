import type { JsonValue } from '../json';
import { ConversionError, OptionError, describeType } from './errors';

export type UnmappedValue = 'error' | 'default' | 'keep';

export interface ValueMapOptions {
	/** Source value → canonical value, e.g. { "AUTHORISED": "open", "PAID": "paid" }. */
	map: Record<string, JsonValue>;
	/** Compare trimmed and case-insensitively. */
	caseInsensitive: boolean;
	/** A value not in the map: an error, the default, or kept as it is. */
	unmapped: UnmappedValue;
	default: JsonValue;
}

export function compileValueMap(options: ValueMapOptions): (value: unknown) => JsonValue {
	// A Map, not the object: looking up "constructor" or "__proto__" in a plain object finds its prototype.
	const table = new Map<string, JsonValue>();
	const normalise = (key: string) => (options.caseInsensitive ? key.trim().toLowerCase() : key);
	for (const [key, mapped] of Object.entries(options.map)) {
		const normalised = normalise(key);
		if (table.has(normalised)) {
			throw new OptionError(
				'options.map',
				`has "${key}" twice (compared case-insensitively)`,
				'Remove one of them, or turn off Case Insensitive.',
			);
		}
		table.set(normalised, mapped);
	}
	if (table.size === 0)
		throw new OptionError(
			'options.map',
			'is empty',
			'Give at least one source value and what it becomes, e.g. { "AUTHORISED": "open" }.',
		);
	const known = Object.keys(options.map)
		.slice(0, 10)
		.map((key) => JSON.stringify(key))
		.join(', ');
	return (value) => {
		if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
			throw new ConversionError(
				`is ${describeType(value)}, which a value map cannot look up`,
				'Map a field that holds text, a number or a boolean.',
			);
		}
		const key = normalise(String(value));
		if (table.has(key)) return structuredCloneJson(table.get(key)!);
		if (options.unmapped === 'keep') return value;
		if (options.unmapped === 'default') return structuredCloneJson(options.default);
		throw new ConversionError(
			`is not in the value map (it knows ${known})`,
			'Add the value to the map, or set If Not in Map to Use Default or Keep.',
		);
	};
}

/** Objects from the map are copied, so no two output items share one. */
function structuredCloneJson(value: JsonValue): JsonValue {
	return value !== null && typeof value === 'object' ? structuredClone(value) : value;
}
