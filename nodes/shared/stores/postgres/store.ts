import { SECOND_MS } from '../../core/time';
import { createHash } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { Client, Pool, type ClientConfig, type PoolClient, type QueryResultRow } from 'pg';
import type { JsonValue } from '../../core/json';
import { sleep } from 'n8n-workflow';
import {
	describeCause,
	errorCode,
	hostPort,
	isCallerError,
	isNetworkError,
	SWEEP_INTERVAL_MS,
} from '../common';
import {
	assertCounterInRange,
	assertHost,
	assertNamespace,
	assertPort,
	assertText,
	normalizeDeletes,
	normalizeIncrements,
	normalizeKeys,
	normalizeWrites,
	optionalTimeout,
} from '../validate';
import { keyOrder, normalizeInserts } from '../insert';
import {
	StoreError,
	type CounterIncrement,
	type PostgresSslMode,
	type PostgresStoreConfig,
	type ReadResult,
	type InsertBatchResult,
	type InsertResult,
	type RecordDelete,
	type RecordInsert,
	type RecordQueue,
	type RecordStamps,
	type RecordWrite,
	type ScanOptions,
	type ScanPage,
	type ScannedEntry,
	type Store,
	type StoreRecord,
	type WriteResult,
} from '../types';
import {
	assertSchema,
	assertTablePrefix,
	inOrder,
	MIGRATIONS,
	namesFor,
	NOW_MS,
	type Names,
} from './migrations';
import { PostgresQueue } from './queue';
import type { StackRequest } from '../../core/ratelimit/stack';
import { decideStored, normalizeStack, type StackResult } from '../limiterStack';
import { normalizeScan, queueGroup, sqlAfter, toSqlCursor } from '../scan';
import { connectionTarget, withConnectionHint, type ConnectionTarget } from '../connectionErrors';

const SSL_MODES: readonly PostgresSslMode[] = ['disable', 'allow', 'require', 'verify-full'];

/**
 * libpq's modes mapped onto node-postgres: `require` encrypts without checking the
 * certificate, `verify-full` checks chain and host name. `allow` starts in plain text
 * and switches to TLS only when the server refuses plain connections (see `connectAllowingTls`).
 */
function sslOption(
	mode: PostgresSslMode,
	ca: string | undefined,
	tls: boolean,
): false | ConnectionOptions {
	if (mode === 'verify-full') return { rejectUnauthorized: true, ca: ca || undefined };
	if (mode === 'require' || (mode === 'allow' && tls))
		return { rejectUnauthorized: false, ca: ca || undefined };
	return false;
}

/** SQLSTATEs after which a whole single-statement batch can be rerun: nothing of it was applied. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;
/** Keys per insert statement. */
const INSERT_CHUNK = 10_000;

/**
 * Postgres: durable shared state. Tables and functions are created by versioned
 * migrations on first use; every batch is one statement, so one round trip.
 */
export class PostgresStore implements Store {
	readonly backend = 'postgres' as const;
	readonly location: string;
	readonly queue: RecordQueue;

	private readonly config: PostgresStoreConfig;
	private readonly timeoutMs: number;
	private readonly schemaName: string;
	private readonly prefix: string;
	private readonly names: Names;
	private pool: Pool;
	/** Whether the pool talks TLS (sslmode=allow switches after the server refused plain text). */
	private tls = false;
	private ready: Promise<void> | undefined;
	private closed = false;
	private lastSweep = 0;

