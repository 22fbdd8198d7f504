// The folded validator (closed.ts foldedVariant): one Ajv pass standing for the schema's own
// validator and its closed variant. Where it passes, both must pass; and every verdict must
// be the one the two passes give without it, on generated items against schemas that close
// objects through allOf, anyOf, $ref, patternProperties and additionalProperties, in 2020-12,
// draft-07 (folded on 2019-09's rules) and OpenAPI 3.0. The node's fast path (isCleanlyValid,
// then checkItem told it said no) must give the verdict checkItem alone gives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';

import {
	checkAgainstSchema,
	compileSchema,
	DEFAULT_SCHEMA_CONTRACT,
	isCleanlyValid,
	type CompiledSchema,
	type SchemaContract,
} from '../../../nodes/shared/core/schema';
import { needsOwnProperties } from '../../../nodes/shared/core/schema/ajv';
import { showsPlainJson } from '../../../nodes/shared/core/schema/closed';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 5_000);
const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

const SCHEMAS: Record<string, object> = {
	flat: {
		$schema: DRAFT,
		type: 'object',
		properties: { a: { type: 'integer', minimum: 0 }, b: { type: 'string', pattern: '^x+$' } },
		required: ['a'],
	},
	'allOf and $ref': {
		$schema: DRAFT,
		$defs: { named: { properties: { name: { type: 'string', minLength: 2 } } } },
		allOf: [{ $ref: '#/$defs/named' }, { properties: { a: { type: 'number', maximum: 5 } } }],
		properties: { nested: { $ref: '#/$defs/named' } },
	},
	anyOf: {
		$schema: DRAFT,
		type: 'object',
		anyOf: [
			{ properties: { a: { type: 'integer', minimum: 3 } }, required: ['a'] },
			{ properties: { b: { type: 'string', maxLength: 3 } }, required: ['b'] },
		],
		properties: { name: { type: 'string' } },
	},
	'patternProperties, additionalProperties, arrays': {
		$schema: DRAFT,
		type: 'object',
		patternProperties: { '^x': { type: 'integer' } },
		properties: {
			list: { type: 'array', items: { properties: { a: { enum: [1, 2] } } }, maxItems: 3 },
			open: { type: 'object', additionalProperties: { type: 'string' } },
		},
	},
	'unevaluatedProperties with a schema': {
		$schema: DRAFT,
		properties: { a: { type: 'integer' } },
		anyOf: [{ properties: { b: { minimum: 2 } } }, { properties: { name: true } }],
		unevaluatedProperties: { type: 'string', maxLength: 2 },
	},
	'draft-07: definitions, dependencies, tuple items, contains': {
		$schema: DRAFT_07,
		definitions: { named: { properties: { name: { type: 'string', minLength: 2 } } } },
		type: 'object',
		allOf: [{ $ref: '#/definitions/named' }],
		properties: {
			a: { type: 'integer', minimum: 0, exclusiveMaximum: 6 },
			nested: { $ref: '#/definitions/named' },
			list: {
				type: 'array',
				items: [{ type: 'integer' }, { properties: { a: { enum: [1, 2] } } }],
				additionalItems: { type: 'string' },
			},
			open: { type: 'array', contains: { type: 'string' } },
		},
		dependencies: { b: ['a'], x1: { properties: { xy: { type: 'boolean' } } } },
	},
	'draft-07: anyOf, additionalProperties false, patternProperties': {
		$schema: DRAFT_07,
		type: 'object',
		anyOf: [
			{ properties: { a: { type: 'integer', minimum: 3 } }, required: ['a'] },
			{ properties: { b: { type: 'string', maxLength: 3 } }, required: ['b'] },
		],
		patternProperties: { '^x': { type: 'integer' } },
		properties: {
			name: { type: 'string' },
			nested: { type: 'object', properties: { a: true }, additionalProperties: false },
		},
	},
	"flat, primitive fields only (the benchmark's shape)": {
		$schema: DRAFT,
		type: 'object',
		properties: {
			a: { type: 'integer', minimum: 0 },
			b: { type: 'string', format: 'date', nullable: true },
			name: { type: ['string', 'null'], maxLength: 3 },
			x1: { type: 'number' },
			xy: { enum: ['x', 2, null] },
			list: { type: 'array', items: { type: 'array', items: { type: 'boolean' } } },
		},
		required: ['a'],
	},
	'a field named toString, an enum naming constructor': {
		$schema: DRAFT,
		type: 'object',
		properties: { toString: { type: 'string' }, a: { enum: ['constructor', 1] } },
	},
	'OpenAPI 3.0: nullable, boolean exclusive bounds, nullable $ref': {
		type: 'object',
		properties: {
			a: { type: 'integer', nullable: true, minimum: 0, exclusiveMinimum: true },
			b: { type: 'string', nullable: true, maxLength: 2 },
			nested: {
				nullable: true,
				allOf: [{ $ref: '#/components/schemas/Named' }],
			},
			list: { type: 'array', items: { $ref: '#/components/schemas/Named' }, maxItems: 3 },
		},
		required: ['a'],
		components: {
			schemas: { Named: { type: 'object', properties: { name: { type: 'string' } } } },
		},
	},
};

