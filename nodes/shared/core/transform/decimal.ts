import { ConversionError } from './errors';
import type { DecimalStyle } from './profile';

/**
 * An exact decimal: `units / 10^scale`, sign apart. Amounts are parsed into this from
 * their text (never through a float), so "19.99" is 1999 hundredths, not
 * 19.989999999999998.
 */
export interface ExactDecimal {
	negative: boolean;
	/** The digits as an integer, without the decimal point; never negative. */
	units: bigint;
	/** How many of the digits are after the decimal point. */
	scale: number;
}

/** What to do with digits beyond the wanted precision ("12.345" as cents). */
export type Rounding = 'error' | 'halfEven' | 'halfUp';

/** Longer numeric text is refused before any parsing: a hostile item must stay cheap. */
export const MAX_NUMBER_TEXT = 64;

const GROUP_SPACES = [' ', '\u00a0', '\u202f', "'"];
const FIX_DECIMAL_STYLE =
	'Set Decimal Separator in the source profile to the style this source uses (point: 1,234.56; comma: 1.234,56).';

/**
 * A JS number as the exact decimal it prints as: 0.1 + 0.2 is 0.30000000000000004, and
 * is treated as exactly that (then refused or rounded as the caller says), never as a
 * binary fraction multiplied by 100.
 */
