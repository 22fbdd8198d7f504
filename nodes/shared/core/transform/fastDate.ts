import type { Zone } from 'luxon';

import type { JsonValue } from '../json';
import { HOUR_MS } from '../time';
import type { DateOptions } from './date';
import { parseNumericDate, type NumericOrder, type WallTime } from './numericDate';

/*
 * The date converter's hot path for the fixed input formats (ISO 8601 calendar dates,
 * DD/MM/YYYY and its orders, Unix seconds and milliseconds) and the fixed outputs (ISO,
 * date, Unix): the same arithmetic Luxon does, on numbers, without building DateTime
 * objects. Luxon cost ~15 µs a value here; this costs well under 1 µs.
 *
 * It answers only what it is sure of: any value it does not read exactly as the Luxon
 * path would (an error, an ambiguous or skipped local time, an unusual shape or year)
 * comes back as undefined and the Luxon path reads it, errors included. The property
 * test in test/unit/transform/fastDate.property.test.ts holds it equal to the Luxon path.
 */

/** Luxon's range of valid instants (±100,000,000 days). */
const MAX_MS = 8.64e15;
const MAX_DATE_TEXT = 100;
/** Texts remembered per converter; past that the memo starts again. */
const MEMO_SIZE = 10_000;
/** The subset of ISO 8601 read here; the rest (week, ordinal, basic, 24:00...) goes to Luxon. */
const ISO_EXTENDED =
	/^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))?)?$/;
const UNIX = /^-?\d{1,16}(?:\.\d{1,9})?$/;

/** What a reader found: the instant, Luxon's offset for it, and whether the text had no time. */
interface Found {
	ms: number;
	offset: number;
	dateOnly: boolean;
	/** Placed in the reading zone (an IANA zone): Luxon then keeps `offset` when writing in that zone. */
	inZone: boolean;
	/** Written without an offset: `ms + offset` is the wall time as written. */
	local: boolean;
}

type FastReader = (text: string, found: Found) => boolean;

/**
 * The fast converter for these options, or undefined when they are not on the fast path
 * (auto-detect, SQL, RFC 2822, custom formats, RFC 2822 and custom outputs).
 */
export function compileFastDate(
	options: DateOptions,
	zone: Zone,
	outputZone: Zone,
): ((value: unknown) => JsonValue | undefined) | undefined {
	const read = fastReader(options.input, zone);
	const write = fastWriter(options, outputZone, outputZone.equals(zone));
	if (read === undefined || write === undefined) return undefined;
	const acceptsNumbers = options.input === 'unixSeconds' || options.input === 'unixMs';
	const found: Found = { ms: 0, offset: 0, dateOnly: false, inZone: false, local: false };
	// Dates repeat across items (one day, many invoices): answers are kept by text, for
	// this converter (one execution) only. Not timestamps: they rarely repeat, and reading
	// one costs less than remembering it.
	const memo = acceptsNumbers ? undefined : new Map<string, JsonValue>();
	return (value) => {
		let text: string;
		if (typeof value === 'string') text = value.trim();
		else if (acceptsNumbers && typeof value === 'number' && Number.isFinite(value))
			text = String(value);
		else return undefined;
		const known = memo?.get(text);
		if (known !== undefined) return known;
		if (text.length > MAX_DATE_TEXT || !read(text, found)) return undefined;
		const written = write(found);
		if (memo !== undefined && written !== undefined) {
			if (memo.size >= MEMO_SIZE) memo.clear();
			memo.set(text, written);
		}
		return written;
	};
}

function fastReader(input: DateOptions['input'], zone: Zone): FastReader | undefined {
	switch (input) {
		case 'iso':
			return (text, found) => readIso(text, zone, found);
		case 'dmy':
		case 'mdy':
		case 'ymd':
			return (text, found) => readNumericDate(text, zone, input, found);
		case 'unixSeconds':
			return (text, found) => readUnix(text, 1000, found);
		case 'unixMs':
			return (text, found) => readUnix(text, 1, found);
		default:
			return undefined;
	}
}

