import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { DateTime } from 'luxon';

import { compileDate, type DateOptions } from '../../../nodes/shared/core/transform/date';
import type { SourceProfile } from '../../../nodes/shared/core/transform/profile';
import { HOSTILE_VALUES, assertConversionError, assertOptionError, profile } from './helpers';

function date(options: Partial<DateOptions> = {}, profileSettings: Partial<SourceProfile> = {}) {
	return compileDate(
		{
			input: 'auto',
			inputFormat: null,
			zone: null,
			output: 'iso',
			outputFormat: null,
			outputZone: 'UTC',
			...options,
		},
		profile(profileSettings),
	);
}

describe('date: formats read by auto-detect', () => {
	const iso = date();
	for (const [value, expected] of [
		['2025-03-04T10:00:00Z', '2025-03-04T10:00:00Z'],
		['2025-03-04T10:00:00+11:00', '2025-03-03T23:00:00Z'],
		['2025-03-04T10:00:00.250Z', '2025-03-04T10:00:00.250Z'],
		['2025-03-04', '2025-03-04T00:00:00Z'],
		['20250304', '2025-03-04T00:00:00Z'],
		['2025-03-04 10:00:00', '2025-03-04T10:00:00Z'],
		['Tue, 04 Mar 2025 10:00:00 +1000', '2025-03-04T00:00:00Z'],
		['4 Mar 2025 10:00 GMT', '2025-03-04T10:00:00Z'],
		['/Date(1741046400000+0000)/', '2025-03-04T00:00:00Z'],
		['/Date(1741046400000)/', '2025-03-04T00:00:00Z'],
		['13/04/2025', '2025-04-13T00:00:00Z'],
		['04/13/2025', '2025-04-13T00:00:00Z'],
		['04/04/2025', '2025-04-04T00:00:00Z'],
		['13.04.2025 14:30', '2025-04-13T14:30:00Z'],
		['04/13/2025 2:30 PM', '2025-04-13T14:30:00Z'],
		['2025/03/04', '2025-03-04T00:00:00Z'],
		[1741046400, '2025-03-04T00:00:00Z'],
		['1741046400', '2025-03-04T00:00:00Z'],
		[1741046400000, '2025-03-04T00:00:00Z'],
		['1741046400.5', '2025-03-04T00:00:00.500Z'],
	] as const) {
		it(`${JSON.stringify(value)} → ${expected}`, () => assert.equal(iso(value), expected));
	}
});

describe('date: ambiguity is an error, never a guess', () => {
	it('03/04/2025 names both readings', () => {
		const error = assertConversionError(
			() => date()('03/04/2025'),
			/ambiguous: DD\/MM\/YYYY gives 2025-04-03, MM\/DD\/YYYY gives 2025-03-04/,
		);
		assert.match(error.fix, /Date Order/);
	});

	it('reads 03/04/2025 once the profile declares the order', () => {
		assert.equal(date({ output: 'date' }, { dateOrder: 'dayFirst' })('03/04/2025'), '2025-04-03');
		assert.equal(date({ output: 'date' }, { dateOrder: 'monthFirst' })('03/04/2025'), '2025-03-04');
		assert.equal(date({ input: 'dmy', output: 'date' })('03/04/2025'), '2025-04-03');
	});

	it('a declared order refuses dates that only fit the other one', () => {
		assertConversionError(
			() => date({}, { dateOrder: 'dayFirst' })('04/13/2025'),
			/December has no day|no month 13/,
		);
	});

	it('refuses two-digit years and bare numbers outside 1971–2200', () => {
		assertConversionError(() => date()('03/04/25'), /two-digit year/);
		assertConversionError(() => date()(0), /not a date in any format/);
		assertConversionError(() => date()('2025'), /not a date in any format/);
		assert.equal(date({ input: 'unixSeconds' })(0), '1970-01-01T00:00:00Z');
		assert.equal(date({ input: 'unixMs' })(-86400000), '1969-12-31T00:00:00Z');
	});
});

