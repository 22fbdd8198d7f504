/**
 * Stacked limits on one call: a rate (a token bucket), a cap per calendar window (day,
 * month) and a cap on calls in flight, granted together or not at all. The state of all
 * of them is one record, and a store applies `decideStack` to it in one atomic step
 * (SQLite: one immediate transaction; Postgres: one transaction holding the row's lock;
 * Redis: one Lua script, STACK_LUA in stores/limiterStack.ts, the same rules).
 *
 * - **rate**: the bucket of a limiter plan (core/ratelimit/rate.ts): `capacity` tokens at
 *   most, `increaseAmount` more every `increaseIntervalMs` on a fixed grid.
 * - **window**: at most `limit` tokens per calendar window, a fixed window (not a sliding
 *   one), so bursts are allowed within it. The caller names the window (`id`, e.g.
 *   2026-12-06 in the user's time zone, and when it ends); ids compare as text in time
 *   order, so a worker whose clock is behind at midnight counts into the newer window
 *   instead of resetting it.
 * - **inFlight**: at most `max` leases held at once. Each unit granted takes a lease
 *   (`leaseId` → expiry); a release, or the lease running out, gives the slot back, so a
 *   killed worker's slots return after `leaseMs`.
 *
 * Units are granted in order: the longest prefix that fits every limit, so a unit never
 * overtakes the one before it.
 */

/** A limit of the stack; at most one of each kind. */
export type StackLimit =
	| { kind: 'rate'; capacity: number; increaseAmount: number; increaseIntervalMs: number }
	| { kind: 'window'; limit: number; id: string; endsAt: number }
	| { kind: 'inFlight'; max: number; leaseMs: number };

export type StackLimitKind = StackLimit['kind'];

/** What the store keeps (compact keys: it is one record per limiter, rewritten on every call). */
export interface StackState {
	/** Rate: tokens in the bucket, and when the next increase lands (epoch ms). */
	r?: { t: number; n: number };
	/** Window: its id, the tokens used in it, when it ends (epoch ms). */
	w?: { id: string; u: number; e: number };
	/** In flight: lease id → expiry (epoch ms). */
	l?: Record<string, number>;
	/**
	 * Until when the record must live (epoch ms): a call that does not name every limit (a
	 * release) keeps the others' state, and never shortens its life.
	 */
	k?: number;
}

export interface StackUnit {
	tokens: number;
	/** Required when the stack has an inFlight limit. */
	leaseId?: string;
}

export interface StackRequest {
	limits: StackLimit[];
	/** To grant, in order (may be empty: a release or a look). */
	units: StackUnit[];
	/** Leases to give back before granting. */
	release?: string[];
}

export interface StackDecision {
	state: StackState;
	/** How many of the units were granted (a prefix). */
	granted: number;
	/** How many of `release` were held (and are now free). */
	released: number;
	/** Those ids. */
	releasedIds: string[];
	/** The limit(s) that stopped the first unit not granted; empty when all were granted. */
	blockedBy: StackLimitKind[];
	/**
	 * Ms until the first unit not granted could fit (the longest of the blocking limits);
	 * for inFlight, until the earliest lease runs out (a release may come sooner). Null
	 * when all were granted.
	 */
	retryAfterMs: number | null;
	/** After the call: tokens in the bucket, tokens used in the window, leases held. */
	usage: { tokens: number | null; windowUsed: number | null; inFlight: number | null };
	/** How long the record must live: until the bucket is full, the window ends, the last lease ends. */
	ttlMs: number;
}

/** The minimum life of the record, so a short stack's state is not lost between two calls. */
const MIN_TTL_MS = 60_000;

function limitOf<K extends StackLimitKind>(
	limits: StackLimit[],
	kind: K,
): Extract<StackLimit, { kind: K }> | undefined {
	return limits.find((limit) => limit.kind === kind) as
		| Extract<StackLimit, { kind: K }>
		| undefined;
}

/** Checks a request's shape: a TypeError for a caller's mistake, before any store work. */
export function assertStackRequest(request: StackRequest): void {
	const seen = new Set<string>();
	for (const limit of request.limits) {
		if (seen.has(limit.kind)) throw new TypeError(`stack has two ${limit.kind} limits`);
		seen.add(limit.kind);
		const numbers =
			limit.kind === 'rate'
				? [limit.capacity, limit.increaseAmount, limit.increaseIntervalMs]
				: limit.kind === 'window'
					? [limit.limit, limit.endsAt]
					: [limit.max, limit.leaseMs];
		if (!numbers.every((value) => Number.isFinite(value) && value > 0))
			throw new TypeError(`stack ${limit.kind} limit needs positive finite numbers`);
		if (limit.kind === 'window' && (typeof limit.id !== 'string' || limit.id === ''))
			throw new TypeError('stack window limit needs an id');
	}
	const inFlight = seen.has('inFlight');
	for (const unit of request.units) {
		if (!Number.isFinite(unit.tokens) || unit.tokens < 0)
			throw new TypeError('stack unit tokens must be a finite number, 0 or more');
		if (inFlight && (typeof unit.leaseId !== 'string' || unit.leaseId === ''))
			throw new TypeError('stack units need a leaseId under an inFlight limit');
	}
}

