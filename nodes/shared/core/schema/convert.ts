import { z } from 'zod/v4';

import {
	allOfCheck,
	alwaysCheck,
	anyOfCheck,
	anyValue,
	containsCheck,
	enumCheck,
	formatCheck,
	integerValue,
	notCheck,
	nothingAllowed,
	plainObjectGate,
	sizeCheck,
	tupleCheck,
	uniqueCheck,
} from './checks';
import { compileUserPattern, PatternError, type UserPattern } from '../regex';
import { stringForFormat } from './formats';
import type { PathSegment } from './types';
import { SchemaError } from './types';
import { describeValue, fieldPathOf, isJsonObject } from './values';

/**
 * JSON Schema (draft 2020-12 or draft-07) to zod, the one converter every schema source
 * goes through. Besides the zod schema it returns a small model of the fields (which
 * allow null, which objects are closed) for drift detection, and warnings for what it
 * accepted but does not check. A schema it cannot honour fails here, before any item,
 * with the JSON pointer of the offending keyword.
 */

export type Dialect = '2020-12' | 'draft-07';

/** A tree of the fields whose null rate is tracked, walked once per item. */
export interface ProbeNode {
	/** Set when the value here is a tracked field: its field path. */
	field?: string;
	props: Map<string, ProbeNode>;
	/** The elements of an array here. */
	items?: ProbeNode;
}

export interface SchemaModel {
	/** Field paths (`lines[].note`) whose schema explicitly allows null. */
	nullableFields: string[];
	nullProbe: ProbeNode;
	/** Field paths of objects with `additionalProperties: false` ('' is the item). */
	closedObjects: Set<string>;
	/** Expected share of nulls per field (`x-null-rate`, written by inference). */
	nullRateBaselines: Map<string, number>;
	/** Declared properties, nested ones included. */
	fieldCount: number;
}

export interface ConvertedSchema {
	zod: z.ZodType;
	dialect: Dialect;
	model: SchemaModel;
	warnings: string[];
}

const MAX_DEPTH = 64;
/** zod builds a schema in ~0.1 ms: 5000 subschemas compile in about a second. */
const MAX_SUBSCHEMAS = 5000;

const DIALECTS: Readonly<Record<string, Dialect>> = {
	'https://json-schema.org/draft/2020-12/schema': '2020-12',
	'http://json-schema.org/draft-07/schema': 'draft-07',
	'https://json-schema.org/draft-07/schema': 'draft-07',
};

const TYPE_NAMES = ['null', 'boolean', 'object', 'array', 'number', 'integer', 'string'] as const;
type TypeName = (typeof TYPE_NAMES)[number];

const STRING_KEYWORDS = ['format', 'pattern', 'minLength', 'maxLength'];
const NUMBER_KEYWORDS = [
	'minimum',
	'maximum',
	'exclusiveMinimum',
	'exclusiveMaximum',
	'multipleOf',
];
const ARRAY_KEYWORDS = [
	'items',
	'prefixItems',
	'additionalItems',
	'minItems',
	'maxItems',
	'uniqueItems',
	'contains',
];
const OBJECT_KEYWORDS = [
	'properties',
	'required',
	'additionalProperties',
	'minProperties',
	'maxProperties',
];
const KEYWORDS = new Set([
	'type',
	'enum',
	'const',
	'nullable',
	'anyOf',
	'oneOf',
	'allOf',
	'not',
	'$ref',
	...STRING_KEYWORDS,
	...NUMBER_KEYWORDS,
	...ARRAY_KEYWORDS,
	...OBJECT_KEYWORDS,
]);
/** Keywords that say something about the schema, not about the data. */
const ANNOTATIONS = new Set([
	'$schema',
	'$id',
	'$comment',
	'$defs',
	'definitions',
	'$anchor',
	'$vocabulary',
	'title',
	'description',
	'default',
	'examples',
	'deprecated',
	'readOnly',
	'writeOnly',
	'contentMediaType',
	'contentEncoding',
	'contentSchema',
	'discriminator',
	'example',
]);
/** Validation keywords we do not check: failing loudly beats silently accepting everything. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
	patternProperties:
		'List the fields under properties, or allow any extra fields with additionalProperties.',
	propertyNames: 'Remove it; Schema Guard does not check the names of extra fields.',
	dependentRequired: 'Remove it, or make the fields required.',
	dependentSchemas: 'Remove it, or describe the combinations with anyOf.',
	dependencies: 'Remove it, or make the fields required.',
	if: 'Describe the alternatives with anyOf instead of if/then/else.',
	then: 'Describe the alternatives with anyOf instead of if/then/else.',
	else: 'Describe the alternatives with anyOf instead of if/then/else.',
	unevaluatedProperties: 'Use additionalProperties instead.',
	unevaluatedItems: 'Use items (or additionalItems in draft-07) instead.',
	minContains: 'Remove it; contains is checked as "at least one".',
	maxContains: 'Remove it; contains is checked as "at least one".',
	$dynamicRef: 'Use $ref to a schema inside this document instead.',
	$dynamicAnchor: 'Use $ref to a schema inside this document instead.',
	$recursiveRef: 'Use $ref to a schema inside this document instead.',
	$recursiveAnchor: 'Use $ref to a schema inside this document instead.',
};

interface Place {
	pointer: string;
	/** Where in the item this schema applies, for the model; null when it cannot be told (inside anyOf). */
	at: PathSegment[] | null;
	depth: number;
	/** Property names declared by subschemas that apply together (allOf, anyOf beside fields): not "new" here. */
	known?: ReadonlySet<string>;
}

