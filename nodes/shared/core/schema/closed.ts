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
	const closed = transform(schema, true, 0);
	if (isJsonObject(closed) && dialect !== 'draft2020-12' && dialect !== 'draft2019-09')
		delete closed.$schema;
	return closed;
}

function transform(node: unknown, close: boolean, depth: number): unknown {
	if (!isJsonObject(node) || depth > MAX_DEPTH) return node;
	const copy: Record<string, unknown> = { ...node };
	for (const keyword of VALUE_CHECKS) delete copy[keyword];
	// With the value checks gone two branches may match: anyOf keeps the fields of both.
	if (Array.isArray(node.oneOf) && !Array.isArray(node.anyOf)) {
		copy.anyOf = node.oneOf;
		delete copy.oneOf;
	}
	for (const keyword of CHILD_MAPS) {
		const map = node[keyword];
		if (isJsonObject(map))
			copy[keyword] = mapValues(map, (child) => transform(child, true, depth + 1));
	}
	for (const keyword of CHILD_SCHEMAS) {
		if (isJsonObject(node[keyword])) copy[keyword] = transform(node[keyword], true, depth + 1);
	}
	const items = node.items;
	if (Array.isArray(items)) copy.items = items.map((child) => transform(child, true, depth + 1));
	else if (isJsonObject(items)) copy.items = transform(items, true, depth + 1);
	if (Array.isArray(node.prefixItems))
		copy.prefixItems = node.prefixItems.map((child) => transform(child, true, depth + 1));
	for (const keyword of IN_PLACE_LISTS) {
		const list = node[keyword];
		if (Array.isArray(list))
			copy[keyword] = list.map((child) => transform(child, false, depth + 1));
	}
	for (const keyword of IN_PLACE_SCHEMAS) {
		if (isJsonObject(node[keyword])) copy[keyword] = transform(node[keyword], false, depth + 1);
	}
	for (const keyword of IN_PLACE_MAPS) {
		const map = node[keyword];
		if (isJsonObject(map))
			copy[keyword] = mapValues(map, (child) => transform(child, false, depth + 1));
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
