/**
 * Cost Guard's counters under concurrency on every real backend: 32 recorders at once
 * (8 Store instances, as 8 queue-mode workers, 4 executions each) add costs, record
 * counts and histogram buckets without losing an increment, and claim each alert
 * exactly once; 32 checkers reserving against one limit never let through more than it.
 * The protocol is the one Check Budget and Record Usage run: reserve the batch, decide
 * (core/cost decideAdmission), give back what did not fit, record, release.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { budgetKeys, decideAdmission } from '../../nodes/shared/core/cost/budget';
import { costBucket, COST_BUCKETS } from '../../nodes/shared/core/cost/stats';
import { reachedThresholds } from '../../nodes/shared/core/cost/thresholds';
import { windowAt, windowTtlMs } from '../../nodes/shared/core/cost/windows';
import type { CounterIncrement, Store } from '../../nodes/shared/stores/types';
import { postgresHarness, redisHarness, sqliteHarness, type StoreHarness } from '../support/stores';

const INSTANCES = 8;
const PER_INSTANCE = 4;
const RECORDERS = INSTANCES * PER_INSTANCE;
const BATCHES = 25;
const BUDGET = 'llm';
const THRESHOLDS = [50, 75, 100];
let counter = 0;
const fresh = (label: string) => `cost-${label}-${++counter}`;

/** A deterministic mix of small costs: recorder r, batch b, item i. */
const costOf = (recorder: number, batch: number, item: number) =>
	12_150 + ((recorder * 7919 + batch * 104_729 + item * 31) % 5000);
const itemsIn = (recorder: number, batch: number) => 1 + ((recorder + batch) % 8);

