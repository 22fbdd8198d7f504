import type { JsonValue } from '../json';
import { isPlainObject } from '../json';
import {
	currenciesForSymbol,
	currencyExponent,
	minorUnitExponent,
	normaliseCurrencyCode,
	type MinorUnits,
} from './currency';
import {
	decimalFromNumber,
	formatScaledUnits,
	parseDecimalText,
	safeNumber,
	toScaledUnits,
	type ExactDecimal,
	type Rounding,
} from './decimal';
import { ConversionError, describeType, showValue } from './errors';
import { checkCurrencyCode, type DecimalStyle, type SourceProfile } from './profile';

export type MoneyInput = 'amount' | 'minor';
export type MoneyOutput = 'minor' | 'decimal' | 'number' | 'object' | 'text';

export interface MoneyOptions {
	/** 'amount': as written ("1,234.50", 1234.5, "AUD 12.50"); 'minor': whole minor units (cents), as Stripe sends them. */
	input: MoneyInput;
	/** Fixed ISO 4217 currency for every value, e.g. "AUD". */
	currency: string | null;
	/** Path of a field holding the currency code, e.g. "CurrencyCode" (read from the same item). */
	currencyField: string | null;
	/**
	 * 'minor': integer minor units; 'decimal': text with the currency's ISO 4217 digits
	 * ("1234.50", JPY "1235", KWD "1.500"); 'number': the same as a JSON number, for APIs
	 * that want numbers; 'object': { currency, amount, amountMinor }; 'text': "AUD 1234.50".
	 */
	output: MoneyOutput;
	/** Digits beyond the currency's exponent: refused ('error', default) or rounded. */
	rounding: Rounding;
	/** Output 'minor' in ISO 4217's table (default) or Stripe's, to send to Stripe: ISK 500 kr is 50000. */
	outputUnits?: MinorUnits;
}

/** The canonical money object ('object' output, and accepted as input). */
export interface MoneyObject {
	currency: string;
	amount: string;
	amountMinor: number;
	[key: string]: JsonValue;
}

/** Where a currency came from, for messages: "AUD (currency field)". */
interface CurrencyHint {
	codes: readonly string[];
	from: string;
}

const MAX_MONEY_TEXT = 100;
const FIX_CURRENCY =
	'Give the currency: a Currency Field, a fixed Currency, or Default Currency in the source profile.';

/**
 * Compiles the money converter. Amounts are parsed from their text into exact
 * decimals and counted in the currency's ISO 4217 minor units as bigints: no
 * floating-point arithmetic touches an amount, ever.
 */
export function compileMoney(
	options: MoneyOptions,
	profile: SourceProfile,
): (value: unknown, fieldCurrency: unknown) => JsonValue {
	const fixed =
		options.currency === null ? null : checkCurrencyCode(options.currency, 'options.currency');
	const write =
		options.output === 'minor' && options.outputUnits === 'stripe'
			? stripeMinorWriter(options.rounding)
			: moneyWriter(options.output);
	return (value, fieldCurrency) => {
		const hints: CurrencyHint[] = [];
		if (fieldCurrency !== undefined && fieldCurrency !== null && fieldCurrency !== '')
			hints.push(currencyFromField(fieldCurrency));
		if (fixed !== null) hints.push({ codes: [fixed], from: 'the fixed Currency' });
		const { amount, written } = readAmount(value, options.input, profile);
		hints.push(...written);
		const currency = resolveCurrency(hints, profile.defaultCurrency);
		const exponent = currencyExponent(currency)!;
		const minor =
			amount.kind === 'minor'
				? amount.units
				: amount.kind === 'sourceMinor'
					? fromSourceMinor(amount.units, currency, exponent, profile, options.rounding)
					: toScaledUnits(amount.value, exponent, options.rounding, currency);
		return write(minor, currency, exponent);
	};
}

/** 'sourceMinor': whole units in the source's table (Stripe's); 'minor': ISO 4217 minor units. */
type Amount =
	| { kind: 'decimal'; value: ExactDecimal }
	| { kind: 'minor'; units: bigint }
	| { kind: 'sourceMinor'; units: bigint };

/** A source's whole-number amount in ISO 4217 minor units: Stripe's ISK 50000 is 500 kr. */
function fromSourceMinor(
	units: bigint,
	currency: string,
	exponent: number,
	profile: SourceProfile,
	rounding: Rounding,
): bigint {
	const written = minorUnitExponent(currency, profile.minorUnits)!;
	if (written === exponent) return units;
	const negative = units < 0n;
	return toScaledUnits(
		{ negative, units: negative ? -units : units, scale: written },
		exponent,
		rounding,
		currency,
	);
}

