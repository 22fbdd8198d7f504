/**
 * The vendor's real limit, learned from its responses. A limit documented wrong is the
 * classic surprise: the headers say what the vendor enforces, so we hold back before it
 * answers 429 and report what we saw next to what was configured.
 */
import { MINUTE_MS, SECOND_MS } from '../time';
import type { RateLimitHeaders } from './headers';
import { PER_MS, type RatePer } from './rate';

export interface ObservedLimit {
	limit: number | null;
	remaining: number | null;
	/** ISO time of the reset the vendor announced. */
	resetAt: string | null;
	windowSeconds: number | null;
	/** When it was seen, ISO. */
	observedAt: string;
}

export interface LimitComparison {
	configured: { limit: number; per: RatePer };
	observed: ObservedLimit | null;
	/**
	 * lower: the vendor enforces less than configured (expect 429s); higher: it allows more;
	 * same; unknown: it sent no limit or a window we cannot compare.
	 */
	verdict: 'lower' | 'higher' | 'same' | 'unknown';
}

/**
 * What the limiter does after a response: hold every request until `holdUntil` when the
 * vendor said nothing is left (remaining 0 with a reset) or asked to wait (Retry-After).
 */
export function holdFrom(
	facts: RateLimitHeaders,
	now: number,
	status: number | null,
): number | null {
	if (facts.retryAfterMs !== null && (status === 429 || status === 503 || facts.remaining === 0))
		return now + facts.retryAfterMs;
	if (facts.remaining === 0 && facts.resetAt !== null && facts.resetAt > now) return facts.resetAt;
	return null;
}

/**
 * Longest hold one response may put on a limiter unless the node says otherwise. A hold
 * stops every request of every workflow on that limiter (every worker, on Redis): one
 * `Retry-After: 86400` must not stall them all for a day.
 */
export const DEFAULT_MAX_HOLD_MS = 5 * MINUTE_MS;

/** A hold a response asked for, as the limiter took it. */
export interface LearnedHold {
	/** What the vendor asked for, ms from the response. */
	requestedMs: number;
	/** What the limiter holds, ms from the response: at most the cap, 0 when not recorded. */
	heldMs: number;
	capped: boolean;
	/** False when the node refused the wait for the item itself: then nobody else waits for it either. */
	recorded: boolean;
}

/** The hold to record for a response: the vendor's, at most `maxHoldMs`; null when it asks none. */
export function cappedHold(
	facts: RateLimitHeaders,
	now: number,
	status: number | null,
	maxHoldMs: number,
): { until: number; hold: LearnedHold } | null {
	const asked = holdFrom(facts, now, status);
	if (asked === null || asked <= now) return null;
	const requestedMs = asked - now;
	const heldMs = Math.min(requestedMs, Math.max(0, maxHoldMs));
	return {
		until: now + heldMs,
		hold: { requestedMs, heldMs, capped: heldMs < requestedMs, recorded: true },
	};
}

/** The limit as per second, to compare windows of different lengths. */
function perSecond(limit: number, windowMs: number): number {
	return (limit * SECOND_MS) / windowMs;
}

export function compareLimits(
	configured: { limit: number; per: RatePer },
	observed: ObservedLimit | null,
): LimitComparison {
	if (observed === null || observed.limit === null)
		return { configured, observed, verdict: 'unknown' };
	const configuredWindowMs = PER_MS[configured.per];
	// Without a stated window, assume the vendor counts in the configured one.
	const observedWindowMs =
		observed.windowSeconds !== null && observed.windowSeconds > 0
			? observed.windowSeconds * SECOND_MS
			: configuredWindowMs;
	const mine = perSecond(configured.limit, configuredWindowMs);
	const theirs = perSecond(observed.limit, observedWindowMs);
	const ratio = theirs / mine;
	const verdict = Math.abs(ratio - 1) < 0.01 ? 'same' : ratio < 1 ? 'lower' : 'higher';
	return { configured, observed, verdict };
}

/**
 * What one limiter has learned, kept in process. The latest response with a limit wins;
 * a hold only ever extends (two responses racing cannot shorten it).
 */
export class LearnedLimit {
	observed: ObservedLimit | null = null;
	holdUntil = 0;

