/**
 * Store conformance of `insert` (the first claims of Idempotent Write, in one round trip),
 * run for real against SQLite, Redis and Postgres. Race results print as `[race] ...`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { Store } from '../../nodes/shared/stores';
import {
	eventually,
	postgresHarness,
	redisHarness,
	sqliteHarness,
	type StoreHarness,
} from '../support/stores';

let counter = 0;
const fresh = (label: string) => `${label}-${++counter}`;

function insertOf(store: Store) {
	assert.ok(store.insert, `${store.backend} must have insert`);
	return store.insert.bind(store);
}

for (const harness of [sqliteHarness(), redisHarness(), postgresHarness()] as StoreHarness[]) {
	const backend = harness.backend;

	describe(`store insert: ${backend}`, () => {
		let store: Store;
		before(async () => {
			await harness.check();
			store = harness.create();
		});
		after(async () => {
			await store?.close();
			await harness.cleanup();
		});

		test('creates absent keys with the stamps at the store clock; results in batch order', async () => {
			const ns = fresh('create');
			const insert = insertOf(store);
			const before = Date.now();
			const { now, results } = await insert(
				ns,
				[
					{ key: 'k-c', value: { status: 'new', n: 3 }, ttlMs: 60_000 },
					{ key: 'k-a', value: { status: 'new', n: 1 }, ttlMs: null },
					{ key: 'k-b', value: {} },
				],
				{ createdAt: 0, leaseUntil: 5000 },
			);
			assert.ok(Math.abs(now - before) < 60_000, `store clock ${now} vs ${before}`);
			assert.deepEqual(
				results.map((result) => [result.key, result.applied, result.record]),
				[
					['k-c', true, undefined],
					['k-a', true, undefined],
					['k-b', true, undefined],
				],
			);
			assert.equal(new Set(results.map((result) => result.version)).size, 3);
			const read = await store.read(ns, ['k-a', 'k-b', 'k-c']);
			assert.deepEqual(read.records.get('k-c')?.value, {
				createdAt: now,
				leaseUntil: now + 5000,
				status: 'new',
				n: 3,
			});
			assert.deepEqual(read.records.get('k-b')?.value, { createdAt: now, leaseUntil: now + 5000 });
			assert.equal(read.records.get('k-a')?.expiresAt, null);
			const expiresAt = read.records.get('k-c')?.expiresAt ?? 0;
			assert.ok(expiresAt > now + 59_000 && expiresAt <= now + 60_000, `expiresAt ${expiresAt}`);
			for (const result of results)
				assert.equal(read.records.get(result.key)?.version, result.version);
		});

		test('a live key is left alone and comes back as read returns it; a compare-and-set on an inserted record applies', async () => {
			const ns = fresh('live');
			const insert = insertOf(store);
			const [existing] = await store.write(ns, [{ key: 'old', value: { v: 1 }, ttlMs: 60_000 }]);
			const { results } = await insert(
				ns,
				[
					{ key: 'new', value: { v: 2 } },
					{ key: 'old', value: { v: 3 } },
				],
				{},
			);
			assert.equal(results[0].applied, true);
			assert.equal(results[1].applied, false);
			assert.equal(results[1].version, existing.version);
			const read = await store.read(ns, ['old']);
			assert.deepEqual(results[1].record, read.records.get('old'));
			assert.deepEqual(read.records.get('old')?.value, { v: 1 });
			const [cas] = await store.write(ns, [
				{ key: 'new', value: { v: 4 }, ifVersion: results[0].version },
			]);
			assert.equal(cas.applied, true);
			assert.ok(cas.version > results[0].version);
			const again = await insert(ns, [{ key: 'new', value: { v: 5 } }], {});
			assert.equal(again.results[0].applied, false);
			assert.deepEqual(again.results[0].record?.value, { v: 4 });
		});

		test('an expired key is created again, at a version above the expired one', async () => {
			const ns = fresh('expired');
			const insert = insertOf(store);
			const first = await insert(ns, [{ key: 'k', value: { v: 1 }, ttlMs: 200 }], {});
			assert.ok(
				await eventually(async () => !(await store.read(ns, ['k'])).records.has('k'), 2000),
				'the record did not expire within 2 s',
			);
			const second = await insert(ns, [{ key: 'k', value: { v: 2 } }], {});
			assert.equal(second.results[0].applied, true);
			assert.ok(second.results[0].version > first.results[0].version);
			assert.deepEqual((await store.read(ns, ['k'])).records.get('k')?.value, { v: 2 });
		});

		test('bad batches fail before any write: repeated keys, non-objects, stamped fields in a value', async () => {
			const ns = fresh('bad');
			const insert = insertOf(store);
			const refused = async (call: () => Promise<unknown>, message: RegExp) =>
				await assert.rejects(call, (error: unknown) => {
					return error instanceof TypeError && message.test((error as Error).message);
				});
			await refused(
				() =>
					insert(
						ns,
						[
							{ key: 'a', value: {} },
							{ key: 'a', value: {} },
						],
						{},
					),
				/repeats/,
			);
			await refused(
				() => insert(ns, [{ key: 'b', value: [1] as unknown as Record<string, never> }], {}),
				/JSON object/,
			);
			await refused(() => insert(ns, [{ key: 'c', value: { at: 1 } }], { at: 0 }), /stamped field/);
			assert.equal((await store.read(ns, ['a', 'b', 'c'])).records.size, 0);
		});

		test('12,000 keys in one batch (several scripts on Redis, statements on Postgres): each record carries the clock it was stamped at', async () => {
			const ns = fresh('large');
			const keys = Array.from({ length: 12_000 }, (_, index) => `key-${(index * 7919) % 12_000}`);
			const { now, results } = await insertOf(store)(
				ns,
				keys.map((key, index) => ({ key, value: { index } })),
				{ at: 0 },
			);
			assert.ok(results.every((result, index) => result.applied && result.key === keys[index]));
			const { records } = await store.read(ns, keys);
			results.forEach((result, index) => {
				const stampedAt = result.stampedAt ?? now;
				assert.ok(stampedAt <= now);
				assert.deepEqual(records.get(result.key)?.value, { at: stampedAt, index });
				assert.equal(records.get(result.key)?.version, result.version);
			});
		});

		test('16 stores inserting the same 200 keys at once (half in reverse): each key is created exactly once', async () => {
			const ns = fresh('race');
			const keys = Array.from({ length: 200 }, (_, index) => `key-${index}`);
			const racers = Array.from({ length: 16 }, () => harness.create(2));
			try {
				const batches = await Promise.all(
					racers.map((racer, index) =>
						insertOf(racer)(
							ns,
							(index % 2 === 0 ? keys : [...keys].reverse()).map((key) => ({
								key,
								value: { by: index },
							})),
							{ at: 0 },
						),
					),
				);
				const created = new Map<string, number>();
				for (const { results } of batches)
					for (const result of results)
						if (result.applied) created.set(result.key, (created.get(result.key) ?? 0) + 1);
				console.log(
					`[race] ${backend}: 16 concurrent inserts x 200 keys -> ${[...created.values()].reduce((a, b) => a + b, 0)} created for ${created.size} keys`,
				);
				assert.equal(created.size, 200);
				assert.ok([...created.values()].every((times) => times === 1));
				// Whoever lost saw the winner's record (or, created after its snapshot, none).
				const { records } = await store.read(ns, keys);
				for (const { results } of batches)
					for (const result of results)
						if (!result.applied && result.record)
							assert.deepEqual(result.record.value, records.get(result.key)?.value);
			} finally {
				await Promise.all(racers.map((racer) => racer.close()));
			}
		});
	});
}
