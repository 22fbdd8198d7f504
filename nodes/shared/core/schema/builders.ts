import { z } from 'zod/v4';

import {
	alwaysCheck,
	anyValue,
	containsCheck,
	formatCheck,
	integerValue,
	plainObjectGate,
	sizeCheck,
	tupleCheck,
	uniqueCheck,
} from './checks';
import { compileUserPattern, PatternError, type UserPattern } from '../regex';
import { stringForFormat } from './formats';
import {
	escapePointer,
	own,
	readCount,
	readNumber,
	readRequired,
	readSchemaList,
} from './keywords';
import type { Context, Place } from './model';
import { SchemaError } from './types';
import { describeValue, fieldPathOf, isJsonObject } from './values';

/** The zod schema for one JSON Schema type: number and integer, string, array, object. */

export function numberSchema(
	schema: Record<string, unknown>,
	pointer: string,
	integer: boolean,
): z.ZodType {
	const minimum = readNumber(schema, 'minimum', pointer);
	const maximum = readNumber(schema, 'maximum', pointer);
	for (const keyword of ['exclusiveMinimum', 'exclusiveMaximum']) {
		if (typeof own(schema, keyword) === 'boolean') {
			throw new SchemaError(
				`${pointer}/${keyword}`,
				'is a boolean, as in draft-04',
				`In draft-07 and 2020-12 ${keyword} is the bound itself, e.g. "${keyword}": 0.`,
			);
		}
	}
	const exclusiveMinimum = readNumber(schema, 'exclusiveMinimum', pointer);
	const exclusiveMaximum = readNumber(schema, 'exclusiveMaximum', pointer);
	const multipleOf = readNumber(schema, 'multipleOf', pointer);
	const checks: Array<z.core.$ZodCheck<number>> = [];
	if (minimum !== undefined) checks.push(z.gte(minimum));
	if (maximum !== undefined) checks.push(z.lte(maximum));
	if (exclusiveMinimum !== undefined) checks.push(z.gt(exclusiveMinimum));
	if (exclusiveMaximum !== undefined) checks.push(z.lt(exclusiveMaximum));
	if (multipleOf !== undefined) {
		if (multipleOf <= 0)
			throw new SchemaError(`${pointer}/multipleOf`, `must be greater than 0, not ${multipleOf}`);
		checks.push(z.multipleOf(multipleOf));
	}
	const base = integer ? integerValue() : z.number();
	return checks.length > 0 ? base.check(...(checks as Array<z.core.$ZodCheck<unknown>>)) : base;
}

export function stringSchema(
	context: Context,
	schema: Record<string, unknown>,
	pointer: string,
): z.ZodType {
	const format = own(schema, 'format');
	let result: z.ZodString | z.ZodStringFormat = z.string();
	if (format !== undefined) {
		if (typeof format !== 'string')
			throw new SchemaError(`${pointer}/format`, `must be a string, not ${describeValue(format)}`);
		const formatted = stringForFormat(format);
		if (formatted) result = formatted;
		else
			context.warnings.add(
				`Format "${format}" at ${pointer || '/'} is not checked (unknown to Schema Guard).`,
			);
	}
	const minLength = readCount(schema, 'minLength', pointer);
	const maxLength = readCount(schema, 'maxLength', pointer);
	const checks: Array<z.core.$ZodCheck<string>> = [];
	// Lengths count UTF-16 units, as JavaScript does; JSON Schema counts code points (differs for emoji).
	if (minLength !== undefined) checks.push(z.minLength(minLength));
	if (maxLength !== undefined) checks.push(z.maxLength(maxLength));
	const pattern = own(schema, 'pattern');
	const sized = checks.length > 0 ? result.check(...checks) : result;
	if (pattern === undefined) return sized;
	const compiled = compilePattern(pattern, `${pointer}/pattern`);
	return sized.check(
		formatCheck(`text matching the pattern ${compiled.source}`, (text) => compiled.test(text)),
	);
}

/**
 * A `pattern` runs on the package's linear-time engine: schemas come from vendors'
 * OpenAPI files, and one backtracking pattern would freeze n8n on a crafted value.
 */
export function compilePattern(pattern: unknown, pointer: string): UserPattern {
	if (typeof pattern !== 'string')
		throw new SchemaError(pointer, `must be a string, not ${describeValue(pattern)}`);
	try {
		return compileUserPattern(pattern);
	} catch (error) {
		if (!(error instanceof PatternError)) throw error;
		throw new SchemaError(
			pointer,
			`is not a valid regular expression for Schema Guard: ${error.message}`,
			PATTERN_HINT,
		);
	}
}

const PATTERN_HINT =
	'Schema Guard runs patterns on a linear-time engine, which has no backreferences (\\1) or lookaround ((?=, (?!, (?<=, (?<!). Rewrite the pattern without them, or check that part in a later node.';

