import { createRedactor, REDACTED } from '../deadletter/redact';
import type { DataPath } from './types';
import { describeValue, isJsonObject, quote } from './values';

/**
 * Values from items that Schema Guard quotes (problem messages, error messages, the
 * drift report, drift memory keys) go through the package's one redactor first: a
 * secret by its field name or by its shape never leaves in a description. The item
 * itself is untouched; only what is said about it.
 */
const redactor = createRedactor();

/** Only this much of a string is quoted anywhere, so only this much is scanned. */
const MAX_SHOWN_CHARS = 500;

/** `value` as descriptions may show it: redacted, long strings cut. */
export function shownValue(segments: DataPath, value: unknown): unknown {
	if (value === undefined || value === null) return value;
	const name = lastName(segments);
	if (name !== undefined && redactor.isSecretName(name)) return REDACTED;
	if (typeof value === 'string')
		return redactor.redactText(
			value.length > MAX_SHOWN_CHARS ? value.slice(0, MAX_SHOWN_CHARS) : value,
		);
	// Other objects (a Date, a Map) are described by their kind only.
	if (Array.isArray(value) || isJsonObject(value)) return redactor.redact(value).value;
	return value;
}

/** describeValue of what was found, redacted; a string keeps its real length. */
export function describeFound(segments: DataPath, value: unknown): string {
	const name = lastName(segments);
	if (name !== undefined && redactor.isSecretName(name)) return secretWords(value);
	const shown = shownValue(segments, value);
	if (typeof value === 'string' && typeof shown === 'string')
		return `a string (${quote(shown, value.length)})`;
	return describeValue(shown);
}

/**
 * A path as descriptions may show it: a field name is data too (a new field keyed by a
 * token), so names shaped like a secret are redacted. The finding keeps the real path
 * for its edits; only what is said and counted uses this one.
 */
export function shownSegments(segments: DataPath): DataPath {
	let shown: Array<string | number> | undefined;
	segments.forEach((segment, index) => {
		if (typeof segment !== 'string') return;
		const redacted = redactor.redactText(
			segment.length > MAX_SHOWN_CHARS ? segment.slice(0, MAX_SHOWN_CHARS) : segment,
		);
		if (redacted === segment) return;
		shown ??= [...segments];
		shown[index] = redacted;
	});
	return shown ?? segments;
}

/** The kind of a value under a secret name, without the value. */
function secretWords(value: unknown): string {
	switch (typeof value) {
		case 'string':
			return `a string (${REDACTED})`;
		case 'number':
			return `${Number.isInteger(value) ? 'an integer' : 'a number'} (${REDACTED})`;
		case 'boolean':
			return `a boolean (${REDACTED})`;
		default:
			return describeValue(value);
	}
}

function lastName(segments: DataPath): string | undefined {
	for (let index = segments.length - 1; index >= 0; index--) {
		const segment = segments[index];
		if (typeof segment === 'string') return segment;
	}
	return undefined;
}
