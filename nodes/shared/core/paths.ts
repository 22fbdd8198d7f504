import type { JsonValue } from './json';

/**
 * Reads `a.b[0].c` style paths from item data. Only own properties are followed, so
 * a path through `__proto__` or `constructor` finds nothing instead of the prototype.
 */
export function getPath(source: unknown, path: string): unknown {
	return pathReader(path)(source);
}

/** getPath with the path parsed once: for reading the same field from many items. */
export function pathReader(path: string): (source: unknown) => unknown {
	const segments = splitPath(path);
	return (source) => {
		let current: unknown = source;
		for (const segment of segments) {
			if (current === null || typeof current !== 'object') return undefined;
			if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
			current = (current as Record<string, unknown>)[segment];
		}
		return current;
	};
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
	return [
		...new Set(
			list
				.split(',')
				.map((field) => field.trim())
				.filter((field) => field !== ''),
		),
	];
}

/**
 * The values of `fields` in `source`, keyed by path, for hashing or keeping. Missing
 * ones are listed. Built with Object.fromEntries, which defines own properties, so a
 * field named `__proto__` is data, never a prototype.
 */
export function pickFields(
	source: unknown,
	fields: string[],
): { values: Record<string, JsonValue>; missing: string[] } {
	const entries: Array<[string, JsonValue]> = [];
	const missing: string[] = [];
	for (const field of fields) {
		const value = getPath(source, field);
		if (value === undefined || value === null || value === '') missing.push(field);
		else entries.push([field, value as JsonValue]);
	}
	return { values: Object.fromEntries(entries), missing };
}

/*
 * Structured paths, for code that writes as well as reads (Canonical Transform).
 * `parsePath` is strict where `splitPath` is forgiving: a mapping with a malformed path
 * must fail when it is configured, not produce odd keys item after item.
 */

/** `[*]` in a path: every element of the list at that point. */
export const EACH_ELEMENT: unique symbol = Symbol('each element');

/** A key of an object, an index of a list (`[2]`), or every element (`[*]`). */
export type PathSegment = string | number | typeof EACH_ELEMENT;

/** Keys that would reach an object's prototype when assigned: never written by us. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
	'__proto__',
	'constructor',
	'prototype',
]);

export class PathSyntaxError extends Error {
	constructor(
		readonly path: string,
		readonly reason: string,
	) {
		super(`Path "${path.length > 80 ? `${path.slice(0, 80)}…` : path}" ${reason}`);
		this.name = 'PathSyntaxError';
	}
}

const MAX_PATH_LENGTH = 1000;
const MAX_LIST_INDEX = 100_000;

/**
 * "a.b[0].c" → ['a', 'b', 0, 'c']; "lines[*].sku" → ['lines', EACH_ELEMENT, 'sku'].
 * A dotted number (`a.0`) stays a key, a bracketed one (`a[0]`) is a list index, so a
 * writer knows whether to create an object or a list. Empty keys, unclosed brackets and
 * non-numeric indexes are errors.
 */
export function parsePath(path: string): PathSegment[] {
	if (typeof path !== 'string' || path.trim() === '')
		throw new PathSyntaxError(String(path), 'is empty');
	if (path.length > MAX_PATH_LENGTH)
		throw new PathSyntaxError(path, `is longer than ${MAX_PATH_LENGTH} characters`);
	const segments: PathSegment[] = [];
	for (const part of path.split('.')) {
		const match = /^([^[\]]*)((?:\[(?:\d+|\*)\])*)$/.exec(part);
		if (!match)
			throw new PathSyntaxError(
				path,
				`has a malformed part "${part}": use name, name[0] or name[*]`,
			);
		const [, key, brackets] = match;
		if (key === '' && (brackets === '' || segments.length === 0)) {
			throw new PathSyntaxError(path, 'has an empty part (two dots in a row, or a dot at an end)');
		}
		if (key !== '') segments.push(key);
		for (const [, index] of brackets.matchAll(/\[(\d+|\*)\]/g)) {
			if (index === '*') {
				segments.push(EACH_ELEMENT);
				continue;
			}
			const number = Number(index);
			if (number > MAX_LIST_INDEX)
				throw new PathSyntaxError(path, `has a list index above ${MAX_LIST_INDEX}`);
			segments.push(number);
		}
	}
	return segments;
}

/** A path back as text, in the syntax `parsePath` reads. */
export function formatPath(segments: readonly PathSegment[]): string {
	let text = '';
	for (const segment of segments) {
		if (segment === EACH_ELEMENT) text += '[*]';
		else if (typeof segment === 'number') text += `[${segment}]`;
		else text += text === '' ? segment : `.${segment}`;
	}
	return text;
}

