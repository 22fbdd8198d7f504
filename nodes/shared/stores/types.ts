import type { JsonObject, JsonValue } from '../core/json';
import type { StackRequest } from '../core/ratelimit/stack';
import type { StackResult } from './limiterStack';

/**
 * The Store port: the only state API the nodes see. Three primitives cover every node:
 *
 * - **Records**: versioned key/value records with an optional TTL, read in a batch and
 *   written with compare-and-set. Claims (Idempotent Write), breaker state, caches and
 *   "alert once" markers are all records; their protocols are pure functions in
 *   `core/` that decide on what `read` returned, then `write` with `ifVersion` so a
 *   racing writer loses instead of overwriting.
 * - **Counters**: integer counters with a TTL, incremented and read in one atomic step
 *   (windowed budgets, usage, failure counts). Integers only: money is counted in
 *   micro-units so no float drift accumulates.
 * - **Queue**: durable entries with leasing (dead letters). Only the durable backends
 *   (SQLite, Postgres) have it.
 *
 * Every call takes a batch and costs one round trip to the backend. Time (`now`,
 * expiries, leases) is the store's clock, so workers with skewed clocks agree.
 *
 * Inputs, checked the same way by every backend (stores/validate.ts): namespaces,
 * keys, queue ids, categories and owners are non-empty, well-formed Unicode without
 * NUL; keys at most 1024 UTF-8 bytes (hash longer ones), namespaces and queue names at
 * most 256. Values are JSON: plain objects, arrays, strings, finite numbers, booleans,
 * null (object properties that are `undefined` are left out, as JSON.stringify does).
 * Breaking these rules is a TypeError before any round trip, and nothing of the batch
 * is applied; a StoreError always means the backend failed.
 */
export type StoreBackend = 'sqlite' | 'redis' | 'postgres';

export interface StoreRecord {
	key: string;
	value: JsonValue;
	/**
	 * Positive; every write gives the record a greater version, and a key never gets a
	 * version it had before, even after it expired or was deleted, so a compare-and-set
	 * with an old version cannot land on a new record. Versions are not consecutive:
	 * they come from a sequence shared by the store (Redis: by the namespace, and never
	 * below the store clock in microseconds).
	 */
	version: number;
	/** Epoch milliseconds on the store's clock, or null when the record never expires. */
	expiresAt: number | null;
}

export interface ReadResult {
	/** The store's clock at the time of the read, epoch milliseconds. */
	now: number;
	/** Present, unexpired records by key. Absent keys are missing from the map. */
	records: Map<string, StoreRecord>;
}

export interface RecordWrite {
	key: string;
	value: JsonValue;
	/**
	 * Condition for the write: `0` writes only if the key is absent (or expired), `n`
	 * only if the current version is `n`; omitted writes unconditionally.
	 */
	ifVersion?: number;
	/** Time to live from now on the store's clock; omitted or null keeps the record forever. */
	ttlMs?: number | null;
}

export interface WriteResult {
	key: string;
	/** False when `ifVersion` did not match: another writer got there first. */
	applied: boolean;
	/** The record's version after the call (the existing version when not applied; 0 if absent or expired). */
	version: number;
}

/**
 * A record to create where its key is absent (or expired): the first claim of a key.
 * `value` is a JSON object; the batch's stamps are added to it by the store.
 */
export interface RecordInsert {
	key: string;
	value: JsonObject;
	/** Time to live from now on the store's clock; omitted or null keeps the record forever. */
	ttlMs?: number | null;
}

/**
 * Top-level fields the store adds to every inserted value: its clock at the write (epoch
 * ms) plus the offset, e.g. `{ createdAt: 0, leaseUntil: 300000 }`. The names must not
 * be in the values.
 */
export type RecordStamps = Record<string, number>;

export interface InsertResult {
	key: string;
	/** True when the key was absent or expired and the record was created. */
	applied: boolean;
	/** The new record's version when applied; else the version of the record found (0 when none could be read). */
	version: number;
	/**
	 * When applied: the store's clock its stamps were taken at, when that is not the
	 * batch's `now` (Redis runs a large batch as several scripts, each with its own clock).
	 */
	stampedAt?: number;
	/**
	 * When not applied: the live record that stood in the way, as `read` returns it.
	 * Missing when it went again before it could be read (read the key to know).
	 */
	record?: StoreRecord;
}