	constructor(config: PostgresStoreConfig) {
		const host = assertHost(config.host, 'Postgres host');
		const port = assertPort(config.port, 'Postgres port');
		const database = assertText(config.database, 'Postgres database', 63);
		assertText(config.user, 'Postgres user', 63);
		if (!SSL_MODES.includes(config.ssl))
			throw new TypeError(
				`Postgres ssl must be one of ${SSL_MODES.join(', ')}, got ${JSON.stringify(config.ssl)}`,
			);
		this.config = config;
		this.schemaName = assertSchema(config.schema);
		this.prefix = assertTablePrefix(config.tablePrefix);
		this.names = namesFor(this.schemaName, this.prefix);
		this.timeoutMs = optionalTimeout(config.timeoutMs, 'Postgres timeoutMs', 5 * SECOND_MS);
		this.location = `Postgres at ${hostPort(host, port)}/${database}`;
		this.pool = this.createPool(false);
		this.queue = new PostgresQueue(this, this.names);
	}

	async read(namespace: string, keys: string[]): Promise<ReadResult> {
		const ns = assertNamespace(namespace);
		const wanted = normalizeKeys(keys);
		const rows = await this.query<{
			now: string;
			key: string | null;
			value: string;
			version: string;
			expires_at: string | null;
		}>(
			'read',
			`WITH clock AS (SELECT ${NOW_MS} AS now)
			SELECT clock.now, r.key, r.value::text AS value, r.version, r.expires_at
			FROM clock LEFT JOIN ${this.names.records} r
				ON r.ns = $1 AND r.key = ANY($2::text[]) AND (r.expires_at IS NULL OR r.expires_at > clock.now)`,
			[ns, wanted],
		);
		const records = new Map<string, StoreRecord>();
		for (const row of rows) {
			if (row.key === null) continue;
			records.set(row.key, {
				key: row.key,
				value: JSON.parse(row.value) as JsonValue,
				version: Number(row.version),
				expiresAt: row.expires_at === null ? null : Number(row.expires_at),
			});
		}
		return { now: Number(rows[0].now), records };
	}

	async write(namespace: string, writes: RecordWrite[]): Promise<WriteResult[]> {
		const ns = assertNamespace(namespace);
		const batch = normalizeWrites(writes);
		if (batch.length === 0) return [];
		const rows = await this.query<{ o_index: number; o_applied: boolean; o_version: string }>(
			'write',
			`SELECT o_index, o_applied, o_version FROM ${this.names.write}($1, $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6)`,
			[
				ns,
				batch.map((w) => w.key),
				batch.map((w) => w.json),
				batch.map((w) => w.ifVersion),
				batch.map((w) => w.ttlMs),
				this.sweepDue(),
			],
		);
		return inOrder(rows).map((row, index) => ({
			key: batch[index].key,
			applied: row.o_applied,
			version: Number(row.o_version),
		}));
	}

