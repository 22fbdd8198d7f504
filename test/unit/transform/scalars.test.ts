import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compileBoolean, type BooleanOptions } from '../../../nodes/shared/core/transform/boolean';
import {
	compileAbn,
	compileAcn,
	isValidAbn,
	isValidAcn,
} from '../../../nodes/shared/core/transform/identifiers';
import { compileNumber, type NumberOptions } from '../../../nodes/shared/core/transform/number';
import { compilePhone, type PhoneOptions } from '../../../nodes/shared/core/transform/phone';
import {
	compileEmail,
	compileString,
	type StringOptions,
} from '../../../nodes/shared/core/transform/text';
import {
	compileValueMap,
	type ValueMapOptions,
} from '../../../nodes/shared/core/transform/valueMap';
import type { SourceProfile } from '../../../nodes/shared/core/transform/profile';
import { HOSTILE_VALUES, assertConversionError, assertOptionError, profile } from './helpers';

describe('boolean', () => {
	const read = (options: Partial<BooleanOptions> = {}, settings: Partial<SourceProfile> = {}) =>
		compileBoolean(
			{ output: 'boolean', trueValue: true, falseValue: false, ...options },
			profile(settings),
		);

	for (const value of [true, 'true', 'TRUE', ' yes ', 'Y', 'y', 't', '1', 1, 'on', 'On']) {
		it(`${JSON.stringify(value)} is true`, () => assert.equal(read()(value), true));
	}
	for (const value of [false, 'false', 'No', 'n', 'F', '0', 0, 'off']) {
		it(`${JSON.stringify(value)} is false`, () => assert.equal(read()(value), false));
	}

	it('writes a chosen pair or 1/0', () => {
		assert.equal(read({ output: 'pair', trueValue: 'Y', falseValue: 'N' })('true'), 'Y');
		assert.equal(read({ output: 'pair', trueValue: 'Y', falseValue: 'N' })(0), 'N');
		assert.equal(read({ output: 'number' })('yes'), 1);
	});

	it("uses the profile's words instead of the defaults", () => {
		const german = read({}, { trueValues: ['ja'], falseValues: ['nein'] });
		assert.equal(german('Ja'), true);
		assertConversionError(() => german('yes'), /not one of the true or false words \(ja, nein\)/);
	});

	for (const [name, value] of [
		['2', 2],
		['"maybe"', 'maybe'],
		['-1', -1],
		['a list', [true]],
		['an object', {}],
		['a huge string', 'y'.repeat(1_000_000)],
		['"constructor"', 'constructor'],
	] as Array<[string, unknown]>) {
		it(`refuses ${name} (never reads it as false)`, () => {
			assert.throws(
				() => read()(value),
				(error: Error) => error.name === 'ConversionError',
			);
		});
	}
});

