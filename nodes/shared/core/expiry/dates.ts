/**
 * Expiry dates as sources write them: ISO 8601, RFC 2822 / HTTP dates, SQL date-times,
 * Unix seconds or milliseconds, Date objects. One reader for the package: Canonical
 * Transform's auto-detecting date converter (values without an offset are read in the
 * given zone, ambiguous dd/mm vs mm/dd dates are refused).
 */
import { ConversionError } from '../transform/errors';
import { compileDate } from '../transform/date';
import { DEFAULT_PROFILE } from '../transform/profile';

const readers = new Map<string, (value: unknown) => unknown>();

function readerFor(zone: string): (value: unknown) => unknown {
	let reader = readers.get(zone);
	if (!reader) {
		reader = compileDate(
			{
				input: 'auto',
				inputFormat: null,
				zone,
				output: 'unixMs',
				outputFormat: null,
				outputZone: 'UTC',
			},
			DEFAULT_PROFILE,
		);
		if (readers.size > 50) readers.clear();
		readers.set(zone, reader);
	}
	return reader;
}

/** Epoch ms of a date value, or `{ problem }` saying why it is not one. */
export function parseExpiryDate(value: unknown, zone = 'UTC'): number | { problem: string } {
	if (value === undefined || value === null || value === '') return { problem: 'is empty' };
	// "2025-01-31 00:00:00 UTC" (GitHub's token expiration header) is a SQL date-time in UTC.
	const normalised =
		typeof value === 'string'
			? value
					.trim()
					.replace(/\s+UTC$/i, 'Z')
					.replace(/^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}(?::\d{2})?)Z$/, '$1T$2Z')
			: value;
	try {
		const ms = readerFor(zone)(normalised);
		if (typeof ms === 'number' && Number.isFinite(ms)) return ms;
		return { problem: 'is not a date' };
	} catch (error) {
		if (error instanceof ConversionError) return { problem: error.reason };
		return { problem: 'is not a date' };
	}
}

/**
 * Response headers that carry a credential's expiry (or an API's end of life), lower
 * case. GitHub sends the first on requests made with an expiring token; Sunset is
 * RFC 8594.
 */
export const DEFAULT_EXPIRY_HEADERS: readonly string[] = [
	'github-authentication-token-expiration',
	'x-api-key-expires',
	'x-api-key-expiration',
	'x-token-expires',
	'x-token-expires-at',
	'x-expires-at',
	'sunset',
];

export interface HeaderExpiry {
	header: string;
	expiresAt: number;
}

/**
 * The earliest expiry among the named headers of a headers object (names compared
 * case-insensitively; array values take their first entry). Headers that are present
 * but unreadable are returned as problems.
 */
export function expiryFromHeaders(
	headers: unknown,
	names: readonly string[],
	zone = 'UTC',
): { found: HeaderExpiry | null; problems: string[] } {
	const problems: string[] = [];
	if (headers === null || typeof headers !== 'object' || Array.isArray(headers))
		return { found: null, problems };
	const wanted = new Set(
		names.map((name) => name.trim().toLowerCase()).filter((name) => name !== ''),
	);
	let found: HeaderExpiry | null = null;
	for (const key of Object.keys(headers)) {
		const header = key.toLowerCase();
		if (!wanted.has(header)) continue;
		let value = (headers as Record<string, unknown>)[key];
		if (Array.isArray(value)) value = value[0];
		if (typeof value === 'string' && value.length > 200) {
			problems.push(`Header ${header} is too long to be a date`);
			continue;
		}
		const parsed = parseExpiryDate(value, zone);
		if (typeof parsed !== 'number') {
			problems.push(`Header ${header} ${parsed.problem}`);
			continue;
		}
		if (found === null || parsed < found.expiresAt) found = { header, expiresAt: parsed };
	}
	return { found, problems };
}
