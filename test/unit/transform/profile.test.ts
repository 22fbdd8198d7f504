import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MappingError } from '../../../nodes/shared/core/transform/errors';
import {
	DEFAULT_PROFILE,
	parseCurrencySymbolList,
	parseWordList,
	resolveProfile,
} from '../../../nodes/shared/core/transform/profile';
import { currencyExponent } from '../../../nodes/shared/core/transform/currency';
import { assertOptionError } from './helpers';

describe('source profile', () => {
	it('defaults to UTC, point decimals, no date order, no currency, the usual yes/no words', () => {
		assert.deepEqual(resolveProfile(), { ...DEFAULT_PROFILE, currencySymbols: {} });
	});

	it('normalises codes, countries and words', () => {
		const profile = resolveProfile({
			defaultCurrency: 'aud',
			defaultCountry: 'au',
			trueValues: [' JA ', 'ja'],
			falseValues: ['Nein'],
			currencySymbols: { ' $ ': 'nzd' },
		});
		assert.equal(profile.defaultCurrency, 'AUD');
		assert.equal(profile.defaultCountry, 'AU');
		assert.deepEqual(profile.trueValues, ['ja']);
		assert.deepEqual(profile.falseValues, ['nein']);
		assert.deepEqual(profile.currencySymbols, { $: 'NZD' });
	});

	it('refuses what cannot work', () => {
		assertOptionError(() => resolveProfile({ zone: 'local' }), /profile\.zone/);
		assertOptionError(() => resolveProfile({ zone: '' }), /profile\.zone/);
		assertOptionError(() => resolveProfile({ defaultCurrency: 'XXX' }), /defaultCurrency/);
		assertOptionError(() => resolveProfile({ defaultCountry: 'ZZ' }), /defaultCountry/);
		assertOptionError(
			() => resolveProfile({ currencySymbols: { $: 'DOLLAR' } }),
			/currencySymbols/,
		);
		assertOptionError(() => resolveProfile({ currencySymbols: { '1': 'AUD' } }), /currencySymbols/);
		assertOptionError(() => resolveProfile({ trueValues: [] }), /trueValues/);
		assertOptionError(
			() => resolveProfile({ trueValues: ['Y'], falseValues: ['y'] }),
			/both contain/,
		);
	});

	it('keeps a "__proto__" symbol as data', () => {
		const profile = resolveProfile({
			currencySymbols: JSON.parse('{"__proto__": "AUD"}') as Record<string, string>,
		});
		assert.equal(Object.getPrototypeOf(profile.currencySymbols), Object.prototype);
		assert.equal(
			Object.getOwnPropertyDescriptor(profile.currencySymbols, '__proto__')?.value,
			'AUD',
		);
	});

	it("parses the panel's lists", () => {
		assert.deepEqual(
			{ ...parseCurrencySymbolList('$=AUD, ¥ = JPY\nkr=SEK') },
			{ $: 'AUD', '¥': 'JPY', kr: 'SEK' },
		);
		assert.throws(() => parseCurrencySymbolList('$AUD'), MappingError);
		assert.deepEqual(parseWordList('yes, y,, 1 '), ['yes', 'y', '1']);
	});
});

describe('ISO 4217 exponents', () => {
	for (const [code, exponent] of [
		['JPY', 0],
		['USD', 2],
		['AUD', 2],
		['KWD', 3],
		['BHD', 3],
		['CLF', 4],
		['ISK', 0],
		['VND', 0],
	] as const) {
		it(`${code} has ${exponent}`, () => assert.equal(currencyExponent(code), exponent));
	}
	it('knows no code without a minor unit', () => {
		for (const code of ['XAU', 'XDR', 'XTS', 'XXX', 'aud', '__proto__', 'constructor'])
			assert.equal(currencyExponent(code), undefined, code);
	});
});
