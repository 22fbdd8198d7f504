import { SECOND_MS } from '../core/time';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { sleep } from 'n8n-workflow';
import type { JsonValue } from '../core/json';
import {
	byEnqueueOrder,
	describeCause,
	isCallerError,
	mergeJsonObjects,
	queueEntryFromRow,
	SWEEP_INTERVAL_MS,
	SWEEP_LIMIT,
	type QueueRow,
} from './common';
import {
	assertCounterInRange,
	assertNamespace,
	assertQueueName,
	assertTimestamp,
	normalizeDeletes,
	normalizeEntries,
	normalizeIncrements,
	normalizeKeys,
	normalizeLease,
	normalizeList,
	normalizeSettlements,
	normalizeWrites,
	optionalTimeout,
} from './validate';
import {
	StoreError,
	type CounterIncrement,
	type LeaseRequest,
	type NewQueueEntry,
	type QueueEntry,
	type QueueListOptions,
	type QueueSettlement,
	type QueueStats,
	type ReadResult,
	type RecordDelete,
	type RecordQueue,
	type RecordWrite,
	type SqliteStoreConfig,
	type Store,
	type StoreRecord,
	type WriteResult,
} from './types';

type SqliteModule = typeof import('node:sqlite');

let sqliteModule: SqliteModule | undefined;

/**
 * node:sqlite is loaded on first use, not at import, so the package still loads on
 * Node 20 (n8n 1.x) where only the Redis and Postgres stores work.
 */
function loadSqlite(location: string): SqliteModule {
	if (sqliteModule) return sqliteModule;
	try {
		// A lazy require, not an import: the package must still load where node:sqlite is missing.
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		sqliteModule = require('node:sqlite') as SqliteModule;
		return sqliteModule;
	} catch (error) {
		throw new StoreError(
			'sqlite',
			location,
			`embedded store needs Node.js >= 22.5 with node:sqlite (Node 22.5 to 22.12 also need the --experimental-sqlite flag); this process runs Node ${process.versions.node}. Upgrade Node or use a Redis or Postgres store credential`,
			error,
		);
	}
}

/** Every table is prefixed: the file may be shared with other software. */
const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
	{
		version: 1,
		name: 'records, counters and queue',
		sql: `
			CREATE TABLE IF NOT EXISTS guards_records (
				ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
				version INTEGER NOT NULL, expires_at INTEGER,
				PRIMARY KEY (ns, key)
			) WITHOUT ROWID;
			CREATE INDEX IF NOT EXISTS guards_records_expires_at ON guards_records (expires_at) WHERE expires_at IS NOT NULL;
			CREATE TABLE IF NOT EXISTS guards_counters (
				ns TEXT NOT NULL, key TEXT NOT NULL, value INTEGER NOT NULL, expires_at INTEGER,
				PRIMARY KEY (ns, key)
			) WITHOUT ROWID;
			CREATE INDEX IF NOT EXISTS guards_counters_expires_at ON guards_counters (expires_at) WHERE expires_at IS NOT NULL;
			CREATE TABLE IF NOT EXISTS guards_queue (
				queue TEXT NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL, category TEXT, data TEXT NOT NULL,
				attempts INTEGER NOT NULL DEFAULT 0, enqueued_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
				lease_until INTEGER, lease_owner TEXT,
				PRIMARY KEY (queue, id)
			);
			CREATE INDEX IF NOT EXISTS guards_queue_open ON guards_queue (queue, status, enqueued_at, id);
		`,
	},
	{
		version: 2,
		name: 'record versions from a store-wide sequence',
		// Seeded above every version already stored, so records written before the
		// upgrade keep working with compare-and-set and no new version repeats one.
		sql: `
			CREATE TABLE IF NOT EXISTS guards_sequence (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
			INSERT INTO guards_sequence (name, value)
				SELECT 'record_version', coalesce(max(version), 0) FROM guards_records WHERE true
				ON CONFLICT (name) DO NOTHING;
		`,
	},
];