function readUnix(text: string, unitMs: number, found: Found): boolean {
	if (!UNIX.test(text)) return false;
	const ms = Math.round(Number(text) * unitMs);
	return Math.abs(ms) <= MAX_MS && answer(found, ms, 0, false);
}

function readIso(text: string, zone: Zone, found: Found): boolean {
	const match = ISO_EXTENDED.exec(text);
	if (match === null) return false;
	const [, year, month, day, hour, minute, second, fraction, z, sign, offHour, offMinute] = match;
	const dateOnly = hour === undefined;
	const wall: WallTime = {
		year: Number(year),
		month: Number(month),
		day: Number(day),
		hour: dateOnly ? 0 : Number(hour),
		minute: dateOnly ? 0 : Number(minute),
		second: second === undefined ? 0 : Number(second),
		// Luxon reads fractions as Math.floor(parseFloat("0.<digits>") * 1000).
		millisecond: fraction === undefined ? 0 : Math.floor(parseFloat(`0.${fraction}`) * 1000),
	};
	if (z === undefined && sign === undefined) return atWallTime(wall, zone, dateOnly, found);
	if (!validWall(wall)) return false;
	let offset = 0;
	if (sign !== undefined) {
		const hours = Number(offHour);
		const minutes = Number(offMinute);
		if (hours > 14 || minutes > 59) return false;
		offset = (sign === '-' ? -1 : 1) * (hours * 60 + minutes);
	}
	return answer(found, localMs(wall) - offset * 60 * 1000, offset, false);
}

function answer(
	found: Found,
	ms: number,
	offset: number,
	dateOnly: boolean,
	inZone = false,
	local = false,
): true {
	found.ms = ms;
	found.offset = offset;
	found.dateOnly = dateOnly;
	found.inZone = inZone;
	found.local = local;
	return true;
}

function localMs({ year, month, day, hour, minute, second, millisecond }: WallTime): number {
	return Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
}

function readNumericDate(text: string, zone: Zone, order: NumericOrder, found: Found): boolean {
	const parsed = parseNumericDate(text, order);
	if (parsed === null || 'failure' in parsed) return false;
	return atWallTime(parsed.wall, zone, parsed.dateOnly, found);
}

