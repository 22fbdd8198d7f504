/**
 * The one cache of what the package keeps open per configuration, shared by every node
 * and execution in this process: stores (factory.ts), the rate limiters and their Redis
 * connections (limiter.ts). One key scheme (no password in a key), one idle sweeper, one
 * closeAll. Modelled on n8n's `utils/connection-pool-manager.ts`.
 */
import { createHmac, randomBytes } from 'node:crypto';

import { stableHash } from '../core/hash';
import { MINUTE_MS } from '../core/time';
import type { StoreConfig } from './types';

/** Something the cache may close when nobody used it for a while. */
export interface Pooled {
	close(): Promise<void>;
	/** Epoch ms of its last use, when it tracks that itself (a limiter's waits do). */
	readonly lastUsed?: number;
	/** True while it must stay open although no call runs through the cache (a limiter with requests waiting). */
	busy?(): boolean;
}

/** What the cache holds: stores, limiters, and the Redis connections limiters share. */
export type PoolKind = 'store' | 'limiter' | 'limiter-connection';

interface Entry {
	kind: PoolKind;
	value: Pooled;
	idleMs: number;
	lastUsed: number;
	/** Calls running through `use`, plus holders (`hold`): never closed while above 0. */
	users: number;
}

const SWEEP_EVERY_MS = MINUTE_MS;
const entries = new Map<string, Entry>();
let sweepTimer: NodeJS.Timeout | undefined;

/**
 * Key of a config in the cache. Passwords go in as an HMAC under a key that lives only
 * in this process, so a cache key cannot be used to guess a password offline.
 */
const KEY_SECRET = randomBytes(32);
export function configKey(config: StoreConfig): string {
	if (config.backend === 'sqlite' || config.password === undefined) return stableHash(config);
	return stableHash({
		...config,
		password: createHmac('sha256', KEY_SECRET).update(config.password).digest('hex'),
	});
}

function slot(kind: PoolKind, key: string): string {
	return `${kind}:${key}`;
}

/**
 * The open value for a key, created by `create` when there is none (first use, or closed
 * since). A `create` that throws leaves nothing behind.
 */
export function pooled<T extends Pooled>(
	kind: PoolKind,
	key: string,
	create: () => T,
	idleMs: number,
): T {
	const id = slot(kind, key);
	let entry = entries.get(id);
	if (!entry) {
		entry = { kind, value: create(), idleMs, lastUsed: Date.now(), users: 0 };
		entries.set(id, entry);
		startSweeping();
	}
	entry.lastUsed = Date.now();
	return entry.value as T;
}

/** Runs `call` on the open value, which is not closed by the sweeper meanwhile. */
export async function usePooled<T extends Pooled, R>(
	kind: PoolKind,
	key: string,
	create: () => T,
	idleMs: number,
	call: (value: T) => Promise<R>,
): Promise<R> {
	const value = pooled(kind, key, create, idleMs);
	const entry = entries.get(slot(kind, key)) as Entry;
	entry.users++;
	try {
		return await call(value);
	} finally {
		entry.users--;
		entry.lastUsed = Date.now();
	}
}

/** Keeps the open value from being swept until `release` (a limiter holding its connection). */
export function holdPooled<T extends Pooled>(
	kind: PoolKind,
	key: string,
	create: () => T,
	idleMs: number,
): T {
	const value = pooled(kind, key, create, idleMs);
	(entries.get(slot(kind, key)) as Entry).users++;
	return value;
}

export function releasePooled(kind: PoolKind, key: string, value: Pooled): void {
	const entry = entries.get(slot(kind, key));
	// Closed meanwhile (closeAll), or reopened: this holder's value is gone already.
	if (!entry || entry.value !== value) return;
	entry.users = Math.max(0, entry.users - 1);
	entry.lastUsed = Date.now();
}

/** Closes one value now, if it is still the open one for its key; the next use opens it again. */
export async function closePooled(kind: PoolKind, key: string): Promise<void> {
	const id = slot(kind, key);
	const entry = entries.get(id);
	if (!entry) return;
	entries.delete(id);
	await entry.value.close();
}

/**
 * Closes everything of the given kinds (all when none is given), in that order: a
 * limiter stops before the connection it shares. Handed-out handles reopen on demand.
 */
export async function closeAllPooled(...kinds: PoolKind[]): Promise<void> {
	const order: PoolKind[] = kinds.length > 0 ? kinds : ['store', 'limiter', 'limiter-connection'];
	for (const kind of order) {
		const closing = takeWhere((entry) => entry.kind === kind);
		await Promise.allSettled(closing.map((entry) => entry.value.close()));
	}
	if (entries.size === 0) stopSweeping();
}

/**
 * Closes the values of `kinds` idle for at least their idle time (or `idleMs`) and not in
 * use; returns how many. Run every minute by the sweeper.
 */
export async function evictIdlePooled(
	now = Date.now(),
	options: { idleMs?: number; kinds?: PoolKind[] } = {},
): Promise<number> {
	const idle = takeWhere(
		(entry) =>
			(options.kinds === undefined || options.kinds.includes(entry.kind)) &&
			entry.users === 0 &&
			!entry.value.busy?.() &&
			now - Math.max(entry.lastUsed, entry.value.lastUsed ?? 0) >= (options.idleMs ?? entry.idleMs),
	);
	await Promise.allSettled(idle.map((entry) => entry.value.close()));
	return idle.length;
}

function takeWhere(test: (entry: Entry) => boolean): Entry[] {
	const taken: Entry[] = [];
	for (const [id, entry] of entries) {
		if (!test(entry)) continue;
		entries.delete(id);
		taken.push(entry);
	}
	return taken;
}

function startSweeping(): void {
	if (sweepTimer) return;
	// Periodic, so a timer (n8n-workflow's sleep is one-shot).
	sweepTimer = setInterval(() => {
		void evictIdlePooled().then(() => {
			if (entries.size === 0) stopSweeping();
		});
	}, SWEEP_EVERY_MS);
	// The sweep must never keep n8n (or a test run) alive.
	sweepTimer.unref();
}

function stopSweeping(): void {
	if (sweepTimer) clearInterval(sweepTimer);
	sweepTimer = undefined;
}
