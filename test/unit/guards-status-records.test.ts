// The records the guards keep for Guards Status: a limiter's configured and learned limits
// (merged across processes, written only on change), drift sightings, checked credentials.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { asCheckedMark, asAlertMark, checkedMark } from '../../nodes/shared/core/expiry/alerts';
import {
	asLimiterRecord,
	LIMITER_RECORD_MIN_GAP_MS,
	LIMITER_RECORD_REFRESH_MS,
	LimiterRecordSchedule,
	mergeLimiterRecord,
	type LimiterRecord,
} from '../../nodes/shared/core/ratelimit/learned';
import {
	asQuotaSettingsRecord,
	parseQuotaKey,
	parseQuotaSettingsKey,
	quotaSettingsKey,
} from '../../nodes/shared/core/ratelimit/quota';
import { DRIFT_KINDS } from '../../nodes/shared/core/schema/drift';
import {
	LAST_SEEN_RESOLUTION_MS,
	parseMemoryKey,
	planMarkers,
	planSightings,
	rememberDrift,
	type CounterStep,
} from '../../nodes/shared/core/schema/memory';
import type { DriftEntry } from '../../nodes/shared/core/schema/drift';

const NOW = Date.UTC(2026, 11, 6, 10, 30);

function limiterRecord(by: string, limit: number | null, observedAt: number): LimiterRecord {
	return {
		id: 'hubspot:0123456789ab',
		backend: 'redis',
		plan: { increaseAmount: 1, increaseIntervalMs: 100, capacity: 1 },
		configured: { limit: 10, per: 'second', targetUtilization: 90, burst: 1 },
		learned:
			limit === null
				? null
				: {
						limit,
						remaining: 1,
						resetAt: null,
						windowSeconds: 1,
						observedAt: new Date(observedAt).toISOString(),
						by,
					},
		updatedAt: new Date(observedAt).toISOString(),
		by,
	};
}

describe('Limiter records', () => {
	it('merge: a process that learned nothing, or learned earlier, keeps the stored learned limit', () => {
		const stored = limiterRecord('a', 100, NOW);
		assert.equal(mergeLimiterRecord(stored, limiterRecord('b', null, NOW + 1)).learned?.by, 'a');
		assert.equal(mergeLimiterRecord(stored, limiterRecord('b', 90, NOW - 1)).learned?.limit, 100);
		assert.equal(mergeLimiterRecord(stored, limiterRecord('b', 90, NOW + 1)).learned?.limit, 90);
		assert.equal(mergeLimiterRecord(stored, limiterRecord('b', null, NOW + 1)).by, 'b');
		assert.equal(mergeLimiterRecord('junk', limiterRecord('b', 1, NOW)).learned?.by, 'b');
	});

	it('reads back what it wrote, and nothing that is not one', () => {
		const record = limiterRecord('a', 100, NOW);
		assert.deepEqual(asLimiterRecord(JSON.parse(JSON.stringify(record))), record);
		for (const bad of [null, [], { id: 'x' }, { id: 'x', plan: { increaseAmount: -1 } }])
			assert.equal(asLimiterRecord(bad), undefined);
		const odd = asLimiterRecord({ ...record, configured: { per: 'fortnight' }, learned: 'x' });
		assert.deepEqual([odd?.configured, odd?.learned], [null, null]);
	});

	it('is written on a change (at most once per gap), else at most once per refresh', () => {
		const schedule = new LimiterRecordSchedule();
		const facts = (limit: number) =>
			LimiterRecordSchedule.facts(
				{ limit: 10, per: 'second', targetUtilization: 90, burst: 1 },
				{
					limit,
					remaining: 5,
					resetAt: null,
					windowSeconds: 60,
					observedAt: 'x',
				},
			);
		assert.equal(schedule.dueIn(facts(100), NOW), 0);
		schedule.began(facts(100), NOW);
		assert.equal(schedule.dueIn(facts(100), NOW + 1000), null, 'unchanged: not again');
		assert.equal(schedule.dueIn(facts(90), NOW + 1000), 0, 'a second write at once');
		schedule.began(facts(90), NOW + 1000);
		assert.equal(
			schedule.dueIn(facts(80), NOW + 1500),
			LIMITER_RECORD_MIN_GAP_MS - 1500,
			'a third change inside the gap waits for a use after it',
		);
		assert.equal(schedule.dueIn(facts(80), NOW + LIMITER_RECORD_MIN_GAP_MS), 0);
		assert.equal(schedule.dueIn(facts(90), NOW + 1000 + LIMITER_RECORD_REFRESH_MS), 0, 'refresh');
		schedule.failed();
		assert.equal(
			schedule.dueIn(facts(90), NOW + LIMITER_RECORD_MIN_GAP_MS),
			0,
			'a failed write is tried again',
		);
	});
});

