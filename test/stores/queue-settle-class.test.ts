// Settlements that move a dead letter to another schedule (issue 19): a re-failure of
// another class changes the entry's category, so the next lease follows that class's
// rules; a lease that delivered nothing (held for input) is taken back from attempts, so
// the next wait is the step it was on, not a later one; migration 4 folds the held
// leases older versions kept in the data into attempts. On SQLite and Postgres for real,
// through the store factory's cache too (its queue passes the options on).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DatabaseSync } from 'node:sqlite';

import { closeAllStores, openStore } from '../../nodes/shared/stores/factory';
import { PostgresStore } from '../../nodes/shared/stores/postgres';
import { SqliteStore } from '../../nodes/shared/stores/sqlite';
import type { LeaseDueRule, Store } from '../../nodes/shared/stores/types';
import { postgresHarness, sqliteHarness, type StoreHarness } from '../support/stores';

function rule(category: string, attempts: number, waitMs = 0): LeaseDueRule {
	return {
		category,
		minAttempts: attempts,
		maxAttempts: attempts,
		waitMs,
		jitterMs: 0,
		retryAfterFactor: null,
		maxRetryAfterMs: 86_400_000,
		releasedAt: null,
	};
}

let counter = 0;
const queueName = () => `settle-class-${Date.now()}-${counter++}`;
const entry = (id: string, category: string, data: Record<string, unknown> = {}) => ({
	id,
	category,
	data: { v: 1, ...data } as never,
});

for (const harness of [sqliteHarness(), postgresHarness()] satisfies StoreHarness[]) {
	describe(`queue settlements that change the schedule: ${harness.backend}`, () => {
		let store: Store;
		before(async () => {
			await harness.check();
			store = harness.create();
		});
		after(async () => {
			await store.close();
			await closeAllStores();
			await harness.cleanup();
		});

		const lease = (name: string, rules: LeaseDueRule[], owner = 'poller') =>
			store.queue!.lease(name, {
				limit: 100,
				leaseMs: 60_000,
				owner,
				due: { rules, parkBefore: null },
			});

		test('a re-failure of another class moves the entry to that class: its rules lease it, the old ones no more', async () => {
			const name = queueName();
			await store.queue!.enqueue(name, [entry('a', 'transient'), entry('b', 'transient')]);
			assert.deepEqual(
				(await lease(name, [rule('transient', 0)])).map((e) => e.id),
				['a', 'b'],
			);
			const applied = await store.queue!.settle(name, [
				{ id: 'a', owner: 'poller', status: 'pending', category: 'rateLimit', dataPatch: { n: 1 } },
				{ id: 'b', owner: 'poller', status: 'pending' },
			]);
			assert.deepEqual(applied, [true, true]);
			const listed = await store.queue!.list(name, { limit: 10 });
			assert.deepEqual(
				listed.map((e) => [e.id, e.category, e.attempts]),
				[
					['a', 'rateLimit', 1],
					['b', 'transient', 1],
				],
				'the category changed only where the settlement gave one; attempts kept',
			);
			assert.equal(listed[0].data.n, 1);
			// The transient rule of step 2 takes only b; a follows the rate-limit rules now.
			assert.deepEqual(
				(await lease(name, [rule('transient', 1)])).map((e) => e.id),
				['b'],
			);
			assert.deepEqual(
				(await lease(name, [rule('rateLimit', 1)])).map((e) => e.id),
				['a'],
			);
			// A settlement that does not apply (no live lease of that owner) changes nothing.
			assert.deepEqual(
				await store.queue!.settle(name, [
					{ id: 'a', owner: 'someone else', status: 'pending', category: 'data' },
				]),
				[false],
			);
			assert.equal(
				(await store.queue!.list(name, { ids: ['a'], limit: 1 }))[0].category,
				'rateLimit',
			);
		});

		test('a lease settled with countLease false is taken back: the next lease is ruled by the same step', async () => {
			const name = queueName();
			await store.queue!.enqueue(name, [entry('h', 'transient'), entry('d', 'transient')]);
			await lease(name, [rule('transient', 0)]);
			await store.queue!.settle(name, [
				{ id: 'h', owner: 'poller', status: 'pending', countLease: false },
				{ id: 'd', owner: 'poller', status: 'pending' },
			]);
			const listed = await store.queue!.list(name, { limit: 10 });
			assert.deepEqual(listed.map((e) => [e.id, e.attempts]).sort(), [
				['d', 1],
				['h', 0],
			]);
			// Held three times more: still step 1 (attempts 0), never a later step's wait.
			for (let round = 0; round < 3; round++) {
				const [held] = await lease(name, [rule('transient', 0)], `holder-${round}`);
				assert.equal(held.id, 'h');
				assert.equal(held.attempts, 1);
				await store.queue!.settle(name, [
					{ id: 'h', owner: `holder-${round}`, status: 'pending', countLease: false },
				]);
			}
			assert.deepEqual(await lease(name, [rule('transient', 2)]), [], 'no step past its tries');
			const again = await lease(name, [rule('transient', 0), rule('transient', 1)]);
			assert.deepEqual(again.map((e) => [e.id, e.attempts]).sort(), [
				['d', 2],
				['h', 1],
			]);
			// Never below zero, and only the owner of a live lease takes one back.
			assert.deepEqual(
				await store.queue!.settle(name, [
					{ id: 'h', owner: 'not the holder', status: 'pending', countLease: false },
				]),
				[false],
			);
			await assert.rejects(
				store.queue!.settle(name, [{ id: 'h', status: 'pending', countLease: false }]),
				/countLease false needs the owner/,
			);
			await assert.rejects(
				store.queue!.settle(name, [
					{ id: 'h', owner: 'poller', status: 'pending', countLease: 'no' as never },
				]),
				TypeError,
			);
			await assert.rejects(
				store.queue!.settle(name, [{ id: 'h', owner: 'poller', status: 'pending', category: '' }]),
				TypeError,
			);
		});

		test('the factory-cached queue passes settlement fields and purge bounds through', async () => {
			const cached = openStore(harness.config());
			const name = queueName();
			await cached.queue!.enqueue(name, [entry('c', 'transient'), entry('p', 'transient')]);
			await cached.queue!.lease(name, {
				limit: 10,
				leaseMs: 60_000,
				owner: 'cache',
				due: { rules: [rule('transient', 0)], parkBefore: null },
			});
			await cached.queue!.settle(name, [
				{ id: 'c', owner: 'cache', status: 'done', category: 'data' },
				{ id: 'p', owner: 'cache', status: 'discarded' },
			]);
			assert.equal((await cached.queue!.list(name, { ids: ['c'], limit: 1 }))[0].category, 'data');
			await new Promise((resolve) => setTimeout(resolve, 5));
			assert.equal(
				await cached.queue!.purge(name, Date.now(), { statuses: ['done'], limit: 10 }),
				1,
				'only the resolved entry: the parked one is kept',
			);
			assert.deepEqual(
				(await cached.queue!.list(name, { limit: 10 })).map((e) => e.id),
				['p'],
			);
		});

		test('migration 4 folds the held leases older versions kept in the data into attempts', async () => {
			const name = queueName();
			const legacy = await storeAtMigration3(harness, name);
			try {
				const listed = await legacy.queue!.list(name, { limit: 10 });
				assert.deepEqual(
					listed.map((e) => [e.id, e.attempts, e.data.heldLeases ?? null]),
					[
						['held2', 1, 0],
						['held9', 0, 0],
						['none', 2, null],
						['odd', 3, 1.5],
					],
					'held2: 3 leases, 2 held; held9: more held than leased, never below 0; a non-integer left alone',
				);
				// The folded entry follows the step of its one try.
				assert.deepEqual(
					(
						await legacy.queue!.lease(name, {
							limit: 10,
							leaseMs: 60_000,
							owner: 'after',
							due: { rules: [rule('transient', 1)], parkBefore: null },
						})
					).map((e) => e.id),
					['held2'],
				);
			} finally {
				await legacy.close();
			}
		});
	});
}

