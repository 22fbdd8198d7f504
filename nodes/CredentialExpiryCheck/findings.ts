import type { IDataObject } from 'n8n-workflow';

import { expiry } from '../shared';
import type { Settings } from './settings';

/*
 * A finding: one checked credential, whatever its source, before it becomes an output
 * item; and the helpers every source uses to make one.
 */

/** One checked credential, before it becomes an output item. */
export interface Finding {
	/** Identity across runs: alert memory and the calendar UID hang on it. */
	key: string;
	/** The input item it pairs with. */
	pairWith: number;
	name: string;
	source: 'n8n' | 'register' | 'tls' | 'token';
	status: expiry.ExpiryStatus;
	reason: string;
	expiresAt: number | null;
	issuedAt: number | null;
	owner: string | null;
	renewalLink: string | null;
	details: IDataObject;
}

/** A finding judged by its dates against the expiry policy, in calendar days of the node's time zone. */
export function judged(
	finding: Omit<Finding, 'status' | 'reason'>,
	settings: Pick<Settings, 'policy' | 'reminders'>,
	now: number,
): Finding {
	const { status, reason } = expiry.evaluateExpiry(
		{ expiresAt: finding.expiresAt, issuedAt: finding.issuedAt },
		settings.policy,
		now,
		settings.reminders.zone,
	);
	return { ...finding, status, reason };
}

/** A text field of a register entry or endpoint: trimmed, at most 2000 characters, or null. */
export function text(value: unknown): string | null {
	if (typeof value === 'string') return value.trim() === '' ? null : value.trim().slice(0, 2000);
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return null;
}

export function iso(ms: number | null): string | null {
	return ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}