const LATEST_MIGRATION = MIGRATIONS[MIGRATIONS.length - 1].version;

const SQLITE_BUSY = 5;

/** A status as the caller sees it: a leased entry whose lease ran out is pending. */
const LOGICAL_STATUS = `CASE WHEN status = 'leased' AND lease_until <= ?1 THEN 'pending' ELSE status END`;

const QUEUE_COLUMNS =
	'id, queue, status, category, data, attempts, enqueued_at, updated_at, lease_until, lease_owner';

/**
 * The embedded store: one SQLite file, WAL mode, each batch in a `BEGIN IMMEDIATE`
 * transaction so several processes on one host can share the file. node:sqlite is
 * synchronous, so a batch never interleaves with another batch of this process.
 *
 * SQLite itself never waits for a lock (busy timeout 0): a synchronous wait would
 * freeze n8n's whole event loop while another process holds the file. A batch that
 * finds the file locked is rolled back untouched and tried again after an async pause,
 * for at most `busyTimeoutMs` in all.
 */
export class SqliteStore implements Store {
	readonly backend = 'sqlite' as const;
	readonly location: string;
	readonly queue: RecordQueue;

	private readonly file: string;
	private readonly busyTimeoutMs: number;
	private db: DatabaseSync | undefined;
	private closed = false;
	private lastSweep = 0;
	private readonly statements = new Map<string, StatementSync>();

	constructor(config: SqliteStoreConfig) {
		if (
			typeof config.file !== 'string' ||
			config.file.trim() === '' ||
			config.file.includes('\u0000')
		) {
			throw new TypeError('SQLite store: file must be a path to the database file');
		}
		this.file = config.file === ':memory:' ? config.file : path.resolve(config.file);
		this.busyTimeoutMs = optionalTimeout(
			config.busyTimeoutMs,
			'SQLite busyTimeoutMs',
			5 * SECOND_MS,
		);
		this.location = `SQLite at ${this.file}`;
		this.queue = new SqliteQueue(this);
	}

	async read(namespace: string, keys: string[]): Promise<ReadResult> {
		const ns = assertNamespace(namespace);
		const wanted = normalizeKeys(keys);
		return this.run('read', () => {
			const now = Date.now();
			const records = new Map<string, StoreRecord>();
			if (wanted.length === 0) return { now, records };
			const rows = this.statement(
				`SELECT key, value, version, expires_at FROM guards_records
				WHERE ns = ? AND key IN (SELECT value FROM json_each(?)) AND (expires_at IS NULL OR expires_at > ?)`,
			).all(ns, JSON.stringify(wanted), now) as Array<{
				key: string;
				value: string;
				version: number;
				expires_at: number | null;
			}>;
			for (const row of rows) {
				records.set(row.key, {
					key: row.key,
					value: JSON.parse(row.value) as JsonValue,
					version: row.version,
					expiresAt: row.expires_at,
				});
			}
			return { now, records };
		});
	}

	async write(namespace: string, writes: RecordWrite[]): Promise<WriteResult[]> {
		const ns = assertNamespace(namespace);
		const batch = normalizeWrites(writes);
		if (batch.length === 0) return [];
		return this.transaction('write', (now) => {
			const select = this.statement(
				'SELECT version, expires_at FROM guards_records WHERE ns = ? AND key = ?',
			);
			const upsert = this.statement(
				`INSERT INTO guards_records (ns, key, value, version, expires_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, version = excluded.version, expires_at = excluded.expires_at`,
			);
			const sequence = this.statement(
				`SELECT value FROM guards_sequence WHERE name = 'record_version'`,
			).get() as { value: number };
			let last = sequence.value;
			const results = batch.map((write) => {
				const row = select.get(ns, write.key) as
					| { version: number; expires_at: number | null }
					| undefined;
				const current = row && isAlive(row.expires_at, now) ? row.version : 0;
				if (write.ifVersion !== null && write.ifVersion !== current)
					return { key: write.key, applied: false, version: current };
				// Every write takes the next value of the store-wide sequence, so a key never
				// gets a version back after it expired or was deleted (no ABA for compare-and-set).
				const version = Math.max(last, row?.version ?? 0) + 1;
				last = version;
				upsert.run(
					ns,
					write.key,
					write.json,
					version,
					write.ttlMs === null ? null : now + write.ttlMs,
				);
				return { key: write.key, applied: true, version };
			});
			if (last !== sequence.value)
				this.statement(`UPDATE guards_sequence SET value = ? WHERE name = 'record_version'`).run(
					last,
				);
			return results;
		});
	}

