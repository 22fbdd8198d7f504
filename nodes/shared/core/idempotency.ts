import { stableHash } from './hash';
import type { JsonObject, JsonValue } from './json';
import { isPlainObject } from './json';
import { DAY_MS } from './time';

/**
 * The idempotency protocol, as pure functions over one key's claim record. The store
 * only reads and compare-and-sets records (stores/update.ts); every rule lives here.
 *
 *   (none) ──claim──▶ inFlight ──complete──▶ completed        (Duplicate from then on)
 *                        │ └──release───▶ released ──claim──▶ inFlight
 *                        └──outcome unknown──▶ outcomeUnknown ──claim──▶ inFlight (Reconcile)
 *   inFlight whose lease ran out (its execution crashed) is claimable again.
 */
export type ClaimStatus = 'inFlight' | 'completed' | 'released' | 'outcomeUnknown';

// A type, not an interface, so that it is assignable to JsonValue when stored.
export type ClaimRecord = {
	status: ClaimStatus;
	/** Hash of the payload fields chosen for conflict checks, or null when not checked. */
	fingerprint: string | null;
	/** Execution that holds or last held the claim. */
	owner: string;
	/** While in flight: when the lease ends, epoch ms on the store's clock. */
	leaseUntil: number | null;
	/** Claims granted (Proceed or Reconcile), including the first. */
	attempts: number;
	/** Set once an attempt's outcome was unknown; cleared by Complete or Release. */
	needsReconcile: boolean;
	firstClaimedAt: number;
	updatedAt: number;
	completedAt: number | null;
	/** Result fields kept by Complete, returned to every Duplicate. */
	result: JsonObject | null;
	correlationId: string | null;
	lastError: string | null;
};

export type ClaimRoute = 'proceed' | 'duplicate' | 'inFlight' | 'conflict' | 'reconcile';

/**
 * How long a key whose outcome is unknown is kept for reconciliation unless the user
 * chose otherwise: long enough for someone to look, never for ever.
 */
export const DEFAULT_UNKNOWN_RETENTION_MS = 7 * DAY_MS;

export interface ClaimRequest {
	fingerprint: string | null;
	owner: string;
	leaseMs: number;
	/** How long a finished claim is remembered. */
	retentionMs: number;
	correlationId: string | null;
	/**
	 * What a claim whose lease ran out means: `proceed` retries the write (right when the
	 * vendor honours the Idempotency-Key); `reconcile` assumes the dead holder may have
	 * written, so the record is looked up before writing again.
	 */
	afterExpiredLease?: 'proceed' | 'reconcile';
	/** How long a claim that must be reconciled is kept (default DEFAULT_UNKNOWN_RETENTION_MS). */
	unknownRetentionMs?: number;
}

export interface ClaimDecision {
	route: ClaimRoute;
	/** The record after the decision (the existing one when nothing changes). */
	record: ClaimRecord;
	/** Set when the record must be written. */
	write?: { value: ClaimRecord; ttlMs: number | null };
}

/** Decides a Claim against the current record; `now` is the store's clock. */
export function decideClaim(
	current: ClaimRecord | undefined,
	request: ClaimRequest,
	now: number,
): ClaimDecision {
	if (current && fingerprintsDiffer(current.fingerprint, request.fingerprint)) {
		return { route: 'conflict', record: current };
	}
	if (current?.status === 'completed') return { route: 'duplicate', record: current };
	if (current?.status === 'inFlight' && (current.leaseUntil ?? 0) > now) {
		return { route: 'inFlight', record: current };
	}
	const leaseRanOut = current?.status === 'inFlight';
	const reconcile =
		current?.needsReconcile === true || (leaseRanOut && request.afterExpiredLease === 'reconcile');
	const next: ClaimRecord = {
		status: 'inFlight',
		fingerprint: request.fingerprint ?? current?.fingerprint ?? null,
		owner: request.owner,
		leaseUntil: now + request.leaseMs,
		attempts: (current?.attempts ?? 0) + 1,
		needsReconcile: reconcile,
		firstClaimedAt: current?.firstClaimedAt ?? now,
		updatedAt: now,
		completedAt: null,
		result: null,
		correlationId: current?.correlationId ?? request.correlationId,
		lastError: current?.lastError ?? null,
	};
	return {
		route: reconcile ? 'reconcile' : 'proceed',
		record: next,
		write: { value: next, ttlMs: claimTtl(next, request) },
	};
}

/**
 * A first claim (the key is absent) as a store creates it without reading first: the
 * record without its time fields, and those fields as offsets from the store's clock at
 * the write. Stamped at `now`, it is exactly `decideClaim(undefined, request, now).write`.
 */
export function firstClaim(request: ClaimRequest): {
	value: JsonObject;
	stamps: Record<'firstClaimedAt' | 'updatedAt' | 'leaseUntil', number>;
	ttlMs: number | null;
} {
	const write = decideClaim(undefined, request, 0).write!;
	const { firstClaimedAt, updatedAt, leaseUntil, ...value } = write.value;
	return {
		value,
		stamps: { firstClaimedAt, updatedAt, leaseUntil: leaseUntil ?? 0 },
		ttlMs: write.ttlMs,
	};
}

/** The result of Complete, Release or Outcome Unknown on one key. */
export interface Transition<Outcome extends string> {
	outcome: Outcome;
	record: ClaimRecord | undefined;
	write?: { value: ClaimRecord; ttlMs: number | null };
}

