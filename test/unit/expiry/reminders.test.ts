import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	alarmAt,
	localDate,
	planReminder,
	ReminderPolicyError,
	resolveReminderPolicy,
	type Weekday,
} from '../../../nodes/shared/core/expiry';

const utc = resolveReminderPolicy({ timeZone: 'UTC' });

function plan(expiresIso: string, overrides: Parameters<typeof resolveReminderPolicy>[0] = {}) {
	return planReminder(
		Date.parse(expiresIso),
		resolveReminderPolicy({ timeZone: 'UTC', ...overrides }),
	);
}

describe('planReminder: weekends', () => {
	it('an expiry on a Wednesday renews that day; the reminder a week before, a Wednesday', () => {
		assert.deepEqual(plan('2026-12-09T15:00:00Z'), {
			renewBy: '2026-12-09',
			remindOn: '2026-12-02',
			remindAt: Date.parse('2026-12-02T09:00:00Z'),
		});
	});

	it('an expiry on a Sunday renews on the Friday before', () => {
		const reminder = plan('2026-12-13T10:00:00Z');
		assert.equal(reminder.renewBy, '2026-12-11');
		assert.equal(reminder.remindOn, '2026-12-04');
	});

	it('an expiry on a Saturday renews on the Friday before', () => {
		assert.equal(plan('2026-12-12T23:59:59Z').renewBy, '2026-12-11');
	});

	it('a reminder that would fall on a Sunday comes on the Friday before', () => {
		// Renew by Tuesday 2026-12-15; 2 days earlier is Sunday the 13th.
		const reminder = plan('2026-12-15T12:00:00Z', { leadDays: 2 });
		assert.equal(reminder.renewBy, '2026-12-15');
		assert.equal(reminder.remindOn, '2026-12-11');
	});

	it('lead 0 reminds on the renewal day itself', () => {
		const reminder = plan('2026-12-13T10:00:00Z', { leadDays: 0 });
		assert.equal(reminder.remindOn, reminder.renewBy);
	});

	it('other working weeks: Sunday to Thursday moves a Friday expiry to Thursday', () => {
		const reminder = plan('2026-12-11T10:00:00Z', { workingDays: [7, 1, 2, 3, 4], leadDays: 1 });
		assert.equal(reminder.renewBy, '2026-12-10');
		assert.equal(reminder.remindOn, '2026-12-09');
	});

	it('a single working day still finds one within a week', () => {
		const reminder = plan('2026-12-13T10:00:00Z', { workingDays: [3], leadDays: 0 });
		assert.equal(reminder.renewBy, '2026-12-09');
	});
});

describe('planReminder: time zones', () => {
	it('the same instant is a Monday in UTC but a Sunday in Los Angeles: renew on the Friday there', () => {
		const instant = '2026-03-02T02:00:00Z';
		assert.equal(plan(instant).renewBy, '2026-03-02');
		assert.equal(plan(instant, { timeZone: 'America/Los_Angeles' }).renewBy, '2026-02-27');
	});

	it('a Friday evening in UTC is already Saturday in Auckland', () => {
		assert.equal(
			plan('2026-12-11T20:00:00Z', { timeZone: 'Pacific/Auckland' }).renewBy,
			'2026-12-11',
		);
		assert.equal(plan('2026-12-11T20:00:00Z').renewBy, '2026-12-11');
		// and a Saturday morning in Auckland whose UTC date is Friday: renew by Friday in Auckland too.
		assert.equal(
			plan('2026-12-11T12:30:00Z', { timeZone: 'Pacific/Auckland' }).renewBy,
			'2026-12-11',
		);
	});

	it('the reminder hour is local: 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer', () => {
		assert.equal(
			plan('2026-01-21T12:00:00Z', { timeZone: 'Europe/Berlin', leadDays: 0 }).remindAt,
			Date.parse('2026-01-21T08:00:00Z'),
		);
		assert.equal(
			plan('2026-07-22T12:00:00Z', { timeZone: 'Europe/Berlin', leadDays: 0 }).remindAt,
			Date.parse('2026-07-22T07:00:00Z'),
		);
	});

	it('across the spring daylight-saving change the reminder keeps its local hour', () => {
		// Berlin springs forward on Sunday 2026-03-29; a reminder on Monday 30 at 09:00 local is 07:00 UTC.
		const reminder = plan('2026-04-06T12:00:00Z', { timeZone: 'Europe/Berlin', leadDays: 7 });
		assert.equal(reminder.remindOn, '2026-03-30');
		assert.equal(reminder.remindAt, Date.parse('2026-03-30T07:00:00Z'));
	});

	it('localDate is the calendar date in the zone', () => {
		const now = Date.parse('2026-11-27T23:30:00Z');
		assert.equal(localDate(now, utc), '2026-11-27');
		assert.equal(localDate(now, resolveReminderPolicy({ timeZone: 'Asia/Tokyo' })), '2026-11-28');
	});
});