/**
 * A store whose queue was written by a version before migration 4: every migration
 * applied, then migration 4 forgotten and entries with held leases in their data (and,
 * on Postgres, in a settlement patch) put in; opened again by this code, which migrates.
 */
async function storeAtMigration3(harness: StoreHarness, queue: string): Promise<Store> {
	const config = harness.config();
	const rows: Array<[string, number, Record<string, unknown>]> = [
		['held2', 3, { heldLeases: 2 }],
		['held9', 2, { heldLeases: 9 }],
		['none', 2, {}],
		['odd', 3, { heldLeases: 1.5 }],
	];
	const now = Date.now() - 10_000;
	if (config.backend === 'sqlite') {
		const file = config.file.replace(/\.sqlite$/, `-${queue}.sqlite`);
		const setup = new SqliteStore({ ...config, file });
		await setup.ping();
		await setup.close();
		const db = new DatabaseSync(file);
		db.exec('DELETE FROM guards_migrations WHERE version > 3');
		const insert = db.prepare(
			`INSERT INTO guards_queue (queue, id, status, category, data, attempts, enqueued_at, updated_at, jitter)
			VALUES (?, ?, 'pending', 'transient', ?, ?, ?, ?, 0.5)`,
		);
		for (const [id, attempts, data] of rows)
			insert.run(queue, id, JSON.stringify({ v: 1, ...data }), attempts, now, now);
		db.close();
		return new SqliteStore({ ...config, file });
	}
	if (config.backend !== 'postgres') throw new Error('a durable backend');
	const tablePrefix = `${config.tablePrefix}m4${counter++}_`;
	const setup = new PostgresStore({ ...config, tablePrefix, maxConnections: 1 });
	try {
		await setup.ping();
		const table = (name: string) => `"${config.schema}"."${tablePrefix}${name}"`;
		await setup.query('setup', `DELETE FROM ${table('migrations')} WHERE version > 3`, []);
		for (const [id, attempts, data] of rows) {
			// held2's count sits in a settlement patch over an older one in the data.
			const [base, patches] =
				id === 'held2'
					? [{ v: 1, heldLeases: 1 }, [JSON.stringify({ heldLeases: 2 })]]
					: [{ v: 1, ...data }, []];
			await setup.query(
				'setup',
				`INSERT INTO ${table('queue')} (queue, id, status, category, data, patches, attempts, enqueued_at, updated_at, jitter)
				VALUES ($1, $2, 'pending', 'transient', $3::json, $4::json[], $5, $6, $6, 0.5)`,
				[queue, id, JSON.stringify(base), patches, attempts, now],
			);
		}
	} finally {
		await setup.close();
	}
	return new PostgresStore({ ...config, tablePrefix });
}