/**
 * An item each schema takes cleanly. Random items rarely are (any unlisted key is a new
 * field), so each property also runs this one: both paths are taken on every seed.
 */
const CLEAN: Record<string, Record<string, unknown>> = {
	flat: { a: 1 },
	'allOf and $ref': { a: 1 },
	anyOf: { a: 4 },
	'patternProperties, additionalProperties, arrays': { x1: 3 },
	'unevaluatedProperties with a schema': { a: 1 },
	'draft-07: definitions, dependencies, tuple items, contains': { a: 1 },
	'draft-07: anyOf, additionalProperties false, patternProperties': { a: 4 },
	"flat, primitive fields only (the benchmark's shape)": { a: 1 },
	'a field named toString, an enum naming constructor': { a: 1 },
	'OpenAPI 3.0: nullable, boolean exclusive bounds, nullable $ref': { a: 1 },
};

/** Options → Dialect per schema (the rest are auto-detected from $schema). */
const DIALECTS: Record<string, 'openapi3.0'> = {
	'OpenAPI 3.0: nullable, boolean exclusive bounds, nullable $ref': 'openapi3.0',
};

/** Contracts the node's fast path is checked under: the default, and each change let through. */
const CONTRACTS: SchemaContract[] = [
	DEFAULT_SCHEMA_CONTRACT,
	{ fieldAdded: 'discardValue', typeChanged: 'evolve', requiredMissing: 'discardValue' },
	{ fieldAdded: 'discardRow', typeChanged: 'discardValue', requiredMissing: 'evolve' },
];

const keys = fc.oneof(
	{
		arbitrary: fc.constantFrom('a', 'b', 'name', 'x1', 'xy', 'nested', 'list', 'open', 'other'),
		weight: 12,
	},
	// Names a plain object inherits: read as the item's own only.
	{ arbitrary: fc.constantFrom('toString', 'constructor', 'valueOf'), weight: 1 },
);
class Custom {
	a = 1;
}
/** Values JSON cannot carry, as an expression can leave them in an item. */
const alien = fc.constantFrom<unknown>(
	Number.NaN,
	Number.POSITIVE_INFINITY,
	undefined,
	new Date(0),
	new Map([['a', 1]]),
	new Custom(),
	() => 1,
	10n,
);
const leaf = fc.oneof(
	{ arbitrary: fc.integer({ min: -2, max: 8 }), weight: 4 },
	{ arbitrary: fc.constantFrom('x', 'xx', 'ab', 'abcd', '', 'y', '2024-02-29'), weight: 4 },
	{ arbitrary: fc.constant(null), weight: 4 },
	{ arbitrary: fc.boolean(), weight: 4 },
	{ arbitrary: fc.double({ min: 0, max: 6, noNaN: true }), weight: 4 },
	{ arbitrary: alien, weight: 1 },
);

/** Plain JSON as isPlainJson reads it (undefined allowed, as n8n drops it): the oracle's. */
function plain(value: unknown): boolean {
	if (typeof value === 'number') return Number.isFinite(value);
	if (
		value === null ||
		value === undefined ||
		typeof value === 'string' ||
		typeof value === 'boolean'
	)
		return true;
	if (Array.isArray(value)) return value.every(plain);
	if (typeof value !== 'object') return false;
	const prototype = Object.getPrototypeOf(value) as unknown;
	if (prototype !== Object.prototype && prototype !== null) return false;
	return Object.values(value).every(plain);
}
const { value } = fc.letrec((tie) => ({
	value: fc.oneof(
		{ depthSize: 'small', withCrossShrink: true },
		leaf,
		fc.dictionary(keys, tie('value'), { maxKeys: 4 }),
		fc.array(tie('value'), { maxLength: 3 }),
	),
}));
const item = fc.dictionary(keys, value, { maxKeys: 6 });

/** The same compiled schema, the two passes only. */
function unfolded(compiled: CompiledSchema): CompiledSchema {
	return { ...compiled, validators: { ...compiled.validators, folded: undefined } };
}

