import { byEnqueueOrder, queueEntryFromRow, type QueueRow } from '../common';
import {
	assertQueueName,
	assertTimestamp,
	normalizeEntries,
	normalizeLease,
	normalizeList,
	normalizePurge,
	normalizeSettlements,
} from '../validate';
import type {
	LeaseRequest,
	NewQueueEntry,
	QueueEntry,
	PurgeOptions,
	QueueListOptions,
	QueueSettlement,
	QueueStats,
	RecordQueue,
} from '../types';
import { inOrder, NOW_MS, type Names } from './migrations';
import type { PostgresStore } from './store';

const QUEUE_RETURNING =
	'q.id, q.queue, q.status, q.category, q.data::text AS data, q.patches::text[] AS patches, q.attempts, q.enqueued_at, q.updated_at, q.lease_until, q.lease_owner, q.jitter';

/** When the entry's last try ended: a lease that ran out ended then; else its last update. */
const LAST_TRY = `(CASE WHEN q.status = 'leased' THEN q.lease_until ELSE q.updated_at END)`;

/**
 * The vendor's Retry-After of the entry's last failure: from the newest settlement patch
 * that carries an error, else from the data. json operators only: a jsonb cast would
 * refuse a record holding \u0000.
 */
const RETRY_AFTER = `(coalesce(
	(SELECT p -> 'error' FROM unnest(q.patches) WITH ORDINALITY AS u(p, i) WHERE p -> 'error' IS NOT NULL ORDER BY i DESC LIMIT 1),
	q.data -> 'error'
) -> 'retryAfterSeconds')`;

/** The rules $8 (JSON, see normalizeDue) as a table, built once per lease rather than once per entry. */
const RULES = `due_rule AS MATERIALIZED (
	SELECT * FROM json_to_recordset(coalesce($8::json, '[]'::json))
		AS r(c text, a0 bigint, a1 bigint, w double precision, j double precision, ra double precision, rm double precision, rb bigint)
)`;

/**
 * An entry due under one of the rules, or enqueued before $9 (to be parked); with no
 * rules ($8 null), every entry. The Retry-After is read only for rules that honour it.
 */
const DUE = `($8::json IS NULL OR ($9::bigint IS NOT NULL AND q.enqueued_at < $9::bigint) OR EXISTS (
	SELECT 1 FROM due_rule AS r
	WHERE r.c = q.category
		AND q.attempts BETWEEN r.a0 AND r.a1
		AND (r.rb IS NULL OR ${LAST_TRY} <= r.rb)
		AND ${LAST_TRY} + (CASE
			WHEN r.ra IS NULL THEN r.w + r.j * q.jitter
			ELSE (SELECT CASE
				WHEN json_typeof(ra.value) = 'number' AND ra.value::text::double precision >= 0
				THEN least(ra.value::text::double precision * 1000, r.rm) * (1 + r.ra * q.jitter)
				ELSE r.w + r.j * q.jitter
			END FROM (SELECT ${RETRY_AFTER} AS value) AS ra)
		END) <= clock.now
))`;

/** Most entries one enqueue statement carries: a larger batch is several statements in one transaction. */
const ENQUEUE_CHUNK = 5000;

/** The durable dead-letter queue: each call is one statement (a large enqueue: one transaction). */
export class PostgresQueue implements RecordQueue {
	constructor(
		private readonly store: PostgresStore,
		private readonly names: Names,
	) {}