	async delete(namespace: string, deletes: RecordDelete[]): Promise<boolean[]> {
		const ns = assertNamespace(namespace);
		const batch = normalizeDeletes(deletes);
		if (batch.length === 0) return [];
		return this.transaction('delete', (now) => {
			const select = this.statement(
				'SELECT version, expires_at FROM guards_records WHERE ns = ? AND key = ?',
			);
			const remove = this.statement('DELETE FROM guards_records WHERE ns = ? AND key = ?');
			return batch.map((entry) => {
				const row = select.get(ns, entry.key) as
					| { version: number; expires_at: number | null }
					| undefined;
				if (!row) return false;
				const alive = isAlive(row.expires_at, now);
				// An expired row is absent to callers; remove it while we are here.
				if (!alive) remove.run(ns, entry.key);
				if (!alive || (entry.ifVersion !== null && entry.ifVersion !== row.version)) return false;
				remove.run(ns, entry.key);
				return true;
			});
		});
	}

	async increment(namespace: string, increments: CounterIncrement[]): Promise<number[]> {
		const ns = assertNamespace(namespace);
		const batch = normalizeIncrements(increments);
		if (batch.length === 0) return [];
		return this.transaction('increment', (now) => {
			const select = this.statement(
				'SELECT value, expires_at FROM guards_counters WHERE ns = ? AND key = ?',
			);
			const upsert = this.statement(
				`INSERT INTO guards_counters (ns, key, value, expires_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
			);
			return batch.map((increment) => {
				const row = select.get(ns, increment.key) as
					| { value: number; expires_at: number | null }
					| undefined;
				const alive = row !== undefined && isAlive(row.expires_at, now);
				const value = (alive ? row.value : 0) + increment.by;
				// A RangeError rolls the whole batch back, as on the other backends.
				assertCounterInRange(value, increment.key);
				const expiresAt = alive
					? row.expires_at
					: increment.ttlMs === null
						? null
						: now + increment.ttlMs;
				upsert.run(ns, increment.key, value, expiresAt);
				return value;
			});
		});
	}

	async ping(): Promise<void> {
		await this.run('ping', () => this.statement('SELECT 1').get());
	}

	async close(): Promise<void> {
		this.closed = true;
		this.statements.clear();
		const db = this.db;
		this.db = undefined;
		try {
			db?.close();
		} catch {
			// Already closed: nothing left to release.
		}
	}

	/**
	 * Runs `body` against the open database; maps SQLite failures to StoreErrors. When
	 * another process holds the file, SQLite answers "busy" at once and nothing of the
	 * batch has happened: wait without blocking and try again, until `busyTimeoutMs`.
	 */
	async run<T>(operation: string, body: () => T): Promise<T> {
		const started = Date.now();
		for (let attempt = 1; ; attempt++) {
			let stage = 'open';
			try {
				this.open();
				stage = operation;
				return body();
			} catch (error) {
				const waited = Date.now() - started;
				if (!isBusy(error) || waited >= this.busyTimeoutMs)
					throw this.toStoreError(stage, error, waited);
				await sleep(lockRetryPause(attempt, this.busyTimeoutMs - waited));
			}
		}
	}

	/** Runs `body` in a `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so it cannot deadlock. */
	transaction<T>(operation: string, body: (now: number) => T): Promise<T> {
		return this.run(operation, () => {
			const db = this.open();
			db.exec('BEGIN IMMEDIATE');
			try {
				// The clock is read after the lock is held, so time never runs backwards between batches.
				const now = Date.now();
				const result = body(now);
				this.sweepExpired(now);
				db.exec('COMMIT');
				return result;
			} catch (error) {
				rollback(db);
				throw error;
			}
		});
	}

	statement(sql: string): StatementSync {
		let statement = this.statements.get(sql);
		if (!statement) {
			statement = this.open().prepare(sql);
			this.statements.set(sql, statement);
		}
		return statement;
	}

	private open(): DatabaseSync {
		if (this.closed) throw new StoreError('sqlite', this.location, 'store is closed');
		if (this.db) return this.db;
		const { DatabaseSync } = loadSqlite(this.location);
		if (this.file !== ':memory:') ensureFolder(path.dirname(this.file));
		const db = new DatabaseSync(this.file);
		try {
			// Never wait inside SQLite: that wait would block the event loop (see run).
			db.exec('PRAGMA busy_timeout = 0');
			this.enableWal(db);
			this.migrate(db);
		} catch (error) {
			db.close();
			throw error;
		}
		this.db = db;
		return db;
	}

	/**
	 * WAL is a property of the file; switching needs a moment alone with it (a busy
	 * answer makes `run` try the whole opening again). Where WAL is impossible (:memory:,
	 * some network file systems) SQLite keeps its rollback journal, slower but as safe.
	 */
	private enableWal(db: DatabaseSync): void {
		db.exec('PRAGMA journal_mode = WAL');
		// Without a limit the WAL file keeps the size of the largest batch ever written
		// (46 MiB after a 25,000-key claim); truncate it back after checkpoints.
		db.exec('PRAGMA journal_size_limit = 8388608');
	}

	/** Applies missing migrations; takes the write lock only when there is one to apply. */
	private migrate(db: DatabaseSync): void {
		if (schemaVersion(db) >= LATEST_MIGRATION) return;
		db.exec('BEGIN IMMEDIATE');
		try {
			db.exec(
				'CREATE TABLE IF NOT EXISTS guards_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
			);
			const row = db
				.prepare('SELECT coalesce(max(version), 0) AS version FROM guards_migrations')
				.get() as { version: number };
			for (const migration of MIGRATIONS) {
				if (migration.version <= row.version) continue;
				db.exec(migration.sql);
				db.prepare(
					'INSERT INTO guards_migrations (version, name, applied_at) VALUES (?, ?, ?)',
				).run(migration.version, migration.name, Date.now());
			}
			db.exec('COMMIT');
		} catch (error) {
			rollback(db);
			throw error;
		}
	}

	/** Lazy cleanup: at most once a minute, a bounded number of expired rows go. */
	private sweepExpired(now: number): void {
		if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
		this.lastSweep = now;
		for (const table of ['guards_records', 'guards_counters']) {
			this.statement(
				`DELETE FROM ${table} WHERE (ns, key) IN (SELECT ns, key FROM ${table} WHERE expires_at <= ? LIMIT ${SWEEP_LIMIT})`,
			).run(now);
		}
	}

	private toStoreError(operation: string, error: unknown, waitedMs: number): unknown {
		if (error instanceof StoreError || isCallerError(error)) return error;
		if (isBusy(error)) {
			return new StoreError(
				'sqlite',
				this.location,
				`database file locked by another process; gave up after ${waitedMs} ms (${operation}): ${describeCause(error)}`,
				error,
			);
		}
		return new StoreError(
			'sqlite',
			this.location,
			`${operation} failed: ${describeCause(error)}`,
			error,
		);
	}
}

/** The dead-letter queue of the embedded store: each call is one transaction. */
class SqliteQueue implements RecordQueue {
	constructor(private readonly store: SqliteStore) {}

	async enqueue(queue: string, entries: NewQueueEntry[]): Promise<string[]> {
		const name = assertQueueName(queue);
		const batch = normalizeEntries(entries);
		if (batch.length === 0) return [];
		return this.store.transaction('enqueue', (now) => {
			const insert = this.store.statement(
				`INSERT INTO guards_queue (queue, id, status, category, data, attempts, enqueued_at, updated_at)
				VALUES (?, ?, 'pending', ?, ?, 0, ?, ?) ON CONFLICT (queue, id) DO NOTHING`,
			);
			return batch
				.filter(
					(entry) => insert.run(name, entry.id, entry.category, entry.json, now, now).changes === 1,
				)
				.map((entry) => entry.id);
		});
	}

	async lease(queue: string, request: LeaseRequest): Promise<QueueEntry[]> {
		const name = assertQueueName(queue);
		const lease = normalizeLease(request);
		return this.store.transaction('lease', (now) => {
			const rows = this.store
				.statement(
					`UPDATE guards_queue
					SET status = 'leased', attempts = attempts + 1, lease_until = ?1 + ?7, lease_owner = ?8, updated_at = ?1
					WHERE queue = ?2 AND id IN (
						SELECT id FROM guards_queue
						WHERE queue = ?2 AND (status = 'pending' OR (status = 'leased' AND lease_until <= ?1))
							AND (?3 IS NULL OR id IN (SELECT value FROM json_each(?3)))
							AND (?4 IS NULL OR category IN (SELECT value FROM json_each(?4)))
							AND (?5 IS NULL OR enqueued_at < ?5)
						ORDER BY enqueued_at, id LIMIT ?6
					)
					RETURNING ${QUEUE_COLUMNS}`,
				)
				.all(
					now,
					name,
					jsonOrNull(lease.ids),
					jsonOrNull(lease.categories),
					lease.enqueuedBefore,
					lease.limit,
					lease.leaseMs,
					lease.owner,
				) as unknown as QueueRow[];
			return rows.map((row) => queueEntryFromRow(row, now)).sort(byEnqueueOrder);
		});
	}

	async settle(queue: string, settlements: QueueSettlement[]): Promise<boolean[]> {
		const name = assertQueueName(queue);
		const batch = normalizeSettlements(settlements);
		if (batch.length === 0) return [];
		return this.store.transaction('settle', (now) => {
			const select = this.store.statement(
				'SELECT status, lease_until, lease_owner, data FROM guards_queue WHERE queue = ? AND id = ?',
			);
			const update = this.store.statement(
				'UPDATE guards_queue SET status = ?, data = ?, updated_at = ?, lease_until = NULL, lease_owner = NULL WHERE queue = ? AND id = ?',
			);
			return batch.map((settlement) => {
				const row = select.get(name, settlement.id) as
					| { status: string; lease_until: number | null; lease_owner: string | null; data: string }
					| undefined;
				if (!row || !canSettle(row, settlement.owner, now)) return false;
				const data =
					settlement.patchJson === null
						? row.data
						: JSON.stringify(mergeJsonObjects(row.data, [settlement.patchJson]));
				update.run(settlement.status, data, now, name, settlement.id);
				return true;
			});
		});
	}

	async stats(queue: string): Promise<QueueStats> {
		const name = assertQueueName(queue);
		return this.store.run('stats', () => {
			const now = Date.now();
			const row = this.store
				.statement(
					`SELECT
						coalesce(sum(status = 'pending' OR (status = 'leased' AND lease_until <= ?1)), 0) AS pending,
						coalesce(sum(status = 'leased' AND lease_until > ?1), 0) AS leased,
						coalesce(sum(status = 'done'), 0) AS done,
						coalesce(sum(status = 'discarded'), 0) AS discarded,
						min(CASE WHEN status IN ('pending', 'leased') THEN enqueued_at END) AS oldest
					FROM guards_queue WHERE queue = ?2`,
				)
				.get(now, name) as {
				pending: number;
				leased: number;
				done: number;
				discarded: number;
				oldest: number | null;
			};
			return {
				pending: row.pending,
				leased: row.leased,
				done: row.done,
				discarded: row.discarded,
				oldestOpenAt: row.oldest,
				now,
			};
		});
	}

	async list(queue: string, options: QueueListOptions): Promise<QueueEntry[]> {
		const name = assertQueueName(queue);
		const list = normalizeList(options);
		return this.store.run('list', () => {
			const now = Date.now();
			const rows = this.store
				.statement(
					`SELECT ${QUEUE_COLUMNS} FROM guards_queue
					WHERE queue = ?2
						AND (?3 IS NULL OR ${LOGICAL_STATUS} IN (SELECT value FROM json_each(?3)))
						AND (?4 IS NULL OR id IN (SELECT value FROM json_each(?4)))
						AND (?5 IS NULL OR category IN (SELECT value FROM json_each(?5)))
					ORDER BY enqueued_at, id LIMIT ?6`,
				)
				.all(
					now,
					name,
					jsonOrNull(list.statuses),
					jsonOrNull(list.ids),
					jsonOrNull(list.categories),
					list.limit,
				) as unknown as QueueRow[];
			return rows.map((row) => queueEntryFromRow(row, now));
		});
	}

	async purge(queue: string, before: number): Promise<number> {
		const name = assertQueueName(queue);
		const cutoff = assertTimestamp(before, 'Purge before');
		return this.store.transaction('purge', () => {
			const result = this.store
				.statement(
					`DELETE FROM guards_queue WHERE queue = ? AND status IN ('done', 'discarded') AND updated_at < ?`,
				)
				.run(name, cutoff);
			return Number(result.changes);
		});
	}
}

/**
 * Creates a folder and its missing parents. Not `mkdirSync(..., { recursive: true })`:
 * that loops forever where mkdir fails with ENOENT under an existing parent (e.g. /proc).
 */
function ensureFolder(folder: string): void {
	if (existsSync(folder)) return;
	const parent = path.dirname(folder);
	if (parent !== folder) ensureFolder(parent);
	try {
		mkdirSync(folder);
	} catch (error) {
		// Another process may have created it in the meantime.
		if ((error as { code?: string }).code !== 'EEXIST') throw error;
	}
}

/** `isTransaction` only exists from Node 22.16, so roll back blindly and ignore "no transaction". */
function rollback(db: DatabaseSync): void {
	try {
		db.exec('ROLLBACK');
	} catch {
		// SQLite already rolled back (e.g. after SQLITE_FULL), or BEGIN itself failed.
	}
}

function isAlive(expiresAt: number | null, now: number): boolean {
	return expiresAt === null || expiresAt > now;
}

/** With an owner, only that owner's live lease; without, any open (pending or leased) entry. */
function canSettle(
	row: { status: string; lease_until: number | null; lease_owner: string | null },
	owner: string | null,
	now: number,
): boolean {
	if (owner === null) return row.status === 'pending' || row.status === 'leased';
	return (
		row.status === 'leased' &&
		row.lease_owner === owner &&
		row.lease_until !== null &&
		row.lease_until > now
	);
}

function jsonOrNull(values: readonly string[] | null): SQLInputValue {
	return values === null ? null : JSON.stringify(values);
}

function isBusy(error: unknown): boolean {
	const code = (error as { errcode?: unknown } | null)?.errcode;
	return typeof code === 'number' && (code & 0xff) === SQLITE_BUSY;
}

/**
 * Pause before trying a locked file again: short at first (most locks last a few ms),
 * growing to 50 ms, jittered so processes do not retry in step, never past the deadline.
 */
function lockRetryPause(attempt: number, remainingMs: number): number {
	const ceiling = Math.min(50, 2 ** attempt);
	return Math.max(0, Math.min(remainingMs, ceiling / 2 + (Math.random() * ceiling) / 2));
}

/** The last migration applied, read without taking the write lock. */
function schemaVersion(db: DatabaseSync): number {
	const table = db
		.prepare(
			`SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND name = 'guards_migrations'`,
		)
		.get();
	if (!table) return 0;
	return (
		db.prepare('SELECT coalesce(max(version), 0) AS version FROM guards_migrations').get() as {
			version: number;
		}
	).version;
}
