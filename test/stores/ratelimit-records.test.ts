/**
 * A Rate Limiter limiter's record for Guards Status, on a real Redis store: two limiters
 * of one name and plan (two n8n processes, as far as each can tell) record into one
 * record; the latest learned limit wins, one that learned nothing erases nothing, writes
 * are bounded, and a store that fails never fails the limiter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
	asLimiterRecord,
	planLimiter,
	readRateLimitHeaders,
} from '../../nodes/shared/core/ratelimit';
import { closeAllLimiters } from '../../nodes/shared/stores/limiter';
import { Limiter, limiterRecordPlace } from '../../nodes/shared/stores/limiterBucket';
import { RedisStore } from '../../nodes/shared/stores/redis';
import type { RedisStoreConfig, Store } from '../../nodes/shared/stores/types';
import { redisHarness, RUN_ID } from '../support/stores';

const redis = redisHarness();
const configured = { limit: 10, per: 'second' as const, targetUtilization: 90, burst: 1 };
const plan = planLimiter(configured);
const headers = (limit: number) =>
	readRateLimitHeaders({ 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': '5' }, 0);

describe('Rate Limiter records its configured and learned limits (Redis)', () => {
	let store: RedisStore;
	const limiters: Limiter[] = [];
	before(async () => {
		await redis.check();
		store = new RedisStore(redis.config() as RedisStoreConfig);
	});
	after(async () => {
		for (const limiter of limiters) await limiter.close();
		// The Redis connection the limiters shared stays in the connection cache until closed.
		await closeAllLimiters();
		await store.close();
		await redis.cleanup();
	});

	/** A limiter as one n8n process holds it, counting the writes it sends. */
	function worker(name: string, writes: { count: number }): Limiter {
		const limiter = new Limiter(name, plan, redis.config() as RedisStoreConfig);
		limiters.push(limiter);
		const counting: Store = Object.create(store) as Store;
		counting.write = async (namespace, batch) => {
			writes.count += 1;
			return await store.write(namespace, batch);
		};
		return Object.assign(limiter, { counting });
	}

	async function recordOf(name: string) {
		const id = limiters.find((limiter) => limiter.name === name)!.view(Date.now()).id;
		const { namespace, key } = limiterRecordPlace(name, id);
		const { records } = await store.read(namespace, [key]);
		return asLimiterRecord(records.get(key)?.value);
	}

	test('two processes: the latest learned limit wins; one that learned nothing erases nothing', async () => {
		const name = ` ${JSON.stringify([`ratelimit:records-${RUN_ID}`, 'hubspot'])}`;
		const writesA = { count: 0 };
		const writesB = { count: 0 };
		const a = worker(name, writesA);
		const b = worker(name, writesB);
		const target = (limiter: Limiter) => ({
			store: async () => (limiter as Limiter & { counting: Store }).counting,
			configured,
		});
		const now = Date.now();
		await a.recordIn(target(a), now);
		await a.observe(headers(120), now + 1, 200);
		assert.equal((await recordOf(name))?.learned?.limit, 120);
		// Another process opens the same limiter: it knows no learned limit, and keeps A's.
		await b.recordIn(target(b), now + 2);
		const kept = await recordOf(name);
		assert.deepEqual([kept?.learned?.limit, kept?.configured], [120, configured]);
		// B learns later: its limit wins.
		await b.observe(headers(80), now + 3, 200);
		assert.equal((await recordOf(name))?.learned?.limit, 80);
		// What A already recorded writes nothing more: 50 responses, no write.
		const before = writesA.count;
		for (let response = 0; response < 50; response++)
			await a.observe(headers(120), now + 4 + response, 200);
		assert.equal(writesA.count - before, 0, 'unchanged: no write');
		// A's third change within 2 s of its first write waits for a use after the gap.
		for (let response = 0; response < 50; response++)
			await a.observe(headers(100 + response), now + 100 + response, 200);
		assert.equal(writesA.count - before, 0, 'bounded: no write inside the gap');
		await a.observe(headers(149), now + 2_200, 200);
		assert.equal(writesA.count - before, 1);
		assert.equal((await recordOf(name))?.learned?.limit, 149);
	});

	test('a store that fails leaves the limiter working', async () => {
		const name = ` ${JSON.stringify([`ratelimit:records-${RUN_ID}`, 'broken'])}`;
		const limiter = new Limiter(name, plan, redis.config() as RedisStoreConfig);
		limiters.push(limiter);
		await limiter.recordIn({
			store: async () => {
				throw new Error('no store here');
			},
			configured,
		});
		const hold = await limiter.observe(
			readRateLimitHeaders({ 'retry-after': '1' }, 0),
			Date.now(),
			429,
		);
		assert.ok(hold !== null && hold.recorded);
		await limiter.acquire(1);
		assert.equal(await recordOf(name), undefined);
	});
});