export function decimalFromNumber(value: number): ExactDecimal {
	if (!Number.isFinite(value))
		throw new ConversionError('is not a finite number', 'Send a real number, not NaN or Infinity.');
	const match = /^(-)?(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
	if (!match)
		throw new ConversionError(
			'is not a number that can be read exactly',
			'Send the amount as text, e.g. "12.50".',
		);
	const [, minus, whole, fraction = '', exponentText] = match;
	const exponent = exponentText === undefined ? 0 : Number(exponentText);
	let units = BigInt(whole + fraction);
	let scale = fraction.length - exponent;
	if (scale < 0) {
		units *= 10n ** BigInt(-scale);
		scale = 0;
	}
	return { negative: minus === '-' && units !== 0n, units, scale };
}

/**
 * Numeric text in a declared style: "1,234.56" (point), "1.234,56" (comma),
 * "1 234,56", "1'234.56", "(12.50)" and "12.50-" for negatives. With style 'auto' a
 * lone separator followed by exactly three digits ("1,234") could be either and is
 * refused, naming both readings.
 */
export function parseDecimalText(text: string, style: DecimalStyle): ExactDecimal {
	let body = text.trim();
	if (body.length > MAX_NUMBER_TEXT) {
		throw new ConversionError(
			`is too long to be a number (${body.length} characters)`,
			'Send the number on its own, without other text.',
		);
	}
	let negative = false;
	if (body.startsWith('(') && body.endsWith(')')) {
		negative = true;
		body = body.slice(1, -1).trim();
	}
	const sign = /^([-+\u2212])\s*|\s*(-)$/.exec(body);
	if (sign) {
		if (negative && sign[0].trim() !== '+')
			throw new ConversionError('has two minus signs', 'Send the number with one sign.');
		negative = negative || (sign[1] ?? sign[2]) !== '+';
		body = sign.index === 0 ? body.slice(sign[0].length) : body.slice(0, sign.index);
	}
	if (body === '' || !/\d/.test(body))
		throw new ConversionError('has no digits', 'Send a number such as 12.5.');
	if (/[eE]/.test(body))
		throw new ConversionError(
			'is in exponent notation',
			'Send the number written out, e.g. 1500 rather than 1.5e3.',
		);
	if (!/^[\d.,' \u00a0\u202f]+$/.test(body)) {
		throw new ConversionError(
			'has characters that are not part of a number',
			'Send only digits, one decimal separator and thousands separators.',
		);
	}
	const separator = decimalSeparator(body, style);
	const decimalAt = separator === undefined ? -1 : body.indexOf(separator);
	if (separator !== undefined && body.indexOf(separator, decimalAt + 1) !== -1) {
		throw new ConversionError(`has the decimal separator "${separator}" twice`, FIX_DECIMAL_STYLE);
	}
	const whole = decimalAt === -1 ? body : body.slice(0, decimalAt);
	const fraction = decimalAt === -1 ? '' : body.slice(decimalAt + 1);
	if (!/^\d*$/.test(fraction))
		throw new ConversionError('has separators after the decimal point', FIX_DECIMAL_STYLE);
	if (whole === '' && fraction === '')
		throw new ConversionError('has no digits', 'Send a number such as 12.5.');
	const digits = stripGroups(whole, separator);
	const units = BigInt((digits === '' ? '0' : digits) + fraction);
	return { negative: negative && units !== 0n, units, scale: fraction.length };
}

/** Which character is the decimal separator of `body`, or undefined when it has none. */
function decimalSeparator(body: string, style: DecimalStyle): '.' | ',' | undefined {
	const dot = body.includes('.');
	const comma = body.includes(',');
	if (style === 'point') return dot ? '.' : undefined;
	if (style === 'comma') return comma ? ',' : undefined;
	if (dot && comma) return body.lastIndexOf('.') > body.lastIndexOf(',') ? '.' : ',';
	const only = dot ? '.' : comma ? ',' : undefined;
	if (only === undefined) return undefined;
	const first = body.indexOf(only);
	if (first !== body.lastIndexOf(only)) return undefined; // "1,234,567": thousands
	const before = body.slice(0, first);
	const after = body.slice(first + 1);
	if (/^\d{3}$/.test(after) && /^\d{1,3}$/.test(before) && before !== '0') {
		const asDecimal = `${before}.${after}`;
		const asThousands = `${before}${after}`;
		throw new ConversionError(
			`is ambiguous: ${asDecimal} if "${only}" is the decimal separator, ${asThousands} if it separates thousands`,
			FIX_DECIMAL_STYLE,
		);
	}
	return only;
}

/** "1,234,567" → "1234567", checking that groups are in the right places. */
function stripGroups(whole: string, decimal: string | undefined): string {
	if (/^\d*$/.test(whole)) return whole;
	const groupChars = [...new Set(whole.replace(/\d/g, ''))];
	if (groupChars.length > 1) {
		throw new ConversionError(
			`mixes thousands separators (${groupChars.map((char) => JSON.stringify(char)).join(', ')})`,
			FIX_DECIMAL_STYLE,
		);
	}
	const group = groupChars[0];
	if (group === decimal)
		throw new ConversionError(
			`uses "${group}" both as decimal and thousands separator`,
			FIX_DECIMAL_STYLE,
		);
	if (!['.', ','].includes(group) && !GROUP_SPACES.includes(group)) {
		throw new ConversionError(`has "${group}" between its digits`, FIX_DECIMAL_STYLE);
	}
	const parts = whole.split(group);
	// Thousands (1,234,567), or Indian lakh/crore grouping (12,34,567).
	const thousands =
		/^\d{1,3}$/.test(parts[0]) && parts.slice(1).every((part) => /^\d{3}$/.test(part));
	const indian =
		parts.length > 2 &&
		/^\d{1,2}$/.test(parts[0]) &&
		parts.slice(1, -1).every((part) => /^\d{2}$/.test(part)) &&
		/^\d{3}$/.test(parts[parts.length - 1]);
	if (!thousands && !indian) {
		throw new ConversionError(`has thousands separators in the wrong places`, FIX_DECIMAL_STYLE);
	}
	return parts.join('');
}

/**
 * The decimal as a whole number of `10^-scale` units (cents for scale 2). Extra digits
 * are rounded as `rounding` says, or refused ('error'): money is never rounded unasked.
 */
export function toScaledUnits(
	value: ExactDecimal,
	scale: number,
	rounding: Rounding,
	unit: string,
): bigint {
	let units: bigint;
	if (value.scale <= scale) {
		units = value.units * 10n ** BigInt(scale - value.scale);
	} else {
		const divisor = 10n ** BigInt(value.scale - scale);
		const quotient = value.units / divisor;
		const remainder = value.units % divisor;
		if (remainder === 0n) units = quotient;
		else if (rounding === 'error') {
			throw new ConversionError(
				`has more decimal places than ${unit} allows (${scale})`,
				'Send the value with fewer decimal places, or set Rounding to Half Even or Half Up.',
			);
		} else {
			const twice = remainder * 2n;
			const roundUp =
				twice > divisor || (twice === divisor && (rounding === 'halfUp' || quotient % 2n === 1n));
			units = roundUp ? quotient + 1n : quotient;
		}
	}
	return value.negative ? -units : units;
}

/** 123450n at scale 2 → "1234.50"; -5n at scale 2 → "-0.05". */
export function formatScaledUnits(units: bigint, scale: number): string {
	const negative = units < 0n;
	const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
	const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
	return negative ? `-${text}` : text;
}

/** The decimal as text without trailing zeros after the point ("12.50" → "12.5"). */
export function formatDecimal(value: ExactDecimal): string {
	let { units, scale } = value;
	while (scale > 0 && units % 10n === 0n) {
		units /= 10n;
		scale--;
	}
	return formatScaledUnits(value.negative ? -units : units, scale);
}

/** A bigint as a JS number, refusing values beyond 2^53 that a number cannot hold exactly. */
export function safeNumber(units: bigint, what: string): number {
	if (units > BigInt(Number.MAX_SAFE_INTEGER) || units < -BigInt(Number.MAX_SAFE_INTEGER)) {
		throw new ConversionError(
			`is too large for ${what} as a JSON number`,
			'Output it as text instead.',
		);
	}
	return Number(units);
}
