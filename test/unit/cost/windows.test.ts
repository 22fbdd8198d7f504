import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	elapsedFraction,
	isTimeZone,
	previousWindows,
	windowAt,
	windowTtlMs,
} from '../../../nodes/shared/core/cost/windows';

const at = (iso: string) => Date.parse(iso);

describe('budget windows', () => {
	it("cuts days at midnight in the budget's zone, not in UTC", () => {
		// 23:30 UTC on 31 Jan is already 1 Feb in Berlin and still 31 Jan in New York.
		const now = at('2026-01-31T23:30:00Z');
		assert.equal(windowAt('day', now, 'UTC').id, '2026-01-31');
		assert.equal(windowAt('day', now, 'Europe/Berlin').id, '2026-02-01');
		assert.equal(windowAt('month', now, 'Europe/Berlin').id, '2026-02');
		assert.equal(windowAt('month', now, 'America/New_York').id, '2026-01');
		const berlin = windowAt('day', now, 'Europe/Berlin');
		assert.equal(new Date(berlin.start).toISOString(), '2026-01-31T23:00:00.000Z');
		assert.equal(berlin.end - berlin.start, 24 * 3_600_000);
	});

	it('rolls over exactly at the boundary', () => {
		const end = windowAt('hour', at('2026-06-01T10:59:59.999Z'), 'UTC');
		const next = windowAt('hour', at('2026-06-01T11:00:00.000Z'), 'UTC');
		assert.notEqual(end.id, next.id);
		assert.equal(end.end, next.start);
		assert.equal(windowAt('month', at('2026-12-31T23:59:59.999Z'), 'UTC').id, '2026-12');
		assert.equal(windowAt('month', at('2027-01-01T00:00:00Z'), 'UTC').id, '2027-01');
		assert.equal(
			windowAt('month', at('2028-02-15T00:00:00Z'), 'UTC').end,
			at('2028-03-01T00:00:00Z'),
			'leap February',
		);
	});

	it('makes DST days 23 and 25 hours long and tells the repeated hour apart', () => {
		const spring = windowAt('day', at('2026-03-29T12:00:00Z'), 'Europe/Berlin');
		assert.equal(spring.end - spring.start, 23 * 3_600_000);
		const autumn = windowAt('day', at('2026-10-25T12:00:00Z'), 'Europe/Berlin');
		assert.equal(autumn.end - autumn.start, 25 * 3_600_000);
		// 02:00-03:00 happens twice in Berlin on 25 Oct 2026: 00:xx UTC and 01:xx UTC.
		const first = windowAt('hour', at('2026-10-25T00:30:00Z'), 'Europe/Berlin');
		const second = windowAt('hour', at('2026-10-25T01:30:00Z'), 'Europe/Berlin');
		assert.notEqual(first.id, second.id);
		assert.equal(first.end, second.start);
	});

	it('lists previous windows newest first', () => {
		const previous = previousWindows('month', at('2026-03-10T00:00:00Z'), 'UTC', 3);
		assert.deepEqual(
			previous.map((window) => window.id),
			['2026-02', '2026-01', '2025-12'],
		);
		const days = previousWindows('day', at('2026-03-30T12:00:00Z'), 'Europe/Berlin', 2);
		assert.deepEqual(
			days.map((window) => window.id),
			['2026-03-29', '2026-03-28'],
		);
	});

	it('measures the share of a window gone by, and keeps counters after it', () => {
		const window = windowAt('day', at('2026-05-05T06:00:00Z'), 'UTC');
		assert.equal(elapsedFraction(window, at('2026-05-05T06:00:00Z')), 0.25);
		assert.equal(elapsedFraction(window, window.start - 5), 0);
		assert.equal(elapsedFraction(window, window.end + 5), 1);
		assert.equal(
			windowTtlMs(window, at('2026-05-05T06:00:00Z'), 8),
			18 * 3_600_000 + 8 * 24 * 3_600_000,
		);
	});

	it('refuses unknown zones', () => {
		assert.equal(isTimeZone('Mars/Olympus'), false);
		assert.equal(isTimeZone(''), false);
		assert.equal(isTimeZone('Asia/Kolkata'), true);
		assert.throws(() => windowAt('day', 0, 'Mars/Olympus'), /Unknown time zone/);
		// Half-hour zones cut days at their own midnight.
		assert.equal(
			new Date(windowAt('day', at('2026-01-01T20:00:00Z'), 'Asia/Kolkata').start).toISOString(),
			'2026-01-01T18:30:00.000Z',
		);
	});
});
