import { DateTime, type TokenParser, type Zone } from 'luxon';

import type { JsonValue } from '../json';
import { HOUR_MS } from '../time';
import { compileUserPattern, type UserPattern } from '../regex';
import { ConversionError, OptionError, describeType } from './errors';
import { compileFastDate } from './fastDate';
import { parseNumericDate, type NumericOrder, type WallTime } from './numericDate';
import { zoneFor, type DateOrder, type SourceProfile } from './profile';

export type DateInputFormat =
	| 'auto'
	| 'iso'
	| 'rfc2822'
	| 'sql'
	| 'unixSeconds'
	| 'unixMs'
	| 'dmy'
	| 'mdy'
	| 'ymd'
	| 'msJson'
	| 'custom';
export type DateOutputFormat = 'iso' | 'date' | 'unixSeconds' | 'unixMs' | 'rfc2822' | 'custom';

export interface DateOptions {
	/** How the source writes the value; 'auto' tries every format and refuses ambiguous values. */
	input: DateInputFormat;
	/** Luxon format tokens for input 'custom', e.g. "dd MMM yyyy HH:mm". */
	inputFormat: string | null;
	/** Zone of values written without an offset; null uses the profile's zone. */
	zone: string | null;
	output: DateOutputFormat;
	/** Luxon format tokens for output 'custom'. */
	outputFormat: string | null;
	/** Zone of the output (ISO, date, RFC 2822, custom). */
	outputZone: string;
	/**
	 * ISO output: 'always' writes milliseconds (".000" too), so every instant has one
	 * length and sorts as text; 'whenNonZero' (mapping version 1, and when not given) drops ".000".
	 */
	milliseconds?: 'always' | 'whenNonZero';
	/**
	 * Date output of a value written without an offset ("2018-11-02T00:00:00"): true keeps
	 * the date as written, never moved through an instant into the output zone; false
	 * (mapping version 1, and when not given) converts it to the output zone first.
	 */
	keepWrittenDate?: boolean;
}

/** Month and day names are read and written in English whatever the server's locale is. */
const LOCALE = 'en-US';
const MAX_DATE_TEXT = 100;
/** Auto-detect reads a bare number as Unix seconds or milliseconds only when that lands in these years. */
const PLAUSIBLE_FROM_MS = Date.UTC(1971, 0, 1);
const PLAUSIBLE_TO_MS = Date.UTC(2200, 0, 1);

interface Reading {
	format: string;
	value: DateTime;
	/** Written without a time: its calendar date is kept as is by a date-only output. */
	dateOnly: boolean;
	/** Written without an offset (a wall time placed in the reading zone): `value` shows it as written. */
	local?: boolean;
}

interface Failure {
	format: string;
	failure: string;
}

/** A reading, a failure (the value has the shape of the format but is not a valid date), or null (not that shape). */
type Attempt = Reading | Failure | null;

type Reader = (text: string, zone: Zone) => Attempt;

const MONTHS = [
	'January',
	'February',
	'March',
	'April',
	'May',
	'June',
	'July',
	'August',
	'September',
	'October',
	'November',
	'December',
];

/**
 * Compiles the date/time converter. Values without an offset are read in the option's
 * zone, else the profile's (default UTC), never in the server's zone; local times that a
 * daylight-saving change skips or repeats are refused rather than shifted.
 */
export function compileDate(
	options: DateOptions,
	profile: SourceProfile,
	/** false: Luxon only, the oracle of the fast path's property test. */
	fastPath = true,
): (value: unknown) => JsonValue {
	const zone = zoneFor(
		options.zone ?? profile.zone,
		options.zone === null ? 'profile.zone' : 'options.zone',
	);
	const outputZone = zoneFor(options.outputZone, 'options.outputZone');
	const read = compileReader(options, profile.dateOrder);
	const write = compileWriter(options, outputZone);
	const convert = (value: unknown): JsonValue => write(read(value, zone));
	const fast = fastPath ? compileFastDate(options, zone, outputZone) : undefined;
	if (fast === undefined) return convert;
	// The fast path declines (undefined) whatever it cannot read exactly as Luxon does.
	return (value) => fast(value) ?? convert(value);
}

