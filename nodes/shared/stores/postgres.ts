import { SECOND_MS } from '../core/time';
import { createHash } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { Client, Pool, type ClientConfig, type QueryResultRow } from 'pg';
import type { JsonValue } from '../core/json';
import { sleep } from 'n8n-workflow';
import {
	byEnqueueOrder,
	describeCause,
	errorCode,
	hostPort,
	isCallerError,
	isNetworkError,
	queueEntryFromRow,
	SWEEP_INTERVAL_MS,
	type QueueRow,
} from './common';
import {
	assertCounterInRange,
	assertHost,
	assertNamespace,
	assertPort,
	assertQueueName,
	assertText,
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
	type PostgresSslMode,
	type PostgresStoreConfig,
	type QueueEntry,
	type QueueListOptions,
	type QueueSettlement,
	type QueueStats,
	type ReadResult,
	type RecordDelete,
	type RecordQueue,
	type RecordWrite,
	type Store,
	type StoreRecord,
	type WriteResult,
} from './types';

/** Double-quotes an identifier. Names are also validated, so this is a second line of defence. */
export function quoteIdent(name: string): string {
	return `"${name.replace(/"/g, '""')}"`;
}

// Plain, unquoted-looking names only: anything else is far more likely a typo or an
// injection attempt than a real need, and quoting alone would silently accept it.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_PREFIX_LENGTH = 40;

function assertSchema(value: unknown): string {
	const schema = value === undefined || value === '' ? 'public' : value;
	if (
		typeof schema !== 'string' ||
		!IDENTIFIER.test(schema) ||
		schema.length > 63 ||
		/^pg_/i.test(schema)
	) {
		throw new TypeError(
			`Postgres schema must be letters, digits and underscores (not starting with a digit or "pg_", at most 63 characters), got ${JSON.stringify(schema)}`,
		);
	}
	return schema;
}

function assertTablePrefix(value: unknown): string {
	const prefix = value === undefined ? 'n8n_guards_' : value;
	if (typeof prefix !== 'string' || !IDENTIFIER.test(prefix) || prefix.length > MAX_PREFIX_LENGTH) {
		throw new TypeError(
			`Postgres table prefix must be 1 to ${MAX_PREFIX_LENGTH} letters, digits and underscores, not starting with a digit, got ${JSON.stringify(prefix)}`,
		);
	}
	return prefix;
}

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

/** The store clock: epoch milliseconds from the server, so workers with skewed clocks agree. */
const NOW_MS = 'floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint';
const SAFE_MAX = Number.MAX_SAFE_INTEGER;
/** SQLSTATEs after which a whole single-statement batch can be rerun: nothing of it was applied. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

interface Names {
	schema: string;
	migrations: string;
	records: string;
	counters: string;
	queue: string;
	write: string;
	delete: string;
	increment: string;
	settle: string;
	versions: string;
	/** Unqualified, quoted index name (an index lives in its table's schema). */
	index: (suffix: string) => string;
}

function namesFor(schema: string, prefix: string): Names {
	const qualified = (name: string) => `${quoteIdent(schema)}.${quoteIdent(prefix + name)}`;
	return {
		schema: quoteIdent(schema),
		migrations: qualified('migrations'),
		records: qualified('records'),
		counters: qualified('counters'),
		queue: qualified('queue'),
		write: qualified('write'),
		delete: qualified('delete'),
		increment: qualified('increment'),
		settle: qualified('settle'),
		versions: qualified('versions'),
		index: (suffix) => quoteIdent(prefix + suffix),
	};
}

/**
 * The positions of a batch, ordered by key and then position: every batch locks rows in
 * the same (key) order, so two batches holding the same keys in different orders wait
 * for each other instead of deadlocking. Only entries of one key depend on each other,
 * and those keep their order.
 */
function inLockOrder(keys: string): string {
	return `SELECT u.position::integer FROM unnest(${keys}) WITH ORDINALITY AS u(key, position) ORDER BY u.key COLLATE "C", u.position`;
}

/**
 * Versioned migrations, applied in order under an advisory lock. Batches that touch
 * one key several times run as plpgsql loops: each step sees the previous one, which
 * a single `INSERT ... ON CONFLICT DO UPDATE` cannot do. Rows come back tagged with
 * their batch position (o_index), since they are processed in lock order.
 */
