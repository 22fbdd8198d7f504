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

import { SettingsError } from '../errors/settings';
import { DAY_MS, HOUR_MS } from '../time';

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
	/** Days left, one decimal, negative once expired; null when the expiry is not known. */
	daysLeft: number | null;
	/** Why the status is what it is, in words for a person. */
	reason: string;
}

/** Days between now and an instant, one decimal (4.99 days shows as 5). */
export function daysBetween(now: number, at: number): number {
	return Math.round(((at - now) / DAY_MS) * 10) / 10;
}

export function evaluateExpiry(
	facts: ExpiryFacts,
	policy: ExpiryPolicy,
	now: number,
): ExpiryEvaluation {
	const { expiresAt } = facts;
	if (expiresAt === null || !Number.isFinite(expiresAt)) {
		return { status: 'unknown', daysLeft: null, reason: 'The expiry is not known' };
	}
	const left = expiresAt - now;
	const daysLeft = daysBetween(now, expiresAt);
	if (left <= 0) return { status: 'expired', daysLeft, reason: `Expired ${formatDays(-left)} ago` };
	if (left <= policy.criticalDays * DAY_MS) {
		return {
			status: 'critical',
			daysLeft,
			reason: `Expires in ${formatDays(left)} (critical within ${policy.criticalDays} days)`,
		};
	}
	if (left <= policy.warningDays * DAY_MS) {
		return {
			status: 'due soon',
			daysLeft,
			reason: `Expires in ${formatDays(left)} (warning within ${policy.warningDays} days)`,
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
				reason: `${percent}% of its lifetime has passed; expires in ${formatDays(left)}`,
			};
		}
	}
	return { status: 'ok', daysLeft, reason: `Expires in ${formatDays(left)}` };
}

function formatDays(ms: number): string {
	if (ms < DAY_MS) {
		const hours = Math.max(1, Math.round(ms / HOUR_MS));
		return hours === 1 ? '1 hour' : `${hours} hours`;
	}
	const days = Math.floor(ms / DAY_MS);
	return days === 1 ? '1 day' : `${days} days`;
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