export function arraySchema(
	context: Context,
	schema: Record<string, unknown>,
	place: Place,
): z.ZodType {
	const { pointer } = place;
	const elementPlace = (suffix: string, tracked: boolean): Place => ({
		pointer: `${pointer}/${suffix}`,
		at: tracked && place.at !== null ? [...place.at, 0] : null,
		depth: place.depth + 1,
	});
	const items = own(schema, 'items');
	let prefix = readSchemaList(schema, 'prefixItems', pointer);
	let prefixKeyword = 'prefixItems';
	let rest: unknown = items;
	let restKeyword = 'items';
	if (Array.isArray(items)) {
		if (context.dialect === '2020-12' && context.explicitDialect) {
			throw new SchemaError(
				`${pointer}/items`,
				'is an array, which draft 2020-12 does not allow',
				'Use prefixItems for a tuple, or declare the schema as draft-07.',
			);
		}
		prefix = items;
		prefixKeyword = 'items';
		rest = own(schema, 'additionalItems');
		restKeyword = 'additionalItems';
	}
	const minItems = readCount(schema, 'minItems', pointer);
	const maxItems = readCount(schema, 'maxItems', pointer);
	let result: z.ZodType;
	if (prefix) {
		const positions = prefix.map((entry, index) =>
			context.convert(entry, elementPlace(`${prefixKeyword}/${index}`, false)),
		);
		const restSchema =
			rest === undefined || rest === true
				? undefined
				: context.convert(rest, elementPlace(restKeyword, false));
		// Checked by hand: JSON Schema lets a tuple be shorter than its prefix, zod does not.
		let tuple: z.ZodType = z
			.array(z.unknown())
			.check(alwaysCheck(tupleCheck(positions, restSchema)));
		if (minItems !== undefined || maxItems !== undefined)
			tuple = tuple.check(alwaysCheck(sizeCheck(arrayLength, minItems, maxItems, 'item')));
		result = tuple;
	} else {
		let list = z.array(
			rest === undefined ? anyValue() : context.convert(rest, elementPlace(restKeyword, true)),
		);
		if (minItems !== undefined) list = list.min(minItems);
		if (maxItems !== undefined) list = list.max(maxItems);
		result = list;
	}
	const unique = own(schema, 'uniqueItems');
	if (unique !== undefined && typeof unique !== 'boolean')
		throw new SchemaError(
			`${pointer}/uniqueItems`,
			`must be true or false, not ${describeValue(unique)}`,
		);
	if (unique === true) result = result.check(alwaysCheck(uniqueCheck));
	const contains = own(schema, 'contains');
	if (contains !== undefined) {
		const element = context.convert(contains, elementPlace('contains', false));
		result = result.check(
			alwaysCheck(
				containsCheck(
					element,
					`an array with at least one item matching the schema at ${pointer}/contains`,
				),
			),
		);
	}
	return result;
}

function arrayLength(value: unknown): number | undefined {
	return Array.isArray(value) ? value.length : undefined;
}

function objectSize(value: unknown): number | undefined {
	return value !== null && typeof value === 'object' && !Array.isArray(value)
		? Object.keys(value).length
		: undefined;
}

export function objectSchema(
	context: Context,
	schema: Record<string, unknown>,
	place: Place,
): z.ZodType {
	const { pointer } = place;
	const properties = own(schema, 'properties');
	if (properties !== undefined && !isJsonObject(properties)) {
		throw new SchemaError(
			`${pointer}/properties`,
			`must be an object of field schemas, not ${describeValue(properties)}`,
		);
	}
	const required = readRequired(schema, pointer);
	// Null prototype: a field named __proto__ is a field, not the prototype.
	const shape = Object.create(null) as Record<string, z.ZodType>;
	for (const key of properties ? Object.keys(properties) : []) {
		const child = context.convert(properties![key], {
			pointer: `${pointer}/properties/${escapePointer(key)}`,
			at: place.at === null ? null : [...place.at, key],
			depth: place.depth + 1,
		});
		if (place.at !== null) context.model.fieldCount++;
		shape[key] = required.has(key) ? child : child.optional();
	}
	for (const key of required) if (!(key in shape)) shape[key] = anyValue();
	for (const key of place.known ?? []) if (!(key in shape)) shape[key] = anyValue().optional();

	const additional = own(schema, 'additionalProperties');
	let result: z.ZodType;
	if (additional === undefined || additional === true) {
		// Listing the fields is what makes an unlisted one "new": a bare object takes anything.
		result = properties !== undefined ? z.strictObject(shape) : z.looseObject(shape);
	} else if (additional === false) {
		result = z.strictObject(shape);
		if (place.at !== null)
			context.model.closed.add(place.at.length === 0 ? '' : fieldPathOf(place.at));
	} else {
		const extra = context.convert(additional, {
			pointer: `${pointer}/additionalProperties`,
			at: null,
			depth: place.depth + 1,
		});
		result = z.object(shape).catchall(extra);
	}
	const minProperties = readCount(schema, 'minProperties', pointer);
	const maxProperties = readCount(schema, 'maxProperties', pointer);
	if (minProperties !== undefined || maxProperties !== undefined) {
		result = result.check(
			alwaysCheck(sizeCheck(objectSize, minProperties, maxProperties, 'field')),
		);
	}
	if (Object.keys(shape).some((key) => key in Object.prototype)) {
		// zod reads `value[key]`, which for "constructor" or "__proto__" finds Object.prototype's.
		result = z.preprocess(ownView, result);
	}
	// With a required field a Date or Map fails anyway (the classifier names it); without
	// one, zod would take it for an empty object.
	return required.size > 0 ? result : plainObjectGate().pipe(result);
}

/** Own enumerable properties on a null-prototype copy. */
function ownView(value: unknown): unknown {
	if (!isJsonObject(value)) return value;
	const copy = Object.create(null) as Record<string, unknown>;
	for (const key of Object.keys(value)) copy[key] = value[key];
	return copy;
}
