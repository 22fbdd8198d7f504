/**
 * The in-process limiter's queue: first come first served under many waiters, a batch
 * granted a chunk at a time, a cancelled execution's waiters (100,000 of them) released
 * at once, and nothing left on the limiter or the signal once its requests are served.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { planLimiter } from '../../../nodes/shared/core/ratelimit';
import { closeAllLimiters, limiterFor } from '../../../nodes/shared/stores/limiter';
import type { Limiter } from '../../../nodes/shared/stores/limiterBucket';

let counter = 0;
const fresh = () => `limiter-unit-${process.pid}-${++counter}`;

function limiter(limit: number, per: 'second' | 'day' = 'second', burst = 1): Limiter {
	const plan = planLimiter({ limit, per, targetUtilization: 100, burst });
	return limiterFor(fresh(), plan) as Limiter;
}

describe('the in-process limiter', () => {
	after(async () => await closeAllLimiters());

	it('serves many waiters first come first served, batches and single requests alike', async () => {
		// 4,000 tokens a second, 100 every 25 ms: the requests below take about 20 refills.
		const bucket = limiter(4000);
		const order: number[] = [];
		const waits: Array<Promise<unknown>> = [];
		for (let call = 0; call < 600; call++) {
			const tokens = 1 + (call % 3);
			// Every 50th a batch of four units; the others one unit (each its own request).
			const units = call % 50 === 0 ? [tokens, 1, 2, 1] : [tokens];
			waits.push(bucket.acquireEach(units).then(() => order.push(call)));
		}
		await Promise.all(waits);
		assert.deepEqual(
			order,
			order.map((_, call) => call),
		);
		assert.deepEqual(bucket.waiting, { requests: 0, signals: 0 });
		assert.equal(bucket.pending, 0);
	});

	it('grants the units of one batch in order, each when its tokens came', async () => {
		const created = Date.now();
		const bucket = limiter(2000); // 50 tokens every 25 ms, at most 50 at once
		const times = await bucket.acquireEach(new Array<number>(200).fill(1));
		assert.equal(times.length, 200);
		const grants = times.map((time) => {
			assert.equal(typeof time, 'number');
			return time as number;
		});
		for (let unit = 1; unit < grants.length; unit++) assert.ok(grants[unit] >= grants[unit - 1]);
		// Never more than the 50 the bucket held, plus 50 per refill since it was made.
		grants.forEach((time, unit) => {
			const most = 50 + 50 * Math.floor((time - created) / 25);
			assert.ok(unit + 1 <= most, `${unit + 1} units by ${time - created} ms, at most ${most}`);
		});
		// 150 tokens more than the bucket held: three refills at least.
		assert.ok(grants[199] - created >= 3 * 25, `${grants[199] - created} ms`);
		assert.deepEqual(bucket.waiting, { requests: 0, signals: 0 });
	});

	it('releases 100,000 waiting items of a cancelled execution at once, with one listener', async () => {
		const bucket = limiter(1, 'day'); // one token, then none for a day
		await bucket.acquire(1);
		const controller = new AbortController();
		// One batch of 90,000 items (Wait for Slot's way), 10,000 single requests (Send Request's).
		const batch = bucket.acquireEach(new Array<number>(90_000).fill(1), controller.signal);
		const singles = Array.from({ length: 10_000 }, () => bucket.acquire(1, controller.signal));
		const other = bucket.acquire(1); // another execution's, not cancelled
		other.catch(() => undefined); // asserted below
		await new Promise((resolve) => setImmediate(resolve)); // they queue after a tick
		assert.deepEqual(bucket.waiting, { requests: 10_002, signals: 1 });
		assert.equal(bucket.pending, 100_001);
		controller.abort();
		await assert.rejects(batch, /cancelled while waiting for the rate limiter/);
		const settled = await Promise.allSettled(singles);
		assert.ok(settled.every((result) => result.status === 'rejected'));
		assert.deepEqual(bucket.waiting, { requests: 1, signals: 0 });
		assert.equal(bucket.pending, 1);
		// The other execution still waits, and is released when the limiter stops.
		await bucket.close();
		await assert.rejects(other, /stopped/);
		assert.deepEqual(bucket.waiting, { requests: 0, signals: 0 });
	});

	it('takes nothing for a request whose signal has aborted already', async () => {
		const bucket = limiter(1, 'day');
		await assert.rejects(bucket.acquireEach([1], AbortSignal.abort()), /cancelled/);
		assert.equal((await bucket.snapshot()).available, 1);
		assert.deepEqual(bucket.waiting, { requests: 0, signals: 0 });
	});

	it('fails, not hangs, a unit that wants more tokens than the bucket holds', async () => {
		const bucket = limiter(1, 'day');
		await assert.rejects(bucket.acquire(2), /more than the limiter holds/);
		assert.equal(bucket.pending, 0);
	});
});