	/**
	 * Records what a response said. A hold is capped at `maxHoldMs`, and not recorded at all
	 * when `record` is false (the node refused that wait for the item itself).
	 */
	observe(
		facts: RateLimitHeaders,
		now: number,
		status: number | null,
		maxHoldMs = DEFAULT_MAX_HOLD_MS,
		record = true,
	): LearnedHold | null {
		if (facts.limit !== null || facts.remaining !== null) {
			this.observed = {
				limit: facts.limit ?? this.observed?.limit ?? null,
				remaining: facts.remaining,
				resetAt: facts.resetAt === null ? null : new Date(facts.resetAt).toISOString(),
				windowSeconds: facts.windowSeconds ?? this.observed?.windowSeconds ?? null,
				observedAt: new Date(now).toISOString(),
			};
		}
		const decision = cappedHold(facts, now, status, maxHoldMs);
		if (decision === null) return null;
		if (!record) return { ...decision.hold, heldMs: 0, capped: false, recorded: false };
		if (decision.until > this.holdUntil) this.holdUntil = decision.until;
		return decision.hold;
	}

	/** Ms to wait before the next request, 0 when free to go. */
	waitMs(now: number): number {
		return Math.max(0, this.holdUntil - now);
	}
}

/**
 * A read-only look at one limiter an n8n process holds (Guards Status): its settings,
 * tokens, what it learned and the hold it keeps. Taken from the process's memory, so it
 * says what this process knows; nothing is taken or waited for.
 */
export interface LimiterView {
	/** `<URI-encoded limiter key>:<settings hash>`, as Rate Limiter's Redis keys carry it. */
	id: string;
	/** "in this n8n process" or "Redis at host:port (db n)". */
	location: string;
	/** True when the bucket lives in Redis (shared by workers), false when in this process. */
	shared: boolean;
	plan: { increaseAmount: number; increaseIntervalMs: number; capacity: number };
	/** Tokens in the bucket now (in process only; null on Redis). */
	tokens: number | null;
	/** What the vendor's headers said, as this process saw it. */
	learned: ObservedLimit | null;
	/** Epoch ms of a hold this process keeps, while it lasts; null when none. */
	holdUntil: number | null;
}

/* ------------------------------------------------- The limiter's record */

/**
 * What a limiter was configured with, as the node's parameters say it (Guards Status shows
 * it next to what the vendor's headers said).
 */
export type ConfiguredLimit = {
	limit: number;
	per: RatePer;
	targetUtilization: number;
	burst: number;
};

/**
 * A limiter's record in the store, for Guards Status: its configured and learned limits,
 * so every n8n process (every worker on Redis, every process sharing the Embedded file)
 * sees what the others learned. Nothing secret. A type, so it is assignable to JsonValue.
 */
export type LimiterRecord = {
	/** `<URI-encoded limiter key>:<settings hash>`, as LimiterView.id. */
	id: string;
	/** embedded: the bucket is in each process; redis: shared. */
	backend: 'embedded' | 'redis';
	plan: { increaseAmount: number; increaseIntervalMs: number; capacity: number };
	configured: ConfiguredLimit | null;
	/** The latest thing any process learned (an ObservedLimit), and which process learned it. */
	learned: LearnedRecord | null;
	/** ISO: when a process last wrote the record, and which. */
	updatedAt: string;
	by: string;
};

export type LearnedRecord = {
	limit: number | null;
	remaining: number | null;
	resetAt: string | null;
	windowSeconds: number | null;
	observedAt: string;
	by: string;
};

/** A record lives this long after its last write: a limiter nobody uses drops off the page. */
export const LIMITER_RECORD_TTL_MS = 7 * 24 * 60 * MINUTE_MS;
/** A limiter writes its record at most once per this, however often its facts change. */
export const LIMITER_RECORD_MIN_GAP_MS = 2 * SECOND_MS;
/** Unchanged facts (a new Remaining, say) are written again at most this often. */
export const LIMITER_RECORD_REFRESH_MS = 60 * MINUTE_MS;

const positive = (value: unknown) =>
	typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
const textOf = (value: unknown) => (typeof value === 'string' ? value.slice(0, 200) : null);

