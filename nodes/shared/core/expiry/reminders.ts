/**
 * Reminders that beat weekends. A credential expiring on a Sunday has to be renewed on
 * the Friday before; a reminder that would fall on a Saturday comes on the Friday too.
 * Dates are calendar dates in the user's time zone (offsets from Luxon's zone data), so
 * daylight-saving changes and leap days fall where the calendar puts them.
 */
import type { Zone } from 'luxon';

import { SettingsError } from '../errors/settings';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../time';
import { zoneFor } from '../transform/profile';

/** ISO weekday numbers, Monday = 1 … Sunday = 7. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface ReminderPolicy {
	/** Remind this many calendar days before the renewal date (then moved back to a working day). */
	leadDays: number;
	/** Working days, ISO numbers (Monday = 1). */
	workingDays: Weekday[];
	/** IANA zone the calendar dates are in, e.g. "Europe/Berlin". */
	timeZone: string;
	/** Hour of the reminder on its day, 0–23, in the time zone. */
	remindAtHour: number;
}

export const DEFAULT_REMINDER_POLICY: Readonly<ReminderPolicy> = Object.freeze({
	leadDays: 7,
	workingDays: [1, 2, 3, 4, 5] as Weekday[],
	timeZone: 'UTC',
	remindAtHour: 9,
});

/**
 * A reminder policy option out of range: a SettingsError (option, value, expected), with
 * `problem`, the words that follow the option's name.
 */
export class ReminderPolicyError extends SettingsError<keyof ReminderPolicy> {
	readonly isReminderPolicyError = true;

	constructor(
		option: keyof ReminderPolicy,
		value: unknown,
		expected: string,
		readonly problem = `must be ${expected}`,
	) {
		super(option, value, expected, `${option} ${problem}`);
		this.name = 'ReminderPolicyError';
	}
}

export function isReminderPolicyError(error: unknown): error is ReminderPolicyError {
	return (
		error instanceof Error && (error as Partial<ReminderPolicyError>).isReminderPolicyError === true
	);
}

export interface ResolvedReminderPolicy extends ReminderPolicy {
	zone: Zone;
}

export function resolveReminderPolicy(
	overrides: Partial<ReminderPolicy> = {},
): ResolvedReminderPolicy {
	const policy = { ...DEFAULT_REMINDER_POLICY, ...overrides };
	if (!Number.isInteger(policy.leadDays) || policy.leadDays < 0 || policy.leadDays > 365) {
		throw new ReminderPolicyError(
			'leadDays',
			policy.leadDays,
			'a whole number of days from 0 to 365',
		);
	}
	const days = [...new Set(policy.workingDays)];
	if (days.length === 0 || days.some((day) => !Number.isInteger(day) || day < 1 || day > 7)) {
		throw new ReminderPolicyError(
			'workingDays',
			policy.workingDays,
			'at least one day of the week',
			'must name at least one day of the week',
		);
	}
	if (
		!Number.isInteger(policy.remindAtHour) ||
		policy.remindAtHour < 0 ||
		policy.remindAtHour > 23
	) {
		throw new ReminderPolicyError('remindAtHour', policy.remindAtHour, 'an hour from 0 to 23');
	}
	let zone: Zone;
	try {
		zone = zoneFor(policy.timeZone, 'timeZone');
	} catch {
		throw new ReminderPolicyError(
			'timeZone',
			policy.timeZone,
			'an IANA time zone name such as "Europe/Berlin"',
			`"${policy.timeZone}" is not a time zone (use an IANA name such as "Europe/Berlin")`,
		);
	}
	return { ...policy, workingDays: days.sort() as Weekday[], zone };
}

export interface Reminder {
	/** Last working day on or before the expiry date, yyyy-MM-dd in the zone. */
	renewBy: string;
	/** The reminder's date, yyyy-MM-dd in the zone: lead days before renewBy, on a working day. */
	remindOn: string;
	/** The reminder's instant (remindOn at the reminder hour in the zone), epoch ms. */
	remindAt: number;
}

/**
 * Calendar arithmetic on day numbers (days since 1970-01-01 in the zone's wall time):
 * dates have no daylight-saving gaps, so whole days are exact. Luxon's zone gives the
 * offset at an instant; this runs for every checked credential, so no DateTime objects.
 */
function localDayNumber(ms: number, zone: Zone): number {
	return Math.floor((ms + zone.offset(ms) * MINUTE_MS) / DAY_MS);
}

/** ISO weekday (Monday = 1) of a day number: 1970-01-01 was a Thursday. */
function weekdayOf(day: number): number {
	return ((((day + 3) % 7) + 7) % 7) + 1;
}

function isoDateOf(day: number): string {
	return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The instant of a wall-clock time in the zone (the later reading when a change repeats it). */
function instantOf(day: number, hour: number, zone: Zone): number {
	const wall = day * DAY_MS + hour * HOUR_MS;
	const guess = wall - zone.offset(wall) * MINUTE_MS;
	return wall - zone.offset(guess) * MINUTE_MS;
}

/** The working day on or before `day`. */
function workingDayOnOrBefore(day: number, workingDays: readonly number[]): number {
	let current = day;
	for (let step = 0; step < 7 && !workingDays.includes(weekdayOf(current)); step++) current -= 1;
	return current;
}

export function planReminder(expiresAt: number, policy: ResolvedReminderPolicy): Reminder {
	const renewBy = workingDayOnOrBefore(localDayNumber(expiresAt, policy.zone), policy.workingDays);
	const remindDay = workingDayOnOrBefore(renewBy - policy.leadDays, policy.workingDays);
	return {
		renewBy: isoDateOf(renewBy),
		remindOn: isoDateOf(remindDay),
		remindAt: instantOf(remindDay, policy.remindAtHour, policy.zone),
	};
}

/** Today's date (yyyy-MM-dd) in the policy's zone. */
export function localDate(now: number, policy: ResolvedReminderPolicy): string {
	return isoDateOf(localDayNumber(now, policy.zone));
}

/**
 * Whole calendar days from now's date to the date of `at`, in the zone (UTC without
 * one): 0 when `at` falls today, 1 tomorrow, −5 five days ago. The one rounding rule of
 * `daysLeft`, its reason text and the status thresholds.
 */
export function calendarDaysLeft(now: number, at: number, zone?: Zone): number {
	const day = (ms: number) =>
		zone === undefined ? Math.floor(ms / DAY_MS) : localDayNumber(ms, zone);
	return day(at) - day(now);
}

/**
 * When a calendar alarm fires: at the reminder, or, for a credential already inside its
 * lead time (the reminder passed before the file was made), at the next whole minute
 * after `now`, so it fires once the calendar has the file instead of never.
 */
export function alarmAt(remindAt: number, now: number): number {
	return remindAt > now ? remindAt : Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
}
