/**
 * What an HTTP response says about rate limits: Retry-After (RFC 9110: delta-seconds or
 * an HTTP date) and the rate-limit headers vendors send — `X-RateLimit-*` (GitHub,
 * Twitter, most), `X-Rate-Limit-*`, the IETF draft's `RateLimit-*` (and its combined
 * `RateLimit: limit=…, remaining=…, reset=…`), `X-RateLimit-Reset-After`. Pure: the
 * current time is passed in; nothing here throws on garbage, it just learns nothing.
 */
import { isPlainObject } from '../json';
import { DAY_MS, SECOND_MS } from '../time';

/** Rate-limit facts read from one response; null where the response said nothing (usable). */
export interface RateLimitHeaders {
	/** Requests allowed in the vendor's window. */
	limit: number | null;
	/** Requests left in the window. */
	remaining: number | null;
	/** When the window resets, epoch ms. */
	resetAt: number | null;
	/** What Retry-After asked for, ms from now. */
	retryAfterMs: number | null;
	/** The window length, seconds, when the vendor said it (e.g. `RateLimit-Policy: 100;w=60`). */
	windowSeconds: number | null;
}

/** A reset value above this is an epoch (seconds), below it a delta: 10^9 s is 2001-09-09. */
const EPOCH_SECONDS_FLOOR = 1_000_000_000;
/** Epoch values in milliseconds (some vendors) are above this. */
const EPOCH_MS_FLOOR = 100_000_000_000;
/** Nothing a server says makes us wait longer than this (a year), whatever it sent. */
export const MAX_SERVER_WAIT_MS = 366 * DAY_MS;
const MAX_HEADER_LENGTH = 200;

/** Header value by case-insensitive name from a plain headers object (arrays: the first). */
export function headerValue(headers: unknown, name: string): string | null {
	if (!isPlainObject(headers)) return null;
	const wanted = name.toLowerCase();
	for (const key of Object.keys(headers)) {
		if (key.toLowerCase() !== wanted) continue;
		let value = headers[key];
		if (Array.isArray(value)) value = value[0];
		if (typeof value === 'number' && Number.isFinite(value)) return String(value);
		if (typeof value !== 'string') return null;
		const trimmed = value.trim();
		return trimmed === '' || trimmed.length > MAX_HEADER_LENGTH ? null : trimmed;
	}
	return null;
}

/** A non-negative decimal number written plainly ("12", "1.5"), else null. */
function plainNumber(text: string | null): number | null {
	if (text === null || !/^\d{1,16}(\.\d{1,6})?$/.test(text)) return null;
	const value = Number(text);
	return Number.isFinite(value) ? value : null;
}

/**
 * Retry-After as ms from `now`: delta-seconds or an HTTP date (IMF-fixdate, and the
 * obsolete RFC 850 and asctime forms Date.parse reads). A date in the past is 0.
 * Garbage, negatives, and numbers with units are null. Capped at MAX_SERVER_WAIT_MS.
 */
export function parseRetryAfter(value: unknown, now: number): number | null {
	if (typeof value === 'number')
		return Number.isFinite(value) && value >= 0
			? Math.min(value * SECOND_MS, MAX_SERVER_WAIT_MS)
			: null;
	if (typeof value !== 'string') return null;
	const text = value.trim();
	if (text === '' || text.length > MAX_HEADER_LENGTH) return null;
	const seconds = plainNumber(text);
	if (seconds !== null) return Math.min(Math.round(seconds * SECOND_MS), MAX_SERVER_WAIT_MS);
	// A date must name a weekday or a month: Date.parse alone accepts "1" or "2024".
	if (!/[A-Za-z]{3}/.test(text) || !/\d{1,2}:\d{2}/.test(text)) return null;
	const at = Date.parse(text);
	if (Number.isNaN(at)) return null;
	return Math.min(Math.max(0, at - now), MAX_SERVER_WAIT_MS);
}

/**
 * A reset header as an epoch ms. Vendors disagree: GitHub sends epoch seconds, the IETF
 * draft and many others seconds until reset, a few epoch ms or an HTTP date. Values at
 * least 10^9 are taken as epoch seconds, at least 10^11 as epoch ms, smaller as a delta.
 */
export function parseReset(value: string | null, now: number): number | null {
	if (value === null) return null;
	const number = plainNumber(value);
	if (number === null) {
		const wait = parseRetryAfter(value, now);
		return wait === null ? null : now + wait;
	}
	let at: number;
	if (number >= EPOCH_MS_FLOOR) at = Math.round(number);
	else if (number >= EPOCH_SECONDS_FLOOR) at = Math.round(number * SECOND_MS);
	else at = now + Math.round(number * SECOND_MS);
	return Math.min(Math.max(at, now), now + MAX_SERVER_WAIT_MS);
}

/** A count header: a non-negative integer (the first of a list like "100, 100;w=60"). */
function count(value: string | null): number | null {
	if (value === null) return null;
	const first = value.split(/[,;]/)[0].trim();
	return /^\d{1,15}$/.test(first) ? Number(first) : null;
}

/** The IETF draft's combined `RateLimit: limit=100, remaining=50, reset=30` header. */
function combined(value: string | null): Record<string, string> {
	const out: Record<string, string> = {};
	if (value === null) return out;
	for (const part of value.split(/[,;]/)) {
		const match = /^\s*([a-z]+)\s*=\s*"?([^"\s]+)"?\s*$/i.exec(part);
		if (match) out[match[1].toLowerCase()] ??= match[2];
	}
	return out;
}

/** The window of `RateLimit-Policy: 100;w=60` or `X-RateLimit-Limit: 100, 100;w=60`. */
function windowOf(...values: Array<string | null>): number | null {
	for (const value of values) {
		const match = value === null ? null : /;\s*w\s*=\s*(\d{1,9})/.exec(value);
		if (match) return Number(match[1]);
	}
	return null;
}

const PREFIXES = ['x-ratelimit-', 'x-rate-limit-', 'ratelimit-'];

/** Every rate-limit fact of a response's headers. `headers` may be anything. */
export function readRateLimitHeaders(headers: unknown, now: number): RateLimitHeaders {
	const get = (name: string) => headerValue(headers, name);
	const first = (suffix: string) => {
		for (const prefix of PREFIXES) {
			const value = get(prefix + suffix);
			if (value !== null) return value;
		}
		return null;
	};
	const draft = combined(get('ratelimit'));
	const limit = count(first('limit')) ?? count(draft.limit ?? null);
	const remaining = count(first('remaining')) ?? count(draft.remaining ?? null);
	const resetAfter = first('reset-after');
	const resetAt =
		parseReset(first('reset'), now) ??
		parseReset(resetAfter, now) ??
		parseReset(draft.reset ?? null, now);
	return {
		limit,
		remaining,
		resetAt,
		retryAfterMs: parseRetryAfter(get('retry-after'), now),
		windowSeconds: windowOf(get('ratelimit-policy'), get('x-ratelimit-policy'), first('limit')),
	};
}

export function saysAnything(facts: RateLimitHeaders): boolean {
	return (
		facts.limit !== null ||
		facts.remaining !== null ||
		facts.resetAt !== null ||
		facts.retryAfterMs !== null
	);
}

/**
 * How long the server asked us to wait, ms: Retry-After, else the time to the reset when
 * nothing is left in the window. Null when it asked for nothing.
 */
export function serverWaitMs(facts: RateLimitHeaders, now: number): number | null {
	if (facts.retryAfterMs !== null) return facts.retryAfterMs;
	if (facts.remaining === 0 && facts.resetAt !== null) return Math.max(0, facts.resetAt - now);
	return null;
}
