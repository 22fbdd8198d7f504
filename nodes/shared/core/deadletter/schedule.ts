/**
 * The redelivery schedule: when a dead letter is due for another try, by failure class.
 *
 *   transient  after 1 min, 5 min, 30 min, 2 h, 12 h (each ± jitter), then parked
 *   rateLimit  after the vendor's Retry-After when the record holds one (plus jitter,
 *              never earlier), else 1 min, 5 min, 15 min, 1 h, 4 h; then parked
 *   auth       after a release (the credential works again) that came after the failure
 *   data       never by itself: fix the payload and replay it by hand
 *   unknown    the transient schedule (a builder may choose never)
 *   any class  parked once it is older than the maximum age
 *
 * The policy is the trigger's parameters, evaluated at every poll from what each record
 * holds — its class, how many times it was leased, when its last try ended, when it was
 * captured and a random draw (`jitter`, 0 ≤ u < 1, drawn by the store at each lease).
 * Nothing of the policy is written into a record, so a changed policy applies to the
 * records already queued at the next poll.
 *
 * The store evaluates the same rules in SQL (`dueRules`), so that "the records due now"
 * is one atomic lease, not a scan in the process; `redeliveryDueAt` is the same rule for
 * one record, for the views and the tests.
 */
import { SettingsError } from '../errors/settings';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../time';
import { FAILURE_CLASSES, type FailureClass } from './classify';

/** How a class is redelivered. */
export type RedeliveryMode = 'schedule' | 'afterRelease' | 'never';

export interface ClassRedelivery {
	mode: RedeliveryMode;
	/** Waits before redelivery 1, 2, …, ms (mode schedule). Past the last: parked. */
	delaysMs: readonly number[];
	/** Wait for the record's Retry-After when it holds one, instead of the schedule's wait. */
	retryAfter: boolean;
}

export type RedeliveryPolicy = {
	classes: Record<FailureClass, ClassRedelivery>;
	/** Each wait is spread by ± this fraction (0 to 1); a Retry-After only lengthened by it. */
	jitter: number;
	/** Open records captured longer ago than this are parked; 0: no maximum age. */
	maxAgeMs: number;
	/** Longest Retry-After honoured, ms: a vendor cannot park a record for a year. */
	maxRetryAfterMs: number;
};

export const DEFAULT_TRANSIENT_MINUTES = [1, 5, 30, 120, 720] as const;
export const DEFAULT_RATE_LIMIT_MINUTES = [1, 5, 15, 60, 240] as const;
export const DEFAULT_JITTER = 0.2;
export const DEFAULT_MAX_AGE_MS = 3 * DAY_MS;
export const DEFAULT_MAX_RETRY_AFTER_MS = DAY_MS;
/** Most steps a schedule may have: each is a rule the store evaluates. */
export const MAX_SCHEDULE_STEPS = 50;
/** Longest single wait, ms (a year): anything longer is a mistake, or a parked record. */
export const MAX_DELAY_MS = 365 * DAY_MS;

const minutes = (values: readonly number[]) => values.map((value) => value * MINUTE_MS);

export const DEFAULT_REDELIVERY_POLICY: RedeliveryPolicy = {
	classes: {
		transient: {
			mode: 'schedule',
			delaysMs: minutes(DEFAULT_TRANSIENT_MINUTES),
			retryAfter: false,
		},
		rateLimit: {
			mode: 'schedule',
			delaysMs: minutes(DEFAULT_RATE_LIMIT_MINUTES),
			retryAfter: true,
		},
		auth: { mode: 'afterRelease', delaysMs: [], retryAfter: false },
		data: { mode: 'never', delaysMs: [], retryAfter: false },
		unknown: { mode: 'schedule', delaysMs: minutes(DEFAULT_TRANSIENT_MINUTES), retryAfter: false },
	},
	jitter: DEFAULT_JITTER,
	maxAgeMs: DEFAULT_MAX_AGE_MS,
	maxRetryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS,
};

export class RedeliveryPolicyError extends SettingsError<string> {}

/**
 * Parses a schedule written as waits separated by commas ("1, 5, 30") in a unit, to ms.
 * Empty means no automatic redelivery. Refuses anything but non-negative finite
 * numbers, more than MAX_SCHEDULE_STEPS steps, and waits longer than a year.
 */
export function parseSchedule(text: unknown, unitMs: number, option: string): number[] {
	if (typeof text !== 'string' && typeof text !== 'number')
		throw new RedeliveryPolicyError(option, text, 'waits separated by commas, e.g. 1, 5, 30');
	const parts = String(text)
		.split(',')
		.map((part) => part.trim())
		.filter((part) => part !== '');
	if (parts.length > MAX_SCHEDULE_STEPS)
		throw new RedeliveryPolicyError(option, text, `at most ${MAX_SCHEDULE_STEPS} waits`);
	return parts.map((part) => {
		const value = Number(part);
		const ms = Math.round(value * unitMs);
		if (!/^\d*\.?\d+$/.test(part) || !Number.isFinite(ms) || ms > MAX_DELAY_MS)
			throw new RedeliveryPolicyError(
				option,
				text,
				'non-negative numbers separated by commas, none longer than a year',
			);
		return ms;
	});
}