function asObserved(value: unknown): LearnedRecord | null {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
	const field = value as Record<string, unknown>;
	const observedAt = textOf(field.observedAt);
	if (observedAt === null || Number.isNaN(Date.parse(observedAt))) return null;
	return {
		limit: positive(field.limit),
		remaining: positive(field.remaining),
		resetAt: textOf(field.resetAt),
		windowSeconds: positive(field.windowSeconds),
		observedAt,
		by: textOf(field.by) ?? 'unknown',
	};
}

/** A stored limiter record, or undefined when the value is not one. */
export function asLimiterRecord(value: unknown): LimiterRecord | undefined {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
	const field = value as Record<string, unknown>;
	const plan = field.plan as Record<string, unknown> | null | undefined;
	const id = typeof field.id === 'string' ? field.id : null;
	if (id === null || plan === null || typeof plan !== 'object') return undefined;
	const increaseAmount = positive(plan.increaseAmount);
	const increaseIntervalMs = positive(plan.increaseIntervalMs);
	const capacity = positive(plan.capacity);
	if (increaseAmount === null || increaseIntervalMs === null || capacity === null) return undefined;
	const configured = field.configured as Record<string, unknown> | null | undefined;
	const limit = positive(configured?.limit);
	const targetUtilization = positive(configured?.targetUtilization);
	const burst = positive(configured?.burst);
	const per = configured?.per;
	return {
		id,
		backend: field.backend === 'redis' ? 'redis' : 'embedded',
		plan: { increaseAmount, increaseIntervalMs, capacity },
		configured:
			limit !== null &&
			targetUtilization !== null &&
			burst !== null &&
			typeof per === 'string' &&
			Object.prototype.hasOwnProperty.call(PER_MS, per)
				? { limit, per: per as RatePer, targetUtilization, burst }
				: null,
		learned: asObserved(field.learned),
		updatedAt: textOf(field.updatedAt) ?? new Date(0).toISOString(),
		by: textOf(field.by) ?? 'unknown',
	};
}

/**
 * The record to write over `current` (another process's, maybe): this process's facts,
 * but the learned limit only when it is newer than the one stored; a configured limit
 * this process does not know keeps the stored one.
 */
export function mergeLimiterRecord(current: unknown, next: LimiterRecord): LimiterRecord {
	const stored = asLimiterRecord(current);
	if (stored === undefined || stored.id !== next.id) return next;
	const learned =
		next.learned === null ||
		(stored.learned !== null &&
			Date.parse(stored.learned.observedAt) > Date.parse(next.learned.observedAt))
			? stored.learned
			: next.learned;
	return { ...next, configured: next.configured ?? stored.configured, learned };
}

/**
 * When a limiter writes its record: at once when what it knows changed (configured
 * limit, learned limit or window), at most twice per LIMITER_RECORD_MIN_GAP_MS (so a
 * limiter's first use and the first limit it learns are both written at once); a change
 * past that waits for the limiter's next use after the gap. Unchanged, at most every
 * LIMITER_RECORD_REFRESH_MS. Never per item: a limiter asks at most once per response it
 * learns from and once per execution that opens it.
 */
export class LimiterRecordSchedule {
	private written: string | null = null;
	private writtenAt = Number.NEGATIVE_INFINITY;
	private previousAt = Number.NEGATIVE_INFINITY;
	private wanted: string | null = null;

	/** What the record would say now: the facts that count as a change. */
	static facts(configured: ConfiguredLimit | null, learned: ObservedLimit | null): string {
		return JSON.stringify([configured, learned?.limit ?? null, learned?.windowSeconds ?? null]);
	}

	/** Ms until the record should be written (0: now), or null when nothing is due. */
	dueIn(facts: string, now: number): number | null {
		this.wanted = facts;
		if (facts !== this.written)
			return Math.max(0, LIMITER_RECORD_MIN_GAP_MS - (now - this.previousAt));
		return now - this.writtenAt >= LIMITER_RECORD_REFRESH_MS ? 0 : null;
	}

	/** A write of `facts` began at `now` (a failed write is tried again after the gap). */
	began(facts: string, now: number): void {
		this.written = facts;
		this.previousAt = this.writtenAt;
		this.writtenAt = now;
	}

	failed(): void {
		this.written = null;
	}

	get pending(): string | null {
		return this.wanted;
	}
}