describe('phone (libphonenumber-js, max metadata)', () => {
	const phone = (options: Partial<PhoneOptions> = {}, settings: Partial<SourceProfile> = {}) =>
		compilePhone({ country: null, format: 'e164', ...options }, profile(settings));

	it('reads national numbers with a default country', () => {
		assert.equal(phone({ country: 'AU' })('02 9876 5432'), '+61298765432');
		assert.equal(phone({}, { defaultCountry: 'AU' })('0412 345 678'), '+61412345678');
		assert.equal(phone({ country: 'au' })('(02) 9876-5432'), '+61298765432');
	});

	it('reads international numbers without one', () => {
		assert.equal(phone()('+1 415 555 2671'), '+14155552671');
		assert.equal(phone({ country: 'AU' })('+44 20 7946 0000'), '+442079460000');
	});

	it('writes every format', () => {
		assert.equal(phone({ format: 'international' })('+61298765432'), '+61 2 9876 5432');
		assert.equal(phone({ format: 'national' })('+61298765432'), '(02) 9876 5432');
		assert.equal(phone({ format: 'rfc3966' })('+61298765432'), 'tel:+61298765432');
	});

	it('refuses numbers of the right length in unassigned ranges (what min metadata would pass)', () => {
		assertConversionError(() => phone()('+1 473 392 1330'), /not a valid/);
		assertConversionError(() => phone()('+1 123 456 7890'), /not a valid/);
	});

	it('says a country is needed when the number has none', () => {
		const error = assertConversionError(() => phone()('02 9876 5432'), /no country code/);
		assert.match(error.fix, /Default Country/);
	});

	it('refuses an extension in E.164 and keeps it in RFC 3966', () => {
		assertConversionError(() => phone()('+61 2 9876 5432 ext. 12'), /extension 12/);
		assert.equal(
			phone({ format: 'rfc3966' })('+61 2 9876 5432 ext. 12'),
			'tel:+61298765432;ext=12',
		);
	});

	it('reads back the tel: URIs the RFC 3966 format writes', () => {
		for (const uri of ['tel:+61-2-9876-5432', 'TEL:+61298765432', ' tel:+61298765432 ']) {
			assert.equal(phone()(uri), '+61298765432', uri);
			assert.equal(phone({ format: 'rfc3966' })(uri), 'tel:+61298765432', uri);
		}
		const withExtension = phone({ format: 'rfc3966' })('tel:+61298765432;ext=12');
		assert.equal(phone({ format: 'rfc3966' })(withExtension), 'tel:+61298765432;ext=12');
		assertConversionError(() => phone()('tel:+61298765432;ext=12'), /extension 12/);
		assertConversionError(() => phone()('tel:'), /without a phone number/);
		assertConversionError(() => phone()('tel:;ext=1'), /without a phone number/);
	});

	it('reads numbers given as JSON numbers', () => {
		assert.equal(phone({ country: 'US' })(4155552671), '+14155552671');
	});

	for (const [name, value] of [
		...HOSTILE_VALUES,
		['letters', 'call me maybe'],
		['text around the number', 'call +61 2 9876 5432 now'],
		['too short', '+61 2'],
		['a negative number', -5],
		['a boolean', false],
	] as Array<[string, unknown]>) {
		it(`refuses ${name}`, () => {
			assert.throws(
				() => phone({ country: 'AU' })(value),
				(error: Error) => error.name === 'ConversionError',
			);
		});
	}

	it('checks the country when compiling', () => {
		assertOptionError(() => phone({ country: 'XX' }), /options\.country/);
		assertOptionError(() => phone({ country: 'Australia' }), /options\.country/);
	});
});

describe('ABN and ACN', () => {
	it('validates ABN check digits (ATO algorithm)', () => {
		assert.equal(isValidAbn('51824753556'), true);
		assert.equal(isValidAbn('53004085616'), true);
		assert.equal(isValidAbn('51824753557'), false);
		assert.equal(isValidAbn('01824753556'), false);
		assert.equal(isValidAbn('5182475355'), false);
	});

	it('validates ACN check digits (ASIC algorithm)', () => {
		for (const acn of ['000000019', '000250000', '004085616', '010499966', '123456780'])
			assert.equal(isValidAcn(acn), true, acn);
		assert.equal(isValidAcn('004085617'), false);
	});

	const abn = compileAbn({ format: 'digits' });
	for (const value of [
		'51 824 753 556',
		'51824753556',
		'ABN 51 824 753 556',
		'abn: 51-824-753-556',
		' 51.824.753.556 ',
		51824753556,
	]) {
		it(`reads ABN ${JSON.stringify(value)}`, () => assert.equal(abn(value), '51824753556'));
	}

	it('writes the grouped forms', () => {
		assert.equal(compileAbn({ format: 'formatted' })('51824753556'), '51 824 753 556');
		assert.equal(compileAcn({ format: 'formatted' })('ACN 004085616'), '004 085 616');
	});

	it('puts back the leading zeros a number lost (ACN 004 085 616 as 4085616)', () => {
		assert.equal(compileAcn({ format: 'digits' })(4085616), '004085616');
		assert.equal(compileAcn({ format: 'digits' })('ARBN 000 000 019'), '000000019');
	});

	for (const [name, value, reason] of [
		['a bad check digit', '51 824 753 557', /check digits/],
		['ten digits', '5182475355', /has 10 digits; an ABN has 11/],
		['letters', '51 824 753 55A', /characters an ABN cannot have/],
		['an ACN', '004 085 616', /has 9 digits/],
		['a negative number', -51824753556, /not an ABN/],
		['a list', ['51824753556'], /a list/],
		['a huge string', '5'.repeat(1_000_000), /characters/],
	] as const) {
		it(`refuses ${name}`, () => {
			assertConversionError(() => abn(value), reason);
		});
	}
});