const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: (n: Names) => string }> = [
	{
		version: 1,
		name: 'records, counters, queue and batch functions',
		sql: (n) => `
CREATE TABLE ${n.records} (
	ns text COLLATE "C" NOT NULL,
	key text COLLATE "C" NOT NULL,
	value json NOT NULL,
	version bigint NOT NULL,
	expires_at bigint,
	PRIMARY KEY (ns, key)
);
CREATE INDEX ${n.index('records_expires_at')} ON ${n.records} (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE ${n.counters} (
	ns text COLLATE "C" NOT NULL,
	key text COLLATE "C" NOT NULL,
	value bigint NOT NULL,
	expires_at bigint,
	PRIMARY KEY (ns, key)
);
CREATE INDEX ${n.index('counters_expires_at')} ON ${n.counters} (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE ${n.queue} (
	queue text COLLATE "C" NOT NULL,
	id text COLLATE "C" NOT NULL,
	status text NOT NULL CHECK (status IN ('pending', 'leased', 'done', 'discarded')),
	category text,
	data json NOT NULL,
	-- Settlement patches, merged over data in order when read (see the note below).
	patches json[] NOT NULL DEFAULT '{}',
	attempts integer NOT NULL DEFAULT 0,
	enqueued_at bigint NOT NULL,
	updated_at bigint NOT NULL,
	lease_until bigint,
	lease_owner text,
	PRIMARY KEY (queue, id)
);
CREATE INDEX ${n.index('queue_open')} ON ${n.queue} (queue, status, enqueued_at, id);

-- Values are json, not jsonb, and are never taken apart in SQL: json keeps the text as
-- written, while jsonb and every json function (json_each, ->) refuse strings with
-- \\u0000. So a settlement's data patch is appended to the patches array rather than
-- merged here, and the merge happens when the entry is read.

-- The batch write function is created by migration 2 (record versions from a sequence).

CREATE FUNCTION ${n.delete}(p_ns text, p_keys text[], p_if bigint[])
RETURNS TABLE (o_index integer, o_deleted boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
	i integer;
	v_now bigint := ${NOW_MS};
	v_version bigint;
	v_expires bigint;
BEGIN
	FOR i IN ${inLockOrder('p_keys')} LOOP
		o_index := i;
		o_deleted := false;
		SELECT r.version, r.expires_at INTO v_version, v_expires
			FROM ${n.records} r WHERE r.ns = p_ns AND r.key = p_keys[i] FOR UPDATE;
		IF FOUND THEN
			-- An expired row is absent to callers: it goes, but does not count as deleted.
			IF (v_expires IS NOT NULL AND v_expires <= v_now) OR p_if[i] IS NULL OR p_if[i] = v_version THEN
				DELETE FROM ${n.records} r WHERE r.ns = p_ns AND r.key = p_keys[i];
				o_deleted := v_expires IS NULL OR v_expires > v_now;
			END IF;
		END IF;
		RETURN NEXT;
	END LOOP;
END
$fn$;

CREATE FUNCTION ${n.increment}(p_ns text, p_keys text[], p_by bigint[], p_ttl bigint[], p_sweep boolean)
RETURNS TABLE (o_index integer, o_value bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
	i integer;
	v_now bigint := ${NOW_MS};
	v_value bigint;
	v_expires bigint;
	v_attempt integer;
BEGIN
	FOR i IN ${inLockOrder('p_keys')} LOOP
		o_index := i;
		v_attempt := 0;
		LOOP
			v_attempt := v_attempt + 1;
			IF v_attempt > 50 THEN
				RAISE EXCEPTION 'guards: increment of % kept racing', p_keys[i] USING ERRCODE = '40001';
			END IF;
			SELECT c.value, c.expires_at INTO v_value, v_expires
				FROM ${n.counters} c WHERE c.ns = p_ns AND c.key = p_keys[i] FOR UPDATE;
			IF NOT FOUND OR (v_expires IS NOT NULL AND v_expires <= v_now) THEN
				-- Absent or expired: the counter starts again, with this increment's TTL.
				v_value := 0;
				v_expires := CASE WHEN p_ttl[i] IS NULL THEN NULL ELSE v_now + p_ttl[i] END;
			END IF;
			o_value := v_value + p_by[i];
			IF abs(o_value) > ${SAFE_MAX} THEN
				RAISE EXCEPTION 'guards: counter out of the safe integer range'
					USING ERRCODE = '22003', DETAIL = i::text, HINT = o_value::text;
			END IF;
			IF FOUND THEN
				UPDATE ${n.counters} c SET value = o_value, expires_at = v_expires WHERE c.ns = p_ns AND c.key = p_keys[i];
				EXIT;
			END IF;
			INSERT INTO ${n.counters} (ns, key, value, expires_at) VALUES (p_ns, p_keys[i], o_value, v_expires)
				ON CONFLICT (ns, key) DO NOTHING;
			IF FOUND THEN
				EXIT;
			END IF;
		END LOOP;
		RETURN NEXT;
	END LOOP;
	IF p_sweep THEN
		DELETE FROM ${n.counters} c USING (
			SELECT s.ns, s.key FROM ${n.counters} s WHERE s.expires_at <= v_now LIMIT 500 FOR UPDATE SKIP LOCKED
		) e WHERE c.ns = e.ns AND c.key = e.key;
	END IF;
END
$fn$;

CREATE FUNCTION ${n.settle}(p_queue text, p_ids text[], p_owners text[], p_statuses text[], p_patches text[])
RETURNS TABLE (o_index integer, o_applied boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
	i integer;
	v_now bigint := ${NOW_MS};
	v_status text;
	v_lease_until bigint;
	v_lease_owner text;
BEGIN
	FOR i IN ${inLockOrder('p_ids')} LOOP
		o_index := i;
		o_applied := false;
		SELECT q.status, q.lease_until, q.lease_owner INTO v_status, v_lease_until, v_lease_owner
			FROM ${n.queue} q WHERE q.queue = p_queue AND q.id = p_ids[i] FOR UPDATE;
		-- With an owner: only while that owner's lease runs. Without: any open entry.
		-- (No CASE here: plpgsql ends an IF condition at the first THEN.)
		IF FOUND AND (
			(p_owners[i] IS NULL AND v_status IN ('pending', 'leased'))
			OR (p_owners[i] IS NOT NULL AND v_status = 'leased' AND v_lease_owner = p_owners[i] AND v_lease_until > v_now)
		) THEN
			UPDATE ${n.queue} q SET
				status = p_statuses[i],
				updated_at = v_now,
				lease_until = NULL,
				lease_owner = NULL,
				patches = CASE WHEN p_patches[i] IS NULL THEN q.patches ELSE q.patches || p_patches[i]::json END
				WHERE q.queue = p_queue AND q.id = p_ids[i];
			o_applied := true;
		END IF;
		RETURN NEXT;
	END LOOP;
END
$fn$;
`,
	},
	{
		version: 2,
		name: 'record versions from a store-wide sequence; the batch write function',
		// Every write takes the next value of one sequence, so a key never gets a version
		// back after it expired or was deleted (compare-and-set cannot mistake a new record
		// for an old one). Seeded above every stored version: older records keep working.
		sql: (n) => `
CREATE SEQUENCE ${n.versions} AS bigint;
SELECT setval('${n.versions}', coalesce((SELECT max(version) FROM ${n.records}), 0) + 1, false);

CREATE OR REPLACE FUNCTION ${n.write}(p_ns text, p_keys text[], p_values text[], p_if bigint[], p_ttl bigint[], p_sweep boolean)
RETURNS TABLE (o_index integer, o_applied boolean, o_version bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
	i integer;
	v_now bigint := ${NOW_MS};
	v_stored bigint;
	v_stored_expires bigint;
	v_current bigint;
	v_expires bigint;
	v_attempt integer;
BEGIN
	FOR i IN ${inLockOrder('p_keys')} LOOP
		o_index := i;
		v_expires := CASE WHEN p_ttl[i] IS NULL THEN NULL ELSE v_now + p_ttl[i] END;
		v_attempt := 0;
		LOOP
			v_attempt := v_attempt + 1;
			IF v_attempt > 50 THEN
				RAISE EXCEPTION 'guards: write of % kept racing', p_keys[i] USING ERRCODE = '40001';
			END IF;
			SELECT r.version, r.expires_at INTO v_stored, v_stored_expires
				FROM ${n.records} r WHERE r.ns = p_ns AND r.key = p_keys[i] FOR UPDATE;
			IF FOUND THEN
				v_current := CASE WHEN v_stored_expires IS NOT NULL AND v_stored_expires <= v_now THEN 0 ELSE v_stored END;
				IF p_if[i] IS NOT NULL AND p_if[i] <> v_current THEN
					o_applied := false;
					o_version := v_current;
				ELSE
					-- Above the stored version too, should a process from before the
					-- sequence have written it.
					o_version := greatest(nextval('${n.versions}'), v_stored + 1);
					UPDATE ${n.records} r SET value = p_values[i]::json, version = o_version, expires_at = v_expires
						WHERE r.ns = p_ns AND r.key = p_keys[i];
					o_applied := true;
				END IF;
				EXIT;
			END IF;
			IF p_if[i] IS NOT NULL AND p_if[i] <> 0 THEN
				o_applied := false;
				o_version := 0;
				EXIT;
			END IF;
			o_version := nextval('${n.versions}');
			INSERT INTO ${n.records} (ns, key, value, version, expires_at)
				VALUES (p_ns, p_keys[i], p_values[i]::json, o_version, v_expires)
				ON CONFLICT (ns, key) DO NOTHING;
			IF FOUND THEN
				o_applied := true;
				EXIT;
			END IF;
			-- A concurrent transaction inserted the key after our SELECT; it has committed
			-- (ON CONFLICT waited for it), so the next SELECT sees and locks it.
		END LOOP;
		RETURN NEXT;
	END LOOP;
	IF p_sweep THEN
		DELETE FROM ${n.records} r USING (
			SELECT s.ns, s.key FROM ${n.records} s WHERE s.expires_at <= v_now LIMIT 500 FOR UPDATE SKIP LOCKED
		) e WHERE r.ns = e.ns AND r.key = e.key;
	END IF;
END
$fn$;
`,
	},
];