function compileReader(
	options: DateOptions,
	dateOrder: DateOrder,
): (value: unknown, zone: Zone) => Reading {
	if (options.input === 'custom') {
		const format = (options.inputFormat ?? '').trim();
		if (format === '' || format.length > MAX_DATE_TEXT) {
			throw new OptionError(
				'options.inputFormat',
				'is empty or too long',
				'Give Luxon format tokens, e.g. "dd MMM yyyy HH:mm".',
			);
		}
		return textReader([{ read: customReader(format), decisive: true }], 'custom');
	}
	if (options.input === 'auto') return textReader(autoReaders(dateOrder), 'auto');
	return textReader([{ read: READERS[options.input], decisive: true }], options.input);
}

const READERS: Record<Exclude<DateInputFormat, 'auto' | 'custom'>, Reader> = {
	iso: readIso,
	rfc2822: readRfc2822,
	sql: readSql,
	unixSeconds: (text) => readUnix(text, 1000, 'Unix seconds', false),
	unixMs: (text) => readUnix(text, 1, 'Unix milliseconds', false),
	dmy: (text, zone) => readNumericDate(text, zone, 'dmy'),
	mdy: (text, zone) => readNumericDate(text, zone, 'mdy'),
	ymd: (text, zone) => readNumericDate(text, zone, 'ymd'),
	msJson: readMsJson,
};

/**
 * Auto-detect's readers. A decisive one reads shapes no other reader gives a different
 * instant for, so its reading ends the search; DD/MM and MM/DD are read both ways and
 * compared, which is where ambiguity lives.
 */
function autoReaders(dateOrder: DateOrder): AutoReader[] {
	const decisive = (read: Reader): AutoReader => ({ read, decisive: true });
	const readers: AutoReader[] = [
		decisive(readMsJson),
		decisive(readIso),
		decisive(readSql),
		decisive(readRfc2822),
	];
	if (dateOrder !== 'monthFirst')
		readers.push({ read: (text, zone) => readNumericDate(text, zone, 'dmy'), decisive: false });
	if (dateOrder !== 'dayFirst')
		readers.push({ read: (text, zone) => readNumericDate(text, zone, 'mdy'), decisive: false });
	readers.push(
		decisive((text, zone) => readNumericDate(text, zone, 'ymd')),
		// The plausible-years windows of seconds and milliseconds do not overlap.
		decisive((text) => readUnix(text, 1000, 'Unix seconds', true)),
		decisive((text) => readUnix(text, 1, 'Unix milliseconds', true)),
	);
	return readers;
}

interface AutoReader {
	read: Reader;
	decisive: boolean;
}

/** Turns any input value into text for the readers, or reads it directly (Date, Luxon DateTime). */
function textReader(
	readers: AutoReader[],
	input: DateInputFormat,
): (value: unknown, zone: Zone) => Reading {
	const acceptsNumbers = input === 'auto' || input === 'unixSeconds' || input === 'unixMs';
	return (value, zone) => {
		const direct = readDateObject(value);
		if (direct !== undefined) return direct;
		let text: string;
		if (typeof value === 'string') text = value.trim();
		else if (typeof value === 'number' && acceptsNumbers) {
			if (!Number.isFinite(value))
				throw new ConversionError(
					'is not a finite number',
					'Send a Unix timestamp or a date text.',
				);
			text = String(value);
		} else {
			throw new ConversionError(
				`is ${describeType(value)}, not a date`,
				'Send the date as text, or as a Unix timestamp with Input Format set to Unix seconds or milliseconds.',
			);
		}
		if (text.length > MAX_DATE_TEXT) {
			throw new ConversionError(
				`is too long to be a date (${text.length} characters)`,
				'Send the date on its own, without other text.',
			);
		}
		const attempts: Attempt[] = [];
		for (const reader of readers) {
			const attempt = reader.read(text, zone);
			if (
				attempt !== null &&
				reader.decisive &&
				!('failure' in attempt) &&
				!attempts.some(isReading)
			)
				return attempt;
			attempts.push(attempt);
		}
		return decide(text, attempts, input);
	};
}

