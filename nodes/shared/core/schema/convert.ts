import { z } from 'zod/v4';

import {
	allOfCheck,
	alwaysCheck,
	anyOfCheck,
	anyValue,
	enumCheck,
	notCheck,
	nothingAllowed,
} from './checks';
import { arraySchema, numberSchema, objectSchema, stringSchema } from './builders';
import {
	ANNOTATIONS,
	ARRAY_KEYWORDS,
	type Dialect,
	DIALECTS,
	escapePointer,
	KEYWORDS,
	NUMBER_KEYWORDS,
	OBJECT_KEYWORDS,
	own,
	readEnum,
	readSchemaList,
	readTypes,
	STRING_KEYWORDS,
	type TypeName,
	UNSUPPORTED,
} from './keywords';
import { type Context, ModelBuilder, type Place, type SchemaModel } from './model';
import { declaredProperties, resolveRef } from './refs';
import { SchemaError } from './types';
import { describeValue, fieldPathOf, isJsonObject } from './values';

/**
 * JSON Schema (draft 2020-12 or draft-07) to zod, the one converter every schema source
 * goes through. Besides the zod schema it returns a small model of the fields (which
 * allow null, which objects are closed) for drift detection, and warnings for what it
 * accepted but does not check. A schema it cannot honour fails here, before any item,
 * with the JSON pointer of the offending keyword.
 *
 * Split at its seams: the keyword tables and their readers (keywords.ts), `$ref`
 * resolution (refs.ts), the per-type builders (builders.ts) and the field model (model.ts).
 */

export type { Dialect } from './keywords';
export type { ProbeNode, SchemaModel } from './model';
export { compilePattern } from './builders';
export { escapePointer } from './keywords';

export interface ConvertedSchema {
	zod: z.ZodType;
	dialect: Dialect;
	model: SchemaModel;
	warnings: string[];
}

const MAX_DEPTH = 64;
/** zod builds a schema in ~0.1 ms: 5000 subschemas compile in about a second. */
const MAX_SUBSCHEMAS = 5000;

export function convertJsonSchema(document: unknown): ConvertedSchema {
	if (!isJsonObject(document) && typeof document !== 'boolean') {
		throw new SchemaError(
			'',
			`must be a JSON object, not ${describeValue(document)}`,
			'Paste a JSON Schema such as {"type": "object", "properties": {…}}.',
		);
	}
	const { dialect, explicit } = readDialect(document);
	const context: Context = {
		root: document,
		dialect,
		explicitDialect: explicit,
		warnings: new Set(),
		subschemas: 0,
		refStack: [],
		lazies: new Map(),
		model: new ModelBuilder(),
		convert: (schema, place) => convert(context, schema, place),
	};
	const zod = convert(context, document, { pointer: '', at: [], depth: 0 });
	if (isJsonObject(document)) warnIfRootIsNotAnObject(context, document);
	return { zod, dialect, model: context.model.build(), warnings: [...context.warnings] };
}