describe('planReminder: leap days', () => {
	it('a reminder one day before 1 March 2028 lands on the leap day', () => {
		const reminder = plan('2028-03-01T12:00:00Z', { leadDays: 1 });
		assert.equal(reminder.renewBy, '2028-03-01');
		assert.equal(reminder.remindOn, '2028-02-29');
	});

	it('in a common year the day before 1 March is 28 February', () => {
		assert.equal(plan('2027-03-01T12:00:00Z', { leadDays: 1 }).remindOn, '2027-02-26'); // 28 Feb 2027 is a Sunday
		assert.equal(plan('2026-03-02T12:00:00Z', { leadDays: 2 }).remindOn, '2026-02-27'); // Saturday 28th → Friday
	});

	it('an expiry on a leap day that is a Tuesday renews that day; 30 days lead crosses February correctly', () => {
		const reminder = plan('2028-02-29T08:00:00Z', { leadDays: 30 });
		assert.equal(reminder.renewBy, '2028-02-29');
		assert.equal(reminder.remindOn, '2028-01-28'); // 30 Jan 2028 is a Sunday → Friday 28
	});

	it('a leap day that falls on a Sunday (2032) renews on Friday 27 February', () => {
		assert.equal(plan('2032-02-29T12:00:00Z', { leadDays: 0 }).renewBy, '2032-02-27');
	});
});

describe('resolveReminderPolicy', () => {
	const bad: Array<[string, Record<string, unknown>, string]> = [
		['negative lead', { leadDays: -1 }, 'leadDays'],
		['fractional lead', { leadDays: 1.5 }, 'leadDays'],
		['no working days', { workingDays: [] }, 'workingDays'],
		['day 8', { workingDays: [1, 8] }, 'workingDays'],
		['hour 24', { remindAtHour: 24 }, 'remindAtHour'],
		['unknown zone', { timeZone: 'Mars/Olympus' }, 'timeZone'],
		['the server zone', { timeZone: 'local' }, 'timeZone'],
	];
	for (const [label, overrides, option] of bad) {
		it(`refuses ${label}`, () => {
			assert.throws(
				() => resolveReminderPolicy(overrides as never),
				(error: unknown) => error instanceof ReminderPolicyError && error.option === option,
			);
		});
	}

	it('deduplicates and sorts working days', () => {
		assert.deepEqual(
			resolveReminderPolicy({ workingDays: [5, 1, 1, 3] as Weekday[] }).workingDays,
			[1, 3, 5],
		);
	});
});

describe('alarmAt: an alarm that can fire', () => {
	it('keeps a future reminder, and moves a past one to the next whole minute after now', () => {
		const now = Date.parse('2026-12-02T10:15:30.500Z');
		const future = Date.parse('2026-12-09T09:00:00Z');
		assert.equal(alarmAt(future, now), future);
		assert.equal(
			alarmAt(Date.parse('2026-11-25T09:00:00Z'), now),
			Date.parse('2026-12-02T10:16:00Z'),
		);
		assert.equal(alarmAt(now, now), Date.parse('2026-12-02T10:16:00Z'), 'not at the very instant');
	});
});
