import { SECOND_MS } from '../../core/time';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { sleep } from 'n8n-workflow';
import type { JsonValue } from '../../core/json';
import { describeCause, isCallerError, SWEEP_INTERVAL_MS, SWEEP_LIMIT } from '../common';
import {
	assertCounterInRange,
	assertNamespace,
	normalizeDeletes,
	normalizeIncrements,
	normalizeKeys,
	normalizeWrites,
	optionalTimeout,
} from '../validate';
import {
	StoreError,
	type CounterIncrement,
	type InsertBatchResult,
	type InsertResult,
	type ReadResult,
	type RecordInsert,
	type RecordStamps,
	type RecordDelete,
	type RecordQueue,
	type RecordWrite,
	type ScanOptions,
	type ScanPage,
	type ScannedEntry,
	type SqliteStoreConfig,
	type Store,
	type StoreRecord,
	type WriteResult,
} from '../types';
import { keyOrder, normalizeInserts, stampedJson, stampMembers } from '../insert';
import type { StackRequest } from '../../core/ratelimit/stack';
import { decideStored, normalizeStack, type StackResult } from '../limiterStack';
import { LATEST_MIGRATION, MIGRATIONS, schemaVersion } from './migrations';
import { SqliteQueue } from './queue';
import { normalizeScan, queueGroup, sqlAfter, toSqlCursor } from '../scan';

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