/** Checks a policy built elsewhere (the trigger's parameters); returns it frozen in shape. */
export function checkPolicy(policy: RedeliveryPolicy): RedeliveryPolicy {
	const { jitter, maxAgeMs, maxRetryAfterMs } = policy;
	if (typeof jitter !== 'number' || !Number.isFinite(jitter) || jitter < 0 || jitter > 1)
		throw new RedeliveryPolicyError('jitter', jitter, 'a fraction from 0 to 1');
	for (const [option, value] of [
		['maxAgeMs', maxAgeMs],
		['maxRetryAfterMs', maxRetryAfterMs],
	] as const) {
		if (
			typeof value !== 'number' ||
			!Number.isFinite(value) ||
			value < 0 ||
			value > MAX_DELAY_MS * 10
		)
			throw new RedeliveryPolicyError(option, value, 'a non-negative number of milliseconds');
	}
	const classes = {} as Record<FailureClass, ClassRedelivery>;
	for (const failureClass of FAILURE_CLASSES) {
		const entry = policy.classes?.[failureClass];
		if (!entry || !['schedule', 'afterRelease', 'never'].includes(entry.mode))
			throw new RedeliveryPolicyError(failureClass, entry, 'a redelivery mode');
		if (
			!Array.isArray(entry.delaysMs) ||
			entry.delaysMs.length > MAX_SCHEDULE_STEPS ||
			entry.delaysMs.some(
				(delay) =>
					typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0 || delay > MAX_DELAY_MS,
			)
		)
			throw new RedeliveryPolicyError(failureClass, entry.delaysMs, 'waits of 0 to a year');
		classes[failureClass] = {
			mode: entry.mode,
			delaysMs: [...entry.delaysMs],
			retryAfter: entry.retryAfter === true,
		};
	}
	return { classes, jitter, maxAgeMs, maxRetryAfterMs };
}

/** What the schedule needs of a queue entry (the store's QueueEntry has all of it). */
export interface ScheduledEntry {
	category: string | null;
	/** Times leased so far: redeliveries tried (the capture itself is not one). */
	attempts: number;
	enqueuedAt: number;
	/** When the last try ended: the capture, the failure that sent it back, or the lease that ran out. */
	lastTryAt: number;
	/** The store's draw for this wait, 0 ≤ u < 1. */
	jitter: number;
	/** The vendor's Retry-After of the last failure, seconds, if it gave one. */
	retryAfterSeconds: number | null;
}

/** Where a record stands under the policy at `now`. */
export type RedeliveryPlan =
	| { kind: 'due'; dueAt: number }
	| { kind: 'waiting'; dueAt: number }
	| { kind: 'waitingForRelease' }
	| { kind: 'manual' }
	| { kind: 'park'; reason: string };

function classOf(category: string | null): FailureClass {
	return (FAILURE_CLASSES as readonly string[]).includes(category ?? '')
		? (category as FailureClass)
		: 'unknown';
}

/** A draw in [0, 1): a stored value out of range (older rows, hostile data) counts as the middle. */
function unit(value: number): number {
	return typeof value === 'number' && value >= 0 && value < 1 ? value : 0.5;
}

/**
 * The wait before redelivery number `attempts + 1`, with jitter, or null past the
 * schedule. A Retry-After (when the class honours it) replaces the schedule's wait and
 * is only ever lengthened by the jitter: the vendor said "not before".
 */
export function redeliveryWaitMs(
	policy: RedeliveryPolicy,
	failureClass: FailureClass,
	attempts: number,
	jitter: number,
	retryAfterSeconds: number | null,
): number | null {
	const entry = policy.classes[failureClass];
	if (entry.mode !== 'schedule' || attempts < 0 || attempts >= entry.delaysMs.length) return null;
	const u = unit(jitter);
	if (entry.retryAfter && typeof retryAfterSeconds === 'number' && retryAfterSeconds >= 0) {
		const base = Math.min(retryAfterSeconds * SECOND_MS, policy.maxRetryAfterMs);
		return Math.round(base * (1 + policy.jitter * u));
	}
	const delay = entry.delaysMs[attempts];
	return Math.round(delay * (1 - policy.jitter) + delay * 2 * policy.jitter * u);
}

/**
 * Where one record stands: due (or when it will be), waiting for a release, left to a
 * person, or to be parked (too old, or past its class's schedule). `releasedAt` is the
 * last release of auth records for the queue, or null.
 */
