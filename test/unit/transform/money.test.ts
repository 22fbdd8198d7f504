import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compileMoney, type MoneyOptions } from '../../../nodes/shared/core/transform/money';
import type { SourceProfile } from '../../../nodes/shared/core/transform/profile';
import { assertConversionError, assertOptionError, profile } from './helpers';

function money(options: Partial<MoneyOptions> = {}, profileSettings: Partial<SourceProfile> = {}) {
	const convert = compileMoney(
		{
			input: 'amount',
			currency: null,
			currencyField: null,
			output: 'minor',
			rounding: 'error',
			...options,
		},
		profile(profileSettings),
	);
	return (value: unknown, fieldCurrency?: unknown) => convert(value, fieldCurrency);
}

describe('money: amounts as written', () => {
	const aud = money({ currency: 'AUD' });

	for (const [value, expected] of [
		[1234.5, 123450],
		['1234.50', 123450],
		['1,234.50', 123450],
		['AUD 1,234.50', 123450],
		['1234.50 AUD', 123450],
		['aud 12.50', 1250],
		['A$12.50', 1250],
		['-A$5', -500],
		['$-5.00', -500],
		['(12.00)', -1200],
		['5.00-', -500],
		[0, 0],
		['0.1', 10],
		[19.99, 1999],
	] as const) {
		it(`${JSON.stringify(value)} → ${expected} cents`, () => assert.equal(aud(value), expected));
	}

	it('never does floating-point arithmetic: 0.1 + 0.2 is refused, or rounded to 30 cents when asked', () => {
		assertConversionError(() => aud(0.1 + 0.2), /more decimal places than AUD allows \(2\)/);
		assert.equal(money({ currency: 'AUD', rounding: 'halfEven' })(0.1 + 0.2), 30);
		// The sum written as text by the source is exact.
		assert.equal(aud('0.30'), 30);
	});

	it('1.005 and 2.675 round as decimals, not as binary fractions', () => {
		assert.equal(money({ currency: 'AUD', rounding: 'halfUp' })(1.005), 101);
		assert.equal(money({ currency: 'AUD', rounding: 'halfUp' })(2.675), 268);
		assert.equal(money({ currency: 'AUD', rounding: 'halfEven' })('2.665'), 266);
	});

	it("uses each currency's ISO 4217 exponent", () => {
		assert.equal(money({ currency: 'JPY', output: 'decimal' })('¥1,235', undefined), '1235');
		assert.equal(money({ currency: 'KWD', output: 'decimal' })(1.5), '1.500');
		assert.equal(money({ currency: 'KWD' })(1.5), 1500);
		assert.equal(money({ currency: 'CLF', output: 'decimal' })('1.2345'), '1.2345');
		assertConversionError(
			() => money({ currency: 'JPY' })('12.5'),
			/more decimal places than JPY allows \(0\)/,
		);
	});

	it('reads the decimal comma when the profile says so, and refuses it otherwise', () => {
		assert.equal(money({}, { decimal: 'comma' })('1.234,56 €'), 123456);
		assert.equal(money({}, { decimal: 'auto' })('1.234,56 €'), 123456);
		assertConversionError(() => money()('1.234,56 €'), /separators after the decimal point/);
		assertConversionError(
			() => money({ currency: 'AUD' }, { decimal: 'auto' })('1,234'),
			/ambiguous/,
		);
	});
});

describe('money: currencies', () => {
	it('refuses "$" until the profile says which dollar it is', () => {
		const error = assertConversionError(
			() => money()('$1,234.56'),
			/ambiguous: "\$" is used by USD, AUD/,
		);
		assert.match(error.fix, /Currency Symbols/);
		assert.equal(money({}, { currencySymbols: { $: 'AUD' } })('$1,234.56'), 123456);
		assert.equal(money({ output: 'text' }, { currencySymbols: { $: 'NZD' } })('$5'), 'NZD 5.00');
	});

	it('lets a currency field or the default currency settle an ambiguous symbol', () => {
		assert.equal(money({ output: 'text' })('$5', 'USD'), 'USD 5.00');
		assert.equal(money({ output: 'text' }, { defaultCurrency: 'CAD' })('$5'), 'CAD 5.00');
	});

	it('takes the currency from a field in any case', () => {
		assert.equal(money({ output: 'text' })(12.5, 'aud'), 'AUD 12.50');
	});

	it('refuses an amount whose currency disagrees with the field or the fixed currency', () => {
		assertConversionError(
			() => money()('USD 5', 'AUD'),
			/conflicting currencies: AUD from the currency field but USD/,
		);
		assertConversionError(() => money({ currency: 'EUR' })('£5'), /conflicting/);
		assertConversionError(() => money()('€5', 'USD'), /conflicting/);
	});

	it('refuses unknown codes, symbols and missing currencies', () => {
		assertConversionError(() => money()(5, 'XYZ'), /not an ISO 4217 code/);
		assertConversionError(() => money()(5, 42), /not an ISO 4217 code/);
		assertConversionError(
			() => money()('12 zorkmids'),
			/neither an ISO 4217 code nor a currency symbol/,
		);
		assertConversionError(() => money()('12.50'), /has no currency/);
		assert.equal(money({}, { defaultCurrency: 'AUD' })('12.50'), 1250);
	});

	it('checks a fixed currency when compiling', () => {
		assertOptionError(() => money({ currency: 'AUDD' }), /options\.currency/);
		assertOptionError(() => money({ currency: 'XAU' }), /minor unit/);
	});
});

