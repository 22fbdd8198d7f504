/**
 * Correlation across the boundary: what Send Request sends so the vendor's logs (and a
 * tracing system) can be joined to the item. A W3C Trace Context `traceparent`
 * (https://www.w3.org/TR/trace-context/): version 00, a 16-byte trace ID taken from the
 * item's correlation ID (its hex when it is a UUID or 32 hex digits, else a SHA-256 of
 * it, so one correlation ID always gives one trace), an 8-byte parent ID per request,
 * sampled. Pure: the parent ID's bytes are passed in.
 */
import { createHash } from 'node:crypto';

const ZERO_TRACE = '0'.repeat(32);
const ZERO_PARENT = '0'.repeat(16);

/** The 32 lower-case hex digits of the trace a correlation ID stands for (never all zeros). */
export function traceIdFor(correlationId: string): string {
	const hex = correlationId.trim().replace(/-/g, '').toLowerCase();
	if (/^[0-9a-f]{32}$/.test(hex) && hex !== ZERO_TRACE) return hex;
	return createHash('sha256').update(correlationId, 'utf8').digest('hex').slice(0, 32);
}

/** `00-<trace id>-<parent id>-01` for a correlation ID; `parent` is 8 bytes, all zeros is replaced. */
export function traceparentFor(correlationId: string, parent: Uint8Array): string {
	let parentId = Buffer.from(parent.subarray(0, 8)).toString('hex').padStart(16, '0');
	if (parentId === ZERO_PARENT) parentId = '0000000000000001';
	return `00-${traceIdFor(correlationId)}-${parentId}-01`;
}

/** A header value safe to send: no control characters (CR, LF…), at most 200 characters; null otherwise. */
export function headerSafe(value: string): string | null {
	// eslint-disable-next-line no-control-regex -- refusing control characters is the point
	if (value.length === 0 || value.length > 200 || /[\u0000-\u001f\u007f]/.test(value)) return null;
	return value;
}
