// The date converter's fast path (fastDate.ts) against the Luxon path it stands in for,
// on generated values: clock changes of 20 zones (gaps, overlaps, half-hour and negative
// DST, historic offsets), leap days, random and malformed values. Equal means the same
// output, or the same ConversionError (reason and fix).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';

import {
	compileDate,
	type DateInputFormat,
	type DateOptions,
	type DateOutputFormat,
} from '../../../nodes/shared/core/transform/date';
import { compileFastDate } from '../../../nodes/shared/core/transform/fastDate';
import type { WallTime } from '../../../nodes/shared/core/transform/numericDate';
import { zoneFor } from '../../../nodes/shared/core/transform/profile';
import { profile } from './helpers';
import { RUNS, ZONES, outcome, transitions } from './property';

const OUTPUTS: DateOutputFormat[] = ['iso', 'date', 'unixSeconds', 'unixMs'];
const OUTPUT_ZONES = [...ZONES, 'UTC+5:30', 'UTC-3'];

interface Pair {
	fast: (value: unknown) => unknown;
	luxon: (value: unknown) => unknown;
	fastOnly: (value: unknown) => unknown;
}

const pairs = new Map<string, Pair>();

function pair(
	input: DateInputFormat,
	output: DateOutputFormat,
	zone: string,
	outputZone: string,
	/** Mapping version 2's date options: milliseconds always, written dates kept. */
	version2 = false,
): Pair {
	const key = `${input}|${output}|${zone}|${outputZone}|${version2}`;
	let found = pairs.get(key);
	if (found === undefined) {
		const options: DateOptions = {
			input,
			inputFormat: null,
			zone,
			output,
			outputFormat: null,
			outputZone,
			...(version2 ? { milliseconds: 'always', keepWrittenDate: true } : {}),
		};
		const fastOnly = compileFastDate(
			options,
			zoneFor(zone, 'options.zone'),
			zoneFor(outputZone, 'options.outputZone'),
		);
		assert.ok(fastOnly !== undefined, `${key} is on the fast path`);
		found = {
			fast: compileDate(options, profile()),
			luxon: compileDate(options, profile(), false),
			fastOnly,
		};
		pairs.set(key, found);
	}
	return found;
}

interface Wall extends WallTime {
	zone: string;
}

const wallFromMs = (ms: number, zone: string): Wall => {
	const date = new Date(ms);
	return {
		year: date.getUTCFullYear(),
		month: date.getUTCMonth() + 1,
		day: date.getUTCDate(),
		hour: date.getUTCHours(),
		minute: date.getUTCMinutes(),
		second: date.getUTCSeconds(),
		millisecond: date.getUTCMilliseconds(),
		zone,
	};
};

const zoneArb = fc.constantFrom(...ZONES);

/** Local times within three hours of a clock change, in the zone that changes. */
const nearTransition = fc
	.record({
		index: fc.nat(),
		minutes: fc.integer({ min: -180, max: 180 }),
		seconds: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 59_999 })),
	})
	.map(({ index, minutes, seconds }) => {
		const all = transitions();
		const change = all[index % all.length];
		return wallFromMs(change.at + change.before * 60_000 + minutes * 60_000 + seconds, change.zone);
	});

/** 28 February to 1 March, in leap years, century years (1900 and 2100 have no 29 February) and others. */
const leapDay = fc
	.record({
		year: fc.oneof(
			fc.constantFrom(1600, 1900, 1904, 2000, 2023, 2024, 2100, 2400),
			fc.integer({ min: 100, max: 9999 }),
		),
		day: fc.constantFrom(28, 29, 30, 31),
		march: fc.boolean(),
		hour: fc.integer({ min: 0, max: 23 }),
		minute: fc.integer({ min: 0, max: 59 }),
		zone: zoneArb,
	})
	.map(
		({ year, day, march, hour, minute, zone }): Wall => ({
			year,
			month: march ? 3 : 2,
			day: march ? 1 : day,
			hour,
			minute,
			second: 0,
			millisecond: 0,
			zone,
		}),
	);