function isReading(attempt: Attempt): attempt is Reading {
	return attempt !== null && !('failure' in attempt);
}

/** One reading wins; several different ones are ambiguous; none is an error that lists why. */
function decide(text: string, attempts: Attempt[], input: DateInputFormat): Reading {
	const readings: Reading[] = [];
	const failures: Failure[] = [];
	for (const attempt of attempts) {
		if (attempt === null) continue;
		if ('failure' in attempt) failures.push(attempt);
		else if (!readings.some((reading) => sameReading(reading, attempt))) readings.push(attempt);
	}
	if (readings.length === 1) return readings[0];
	if (readings.length > 1) {
		throw new ConversionError(
			`is ambiguous: ${readings.map((reading) => `${reading.format} gives ${describeReading(reading)}`).join(', ')}`,
			'Set Date Order in the source profile (day first or month first), or choose the Input Format.',
		);
	}
	if (failures.length > 0) {
		throw new ConversionError(
			`is not a valid date: ${groupFailures(failures)}`,
			'Correct the value at the source, or choose the Input Format it is written in.',
		);
	}
	if (/^\d{1,2}[/.-]\d{1,2}[/.-]\d{2}(?:\s|$)/.test(text)) {
		throw new ConversionError(
			'has a two-digit year, which could be in any century',
			'Send four-digit years, or choose Custom Input Format with "yy" tokens.',
		);
	}
	if (input === 'auto') {
		throw new ConversionError(
			'is not a date in any format auto-detect reads (ISO 8601, RFC 2822, SQL, DD/MM/YYYY, MM/DD/YYYY, YYYY/MM/DD, Unix seconds or milliseconds between 1971 and 2200, /Date(…)/)',
			'Choose the Input Format, or Custom with Luxon tokens such as "dd MMM yyyy".',
		);
	}
	throw new ConversionError(
		`is not in the format ${formatLabel(input)}`,
		'Correct the value at the source, or choose the Input Format it is written in.',
	);
}

/** "SQL, YYYY/MM/DD: 02:30 … does not exist": formats that fail for the same reason are named together. */
function groupFailures(failures: Failure[]): string {
	const byReason = new Map<string, string[]>();
	for (const { format, failure } of failures)
		byReason.set(failure, [...(byReason.get(failure) ?? []), format]);
	return [...byReason].map(([failure, formats]) => `${formats.join(', ')}: ${failure}`).join('; ');
}

function sameReading(a: Reading, b: Reading): boolean {
	return a.value.toMillis() === b.value.toMillis() && a.dateOnly === b.dateOnly;
}

function describeReading(reading: Reading): string {
	return reading.dateOnly
		? (reading.value.toISODate() ?? '')
		: (reading.value.toISO({ suppressMilliseconds: true }) ?? '');
}

function formatLabel(input: DateInputFormat): string {
	const labels: Record<DateInputFormat, string> = {
		auto: 'auto-detect',
		iso: 'ISO 8601',
		rfc2822: 'RFC 2822',
		sql: 'SQL',
		unixSeconds: 'Unix seconds',
		unixMs: 'Unix milliseconds',
		dmy: 'DD/MM/YYYY',
		mdy: 'MM/DD/YYYY',
		ymd: 'YYYY/MM/DD',
		msJson: '/Date(…)/',
		custom: 'custom',
	};
	return labels[input];
}

/** JS Date and Luxon DateTime objects (from expressions) are instants already. */
function readDateObject(value: unknown): Reading | undefined {
	if (value instanceof Date) {
		if (Number.isNaN(value.getTime()))
			throw new ConversionError('is an invalid Date object', 'Send a valid date.');
		return {
			format: 'Date',
			value: DateTime.fromMillis(value.getTime(), { zone: 'UTC' }),
			dateOnly: false,
		};
	}
	if (
		value !== null &&
		typeof value === 'object' &&
		(value as { isLuxonDateTime?: unknown }).isLuxonDateTime === true
	) {
		// Possibly another copy of Luxon (n8n's): go through plain values.
		const other = value as { isValid: boolean; toMillis(): number; zoneName: string | null };
		if (!other.isValid)
			throw new ConversionError('is an invalid Luxon DateTime', 'Send a valid date.');
		const zone = other.zoneName ?? 'UTC';
		return {
			format: 'DateTime',
			value: DateTime.fromMillis(other.toMillis(), { zone: zone === 'system' ? 'UTC' : zone }),
			dateOnly: false,
		};
	}
	return undefined;
}

