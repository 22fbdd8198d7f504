/**
 * Fast paths in front of the full format validators (ajv-formats, formats.ts), for the
 * forms most items carry: `2024-05-01`, `2024-05-01T12:00:00.000Z`, `user@example.com`,
 * `https://example.com/a?b#c`. Each reads the text once (by character codes, or one
 * deterministic native pattern) and answers true only for text the full validator also
 * accepts; anything else (invalid, or valid in a rarer form: a space for the T, an IPv6
 * host) goes on to the full validator, which has the last word. So the answers are
 * ajv-formats' own (test/unit/schema/fast-formats.property.test.ts checks it on generated
 * text).
 */

/** Accepted for certain; false means "ask the full validator", not "invalid". */
export type FastPath = (text: string) => boolean;

const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digit(text: string, at: number): number {
	const code = text.charCodeAt(at) - 48;
	return code >= 0 && code <= 9 ? code : -100;
}

/** Two digits at `at` as a number; negative when either is not a digit. */
function twoDigits(text: string, at: number): number {
	return digit(text, at) * 10 + digit(text, at + 1);
}

/** `YYYY-MM-DD` at `at`: a real day of the Gregorian calendar (RFC 3339 full-date). */
function isDate(text: string, at: number): boolean {
	if (text.charCodeAt(at + 4) !== 45 || text.charCodeAt(at + 7) !== 45) return false;
	const century = twoDigits(text, at);
	const years = twoDigits(text, at + 2);
	const month = twoDigits(text, at + 5);
	const day = twoDigits(text, at + 8);
	if (century < 0 || years < 0 || month < 1 || month > 12 || day < 1) return false;
	const year = century * 100 + years;
	const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
	return day <= (month === 2 && leap ? 29 : DAYS[month]);
}

/** `HH:MM:SS[.f…](Z|±HH:MM)` from `at` to the end, no leap second (RFC 3339 full-time). */
function isTime(text: string, at: number): boolean {
	if (text.charCodeAt(at + 2) !== 58 || text.charCodeAt(at + 5) !== 58) return false;
	const hour = twoDigits(text, at);
	const minute = twoDigits(text, at + 3);
	const second = twoDigits(text, at + 6);
	if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
	let index = at + 8;
	if (text.charCodeAt(index) === 46) {
		index++;
		const first = index;
		while (digit(text, index) >= 0) index++;
		if (index === first) return false;
		// 59.9999999999999999 is 60 as a number, as ajv-formats reads it: a leap second.
		if (second === 59 && !(Number(text.slice(at + 6, index)) < 60)) return false;
	}
	const zone = text.charCodeAt(index);
	if (zone === 90 || zone === 122) return index + 1 === text.length;
	if (zone !== 43 && zone !== 45) return false;
	if (index + 6 !== text.length || text.charCodeAt(index + 3) !== 58) return false;
	const zoneHour = twoDigits(text, index + 1);
	const zoneMinute = twoDigits(text, index + 4);
	return zoneHour >= 0 && zoneHour <= 23 && zoneMinute >= 0 && zoneMinute <= 59;
}

const fastDate: FastPath = (text) => text.length === 10 && isDate(text, 0);

const fastTime: FastPath = (text) => text.length >= 9 && isTime(text, 0);

const fastDateTime: FastPath = (text) => {
	if (text.length < 20) return false;
	const separator = text.charCodeAt(10);
	return (separator === 84 || separator === 116) && isDate(text, 0) && isTime(text, 11);
};

/** Character classes over ASCII, one bit each. */
const ALNUM = 1;
const ATEXT = 2;

const CLASSES = (() => {
	const classes = new Uint8Array(128);
	const add = (chars: string, bit: number) => {
		for (const char of chars) classes[char.charCodeAt(0)] |= bit;
	};
	const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
	const digits = '0123456789';
	add(letters + digits, ALNUM | ATEXT);
	add("!#$%&'*+/=?^_`{|}~-", ATEXT);
	return classes;
})();

function has(code: number, bit: number): boolean {
	return code < 128 && (CLASSES[code] & bit) !== 0;
}

/**
 * Exactly ajv-formats' full email pattern, read left to right: dot-separated atoms of
 * atext, `@`, two or more dot-separated labels of letters, digits and inner hyphens.
 */
const fastEmail: FastPath = (text) => {
	const length = text.length;
	let index = 0;
	let atom = 0;
	for (; index < length; index++) {
		const code = text.charCodeAt(index);
		if (code === 64) break;
		if (code === 46) {
			if (atom === 0) return false;
			atom = 0;
		} else if (has(code, ATEXT)) atom++;
		else return false;
	}
	if (index === length || atom === 0) return false;
	let labels = 0;
	let label = 0;
	let last = 0;
	for (index++; index < length; index++) {
		const code = text.charCodeAt(index);
		if (code === 46) {
			if (label === 0 || last === 45) return false;
			labels++;
			label = 0;
		} else if (has(code, ALNUM) || (code === 45 && label > 0)) label++;
		else return false;
		last = code;
	}
	return label > 0 && last !== 45 && labels >= 1;
};

/**
 * `scheme://host[:port][/path][?query][#fragment]` with a registered-name host and no
 * user info or IP literal: a form ajv-formats' full URI pattern always
 * accepts. Each repetition stops at a character the next part starts with: linear.
 */
const URI_COMMON = new RegExp(
	[
		"^[a-z][a-z0-9+.-]*://(?:[a-z0-9._~!$&'()*+,;=-]|%[0-9a-f]{2})*(?::\\d*)?",
		"(?:/(?:[a-z0-9._~!$&'()*+,;=:@-]|%[0-9a-f]{2})*)*",
		"(?:\\?(?:[a-z0-9._~!$&'()*+,;=:@/?-]|%[0-9a-f]{2})*)?",
		"(?:#(?:[a-z0-9._~!$&'()*+,;=:@/?-]|%[0-9a-f]{2})*)?$",
	].join(''),
	'i',
);

const fastUri: FastPath = (text) => URI_COMMON.test(text);

/** Whether the code is a hex digit, either case. */
function isHex(code: number): boolean {
	return (code >= 48 && code <= 57) || ((code | 32) >= 97 && (code | 32) <= 102);
}

/**
 * `8-4-4-4-12` hex digits, either case, 36 characters: ajv-formats' uuid without its
 * optional `urn:uuid:` prefix (that form goes on to the full pattern). One pass over
 * fixed positions, no regular expression to enter.
 */
const fastUuid: FastPath = (text) => {
	if (text.length !== 36) return false;
	for (let index = 0; index < 36; index++) {
		const code = text.charCodeAt(index);
		if (index === 8 || index === 13 || index === 18 || index === 23) {
			if (code !== 45) return false;
		} else if (!isHex(code)) return false;
	}
	return true;
};

/** The fast path of each format that has one. */
export const FAST_PATHS: Readonly<Record<string, FastPath>> = Object.freeze({
	date: fastDate,
	time: fastTime,
	'date-time': fastDateTime,
	email: fastEmail,
	uri: fastUri,
	uuid: fastUuid,
});
