/*
 * libphonenumber-js with its "max" metadata, not the default "min": min checks only a
 * number's length, so it passes numbers no carrier can have (for example
 * +1 473 392 1330, a Grenada number of the right length in an unassigned range). This
 * converter's contract is that invalid numbers are errors, which needs the national
 * number patterns only max carries. The price is about 75 kB more in the shared
 * bundle, loaded once per n8n process.
 */
import {
	ParseError,
	parsePhoneNumberWithError,
	type CountryCode,
	type PhoneNumber,
} from 'libphonenumber-js/max';

import type { JsonValue } from '../json';
import { ConversionError, describeType } from './errors';
import { compileFastE164 } from './fastPhone';
import { checkCountryCode, type SourceProfile } from './profile';

export type PhoneFormat = 'e164' | 'international' | 'national' | 'rfc3966';

export interface PhoneOptions {
	/** ISO 3166 country for numbers without a country code; null uses the profile's. */
	country: string | null;
	/** 'e164' "+61298765432"; 'international' "+61 2 9876 5432"; 'national' "(02) 9876 5432"; 'rfc3966' "tel:+61298765432". */
	format: PhoneFormat;
}

const MAX_PHONE_TEXT = 100;

const PARSE_FAILURES: Record<string, string> = {
	INVALID_COUNTRY: 'has no country code, and no default country is set',
	NOT_A_NUMBER: 'is not a phone number',
	TOO_SHORT: 'is too short to be a phone number',
	TOO_LONG: 'is too long to be a phone number',
	INVALID_LENGTH: 'has a length no phone number has',
};

export function compilePhone(
	options: PhoneOptions,
	profile: SourceProfile,
	/** false: the library only, the oracle of the fast path's property test. */
	fastPath = true,
): (value: unknown) => JsonValue {
	const countryText = options.country ?? profile.defaultCountry;
	const country: CountryCode | undefined =
		countryText === null
			? undefined
			: checkCountryCode(
					countryText,
					options.country === null ? 'profile.defaultCountry' : 'options.country',
				);
	const write = phoneWriter(options.format);
	const convert = (value: unknown): JsonValue => write(parsePhone(value, country));
	if (!fastPath) return convert;
	const fast =
		options.format === 'e164' && country !== undefined ? compileFastE164(country) : undefined;
	const memo = new Memo();
	return (value) => {
		const text =
			typeof value === 'string'
				? value.trim()
				: typeof value === 'number' && Number.isSafeInteger(value) && value > 0
					? String(value)
					: undefined;
		if (text === undefined) return convert(value);
		const known = fast?.(text) ?? memo.get(text);
		if (known !== undefined) return known;
		const converted = convert(value);
		memo.set(text, converted);
		return converted;
	};
}

/** Numbers the library converted, by text: the same number repeats across items (one customer, many invoices). */
const MEMO_SIZE = 10_000;

/** A bounded least-recently-used memo; the library is a pure function of the text. */
class Memo {
	private readonly entries = new Map<string, JsonValue>();

	get(text: string): JsonValue | undefined {
		const value = this.entries.get(text);
		if (value !== undefined) {
			this.entries.delete(text);
			this.entries.set(text, value);
		}
		return value;
	}

	set(text: string, value: JsonValue): void {
		if (this.entries.size >= MEMO_SIZE) this.entries.delete(this.entries.keys().next().value!);
		this.entries.set(text, value);
	}
}

function parsePhone(value: unknown, country: CountryCode | undefined): PhoneNumber {
	let text: string;
	if (typeof value === 'string') text = value.trim();
	else if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0)
		text = String(value);
	else
		throw new ConversionError(
			`is ${describeType(value)}, not a phone number`,
			'Send the phone number as text, e.g. "+61 2 9876 5432".',
		);
	if (text.length > MAX_PHONE_TEXT) {
		throw new ConversionError(
			`is too long to be a phone number (${text.length} characters)`,
			'Send the phone number on its own.',
		);
	}
	if (/^tel:/i.test(text)) text = fromTelUri(text);
	let phone: PhoneNumber;
	try {
		// extract: false — "call +61 2 9876 5432 after 5" is not a phone number field.
		phone = parsePhoneNumberWithError(text, { defaultCountry: country, extract: false });
	} catch (error) {
		if (error instanceof ParseError) {
			throw new ConversionError(
				PARSE_FAILURES[error.message] ?? `cannot be read as a phone number (${error.message})`,
				country === undefined
					? 'Send the number with its country code (+61 …), or set Default Country in the source profile or on the field.'
					: 'Correct the number at the source.',
			);
		}
		throw error;
	}
	if (!phone.isValid()) {
		throw new ConversionError(
			`is not a valid ${phone.country ?? `+${phone.countryCallingCode}`} phone number`,
			country === undefined || phone.country === country
				? 'Correct the number at the source; check the country code and the number of digits.'
				: `Correct the number at the source, or check that the Default Country (${country}) is right.`,
		);
	}
	return phone;
}

/**
 * "tel:+61-2-9876-5432;ext=12" (RFC 3966, what the RFC 3966 format writes) →
 * "+61-2-9876-5432 ext. 12"; a local number takes its ";phone-context=+61" prefix.
 */
function fromTelUri(text: string): string {
	const [number, ...parameters] = text.slice(4).split(';');
	let extension: string | undefined;
	let context = '';
	for (const parameter of parameters) {
		const [name, value = ''] = parameter.split('=');
		if (name.toLowerCase() === 'ext') extension = value;
		else if (name.toLowerCase() === 'phone-context' && value.startsWith('+')) context = value;
	}
	if (!/\d/.test(number)) {
		throw new ConversionError(
			'is a tel: URI without a phone number',
			'Send a URI such as "tel:+61-2-9876-5432", or the number alone.',
		);
	}
	const full = number.startsWith('+') ? number : `${context}${number}`;
	return extension === undefined ? full : `${full} ext. ${extension}`;
}

function phoneWriter(format: PhoneFormat): (phone: PhoneNumber) => JsonValue {
	switch (format) {
		case 'e164':
			return (phone) => {
				// E.164 has no room for an extension: dropping it silently would lose data.
				if (phone.ext !== undefined) {
					throw new ConversionError(
						`has the extension ${phone.ext}, which E.164 cannot carry`,
						'Choose the International or RFC 3966 format for this field.',
					);
				}
				return phone.number;
			};
		case 'international':
			return (phone) => phone.formatInternational();
		case 'national':
			return (phone) => phone.formatNational();
		case 'rfc3966':
			return (phone) => phone.format('RFC3966');
	}
}
