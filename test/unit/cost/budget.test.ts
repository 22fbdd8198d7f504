import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	asBudgetConfig,
	budgetConfigJson,
	budgetNameProblem,
	decideAdmission,
	limitedPeriods,
} from '../../../nodes/shared/core/cost/budget';
import type { BudgetConfig, PeriodStanding } from '../../../nodes/shared/core/cost/budget';
import {
	forecastNanos,
	percentOf,
	reachedThresholds,
} from '../../../nodes/shared/core/cost/thresholds';
import { parsePercentages } from '../../../nodes/shared/core/percentages';
import { windowAt } from '../../../nodes/shared/core/cost/windows';

const day = (partial: Partial<PeriodStanding>): PeriodStanding => ({
	period: 'day',
	limit: { moneyNanos: 1000, items: null },
	spentNanos: 0,
	reservedNanos: 0,
	items: 0,
	...partial,
});

describe('admission', () => {
	it('lets items through in order while spend, reservations and estimates fit', () => {
		const admission = decideAdmission([300, 300, 300, 300], [day({ spentNanos: 100 })]);
		assert.deepEqual(admission.admitted, [true, true, true, false]);
		assert.equal(admission.admittedNanos, 900);
		assert.deepEqual(admission.reasons[3], ['day money']);
	});

	it("counts other batches' reservations, and lets a cheaper item fit after an expensive one", () => {
		const admission = decideAdmission(
			[500, 400, 50],
			[day({ spentNanos: 200, reservedNanos: 300 })],
		);
		assert.deepEqual(admission.admitted, [true, false, false]);
		const cheaper = decideAdmission([600, 400, 50], [day({ spentNanos: 200, reservedNanos: 300 })]);
		assert.deepEqual(cheaper.admitted, [false, true, true]);
	});

	it('stops everything once the recorded spend reaches the limit, even at no estimate', () => {
		assert.deepEqual(decideAdmission([0, 0], [day({ spentNanos: 1000 })]).admitted, [false, false]);
		assert.deepEqual(decideAdmission([0, 0], [day({ spentNanos: 999 })]).admitted, [true, true]);
		assert.deepEqual(
			decideAdmission([0], [day({ limit: { moneyNanos: 0, items: null } })]).admitted,
			[false],
		);
	});

	it('enforces item limits and every limited period at once', () => {
		const admission = decideAdmission(
			[10, 10, 10, 10],
			[
				day({ limit: { moneyNanos: null, items: 5 }, items: 3 }),
				{ ...day({ limit: { moneyNanos: 25, items: null } }), period: 'hour' },
			],
		);
		assert.deepEqual(admission.admitted, [true, true, false, false]);
		assert.deepEqual(admission.reasons[2], ['day items', 'hour money']);
		assert.deepEqual(admission.reasons[3], ['day items', 'hour money']);
		assert.equal(admission.admittedCount, 2);
	});

	it('treats a negative reservation (released twice) as none', () => {
		assert.deepEqual(decideAdmission([1000], [day({ reservedNanos: -500 })]).admitted, [true]);
	});
});

describe('budget config', () => {
	const config: BudgetConfig = {
		zone: 'Europe/Berlin',
		currency: 'EUR',
		limits: {
			day: { moneyNanos: 5_000_000_000, items: null },
			hour: { moneyNanos: null, items: 100 },
		},
		thresholds: { actual: [50, 100], forecast: [100] },
	};

	it('round-trips through the store and drops what is malformed', () => {
		assert.deepEqual(asBudgetConfig(budgetConfigJson(config)), config);
		assert.equal(asBudgetConfig(null), null);
		assert.equal(asBudgetConfig({ zone: 1 }), null);
		const odd = asBudgetConfig({
			zone: 'UTC',
			limits: { day: { moneyNanos: -5, items: 1.5 }, year: {} },
			thresholds: { actual: ['x', 50], forecast: 'no' },
		});
		assert.deepEqual(odd, {
			zone: 'UTC',
			currency: 'USD',
			limits: { day: { moneyNanos: null, items: null } },
			thresholds: { actual: [50], forecast: [] },
		});
		assert.deepEqual(limitedPeriods(config), ['hour', 'day']);
		assert.deepEqual(limitedPeriods(odd!), []);
	});

	it('checks budget names', () => {
		assert.equal(budgetNameProblem('llm'), null);
		assert.match(budgetNameProblem('  ') ?? '', /empty/);
		assert.match(budgetNameProblem('a\u0000b') ?? '', /control/);
		assert.match(budgetNameProblem('x'.repeat(201)) ?? '', /longer/);
	});
});

describe('thresholds and forecasts', () => {
	it('parses threshold lists', () => {
		assert.deepEqual(parsePercentages('100, 50,75 ,50%'), [50, 75, 100]);
		assert.deepEqual(parsePercentages(''), []);
		for (const bad of ['abc', '-5', '0', '1e2', '2000', '50:75'])
			assert.throws(() => parsePercentages(bad), RangeError, bad);
	});

	it('reaches a threshold at exactly its share, in integer maths', () => {
		assert.deepEqual(reachedThresholds(499, 1000, [50, 75, 100]), []);
		assert.deepEqual(reachedThresholds(500, 1000, [50, 75, 100]), [50]);
		assert.deepEqual(reachedThresholds(1000, 1000, [50, 75, 100]), [50, 75, 100]);
		assert.deepEqual(reachedThresholds(333, 1000, [33.3]), [33.3]);
		assert.deepEqual(reachedThresholds(332, 1000, [33.3]), []);
		assert.deepEqual(reachedThresholds(5, 0, [50]), [], 'no limit, no alert');
		assert.deepEqual(reachedThresholds(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, [100]), [
			100,
		]);
		assert.equal(percentOf(750, 1000), 75);
		assert.equal(percentOf(1, 0), null);
	});

	it("forecasts the window's end linearly, once a tenth of it has passed", () => {
		const window = windowAt('day', Date.parse('2026-05-05T12:00:00Z'), 'UTC');
		assert.equal(forecastNanos(1000, window, Date.parse('2026-05-05T06:00:00Z')), 4000);
		assert.equal(
			forecastNanos(1000, window, Date.parse('2026-05-05T02:00:00Z')),
			null,
			'before a tenth of the day',
		);
		assert.equal(forecastNanos(1000, window, window.end), 1000);
		assert.equal(forecastNanos(0, window, Date.parse('2026-05-05T12:00:00Z')), 0);
	});
});
