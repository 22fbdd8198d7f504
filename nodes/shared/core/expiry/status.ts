/**
 * Expiry status maths: what a credential's expiry (and, when known, its issue date)
 * means today. Pure; the caller passes `now` (epoch ms).
 *
 * A credential is `due soon` inside the warning window (default 14 days) OR once a
 * share of its lifetime has passed (cert-manager renews at two thirds), `critical`
 * inside the critical window (default 3 days), `expired` at or after its expiry.
 * `failing` (a live test or probe says it is broken now) and `unknown` (nothing to
 * judge by) come from the sources, with a reason.
 */

export type ExpiryStatus = 'ok' | 'due soon' | 'critical' | 'expired' | 'failing' | 'unknown';

/** The node's three routes. */
export type ExpiryRoute = 'ok' | 'attention' | 'expiredOrFailing';

import type { Zone } from 'luxon';

import { SettingsError } from '../errors/settings';
import { DAY_MS, HOUR_MS } from '../time';
import { calendarDaysLeft } from './reminders';

export { DAY_MS };

export interface ExpiryPolicy {
	/** Due soon when at most this many days are left. */
	warningDays: number;
	/** Critical when at most this many days are left (≤ warningDays). */
	criticalDays: number;
	/** Due soon once this share (0–1) of the lifetime has passed; 0 turns it off. Needs the issue date. */
	lifetimeShare: number;
}

export const DEFAULT_EXPIRY_POLICY: Readonly<ExpiryPolicy> = Object.freeze({
	warningDays: 14,
	criticalDays: 3,
	lifetimeShare: 2 / 3,
});

/**
 * An expiry policy option out of range: a SettingsError (option, value, expected), with
 * `problem`, the words that follow the option's name ("must not be more than the warning
 * window"), for a message that says more than "out of range".
 */
export class ExpiryPolicyError extends SettingsError<keyof ExpiryPolicy> {
	readonly isExpiryPolicyError = true;

	constructor(
		option: keyof ExpiryPolicy,
		value: unknown,
		expected: string,
		readonly problem = `must be ${expected}`,
	) {
		super(option, value, expected, `${option} ${problem}`);
		this.name = 'ExpiryPolicyError';
	}
}

export function isExpiryPolicyError(error: unknown): error is ExpiryPolicyError {
	return (
		error instanceof Error && (error as Partial<ExpiryPolicyError>).isExpiryPolicyError === true
	);
}

/** The policy with defaults filled in; an ExpiryPolicyError names an option out of range. */
export function resolveExpiryPolicy(overrides: Partial<ExpiryPolicy> = {}): ExpiryPolicy {
	const policy = { ...DEFAULT_EXPIRY_POLICY, ...overrides };
	for (const option of ['warningDays', 'criticalDays'] as const) {
		const value = policy[option];
		if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 3650) {
			throw new ExpiryPolicyError(option, value, 'a number of days from 0 to 3650');
		}
	}
	if (policy.criticalDays > policy.warningDays) {
		throw new ExpiryPolicyError(
			'criticalDays',
			policy.criticalDays,
			`at most the warning window (${policy.warningDays} days)`,
			'must not be more than the warning window',
		);
	}
	const share = policy.lifetimeShare;
	if (typeof share !== 'number' || !Number.isFinite(share) || share < 0 || share > 1) {
		throw new ExpiryPolicyError('lifetimeShare', share, 'a share from 0 to 1 (0 turns it off)');
	}
	return policy;
}

export interface ExpiryFacts {
	/** Epoch ms, or null when the expiry is not known. */
	expiresAt: number | null;
	/** Epoch ms of issue (certificate notBefore, JWT iat, last rotation), when known. */
	issuedAt?: number | null;
}

export interface ExpiryEvaluation {
	status: Exclude<ExpiryStatus, 'failing'>;
	/**
	 * Whole calendar days from today to the expiry date in the time zone: 0 = expires (or
	 * expired) today, 1 = tomorrow, negative once expired (−5: five days ago); null when
	 * the expiry is not known. The reason says the same number, and the warning and
	 * critical windows compare it, so an IF on daysLeft <= 7 agrees with the status.
	 */
	daysLeft: number | null;
	/** Why the status is what it is, in words for a person. */
	reason: string;
}