for (const harness of [sqliteHarness(), redisHarness(), postgresHarness()] as StoreHarness[]) {
	describe(`cost counters with ${RECORDERS} parallel recorders: ${harness.backend}`, () => {
		const stores: Store[] = [];
		before(async () => {
			await harness.check();
			for (let index = 0; index < INSTANCES; index++) stores.push(harness.create(2));
		});
		after(async () => {
			await Promise.all(stores.map((store) => store.close()));
			await harness.cleanup();
		});

		test('no lost increment in spend, records and histogram; each alert claimed exactly once', async (t) => {
			const namespace = fresh('record');
			const now = Date.now();
			const window = windowAt('day', now, 'UTC');
			const spentKey = budgetKeys.counter(BUDGET, 'spent', window);
			const recordsKey = budgetKeys.counter(BUDGET, 'records', window);
			const ttlMs = windowTtlMs(window, now);
			let expectedSpent = 0;
			let expectedRecords = 0;
			for (let recorder = 0; recorder < RECORDERS; recorder++) {
				for (let batch = 0; batch < BATCHES; batch++) {
					for (let item = 0; item < itemsIn(recorder, batch); item++)
						expectedSpent += costOf(recorder, batch, item);
					expectedRecords += itemsIn(recorder, batch);
				}
			}
			// The limit is what everyone spends together: every threshold is reached during the race.
			const limit = expectedSpent;
			const claims = new Map<number, number>();

			await Promise.all(
				Array.from({ length: RECORDERS }, async (_, recorder) => {
					const store = stores[recorder % INSTANCES];
					for (let batch = 0; batch < BATCHES; batch++) {
						const costs = Array.from({ length: itemsIn(recorder, batch) }, (_, item) =>
							costOf(recorder, batch, item),
						);
						const buckets = new Map<number, number>();
						for (const cost of costs)
							buckets.set(costBucket(cost), (buckets.get(costBucket(cost)) ?? 0) + 1);
						const increments: CounterIncrement[] = [
							{ key: spentKey, by: costs.reduce((sum, cost) => sum + cost, 0), ttlMs },
							{ key: recordsKey, by: costs.length, ttlMs },
							...[...buckets].map(([bucket, count]) => ({
								key: budgetKeys.bucket(BUDGET, window, bucket),
								by: count,
								ttlMs,
							})),
						];
						const [spent] = await store.increment(namespace, increments);
						const reached = reachedThresholds(spent, limit, THRESHOLDS);
						if (reached.length === 0) continue;
						const claimed = await store.increment(
							namespace,
							reached.map((threshold) => ({
								key: budgetKeys.alert(BUDGET, 'actual', window, threshold),
								by: 1,
								ttlMs,
							})),
						);
						reached.forEach((threshold, position) => {
							if (claimed[position] === 1) claims.set(threshold, (claims.get(threshold) ?? 0) + 1);
						});
					}
				}),
			);

			const reader = stores[0];
			const [spent, records] = await reader.increment(namespace, [
				{ key: spentKey, by: 0 },
				{ key: recordsKey, by: 0 },
			]);
			assert.equal(spent, expectedSpent, 'every cost added, to the nano');
			assert.equal(records, expectedRecords);
			const histogram = await reader.increment(
				namespace,
				Array.from({ length: COST_BUCKETS }, (_, bucket) => ({
					key: budgetKeys.bucket(BUDGET, window, bucket),
					by: 0,
				})),
			);
			assert.equal(
				histogram.reduce((sum, count) => sum + count, 0),
				expectedRecords,
				'every record in the histogram',
			);
			assert.deepEqual(
				Object.fromEntries(claims),
				{ 50: 1, 75: 1, 100: 1 },
				'one recorder sends each alert',
			);
			t.diagnostic(
				`[race] ${harness.backend}: ${RECORDERS} recorders, ${expectedRecords} records, spent ${spent} nanos exactly`,
			);
		});

		test('checkers reserving against one limit never let through more than it', async (t) => {
			const namespace = fresh('check');
			const now = Date.now();
			const window = windowAt('day', now, 'UTC');
			const ttlMs = windowTtlMs(window, now);
			const keys = {
				spent: budgetKeys.counter(BUDGET, 'spent', window),
				reserved: budgetKeys.counter(BUDGET, 'reserved', window),
			};
			const limit = 2_000_000;
			const admittedTotals: number[] = [];
			await Promise.all(
				Array.from({ length: RECORDERS }, async (_, checker) => {
					const store = stores[checker % INSTANCES];
					for (let batch = 0; batch < 6; batch++) {
						const estimates = Array.from(
							{ length: 1 + ((checker + batch) % 4) },
							(_, item) => 9_000 + ((checker * 131 + item * 17) % 3000),
						);
						const total = estimates.reduce((sum, nanos) => sum + nanos, 0);
						// Check Budget: read the spend and reserve the batch in one round trip ...
						const [spent, reserved] = await store.increment(namespace, [
							{ key: keys.spent, by: 0, ttlMs },
							{ key: keys.reserved, by: total, ttlMs },
						]);
						const admission = decideAdmission(estimates, [
							{
								period: 'day',
								limit: { moneyNanos: limit, items: null },
								spentNanos: spent,
								reservedNanos: reserved - total,
								items: 0,
							},
						]);
						// ... and give back what did not fit.
						if (admission.admittedNanos < total)
							await store.increment(namespace, [
								{ key: keys.reserved, by: admission.admittedNanos - total, ttlMs },
							]);
						admittedTotals.push(admission.admittedNanos);
						// Record Usage: the real cost (here the estimate) is spent, the reservation released.
						if (admission.admittedNanos > 0) {
							await store.increment(namespace, [
								{ key: keys.spent, by: admission.admittedNanos, ttlMs },
								{ key: keys.reserved, by: -admission.admittedNanos, ttlMs },
							]);
						}
					}
				}),
			);
			const [spent, reserved] = await stores[0].increment(namespace, [
				{ key: keys.spent, by: 0 },
				{ key: keys.reserved, by: 0 },
			]);
			const admitted = admittedTotals.reduce((sum, nanos) => sum + nanos, 0);
			assert.equal(spent, admitted, 'spend is exactly what was let through');
			assert.equal(reserved, 0, 'every reservation given back or released');
			assert.ok(spent <= limit, `spent ${spent} exceeds the limit ${limit}`);
			assert.ok(admitted > 0);
			t.diagnostic(
				`[race] ${harness.backend}: ${RECORDERS} checkers let through ${spent} of a ${limit} nano limit`,
			);
		});
	});
}