export type CompleteOutcome = 'completed' | 'alreadyCompleted';

export interface FinishRequest {
	owner: string;
	retentionMs: number;
	/** Kept and handed to later Duplicates (Complete only). */
	result?: JsonObject | null;
	/** Why the attempt failed or is unknown (Release, Outcome Unknown). */
	error?: string | null;
	correlationId: string | null;
	/** How long an outcome-unknown key is kept (default DEFAULT_UNKNOWN_RETENTION_MS). */
	unknownRetentionMs?: number;
}

/**
 * Complete: the write happened. It is recorded even when the claim expired or another
 * execution took it over meanwhile, because the vendor has the record either way and
 * forgetting that would invite a second write.
 */
export function decideComplete(
	current: ClaimRecord | undefined,
	request: FinishRequest,
	now: number,
): Transition<CompleteOutcome> {
	if (current?.status === 'completed') return { outcome: 'alreadyCompleted', record: current };
	const next: ClaimRecord = {
		...(current ?? newRecord(request.owner, now, request.correlationId)),
		status: 'completed',
		owner: request.owner,
		leaseUntil: null,
		needsReconcile: false,
		updatedAt: now,
		completedAt: now,
		result: request.result ?? null,
	};
	return { outcome: 'completed', record: next, write: { value: next, ttlMs: request.retentionMs } };
}

export type ReleaseOutcome = 'released' | 'notReleasedCompleted' | 'notClaimed' | 'heldByAnother';

/**
 * Release: the write failed for sure, so a retry may proceed. A completed key is never
 * released, nor a claim that another execution took over after our lease ran out.
 */
export function decideRelease(
	current: ClaimRecord | undefined,
	request: FinishRequest,
	now: number,
): Transition<ReleaseOutcome> {
	if (!current) return { outcome: 'notClaimed', record: undefined };
	if (current.status === 'completed') return { outcome: 'notReleasedCompleted', record: current };
	if (
		current.status === 'inFlight' &&
		current.owner !== request.owner &&
		(current.leaseUntil ?? 0) > now
	) {
		return { outcome: 'heldByAnother', record: current };
	}
	const next: ClaimRecord = {
		...current,
		status: 'released',
		leaseUntil: null,
		needsReconcile: false,
		updatedAt: now,
		lastError: request.error ?? current.lastError,
	};
	return { outcome: 'released', record: next, write: { value: next, ttlMs: request.retentionMs } };
}

export type UnknownOutcome = 'markedUnknown' | 'alreadyCompleted';

/**
 * Outcome Unknown: the vendor may or may not have written. The key is kept for the
 * unknown-outcome retention (7 days unless chosen), so it is neither retried blindly nor
 * forgotten while someone can still look: the next Claim reconciles.
 */
export function decideOutcomeUnknown(
	current: ClaimRecord | undefined,
	request: FinishRequest,
	now: number,
): Transition<UnknownOutcome> {
	if (current?.status === 'completed') return { outcome: 'alreadyCompleted', record: current };
	const next: ClaimRecord = {
		...(current ?? newRecord(request.owner, now, request.correlationId)),
		status: 'outcomeUnknown',
		leaseUntil: null,
		needsReconcile: true,
		updatedAt: now,
		lastError: request.error ?? current?.lastError ?? null,
	};
	return {
		outcome: 'markedUnknown',
		record: next,
		write: { value: next, ttlMs: request.unknownRetentionMs ?? DEFAULT_UNKNOWN_RETENTION_MS },
	};
}

function newRecord(owner: string, now: number, correlationId: string | null): ClaimRecord {
	return {
		status: 'inFlight',
		fingerprint: null,
		owner,
		leaseUntil: null,
		attempts: 0,
		needsReconcile: false,
		firstClaimedAt: now,
		updatedAt: now,
		completedAt: null,
		result: null,
		correlationId,
		lastError: null,
	};
}

/**
 * A claim never expires while its lease is held; one that must be reconciled is kept
 * for the unknown-outcome retention.
 */
function claimTtl(record: ClaimRecord, request: ClaimRequest): number {
	const retention = record.needsReconcile
		? (request.unknownRetentionMs ?? DEFAULT_UNKNOWN_RETENTION_MS)
		: request.retentionMs;
	return Math.max(retention, request.leaseMs * 2);
}

function fingerprintsDiffer(stored: string | null, requested: string | null): boolean {
	return stored !== null && requested !== null && stored !== requested;
}

/** Reads a stored value back as a claim record, refusing anything that is not one. */
export function asClaimRecord(value: JsonValue | undefined): ClaimRecord | undefined {
	if (value === undefined) return undefined;
	if (
		!isPlainObject(value) ||
		typeof value.status !== 'string' ||
		typeof value.attempts !== 'number'
	) {
		throw new Error(
			'The stored idempotency record is not in the expected format (was the namespace used by something else?)',
		);
	}
	return value as unknown as ClaimRecord;
}

/**
 * The idempotency key of a logical record: a hash of the chosen values, stable across
 * field order, so the same record always gives the same key.
 */
export function idempotencyKey(values: JsonValue | unknown): string {
	return stableHash(values);
}

/** The fingerprint of the payload fields chosen for conflict checks. */
export function payloadFingerprint(values: unknown): string {
	return stableHash(values);
}