/**
 * The one rule every store applies: gives back `release`, refills the bucket, moves to
 * the current window, drops leases that ran out, then grants the longest prefix of
 * `units` that fits every limit. `state` is what the store held (null: nothing yet).
 */
export function decideStack(
	state: StackState | null,
	request: StackRequest,
	now: number,
): StackDecision {
	const rate = limitOf(request.limits, 'rate');
	const window = limitOf(request.limits, 'window');
	const inFlight = limitOf(request.limits, 'inFlight');

	// Leases: released ones and those that ran out are gone. Kept without an inFlight limit
	// too, so a node without one does not wipe another node's leases on the same name.
	const leases: Record<string, number> = {};
	for (const [id, expiresAt] of Object.entries(state?.l ?? {}))
		if (typeof expiresAt === 'number' && expiresAt > now) leases[id] = expiresAt;
	const releasedIds: string[] = [];
	for (const id of request.release ?? []) {
		if (Object.prototype.hasOwnProperty.call(leases, id)) {
			delete leases[id];
			releasedIds.push(id);
		}
	}
	let held = Object.keys(leases).length;

	// The bucket, refilled on its grid (as core/ratelimit/bucket.ts).
	let tokens = 0;
	let nextAt = 0;
	if (rate) {
		const stored = state?.r;
		if (stored && Number.isFinite(stored.t) && Number.isFinite(stored.n)) {
			tokens = Math.min(rate.capacity, stored.t);
			nextAt = stored.n;
			// A plan that changed to a slower grid: never more than one interval ahead.
			if (nextAt > now + rate.increaseIntervalMs) nextAt = now + rate.increaseIntervalMs;
			if (now >= nextAt) {
				const intervals = Math.floor((now - nextAt) / rate.increaseIntervalMs) + 1;
				nextAt += intervals * rate.increaseIntervalMs;
				tokens = Math.min(rate.capacity, tokens + intervals * rate.increaseAmount);
			}
		} else {
			tokens = rate.capacity;
			nextAt = now + rate.increaseIntervalMs;
		}
	}

	// The window: a newer id starts afresh; an older one (a clock behind) counts into the stored.
	let windowId = window?.id ?? '';
	let windowEnd = window?.endsAt ?? 0;
	let used = 0;
	const storedWindow = state?.w;
	if (storedWindow && typeof storedWindow.id === 'string' && storedWindow.e > now) {
		if (!window || storedWindow.id >= window.id) {
			windowId = storedWindow.id;
			windowEnd = storedWindow.e;
			used = storedWindow.u;
		}
	}

	let granted = 0;
	const blockedBy: StackLimitKind[] = [];
	let retryAfterMs: number | null = null;
	for (const unit of request.units) {
		if (window && used + unit.tokens > window.limit) {
			blockedBy.push('window');
			retryAfterMs = Math.max(retryAfterMs ?? 0, Math.max(1, windowEnd - now));
		}
		if (rate && tokens < unit.tokens) {
			blockedBy.push('rate');
			const refills = Math.ceil((unit.tokens - tokens) / rate.increaseAmount);
			const wait = nextAt + (refills - 1) * rate.increaseIntervalMs - now;
			retryAfterMs = Math.max(retryAfterMs ?? 0, Math.max(1, wait));
		}
		if (inFlight && held >= inFlight.max) {
			blockedBy.push('inFlight');
			const first = Math.min(...Object.values(leases));
			retryAfterMs = Math.max(retryAfterMs ?? 0, Math.max(1, first - now));
		}
		if (blockedBy.length > 0) break;
		used += window ? unit.tokens : 0;
		tokens -= rate ? unit.tokens : 0;
		if (inFlight) {
			leases[unit.leaseId as string] = now + inFlight.leaseMs;
			held++;
		}
		granted++;
	}

	const next: StackState = {};
	let ttlMs = MIN_TTL_MS;
	if (typeof state?.k === 'number') ttlMs = Math.max(ttlMs, state.k - now);
	if (rate) {
		next.r = { t: tokens, n: nextAt };
		const refills = Math.ceil((rate.capacity - tokens) / rate.increaseAmount);
		ttlMs = Math.max(ttlMs, nextAt - now + refills * rate.increaseIntervalMs);
	} else if (state?.r) next.r = state.r;
	if (windowId !== '') {
		next.w = { id: windowId, u: used, e: windowEnd };
		ttlMs = Math.max(ttlMs, windowEnd - now);
	}
	if (held > 0) {
		next.l = leases;
		ttlMs = Math.max(ttlMs, Math.max(...Object.values(leases)) - now);
	}
	ttlMs = Math.ceil(ttlMs);
	next.k = now + ttlMs;
	return {
		state: next,
		granted,
		released: releasedIds.length,
		releasedIds,
		blockedBy,
		retryAfterMs,
		usage: {
			tokens: rate ? tokens : null,
			windowUsed: window ? used : null,
			inFlight: inFlight || held > 0 ? held : null,
		},
		ttlMs,
	};
}
