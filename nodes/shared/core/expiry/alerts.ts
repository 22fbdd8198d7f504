/**
 * Alert memory: the same credential at the same status alerts at most once per window
 * (default a day), not on every scheduled run. A worse (or different) status is a new
 * alert at once; `ok` never alerts and needs no memory.
 *
 * One record per (credential, status) holds when it last alerted, kept for the window
 * (TTL). The node writes it with compare-and-set (stores/update.ts), so of two runs
 * racing on the same finding exactly one alerts.
 *
 * The record also says what an operator needs to read it (Guards Status shows which
 * credentials expire next): the credential's display name as the node outputs it, its
 * kind (source), its expiry date and days left at the last check. Never a secret: a
 * token's name is its configured name or a hash of it. A quiet run refreshes these
 * fields (keeping alertedAt and the window's end) when they changed. Records written
 * before these fields existed still read (the fields are then null).
 */
import { stableHash } from '../hash';
import { DAY_MS } from '../time';
import type { ExpiryStatus } from './status';

export const DEFAULT_ALERT_WINDOW_MS = DAY_MS;

/** What a record says about the credential: nothing secret. */
export type AlertSubject = {
	/** The display name the node outputs (`name`). */
	name: string;
	/** Where it was found: n8n, register, tls or token. */
	kind: string;
	/** Epoch ms, or null when unknown. */
	expiresAt: number | null;
	/** Whole calendar days left at the last check, or null. */
	daysLeft: number | null;
};

// A type, not an interface, so that it is assignable to JsonValue when stored.
export type AlertMark = {
	alertedAt: number;
	status: string;
	name?: string | null;
	kind?: string | null;
	expiresAt?: number | null;
	daysLeft?: number | null;
	/** When the subject fields were last refreshed (epoch ms). */
	checkedAt?: number | null;
};

const MAX_NAME = 200;
/** The largest epoch ms a Date holds: anything beyond is not a date. */
const MAX_DATE_MS = 8.64e15;
const dateMs = (value: unknown) =>
	typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_DATE_MS
		? value
		: null;

/** Store key of a finding: the status and a hash of the credential's key (keys stay short, names stay out). */
export function alertKey(credentialKey: string, status: ExpiryStatus): string {
	return `${status.replace(' ', '-')}:${stableHash(credentialKey).slice(0, 40)}`;
}

export interface ExpiryAlertDecision {
	alert: boolean;
	/** When this finding last alerted (epoch ms), this run included; null for `ok`. */
	lastAlertAt: number | null;
	/** The mark to write, or null. */
	write: AlertMark | null;
	/** The TTL to write it with: the window, or what is left of it on a quiet refresh. */
	ttlMs: number;
}

export function decideAlert(
	stored: unknown,
	status: ExpiryStatus,
	now: number,
	windowMs: number,
	subject?: AlertSubject,
): ExpiryAlertDecision {
	if (status === 'ok') return { alert: false, lastAlertAt: null, write: null, ttlMs: windowMs };
	const mark = asAlertMark(stored);
	const about = subject ? subjectFields(subject, now) : {};
	if (
		mark !== undefined &&
		mark.status === status &&
		now - mark.alertedAt < windowMs &&
		now >= mark.alertedAt
	) {
		const stale =
			subject !== undefined &&
			(mark.name !== about.name ||
				mark.kind !== about.kind ||
				mark.expiresAt !== about.expiresAt ||
				mark.daysLeft !== about.daysLeft);
		return {
			alert: false,
			lastAlertAt: mark.alertedAt,
			write: stale ? { alertedAt: mark.alertedAt, status, ...about } : null,
			ttlMs: mark.alertedAt + windowMs - now,
		};
	}
	return {
		alert: true,
		lastAlertAt: now,
		write: { alertedAt: now, status, ...about },
		ttlMs: windowMs,
	};
}

function subjectFields(
	subject: AlertSubject,
	now: number,
): Omit<AlertMark, 'alertedAt' | 'status'> {
	return {
		name: String(subject.name).slice(0, MAX_NAME),
		kind: String(subject.kind).slice(0, MAX_NAME),
		expiresAt: dateMs(subject.expiresAt),
		daysLeft:
			typeof subject.daysLeft === 'number' && Number.isSafeInteger(subject.daysLeft)
				? subject.daysLeft
				: null,
		checkedAt: now,
	};
}

/** A stored alert mark, or undefined when the value is not one. */
export function asAlertMark(value: unknown): AlertMark | undefined {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
	const mark = value as Partial<AlertMark>;
	const alertedAt = dateMs(mark.alertedAt);
	if (alertedAt === null || typeof mark.status !== 'string') return undefined;
	const text = (field: unknown) => (typeof field === 'string' ? field.slice(0, MAX_NAME) : null);
	return {
		alertedAt,
		status: mark.status,
		name: text(mark.name),
		kind: text(mark.kind),
		expiresAt: dateMs(mark.expiresAt),
		daysLeft:
			typeof mark.daysLeft === 'number' && Number.isSafeInteger(mark.daysLeft)
				? mark.daysLeft
				: null,
		checkedAt: dateMs(mark.checkedAt),
	};
}

/**
 * Every checked credential, alerting or not, is kept too (`checked:<hash>`), so Guards
 * Status lists what expires next before anything alerts: its name, kind, status, expiry
 * date and days left at the last check. Never a secret. Written once per run, in one
 * batch; it lives CHECKED_TTL_MS after the last check that saw the credential.
 */
export const CHECKED_TTL_MS = 35 * DAY_MS;

export type CheckedMark = {
	status: string;
	name: string;
	kind: string;
	expiresAt: number | null;
	daysLeft: number | null;
	checkedAt: number;
};

export function checkedKey(credentialKey: string): string {
	return `checked:${stableHash(credentialKey).slice(0, 40)}`;
}

export function checkedMark(status: ExpiryStatus, subject: AlertSubject, now: number): CheckedMark {
	const fields = subjectFields(subject, now);
	return {
		status,
		name: fields.name ?? '',
		kind: fields.kind ?? '',
		expiresAt: fields.expiresAt ?? null,
		daysLeft: fields.daysLeft ?? null,
		checkedAt: now,
	};
}

/** A stored checked mark, or undefined when the value is not one. */
export function asCheckedMark(value: unknown): CheckedMark | undefined {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
	const mark = value as Partial<CheckedMark>;
	const checkedAt = dateMs(mark.checkedAt);
	if (checkedAt === null || typeof mark.status !== 'string' || 'alertedAt' in mark)
		return undefined;
	const text = (field: unknown) => (typeof field === 'string' ? field.slice(0, MAX_NAME) : '');
	return {
		status: mark.status.slice(0, MAX_NAME),
		name: text(mark.name),
		kind: text(mark.kind),
		expiresAt: dateMs(mark.expiresAt),
		daysLeft:
			typeof mark.daysLeft === 'number' && Number.isSafeInteger(mark.daysLeft)
				? mark.daysLeft
				: null,
		checkedAt,
	};
}
