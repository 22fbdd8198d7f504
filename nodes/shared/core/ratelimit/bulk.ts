/**
 * Bulk mode: many items in one request body (one rate-limit unit), and the response's
 * per-record results mapped back to their items when the vendor lists them in order.
 */
import { isPlainObject } from '../json';

/** Where vendors put per-record results, in the order tried. */
export const RESULT_LIST_KEYS = [
	'results',
	'data',
	'items',
	'records',
	'responses',
	'response',
	'statuses',
	'entries',
];

export function chunk<T>(values: T[], size: number): T[][] {
	const step = Math.max(1, Math.floor(size));
	const out: T[][] = [];
	for (let start = 0; start < values.length; start += step)
		out.push(values.slice(start, start + step));
	return out;
}

/**
 * The per-record results of a bulk response: the body itself when it is a list as long
 * as the request's, else the first list of that length under `path` or a usual key.
 * Null when the response does not list one result per record (all items share it).
 */
export function perRecordResults(
	body: unknown,
	count: number,
	path: string | null = null,
): unknown[] | null {
	if (Array.isArray(body)) return body.length === count ? body : null;
	if (!isPlainObject(body)) return null;
	const keys = path !== null && path !== '' ? [path] : RESULT_LIST_KEYS;
	for (const key of keys) {
		let value: unknown = body;
		for (const part of key.split('.')) {
			value =
				isPlainObject(value) && Object.prototype.hasOwnProperty.call(value, part)
					? value[part]
					: undefined;
		}
		if (Array.isArray(value) && value.length === count) return value;
	}
	return null;
}

/**
 * A record's own failure inside a successful bulk response: `{ error }`, non-empty
 * `errors`, `success|ok: false`, or a status of 400 or more. Null when it succeeded.
 */
export function recordFailure(record: unknown): { message: string; status: number | null } | null {
	if (!isPlainObject(record)) return null;
	const status = [record.status, record.statusCode, record.code].find(
		(value) => typeof value === 'number' && value >= 100 && value <= 599,
	) as number | undefined;
	const error =
		record.error ??
		(Array.isArray(record.errors) && record.errors.length > 0 ? record.errors[0] : undefined);
	const failedFlag = record.success === false || record.ok === false;
	if (
		(error === undefined || error === null || error === '' || error === false) &&
		!failedFlag &&
		!(status !== undefined && status >= 400)
	) {
		return null;
	}
	return {
		message:
			describe(error) ??
			describe(record.message) ??
			(status !== undefined ? `Record failed with status ${status}` : 'Record failed'),
		status: status ?? null,
	};
}

function describe(value: unknown): string | null {
	if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, 2000);
	if (isPlainObject(value))
		return describe(value.message) ?? describe(value.error) ?? describe(JSON.stringify(value));
	return null;
}
