import type { JsonObject } from '../core/json';
import { MAX_NAMESPACE_BYTES, MAX_QUEUE_LIMIT, assertSafeInteger } from './validate';
import type { ScanKind, ScanOptions, ScannedEntry } from './types';

/** What every backend's `scan` checks first, the same way: caller mistakes are TypeErrors. */

export const SCAN_KINDS: readonly ScanKind[] = ['records', 'counters', 'queues', 'limiters'];
/** Most entries a scan page may ask for. */
export const MAX_SCAN_LIMIT = MAX_QUEUE_LIMIT;

export interface NormalizedScan {
	prefix: string;
	kind: ScanKind;
	limit: number;
	/** The cursor as given, null at the start. */
	cursor: string | null;
}

export function normalizeScan(namespacePrefix: unknown, options: unknown): NormalizedScan {
	if (typeof namespacePrefix !== 'string')
		throw new TypeError(`Scan prefix must be a string, got ${typeof namespacePrefix}`);
	if (namespacePrefix.includes('\u0000'))
		throw new TypeError('Scan prefix must not contain a NUL character (\\u0000)');
	if (Buffer.byteLength(namespacePrefix, 'utf8') > MAX_NAMESPACE_BYTES)
		throw new TypeError(`Scan prefix is longer than ${MAX_NAMESPACE_BYTES} bytes`);
	if (options === null || typeof options !== 'object' || Array.isArray(options))
		throw new TypeError('Scan options must be an object');
	const { kind, limit, cursor } = options as Partial<ScanOptions>;
	if (!SCAN_KINDS.includes(kind as ScanKind))
		throw new TypeError(`Scan kind must be one of ${SCAN_KINDS.join(', ')}, got ${String(kind)}`);
	const count = assertSafeInteger(limit, 'Scan limit');
	if (count < 1 || count > MAX_SCAN_LIMIT)
		throw new TypeError(`Scan limit must be between 1 and ${MAX_SCAN_LIMIT}, got ${count}`);
	if (cursor !== undefined && cursor !== null && typeof cursor !== 'string')
		throw new TypeError('Scan cursor must be a string from a previous page, or null');
	return {
		prefix: namespacePrefix,
		kind: kind as ScanKind,
		limit: count,
		cursor: cursor || null,
	};
}

/** A SQL page's cursor: the JSON of the last (namespace, key) it returned. */
export function toSqlCursor(last: ScannedEntry | undefined, full: boolean): string | null {
	return full && last ? JSON.stringify([last.namespace, last.key]) : null;
}

/** SQL backends: the (namespace, key) the previous page ended at; ['', ''] at the start. */
export function sqlAfter(cursor: string | null): [string, string] {
	if (cursor === null) return ['', ''];
	let parsed: unknown;
	try {
		parsed = JSON.parse(cursor);
	} catch {
		parsed = undefined;
	}
	if (
		!Array.isArray(parsed) ||
		parsed.length !== 2 ||
		typeof parsed[0] !== 'string' ||
		typeof parsed[1] !== 'string'
	)
		throw new TypeError('Scan cursor is not one this store returned');
	return [parsed[0], parsed[1]];
}

/** A queue group as both SQL backends count it. */
export function queueGroup(
	queue: string,
	category: string,
	open: number | string,
	leased: number | string,
	oldest: number | string | null,
): ScannedEntry {
	const value: JsonObject = {
		open: Number(open),
		leased: Number(leased),
		oldestOpenAt: oldest === null ? null : Number(oldest),
	};
	return { namespace: queue, key: category, value, version: null, expiresAt: null };
}