/** Full ISO 8601 calendar, week or ordinal dates with optional time; a time alone is not a date. */
const ISO_SHAPE = /^[+-]?\d{4}(?:-\d{2}-\d{2}|\d{4}(?!\d)|-?W\d{2}|-\d{3}(?!\d))/;
const OFFSET_AT_END = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

function readIso(text: string, zone: Zone): Attempt {
	if (!ISO_SHAPE.test(text)) return null;
	const hasTime = text.includes('T') || text.includes('t');
	const hasOffset = hasTime && OFFSET_AT_END.test(text.slice(text.search(/t/i)));
	return fromParsed(
		'ISO 8601',
		DateTime.fromISO(text, { zone: 'UTC', setZone: true }),
		zone,
		hasOffset,
		!hasTime,
	);
}

function readSql(text: string, zone: Zone): Attempt {
	if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(text)) return null;
	const hasOffset = / ?(?:Z|[+-]\d{2}(?::?\d{2})?|[A-Za-z_]+\/[A-Za-z_]+)$/.test(text.slice(16));
	return fromParsed(
		'SQL',
		DateTime.fromSQL(text, { zone: 'UTC', setZone: true }),
		zone,
		hasOffset,
		false,
	);
}

function readRfc2822(text: string): Attempt {
	if (!/^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s/.test(text)) return null;
	const value = DateTime.fromRFC2822(text, { setZone: true });
	if (!value.isValid)
		return { format: 'RFC 2822', failure: value.invalidExplanation ?? 'not valid' };
	return { format: 'RFC 2822', value, dateOnly: false };
}

/** "/Date(1741046400000+0000)/": Microsoft JSON dates, still sent by Xero and older .NET APIs. */
function readMsJson(text: string): Attempt {
	const match = /^\/Date\((-?\d{1,16})([+-]\d{4})?\)\/$/.exec(text);
	if (!match) return null;
	const offset = match[2];
	const zone = offset === undefined ? 'UTC' : `UTC${offset.slice(0, 3)}:${offset.slice(3)}`;
	const value = DateTime.fromMillis(Number(match[1]), { zone });
	if (!value.isValid) return { format: '/Date(…)/', failure: 'is out of range' };
	return { format: '/Date(…)/', value, dateOnly: false };
}

function readUnix(text: string, unitMs: number, format: string, plausibleOnly: boolean): Attempt {
	if (!/^-?\d{1,16}(?:\.\d{1,9})?$/.test(text)) return null;
	const ms = Math.round(Number(text) * unitMs);
	if (plausibleOnly && (ms < PLAUSIBLE_FROM_MS || ms >= PLAUSIBLE_TO_MS)) return null;
	const value = DateTime.fromMillis(ms, { zone: 'UTC' });
	if (!value.isValid) return { format, failure: 'is out of the range of dates' };
	return { format, value, dateOnly: false };
}

/** dd/MM/yyyy, MM/dd/yyyy, yyyy/MM/dd with "/", "-" or "." and an optional time (24 h or am/pm). */
function readNumericDate(text: string, zone: Zone, order: NumericOrder): Attempt {
	const parsed = parseNumericDate(text, order);
	if (parsed === null) return null;
	const format = order === 'dmy' ? 'DD/MM/YYYY' : order === 'mdy' ? 'MM/DD/YYYY' : 'YYYY/MM/DD';
	if ('failure' in parsed) return { format, failure: parsed.failure };
	return atWallTime(parsed.wall, zone, format, parsed.dateOnly);
}

