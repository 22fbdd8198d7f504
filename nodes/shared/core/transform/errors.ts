import { createRedactor, REDACTED } from '../deadletter/redact';

/**
 * A value one converter cannot convert. `reason` continues a sentence that starts with
 * the value ("\"31/02/2025\" is not a valid date: …"), `fix` is what the user can do.
 * Thrown inside converters and caught per field by the compiled mapping, which adds the
 * item, the field path and the raw value.
 */
export class ConversionError extends Error {
	constructor(
		readonly reason: string,
		readonly fix: string,
	) {
		super(reason);
		this.name = 'ConversionError';
	}
}

/** A converter option that cannot work, found when the mapping is compiled. */
export class OptionError extends Error {
	constructor(
		readonly option: string,
		readonly problem: string,
		readonly fix: string,
	) {
		super(`${option} ${problem}`);
		this.name = 'OptionError';
	}
}

/**
 * A mapping that cannot work: found before any item is converted. The message names
 * the mapping entry (1-based, as a user counts them) and its target, `fix` says what to
 * change.
 */
export class MappingError extends Error {
	constructor(
		message: string,
		readonly fix: string,
		/** 0-based index of the mapping entry, when one entry is at fault. */
		readonly entry?: number,
	) {
		super(message);
		this.name = 'MappingError';
	}
}

const SHOWN_CHARACTERS = 60;
/** Text is redacted before it is cut; only this much of it is scanned. */
const SCANNED_CHARACTERS = 500;

/** The package's one redactor: error messages never carry a secret from the data. */
const redactor = createRedactor();

/**
 * A raw value as a user recognises it in an error message, cut short (a hostile 10 MB
 * string must not become a 10 MB error item) and redacted: a secret by its shape, or
 * every value when `names` (the field's source or target path) ends in a secret name.
 */
export function showValue(value: unknown, ...names: string[]): string {
	if (value === undefined) return 'nothing (the field is missing)';
	if (value !== null && names.some((name) => redactor.isSecretName(lastName(name))))
		return REDACTED;
	if (typeof value === 'string') {
		const shown = redactor.redactText(
			value.length > SCANNED_CHARACTERS ? value.slice(0, SCANNED_CHARACTERS) : value,
		);
		if (value.length <= SHOWN_CHARACTERS && shown.length <= SHOWN_CHARACTERS)
			return JSON.stringify(shown);
		return `${JSON.stringify(shown.slice(0, SHOWN_CHARACTERS))}… (${value.length} characters)`;
	}
	if (typeof value === 'number' || typeof value === 'boolean' || value === null)
		return String(value);
	if (typeof value === 'bigint') return `${value.toString()}n`;
	let text: string;
	try {
		text = JSON.stringify(redactor.redact(value).value) ?? String(value);
	} catch {
		text = Object.prototype.toString.call(value);
	}
	return text.length <= SHOWN_CHARACTERS ? text : `${text.slice(0, SHOWN_CHARACTERS)}…`;
}

/** `customer.apiKey` → `apiKey`, `"headers[0].token"` → `token`. */
function lastName(path: string): string {
	const names = path.match(/[A-Za-z0-9_$-]+/g);
	return names === null ? '' : names[names.length - 1];
}

/** "a string", "a list", "an object": for "expected text, got a list" messages. */
export function describeType(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'a list';
	if (typeof value === 'object') return 'an object';
	if (typeof value === 'string') return 'text';
	if (typeof value === 'number') return 'a number';
	if (typeof value === 'boolean') return 'a boolean';
	return `a ${typeof value}`;
}
