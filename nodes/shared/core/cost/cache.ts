import { stableHash } from '../hash';
import { isPlainObject, type JsonValue } from '../json';
import { getPath } from '../paths';

export interface CacheKeyOptions {
	/** Compare text case-insensitively. */
	ignoreCase: boolean;
}

/**
 * Normalises a value for the cache key: text trimmed with runs of whitespace collapsed
 * (and lower-cased when asked), the same normalisation inside lists and objects, so
 * "Hello  world " and "hello world" can share a cached answer.
 */
export function normaliseForKey(value: unknown, options: CacheKeyOptions, depth = 0): JsonValue {
	if (depth > 64) throw new RangeError('The key fields are nested more than 64 levels deep');
	if (typeof value === 'string') {
		const text = value.trim().replace(/\s+/g, ' ');
		return options.ignoreCase ? text.toLowerCase() : text;
	}
	if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
	if (typeof value === 'boolean' || value === null || value === undefined) return value ?? null;
	if (Array.isArray(value)) return value.map((entry) => normaliseForKey(entry, options, depth + 1));
	if (isPlainObject(value)) {
		return Object.fromEntries(
			Object.keys(value).map((key) => [key, normaliseForKey(value[key], options, depth + 1)]),
		);
	}
	return String(value);
}

/** The cache key of an item: a SHA-256 of its normalised key fields (missing fields count as null). */
export function cacheKeyOf(source: unknown, fields: string[], options: CacheKeyOptions): string {
	const values = fields.map((field) => [field, normaliseForKey(getPath(source, field), options)]);
	return stableHash(values);
}

/** What Cache Store keeps: the response and what it cost, so a hit can count the cost avoided. */
export interface CacheEntry {
	response: JsonValue;
	costNanos: number;
	storedAt: number;
}

export function asCacheEntry(value: JsonValue | undefined): CacheEntry | null {
	if (!isPlainObject(value) || !('response' in value)) return null;
	const cost = value.costNanos;
	return {
		response: value.response as JsonValue,
		costNanos: typeof cost === 'number' && Number.isSafeInteger(cost) && cost >= 0 ? cost : 0,
		storedAt: typeof value.storedAt === 'number' ? value.storedAt : 0,
	};
}

/** Largest response Cache Store keeps, in bytes of JSON: caches are for answers, not files. */
export const MAX_CACHE_ENTRY_BYTES = 1_000_000;