class ModelBuilder {
	private readonly nullable = new Map<string, PathSegment[]>();
	readonly closed = new Set<string>();
	readonly baselines = new Map<string, number>();
	fieldCount = 0;

	nullableAt(at: PathSegment[] | null): void {
		if (at === null || at.length === 0) return;
		this.nullable.set(fieldPathOf(at), at);
	}

	build(): SchemaModel {
		const root: ProbeNode = { props: new Map() };
		for (const [field, segments] of this.nullable) {
			let node = root;
			for (const segment of segments) {
				if (typeof segment === 'number') {
					node.items ??= { props: new Map() };
					node = node.items;
				} else {
					let next = node.props.get(segment);
					if (!next) {
						next = { props: new Map() };
						node.props.set(segment, next);
					}
					node = next;
				}
			}
			node.field = field;
		}
		return {
			nullableFields: [...this.nullable.keys()],
			nullProbe: root,
			closedObjects: this.closed,
			nullRateBaselines: this.baselines,
			fieldCount: this.fieldCount,
		};
	}
}

interface Context {
	root: unknown;
	dialect: Dialect;
	explicitDialect: boolean;
	warnings: Set<string>;
	subschemas: number;
	refStack: string[];
	lazies: Map<string, { schema?: z.ZodType }>;
	model: ModelBuilder;
}

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

function resolveRef(
	context: Context,
	ref: string,
	refPointer: string,
): { pointer: string; schema: unknown } {
	if (!ref.startsWith('#')) {
		throw new SchemaError(
			refPointer,
			`points outside this schema ("${ref}")`,
			'Schema Guard follows references inside the schema only, like "#/$defs/Address". Paste the referenced schema under $defs.',
		);
	}
	let pointer: string;
	try {
		pointer = decodeURIComponent(ref.slice(1));
	} catch {
		throw new SchemaError(refPointer, `is not a valid reference ("${ref}")`);
	}
	if (pointer !== '' && !pointer.startsWith('/')) {
		throw new SchemaError(
			refPointer,
			`uses an anchor ("${ref}"), which Schema Guard does not follow`,
			'Refer by path instead, like "#/$defs/Address".',
		);
	}
	let current: unknown = context.root;
	for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
		const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
		const container = current as Record<string, unknown> | unknown[] | null;
		if (
			container === null ||
			typeof container !== 'object' ||
			!Object.prototype.hasOwnProperty.call(container, segment)
		) {
			throw new SchemaError(
				refPointer,
				`points at ${pointer}, which does not exist in this schema`,
			);
		}
		current = (container as Record<string, unknown>)[segment];
	}
	return { pointer, schema: current };
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