describe('number', () => {
	const number = (options: Partial<NumberOptions> = {}, settings: Partial<SourceProfile> = {}) =>
		compileNumber(
			{ decimals: null, rounding: 'halfUp', output: 'number', ...options },
			profile(settings),
		);

	it("reads numbers and numeric text in the profile's style", () => {
		assert.equal(number()('1,234.5'), 1234.5);
		assert.equal(number({}, { decimal: 'comma' })('1.234,5'), 1234.5);
		assert.equal(number()(42), 42);
		assert.equal(number()('-0.5'), -0.5);
		assertConversionError(() => number({}, { decimal: 'auto' })('1,234'), /ambiguous/);
	});

	it('rounds to fixed decimals exactly', () => {
		assert.equal(number({ decimals: 2 })(2.345), 2.35);
		assert.equal(number({ decimals: 2, rounding: 'halfEven' })('2.345'), 2.34);
		assert.equal(number({ decimals: 2 })(0.1 + 0.2), 0.3);
		assert.equal(number({ decimals: 2, output: 'text' })('1234.5'), '1234.50');
		assert.equal(number({ decimals: 0 })('2.5'), 3);
		assertConversionError(
			() => number({ decimals: 2, rounding: 'error' })('2.345'),
			/more decimal places/,
		);
	});

	it('keeps big integers exact as text and refuses them as numbers', () => {
		assert.equal(number({ output: 'text' })('12345678901234567890'), '12345678901234567890');
		assertConversionError(() => number()('12345678901234567890'), /too large/);
	});

	it('checks decimals when compiling', () => {
		assertOptionError(() => number({ decimals: 2.5 }), /decimals/);
		assertOptionError(() => number({ decimals: 21 }), /decimals/);
	});

	for (const [name, value] of [
		...HOSTILE_VALUES,
		['empty text', ''],
		['a boolean', true],
		['"12abc"', '12abc'],
		['"0x10"', '0x10'],
	] as Array<[string, unknown]>) {
		it(`refuses ${name}`, () => {
			assert.throws(
				() => number()(value),
				(error: Error) => error.name === 'ConversionError',
			);
		});
	}
});

describe('string', () => {
	const text = (options: Partial<StringOptions> = {}) =>
		compileString({
			trim: true,
			case: 'keep',
			collapseWhitespace: false,
			emptyToNull: false,
			maxLength: null,
			...options,
		});

	it('trims, changes case and collapses whitespace', () => {
		assert.equal(text()('  Acme  '), 'Acme');
		assert.equal(text({ trim: false })('  Acme '), '  Acme ');
		assert.equal(text({ case: 'upper' })('acme'), 'ACME');
		assert.equal(text({ case: 'lower' })('ACME'), 'acme');
		assert.equal(text({ case: 'title' })("o'BRIEN-smith and élan"), "O'Brien-Smith And Élan");
		assert.equal(text({ collapseWhitespace: true })(' a \t\n b  '), 'a b');
	});

	it('turns empty into null when asked, and writes numbers and booleans as text', () => {
		assert.equal(text({ emptyToNull: true })('   '), null);
		assert.equal(text()('   '), '');
		assert.equal(text()(12.5), '12.5');
		assert.equal(text()(false), 'false');
	});

	it('refuses text over Max Length instead of cutting it (counting characters, not UTF-16 units)', () => {
		assert.equal(text({ maxLength: 3 })('😀😀😀'), '😀😀😀');
		assertConversionError(() => text({ maxLength: 3 })('abcd'), /longer than 3/);
		assertOptionError(() => text({ maxLength: 0 }), /maxLength/);
	});

	it('handles a 1 MB string', () =>
		assert.equal((text({ case: 'upper' })('a'.repeat(1_000_000)) as string).length, 1_000_000));

	for (const [name, value] of [
		['an object', { a: 1 }],
		['a list', ['a']],
		['null', null],
	] as Array<[string, unknown]>) {
		it(`refuses ${name}`, () => {
			assertConversionError(() => text()(value), /not text/);
		});
	}
});