function customReader(format: string): Reader {
	const label = `custom format "${format}"`;
	const dateOnly = !/[HhmsSaTtXxZ]/.test(format.replace(/'[^']*'/g, ''));
	const parser = linearParser(format);
	return (text, zone) => {
		const asUtc = DateTime.fromFormatParser(text, parser, {
			zone: 'UTC',
			setZone: true,
			locale: LOCALE,
		});
		if (!asUtc.isValid)
			return { format: label, failure: asUtc.invalidExplanation ?? 'does not match' };
		// Parsed again under another default zone: if the instant moves, the text had no offset of its own.
		const asOther = DateTime.fromFormatParser(text, parser, {
			zone: 'UTC+5',
			setZone: true,
			locale: LOCALE,
		});
		const hasOffset = asOther.toMillis() === asUtc.toMillis();
		return fromParsed(label, asUtc, zone, hasOffset, dateOnly);
	};
}

/**
 * Luxon's parser for a custom format, with the regular expression Luxon builds from it
 * run on the package's linear-time engine. The format is written by a user, and
 * adjacent variable-width tokens ("HmS" repeated) backtrack exponentially in
 * JavaScript's engine: 45 characters of format froze the event loop 0.6 s per value.
 * Luxon matches with `text.match(regex)`, which calls `regex[Symbol.match]`.
 */
function linearParser(format: string): TokenParser {
	const parser = DateTime.buildFormatParser(format, { locale: LOCALE });
	const native = (parser as { regex?: RegExp }).regex;
	// No regex: Luxon cannot use the format, and says why when it parses.
	if (native === undefined) return parser;
	let pattern: UserPattern;
	try {
		pattern = compileUserPattern(native.source, {
			flags: 'i',
			label: `Custom Input Format "${format}"`,
		});
	} catch (error) {
		throw new OptionError(
			'options.inputFormat',
			`cannot be used: ${(error as Error).message}`,
			'Give Luxon format tokens, e.g. "dd MMM yyyy HH:mm".',
		);
	}
	(parser as { regex?: unknown }).regex = { [Symbol.match]: (text: string) => pattern.exec(text) };
	return parser;
}

/** A value parsed by Luxon in UTC: kept when it had an offset, else its wall time is placed in `zone`. */
function fromParsed(
	format: string,
	parsed: DateTime,
	zone: Zone,
	hasOffset: boolean,
	dateOnly: boolean,
): Attempt {
	// "unparsable": not this format at all, which is no reason worth listing.
	if (!parsed.isValid)
		return parsed.invalidReason === 'unparsable'
			? null
			: { format, failure: explainInvalid(parsed) };
	if (hasOffset) return { format, value: parsed, dateOnly };
	const { year, month, day, hour, minute, second, millisecond } = parsed;
	return atWallTime(
		{ year, month, day, hour, minute, second, millisecond },
		zone,
		format,
		dateOnly,
	);
}

function explainInvalid(parsed: DateTime): string {
	const explanation = parsed.invalidExplanation ?? parsed.invalidReason ?? 'not valid';
	return explanation.replace(/ \(of type number\)/g, '');
}

/**
 * The instant a wall-clock time names in `zone`. Luxon would move a time in a
 * daylight-saving gap forward and pick one of two times in an overlap; both are
 * guesses, so both are errors here.
 */
function atWallTime(wall: WallTime, zone: Zone, format: string, dateOnly: boolean): Attempt {
	const problem = wallTimeProblem(wall);
	if (problem !== undefined) return { format, failure: problem };
	const value = DateTime.fromObject(wall, { zone });
	if (!value.isValid) return { format, failure: explainInvalid(value) };
	// A date without a time names a day, not an instant: where midnight is skipped
	// (some zones change clocks at 00:00) the day starts at the first time that exists.
	if (zone.isUniversal || dateOnly) return { format, value, dateOnly, local: true };
	if (value.hour !== wall.hour || value.minute !== wall.minute || value.day !== wall.day) {
		return {
			format,
			failure: `${pad(wall.hour)}:${pad(wall.minute)} on ${wall.year}-${pad(wall.month)}-${pad(wall.day)} does not exist in ${zone.name} (the clocks skip it for daylight saving); send it with its UTC offset`,
		};
	}
	const before = zone.offset(value.toMillis() - 3 * HOUR_MS);
	const after = zone.offset(value.toMillis() + 3 * HOUR_MS);
	// No clock change within three hours: the wall time names exactly one instant.
	if (before === after && before === value.offset) return { format, value, dateOnly, local: true };
	const wallAsUtc = value.toMillis() + value.offset * 60_000;
	const offsets = new Set([before, after, value.offset]);
	const instants = [...offsets]
		.map((offset) => wallAsUtc - offset * 60_000)
		.filter((instant) => zone.offset(instant) * 60_000 === wallAsUtc - instant);
	if (instants.length > 1) {
		const readings = instants
			.sort((a, b) => a - b)
			.map((instant) =>
				DateTime.fromMillis(instant, { zone }).toISO({ suppressMilliseconds: true }),
			);
		return {
			format,
			failure: `happens twice in ${zone.name} (the clocks go back for daylight saving): ${readings.join(' or ')}; send it with its UTC offset`,
		};
	}
	return { format, value, dateOnly, local: true };
}

function wallTimeProblem(wall: WallTime): string | undefined {
	if (wall.month < 1 || wall.month > 12) return `there is no month ${wall.month}`;
	const days = new Date(Date.UTC(2000, wall.month, 0)).getUTCDate();
	const daysThisYear = wall.month === 2 ? (isLeapYear(wall.year) ? 29 : 28) : days;
	if (wall.day < 1 || wall.day > daysThisYear) {
		return wall.month === 2 && wall.day === 29
			? `${wall.year} is not a leap year, so it has no 29 February`
			: `${MONTHS[wall.month - 1]} has no day ${wall.day}`;
	}
	if (wall.hour > 23 || wall.minute > 59 || wall.second > 59)
		return `${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)} is not a time of day`;
	return undefined;
}

function isLeapYear(year: number): boolean {
	return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function pad(value: number): string {
	return String(value).padStart(2, '0');
}

function compileWriter(options: DateOptions, zone: Zone): (reading: Reading) => JsonValue {
	switch (options.output) {
		case 'iso': {
			const suppressMilliseconds = options.milliseconds !== 'always';
			return (reading) => reading.value.setZone(zone).toISO({ suppressMilliseconds });
		}
		case 'date': {
			// A date written without a time keeps its calendar date: "2025-03-04" read in
			// Sydney is not "2025-03-03" in UTC. With keepWrittenDate, so does a date-time
			// written without an offset: Xero's "2018-11-02T00:00:00" is 2 November.
			const keep = options.keepWrittenDate === true;
			return (reading) =>
				reading.dateOnly || (keep && reading.local === true)
					? reading.value.toISODate()
					: reading.value.setZone(zone).toISODate();
		}
		case 'unixSeconds':
			return (reading) => Math.floor(reading.value.toMillis() / 1000);
		case 'unixMs':
			return (reading) => reading.value.toMillis();
		case 'rfc2822':
			return (reading) => reading.value.setZone(zone).toRFC2822();
		case 'custom': {
			const format = (options.outputFormat ?? '').trim();
			if (format === '' || format.length > MAX_DATE_TEXT) {
				throw new OptionError(
					'options.outputFormat',
					'is empty or too long',
					'Give Luxon format tokens, e.g. "dd/MM/yyyy".',
				);
			}
			// A format of date tokens only is a date output too: with keepWrittenDate, a value
			// written without an offset (or without a time) keeps the date as written.
			const dateOnlyFormat = !/[HhmsSaTtXxZ]/.test(format.replace(/'[^']*'/g, ''));
			const keep = options.keepWrittenDate === true && dateOnlyFormat;
			return (reading) =>
				(keep && (reading.dateOnly || reading.local === true)
					? reading.value
					: reading.value.setZone(zone)
				)
					.setLocale(LOCALE)
					.toFormat(format);
		}
	}
}
