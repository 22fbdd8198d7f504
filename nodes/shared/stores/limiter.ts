/**
 * Token-bucket limiters shared by every execution in this process, or by every n8n
 * worker through Redis, on bottleneck. One limiter per (name, plan, backend): Wait for
 * Slot and Send Request nodes in any workflow that name the same limiter with the same
 * settings take their tokens from the same bucket.
 *
 * Redis: bottleneck's clustering — its state lives in Redis and each check-and-take is
 * one Lua script on the server's clock, so workers with skewed clocks agree. Keys are
 * `<key prefix>b_ratelimit:<name>:<settings hash>_*` (the credential's key prefix via
 * ioredis) and expire after a day unused.
 *
 * This file is their public surface and their place in the connection cache; the bucket
 * is limiterBucket.ts, its Redis connection limiterConnection.ts, waiting limiterWait.ts.
 */
import { stableHash } from '../core/hash';
import type { LimiterPlan } from '../core/ratelimit/rate';
import type { RateLimitHeaders } from '../core/ratelimit/headers';
import type { LearnedHold, LearnedLimit } from '../core/ratelimit/learned';
import { MINUTE_MS } from '../core/time';
import { closeAllPooled, configKey, pooled } from './connections';
import { Limiter } from './limiterBucket';
import type { HoldPastMaxWait } from './limiterWait';
import type { RedisStoreConfig } from './types';

export { heartbeatFor, heldLimiterViews, recordLimiterIn } from './limiterBucket';
export { HoldPastMaxWait, pause } from './limiterWait';

/** A limiter idle this long (no request waiting) is stopped and dropped from the cache. */
const IDLE_MS = 15 * MINUTE_MS;

export interface TokenLimiter {
	readonly name: string;
	readonly plan: LimiterPlan;
	/** "in this n8n process" or "Redis at host:port (db n)". */
	readonly location: string;
	/** What the vendor's headers said, and any hold they asked for (this process). */
	readonly learned: LearnedLimit;
	/**
	 * Records what a response's headers said. A hold they ask for (nothing left until the
	 * reset, Retry-After), at most `maxHoldMs`, applies to this process at once and, on
	 * Redis, to every worker from its next request; with `record: false` (the node refused
	 * that wait for its item) it applies to nobody. Says what became of the hold.
	 */
	observe(
		facts: RateLimitHeaders,
		now: number,
		status: number | null,
		options?: HoldOptions,
	): Promise<LearnedHold | null>;
	/**
	 * Waits until `tokens` are granted (and any learned hold is over, each at most
	 * `maxHoldMs`). Rejects, taking nothing more, when `signal` aborts (the execution was
	 * cancelled), and with HoldPastMaxWait when a hold would last past `deadlineAt`.
	 */
	acquire(tokens: number, signal?: AbortSignal, options?: AcquireOptions): Promise<void>;
	/**
	 * `acquire` for many units (an item each) in one call: they queue as one request, are
	 * granted in order, as many per bucket job as the bucket gives at once, with one hold
	 * check per chunk. Resolves with, per unit, the epoch ms it was released (after any
	 * hold), or the HoldPastMaxWait that sent it away. Rejects, taking nothing more, when
	 * `signal` aborts or the store fails (units granted before keep their tokens).
	 */
	acquireEach(
		tokens: readonly number[],
		signal?: AbortSignal,
		options?: AcquireOptions,
	): Promise<Array<number | HoldPastMaxWait>>;
	/**
	 * Tokens queued ahead of a new request, tokens in the bucket now, and the ms left of a
	 * learned hold, this process's or another worker's (one round trip on Redis).
	 */
	snapshot(maxHoldMs?: number): Promise<{ ahead: number; available: number; holdMs: number }>;
	/** Ensures the backend is reachable; a StoreError when it is not. */
	ready(): Promise<void>;
}

export interface HoldOptions {
	/** Longest hold one response may set (default DEFAULT_MAX_HOLD_MS). */
	maxHoldMs?: number;
	/** False: the node refused this hold for its own item, so nobody waits for it. */
	record?: boolean;
}

export interface AcquireOptions {
	/** Longest a hold is waited for, whoever recorded it (default DEFAULT_MAX_HOLD_MS). */
	maxHoldMs?: number;
	/** Epoch ms past which the caller will not wait (Max Wait): a longer hold rejects with HoldPastMaxWait. */
	deadlineAt?: number;
}

/**
 * The shared limiter for a name, plan and backend (undefined: in process). Limiters live
 * in the connection cache (connections.ts) beside the stores: one stopped after IDLE_MS
 * without a request waiting; the ones of one Redis config share its connection.
 */
export function limiterFor(
	name: string,
	plan: LimiterPlan,
	redis?: RedisStoreConfig,
): TokenLimiter {
	const key = stableHash({ name, plan, backend: redis ? configKey(redis) : null });
	const limiter = pooled('limiter', key, () => new Limiter(name, plan, redis), IDLE_MS);
	limiter.lastUsed = Date.now();
	return limiter;
}

/** Stops every limiter and closes their Redis connections (tests, shutdown). */
export async function closeAllLimiters(): Promise<void> {
	await closeAllPooled('limiter', 'limiter-connection');
}
