import Ajv, { type AnySchema, type Options, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import draft7MetaSchema from 'ajv/dist/refs/json-schema-draft-07.json';

import { compileUserPattern, PatternError } from '../regex';
import { withoutAjvQuirks } from './ajvQuirks';
import { closedVariant, foldedVariant, showsPlainJson } from './closed';
import type { Dialect } from './dialect';
import { formatTable } from './formats';
import { findKeyword, findPresent, findRef, valueAtPointer } from './pointers';
import { SchemaError } from './types';
import { describeValue, isJsonObject, setOwn } from './values';

/**
 * JSON Schema compiled by Ajv 8, the standard's compiled validator, with re2js (linear
 * time) for `pattern`, `patternProperties` and the formats. Three functions per schema:
 * `fast` answers valid or not (stops at the first error), `explain` lists every error
 * (run only for items that failed), and `closed` is the schema with every open object
 * closed by `unevaluatedProperties: false`: it fails exactly where an item carries a
 * field the schema does not declare (new-field drift), through allOf, $ref and branches.
 */
export interface AjvValidators {
	fast: ValidateFunction;
	explain: ValidateFunction;
	closed: ValidateFunction;
	/** The closed variant with every error listed, run only when `closed` fails. */
	closedExplain: ValidateFunction;
	/**
	 * Where proven (closed.ts foldedVariant): `fast` and `closed` in one pass. When it
	 * passes, both pass; when it fails, they tell why.
	 */
	folded?: ValidateFunction;
	/**
	 * Where the folded pass passing proves an item whose top is a plain object plain JSON all
	 * the way down (closed.ts showsPlainJson): isCleanlyValid then skips its walk.
	 */
	foldedShowsPlain?: boolean;
}

export interface ReferencedSchema {
	uri?: string;
	schema: unknown;
}

export interface AjvSettings {
	dialect: Dialect;
	checkFormats: boolean;
	referenced: readonly ReferencedSchema[];
}

/**
 * Ajv calls this for every pattern; `code` is only for Ajv's standalone output, unused
 * here. Ajv keys compiled patterns by `toString()`: each must say its own source.
 */
const linearRegExp = Object.assign(
	(source: string, flags: string) => {
		const pattern = compileUserPattern(source, { flags, label: 'pattern' });
		return { test: (text: string) => pattern.test(text), toString: () => `/${source}/${flags}` };
	},
	{ code: 'compileUserPattern' },
);

function instance(
	dialect: Dialect,
	settings: AjvSettings,
	explain: boolean,
	closed: boolean,
	/** The folded pass's own settings (ownProperties, strictNumbers). */
	folded: Pick<Options, 'ownProperties' | 'strictNumbers'> = {},
) {
	const options: Options = {
		strict: false,
		allErrors: explain,
		verbose: explain,
		allowUnionTypes: true,
		// A field named toString is the item's, never Object.prototype's.
		ownProperties: true,
		logger: false,
		validateFormats: settings.checkFormats,
		formats: formatTable(),
		code: { regExp: linearRegExp },
		// The closed variant is a copy of the schema: it must not meet the original's $ids.
		validateSchema: !closed,
		addUsedSchema: true,
		...folded,
	};
	const ajv =
		dialect === 'draft2020-12'
			? new Ajv2020(options)
			: dialect === 'draft2019-09' || closed
				? new Ajv2019(options)
				: new Ajv(options);
	if (dialect !== 'draft-07' && dialect !== 'openapi3.0') ajv.addMetaSchema(draft7MetaSchema);
	if (closed && (dialect === 'draft-07' || dialect === 'openapi3.0'))
		ajv.addMetaSchema(draft7MetaSchema);
	// A float-safe multipleOf: 3 is a multiple of 1e-8; an overflowing quotient is not.
	ajv.removeKeyword('multipleOf');
	ajv.addKeyword({
		keyword: 'multipleOf',
		type: 'number',
		schemaType: 'number',
		errors: false,
		validate: (divisor: number, data: number) => isMultipleOf(data, divisor),
	});
	for (const [index, { uri, schema }] of settings.referenced.entries()) {
		try {
			ajv.addSchema(schema as AnySchema, uri);
		} catch (error) {
			throw new SchemaError(
				'',
				`Referenced Schemas: schema ${index + 1}${uri ? ` ("${uri}")` : ''} cannot be used: ${(error as Error).message}`,
				'Each referenced schema needs an $id (or, in the object form, its URI as the key), once.',
				'Options → Referenced Schemas',
			);
		}
	}
	return ajv;
}

export function isMultipleOf(data: number, divisor: number): boolean {
	if (divisor <= 0) return true;
	if (Number.isInteger(data) && Number.isInteger(divisor)) return data % divisor === 0;
	const quotient = data / divisor;
	if (!Number.isFinite(quotient)) return false;
	return Math.abs(quotient - Math.round(quotient)) <= 1e-9 * Math.max(1, Math.abs(quotient));
}

/** Compiles the three validators; a schema Ajv refuses becomes a SchemaError naming the place. */
export function buildValidators(document: unknown, settings: AjvSettings): AjvValidators {
	const dialect = settings.dialect;
	const schema = withoutAjvQuirks(
		dialect === 'openapi3.0' ? fromOpenApi(document) : document,
		dialect,
	) as AnySchema;
	const fast = compileWith(instance(dialect, settings, false, false), schema, document);
	const explain = compileWith(instance(dialect, settings, true, false), schema, document);
	const variant = closedVariant(schema, dialect) as AnySchema;
	const closed = compileWith(instance(dialect, settings, false, true), variant, document);
	const closedExplain = compileWith(instance(dialect, settings, true, true), variant, document);
	const foldable = foldedVariant(
		schema,
		dialect,
		settings.referenced.map((referenced) => referenced.schema),
	) as AnySchema | undefined;
	const folded =
		foldable === undefined
			? undefined
			: compileWith(
					instance(dialect, settings, false, true, {
						ownProperties: needsOwnProperties([
							foldable,
							...settings.referenced.map((each) => each.schema),
						]),
						// NaN and ±Infinity fail number and integer: no plain-JSON item is refused for it.
						strictNumbers: true,
					}),
					foldable,
					document,
				);
	return {
		fast,
		explain,
		closed,
		closedExplain,
		folded,
		foldedShowsPlain: folded !== undefined && showsPlainJson(schema),
	};
}

/** What a plain object inherits (toString, constructor, __proto__…): names Ajv could read through. */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Whether the folded pass must read fields with Ajv's ownProperties form. Without it, it
 * reads `data.name !== undefined` and lists fields with for…in: twice as quick, and the
 * same answers on the items it is run on (isCleanlyValid runs it only on plain JSON:
 * objects whose prototype is Object.prototype or null, at every depth), as long as no name
 * the schemas could look up is one an object inherits: no text anywhere in them, key or
 * value, may be such a name or hold `__proto__`. (Keys for…in might list beyond the own
 * ones are undeclared: they only fail an item, which then takes the slow path.)
 */
export function needsOwnProperties(schemas: readonly unknown[]): boolean {
	const inherited = (text: string) => INHERITED.has(text) || text.includes('__proto__');
	const visit = (value: unknown, depth: number): boolean => {
		if (depth > 500) return true;
		if (typeof value === 'string') return inherited(value);
		if (Array.isArray(value)) return value.some((item) => visit(item, depth + 1));
		if (value === null || typeof value !== 'object') return false;
		for (const [key, child] of Object.entries(value))
			if (inherited(key) || visit(child, depth + 1)) return true;
		return false;
	};
	return schemas.some((schema) => visit(schema, 0));
}

function compileWith(ajv: Ajv, schema: AnySchema, document: unknown): ValidateFunction {
	try {
		return ajv.compile(schema);
	} catch (error) {
		throw toSchemaError(error, ajv, document);
	}
}

function toSchemaError(error: unknown, ajv: Ajv, document: unknown): Error {
	if (error instanceof SchemaError) return error;
	if (error instanceof PatternError) {
		const pointer = findKeyword(document, 'pattern', error.pattern) ?? '';
		return new SchemaError(
			pointer,
			`is not a valid regular expression for Schema Guard: ${error.message.replace(/^pattern: the/, 'the')}`,
			'Schema Guard runs patterns on a linear-time engine (re2js): rewrite the pattern without backreferences or lookaround.',
		);
	}
	const missing = (error as { missingRef?: string }).missingRef;
	if (typeof missing === 'string') {
		const pointer = findRef(document, missing) ?? '';
		return new SchemaError(
			pointer,
			`refers to "${missing}", which is neither in the schema nor in Referenced Schemas`,
			'Paste the referenced schema (with its $id, or keyed by its URI) into Options → Referenced Schemas: Schema Guard never fetches schemas from the network.',
		);
	}
	const metaErrors = ajv.errors;
	if (Array.isArray(metaErrors) && metaErrors.length > 0) {
		// The most specific error: the deepest place, and an enum's list over a type mismatch.
		const first = [...metaErrors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
		const allowed = (first.params as { allowedValues?: unknown[] }).allowedValues;
		const value = valueAtPointer(document, first.instancePath);
		const rule = Array.isArray(allowed)
			? `must be one of ${allowed.map((item) => JSON.stringify(item)).join(', ')}`
			: (first.message ?? 'is not allowed by the JSON Schema standard');
		return new SchemaError(
			first.instancePath,
			`${describeValue(value)} is not a valid value here: it ${rule}`,
		);
	}
	const message = (error as Error).message ?? String(error);
	const keyword = /^(\w+) /.exec(message)?.[1];
	const pointer = keyword === undefined ? undefined : findPresent(document, keyword);
	return new SchemaError(pointer ?? '', `cannot be compiled: ${message}`);
}

/**
 * OpenAPI 3.0 schema objects on draft-07's rules: `nullable: true` adds null (Ajv reads
 * it), boolean `exclusiveMinimum`/`exclusiveMaximum` (draft-04's form) become numbers.
 */
function fromOpenApi(schema: unknown, depth = 0): unknown {
	if (depth > 200) return schema;
	if (Array.isArray(schema)) return schema.map((item) => fromOpenApi(item, depth + 1));
	if (!isJsonObject(schema)) return schema;
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(schema)) {
		if (key === 'enum' || key === 'const' || key === 'example' || key === 'default') {
			setOwn(out, key, value);
			continue;
		}
		setOwn(out, key, fromOpenApi(value, depth + 1));
	}
	for (const [flag, bound] of [
		['exclusiveMinimum', 'minimum'],
		['exclusiveMaximum', 'maximum'],
	] as const) {
		if (typeof out[flag] !== 'boolean') continue;
		if (out[flag] === true && typeof out[bound] === 'number') {
			out[flag] = out[bound];
			delete out[bound];
		} else delete out[flag];
	}
	// Ajv reads nullable only beside a type. Without one, vendors (Stripe) write it beside
	// anyOf/oneOf/$ref and mean "or null", as OpenAPI converters read it.
	if (out.nullable === true && out.type === undefined) {
		delete out.nullable;
		const union = Array.isArray(out.anyOf)
			? 'anyOf'
			: Array.isArray(out.oneOf)
				? 'oneOf'
				: undefined;
		if (union !== undefined) out[union] = [...(out[union] as unknown[]), { type: 'null' }];
		else if (out.$ref !== undefined || out.allOf !== undefined) {
			const rest = { ...out };
			for (const key of Object.keys(out)) delete out[key];
			out.anyOf = [rest, { type: 'null' }];
		}
	}
	return out;
}