describe('email', () => {
	const email = compileEmail({ lowerCase: true });

	for (const [value, expected] of [
		[' Accounts@Acme.COM.au ', 'accounts@acme.com.au'],
		['mailto:Bob@Example.com', 'bob@example.com'],
		['<bob@example.com>', 'bob@example.com'],
		['first.last+tag@sub.example.co.uk', 'first.last+tag@sub.example.co.uk'],
	] as const) {
		it(`${JSON.stringify(value)} → ${expected}`, () => assert.equal(email(value), expected));
	}

	it('keeps the case when asked', () =>
		assert.equal(compileEmail({ lowerCase: false })('Bob@Example.com'), 'Bob@Example.com'));

	for (const value of [
		'bob',
		'bob@',
		'@example.com',
		'bob@example',
		'bob@@example.com',
		'bob smith@example.com',
		'bob@exa_mple.com',
		'.bob@example.com',
		'bob.@example.com',
		'Bob <bob@example.com>',
		`${'a'.repeat(65)}@example.com`,
		`bob@${'a'.repeat(300)}.com`,
		'x'.repeat(1_000_000),
	]) {
		it(`refuses ${JSON.stringify(value.length > 30 ? `${value.slice(0, 30)}…` : value)}`, () => {
			assert.throws(
				() => email(value),
				(error: Error) => error.name === 'ConversionError',
			);
		});
	}

	it('refuses non-text', () => {
		assertConversionError(() => email(42), /not an email/);
	});
});

describe('value map', () => {
	const map = (options: Partial<ValueMapOptions> = {}) =>
		compileValueMap({
			map: { AUTHORISED: 'open', PAID: 'paid', VOIDED: { status: 'void' } },
			caseInsensitive: true,
			unmapped: 'error',
			default: null,
			...options,
		});

	it('maps values, case-insensitively by default', () => {
		assert.equal(map()('AUTHORISED'), 'open');
		assert.equal(map()(' paid '), 'paid');
		assertConversionError(() => map({ caseInsensitive: false })('paid'), /not in the value map/);
	});

	it('copies object values so no two items share one', () => {
		const convert = map();
		const first = convert('VOIDED');
		assert.deepEqual(first, { status: 'void' });
		assert.notEqual(first, convert('VOIDED'));
	});

	it('handles unmapped values as configured', () => {
		assertConversionError(
			() => map()('DRAFT'),
			/not in the value map \(it knows "AUTHORISED", "PAID", "VOIDED"\)/,
		);
		assert.equal(map({ unmapped: 'keep' })('DRAFT'), 'DRAFT');
		assert.equal(map({ unmapped: 'default', default: 'other' })('DRAFT'), 'other');
	});

	it('never finds prototype properties, and maps a "__proto__" key from JSON as data', () => {
		assertConversionError(() => map()('constructor'), /not in the value map/);
		assertConversionError(() => map()('toString'), /not in the value map/);
		const fromJson = compileValueMap({
			map: JSON.parse('{"__proto__": "odd", "a": 1}') as Record<string, string>,
			caseInsensitive: false,
			unmapped: 'error',
			default: null,
		});
		assert.equal(fromJson('__proto__'), 'odd');
	});

	it('reads numbers and booleans by their text', () => {
		const codes = compileValueMap({
			map: { '1': 'one', true: 'yes' },
			caseInsensitive: true,
			unmapped: 'error',
			default: null,
		});
		assert.equal(codes(1), 'one');
		assert.equal(codes(true), 'yes');
	});

	it('refuses an empty map and keys that collide when case is ignored', () => {
		assertOptionError(() => map({ map: {} }), /empty/);
		assertOptionError(() => map({ map: { Paid: 1, PAID: 2 } }), /twice/);
	});

	it('refuses objects and lists as keys', () => {
		assertConversionError(() => map()({ a: 1 }), /cannot look up/);
	});
});