/** Reads a parsed path (no `[*]`) through own properties only, like `getPath`. */
export function readPath(source: unknown, segments: readonly PathSegment[]): unknown {
	let current: unknown = source;
	for (const segment of segments) {
		if (current === null || typeof current !== 'object') return undefined;
		const key = typeof segment === 'number' ? String(segment) : segment;
		if (typeof key !== 'string' || !Object.prototype.hasOwnProperty.call(current, key))
			return undefined;
		current = (current as Record<string, unknown>)[key];
	}
	return current;
}

/**
 * Writes `value` at a parsed path (no `[*]`), creating objects for keys and lists for
 * indexes on the way. Copy on write: a container not in `owned` (one shared with an
 * input item, say) is copied before it is changed, and the copy is added to `owned`;
 * `root` must be owned by the caller. Returns false, writing nothing, when the way is
 * blocked by a value that is not a container (a string where an object should be) or a
 * key is one of FORBIDDEN_KEYS.
 */
export function setPath(
	root: Record<string, unknown>,
	segments: readonly PathSegment[],
	value: unknown,
	owned: Set<object>,
): boolean {
	if (segments.length === 0) return false;
	let parent: Record<string, unknown> | unknown[] = root;
	for (let position = 0; position < segments.length; position++) {
		const segment = segments[position];
		if (segment === EACH_ELEMENT) return false;
		if (typeof segment === 'string' && FORBIDDEN_KEYS.has(segment)) return false;
		const key = segment;
		const isIndex = typeof key === 'number';
		if (isIndex !== Array.isArray(parent)) return false;
		if (isIndex) padList(parent as unknown[], key);
		if (position === segments.length - 1) {
			(parent as Record<string | number, unknown>)[key] = value;
			return true;
		}
		const wantList = typeof segments[position + 1] === 'number';
		const existing = Object.prototype.hasOwnProperty.call(parent, key)
			? (parent as Record<string | number, unknown>)[key]
			: undefined;
		let child: unknown;
		if (existing === undefined || existing === null) {
			child = wantList ? [] : {};
			owned.add(child as object);
		} else if (typeof existing === 'object' && Array.isArray(existing) === wantList) {
			child = owned.has(existing) ? existing : copyContainer(existing, owned);
		} else {
			return false;
		}
		(parent as Record<string | number, unknown>)[key] = child;
		parent = child as Record<string, unknown> | unknown[];
	}
	return true;
}

/**
 * Removes the value at a parsed path (no `[*]`), copy on write as in `setPath`, then
 * removes the objects the removal left empty. Returns whether something was removed.
 */
export function deletePath(
	root: Record<string, unknown>,
	segments: readonly PathSegment[],
	owned: Set<object>,
): boolean {
	if (segments.length === 0) return false;
	if (segments.some((segment) => typeof segment === 'string' && FORBIDDEN_KEYS.has(segment)))
		return false;
	const chain: Array<Record<string, unknown> | unknown[]> = [root];
	let parent: unknown = root;
	for (let position = 0; position < segments.length - 1; position++) {
		const next = readPath(parent, [segments[position]]);
		if (next === null || typeof next !== 'object') return false;
		const child = owned.has(next) ? next : copyContainer(next, owned);
		(parent as Record<string | number, unknown>)[segments[position] as string | number] = child;
		chain.push(child as Record<string, unknown>);
		parent = child;
	}
	const last = segments[segments.length - 1];
	if (last === EACH_ELEMENT || readPath(parent, [last]) === undefined) return false;
	if (Array.isArray(parent)) return false; // removing from a list would shift every later element
	delete (parent as Record<string, unknown>)[last as string];
	// Objects emptied by the removal go too; lists and the root stay.
	for (let position = chain.length - 1; position > 0; position--) {
		const container = chain[position];
		if (Array.isArray(container) || Object.keys(container).length > 0) break;
		const holder = chain[position - 1];
		if (Array.isArray(holder)) break;
		delete holder[segments[position - 1] as string];
	}
	return true;
}

function padList(list: unknown[], index: number): void {
	// Holes would serialise as null anyway; fill them so the list is plain JSON.
	while (list.length < index) list.push(null);
}

function copyContainer(value: object, owned: Set<object>): object {
	const copy = Array.isArray(value)
		? [...(value as unknown[])]
		: { ...(value as Record<string, unknown>) };
	owned.add(copy);
	return copy;
}
