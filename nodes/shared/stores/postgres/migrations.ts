/**
 * The Postgres store's SQL: quoted names of its tables and functions, and the versioned
 * migrations that create them. Shared by the store (store.ts) and its queue (queue.ts).
 */
/** Double-quotes an identifier. Names are also validated, so this is a second line of defence. */
export function quoteIdent(name: string): string {
	return `"${name.replace(/"/g, '""')}"`;
}

// Plain, unquoted-looking names only: anything else is far more likely a typo or an
// injection attempt than a real need, and quoting alone would silently accept it.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_PREFIX_LENGTH = 40;

export function assertSchema(value: unknown): string {
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

export function assertTablePrefix(value: unknown): string {
	const prefix = value === undefined ? 'n8n_guards_' : value;
	if (typeof prefix !== 'string' || !IDENTIFIER.test(prefix) || prefix.length > MAX_PREFIX_LENGTH) {
		throw new TypeError(
			`Postgres table prefix must be 1 to ${MAX_PREFIX_LENGTH} letters, digits and underscores, not starting with a digit, got ${JSON.stringify(prefix)}`,
		);
	}
	return prefix;
}

/** The store clock: epoch milliseconds from the server, so workers with skewed clocks agree. */
export const NOW_MS = 'floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint';
export const SAFE_MAX = Number.MAX_SAFE_INTEGER;
export interface Names {
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

export function namesFor(schema: string, prefix: string): Names {
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
export function inLockOrder(keys: string): string {
	return `SELECT u.position::integer FROM unnest(${keys}) WITH ORDINALITY AS u(key, position) ORDER BY u.key COLLATE "C", u.position`;
}

/**
 * Versioned migrations, applied in order under an advisory lock. Batches that touch
 * one key several times run as plpgsql loops: each step sees the previous one, which
 * a single `INSERT ... ON CONFLICT DO UPDATE` cannot do. Rows come back tagged with
 * their batch position (o_index), since they are processed in lock order.
 */
export const MIGRATIONS: ReadonlyArray<{
	version: number;
	name: string;
	sql: (n: Names) => string;
}> = [
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
	{
		version: 3,
		name: 'queue redelivery draw; settled-entry index for bounded purges',
		// Existing entries get the middle draw: their next wait is the schedule's, unjittered.
		sql: (n) => `
ALTER TABLE ${n.queue} ADD COLUMN IF NOT EXISTS jitter double precision NOT NULL DEFAULT 0.5;
CREATE INDEX IF NOT EXISTS ${n.index('queue_settled')} ON ${n.queue} (queue, status, updated_at);
`,
	},
	{
		version: 4,
		name: 'queue settlements that change the category or take a lease back',
		// A new overload of the settle function (processes of an older package version keep
		// calling the five-argument one, which stays). From here on a lease settled with
		// countLease false is taken back from attempts, so the redelivery rules see only
		// tries; dead letters held before counted them in their data (heldLeases, the newest
		// patch that has it, else the data): folded into attempts once, and zeroed.
		sql: (n) => `
CREATE OR REPLACE FUNCTION ${n.settle}(p_queue text, p_ids text[], p_owners text[], p_statuses text[], p_patches text[],
	p_categories text[], p_uncount boolean[])
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
		IF FOUND AND (
			(p_owners[i] IS NULL AND v_status IN ('pending', 'leased'))
			OR (p_owners[i] IS NOT NULL AND v_status = 'leased' AND v_lease_owner = p_owners[i] AND v_lease_until > v_now)
		) THEN
			UPDATE ${n.queue} q SET
				status = p_statuses[i],
				updated_at = v_now,
				lease_until = NULL,
				lease_owner = NULL,
				category = coalesce(p_categories[i], q.category),
				attempts = CASE WHEN p_uncount[i] THEN greatest(q.attempts - 1, 0) ELSE q.attempts END,
				patches = CASE WHEN p_patches[i] IS NULL THEN q.patches ELSE q.patches || p_patches[i]::json END
				WHERE q.queue = p_queue AND q.id = p_ids[i];
			o_applied := true;
		END IF;
		RETURN NEXT;
	END LOOP;
END
$fn$;

WITH held AS (
	SELECT q.queue, q.id, h.value::text::numeric AS count
	FROM ${n.queue} q, LATERAL (SELECT coalesce(
		(SELECT p -> 'heldLeases' FROM unnest(q.patches) WITH ORDINALITY AS u(p, i)
			WHERE p -> 'heldLeases' IS NOT NULL ORDER BY i DESC LIMIT 1),
		q.data -> 'heldLeases'
	) AS value) AS h
	WHERE json_typeof(h.value) = 'number'
)
UPDATE ${n.queue} q
SET attempts = q.attempts - least(held.count, q.attempts)::integer,
	patches = q.patches || '{"heldLeases":0}'::json
FROM held
WHERE q.queue = held.queue AND q.id = held.id AND held.count > 0 AND held.count = floor(held.count);
`,
	},
];
/** Function rows carry their 1-based batch index; order by it rather than trust row order. */
export function inOrder<R extends { o_index: number }>(rows: R[]): R[] {
	return [...rows].sort((a, b) => a.o_index - b.o_index);
}
