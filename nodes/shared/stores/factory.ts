import { MINUTE_MS } from '../core/time';
import type { StackRequest } from '../core/ratelimit/stack';
import { createStore, isStoreBackend } from './backends';
import {
	closeAllPooled,
	closePooled,
	configKey,
	evictIdlePooled,
	pooled,
	usePooled,
} from './connections';
import type {
	CounterIncrement,
	LeaseRequest,
	NewQueueEntry,
	PurgeOptions,
	QueueListOptions,
	QueueSettlement,
	RecordDelete,
	RecordQueue,
	RecordInsert,
	RecordStamps,
	RecordWrite,
	ScanOptions,
	Store,
	StoreBackend,
	StoreConfig,
} from './types';

/** A store nobody used for this long is closed; the next call opens it again. */
export const STORE_IDLE_MS = 5 * MINUTE_MS;

/** The handles handed out, by config key: cheap wrappers; the open stores live in the connection cache. */
const handles = new Map<string, CachedStore>();

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
	if (!isStoreBackend(backend)) {
		throw new TypeError(
			`Store config: backend must be sqlite, redis or postgres, got ${JSON.stringify(backend)}`,
		);
	}
	if (options.cache === false) return createStore({ ...config } as StoreConfig);
	const key = configKey(config);
	let handle = handles.get(key);
	if (!handle) {
		// A copy, so a caller changing its object later cannot change an open store.
		const own = { ...config } as StoreConfig;
		// Opened up front, so a bad config fails here rather than on first use.
		handle = new CachedStore(
			key,
			own,
			pooled('store', key, () => createStore(own), STORE_IDLE_MS),
		);
		handles.set(key, handle);
	}
	return handle;
}

/** Closes every open store (tests, process exit). Handles stay usable and reopen on demand. */
export async function closeAllStores(): Promise<void> {
	handles.clear();
	await closeAllPooled('store');
}

/** Closes stores idle for at least `idleMs` and not in use; returns how many. Run by a timer. */
export async function evictIdleStores(now = Date.now(), idleMs = STORE_IDLE_MS): Promise<number> {
	return await evictIdlePooled(now, { idleMs, kinds: ['store'] });
}

/** What openStore hands out: every call goes to the live store for its config, reopening it if it was evicted. */
class CachedStore implements Store {
	readonly backend: StoreBackend;
	readonly location: string;
	readonly queue?: RecordQueue;

	constructor(
		private readonly key: string,
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

	insert(namespace: string, inserts: RecordInsert[], stamps: RecordStamps) {
		// Every backend has it; the port leaves it optional for stores written elsewhere.
		return this.use((store) => store.insert!(namespace, inserts, stamps));
	}

	delete(namespace: string, deletes: RecordDelete[]) {
		return this.use((store) => store.delete(namespace, deletes));
	}

	increment(namespace: string, increments: CounterIncrement[]) {
		return this.use((store) => store.increment(namespace, increments));
	}

	scan(namespacePrefix: string, options: ScanOptions) {
		// Every backend has it; the port leaves it optional for stores written elsewhere.
		return this.use((store) => store.scan!(namespacePrefix, options));
	}

	stack(namespace: string, key: string, request: StackRequest) {
		// Every backend has it; the port leaves it optional for stores written elsewhere.
		return this.use((store) => store.stack!(namespace, key, request));
	}

	ping() {
		return this.use((store) => store.ping());
	}

	/** Closes the underlying store now; the next call opens it again. */
	async close(): Promise<void> {
		await closePooled('store', this.key);
	}

	async use<T>(call: (store: Store) => Promise<T>): Promise<T> {
		return await usePooled('store', this.key, () => createStore(this.config), STORE_IDLE_MS, call);
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

	purge(queue: string, before: number, options?: PurgeOptions) {
		return this.owner.use((store) => durable(store).purge(queue, before, options));
	}
}

function durable(store: Store): RecordQueue {
	return store.queue as RecordQueue;
}
