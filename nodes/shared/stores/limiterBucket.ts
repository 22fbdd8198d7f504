/**
 * One token bucket, in this process (TokenBucket) or on Redis (bottleneck): the waiting
 * requests served in order, and the holds a vendor asked for, shared with the other
 * workers through Redis.
 */
import Bottleneck from 'bottleneck';
import type Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

import { stableHash } from '../core/hash';
import { TokenBucket } from '../core/ratelimit/bucket';
import type { LimiterPlan } from '../core/ratelimit/rate';
import type { RateLimitHeaders } from '../core/ratelimit/headers';
import {
	DEFAULT_MAX_HOLD_MS,
	LearnedLimit,
	LIMITER_RECORD_TTL_MS,
	LimiterRecordSchedule,
	mergeLimiterRecord,
	type ConfiguredLimit,
	type LearnedHold,
	type LimiterRecord,
	type LimiterView,
} from '../core/ratelimit/learned';
import { DAY_MS, MINUTE_MS, SECOND_MS } from '../core/time';
import { describeCause, hostPort } from './common';
import { configKey, holdPooled, releasePooled, type Pooled } from './connections';
import { STORE_IDLE_MS } from './factory';
import type { AcquireOptions, HoldOptions, TokenLimiter } from './limiter';
import { LimiterConnection, REDIS_TIMEOUT_MS } from './limiterConnection';
import { WaitingRequests, type TokenRequest } from './limiterQueue';
import { cancelled, HoldPastMaxWait, isCancelled, pause } from './limiterWait';
import { StoreError, type RedisStoreConfig, type Store } from './types';
import { updateRecords } from './update';

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

/** Which n8n process wrote a limiter's record: an id it draws when it loads the package, nothing secret. */
const THIS_PROCESS = `n8n process ${randomBytes(4).toString('hex')}`;

/**
 * Where a limiter records its configured and learned limits for Guards Status: the store
 * the node's Store parameter names (Embedded: the SQLite file; Redis: the Redis store),
 * opened on the first write.
 */
export interface LimiterRecordTarget {
	store: () => Promise<Store>;
	configured: ConfiguredLimit;
}

/**
 * The namespace and key of a limiter's record: the limiter's scope namespace
 * (`ratelimit:<scope>`, or `ratelimit` for a version 1 name) and its id; an id too long
 * for a key is hashed (the record holds it).
 */
export function limiterRecordPlace(
	limiterKey: string,
	id: string,
): { namespace: string; key: string } {
	let namespace = 'ratelimit';
	if (limiterKey.startsWith(' ')) {
		try {
			const parsed: unknown = JSON.parse(limiterKey);
			if (Array.isArray(parsed) && typeof parsed[0] === 'string') namespace = parsed[0];
		} catch {
			// Not a key Rate Limiter made: instance-wide.
		}
	}
	const key = Buffer.byteLength(id, 'utf8') <= 900 ? id : `#${stableHash(id)}`;
	return { namespace, key };
}

/** Every limiter this process holds, for a read-only look (Guards Status): added when made, dropped when stopped. */
const held = new Set<Limiter>();

/** What each limiter of this process holds at `now` (read only). */
export function heldLimiterViews(now: number): LimiterView[] {
	return [...held].map((limiter) => limiter.view(now));
}

export class Limiter implements TokenLimiter, Pooled {
	readonly location: string;
	readonly learned = new LearnedLimit();
	lastUsed = Date.now();
	/** Tokens asked for in this process and not yet granted. */
	pending = 0;
	/** On Redis: the bucket, shared by the workers. */
	private readonly bottleneck: Bottleneck | undefined;
	/** In process: the bucket. */
	private readonly local: TokenBucket | undefined;
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
			if (this.waiters.size > 0)
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
	private readonly waiters = new WaitingRequests();
	private pumping = false;
	/** In process: the pump's wait for the next refill, cut short when the limiter stops. */
	private sleep: AbortController | undefined;
	/** Bumped when the waiting requests are failed at once: a pump of an earlier generation stops. */
	private generation = 0;
	/** Where this limiter's record goes (set by the node that opened it), and when. */
	private recordTarget: LimiterRecordTarget | undefined;
	private recordStore: Store | undefined;
	private readonly recordSchedule = new LimiterRecordSchedule();
	private recording: Promise<void> | undefined;

	constructor(
		readonly name: string,
		readonly plan: LimiterPlan,
		private readonly redis?: RedisStoreConfig,
	) {
		this.holdKey = `${settingsId(name, plan)}:hold`;
		held.add(this);
		if (!redis) {
			this.location = 'in this n8n process';
			this.local = new TokenBucket(plan, Date.now());
			return;
		}
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
		// The refill keeps its phase (the script adds every interval that passed), so the rate
		// stays exact; each heartbeat is a script call per worker.
		this.bottleneck = new Bottleneck({
			id: settingsId(name, plan),
			maxConcurrent: null,
			minTime: 0,
			reservoir: plan.capacity,
			reservoirIncreaseAmount: plan.increaseAmount,
			reservoirIncreaseInterval: plan.increaseIntervalMs,
			reservoirIncreaseMaximum: plan.capacity,
			heartbeatInterval: heartbeatFor(plan, true),
			datastore: 'ioredis',
			connection: this.connection,
			clearDatastore: false,
			timeout: REDIS_KEY_TTL_MS,
		});
		this.bottleneck.on('error', (error: unknown) => {
			this.lastError = error;
		});
	}

