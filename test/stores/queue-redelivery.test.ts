// Redelivery on the queue (issue 19): leases that take only the entries the schedule's
// rules say are due, expired leases coming back, two clients racing for due entries,
// and bounded purges of settled entries by status — on SQLite and Postgres for real.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { dueRules, DEFAULT_REDELIVERY_POLICY } from '../../nodes/shared/core/deadletter';
import type { LeaseDueRule, Store } from '../../nodes/shared/stores/types';
import { postgresHarness, sleep, sqliteHarness, type StoreHarness } from '../support/stores';

/** One rule with defaults a test overrides. */
function rule(overrides: Partial<LeaseDueRule>): LeaseDueRule {
	return {
		category: 'transient',
		minAttempts: 0,
		maxAttempts: 0,
		waitMs: 0,
		jitterMs: 0,
		retryAfterFactor: null,
		maxRetryAfterMs: 86_400_000,
		releasedAt: null,
		...overrides,
	};
}

let counter = 0;
const queueName = () => `redelivery-${Date.now()}-${counter++}`;
const entry = (id: string, category: string, data: Record<string, unknown> = {}) => ({
	id,
	category,
	data: { v: 1, ...data } as never,
});

for (const harness of [sqliteHarness(), postgresHarness()] satisfies StoreHarness[]) {
	describe(`queue redelivery: ${harness.backend}`, () => {
		let store: Store;
		let other: Store;
		before(async () => {
			await harness.check();
			store = harness.create();
			other = harness.create();
		});
		after(async () => {
			await store.close();
			await other.close();
			await harness.cleanup();
		});

		const lease = (
			name: string,
			rules: LeaseDueRule[],
			extra: Partial<{ parkBefore: number; leaseMs: number; limit: number; owner: string }> = {},
			on = store,
		) =>
			on.queue!.lease(name, {
				limit: extra.limit ?? 100,
				leaseMs: extra.leaseMs ?? 60_000,
				owner: extra.owner ?? 'poller',
				due: { rules, parkBefore: extra.parkBefore ?? null },
			});

		test('leases an entry only once its wait since the capture has passed, and draws a jitter', async () => {
			const name = queueName();
			await store.queue!.enqueue(name, [entry('a', 'transient')]);
			const rules = [rule({ waitMs: 400 })];
			assert.deepEqual(await lease(name, rules), [], 'not due yet');
			await sleep(500);
			const [leased] = await lease(name, rules);
			assert.equal(leased.id, 'a');
			assert.equal(leased.attempts, 1);
			assert.ok(typeof leased.jitter === 'number' && leased.jitter >= 0 && leased.jitter < 1);
			assert.deepEqual(await lease(name, rules), [], 'leased: not handed out twice');
		});

		test('the jitter spreads the wait: due between the wait and the wait plus the spread', async () => {
			const name = queueName();
			await store.queue!.enqueue(
				name,
				Array.from({ length: 40 }, (_, i) => entry(`j${i}`, 'transient')),
			);
			const [probe] = await store.queue!.list(name, { limit: 40 });
			assert.equal(typeof probe.jitter, 'number');
			const draws = (await store.queue!.list(name, { limit: 40 })).map((e) => e.jitter!);
			assert.ok(new Set(draws).size > 30, 'draws differ per entry');
			const rules = [rule({ waitMs: 0, jitterMs: 1200 })];
			const early = await lease(name, rules);
			// Those due at once drew less than the time since the capture; the rest come later.
			await sleep(1300);
			const late = await lease(name, rules);
			assert.equal(early.length + late.length, 40);
			assert.ok(late.length > 0, 'some entries waited for their jitter');
		});

		test('never leases a class without a rule, but leases entries past the maximum age to park them', async () => {
			const name = queueName();
			await store.queue!.enqueue(name, [entry('d', 'data'), entry('t', 'transient')]);
			await sleep(20);
			assert.deepEqual(
				(await lease(name, [rule({ waitMs: 0 })])).map((e) => e.id),
				['t'],
			);
			const aged = await lease(name, [], { parkBefore: Date.now() + 1 });
			assert.deepEqual(
				aged.map((e) => e.id),
				['d'],
			);
		});

		test('after a failed try the next step waits from the failure; an expired lease counts from its end', async () => {
			const name = queueName();
			await store.queue!.enqueue(name, [entry('r', 'transient')]);
			const rules = [rule({ waitMs: 0 }), rule({ minAttempts: 1, maxAttempts: 1, waitMs: 400 })];
			const [first] = await lease(name, rules, { leaseMs: 150 });
			// The replay failed: back to pending at this time.
			assert.deepEqual(
				await store.queue!.settle(name, [{ id: 'r', owner: 'poller', status: 'pending' }]),
				[true],
			);
			assert.equal(first.attempts, 1);
			assert.deepEqual(await lease(name, rules), [], 'step 2 waits 400 ms');
			await sleep(450);
			const [second] = await lease(name, rules, { leaseMs: 150 });
			assert.equal(second.attempts, 2);
			// No rule for a third try: the crashed lease returns, but is not due.
			await sleep(200);
			assert.deepEqual(await lease(name, rules), []);
			const [third] = await lease(name, [rule({ minAttempts: 2, maxAttempts: 2, waitMs: 0 })]);
			assert.equal(third.id, 'r', 'the lease that ran out came back');
			assert.equal(third.attempts, 3);
		});

		test('waits for the Retry-After a record holds (also one a settlement patched in), never less', async () => {
			const name = queueName();
			await store.queue!.enqueue(name, [
				entry('ra', 'rateLimit', { error: { retryAfterSeconds: 1 } }),
				entry('none', 'rateLimit', { error: { retryAfterSeconds: null } }),
				entry('text', 'rateLimit', { error: { retryAfterSeconds: '1' } }),
			]);
			const rules = [
				rule({ category: 'rateLimit', waitMs: 0, retryAfterFactor: 0.2 }),
				rule({
					category: 'rateLimit',
					minAttempts: 1,
					maxAttempts: 1,
					waitMs: 60_000,
					retryAfterFactor: 0.2,
				}),
			];
			assert.deepEqual(
				(await lease(name, rules)).map((e) => e.id),
				['none', 'text'],
				'no number: the schedule',
			);
			await sleep(1300);
			const [ra] = await lease(name, rules);
			assert.equal(ra.id, 'ra');
			await store.queue!.settle(name, [
				{
					id: 'ra',
					owner: 'poller',
					status: 'pending',
					dataPatch: { error: { retryAfterSeconds: 0.5 } },
				},
			]);
			assert.deepEqual(await lease(name, rules), []);
			await sleep(650);
			assert.deepEqual(
				(await lease(name, rules)).map((e) => e.id),
				['ra'],
				'the patched Retry-After, not the 60 s step',
			);
		});

		test('auth entries wait for a release after their last try', async () => {
			const name = queueName();
			await store.queue!.enqueue(name, [entry('au', 'auth')]);
			await sleep(20);
			const released = (releasedAt: number) => [
				rule({ category: 'auth', maxAttempts: 10, releasedAt }),
			];
			assert.deepEqual(
				await lease(name, released(Date.now() - 10_000)),
				[],
				'released before the failure',
			);
			assert.deepEqual(
				(await lease(name, released(Date.now()))).map((e) => e.id),
				['au'],
			);
		});

		test("the policy's own rules lease what is due on this store", async () => {
			const name = queueName();
			await store.queue!.enqueue(name, [entry('p1', 'transient'), entry('p2', 'data')]);
			const now = Date.now();
			const { rules, parkBefore } = dueRules(DEFAULT_REDELIVERY_POLICY, now, null);
			assert.deepEqual(
				await lease(name, rules, { parkBefore: parkBefore! }),
				[],
				'a minute to wait',
			);
			const fast = {
				...DEFAULT_REDELIVERY_POLICY,
				classes: {
					...DEFAULT_REDELIVERY_POLICY.classes,
					transient: { mode: 'schedule' as const, delaysMs: [0], retryAfter: false },
				},
			};
			assert.deepEqual(
				(await lease(name, dueRules(fast, now, null).rules)).map((e) => e.id),
				['p1'],
			);
		});

		test('two clients racing for 300 due entries never lease one twice, and every one is leased', async () => {
			const name = queueName();
			const ids = Array.from({ length: 300 }, (_, i) => `c${String(i).padStart(3, '0')}`);
			await store.queue!.enqueue(
				name,
				ids.map((id) => entry(id, 'transient')),
			);
			const rules = [rule({ waitMs: 0 })];
			const taken = new Map<string, string>();
			const poll = async (client: Store, owner: string) => {
				for (;;) {
					const got = await lease(name, rules, { limit: 7, owner }, client);
					if (got.length === 0) return;
					for (const e of got) {
						assert.equal(taken.get(e.id), undefined, `${e.id} leased twice`);
						taken.set(e.id, owner);
					}
				}
			};
			await Promise.all([
				poll(store, 'one'),
				poll(other, 'two'),
				poll(store, 'three'),
				poll(other, 'four'),
			]);
			assert.deepEqual([...taken.keys()].sort(), ids);
			assert.ok(new Set(taken.values()).size >= 2, 'both clients took some');
		});

		test('purges settled entries by status, oldest settled first, at most the limit', async () => {
			const name = queueName();
			await store.queue!.enqueue(
				name,
				['d1', 'd2', 'd3', 'd4', 'x1', 'open'].map((id) => entry(id, 'transient')),
			);
			for (const id of ['d1', 'd2', 'd3', 'd4']) {
				await store.queue!.settle(name, [{ id, status: 'done' }]);
				await sleep(5);
			}
			await store.queue!.settle(name, [{ id: 'x1', status: 'discarded' }]);
			await sleep(5);
			const cutoff = Date.now();
			assert.equal(await store.queue!.purge(name, cutoff, { statuses: ['done'], limit: 3 }), 3);
			const left = (await store.queue!.list(name, { limit: 10 })).map((e) => e.id).sort();
			assert.deepEqual(
				left,
				['d4', 'open', 'x1'],
				'the oldest three done, not the parked nor the open',
			);
			assert.equal(await store.queue!.purge(name, cutoff, { statuses: ['discarded'] }), 1);
			assert.equal(await store.queue!.purge(name, cutoff), 1, 'no options: both statuses');
			assert.deepEqual(
				(await store.queue!.list(name, { limit: 10 })).map((e) => e.id),
				['open'],
			);
		});

		test('refuses hostile due rules and purge options before touching the store', async () => {
			const name = queueName();
			const bad: unknown[] = [
				{ rules: 'all' },
				{ rules: [{ ...rule({}), waitMs: -1 }] },
				{ rules: [{ ...rule({}), waitMs: Number.NaN }] },
				{ rules: [{ ...rule({}), category: 7 }] },
				{ rules: [{ ...rule({}), retryAfterFactor: 2 }] },
				{ rules: [{ ...rule({}), releasedAt: -5 }] },
				{ rules: Array(1001).fill(rule({})) },
				{ rules: [], parkBefore: 'yesterday' },
			];
			for (const due of bad)
				await assert.rejects(
					store.queue!.lease(name, { limit: 1, leaseMs: 1000, owner: 'o', due: due as never }),
					TypeError,
					JSON.stringify(due).slice(0, 60),
				);
			for (const options of [
				{ statuses: ['pending'] },
				{ limit: 0 },
				{ limit: 1e9 },
				{ statuses: '__proto__' },
			])
				await assert.rejects(store.queue!.purge(name, Date.now(), options as never), TypeError);
			// A category that looks like SQL or JSON is just a name.
			await store.queue!.enqueue(name, [entry('q', `' OR 1=1 --`)]);
			assert.deepEqual(
				(await lease(name, [rule({ category: `' OR 1=1 --` })])).map((e) => e.id),
				['q'],
			);
		});
	});
}