const SQLITE_BUSY = 5;

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
			const results = new Array<WriteResult>(batch.length);
			// In key order (writes to one key keep their batch order): neighbouring keys share
			// B-tree pages, where the batch's own order jumps around the whole table.
			for (const index of keyOrder(batch.map((write) => write.key))) {
				const write = batch[index];
				const row = select.get(ns, write.key) as
					| { version: number; expires_at: number | null }
					| undefined;
				const current = row && isAlive(row.expires_at, now) ? row.version : 0;
				if (write.ifVersion !== null && write.ifVersion !== current) {
					results[index] = { key: write.key, applied: false, version: current };
					continue;
				}
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
				results[index] = { key: write.key, applied: true, version };
			}
			if (last !== sequence.value)
				this.statement(`UPDATE guards_sequence SET value = ? WHERE name = 'record_version'`).run(
					last,
				);
			return results;
		});
	}

	async insert(
		namespace: string,
		inserts: RecordInsert[],
		stamps: RecordStamps,
	): Promise<InsertBatchResult> {
		const ns = assertNamespace(namespace);
		const { batch, stamps: stampList } = normalizeInserts(inserts, stamps);
		if (batch.length === 0) return { now: Date.now(), results: [] };
		return this.transaction('insert', (now) => {
			// One statement per key: it creates the record where the key is absent or expired,
			// and changes nothing where a live record stays (read below). Not RETURNING: with
			// it node:sqlite took about 30 µs more per key. Every stored version is at most the
			// sequence (each write raises it in the same transaction), so the next value is the
			// new record's version, also over an expired record. Should a record stand above the
			// sequence all the same, it still gets a greater version, and a compare-and-set with
			// the one reported here fails safe (the entry is decided again).
			const create = this.statement(
				`INSERT INTO guards_records (ns, key, value, version, expires_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value,
					version = max(excluded.version, guards_records.version + 1), expires_at = excluded.expires_at
				WHERE guards_records.expires_at IS NOT NULL AND guards_records.expires_at <= ?`,
			);
			const select = this.statement(
				'SELECT value, version, expires_at FROM guards_records WHERE ns = ? AND key = ?',
			);
			const sequence = this.statement(
				`SELECT value FROM guards_sequence WHERE name = 'record_version'`,
			).get() as { value: number };
			let last = sequence.value;
			const members = stampMembers(stampList, now);
			const results = new Array<InsertResult>(batch.length);
			for (const index of keyOrder(batch.map((entry) => entry.key))) {
				const entry = batch[index];
				const { changes } = create.run(
					ns,
					entry.key,
					stampedJson(entry.json, members),
					last + 1,
					entry.ttlMs === null ? null : now + entry.ttlMs,
					now,
				);
				if (Number(changes) === 1) {
					last += 1;
					results[index] = { key: entry.key, applied: true, version: last };
					continue;
				}
				const row = select.get(ns, entry.key) as {
					value: string;
					version: number;
					expires_at: number | null;
				};
				results[index] = {
					key: entry.key,
					applied: false,
					version: row.version,
					record: {
						key: entry.key,
						value: JSON.parse(row.value) as JsonValue,
						version: row.version,
						expiresAt: row.expires_at,
					},
				};
			}
			if (last !== sequence.value)
				this.statement(`UPDATE guards_sequence SET value = ? WHERE name = 'record_version'`).run(
					last,
				);
			return { now, results };
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
			const removed = new Array<boolean>(batch.length).fill(false);
			for (const index of keyOrder(batch.map((entry) => entry.key))) {
				const entry = batch[index];
				const row = select.get(ns, entry.key) as
					| { version: number; expires_at: number | null }
					| undefined;
				if (!row) continue;
				const alive = isAlive(row.expires_at, now);
				// An expired row is absent to callers; remove it while we are here.
				if (!alive) remove.run(ns, entry.key);
				if (!alive || (entry.ifVersion !== null && entry.ifVersion !== row.version)) continue;
				remove.run(ns, entry.key);
				removed[index] = true;
			}
			return removed;
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

	/** Stacked limits: read, decide and rewrite the record in one immediate transaction. */
	async stack(namespace: string, key: string, request: StackRequest): Promise<StackResult> {
		const checked = normalizeStack(namespace, key, request);
		return this.transaction('stack', (now) => {
			const row = this.statement(
				'SELECT value, version, expires_at FROM guards_records WHERE ns = ? AND key = ?',
			).get(checked.ns, checked.key) as
				| { value: string; version: number; expires_at: number | null }
				| undefined;
			const alive = row !== undefined && isAlive(row.expires_at, now);
			const decided = decideStored(
				alive ? (JSON.parse(row.value) as JsonValue) : undefined,
				checked.request,
				now,
			);
			const sequence = this.statement(
				`SELECT value FROM guards_sequence WHERE name = 'record_version'`,
			).get() as { value: number };
			const version = Math.max(sequence.value, row?.version ?? 0) + 1;
			this.statement(
				`INSERT INTO guards_records (ns, key, value, version, expires_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, version = excluded.version, expires_at = excluded.expires_at`,
			).run(checked.ns, checked.key, decided.json, version, now + decided.ttlMs);
			this.statement(`UPDATE guards_sequence SET value = ? WHERE name = 'record_version'`).run(
				version,
			);
			return decided.result;
		});
	}

	/** Read-only: one page of records, counters or queue groups by (namespace, key); see Store.scan. */
	async scan(namespacePrefix: string, options: ScanOptions): Promise<ScanPage> {
		const scan = normalizeScan(namespacePrefix, options);
		const [afterNs, afterKey] = sqlAfter(scan.cursor);
		// Rate limiters live in each process (Embedded) or on Redis, never here.
		if (scan.kind === 'limiters') return { now: Date.now(), entries: [], cursor: null };
		return this.run('scan', () => {
			const now = Date.now();
			// substr/length count characters on both sides, so the prefix test is exact.
			const inPrefix = (column: string) =>
				`${column} >= ?1 AND substr(${column}, 1, length(?1)) = ?1`;
			let entries: ScannedEntry[];
			if (scan.kind === 'queues') {
				const rows = this.statement(
					`SELECT queue, coalesce(category, '') AS category,
						count(*) AS open,
						coalesce(sum(status = 'leased' AND lease_until > ?4), 0) AS leased,
						min(enqueued_at) AS oldest
					FROM guards_queue
					WHERE ${inPrefix('queue')} AND status IN ('pending', 'leased')
					GROUP BY queue, coalesce(category, '')
					HAVING (queue, coalesce(category, '')) > (?2, ?3)
					ORDER BY queue, coalesce(category, '') LIMIT ?5`,
				).all(scan.prefix, afterNs, afterKey, now, scan.limit) as Array<{
					queue: string;
					category: string;
					open: number;
					leased: number;
					oldest: number | null;
				}>;
				entries = rows.map((row) =>
					queueGroup(row.queue, row.category, row.open, row.leased, row.oldest),
				);
			} else {
				const records = scan.kind === 'records';
				const rows = this.statement(
					`SELECT ns, key, value, ${records ? 'version' : 'NULL AS version'}, expires_at
					FROM ${records ? 'guards_records' : 'guards_counters'}
					WHERE ${inPrefix('ns')} AND (ns, key) > (?2, ?3) AND (expires_at IS NULL OR expires_at > ?4)
					ORDER BY ns, key LIMIT ?5`,
				).all(scan.prefix, afterNs, afterKey, now, scan.limit) as Array<{
					ns: string;
					key: string;
					value: string | number;
					version: number | null;
					expires_at: number | null;
				}>;
				entries = rows.map((row) => ({
					namespace: row.ns,
					key: row.key,
					value: records ? (JSON.parse(row.value as string) as JsonValue) : Number(row.value),
					version: row.version,
					expiresAt: row.expires_at,
				}));
			}
			return {
				now,
				entries,
				cursor: toSqlCursor(entries[entries.length - 1], entries.length === scan.limit),
			};
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
