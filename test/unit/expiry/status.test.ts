import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	DAY_MS,
	DEFAULT_EXPIRY_POLICY,
	ExpiryPolicyError,
	calendarDaysLeft,
	resolveReminderPolicy,
	evaluateExpiry,
	resolveExpiryPolicy,
	rotationFacts,
	routeFor,
	worseStatus,
	type ExpiryStatus,
} from '../../../nodes/shared/core/expiry';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const HOUR = 3_600_000;
const policy = resolveExpiryPolicy();

describe('evaluateExpiry: status from days left', () => {
	// NOW is 12:00 UTC: daysLeft counts calendar days, and the windows compare that number.
	const cases: Array<[string, number | null, ExpiryStatus, number | null, RegExp]> = [
		['unknown expiry', null, 'unknown', null, /not known/],
		['expired a second ago', NOW - 1000, 'expired', 0, /^Expired today, 1 hour ago$/],
		['expires exactly now', NOW, 'expired', 0, /^Expired today/],
		[
			'expired 5.6 days ago (the day before the 6th)',
			NOW - 5.6 * DAY_MS,
			'expired',
			-6,
			/^Expired 6 days ago$/,
		],
		['expired 40 days ago', NOW - 40 * DAY_MS, 'expired', -40, /^Expired 40 days ago$/],
		['one hour left', NOW + HOUR, 'critical', 0, /^Expires today, in 1 hour \(critical/],
		['13 hours left: tomorrow', NOW + 13 * HOUR, 'critical', 1, /^Expires tomorrow \(critical/],
		[
			'exactly 3 days left (critical boundary)',
			NOW + 3 * DAY_MS,
			'critical',
			3,
			/^Expires in 3 days \(critical within 3 days\)$/,
		],
		[
			'3 days and a second: still 3 calendar days',
			NOW + 3 * DAY_MS + 1000,
			'critical',
			3,
			/in 3 days/,
		],
		[
			'3.6 days: the 4th day',
			NOW + 3.6 * DAY_MS,
			'due soon',
			4,
			/^Expires in 4 days \(warning within 14 days\)$/,
		],
		['7.3 days', NOW + 7.3 * DAY_MS, 'due soon', 7, /^Expires in 7 days /],
		['exactly 14 days (warning boundary)', NOW + 14 * DAY_MS, 'due soon', 14, /in 14 days/],
		[
			'14 days and a second: still 14 calendar days',
			NOW + 14 * DAY_MS + 1000,
			'due soon',
			14,
			/in 14 days/,
		],
		['14.5 days: the 15th day', NOW + 14.5 * DAY_MS, 'ok', 15, /^Expires in 15 days$/],
		['29.9 days: the 30th day', NOW + 29.9 * DAY_MS, 'ok', 30, /^Expires in 30 days$/],
		['a year left', NOW + 365 * DAY_MS, 'ok', 365, /in 365 days/],
	];
	for (const [label, expiresAt, status, daysLeft, reason] of cases) {
		it(label, () => {
			const result = evaluateExpiry({ expiresAt }, policy, NOW);
			assert.equal(result.status, status, result.reason);
			assert.equal(result.daysLeft, daysLeft, result.reason);
			assert.match(result.reason, reason);
		});
	}

	it('counts calendar days in the zone it is given', () => {
		// 2026-11-27 12:00 UTC is 2026-11-28 01:00 in Auckland; an expiry at 2026-11-29 11:00 UTC is
		// the 30th there (00:00 NZDT): 2 days in Auckland, 2 in UTC; 2026-11-28 11:30 UTC is 1 and 1.
		const auckland = resolveReminderPolicy({ timeZone: 'Pacific/Auckland' }).zone;
		const at = Date.UTC(2026, 10, 29, 11, 0, 0);
		assert.equal(calendarDaysLeft(NOW, at), 2);
		assert.equal(calendarDaysLeft(NOW, at, auckland), 2);
		// 2026-11-27 10:59 UTC is still the 27th in UTC but the 27th 23:59 in Auckland: 0 and -1.
		assert.equal(calendarDaysLeft(NOW, Date.UTC(2026, 10, 27, 10, 59)), 0);
		assert.equal(calendarDaysLeft(NOW, Date.UTC(2026, 10, 27, 10, 59), auckland), -1);
		const inZone = evaluateExpiry(
			{ expiresAt: Date.UTC(2026, 10, 27, 10, 59) },
			policy,
			NOW,
			auckland,
		);
		assert.deepEqual([inZone.daysLeft, inZone.reason], [-1, 'Expired 1 day ago']);
	});

	it('whole numbers only, the same number in the reason, for every hour over two months', () => {
		for (let hour = -24 * 30; hour <= 24 * 30; hour++) {
			const { daysLeft, reason } = evaluateExpiry(
				{ expiresAt: NOW + hour * HOUR + 1 },
				policy,
				NOW,
			);
			assert.ok(Number.isInteger(daysLeft), `${hour} h: ${daysLeft}`);
			const said = /^Expires in (\d+) days|^Expired (\d+) days? ago/.exec(reason);
			const number = said ? Number(said[1] ?? -Number(said[2])) : /tomorrow/.test(reason) ? 1 : 0;
			assert.equal(number, daysLeft, `${hour} h: ${reason}`);
		}
	});

	it('a 5-day certificate issued a few seconds ago shows 5 days left, due soon', () => {
		const result = evaluateExpiry(
			{ expiresAt: NOW + 5 * DAY_MS - 7000, issuedAt: NOW - 7000 },
			policy,
			NOW,
		);
		assert.equal(result.daysLeft, 5);
		assert.equal(result.status, 'due soon');
	});

	it('NaN and infinite expiries are unknown, not ok', () => {
		assert.equal(evaluateExpiry({ expiresAt: Number.NaN }, policy, NOW).status, 'unknown');
		assert.equal(
			evaluateExpiry({ expiresAt: Number.POSITIVE_INFINITY }, policy, NOW).status,
			'unknown',
		);
	});
});

describe('evaluateExpiry: lifetime share (cert-manager renews at two thirds)', () => {
	it('a 90-day certificate is due soon after 60 days, with 30 days left', () => {
		const issuedAt = NOW - 60 * DAY_MS;
		const result = evaluateExpiry({ expiresAt: issuedAt + 90 * DAY_MS, issuedAt }, policy, NOW);
		assert.equal(result.status, 'due soon');
		assert.match(result.reason, /67% of its lifetime/);
	});

	it('is ok before two thirds of the lifetime', () => {
		const issuedAt = NOW - 59 * DAY_MS;
		assert.equal(
			evaluateExpiry({ expiresAt: issuedAt + 90 * DAY_MS, issuedAt }, policy, NOW).status,
			'ok',
		);
	});

	it('is ignored without an issue date, with an issue date after the expiry, or when off', () => {
		const expiresAt = NOW + 30 * DAY_MS;
		assert.equal(evaluateExpiry({ expiresAt }, policy, NOW).status, 'ok');
		assert.equal(
			evaluateExpiry({ expiresAt, issuedAt: expiresAt + DAY_MS }, policy, NOW).status,
			'ok',
		);
		assert.equal(
			evaluateExpiry(
				{ expiresAt, issuedAt: NOW - 300 * DAY_MS },
				resolveExpiryPolicy({ lifetimeShare: 0 }),
				NOW,
			).status,
			'ok',
		);
	});
});

describe('resolveExpiryPolicy', () => {
	it('has the documented defaults', () => {
		assert.deepEqual(
			{ ...DEFAULT_EXPIRY_POLICY },
			{ warningDays: 14, criticalDays: 3, lifetimeShare: 2 / 3 },
		);
	});

	const bad: Array<[string, Record<string, unknown>, string]> = [
		['negative warning', { warningDays: -1 }, 'warningDays'],
		['NaN critical', { criticalDays: Number.NaN }, 'criticalDays'],
		['string warning', { warningDays: '14' }, 'warningDays'],
		['critical above warning', { warningDays: 5, criticalDays: 6 }, 'criticalDays'],
		['share above 1', { lifetimeShare: 1.5 }, 'lifetimeShare'],
		['negative share', { lifetimeShare: -0.1 }, 'lifetimeShare'],
	];
	for (const [label, overrides, option] of bad) {
		it(`refuses ${label}, naming the option`, () => {
			assert.throws(
				() => resolveExpiryPolicy(overrides as never),
				(error: unknown) => error instanceof ExpiryPolicyError && error.option === option,
			);
		});
	}
});

describe('rotation, routes and severity', () => {
	it('a rotation policy is an expiry: updated 100 days ago with a 90-day policy is expired', () => {
		const facts = rotationFacts(NOW - 100 * DAY_MS, 90);
		assert.equal(evaluateExpiry(facts, policy, NOW).status, 'expired');
		assert.equal(
			evaluateExpiry(rotationFacts(NOW - 80 * DAY_MS, 90), policy, NOW).status,
			'due soon',
		);
		assert.equal(evaluateExpiry(rotationFacts(NOW - 10 * DAY_MS, 90), policy, NOW).status, 'ok');
	});

	it('routes ok to OK, due soon, critical and unknown to Attention, expired and failing to Expired or Failing', () => {
		assert.deepEqual(
			(['ok', 'due soon', 'critical', 'unknown', 'expired', 'failing'] as ExpiryStatus[]).map(
				routeFor,
			),
			['ok', 'attention', 'attention', 'attention', 'expiredOrFailing', 'expiredOrFailing'],
		);
	});

	it('the worse status wins, either way round', () => {
		assert.equal(worseStatus('ok', 'failing'), 'failing');
		assert.equal(worseStatus('failing', 'due soon'), 'failing');
		assert.equal(worseStatus('expired', 'failing'), 'expired');
		assert.equal(worseStatus('unknown', 'critical'), 'critical');
	});
});