	/**
	 * One statement: the keys in order (a batch racing on the same keys locks them in the
	 * same order, so the two cannot deadlock), each created where absent or expired; the
	 * live records of the others come from the statement's snapshot. A key another
	 * transaction created after that snapshot comes back without its record.
	 */
	async insert(
		namespace: string,
		inserts: RecordInsert[],
		stamps: RecordStamps,
	): Promise<InsertBatchResult> {
		const ns = assertNamespace(namespace);
		const { batch, stamps: stampList } = normalizeInserts(inserts, stamps);
		if (batch.length === 0) return { now: Date.now(), results: [] };
		const { records, versions } = this.names;
		// One statement per 10,000 keys, in key order, each within the statement timeout
		// (a statement of 100,000 outran it on a busy machine).
		const ordered = keyOrder(batch.map((entry) => entry.key)).map((index) => batch[index]);
		const chunkNows: number[] = [];
		const rows: Array<{
			chunk: number;
			kind: string;
			key: string | null;
			value: string | null;
			version: string | null;
			expires_at: string | null;
		}> = [];
		for (let start = 0; start < ordered.length; start += INSERT_CHUNK) {
			const chunk = ordered.slice(start, start + INSERT_CHUNK);
			const chunkRows = await this.query<{
				kind: 'now' | 'created' | 'existing';
				key: string | null;
				value: string | null;
				version: string | null;
				expires_at: string | null;
			}>(
				'insert',
				// The created and the existing rows come back as two lists matched by key in the
				// caller: a join on the data-modifying CTE is planned as a nested loop (it is
				// estimated at one row), quadratic in the batch.
				`WITH clock AS MATERIALIZED (SELECT ${NOW_MS} AS now),
				stamp AS (
					SELECT coalesce(string_agg(s.name || ':' || (clock.now + s.offset_ms)::text, ',' ORDER BY s.ord), '') AS members
					FROM clock LEFT JOIN unnest($5::text[], $6::bigint[]) WITH ORDINALITY AS s(name, offset_ms, ord) ON true
				),
				existing AS (
					SELECT r.key, r.value::text AS value, r.version, r.expires_at
					FROM ${records} r, clock
					WHERE r.ns = $1 AND r.key = ANY($2::text[]) AND (r.expires_at IS NULL OR r.expires_at > clock.now)
				),
				created AS (
					INSERT INTO ${records} AS r (ns, key, value, version, expires_at)
					SELECT $1, i.key,
						('{' || stamp.members || CASE WHEN stamp.members = '' OR i.tail = '}' THEN '' ELSE ',' END || i.tail)::json,
						nextval('${versions}'),
						CASE WHEN i.ttl IS NULL THEN NULL ELSE clock.now + i.ttl END
					FROM unnest($2::text[], $3::text[], $4::bigint[]) AS i(key, tail, ttl), clock, stamp
					ORDER BY i.key COLLATE "C"
					ON CONFLICT (ns, key) DO UPDATE
						SET value = excluded.value, version = greatest(excluded.version, r.version + 1), expires_at = excluded.expires_at
						WHERE r.expires_at IS NOT NULL AND r.expires_at <= (SELECT now FROM clock)
					RETURNING r.key, r.version
				)
				SELECT 'now' AS kind, NULL AS key, NULL AS value, now::text AS version, NULL::bigint AS expires_at FROM clock
				UNION ALL SELECT 'created', key, NULL, version::text, NULL FROM created
				UNION ALL SELECT 'existing', key, value, version::text, expires_at FROM existing`,
				[
					ns,
					chunk.map((entry) => entry.key),
					chunk.map((entry) => entry.json.slice(1)),
					chunk.map((entry) => entry.ttlMs),
					stampList.map(([name]) => JSON.stringify(name)),
					stampList.map(([, offset]) => offset),
				],
			);
			for (const row of chunkRows) rows.push({ ...row, chunk: chunkNows.length });
			chunkNows.push(Number(chunkRows.find((row) => row.kind === 'now')!.version));
		}
		if (this.sweepDue()) await this.sweepRecords();
		const now = chunkNows[chunkNows.length - 1];
		const created = new Map<string, { version: number; chunk: number }>();
		const existing = new Map<string, StoreRecord>();
		for (const row of rows) {
			if (row.kind === 'created')
				created.set(row.key!, { version: Number(row.version), chunk: row.chunk });
			// Disjoint: a live record cannot be created, an expired one is not in `existing`.
			else if (row.kind === 'existing')
				existing.set(row.key!, {
					key: row.key!,
					value: JSON.parse(row.value!) as JsonValue,
					version: Number(row.version),
					expiresAt: row.expires_at === null ? null : Number(row.expires_at),
				});
		}
		const results = batch.map(({ key }): InsertResult => {
			const made = created.get(key);
			if (made !== undefined) {
				const stampedAt = chunkNows[made.chunk];
				return {
					key,
					applied: true,
					version: made.version,
					...(stampedAt !== now ? { stampedAt } : {}),
				};
			}
			const record = existing.get(key);
			if (!record) return { key, applied: false, version: 0 };
			return { key, applied: false, version: record.version, record };
		});
		return { now, results };
	}

