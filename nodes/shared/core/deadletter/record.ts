/**
 * The dead-letter record and its life, as pure functions over what the store's queue
 * returns (the store leases and settles atomically; these decide what to ask of it).
 *
 *   capture ──▶ pending ──replay (lease)──▶ replaying ──resolve──▶ resolved
 *                  ▲                            │
 *                  ├──── lease runs out ────────┤  (a replay that crashed loses nothing)
 *                  └──── capture again ─────────┘  (attempt + 1; at the maximum: poison)
 *
 * The attempt of a record is 1 for the failure that created it, plus one per replay
 * (the store counts leases, atomically, so concurrent replays cannot lose a count).
 */
import { createHash } from 'node:crypto';

import { uuidv7 } from '../correlation';
import { isPlainObject, type JsonObject, type JsonValue } from '../json';
import type { FailureClass } from './classify';
import { isFailureClass } from './classify';
import type { Sealed } from './seal';

/** The store's queue entry, as far as dead letters need it (structurally the Store port's QueueEntry). */
export interface QueueEntryLike {
	id: string;
	status: 'pending' | 'leased' | 'done' | 'discarded';
	category: string | null;
	data: JsonObject;
	attempts: number;
	enqueuedAt: number;
	updatedAt: number;
	leaseUntil: number | null;
	leaseOwner: string | null;
}

/** A record's status as users see it. */
export type DeadLetterStatus = 'pending' | 'replaying' | 'resolved' | 'poison';

export const DEAD_LETTER_STATUSES: readonly DeadLetterStatus[] = [
	'pending',
	'replaying',
	'resolved',
	'poison',
];

const STORE_STATUS: Record<DeadLetterStatus, QueueEntryLike['status']> = {
	pending: 'pending',
	replaying: 'leased',
	resolved: 'done',
	poison: 'discarded',
};

/** The queue status to ask the store for. */
export function storeStatusOf(status: DeadLetterStatus): QueueEntryLike['status'] {
	return STORE_STATUS[status];
}

/**
 * The status of an entry at `now`. A lease that has run out means the replay that held
 * it died or hung: the record is pending again and the next replay takes it.
 */
export function deadLetterStatus(
	entry: Pick<QueueEntryLike, 'status' | 'leaseUntil'>,
	now: number,
): DeadLetterStatus {
	switch (entry.status) {
		case 'leased':
			return entry.leaseUntil !== null && entry.leaseUntil > now ? 'replaying' : 'pending';
		case 'done':
			return 'resolved';
		case 'discarded':
			return 'poison';
		default:
			return 'pending';
	}
}

/**
 * The attempt a leased entry stands for: the original failure, plus one per lease that
 * delivered it. A lease that sent it to Needs Input, or could not open its original, is
 * settled with countLease false and the store takes it back from `attempts`; records held
 * by an older version counted such leases in their data instead (heldLeases, folded into
 * attempts by the stores' migration 4, still subtracted should one remain).
 */
export function attemptOf(entry: Pick<QueueEntryLike, 'attempts'> & { data?: JsonObject }): number {
	return entry.attempts + 1 - heldLeasesOf(entry.data);
}

/** Leases of the record that were no delivery attempt (see DeadLetterData.heldLeases). */
export function heldLeasesOf(data: JsonObject | undefined): number {
	const held = data?.heldLeases;
	return typeof held === 'number' && Number.isInteger(held) && held > 0 ? held : 0;
}

/**
 * Splits freshly leased entries into those to replay and those past the maximum —
 * records whose replays kept dying without a verdict (each lease counts). Those are
 * parked as poison instead of being handed out forever.
 */
export function planReplay<Entry extends Pick<QueueEntryLike, 'attempts'> & { data?: JsonObject }>(
	entries: readonly Entry[],
	maxAttempts: number,
): { replay: Entry[]; park: Entry[] } {
	const replay: Entry[] = [];
	const park: Entry[] = [];
	for (const entry of entries) (attemptOf(entry) > maxAttempts ? park : replay).push(entry);
	return { replay, park };
}

/** After a replay failed at `attempt`: back to the queue, or parked as poison at the maximum. */
export function statusAfterFailedAttempt(
	attempt: number,
	maxAttempts: number,
): 'pending' | 'discarded' {
	return attempt >= maxAttempts ? 'discarded' : 'pending';
}

// Types, not interfaces, so that they are assignable to JsonValue when stored.