/** A wall time date.ts accepts, in the years whose arithmetic here is plain Date.UTC. */
function validWall({ year, month, day, hour, minute, second }: WallTime): boolean {
	if (year < 100 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
	if (day > (month === 2 ? (isLeapYear(year) ? 29 : 28) : DAYS_IN_MONTH[month - 1])) return false;
	return hour <= 23 && minute <= 59 && second <= 59;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
	return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * date.ts's atWallTime on numbers: Luxon's DateTime.fromObject (its fixOffset, with the
 * offset at this moment as the first guess), then the same checks for a time the clocks
 * skip or repeat, which are declined here so that date.ts words the error.
 */
function atWallTime(wall: WallTime, zone: Zone, dateOnly: boolean, found: Found): boolean {
	if (!validWall(wall)) return false;
	const local = localMs(wall);
	let ms: number;
	let offset: number;
	if (zone.isUniversal) {
		offset = zone.offset(local);
		ms = local - offset * 60 * 1000;
	} else {
		// Luxon's fixOffset, step for step.
		const guess = zone.offset(Date.now());
		ms = local - guess * 60 * 1000;
		offset = zone.offset(ms);
		if (offset !== guess) {
			ms -= (offset - guess) * 60 * 1000;
			const third = zone.offset(ms);
			if (offset !== third) {
				ms = local - Math.min(offset, third) * 60 * 1000;
				offset = Math.max(offset, third);
			}
		}
		// Offsets in seconds (local mean time before standard zones) give Luxon fractional
		// milliseconds: left to Luxon.
		if (!Number.isInteger(ms) || !Number.isInteger(offset)) return false;
		if (!dateOnly && !singleInstant(ms, offset, zone, wall)) return false;
		return answer(found, ms, offset, dateOnly, true, true);
	}
	return answer(found, ms, offset, dateOnly, false, true);
}

/** The local time exists (not skipped by a clock change) and names one instant only. */
function singleInstant(ms: number, offset: number, zone: Zone, written: WallTime): boolean {
	const wall = new Date(ms + offset * 60 * 1000);
	if (
		wall.getUTCHours() !== written.hour ||
		wall.getUTCMinutes() !== written.minute ||
		wall.getUTCDate() !== written.day
	)
		return false;
	const before = zone.offset(ms - 3 * HOUR_MS);
	const after = zone.offset(ms + 3 * HOUR_MS);
	if (before === after && before === offset) return true;
	const wallAsUtc = ms + offset * 60_000;
	let instants = 0;
	for (const candidate of new Set([before, after, offset])) {
		const instant = wallAsUtc - candidate * 60_000;
		if (zone.offset(instant) * 60_000 === wallAsUtc - instant) instants++;
	}
	return instants <= 1;
}

type FastWriter = (found: Found) => JsonValue | undefined;

function fastWriter(
	{ output, milliseconds, keepWrittenDate }: DateOptions,
	zone: Zone,
	readingZone: boolean,
): FastWriter | undefined {
	const alwaysMilliseconds = milliseconds === 'always';
	// Luxon writes "Z" for a fixed zone at offset 0, "+00:00" for an IANA zone at offset 0.
	const fixed = zone.isUniversal;
	const fixedOffset = fixed ? zone.offset(0) : 0;
	// setZone to the zone a DateTime is in returns it as it is, with the offset it was
	// made with: in a skipped hour that is not the offset of its instant.
	const offsetOf = ({ ms, offset, inZone }: Found): number =>
		fixed ? fixedOffset : readingZone && inZone ? offset : zone.offset(ms);
	switch (output) {
		case 'iso':
			return (found) => {
				const offset = offsetOf(found);
				if (!Number.isInteger(offset)) return undefined;
				const wall = new Date(found.ms + offset * 60 * 1000);
				const year = wall.getUTCFullYear();
				if (!(year >= 0 && year <= 9999)) return undefined;
				const millisecond = wall.getUTCMilliseconds();
				return `${isoDate(wall)}T${pad2(wall.getUTCHours())}:${pad2(wall.getUTCMinutes())}:${pad2(wall.getUTCSeconds())}${millisecond === 0 && !alwaysMilliseconds ? '' : `.${String(millisecond).padStart(3, '0')}`}${fixed && offset === 0 ? 'Z' : offsetText(offset)}`;
			};
		case 'date':
			// A date read without a time keeps its own calendar date (date.ts's writer), and
			// with keepWrittenDate so does a date-time read without an offset.
			return (found) => {
				const offset =
					found.dateOnly || (keepWrittenDate === true && found.local)
						? found.offset
						: offsetOf(found);
				if (!Number.isInteger(offset)) return undefined;
				const wall = new Date(found.ms + offset * 60 * 1000);
				const year = wall.getUTCFullYear();
				if (!(year >= 0 && year <= 9999)) return undefined;
				return isoDate(wall);
			};
		case 'unixSeconds':
			return ({ ms }) => Math.floor(ms / 1000);
		case 'unixMs':
			return ({ ms }) => ms;
		default:
			return undefined;
	}
}

function isoDate(wall: Date): string {
	return `${String(wall.getUTCFullYear()).padStart(4, '0')}-${pad2(wall.getUTCMonth() + 1)}-${pad2(wall.getUTCDate())}`;
}

/** Luxon's toISOTime offset: sign, then truncated hours and minutes. */
function offsetText(offset: number): string {
	const sign = offset < 0 ? '-' : '+';
	const absolute = Math.abs(offset);
	return `${sign}${pad2(Math.trunc(absolute / 60))}:${pad2(Math.trunc(absolute % 60))}`;
}

function pad2(value: number): string {
	return value < 10 ? `0${value}` : String(value);
}
