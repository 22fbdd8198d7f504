/**
 * A small iCalendar (RFC 5545) writer for renewal dates: one all-day VEVENT per
 * renewal, with display alarms. Lines end in CRLF and are folded at 75 octets (never
 * inside a UTF-8 sequence); TEXT values are escaped; every event has a stable UID (so
 * a calendar subscribed to the file updates events instead of duplicating them) and a
 * DTSTAMP.
 */

import { DAY_MS } from '../time';

export interface CalendarAlarm {
	/** Absolute trigger, epoch ms. */
	at: number;
	description: string;
}

export interface CalendarEvent {
	/** Stable across runs for the same credential, e.g. a hash of its key. */
	uid: string;
	/** All-day event date, yyyy-MM-dd. */
	date: string;
	summary: string;
	description: string;
	url?: string | null;
	alarms: CalendarAlarm[];
}

export interface CalendarOptions {
	/** DTSTAMP of every event, epoch ms. */
	now: number;
	name?: string;
	prodId?: string;
}

const MAX_OCTETS = 75;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function escapeText(value: string): string {
	return (
		value
			.replace(/\r\n?/g, '\n')
			// Control characters other than newline and tab are not allowed in TEXT.
			// eslint-disable-next-line no-control-regex
			.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
			.replace(/\\/g, '\\\\')
			.replace(/;/g, '\\;')
			.replace(/,/g, '\\,')
			.replace(/\n/g, '\\n')
	);
}

/** Folds one content line: at most 75 octets per line, continuation lines start with a space. */
export function foldLine(line: string): string {
	if (Buffer.byteLength(line, 'utf8') <= MAX_OCTETS) return line;
	const out: string[] = [];
	let current = '';
	let octets = 0;
	for (const char of line) {
		const size = Buffer.byteLength(char, 'utf8');
		const limit = out.length === 0 ? MAX_OCTETS : MAX_OCTETS - 1;
		if (octets + size > limit) {
			out.push(current);
			current = '';
			octets = 0;
		}
		current += char;
		octets += size;
	}
	out.push(current);
	return out.join('\r\n ');
}

/** UTC date-time in iCalendar's basic format: 20260105T090000Z. */
export function icsDateTime(ms: number): string {
	return new Date(ms)
		.toISOString()
		.replace(/[-:]/g, '')
		.replace(/\.\d{3}/, '');
}

function icsDate(date: string): { start: string; end: string } {
	const match = DATE.exec(date);
	if (!match) throw new RangeError(`Calendar event date "${date}" is not yyyy-MM-dd`);
	const start = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
	const end = new Date(start + DAY_MS).toISOString().slice(0, 10);
	return { start: date.replace(/-/g, ''), end: end.replace(/-/g, '') };
}

/** A URI value: no escaping in iCalendar, so anything that could break the line is dropped. */
function uri(value: string): string {
	// eslint-disable-next-line no-control-regex
	return value.replace(/[\u0000-\u001f\u007f]/g, '');
}

export function writeCalendar(events: readonly CalendarEvent[], options: CalendarOptions): string {
	const stamp = icsDateTime(options.now);
	const lines = [
		'BEGIN:VCALENDAR',
		'VERSION:2.0',
		`PRODID:${options.prodId ?? '-//n8n-nodes-integration-guards//Credential Expiry Check//EN'}`,
		'CALSCALE:GREGORIAN',
		'METHOD:PUBLISH',
	];
	if (options.name) lines.push(`X-WR-CALNAME:${escapeText(options.name)}`);
	for (const event of events) {
		const { start, end } = icsDate(event.date);
		lines.push(
			'BEGIN:VEVENT',
			`UID:${escapeText(event.uid)}`,
			`DTSTAMP:${stamp}`,
			`DTSTART;VALUE=DATE:${start}`,
			`DTEND;VALUE=DATE:${end}`,
			`SUMMARY:${escapeText(event.summary)}`,
			`DESCRIPTION:${escapeText(event.description)}`,
			'TRANSP:TRANSPARENT',
		);
		if (event.url) lines.push(`URL:${uri(event.url)}`);
		for (const alarm of event.alarms) {
			lines.push(
				'BEGIN:VALARM',
				'ACTION:DISPLAY',
				`DESCRIPTION:${escapeText(alarm.description)}`,
				`TRIGGER;VALUE=DATE-TIME:${icsDateTime(alarm.at)}`,
				'END:VALARM',
			);
		}
		lines.push('END:VEVENT');
	}
	lines.push('END:VCALENDAR');
	return lines.map(foldLine).join('\r\n') + '\r\n';
}
