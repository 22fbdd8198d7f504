/**
 * One token bucket on bottleneck, in this process or on Redis: the waiting requests
 * served in order, the in-process refill on the plan's grid, and the holds a vendor
 * asked for, shared with the other workers through Redis.
 */
import Bottleneck from 'bottleneck';
import type Redis from 'ioredis';

import { stableHash } from '../core/hash';
import type { LimiterPlan } from '../core/ratelimit/rate';
import type { RateLimitHeaders } from '../core/ratelimit/headers';
import { DEFAULT_MAX_HOLD_MS, LearnedLimit, type LearnedHold } from '../core/ratelimit/learned';
import { DAY_MS, MINUTE_MS, SECOND_MS } from '../core/time';
import { describeCause, hostPort } from './common';
import { configKey, holdPooled, releasePooled, type Pooled } from './connections';
import { STORE_IDLE_MS } from './factory';
import type { AcquireOptions, HoldOptions, TokenLimiter } from './limiter';
import { LimiterConnection, REDIS_TIMEOUT_MS } from './limiterConnection';
import { cancelled, HoldPastMaxWait, isCancelled, pause } from './limiterWait';
import { StoreError, type RedisStoreConfig } from './types';

/** Redis keys of a limiter nobody used for this long are removed (its bucket starts afresh). */
const REDIS_KEY_TTL_MS = DAY_MS;

/** Extends the shared hold (epoch ms) only if the new one is later, with a TTL past it. */
const EXTEND_HOLD = `
	local current = tonumber(redis.call('GET', KEYS[1]) or '0')
	if tonumber(ARGV[1]) > current then
		redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
		return 1
	end
	return 0
`;
/** A short stable id for the settings, so limiters of one name with different settings never share Redis state. */
function settingsId(name: string, plan: LimiterPlan): string {
	return `ratelimit:${encodeURIComponent(name)}:${stableHash(plan).slice(0, 12)}`;
}

/** Ms between bottleneck heartbeats for a plan, in process or on Redis. */
export function heartbeatFor(plan: LimiterPlan, redis: boolean): number {
	if (redis) return Math.min(250, Math.max(10, Math.round(plan.increaseIntervalMs / 4)));
	return Math.min(50, Math.max(2, Math.round(plan.increaseIntervalMs / 40)));
}

export class Limiter implements TokenLimiter, Pooled {
	readonly location: string;
	readonly learned = new LearnedLimit();
	lastUsed = Date.now();
	/** Tokens asked for in this process and not yet granted. */
	pending = 0;
	private readonly bottleneck: Bottleneck;
	private readonly connection: Bottleneck.IORedisConnection | undefined;
	private readonly client: Redis | undefined;
	private readonly link: LimiterConnection | undefined;
	private readonly connectionKey: string | undefined;
	/** How this limiter hears of its shared connection's errors and closing. */
	private readonly linkListener = {
		onError: (error: unknown) => {
			this.lastError = error;
		},
		// A job queued in bottleneck's Redis cluster waits for a message that never comes
		// once the connection is gone: fail the waiting requests instead of hanging.
		onClose: () => {
			if (this.waiters.length > 0)
				this.failWaiters(
					this.storeError(
						'unreachable',
						this.lastError ?? new Error('the connection to Redis closed'),
					),
				);
		},
	};
	private readonly holdKey: string;
	private lastError: unknown;
	private readying: Promise<void> | undefined;
	/** Requests waiting for tokens, first come first served. */
	private readonly waiters: Array<{
		tokens: number;
		resolve: () => void;
		reject: (error: unknown) => void;
	}> = [];
	private pumping = false;
	/** Bumped when the waiting requests are failed at once: a pump of an earlier generation stops. */
	private generation = 0;
	/** In process: when the next refill is due, kept on the plan's grid however late the timer runs. */
	private nextRefillAt = 0;
	private refillTimer: NodeJS.Timeout | undefined;
	private refilling = false;

