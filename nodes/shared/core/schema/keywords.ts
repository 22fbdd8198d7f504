import { SchemaError } from './types';
import { describeValue } from './values';

/** The JSON Schema keywords the converter knows, and the readers that check their values. */

export type Dialect = '2020-12' | 'draft-07';

export const DIALECTS: Readonly<Record<string, Dialect>> = {
	'https://json-schema.org/draft/2020-12/schema': '2020-12',
	'http://json-schema.org/draft-07/schema': 'draft-07',
	'https://json-schema.org/draft-07/schema': 'draft-07',
};

export const TYPE_NAMES = [
	'null',
	'boolean',
	'object',
	'array',
	'number',
	'integer',
	'string',
] as const;
export type TypeName = (typeof TYPE_NAMES)[number];

export const STRING_KEYWORDS = ['format', 'pattern', 'minLength', 'maxLength'];
export const NUMBER_KEYWORDS = [
	'minimum',
	'maximum',
	'exclusiveMinimum',
	'exclusiveMaximum',
	'multipleOf',
];
export const ARRAY_KEYWORDS = [
	'items',
	'prefixItems',
	'additionalItems',
	'minItems',
	'maxItems',
	'uniqueItems',
	'contains',
];
export const OBJECT_KEYWORDS = [
	'properties',
	'required',
	'additionalProperties',
	'minProperties',
	'maxProperties',
];
export const KEYWORDS = new Set([
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
export const ANNOTATIONS = new Set([
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
export const UNSUPPORTED: Readonly<Record<string, string>> = {
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

export function readTypes(
	schema: Record<string, unknown>,
	pointer: string,
): Set<TypeName> | undefined {
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

export function readEnum(schema: Record<string, unknown>, pointer: string): unknown[] | undefined {
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

export function readRequired(schema: Record<string, unknown>, pointer: string): Set<string> {
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

export function readSchemaList(
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

export function readNumber(
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

export function readCount(
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

export function own(schema: Record<string, unknown>, key: string): unknown {
	return Object.prototype.hasOwnProperty.call(schema, key) ? schema[key] : undefined;
}

export function escapePointer(segment: string): string {
	return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
