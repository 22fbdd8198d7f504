import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compileSchema } from '../../../nodes/shared/core/schema/compile';
import { check, compile, findingList, problemList } from './helpers';

/** What Schema Guard answers now that Ajv 8 compiles the schema: the standard, with our contract on top. */
describe('JSON Schema through Ajv: the standard', () => {
	it('keeps a closed object closed inside anyOf, oneOf and through allOf', () => {
		const branch = compile({
			anyOf: [{ type: 'object', properties: { a: {} }, additionalProperties: false }],
		});
		assert.deepEqual(problemList(check(branch, { a: 1, b: 2 })), ['fieldAdded b']);
		const combined = compile({
			type: 'object',
			allOf: [{ properties: { a: { type: 'string' } } }],
			properties: { b: {} },
			unevaluatedProperties: false,
		});
		assert.equal(check(combined, { a: 'x', b: 1 }).outcome, 'valid');
		assert.deepEqual(problemList(check(combined, { a: 'x', b: 1, c: 2 })), ['fieldAdded c']);
	});

	it('reports new fields where the object is open, seeing fields declared through allOf and $ref', () => {
		const schema = compile({
			$defs: { base: { properties: { a: { type: 'string' } } } },
			type: 'object',
			allOf: [{ $ref: '#/$defs/base' }],
			properties: { b: { type: 'object', properties: { c: {} } } },
		});
		const same = check(schema, { a: 'x', b: { c: 1 } });
		assert.deepEqual(same.findings, []);
		const drifted = check(schema, { a: 'x', b: { c: 1, d: 2 }, e: 3 });
		assert.equal(drifted.outcome, 'valid');
		assert.deepEqual(findingList(drifted).sort(), ['fieldAdded b.d', 'fieldAdded e']);
	});

	it('answers oneOf as exactly one, and explains a failed anyOf by its closest branch', () => {
		const oneOf = compile({ oneOf: [{ type: 'integer' }, { minimum: 2 }] });
		assert.equal(check(oneOf, 3).outcome, 'invalid');
		assert.equal(check(oneOf, 1).outcome, 'valid');
		const anyOf = compile({
			type: 'object',
			properties: {
				v: {
					anyOf: [
						{ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
						{ type: 'string' },
					],
				},
			},
		});
		assert.deepEqual(problemList(check(anyOf, { v: { n: 'x' } })), ['typeChanged v.n']);
		assert.deepEqual(
			check(anyOf, { v: true }).problems.map((problem) => problem.message),
			['v should be an object or a string, but it is a boolean (true)'],
		);
	});

	it('checks formats as RFC 3339 and the email and URI standards say', () => {
		const format = (name: string) => compile({ type: 'string', format: name });
		const answers = (name: string, ...values: string[]) =>
			values.map((value) => check(format(name), value).outcome);
		assert.deepEqual(answers('uri', 'https://example.org/foo bar.txt', 'https://example.org/a'), [
			'invalid',
			'valid',
		]);
		assert.deepEqual(answers('email', 'te~st@example.com'), ['valid']);
		assert.deepEqual(
			answers(
				'date-time',
				'1963-06-19T08:30:06.283185Z',
				'1990-02-31T15:59:59.123-08:00',
				'1990-12-31T15:59:59-24:00',
				'1990-12-31T15:59:59+10:60',
				'1998-12-31T23:59:60Z',
				'1963-06-19t08:30:06.283185z',
			),
			['valid', 'invalid', 'invalid', 'invalid', 'valid', 'valid'],
		);
		const unchecked = compileSchema(
			{ kind: 'jsonSchema', schema: { type: 'string', format: 'email' } },
			{ checkFormats: false },
		);
		assert.equal(check(unchecked, 'not an email').outcome, 'valid');
	});

	it('counts lengths in code points and takes multipleOf on floats', () => {
		assert.equal(check(compile({ type: 'string', minLength: 2 }), '💩').outcome, 'invalid');
		assert.equal(check(compile({ type: 'string', maxLength: 2 }), '💩💩').outcome, 'valid');
		const tiny = compile({ type: 'number', multipleOf: 1e-8 });
		assert.equal(check(tiny, 3).outcome, 'valid');
		assert.equal(check(tiny, 0.00000003).outcome, 'valid');
		const cents = compile({ type: 'number', multipleOf: 0.01 });
		assert.deepEqual(
			[0.07, 19.99, 0.075].map((value) => check(cents, value).outcome),
			['valid', 'valid', 'invalid'],
		);
	});

	it('reads the dialect from $schema, else from the keywords, and says so', () => {
		assert.equal(
			compile({
				definitions: { a: { type: 'string' } },
				properties: { a: { $ref: '#/definitions/a' } },
			}).dialectNote,
			'Read as JSON Schema draft-07: the schema has no $schema and uses definitions',
		);
		assert.equal(compile({ type: 'object' }).dialect, 'draft2020-12');
		const tuple = compile({ type: 'array', items: [{ type: 'string' }], additionalItems: false });
		assert.equal(tuple.dialect, 'draft-07');
		assert.equal(check(tuple, ['a', 'b']).outcome, 'invalid');
		const openapi = compileSchema(
			{ kind: 'jsonSchema', schema: { type: 'string', nullable: true, example: 'x' } },
			{ dialect: 'openapi3.0' },
		);
		assert.equal(check(openapi, null).outcome, 'valid');
		assert.equal(check(openapi, 1).outcome, 'invalid');
	});

	it('resolves remote $refs from Referenced Schemas, in both forms, and the meta-schemas', () => {
		const schema = { properties: { n: { $ref: 'http://localhost:1234/integer.json' } } };
		const keyed = compileSchema(
			{ kind: 'jsonSchema', schema },
			{
				referencedSchemas: JSON.stringify({
					'http://localhost:1234/integer.json': { type: 'integer' },
				}),
			},
		);
		assert.deepEqual(problemList(check(keyed, { n: 'x' })), ['typeChanged n']);
		const listed = compileSchema(
			{ kind: 'jsonSchema', schema },
			{ referencedSchemas: [{ $id: 'http://localhost:1234/integer.json', type: 'integer' }] },
		);
		assert.equal(check(listed, { n: 1 }).outcome, 'valid');
		const meta = compile({ $ref: 'https://json-schema.org/draft/2020-12/schema' });
		assert.equal(check(meta, { type: 'string' }).outcome, 'valid');
		assert.equal(check(meta, { type: 12 }).outcome, 'invalid');
	});

	it('runs every pattern on the linear-time engine, patternProperties too', () => {
		const schema = compile({
			type: 'object',
			patternProperties: { '^x-': { type: 'string', pattern: '^(a+)+$' } },
		});
		assert.equal(check(schema, { 'x-a': `${'a'.repeat(100_000)}!` }).outcome, 'invalid');
	});

	it('compiles an empty enum (it matches nothing), which Ajv alone refuses', () => {
		const schema = compile({ type: 'object', properties: { a: { enum: [] } } });
		assert.equal(check(schema, { a: 1 }).outcome, 'invalid');
		assert.equal(check(schema, { a: null }).outcome, 'invalid');
		assert.equal(check(schema, {}).outcome, 'valid');
		assert.match(schema.warnings.join(' '), /empty "enum": no value passes/);
	});

	it('resolves a $ref beside a $id against that $id, where Ajv alone overflows the stack', () => {
		const schema = compile({
			$schema: 'https://json-schema.org/draft/2020-12/schema',
			$id: 'http://example.com/outer.json',
			properties: {
				foo: {
					$id: 'inner.json',
					$defs: { inner: { properties: { bar: { type: 'string' } } } },
					$ref: '#/$defs/inner',
				},
			},
			$ref: 'inner.json',
		});
		assert.equal(check(schema, { foo: { bar: 'a' }, bar: 'a' }).outcome, 'valid');
		assert.equal(check(schema, { foo: { bar: 1 }, bar: 'a' }).outcome, 'invalid');
		assert.equal(check(schema, { foo: { bar: 'a' }, bar: 1 }).outcome, 'invalid');
	});

	it('reads a pattern with a long Unicode category name (\\p{Letter})', () => {
		const schema = compile({ type: 'string', pattern: '^\\p{Letter}+$' });
		assert.equal(check(schema, 'école').outcome, 'valid');
		assert.equal(check(schema, 'abc1').outcome, 'invalid');
	});

	it('leaves fields named like keywords alone when it rewrites around Ajv', () => {
		const schema = compile({
			type: 'object',
			properties: { if: { type: 'string' }, enum: { enum: [] } },
		});
		assert.deepEqual(findingList(check(schema, { if: 'x', then: 1 })), ['fieldAdded then']);
		assert.equal(check(schema, { if: 'x', enum: 1 }).outcome, 'invalid');
	});
});
