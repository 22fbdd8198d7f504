import { Info, type Zone } from 'luxon';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';

import { normaliseCurrencyCode, type MinorUnits } from './currency';
import { cachedIanaZone } from './zones';
import { MappingError, OptionError } from './errors';

export type DateOrder = 'auto' | 'dayFirst' | 'monthFirst';
export type DecimalStyle = 'point' | 'comma' | 'auto';

/**
 * How one source system writes its values, declared once and applied to every field:
 * the difference between "03/04/2025" being 3 April or 4 March, "$" being AUD or USD,
 * "1.234" being a thousand or one.
 */
export interface SourceProfile {
	/** How to read nn/nn/yyyy dates. 'auto' reads them only when one reading fits. */
	dateOrder: DateOrder;
	/** Zone of date-times written without an offset: an IANA name, "UTC" or "UTC+10". Never the server's zone. */
	zone: string;
	/** The decimal separator of numbers and amounts. 'auto' reads "1,234" as ambiguous. */
	decimal: DecimalStyle;
	/** Currency symbol → ISO 4217 code, e.g. { "$": "AUD" }. Adds to or overrides the built-in symbols. */
	currencySymbols: Record<string, string>;
	/** Currency of amounts that carry none and have no currency field or fixed currency. */
	defaultCurrency: string | null;
	/** ISO 3166 country of phone numbers written without a country code, e.g. "AU". */
	defaultCountry: string | null;
	/**
	 * Whose table of decimals whole-number amounts (money Input: Minor Units) follow:
	 * ISO 4217, or Stripe's, where ISK has two decimals and MGA none.
	 */
	minorUnits: MinorUnits;
	/** Words that mean true and false (compared trimmed and case-insensitively). */
	trueValues: string[];
	falseValues: string[];
}

export const DEFAULT_TRUE_VALUES: readonly string[] = ['true', 't', 'yes', 'y', '1', 'on'];
export const DEFAULT_FALSE_VALUES: readonly string[] = ['false', 'f', 'no', 'n', '0', 'off'];

export const DEFAULT_PROFILE: Readonly<SourceProfile> = Object.freeze({
	dateOrder: 'auto',
	zone: 'UTC',
	decimal: 'point',
	currencySymbols: {},
	defaultCurrency: null,
	defaultCountry: null,
	minorUnits: 'iso4217',
	trueValues: [...DEFAULT_TRUE_VALUES],
	falseValues: [...DEFAULT_FALSE_VALUES],
});

/** Luxon zone names that mean "wherever the server runs": never what a source meant. */
const SERVER_ZONES = new Set(['local', 'system', 'default']);

/**
 * The Luxon zone for a name, or an OptionError naming the option. Luxon's own default
 * is the server's local zone; refusing "local" and friends keeps a workflow's results
 * the same on every machine.
 */
export function zoneFor(name: string, option: string): Zone {
	const trimmed = name.trim();
	if (trimmed === '' || SERVER_ZONES.has(trimmed.toLowerCase())) {
		throw new OptionError(
			option,
			`"${name}" is not a time zone`,
			'Give an IANA zone such as "Australia/Sydney", or "UTC", or a fixed offset such as "UTC+10".',
		);
	}
	const zone = Info.normalizeZone(trimmed);
	if (!zone.isValid || zone.type === 'system') {
		throw new OptionError(
			option,
			`"${name}" is not a time zone Luxon knows`,
			'Give an IANA zone such as "Australia/Sydney", or "UTC", or a fixed offset such as "UTC+10".',
		);
	}
	return zone.isUniversal ? zone : cachedIanaZone(zone as Zone<true>);
}

export function checkCurrencyCode(value: string, option: string): string {
	const code = normaliseCurrencyCode(value);
	if (code === undefined) {
		throw new OptionError(
			option,
			`"${value}" is not an ISO 4217 currency code with a minor unit`,
			'Use a three-letter code such as AUD, USD, EUR, JPY or KWD.',
		);
	}
	return code;
}

