// The phone converter's fast path (fastPhone.ts) and its memo against libphonenumber-js
// itself, on generated numbers: example numbers of 24 countries with digits changed,
// written nationally, with "+", with an international prefix, without "+", with
// separators, extensions and junk. Countries that share a calling code (AU/CC/CX,
// US/CA, GB/GG, RU/KZ), carrier codes and prefix rewriting (BR, AR, MX) included.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { getCountryCallingCode, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';

import { compileFastE164 } from '../../../nodes/shared/core/transform/fastPhone';
import { compilePhone, type PhoneFormat } from '../../../nodes/shared/core/transform/phone';
import { profile } from './helpers';
import { RUNS, outcome } from './property';

const COUNTRIES: CountryCode[] = [
	'AU',
	'CC',
	'CX',
	'NZ',
	'US',
	'CA',
	'GB',
	'GG',
	'IE',
	'DE',
	'FR',
	'IT',
	'IN',
	'BR',
	'AR',
	'MX',
	'JP',
	'CN',
	'SG',
	'ZA',
	'RU',
	'KZ',
	'AT',
	'FI',
];

const FORMATS: PhoneFormat[] = ['e164', 'international'];

const converters = new Map<
	string,
	{ fast: (value: unknown) => unknown; library: (value: unknown) => unknown }
>();

function converter(country: CountryCode, format: PhoneFormat) {
	const key = `${country}|${format}`;
	let found = converters.get(key);
	if (found === undefined) {
		const options = { country, format };
		found = {
			fast: compilePhone(options, profile()),
			library: compilePhone(options, profile(), false),
		};
		converters.set(key, found);
	}
	return found;
}

const fastPaths = new Map(COUNTRIES.map((country) => [country, compileFastE164(country)]));

/** An example number of the country with some digits changed, one added or one dropped. */
const nationalDigits = (country: CountryCode) =>
	fc
		.record({
			changes: fc.oneof(
				fc.constant([]),
				fc.array(fc.record({ at: fc.nat(), digit: fc.integer({ min: 0, max: 9 }) }), {
					minLength: 1,
					maxLength: 4,
				}),
			),
			length: fc.constantFrom(0, 0, 0, 1, -1),
		})
		.map(({ changes, length }) => {
			const digits = (examples as Record<string, string>)[country].split('');
			for (const { at, digit } of changes) digits[at % digits.length] = String(digit);
			if (length > 0) digits.push(String(changes.length));
			if (length < 0) digits.pop();
			return digits.join('');
		});

/** The digits written with separators: groups of 1–4 joined by a space, hyphen, dot, brackets... */
const written = (digits: string) =>
	fc
		.array(
			fc.oneof(
				{ arbitrary: fc.constantFrom(' ', '-', '', ''), weight: 300 },
				fc.constantFrom('.', '  ', '(', ')', '/'),
			),
			{
				minLength: digits.length,
				maxLength: digits.length,
			},
		)
		.map((separators) =>
			digits
				.split('')
				.map((digit, index) => (index === 0 ? digit : `${separators[index]}${digit}`))
				.join(''),
		);

const numberText = fc
	.record({
		country: fc.constantFrom(...COUNTRIES),
		// Mostly a number of the default country; sometimes another country's.
		written: fc.oneof(
			{ arbitrary: fc.constant(undefined), weight: 4 },
			fc.constantFrom(...COUNTRIES),
		),
		form: fc.constantFrom('national', 'national', 'plus', 'plus', 'idd', 'withoutPlus', 'bare'),
		prefix: fc.constantFrom('0', '0', '0', '', '00', '1', '8', '01', '0011', '011', '00 '),
		tail: fc.constantFrom('', '', '', '', '', '', '', '', ' ext. 12', ' x5', '#', ';ext=7', ' abc'),
	})
	.chain(({ country, written: writtenIn, form, prefix, tail }) => {
		const other = writtenIn ?? country;
		return nationalDigits(other).chain((national) => {
			const code = getCountryCallingCode(other);
			const digits =
				form === 'national'
					? `${prefix}${national}`
					: form === 'plus'
						? `+${code}${national}`
						: form === 'idd'
							? `${prefix}${code}${national}`
							: form === 'withoutPlus'
								? `${code}${national}`
								: national;
			const body = digits.startsWith('+') ? digits.slice(1) : digits;
			return written(body).map((text) => ({
				country,
				text: `${digits.startsWith('+') ? '+' : ''}${text}${tail}`,
			}));
		});
	});

const junk = fc.record({
	country: fc.constantFrom(...COUNTRIES),
	text: fc.oneof(
		fc.string({ unit: fc.constantFrom(...'0123456789 -+()'), maxLength: 24 }),
		fc.string({ maxLength: 12 }),
	),
});

describe('the fast phone path equals libphonenumber-js', () => {
	it('E.164 and international output, numbers of 24 countries written every way', () => {
		let answered = 0;
		fc.assert(
			fc.property(
				fc.oneof({ arbitrary: numberText, weight: 12 }, { arbitrary: junk, weight: 1 }),
				fc.constantFrom(...FORMATS),
				fc.boolean(),
				({ country, text }, format, padded) => {
					const value = padded ? ` ${text} ` : text;
					const { fast, library } = converter(country, format);
					if (fastPaths.get(country)?.(value.trim()) !== undefined) answered++;
					// Twice: the second answer may come from the memo.
					const expected = outcome(library, value);
					assert.deepEqual(outcome(fast, value), expected);
					assert.deepEqual(outcome(fast, value), expected);
				},
			),
			{ numRuns: RUNS },
		);
		assert.ok(answered > RUNS * 0.1, `the fast path answered ${answered} of ${RUNS}`);
	});

	it('numbers as JSON numbers, and values that are not phone numbers', () => {
		fc.assert(
			fc.property(
				fc.constantFrom(...COUNTRIES),
				fc.oneof(
					fc.integer({ min: -10, max: 99_999_999_999 }),
					fc.constantFrom(null, true, {}, [], 1.5, Number.NaN),
				),
				(country, value) => {
					const { fast, library } = converter(country, 'e164');
					assert.deepEqual(outcome(fast, value), outcome(library, value));
				},
			),
			{ numRuns: 10_000 },
		);
	});

	it('every country of the test has a fast path', () => {
		for (const country of COUNTRIES)
			assert.ok(fastPaths.get(country) !== undefined, `${country} has number types`);
	});
});