export function planRedelivery(
	policy: RedeliveryPolicy,
	entry: ScheduledEntry,
	now: number,
	releasedAt: number | null,
): RedeliveryPlan {
	const failureClass = classOf(entry.category);
	if (policy.maxAgeMs > 0 && entry.enqueuedAt <= now - policy.maxAgeMs)
		return {
			kind: 'park',
			reason: `older than the maximum age (${Math.round(policy.maxAgeMs / HOUR_MS)} h)`,
		};
	const mode = policy.classes[failureClass].mode;
	if (mode === 'never') return { kind: 'manual' };
	if (mode === 'afterRelease')
		return releasedAt !== null && entry.lastTryAt <= releasedAt
			? { kind: 'due', dueAt: releasedAt }
			: { kind: 'waitingForRelease' };
	const wait = redeliveryWaitMs(
		policy,
		failureClass,
		entry.attempts,
		entry.jitter,
		entry.retryAfterSeconds,
	);
	if (wait === null)
		return {
			kind: 'park',
			reason: `its ${failureClass} schedule is used up (${entry.attempts} redeliveries)`,
		};
	const dueAt = entry.lastTryAt + wait;
	return dueAt <= now ? { kind: 'due', dueAt } : { kind: 'waiting', dueAt };
}

/**
 * One rule the store evaluates while leasing: an open entry of `category` leased
 * `attempts` times so far (between minAttempts and maxAttempts) is due when
 * `lastTry + waitMs + jitterMs × u ≤ now`, or — with `retryAfterFactor` set and a
 * Retry-After in the record — when `lastTry + min(retryAfter, maxRetryAfterMs) ×
 * (1 + retryAfterFactor × u) ≤ now`; with `releasedAt`, only when `lastTry ≤ releasedAt`.
 */
export interface DueRule {
	category: string;
	minAttempts: number;
	maxAttempts: number;
	waitMs: number;
	jitterMs: number;
	retryAfterFactor: number | null;
	maxRetryAfterMs: number;
	releasedAt: number | null;
}

/** What the trigger asks the store to lease: entries matching a rule, or captured before `parkBefore`. */
export interface DueSelection {
	rules: DueRule[];
	/** Entries captured before this (epoch ms) are leased to be parked; null: no maximum age. */
	parkBefore: number | null;
}

/**
 * Where a release of auth records is kept: one store record per queue (namespace,
 * key = the queue's store name) holding `{ releasedAt }`, written by Dead Letter's
 * Release Auth Records and read by the trigger at each poll.
 */
export const AUTH_RELEASE_NAMESPACE = 'deadletter-release';
/** A release is kept this long: long past any record it could still concern (see the maximum age). */
export const AUTH_RELEASE_TTL_MS = 30 * DAY_MS;

/** The release time a stored value holds, or null (absent, or not a time). */
export function releaseTimeOf(value: unknown): number | null {
	const releasedAt =
		typeof value === 'object' && value !== null && !Array.isArray(value)
			? (value as { releasedAt?: unknown }).releasedAt
			: undefined;
	return typeof releasedAt === 'number' && Number.isSafeInteger(releasedAt) && releasedAt >= 0
		? releasedAt
		: null;
}

/** Large enough for "every attempt from here on", small enough for any SQL integer. */
export const ANY_MORE_ATTEMPTS = 2_147_483_647;

/**
 * The policy as store rules at `now`. Records past their class's schedule get a rule
 * with no wait, so they are leased at once — to be parked (`planRedelivery` says so).
 */
export function dueRules(
	policy: RedeliveryPolicy,
	now: number,
	releasedAt: number | null,
): DueSelection {
	const rules: DueRule[] = [];
	const base = {
		retryAfterFactor: null,
		maxRetryAfterMs: policy.maxRetryAfterMs,
		releasedAt: null,
	};
	for (const category of FAILURE_CLASSES) {
		const entry = policy.classes[category];
		if (entry.mode === 'afterRelease') {
			if (releasedAt !== null)
				rules.push({
					...base,
					category,
					minAttempts: 0,
					maxAttempts: ANY_MORE_ATTEMPTS,
					waitMs: 0,
					jitterMs: 0,
					releasedAt,
				});
			continue;
		}
		if (entry.mode !== 'schedule') continue;
		entry.delaysMs.forEach((delay, attempts) =>
			rules.push({
				...base,
				category,
				minAttempts: attempts,
				maxAttempts: attempts,
				waitMs: Math.round(delay * (1 - policy.jitter)),
				jitterMs: Math.round(delay * 2 * policy.jitter),
				retryAfterFactor: entry.retryAfter ? policy.jitter : null,
			}),
		);
		rules.push({
			...base,
			category,
			minAttempts: entry.delaysMs.length,
			maxAttempts: ANY_MORE_ATTEMPTS,
			waitMs: 0,
			jitterMs: 0,
		});
	}
	return { rules, parkBefore: policy.maxAgeMs > 0 ? now - policy.maxAgeMs : null };
}