	/** What the write function does when a sweep is due, for the calls that do not go through it. */
	private async sweepRecords(): Promise<void> {
		const { records } = this.names;
		await this.query(
			'sweep',
			`DELETE FROM ${records} r USING (
				SELECT s.ns, s.key FROM ${records} s WHERE s.expires_at <= ${NOW_MS} LIMIT 500 FOR UPDATE SKIP LOCKED
			) e WHERE r.ns = e.ns AND r.key = e.key`,
			[],
		);
	}

	async delete(namespace: string, deletes: RecordDelete[]): Promise<boolean[]> {
		const ns = assertNamespace(namespace);
		const batch = normalizeDeletes(deletes);
		if (batch.length === 0) return [];
		const rows = await this.query<{ o_index: number; o_deleted: boolean }>(
			'delete',
			`SELECT o_index, o_deleted FROM ${this.names.delete}($1, $2::text[], $3::bigint[])`,
			[ns, batch.map((d) => d.key), batch.map((d) => d.ifVersion)],
		);
		return inOrder(rows).map((row) => row.o_deleted);
	}

	async increment(namespace: string, increments: CounterIncrement[]): Promise<number[]> {
		const ns = assertNamespace(namespace);
		const batch = normalizeIncrements(increments);
		if (batch.length === 0) return [];
		try {
			const rows = await this.query<{ o_index: number; o_value: string }>(
				'increment',
				`SELECT o_index, o_value FROM ${this.names.increment}($1, $2::text[], $3::bigint[], $4::bigint[], $5)`,
				[
					ns,
					batch.map((i) => i.key),
					batch.map((i) => i.by),
					batch.map((i) => i.ttlMs),
					this.sweepDue(),
				],
			);
			return inOrder(rows).map((row) => Number(row.o_value));
		} catch (error) {
			const cause = (error as { cause?: { code?: string; detail?: string; hint?: string } }).cause;
			if (cause?.code === '22003' && cause.detail && cause.hint)
				assertCounterInRange(Number(cause.hint), batch[Number(cause.detail) - 1].key);
			throw error;
		}
	}

	/** Read-only: one page of records, counters or queue groups by (namespace, key); see Store.scan. */
	async scan(namespacePrefix: string, options: ScanOptions): Promise<ScanPage> {
		const scan = normalizeScan(namespacePrefix, options);
		const [afterNs, afterKey] = sqlAfter(scan.cursor);
		// Rate limiters live in each process (Embedded) or on Redis, never here.
		if (scan.kind === 'limiters') return { now: Date.now(), entries: [], cursor: null };
		// Columns are COLLATE "C": byte order, and the prefix range uses the primary key.
		const inPrefix = (column: string) => `${column} >= $1 AND left(${column}, length($1)) = $1`;
		let sql: string;
		if (scan.kind === 'queues') {
			sql = `WITH clock AS (SELECT ${NOW_MS} AS now)
				SELECT clock.now, g.* FROM clock LEFT JOIN (
					SELECT q.queue AS ns, coalesce(q.category, '') COLLATE "C" AS key,
						count(*) AS open,
						count(*) FILTER (WHERE q.status = 'leased' AND q.lease_until > ${NOW_MS}) AS leased,
						min(q.enqueued_at) AS oldest
					FROM ${this.names.queue} q
					WHERE ${inPrefix('q.queue')} AND q.status IN ('pending', 'leased')
					GROUP BY q.queue, coalesce(q.category, '') COLLATE "C"
					HAVING (q.queue, coalesce(q.category, '') COLLATE "C") > ($2::text COLLATE "C", $3::text COLLATE "C")
					ORDER BY 1, 2 LIMIT $4
				) g ON true ORDER BY g.ns, g.key`;
		} else {
			const table = scan.kind === 'records' ? this.names.records : this.names.counters;
			const version = scan.kind === 'records' ? 'r.version::text' : 'NULL::text';
			sql = `WITH clock AS (SELECT ${NOW_MS} AS now)
				SELECT clock.now, g.* FROM clock LEFT JOIN (
					SELECT r.ns, r.key, r.value::text AS value, ${version} AS version, r.expires_at
					FROM ${table} r
					WHERE ${inPrefix('r.ns')} AND (r.ns, r.key) > ($2::text COLLATE "C", $3::text COLLATE "C")
						AND (r.expires_at IS NULL OR r.expires_at > ${NOW_MS})
					ORDER BY r.ns, r.key LIMIT $4
				) g ON true ORDER BY g.ns, g.key`;
		}
		const rows = await this.query<{
			now: string;
			ns: string | null;
			key: string;
			value: string;
			version: string | null;
			expires_at: string | null;
			open: string;
			leased: string;
			oldest: string | null;
		}>('scan', sql, [scan.prefix, afterNs, afterKey, scan.limit]);
		const entries: ScannedEntry[] = [];
		for (const row of rows) {
			if (row.ns === null) continue;
			if (scan.kind === 'queues') {
				entries.push(queueGroup(row.ns, row.key, row.open, row.leased, row.oldest));
				continue;
			}
			entries.push({
				namespace: row.ns,
				key: row.key,
				value: scan.kind === 'records' ? (JSON.parse(row.value) as JsonValue) : Number(row.value),
				version: row.version === null ? null : Number(row.version),
				expiresAt: row.expires_at === null ? null : Number(row.expires_at),
			});
		}
		return {
			now: Number(rows[0].now),
			entries,
			cursor: toSqlCursor(entries[entries.length - 1], entries.length === scan.limit),
		};
	}

