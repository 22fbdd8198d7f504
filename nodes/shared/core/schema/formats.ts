import { z } from 'zod/v4';

import { formatCheck } from './checks';

/**
 * The `format` values Schema Guard checks, with the words a problem uses. JSON Schema
 * makes unknown formats annotations, so an unknown one is accepted with a warning.
 */
export const FORMAT_WORDS: Readonly<Record<string, string>> = Object.freeze({
	email: 'an email address',
	uri: 'an absolute URI (e.g. https://example.com/a)',
	url: 'an absolute URL (e.g. https://example.com/a)',
	uuid: 'a UUID (8-4-4-4-12 hex digits)',
	'date-time': 'a date-time with a time zone (e.g. 2024-05-01T12:00:00Z)',
	date: 'a date (YYYY-MM-DD)',
	time: 'a time with a time zone (e.g. 12:00:00Z)',
	duration: 'an ISO 8601 duration (e.g. P3D)',
	ipv4: 'an IPv4 address',
	ipv6: 'an IPv6 address',
	hostname: 'a host name',
	regex: 'a regular expression',
});

/** zod's own names for the formats it reports (`invalid_format`), mapped back to ours. */
export const ZOD_FORMAT_WORDS: Readonly<Record<string, string>> = Object.freeze({
	email: FORMAT_WORDS.email,
	url: FORMAT_WORDS.uri,
	guid: FORMAT_WORDS.uuid,
	uuid: FORMAT_WORDS.uuid,
	datetime: FORMAT_WORDS['date-time'],
	date: FORMAT_WORDS.date,
	duration: FORMAT_WORDS.duration,
	ipv4: FORMAT_WORDS.ipv4,
	ipv6: FORMAT_WORDS.ipv6,
});

const TIME = /^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i;
const HOSTNAME =
	/^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

function isRegex(text: string): boolean {
	try {
		new RegExp(text, 'u');
		return true;
	} catch {
		return false;
	}
}

/** The base string schema for a format, or undefined for a format we do not know. */
export function stringForFormat(format: string): z.ZodString | z.ZodStringFormat | undefined {
	switch (format) {
		case 'email':
			return z.email();
		case 'uri':
		case 'url':
			return z.url();
		case 'uuid':
			// Any 8-4-4-4-12 hex id: vendors send ids that are not RFC 9562 variants.
			return z.guid();
		case 'date-time':
			// RFC 3339 requires the offset; a local time is ambiguous across systems.
			return z.iso.datetime({ offset: true });
		case 'date':
			return z.iso.date();
		case 'duration':
			return z.iso.duration();
		case 'ipv4':
			return z.ipv4();
		case 'ipv6':
			return z.ipv6();
		case 'time':
			return z.string().check(formatCheck(FORMAT_WORDS.time, (text) => TIME.test(text)));
		case 'hostname':
			return z.string().check(formatCheck(FORMAT_WORDS.hostname, (text) => HOSTNAME.test(text)));
		case 'regex':
			return z.string().check(formatCheck(FORMAT_WORDS.regex, isRegex));
		default:
			return undefined;
	}
}