/** Any fields, out of range too (month 13, day 32, 24:00, 60 seconds, years 0–99). */
const anyWall = fc.record({
	year: fc.oneof(fc.integer({ min: 1900, max: 2100 }), fc.integer({ min: 0, max: 9999 })),
	month: fc.integer({ min: 0, max: 13 }),
	day: fc.integer({ min: 0, max: 32 }),
	hour: fc.integer({ min: 0, max: 25 }),
	minute: fc.integer({ min: 0, max: 61 }),
	second: fc.integer({ min: 0, max: 61 }),
	millisecond: fc.integer({ min: 0, max: 999 }),
	zone: zoneArb,
});

const wallArb = fc.oneof(
	{ arbitrary: nearTransition, weight: 5 },
	{ arbitrary: leapDay, weight: 2 },
	{ arbitrary: anyWall, weight: 2 },
);

const pad = (value: number, length = 2): string => String(value).padStart(length, '0');

/** How a time is written: none, HH:mm, HH:mm:ss, with a fraction of 1–4 digits. */
const timeStyle = fc.record({
	time: fc.constantFrom('none', 'minutes', 'seconds', 'fraction'),
	fractionDigits: fc.integer({ min: 1, max: 4 }),
});

function timeText(wall: Wall, style: { time: string; fractionDigits: number }): string {
	if (style.time === 'none') return '';
	let text = `${pad(wall.hour)}:${pad(wall.minute)}`;
	if (style.time === 'minutes') return text;
	text += `:${pad(wall.second)}`;
	if (style.time === 'seconds') return text;
	return `${text}.${pad(wall.millisecond, 3).padEnd(4, '7').slice(0, style.fractionDigits)}`;
}

/** Malformed or unusual text: the fast path must decline it and the Luxon path word the error. */
const junk = fc.oneof(
	fc.string({ unit: fc.constantFrom(...'0123456789-/.:TtZz+ ,apmPM'), maxLength: 32 }),
	fc.string({ maxLength: 12 }),
	fc.constantFrom('', '   ', '2025-13-01', '2025-02-29', '2024-02-29T24:00', '+002025-01-01'),
);
const notText = fc.constantFrom(null, true, false, {}, [], Number.NaN, Infinity, new Date(0));

function check(
	input: DateInputFormat,
	values: fc.Arbitrary<{ value: unknown; zone: string }>,
	runs = RUNS,
) {
	let answered = 0;
	fc.assert(
		fc.property(
			values,
			fc.constantFrom(...OUTPUTS),
			// Often the zone the value is read in: Luxon then keeps the offset it read with.
			fc.oneof(fc.constant(undefined), fc.constantFrom(...OUTPUT_ZONES)),
			fc.boolean(),
			({ value, zone }, output, outputZone, version2) => {
				const { fast, luxon, fastOnly } = pair(input, output, zone, outputZone ?? zone, version2);
				if (fastOnly(value) !== undefined) answered++;
				// Twice: the second answer may come from the memo.
				const expected = outcome(luxon, value);
				assert.deepEqual(outcome(fast, value), expected);
				assert.deepEqual(outcome(fast, value), expected);
			},
		),
		{ numRuns: runs },
	);
	return answered;
}

/** The fast path must answer most well-formed values, or the property proves little. */
function assertAnswered(answered: number, runs = RUNS): void {
	assert.ok(answered > runs * 0.3, `the fast path answered ${answered} of ${runs}`);
}