/**
 * Judges an expiry. `zone` is the time zone whose calendar days count (UTC without
 * one): a credential expiring tomorrow at 01:00 has 1 day left tonight, however few hours.
 */
export function evaluateExpiry(
	facts: ExpiryFacts,
	policy: ExpiryPolicy,
	now: number,
	zone?: Zone,
): ExpiryEvaluation {
	const { expiresAt } = facts;
	if (expiresAt === null || !Number.isFinite(expiresAt)) {
		return { status: 'unknown', daysLeft: null, reason: 'The expiry is not known' };
	}
	const left = expiresAt - now;
	const daysLeft = calendarDaysLeft(now, expiresAt, zone);
	const when = whenText(daysLeft, left);
	if (left <= 0) return { status: 'expired', daysLeft, reason: when };
	if (daysLeft <= policy.criticalDays) {
		return {
			status: 'critical',
			daysLeft,
			reason: `${when} (critical within ${policy.criticalDays} days)`,
		};
	}
	if (daysLeft <= policy.warningDays) {
		return {
			status: 'due soon',
			daysLeft,
			reason: `${when} (warning within ${policy.warningDays} days)`,
		};
	}
	const issuedAt = facts.issuedAt;
	if (
		policy.lifetimeShare > 0 &&
		typeof issuedAt === 'number' &&
		Number.isFinite(issuedAt) &&
		issuedAt < expiresAt
	) {
		const renewAt = issuedAt + policy.lifetimeShare * (expiresAt - issuedAt);
		if (now >= renewAt) {
			const percent = Math.round(policy.lifetimeShare * 100);
			return {
				status: 'due soon',
				daysLeft,
				reason: `${percent}% of its lifetime has passed; ${when.replace(/^E/, 'e')}`,
			};
		}
	}
	return { status: 'ok', daysLeft, reason: when };
}

/** "Expires in 7 days", "Expires tomorrow", "Expires today, in 5 hours", "Expired 6 days ago": daysLeft in words. */
function whenText(daysLeft: number, leftMs: number): string {
	if (leftMs <= 0) {
		if (daysLeft === 0) return `Expired today, ${hours(-leftMs)} ago`;
		return daysLeft === -1 ? 'Expired 1 day ago' : `Expired ${-daysLeft} days ago`;
	}
	if (daysLeft === 0) return `Expires today, in ${hours(leftMs)}`;
	return daysLeft === 1 ? 'Expires tomorrow' : `Expires in ${daysLeft} days`;
}

function hours(ms: number): string {
	const count = Math.max(1, Math.round(ms / HOUR_MS));
	return count === 1 ? '1 hour' : `${count} hours`;
}

/**
 * A rotation policy as an expiry: a secret last updated at `updatedAt` must be rotated
 * within `maxAgeDays`. Its "issue date" is the update, so the lifetime share applies too.
 */
export function rotationFacts(
	updatedAt: number,
	maxAgeDays: number,
): { expiresAt: number; issuedAt: number } {
	return { expiresAt: updatedAt + maxAgeDays * DAY_MS, issuedAt: updatedAt };
}

/** Which output a status leaves on. */
export function routeFor(status: ExpiryStatus): ExpiryRoute {
	if (status === 'ok') return 'ok';
	if (status === 'expired' || status === 'failing') return 'expiredOrFailing';
	return 'attention';
}

/** Severity order, worst last: the worse of two findings about one credential wins. */
const SEVERITY: Record<ExpiryStatus, number> = {
	ok: 0,
	unknown: 1,
	'due soon': 2,
	critical: 3,
	failing: 4,
	expired: 5,
};

export function worseStatus(a: ExpiryStatus, b: ExpiryStatus): ExpiryStatus {
	return SEVERITY[b] > SEVERITY[a] ? b : a;
}