export interface InsertBatchResult {
	/** The store's clock at the write: the stamps of the records created are this plus their offset (unless `stampedAt` says otherwise). */
	now: number;
	/** One per insert, in the batch's order. */
	results: InsertResult[];
}

export interface RecordDelete {
	key: string;
	/** Delete only if the current version is this one. */
	ifVersion?: number;
}

export interface CounterIncrement {
	key: string;
	/**
	 * A safe integer; may be 0 (read) or negative. A result outside the safe integer
	 * range is a RangeError and nothing of the batch is applied. Note that 0 on an
	 * absent counter creates it at 0 (with `ttlMs`), like Redis INCRBY does.
	 */
	by: number;
	/** Applied when the counter is created (or recreated after it expired); an existing counter keeps its expiry. */
	ttlMs?: number | null;
}

export type QueueEntryStatus = 'pending' | 'leased' | 'done' | 'discarded';

export interface NewQueueEntry {
	/** Assigned by the caller (a UUIDv7), so a retried enqueue cannot create a second entry. */
	id: string;
	/** Free-form class used for filtering (e.g. a dead letter's failure class). */
	category?: string | null;
	data: JsonObject;
}

export interface QueueEntry {
	id: string;
	queue: string;
	/** An entry whose lease ran out is reported as pending (leaseUntil and leaseOwner null). */
	status: QueueEntryStatus;
	category: string | null;
	data: JsonObject;
	/** Times the entry was leased, less the leases settled with `countLease: false`. */
	attempts: number;
	enqueuedAt: number;
	updatedAt: number;
	/** While leased: when the lease ends and the entry returns to pending. */
	leaseUntil: number | null;
	leaseOwner: string | null;
	/**
	 * The store's random draw (0 ≤ u < 1) for the entry's next redelivery wait, drawn at
	 * enqueue and again at every lease (see LeaseDueRule). Absent from backends without it.
	 */
	jitter?: number;
}

/**
 * A redelivery rule the store evaluates while leasing (the pure policy is
 * core/deadletter/schedule.ts). With `lastTry` the time the last try ended (a lease that
 * ran out: its end; else the last update, the capture or the failure that sent the
 * entry back), an open entry of `category` leased between minAttempts and maxAttempts
 * times is due when `lastTry + waitMs + jitterMs × jitter ≤ now`; when
 * `retryAfterFactor` is set and the entry's data holds a numeric
 * `error.retryAfterSeconds`, when `lastTry + min(retryAfter, maxRetryAfterMs) × (1 +
 * retryAfterFactor × jitter) ≤ now` instead. With `releasedAt`, only if `lastTry ≤ releasedAt`.
 */
export interface LeaseDueRule {
	category: string;
	minAttempts: number;
	maxAttempts: number;
	waitMs: number;
	jitterMs: number;
	retryAfterFactor: number | null;
	maxRetryAfterMs: number;
	releasedAt: number | null;
}

export interface LeaseRequest {
	limit: number;
	leaseMs: number;
	owner: string;
	ids?: string[];
	categories?: string[];
	/** Only entries enqueued before this time (epoch ms). */
	enqueuedBefore?: number;
	/**
	 * Only entries due for redelivery: matching one of the rules, or enqueued before
	 * `parkBefore` (to be parked as too old). Oldest first all the same.
	 */
	due?: { rules: LeaseDueRule[]; parkBefore: number | null };
}

/** Bounds of a purge: which settled statuses, and how many entries at most (the oldest settled first). */
export interface PurgeOptions {
	statuses?: Array<'done' | 'discarded'>;
	limit?: number;
}

export interface QueueSettlement {
	id: string;
	/**
	 * Settle only while this owner still holds an unexpired lease; omit to settle any
	 * open (pending or leased) entry regardless of who holds it. A done or discarded
	 * entry is never settled again.
	 */
	owner?: string;
	/** done: resolved; pending: back to the queue; discarded: given up on, kept for audit. */
	status: 'done' | 'pending' | 'discarded';
	/** Shallowly merged into the entry's data, its keys winning (e.g. the last replay error). */
	dataPatch?: JsonObject;
	/** The entry's category from now on (e.g. the class of the failure that sent it back); omit to keep it. */
	category?: string;
	/**
	 * false: the lease being settled delivered nothing (held for input, say), so it is
	 * taken back from `attempts` and the entry's next due rule is the one before it.
	 * Needs `owner`. Default true.
	 */
	countLease?: boolean;
}