function readAmount(
	value: unknown,
	input: MoneyInput,
	profile: SourceProfile,
): { amount: Amount; written: CurrencyHint[] } {
	if (typeof value === 'number') {
		if (input === 'minor')
			return { amount: { kind: 'sourceMinor', units: minorFromNumber(value) }, written: [] };
		return { amount: { kind: 'decimal', value: decimalFromNumber(value) }, written: [] };
	}
	if (typeof value === 'string') {
		if (input === 'minor') {
			const text = value.trim();
			if (!/^[-+]?\d{1,20}$/.test(text)) {
				throw new ConversionError(
					'is not a whole number of minor units',
					'Send minor units as an integer (1250 for 12.50), or set Input to Amount.',
				);
			}
			return { amount: { kind: 'sourceMinor', units: BigInt(text) }, written: [] };
		}
		const parsed = parseMoneyText(value, profile);
		return { amount: { kind: 'decimal', value: parsed.value }, written: parsed.currencies };
	}
	if (isPlainObject(value)) return readMoneyObject(value, input);
	throw new ConversionError(
		`is ${describeType(value)}, not an amount of money`,
		'Send a number, text such as "AUD 12.50", or { currency, amount }.',
	);
}

function minorFromNumber(value: number): bigint {
	if (!Number.isSafeInteger(value)) {
		throw new ConversionError(
			'is not a whole number of minor units',
			'Send minor units as an integer (1250 for 12.50), or set Input to Amount.',
		);
	}
	return BigInt(value);
}

/** { currency, amountMinor } or { currency, amount } — our own 'object' output read back. */
function readMoneyObject(
	value: Record<string, unknown>,
	input: MoneyInput,
): { amount: Amount; written: CurrencyHint[] } {
	const currency = value.currency;
	if (typeof currency !== 'string') {
		throw new ConversionError(
			'is an object without a "currency" text',
			'Send { currency: "AUD", amount: "12.50" } or { currency: "AUD", amountMinor: 1250 }.',
		);
	}
	const written = [currencyFromField(currency, "the object's currency")];
	if (Object.prototype.hasOwnProperty.call(value, 'amountMinor')) {
		const minor = value.amountMinor;
		if (typeof minor === 'number')
			return { amount: { kind: 'minor', units: minorFromNumber(minor) }, written };
		if (typeof minor === 'string' && /^[-+]?\d{1,20}$/.test(minor.trim()))
			return { amount: { kind: 'minor', units: BigInt(minor.trim()) }, written };
		throw new ConversionError(
			'has an "amountMinor" that is not a whole number',
			'Send amountMinor as an integer.',
		);
	}
	if (!Object.prototype.hasOwnProperty.call(value, 'amount')) {
		throw new ConversionError(
			'is an object without "amount" or "amountMinor"',
			'Send { currency: "AUD", amount: "12.50" }.',
		);
	}
	const amount = value.amount;
	if (input === 'minor') {
		if (typeof amount === 'number')
			return { amount: { kind: 'minor', units: minorFromNumber(amount) }, written };
		if (typeof amount === 'string' && /^[-+]?\d{1,20}$/.test(amount.trim()))
			return { amount: { kind: 'minor', units: BigInt(amount.trim()) }, written };
		throw new ConversionError(
			'has an "amount" that is not a whole number of minor units',
			'Send amount as an integer, or set Input to Amount.',
		);
	}
	if (typeof amount === 'number')
		return { amount: { kind: 'decimal', value: decimalFromNumber(amount) }, written };
	if (typeof amount === 'string')
		return { amount: { kind: 'decimal', value: parseDecimalText(amount, 'point') }, written };
	throw new ConversionError(
		`has an "amount" that is ${describeType(amount)}`,
		'Send amount as a number or as text such as "12.50".',
	);
}

function currencyFromField(value: unknown, from = 'the currency field'): CurrencyHint {
	const code = typeof value === 'string' ? normaliseCurrencyCode(value) : undefined;
	if (code === undefined) {
		throw new ConversionError(
			`has the currency ${showValue(value)} (${from}), which is not an ISO 4217 code`,
			'Send a three-letter code such as AUD, USD or JPY.',
		);
	}
	return { codes: [code], from };
}

/**
 * Text such as "$1,234.56", "1.234,56 €", "AUD 12.50", "-A$5", "(12.00)": the amount
 * as an exact decimal, and every currency the text names (by code or symbol).
 */
