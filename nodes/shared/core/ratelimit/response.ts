/**
 * Learn From Response: what a vendor's answer, as any n8n node left it on an item, says
 * about the rate limit, and what to do with the item. Pure: no n8n, no I/O, time passed in.
 *
 * The shapes read, as n8n 2.40's HTTP Request node (and the engine) produce them:
 * - "Include Response Headers and Status" (with or without "Never Error"): the item is
 *   `{ body, headers, statusCode, statusMessage }`;
 * - its error output (On Error: Continue (using error output)): the input item's fields
 *   plus `error`, the request's error: an AxiosError with `status`/`statusCode`,
 *   `response: { status, headers }` and a message "429 - …" (or, for a 429, "Try spacing
 *   your requests out…"); once serialised, `{ message, status, … }` without headers;
 * - any other node's error output: `error` as n8n's message text ("The service is
 *   receiving too many requests from you"), or a NodeApiError with `httpCode: '429'`.
 * The status, network code and Retry-After come from Dead Letter's one reader of error
 * shapes (failureFacts), the rate-limit headers from headers.ts.
 */
import { failureFacts, prop } from '../deadletter/facts';
import { isNetworkErrorCode } from '../errors/network';
import { isPlainObject } from '../json';
import { SECOND_MS } from '../time';
import { backoffDelay, nextDelay, type BackoffPolicy } from './backoff';
import { readRateLimitHeaders, serverWaitMs, type RateLimitHeaders } from './headers';

/** What one item says about the vendor's answer. */
export interface ResponseFacts {
	/** The HTTP status, when the item says it (statusCode, the error's status, "429 - …"). */
	status: number | null;
	/** A network error code (ECONNRESET…) when the request got no answer. */
	code: string | null;
	/** The error's message, when the item carries an error. */
	errorMessage: string | null;
	/** The rate-limit headers read from the response or the error. */
	limits: RateLimitHeaders;
	/** Whether the item carries an error in the error field. */
	failed: boolean;
}

/** Headers as a plain object: n8n keeps an AxiosHeaders instance on errors, a plain object on responses. */
function plainHeaders(value: unknown): Record<string, unknown> | null {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
	if (isPlainObject(value)) return value;
	const copy: Record<string, unknown> = {};
	let keys: string[];
	try {
		keys = Object.keys(value);
	} catch {
		return null;
	}
	// Bounded: a header object has a few dozen keys; anything beyond 200 is not one.
	for (const key of keys.slice(0, 200)) {
		const entry = prop(value, key);
		if (typeof entry === 'string' || typeof entry === 'number' || Array.isArray(entry))
			copy[key] = entry;
	}
	return copy;
}

/** The headers of the failed response wherever the node put them, else the item's own (full response). */
function headersOf(item: Record<string, unknown>, error: unknown): Record<string, unknown> | null {
	const candidates = [
		prop(prop(error, 'response'), 'headers'),
		prop(error, 'headers'),
		prop(prop(prop(error, 'cause'), 'response'), 'headers'),
		prop(item, 'headers'),
	];
	for (const candidate of candidates) {
		const headers = plainHeaders(candidate);
		if (headers !== null) return headers;
	}
	return null;
}

function statusOf(value: unknown): number | null {
	const number = typeof value === 'string' && /^\d{3}$/.test(value.trim()) ? Number(value) : value;
	return typeof number === 'number' && Number.isInteger(number) && number >= 100 && number <= 599
		? number
		: null;
}

/** Whether the error field holds an error (not empty, not false). */
function isError(value: unknown): boolean {
	return value !== undefined && value !== null && value !== '' && value !== false;
}

/**
 * What the item says: `item` is its JSON, `error` the value of its error field (undefined
 * when it has none). Hostile values learn nothing and never throw.
 */
export function readResponse(
	item: Record<string, unknown>,
	error: unknown,
	now: number,
): ResponseFacts {
	const failed = isError(error);
	const headers = headersOf(item, failed ? error : undefined);
	const limits = readRateLimitHeaders(headers, now);
	if (!failed) {
		return {
			status: statusOf(prop(item, 'statusCode')),
			code: null,
			errorMessage: null,
			limits,
			failed,
		};
	}
	const facts = failureFacts(error, undefined, now);
	// Retry-After only on the error (no headers object kept): Dead Letter's reader found it.
	if (limits.retryAfterMs === null && facts.retryAfterSeconds !== null)
		limits.retryAfterMs = facts.retryAfterSeconds * SECOND_MS;
	return {
		status: facts.httpCode ?? statusOf(prop(item, 'statusCode')),
		code: facts.code,
		errorMessage: facts.message,
		limits,
		failed,
	};
}

/** How Learn From Response decides. */
export interface ResponsePolicy {
	/** Statuses worth another try (parseStatusList: "429, 5xx"). */
	retryStatuses: ReadonlySet<number>;
	/** Attempts in all, the first included: an item that failed this many times gives up. */
	maxAttempts: number;
	/** The wait when the vendor asked for none. */
	backoff: BackoffPolicy;
	/** A vendor asking for longer than this (ms) is not waited for: the item gives up. */
	maxServerWaitMs: number;
}

export type ResponseVerdict =
	| { route: 'ok' }
	| {
			route: 'retry';
			/** What to wait before the next attempt, ms: the vendor's ask, or the backoff. */
			delayMs: number;
			source: 'backoff' | 'server';
			/** What the vendor asked for (Retry-After, or the reset when nothing is left), ms. */
			serverWaitMs: number | null;
	  }
	| {
			route: 'giveUp';
			reason: 'notRetryable' | 'maxAttempts' | 'retryAfterTooLong';
			serverWaitMs: number | null;
	  };

/**
 * OK, Retry or Give Up for one answer. Retried: a status in the list, a network error
 * (the package's one list), an error without a status or code when it says nothing
 * else (a timeout's message); given up: any other error, an item past its attempts, or a
 * vendor asking for a wait longer than the policy allows. An answer without an error and
 * with a status outside the list (2xx, or a 404 under Never Error) is OK.
 */
export function decideResponse(
	facts: ResponseFacts,
	attempt: number,
	policy: ResponsePolicy,
	now: number,
	random: () => number = Math.random,
): ResponseVerdict {
	const asked = serverWaitMs(facts.limits, now);
	const retryableStatus = facts.status !== null && policy.retryStatuses.has(facts.status);
	if (!facts.failed && !retryableStatus) return { route: 'ok' };
	const retryable =
		retryableStatus ||
		(facts.status === null && (facts.code === null || isNetworkErrorCode(facts.code)));
	if (!retryable) return { route: 'giveUp', reason: 'notRetryable', serverWaitMs: asked };
	if (attempt >= policy.maxAttempts)
		return { route: 'giveUp', reason: 'maxAttempts', serverWaitMs: asked };
	if (asked !== null && asked > policy.maxServerWaitMs)
		return { route: 'giveUp', reason: 'retryAfterTooLong', serverWaitMs: asked };
	const { delayMs, source } = nextDelay(backoffDelay(attempt, policy.backoff, random), asked);
	return { route: 'retry', delayMs, source, serverWaitMs: asked };
}