	async enqueue(queue: string, entries: NewQueueEntry[]): Promise<string[]> {
		const name = assertQueueName(queue);
		const batch = normalizeEntries(entries);
		if (batch.length === 0) return [];
		// The data as one JSON array rather than a text[]: node-pg
		// escapes a text[] element by element (about 1 s per 10,000 records of 400 bytes,
		// which put a 100,000-item capture past the statement timeout); the records are JSON text already.
		const sql = `WITH clock AS (SELECT ${NOW_MS} AS now)
			INSERT INTO ${this.names.queue} (queue, id, status, category, data, attempts, enqueued_at, updated_at, jitter)
			SELECT $1, e.id, 'pending', e.category, e.data, 0, clock.now, clock.now, random()
			FROM ROWS FROM (unnest($2::text[]), unnest($3::text[]), json_array_elements($4::json))
				WITH ORDINALITY AS e(id, category, data, position), clock
			ORDER BY e.position
			ON CONFLICT (queue, id) DO NOTHING
			RETURNING id`;
		const rows =
			batch.length <= ENQUEUE_CHUNK
				? await this.store.query<{ id: string }>('enqueue', sql, [
						name,
						...entriesParameters(batch),
					])
				: // A large batch in several statements, each within the timeout, in one transaction: all or nothing.
					await this.store.transaction('enqueue', async (query) => {
						const inserted: Array<{ id: string }> = [];
						for (let start = 0; start < batch.length; start += ENQUEUE_CHUNK) {
							const chunk = batch.slice(start, start + ENQUEUE_CHUNK);
							inserted.push(
								...(await query<{ id: string }>(sql, [name, ...entriesParameters(chunk)])),
							);
						}
						return inserted;
					});
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
			${RULES},
			picked AS (
				SELECT q.queue, q.id FROM ${this.names.queue} q, clock
				WHERE q.queue = $1
					AND (q.status = 'pending' OR (q.status = 'leased' AND q.lease_until <= clock.now))
					AND ($2::text[] IS NULL OR q.id = ANY($2::text[]))
					AND ($3::text[] IS NULL OR q.category = ANY($3::text[]))
					AND ($4::bigint IS NULL OR q.enqueued_at < $4::bigint)
					AND ${DUE}
				ORDER BY q.enqueued_at, q.id
				LIMIT $5
				FOR UPDATE OF q SKIP LOCKED
			)
			UPDATE ${this.names.queue} q
			SET status = 'leased', attempts = q.attempts + 1, lease_until = clock.now + $6::bigint, lease_owner = $7, updated_at = clock.now,
				jitter = random()
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
				lease.dueJson,
				lease.parkBefore,
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
			`SELECT o_index, o_applied FROM ${this.names.settle}($1, $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[])`,
			[
				name,
				batch.map((s) => s.id),
				batch.map((s) => s.owner),
				batch.map((s) => s.status),
				batch.map((s) => s.patchJson),
				batch.map((s) => s.category),
				batch.map((s) => s.uncount),
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

	async purge(queue: string, before: number, options?: PurgeOptions): Promise<number> {
		const name = assertQueueName(queue);
		const cutoff = assertTimestamp(before, 'Purge before');
		const { statuses, limit } = normalizePurge(options);
		// Oldest settled first, at most `limit` (null: all), by the settled-entry index;
		// SKIP LOCKED: two purges at once delete different entries rather than wait.
		const rows = await this.store.query<{ purged: string }>(
			'purge',
			`WITH doomed AS (
				SELECT queue, id FROM ${this.names.queue}
				WHERE queue = $1 AND status = ANY($3::text[]) AND updated_at < $2
				ORDER BY updated_at LIMIT $4
				FOR UPDATE SKIP LOCKED
			), purged AS (
				DELETE FROM ${this.names.queue} q USING doomed d WHERE q.queue = d.queue AND q.id = d.id RETURNING 1
			) SELECT count(*) AS purged FROM purged`,
			[name, cutoff, statuses, limit],
		);
		return Number(rows[0].purged);
	}
}

/**
 * A batch as parameters: ids and categories as text[] (short: node-pg's escaping costs
 * little there), the data as one JSON array with each entry's JSON text spliced in. The
 * data is read back as json, never as text, so a `\u0000` in it stays what it was.
 */
function entriesParameters(
	batch: ReadonlyArray<{ id: string; category: string | null; json: string }>,
): [string[], Array<string | null>, string] {
	const ids = new Array<string>(batch.length);
	const categories = new Array<string | null>(batch.length);
	const data = new Array<string>(batch.length);
	for (let index = 0; index < batch.length; index++) {
		ids[index] = batch[index].id;
		categories[index] = batch[index].category;
		data[index] = batch[index].json;
	}
	return [ids, categories, `[${data.join(',')}]`];
}