export function parseMoneyText(
	text: string,
	profile: Pick<SourceProfile, 'decimal' | 'currencySymbols'>,
): { value: ExactDecimal; currencies: CurrencyHint[] } {
	let body = text.trim();
	if (body.length > MAX_MONEY_TEXT) {
		throw new ConversionError(
			`is too long to be an amount (${body.length} characters)`,
			'Send the amount on its own, without other text.',
		);
	}
	let negative = false;
	if (body.startsWith('(') && body.endsWith(')')) {
		negative = true;
		body = body.slice(1, -1).trim();
	}
	const start = body.search(/\d|[.,]\d/);
	if (start === -1) throw new ConversionError('has no digits', 'Send an amount such as "12.50".');
	let end = body.length - 1;
	while (!/\d/.test(body[end])) end--;
	const core = body.slice(start, end + 1);
	const around = `${body.slice(0, start)} ${body.slice(end + 1)}`;
	const signs = around.match(/[-+\u2212]/g) ?? [];
	if (signs.length > 1 || (negative && signs.length > 0))
		throw new ConversionError('has more than one sign', 'Send the amount with one sign.');
	if (signs.length === 1 && signs[0] !== '+') negative = true;
	const currencies: CurrencyHint[] = [];
	for (const token of around.replace(/[-+\u2212]/g, ' ').split(/\s+/)) {
		if (token !== '') currencies.push(currencyFromToken(token, profile.currencySymbols));
	}
	const value = parseDecimalText(core, profile.decimal as DecimalStyle);
	return {
		value: { ...value, negative: negative !== value.negative && value.units !== 0n },
		currencies,
	};
}

function currencyFromToken(token: string, declared: Record<string, string>): CurrencyHint {
	const bare = token.length > 1 && token.endsWith('.') ? token.slice(0, -1) : token;
	if (Object.prototype.hasOwnProperty.call(declared, bare))
		return { codes: [declared[bare]], from: `"${bare}" as the profile declares it` };
	if (/^[A-Za-z]{3}$/.test(bare)) {
		const code = normaliseCurrencyCode(bare);
		if (code !== undefined) return { codes: [code], from: `"${bare}"` };
	}
	const codes = currenciesForSymbol(bare);
	if (codes === undefined) {
		throw new ConversionError(
			`has "${bare}" next to the amount, which is neither an ISO 4217 code nor a currency symbol we know`,
			`Declare the symbol in the source profile's Currency Symbols (e.g. "${bare}=AUD"), or remove it at the source.`,
		);
	}
	return { codes, from: `"${bare}"` };
}

/** The one currency every hint allows, or an error that says why there is none or more than one. */
function resolveCurrency(hints: CurrencyHint[], defaultCurrency: string | null): string {
	if (hints.length === 0) {
		if (defaultCurrency !== null) return defaultCurrency;
		throw new ConversionError('has no currency', FIX_CURRENCY);
	}
	let candidates = hints[0].codes;
	for (const hint of hints.slice(1)) {
		const common = candidates.filter((code) => hint.codes.includes(code));
		if (common.length === 0) {
			throw new ConversionError(
				`has conflicting currencies: ${describeHint(hints[0])} but ${describeHint(hint)}`,
				'Make the amount and its currency agree at the source, or check the Currency Field and fixed Currency.',
			);
		}
		candidates = common;
	}
	if (candidates.length === 1) return candidates[0];
	if (defaultCurrency !== null && candidates.includes(defaultCurrency)) return defaultCurrency;
	const symbol = hints.find((hint) => hint.codes.length > 1)!;
	throw new ConversionError(
		`is ambiguous: ${symbol.from} is used by ${candidates.slice(0, 6).join(', ')}${candidates.length > 6 ? ' and others' : ''}`,
		`Declare the symbol in the source profile's Currency Symbols (e.g. ${symbol.from.replace(/"/g, '')}=AUD), or give a Currency Field, fixed Currency or Default Currency.`,
	);
}

function describeHint(hint: CurrencyHint): string {
	return hint.codes.length === 1 ? `${hint.codes[0]} from ${hint.from}` : hint.from;
}

/** ISO 4217 minor units → Stripe's: ISK 500 → 50000, MGA 100000 (1000.00) → 1000. */
function stripeMinorWriter(
	rounding: Rounding,
): (minor: bigint, currency: string, exponent: number) => JsonValue {
	return (minor, currency, exponent) => {
		const stripe = minorUnitExponent(currency, 'stripe')!;
		const negative = minor < 0n;
		const units =
			stripe === exponent
				? minor
				: toScaledUnits(
						{ negative, units: negative ? -minor : minor, scale: exponent },
						stripe,
						rounding,
						`${currency} in Stripe`,
					);
		return safeNumber(units, `${currency} minor units`);
	};
}

function moneyWriter(
	output: MoneyOutput,
): (minor: bigint, currency: string, exponent: number) => JsonValue {
	switch (output) {
		case 'minor':
			return (minor, currency) => safeNumber(minor, `${currency} minor units`);
		case 'decimal':
			return (minor, _currency, exponent) => formatScaledUnits(minor, exponent);
		case 'number':
			// Number() of the exact decimal text: the nearest double, no arithmetic on it.
			return (minor, currency, exponent) => {
				safeNumber(minor, `${currency} minor units`);
				return Number(formatScaledUnits(minor, exponent));
			};
		case 'object':
			return (minor, currency, exponent): MoneyObject => ({
				currency,
				amount: formatScaledUnits(minor, exponent),
				amountMinor: safeNumber(minor, `${currency} minor units`),
			});
		case 'text':
			return (minor, currency, exponent) => `${currency} ${formatScaledUnits(minor, exponent)}`;
	}
}
