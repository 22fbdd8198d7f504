import type { Dialect } from './dialect';
import { isJsonObject, setOwn } from './values';

/**
 * The schema with every open object closed (`unevaluatedProperties: false` where the
 * schema declares properties and says nothing about others). It fails exactly where an
 * item has a field the schema does not declare, seen through allOf, $ref and the branch
 * that matched; only its unevaluatedProperties errors are read (new-field drift).
 * Definitions and in-place branches are not closed themselves (a branch declares part
 * of an object); the places that use them are.
 */

/** Keywords whose subschemas apply to values inside the instance (children). */
const CHILD_MAPS = ['properties', 'patternProperties'];
const CHILD_SCHEMAS = ['additionalProperties', 'additionalItems', 'unevaluatedItems'];
/** Keywords whose subschemas apply to the same instance (in place). */
const IN_PLACE_LISTS = ['allOf', 'anyOf', 'oneOf'];
const IN_PLACE_SCHEMAS = ['if', 'then', 'else'];
const IN_PLACE_MAPS = ['dependentSchemas', 'dependencies', '$defs', 'definitions'];
const DECLARES = ['properties', '$ref', '$dynamicRef', '$recursiveRef', ...IN_PLACE_LISTS];

const MAX_DEPTH = 500;

/**
 * Checks that do not decide which fields a subschema evaluates: left out of the closed
 * variant, which then costs little on every valid item (the schema's own validator has
 * already checked them).
 */
const VALUE_CHECKS = [
	'format',
	'pattern',
	'minLength',
	'maxLength',
	'minimum',
	'maximum',
	'exclusiveMinimum',
	'exclusiveMaximum',
	'multipleOf',
	'minItems',
	'maxItems',
	'uniqueItems',
	'minProperties',
	'maxProperties',
	'minContains',
	'maxContains',
];

export function closedVariant(schema: unknown, dialect: Dialect): unknown {
	const closed = transformNode(schema, true, 0, false);
	if (isJsonObject(closed) && dialect !== 'draft2020-12' && dialect !== 'draft2019-09')
		delete closed.$schema;
	return closed;
}

/**
 * Keywords that make the schema and its closed variant disagree on which fields a passing
 * item's subschemas evaluate (`if` picks `then` or `else` by value; a oneOf branch failing
 * on a new field can make another the only match), or whose target is found at run time.
 */
const UNFOLDABLE = new Set(['oneOf', 'if', '$dynamicRef', '$recursiveRef']);

/**
 * Draft-07 and OpenAPI 3.0 schemas are folded on the closed variant's Ajv class (2019-09):
 * draft-07's keywords and 2019-09's rules for them are the same, and the keywords 2019-09
 * adds only narrow what passes, except these, which can widen it (`minContains: 0` lets
 * `contains` pass with no match; `$recursiveAnchor` moves where a `$recursiveRef` lands).
 */
const UNFOLDABLE_BEFORE_2019 = new Set([...UNFOLDABLE, 'minContains', '$recursiveAnchor']);

/**
 * The schema and its closed variant in one: the schema, closed where the closed variant
 * closes it, value checks kept. Where it passes, the schema passes and so does the closed
 * variant (every added check only narrows; each anyOf branch that passes here passes
 * there and evaluates the same fields), so one pass answers both for the common item: valid,
 * no new field. Undefined where that is not proven: a keyword of UNFOLDABLE anywhere (of
 * UNFOLDABLE_BEFORE_2019 for draft-07 and OpenAPI 3.0, folded on 2019-09's rules).
 * test/unit/schema/folded.property.test.ts checks the verdicts against the two passes.
 */
export function foldedVariant(
	schema: unknown,
	dialect: Dialect,
	referenced: readonly unknown[],
): unknown {
	const modern = dialect === 'draft2020-12' || dialect === 'draft2019-09';
	const unfoldable = modern ? UNFOLDABLE : UNFOLDABLE_BEFORE_2019;
	if ([schema, ...referenced].some((document) => hasKey(document, unfoldable, 0))) return undefined;
	const folded = transformNode(schema, true, 0, true);
	// As in the closed variant: the 2019-09 instance reads it without draft-07's $schema.
	if (isJsonObject(folded) && !modern) delete folded.$schema;
	return folded;
}

/** Keywords that only describe, or only check a value already known to be text, a number or a list. */
const PLAIN_SAFE = new Set([
	...VALUE_CHECKS,
	'title',
	'description',
	'$comment',
	'examples',
	'example',
	'default',
	'deprecated',
	'readOnly',
	'writeOnly',
	'nullable',
	'contentEncoding',
	'contentMediaType',
]);
const PRIMITIVE_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null']);