describe('the folded validator answers as the two passes it stands for', () => {
	for (const [name, schema] of Object.entries(SCHEMAS)) {
		it(name, () => {
			const compiled = compileSchema({ kind: 'jsonSchema', schema }, { dialect: DIALECTS[name] });
			const { folded, fast, closed } = compiled.validators;
			assert.ok(folded !== undefined, 'the schema is folded');
			const reference = unfolded(compiled);
			let passed = 0;
			fc.assert(
				fc.property(item, (json) => {
					// The folded pass is run on plain JSON only (isCleanlyValid).
					if (plain(json) && folded(json)) {
						passed++;
						assert.equal(fast(json), true, 'the schema accepts what the folded pass accepts');
						assert.equal(closed(json), true, 'no new field where the folded pass accepts');
					}
					assert.deepEqual(
						checkAgainstSchema(compiled, json, DEFAULT_SCHEMA_CONTRACT),
						checkAgainstSchema(reference, json, DEFAULT_SCHEMA_CONTRACT),
					);
				}),
				{ numRuns: RUNS, examples: [[CLEAN[name]]] },
			);
			assert.ok(passed > 0, 'some generated items passed the folded pass');
		});
	}

	for (const [name, schema] of Object.entries(SCHEMAS)) {
		it(`the node's fast path gives checkItem's verdict: ${name}`, () => {
			const compiled = compileSchema({ kind: 'jsonSchema', schema }, { dialect: DIALECTS[name] });
			assert.ok(isCleanlyValid(compiled, CLEAN[name]), `${JSON.stringify(CLEAN[name])} is clean`);
			let clean = 0;
			let other = 0;
			fc.assert(
				fc.property(item, fc.constantFrom(...CONTRACTS), (json, contract) => {
					const expected = checkAgainstSchema(compiled, json, contract);
					if (isCleanlyValid(compiled, json)) {
						clean++;
						assert.equal(expected.outcome, 'valid');
						assert.equal(expected.json, json, 'a clean item leaves as it came');
						assert.deepEqual(expected.findings, []);
						assert.deepEqual(expected.changes, []);
						assert.deepEqual(expected.problems, []);
					} else {
						other++;
						assert.deepEqual(checkAgainstSchema(compiled, json, contract, 20, true), expected);
						assert.ok(
							expected.outcome !== 'valid' || expected.findings.length > 0,
							'an item the fast path turns down has findings',
						);
					}
				}),
				{
					numRuns: RUNS,
					examples: CONTRACTS.map((contract): [unknown, SchemaContract] => [CLEAN[name], contract]),
				},
			);
			assert.ok(clean > 0 && other > 0, `both paths taken (${clean} clean, ${other} not)`);
		});
	}

	it('reads fields without ownProperties, and skips the walk, only where proven', () => {
		const flat = compileSchema({
			kind: 'jsonSchema',
			schema: SCHEMAS["flat, primitive fields only (the benchmark's shape)"],
		});
		assert.equal(flat.validators.foldedShowsPlain, true);
		const named = SCHEMAS['a field named toString, an enum naming constructor'];
		assert.equal(needsOwnProperties([named]), true);
		assert.equal(needsOwnProperties([{ properties: { a: { const: '__proto__' } } }]), true);
		assert.equal(needsOwnProperties([SCHEMAS.flat, SCHEMAS.anyOf]), false);
		assert.equal(showsPlainJson(SCHEMAS.flat), true);
		const notShown: object[] = [
			SCHEMAS.anyOf,
			{ type: 'object', properties: { a: { type: 'object' } } },
			{ type: 'object', properties: { a: { type: 'array' } } },
			{ type: 'object', properties: { a: { type: ['string', 'object'] } } },
			{ type: 'object', properties: { a: {} } },
			{ type: 'object', properties: { a: { enum: [{ b: 1 }] } } },
			{ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true },
			{ properties: { a: { type: 'string' } } },
		];
		for (const schema of notShown)
			assert.equal(showsPlainJson(schema), false, JSON.stringify(schema));
		// NaN passes `type: number` in Ajv without strictNumbers; the folded pass has it.
		const numbers = compileSchema({
			kind: 'jsonSchema',
			schema: { type: 'object', properties: { n: { type: 'number' } } },
		});
		assert.equal(numbers.validators.folded!({ n: Number.NaN }), false);
		assert.equal(isCleanlyValid(numbers, { n: Number.NaN }), false);
		assert.equal(
			checkAgainstSchema(numbers, { n: Number.NaN }, DEFAULT_SCHEMA_CONTRACT).outcome,
			'invalid',
		);
		assert.equal(isCleanlyValid(numbers, new Date(0)), false);
	});

	it('is not used where one pass could answer differently', () => {
		const base = { type: 'object', properties: { a: { type: 'integer' } } };
		const cases: Array<[object, boolean]> = [
			[{ $schema: DRAFT, ...base, oneOf: [{ required: ['a'] }, { required: ['b'] }] }, false],
			[{ $schema: DRAFT, ...base, if: { required: ['a'] }, then: { required: ['b'] } }, false],
			[{ $schema: DRAFT, ...base, properties: { a: { $dynamicRef: '#node' } } }, false],
			[{ $schema: DRAFT_07, ...base }, true],
			[{ $schema: DRAFT_07, ...base, contains: { type: 'string' }, minContains: 0 }, false],
			[{ $schema: DRAFT_07, ...base, oneOf: [{ required: ['a'] }, { required: ['b'] }] }, false],
			[{ $schema: DRAFT, ...base, anyOf: [{ required: ['a'] }, { required: ['b'] }] }, true],
		];
		for (const [schema, folds] of cases) {
			const compiled = compileSchema({ kind: 'jsonSchema', schema });
			assert.equal(compiled.validators.folded !== undefined, folds, JSON.stringify(schema));
		}
	});
});
