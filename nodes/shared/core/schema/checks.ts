import { z } from 'zod/v4';

import { stableStringify } from '../hash';
import { isJsonObject, quote } from './values';

/**
 * Checks zod does not have, as zod checks that report issues in one shape: code
 * `custom`, `params.sg` naming the rule and `params.expected` saying in plain words what
 * the schema wants. The classifier (validate.ts) reads those two and nothing else.
 */
export type GuardRule =
	| 'any'
	| 'object'
	| 'integer'
	| 'enum'
	| 'format'
	| 'unique'
	| 'contains'
	| 'not'
	| 'size'
	| 'nothing';

export interface GuardParams {
	sg: GuardRule;
	expected: string;
	/** The allowed values of an enum, for the drift report. */
	values?: unknown[];
}

type Payload = z.core.ParsePayload<unknown>;

export function guardIssue(payload: Payload, params: GuardParams, path: PropertyKey[] = []): void {
	payload.issues.push({
		code: 'custom',
		message: params.expected,
		input: payload.value,
		params,
		path,
	});
}

/**
 * A check that runs even when the value already has issues. zod skips checks after a
 * failure, but a failure here may be a new field or a type change the contract lets
 * through, and then an allOf member's missing field must not go unseen.
 */
export function alwaysCheck(fn: (payload: Payload) => void): z.core.$ZodCheck<unknown> {
	const check: z.core.$ZodCheck<unknown> = new z.core.$ZodCheck({
		check: 'custom',
		when: () => true,
	});
	check._zod.check = fn;
	return check;
}

/** Not a value JSON can carry at all (as opposed to a value of the wrong JSON type). */
function isAlien(value: unknown): boolean {
	const type = typeof value;
	if (type === 'function' || type === 'symbol' || type === 'bigint' || type === 'undefined')
		return true;
	return type === 'number' && !Number.isFinite(value as number);
}

/** Any JSON value (`{}` or `true` in JSON Schema). Absent is not a value: required fields stay required. */
export function anyValue(): z.ZodType {
	return z.custom((value) => !isAlien(value), {
		params: { sg: 'any', expected: 'any JSON value' } satisfies GuardParams,
	});
}

/** The `false` schema: nothing may be here. */
export function nothingAllowed(): z.ZodType {
	return z.custom((value) => value === undefined, {
		params: {
			sg: 'nothing',
			expected: 'no value (the schema allows nothing here)',
		} satisfies GuardParams,
	});
}

/**
 * A plain object before the object's own parse: zod treats a Date or a Map as an object
 * with no keys, which an object with only optional fields would accept.
 */
export function plainObjectGate(): z.ZodType {
	return z.custom((value) => isJsonObject(value), {
		params: { sg: 'object', expected: 'an object' } satisfies GuardParams,
	});
}

/**
 * JSON Schema's integer: any whole number. zod's `int()` also caps it at 2^53 and
 * reports a string as "expected number"; this one says "an integer" either way.
 */
export function integerValue(): z.ZodType {
	return z.custom((value) => Number.isInteger(value), {
		params: { sg: 'integer', expected: 'an integer' } satisfies GuardParams,
	});
}

/** Enum and const: primitives by identity, objects and arrays by their stable JSON. */
export function enumCheck(values: readonly unknown[]): (payload: Payload) => void {
	const primitives = new Set<unknown>();
	const composites = new Set<string>();
	for (const value of values) {
		if (value !== null && typeof value === 'object') composites.add(stableStringify(value));
		else primitives.add(value);
	}
	const expected = describeEnum(values);
	return (payload) => {
		const value = payload.value;
		const allowed =
			value !== null && typeof value === 'object'
				? composites.has(safeStableStringify(value) ?? '')
				: primitives.has(value);
		if (!allowed) guardIssue(payload, { sg: 'enum', expected, values: [...values] });
	};
}

/** Undefined for what cannot be serialised (a cycle): such a value equals nothing. */
function safeStableStringify(value: unknown): string | undefined {
	try {
		return stableStringify(value);
	} catch {
		return undefined;
	}
}

const ENUM_SHOWN = 10;

