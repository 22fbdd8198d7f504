/*
 * The phone converter's hot path: libphonenumber-js's own decisions for one default
 * country, on its "max" metadata, with the metadata's patterns compiled once. The
 * library builds a new RegExp for every pattern it tests (about 15 µs a number).
 *
 * It answers only for a number written as digits with single spaces or hyphens between
 * groups, optionally after "+", that the library would find valid in the default
 * country itself; everything else (another country, carrier codes, international
 * prefixes, extensions, invalid numbers, errors) returns undefined and goes through the
 * library. The property test in test/unit/transform/fastPhone.property.test.ts holds it
 * equal to the library.
 */
import { Metadata } from 'libphonenumber-js/core';
import metadataJson from 'libphonenumber-js/metadata.max.json';

/** The parts of libphonenumber-js's Metadata and NumberingPlan (not in its typings) read here. */
interface TypeDefinition {
	pattern(): string;
	possibleLengths(): number[] | undefined;
}
interface NumberingPlan {
	callingCode(): string;
	IDDPrefix(): string;
	nationalNumberPattern(): string;
	possibleLengths(): number[] | undefined;
	nationalPrefixForParsing(): string | undefined;
	leadingDigits(): string | undefined;
	hasTypes(): boolean;
	type(type: string): TypeDefinition | undefined;
}
interface FullMetadata {
	selectNumberingPlan(country: string): void;
	numberingPlan: NumberingPlan;
	hasCallingCode(code: string): boolean;
	getCountryCodesForCallingCode(code: string): string[] | undefined;
}

/** getNumberType's order: fixed line first, then these. */
const TYPES = [
	'FIXED_LINE',
	'MOBILE',
	'PREMIUM_RATE',
	'TOLL_FREE',
	'SHARED_COST',
	'VOIP',
	'PERSONAL_NUMBER',
	'PAGER',
	'UAN',
	'VOICEMAIL',
];
const SHAPE = /^\+?\d+(?:[ -]\d+)*$/;
const SEPARATORS = /[ -]/g;
/** libphonenumber-js's MIN_LENGTH_FOR_NSN and MAX_LENGTH_FOR_NSN. */
const MIN_NATIONAL = 2;
const MAX_NATIONAL = 17;

interface CountryPlan {
	country: string;
	nationalNumber: RegExp;
	possibleLengths: number[] | undefined;
	leadingDigits: RegExp | undefined;
	hasTypes: boolean;
	types: Array<{ pattern: RegExp; lengths: number[] | undefined }>;
}

const whole = (pattern: string): RegExp => new RegExp(`^(?:${pattern})$`);

function countryPlan(metadata: FullMetadata, country: string): CountryPlan {
	metadata.selectNumberingPlan(country);
	const plan = metadata.numberingPlan;
	const leadingDigits = plan.leadingDigits();
	const types: CountryPlan['types'] = [];
	for (const name of TYPES) {
		const definition = plan.type(name);
		// A type without a pattern never matches (isNumberTypeEqualTo).
		if (definition === undefined || !definition.pattern()) continue;
		types.push({ pattern: whole(definition.pattern()), lengths: definition.possibleLengths() });
	}
	return {
		country,
		nationalNumber: whole(plan.nationalNumberPattern()),
		possibleLengths: plan.possibleLengths(),
		// search(...) === 0: a match that starts at the first digit.
		leadingDigits: leadingDigits ? new RegExp(`^(?:${leadingDigits})`) : undefined,
		hasTypes: plan.hasTypes(),
		types,
	};
}

/** getNumberType(...) !== undefined. */
function hasType(plan: CountryPlan, national: string): boolean {
	if (!plan.nationalNumber.test(national)) return false;
	for (const type of plan.types) {
		if (type.lengths !== undefined && !type.lengths.includes(national.length)) continue;
		if (type.pattern.test(national)) return true;
	}
	return false;
}

