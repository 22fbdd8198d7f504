import type { JsonValue } from '../json';
import { ConversionError, describeType } from './errors';
import type { SourceProfile } from './profile';

export type BooleanOutput = 'boolean' | 'number' | 'pair';

export interface BooleanOptions {
	/** 'boolean': true/false; 'number': 1/0; 'pair': trueValue/falseValue (e.g. "Y"/"N"). */
	output: BooleanOutput;
	trueValue: JsonValue;
	falseValue: JsonValue;
}

/** Reads the profile's true and false words (trimmed, any case); anything else is an error, never false. */
export function compileBoolean(
	options: BooleanOptions,
	profile: SourceProfile,
): (value: unknown) => JsonValue {
	const words = new Map<string, boolean>();
	for (const word of profile.trueValues) words.set(word, true);
	for (const word of profile.falseValues) words.set(word, false);
	const [yes, no]: [JsonValue, JsonValue] =
		options.output === 'boolean'
			? [true, false]
			: options.output === 'number'
				? [1, 0]
				: [options.trueValue, options.falseValue];
	const accepted = [...profile.trueValues, ...profile.falseValues].slice(0, 12).join(', ');
	return (value) => {
		let meaning: boolean | undefined;
		if (typeof value === 'boolean') meaning = value;
		else if ((typeof value === 'string' && value.length <= 100) || typeof value === 'number')
			meaning = words.get(String(value).trim().toLowerCase());
		else if (typeof value !== 'string')
			throw new ConversionError(
				`is ${describeType(value)}, not a yes/no value`,
				`Send one of: ${accepted}.`,
			);
		if (meaning === undefined) {
			throw new ConversionError(
				`is not one of the true or false words (${accepted})`,
				'Add the word to True Values or False Values in the source profile, or correct the value at the source.',
			);
		}
		return meaning ? yes : no;
	};
}