export interface QueueStats {
	pending: number;
	leased: number;
	done: number;
	discarded: number;
	/** enqueuedAt of the oldest entry that is pending or leased, or null. */
	oldestOpenAt: number | null;
	/** The store's clock when the stats were taken. */
	now: number;
}

export interface QueueListOptions {
	statuses?: QueueEntryStatus[];
	ids?: string[];
	categories?: string[];
	limit: number;
}

export interface RecordQueue {
	/** Adds entries; an id that already exists is left as it is (idempotent enqueue). Returns the ids newly added. */
	enqueue(queue: string, entries: NewQueueEntry[]): Promise<string[]>;
	/** Atomically leases up to `limit` pending entries (or leased ones whose lease expired), oldest first. */
	lease(queue: string, request: LeaseRequest): Promise<QueueEntry[]>;
	/** Settles leased entries; returns per settlement whether it applied. */
	settle(queue: string, settlements: QueueSettlement[]): Promise<boolean[]>;
	stats(queue: string): Promise<QueueStats>;
	list(queue: string, options: QueueListOptions): Promise<QueueEntry[]>;
	/**
	 * Deletes done and discarded entries settled before `before` (epoch ms). Returns the
	 * count. With options: only those statuses, and at most `limit` entries, oldest settled first.
	 */
	purge(queue: string, before: number, options?: PurgeOptions): Promise<number>;
}

export interface Store {
	readonly backend: StoreBackend;
	/** Human-readable location for errors and logs, never containing a secret: "Redis at 10.0.0.5:6379 (db 0)". */
	readonly location: string;
	/** Present on durable backends only (SQLite, Postgres). */
	readonly queue?: RecordQueue;

	read(namespace: string, keys: string[]): Promise<ReadResult>;
	/** Applied in order, each atomic; the batch costs one round trip. */
	write(namespace: string, writes: RecordWrite[]): Promise<WriteResult[]>;
	/**
	 * Optional: creates each record whose key is absent or expired, and returns the live
	 * record of each other key, in one round trip; keys sorted in the store (B-tree
	 * locality, and two batches lock rows in the same order). Each insert is atomic
	 * against every other write (a racing insert or compare-and-set on the key loses), so
	 * a batch of first claims needs no read before it. Keys must be distinct.
	 */
	insert?(
		namespace: string,
		inserts: RecordInsert[],
		stamps: RecordStamps,
	): Promise<InsertBatchResult>;
	/** Returns per delete whether a record was removed. */
	delete(namespace: string, deletes: RecordDelete[]): Promise<boolean[]>;
	/** Applied in order; returns each counter's value right after its increment. */
	increment(namespace: string, increments: CounterIncrement[]): Promise<number[]>;
	/**
	 * Read-only enumeration for status pages (Guards Status): the entries whose namespace
	 * (or queue name) starts with `namespacePrefix` ('' for all), one bounded page per
	 * call. SQLite and Postgres page by (namespace, key) in byte order; Redis walks SCAN
	 * with a MATCH on the key prefix (never KEYS), may return an entry twice across pages,
	 * and has no queues (an empty page). Entries written or expiring during a scan may or
	 * may not be seen.
	 */
	scan?(namespacePrefix: string, options: ScanOptions): Promise<ScanPage>;

	/**
	 * Stacked limits (core/ratelimit/stack.ts) on the record `key`: gives back the leases in
	 * `release`, then grants the longest prefix of the units that fits every limit (rate,
	 * window cap, in flight), all in one atomic step on the store's clock. The state is an
	 * ordinary record (readable with `read`); it lives as long as its window or leases.
	 */
	stack?(namespace: string, key: string, request: StackRequest): Promise<StackResult>;

	/** Round trip to the backend; throws a StoreError when it cannot be reached. */
	ping(): Promise<void>;
	/**
	 * For a credential's Test button, after ping: settings that work, but not as the user
	 * thinks (a password the server never checks). One sentence each; none is fine.
	 */
	checkSettings?(): Promise<string[]>;
	close(): Promise<void>;
}