describe('date: zones', () => {
	const savedTz = process.env.TZ;
	afterEach(() => {
		if (savedTz === undefined) delete process.env.TZ;
		else process.env.TZ = savedTz;
	});

	it('reads values without an offset in the profile zone, UTC by default — never the server zone', () => {
		process.env.TZ = 'America/New_York';
		assert.equal(date()('2025-03-04T10:00:00'), '2025-03-04T10:00:00Z');
		assert.equal(date()('04/13/2025 10:00'), '2025-04-13T10:00:00Z');
		assert.equal(
			date({}, { zone: 'Australia/Sydney' })('2025-03-04T10:00:00'),
			'2025-03-03T23:00:00Z',
		);
		assert.equal(date({ zone: 'UTC+10' })('2025-03-04 10:00:00'), '2025-03-04T00:00:00Z');
	});

	it('keeps an explicit offset whatever the zone setting', () => {
		assert.equal(
			date({}, { zone: 'Australia/Sydney' })('2025-03-04T10:00:00Z'),
			'2025-03-04T10:00:00Z',
		);
	});

	it('writes in the output zone', () => {
		assert.equal(
			date({ outputZone: 'Australia/Sydney' })('2025-03-04T00:00:00Z'),
			'2025-03-04T11:00:00+11:00',
		);
		assert.equal(
			date({ output: 'rfc2822', outputZone: 'UTC' })('2025-03-04T10:00:00Z'),
			'Tue, 04 Mar 2025 10:00:00 +0000',
		);
	});

	it('refuses a local time skipped by daylight saving (Sydney, 5 Oct 2025, 02:00 → 03:00)', () => {
		assertConversionError(
			() => date({}, { zone: 'Australia/Sydney' })('2025-10-05T02:30:00'),
			/does not exist in Australia\/Sydney/,
		);
		assertConversionError(
			() => date({}, { zone: 'America/New_York', dateOrder: 'monthFirst' })('03/09/2025 02:30'),
			/does not exist/,
		);
		assert.equal(
			date({}, { zone: 'Australia/Sydney' })('2025-10-05T03:30:00'),
			'2025-10-04T16:30:00Z',
		);
	});

	it('refuses a local time that happens twice (Sydney, 6 Apr 2025, 03:00 → 02:00)', () => {
		const error = assertConversionError(
			() => date({}, { zone: 'Australia/Sydney' })('2025-04-06T02:30:00'),
			/happens twice in Australia\/Sydney.*2025-04-06T02:30:00\+11:00 or 2025-04-06T02:30:00\+10:00/,
		);
		assert.match(error.reason, /UTC offset/);
		assert.equal(
			date({}, { zone: 'Australia/Sydney' })('2025-04-06T02:30:00+10:00'),
			'2025-04-05T16:30:00Z',
		);
	});

	it('a date without a time keeps its calendar day in date-only output', () => {
		assert.equal(
			date({ output: 'date' }, { zone: 'Australia/Sydney' })('2025-03-04'),
			'2025-03-04',
		);
		assert.equal(
			date({ output: 'iso' }, { zone: 'Australia/Sydney' })('2025-03-04'),
			'2025-03-03T13:00:00Z',
		);
		assert.equal(
			date({ output: 'date' }, { zone: 'Australia/Sydney' })('2025-03-04T10:00:00Z'),
			'2025-03-04',
		);
		assert.equal(
			date({ output: 'date', outputZone: 'Australia/Sydney' })('2025-03-04T20:00:00Z'),
			'2025-03-05',
		);
	});

	it('a date-only value on a day whose midnight is skipped starts at the first time that exists', () => {
		// Santiago moved clocks from 00:00 to 01:00 on 7 Sep 2025.
		assert.equal(
			date({ output: 'date' }, { zone: 'America/Santiago' })('2025-09-07'),
			'2025-09-07',
		);
	});

	it('refuses the server zone and unknown zones when compiling', () => {
		assertOptionError(() => date({ zone: 'local' }), /options\.zone/);
		assertOptionError(() => date({ outputZone: 'system' }), /options\.outputZone/);
		assertOptionError(() => date({}, { zone: 'Mars/Olympus_Mons' }), /profile\.zone/);
	});
});

describe('date: written dates kept (keepWrittenDate, mapping version 2)', () => {
	const auckland = { zone: 'Pacific/Auckland' };

	it("a date-time without an offset keeps its written date (Xero's DateString in Auckland)", () => {
		const written = '2018-11-02T00:00:00';
		assert.equal(date({ output: 'date' }, auckland)(written), '2018-11-01', 'version 1');
		assert.equal(date({ output: 'date', keepWrittenDate: true }, auckland)(written), '2018-11-02');
		for (const value of ['2018-11-02 00:00:00', '02/11/2018 00:00', '2018-11-02T23:59:59.999'])
			assert.equal(
				date(
					{ output: 'date', keepWrittenDate: true },
					{ ...auckland, dateOrder: 'dayFirst' },
				)(value),
				'2018-11-02',
				value,
			);
	});

	it('an instant (offset, Unix, /Date()/) is dated in the Output Time Zone', () => {
		const keep = date({ output: 'date', keepWrittenDate: true }, auckland);
		assert.equal(keep('2018-11-02T00:00:00+13:00'), '2018-11-01');
		assert.equal(keep('/Date(1541073600000+0000)/'), '2018-11-01');
		assert.equal(keep(1541073600), '2018-11-01');
	});

	it('a custom format of date tokens is a date output too', () => {
		const sydneyDay = '2025-03-04';
		assert.equal(
			date(
				{ output: 'custom', outputFormat: 'dd/MM/yyyy' },
				{ zone: 'Australia/Sydney' },
			)(sydneyDay),
			'03/03/2025',
			'version 1 moves it through UTC',
		);
		const keep = (format: string) =>
			date(
				{ output: 'custom', outputFormat: format, keepWrittenDate: true },
				{ zone: 'Australia/Sydney' },
			);
		assert.equal(keep('dd/MM/yyyy')(sydneyDay), '04/03/2025');
		assert.equal(keep("dd MMM yyyy 'at' HH:mm")(sydneyDay), '03 Mar 2025 at 13:00');
	});

	it('milliseconds: always writes .000, so instants have one length', () => {
		const always = date({ milliseconds: 'always' });
		assert.equal(always('2025-03-04T10:00:59Z'), '2025-03-04T10:00:59.000Z');
		assert.equal(always('2025-03-04T10:00:59.5Z'), '2025-03-04T10:00:59.500Z');
		assert.equal(always(1741082459), '2025-03-04T10:00:59.000Z');
		assert.equal(date()('2025-03-04T10:00:59Z'), '2025-03-04T10:00:59Z', 'version 1');
	});
});

