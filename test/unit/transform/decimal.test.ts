import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	decimalFromNumber,
	formatDecimal,
	formatScaledUnits,
	parseDecimalText,
	toScaledUnits,
} from '../../../nodes/shared/core/transform/decimal';
import { assertConversionError } from './helpers';

const cents = (text: string, style: 'point' | 'comma' | 'auto' = 'point') =>
	toScaledUnits(parseDecimalText(text, style), 2, 'error', 'AUD');

describe('parseDecimalText', () => {
	for (const [text, style, expected] of [
		['1234.56', 'point', 123456n],
		['1,234.56', 'point', 123456n],
		['1 234.56', 'point', 123456n],
		["1'234.56", 'point', 123456n],
		['1\u00a0234,56', 'comma', 123456n],
		['1.234,56', 'comma', 123456n],
		['1.234.567,8', 'comma', 123456780n],
		['12,34,567.00', 'point', 123456700n],
		['.5', 'point', 50n],
		['12.', 'point', 1200n],
		['-12.50', 'point', -1250n],
		['+12.50', 'point', 1250n],
		['(12.50)', 'point', -1250n],
		['12.50-', 'point', -1250n],
		['\u221212.50', 'point', -1250n],
		['-0.00', 'point', 0n],
		['1,234.5', 'auto', 123450n],
		['1.234,5', 'auto', 123450n],
		['1,234,567', 'auto', 123456700n],
	] as const) {
		it(`reads ${JSON.stringify(text)} (${style})`, () =>
			assert.equal(cents(text, style), expected));
	}

	it('reads 0,123 under auto as a decimal (0 cannot lead a thousands group)', () => {
		assert.equal(formatDecimal(parseDecimalText('0,123', 'auto')), '0.123');
	});

	it('refuses "1,234" under auto, naming both readings', () => {
		const error = assertConversionError(
			() => parseDecimalText('1,234', 'auto'),
			/ambiguous: 1\.234 .* 1234/,
		);
		assert.match(error.fix, /Decimal Separator/);
	});

	for (const [text, reason] of [
		['', /no digits/],
		['   ', /no digits/],
		['.', /no digits/],
		['abc', /no digits/],
		['1e3', /exponent/],
		['12.34.56', /twice/],
		['1,23', /wrong places/],
		['1,2345.00', /wrong places/],
		['1,234 567.00', /mixes/],
		['1.234,56', /separators after the decimal point/],
		['--5', /characters|two minus/],
		['(-5)', /two minus/],
		['１２', /no digits/],
		['0x1A', /characters/],
		['1_000', /characters/],
		['Infinity', /no digits/],
		['9'.repeat(65), /too long/],
	] as const) {
		it(`refuses ${JSON.stringify(text.length > 20 ? `${text.slice(0, 20)}…` : text)}`, () => {
			assertConversionError(() => parseDecimalText(text, 'point'), reason);
		});
	}
});

describe('decimalFromNumber: the text JS prints, never binary arithmetic', () => {
	it('0.1 + 0.2 is 0.30000000000000004 exactly, refused as cents and rounded on request', () => {
		const sum = decimalFromNumber(0.1 + 0.2);
		assert.equal(formatDecimal(sum), '0.30000000000000004');
		assertConversionError(
			() => toScaledUnits(sum, 2, 'error', 'AUD'),
			/more decimal places than AUD allows/,
		);
		assert.equal(toScaledUnits(sum, 2, 'halfEven', 'AUD'), 30n);
	});

	it('19.99 is 1999 cents (19.99 * 100 is 1998.9999999999998)', () => {
		assert.notEqual(19.99 * 100, 1999);
		assert.equal(toScaledUnits(decimalFromNumber(19.99), 2, 'error', 'AUD'), 1999n);
	});

	it('1.005 rounds half up to 101 cents (Math.round(1.005 * 100) is 100)', () => {
		assert.equal(Math.round(1.005 * 100), 100);
		assert.equal(toScaledUnits(decimalFromNumber(1.005), 2, 'halfUp', 'AUD'), 101n);
		assert.equal(toScaledUnits(decimalFromNumber(1.005), 2, 'halfEven', 'AUD'), 100n);
		assert.equal(toScaledUnits(decimalFromNumber(1.015), 2, 'halfEven', 'AUD'), 102n);
	});

	it('reads exponent notation exactly', () => {
		assert.equal(formatDecimal(decimalFromNumber(1e21)), '1000000000000000000000');
		assert.equal(formatDecimal(decimalFromNumber(1.5e-7)), '0.00000015');
		assert.equal(formatDecimal(decimalFromNumber(-0)), '0');
	});

	it('refuses NaN and Infinity', () => {
		assertConversionError(() => decimalFromNumber(Number.NaN), /finite/);
		assertConversionError(() => decimalFromNumber(Number.NEGATIVE_INFINITY), /finite/);
	});

	it('rounds halves away from zero for negatives', () => {
		assert.equal(toScaledUnits(parseDecimalText('-2.345', 'point'), 2, 'halfUp', 'x'), -235n);
		assert.equal(toScaledUnits(parseDecimalText('-2.345', 'point'), 2, 'halfEven', 'x'), -234n);
	});
});

describe('formatScaledUnits', () => {
	for (const [units, scale, expected] of [
		[123450n, 2, '1234.50'],
		[5n, 2, '0.05'],
		[-5n, 2, '-0.05'],
		[1235n, 0, '1235'],
		[1500n, 3, '1.500'],
		[1n, 4, '0.0001'],
	] as const) {
		it(`${units} at scale ${scale} is ${expected}`, () =>
			assert.equal(formatScaledUnits(units, scale), expected));
	}
});