describe('Quota settings records', () => {
	it('keys stay apart from the counters and alerts', () => {
		const key = quotaSettingsKey('a:day:2026-12-06', 'day');
		assert.deepEqual(parseQuotaSettingsKey(key), { quota: 'a:day:2026-12-06', period: 'day' });
		assert.equal(parseQuotaKey(key), null);
		assert.equal(parseQuotaSettingsKey('a:day:2026-12-06'), null);
		assert.equal(asQuotaSettingsRecord({ limit: 0 }), undefined);
		assert.deepEqual(asQuotaSettingsRecord({ limit: 5, thresholds: [75, 'x', -1] })?.thresholds, [
			75,
		]);
	});
});

describe('Drift sightings', () => {
	const entry: DriftEntry = {
		kind: 'fieldAdded',
		path: 'coupon',
		details: [''],
	} as unknown as DriftEntry;

	it('the batch that makes a marker sets its first and last sighting; later ones move the last after the resolution', () => {
		const plan = planMarkers('orders@1', [entry], 1000);
		assert.deepEqual(
			plan.increments.map((step) => [step.key, step.by]),
			[
				['drift:orders@1:fieldAdded:coupon', 1],
				['first:drift:orders@1:fieldAdded:coupon', 0],
				['last:drift:orders@1:fieldAdded:coupon', 0],
			],
		);
		assert.deepEqual(
			planSightings(plan, [1, 0, 0], NOW).map((step) => [step.key, step.by]),
			[
				['first:drift:orders@1:fieldAdded:coupon', NOW],
				['last:drift:orders@1:fieldAdded:coupon', NOW],
			],
		);
		// A marker recreated while its old first sighting lingers: moved to now, not added to.
		assert.equal(planSightings(plan, [1, NOW - 5, NOW - 5], NOW)[0].by, 5);
		assert.deepEqual(planSightings(plan, [2, NOW - 9, NOW - 60_000], NOW), []);
		assert.deepEqual(
			planSightings(plan, [3, NOW - 9, NOW - LAST_SEEN_RESOLUTION_MS], NOW).map((s) => s.by),
			[LAST_SEEN_RESOLUTION_MS],
		);
		assert.deepEqual(parseMemoryKey('first:drift:orders@1:fieldAdded:coupon', DRIFT_KINDS), {
			kind: 'sighting',
			sighting: 'first',
			marker: 'drift:orders@1:fieldAdded:coupon',
		});
	});

	it('rememberDrift writes them with the marker count, in its third round trip', async () => {
		const counters = new Map<string, number>();
		const calls: CounterStep[][] = [];
		const increment = async (steps: CounterStep[]) => {
			calls.push(steps);
			return steps.map((step) => {
				const value = (counters.get(step.key) ?? 0) + step.by;
				counters.set(step.key, value);
				return value;
			});
		};
		const remember = (now: number) =>
			rememberDrift(increment, {
				identity: 'orders@1',
				entries: [entry],
				nullStats: [],
				model: { nullRateBaselines: new Map() } as never,
				nullRate: { minValues: 1, threshold: 1 } as never,
				settings: { lifetimeMs: 1e9, alertAgainMs: null, maxMarkers: 100 },
				now,
			});
		assert.deepEqual((await remember(NOW)).isNew, [true]);
		assert.equal(calls.length, 3);
		assert.equal(counters.get('first:drift:orders@1:fieldAdded:coupon'), NOW);
		calls.length = 0;
		assert.deepEqual((await remember(NOW + 1000)).isNew, [false]);
		assert.equal(calls.length, 2, 'a sighting within the resolution costs no round trip');
		await remember(NOW + LAST_SEEN_RESOLUTION_MS);
		assert.equal(counters.get('first:drift:orders@1:fieldAdded:coupon'), NOW);
		assert.equal(
			counters.get('last:drift:orders@1:fieldAdded:coupon'),
			NOW + LAST_SEEN_RESOLUTION_MS,
		);
	});
});

describe('Checked credentials', () => {
	it('a checked mark holds no secret and is never read as an alert', () => {
		const mark = checkedMark(
			'ok',
			{ name: 'Stripe live', kind: 'n8n', expiresAt: NOW, daysLeft: 3 },
			NOW,
		);
		assert.deepEqual(Object.keys(mark).sort(), [
			'checkedAt',
			'daysLeft',
			'expiresAt',
			'kind',
			'name',
			'status',
		]);
		assert.deepEqual(asCheckedMark(mark), mark);
		assert.equal(asAlertMark(mark), undefined);
		assert.equal(asCheckedMark({ alertedAt: NOW, status: 'ok', checkedAt: NOW }), undefined);
	});
});
