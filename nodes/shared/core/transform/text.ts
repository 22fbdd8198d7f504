import type { JsonValue } from '../json';
import { ConversionError, OptionError, describeType } from './errors';

export type TextCase = 'keep' | 'lower' | 'upper' | 'title';

export interface StringOptions {
	trim: boolean;
	case: TextCase;
	/** Runs of spaces, tabs and new lines become one space. */
	collapseWhitespace: boolean;
	/** An empty result becomes null. */
	emptyToNull: boolean;
	/** Longer results are errors (not cut: a cut name or address is wrong data); null for no limit. */
	maxLength: number | null;
}

export function compileString(options: StringOptions): (value: unknown) => JsonValue {
	const { maxLength } = options;
	if (maxLength !== null && (!Number.isInteger(maxLength) || maxLength < 1)) {
		throw new OptionError(
			'options.maxLength',
			`is ${maxLength}`,
			'Give a whole number of characters above 0, or leave it empty.',
		);
	}
	return (value) => {
		let text: string;
		if (typeof value === 'string') text = value;
		else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
		else
			throw new ConversionError(
				`is ${describeType(value)}, not text`,
				'Map a field that holds text, or use Copy to keep the value as it is.',
			);
		if (options.collapseWhitespace) text = text.replace(/\s+/g, ' ');
		if (options.trim) text = text.trim();
		text = changeCase(text, options.case);
		if (text === '' && options.emptyToNull) return null;
		if (maxLength !== null && [...text].length > maxLength) {
			throw new ConversionError(
				`is longer than ${maxLength} characters`,
				`Shorten it at the source, or raise Max Length.`,
			);
		}
		return text;
	};
}

function changeCase(text: string, textCase: TextCase): string {
	switch (textCase) {
		case 'keep':
			return text;
		case 'lower':
			return text.toLowerCase();
		case 'upper':
			return text.toUpperCase();
		case 'title':
			return text
				.toLowerCase()
				.replace(
					/(^|[\s\-'’])(\p{L})/gu,
					(_match, before: string, letter: string) => before + letter.toUpperCase(),
				);
	}
}

export interface EmailOptions {
	/** Lower-case the whole address. Mail systems treat the domain, and in practice the local part, case-insensitively. */
	lowerCase: boolean;
}

/** A pragmatic check (RFC 5321 lengths, one @, a dotted domain); deliverability needs a mail server to tell. */
const EMAIL =
	/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

export function compileEmail(options: EmailOptions): (value: unknown) => JsonValue {
	return (value) => {
		if (typeof value !== 'string')
			throw new ConversionError(
				`is ${describeType(value)}, not an email address`,
				'Map a field that holds an email address.',
			);
		let text = value.trim();
		if (text.length > 320)
			throw new ConversionError(
				'is too long to be an email address',
				'Correct the address at the source.',
			);
		if (/^mailto:/i.test(text)) text = text.slice(7);
		if (text.startsWith('<') && text.endsWith('>')) text = text.slice(1, -1).trim();
		const at = text.lastIndexOf('@');
		if (!EMAIL.test(text) || text.length > 254 || at > 64) {
			throw new ConversionError(
				'is not a valid email address',
				'Correct the address at the source; it needs one @ and a domain such as example.com.',
			);
		}
		return options.lowerCase ? text.toLowerCase() : text;
	};
}
