import type { JsonValue } from '../json';
import {
	decimalFromNumber,
	formatDecimal,
	formatScaledUnits,
	parseDecimalText,
	safeNumber,
	toScaledUnits,
	type ExactDecimal,
	type Rounding,
} from './decimal';
import { ConversionError, OptionError, describeType } from './errors';
import type { SourceProfile } from './profile';

export type NumberOutput = 'number' | 'text';

export interface NumberOptions {
	/** Decimal places of the output; null keeps the value as it is. */
	decimals: number | null;
	/** How to drop extra decimal places. */
	rounding: Rounding;
	/** 'number': a JSON number; 'text': the exact decimal as text ("1234.50"). */
	output: NumberOutput;
}

/** Numbers and numeric text in the profile's decimal style ("1.234,5" with a decimal comma). */
export function compileNumber(
	options: NumberOptions,
	profile: SourceProfile,
): (value: unknown) => JsonValue {
	const { decimals } = options;
	if (decimals !== null && (!Number.isInteger(decimals) || decimals < 0 || decimals > 20)) {
		throw new OptionError(
			'options.decimals',
			`is ${decimals}`,
			'Give a whole number from 0 to 20, or leave it empty to keep the value as it is.',
		);
	}
	return (value) => {
		const exact = readNumber(value, profile);
		if (decimals === null) {
			if (options.output === 'text') return formatDecimal(exact);
			if (typeof value === 'number') return value;
			return toJsonNumber(exact);
		}
		const units = toScaledUnits(exact, decimals, options.rounding, 'this field');
		const text = formatScaledUnits(units, decimals);
		if (options.output === 'text') return text;
		safeNumber(units, 'this number');
		return Number(text);
	};
}

function readNumber(value: unknown, profile: SourceProfile): ExactDecimal {
	if (typeof value === 'number') return decimalFromNumber(value);
	if (typeof value === 'string') return parseDecimalText(value, profile.decimal);
	throw new ConversionError(
		`is ${describeType(value)}, not a number`,
		'Send a number or numeric text.',
	);
}

/** Parsed text as a JSON number, refusing integers a double cannot hold exactly. */
function toJsonNumber(exact: ExactDecimal): number {
	const text = formatDecimal(exact);
	const integerDigits = text.replace(/^-/, '').split('.')[0];
	if (integerDigits.length > 15) safeNumber(BigInt(text.replace(/\..*$/, '')), 'this number');
	return Number(text);
}