	constructor(
		readonly name: string,
		readonly plan: LimiterPlan,
		private readonly redis?: RedisStoreConfig,
	) {
		const heartbeat = heartbeatFor(plan, redis !== undefined);
		this.holdKey = `${settingsId(name, plan)}:hold`;
		const bucket = {
			id: settingsId(name, plan),
			maxConcurrent: null,
			minTime: 0,
			reservoir: plan.capacity,
			// On Redis the refill keeps its phase (the script adds every interval that passed),
			// so the rate stays exact. In process bottleneck restarts the interval at the
			// heartbeat that adds the tokens, so every late timer (a busy n8n) loses time for
			// good: there this class refills itself, keeping the phase (refillInProcess).
			...(redis
				? {
						reservoirIncreaseAmount: plan.increaseAmount,
						reservoirIncreaseInterval: plan.increaseIntervalMs,
						reservoirIncreaseMaximum: plan.capacity,
					}
				: {}),
			// On Redis each heartbeat is a script call per worker, so it is longer than in process.
			heartbeatInterval: heartbeat,
		} as Bottleneck.ConstructorOptions;
		if (redis) {
			this.location = `Redis at ${hostPort(redis.host, redis.port)} (db ${redis.db ?? 0}${redis.tls ? ', TLS' : ''})`;
			// From the connection cache, shared with the other limiters of this Redis config;
			// held until this limiter stops, so it is not swept under it.
			this.connectionKey = configKey(redis);
			const link = holdPooled(
				'limiter-connection',
				this.connectionKey,
				() => new LimiterConnection(redis),
				STORE_IDLE_MS,
			);
			this.link = link;
			link.listeners.add(this.linkListener);
			this.client = link.client;
			this.connection = link.connection;
			this.bottleneck = new Bottleneck({
				...bucket,
				datastore: 'ioredis',
				connection: this.connection,
				clearDatastore: false,
				timeout: REDIS_KEY_TTL_MS,
			});
		} else {
			this.location = 'in this n8n process';
			this.bottleneck = new Bottleneck(bucket);
			this.nextRefillAt = Date.now() + plan.increaseIntervalMs;
			// The bucket's own heartbeat: periodic, so a timer, unref'd.
			this.refillTimer = setInterval(() => void this.refillInProcess(), heartbeat);
			this.refillTimer.unref();
		}
		this.bottleneck.on('error', (error: unknown) => {
			this.lastError = error;
		});
	}

	async ready(): Promise<void> {
		if (!this.redis) return;
		this.readying ??= this.waitReady().catch((error: unknown) => {
			this.readying = undefined;
			throw error;
		});
		await this.readying;
	}

	private async waitReady(): Promise<void> {
		// A deadline, so a timer: AbortSignal.timeout's, which needs no clearing.
		const deadline = AbortSignal.timeout(REDIS_TIMEOUT_MS);
		const timeout = new Promise<never>((_, reject) => {
			deadline.addEventListener(
				'abort',
				() => reject(new Error(`no answer within ${REDIS_TIMEOUT_MS} ms`)),
				{ once: true },
			);
		});
		timeout.catch(() => undefined);
		try {
			await Promise.race([this.bottleneck.ready(), timeout]);
		} catch (error) {
			throw this.storeError('unreachable', this.lastError ?? error);
		}
	}

	async acquire(tokens: number, signal?: AbortSignal, options: AcquireOptions = {}): Promise<void> {
		const maxHoldMs = options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS;
		this.lastUsed = Date.now();
		this.pending += tokens;
		let onAbort: (() => void) | undefined;
		try {
			await this.ready();
			await new Promise<void>((resolve, reject) => {
				const waiter = { tokens, resolve, reject };
				if (signal?.aborted) return reject(cancelled());
				onAbort = () => {
					const position = this.waiters.indexOf(waiter);
					if (position >= 0) this.waiters.splice(position, 1);
					reject(cancelled());
				};
				signal?.addEventListener('abort', onAbort, { once: true });
				this.waiters.push(waiter);
				void this.pump();
			});
			// The vendor asked us (or another worker) to hold: nothing left until its reset, or
			// Retry-After; each hold at most maxHoldMs, and never past the caller's Max Wait.
			const waitStart = Date.now();
			let wait = Math.min(
				maxHoldMs,
				Math.max(this.learned.waitMs(waitStart), await this.sharedHoldMs(maxHoldMs)),
			);
			while (wait > 0) {
				if (options.deadlineAt !== undefined && Date.now() + wait > options.deadlineAt)
					throw new HoldPastMaxWait(wait);
				await pause(Math.min(wait, SECOND_MS), signal);
				wait = Math.min(maxHoldMs - (Date.now() - waitStart), this.learned.waitMs(Date.now()));
			}
		} catch (error) {
			throw error instanceof StoreError || error instanceof HoldPastMaxWait || isCancelled(error)
				? error
				: this.storeError('rate limiter failed', error);
		} finally {
			this.pending -= tokens;
			if (onAbort) signal?.removeEventListener('abort', onAbort);
		}
		this.lastUsed = Date.now();
	}

	/**
	 * Takes tokens from bottleneck for the waiting requests, in order. Bottleneck costs a
	 * few milliseconds per job however many tokens it weighs (its locks yield to the event
	 * loop with timers), which would cap a limiter near 300 grants a second; so one job
	 * takes the tokens of several waiters, up to what one increase of the bucket adds,
	 * and they are handed out here. The bucket's pacing is unchanged: a job of n tokens
	 * waits exactly as long as n jobs of one.
	 */
	private async pump(): Promise<void> {
		if (this.pumping) return;
		this.pumping = true;
		const generation = this.generation;
		try {
			while (this.waiters.length > 0 && generation === this.generation) {
				const chunk = Math.min(
					this.plan.capacity,
					Math.max(this.plan.increaseAmount, this.waiters[0].tokens),
				);
				let take = 0;
				for (const waiter of this.waiters) {
					if (take + waiter.tokens > chunk) break;
					take += waiter.tokens;
				}
				try {
					await this.bottleneck.schedule({ weight: take }, async () => undefined);
				} catch (error) {
					if (generation === this.generation) this.failWaiters(error);
					return;
				}
				// The connection was lost meanwhile: these waiters were failed already.
				if (generation !== this.generation) return;
				let granted = take;
				while (this.waiters.length > 0 && this.waiters[0].tokens <= granted) {
					const waiter = this.waiters.shift()!;
					granted -= waiter.tokens;
					waiter.resolve();
				}
			}
		} finally {
			if (generation === this.generation) this.pumping = false;
		}
	}

