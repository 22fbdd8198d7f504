import type { Dialect } from './dialect';
import { DATA_KEYWORDS, NAME_MAPS } from './pointers';
import { isJsonObject, setOwn } from './values';

/** Always valid, but not recognisably so: Ajv skips `then: true` and `then: {}` entirely. */
const PASSES = { not: false };

/**
 * Where Ajv 8 departs from the standard, the schema handed to it is rewritten into an
 * equivalent one (the user's document is left as it is, so messages keep its pointers):
 *
 * - `enum: []` is valid JSON Schema and matches nothing; Ajv refuses to compile it. It
 *   becomes `not: {}`.
 * - `$ref` beside a `$id` (2019-09, 2020-12): Ajv resolves the ref against the outer base
 *   URI and recurses until the stack overflows. In these drafts `$ref` is an applicator
 *   like `allOf`, so `{ $id, $ref, … }` is `{ $id, allOf: [{ $ref }], … }`, which Ajv
 *   resolves against the `$id`. (In draft-07 `$ref` replaces its siblings: left alone.)
 * - `if` without `then` or `else`: Ajv skips the `if`, so the fields it evaluated are
 *   unknown to `unevaluatedProperties`. An always-valid `then`/`else` keeps it.
 * - A field named `__proto__` in `properties`: Ajv never reads it (it could reach the
 *   prototype). It moves to `patternProperties` as `^__proto__$`, which Ajv reads as an
 *   own field of the item.
 */
export function withoutAjvQuirks(schema: unknown, dialect: Dialect): unknown {
	return rewrite(schema, dialect === 'draft2019-09' || dialect === 'draft2020-12');
}

function rewrite(node: unknown, refIsApplicator: boolean): unknown {
	if (Array.isArray(node)) return node.map((item) => rewrite(item, refIsApplicator));
	if (!isJsonObject(node)) return node;
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(node)) {
		if (DATA_KEYWORDS.has(key)) setOwn(out, key, value);
		else if (NAME_MAPS.has(key) && isJsonObject(value)) {
			const map: Record<string, unknown> = {};
			for (const [name, schema] of Object.entries(value))
				setOwn(map, name, rewrite(schema, refIsApplicator));
			setOwn(out, key, map);
		} else setOwn(out, key, rewrite(value, refIsApplicator));
	}
	if (Array.isArray(out.enum) && out.enum.length === 0) {
		delete out.enum;
		appendAllOf(out, { not: {} });
	}
	if (
		refIsApplicator &&
		typeof out.$ref === 'string' &&
		typeof out.$id === 'string' &&
		!out.$id.startsWith('#')
	) {
		const ref = out.$ref;
		delete out.$ref;
		appendAllOf(out, { $ref: ref });
	}
	if (out.if !== undefined && (out.then === undefined || out.else === undefined)) {
		out.then ??= PASSES;
		out.else ??= PASSES;
	}
	if (isJsonObject(out.properties) && Object.hasOwn(out.properties, '__proto__'))
		moveProtoField(out, out.properties);
	return out;
}

function moveProtoField(schema: Record<string, unknown>, properties: Record<string, unknown>) {
	const field = Object.getOwnPropertyDescriptor(properties, '__proto__')?.value;
	const rest: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(properties))
		if (key !== '__proto__') setOwn(rest, key, value);
	schema.properties = rest;
	const patterns = isJsonObject(schema.patternProperties) ? { ...schema.patternProperties } : {};
	const key = '^__proto__$';
	patterns[key] = patterns[key] === undefined ? field : { allOf: [patterns[key], field] };
	schema.patternProperties = patterns;
}

function appendAllOf(schema: Record<string, unknown>, subschema: Record<string, unknown>): void {
	schema.allOf = Array.isArray(schema.allOf) ? [...schema.allOf, subschema] : [subschema];
}