describe('money: minor units (Stripe style)', () => {
	const cents = money({ input: 'minor', output: 'decimal' });

	it('reads whole cents', () => {
		assert.equal(cents(123450, 'usd'), '1234.50');
		assert.equal(cents('-5', 'usd'), '-0.05');
		assert.equal(money({ input: 'minor', output: 'decimal' })(1234, 'JPY'), '1234');
	});

	it('refuses fractions of a minor unit', () => {
		assertConversionError(() => cents(12.5, 'usd'), /whole number of minor units/);
		assertConversionError(() => cents('12.5', 'usd'), /whole number of minor units/);
		assertConversionError(() => cents('1,000', 'usd'), /whole number/);
	});

	it('keeps amounts beyond 2^53 exact as text and refuses them as numbers', () => {
		assert.equal(cents('99999999999999999999', 'USD'), '999999999999999999.99');
		assertConversionError(
			() => money({ input: 'minor' })('99999999999999999999', 'USD'),
			/too large/,
		);
		assertConversionError(
			() => money({ input: 'minor', output: 'number' })('99999999999999999999', 'USD'),
			/too large/,
		);
	});
});

describe('money: outputs and the canonical object', () => {
	it('writes every output form', () => {
		const aud = (output: MoneyOptions['output']) => money({ currency: 'AUD', output })('1234.5');
		assert.equal(aud('minor'), 123450);
		assert.equal(aud('decimal'), '1234.50');
		assert.equal(aud('number'), 1234.5);
		assert.equal(aud('text'), 'AUD 1234.50');
		assert.deepEqual(aud('object'), { currency: 'AUD', amount: '1234.50', amountMinor: 123450 });
	});

	it('reads its own object back, with amountMinor or amount', () => {
		const read = money({ output: 'text' });
		assert.equal(read({ currency: 'AUD', amount: '1234.50', amountMinor: 123450 }), 'AUD 1234.50');
		assert.equal(read({ currency: 'jpy', amount: 1235 }), 'JPY 1235');
		assert.equal(
			money({ input: 'minor', output: 'text' })({ currency: 'usd', amount: 500 }),
			'USD 5.00',
		);
		assertConversionError(() => read({ amount: 5 }), /without a "currency"/);
		assertConversionError(() => read({ currency: 'AUD' }), /without "amount"/);
		assertConversionError(() => read({ currency: 'AUD', amountMinor: 1.5 }), /not a whole number/);
		assertConversionError(() => read({ currency: 'AUD', amount: [] }), /a list/);
	});
});

describe('money: hostile values', () => {
	const aud = money({ currency: 'AUD' });
	for (const [name, value, reason] of [
		['a boolean', true, /a boolean, not an amount/],
		['a list', [1], /a list, not an amount/],
		['null', null, /null, not an amount/],
		['NaN', Number.NaN, /finite/],
		['Infinity', Number.POSITIVE_INFINITY, /finite/],
		['no digits', '$', /no digits/],
		['two signs', '-(5)', /sign|characters|neither/],
		['two amounts', '12.50 AUD 13', /characters|neither/],
		['exponent text', '1e3', /exponent/],
		['a huge string', `AUD ${'9'.repeat(1_000_000)}`, /too long/],
		['"__proto__"', '__proto__', /no digits/],
		['fullwidth digits', '１２.５０', /no digits/],
	] as const) {
		it(`refuses ${name}`, () => {
			assertConversionError(() => aud(value), reason);
		});
	}

	it('is not fooled by a symbol table key like "constructor"', () => {
		assertConversionError(
			() => money()('constructor 5'),
			/neither an ISO 4217 code nor a currency symbol/,
		);
		assertConversionError(() => money()('__proto__ 5'), /neither/);
	});
});

