import { sleep } from 'n8n-workflow';
import type { JsonObject } from '../core/json';
import type { QueueEntry, QueueEntryStatus } from './types';
import { MINUTE_MS } from '../core/time';

/** Helpers shared by the backends: error causes, locations and queue rows. */

/** "host:port", with IPv6 literals in brackets. */
export function hostPort(host: string, port: number): string {
	return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The most telling text of an error, for messages: `connect ECONNREFUSED 127.0.0.1:1`.
 * Node reports a failed dual-stack connect as an AggregateError with an empty message.
 */
export function describeCause(error: unknown): string {
	if (error instanceof AggregateError && error.errors.length > 0) {
		return [...new Set(error.errors.map(describeCause))].join('; ');
	}
	if (error instanceof Error) {
		if (error.message) return error.message;
		const code = (error as { code?: unknown }).code;
		return typeof code === 'string' ? code : error.name;
	}
	return String(error);
}

// One list of network failures for the stores, Send Request and Dead Letter.
export { errorCode, isNetworkError } from '../core/errors/network';

/** Caller mistakes pass through untouched; everything else becomes a StoreError. */
export function isCallerError(error: unknown): boolean {
	return error instanceof TypeError || error instanceof RangeError;
}

/** A queue row as both SQL backends select it (times as epoch ms). */
export interface QueueRow {
	id: string;
	queue: string;
	status: string;
	category: string | null;
	data: string;
	/** JSON texts of settlement patches not yet merged into `data` (Postgres). */
	patches?: string[] | null;
	attempts: number | string;
	enqueued_at: number | string;
	updated_at: number | string;
	lease_until: number | string | null;
	lease_owner: string | null;
	/** The redelivery draw (schema version 3 on). */
	jitter?: number | string | null;
}

function toNumber(value: number | string): number {
	return typeof value === 'number' ? value : Number(value);
}

/**
 * Maps a stored row to the entry callers see. A lease that has run out is reported as
 * what it is: the entry is pending again and nobody holds it.
 */
export function queueEntryFromRow(row: QueueRow, now: number): QueueEntry {
	const leaseUntil = row.lease_until === null ? null : toNumber(row.lease_until);
	const leased = row.status === 'leased' && leaseUntil !== null && leaseUntil > now;
	const status = (row.status === 'leased' && !leased ? 'pending' : row.status) as QueueEntryStatus;
	return {
		id: row.id,
		queue: row.queue,
		status,
		category: row.category,
		data: mergeJsonObjects(row.data, row.patches ?? []),
		attempts: toNumber(row.attempts),
		enqueuedAt: toNumber(row.enqueued_at),
		updatedAt: toNumber(row.updated_at),
		leaseUntil: leased ? leaseUntil : null,
		leaseOwner: leased ? row.lease_owner : null,
		...(row.jitter === undefined || row.jitter === null ? {} : { jitter: toNumber(row.jitter) }),
	};
}

/**
 * Shallow merge of JSON object texts, later ones winning. Spreading defines own
 * properties, so a "__proto__" key stays plain data and pollutes nothing.
 */
export function mergeJsonObjects(baseJson: string, patchJsons: readonly string[]): JsonObject {
	let merged = JSON.parse(baseJson) as JsonObject;
	for (const patch of patchJsons) merged = { ...merged, ...(JSON.parse(patch) as JsonObject) };
	return merged;
}

/** Entries oldest first, ties broken by id (UUIDv7 ids sort by creation time). */
export function byEnqueueOrder(a: QueueEntry, b: QueueEntry): number {
	if (a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt - b.enqueuedAt;
	return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** How often a store deletes expired rows while it writes anyway (lazy cleanup). */
export const SWEEP_INTERVAL_MS = MINUTE_MS;
/** Most expired rows one sweep deletes, so a sweep never makes a write slow. */
export const SWEEP_LIMIT = 500;

/**
 * `work`, unless `signal` aborts first: then its reason. The listener is removed once the
 * race is decided. The one race behind withDeadline (a store call's deadline) and
 * beforeAbort in shared/n8n/http.ts (an HTTP try's).
 */
export async function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
	if (signal.aborted) throw signal.reason;
	let onAbort: (() => void) | undefined;
	const aborted = new Promise<never>((_, reject) => {
		onAbort = () => reject(signal.reason);
		signal.addEventListener('abort', onAbort, { once: true });
	});
	try {
		return await Promise.race([work, aborted]);
	} finally {
		if (onAbort) signal.removeEventListener('abort', onAbort);
	}
}

/**
 * `work`, or the error of `timeout()` after `ms`, whichever comes first. The timer is
 * n8n's sleep with an abort signal, cancelled as soon as `work` settles.
 */
export async function withDeadline<T>(
	work: Promise<T>,
	ms: number,
	timeout: () => Error,
): Promise<T> {
	const deadline = new AbortController();
	const timer = new AbortController();
	// Rejects when the race is decided first (the timer aborted): nobody waits for it.
	void sleep(ms, timer.signal).then(
		() => deadline.abort(timeout()),
		() => undefined,
	);
	try {
		return await raceAbort(work, deadline.signal);
	} finally {
		timer.abort();
	}
}
