/**
 * A setting out of range, from the core: which option, the value it got and what it
 * accepts. Every policy and settings error of the core has this shape, so the n8n
 * adapter turns any of them into a parameter error the same way (`toParameterError`),
 * naming the parameter's label rather than the option's key.
 *
 * Branded rather than checked with `instanceof`: the guard still works when two copies of
 * the module are loaded (a test build and the bundle, say), as cockatiel's errors do.
 */
export class SettingsError<Option extends string = string> extends Error {
	readonly isSettingsError = true;
	/**
	 * What is wrong, in words that follow the option's label, when "is out of range" would
	 * say less: "must not be more than the warning window", "is not valid: \"Mars/Base\"".
	 */
	declare readonly problem?: string;

	constructor(
		readonly option: Option,
		readonly value: unknown,
		/** What the option accepts, worded to follow "must be": "a whole number from 1 to 60". */
		readonly expected: string,
		message = `${option} must be ${expected}; got ${describeValue(value)}`,
	) {
		super(message);
		this.name = 'SettingsError';
	}
}

export function isSettingsError(error: unknown): error is SettingsError {
	return error instanceof Error && (error as Partial<SettingsError>).isSettingsError === true;
}

/** A value as a settings error quotes it: JSON where it has one, short either way. */
export function describeValue(value: unknown): string {
	let text: string;
	try {
		text = JSON.stringify(value) ?? String(value);
	} catch {
		text = String(value);
	}
	return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