	async ready(): Promise<void> {
		if (!this.bottleneck) return;
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
			await Promise.race([this.bottleneck!.ready(), timeout]);
		} catch (error) {
			throw this.storeError('unreachable', this.lastError ?? error);
		}
	}

	async acquire(tokens: number, signal?: AbortSignal, options: AcquireOptions = {}): Promise<void> {
		const [result] = await this.acquireEach([tokens], signal, options);
		if (result instanceof HoldPastMaxWait) throw result;
	}

	async acquireEach(
		tokens: readonly number[],
		signal?: AbortSignal,
		options: AcquireOptions = {},
	): Promise<Array<number | HoldPastMaxWait>> {
		const maxHoldMs = options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS;
		this.lastUsed = Date.now();
		let total = 0;
		for (const each of tokens) total += each;
		this.pending += total;
		const results = new Array<number | HoldPastMaxWait>(tokens.length);
		// The chunks granted, each past its hold in turn (one check per chunk, not per item).
		let holds: Promise<void> = Promise.resolve();
		let holdFailure: unknown;
		// Until this call returns, each chunk gives its tokens back to `pending` as its hold ends.
		let open = true;
		try {
			await this.ready();
			if (tokens.length === 0) return results;
			await new Promise<void>((resolve, reject) => {
				if (signal?.aborted) return reject(cancelled());
				const request: TokenRequest = {
					tokens,
					next: 0,
					signal,
					granted: (from, to, granted) => {
						holds = holds
							.then(async () => {
								await this.pastHolds(results, from, to, maxHoldMs, signal, options.deadlineAt);
							})
							.catch((error: unknown) => {
								holdFailure ??= error;
							})
							.finally(() => {
								if (!open) return;
								this.pending -= granted;
								total -= granted;
							});
						if (to === tokens.length) resolve();
					},
					fail: reject,
				};
				this.waiters.add(request);
				void this.pump();
			});
			await holds;
			if (holdFailure !== undefined) throw holdFailure;
		} catch (error) {
			throw error instanceof StoreError || isCancelled(error)
				? error
				: this.storeError('rate limiter failed', error);
		} finally {
			// What was never granted, or is still in a hold when the call failed.
			open = false;
			this.pending -= total;
		}
		this.lastUsed = Date.now();
		return results;
	}

	/**
	 * Waits out a hold the vendor asked of us (or of another worker) for the units [from, to)
	 * just granted: nothing left until its reset, or Retry-After; at most maxHoldMs, and never
	 * past the caller's Max Wait (those units get HoldPastMaxWait). Then records when each
	 * was released.
	 */
	private async pastHolds(
		results: Array<number | HoldPastMaxWait>,
		from: number,
		to: number,
		maxHoldMs: number,
		signal: AbortSignal | undefined,
		deadlineAt: number | undefined,
	): Promise<void> {
		const waitStart = Date.now();
		let wait = Math.min(
			maxHoldMs,
			Math.max(this.learned.waitMs(waitStart), await this.sharedHoldMs(maxHoldMs)),
		);
		while (wait > 0) {
			if (deadlineAt !== undefined && Date.now() + wait > deadlineAt) {
				results.fill(new HoldPastMaxWait(wait), from, to);
				return;
			}
			await pause(Math.min(wait, SECOND_MS), signal);
			wait = Math.min(maxHoldMs - (Date.now() - waitStart), this.learned.waitMs(Date.now()));
		}
		results.fill(Date.now(), from, to);
	}

	/**
	 * Takes tokens from the bucket for the waiting requests, in order: as many units (of
	 * one request or several) as one take allows, up to what one increase of the bucket
	 * adds, or what the bucket holds now when it holds more, handed out here. In process
	 * a take is synchronous. On Redis it is one bottleneck job, which costs a few
	 * milliseconds however many tokens it weighs: one job per unit would cap a limiter
	 * near 300 grants a second. The pacing is unchanged: a take of n tokens waits exactly
	 * as long as n takes of one.
	 */
	private async pump(): Promise<void> {
		if (this.pumping) return;
		this.pumping = true;
		const generation = this.generation;
		try {
			while (this.waiters.size > 0 && generation === this.generation) {
				if (this.local) {
					const now = Date.now();
					const take = this.waiters.tokensToTake(this.plan, this.local.available(now));
					const waitMs = take > 0 ? this.local.take(take, now) : 0;
					// Cancelled meanwhile, the units are dropped from the queue: the take is reckoned again.
					if (waitMs > 0) {
						this.sleep = new AbortController();
						await delay(waitMs, undefined, { signal: this.sleep.signal }).catch(() => undefined);
					} else this.waiters.handOut(take, this.plan.capacity);
					continue;
				}
				const bottleneck = this.bottleneck!;
				let available = 0;
				try {
					if (this.plan.capacity > this.plan.increaseAmount)
						available = (await bottleneck.currentReservoir()) ?? 0;
					if (generation !== this.generation || this.waiters.size === 0) return;
					const take = this.waiters.tokensToTake(this.plan, available);
					if (take > 0) await bottleneck.schedule({ weight: take }, async () => undefined);
					// The connection was lost meanwhile: these waiters were failed already.
					if (generation !== this.generation) return;
					this.waiters.handOut(take, this.plan.capacity);
				} catch (error) {
					if (generation === this.generation) this.failWaiters(error);
					return;
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
		this.waiters.failAll(error);
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
		if (this.client && until > before && until > now) {
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
		}
		// After the hold is shared: what was learned, for Guards Status.
		await this.recordIfDue(now);
		return hold;
	}

	/**
	 * Sets where this limiter records its configured and learned limits, and writes the
	 * record when it is due (see LimiterRecordSchedule). Best effort: a store that fails
	 * leaves the limiter working, and the write is tried again later.
	 */
	async recordIn(target: LimiterRecordTarget, now = Date.now()): Promise<void> {
		this.recordTarget = target;
		await this.recordIfDue(now);
	}

	private async recordIfDue(now: number): Promise<void> {
		if (!this.recordTarget) return;
		// One write at a time; what is due is decided after the one in flight.
		while (this.recording) await this.recording;
		const facts = LimiterRecordSchedule.facts(this.recordTarget.configured, this.learned.observed);
		// A change inside the gap waits for the limiter's next use after it.
		if (this.recordSchedule.dueIn(facts, now) !== 0) return;
		this.recording = this.writeRecord(facts, now).finally(() => {
			this.recording = undefined;
		});
		await this.recording;
	}

	private async writeRecord(facts: string, now: number): Promise<void> {
		const target = this.recordTarget!;
		this.recordSchedule.began(facts, now);
		const id = this.view(now).id;
		const record: LimiterRecord = {
			id,
			backend: this.redis ? 'redis' : 'embedded',
			plan: {
				increaseAmount: this.plan.increaseAmount,
				increaseIntervalMs: this.plan.increaseIntervalMs,
				capacity: this.plan.capacity,
			},
			configured: target.configured,
			learned: this.learned.observed && { ...this.learned.observed, by: THIS_PROCESS },
			updatedAt: new Date(now).toISOString(),
			by: THIS_PROCESS,
		};
		const { namespace, key } = limiterRecordPlace(this.name, id);
		try {
			this.recordStore ??= await target.store();
			await updateRecords(this.recordStore, namespace, [key], (current) => ({
				outcome: undefined,
				write: {
					value: mergeLimiterRecord(current?.value, record),
					ttlMs: LIMITER_RECORD_TTL_MS,
				},
			}));
		} catch {
			// Best effort: the page shows an older record; tried again after the gap.
			this.recordStore = undefined;
			this.recordSchedule.failed();
		}
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
			const available = this.local
				? this.local.available(Date.now())
				: ((await this.bottleneck!.currentReservoir()) ?? this.plan.capacity);
			let ahead = this.pending;
			if (this.bottleneck) {
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

	/** Requests queued, and cancel signals listened to: nothing is left once they are served. */
	get waiting(): { requests: number; signals: number } {
		return { requests: this.waiters.size, signals: this.waiters.signals };
	}

	/** Limiters with requests waiting are not swept. */
	busy(): boolean {
		return this.pending > 0;
	}

	/** What this limiter holds at `now`, read only: nothing is taken or waited for. */
	view(now: number): LimiterView {
		const { increaseAmount, increaseIntervalMs, capacity } = this.plan;
		return {
			id: settingsId(this.name, this.plan).slice('ratelimit:'.length),
			location: this.location,
			shared: this.bottleneck !== undefined,
			plan: { increaseAmount, increaseIntervalMs, capacity },
			// The bucket refills on a fixed grid whenever it is asked: looking changes nothing.
			tokens: this.local ? this.local.available(now) : null,
			learned: this.learned.observed,
			holdUntil: this.learned.holdUntil > now ? this.learned.holdUntil : null,
		};
	}

	/** Stops the bucket and lets go of the shared connection (the cache closes it when idle). */
	async close(): Promise<void> {
		held.delete(this);
		await this.recording;
		if (this.local) {
			if (this.waiters.size > 0) this.failWaiters(new Error('This limiter has been stopped.'));
			this.sleep?.abort();
		}
		try {
			await this.bottleneck?.stop({ dropWaitingJobs: true });
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

/** Sets where a limiter records its configured and learned limits (Guards Status); see Limiter.recordIn. */
export async function recordLimiterIn(
	limiter: TokenLimiter,
	target: LimiterRecordTarget,
): Promise<void> {
	if (limiter instanceof Limiter) await limiter.recordIn(target);
}