/** What is kept of the error, redacted. */
export type StoredFailure = {
	message: string;
	description: string | null;
	httpCode: number | null;
	code: string | null;
	name: string | null;
	messages: string[];
	/** The response body (redacted), or its first characters when it was very large. */
	body: JsonValue;
	bodyTruncated: boolean;
	retryAfterSeconds: number | null;
};

/** The data of a dead-letter queue entry (version 1). */
export type DeadLetterData = {
	v: 1;
	/** The item as it was before the failing node, redacted. */
	payload: JsonObject;
	/** Binary properties of the item: references, or content when the node was told to keep it. */
	binary: JsonObject | null;
	error: StoredFailure;
	class: FailureClass;
	/** Why this class. */
	reason: string;
	failedNode: string | null;
	workflow: { id: string | null; name: string | null };
	executionId: string | null;
	correlationId: string;
	/** The key a replay sends, so the vendor can refuse a second write. */
	idempotencyKey: string;
	/** Where secrets were replaced. */
	redacted: string[];
	/**
	 * How many values of the payload the redactor replaced or cut: 0 means the stored
	 * payload is the captured one. Absent on records from before version 2.2.
	 */
	payloadLost?: number;
	/** The captured payload, encrypted (seal.ts), when values were lost and a key was given. */
	sealed?: Sealed | null;
	/** Redaction placeholders a replay found and someone must fill in (Needs Input). */
	needsInput?: string[] | null;
	/**
	 * Leases that handed the record to Needs Input or failed to open it, as versions before
	 * the stores' migration 4 counted them (now taken back from the store's attempts).
	 */
	heldLeases?: number;
};

/** Reads stored data, tolerating fields a later version may add; throws when it is not a dead letter. */
export function asDeadLetterData(data: JsonObject): DeadLetterData {
	if (
		data.v !== 1 ||
		!isPlainObject(data.payload) ||
		!isPlainObject(data.error) ||
		typeof data.idempotencyKey !== 'string'
	) {
		throw new Error(
			'A queue entry is not a dead letter (was the queue name used by something else?)',
		);
	}
	const record = data as unknown as DeadLetterData;
	return { ...record, class: isFailureClass(record.class) ? record.class : 'unknown' };
}

/**
 * The id of the `index`-th record captured by one batch. Derived from the batch (its
 * workflow, execution, node and run), so a capture that n8n retries after a failure
 * writes the same ids and the store's idempotent enqueue keeps one copy. The index is
 * the last part, so a batch's records sort in item order. Shaped as a UUIDv8 (RFC 9562).
 */
export function deadLetterId(batchSeed: string | null, index: number): string {
	if (batchSeed === null) return uuidv7();
	return `${batchPrefix(batchSeed)}${index.toString(16).padStart(12, '0')}`;
}

let lastSeed: string | undefined;
let lastPrefix = '';

/** The part of a batch's ids before the index: hashed once per batch, not once per item. */
function batchPrefix(batchSeed: string): string {
	if (batchSeed === lastSeed) return lastPrefix;
	const hash = createHash('sha256').update(batchSeed).digest('hex');
	const variant = ((parseInt(hash[15], 16) & 0x3) | 0x8).toString(16);
	lastPrefix = `${hash.slice(0, 8)}-${hash.slice(8, 12)}-8${hash.slice(12, 15)}-${variant}${hash.slice(16, 19)}-`;
	lastSeed = batchSeed;
	return lastPrefix;
}

/** What a replay puts on its items (under the node's output field), read back by Capture and Resolve. */
export type ReplayMarker = {
	id: string;
	queue: string;
	attempt: number;
	edited: boolean;
	/** The lease owner and the MAC binding the marker to it (see marker.ts); null on markers from older versions. */
	owner: string | null;
	mac: string | null;
	/** From version 2.2 the replayed item holds the payload under this field, beside the marker. */
	payloadField: string | null;
};

export function asReplayMarker(value: unknown): ReplayMarker | null {
	if (!isPlainObject(value)) return null;
	const { id, queue, attempt, edited, owner, mac, payloadField } = value;
	if (
		typeof id !== 'string' ||
		id === '' ||
		typeof queue !== 'string' ||
		typeof attempt !== 'number' ||
		!Number.isInteger(attempt) ||
		attempt < 1
	) {
		return null;
	}
	return {
		id,
		queue,
		attempt,
		edited: edited === true,
		owner: typeof owner === 'string' && owner !== '' ? owner : null,
		mac: typeof mac === 'string' ? mac : null,
		payloadField: typeof payloadField === 'string' && payloadField !== '' ? payloadField : null,
	};
}

/**
 * The payload of an item a version 2.2 Replay handed out (`{ payload, deadLetter }`):
 * the field its marker names, when it holds an object; otherwise the item as it is.
 */
