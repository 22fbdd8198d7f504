// The folded validator (closed.ts foldedVariant): one Ajv pass standing for the schema's own
// validator and its closed variant. Where it passes, both must pass; and every verdict must
// be the one the two passes give without it, on generated items against schemas that close
// objects through allOf, anyOf, $ref, patternProperties and additionalProperties.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';

import {
	checkAgainstSchema,
	compileSchema,
	DEFAULT_SCHEMA_CONTRACT,
	type CompiledSchema,
} from '../../../nodes/shared/core/schema';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 5_000);
const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

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
};

const keys = fc.constantFrom('a', 'b', 'name', 'x1', 'xy', 'nested', 'list', 'open', 'other');
const leaf = fc.oneof(
	fc.integer({ min: -2, max: 8 }),
	fc.constantFrom('x', 'xx', 'ab', 'abcd', '', 'y'),
	fc.constant(null),
	fc.boolean(),
	fc.double({ min: 0, max: 6, noNaN: true }),
);
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
			const compiled = compileSchema({ kind: 'jsonSchema', schema });
			const { folded, fast, closed } = compiled.validators;
			assert.ok(folded !== undefined, 'the schema is folded');
			const reference = unfolded(compiled);
			let passed = 0;
			fc.assert(
				fc.property(item, (json) => {
					if (folded(json)) {
						passed++;
						assert.equal(fast(json), true, 'the schema accepts what the folded pass accepts');
						assert.equal(closed(json), true, 'no new field where the folded pass accepts');
					}
					assert.deepEqual(
						checkAgainstSchema(compiled, json, DEFAULT_SCHEMA_CONTRACT),
						checkAgainstSchema(reference, json, DEFAULT_SCHEMA_CONTRACT),
					);
				}),
				{ numRuns: RUNS },
			);
			assert.ok(passed > 0, 'some generated items passed the folded pass');
		});
	}

	it('is not used where one pass could answer differently', () => {
		const base = { type: 'object', properties: { a: { type: 'integer' } } };
		const cases: Array<[object, boolean]> = [
			[{ $schema: DRAFT, ...base, oneOf: [{ required: ['a'] }, { required: ['b'] }] }, false],
			[{ $schema: DRAFT, ...base, if: { required: ['a'] }, then: { required: ['b'] } }, false],
			[{ $schema: DRAFT, ...base, properties: { a: { $dynamicRef: '#node' } } }, false],
			[{ $schema: 'http://json-schema.org/draft-07/schema#', ...base }, false],
			[{ $schema: DRAFT, ...base, anyOf: [{ required: ['a'] }, { required: ['b'] }] }, true],
		];
		for (const [schema, folds] of cases) {
			const compiled = compileSchema({ kind: 'jsonSchema', schema });
			assert.equal(compiled.validators.folded !== undefined, folds, JSON.stringify(schema));
		}
	});
});
