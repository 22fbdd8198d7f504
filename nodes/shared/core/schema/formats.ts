import type { Format } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats';

import { compileUserPattern } from '../regex';
import { FAST_PATHS } from './fastFormats';

/**
 * The `format` values Schema Guard checks: ajv-formats' full set, with every one of its
 * regular expressions that re2js can run moved onto it (linear time), plus the
 * internationalised forms the standard lists (`idn-email`, `iri`, `iri-reference`).
 * The few left on the native engine (`duration`, `url`, `hostname` use lookahead) are
 * anchored, with no nested unbounded repetition: linear in practice.
 */
export const FORMAT_WORDS: Readonly<Record<string, string>> = Object.freeze({
	email: 'an email address',
	'idn-email': 'an email address',
	uri: 'an absolute URI (e.g. https://example.com/a)',
	'uri-reference': 'a URI reference',
	iri: 'an absolute IRI (e.g. https://example.com/ä)',
	'iri-reference': 'an IRI reference',
	url: 'an absolute URL (e.g. https://example.com/a)',
	uuid: 'a UUID (8-4-4-4-12 hex digits)',
	'date-time': 'a date-time with a time zone (e.g. 2024-05-01T12:00:00Z)',
	date: 'a date (YYYY-MM-DD)',
	time: 'a time with a time zone (e.g. 12:00:00Z)',
	duration: 'an ISO 8601 duration (e.g. P3D)',
	ipv4: 'an IPv4 address',
	ipv6: 'an IPv6 address',
	hostname: 'a host name',
	regex: 'a regular expression',
	'json-pointer': 'a JSON pointer',
	'relative-json-pointer': 'a relative JSON pointer',
	'uri-template': 'a URI template',
	byte: 'base64 text',
	int32: 'a 32-bit integer',
	int64: 'a 64-bit integer',
});

export function formatWords(format: string): string {
	return Object.prototype.hasOwnProperty.call(FORMAT_WORDS, format)
		? FORMAT_WORDS[format]
		: `a valid ${format}`;
}

// Non-ASCII code points, for the internationalised forms: each is checked as ASCII.
const NON_ASCII = /[\u0080-\u{10FFFF}]/gu;

let table: Record<string, Format> | undefined;

/** The format table every Ajv instance of the package gets (built once). */
export function formatTable(): Record<string, Format> {
	if (table) return table;
	const built: Record<string, Format> = {};
	for (const [name, format] of Object.entries(fullFormats)) {
		built[name] = withFastPath(name, linear(name, format as Format));
	}
	const check = (name: string) => validatorOf(built[name]);
	const email = check('email');
	const uri = check('uri');
	const uriReference = check('uri-reference');
	built['idn-email'] = (text: string) => email(text.replace(NON_ASCII, 'a'));
	built.iri = (text: string) => uri(text.replace(NON_ASCII, 'a'));
	built['iri-reference'] = (text: string) => uriReference(text.replace(NON_ASCII, 'a'));
	table = built;
	return built;
}

/** The format with its fast path (fastFormats.ts) in front, where it has one. */
function withFastPath(name: string, format: Format): Format {
	const fast = Object.prototype.hasOwnProperty.call(FAST_PATHS, name)
		? FAST_PATHS[name]
		: undefined;
	if (fast === undefined) return format;
	const full = validatorOf(format);
	const validate = (text: string) => fast(text) || full(text);
	return typeof format === 'object' && !(format instanceof RegExp)
		? ({ ...format, validate } as Format)
		: validate;
}

/** A format's test as a function (a RegExp, a function, or an object with either). */
function validatorOf(format: Format): (text: string) => boolean {
	if (typeof format === 'function') return format as (text: string) => boolean;
	if (format instanceof RegExp) return (text: string) => format.test(text);
	if (typeof format === 'object' && 'validate' in format) {
		const validate = format.validate;
		if (typeof validate === 'function') return validate as (text: string) => boolean;
		return (text: string) => (validate as RegExp).test(text);
	}
	return () => true;
}

/** Regular expressions of fixed-count parts only (no ambiguous repetition): linear as they are. */
const PROVEN_LINEAR = new Set(['uuid', 'ipv4', 'json-pointer', 'relative-json-pointer']);

function linear(name: string, format: Format): Format {
	if (PROVEN_LINEAR.has(name)) return format;
	if (format instanceof RegExp) return onRe2(format) ?? format;
	if (
		typeof format === 'object' &&
		!(format instanceof RegExp) &&
		format.validate instanceof RegExp
	) {
		const validate = onRe2(format.validate);
		return validate ? ({ ...format, validate } as Format) : format;
	}
	return format;
}

function onRe2(pattern: RegExp): ((text: string) => boolean) | undefined {
	try {
		const compiled = compileUserPattern(pattern.source, {
			flags: pattern.flags.replace(/[gy]/g, ''),
		});
		return (text: string) => compiled.test(text);
	} catch {
		return undefined;
	}
}
