import type { SQLInputValue } from 'node:sqlite';
import { byEnqueueOrder, mergeJsonObjects, queueEntryFromRow, type QueueRow } from '../common';
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
import type { SqliteStore } from './store';

/** A status as the caller sees it: a leased entry whose lease ran out is pending. */
const LOGICAL_STATUS = `CASE WHEN status = 'leased' AND lease_until <= ?1 THEN 'pending' ELSE status END`;

const QUEUE_COLUMNS =
	'id, queue, status, category, data, attempts, enqueued_at, updated_at, lease_until, lease_owner, jitter';

/** A fresh redelivery draw, 0 ≤ u < 1 (random() is a signed 64-bit integer; abs() could overflow). */
const DRAW = '(((random() % 1000000) + 1000000) % 1000000) / 1000000.0';

/** When the entry's last try ended: a lease that ran out ended then; else its last update. */
const LAST_TRY = `(CASE WHEN q.status = 'leased' THEN q.lease_until ELSE q.updated_at END)`;

/** The vendor's Retry-After the entry's last failure recorded, when a number of 0 or more. */
const RETRY_AFTER = `json_extract(q.data, '$.error.retryAfterSeconds')`;

/** The rules ?9 (JSON, see normalizeDue) as a table, read once per lease rather than once per entry. */
const RULES = `due_rule AS MATERIALIZED (
	SELECT json_extract(value, '$.c') AS c, json_extract(value, '$.a0') AS a0,
		json_extract(value, '$.a1') AS a1, json_extract(value, '$.w') AS w, json_extract(value, '$.j') AS j,
		json_extract(value, '$.ra') AS ra, json_extract(value, '$.rm') AS rm, json_extract(value, '$.rb') AS rb
	FROM json_each(coalesce(?9, '[]'))
)`;

/**
 * An entry due under one of the rules, or enqueued before ?10 (to be parked); with no
 * rules (?9 null), every entry. The Retry-After is read from the data only for rules
 * that honour it.
 */
const DUE = `(?9 IS NULL OR (?10 IS NOT NULL AND q.enqueued_at < ?10) OR (
	q.category IN (SELECT c FROM due_rule) AND EXISTS (
	SELECT 1 FROM due_rule AS r
	WHERE r.c = q.category
		AND q.attempts BETWEEN r.a0 AND r.a1
		AND (r.rb IS NULL OR ${LAST_TRY} <= r.rb)
		AND ${LAST_TRY} + (CASE
			WHEN r.ra IS NULL THEN r.w + r.j * q.jitter
			WHEN json_type(q.data, '$.error.retryAfterSeconds') IN ('integer', 'real') AND ${RETRY_AFTER} >= 0
			THEN min(${RETRY_AFTER} * 1000.0, r.rm) * (1 + r.ra * q.jitter)
			ELSE r.w + r.j * q.jitter
		END) <= ?1
)))`;

/** The dead-letter queue of the embedded store: each call is one transaction. */
export class SqliteQueue implements RecordQueue {
	constructor(private readonly store: SqliteStore) {}

	async enqueue(queue: string, entries: NewQueueEntry[]): Promise<string[]> {
		const name = assertQueueName(queue);
		const batch = normalizeEntries(entries);
		if (batch.length === 0) return [];
		return this.store.transaction('enqueue', (now) => {
			const insert = this.store.statement(
				`INSERT INTO guards_queue (queue, id, status, category, data, attempts, enqueued_at, updated_at, jitter)
				VALUES (?, ?, 'pending', ?, ?, 0, ?, ?, ${DRAW}) ON CONFLICT (queue, id) DO NOTHING`,
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
					SET status = 'leased', attempts = attempts + 1, lease_until = ?1 + ?7, lease_owner = ?8, updated_at = ?1,
						jitter = ${DRAW}
					WHERE queue = ?2 AND id IN (
						WITH ${RULES}
						SELECT q.id FROM guards_queue q
						WHERE q.queue = ?2 AND (q.status = 'pending' OR (q.status = 'leased' AND q.lease_until <= ?1))
							AND (?3 IS NULL OR q.id IN (SELECT value FROM json_each(?3)))
							AND (?4 IS NULL OR q.category IN (SELECT value FROM json_each(?4)))
							AND (?5 IS NULL OR q.enqueued_at < ?5)
							AND ${DUE}
						ORDER BY q.enqueued_at, q.id LIMIT ?6
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
					lease.dueJson,
					lease.parkBefore,
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
			// A new category (the class of the failure that sent it back) replaces the old; a
			// lease that delivered nothing is taken back from attempts.
			const update = this.store.statement(
				`UPDATE guards_queue SET status = ?, data = ?, updated_at = ?, lease_until = NULL, lease_owner = NULL,
					category = coalesce(?, category), attempts = max(attempts - ?, 0)
				WHERE queue = ? AND id = ?`,
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
				update.run(
					settlement.status,
					data,
					now,
					settlement.category,
					settlement.uncount ? 1 : 0,
					name,
					settlement.id,
				);
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

	async purge(queue: string, before: number, options?: PurgeOptions): Promise<number> {
		const name = assertQueueName(queue);
		const cutoff = assertTimestamp(before, 'Purge before');
		const { statuses, limit } = normalizePurge(options);
		return this.store.transaction('purge', () => {
			// Oldest settled first, at most `limit` (-1: no limit in SQLite), by the settled-entry index.
			const result = this.store
				.statement(
					`DELETE FROM guards_queue WHERE rowid IN (
						SELECT rowid FROM guards_queue
						WHERE queue = ? AND status IN (SELECT value FROM json_each(?)) AND updated_at < ?
						ORDER BY updated_at LIMIT ?
					)`,
				)
				.run(name, JSON.stringify(statuses), cutoff, limit ?? -1);
			return Number(result.changes);
		});
	}
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