	/**
	 * Stacked limits: one transaction that creates the record if absent, locks its row,
	 * decides (the same core rule as SQLite) and rewrites it. Racing calls on one limiter
	 * queue on the row's lock.
	 */
	async stack(namespace: string, key: string, request: StackRequest): Promise<StackResult> {
		const checked = normalizeStack(namespace, key, request);
		const { records, versions } = this.names;
		return await this.transaction('stack', async (query) => {
			// Creates the record or locks it (a no-op update), in one statement.
			const [row] = await query<{
				now: string;
				value: string;
				version: string;
				expires_at: string | null;
			}>(
				`INSERT INTO ${records} AS r (ns, key, value, version, expires_at)
				VALUES ($1, $2, '{}'::json, nextval('${versions}'), ${NOW_MS} + 60000)
				ON CONFLICT (ns, key) DO UPDATE SET expires_at = r.expires_at
				RETURNING ${NOW_MS} AS now, r.value::text AS value, r.version, r.expires_at`,
				[checked.ns, checked.key],
			);
			const now = Number(row.now);
			const alive = row.expires_at === null || Number(row.expires_at) > now;
			const decided = decideStored(
				alive ? (JSON.parse(row.value) as JsonValue) : undefined,
				checked.request,
				now,
			);
			await query(
				`UPDATE ${records} SET value = $3::json, version = greatest(nextval('${versions}'), version + 1), expires_at = $4
				WHERE ns = $1 AND key = $2`,
				[checked.ns, checked.key, decided.json, now + decided.ttlMs],
			);
			return decided.result;
		});
	}

	async ping(): Promise<void> {
		await this.query('ping', 'SELECT 1', []);
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await this.pool.end().catch(() => undefined);
	}

	/**
	 * Runs one statement after the migrations. Deadlocks and serialization failures roll
	 * the statement back entirely, so it is simply run again.
	 */
	async query<R extends QueryResultRow>(
		operation: string,
		sql: string,
		params: unknown[],
	): Promise<R[]> {
		if (this.closed) throw new StoreError('postgres', this.location, 'store is closed');
		await this.ensureReady();
		for (let attempt = 1; ; attempt++) {
			try {
				return (await this.pool.query<R>(sql, params)).rows;
			} catch (error) {
				const code = errorCode(error);
				if (attempt < ATTEMPTS && code !== undefined && RETRYABLE.has(code)) {
					await sleep(5 + Math.random() * 20 * attempt);
					continue;
				}
				throw this.toStoreError(operation, error);
			}
		}
	}

