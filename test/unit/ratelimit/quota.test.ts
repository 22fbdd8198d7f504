import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import {
	crossedThresholds,
	crossingsByUse,
	isQuotaSettingsError,
	parseQuotaThresholds,
	quotaWindow,
	thresholdUsage,
} from '../../../nodes/shared/core/ratelimit';

const at = (iso: string) => Date.parse(iso);

describe('quotaWindow', () => {
	it('cuts days at midnight in the chosen time zone', () => {
		// 02:30 UTC on the 27th is still the 26th in New York.
		const window = quotaWindow(at('2026-11-27T02:30:00Z'), 'day', 'America/New_York');
		assert.equal(window.id, '2026-11-26');
		assert.equal(new Date(window.start).toISOString(), '2026-11-26T05:00:00.000Z');
		assert.equal(new Date(window.end).toISOString(), '2026-11-27T05:00:00.000Z');
		assert.equal(quotaWindow(at('2026-11-27T02:30:00Z'), 'day', 'UTC').id, '2026-11-27');
		assert.equal(quotaWindow(at('2026-11-27T02:30:00Z'), 'day', '').id, '2026-11-27');
	});

	it('handles DST days of 23 and 25 hours', () => {
		const spring = quotaWindow(at('2026-03-29T12:00:00Z'), 'day', 'Europe/Berlin');
		assert.equal(spring.end - spring.start, 23 * 3_600_000);
		const autumn = quotaWindow(at('2026-10-25T12:00:00Z'), 'day', 'Europe/Berlin');
		assert.equal(autumn.end - autumn.start, 25 * 3_600_000);
	});

	it('cuts months at their real ends, leap years included', () => {
		const february = quotaWindow(at('2028-02-29T23:59:59.999Z'), 'month', 'UTC');
		assert.equal(february.id, '2028-02');
		assert.equal(new Date(february.end).toISOString(), '2028-03-01T00:00:00.000Z');
		assert.equal(quotaWindow(at('2028-03-01T00:00:00.000Z'), 'month', 'UTC').id, '2028-03');
		// The last instant of January in Tokyo is already February in UTC+9.
		assert.equal(quotaWindow(at('2026-01-31T15:30:00Z'), 'month', 'Asia/Tokyo').id, '2026-02');
		const december = quotaWindow(at('2026-12-31T23:00:00Z'), 'month', 'UTC');
		assert.equal(new Date(december.end).toISOString(), '2027-01-01T00:00:00.000Z');
	});

	it('has hours and ISO weeks', () => {
		assert.equal(
			quotaWindow(at('2026-11-27T08:15:00Z'), 'hour', 'Asia/Kolkata').id,
			'2026-11-27T13',
		);
		const week = quotaWindow(at('2026-11-27T08:15:00Z'), 'week', 'UTC');
		assert.equal(week.id, '2026-W48');
		assert.equal(new Date(week.start).toISOString(), '2026-11-23T00:00:00.000Z');
	});

	it('names bad settings', () => {
		assert.throws(
			() => quotaWindow(0, 'day', 'Mars/Olympus'),
			(error: unknown) => isQuotaSettingsError(error) && error.setting === 'timeZone',
		);
		assert.throws(
			() => quotaWindow(0, 'year' as never, 'UTC'),
			(error: unknown) => isQuotaSettingsError(error) && error.setting === 'period',
		);
		assert.throws(
			() => quotaWindow(0, '__proto__' as never, 'UTC'),
			(error: unknown) => isQuotaSettingsError(error) && error.setting === 'period',
		);
	});
});

describe('thresholds', () => {
	it('parses a list, sorted and unique', () => {
		assert.deepEqual(parseQuotaThresholds('90, 75,75 100%'), [75, 90, 100]);
		assert.deepEqual(parseQuotaThresholds('12.5'), [12.5]);
	});

	it('refuses empty and hostile lists', () => {
		for (const text of ['', ' , ', '0', '-5', 'abc', '75, x', '1001', '1e2']) {
			assert.throws(
				() => parseQuotaThresholds(text),
				(error: unknown) => isQuotaSettingsError(error) && error.setting === 'thresholds',
				text,
			);
		}
	});

	it('crosses a threshold exactly once, on the use that reaches it', () => {
		assert.equal(thresholdUsage(1000, 75), 750);
		assert.equal(thresholdUsage(3, 75), 3); // 2.25 rounds up: two of three is not 75 %
		assert.deepEqual(crossedThresholds(749, 750, 1000, [75, 90]), [75]);
		assert.deepEqual(crossedThresholds(750, 800, 1000, [75, 90]), []);
		assert.deepEqual(crossedThresholds(0, 5000, 1000, [75, 90, 100]), [75, 90, 100]);
		assert.deepEqual(crossedThresholds(800, 700, 1000, [75]), []);
		assert.deepEqual(crossingsByUse(740, [5, 0, 10, 200], 1000, [75, 90]), [
			{ threshold: 75, use: 2, usage: 755 },
			{ threshold: 90, use: 3, usage: 955 },
		]);
	});

	it('finds the crossings of a batch as checking every use against every threshold does', () => {
		// The first implementation, kept as the oracle.
		const everyUse = (before: number, uses: number[], quota: number, thresholds: number[]) => {
			const out: Array<{ threshold: number; use: number; usage: number }> = [];
			let usage = before;
			uses.forEach((amount, use) => {
				const next = usage + amount;
				for (const threshold of crossedThresholds(usage, next, quota, thresholds))
					out.push({ threshold, use, usage: next });
				usage = next;
			});
			return out;
		};
		fc.assert(
			fc.property(
				fc.integer({ min: 0, max: 5000 }),
				fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 60 }),
				fc.integer({ min: 1, max: 5000 }),
				fc.array(fc.double({ min: 0.01, max: 1000, noNaN: true }), { maxLength: 6 }),
				(before, uses, quota, thresholds) => {
					assert.deepEqual(
						crossingsByUse(before, uses, quota, thresholds),
						everyUse(before, uses, quota, thresholds),
					);
				},
			),
			{ numRuns: 5000 },
		);
	});
});
