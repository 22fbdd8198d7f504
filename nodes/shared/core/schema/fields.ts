import type { JsonObject, JsonValue } from '../json';
import { compileUserPattern, PatternError } from '../regex';
import { SchemaError } from './types';
import { isJsonObject } from './values';

/**
 * The field list built in the node's UI, turned into a JSON Schema (2020-12) that then
 * goes through the one converter. Names are paths: `customer.email` nests an object,
 * `lines[].sku` an array of objects, `tags[]` the elements of an array. Parents that are
 * not listed are created: as objects (or arrays for `[]`), required when a child is.
 */
export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'any';

export const FIELD_TYPES: readonly FieldType[] = [
	'string',
	'number',
	'integer',
	'boolean',
	'object',
	'array',
	'any',
];
export const FIELD_FORMATS = [
	'email',
	'uri',
	'uuid',
	'date-time',
	'date',
	'time',
	'ipv4',
	'ipv6',
	'hostname',
] as const;

export interface FieldSpec {
	name: string;
	type: FieldType;
	required?: boolean;
	/** Null is allowed besides the type. */
	nullable?: boolean;
	/** Strings only; one of FIELD_FORMATS ('' for none). */
	format?: string;
	/** Strings only: a regular expression the value must match somewhere (anchor it with ^…$). */
	pattern?: string;
	/** Allowed values: comma-separated, or a JSON array for values that contain commas. */
	allowedValues?: string | readonly JsonValue[];
	/** Strings: length; numbers: value; arrays: item count; objects: field count. */
	minimum?: number;
	maximum?: number;
	description?: string;
}

const SCHEMA_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

interface NamePart {
	key: string;
	/** How many `[]` follow the key: 1 for `lines[]`. */
	arrays: number;
}

/** Which field made each schema node, so conflicts can name both fields. */
interface Origin {
	field: number;
	implicit: boolean;
}

export function schemaFromFields(fields: readonly FieldSpec[]): JsonObject {
	if (fields.length === 0) {
		throw new SchemaError(
			'/fields',
			'the list is empty',
			'Add at least one field, or choose another schema source.',
			'Fields',
		);
	}
	const root: JsonObject = { type: 'object', properties: newMap() };
	const origins = new WeakMap<object, Origin>();
	fields.forEach((field, index) => addField(root, field, index, origins));
	return { $schema: SCHEMA_2020_12, ...root };
}

function addField(
	root: JsonObject,
	field: FieldSpec,
	index: number,
	origins: WeakMap<object, Origin>,
): void {
	const fail = (message: string, hint?: string): never => {
		throw new SchemaError(
			`/fields/${index}`,
			message,
			hint,
			`Field ${index + 1}${field.name ? ` ("${field.name}")` : ''}`,
		);
	};
	const parts = parseName(field.name, fail);
	let container = root;
	for (const part of parts.slice(0, -1)) {
		container = descend(container, part, field, index, origins, fail);
	}
	const last = parts[parts.length - 1];
	const properties = container.properties as JsonObject;
	const leaf = leafSchema(field, fail);
	origins.set(leaf, { field: index, implicit: false });
	const existing = own(properties, last.key) as JsonObject | undefined;
	if (existing === undefined)
		put(properties, last.key, wrapInArrays(leaf, last.arrays, origins, index));
	else if (last.arrays === 0) declareOver(existing, leaf, last.key, origins, index, fail);
	else {
		// `tags[]` next to a listed `tags`: this field describes the elements.
		let node = existing;
		for (let level = 0; level < last.arrays; level++) {
			if (!isArraySchema(node))
				fail(
					`"${last.key}" is not an array (see field ${(origins.get(node)?.field ?? 0) + 1}), so "${last.key}[]" cannot be used`,
				);
			if (level === last.arrays - 1) {
				if (node.items === undefined) node.items = leaf;
				else declareOver(node.items as JsonObject, leaf, `${last.key}[]`, origins, index, fail);
			} else {
				if (node.items === undefined) {
					const inner: JsonObject = { type: 'array' };
					origins.set(inner, { field: index, implicit: true });
					node.items = inner;
				}
				node = node.items as JsonObject;
			}
		}
	}
	if (field.required === true) addRequired(container, last.key);
}

