/**
 * Which failed attempts are worth another try. A request that may have reached the
 * vendor is only retried when repeating it is safe: GET, HEAD, OPTIONS, PUT and DELETE
 * are idempotent by definition (RFC 9110); POST and PATCH only with an idempotency key,
 * unless the user says otherwise.
 */
import { isNetworkErrorCode } from '../errors/network';

export interface RetryRules {
	/** Statuses to retry, e.g. [429, 500, 502, 503, 504]; ranges come from parseStatusList. */
	statuses: Set<number>;
	/**
	 * Retry a try that got no answer: a network error (core/errors/network lists them),
	 * a timeout. Codes a retry cannot fix (too large, a bad redirect) are the caller's to refuse.
	 */
	networkErrors: boolean;
	/** Retry POST and PATCH without an idempotency key. */
	nonIdempotent: boolean;
}

export const DEFAULT_RETRY_STATUSES = '429, 5xx';

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** "429, 5xx, 408" → the statuses: numbers 100–599 and classes like 5xx. Null names the bad part. */
export function parseStatusList(text: string): { statuses: Set<number> } | { bad: string } {
	const statuses = new Set<number>();
	for (const raw of String(text).split(/[,;\s]+/)) {
		const part = raw.trim().toLowerCase();
		if (part === '') continue;
		const klass = /^([1-5])xx$/.exec(part);
		if (klass) {
			const base = Number(klass[1]) * 100;
			for (let status = base; status < base + 100; status++) statuses.add(status);
			continue;
		}
		if (!/^[1-5]\d\d$/.test(part)) return { bad: raw.trim() };
		statuses.add(Number(part));
	}
	return { statuses };
}

export function isIdempotentMethod(method: string): boolean {
	return IDEMPOTENT_METHODS.has(method.toUpperCase());
}

export type RetryVerdict = 'retry' | 'notRetryable' | 'unsafe';

/**
 * Whether a failed attempt is retried: `status` null means the try got no answer, and
 * `code` says why. It is retried when the code is a network error by the package's one
 * list (core/errors/network), the same Dead Letter files as transient; a TLS failure or
 * an error without a code is not. `unsafe`: retryable, but the method is not idempotent
 * and the item has no idempotency key.
 */
export function retryVerdict(
	rules: RetryRules,
	status: number | null,
	method: string,
	hasIdempotencyKey: boolean,
	code?: string,
): RetryVerdict {
	const retryable =
		status === null
			? rules.networkErrors && (code === undefined || isNetworkErrorCode(code))
			: rules.statuses.has(status);
	if (!retryable) return 'notRetryable';
	if (!isIdempotentMethod(method) && !hasIdempotencyKey && !rules.nonIdempotent) return 'unsafe';
	return 'retry';
}