function numberSchema(
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

function stringSchema(
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

function arraySchema(context: Context, schema: Record<string, unknown>, place: Place): z.ZodType {
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
			convert(context, entry, elementPlace(`${prefixKeyword}/${index}`, false)),
		);
		const restSchema =
			rest === undefined || rest === true
				? undefined
				: convert(context, rest, elementPlace(restKeyword, false));
		// Checked by hand: JSON Schema lets a tuple be shorter than its prefix, zod does not.
		let tuple: z.ZodType = z
			.array(z.unknown())
			.check(alwaysCheck(tupleCheck(positions, restSchema)));
		if (minItems !== undefined || maxItems !== undefined)
			tuple = tuple.check(alwaysCheck(sizeCheck(arrayLength, minItems, maxItems, 'item')));
		result = tuple;
	} else {
		let list = z.array(
			rest === undefined ? anyValue() : convert(context, rest, elementPlace(restKeyword, true)),
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
		const element = convert(context, contains, elementPlace('contains', false));
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

function objectSchema(context: Context, schema: Record<string, unknown>, place: Place): z.ZodType {
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
		const child = convert(context, properties![key], {
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
		const extra = convert(context, additional, {
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

/** Property names declared anywhere in a schema's combined members (through $refs), so none is "new". */
function declaredProperties(context: Context, schema: unknown, seen: Set<unknown>): string[] {
	if (!isJsonObject(schema) || seen.has(schema)) return [];
	seen.add(schema);
	const names: string[] = [];
	const properties = own(schema, 'properties');
	if (isJsonObject(properties)) names.push(...Object.keys(properties));
	const required = own(schema, 'required');
	if (Array.isArray(required))
		names.push(...required.filter((name): name is string => typeof name === 'string'));
	const ref = own(schema, '$ref');
	if (typeof ref === 'string' && ref.startsWith('#')) {
		try {
			names.push(...declaredProperties(context, resolveRef(context, ref, '').schema, seen));
		} catch {
			// Reported with its pointer when the $ref itself is converted.
		}
	}
	for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
		const members = own(schema, keyword);
		if (Array.isArray(members))
			for (const member of members) names.push(...declaredProperties(context, member, seen));
	}
	return names;
}

function readTypes(schema: Record<string, unknown>, pointer: string): Set<TypeName> | undefined {
	const raw = own(schema, 'type');
	const nullable = own(schema, 'nullable');
	if (nullable !== undefined && typeof nullable !== 'boolean') {
		throw new SchemaError(
			`${pointer}/nullable`,
			`must be true or false, not ${describeValue(nullable)}`,
		);
	}
	if (raw === undefined) return undefined;
	const list = typeof raw === 'string' ? [raw] : raw;
	if (!Array.isArray(list) || list.length === 0) {
		throw new SchemaError(
			`${pointer}/type`,
			`must be a type name or a list of them, not ${describeValue(raw)}`,
		);
	}
	const types = new Set<TypeName>();
	list.forEach((type, index) => {
		const at = typeof raw === 'string' ? `${pointer}/type` : `${pointer}/type/${index}`;
		if (typeof type !== 'string' || !(TYPE_NAMES as readonly string[]).includes(type)) {
			throw new SchemaError(
				at,
				`${typeof type === 'string' ? `"${type}"` : describeValue(type)} is not a JSON Schema type`,
				`Use one of: ${TYPE_NAMES.join(', ')}.`,
			);
		}
		if (types.has(type as TypeName)) throw new SchemaError(at, `lists "${type}" twice`);
		types.add(type as TypeName);
	});
	// OpenAPI 3.0's `nullable: true`, common in vendor documentation.
	if (nullable === true) types.add('null');
	return types;
}

function readEnum(schema: Record<string, unknown>, pointer: string): unknown[] | undefined {
	const list = own(schema, 'enum');
	const constant = own(schema, 'const');
	let values: unknown[] | undefined;
	if (list !== undefined) {
		if (!Array.isArray(list) || list.length === 0) {
			throw new SchemaError(
				`${pointer}/enum`,
				`must be a non-empty list of values, not ${describeValue(list)}`,
			);
		}
		values = list;
	}
	if (Object.prototype.hasOwnProperty.call(schema, 'const')) {
		values =
			values === undefined ? [constant] : values.filter((value) => Object.is(value, constant));
		if (values.length === 0)
			throw new SchemaError(
				`${pointer}/const`,
				'is not one of the enum values, so nothing can match',
			);
	}
	return values;
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

function readRequired(schema: Record<string, unknown>, pointer: string): Set<string> {
	const required = own(schema, 'required');
	const names = new Set<string>();
	if (required === undefined) return names;
	if (!Array.isArray(required)) {
		throw new SchemaError(
			`${pointer}/required`,
			`must be a list of field names, not ${describeValue(required)}`,
			'In draft-07 and 2020-12, required is a list on the object, not true/false on a field.',
		);
	}
	required.forEach((name, index) => {
		if (typeof name !== 'string')
			throw new SchemaError(
				`${pointer}/required/${index}`,
				`must be a field name, not ${describeValue(name)}`,
			);
		if (names.has(name))
			throw new SchemaError(`${pointer}/required/${index}`, `lists "${name}" twice`);
		names.add(name);
	});
	return names;
}

function readSchemaList(
	schema: Record<string, unknown>,
	keyword: string,
	pointer: string,
): unknown[] | undefined {
	const list = own(schema, keyword);
	if (list === undefined) return undefined;
	if (!Array.isArray(list) || list.length === 0) {
		throw new SchemaError(
			`${pointer}/${keyword}`,
			`must be a non-empty list of schemas, not ${describeValue(list)}`,
		);
	}
	return list;
}

function readNumber(
	schema: Record<string, unknown>,
	keyword: string,
	pointer: string,
): number | undefined {
	const value = own(schema, keyword);
	if (value === undefined) return undefined;
	if (typeof value !== 'number' || !Number.isFinite(value)) {
		throw new SchemaError(`${pointer}/${keyword}`, `must be a number, not ${describeValue(value)}`);
	}
	return value;
}

function readCount(
	schema: Record<string, unknown>,
	keyword: string,
	pointer: string,
): number | undefined {
	const value = readNumber(schema, keyword, pointer);
	if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
		throw new SchemaError(
			`${pointer}/${keyword}`,
			`must be a whole number of 0 or more, not ${value}`,
		);
	}
	return value;
}

function own(schema: Record<string, unknown>, key: string): unknown {
	return Object.prototype.hasOwnProperty.call(schema, key) ? schema[key] : undefined;
}

export function escapePointer(segment: string): string {
	return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