describe("money: Stripe's minor units (profile Minor Units: Stripe)", () => {
	// https://docs.stripe.com/currencies#zero-decimal and #special-cases
	const stripe = (output: MoneyOptions['output'] = 'decimal') =>
		money({ input: 'minor', output }, { minorUnits: 'stripe' });

	it('reads ISK as Stripe writes it: two decimals, 50000 is 500 kr (ISO 4217 has none)', () => {
		assert.equal(stripe()(50000, 'isk'), '500');
		assert.equal(stripe('minor')(50000, 'ISK'), 500);
		assert.deepEqual(stripe('object')('50000', 'ISK'), {
			currency: 'ISK',
			amount: '500',
			amountMinor: 500,
		});
	});

	it('refuses fractions of a króna, which Stripe refuses too', () => {
		assertConversionError(() => stripe()(50050, 'ISK'), /decimal places than ISK/);
		assert.equal(
			money({ input: 'minor', output: 'decimal', rounding: 'halfUp' }, { minorUnits: 'stripe' })(
				50050,
				'ISK',
			),
			'501',
		);
	});

	it('reads HUF and TWD with two decimals, as Stripe charges them', () => {
		assert.equal(stripe()(50000, 'HUF'), '500.00');
		assert.equal(stripe()(12345, 'TWD'), '123.45');
	});

	it('reads UGX as a zero-decimal currency, as Stripe lists it', () => {
		assert.equal(stripe()(5000, 'UGX'), '5000');
		assert.equal(stripe('minor')(5000, 'UGX'), 5000);
	});

	it('reads MGA without decimals, though ISO 4217 gives it two', () => {
		assert.equal(stripe()(1000, 'MGA'), '1000.00');
		assert.equal(stripe('minor')(1000, 'MGA'), 100000);
	});

	for (const code of [
		'BIF',
		'CLP',
		'DJF',
		'GNF',
		'JPY',
		'KMF',
		'KRW',
		'MGA',
		'PYG',
		'RWF',
		'UGX',
		'VND',
		'VUV',
		'XAF',
		'XOF',
		'XPF',
	]) {
		it(`reads ${code} as a zero-decimal currency`, () => {
			assert.equal(
				(stripe('object')(500, code.toLowerCase()) as { amount: string }).amount.split('.')[0],
				'500',
			);
		});
	}

	it('reads three-decimal currencies and the rest as ISO 4217 does', () => {
		assert.equal(stripe()(5120, 'KWD'), '5.120');
		assert.equal(stripe()(1999, 'USD'), '19.99');
		assert.equal(stripe()(-1999, 'EUR'), '-19.99');
	});

	it('changes nothing for the default profile (ISO 4217)', () => {
		assert.equal(money({ input: 'minor', output: 'decimal' })(50000, 'ISK'), '50000');
	});

	it('does not apply to amounts written as amounts, nor to the canonical money object', () => {
		assert.equal(money({ currency: 'ISK', output: 'minor' }, { minorUnits: 'stripe' })('500'), 500);
		assert.equal(
			money(
				{ input: 'minor', output: 'decimal' },
				{ minorUnits: 'stripe' },
			)({
				currency: 'ISK',
				amountMinor: 500,
			}),
			'500',
		);
	});
});

describe("money: writing Stripe's minor units (Output Minor Units: Stripe)", () => {
	const toStripe = (options: Partial<MoneyOptions> = {}) =>
		money({ output: 'minor', outputUnits: 'stripe', ...options });

	it('writes ISK with two decimals, as Stripe wants it', () => {
		assert.equal(toStripe()('500', 'ISK'), 50000);
		assert.equal(toStripe()({ currency: 'ISK', amountMinor: 500 }), 50000);
	});

	it('writes the zero-decimal currencies whole, MGA included', () => {
		assert.equal(toStripe()('1000.00', 'MGA'), 1000);
		assert.equal(toStripe()('500', 'JPY'), 500);
		assert.equal(toStripe()('5000', 'UGX'), 5000);
		assertConversionError(() => toStripe()('1000.50', 'MGA'), /decimal places than MGA in Stripe/);
		assert.equal(toStripe({ rounding: 'halfEven' })('1000.50', 'MGA'), 1000);
	});

	it('writes the rest as ISO 4217 does', () => {
		assert.equal(toStripe()('12.50', 'USD'), 1250);
		assert.equal(toStripe()('500.00', 'HUF'), 50000);
		assert.equal(toStripe()('-5.120', 'KWD'), -5120);
	});

	it('reads back what it writes with the Stripe profile', () => {
		for (const [amount, code] of [
			['500', 'ISK'],
			['1000.00', 'MGA'],
			['19.99', 'USD'],
		] as const) {
			const written = toStripe()(amount, code);
			assert.equal(
				money({ input: 'minor', output: 'decimal' }, { minorUnits: 'stripe' })(written, code),
				amount,
			);
		}
	});
});
