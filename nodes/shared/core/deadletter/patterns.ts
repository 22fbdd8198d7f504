/**
 * Failures hidden in successful responses: an API answers 200 and says in the body
 * that it did not work — Slack `{ ok: false, error: "invalid_auth" }`, GraphQL
 * `{ errors: [...] }`, WeChat `{ errcode: 40001, errmsg: "access_token is invalid" }`,
 * `{ success: false }`. Users add their own rules; a few common shapes are built in.
 */
import { getPath, splitPath } from '../paths';
import { isPlainObject } from '../json';
import { compileUserPattern, PatternError, type UserPattern } from '../regex';
import { isFailureClass, type FailureClass } from './classify';
import { messageFromBody, prop } from './facts';

export const BODY_MATCHES = ['contains', 'regex', 'equals', 'notEquals', 'exists'] as const;
export type BodyMatch = (typeof BODY_MATCHES)[number];

/** One rule as the user writes it. */
export interface BodyPatternSpec {
	/** Path in the item (`errcode`, `data.status`); empty: the whole item as JSON text. */
	field: string;
	match: BodyMatch;
	/** Text, regular expression or value to compare with; unused by `exists`. */
	value: string;
	/** The class to give a match; `auto` classifies the matched message. */
	class: FailureClass | 'auto';
}

export interface CompiledBodyPattern {
	spec: BodyPatternSpec;
	test: (json: Record<string, unknown>) => HiddenFailure | null;
}

/** A failure found in a successful response. */
export interface HiddenFailure {
	/** What the body says: its message when it has one, else the matched value. */
	message: string;
	/** Where it was found, for the classification reason: `ok is false`, `rule 2 (errcode)`. */
	where: string;
	/** Forced by a rule, or null to classify `message`. */
	class: FailureClass | null;
}

/** A rule that cannot work: names the rule (1-based) and why. */
export class BodyPatternError extends Error {
	constructor(
		readonly rule: number,
		readonly reason: string,
	) {
		super(`Failure pattern ${rule}: ${reason}`);
		this.name = 'BodyPatternError';
	}
}

/** Regular expressions see at most this much of a value: linear time, and bounded per item. */
const MAX_MATCH_TEXT = 100_000;

/** Compiles the user's rules once per execution; bad ones fail before any item is read. */
export function compileBodyPatterns(specs: readonly BodyPatternSpec[]): CompiledBodyPattern[] {
	return specs.map((spec, index) => compileOne(spec, index + 1));
}

function compileOne(spec: BodyPatternSpec, rule: number): CompiledBodyPattern {
	if (!(BODY_MATCHES as readonly string[]).includes(spec.match))
		throw new BodyPatternError(rule, `unknown match "${spec.match}"`);
	if (spec.class !== 'auto' && !isFailureClass(spec.class))
		throw new BodyPatternError(rule, `unknown class "${String(spec.class)}"`);
	const field = spec.field.trim();
	if (field === '' && spec.match !== 'contains' && spec.match !== 'regex') {
		throw new BodyPatternError(
			rule,
			`"${spec.match}" needs a field; leave the field empty only to search the whole item as text`,
		);
	}
	if (spec.match !== 'exists' && spec.value === '')
		throw new BodyPatternError(rule, 'the value to match is empty');
	const matches = valueMatcher(spec, rule);
	const where = field === '' ? `rule ${rule} (whole item)` : `rule ${rule} (${field})`;
	const parentPath = splitPath(field).slice(0, -1).join('.');
	const forced = spec.class === 'auto' ? null : spec.class;
	return {
		spec,
		test: (json) => {
			const value = field === '' ? json : getPath(json, field);
			if (value === undefined) return null;
			const matched = matches(value);
			if (matched === null) return null;
			const container = field === '' || parentPath === '' ? json : getPath(json, parentPath);
			return { message: siblingMessage(container, value) ?? matched, where, class: forced };
		},
	};
}

