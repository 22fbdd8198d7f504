import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import {
	estimateWaitMs,
	isRateSettingsError,
	MIN_INCREASE_INTERVAL_MS,
	PER_MS,
	planLimiter,
	tokensOf,
	type RateSettings,
} from '../../../nodes/shared/core/ratelimit';

const settings = (overrides: Partial<RateSettings> = {}): RateSettings => ({
	limit: 10,
	per: 'second',
	targetUtilization: 90,
	burst: 1,
	...overrides,
});

describe('planLimiter', () => {
	it('fills the bucket at limit × utilisation, never faster', () => {
		const plan = planLimiter(settings());
		assert.equal(plan.target, 9);
		assert.equal(plan.increaseAmount, 1);
		assert.equal(plan.increaseIntervalMs, 112); // 111.1 rounded up
		assert.ok(plan.targetPerSecond <= 9 && plan.targetPerSecond > 8.9);
		assert.equal(plan.capacity, 1);
	});

	it('adds several tokens per increase at high rates, so timers stay at least 25 ms apart', () => {
		for (const limit of [100, 1000, 50_000]) {
			const plan = planLimiter(settings({ limit }));
			assert.ok(plan.increaseIntervalMs >= MIN_INCREASE_INTERVAL_MS, String(limit));
			assert.ok(
				plan.targetPerSecond <= limit * 0.9 + 1e-9 && plan.targetPerSecond > limit * 0.9 * 0.95,
				`${limit}: ${plan.targetPerSecond}`,
			);
		}
	});

	it('holds at least one increase, and keeps target plus burst under the limit', () => {
		for (const limit of [1, 7, 10, 50, 100, 333, 1000, 5000, 1e6]) {
			const plan = planLimiter(settings({ limit }));
			assert.ok(
				plan.capacity >= plan.increaseAmount,
				`${limit}: capacity ${plan.capacity} < amount ${plan.increaseAmount}`,
			);
			assert.ok(
				plan.target + plan.capacity <= limit + 1,
				`${limit}: ${plan.target} + ${plan.capacity}`,
			);
			assert.ok(
				plan.targetPerSecond <= plan.target + 1e-9,
				`${limit}: never faster than the target`,
			);
		}
		// Low rates stay one token at a time, evenly spaced.
		assert.equal(planLimiter(settings({ limit: 10 })).increaseAmount, 1);
		assert.equal(planLimiter(settings({ limit: 10, burst: 5 })).capacity, 5);
	});

	it('spreads daily and hourly limits over their window', () => {
		const daily = planLimiter(settings({ limit: 10_000, per: 'day', targetUtilization: 100 }));
		assert.equal(daily.increaseAmount, 1);
		assert.equal(daily.increaseIntervalMs, 8640);
		const hourly = planLimiter(settings({ limit: 3, per: 'hour', targetUtilization: 50 }));
		assert.equal(hourly.increaseIntervalMs, 2_400_000);
	});

	it('names the setting that is out of range', () => {
		const cases: Array<[Partial<RateSettings>, keyof RateSettings]> = [
			[{ limit: 0 }, 'limit'],
			[{ limit: -3 }, 'limit'],
			[{ limit: Number.NaN }, 'limit'],
			[{ limit: '10' as unknown as number }, 'limit'],
			[{ per: 'week' as never }, 'per'],
			[{ per: '__proto__' as never }, 'per'],
			[{ targetUtilization: 0 }, 'targetUtilization'],
			[{ targetUtilization: 101 }, 'targetUtilization'],
			[{ burst: 0 }, 'burst'],
			[{ burst: 1.5 }, 'burst'],
		];
		for (const [overrides, setting] of cases) {
			assert.throws(
				() => planLimiter(settings(overrides)),
				(error: unknown) => isRateSettingsError(error) && error.setting === setting,
				JSON.stringify(overrides),
			);
		}
	});
});

/** The plan's increase as it was first written: every amount from the smallest to twice it. */
function increaseByEveryAmount(settings: RateSettings): [number, number] {
	const intervalMs = PER_MS[settings.per];
	const target = (settings.limit * settings.targetUtilization) / 100;
	const smallest = Math.max(1, Math.ceil((MIN_INCREASE_INTERVAL_MS * target) / intervalMs));
	let increaseAmount = smallest;
	let increaseIntervalMs = Math.ceil((smallest * intervalMs) / target);
	for (let amount = smallest + 1; smallest > 1 && amount <= smallest * 2; amount++) {
		const exact = (amount * intervalMs) / target;
		const interval = Math.ceil(exact);
		if (
			(interval - exact) / interval <
			(increaseIntervalMs - (increaseAmount * intervalMs) / target) / increaseIntervalMs - 1e-12
		) {
			increaseAmount = amount;
			increaseIntervalMs = interval;
		}
	}
	return [increaseAmount, increaseIntervalMs];
}

describe('planLimiter: the increase, one try per interval', () => {
	it('picks what trying every amount picks', () => {
		const rates = fc.record({
			limit: fc.oneof(
				fc.integer({ min: 1, max: 2_000_000 }),
				fc.double({ min: 0.001, max: 2_000_000, noNaN: true }),
			),
			per: fc.constantFrom('second', 'minute', 'hour', 'day') as fc.Arbitrary<RateSettings['per']>,
			targetUtilization: fc.oneof(
				fc.integer({ min: 1, max: 100 }),
				fc.double({ min: 0.5, max: 100, noNaN: true }),
			),
			burst: fc.constant(1),
		});
		fc.assert(
			fc.property(rates, (rate) => {
				const plan = planLimiter(rate);
				assert.deepEqual(
					[plan.increaseAmount, plan.increaseIntervalMs],
					increaseByEveryAmount(rate),
				);
			}),
			{ numRuns: 3000 },
		);
	});

	it('plans a limit of 1,000,000,000 per second at once', () => {
		const plan = planLimiter(settings({ limit: 1e9 }));
		assert.equal(plan.increaseIntervalMs, MIN_INCREASE_INTERVAL_MS);
		assert.equal(plan.increaseAmount, 22_500_000);
	});
});

describe('estimateWaitMs', () => {
	const plan = planLimiter(settings());

	it('is 0 while the bucket has the tokens', () => {
		assert.equal(estimateWaitMs(plan, 0, 1, 1), 0);
		assert.equal(estimateWaitMs(plan, 2, 1, 5), 0);
	});

	it('counts the refills needed for the queue ahead and the item', () => {
		assert.equal(estimateWaitMs(plan, 0, 1, 0), 112);
		assert.equal(estimateWaitMs(plan, 9, 1, 0), 1120);
		assert.equal(estimateWaitMs(plan, -4, 1, -2), 112);
	});
});

describe('tokensOf', () => {
	it('accepts whole numbers from 1, also as strings', () => {
		assert.equal(tokensOf(1), 1);
		assert.equal(tokensOf('25'), 25);
		assert.equal(tokensOf(' 3.0 '), 3);
	});

	it('refuses everything else', () => {
		for (const value of [
			0,
			-1,
			1.5,
			Number.NaN,
			Number.POSITIVE_INFINITY,
			'',
			'ten',
			'1e3',
			null,
			undefined,
			{},
			[],
			true,
			2e6,
		]) {
			assert.equal(tokensOf(value), null, String(value));
		}
	});
});