function readDialect(document: unknown): { dialect: Dialect; explicit: boolean } {
	const declared = isJsonObject(document) ? own(document, '$schema') : undefined;
	if (declared === undefined) return { dialect: '2020-12', explicit: false };
	const dialect = typeof declared === 'string' ? DIALECTS[declared.replace(/#$/, '')] : undefined;
	if (dialect === undefined) {
		throw new SchemaError(
			'/$schema',
			`Schema Guard reads draft 2020-12 and draft-07 schemas, not ${typeof declared === 'string' ? `"${declared}"` : describeValue(declared)}`,
			'Use "https://json-schema.org/draft/2020-12/schema" or "http://json-schema.org/draft-07/schema#", or remove $schema.',
		);
	}
	return { dialect, explicit: true };
}

function warnIfRootIsNotAnObject(context: Context, document: Record<string, unknown>): void {
	const type = own(document, 'type');
	const types = typeof type === 'string' ? [type] : Array.isArray(type) ? type : undefined;
	if (types !== undefined && !types.includes('object')) {
		context.warnings.add(
			'The schema does not allow an object at the top, but every n8n item is an object: every item will be invalid.',
		);
	}
}

function convert(context: Context, schema: unknown, place: Place): z.ZodType {
	if (++context.subschemas > MAX_SUBSCHEMAS) {
		throw new SchemaError(
			place.pointer,
			`expands to more than ${MAX_SUBSCHEMAS} subschemas`,
			'Check for $refs that multiply (a definition that refers to another several times, nested).',
		);
	}
	if (place.depth > MAX_DEPTH)
		throw new SchemaError(place.pointer, `nests deeper than ${MAX_DEPTH} levels`);
	if (schema === true) return anyValue();
	if (schema === false) return nothingAllowed();
	if (!isJsonObject(schema)) {
		throw new SchemaError(
			place.pointer,
			`must be a schema object (or true or false), not ${describeValue(schema)}`,
		);
	}
	checkKeywords(context, schema, place.pointer);
	if (own(schema, '$ref') !== undefined) return convertRef(context, schema, place);
	return convertKeywords(context, schema, place);
}

function checkKeywords(context: Context, schema: Record<string, unknown>, pointer: string): void {
	for (const keyword of Object.keys(schema)) {
		const hint = Object.prototype.hasOwnProperty.call(UNSUPPORTED, keyword)
			? UNSUPPORTED[keyword]
			: undefined;
		if (hint !== undefined)
			throw new SchemaError(
				`${pointer}/${escapePointer(keyword)}`,
				`"${keyword}" is not supported by Schema Guard`,
				hint,
			);
		if (KEYWORDS.has(keyword) || ANNOTATIONS.has(keyword) || keyword.startsWith('x-')) continue;
		context.warnings.add(`Unknown keyword "${keyword}" at ${pointer || '/'} is ignored (a typo?).`);
	}
}

/**
 * `$ref` to a place in this document. Siblings of `$ref` apply too in 2020-12 (read as
 * allOf); draft-07 ignores them, and so do we, with a warning. A reference back into a
 * schema being converted is recursion: it becomes a lazy schema, and the model stops there.
 */
function convertRef(context: Context, schema: Record<string, unknown>, place: Place): z.ZodType {
	const refPointer = `${place.pointer}/$ref`;
	const ref = own(schema, '$ref');
	if (typeof ref !== 'string')
		throw new SchemaError(refPointer, `must be a string, not ${describeValue(ref)}`);
	const target = resolveRef(context, ref, refPointer);
	const siblings = Object.keys(schema).filter(
		(key) => key !== '$ref' && !ANNOTATIONS.has(key) && !key.startsWith('x-'),
	);
	if (siblings.length > 0) {
		if (context.dialect === 'draft-07' && context.explicitDialect) {
			context.warnings.add(
				`Keywords next to $ref at ${place.pointer || '/'} are ignored in draft-07: ${siblings.join(', ')}.`,
			);
		} else {
			// 2020-12: `{ $ref, …rest }` means `{ allOf: [{ $ref }], …rest }`. The reference goes
			// last, so the pointers of an existing allOf's members stay right.
			const rest: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
			for (const key of siblings) rest[key] = schema[key];
			const existing = own(schema, 'allOf');
			rest.allOf = [...(Array.isArray(existing) ? existing : []), { $ref: ref }];
			return convertKeywords(context, rest, place);
		}
	}
	if (context.refStack.includes(target.pointer)) {
		let lazy = context.lazies.get(target.pointer);
		if (!lazy) {
			lazy = {};
			context.lazies.set(target.pointer, lazy);
		}
		const holder = lazy;
		return z.lazy(() => holder.schema ?? anyValue());
	}
	context.refStack.push(target.pointer);
	try {
		const converted = convert(context, target.schema, {
			...place,
			pointer: target.pointer,
			depth: place.depth + 1,
		});
		const lazy = context.lazies.get(target.pointer);
		if (lazy && lazy.schema === undefined) lazy.schema = converted;
		return converted;
	} finally {
		context.refStack.pop();
	}
}

function convertKeywords(
	context: Context,
	schema: Record<string, unknown>,
	place: Place,
): z.ZodType {
	const { pointer } = place;
	const allOf = readSchemaList(schema, 'allOf', pointer);
	const anyOf = readSchemaList(schema, 'anyOf', pointer);
	const oneOf = readSchemaList(schema, 'oneOf', pointer);
	const types = readTypes(schema, pointer);
	readNullRate(context, schema, place);
	const typeKeywords = [
		...STRING_KEYWORDS,
		...NUMBER_KEYWORDS,
		...ARRAY_KEYWORDS,
		...OBJECT_KEYWORDS,
	].some((keyword) => own(schema, keyword) !== undefined);
	const values = readEnum(schema, pointer);

	let result: z.ZodType;
	const onlyAlternatives =
		types === undefined && !typeKeywords && values === undefined && !allOf && !(anyOf && oneOf);
	if (onlyAlternatives && (anyOf || oneOf)) {
		// `{ anyOf: [...] }` alone: a plain union, the cheapest and clearest issue. Its
		// branches stay strict on their own fields: a field of another branch is new here.
		result = alternatives(context, anyOf ?? oneOf!, anyOf ? 'anyOf' : 'oneOf', place);
		return finishChecks(context, schema, place, result, undefined, undefined, undefined);
	}
	// Subschemas that apply together (allOf, or anyOf next to own fields) each list part of
	// the fields: a field declared by one of them is not new to the others.
	const combined = allOf !== undefined || anyOf !== undefined || oneOf !== undefined;
	const known = combined
		? new Set([...(place.known ?? []), ...declaredProperties(context, schema, new Set())])
		: place.known;
	const here: Place = { ...place, known };
	if (types !== undefined) {
		result = typed(context, schema, here, types);
		if (types.has('null')) context.model.nullableAt(place.at);
	} else if (typeKeywords) {
		if (OBJECT_KEYWORDS.some((keyword) => own(schema, keyword) !== undefined)) {
			context.warnings.add(
				`The schema at ${pointer || '/'} has object keywords but no "type": values that are not objects pass. Add "type": "object".`,
			);
		}
		const branches = (['null', 'boolean', 'number', 'string', 'array', 'object'] as const).map(
			(type) => branchFor(context, schema, here, type),
		);
		result = z.union(branches as [z.ZodType, z.ZodType, ...z.ZodType[]]);
	} else {
		result = anyValue();
	}
	if (values !== undefined) {
		result = result.check(enumCheck(values));
		if (values.includes(null)) context.model.nullableAt(place.at);
	}
	return finishChecks(context, schema, here, result, allOf, anyOf, oneOf);
}

function finishChecks(
	context: Context,
	schema: Record<string, unknown>,
	place: Place,
	base: z.ZodType,
	allOf: unknown[] | undefined,
	anyOf: unknown[] | undefined,
	oneOf: unknown[] | undefined,
): z.ZodType {
	let result = base;
	const pointer = place.pointer;
	if (anyOf)
		result = result.check(alwaysCheck(anyOfCheck(branchSchemas(context, anyOf, 'anyOf', place))));
	if (oneOf)
		result = result.check(alwaysCheck(anyOfCheck(branchSchemas(context, oneOf, 'oneOf', place))));
	const not = own(schema, 'not');
	if (not !== undefined) {
		const negated = convert(context, not, {
			pointer: `${pointer}/not`,
			at: null,
			depth: place.depth + 1,
		});
		result = result.check(
			notCheck(negated, `a value that does not match the schema at ${pointer}/not`),
		);
	}
	if (allOf) {
		const members = allOf.map((member, index) =>
			convert(context, member, {
				...place,
				pointer: `${pointer}/allOf/${index}`,
				depth: place.depth + 1,
			}),
		);
		result = result.check(alwaysCheck(allOfCheck(members)));
	}
	return result;
}

/**
 * anyOf/oneOf alone. oneOf is checked like anyOf (the first matching branch wins):
 * checking that no second branch also matches would parse every branch of every item.
 */
function alternatives(
	context: Context,
	list: unknown[],
	keyword: 'anyOf' | 'oneOf',
	place: Place,
): z.ZodType {
	const branches = branchSchemas(context, list, keyword, place);
	return branches.length === 1
		? branches[0]
		: z.union(branches as [z.ZodType, z.ZodType, ...z.ZodType[]]);
}

function branchSchemas(
	context: Context,
	list: unknown[],
	keyword: 'anyOf' | 'oneOf',
	place: Place,
): z.ZodType[] {
	// The common `anyOf: [X, {type: null}]` is a nullable X: keep following the fields of X.
	const nullBranches = list.filter(isNullSchema);
	const others = list.length - nullBranches.length;
	if (nullBranches.length > 0) context.model.nullableAt(place.at);
	if (keyword === 'oneOf' && others > 1) {
		context.warnings.add(
			`oneOf at ${place.pointer || '/'} is checked like anyOf: an item matching more than one branch is accepted.`,
		);
	}
	return list.map((branch, index) =>
		convert(context, branch, {
			pointer: `${place.pointer}/${keyword}/${index}`,
			at: others === 1 && !isNullSchema(branch) ? place.at : null,
			depth: place.depth + 1,
			known: place.known,
		}),
	);
}

function isNullSchema(schema: unknown): boolean {
	if (!isJsonObject(schema)) return false;
	const type = own(schema, 'type');
	return (
		type === 'null' ||
		(Array.isArray(type) && type.length === 1 && type[0] === 'null') ||
		own(schema, 'const') === null
	);
}

function typed(
	context: Context,
	schema: Record<string, unknown>,
	place: Place,
	types: Set<TypeName>,
): z.ZodType {
	const wanted = [...types].filter(
		(type) => type !== 'null' && !(type === 'integer' && types.has('number')),
	);
	const branches = wanted.map((type) => branchFor(context, schema, place, type));
	let result: z.ZodType;
	if (branches.length === 0) result = z.null();
	else if (branches.length === 1) result = branches[0];
	else result = z.union(branches as [z.ZodType, z.ZodType, ...z.ZodType[]]);
	return types.has('null') && branches.length > 0 ? result.nullable() : result;
}

function branchFor(
	context: Context,
	schema: Record<string, unknown>,
	place: Place,
	type: TypeName,
): z.ZodType {
	switch (type) {
		case 'null':
			return z.null();
		case 'boolean':
			return z.boolean();
		case 'integer':
			return numberSchema(schema, place.pointer, true);
		case 'number':
			return numberSchema(schema, place.pointer, false);
		case 'string':
			return stringSchema(context, schema, place.pointer);
		case 'array':
			return arraySchema(context, schema, place);
		case 'object':
			return objectSchema(context, schema, place);
	}
}

function readNullRate(context: Context, schema: Record<string, unknown>, place: Place): void {
	const rate = own(schema, 'x-null-rate');
	if (rate === undefined) return;
	if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
		throw new SchemaError(
			`${place.pointer}/x-null-rate`,
			`must be a number from 0 to 1, not ${describeValue(rate)}`,
		);
	}
	if (place.at !== null && place.at.length > 0)
		context.model.baselines.set(fieldPathOf(place.at), rate);
}