/** Returns the matched text, or null when the value does not match. */
function valueMatcher(spec: BodyPatternSpec, rule: number): (value: unknown) => string | null {
	switch (spec.match) {
		case 'exists':
			return (value) =>
				value === null || value === '' || (Array.isArray(value) && value.length === 0)
					? null
					: asText(value);
		case 'equals':
			return (value) => (scalarText(value) === spec.value.trim() ? asText(value) : null);
		case 'notEquals':
			return (value) => {
				const scalar = scalarText(value);
				return scalar !== null && scalar !== spec.value.trim() ? asText(value) : null;
			};
		case 'contains': {
			const needle = spec.value.toLowerCase();
			return (value) => (asText(value).toLowerCase().includes(needle) ? spec.value : null);
		}
		case 'regex': {
			// A user's pattern runs on the linear-time engine: `^(a+)+$` cannot stall the event loop.
			let pattern: UserPattern;
			try {
				pattern = compileUserPattern(spec.value, { flags: 'i' });
			} catch (error) {
				// "Failure pattern 2: invalid regular expression: The pattern "(a)\1" uses a backreference…"
				if (error instanceof PatternError)
					throw new BodyPatternError(rule, `invalid regular expression: ${error.message}`);
				throw error;
			}
			return (value) => pattern.exec(asText(value).slice(0, MAX_MATCH_TEXT))?.[0] ?? null;
		}
	}
}

function scalarText(value: unknown): string | null {
	if (typeof value === 'string') return value.trim();
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	if (value === null) return 'null';
	return null;
}

function asText(value: unknown): string {
	if (typeof value === 'string') return value;
	try {
		return JSON.stringify(value) ?? String(value);
	} catch {
		return String(value);
	}
}

/** The message next to a matched field: `errmsg` beside `errcode`, `error` beside `ok`. */
function siblingMessage(container: unknown, matched: unknown): string | null {
	if (isPlainObject(matched)) {
		const own = messageFromBody(matched);
		if (own !== null) return own;
	}
	return messageFromBody(container);
}

/**
 * The common shapes of a failure in a 200: `ok: false`, `success: false`, a `status` of
 * error/fail, a non-empty `errors` list (GraphQL), a non-zero `errcode`/`error_code`,
 * a SOAP `fault`. Only the item's top level is looked at: nested `errors` are too often
 * a field of the data itself.
 */
export function commonBodyFailure(json: Record<string, unknown>): HiddenFailure | null {
	const message = () => messageFromBody(json);
	if (prop(json, 'ok') === false)
		return { message: message() ?? 'ok is false', where: 'ok is false', class: null };
	if (prop(json, 'success') === false)
		return { message: message() ?? 'success is false', where: 'success is false', class: null };
	const status = prop(json, 'status');
	if (typeof status === 'string' && /^(?:error|fail|failed|failure)$/i.test(status.trim())) {
		return {
			message: message() ?? `status is ${status}`,
			where: `status is "${status}"`,
			class: null,
		};
	}
	const errors = prop(json, 'errors');
	if (Array.isArray(errors) && errors.length > 0) {
		return {
			message: messageFromBody(errors[0]) ?? asText(errors[0]),
			where: 'errors is not empty',
			class: null,
		};
	}
	for (const key of ['errcode', 'error_code', 'errorCode']) {
		const code = prop(json, key);
		if (
			(typeof code === 'number' && code !== 0) ||
			(typeof code === 'string' && code.trim() !== '' && code.trim() !== '0')
		) {
			return {
				message: message() ?? `${key} ${String(code)}`,
				where: `${key} is ${String(code)}`,
				class: null,
			};
		}
	}
	const fault = prop(json, 'fault') ?? prop(json, 'Fault');
	if (fault !== undefined && fault !== null && fault !== false) {
		return {
			message: messageFromBody(fault) ?? asText(fault),
			where: 'fault is present',
			class: null,
		};
	}
	return null;
}

/** The first hidden failure in an item: the user's rules first, then (if on) the common shapes. */
export function findHiddenFailure(
	json: Record<string, unknown>,
	patterns: readonly CompiledBodyPattern[],
	detectCommon: boolean,
): HiddenFailure | null {
	for (const pattern of patterns) {
		const found = pattern.test(json);
		if (found !== null) return found;
	}
	return detectCommon ? commonBodyFailure(json) : null;
}
