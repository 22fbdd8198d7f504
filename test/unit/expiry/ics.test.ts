import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	escapeText,
	foldLine,
	icsDateTime,
	writeCalendar,
	type CalendarEvent,
} from '../../../nodes/shared/core/expiry';
import { parseCalendar, prop, unescapeText } from './ics-parser';

const NOW = Date.UTC(2026, 10, 27, 7, 30, 5);

function event(overrides: Partial<CalendarEvent> = {}): CalendarEvent {
	return {
		uid: 'a1b2@credential-expiry-check.integration-guards',
		date: '2026-12-11',
		summary: 'Renew Xero refresh token',
		description: 'Expires: 2026-12-13T10:00:00.000Z\nOwner: finance-ops@example.com',
		url: 'https://developer.xero.com/app/manage',
		alarms: [
			{ at: Date.UTC(2026, 11, 4, 8, 0, 0), description: 'Renew Xero refresh token by 2026-12-11' },
		],
		...overrides,
	};
}

describe('writeCalendar: parses back as RFC 5545', () => {
	it('one VEVENT per renewal, with UID, DTSTAMP, all-day dates and an alarm', () => {
		const calendar = parseCalendar(
			writeCalendar(
				[event(), event({ uid: 'c3d4@x', date: '2028-02-29', url: null, alarms: [] })],
				{ now: NOW, name: 'Credential renewals' },
			),
		);
		assert.equal(prop(calendar, 'VERSION')?.value, '2.0');
		assert.ok(prop(calendar, 'PRODID')?.value);
		const events = calendar.components.filter((component) => component.name === 'VEVENT');
		assert.equal(events.length, 2);
		const [first, second] = events;
		assert.equal(prop(first, 'UID')?.value, 'a1b2@credential-expiry-check.integration-guards');
		assert.equal(prop(first, 'DTSTAMP')?.value, '20261127T073005Z');
		assert.deepEqual(prop(first, 'DTSTART'), {
			name: 'DTSTART',
			params: { VALUE: 'DATE' },
			value: '20261211',
		});
		assert.equal(prop(first, 'DTEND')?.value, '20261212');
		assert.equal(unescapeText(prop(first, 'SUMMARY')?.value ?? ''), 'Renew Xero refresh token');
		assert.equal(
			unescapeText(prop(first, 'DESCRIPTION')?.value ?? ''),
			'Expires: 2026-12-13T10:00:00.000Z\nOwner: finance-ops@example.com',
		);
		assert.equal(prop(first, 'URL')?.value, 'https://developer.xero.com/app/manage');
		const alarms = first.components.filter((component) => component.name === 'VALARM');
		assert.equal(alarms.length, 1);
		assert.equal(prop(alarms[0], 'ACTION')?.value, 'DISPLAY');
		assert.deepEqual(prop(alarms[0], 'TRIGGER'), {
			name: 'TRIGGER',
			params: { VALUE: 'DATE-TIME' },
			value: '20261204T080000Z',
		});
		assert.ok(prop(alarms[0], 'DESCRIPTION')?.value, 'a DISPLAY alarm needs a DESCRIPTION');
		// A leap-day event ends on 1 March.
		assert.equal(prop(second, 'DTSTART')?.value, '20280229');
		assert.equal(prop(second, 'DTEND')?.value, '20280301');
		assert.equal(prop(second, 'URL'), undefined);
	});

	it('escapes commas, semicolons, backslashes and newlines, and the text survives the round trip', () => {
		const description = 'Owner: Ops, Finance; path C:\\keys\\xero\nline two\r\nline three';
		const calendar = parseCalendar(
			writeCalendar([event({ summary: 'Renew A, B; C\\D', description })], { now: NOW }),
		);
		const vevent = calendar.components[0];
		assert.equal(unescapeText(prop(vevent, 'SUMMARY')?.value ?? ''), 'Renew A, B; C\\D');
		assert.equal(
			unescapeText(prop(vevent, 'DESCRIPTION')?.value ?? ''),
			'Owner: Ops, Finance; path C:\\keys\\xero\nline two\nline three',
		);
	});

	it('folds long lines at 75 octets without splitting a UTF-8 character, and unfolds to the original', () => {
		const summary = `Renew ${'Zugangsdaten für Überweisungen – 証明書の更新 – '.repeat(8)}`;
		const text = writeCalendar([event({ summary })], { now: NOW });
		const calendar = parseCalendar(text); // throws on any line over 75 octets
		assert.equal(unescapeText(prop(calendar.components[0], 'SUMMARY')?.value ?? ''), summary);
		assert.equal(text.includes('\uFFFD'), false);
		assert.ok(
			text.split('\r\n').some((line) => line.startsWith(' ')),
			'something was folded',
		);
	});

	it('a header injection in a name or URL cannot add properties or components', () => {
		const text = writeCalendar(
			[
				event({
					summary: 'x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected',
					url: 'https://a.example/\r\nATTACH:evil',
					uid: 'u\r\nX:1',
				}),
			],
			{ now: NOW },
		);
		const calendar = parseCalendar(text);
		assert.equal(calendar.components.length, 1);
		const vevent = calendar.components[0];
		assert.equal(vevent.properties.filter((property) => property.name === 'SUMMARY').length, 1);
		assert.equal(prop(vevent, 'ATTACH'), undefined);
		assert.equal(prop(vevent, 'X'), undefined);
	});

	it('an empty calendar is still valid', () => {
		const calendar = parseCalendar(writeCalendar([], { now: NOW }));
		assert.equal(calendar.components.length, 0);
	});

	it('refuses an event date that is not yyyy-MM-dd', () => {
		assert.throws(() => writeCalendar([event({ date: '11/12/2026' })], { now: NOW }), RangeError);
	});
});

describe('ics helpers', () => {
	it('foldLine leaves short lines alone and folds at exactly 75 octets', () => {
		assert.equal(foldLine('SUMMARY:short'), 'SUMMARY:short');
		const folded = foldLine('X'.repeat(200)).split('\r\n');
		assert.deepEqual(
			folded.map((line) => Buffer.byteLength(line)),
			[75, 75, 52],
		);
	});

	it('escapeText drops control characters', () => {
		assert.equal(escapeText('a\u0000b\u0007c\td'), 'abc\td');
	});

	it('icsDateTime is UTC basic format', () => {
		assert.equal(icsDateTime(Date.UTC(2028, 1, 29, 23, 59, 59, 999)), '20280229T235959Z');
	});
});
