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
