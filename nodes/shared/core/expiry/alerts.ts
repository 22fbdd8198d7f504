/**
 * Alert memory: the same credential at the same status alerts at most once per window
 * (default a day), not on every scheduled run. A worse (or different) status is a new
 * alert at once; `ok` never alerts and needs no memory.
 *
 * One record per (credential, status) holds when it last alerted, kept for the window
 * (TTL). The node writes it with compare-and-set (stores/update.ts), so of two runs
 * racing on the same finding exactly one alerts.
 */
import { stableHash } from '../hash';
import { DAY_MS } from '../time';
import type { ExpiryStatus } from './status';

export const DEFAULT_ALERT_WINDOW_MS = DAY_MS;

// A type, not an interface, so that it is assignable to JsonValue when stored.
export type AlertMark = { alertedAt: number; status: string };

/** Store key of a finding: the status and a hash of the credential's key (keys stay short, names stay out). */
export function alertKey(credentialKey: string, status: ExpiryStatus): string {
	return `${status.replace(' ', '-')}:${stableHash(credentialKey).slice(0, 40)}`;
}

export interface ExpiryAlertDecision {
	alert: boolean;
	/** When this finding last alerted (epoch ms), this run included; null for `ok`. */
	lastAlertAt: number | null;
	/** The mark to write (with TTL = window), or null. */
	write: AlertMark | null;
}

export function decideAlert(
	stored: unknown,
	status: ExpiryStatus,
	now: number,
	windowMs: number,
): ExpiryAlertDecision {
	if (status === 'ok') return { alert: false, lastAlertAt: null, write: null };
	const mark = asAlertMark(stored);
	if (
		mark !== undefined &&
		mark.status === status &&
		now - mark.alertedAt < windowMs &&
		now >= mark.alertedAt
	) {
		return { alert: false, lastAlertAt: mark.alertedAt, write: null };
	}
	return { alert: true, lastAlertAt: now, write: { alertedAt: now, status } };
}

/** A stored alert mark, or undefined when the value is not one. */
export function asAlertMark(value: unknown): AlertMark | undefined {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
	const mark = value as Partial<AlertMark>;
	if (
		typeof mark.alertedAt !== 'number' ||
		!Number.isFinite(mark.alertedAt) ||
		typeof mark.status !== 'string'
	)
		return undefined;
	return { alertedAt: mark.alertedAt, status: mark.status };
}