describe('date: leap days and invalid dates', () => {
	it('reads leap days in leap years only', () => {
		assert.equal(date({ output: 'date' })('2024-02-29'), '2024-02-29');
		assert.equal(date({ output: 'date' })('2000-02-29'), '2000-02-29');
		assert.equal(date({ output: 'date' }, { dateOrder: 'dayFirst' })('29/02/2024'), '2024-02-29');
		assertConversionError(
			() => date({}, { dateOrder: 'dayFirst' })('29/02/2025'),
			/2025 is not a leap year/,
		);
		assertConversionError(() => date()('2100-02-29'), /not a valid date/);
		assertConversionError(() => date()('2025-02-29T10:00:00Z'), /not a valid date/);
	});

	it('lists why each fitting format fails', () => {
		assertConversionError(() => date()('31/02/2025'), /DD\/MM\/YYYY: February has no day 31/);
		assertConversionError(() => date()('2025-13-01'), /not a valid date/);
		assertConversionError(() => date()('12/31/2025 25:00'), /not a time of day/);
		assertConversionError(() => date()('12/31/2025 13:00 PM'), /does not go with PM/);
	});

	it('never passes "Invalid DateTime" on', () => {
		for (const value of [
			'Invalid DateTime',
			'2025-00-10',
			'10:00',
			'T10:00',
			'tomorrow',
			'-',
			'/Date(abc)/',
		]) {
			assert.throws(
				() => date()(value),
				(error: Error) => error.name === 'ConversionError',
				value,
			);
		}
	});
});

describe('date: explicit and custom formats', () => {
	it('reads and writes custom Luxon formats in English whatever the locale', () => {
		const custom = date({
			input: 'custom',
			inputFormat: 'dd MMM yyyy',
			output: 'custom',
			outputFormat: 'dd/MM/yyyy',
		});
		assert.equal(custom('04 Mar 2025'), '04/03/2025');
		assertConversionError(() => custom('04 Mär 2025'), /not a valid date/);
		assert.equal(
			date({ input: 'custom', inputFormat: 'dd.MM.yyyy HH:mm ZZ' })('04.03.2025 10:00 +10:00'),
			'2025-03-04T00:00:00Z',
		);
		assert.equal(
			date(
				{ input: 'custom', inputFormat: 'dd.MM.yyyy HH:mm' },
				{ zone: 'UTC+10' },
			)('04.03.2025 10:00'),
			'2025-03-04T00:00:00Z',
		);
	});

	it('an explicit format refuses other shapes', () => {
		assertConversionError(() => date({ input: 'iso' })('03/04/2025'), /not in the format ISO 8601/);
		assertConversionError(() => date({ input: 'dmy' })(1741046400), /a number, not a date/);
		assertConversionError(() => date({ input: 'msJson' })('2025-03-04'), /not in the format/);
	});

	it('writes Unix seconds and milliseconds', () => {
		assert.equal(date({ output: 'unixSeconds' })('2025-03-04T00:00:00.999Z'), 1741046400);
		assert.equal(date({ output: 'unixMs' })('2025-03-04T00:00:00.999Z'), 1741046400999);
	});

	it('refuses an empty custom format when compiling', () => {
		assertOptionError(() => date({ input: 'custom', inputFormat: '  ' }), /inputFormat/);
		assertOptionError(() => date({ output: 'custom', outputFormat: null }), /outputFormat/);
	});

	it('reads Date and Luxon DateTime objects from expressions', () => {
		assert.equal(date()(new Date('2025-03-04T10:00:00Z')), '2025-03-04T10:00:00Z');
		assert.equal(
			date()(DateTime.fromISO('2025-03-04T10:00:00+11:00', { setZone: true })),
			'2025-03-03T23:00:00Z',
		);
		assertConversionError(() => date()(new Date('nope')), /invalid Date/);
	});
});

describe('date: hostile values', () => {
	for (const [name, value] of [
		...HOSTILE_VALUES,
		['a boolean', true],
		['null', null],
		['an empty string', ''],
		['a date with junk', '2025-03-04T10:00:00Z; DROP TABLE'],
	] as Array<[string, unknown]>) {
		it(`refuses ${name}`, () => {
			assert.throws(
				() => date()(value),
				(error: Error) => error.name === 'ConversionError',
			);
		});
	}
});