/** A field listed after its nested fields: keep the children, take the rest from this field. */
function declareOver(
	existing: JsonObject,
	leaf: JsonObject,
	name: string,
	origins: WeakMap<object, Origin>,
	index: number,
	fail: (message: string, hint?: string) => never,
): void {
	const origin = origins.get(existing);
	if (!origin?.implicit) fail(`"${name}" is listed twice (also field ${(origin?.field ?? 0) + 1})`);
	const compatible = isArraySchema(existing) ? isArraySchema(leaf) : isObjectSchema(leaf);
	if (!compatible) {
		fail(
			`"${name}" has nested fields (from field ${origin!.field + 1}), so its type must be ${isArraySchema(existing) ? 'array' : 'object'}`,
		);
	}
	mergeInto(existing, leaf);
	origins.set(existing, { field: index, implicit: false });
}

/** Steps into (or creates) the object a nested name lives in. */
function descend(
	container: JsonObject,
	part: NamePart,
	field: FieldSpec,
	index: number,
	origins: WeakMap<object, Origin>,
	fail: (message: string, hint?: string) => never,
): JsonObject {
	const properties = container.properties as JsonObject;
	let node = own(properties, part.key) as JsonObject | undefined;
	if (node === undefined) {
		const object: JsonObject = { type: 'object', properties: newMap() };
		origins.set(object, { field: index, implicit: true });
		node = wrapInArrays(object, part.arrays, origins, index);
		put(properties, part.key, node);
	}
	// A required child makes its implicit parent required; a listed parent decides for itself.
	if (field.required === true && origins.get(node)?.implicit) addRequired(container, part.key);
	for (let level = 0; level < part.arrays; level++) {
		if (!isArraySchema(node))
			fail(
				`"${part.key}" is not an array (see field ${(origins.get(node)?.field ?? 0) + 1}), so "${part.key}[]" cannot be used`,
			);
		if (node.items === undefined) {
			const items: JsonObject = { type: 'object', properties: newMap() };
			origins.set(items, { field: index, implicit: true });
			node.items = items;
		}
		node = node.items as JsonObject;
	}
	if (!isObjectSchema(node)) {
		fail(
			`"${part.key}" is declared as ${describeType(node)} (field ${(origins.get(node)?.field ?? 0) + 1}), so it cannot have nested fields`,
		);
	}
	node.properties ??= newMap();
	return node;
}

function parseName(name: unknown, fail: (message: string, hint?: string) => never): NamePart[] {
	if (typeof name !== 'string' || name.trim() === '')
		fail('has no name', 'Enter the field name, e.g. email or customer.email.');
	const parts: NamePart[] = [];
	for (const raw of (name as string).trim().split('.')) {
		const match = /^([^[\]]+)((?:\[\])*)$/.exec(raw.trim());
		if (!match) {
			fail(
				`"${raw}" is not a field name`,
				'Use names like email, customer.email, lines[].sku or tags[]; use a JSON Schema for names with dots or brackets.',
			);
		}
		parts.push({ key: match![1].trim(), arrays: match![2].length / 2 });
	}
	return parts;
}

function leafSchema(field: FieldSpec, fail: (message: string, hint?: string) => never): JsonObject {
	if (!FIELD_TYPES.includes(field.type))
		fail(`"${String(field.type)}" is not a field type`, `Use one of: ${FIELD_TYPES.join(', ')}.`);
	const schema: JsonObject =
		field.type === 'any'
			? {}
			: { type: field.nullable === true ? [field.type, 'null'] : field.type };
	if (field.description) schema.description = field.description;
	const format = field.format ?? '';
	if (format !== '') {
		if (field.type !== 'string') fail('has a format, but formats apply to strings');
		if (!(FIELD_FORMATS as readonly string[]).includes(format))
			fail(`"${format}" is not a format`, `Use one of: ${FIELD_FORMATS.join(', ')}.`);
		schema.format = format;
	}
	if (field.pattern !== undefined && field.pattern !== '') {
		if (field.type !== 'string') fail('has a pattern, but patterns apply to strings');
		try {
			compileUserPattern(field.pattern);
		} catch (error) {
			if (!(error instanceof PatternError)) throw error;
			fail(
				`the pattern is not a valid regular expression for Schema Guard (it runs patterns in linear time: no backreferences or lookaround): ${error.message}`,
			);
		}
		schema.pattern = field.pattern;
	}
	const values = readAllowedValues(field, fail);
	if (values !== undefined)
		schema.enum = field.nullable === true && !values.includes(null) ? [...values, null] : values;
	addBounds(schema, field, fail);
	return schema;
}

