/**
 * Failures hidden in a successful response, classified by what the body says: a 200
 * whose body reads `{ success: false, error: { code: "RATE_LIMITED" } }`, `{ status:
 * "error", code: 503 }`, `{ ok: false, error: "invalid_arguments" }` or `{ errors: [{
 * message: "Email has already been taken" }] }` is a rate limit, an outage or a data
 * error, as the same words in an HTTP error would be — not `unknown`.
 *
 * Bounded: only the body's top level, its `error` object, the first few `errors`
 * entries and their GraphQL `extensions` are read; every text is cut before a pattern
 * sees it, and the patterns are the classifier's linear ones.
 */
import { isPlainObject } from '../json';
import { classifyCode, classifyStatus, classifyText, type Classification } from './classify';
import { messageFromBody, prop } from './facts';

/** Entries of an `errors` list that are read. */
const MAX_ERRORS = 5;
/** Characters of one text a pattern sees. */
const MAX_TEXT = 2000;
/** Fields that may hold an HTTP status in a body. */
const STATUS_KEYS = [
	'statusCode',
	'status_code',
	'httpStatus',
	'http_status',
	'httpCode',
	'status',
	'code',
];
/** Fields that may hold a machine code. */
const CODE_KEYS = ['code', 'error_code', 'errorCode', 'type', 'reason', 'status', 'error'];
/** Fields that say "try again": the failure is transient. */
const RETRY_FLAGS = ['retryable', 'retriable', 'isRetryable', 'temporary', 'transient'];
/** Fields that say when to try again: a rate limit. */
const RETRY_AFTER = ['retry_after', 'retryAfter', 'retry_after_seconds', 'retryAfterSeconds'];

/** The objects of a body that speak about the failure, nearest first. */
function containers(body: unknown): Record<string, unknown>[] {
	const found: Record<string, unknown>[] = [];
	const add = (value: unknown) => {
		if (isPlainObject(value)) {
			found.push(value);
			const extensions = prop(value, 'extensions');
			if (isPlainObject(extensions)) found.push(extensions);
		}
	};
	add(body);
	add(prop(body, 'error'));
	const errors = prop(body, 'errors');
	if (Array.isArray(errors)) for (const entry of errors.slice(0, MAX_ERRORS)) add(entry);
	return found;
}

/** An HTTP status given as a number or a numeric string, 400 to 599. */
function statusOf(value: unknown): number | null {
	const number =
		typeof value === 'number'
			? value
			: typeof value === 'string' && /^\d{3}$/.test(value.trim())
				? Number(value.trim())
				: NaN;
	return Number.isInteger(number) && number >= 400 && number <= 599 ? number : null;
}

/** A code as words: `rate_limit_error` → `rate limit error`, `QuotaExceeded` → `Quota Exceeded`. */
function codeWords(code: string): string {
	return code
		.slice(0, 200)
		.replace(/([a-z])([A-Z])/g, '$1 $2')
		.replace(/[_.:-]+/g, ' ');
}

/**
 * The class a failure body speaks for, with the message that was found for it; null
 * when the body says nothing recognisable. The order of evidence is the classifier's:
 * a status, then a code, then words, then retry hints.
 */
export function classifyContent(body: unknown, message: string): Classification | null {
	const parts = containers(body);
	const texts = [message, ...parts.map((part) => messageFromBody(part) ?? '')]
		.filter((text) => text !== '')
		.map((text) => text.slice(0, MAX_TEXT));
	const words = texts.join('\n');
	for (const part of parts) {
		for (const key of STATUS_KEYS) {
			const status = statusOf(prop(part, key));
			if (status !== null) {
				const { class: failureClass, reason } = classifyStatus(status, words);
				return { class: failureClass, reason: `${key} ${reason}` };
			}
		}
	}
	for (const part of parts) {
		for (const key of CODE_KEYS) {
			const code = prop(part, key);
			if (typeof code !== 'string' || code.trim() === '') continue;
			const trimmed = code.trim().slice(0, 200);
			const byCode = classifyCode(trimmed) ?? classifyText(codeWords(trimmed));
			if (byCode !== null && byCode.class !== 'unknown')
				return { class: byCode.class, reason: `${key} "${trimmed}"` };
		}
	}
	const byWords = classifyText(words);
	if (byWords !== null) return byWords;
	for (const part of parts) {
		const flag = RETRY_FLAGS.find((key) => prop(part, key) === true);
		if (flag !== undefined) return { class: 'transient', reason: `${flag} is true` };
		const after = RETRY_AFTER.find((key) => {
			const value = prop(part, key);
			return (typeof value === 'number' && value >= 0) || typeof value === 'string';
		});
		if (after !== undefined) return { class: 'rateLimit', reason: `${after} is given` };
	}
	return null;
}
