import type { DatabaseSync } from 'node:sqlite';

/** The embedded store's SQL: the versioned migrations of its tables, and how far a file has come. */
/** Every table is prefixed: the file may be shared with other software. */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
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
	{
		version: 3,
		name: 'queue redelivery draw; settled-entry index for bounded purges',
		// Existing entries get the middle draw: their next wait is the schedule's, unjittered.
		sql: `
			ALTER TABLE guards_queue ADD COLUMN jitter REAL NOT NULL DEFAULT 0.5;
			CREATE INDEX IF NOT EXISTS guards_queue_settled ON guards_queue (queue, status, updated_at);
		`,
	},
	{
		version: 4,
		name: 'queue attempts without held leases',
		// From here on a lease settled with countLease false is taken back from attempts, so
		// the redelivery rules see only tries. Dead letters held before counted them in their
		// data (heldLeases): fold those counts into attempts once, and zero them.
		sql: `
			UPDATE guards_queue
			SET attempts = max(attempts - json_extract(data, '$.heldLeases'), 0),
				data = json_set(data, '$.heldLeases', 0)
			WHERE json_valid(data) AND json_type(data, '$.heldLeases') = 'integer'
				AND json_extract(data, '$.heldLeases') > 0;
		`,
	},
];

export const LATEST_MIGRATION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The last migration applied, read without taking the write lock. */
export function schemaVersion(db: DatabaseSync): number {
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