	/** Fails every waiting request, and lets a new pump start for the next ones. */
	private failWaiters(error: unknown): void {
		this.generation++;
		this.pumping = false;
		for (const waiter of this.waiters.splice(0)) waiter.reject(error);
	}

	async observe(
		facts: RateLimitHeaders,
		now: number,
		status: number | null,
		options: HoldOptions = {},
	): Promise<LearnedHold | null> {
		const before = this.learned.holdUntil;
		const hold = this.learned.observe(
			facts,
			now,
			status,
			options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS,
			options.record !== false,
		);
		const until = this.learned.holdUntil;
		if (!this.client || until <= before || until <= now) return hold;
		try {
			await this.client.eval(
				EXTEND_HOLD,
				1,
				this.holdKey,
				String(until),
				String(until - now + MINUTE_MS),
			);
		} catch {
			// Best effort: this process holds anyway; the others learn it from their own responses.
		}
		return hold;
	}

	/**
	 * Ms left of a hold another worker recorded in Redis, at most `maxHoldMs` from now
	 * (a worker with a longer cap, or an older version, may have recorded more); 0 in
	 * process, or when Redis does not answer.
	 */
	private async sharedHoldMs(maxHoldMs: number): Promise<number> {
		if (!this.client) return 0;
		try {
			const now = Date.now();
			const until = Math.min(Number(await this.client.get(this.holdKey)), now + maxHoldMs);
			const wait = Number.isFinite(until) ? until - now : 0;
			if (wait > 0 && until > this.learned.holdUntil) this.learned.holdUntil = until;
			return Math.max(0, wait);
		} catch {
			return 0;
		}
	}

	async snapshot(
		maxHoldMs = DEFAULT_MAX_HOLD_MS,
	): Promise<{ ahead: number; available: number; holdMs: number }> {
		await this.ready();
		try {
			const available = (await this.bottleneck.currentReservoir()) ?? this.plan.capacity;
			let ahead = this.pending;
			if (this.redis) {
				// Other workers' queued jobs count too; their weights are unknown, so assume ours.
				const queued = await this.bottleneck.clusterQueued();
				ahead = Math.max(ahead, queued);
			}
			const holdMs = Math.min(
				maxHoldMs,
				Math.max(this.learned.waitMs(Date.now()), await this.sharedHoldMs(maxHoldMs)),
			);
			return { ahead, available, holdMs };
		} catch (error) {
			throw this.storeError('rate limiter failed', error);
		}
	}

	/**
	 * Adds the tokens of every refill interval that has passed since the last one, up to the
	 * bucket's capacity, and moves the next refill on by whole intervals: a timer that fires
	 * late (a busy event loop) delays tokens but never loses them, so the long-run rate is
	 * the plan's. Only this process uses the bucket, and nothing else adds to it.
	 */
	private async refillInProcess(): Promise<void> {
		const now = Date.now();
		// One refill at a time: it reads the reservoir, then adds, and must not add twice.
		if (now < this.nextRefillAt || this.refilling) return;
		this.refilling = true;
		const intervals = Math.floor((now - this.nextRefillAt) / this.plan.increaseIntervalMs) + 1;
		this.nextRefillAt += intervals * this.plan.increaseIntervalMs;
		try {
			const current = (await this.bottleneck.currentReservoir()) ?? 0;
			const add = Math.min(intervals * this.plan.increaseAmount, this.plan.capacity - current);
			if (add > 0) await this.bottleneck.incrementReservoir(add);
		} catch (error) {
			this.lastError = error;
		} finally {
			this.refilling = false;
		}
	}

	/** Limiters with requests waiting are not swept. */
	busy(): boolean {
		return this.pending > 0;
	}

	/** Stops the bucket and lets go of the shared connection (the cache closes it when idle). */
	async close(): Promise<void> {
		if (this.refillTimer) clearInterval(this.refillTimer);
		try {
			await this.bottleneck.stop({ dropWaitingJobs: true });
		} catch {
			// Already stopped.
		}
		if (this.link && this.connectionKey !== undefined) {
			this.link.listeners.delete(this.linkListener);
			releasePooled('limiter-connection', this.connectionKey, this.link);
		}
	}

	private storeError(what: string, error: unknown): StoreError | Error {
		if (!this.redis) return error instanceof Error ? error : new Error(String(error));
		return new StoreError('redis', this.location, `${what}: ${describeCause(error)}`, error);
	}
}
