import type { JsonObject } from '../json';
import { SchemaError } from './types';
import { fieldPathOf, isJsonObject, jsonTypeOf } from './values';

/**
 * A JSON Schema (2020-12) inferred from sample payloads: one object, or a list of them
 * (each one record). The node shows the result so the user can pin it as a JSON Schema.
 *
 * What it decides, and why:
 * - a field present in every sample is required; in some, optional;
 * - numbers are `number`, never `integer`: a sample of `10` says nothing about `10.5`;
 * - a string field gets a format only when every sample value has it (uuid, date-time,
 *   date, email, uri);
 * - a field seen null gets `null` in its type and its share of nulls as `x-null-rate`,
 *   the baseline for null-rate drift; a field only ever null accepts any value;
 * - objects list their fields, so a field the samples never had is reported as new.
 */
export interface InferredSchema {
	schema: JsonObject;
	warnings: string[];
}

const SCHEMA_2020_12 = 'https://json-schema.org/draft/2020-12/schema';
/** Deeper than this, a sample's values are accepted as they come (`{}`). */
const MAX_INFER_DEPTH = 32;
/** Elements looked at per array: enough to learn the shape, bounded for huge samples. */
const MAX_ELEMENTS = 1000;

type ValueType = 'boolean' | 'number' | 'string' | 'array' | 'object';
type Format = 'uuid' | 'date-time' | 'date' | 'email' | 'uri';

const FORMAT_TESTS: ReadonlyArray<[Format, RegExp]> = [
	['uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i],
	['date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i],
	['date', /^\d{4}-\d{2}-\d{2}$/],
	['email', /^[^\s@]+@[^\s@]+\.[^\s@]+$/],
	['uri', /^[a-z][a-z0-9+.-]*:\/\/[^\s]+$/i],
];

interface Shape {
	seen: number;
	nulls: number;
	types: Set<ValueType>;
	/** Formats every string so far had; undefined before the first string. */
	formats?: Set<Format>;
	objects: number;
	props: Map<string, { shape: Shape; present: number }>;
	items?: Shape;
	tooDeep: boolean;
	alien: boolean;
}

function newShape(): Shape {
	return {
		seen: 0,
		nulls: 0,
		types: new Set(),
		objects: 0,
		props: new Map(),
		tooDeep: false,
		alien: false,
	};
}

export function inferSchema(sample: unknown): InferredSchema {
	const records = Array.isArray(sample) ? sample : [sample];
	if (records.length === 0)
		throw new SchemaError(
			'',
			'is an empty list',
			'Paste one example payload, or a list of them.',
			'The sample',
		);
	const root = newShape();
	records.forEach((record, index) => {
		if (!isJsonObject(record)) {
			throw new SchemaError(
				Array.isArray(sample) ? `/${index}` : '',
				`${Array.isArray(sample) ? `item ${index} ` : ''}is ${jsonTypeOf(record)}, not an object`,
				'n8n items are objects: paste an example object, or a list of them.',
				'The sample',
			);
		}
		observe(root, record, 0);
	});
	const warnings: string[] = [];
	const schema = emit(root, [], warnings);
	return { schema: { $schema: SCHEMA_2020_12, ...schema }, warnings };
}

function observe(shape: Shape, value: unknown, depth: number): void {
	shape.seen++;
	if (value === null) {
		shape.nulls++;
		return;
	}
	if (depth > MAX_INFER_DEPTH) {
		shape.tooDeep = true;
		return;
	}
	if (typeof value === 'string') {
		shape.types.add('string');
		const matching = new Set(
			FORMAT_TESTS.filter(([, test]) => test.test(value)).map(([format]) => format),
		);
		shape.formats =
			shape.formats === undefined
				? matching
				: new Set([...shape.formats].filter((format) => matching.has(format)));
	} else if (typeof value === 'number' && Number.isFinite(value)) {
		shape.types.add('number');
	} else if (typeof value === 'boolean') {
		shape.types.add('boolean');
	} else if (Array.isArray(value)) {
		shape.types.add('array');
		shape.items ??= newShape();
		for (const element of value.slice(0, MAX_ELEMENTS)) observe(shape.items, element, depth + 1);
	} else if (isJsonObject(value)) {
		shape.types.add('object');
		shape.objects++;
		for (const key of Object.keys(value)) {
			let prop = shape.props.get(key);
			if (!prop) {
				prop = { shape: newShape(), present: 0 };
				shape.props.set(key, prop);
			}
			prop.present++;
			observe(prop.shape, value[key], depth + 1);
		}
	} else {
		shape.alien = true;
	}
}

function emit(shape: Shape, path: Array<string | number>, warnings: string[]): JsonObject {
	const where = fieldPathOf(path);
	if (shape.tooDeep)
		warnings.push(
			`${where} is nested deeper than ${MAX_INFER_DEPTH} levels in the sample: anything is accepted there.`,
		);
	if (shape.alien)
		warnings.push(
			`${where} holds a value JSON cannot carry in the sample (a date object, a function…): it is left out of the type.`,
		);
	const schema: JsonObject = {};
	const types = [...shape.types].sort();
	if (types.length === 0) {
		if (shape.nulls > 0 && path.length > 0) {
			warnings.push(
				`${where} is null in every sample, so any value is accepted. Set its type when you pin the schema.`,
			);
			schema['x-null-rate'] = 1;
		}
		return schema;
	}
	const withNull = shape.nulls > 0 ? [...types, 'null'] : types;
	schema.type = withNull.length === 1 ? withNull[0] : withNull;
	if (shape.types.has('string') && shape.formats && shape.formats.size > 0) {
		schema.format = FORMAT_TESTS.map(([format]) => format).find((format) =>
			shape.formats!.has(format),
		) as string;
	}
	if (shape.types.has('object')) {
		const properties = Object.create(null) as JsonObject;
		const required: string[] = [];
		for (const [key, prop] of shape.props) {
			Object.defineProperty(properties, key, {
				value: emit(prop.shape, [...path, key], warnings),
				writable: true,
				enumerable: true,
				configurable: true,
			});
			if (prop.present === shape.objects) required.push(key);
		}
		schema.properties = properties;
		if (required.length > 0) schema.required = required;
	}
	if (shape.types.has('array') && shape.items && shape.items.seen > 0) {
		schema.items = emit(shape.items, [...path, 0], warnings);
	}
	if (shape.nulls > 0 && path.length > 0)
		schema['x-null-rate'] = Math.round((shape.nulls / shape.seen) * 10_000) / 10_000;
	return schema;
}
