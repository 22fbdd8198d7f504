import { stableHash } from '../hash';
import type { JsonObject } from '../json';
import { convertJsonSchema, type ConvertedSchema } from './convert';
import { schemaFromFields, type FieldSpec } from './fields';
import { inferSchema } from './infer';
import { SchemaError } from './types';
import { describeValue } from './values';

/** The three ways to give a schema; all end as a JSON Schema document and go through one converter. */
export type SchemaSource =
	| { kind: 'jsonSchema'; schema: unknown }
	| { kind: 'fields'; fields: readonly FieldSpec[] }
	| { kind: 'sample'; sample: unknown };

export interface CompiledSchema extends ConvertedSchema {
	source: SchemaSource['kind'];
	/** The JSON Schema validated against: pasted, built from the fields, or inferred. */
	document: JsonObject | boolean;
	/** SHA-256 of the document's stable JSON: the same schema, the same fingerprint. */
	fingerprint: string;
}

/**
 * Compiled schemas by fingerprint. Compiling is per execution at most; most executions
 * of a workflow use the same schema, so they skip even that.
 */
const CACHE_SIZE = 32;
const cache = new Map<string, CompiledSchema>();

/** Compiles a schema from any source. Throws a SchemaError, naming the place, when it cannot be used. */
export function compileSchema(source: SchemaSource): CompiledSchema {
	const warnings: string[] = [];
	let document: unknown;
	switch (source.kind) {
		case 'jsonSchema':
			document =
				typeof source.schema === 'string' ? parseJson(source.schema, 'The schema') : source.schema;
			break;
		case 'fields':
			document = schemaFromFields(source.fields);
			break;
		case 'sample': {
			const sample =
				typeof source.sample === 'string' ? parseJson(source.sample, 'The sample') : source.sample;
			const inferred = inferSchema(sample);
			document = inferred.schema;
			warnings.push(...inferred.warnings);
			break;
		}
	}
	const fingerprint = fingerprintOf(document);
	const cached = cache.get(fingerprint);
	if (cached) {
		// Refresh its place: the least recently used schema leaves first.
		cache.delete(fingerprint);
		cache.set(fingerprint, cached);
		return withWarnings(cached, source.kind, warnings);
	}
	const compiled: CompiledSchema = {
		...convertJsonSchema(document),
		source: source.kind,
		document: document as JsonObject | boolean,
		fingerprint,
	};
	cache.set(fingerprint, compiled);
	if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
	return withWarnings(compiled, source.kind, warnings);
}

function withWarnings(
	compiled: CompiledSchema,
	source: SchemaSource['kind'],
	extra: string[],
): CompiledSchema {
	if (extra.length === 0 && compiled.source === source) return compiled;
	return { ...compiled, source, warnings: [...extra, ...compiled.warnings] };
}

/** JSON text from a parameter, or a SchemaError saying where it breaks. */
export function parseJson(text: string, subject: string): unknown {
	if (text.trim() === '') throw new SchemaError('', 'is empty', undefined, subject);
	try {
		return JSON.parse(text) as unknown;
	} catch (error) {
		throw new SchemaError('', `is not valid JSON: ${(error as Error).message}`, undefined, subject);
	}
}

function fingerprintOf(document: unknown): string {
	try {
		return stableHash(document);
	} catch (error) {
		throw new SchemaError(
			'',
			`cannot be read as JSON (${(error as Error).message}): ${describeValue(document)}`,
		);
	}
}

/** For tests: forget every compiled schema. */
export function clearSchemaCache(): void {
	cache.clear();
}