/** `one of "active", "paused" or null`, at most ten values. */
export function describeEnum(values: readonly unknown[]): string {
	if (values.length === 1) return `exactly ${renderLiteral(values[0])}`;
	const shown = values.slice(0, ENUM_SHOWN).map(renderLiteral);
	const rest = values.length > ENUM_SHOWN ? ` (or one of ${values.length - ENUM_SHOWN} more)` : '';
	if (shown.length < values.length) return `one of ${shown.join(', ')}${rest}`;
	return `one of ${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

function renderLiteral(value: unknown): string {
	if (typeof value === 'string') return quote(value);
	const text = safeStableStringify(value) ?? String(value);
	return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** A named format zod does not have, as a predicate over strings. */
export function formatCheck(
	expected: string,
	test: (text: string) => boolean,
): (payload: Payload) => void {
	return (payload) => {
		if (typeof payload.value === 'string' && !test(payload.value))
			guardIssue(payload, { sg: 'format', expected });
	};
}

/** uniqueItems: no two elements with the same JSON. */
export function uniqueCheck(payload: Payload): void {
	if (!Array.isArray(payload.value)) return;
	const seen = new Map<string, number>();
	payload.value.forEach((element, index) => {
		const key = safeStableStringify(element);
		if (key === undefined) return;
		const first = seen.get(key);
		if (first !== undefined) {
			guardIssue(payload, {
				sg: 'unique',
				expected: `no repeated items (item ${index} repeats item ${first})`,
			});
		} else {
			seen.set(key, index);
		}
	});
}

/** minItems/maxItems on tuples, minProperties/maxProperties on objects. */
export function sizeCheck(
	measure: (value: unknown) => number | undefined,
	minimum: number | undefined,
	maximum: number | undefined,
	unit: string,
): (payload: Payload) => void {
	return (payload) => {
		const size = measure(payload.value);
		if (size === undefined) return;
		if (minimum !== undefined && size < minimum) {
			guardIssue(payload, {
				sg: 'size',
				expected: `at least ${minimum} ${unit}${minimum === 1 ? '' : 's'} (it has ${size})`,
			});
		}
		if (maximum !== undefined && size > maximum) {
			guardIssue(payload, {
				sg: 'size',
				expected: `at most ${maximum} ${unit}${maximum === 1 ? '' : 's'} (it has ${size})`,
			});
		}
	};
}

/** `contains`: at least one element matches. */
export function containsCheck(element: z.ZodType, expected: string): (payload: Payload) => void {
	return (payload) => {
		if (!Array.isArray(payload.value)) return;
		if (!payload.value.some((item) => element.safeParse(item).success))
			guardIssue(payload, { sg: 'contains', expected });
	};
}

/** `not`: the value must NOT match the subschema. */
export function notCheck(schema: z.ZodType, expected: string): (payload: Payload) => void {
	return (payload) => {
		if (schema.safeParse(payload.value).success) guardIssue(payload, { sg: 'not', expected });
	};
}

/**
 * `allOf` members and `anyOf` next to other keywords: run the subschemas on the value
 * and report their issues (allOf) or one union issue (anyOf) from here.
 */
export function allOfCheck(members: readonly z.ZodType[]): (payload: Payload) => void {
	return (payload) => {
		for (const member of members) {
			const result = member.safeParse(payload.value);
			if (!result.success) payload.issues.push(...(result.error.issues as z.core.$ZodRawIssue[]));
		}
	};
}

export function anyOfCheck(branches: readonly z.ZodType[]): (payload: Payload) => void {
	return (payload) => {
		const errors: z.core.$ZodIssue[][] = [];
		for (const branch of branches) {
			const result = branch.safeParse(payload.value);
			if (result.success) return;
			errors.push(result.error.issues);
		}
		payload.issues.push({ code: 'invalid_union', errors, input: payload.value, path: [] });
	};
}

/**
 * Tuples: each position against its schema, the rest against `rest` (none: anything
 * goes; the `false` schema: no more items). Issues carry the element's index.
 */
export function tupleCheck(
	positions: readonly z.ZodType[],
	rest: z.ZodType | undefined,
): (payload: Payload) => void {
	return (payload) => {
		if (!Array.isArray(payload.value)) return;
		payload.value.forEach((element: unknown, index) => {
			const schema = index < positions.length ? positions[index] : rest;
			if (!schema) return;
			const result = schema.safeParse(element);
			if (result.success) return;
			for (const issue of result.error.issues)
				payload.issues.push({ ...issue, path: [index, ...issue.path] } as z.core.$ZodRawIssue);
		});
	};
}