export function checkCountryCode(value: string, option: string): CountryCode {
	const code = value.trim().toUpperCase();
	if (!isSupportedCountry(code)) {
		throw new OptionError(
			option,
			`"${value}" is not a country phone numbers can be read for`,
			'Use a two-letter ISO 3166 code such as AU, NZ, US or GB.',
		);
	}
	return code;
}

/** A complete, checked profile from a partial one: unknown zones, codes and overlapping boolean words are errors. */
export function resolveProfile(partial: Partial<SourceProfile> = {}): SourceProfile {
	const profile: SourceProfile = {
		...DEFAULT_PROFILE,
		...partial,
		currencySymbols: { ...(partial.currencySymbols ?? {}) },
		trueValues: [...(partial.trueValues ?? DEFAULT_TRUE_VALUES)],
		falseValues: [...(partial.falseValues ?? DEFAULT_FALSE_VALUES)],
	};
	zoneFor(profile.zone, 'profile.zone');
	if (profile.defaultCurrency !== null)
		profile.defaultCurrency = checkCurrencyCode(profile.defaultCurrency, 'profile.defaultCurrency');
	if (profile.defaultCountry !== null)
		profile.defaultCountry = checkCountryCode(profile.defaultCountry, 'profile.defaultCountry');
	const symbols: Record<string, string> = {};
	for (const [symbol, code] of Object.entries(profile.currencySymbols)) {
		if (symbol.trim() === '' || /\d/.test(symbol)) {
			throw new OptionError(
				'profile.currencySymbols',
				`has the symbol "${symbol}"`,
				'A symbol is one or more characters without digits, such as "$" or "kr".',
			);
		}
		defineEntry(
			symbols,
			symbol.trim(),
			checkCurrencyCode(code, `profile.currencySymbols["${symbol}"]`),
		);
	}
	profile.currencySymbols = symbols;
	profile.trueValues = normaliseWords(profile.trueValues, 'profile.trueValues');
	profile.falseValues = normaliseWords(profile.falseValues, 'profile.falseValues');
	const overlap = profile.trueValues.filter((word) => profile.falseValues.includes(word));
	if (overlap.length > 0) {
		throw new OptionError(
			'profile.trueValues',
			`and profile.falseValues both contain ${overlap.map((word) => `"${word}"`).join(', ')}`,
			'A word can mean true or false, not both.',
		);
	}
	return profile;
}

function normaliseWords(words: readonly string[], option: string): string[] {
	const normalised = [...new Set(words.map((word) => String(word).trim().toLowerCase()))];
	if (normalised.length === 0 || normalised.includes('')) {
		throw new OptionError(
			option,
			'is empty or has an empty word',
			'List at least one word, e.g. "yes, y, true".',
		);
	}
	return normalised;
}

/** Own data property, even for a key like "__proto__": the object stays a plain record. */
function defineEntry(target: Record<string, string>, key: string, value: string): void {
	Object.defineProperty(target, key, {
		value,
		enumerable: true,
		writable: true,
		configurable: true,
	});
}

/**
 * "$=AUD, ¥=JPY" (as typed in the node's panel) → { "$": "AUD", "¥": "JPY" }. Pairs
 * are separated by commas or new lines; the code is checked by resolveProfile.
 */
export function parseCurrencySymbolList(text: string): Record<string, string> {
	const symbols: Record<string, string> = {};
	for (const pair of text.split(/[,\n]/)) {
		if (pair.trim() === '') continue;
		const separator = pair.lastIndexOf('=');
		if (separator <= 0) {
			throw new MappingError(
				`Currency Symbols has "${pair.trim()}", which is not a symbol=code pair`,
				'Write symbol=code pairs separated by commas, e.g. "$=AUD, ¥=JPY".',
			);
		}
		defineEntry(symbols, pair.slice(0, separator).trim(), pair.slice(separator + 1).trim());
	}
	return symbols;
}

/** "yes, y, 1" → ["yes", "y", "1"]. */
export function parseWordList(text: string): string[] {
	return text
		.split(/[,\n]/)
		.map((word) => word.trim())
		.filter((word) => word !== '');
}