const QUEUE_RETURNING =
	'q.id, q.queue, q.status, q.category, q.data::text AS data, q.patches::text[] AS patches, q.attempts, q.enqueued_at, q.updated_at, q.lease_until, q.lease_owner';

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
		return new StoreError('postgres', this.location, message, error);
	}
}

/** The durable dead-letter queue: each call is one statement. */
class PostgresQueue implements RecordQueue {
	constructor(
		private readonly store: PostgresStore,
		private readonly names: Names,
	) {}

	async enqueue(queue: string, entries: NewQueueEntry[]): Promise<string[]> {
		const name = assertQueueName(queue);
		const batch = normalizeEntries(entries);
		if (batch.length === 0) return [];
		const rows = await this.store.query<{ id: string }>(
			'enqueue',
			`WITH clock AS (SELECT ${NOW_MS} AS now)
			INSERT INTO ${this.names.queue} (queue, id, status, category, data, attempts, enqueued_at, updated_at)
			SELECT $1, e.id, 'pending', e.category, e.data::json, 0, clock.now, clock.now
			FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS e(id, category, data, position), clock
			ORDER BY e.position
			ON CONFLICT (queue, id) DO NOTHING
			RETURNING id`,
			[name, batch.map((e) => e.id), batch.map((e) => e.category), batch.map((e) => e.json)],
		);
		const added = new Set(rows.map((row) => row.id));
		return [...new Set(batch.map((entry) => entry.id))].filter((id) => added.has(id));
	}

