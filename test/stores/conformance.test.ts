/**
 * The Store conformance suite: one set of tests, run for real against SQLite, Redis
 * and Postgres. A backend that cannot be reached fails the suite (with how to start
 * it); nothing is skipped. Race results are printed as `[race] ...` lines.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import Redis from 'ioredis';
import { closeAllStores, evictIdleStores, openStore } from '../../nodes/shared/stores/factory';
import { PostgresStore } from '../../nodes/shared/stores/postgres';
import { RedisStore } from '../../nodes/shared/stores/redis';
import { SqliteStore } from '../../nodes/shared/stores/sqlite';
import type { JsonValue } from '../../nodes/shared/core/json';
import {
	StoreError,
	type QueueEntry,
	type RecordQueue,
	type Store,
	type StoreConfig,
} from '../../nodes/shared/stores';
import {
	eventually,
	postgresHarness,
	redisHarness,
	sleep,
	sqliteHarness,
	timedRejection,
	type StoreHarness,
} from '../support/stores';

const harnesses: StoreHarness[] = [sqliteHarness(), redisHarness(), postgresHarness()];

let nameCounter = 0;
/** A namespace (or queue name) of its own per test, so tests never share state. */
function fresh(label: string): string {
	nameCounter += 1;
	return `${label}-${nameCounter}`;
}

function storeFor(config: StoreConfig): Store {
	switch (config.backend) {
		case 'sqlite':
			return new SqliteStore(config);
		case 'redis':
			return new RedisStore(config);
		case 'postgres':
			return new PostgresStore(config);
	}
}

function requireQueue(store: Store): RecordQueue {
	assert.ok(store.queue, `${store.backend} must have a queue`);
	return store.queue;
}

async function readOne(store: Store, namespace: string, key: string) {
	return (await store.read(namespace, [key])).records.get(key);
}

async function counter(store: Store, namespace: string, key: string): Promise<number> {
	const [value] = await store.increment(namespace, [{ key, by: 0 }]);
	return value;
}

function ids(entries: QueueEntry[]): string[] {
	return entries.map((entry) => entry.id);
}

/**
 * A store whose data was written before record versions came from a sequence: record
 * "live" at version 7 and record "gone" at version 9, expired (SQLite and Postgres: the
 * file or tables at their first migration, then opened by this code, which migrates).
 */
async function storeWithPreUpgradeRecords(
	harness: StoreHarness,
): Promise<{ upgraded: Store; ns: string }> {
	const ns = fresh('upgrade');
	const config = harness.config();
	const past = Date.now() - 60_000;
	if (config.backend === 'sqlite') {
		const file = config.file.replace(/\.sqlite$/, `-${ns}.sqlite`);
		const setup = new SqliteStore({ ...config, file });
		await setup.ping();
		await setup.close();
		const db = new DatabaseSync(file);
		db.exec(
			`DROP TABLE guards_sequence; DROP INDEX guards_queue_settled; ALTER TABLE guards_queue DROP COLUMN jitter; DELETE FROM guards_migrations WHERE version > 1`,
		);
		db.prepare(
			'INSERT INTO guards_records (ns, key, value, version, expires_at) VALUES (?, ?, ?, ?, ?)',
		).run(ns, 'live', '"old"', 7, null);
		db.prepare(
			'INSERT INTO guards_records (ns, key, value, version, expires_at) VALUES (?, ?, ?, ?, ?)',
		).run(ns, 'gone', '"old"', 9, past);
		db.close();
		return { upgraded: new SqliteStore({ ...config, file }), ns };
	}
	if (config.backend === 'postgres') {
		const tablePrefix = `${config.tablePrefix}up${nameCounter}_`;
		const setup = new PostgresStore({ ...config, tablePrefix, maxConnections: 1 });
		try {
			await setup.ping();
			const table = (name: string) => `"${config.schema}"."${tablePrefix}${name}"`;
			await setup.query('setup', `DROP SEQUENCE ${table('versions')} CASCADE`, []);
			await setup.query('setup', `DELETE FROM ${table('migrations')} WHERE version > 1`, []);
			await setup.query(
				'setup',
				`INSERT INTO ${table('records')} (ns, key, value, version, expires_at) VALUES ($1, 'live', '"old"', 7, NULL), ($1, 'gone', '"old"', 9, $2)`,
				[ns, past],
			);
		} finally {
			await setup.close();
		}
		return { upgraded: new PostgresStore({ ...config, tablePrefix }), ns };
	}
	// Redis: the record format is unchanged (`<version>:<json>`); an expired key is gone.
	const raw = new Redis({
		host: config.host,
		port: config.port,
		lazyConnect: true,
		maxRetriesPerRequest: 1,
		retryStrategy: () => null,
	});
	raw.on('error', () => undefined);
	try {
		await raw.connect();
		await raw.set(`${config.keyPrefix}kv:{${encodeURIComponent(ns)}}:live`, '7:"old"');
	} finally {
		raw.disconnect();
	}
	return { upgraded: harness.create(), ns };
}

/** A version as every backend hands it out: a positive safe integer. */
function assertVersion(version: number): void {
	assert.ok(
		Number.isSafeInteger(version) && version > 0,
		`version ${version} is not a positive safe integer`,
	);
}

async function closeAll(stores: Store[]): Promise<void> {
	await Promise.all(stores.map((store) => store.close()));
}