describe('the fast date path equals the Luxon path', () => {
	it('ISO 8601 text, at clock changes, leap days and malformed', () => {
		const isoText = fc
			.record({
				wall: wallArb,
				style: timeStyle,
				offset: fc.oneof(
					fc.constant(''),
					fc.constant('Z'),
					fc
						.record({
							sign: fc.constantFrom('+', '-'),
							hours: fc.integer({ min: 0, max: 15 }),
							minutes: fc.constantFrom(0, 30, 45, 59, 60),
						})
						.map(({ sign, hours, minutes }) => `${sign}${pad(hours)}:${pad(minutes)}`),
				),
			})
			.map(({ wall, style, offset }) => {
				const time = timeText(wall, style);
				const date = `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}`;
				return { value: time === '' ? date : `${date}T${time}${offset}`, zone: wall.zone };
			});
		const answered = check(
			'iso',
			fc.oneof(
				{ arbitrary: isoText, weight: 10 },
				{ arbitrary: fc.record({ value: fc.oneof(junk, notText), zone: zoneArb }), weight: 1 },
			),
		);
		assertAnswered(answered);
	});

	it('DD/MM/YYYY, MM/DD/YYYY and YYYY/MM/DD text, with 24-hour and am/pm times', () => {
		// One converter read three ways: RUNS values in all.
		const runs = Math.ceil(RUNS / 3);
		for (const input of ['dmy', 'mdy', 'ymd'] as const) {
			const numericText = fc
				.record({
					wall: wallArb,
					style: timeStyle,
					separator: fc.constantFrom('/', '-', '.'),
					padded: fc.boolean(),
					meridiem: fc.constantFrom('', 'am', 'PM', ' pm'),
					between: fc.constantFrom(' ', 'T', ', '),
				})
				.map(({ wall, style, separator, padded, meridiem, between }) => {
					const part = (value: number) => (padded ? pad(value) : String(value));
					const [first, second, third] =
						input === 'dmy'
							? [part(wall.day), part(wall.month), pad(wall.year, 4)]
							: input === 'mdy'
								? [part(wall.month), part(wall.day), pad(wall.year, 4)]
								: [pad(wall.year, 4), part(wall.month), part(wall.day)];
					const date = [first, second, third].join(separator);
					let time = timeText(wall, style);
					if (time !== '' && meridiem !== '' && style.time !== 'fraction') {
						const hour = wall.hour % 12 === 0 ? 12 : wall.hour % 12;
						time = `${hour}${time.slice(2)}${meridiem}`;
					}
					return { value: time === '' ? date : `${date}${between}${time}`, zone: wall.zone };
				});
			const answered = check(
				input,
				fc.oneof(
					{ arbitrary: numericText, weight: 10 },
					{ arbitrary: fc.record({ value: fc.oneof(junk, notText), zone: zoneArb }), weight: 1 },
				),
				runs,
			);
			assertAnswered(answered, runs);
		}
	});

	it('Unix seconds and milliseconds, as numbers and as text, at clock changes and out of range', () => {
		// One reader in two units: RUNS values in all.
		for (const [input, unit] of [
			['unixSeconds', 1000],
			['unixMs', 1],
		] as const) {
			const instant = fc.oneof(
				fc
					.record({ index: fc.nat(), delta: fc.integer({ min: -10_800_000, max: 10_800_000 }) })
					.map(({ index, delta }) => {
						const all = transitions();
						return (all[index % all.length].at + delta) / unit;
					}),
				fc.integer({ min: -8.64e15 / unit - 10, max: 8.64e15 / unit + 10 }),
				fc.double({ min: -1e13, max: 1e13, noNaN: true }),
				fc.constantFrom(0, -0, 1e21, -1e21, 8.64e15 / unit, 8.64e15 / unit + 1),
			);
			const values = fc.oneof(
				{ arbitrary: instant, weight: 6 },
				{ arbitrary: instant.map((value) => ` ${String(value)} `), weight: 3 },
				{ arbitrary: fc.oneof(junk, notText), weight: 1 },
			);
			const runs = Math.ceil(RUNS / 2);
			const answered = check(input, fc.record({ value: values, zone: zoneArb }), runs);
			assertAnswered(answered, runs);
		}
	});
});