export function unwrapReplayed(
	payload: Record<string, unknown>,
	markers: readonly unknown[],
): Record<string, unknown> {
	for (const candidate of markers) {
		const field = asReplayMarker(candidate)?.payloadField;
		if (field === null || field === undefined) continue;
		const inner = Object.hasOwn(payload, field) ? payload[field] : undefined;
		if (isPlainObject(inner)) return inner;
	}
	return payload;
}

export interface FailedItemParts {
	/** The item without the error fields: what it was before the failing node. */
	payload: Record<string, unknown>;
	error: unknown;
	details: unknown;
	/** Present when the item is a replayed dead letter that failed again. */
	replay: ReplayMarker | null;
}

/**
 * Takes an item apart. n8n's error output merges the failing node's input item under
 * `error` (and `details`): removing those gives the original payload back. `details` is
 * removed only when it looks like n8n's (an input field called `details` survives).
 */
export function splitFailedItem(
	json: Record<string, unknown>,
	fields: { error: string; output: string },
): FailedItemParts {
	const payload: Record<string, unknown> = {};
	let error: unknown;
	let details: unknown;
	let replay: ReplayMarker | null = null;
	for (const [key, value] of Object.entries(json)) {
		if (key === fields.error) error = value;
		else if (key === 'details' && isErrorDetails(value)) details = value;
		else if (key === fields.output && (replay = asReplayMarker(value)) !== null) continue;
		else defineField(payload, key, value);
	}
	return { payload, error, details, replay };
}

/**
 * The item a failing node was given (found through n8n's item pairing): the record as
 * it was sent, without the marker a Replay put on it. When that item is itself an error
 * item — Capture sits behind a node that handles errors, such as a Rate Limiter's Give
 * Up fed by a vendor's error output — its error fields go too, as for a failed item.
 */
export function sentPayload(
	json: Record<string, unknown>,
	fields: { error: string; output: string },
): { payload: Record<string, unknown>; replay: ReplayMarker | null } {
	const error = json[fields.error];
	if (error !== undefined && error !== null && error !== '' && error !== false) {
		const { payload, replay } = splitFailedItem(json, fields);
		return { payload, replay };
	}
	return splitSentItem(json, fields.output);
}

/** The record as sent, without a replay marker: every other field is kept, error-looking or not. */
export function splitSentItem(
	json: Record<string, unknown>,
	outputField: string,
): { payload: Record<string, unknown>; replay: ReplayMarker | null } {
	const payload: Record<string, unknown> = {};
	let replay: ReplayMarker | null = null;
	for (const [key, value] of Object.entries(json)) {
		if (key === outputField && (replay = asReplayMarker(value)) !== null) continue;
		defineField(payload, key, value);
	}
	return { payload, replay };
}

/** Sets a field as own data, even when it is called `__proto__` (the only key an assignment would not make one). */
function defineField(target: Record<string, unknown>, key: string, value: unknown): void {
	if (key !== '__proto__') target[key] = value;
	else
		Object.defineProperty(target, key, {
			value,
			enumerable: true,
			writable: true,
			configurable: true,
		});
}

/** The `details` n8n puts beside an error: HTTP Request's `{ message, httpCode, body, context }`, a node's `{ itemIndex, node }`. */
export function isErrorDetails(value: unknown): boolean {
	if (!isPlainObject(value)) return false;
	return (
		'httpCode' in value ||
		'itemIndex' in value ||
		('message' in value && ('body' in value || 'context' in value))
	);
}

/** A record as List, Stats and the outputs show it, times as ISO strings. */
export function describeDeadLetter(entry: QueueEntryLike, now: number, queue: string): JsonObject {
	const data = asDeadLetterData(entry.data);
	const iso = (time: number | null) => (time === null ? null : new Date(time).toISOString());
	const status = deadLetterStatus(entry, now);
	return {
		id: entry.id,
		queue,
		status,
		class: data.class,
		reason: data.reason,
		attempt: attemptOf(entry),
		error: data.error,
		failedNode: data.failedNode,
		workflow: data.workflow,
		executionId: data.executionId,
		correlationId: data.correlationId,
		idempotencyKey: data.idempotencyKey,
		capturedAt: iso(entry.enqueuedAt),
		updatedAt: iso(entry.updatedAt),
		leaseUntil: status === 'replaying' ? iso(entry.leaseUntil) : null,
		ageMinutes: Math.max(0, Math.floor((now - entry.enqueuedAt) / 60_000)),
		redacted: data.redacted,
	};
}