export type StoreConfig = SqliteStoreConfig | RedisStoreConfig | PostgresStoreConfig;

export interface SqliteStoreConfig {
	backend: 'sqlite';
	/** Path of the database file. */
	file: string;
	/**
	 * How long a call waits in all for another process's lock, ms (default 5000). The
	 * wait never blocks the event loop: the call retries after async pauses.
	 */
	busyTimeoutMs?: number;
}

export interface RedisStoreConfig {
	backend: 'redis';
	host: string;
	port: number;
	username?: string;
	password?: string;
	db: number;
	tls: boolean;
	/** Verify the server certificate when TLS is on (default true). */
	tlsRejectUnauthorized?: boolean;
	/** PEM of the CA that signed the server certificate, when it is not a public CA. */
	tlsCa?: string;
	/** Prepended to every key (default "n8n-guards:"). */
	keyPrefix: string;
	/** Connect and command timeout, ms (default 5000). */
	timeoutMs?: number;
}

export type PostgresSslMode = 'disable' | 'allow' | 'require' | 'verify-full';

export interface PostgresStoreConfig {
	backend: 'postgres';
	host: string;
	port: number;
	database: string;
	user: string;
	password?: string;
	ssl: PostgresSslMode;
	/** PEM of the CA that signed the server certificate (verify-full against a private CA, e.g. AWS RDS). */
	sslCa?: string;
	/** Schema holding the tables (default "public"); created if missing. */
	schema: string;
	/** Prepended to every table and function name (default "n8n_guards_"). */
	tablePrefix: string;
	/** Pool size (default 5). */
	maxConnections?: number;
	/** Connect and statement timeout, ms (default 5000). */
	timeoutMs?: number;
}

/**
 * What every backend throws when it cannot do its job. The message names the backend,
 * the location and the cause, e.g. `Redis at 127.0.0.1:6390 (db 0): unreachable: connect ECONNREFUSED 127.0.0.1:6390`.
 */
export class StoreError extends Error {
	readonly backend: StoreBackend;
	readonly location: string;
	readonly causeCode?: string;

	constructor(backend: StoreBackend, location: string, message: string, cause?: unknown) {
		super(`${location}: ${message}`);
		this.name = 'StoreError';
		this.backend = backend;
		this.location = location;
		if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
		const code = (cause as { code?: unknown } | undefined)?.code;
		if (typeof code === 'string') this.causeCode = code;
	}
}

/**
 * What `Store.scan` enumerates: records, counters, the open entries of the queues (dead
 * letters) counted per queue and category, or (Redis only) Rate Limiter's shared buckets.
 */
export type ScanKind = 'records' | 'counters' | 'queues' | 'limiters';

export interface ScanOptions {
	kind: ScanKind;
	/**
	 * Most entries one page holds (1 to 10,000). SQLite and Postgres return at most this
	 * many; Redis passes it to SCAN as COUNT, a hint: a page may hold a few more or fewer.
	 */
	limit: number;
	/** Where to go on: the `cursor` of the previous page; omitted or null starts at the beginning. */
	cursor?: string | null;
}

/**
 * One entry of a scan. Records: the record's value and version. Counters: the counter's
 * value (a number), version null. Queues: `namespace` is the queue, `key` its category
 * ('' when none), `value` is `{ open, leased, oldestOpenAt }` over its pending and leased
 * entries, version and expiresAt null. Limiters (Redis): `namespace` is `ratelimit`, `key`
 * the limiter's id (`<URI-encoded limiter key>:<settings hash>`), `value` either
 * `{ settings: { capacity, increaseAmount, increaseIntervalMs, tokens } }` (the shared
 * bucket) or `{ holdUntil }` (a hold a vendor asked for), expiresAt the key's expiry.
 */
export interface ScannedEntry {
	namespace: string;
	key: string;
	value: JsonValue;
	version: number | null;
	expiresAt: number | null;
}

export interface ScanPage {
	/** The store's clock at the read, epoch milliseconds. */
	now: number;
	/** Live (unexpired) entries in namespaces starting with the prefix. */
	entries: ScannedEntry[];
	/** Pass to the next call; null when the scan is complete. */
	cursor: string | null;
}