for (const harness of harnesses) {
	const backend = harness.backend;

	describe(`store conformance: ${backend}`, () => {
		let store: Store;

		before(async () => {
			await harness.check();
			store = harness.create();
		});

		after(async () => {
			await store?.close();
			await closeAllStores();
			await harness.cleanup();
		});

		describe('records', () => {
			test('reading absent keys returns no records and the store clock', async () => {
				const before = Date.now();
				const result = await store.read(fresh('absent'), ['a', 'b']);
				assert.equal(result.records.size, 0);
				assert.ok(
					Math.abs(result.now - before) < 5000,
					`store clock ${result.now} is far from ${before}`,
				);
				const empty = await store.read(fresh('absent'), []);
				assert.equal(empty.records.size, 0);
				assert.equal(typeof empty.now, 'number');
			});

			test('ifVersion 0 claims an absent key once; ifVersion n needs version n', async () => {
				const ns = fresh('cas');
				const [first] = await store.write(ns, [{ key: 'k', value: 'first', ifVersion: 0 }]);
				assert.equal(first.applied, true);
				assertVersion(first.version);
				assert.deepEqual(await store.write(ns, [{ key: 'k', value: 'second', ifVersion: 0 }]), [
					{ key: 'k', applied: false, version: first.version },
				]);
				assert.deepEqual(
					await store.write(ns, [{ key: 'k', value: 'third', ifVersion: first.version + 1 }]),
					[{ key: 'k', applied: false, version: first.version }],
				);
				const [fourth] = await store.write(ns, [
					{ key: 'k', value: 'fourth', ifVersion: first.version },
				]);
				assert.equal(fourth.applied, true);
				assert.ok(
					fourth.version > first.version,
					`version ${fourth.version} after ${first.version}`,
				);
				assert.deepEqual(
					await store.write(ns, [{ key: 'k', value: 'fifth', ifVersion: first.version }]),
					[{ key: 'k', applied: false, version: fourth.version }],
				);
				assert.deepEqual(await store.write(ns, [{ key: 'absent', value: 1, ifVersion: 5 }]), [
					{ key: 'absent', applied: false, version: 0 },
				]);
				const record = await readOne(store, ns, 'k');
				assert.deepEqual(record, {
					key: 'k',
					value: 'fourth',
					version: fourth.version,
					expiresAt: null,
				});
				assert.equal(await readOne(store, ns, 'absent'), undefined);
			});

			test('unconditional writes always apply and raise the version', async () => {
				const ns = fresh('plain');
				const versions: number[] = [];
				for (const value of [{ a: 1 }, { a: 2 }, null]) {
					const [result] = await store.write(ns, [{ key: 'k', value, ttlMs: null }]);
					assert.equal(result.applied, true);
					assertVersion(result.version);
					versions.push(result.version);
				}
				assert.ok(
					versions[0] < versions[1] && versions[1] < versions[2],
					`versions ${versions.join(', ')}`,
				);
				assert.deepEqual(await readOne(store, ns, 'k'), {
					key: 'k',
					value: null,
					version: versions[2],
					expiresAt: null,
				});
			});

			test('the same key twice in one batch applies in order', async () => {
				const ns = fresh('dup');
				const [before] = await store.write(ns, [{ key: 'j', value: 'j0' }]);
				const results = await store.write(ns, [
					{ key: 'k', value: 'a', ifVersion: 0 },
					{ key: 'k', value: 'b', ifVersion: 0 },
					{ key: 'j', value: 'j1', ifVersion: before.version },
					{ key: 'other', value: 'x', ifVersion: 0 },
					{ key: 'k', value: 'd' },
					{ key: 'j', value: 'j2', ifVersion: before.version },
				]);
				assert.deepEqual(
					results.map(({ key, applied }) => [key, applied]),
					[
						['k', true],
						['k', false],
						['j', true],
						['other', true],
						['k', true],
						['j', false],
					],
				);
				const [a, b, j1, other, d, j2] = results.map((result) => result.version);
				[a, j1, other, d].forEach(assertVersion);
				assert.equal(b, a, 'a refused write reports the version it found');
				assert.ok(d > a, `the later write of k has version ${d}, after ${a}`);
				assert.ok(j1 > before.version);
				assert.equal(j2, j1, 'the second write of j saw the first one');
				const { records } = await store.read(ns, ['k', 'other', 'k', 'j']);
				assert.equal(records.get('k')?.value, 'd');
				assert.equal(records.get('k')?.version, d);
				assert.equal(records.get('j')?.value, 'j1');
				assert.equal(records.get('other')?.value, 'x');
				assert.equal(records.get('other')?.version, other);
			});

			test('a batch of 2000 writes and one read of 2000 keys', async () => {
				const ns = fresh('big-batch');
				const keys = Array.from({ length: 2000 }, (_, index) => `key-${index}`);
				const results = await store.write(
					ns,
					keys.map((key, index) => ({ key, value: { index }, ifVersion: 0 })),
				);
				assert.equal(results.filter((result) => result.applied).length, 2000);
				const { records } = await store.read(ns, keys);
				assert.equal(records.size, 2000);
				assert.deepEqual(records.get('key-1999')?.value, { index: 1999 });
			});

			test('deletes: conditional, unconditional, absent; a deleted key can be claimed again', async () => {
				const ns = fresh('delete');
				const [a, , b] = await store.write(ns, [
					{ key: 'a', value: 1 },
					{ key: 'b', value: 2 },
					{ key: 'b', value: 3 },
				]);
				assert.deepEqual(
					await store.delete(ns, [
						{ key: 'a', ifVersion: b.version },
						{ key: 'b', ifVersion: b.version },
						{ key: 'missing' },
						{ key: 'a', ifVersion: 0 },
						{ key: 'a' },
						{ key: 'a' },
					]),
					[false, true, false, false, true, false],
				);
				assert.equal((await store.read(ns, ['a', 'b'])).records.size, 0);
				const [again] = await store.write(ns, [{ key: 'a', value: 'again', ifVersion: 0 }]);
				assert.equal(again.applied, true);
				assert.ok(
					again.version > a.version,
					`the key got version ${again.version} again after ${a.version} was deleted`,
				);
				assert.deepEqual(await store.delete(ns, []), []);
			});

			test('TTL: a record expires; afterwards it is absent and claimable with ifVersion 0, at a new version', async () => {
				const ns = fresh('ttl');
				const [, second] = await store.write(ns, [
					{ key: 'short', value: 'soon gone', ttlMs: 300 },
					{ key: 'short', value: 'still soon gone', ttlMs: 300 },
					{ key: 'long', value: 'stays', ttlMs: 60_000 },
				]);
				const { now, records } = await store.read(ns, ['short', 'long']);
				const short = records.get('short');
				assert.equal(short?.version, second.version);
				assert.ok(
					short?.expiresAt && short.expiresAt > now && short.expiresAt <= now + 300,
					`expiresAt ${short?.expiresAt} vs now ${now}`,
				);
				const long = records.get('long');
				assert.ok(
					long?.expiresAt && long.expiresAt > now + 59_000 && long.expiresAt <= now + 60_000,
				);
				assert.ok(
					await eventually(async () => (await readOne(store, ns, 'short')) === undefined, 2000),
					'the record did not expire within 2 s',
				);
				assert.deepEqual(
					await store.write(ns, [{ key: 'short', value: 'x', ifVersion: second.version }]),
					[{ key: 'short', applied: false, version: 0 }],
				);
				assert.deepEqual(await store.delete(ns, [{ key: 'short' }]), [false]);
				const [reborn] = await store.write(ns, [{ key: 'short', value: 'reborn', ifVersion: 0 }]);
				assert.equal(reborn.applied, true);
				assert.ok(
					reborn.version > second.version,
					`reborn at version ${reborn.version}, the expired record had ${second.version}`,
				);
				assert.equal((await readOne(store, ns, 'long'))?.value, 'stays');
			});

			test('TTL: an unconditional write onto an expired record gets a version above the expired one', async () => {
				const ns = fresh('ttl-plain');
				const [, old] = await store.write(ns, [
					{ key: 'k', value: 1, ttlMs: 100 },
					{ key: 'k', value: 2, ttlMs: 100 },
				]);
				assert.ok(
					await eventually(async () => (await readOne(store, ns, 'k')) === undefined, 2000),
				);
				const [result] = await store.write(ns, [{ key: 'k', value: 3 }]);
				assert.equal(result.applied, true);
				assert.ok(
					result.version > old.version,
					`version ${result.version} after the expired ${old.version}`,
				);
			});

			test("compare-and-set after expiry (ABA): a writer holding the expired record's version cannot overwrite the new record", async () => {
				const ns = fresh('aba');
				// Writer A claims the key with a short TTL and keeps the version it got.
				const [held] = await store.write(ns, [
					{ key: 'job', value: { owner: 'A' }, ifVersion: 0, ttlMs: 150 },
				]);
				assert.equal(held.applied, true);
				assert.ok(
					await eventually(async () => (await readOne(store, ns, 'job')) === undefined, 2000),
					'the record did not expire within 2 s',
				);
				// Writer B creates the key anew after the expiry.
				const [created] = await store.write(ns, [
					{ key: 'job', value: { owner: 'B' }, ifVersion: 0, ttlMs: 60_000 },
				]);
				assert.equal(created.applied, true);
				console.log(
					`[aba] ${backend}: expired record had version ${held.version}; the new record has version ${created.version}`,
				);
				// A, late, updates with the version it holds: it must lose.
				const [late] = await store.write(ns, [
					{ key: 'job', value: { owner: 'A', done: true }, ifVersion: held.version },
				]);
				assert.deepEqual(late, { key: 'job', applied: false, version: created.version });
				assert.deepEqual(await store.delete(ns, [{ key: 'job', ifVersion: held.version }]), [
					false,
				]);
				assert.deepEqual((await readOne(store, ns, 'job'))?.value, { owner: 'B' });
				// The same after a delete: the key never gets a version back.
				assert.deepEqual(await store.delete(ns, [{ key: 'job', ifVersion: created.version }]), [
					true,
				]);
				const [third] = await store.write(ns, [
					{ key: 'job', value: { owner: 'C' }, ifVersion: 0 },
				]);
				assert.ok(third.version > created.version);
				assert.equal(
					(
						await store.write(ns, [
							{ key: 'job', value: { owner: 'B' }, ifVersion: created.version },
						])
					)[0].applied,
					false,
				);
				assert.deepEqual((await readOne(store, ns, 'job'))?.value, { owner: 'C' });
			});

			test('records written before versions came from a sequence (an upgrade) keep working with compare-and-set', async () => {
				const { upgraded, ns } = await storeWithPreUpgradeRecords(harness);
				try {
					// "live" was stored at version 7, "gone" at version 9 and already expired.
					assert.equal((await readOne(upgraded, ns, 'live'))?.version, 7);
					assert.equal(
						(await upgraded.write(ns, [{ key: 'live', value: 'stale', ifVersion: 6 }]))[0].applied,
						false,
					);
					const [updated] = await upgraded.write(ns, [
						{ key: 'live', value: 'updated', ifVersion: 7 },
					]);
					assert.equal(updated.applied, true);
					assert.ok(
						updated.version > 9,
						`version ${updated.version} is not above the versions stored before the upgrade`,
					);
					const [reborn] = await upgraded.write(ns, [{ key: 'gone', value: 'new', ifVersion: 0 }]);
					assert.equal(reborn.applied, true);
					assert.ok(reborn.version > 9, `the expired key got version ${reborn.version} back`);
					assert.equal(
						(await upgraded.write(ns, [{ key: 'gone', value: 'late', ifVersion: 9 }]))[0].applied,
						false,
					);
					const [fresh1] = await upgraded.write(ns, [{ key: 'fresh', value: 1, ifVersion: 0 }]);
					assert.ok(fresh1.version > 9);
				} finally {
					await upgraded.close();
				}
			});

			test('TTL: each write sets the expiry; a write without TTL makes the record permanent', async () => {
				const ns = fresh('ttl-reset');
				await store.write(ns, [{ key: 'k', value: 1, ttlMs: 200 }]);
				const [permanent] = await store.write(ns, [{ key: 'k', value: 2 }]);
				await sleep(300);
				assert.deepEqual(await readOne(store, ns, 'k'), {
					key: 'k',
					value: 2,
					version: permanent.version,
					expiresAt: null,
				});
				await store.write(ns, [{ key: 'k', value: 3, ttlMs: 150 }]);
				assert.ok((await readOne(store, ns, 'k'))?.expiresAt);
				assert.ok(
					await eventually(async () => (await readOne(store, ns, 'k')) === undefined, 2000),
				);
			});

			test('namespaces are isolated and cannot run into keys', async () => {
				const a = fresh('iso');
				await store.write(`${a}`, [{ key: 'b:c', value: 'ns a, key b:c' }]);
				await store.write(`${a}:b`, [{ key: 'c', value: 'ns a:b, key c' }]);
				await store.write(`{${a}}`, [{ key: '}:x', value: 'braces' }]);
				await store.write(`${a}}:`, [{ key: 'x', value: 'brace-colon' }]);
				assert.equal((await readOne(store, a, 'b:c'))?.value, 'ns a, key b:c');
				assert.equal((await readOne(store, `${a}:b`, 'c'))?.value, 'ns a:b, key c');
				assert.equal(await readOne(store, a, 'c'), undefined);
				assert.equal(await readOne(store, `${a}:b`, 'b:c'), undefined);
				assert.equal((await readOne(store, `{${a}}`, '}:x'))?.value, 'braces');
				assert.equal((await readOne(store, `${a}}:`, 'x'))?.value, 'brace-colon');
				// Records and counters are separate key spaces.
				assert.deepEqual(await store.increment(a, [{ key: 'b:c', by: 7 }]), [7]);
				assert.equal((await readOne(store, a, 'b:c'))?.value, 'ns a, key b:c');
			});
		});

		describe('counters', () => {
			test('increments by positive, negative and zero amounts; duplicates apply in order', async () => {
				const ns = fresh('count');
				assert.deepEqual(await store.increment(ns, [{ key: 'c', by: 5 }]), [5]);
				assert.deepEqual(await store.increment(ns, [{ key: 'c', by: -7 }]), [-2]);
				assert.deepEqual(await store.increment(ns, [{ key: 'c', by: 0 }]), [-2]);
				assert.deepEqual(
					await store.increment(ns, [
						{ key: 'c', by: 10 },
						{ key: 'd', by: -3 },
						{ key: 'c', by: 1 },
						{ key: 'c', by: 0 },
					]),
					[8, -3, 9, 9],
				);
				assert.deepEqual(await store.increment(ns, [{ key: 'zero', by: 0 }]), [0]);
				assert.deepEqual(await store.increment(ns, []), []);
			});

			test('the TTL applies when a counter is created; an existing counter keeps its expiry', async () => {
				const ns = fresh('count-ttl');
				assert.deepEqual(await store.increment(ns, [{ key: 'window', by: 1, ttlMs: 300 }]), [1]);
				// A later TTL does not extend the window.
				assert.deepEqual(await store.increment(ns, [{ key: 'window', by: 1, ttlMs: 60_000 }]), [2]);
				assert.deepEqual(
					await store.increment(ns, [
						{ key: 'forever', by: 1 },
						{ key: 'forever', by: 1, ttlMs: 100 },
					]),
					[1, 2],
				);
				assert.ok(
					await eventually(async () => (await counter(store, ns, 'window')) === 0, 2000),
					'the counter did not expire within 2 s',
				);
				// Expired counters start again, with the TTL of the increment that recreates them.
				assert.deepEqual(await store.increment(ns, [{ key: 'window2', by: 4, ttlMs: 200 }]), [4]);
				await sleep(400);
				assert.deepEqual(await store.increment(ns, [{ key: 'window2', by: 1, ttlMs: 60_000 }]), [
					1,
				]);
				await sleep(300);
				assert.equal(await counter(store, ns, 'window2'), 1);
				assert.equal(await counter(store, ns, 'forever'), 2);
			});

			test('the safe integer range is enforced and an overflowing batch applies nothing', async () => {
				const ns = fresh('count-range');
				const max = Number.MAX_SAFE_INTEGER;
				assert.deepEqual(await store.increment(ns, [{ key: 'big', by: max }]), [max]);
				await assert.rejects(
					store.increment(ns, [
						{ key: 'other', by: 1 },
						{ key: 'big', by: 1 },
					]),
					(error: unknown) => {
						assert.ok(error instanceof RangeError, `expected RangeError, got ${String(error)}`);
						assert.match((error as Error).message, /"big".*safe integer range/);
						return true;
					},
				);
				assert.equal(await counter(store, ns, 'big'), max);
				assert.equal(await counter(store, ns, 'other'), 0);
				assert.deepEqual(await store.increment(ns, [{ key: 'low', by: -max }]), [-max]);
				await assert.rejects(store.increment(ns, [{ key: 'low', by: -1 }]), RangeError);
			});

			test('increments must be safe integers', async () => {
				const ns = fresh('count-bad');
				for (const by of [
					1.5,
					Number.NaN,
					Number.POSITIVE_INFINITY,
					2 ** 53,
					'1',
					undefined,
					null,
				]) {
					await assert.rejects(
						store.increment(ns, [{ key: 'c', by: by as number }]),
						/by must be a safe integer/,
					);
				}
				for (const ttlMs of [0, -5, 1.5]) {
					await assert.rejects(store.increment(ns, [{ key: 'c', by: 1, ttlMs }]), TypeError);
				}
				assert.equal(await counter(store, ns, 'c'), 0);
			});
		});

		describe('hostile input', () => {
			test('prototype-ish keys and values round-trip as plain data', async () => {
				const ns = fresh('proto');
				const hostile = JSON.parse(
					'{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "toString": "x"}',
				) as JsonValue;
				const keys = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString'];
				await store.write(
					ns,
					keys.map((key) => ({ key, value: hostile })),
				);
				const { records } = await store.read(ns, keys);
				assert.deepEqual([...records.keys()].sort(), [...keys].sort());
				for (const key of keys) {
					const value = records.get(key)?.value as Record<string, unknown>;
					assert.deepEqual(Object.keys(value), ['__proto__', 'constructor', 'toString']);
					assert.equal(Object.getPrototypeOf(value), Object.prototype);
					assert.deepEqual(Object.getOwnPropertyDescriptor(value, '__proto__')?.value, {
						polluted: true,
					});
				}
				assert.equal(({} as Record<string, unknown>).polluted, undefined);
				assert.deepEqual(
					await store.increment(ns, [
						{ key: '__proto__', by: 2 },
						{ key: 'constructor', by: 3 },
					]),
					[2, 3],
				);
			});

			test('unicode keys, namespaces and values, NUL and lone surrogates inside values', async () => {
				const ns = fresh('ünï-名前-🔑');
				const keys = [
					'ключ',
					'鍵/🔑',
					'e\u0301',
					'\u00e9',
					'rtl\u202Eevil',
					'line\u2028sep',
					' spaced key ',
					'%2F',
				];
				const value = {
					text: 'a\u0000b',
					surrogate: '\uD800',
					emoji: '🧪👩‍🔬',
					rtl: '\u202E',
					sep: '\u2028',
					nested: ['ключ', { ключ: '鍵' }],
				};
				await store.write(
					ns,
					keys.map((key, index) => ({ key, value: { ...value, index } })),
				);
				const { records } = await store.read(ns, keys);
				assert.equal(records.size, keys.length, 'composed and decomposed forms are different keys');
				keys.forEach((key, index) =>
					assert.deepEqual(records.get(key)?.value, { ...value, index }),
				);
			});

			test('a 100 KB value round-trips', async () => {
				const ns = fresh('large');
				const big = {
					text: 'ab€𝄞'.repeat(20_000),
					list: Array.from({ length: 2000 }, (_, index) => ({ index, tag: `t${index}` })),
				};
				assert.ok(JSON.stringify(big).length > 100_000);
				await store.write(ns, [{ key: 'big', value: big }]);
				assert.deepEqual((await readOne(store, ns, 'big'))?.value, big);
			});

			test('keys at the byte limit work; empty, huge and malformed keys and namespaces fail clearly', async () => {
				const ns = fresh('limits');
				const atLimit = 'k'.repeat(1024);
				await store.write(ns, [{ key: atLimit, value: 1 }]);
				assert.equal((await readOne(store, ns, atLimit))?.value, 1);
				const cases: Array<[unknown, RegExp]> = [
					['', /must not be empty/],
					['k'.repeat(1025), /1025 bytes long; the limit is 1024/],
					['🔑'.repeat(300), /1200 bytes long/],
					['a\u0000b', /NUL/],
					['\uDC00x', /lone UTF-16 surrogate/],
					[42, /must be a string, got number 42/],
					[undefined, /must be a string/],
				];
				for (const [key, message] of cases) {
					await assert.rejects(
						store.write(ns, [{ key: key as string, value: 1 }]),
						(error: unknown) =>
							error instanceof TypeError && message.test((error as Error).message),
					);
					await assert.rejects(store.read(ns, [key as string]), TypeError);
					await assert.rejects(store.increment(ns, [{ key: key as string, by: 1 }]), TypeError);
					await assert.rejects(store.delete(ns, [{ key: key as string }]), TypeError);
				}
				await assert.rejects(store.read('', ['k']), /Store namespace must not be empty/);
				await assert.rejects(
					store.write('x'.repeat(257), [{ key: 'k', value: 1 }]),
					/Store namespace is 257 bytes/,
				);
				await assert.rejects(store.read(ns, 'k' as unknown as string[]), /Keys must be an array/);
				await assert.rejects(
					store.write(ns, [{ key: 'k', value: 1, ifVersion: -1 }]),
					/ifVersion must be 0 or more/,
				);
				await assert.rejects(
					store.write(ns, [{ key: 'k', value: 1, ifVersion: 1.5 }]),
					/ifVersion must be a safe integer/,
				);
				await assert.rejects(
					store.write(ns, [{ key: 'k', value: 1, ttlMs: 0 }]),
					/ttlMs \(ms\) must be between 1/,
				);
			});

			test('values that are not JSON fail with their path, and the batch writes nothing', async () => {
				const ns = fresh('not-json');
				const cyclic: Record<string, unknown> = { a: 1 };
				cyclic.self = cyclic;
				class Point {
					x = 1;
				}
				const cases: Array<[unknown, RegExp]> = [
					[undefined, /value is missing/],
					[Number.NaN, /value is NaN/],
					[{ deep: { n: Number.POSITIVE_INFINITY } }, /value\.deep\.n is Infinity/],
					[() => 1, /function/],
					[10n, /bigint/],
					[Symbol('s'), /symbol/],
					[new Date(0), /a Date/],
					[new Map([[1, 2]]), /a Map/],
					[new Point(), /a Point/],
					[cyclic, /value\.self refers to itself/],
					[[1, undefined], /value\[1\] is undefined/],
					[{ 'odd key': [new Set()] }, /value\["odd key"\]\[0\] is a Set/],
				];
				for (const [value, message] of cases) {
					await assert.rejects(
						store.write(ns, [
							{ key: 'ok', value: 'fine' },
							{ key: 'bad', value: value as JsonValue },
						]),
						(error: unknown) =>
							error instanceof TypeError && message.test((error as Error).message),
						`value ${String(value)}`,
					);
				}
				assert.equal((await store.read(ns, ['ok', 'bad'])).records.size, 0);
				// Undefined object properties are left out, as JSON.stringify does.
				await store.write(ns, [
					{ key: 'ok', value: { a: 1, gone: undefined } as unknown as JsonValue },
				]);
				assert.deepEqual((await readOne(store, ns, 'ok'))?.value, { a: 1 });
			});
		});

		describe('queue', () => {
			if (backend === 'redis') {
				test('Redis has no queue (not durable enough for dead letters)', () => {
					assert.equal(store.queue, undefined);
				});
				return;
			}

			test('enqueue is idempotent; lease is oldest first; settle needs the owner; stats, list, purge', async () => {
				const queue = requireQueue(store);
				const name = fresh('dlq');
				assert.deepEqual(
					await queue.enqueue(name, [
						{ id: 'e1', category: 'auth', data: { n: 1 } },
						{ id: 'e2', category: 'rate', data: { n: 2 } },
						{ id: 'e3', data: { n: 3 } },
					]),
					['e1', 'e2', 'e3'],
				);
				await sleep(5);
				assert.deepEqual(
					await queue.enqueue(name, [
						{ id: 'e2', data: { n: 'dup' } },
						{ id: 'e4', category: 'auth', data: { n: 4 } },
						{ id: 'e4', data: { n: 'dup in batch' } },
					]),
					['e4'],
				);
				const all = await queue.list(name, { limit: 100 });
				assert.deepEqual(ids(all), ['e1', 'e2', 'e3', 'e4']);
				assert.deepEqual(all[1].data, { n: 2 });
				assert.deepEqual(all[3].data, { n: 4 });
				assert.deepEqual(
					all.map((entry) => [
						entry.status,
						entry.attempts,
						entry.leaseUntil,
						entry.leaseOwner,
						entry.category,
					]),
					[
						['pending', 0, null, null, 'auth'],
						['pending', 0, null, null, 'rate'],
						['pending', 0, null, null, null],
						['pending', 0, null, null, 'auth'],
					],
				);

				const first = await queue.lease(name, { limit: 2, leaseMs: 60_000, owner: 'worker-a' });
				assert.deepEqual(ids(first), ['e1', 'e2']);
				const stats0 = await queue.stats(name);
				for (const entry of first) {
					assert.equal(entry.status, 'leased');
					assert.equal(entry.attempts, 1);
					assert.equal(entry.leaseOwner, 'worker-a');
					assert.ok(entry.leaseUntil && Math.abs(entry.leaseUntil - (stats0.now + 60_000)) < 2000);
				}
				assert.deepEqual(
					ids(await queue.lease(name, { limit: 10, leaseMs: 60_000, owner: 'worker-b' })),
					['e3', 'e4'],
				);
				assert.deepEqual(
					await queue.lease(name, { limit: 10, leaseMs: 60_000, owner: 'worker-c' }),
					[],
				);

				assert.deepEqual(
					await queue.settle(name, [
						{ id: 'e1', owner: 'worker-b', status: 'done' },
						{
							id: 'e1',
							owner: 'worker-a',
							status: 'done',
							dataPatch: { n: 'one', lastError: 'replayed' },
						},
						{ id: 'e1', owner: 'worker-a', status: 'pending' },
						{ id: 'e2', status: 'discarded' },
						{ id: 'e3', owner: 'worker-b', status: 'pending', dataPatch: { lastError: 'timeout' } },
						{ id: 'missing', status: 'done' },
					]),
					[false, true, false, true, true, false],
				);
				const e1 = (await queue.list(name, { ids: ['e1'], limit: 1 }))[0];
				assert.equal(e1.status, 'done');
				assert.deepEqual(e1.data, { n: 'one', lastError: 'replayed' });
				assert.deepEqual(Object.keys(e1.data), ['n', 'lastError']);
				assert.equal(e1.leaseOwner, null);

				const stats = await queue.stats(name);
				assert.deepEqual(
					{ ...stats, now: 0 },
					{ pending: 1, leased: 1, done: 1, discarded: 1, oldestOpenAt: all[2].enqueuedAt, now: 0 },
				);
				assert.ok(Math.abs(stats.now - Date.now()) < 5000);

				assert.deepEqual(ids(await queue.list(name, { statuses: ['pending'], limit: 10 })), ['e3']);
				assert.deepEqual((await queue.list(name, { statuses: ['pending'], limit: 10 }))[0].data, {
					n: 3,
					lastError: 'timeout',
				});
				assert.deepEqual(
					ids(await queue.list(name, { statuses: ['done', 'discarded'], limit: 10 })),
					['e1', 'e2'],
				);
				assert.deepEqual(ids(await queue.list(name, { categories: ['auth'], limit: 10 })), [
					'e1',
					'e4',
				]);
				assert.deepEqual(ids(await queue.list(name, { ids: ['e4', 'e2', 'nope'], limit: 10 })), [
					'e2',
					'e4',
				]);
				assert.deepEqual(ids(await queue.list(name, { limit: 2 })), ['e1', 'e2']);
				assert.deepEqual(await queue.list(fresh('other-queue'), { limit: 10 }), []);

				assert.equal(await queue.purge(name, stats.now - 60_000), 0);
				assert.equal(await queue.purge(name, stats.now + 1000), 2);
				const after = await queue.stats(name);
				assert.deepEqual([after.pending, after.leased, after.done, after.discarded], [1, 1, 0, 0]);
				assert.deepEqual(ids(await queue.list(name, { limit: 10 })), ['e3', 'e4']);
			});

			test('an expired lease returns the entry to pending; the old owner can no longer settle it', async () => {
				const queue = requireQueue(store);
				const name = fresh('lease-expiry');
				await queue.enqueue(name, [{ id: 'x', data: { v: 1 } }]);
				assert.deepEqual(ids(await queue.lease(name, { limit: 5, leaseMs: 200, owner: 'slow' })), [
					'x',
				]);
				assert.equal((await queue.stats(name)).leased, 1);
				assert.ok(
					await eventually(async () => (await queue.stats(name)).pending === 1, 2000),
					'the lease did not expire within 2 s',
				);
				const listed = (await queue.list(name, { statuses: ['pending'], limit: 5 }))[0];
				assert.deepEqual(
					[listed.status, listed.leaseOwner, listed.leaseUntil, listed.attempts],
					['pending', null, null, 1],
				);
				const again = await queue.lease(name, { limit: 5, leaseMs: 60_000, owner: 'fast' });
				assert.deepEqual(
					again.map((entry) => [entry.id, entry.attempts, entry.leaseOwner]),
					[['x', 2, 'fast']],
				);
				assert.deepEqual(await queue.settle(name, [{ id: 'x', owner: 'slow', status: 'done' }]), [
					false,
				]);
				assert.deepEqual(await queue.settle(name, [{ id: 'x', owner: 'fast', status: 'done' }]), [
					true,
				]);
				assert.deepEqual(
					await queue.settle(name, [{ id: 'x', status: 'pending' }]),
					[false],
					'a settled entry stays settled',
				);
			});

			test('lease filters: ids, categories, enqueuedBefore', async () => {
				const queue = requireQueue(store);
				const name = fresh('lease-filter');
				await queue.enqueue(name, [
					{ id: 'old-a', category: 'a', data: {} },
					{ id: 'old-b', category: 'b', data: {} },
				]);
				await sleep(20);
				const cutoff = (await queue.stats(name)).now;
				await sleep(20);
				await queue.enqueue(name, [{ id: 'new-a', category: 'a', data: {} }]);
				assert.deepEqual(
					ids(
						await queue.lease(name, {
							limit: 10,
							leaseMs: 60_000,
							owner: 'o',
							categories: ['a'],
							enqueuedBefore: cutoff,
						}),
					),
					['old-a'],
				);
				assert.deepEqual(
					ids(
						await queue.lease(name, {
							limit: 10,
							leaseMs: 60_000,
							owner: 'o',
							ids: ['new-a', 'old-a'],
						}),
					),
					['new-a'],
				);
				assert.deepEqual(ids(await queue.lease(name, { limit: 10, leaseMs: 60_000, owner: 'o' })), [
					'old-b',
				]);
			});

			test('queue data: hostile and unicode content round-trips; bad input fails clearly', async () => {
				const queue = requireQueue(store);
				const name = fresh('queue-hostile');
				const data = JSON.parse(
					'{"__proto__": {"polluted": true}, "text": "a\\u0000b \\ud800 🔑", "constructor": 1}',
				) as Record<string, JsonValue>;
				assert.deepEqual(await queue.enqueue(name, [{ id: '🔑-1', category: 'ключ', data }]), [
					'🔑-1',
				]);
				const [entry] = await queue.lease(name, { limit: 1, leaseMs: 60_000, owner: 'o' });
				assert.deepEqual(Object.keys(entry.data), ['__proto__', 'text', 'constructor']);
				assert.equal(entry.data.text, 'a\u0000b \ud800 🔑');
				assert.equal(({} as Record<string, unknown>).polluted, undefined);
				const patch = JSON.parse('{"__proto__": {"patched": true}, "extra": [1]}') as Record<
					string,
					JsonValue
				>;
				assert.deepEqual(
					await queue.settle(name, [
						{ id: '🔑-1', owner: 'o', status: 'discarded', dataPatch: patch },
					]),
					[true],
				);
				const [settled] = await queue.list(name, { limit: 1 });
				assert.deepEqual(Object.getOwnPropertyDescriptor(settled.data, '__proto__')?.value, {
					patched: true,
				});
				assert.deepEqual(settled.data.extra, [1]);
				assert.equal(Object.getPrototypeOf(settled.data), Object.prototype);

				await assert.rejects(
					queue.enqueue(name, [{ id: 'x', data: [] as unknown as Record<string, JsonValue> }]),
					/data must be a plain JSON object/,
				);
				await assert.rejects(queue.enqueue(name, [{ id: '', data: {} }]), /id must not be empty/);
				await assert.rejects(
					queue.enqueue('', [{ id: 'x', data: {} }]),
					/Queue name must not be empty/,
				);
				await assert.rejects(
					queue.lease(name, { limit: 0, leaseMs: 1000, owner: 'o' }),
					/Lease limit must be between 1/,
				);
				await assert.rejects(
					queue.lease(name, { limit: 1, leaseMs: 1000, owner: '' }),
					/Lease owner must not be empty/,
				);
				await assert.rejects(
					queue.settle(name, [{ id: 'x', status: 'leased' as 'done' }]),
					/status must be one of done, pending, discarded/,
				);
				await assert.rejects(
					queue.list(name, { limit: 1, statuses: ['lost' as 'done'] }),
					/statuses\[0\] must be one of/,
				);
				await assert.rejects(queue.purge(name, Number.NaN), /Purge before must be a safe integer/);
			});
		});

		describe('connections and errors', () => {
			test('ping succeeds and location never shows a secret', async () => {
				await store.ping();
				const secret = 'hunter2-very-secret';
				const config = { ...harness.config(), password: secret } as StoreConfig;
				const withSecret = storeFor(config);
				assert.ok(!withSecret.location.includes(secret));
				await withSecret.close();
			});

			test('an unreachable server fails fast with a StoreError naming backend and host', async () => {
				const config = harness.unreachable();
				const unreachable = storeFor(config);
				try {
					const { error, elapsedMs } = await timedRejection(unreachable.ping());
					assert.ok(error instanceof StoreError, `expected StoreError, got ${String(error)}`);
					assert.equal(error.backend, backend);
					const where = config.backend === 'sqlite' ? config.file : `${config.host}:${config.port}`;
					assert.ok(error.message.includes(where), `"${error.message}" does not name ${where}`);
					assert.ok(elapsedMs < 6000, `took ${elapsedMs} ms`);
					const second = await timedRejection(unreachable.read('ns', ['k']));
					assert.ok(second.error instanceof StoreError);
					assert.ok(second.elapsedMs < 6000);
					console.log(`[unreachable] ${backend}: ${error.message} (${elapsedMs} ms)`);
				} finally {
					await unreachable.close();
				}
			});

			if (harness.blackhole) {
				const blackhole = harness.blackhole;
				test('a server that never answers fails within its timeout', async () => {
					const config = blackhole() as Extract<StoreConfig, { host: string }>;
					const silent = storeFor(config);
					try {
						const { error, elapsedMs } = await timedRejection(silent.read('ns', ['k']));
						assert.ok(error instanceof StoreError, `expected StoreError, got ${String(error)}`);
						assert.ok(
							error.message.includes(`${config.host}:${config.port}`),
							`"${error.message}" does not name ${config.host}:${config.port}`,
						);
						assert.ok(elapsedMs < 4000, `took ${elapsedMs} ms`);
						console.log(`[no answer] ${backend}: ${error.message} (${elapsedMs} ms)`);
					} finally {
						await silent.close();
					}
				});
			}

			test('a closed store refuses calls', async () => {
				const closing = harness.create();
				await closing.ping();
				await closing.close();
				await assert.rejects(
					closing.read('ns', ['k']),
					(error: unknown) => error instanceof StoreError && /closed/.test(error.message),
				);
			});
		});

		describe('factory', () => {
			test('openStore caches per config, evicts idle stores and reopens them on use', async () => {
				const config = harness.config();
				const shared = openStore(config);
				assert.equal(openStore({ ...config }), shared, 'the same config gives the same store');
				assert.notEqual(
					openStore({
						...config,
						...(config.backend === 'sqlite' ? { busyTimeoutMs: 1234 } : { timeoutMs: 4321 }),
					} as StoreConfig),
					shared,
				);
				assert.equal(shared.backend, backend);
				assert.equal(Boolean(shared.queue), backend !== 'redis');
				const ns = fresh('factory');
				await shared.write(ns, [{ key: 'k', value: 1 }]);
				assert.ok((await evictIdleStores(Date.now() + 10 * 60_000)) >= 1);
				assert.equal((await readOne(shared, ns, 'k'))?.value, 1, 'an evicted store reopens on use');
				assert.equal(await evictIdleStores(Date.now()), 0, 'a store just used is not idle');
				const own = openStore(config, { cache: false });
				assert.notEqual(own, shared);
				await own.ping();
				await own.close();
				await closeAllStores();
				assert.equal(
					(await readOne(shared, ns, 'k'))?.value,
					1,
					'a handle outlives closeAllStores',
				);
				await closeAllStores();
				assert.throws(
					() => openStore({ backend: 'mongo' } as unknown as StoreConfig),
					/backend must be sqlite, redis or postgres/,
				);
			});
		});

		describe('races', () => {
			// node:sqlite is synchronous, so in one process SQLite's 32 stores take their turns:
			// there these two cases check the conditional write, not a race. SQLite's real race
			// is the cross-process case below (raceChildren).
			const together =
				backend === 'sqlite' ? 'in turn (synchronous in one process, not a race)' : 'race';
			test(
				`32 stores ${together} to claim one key with ifVersion 0: exactly one wins`,
				{ timeout: 60_000 },
				async () => {
					const ns = fresh('race-claim');
					const racers = Array.from({ length: 32 }, () => harness.create(1));
					try {
						await Promise.all(racers.map((racer) => racer.ping()));
						const results = await Promise.all(
							racers.map((racer, index) =>
								racer.write(ns, [{ key: 'claim', value: index, ifVersion: 0 }]),
							),
						);
						const winners = results.flatMap((result, index) => (result[0].applied ? [index] : []));
						console.log(
							`[race] ${backend}: 32 claims -> ${winners.length} applied, ${32 - winners.length} lost`,
						);
						assert.equal(winners.length, 1);
						const winner = results.find(([result]) => result.applied)?.[0];
						assert.ok(results.every(([result]) => result.version === winner?.version));
						assert.equal((await readOne(store, ns, 'claim'))?.value, winners[0]);
					} finally {
						await closeAll(racers);
					}
				},
			);

			test(
				`32 batches ${backend === 'sqlite' ? 'in turn (not a race) ' : ''}of the same 50 keys, half in reverse order: each key claimed once, no deadlock`,
				{ timeout: 60_000 },
				async () => {
					const ns = fresh('race-batches');
					const keys = Array.from(
						{ length: 50 },
						(_, index) => `key-${String(index).padStart(2, '0')}`,
					);
					const racers = Array.from({ length: 32 }, () => harness.create(1));
					try {
						await Promise.all(racers.map((racer) => racer.ping()));
						const started = Date.now();
						const batches = await Promise.all(
							racers.map((racer, index) => {
								const order = index % 2 === 0 ? keys : [...keys].reverse();
								return racer.write(
									ns,
									order.map((key) => ({ key, value: index, ifVersion: 0 })),
								);
							}),
						);
						const elapsed = Date.now() - started;
						const wins = new Map<string, number>();
						for (const batch of batches)
							for (const result of batch)
								if (result.applied) wins.set(result.key, (wins.get(result.key) ?? 0) + 1);
						const applied = [...wins.values()].reduce((sum, each) => sum + each, 0);
						console.log(
							`[race] ${backend}: 32 batches x 50 keys (half reversed) -> ${applied} applied for ${wins.size} keys, ${32 * 50 - applied} lost, ${elapsed} ms`,
						);
						assert.equal(wins.size, 50);
						assert.ok([...wins.values()].every((count) => count === 1));
					} finally {
						await closeAll(racers);
					}
				},
			);

			test(
				'32 clients x 50 increments of one counter: total exactly 1600, every value seen once',
				{ timeout: 120_000 },
				async () => {
					const ns = fresh('race-count');
					const clients = Array.from({ length: 32 }, () => harness.create(1));
					try {
						await Promise.all(clients.map((client) => client.ping()));
						const seen: number[] = [];
						await Promise.all(
							clients.map(async (client) => {
								for (let step = 0; step < 50; step++) {
									const [value] = await client.increment(ns, [
										{ key: 'hits', by: 1, ttlMs: 600_000 },
									]);
									seen.push(value);
								}
							}),
						);
						const total = await counter(store, ns, 'hits');
						console.log(
							`[race] ${backend}: 32 clients x 50 increments -> total ${total}, ${new Set(seen).size} distinct values seen`,
						);
						assert.equal(total, 1600);
						assert.deepEqual(
							[...seen].sort((a, b) => a - b),
							Array.from({ length: 1600 }, (_, index) => index + 1),
						);
					} finally {
						await closeAll(clients);
					}
				},
			);

			if (backend !== 'redis') {
				test(
					'8 leasers race for the same 20 entries: each entry is leased exactly once',
					{ timeout: 60_000 },
					async () => {
						const name = fresh('race-lease');
						await requireQueue(store).enqueue(
							name,
							Array.from({ length: 20 }, (_, index) => ({
								id: `entry-${String(index).padStart(2, '0')}`,
								data: { index },
							})),
						);
						const leasers = Array.from({ length: 8 }, () => harness.create(1));
						try {
							await Promise.all(leasers.map((leaser) => leaser.ping()));
							const leased = await Promise.all(
								leasers.map(async (leaser, index) => {
									const mine: string[] = [];
									for (;;) {
										const batch = await requireQueue(leaser).lease(name, {
											limit: 3,
											leaseMs: 60_000,
											owner: `leaser-${index}`,
										});
										if (batch.length === 0) return mine;
										mine.push(...ids(batch));
									}
								}),
							);
							const everything = leased.flat();
							console.log(
								`[race] ${backend}: 8 leasers x 20 entries -> ${everything.length} leases, ${new Set(everything).size} distinct entries (per leaser: ${leased.map((mine) => mine.length).join(' ')})`,
							);
							assert.equal(everything.length, 20);
							assert.equal(new Set(everything).size, 20);
							assert.equal((await requireQueue(store).stats(name)).leased, 20);
						} finally {
							await closeAll(leasers);
						}
					},
				);
			}

			if (backend === 'sqlite') {
				test(
					'4 processes x 8 connections on one file: one claim wins, 1600 increments all land',
					{ timeout: 120_000 },
					async () => {
						const config = harness.config();
						assert.equal(config.backend, 'sqlite');
						const file = (config as { file: string }).file;
						const claims = await raceChildren(file, 'claim', 4, 8, 0);
						const applied = claims.reduce((sum, result) => sum + (result.applied as number), 0);
						console.log(
							`[race] sqlite: 4 processes x 8 connections = 32 claims -> ${applied} applied, ${32 - applied} lost`,
						);
						assert.equal(applied, 1);
						const counts = await raceChildren(file, 'count', 4, 8, 50);
						const seen = counts.flatMap((result) => result.seen as number[]);
						const [total] = await store.increment('race', [{ key: 'counter', by: 0 }]);
						console.log(
							`[race] sqlite: 4 processes x 8 connections x 50 increments -> total ${total}, ${new Set(seen).size} distinct values seen`,
						);
						assert.equal(total, 1600);
						assert.equal(new Set(seen).size, 1600);
					},
				);
			}
		});

		describe('scan (read-only enumeration)', () => {
			/** Every entry of a scan, page after page; asserts each SQL page keeps to its limit. */
			async function scanAll(prefix: string, kind: 'records' | 'counters' | 'queues', limit = 7) {
				const seen = new Map<string, { value: JsonValue; version: number | null }>();
				let cursor: string | null = null;
				let pages = 0;
				do {
					const page = await store.scan!(prefix, { kind, limit, cursor });
					assert.ok(Math.abs(page.now - Date.now()) < 5_000, 'the store clock comes with the page');
					if (backend !== 'redis') assert.ok(page.entries.length <= limit);
					for (const entry of page.entries)
						seen.set(`${entry.namespace}\u0000${entry.key}`, {
							value: entry.value,
							version: entry.version,
						});
					cursor = page.cursor;
					pages += 1;
					assert.ok(pages < 1_000, 'the scan ends');
				} while (cursor !== null);
				return { seen, pages };
			}

			test('records and counters of the namespaces with the prefix, every page, nothing else', async () => {
				const base = fresh('scan *[x]?');
				const written = new Map<string, number>();
				for (const ns of [`${base}:a`, `${base}:b`, `${base}:ü {}`]) {
					const results = await store.write(
						ns,
						Array.from({ length: 12 }, (_, index) => ({ key: `k:${index}`, value: { index, ns } })),
					);
					results.forEach((result) => written.set(`${ns}\u0000${result.key}`, result.version));
					await store.increment(ns, [{ key: 'count', by: 5 }]);
				}
				// Not under the prefix: another namespace that only looks alike.
				await store.write(`${base.replace('*', 'y')}:a`, [{ key: 'k:0', value: 1 }]);
				await store.write(`${base}:a`, [{ key: 'gone', value: 1, ttlMs: 1 }]);
				await sleep(20);
				const { seen, pages } = await scanAll(`${base}:`, 'records');
				assert.equal(seen.size, 36);
				for (const [id, version] of written) assert.equal(seen.get(id)?.version, version, id);
				assert.deepEqual(seen.get(`${base}:ü {}\u0000k:3`)?.value, {
					index: 3,
					ns: `${base}:ü {}`,
				});
				if (backend !== 'redis') assert.ok(pages >= 6, `${pages} pages of at most 7`);
				const counters = await scanAll(base, 'counters', 100);
				assert.deepEqual(
					[...counters.seen.entries()]
						.map(([id, entry]) => [id, entry.value, entry.version])
						.sort(),
					[`${base}:a`, `${base}:b`, `${base}:ü {}`].map((ns) => [`${ns}\u0000count`, 5, null]),
				);
				// The whole namespace as prefix: its own records only.
				assert.equal((await scanAll(`${base}:b`, 'records', 100)).seen.size, 12);
			});

			test('queues: open entries counted per queue and category', async () => {
				const base = fresh('scanq');
				if (!store.queue) {
					const page = await store.scan!(base, { kind: 'queues', limit: 10 });
					assert.deepEqual([page.entries, page.cursor], [[], null]);
					return;
				}
				const entry = (id: string, category: string | null) => ({ id, category, data: { id } });
				const before = Date.now();
				await store.queue.enqueue(`${base}:one`, [
					entry('a', 'auth'),
					entry('b', 'auth'),
					entry('c', null),
				]);
				await store.queue.enqueue(`${base}:two`, [
					entry('d', 'transient'),
					entry('e', 'transient'),
				]);
				await store.queue.settle(`${base}:two`, [{ id: 'e', status: 'done' }]);
				await store.queue.lease(`${base}:one`, {
					limit: 1,
					leaseMs: 60_000,
					owner: 'w',
					ids: ['a'],
				});
				const { seen } = await scanAll(base, 'queues', 2);
				assert.deepEqual([...seen.keys()].sort(), [
					`${base}:one\u0000`,
					`${base}:one\u0000auth`,
					`${base}:two\u0000transient`,
				]);
				const auth = seen.get(`${base}:one\u0000auth`)!.value as Record<string, number>;
				assert.deepEqual([auth.open, auth.leased], [2, 1]);
				assert.ok(auth.oldestOpenAt >= before - 5_000 && auth.oldestOpenAt <= Date.now() + 5_000);
				assert.equal(
					(seen.get(`${base}:two\u0000transient`)!.value as Record<string, number>).open,
					1,
				);
			});

			test("limiters: Rate Limiter's shared buckets and holds on Redis, none elsewhere", async () => {
				const id = `${encodeURIComponent(` ${JSON.stringify([fresh('ratelimit:scan'), 'api'])}`)}:0123456789ab`;
				if (backend !== 'redis') {
					const page = await store.scan!('', { kind: 'limiters', limit: 10 });
					assert.deepEqual([page.entries, page.cursor], [[], null]);
					return;
				}
				const config = harness.config() as Extract<StoreConfig, { backend: 'redis' }>;
				const until = Date.now() + 60_000;
				const settingsKey = `${config.keyPrefix}b_ratelimit:${id}_settings`;
				// As bottleneck and the limiter write them (stores/limiterBucket.ts), under the key prefix.
				const raw = new Redis(config.port, config.host, { maxRetriesPerRequest: 1 });
				raw.on('error', () => undefined);
				await raw
					.multi()
					.hset(settingsKey, {
						reservoir: 3,
						reservoirIncreaseAmount: 1,
						reservoirIncreaseInterval: 100,
						reservoirIncreaseMaximum: 9,
					})
					.pexpire(settingsKey, 60_000)
					.set(`${config.keyPrefix}b_ratelimit:${id}_job_weights`, 'x', 'PX', 60_000)
					.set(`${config.keyPrefix}ratelimit:${id}:hold`, String(until), 'PX', 60_000)
					.exec()
					.finally(() => raw.disconnect());
				const seen: unknown[] = [];
				let cursor: string | null = null;
				do {
					const page: Awaited<ReturnType<NonNullable<Store['scan']>>> = await store.scan!('', {
						kind: 'limiters',
						limit: 100,
						cursor,
					});
					seen.push(
						...page.entries
							.filter((entry) => entry.key === id)
							.map((entry) => [entry.namespace, entry.value]),
					);
					cursor = page.cursor;
				} while (cursor !== null);
				assert.deepEqual(
					seen.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
					[
						['ratelimit', { holdUntil: until }],
						[
							'ratelimit',
							{ settings: { capacity: 9, increaseAmount: 1, increaseIntervalMs: 100, tokens: 3 } },
						],
					],
				);
				assert.deepEqual(
					(await store.scan!('breaker', { kind: 'limiters', limit: 1000 })).entries,
					[],
				);
			});

			test('refuses a bad kind, limit, prefix or cursor before any round trip', async () => {
				const cases: Array<[string, unknown, unknown]> = [
					['kind', 'x', { kind: 'keys', limit: 1 }],
					['limit', 'x', { kind: 'records', limit: 0 }],
					['limit', 'x', { kind: 'records', limit: 10_001 }],
					['limit', 'x', { kind: 'records', limit: 1.5 }],
					['prefix', 7, { kind: 'records', limit: 1 }],
					['prefix', 'a\u0000', { kind: 'records', limit: 1 }],
					['prefix', 'x'.repeat(300), { kind: 'records', limit: 1 }],
					['cursor', 'x', { kind: 'records', limit: 1, cursor: 'not a cursor' }],
					['options', 'x', null],
				];
				for (const [what, prefix, options] of cases)
					await assert.rejects(
						store.scan!(prefix as string, options as { kind: 'records'; limit: number }),
						TypeError,
						what,
					);
			});
		});

		if (backend === 'redis') {
			describe('redis specifics', () => {
				test('key layout: prefix, kind, URI-encoded namespace in a hash tag, raw key', async () => {
					const config = harness.config() as Extract<StoreConfig, { backend: 'redis' }>;
					const ns = fresh('lay:out {x}');
					await store.write(ns, [{ key: 'k:1', value: { a: 1 }, ttlMs: 60_000 }]);
					await store.increment(ns, [{ key: 'k:1', by: 3 }]);
					const raw = new Redis({
						host: config.host,
						port: config.port,
						lazyConnect: true,
						maxRetriesPerRequest: 1,
						retryStrategy: () => null,
					});
					raw.on('error', () => undefined);
					try {
						await raw.connect();
						const tag = `{${encodeURIComponent(ns)}}`;
						assert.equal(
							await raw.get(`${config.keyPrefix}kv:${tag}:k:1`),
							`${(await readOne(store, ns, 'k:1'))?.version}:{"a":1}`,
						);
						// The namespace's version sequence lives in the same slot and expires when idle.
						assert.ok((await raw.pttl(`${config.keyPrefix}sq:${tag}`)) > 0);
						const ttl = await raw.pttl(`${config.keyPrefix}kv:${tag}:k:1`);
						assert.ok(ttl > 59_000 && ttl <= 60_000);
						assert.equal(await raw.get(`${config.keyPrefix}ct:${tag}:k:1`), '3');
						// Data this package did not write is reported, not misread.
						await raw.set(`${config.keyPrefix}kv:${tag}:foreign`, 'hello');
						await assert.rejects(
							store.read(ns, ['foreign']),
							(error: unknown) =>
								error instanceof StoreError && /did not write/.test(error.message),
						);
						await assert.rejects(
							store.write(ns, [{ key: 'foreign', value: 1 }]),
							(error: unknown) =>
								error instanceof StoreError && /did not write/.test(error.message),
						);
					} finally {
						raw.disconnect();
					}
				});
			});
		}

		if (backend === 'postgres') {
			describe('postgres specifics', () => {
				test(
					'8 stores migrating a fresh table prefix at once apply each migration exactly once',
					{ timeout: 60_000 },
					async () => {
						const base = harness.config() as Extract<StoreConfig, { backend: 'postgres' }>;
						const config = { ...base, tablePrefix: `${base.tablePrefix}m_`, maxConnections: 1 };
						const stores = Array.from({ length: 8 }, () => new PostgresStore(config));
						try {
							await Promise.all(stores.map((migrating) => migrating.ping()));
							const rows = await stores[0].query<{ version: number; count: string }>(
								'check',
								`SELECT version, count(*) AS count FROM "${config.schema}"."${config.tablePrefix}migrations" GROUP BY version ORDER BY version`,
								[],
							);
							assert.deepEqual(
								rows.map((row) => [row.version, Number(row.count)]),
								[
									[1, 1],
									[2, 1],
									[3, 1],
									[4, 1],
								],
							);
							const [claim] = await stores[3].write('m', [{ key: 'k', value: 1, ifVersion: 0 }]);
							assert.equal(claim.applied, true);
						} finally {
							await closeAll(stores);
						}
					},
				);

				test('ssl modes: disable and allow connect in plain text; require insists on TLS', async () => {
					const base = harness.config(1) as Extract<StoreConfig, { backend: 'postgres' }>;
					const probe = new PostgresStore(base);
					const rows = await probe.query<{ ssl: string }>('check', 'SHOW ssl', []);
					await probe.close();
					const serverTls = rows[0].ssl === 'on';
					for (const ssl of ['disable', 'allow'] as const) {
						const plain = new PostgresStore({ ...base, ssl });
						await plain.ping();
						await plain.close();
					}
					const strict = new PostgresStore({ ...base, ssl: 'require' });
					try {
						if (serverTls) {
							await strict.ping();
						} else {
							await assert.rejects(
								strict.ping(),
								(error: unknown) =>
									error instanceof StoreError && /does not support SSL/i.test(error.message),
							);
						}
					} finally {
						await strict.close();
					}
				});

				test('unsafe schema and table prefix names are refused before any SQL runs', () => {
					const base = harness.config() as Extract<StoreConfig, { backend: 'postgres' }>;
					for (const tablePrefix of [
						'',
						'x"; DROP TABLE users; --',
						'a b',
						'1abc',
						'x'.repeat(41),
						'ünï',
					]) {
						assert.throws(
							() => new PostgresStore({ ...base, tablePrefix }),
							/table prefix must be/,
						);
					}
					for (const schema of ['pg_catalog', 'a.b', 'x"y', 'x'.repeat(64)]) {
						assert.throws(() => new PostgresStore({ ...base, schema }), /schema must be/);
					}
					assert.throws(
						() => new PostgresStore({ ...base, ssl: 'prefer' as 'require' }),
						/ssl must be one of/,
					);
				});
			});
		}
	});
}

