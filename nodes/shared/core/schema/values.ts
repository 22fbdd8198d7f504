import type { DataPath } from './types';

/** How much of a string a message quotes: enough to recognise it, never a megabyte. */
const QUOTE_CHARS = 40;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * The JSON type of a value as the drift report counts it. Values that JSON cannot carry
 * (dates, maps, functions, NaN…) say so, because they come from expressions, not vendors.
 */
export function jsonTypeOf(value: unknown): string {
	if (value === null) return 'null';
	switch (typeof value) {
		case 'string':
			return 'string';
		case 'boolean':
			return 'boolean';
		case 'number':
			if (!Number.isFinite(value)) return `${String(value)} (not JSON)`;
			return Number.isInteger(value) ? 'integer' : 'number';
		case 'undefined':
			return 'missing';
		case 'object':
			if (Array.isArray(value)) return 'array';
			return isJsonObject(value) ? 'object' : `${objectKind(value)} (not JSON)`;
		default:
			return `${typeof value} (not JSON)`;
	}
}

/** A plain object: what JSON.parse makes. Class instances (Date, Map, luxon) are not. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
	const proto = Object.getPrototypeOf(value) as unknown;
	return proto === Object.prototype || proto === null;
}

/**
 * Sets an own field, even one named `__proto__`: an assignment would set the object's
 * prototype instead (a schema's `properties` may declare a field of that name).
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
	Object.defineProperty(target, key, {
		value,
		enumerable: true,
		writable: true,
		configurable: true,
	});
}

function objectKind(value: object): string {
	if (value instanceof Date) return 'date';
	try {
		const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)
			?.constructor?.name;
		return typeof name === 'string' && name !== '' ? `${name} object` : 'object';
	} catch {
		// A proxy or a getter that throws: say what we can without running more of it.
		return 'object';
	}
}

/** A short, safe rendering of a string: quoted, escaped, cut after QUOTE_CHARS. */
export function quote(text: string, length = text.length): string {
	// `length`: of the value `text` was made from (cut or redacted), said when it is cut here.
	if (text.length <= QUOTE_CHARS) return JSON.stringify(text);
	return `${JSON.stringify(text.slice(0, QUOTE_CHARS))}… (${length} characters)`;
}

/** What an item holds at a place, in plain words: `a string ("42")`, `an array of 3 items`. */
export function describeValue(value: unknown): string {
	if (value === undefined) return 'nothing (the field is missing)';
	if (value === null) return 'null';
	switch (typeof value) {
		case 'string':
			return `a string (${quote(value)})`;
		case 'number':
			if (!Number.isFinite(value)) return `${String(value)} (not a JSON number)`;
			return `${Number.isInteger(value) ? 'an integer' : 'a number'} (${String(value)})`;
		case 'boolean':
			return `a boolean (${String(value)})`;
		case 'object':
			if (Array.isArray(value))
				return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
			if (isJsonObject(value)) return 'an object';
			return `${withArticle(objectKind(value))} (not a JSON value)`;
		default:
			return `${withArticle(typeof value)} (not a JSON value)`;
	}
}

/** `customer.email`, `lines[2].sku`, `meta["odd key"]`; the item itself is `(the item)`. */
export function formatPath(segments: DataPath): string {
	let text = '';
	for (const segment of segments) {
		if (typeof segment === 'number') text += `[${segment}]`;
		else if (IDENTIFIER.test(segment)) text += text === '' ? segment : `.${segment}`;
		else text += `[${quote(segment)}]`;
	}
	return text === '' ? '(the item)' : text;
}

/** The path drift is counted under: array indexes become `[]`, so `lines[0].sku` and `lines[7].sku` agree. */
export function fieldPathOf(segments: DataPath): string {
	return formatPath(
		segments.map((segment) => (typeof segment === 'number' ? -1 : segment)),
	).replace(/\[-1\]/g, '[]');
}

/** RFC 6901 pointer of a path: `/lines/2/sku`. */
export function toPointer(segments: DataPath): string {
	return segments
		.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`)
		.join('');
}

/** Reads a path following own properties only, so `__proto__` and `constructor` find nothing inherited. */
export function valueAt(root: unknown, segments: DataPath): unknown {
	let current = root;
	for (const segment of segments) {
		if (current === null || typeof current !== 'object') return undefined;
		if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
		current = (current as Record<PathSegmentKey, unknown>)[segment];
	}
	return current;
}

type PathSegmentKey = string | number;

/** An article for a noun in a sentence: `an Invoice object`, `a Uint8Array object` (said "you"). */
function withArticle(noun: string): string {
	return /^[aeio]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

/** `a, b or c`. */
export function listWords(words: readonly string[], last = 'or'): string {
	if (words.length <= 1) return words.join('');
	return `${words.slice(0, -1).join(', ')} ${last} ${words[words.length - 1]}`;
}