	/**
	 * Runs several statements in one transaction on one connection: all of them apply or
	 * none. For a batch too large for one statement within the timeout (each statement
	 * has the timeout). A deadlock or serialization failure runs the whole transaction again.
	 */
	async transaction<T>(
		operation: string,
		work: (
			query: <R extends QueryResultRow>(sql: string, params: unknown[]) => Promise<R[]>,
		) => Promise<T>,
	): Promise<T> {
		if (this.closed) throw new StoreError('postgres', this.location, 'store is closed');
		await this.ensureReady();
		for (let attempt = 1; ; attempt++) {
			let client: PoolClient | undefined;
			try {
				client = await this.pool.connect();
				await client.query('BEGIN');
				const connection = client;
				const result = await work(
					async (sql, params) => (await connection.query(sql, params)).rows,
				);
				await client.query('COMMIT');
				client.release();
				return result;
			} catch (error) {
				// A client whose rollback failed is not given back to the pool for reuse.
				const rolledBack = await client?.query('ROLLBACK').then(
					() => true,
					() => false,
				);
				client?.release(rolledBack === false ? true : undefined);
				const code = errorCode(error);
				if (attempt < ATTEMPTS && code !== undefined && RETRYABLE.has(code)) {
					await sleep(5 + Math.random() * 20 * attempt);
					continue;
				}
				throw this.toStoreError(operation, error);
			}
		}
	}

	/**
	 * For a credential's Test button: with a password set, whether the server asked for
	 * it. A server that lets the user in unasked (trust in pg_hba.conf) never checks it.
	 */
	async checkSettings(): Promise<string[]> {
		if (!this.config.password) return [];
		await this.ensureReady();
		const client = new Client(this.clientConfig(this.tls));
		let asked = false;
		for (const request of [
			'authenticationCleartextPassword',
			'authenticationMD5Password',
			'authenticationSASL',
		]) {
			client.connection.once(request, () => (asked = true));
		}
		client.on('error', () => undefined);
		try {
			await client.connect();
		} catch (error) {
			throw this.toStoreError('connect', error);
		} finally {
			await client.end().catch(() => undefined);
		}
		if (asked) return [];
		return [
			`the server let user ${this.config.user} in without asking for a password (trust authentication in pg_hba.conf), so the Password of this credential is never checked and anyone who can reach the server can log in as that user. Require a password on the server (scram-sha-256 in pg_hba.conf), or clear Password here.`,
		];
	}

	private clientConfig(tls: boolean): ClientConfig {
		return {
			host: this.config.host,
			port: this.config.port,
			database: this.config.database,
			user: this.config.user,
			password: this.config.password ?? '',
			ssl: sslOption(this.config.ssl, this.config.sslCa, tls),
			connectionTimeoutMillis: this.timeoutMs,
			statement_timeout: this.timeoutMs,
			// A client-side bound too: statement_timeout cannot fire when the network is gone.
			query_timeout: this.timeoutMs + SECOND_MS,
			idle_in_transaction_session_timeout: this.timeoutMs * 2,
			keepAlive: true,
			application_name: 'n8n-integration-guards',
		};
	}

	private createPool(tls: boolean): Pool {
		this.tls = tls;
		const pool = new Pool({
			...this.clientConfig(tls),
			max: this.config.maxConnections ?? 5,
			idleTimeoutMillis: 30 * SECOND_MS,
			allowExitOnIdle: true,
		});
		// An idle client that loses its server is dropped by the pool; without a listener
		// the 'error' event would crash the process.
		pool.on('error', () => undefined);
		return pool;
	}

	private ensureReady(): Promise<void> {
		this.ready ??= this.migrateAllowingTls().catch((error: unknown) => {
			this.ready = undefined;
			throw this.toStoreError('migrate', error);
		});
		return this.ready;
	}