/**
 * Whether the schema, folded, lets through only plain JSON below a plain object: an object
 * of declared fields only (closed by the fold), each a primitive type (or an enum or const
 * of primitives), or a list whose items are such (at any depth of lists). With strictNumbers
 * (the folded pass's setting) NaN and ±Infinity fail their type, and nothing else a walk
 * would refuse (a Date, a Map, a function, undefined in a list) passes a primitive type,
 * so the walk adds nothing where the folded pass passes and the top is a plain object.
 */
export function showsPlainJson(schema: unknown): boolean {
	if (!isJsonObject(schema) || schema.type !== 'object' || !isJsonObject(schema.properties))
		return false;
	const top = new Set([...PLAIN_SAFE, '$schema', '$id', 'type', 'properties', 'required']);
	if (Object.keys(schema).some((key) => !top.has(key))) return false;
	return Object.values(schema.properties).every((child) => primitiveOrList(child, 0));
}

function primitiveOrList(schema: unknown, depth: number): boolean {
	if (!isJsonObject(schema) || depth > 20) return false;
	const isPrimitive = (value: unknown) => value === null || typeof value !== 'object';
	for (const key of Object.keys(schema)) {
		if (PLAIN_SAFE.has(key)) continue;
		if (key === 'type' || key === 'items') continue;
		if (key === 'enum' && Array.isArray(schema.enum) && schema.enum.every(isPrimitive)) continue;
		if (key === 'const' && isPrimitive(schema.const)) continue;
		return false;
	}
	const types = Array.isArray(schema.type) ? schema.type : [schema.type];
	if (schema.type === 'array') return primitiveOrList(schema.items, depth + 1);
	if (schema.items !== undefined) return false;
	if (schema.type !== undefined)
		return types.every((type) => typeof type === 'string' && PRIMITIVE_TYPES.has(type));
	return schema.enum !== undefined || schema.const !== undefined;
}

/** Whether any object in the JSON holds one of the keys (names in maps count too: cautious). */
function hasKey(value: unknown, keys: ReadonlySet<string>, depth: number): boolean {
	if (depth > MAX_DEPTH) return true;
	if (Array.isArray(value)) return value.some((item) => hasKey(item, keys, depth + 1));
	if (!isJsonObject(value)) return false;
	for (const [key, child] of Object.entries(value))
		if (keys.has(key) || hasKey(child, keys, depth + 1)) return true;
	return false;
}

function transformNode(node: unknown, close: boolean, depth: number, keepValues: boolean): unknown {
	if (!isJsonObject(node) || depth > MAX_DEPTH) return node;
	const copy: Record<string, unknown> = { ...node };
	if (keepValues) return closeChildren(node, copy, close, depth, keepValues);
	for (const keyword of VALUE_CHECKS) delete copy[keyword];
	// With the value checks gone two branches may match: anyOf keeps the fields of both.
	if (Array.isArray(node.oneOf) && !Array.isArray(node.anyOf)) {
		copy.anyOf = node.oneOf;
		delete copy.oneOf;
	}
	return closeChildren(node, copy, close, depth, keepValues);
}

function closeChildren(
	node: Record<string, unknown>,
	copy: Record<string, unknown>,
	close: boolean,
	depth: number,
	keepValues: boolean,
): Record<string, unknown> {
	const transform = (child: unknown, closeChild: boolean) =>
		transformNode(child, closeChild, depth + 1, keepValues);
	for (const keyword of CHILD_MAPS) {
		const map = node[keyword];
		if (isJsonObject(map)) copy[keyword] = mapValues(map, (child) => transform(child, true));
	}
	for (const keyword of CHILD_SCHEMAS) {
		if (isJsonObject(node[keyword])) copy[keyword] = transform(node[keyword], true);
	}
	const items = node.items;
	if (Array.isArray(items)) copy.items = items.map((child) => transform(child, true));
	else if (isJsonObject(items)) copy.items = transform(items, true);
	if (Array.isArray(node.prefixItems))
		copy.prefixItems = node.prefixItems.map((child) => transform(child, true));
	for (const keyword of IN_PLACE_LISTS) {
		const list = node[keyword];
		if (Array.isArray(list)) copy[keyword] = list.map((child) => transform(child, false));
	}
	for (const keyword of IN_PLACE_SCHEMAS) {
		if (isJsonObject(node[keyword])) copy[keyword] = transform(node[keyword], false);
	}
	for (const keyword of IN_PLACE_MAPS) {
		const map = node[keyword];
		if (isJsonObject(map)) copy[keyword] = mapValues(map, (child) => transform(child, false));
	}
	if (
		close &&
		DECLARES.some((keyword) => node[keyword] !== undefined) &&
		node.additionalProperties === undefined &&
		node.unevaluatedProperties === undefined
	) {
		copy.unevaluatedProperties = false;
	}
	return copy;
}

function mapValues(
	map: Record<string, unknown>,
	change: (value: unknown) => unknown,
): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(map)) setOwn(out, key, change(value));
	return out;
}