function readAllowedValues(
	field: FieldSpec,
	fail: (message: string, hint?: string) => never,
): JsonValue[] | undefined {
	const raw = field.allowedValues;
	if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return undefined;
	if (field.type === 'object' || field.type === 'array')
		fail('has allowed values, which apply to strings, numbers and booleans');
	let list: JsonValue[];
	if (Array.isArray(raw)) list = [...raw];
	else if ((raw as string).trim().startsWith('[')) {
		try {
			list = JSON.parse(raw as string) as JsonValue[];
		} catch (error) {
			return fail(`allowed values are not a valid JSON list: ${(error as Error).message}`);
		}
		if (!Array.isArray(list)) fail('allowed values must be a JSON list');
	} else {
		list = (raw as string)
			.split(',')
			.map((value) => value.trim())
			.filter((value) => value !== '');
	}
	if (list.length === 0) fail('has an empty list of allowed values');
	return list.map((value) => typedValue(value, field, fail));
}

function typedValue(
	value: JsonValue,
	field: FieldSpec,
	fail: (message: string, hint?: string) => never,
): JsonValue {
	if (typeof value !== 'string') return value;
	switch (field.type) {
		case 'number':
		case 'integer': {
			const number = Number(value);
			if (
				value === '' ||
				!Number.isFinite(number) ||
				(field.type === 'integer' && !Number.isInteger(number))
			) {
				fail(
					`allowed value "${value}" is not ${field.type === 'integer' ? 'an integer' : 'a number'}`,
				);
			}
			return number;
		}
		case 'boolean':
			if (value !== 'true' && value !== 'false')
				fail(`allowed value "${value}" is not true or false`);
			return value === 'true';
		default:
			return value;
	}
}

const BOUND_KEYWORDS: Partial<Record<FieldType, [string, string, boolean]>> = {
	string: ['minLength', 'maxLength', true],
	number: ['minimum', 'maximum', false],
	integer: ['minimum', 'maximum', false],
	array: ['minItems', 'maxItems', true],
	object: ['minProperties', 'maxProperties', true],
};

function addBounds(
	schema: JsonObject,
	field: FieldSpec,
	fail: (message: string, hint?: string) => never,
): void {
	const { minimum, maximum } = field;
	if (minimum === undefined && maximum === undefined) return;
	const keywords = BOUND_KEYWORDS[field.type];
	if (!keywords) fail(`has a minimum or maximum, which ${field.type} fields do not take`);
	const [low, high, counts] = keywords!;
	for (const [name, bound] of [
		['minimum', minimum],
		['maximum', maximum],
	] as const) {
		if (bound === undefined) continue;
		if (typeof bound !== 'number' || !Number.isFinite(bound)) fail(`its ${name} is not a number`);
		if (counts && (!Number.isInteger(bound) || bound < 0))
			fail(`its ${name} must be a whole number of 0 or more for a ${field.type}`);
	}
	if (minimum !== undefined && maximum !== undefined && minimum > maximum)
		fail(`its minimum (${minimum}) is above its maximum (${maximum})`);
	if (minimum !== undefined) schema[low] = minimum;
	if (maximum !== undefined) schema[high] = maximum;
}

function wrapInArrays(
	schema: JsonObject,
	arrays: number,
	origins: WeakMap<object, Origin>,
	index: number,
): JsonObject {
	let wrapped = schema;
	for (let level = 0; level < arrays; level++) {
		wrapped = { type: 'array', items: wrapped };
		origins.set(wrapped, { field: index, implicit: true });
	}
	return wrapped;
}

function mergeInto(target: JsonObject, leaf: JsonObject): void {
	for (const [key, value] of Object.entries(leaf))
		if (key !== 'properties' && key !== 'items') target[key] = value;
}

function addRequired(container: JsonObject, key: string): void {
	const required = (container.required as string[] | undefined) ?? [];
	if (!required.includes(key)) required.push(key);
	container.required = required;
}

function isArraySchema(schema: unknown): schema is JsonObject {
	return (
		isJsonObject(schema) &&
		(schema.type === 'array' || (Array.isArray(schema.type) && schema.type.includes('array')))
	);
}

function isObjectSchema(schema: unknown): schema is JsonObject {
	return (
		isJsonObject(schema) &&
		(schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object')))
	);
}

function describeType(schema: unknown): string {
	if (!isJsonObject(schema) || schema.type === undefined) return 'any value';
	return Array.isArray(schema.type) ? schema.type.join(' or ') : String(schema.type);
}

/** A map for field names: `__proto__` is a name like any other here. */
function newMap(): JsonObject {
	return Object.create(null) as JsonObject;
}

function put(target: JsonObject, key: string, value: JsonValue): void {
	Object.defineProperty(target, key, {
		value,
		writable: true,
		enumerable: true,
		configurable: true,
	});
}

function own(target: JsonObject, key: string): JsonValue | undefined {
	return Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
}