/** Spawns `processes` children racing on one SQLite file; releases them together; returns their JSON results. */
async function raceChildren(
	file: string,
	mode: 'claim' | 'count',
	processes: number,
	connections: number,
	increments: number,
): Promise<Array<Record<string, unknown>>> {
	const script = path.join(__dirname, '..', 'support', 'sqlite-race-child.js');
	const children = Array.from({ length: processes }, () =>
		spawn(process.execPath, [script, file, mode, String(connections), String(increments)], {
			stdio: ['pipe', 'pipe', 'pipe'],
		}),
	);
	const outputs = children.map((child) => {
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
		const ready = new Promise<void>((resolve, reject) => {
			const check = () => (stdout.includes('ready\n') ? resolve() : undefined);
			child.stdout.on('data', check);
			child.once('exit', (code) =>
				reject(new Error(`race child exited early (${code}): ${stderr}`)),
			);
		});
		const done = new Promise<Record<string, unknown>>((resolve, reject) => {
			child.once('exit', (code) => {
				if (code !== 0) return reject(new Error(`race child failed (${code}): ${stderr}`));
				const line = stdout.split('\n').filter(Boolean).pop() ?? '';
				resolve(JSON.parse(line) as Record<string, unknown>);
			});
		});
		// Reported through `ready` when the child dies early; never an unhandled rejection.
		done.catch(() => undefined);
		return { ready, done };
	});
	await Promise.all(outputs.map((output) => output.ready));
	for (const child of children) child.stdin.end('go\n');
	return Promise.all(outputs.map((output) => output.done));
}