	/** sslmode=allow: plain first; if the server only accepts TLS, use TLS from then on. */
	private async migrateAllowingTls(): Promise<void> {
		try {
			await this.migrate();
		} catch (error) {
			if (
				this.config.ssl !== 'allow' ||
				!/no encryption|SSL off|requires SSL/i.test(describeCause(error))
			)
				throw error;
			const plain = this.pool;
			this.pool = this.createPool(true);
			await plain.end().catch(() => undefined);
			await this.migrate();
		}
	}

	/**
	 * Creates the schema, then applies missing migrations in one transaction under an
	 * advisory lock, so workers starting together apply each migration exactly once.
	 */
	private async migrate(): Promise<void> {
		const client = await this.pool.connect();
		let failed = false;
		try {
			await client.query('BEGIN');
			await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [this.migrationLockKey()]);
			const state = await client.query<{ has_schema: boolean; has_table: boolean }>(
				`SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS has_schema, to_regclass($2) IS NOT NULL AS has_table`,
				[this.schemaName, this.names.migrations],
			);
			// Create only what is missing: a user without CREATE rights can use a prepared schema.
			if (!state.rows[0].has_schema) await client.query(`CREATE SCHEMA ${this.names.schema}`);
			if (!state.rows[0].has_table) {
				await client.query(
					`CREATE TABLE ${this.names.migrations} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
				);
			}
			const applied = await client.query<{ version: number }>(
				`SELECT coalesce(max(version), 0)::integer AS version FROM ${this.names.migrations}`,
			);
			for (const migration of MIGRATIONS) {
				if (migration.version <= applied.rows[0].version) continue;
				await client.query(migration.sql(this.names));
				await client.query(`INSERT INTO ${this.names.migrations} (version, name) VALUES ($1, $2)`, [
					migration.version,
					migration.name,
				]);
			}
			await client.query('COMMIT');
		} catch (error) {
			failed = true;
			await client.query('ROLLBACK').catch(() => undefined);
			throw error;
		} finally {
			client.release(failed);
		}
	}

	/** One advisory lock per schema + prefix, as a signed 64-bit number. */
	private migrationLockKey(): string {
		const digest = createHash('sha256')
			.update(`n8n-guards:migrate:${this.schemaName}.${this.prefix}`)
			.digest();
		return digest.readBigInt64BE(0).toString();
	}

	/** Lazy cleanup of expired rows rides along with a write at most once a minute. */
	private sweepDue(): boolean {
		const now = Date.now();
		if (now - this.lastSweep < SWEEP_INTERVAL_MS) return false;
		this.lastSweep = now;
		return true;
	}

	private toStoreError(operation: string, error: unknown): unknown {
		if (error instanceof StoreError || isCallerError(error)) return error;
		const cause = describeCause(error);
		const code = errorCode(error);
		let message: string;
		if (
			isNetworkError(error) ||
			/timeout exceeded when trying to connect|Connection terminated|connection timeout/i.test(
				cause,
			) ||
			code?.startsWith('08') ||
			code === '57P01' ||
			code === '57P03'
		) {
			message = `unreachable: ${cause}`;
		} else if (code === '28P01' || code === '28000') {
			message = `login rejected: ${cause}`;
		} else if (code === '57014' || /Query read timeout/i.test(cause)) {
			message = `no answer within ${this.timeoutMs} ms (${operation}): ${cause}`;
		} else if (code === '42501') {
			message = `permission denied for ${operation} (schema ${this.schemaName}, prefix ${this.prefix}): ${cause}`;
		} else {
			message = `${operation} failed: ${cause}`;
		}
		// Integration guards issue 22: the cause and the credential field to fix (connectionErrors.ts).
		const target = connectionTarget(this.config) as ConnectionTarget;
		return new StoreError(
			'postgres',
			this.location,
			withConnectionHint(message, error, target),
			error,
		);
	}
}