	async lease(queue: string, request: LeaseRequest): Promise<QueueEntry[]> {
		const name = assertQueueName(queue);
		const lease = normalizeLease(request);
		// SKIP LOCKED: concurrent leasers take different entries instead of queueing up.
		const rows = await this.store.query<QueueRow & { now: string }>(
			'lease',
			`WITH clock AS (SELECT ${NOW_MS} AS now),
			picked AS (
				SELECT q.queue, q.id FROM ${this.names.queue} q, clock
				WHERE q.queue = $1
					AND (q.status = 'pending' OR (q.status = 'leased' AND q.lease_until <= clock.now))
					AND ($2::text[] IS NULL OR q.id = ANY($2::text[]))
					AND ($3::text[] IS NULL OR q.category = ANY($3::text[]))
					AND ($4::bigint IS NULL OR q.enqueued_at < $4::bigint)
				ORDER BY q.enqueued_at, q.id
				LIMIT $5
				FOR UPDATE OF q SKIP LOCKED
			)
			UPDATE ${this.names.queue} q
			SET status = 'leased', attempts = q.attempts + 1, lease_until = clock.now + $6::bigint, lease_owner = $7, updated_at = clock.now
			FROM picked, clock
			WHERE q.queue = picked.queue AND q.id = picked.id
			RETURNING ${QUEUE_RETURNING}, clock.now`,
			[
				name,
				lease.ids,
				lease.categories,
				lease.enqueuedBefore,
				lease.limit,
				lease.leaseMs,
				lease.owner,
			],
		);
		return rows.map((row) => queueEntryFromRow(row, Number(row.now))).sort(byEnqueueOrder);
	}

