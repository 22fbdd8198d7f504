import { stableHash } from '../hash';
import type { JsonObject } from '../json';
import { buildValidators, type AjvValidators, type ReferencedSchema } from './ajv';
import { checkRefCycles } from './cycles';
import { chooseDialect, DIALECT_LABELS, type Dialect, type DialectOption } from './dialect';
import { schemaFromFields, type FieldSpec } from './fields';
import { inferSchema } from './infer';
import { buildModel, type SchemaModel } from './model';
import { lintSchema } from './lint';
import { SchemaError } from './types';
import { describeValue, isJsonObject } from './values';

/** The three ways to give a schema; all end as a JSON Schema document and go through Ajv. */
export type SchemaSource =
	| { kind: 'jsonSchema'; schema: unknown }
	| { kind: 'fields'; fields: readonly FieldSpec[] }
	| { kind: 'sample'; sample: unknown };

/** Options → Dialect, Check Formats, Referenced Schemas (absent: auto, true, none). */
export interface CompileOptions {
	dialect?: DialectOption;
	checkFormats?: boolean;
	/** A JSON array of schemas with $id, or an object of schemas by URI (text or parsed). */
	referencedSchemas?: unknown;
}

export interface CompiledSchema {
	validators: AjvValidators;
	dialect: Dialect;
	/** `Read as JSON Schema draft-07: the schema has no $schema and uses definitions`. */
	dialectNote: string;
	model: SchemaModel;
	warnings: string[];
	source: SchemaSource['kind'];
	/** The JSON Schema validated against: pasted, built from the fields, or inferred. */
	document: JsonObject | boolean;
	/** SHA-256 of the document's stable JSON: the same schema, the same fingerprint. */
	fingerprint: string;
}

/**
 * Compiled schemas by schema and options. n8n runs the same workflow again and again:
 * compiling (Ajv generates code) happens once, later executions take it from here.
 */
const CACHE_SIZE = 32;
const cache = new Map<string, CompiledSchema>();

/** Compiles a schema from any source. Throws a SchemaError, naming the place, when it cannot be used. */
export function compileSchema(source: SchemaSource, options: CompileOptions = {}): CompiledSchema {
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
	if (!isJsonObject(document) && typeof document !== 'boolean') {
		throw new SchemaError(
			'',
			`must be a JSON object, not ${describeValue(document)}`,
			'Paste a JSON Schema such as {"type": "object", "properties": {…}}.',
		);
	}
	const referenced = readReferenced(options.referencedSchemas);
	const fingerprint = fingerprintOf(document);
	const key = `${fingerprint}\u0000${options.dialect ?? 'auto'}\u0000${options.checkFormats !== false}\u0000${referenced.length === 0 ? '' : fingerprintOf(referenced)}`;
	const cached = cache.get(key);
	if (cached) {
		// Refresh its place: the least recently used schema leaves first.
		cache.delete(key);
		cache.set(key, cached);
		return withWarnings(cached, source.kind, warnings);
	}
	const choice = chooseDialect(document, options.dialect ?? 'auto');
	checkRefCycles(document, referenced);
	const compiled: CompiledSchema = {
		validators: buildValidators(document, {
			dialect: choice.dialect,
			checkFormats: options.checkFormats !== false,
			referenced,
		}),
		dialect: choice.dialect,
		dialectNote: `Read as ${DIALECT_LABELS[choice.dialect]}: ${choice.reason}`,
		model: buildModel(document),
		warnings: lintSchema(document, options.checkFormats !== false),
		source: source.kind,
		document: document as JsonObject | boolean,
		fingerprint,
	};
	cache.set(key, compiled);
	if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
	return withWarnings(compiled, source.kind, warnings);
}

/** Both forms of Referenced Schemas: `[{ $id, … }, …]` or `{ "<uri>": { … }, … }`. */
export function readReferenced(value: unknown): ReferencedSchema[] {
	const subject = 'Options → Referenced Schemas';
	if (value === undefined || value === null || value === '') return [];
	const parsed = typeof value === 'string' ? parseJson(value, subject) : value;
	if (Array.isArray(parsed)) {
		return parsed.map((schema, index) => {
			const id = isJsonObject(schema) ? (schema.$id ?? schema.id) : undefined;
			if (typeof id !== 'string' || id === '')
				throw new SchemaError(
					'',
					`schema ${index + 1} has no $id`,
					'Give each referenced schema the $id its $refs use, or use the object form: {"<URI>": {…}}.',
					subject,
				);
			return { schema };
		});
	}
	if (isJsonObject(parsed)) {
		if (typeof parsed.$id === 'string') return [{ schema: parsed }];
		return Object.entries(parsed).map(([uri, schema]) => ({ uri, schema }));
	}
	throw new SchemaError(
		'',
		`must be a JSON array of schemas or an object of schemas by URI, not ${describeValue(parsed)}`,
		undefined,
		subject,
	);
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
