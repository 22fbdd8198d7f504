import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	alertKey,
	decideAlert,
	asAlertMark,
	type AlertMark,
	type AlertSubject,
	type ExpiryStatus,
} from '../../../nodes/shared/core/expiry';
import { DAY_MS as DAY, HOUR_MS as HOUR } from '../../../nodes/shared/core/time';

const T0 = 1_800_000_000_000;

/** Runs findings through one stored mark per key, as the store keeps them (TTL = window). */
function runs(
	steps: Array<{ at: number; status: ExpiryStatus; key?: string }>,
	windowMs = DAY,
): boolean[] {
	const marks = new Map<string, { mark: AlertMark; until: number }>();
	return steps.map(({ at, status, key = 'cred' }) => {
		const storeKey = alertKey(key, status);
		const kept = marks.get(storeKey);
		const decision = decideAlert(
			kept && kept.until > at ? kept.mark : undefined,
			status,
			at,
			windowMs,
		);
		if (decision.write) marks.set(storeKey, { mark: decision.write, until: at + windowMs });
		return decision.alert;
	});
}

describe('decideAlert: once per credential and status per window', () => {
	it('a credential due soon alerts on the first run, not on the hourly runs after, and again a day later', () => {
		assert.deepEqual(
			runs(
				[0, 1, 2, 23, 24, 25].map((hours) => ({
					at: T0 + hours * HOUR,
					status: 'due soon' as const,
				})),
			),
			[true, false, false, false, true, false],
		);
	});

	it('a worse status alerts at once, and going back alerts only if that status has not alerted within the window', () => {
		assert.deepEqual(
			runs([
				{ at: T0, status: 'due soon' },
				{ at: T0 + HOUR, status: 'critical' },
				{ at: T0 + 2 * HOUR, status: 'critical' },
				{ at: T0 + 3 * HOUR, status: 'expired' },
				{ at: T0 + 4 * HOUR, status: 'due soon' },
			]),
			[true, true, false, true, false],
		);
	});

	it('ok never alerts and writes nothing', () => {
		assert.deepEqual(decideAlert(undefined, 'ok', T0, DAY), {
			alert: false,
			lastAlertAt: null,
			write: null,
			ttlMs: DAY,
		});
	});

	it('different credentials do not share memory', () => {
		assert.deepEqual(
			runs([
				{ at: T0, status: 'failing', key: 'a' },
				{ at: T0, status: 'failing', key: 'b' },
				{ at: T0 + 1, status: 'failing', key: 'a' },
			]),
			[true, true, false],
		);
	});

	it('a mark from the future (clock skew) or of another shape does not silence an alert', () => {
		assert.equal(
			decideAlert({ alertedAt: T0 + HOUR, status: 'critical' }, 'critical', T0, DAY).alert,
			true,
		);
		assert.equal(
			decideAlert({ alertedAt: 'yesterday', status: 'critical' }, 'critical', T0, DAY).alert,
			true,
		);
		assert.equal(decideAlert(['x'], 'critical', T0, DAY).alert, true);
		assert.equal(
			decideAlert({ alertedAt: T0 - HOUR, status: 'critical' }, 'critical', T0, DAY).lastAlertAt,
			T0 - HOUR,
		);
	});

	it('keys are short, per status, and do not carry the credential name', () => {
		const key = alertKey('register:Xero refresh token for ACME', 'due soon');
		assert.match(key, /^due-soon:[0-9a-f]{40}$/);
		assert.notEqual(alertKey('x', 'critical'), alertKey('x', 'expired'));
	});
});

describe('alert records: what Guards Status shows, nothing secret', () => {
	const subject: AlertSubject = {
		name: 'Stripe live key',
		kind: 'register',
		expiresAt: T0 + 5 * DAY,
		daysLeft: 5,
	};

	it('a new alert records the name, kind, expiry date and days left, with TTL the window', () => {
		const decision = decideAlert(undefined, 'due soon', T0, DAY, subject);
		assert.equal(decision.alert, true);
		assert.equal(decision.ttlMs, DAY);
		assert.deepEqual(decision.write, {
			alertedAt: T0,
			status: 'due soon',
			name: 'Stripe live key',
			kind: 'register',
			expiresAt: T0 + 5 * DAY,
			daysLeft: 5,
			checkedAt: T0,
		});
	});

	it('a quiet run refreshes changed fields, keeping alertedAt and the end of the window', () => {
		const first = decideAlert(undefined, 'due soon', T0, DAY, subject).write!;
		const same = decideAlert(first, 'due soon', T0 + HOUR, DAY, subject);
		assert.equal(same.alert, false);
		assert.equal(same.write, null, 'nothing changed: no write');
		const later = decideAlert(first, 'due soon', T0 + 20 * HOUR, DAY, { ...subject, daysLeft: 4 });
		assert.equal(later.alert, false);
		assert.equal(later.lastAlertAt, T0);
		assert.deepEqual(later.write, { ...first, daysLeft: 4, checkedAt: T0 + 20 * HOUR });
		assert.equal(later.ttlMs, 4 * HOUR, 'the window still ends a day after the alert');
	});

	it('a record written before these fields existed still reads, and a quiet run upgrades it', () => {
		const old = { alertedAt: T0, status: 'critical' };
		assert.deepEqual(asAlertMark(old), {
			alertedAt: T0,
			status: 'critical',
			name: null,
			kind: null,
			expiresAt: null,
			daysLeft: null,
			checkedAt: null,
		});
		const decision = decideAlert(old, 'critical', T0 + HOUR, DAY, subject);
		assert.equal(decision.alert, false);
		assert.equal(decision.write?.name, 'Stripe live key');
		assert.equal(decision.write?.alertedAt, T0);
		// Without a subject (an older caller) the record keeps its old shape.
		assert.deepEqual(decideAlert(undefined, 'critical', T0, DAY).write, {
			alertedAt: T0,
			status: 'critical',
		});
	});

	it('hostile fields read as null, never as a date that throws', () => {
		const mark = asAlertMark({
			alertedAt: T0,
			status: 'expired',
			name: { __proto__: 'x' },
			kind: 7,
			expiresAt: 1e300,
			daysLeft: 0.5,
			checkedAt: 'now',
		});
		assert.deepEqual(mark, {
			alertedAt: T0,
			status: 'expired',
			name: null,
			kind: null,
			expiresAt: null,
			daysLeft: null,
			checkedAt: null,
		});
		assert.equal(asAlertMark({ alertedAt: 9e15, status: 'expired' }), undefined);
		const long = decideAlert(undefined, 'expired', T0, DAY, {
			...subject,
			name: 'n'.repeat(10_000),
			expiresAt: Number.NaN,
		}).write!;
		assert.equal(long.name!.length, 200);
		assert.equal(long.expiresAt, null);
	});
});