	async settle(queue: string, settlements: QueueSettlement[]): Promise<boolean[]> {
		const name = assertQueueName(queue);
		const batch = normalizeSettlements(settlements);
		if (batch.length === 0) return [];
		const rows = await this.store.query<{ o_index: number; o_applied: boolean }>(
			'settle',
			`SELECT o_index, o_applied FROM ${this.names.settle}($1, $2::text[], $3::text[], $4::text[], $5::text[])`,
			[
				name,
				batch.map((s) => s.id),
				batch.map((s) => s.owner),
				batch.map((s) => s.status),
				batch.map((s) => s.patchJson),
			],
		);
		return inOrder(rows).map((row) => row.o_applied);
	}

	async stats(queue: string): Promise<QueueStats> {
		const name = assertQueueName(queue);
		const rows = await this.store.query<{
			now: string;
			pending: string;
			leased: string;
			done: string;
			discarded: string;
			oldest: string | null;
		}>(
			'stats',
			`WITH clock AS (SELECT ${NOW_MS} AS now)
			SELECT clock.now,
				count(q.id) FILTER (WHERE q.status = 'pending' OR (q.status = 'leased' AND q.lease_until <= clock.now)) AS pending,
				count(q.id) FILTER (WHERE q.status = 'leased' AND q.lease_until > clock.now) AS leased,
				count(q.id) FILTER (WHERE q.status = 'done') AS done,
				count(q.id) FILTER (WHERE q.status = 'discarded') AS discarded,
				min(q.enqueued_at) FILTER (WHERE q.status IN ('pending', 'leased')) AS oldest
			FROM clock LEFT JOIN ${this.names.queue} q ON q.queue = $1
			GROUP BY clock.now`,
			[name],
		);
		const row = rows[0];
		return {
			pending: Number(row.pending),
			leased: Number(row.leased),
			done: Number(row.done),
			discarded: Number(row.discarded),
			oldestOpenAt: row.oldest === null ? null : Number(row.oldest),
			now: Number(row.now),
		};
	}

	async list(queue: string, options: QueueListOptions): Promise<QueueEntry[]> {
		const name = assertQueueName(queue);
		const list = normalizeList(options);
		const rows = await this.store.query<QueueRow & { now: string }>(
			'list',
			`WITH clock AS (SELECT ${NOW_MS} AS now)
			SELECT ${QUEUE_RETURNING}, clock.now FROM ${this.names.queue} q, clock
			WHERE q.queue = $1
				AND ($2::text[] IS NULL OR (CASE WHEN q.status = 'leased' AND q.lease_until <= clock.now THEN 'pending' ELSE q.status END) = ANY($2::text[]))
				AND ($3::text[] IS NULL OR q.id = ANY($3::text[]))
				AND ($4::text[] IS NULL OR q.category = ANY($4::text[]))
			ORDER BY q.enqueued_at, q.id
			LIMIT $5`,
			[name, list.statuses, list.ids, list.categories, list.limit],
		);
		return rows.map((row) => queueEntryFromRow(row, Number(row.now)));
	}

	async purge(queue: string, before: number): Promise<number> {
		const name = assertQueueName(queue);
		const cutoff = assertTimestamp(before, 'Purge before');
		const rows = await this.store.query<{ purged: string }>(
			'purge',
			`WITH purged AS (
				DELETE FROM ${this.names.queue} WHERE queue = $1 AND status IN ('done', 'discarded') AND updated_at < $2 RETURNING 1
			) SELECT count(*) AS purged FROM purged`,
			[name, cutoff],
		);
		return Number(rows[0].purged);
	}
}

/** Function rows carry their 1-based batch index; order by it rather than trust row order. */
function inOrder<R extends { o_index: number }>(rows: R[]): R[] {
	return [...rows].sort((a, b) => a.o_index - b.o_index);
}
