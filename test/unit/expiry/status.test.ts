import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	DAY_MS,
	DEFAULT_EXPIRY_POLICY,
	ExpiryPolicyError,
	daysBetween,
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
	const cases: Array<[string, number | null, ExpiryStatus, number | null]> = [
		['unknown expiry', null, 'unknown', null],
		['expired a second ago', NOW - 1000, 'expired', -0],
		['expires exactly now', NOW, 'expired', 0],
		['expired 40 days ago', NOW - 40 * DAY_MS, 'expired', -40],
		['one hour left', NOW + HOUR, 'critical', 0],
		['exactly 3 days left (critical boundary)', NOW + 3 * DAY_MS, 'critical', 3],
		['3 days and a second', NOW + 3 * DAY_MS + 1000, 'due soon', 3],
		['exactly 14 days (warning boundary)', NOW + 14 * DAY_MS, 'due soon', 14],
		['14 days and a second', NOW + 14 * DAY_MS + 1000, 'ok', 14],
		['a year left', NOW + 365 * DAY_MS, 'ok', 365],
	];
	for (const [label, expiresAt, status, daysLeft] of cases) {
		it(label, () => {
			const result = evaluateExpiry({ expiresAt }, policy, NOW);
			assert.equal(result.status, status, result.reason);
			if (daysLeft === null) assert.equal(result.daysLeft, null);
			else
				assert.equal(
					Math.abs((result.daysLeft ?? NaN) - daysLeft) < 0.05,
					true,
					`daysLeft ${result.daysLeft}`,
				);
			assert.notEqual(result.reason, '');
		});
	}

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

	it('daysBetween rounds to one decimal and goes negative after the instant', () => {
		assert.equal(daysBetween(NOW, NOW + 4.99999 * DAY_MS), 5);
		assert.equal(daysBetween(NOW, NOW + 1.25 * DAY_MS), 1.3);
		assert.equal(daysBetween(NOW, NOW - 2 * DAY_MS), -2);
	});
});
