/**
 * The three schema sources: a JSON Schema (converter tests live in convert.test.ts), a
 * field list built in the UI, and a sample payload. All go through the same converter.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compileSchema } from '../../../nodes/shared/core/schema/compile';
import { schemaFromFields, type FieldSpec } from '../../../nodes/shared/core/schema/fields';
import { inferSchema } from '../../../nodes/shared/core/schema/infer';
import { SchemaError } from '../../../nodes/shared/core/schema/types';
import { check, compile, object, problemList } from './helpers';

const fromFields = (fields: FieldSpec[]) => compileSchema({ kind: 'fields', fields });
const fromSample = (sample: unknown) => compileSchema({ kind: 'sample', sample });

function fieldError(fields: FieldSpec[]): SchemaError {
	try {
		schemaFromFields(fields);
	} catch (error) {
		assert.ok(error instanceof SchemaError);
		return error;
	}
	return assert.fail('the field list was accepted');
}

describe('field list → JSON Schema', () => {
	it('builds nested objects and arrays from dotted names, implicit parents required with their children', () => {
		const schema = schemaFromFields([
			{ name: 'id', type: 'integer', required: true },
			{ name: 'customer.email', type: 'string', required: true, format: 'email' },
			{ name: 'customer.phone', type: 'string', required: false, nullable: true },
			{ name: 'lines[].sku', type: 'string', required: true, pattern: '^[A-Z]+-\\d+$' },
			{ name: 'lines[].qty', type: 'integer', required: false, minimum: 1, maximum: 99 },
			{ name: 'tags[]', type: 'string', required: false, allowedValues: 'vip, new' },
			{ name: 'meta.notes', type: 'string', required: false, maximum: 500 },
		]);
		assert.equal(
			JSON.stringify(schema),
			JSON.stringify({
				$schema: 'https://json-schema.org/draft/2020-12/schema',
				type: 'object',
				properties: {
					id: { type: 'integer' },
					customer: {
						type: 'object',
						properties: {
							email: { type: 'string', format: 'email' },
							phone: { type: ['string', 'null'] },
						},
						required: ['email'],
					},
					lines: {
						type: 'array',
						items: {
							type: 'object',
							properties: {
								sku: { type: 'string', pattern: '^[A-Z]+-\\d+$' },
								qty: { type: 'integer', minimum: 1, maximum: 99 },
							},
							required: ['sku'],
						},
					},
					tags: { type: 'array', items: { type: 'string', enum: ['vip', 'new'] } },
					meta: { type: 'object', properties: { notes: { type: 'string', maxLength: 500 } } },
				},
				required: ['id', 'customer', 'lines'],
			}),
		);
	});

	it('validates like the same JSON Schema written by hand', () => {
		const fields = fromFields([
			{ name: 'id', type: 'integer', required: true },
			{ name: 'status', type: 'string', required: true, allowedValues: 'active, paused' },
			{ name: 'lines[].sku', type: 'string', required: true },
		]);
		const byHand = compile(
			object({
				id: { type: 'integer' },
				status: { type: 'string', enum: ['active', 'paused'] },
				lines: { type: 'array', items: object({ sku: { type: 'string' } }) },
			}),
		);
		const items = [
			{ id: 1, status: 'active', lines: [{ sku: 'A' }] },
			{ id: '1', status: 'gone', lines: [{}], extra: true },
			{ status: 'paused' },
		];
		for (const item of items) {
			assert.deepEqual(
				problemList(check(fields, item)),
				problemList(check(byHand, item)),
				JSON.stringify(item),
			);
		}
	});

	it('lets a parent be listed after its nested fields, and an array next to its elements', () => {
		const schema = schemaFromFields([
			{ name: 'customer.email', type: 'string', required: true },
			{ name: 'customer', type: 'object', required: false, minimum: 1 },
			{ name: 'tags', type: 'array', required: true, minimum: 1 },
			{ name: 'tags[]', type: 'string' },
		]);
		const properties = JSON.parse(JSON.stringify(schema.properties)) as Record<
			string,
			Record<string, unknown>
		>;
		assert.deepEqual(properties.customer.minProperties, 1);
		assert.deepEqual(properties.customer.properties, { email: { type: 'string' } });
		assert.deepEqual(properties.tags, { type: 'array', minItems: 1, items: { type: 'string' } });
		assert.deepEqual(
			schema.required,
			['customer', 'tags'],
			'customer became required with its child; listed later it keeps that',
		);
	});

	it('reads allowed values for their type, as a list or as JSON, and adds null when null is allowed', () => {
		const schema = schemaFromFields([
			{ name: 'n', type: 'integer', allowedValues: '1, 2, 3' },
			{ name: 'b', type: 'boolean', allowedValues: 'true' },
			{ name: 's', type: 'string', allowedValues: '["a, b", "c"]', nullable: true },
		]);
		const properties = schema.properties as Record<string, Record<string, unknown>>;
		assert.deepEqual(properties.n.enum, [1, 2, 3]);
		assert.deepEqual(properties.b.enum, [true]);
		assert.deepEqual(properties.s.enum, ['a, b', 'c', null]);
	});

	it('keeps a field named __proto__ as a field', () => {
		const schema = fromFields([{ name: '__proto__.admin', type: 'boolean', required: true }]);
		assert.equal(Object.getPrototypeOf({}), Object.prototype);
		// Checked as the item's own field; no prototype touched.
		assert.deepEqual(problemList(check(schema, JSON.parse('{"__proto__": {"admin": "yes"}}'))), [
			'typeChanged __proto__.admin',
		]);
		assert.equal(check(schema, JSON.parse('{"__proto__": {"admin": true}}')).outcome, 'valid');
		assert.equal(Object.getPrototypeOf({}), Object.prototype);
	});

	const errors: Array<[string, FieldSpec[], string, RegExp]> = [
		['an empty list', [], '/fields', /^Fields: the list is empty/],
		[
			'a field without a name',
			[{ name: ' ', type: 'string' }],
			'/fields/0',
			/^Field 1 \(" "\): has no name/,
		],
		[
			'a name with empty parts',
			[{ name: 'a..b', type: 'string' }],
			'/fields/0',
			/"" is not a field name/,
		],
		[
			'a field listed twice',
			[
				{ name: 'id', type: 'string' },
				{ name: 'id', type: 'integer' },
			],
			'/fields/1',
			/^Field 2 \("id"\): "id" is listed twice \(also field 1\)/,
		],
		[
			'nested fields under a string',
			[
				{ name: 'a', type: 'string' },
				{ name: 'a.b', type: 'string' },
			],
			'/fields/1',
			/"a" is declared as string \(field 1\), so it cannot have nested fields/,
		],
		[
			'a parent listed as a string after its children',
			[
				{ name: 'a.b', type: 'string' },
				{ name: 'a', type: 'string' },
			],
			'/fields/1',
			/so its type must be object/,
		],
		[
			'[] on something that is not an array',
			[
				{ name: 'a', type: 'object' },
				{ name: 'a[].b', type: 'string' },
			],
			'/fields/1',
			/"a" is not an array/,
		],
		[
			'a format on a number',
			[{ name: 'n', type: 'number', format: 'email' }],
			'/fields/0',
			/formats apply to strings/,
		],
		[
			'an unknown format',
			[{ name: 's', type: 'string', format: 'zip' }],
			'/fields/0',
			/"zip" is not a format/,
		],
		[
			'a broken pattern',
			[{ name: 's', type: 'string', pattern: '(a' }],
			'/fields/0',
			/the pattern is not a valid regular expression/,
		],
		[
			'a minimum above the maximum',
			[{ name: 'n', type: 'number', minimum: 5, maximum: 1 }],
			'/fields/0',
			/its minimum \(5\) is above its maximum \(1\)/,
		],
		[
			'a fractional string length',
			[{ name: 's', type: 'string', minimum: 1.5 }],
			'/fields/0',
			/whole number of 0 or more for a string/,
		],
		[
			'bounds on a boolean',
			[{ name: 'b', type: 'boolean', maximum: 1 }],
			'/fields/0',
			/which boolean fields do not take/,
		],
		[
			'an allowed value that is not a number',
			[{ name: 'n', type: 'number', allowedValues: '1, two' }],
			'/fields/0',
			/allowed value "two" is not a number/,
		],
		[
			'an allowed value that is not an integer',
			[{ name: 'n', type: 'integer', allowedValues: '1.5' }],
			'/fields/0',
			/is not an integer/,
		],
		[
			'allowed values on an object',
			[{ name: 'o', type: 'object', allowedValues: 'a' }],
			'/fields/0',
			/apply to strings, numbers and booleans/,
		],
		[
			'an unknown type',
			[{ name: 'x', type: 'decimal' as FieldSpec['type'] }],
			'/fields/0',
			/"decimal" is not a field type/,
		],
	];
	for (const [what, fields, pointer, message] of errors) {
		it(`rejects ${what}, naming the field`, () => {
			const error = fieldError(fields);
			assert.equal(error.pointer, pointer);
			assert.match(error.message, message);
		});
	}
});

describe('sample payload → JSON Schema', () => {
	it('infers types, required fields, formats and nesting from one example', () => {
		const { schema, warnings } = inferSchema({
			id: 7,
			email: 'ada@example.com',
			createdAt: '2024-05-01T12:00:00Z',
			ref: '0190a8f2-7b1c-7d3e-8f00-123456789abc',
			active: true,
			price: 10,
			customer: { name: 'Ada', phone: null },
			lines: [{ sku: 'A', qty: 1 }],
			tags: [],
		});
		assert.deepEqual(warnings, [
			'customer.phone is null in every sample, so any value is accepted. Set its type when you pin the schema.',
		]);
		assert.equal(
			JSON.stringify(schema),
			JSON.stringify({
				$schema: 'https://json-schema.org/draft/2020-12/schema',
				type: 'object',
				properties: {
					id: { type: 'number' },
					email: { type: 'string', format: 'email' },
					createdAt: { type: 'string', format: 'date-time' },
					ref: { type: 'string', format: 'uuid' },
					active: { type: 'boolean' },
					price: { type: 'number' },
					customer: {
						type: 'object',
						properties: { name: { type: 'string' }, phone: { 'x-null-rate': 1 } },
						required: ['name', 'phone'],
					},
					lines: {
						type: 'array',
						items: {
							type: 'object',
							properties: { sku: { type: 'string' }, qty: { type: 'number' } },
							required: ['sku', 'qty'],
						},
					},
					tags: { type: 'array' },
				},
				required: [
					'id',
					'email',
					'createdAt',
					'ref',
					'active',
					'price',
					'customer',
					'lines',
					'tags',
				],
			}),
		);
	});

	it('merges several examples: optional where missing, nullable with a null rate, mixed types, formats only when all agree', () => {
		const { schema } = inferSchema([
			{ id: 1, note: 'a', when: '2024-01-01', code: 'x@y.io', mixed: 1 },
			{ id: 2, note: null, when: '2024-01-02', code: 'not an email', mixed: 'one' },
			{ id: 3, note: null, when: '2024-01-03' },
			{ id: 4, note: 'b', when: '2024-01-04' },
		]);
		const properties = schema.properties as Record<string, unknown>;
		assert.deepEqual(properties.note, { type: ['string', 'null'], 'x-null-rate': 0.5 });
		assert.deepEqual(properties.when, { type: 'string', format: 'date' });
		assert.deepEqual(properties.code, { type: 'string' });
		assert.deepEqual(properties.mixed, { type: ['number', 'string'] });
		assert.deepEqual(schema.required, ['id', 'note', 'when']);
	});

	it('checks items against what it inferred, and reports what is new', () => {
		const schema = fromSample('[{"id": 1, "email": "ada@example.com"}]');
		assert.equal(schema.source, 'sample');
		assert.equal(check(schema, { id: 2, email: 'bo@example.com' }).outcome, 'valid');
		const verdict = check(schema, { id: '2', email: 'bo', extra: 1 });
		assert.deepEqual(problemList(verdict), ['typeChanged id', 'invalidValue email']);
		assert.deepEqual(
			verdict.findings.map((finding) => finding.kind),
			['typeChanged', 'invalidValue', 'fieldAdded'],
		);
	});

	it('gives the inferred null rate to drift detection as the baseline', () => {
		const schema = fromSample([{ note: 'a' }, { note: null }, { note: 'b' }, { note: 'c' }]);
		assert.equal(schema.model.nullRateBaselines.get('note'), 0.25);
		assert.deepEqual(schema.model.nullableFields, ['note']);
	});

	it('stops at 32 levels and says so', () => {
		let deep: Record<string, unknown> = { leaf: 1 };
		for (let level = 0; level < 40; level++) deep = { next: deep };
		const { warnings } = inferSchema(deep);
		assert.equal(warnings.length, 1);
		assert.match(
			warnings[0],
			/is nested deeper than 32 levels in the sample: anything is accepted there\.$/,
		);
	});

	it('keeps __proto__ in a sample as a field, without touching any prototype', () => {
		const { schema } = inferSchema(JSON.parse('{"__proto__": {"polluted": true}, "id": 1}'));
		assert.equal(({} as Record<string, unknown>).polluted, undefined);
		assert.deepEqual(Object.keys(schema.properties as object), ['__proto__', 'id']);
		const compiled = fromSample(JSON.parse('{"__proto__": {"polluted": true}, "id": 1}'));
		assert.deepEqual(
			problemList(check(compiled, JSON.parse('{"__proto__": {"polluted": "yes"}, "id": 1}'))),
			['typeChanged __proto__.polluted'],
		);
		assert.equal(({} as Record<string, unknown>).polluted, undefined);
	});

	it('warns about values JSON cannot carry', () => {
		const { warnings } = inferSchema({ at: new Date(0), id: 1 });
		assert.deepEqual(warnings, [
			'at holds a value JSON cannot carry in the sample (a date object, a function…): it is left out of the type.',
		]);
	});

	const errors: Array<[string, unknown, string, RegExp]> = [
		['an empty list', [], '', /^The sample: is an empty list/],
		[
			'a list with a non-object',
			[{ a: 1 }, 'x'],
			'/1',
			/^The sample: item 1 is string, not an object/,
		],
		['a bare value', 42, '', /^The sample: is integer, not an object/],
		['text that is not JSON', '{"id": ', '', /^The sample: is not valid JSON/],
	];
	for (const [what, sample, pointer, message] of errors) {
		it(`rejects ${what}`, () => {
			assert.throws(
				() => fromSample(sample),
				(error: unknown) => {
					assert.ok(error instanceof SchemaError);
					assert.equal(error.pointer, pointer);
					assert.match(error.message, message);
					return true;
				},
			);
		});
	}
});
