import { createHmac, randomBytes } from 'node:crypto';

import { stableHash } from '../core/hash';
import { PostgresStore } from './postgres';
import { RedisStore } from './redis';
import { SqliteStore } from './sqlite';
import type {
	CounterIncrement,
	LeaseRequest,
	NewQueueEntry,
	QueueListOptions,
	QueueSettlement,
	RecordDelete,
	RecordQueue,
	RecordWrite,
	Store,
	StoreBackend,
	StoreConfig,
} from './types';

/** A store nobody used for this long is closed; the next call opens it again. */
export const STORE_IDLE_MS = 5 * 60_000;
const SWEEP_EVERY_MS = 60_000;

interface Entry {
	config: StoreConfig;
	store: Store | undefined;
	lastUsed: number;
	inFlight: number;
}

/**
 * Open stores by config hash. The hash, not the config, is the key, so no password
 * sits in a key; the config itself stays in memory to reopen an evicted store.
 */
const entries = new Map<string, Entry>();
const handles = new Map<string, CachedStore>();
let sweepTimer: NodeJS.Timeout | undefined;

export interface OpenStoreOptions {
	/**
	 * false: a fresh store of its own, not shared and never evicted; the caller must
	 * close it. For credential tests, which must prove these exact settings work now.
	 */
	cache?: boolean;
}

/**
 * The store for a config: one per distinct config in this process, shared by every
 * node and execution. Callers never release it; a store idle for STORE_IDLE_MS is
 * closed and transparently reopened on its next use.
 */
export function openStore(config: StoreConfig, options: OpenStoreOptions = {}): Store {
	const backend = (config as { backend?: unknown } | null)?.backend;
	if (backend !== 'sqlite' && backend !== 'redis' && backend !== 'postgres') {
		throw new TypeError(
			`Store config: backend must be sqlite, redis or postgres, got ${JSON.stringify(backend)}`,
		);
	}
	if (options.cache === false) return createStore({ ...config } as StoreConfig);
	const hash = cacheKey(config);
	let handle = handles.get(hash);
	if (!handle) {
		// A copy, so a caller changing its object later cannot change an open store.
		const own = { ...config } as StoreConfig;
		// Built up front, so a bad config fails here rather than on first use.
		const entry = entryFor(hash, own);
		handle = new CachedStore(hash, own, entry.store as Store);
		handles.set(hash, handle);
	}
	return handle;
}

/** Closes every open store (tests, process exit). Handles stay usable and reopen on demand. */
export async function closeAllStores(): Promise<void> {
	const open = [...entries.values()];
	entries.clear();
	handles.clear();
	stopSweeping();
	await Promise.allSettled(open.map((entry) => entry.store?.close()));
}

/** Closes stores idle for at least `idleMs` and not in use; returns how many. Run by a timer. */
export async function evictIdleStores(now = Date.now(), idleMs = STORE_IDLE_MS): Promise<number> {
	const idle = [...entries.values()].filter(
		(entry) => entry.store && entry.inFlight === 0 && now - entry.lastUsed >= idleMs,
	);
	const closing = idle.map((entry) => {
		const store = entry.store as Store;
		entry.store = undefined;
		return store.close();
	});
	await Promise.allSettled(closing);
	return idle.length;
}

/**
 * Key of a config in the cache. Passwords go in as an HMAC under a key that lives only
 * in this process, so the cache key cannot be used to guess a password offline.
 */
const CACHE_KEY_SECRET = randomBytes(32);
function cacheKey(config: StoreConfig): string {
	if (config.backend === 'sqlite' || config.password === undefined) return stableHash(config);
	return stableHash({
		...config,
		password: createHmac('sha256', CACHE_KEY_SECRET).update(config.password).digest('hex'),
	});
}

function createStore(config: StoreConfig): Store {
	switch (config.backend) {
		case 'sqlite':
			return new SqliteStore(config);
		case 'redis':
			return new RedisStore(config);
		case 'postgres':
			return new PostgresStore(config);
	}
}

function entryFor(hash: string, config: StoreConfig): Entry {
	let entry = entries.get(hash);
	if (!entry) {
		// Created before it is cached, so an invalid config leaves nothing behind.
		entry = { config, store: createStore(config), lastUsed: Date.now(), inFlight: 0 };
		entries.set(hash, entry);
	}
	entry.store ??= createStore(entry.config);
	startSweeping();
	return entry;
}

function startSweeping(): void {
	if (sweepTimer) return;
	sweepTimer = setInterval(() => {
		void evictIdleStores().then(() => {
			if (![...entries.values()].some((entry) => entry.store)) stopSweeping();
		});
	}, SWEEP_EVERY_MS);
	// The sweep must never keep n8n (or a test run) alive.
	sweepTimer.unref();
}

function stopSweeping(): void {
	if (sweepTimer) clearInterval(sweepTimer);
	sweepTimer = undefined;
}

/** What openStore hands out: every call goes to the live store for its config, reopening it if it was evicted. */
class CachedStore implements Store {
	readonly backend: StoreBackend;
	readonly location: string;
	readonly queue?: RecordQueue;

	constructor(
		private readonly hash: string,
		private readonly config: StoreConfig,
		first: Store,
	) {
		this.backend = first.backend;
		this.location = first.location;
		if (first.queue) this.queue = new CachedQueue(this);
	}

	read(namespace: string, keys: string[]) {
		return this.use((store) => store.read(namespace, keys));
	}

	write(namespace: string, writes: RecordWrite[]) {
		return this.use((store) => store.write(namespace, writes));
	}

	delete(namespace: string, deletes: RecordDelete[]) {
		return this.use((store) => store.delete(namespace, deletes));
	}

	increment(namespace: string, increments: CounterIncrement[]) {
		return this.use((store) => store.increment(namespace, increments));
	}

	ping() {
		return this.use((store) => store.ping());
	}

	/** Closes the underlying store now; the next call opens it again. */
	async close(): Promise<void> {
		const entry = entries.get(this.hash);
		const store = entry?.store;
		if (!entry || !store) return;
		entry.store = undefined;
		await store.close();
	}

	async use<T>(call: (store: Store) => Promise<T>): Promise<T> {
		const entry = entryFor(this.hash, this.config);
		entry.inFlight++;
		entry.lastUsed = Date.now();
		try {
			return await call(entry.store as Store);
		} finally {
			entry.inFlight--;
			entry.lastUsed = Date.now();
		}
	}
}

class CachedQueue implements RecordQueue {
	constructor(private readonly owner: CachedStore) {}

	enqueue(queue: string, entries: NewQueueEntry[]) {
		return this.owner.use((store) => durable(store).enqueue(queue, entries));
	}

	lease(queue: string, request: LeaseRequest) {
		return this.owner.use((store) => durable(store).lease(queue, request));
	}

	settle(queue: string, settlements: QueueSettlement[]) {
		return this.owner.use((store) => durable(store).settle(queue, settlements));
	}

	stats(queue: string) {
		return this.owner.use((store) => durable(store).stats(queue));
	}

	list(queue: string, options: QueueListOptions) {
		return this.owner.use((store) => durable(store).list(queue, options));
	}

	purge(queue: string, before: number) {
		return this.owner.use((store) => durable(store).purge(queue, before));
	}
}

function durable(store: Store): RecordQueue {
	return store.queue as RecordQueue;
}
