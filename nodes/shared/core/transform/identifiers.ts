import type { JsonValue } from '../json';
import { ConversionError, describeType } from './errors';

export type IdentifierFormat = 'digits' | 'formatted';

export interface IdentifierOptions {
	/** 'digits': "51824753556"; 'formatted': "51 824 753 556" (ABN) or "004 085 616" (ACN). */
	format: IdentifierFormat;
}

interface IdentifierKind {
	name: string;
	length: number;
	/** Prefixes a source may write before the number ("ABN 51 824 753 556"). */
	prefixes: readonly string[];
	/** Digit group sizes of the formatted output. */
	groups: readonly number[];
	valid(digits: string): boolean;
}

const ABN_WEIGHTS = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];
const ACN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 1];

/**
 * Australian Business Number: 11 digits; subtract 1 from the first digit, weight the
 * digits 10, 1, 3, 5 … 19, and the sum is divisible by 89 (ATO's published algorithm).
 */
export function isValidAbn(digits: string): boolean {
	if (!/^\d{11}$/.test(digits) || digits[0] === '0') return false;
	let sum = 0;
	for (let index = 0; index < 11; index++)
		sum += (Number(digits[index]) - (index === 0 ? 1 : 0)) * ABN_WEIGHTS[index];
	return sum % 89 === 0;
}

/**
 * Australian Company Number (and ARBN, same rule): 9 digits; weight the first eight
 * 8 … 1, and the ninth is (10 - sum mod 10) mod 10 (ASIC's published algorithm).
 */
export function isValidAcn(digits: string): boolean {
	if (!/^\d{9}$/.test(digits)) return false;
	let sum = 0;
	for (let index = 0; index < 8; index++) sum += Number(digits[index]) * ACN_WEIGHTS[index];
	return (10 - (sum % 10)) % 10 === Number(digits[8]);
}

const ABN: IdentifierKind = {
	name: 'ABN',
	length: 11,
	prefixes: ['ABN'],
	groups: [2, 3, 3, 3],
	valid: isValidAbn,
};
const ACN: IdentifierKind = {
	name: 'ACN',
	length: 9,
	prefixes: ['ACN', 'ARBN'],
	groups: [3, 3, 3],
	valid: isValidAcn,
};

export function compileAbn(options: IdentifierOptions): (value: unknown) => JsonValue {
	return compileIdentifier(ABN, options);
}

export function compileAcn(options: IdentifierOptions): (value: unknown) => JsonValue {
	return compileIdentifier(ACN, options);
}

function compileIdentifier(
	kind: IdentifierKind,
	options: IdentifierOptions,
): (value: unknown) => JsonValue {
	const prefix = new RegExp(`^(?:${kind.prefixes.join('|')})\\s*[:#]?\\s*`, 'i');
	return (value) => {
		const digits = identifierDigits(value, kind, prefix);
		if (digits.length !== kind.length) {
			throw new ConversionError(
				`has ${digits.length} digits; an ${kind.name} has ${kind.length}`,
				`Correct the ${kind.name} at the source.`,
			);
		}
		if (!kind.valid(digits)) {
			throw new ConversionError(
				`fails the ${kind.name} check digits (a typo, or not an ${kind.name})`,
				`Correct the ${kind.name} at the source; check it on the Australian Business Register.`,
			);
		}
		return options.format === 'digits' ? digits : group(digits, kind.groups);
	};
}

function identifierDigits(value: unknown, kind: IdentifierKind, prefix: RegExp): string {
	if (typeof value === 'number') {
		if (!Number.isSafeInteger(value) || value < 0)
			throw new ConversionError(`is not an ${kind.name}`, `Send the ${kind.name} as text.`);
		// A number has lost its leading zeros (ACN 004 085 616 → 4085616); the length is fixed, so they can be put back.
		return String(value).padStart(kind.length, '0');
	}
	if (typeof value !== 'string')
		throw new ConversionError(
			`is ${describeType(value)}, not an ${kind.name}`,
			`Send the ${kind.name} as text.`,
		);
	const text = value.trim().replace(prefix, '');
	if (text.length > 40 || !/^[\d\s.\-\u00a0]+$/.test(text)) {
		throw new ConversionError(
			`has characters an ${kind.name} cannot have`,
			`Send only the digits, spaces and an optional "${kind.prefixes[0]}" prefix.`,
		);
	}
	return text.replace(/\D/g, '');
}

function group(digits: string, sizes: readonly number[]): string {
	const parts: string[] = [];
	let start = 0;
	for (const size of sizes) {
		parts.push(digits.slice(start, start + size));
		start += size;
	}
	return parts.join(' ');
}