/** checkNumberLength(...) is neither TOO_SHORT nor INVALID_LENGTH. */
function possibleIncomplete(plan: CountryPlan, national: string): boolean {
	const lengths = plan.possibleLengths;
	if (!lengths) return true;
	const length = national.length;
	if (lengths[0] === length) return true;
	if (lengths[0] > length) return false;
	if (lengths[lengths.length - 1] < length) return true;
	return lengths.indexOf(length, 1) >= 0;
}

/**
 * The E.164 converter's fast path for one default country, or undefined when the
 * country's metadata needs what is not replicated here (no number types).
 */
export function compileFastE164(
	country: string,
): ((text: string) => string | undefined) | undefined {
	const metadata = new Metadata(metadataJson) as unknown as FullMetadata;
	metadata.selectNumberingPlan(country);
	const plan = metadata.numberingPlan;
	const callingCode = plan.callingCode();
	const iddPrefix = new RegExp(`^(?:${plan.IDDPrefix()})`);
	const prefixForParsing = plan.nationalPrefixForParsing();
	const nationalPrefix = prefixForParsing ? new RegExp(`^(?:${prefixForParsing})`) : undefined;
	const countries = (metadata.getCountryCodesForCallingCode(callingCode) ?? []).map((code) =>
		countryPlan(metadata, code),
	);
	const own = countries.find((candidate) => candidate.country === country);
	if (own === undefined || !own.hasTypes) return undefined;
	// "+<code>…" selects the calling code's main country, and the shortest calling code that prefixes the digits.
	let plusReadsOwnCode = countries[0] === own;
	for (let length = 1; length < callingCode.length; length++)
		if (metadata.hasCallingCode(callingCode.slice(0, length))) plusReadsOwnCode = false;

	/** getCountryByCallingCode: the first country whose leading digits or number types fit. */
	const countryOf = (national: string): CountryPlan | undefined => {
		if (countries.length === 1) return countries[0];
		for (const candidate of countries) {
			if (candidate.leadingDigits !== undefined) {
				if (national && candidate.leadingDigits.test(national)) return candidate;
			} else if (hasType(candidate, national)) return candidate;
		}
		return undefined;
	};
	/** countryOf(national) === own && hasType(own, national), without testing the same patterns twice. */
	const validInOwnCountry = (national: string): boolean => {
		if (countryOf(national) !== own) return false;
		// Chosen by its number types, so it has one.
		if (countries.length > 1 && own.leadingDigits === undefined) return true;
		return hasType(own, national);
	};

	/** extractNationalNumber, declining where the library would keep the prefix or read a carrier code. */
	const nationalOf = (digits: string): string | undefined => {
		if (nationalPrefix === undefined) return digits;
		const match = nationalPrefix.exec(digits);
		if (match === null) return digits;
		const groups = match.length - 1;
		if (groups > 0 && match[groups]) return undefined;
		const national = digits.slice(match[0].length);
		if (national === digits) return digits;
		if (own.nationalNumber.test(digits) && !own.nationalNumber.test(national)) return undefined;
		if (own.possibleLengths && !possibleIncomplete(countryOf(national) ?? own, national))
			return undefined;
		return national;
	};

	return (text) => {
		if (text.length > 100 || !SHAPE.test(text)) return undefined;
		let digits = text.replace(SEPARATORS, '');
		if (digits.charCodeAt(0) === 43 /* + */) {
			if (!plusReadsOwnCode || !digits.startsWith(callingCode, 1)) return undefined;
			digits = digits.slice(1 + callingCode.length);
		} else if (
			digits.length < 3 ||
			iddPrefix.test(digits) ||
			// Read as an international number without its "+" when that fits better.
			digits.startsWith(callingCode)
		)
			return undefined;
		const national = nationalOf(digits);
		if (
			national === undefined ||
			national.length < MIN_NATIONAL ||
			national.length > MAX_NATIONAL ||
			!validInOwnCountry(national)
		)
			return undefined;
		return `+${callingCode}${national}`;
	};
}
