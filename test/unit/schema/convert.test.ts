import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { assertSchemaError, check, compile, object, problemList } from './helpers';

const valid = (schema: unknown, json: unknown) =>
	assert.equal(check(compile(schema), json).outcome, 'valid', JSON.stringify(json));
const invalid = (schema: unknown, json: unknown) =>
	assert.equal(check(compile(schema), json).outcome, 'invalid', JSON.stringify(json));
/** The schema under `value` of an item: keywords are tested one field deep, as vendors use them. */
const field = (schema: unknown, required = true) =>
	object({ value: schema }, required ? ['value'] : []);
const accepts = (schema: unknown, ...values: unknown[]) =>
	values.forEach((value) => valid(field(schema), { value }));
const rejects = (schema: unknown, ...values: unknown[]) =>
	values.forEach((value) => invalid(field(schema), { value }));

describe('JSON Schema through Ajv: types and keywords', () => {
	it('checks each JSON type, integer as any whole number', () => {
		accepts({ type: 'string' }, '', 'x');
		rejects({ type: 'string' }, 1, null, true, [], {});
		accepts({ type: 'integer' }, 0, -3, 1e20);
		rejects({ type: 'integer' }, 1.5, '1', NaN);
		accepts({ type: 'number' }, 1.5, -0);
		rejects({ type: 'number' }, Infinity, '1.5');
		accepts({ type: 'boolean' }, true, false);
		accepts({ type: 'null' }, null);
		rejects({ type: 'null' }, 0, '');
		accepts({ type: 'array' }, [], [1, 'a']);
		accepts({ type: 'object' }, {}, { any: 'thing' });
		rejects({ type: 'object' }, [], 'x', new Date(), new Map());
	});

	it('takes a list of types, and nullable in the draft-07, 2020-12 and OpenAPI ways', () => {
		accepts({ type: ['string', 'number'] }, 'a', 2);
		rejects({ type: ['string', 'number'] }, true, null);
		accepts({ type: ['string', 'null'] }, 'a', null);
		accepts({ type: 'string', nullable: true }, 'a', null);
		accepts({ anyOf: [{ type: 'string' }, { type: 'null' }] }, 'a', null);
		accepts({ oneOf: [{ type: 'string' }, { type: 'null' }] }, 'a', null);
		rejects({ type: 'string', nullable: true }, 1);
	});

	it('checks enum and const with JSON equality', () => {
		accepts({ enum: ['a', 1, null, { k: [1] }] }, 'a', 1, null, { k: [1] });
		rejects({ enum: ['a', 1, null, { k: [1] }] }, 'b', '1', { k: [2] });
		accepts({ const: 'fixed' }, 'fixed');
		rejects({ const: 'fixed' }, 'other');
		accepts({ type: 'string', enum: ['a'], const: 'a' }, 'a');
	});

	it('checks string keywords and formats', () => {
		accepts({ type: 'string', minLength: 2, maxLength: 3 }, 'ab', 'abc');
		rejects({ type: 'string', minLength: 2, maxLength: 3 }, 'a', 'abcd');
		accepts({ type: 'string', pattern: '^[A-Z]{2}-\\d+$' }, 'AB-12');
		rejects({ type: 'string', pattern: '^[A-Z]{2}-\\d+$' }, 'ab-12');
		accepts({ type: 'string', pattern: 'b' }, 'abc'); // unanchored, as JSON Schema says
		const formats: Array<[string, string[], string[]]> = [
			['email', ['ada@example.com'], ['ada@', 'ada.example.com']],
			['uri', ['https://example.com/a?b=1'], ['example.com', '/relative']],
			['uuid', ['0190a8f2-7b1c-7d3e-8f00-123456789abc'], ['0190a8f2-7b1c', 'not-a-uuid']],
			[
				'date-time',
				['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.5+02:00'],
				['2024-05-01', '2024-05-01T12:00:00'],
			],
			['date', ['2024-02-29'], ['2024-02-30', '01/05/2024']],
			// RFC 3339: a leap second is 23:59:60 in UTC only (23:59:60+01:00 is 22:59:60 UTC).
			[
				'time',
				['12:00:00Z', '23:59:60Z', '00:59:60+01:00', '12:00:00z'],
				['12:00', '25:00:00Z', '23:59:60+01:00', '12:00:00-24:00', '12:00:00+10:60'],
			],
			['ipv4', ['192.168.0.1'], ['256.1.1.1']],
			['ipv6', ['::1', '2001:db8::8a2e:370:7334'], ['2001:db8::g']],
			['hostname', ['api.example.com'], ['-bad.example.com', 'under_score.com']],
			['duration', ['P3D', 'PT1H30M'], ['3 days']],
			['regex', ['^a+$'], ['(unclosed']],
		];
		for (const [format, good, bad] of formats) {
			accepts({ type: 'string', format }, ...good);
			rejects({ type: 'string', format }, ...bad);
		}
	});

	it('accepts an unknown format as an annotation, with a warning', () => {
		const schema = compile(field({ type: 'string', format: 'credit-card' }));
		assert.equal(check(schema, { value: 'anything' }).outcome, 'valid');
		assert.deepEqual(schema.warnings, [
			'Format "credit-card" at /properties/value is not checked (unknown to Schema Guard).',
		]);
	});

	it('checks number keywords', () => {
		accepts({ type: 'number', minimum: 1, maximum: 2 }, 1, 2);
		rejects({ type: 'number', minimum: 1, maximum: 2 }, 0.9, 2.1);
		accepts({ type: 'number', exclusiveMinimum: 1, exclusiveMaximum: 2 }, 1.5);
		rejects({ type: 'number', exclusiveMinimum: 1, exclusiveMaximum: 2 }, 1, 2);
		accepts({ type: 'number', multipleOf: 0.01 }, 10.25, 3);
		rejects({ type: 'number', multipleOf: 0.01 }, 10.255);
		accepts({ type: 'integer', minimum: 0, multipleOf: 5 }, 0, 15);
		rejects({ type: 'integer', minimum: 0, multipleOf: 5 }, -5, 7);
	});

	it('checks arrays: items, sizes, uniqueness and contains', () => {
		accepts({ type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 2 }, [1], [1, 2]);
		rejects(
			{ type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 2 },
			[],
			[1, 2, 3],
			['1'],
		);
		accepts({ type: 'array', uniqueItems: true }, [1, 2, { a: 1 }]);
		rejects(
			{ type: 'array', uniqueItems: true },
			[1, 1],
			[
				{ a: 1, b: 2 },
				{ b: 2, a: 1 },
			],
		);
		accepts({ type: 'array', contains: { const: 'x' } }, ['a', 'x']);
		rejects({ type: 'array', contains: { const: 'x' } }, ['a'], []);
	});

	it('reads tuples the 2020-12 way (prefixItems) and the draft-07 way (items list)', () => {
		const modern = {
			type: 'array',
			prefixItems: [{ type: 'string' }, { type: 'number' }],
			items: false,
		};
		accepts(modern, ['a', 1], ['a']);
		rejects(modern, [1, 'a'], ['a', 1, 'extra']);
		const draft07 = {
			$schema: 'http://json-schema.org/draft-07/schema#',
			...field({
				type: 'array',
				items: [{ type: 'string' }],
				additionalItems: { type: 'boolean' },
				minItems: 2,
			}),
		};
		valid(draft07, { value: ['a', true, false] });
		invalid(draft07, { value: ['a', 'b'] });
		invalid(draft07, { value: ['a'] });
		// Without $schema, an items list is read as draft-07 would.
		accepts({ type: 'array', items: [{ type: 'string' }] }, ['a', 5]);
	});

	it('checks objects: properties, required, additionalProperties and sizes', () => {
		const schema = object({ a: { type: 'string' }, b: { type: 'number' } }, ['a']);
		valid(schema, { a: 'x' });
		invalid(schema, { b: 1 });
		const map = { type: 'object', additionalProperties: { type: 'number' } };
		accepts(map, { x: 1, y: 2 });
		rejects(map, { x: 'one' });
		accepts({ type: 'object', minProperties: 1, maxProperties: 2 }, { a: 1 });
		rejects({ type: 'object', minProperties: 1, maxProperties: 2 }, {}, { a: 1, b: 2, c: 3 });
		// Listed fields make unlisted ones "new"; a bare object takes anything.
		assert.deepEqual(
			problemList(check(compile(field({ type: 'object' })), { value: { x: 1 } })),
			[],
		);
	});

	it('follows anyOf to the closest branch, allOf through every member, and not', () => {
		const either = field({
			anyOf: [
				object({ kind: { const: 'card' }, last4: { type: 'string' } }),
				object({ kind: { const: 'bank' }, iban: { type: 'string' } }),
			],
		});
		valid(either, { value: { kind: 'bank', iban: 'DE89' } });
		const verdict = check(compile(either), { value: { kind: 'bank', iban: 42 } });
		assert.deepEqual(
			problemList(verdict),
			['typeChanged value.iban'],
			'the branch that fits best explains the problem',
		);

		const combined = field({
			allOf: [object({ id: { type: 'integer' } }), object({ name: { type: 'string' } })],
		});
		valid(combined, { value: { id: 1, name: 'x' } });
		assert.deepEqual(problemList(check(compile(combined), { value: { id: 1 } })), [
			'requiredMissing value.name',
		]);
		assert.deepEqual(
			check(compile(combined), { value: { id: 1, name: 'x', extra: true } }).findings.map(
				(finding) => finding.kind,
			),
			['fieldAdded'],
			'a field declared by one allOf member is not new to the others; a new one is reported once',
		);
		accepts({ type: 'string', not: { const: 'forbidden' } }, 'fine');
		rejects({ type: 'string', not: { const: 'forbidden' } }, 'forbidden');
	});

	it('resolves local $refs, including recursive ones and 2020-12 siblings', () => {
		const tree = {
			$defs: {
				node: object(
					{
						name: { type: 'string' },
						children: { type: 'array', items: { $ref: '#/$defs/node' } },
					},
					['name'],
				),
			},
			$ref: '#/$defs/node',
		};
		valid(tree, { name: 'root', children: [{ name: 'a', children: [{ name: 'b' }] }] });
		assert.deepEqual(
			problemList(check(compile(tree), { name: 'root', children: [{ children: [] }] })),
			['requiredMissing children[0].name'],
		);
		const draft07 = {
			$schema: 'http://json-schema.org/draft-07/schema#',
			definitions: { money: { type: 'number', minimum: 0 } },
			...object({ amount: { $ref: '#/definitions/money' } }),
		};
		valid(draft07, { amount: 10 });
		invalid(draft07, { amount: -1 });
		const siblings = {
			$defs: { name: { type: 'string' } },
			...object({ name: { $ref: '#/$defs/name', maxLength: 3 } }),
		};
		invalid(siblings, { name: 'toolong' });
		const escaped = {
			$defs: { 'a/b~c': { type: 'boolean' } },
			...object({ flag: { $ref: '#/$defs/a~1b~0c' } }),
		};
		valid(escaped, { flag: true });
	});

	it('reads true and false schemas', () => {
		valid(object({ anything: true }), { anything: [1, { a: null }] });
		invalid(object({ nothing: false }, []), { nothing: 1 });
		valid(object({ nothing: false }, []), {});
	});

	it('warns about what it accepts but does not check', () => {
		const schema = compile({
			type: 'object',
			properties: {
				a: { type: 'string', requried: true },
				b: { properties: { c: { type: 'string' } } },
				d: { oneOf: [{ type: 'string' }, { type: 'number' }] },
			},
		});
		assert.deepEqual(schema.warnings, [
			'Unknown keyword "requried" at /properties/a is ignored (a typo?).',
			'The schema at /properties/b has object keywords but no "type": values that are not objects pass. Add "type": "object".',
		]);
		assert.deepEqual(compile({ type: 'string' }).warnings, [
			'The schema does not allow an object at the top, but every n8n item is an object: every item will be invalid.',
		]);
	});

	it('ignores annotations and x- extensions silently', () => {
		const schema = compile({
			$id: 'https://example.com/contact',
			title: 'Contact',
			description: 'A contact',
			$comment: 'v1',
			'x-owner': 'crm-team',
			examples: [{}],
			...object({
				id: { type: 'integer', default: 0, deprecated: false, readOnly: true, example: 3 },
			}),
		});
		assert.deepEqual(schema.warnings, []);
	});

	it('compiles the same schema once: the second compile is served from the cache', () => {
		const schema = object({ id: { type: 'integer' } });
		assert.equal(
			compile(schema).validators,
			compile(JSON.parse(JSON.stringify(schema))).validators,
		);
		assert.equal(
			compile(schema).fingerprint,
			compile({ required: ['id'], properties: { id: { type: 'integer' } }, type: 'object' })
				.fingerprint,
		);
	});
});

describe('JSON Schema through Ajv: an invalid schema fails before any item, at its JSON pointer', () => {
	const cases: Array<[string, unknown, string, RegExp]> = [
		['JSON that does not parse', '{"type": "object",', '', /^The schema: is not valid JSON/],
		['an empty text', '   ', '', /^The schema: is empty/],
		[
			'a schema that is not an object',
			'[1, 2]',
			'',
			/must be a JSON object, not an array of 2 items/,
		],
		[
			'an unknown draft',
			{ $schema: 'http://json-schema.org/draft-04/schema#' },
			'/$schema',
			/reads JSON Schema 2020-12, 2019-09 and draft-07 \(and OpenAPI 3.0\), not "http:\/\/json-schema.org\/draft-04\/schema#"/,
		],
		[
			'an unknown type',
			object({ age: { type: 'int' } }),
			'/properties/age/type',
			/a string \("int"\) is not a valid value here: it must be one of "array"/,
		],
		[
			'a type listed twice',
			object({ age: { type: ['string', 'string'] } }),
			'/properties/age/type',
			/an array of 2 items is not a valid value here/,
		],
		[
			'an empty type list',
			object({ age: { type: [] } }),
			'/properties/age/type',
			/an array of 0 items is not a valid value here/,
		],
		[
			'required as a boolean (draft-03)',
			object({ age: { type: 'integer' } }, undefined, { required: true }),
			'/required',
			/a boolean \(true\) is not a valid value here: it must be array/,
		],
		[
			'a required entry that is not a name',
			object({ a: {} }, undefined, { required: ['a', 7] }),
			'/required/1',
			/an integer \(7\) is not a valid value here: it must be string/,
		],
		[
			'a negative minLength',
			object({ s: { type: 'string', minLength: -1 } }),
			'/properties/s/minLength',
			/an integer \(-1\) is not a valid value here: it must be >= 0/,
		],
		[
			'a fractional maxItems',
			object({ s: { type: 'array', maxItems: 1.5 } }),
			'/properties/s/maxItems',
			/a number \(1.5\) is not a valid value here: it must be integer/,
		],
		[
			'a minimum that is text',
			object({ n: { type: 'number', minimum: '0' } }),
			'/properties/n/minimum',
			/a string \("0"\) is not a valid value here: it must be number/,
		],
		[
			'a boolean exclusiveMinimum (draft-04)',
			object({ n: { type: 'number', minimum: 0, exclusiveMinimum: true } }),
			'/properties/n/exclusiveMinimum',
			/a boolean \(true\) is not a valid value here: it must be number/,
		],
		[
			'multipleOf 0',
			object({ n: { type: 'number', multipleOf: 0 } }),
			'/properties/n/multipleOf',
			/it must be > 0/,
		],
		[
			'a pattern that is not a regular expression',
			object({ s: { type: 'string', pattern: '([a-z' } }),
			'/properties/s/pattern',
			/not a valid regular expression/,
		],
		[
			'a format that is not text',
			object({ s: { type: 'string', format: 5 } }),
			'/properties/s/format',
			/an integer \(5\) is not a valid value here: it must be string/,
		],
		[
			'properties that are not an object',
			{ type: 'object', properties: [] },
			'/properties',
			/an array of 0 items is not a valid value here: it must be object/,
		],
		[
			'a field schema that is a number',
			object({ a: 5 }),
			'/properties/a',
			/an integer \(5\) is not a valid value here: it must be object,boolean/,
		],
		[
			'an empty anyOf',
			object({ a: { anyOf: [] } }),
			'/properties/a/anyOf',
			/must NOT have fewer than 1 items/,
		],
		[
			'an error inside allOf',
			object({ a: { allOf: [{ type: 'string' }, { type: 'strin' }] } }),
			'/properties/a/allOf/1/type',
			/a string \("strin"\) is not a valid value here/,
		],
		[
			'a $ref to another document',
			object({ a: { $ref: 'https://example.com/address.json' } }),
			'/properties/a/$ref',
			/refers to "https:\/\/example.com\/address.json", which is neither in the schema nor in Referenced Schemas/,
		],
		[
			'a $ref to nothing',
			object({ a: { $ref: '#/$defs/missing' } }),
			'/properties/a/$ref',
			/refers to "#\/\$defs\/missing", which is neither in the schema nor in Referenced Schemas/,
		],
		[
			'a $ref by anchor',
			object({ a: { $ref: '#address' } }),
			'/properties/a/$ref',
			/refers to "#address", which is neither/,
		],
		[
			'an error inside a $ref target',
			{ $defs: { bad: { type: 'decimal' } }, ...object({ a: { $ref: '#/$defs/bad' } }) },
			'/$defs/bad/type',
			/a string \("decimal"\) is not a valid value here/,
		],
		[
			'items as a list in declared 2020-12',
			{
				$schema: 'https://json-schema.org/draft/2020-12/schema',
				...object({ a: { type: 'array', items: [{}] } }),
			},
			'/properties/a/items',
			/an array of 1 item is not a valid value here: it must be object,boolean/,
		],
		[
			'an x-null-rate above 1',
			object({ a: { type: ['string', 'null'], 'x-null-rate': 1.5 } }),
			'/properties/a/x-null-rate',
			/from 0 to 1/,
		],
		[
			'uniqueItems as text',
			object({ a: { type: 'array', uniqueItems: 'yes' } }),
			'/properties/a/uniqueItems',
			/a string \("yes"\) is not a valid value here: it must be boolean/,
		],
		[
			'nullable as text',
			object({ a: { type: 'string', nullable: 'yes' } }),
			'/properties/a/nullable',
			/nullable value must be \["boolean"\]/,
		],
		[
			'a field name with a slash, escaped in the pointer',
			object({ 'a/b': { type: 'nope' } }),
			'/properties/a~1b/type',
			/"nope"/,
		],
	];
	for (const [what, schema, pointer, message] of cases) {
		it(`rejects ${what}`, () => {
			assertSchemaError(schema, pointer, message);
		});
	}

	it('refuses a $ref cycle that never reaches into the data, naming the $ref', () => {
		assertSchemaError(
			{ $ref: '#' },
			'/$ref',
			/refers back to itself without reaching into the data/,
		);
		assertSchemaError(
			{
				$defs: { a: { allOf: [{ $ref: '#/$defs/b' }] }, b: { $ref: '#/$defs/a' } },
				properties: { x: { $ref: '#/$defs/a' } },
			},
			'/$defs/b/$ref',
			/a \$ref cycle/,
		);
	});

	it('compiles what the converter used to refuse: deep nesting, multiplying $refs, the standard keywords', () => {
		let deep: object = { type: 'string' };
		for (let level = 0; level < 70; level++) deep = object({ n: deep });
		assert.equal(compile(deep).dialect, 'draft2020-12');
		const $defs: Record<string, unknown> = { d0: { type: 'string' } };
		for (let level = 1; level <= 20; level++) {
			$defs[`d${level}`] = {
				type: 'array',
				prefixItems: [{ $ref: `#/$defs/d${level - 1}` }, { $ref: `#/$defs/d${level - 1}` }],
			};
		}
		const bomb = compile({ $defs, ...object({ bomb: { $ref: '#/$defs/d20' } }) });
		assert.equal(check(bomb, { bomb: [[[1]]] }).outcome, 'invalid');
		const keywords = compile(
			object({
				a: { type: 'object', patternProperties: { '^x-': { type: 'string' } } },
				b: { if: { type: 'string' }, then: { minLength: 2 } },
				c: { type: 'object', propertyNames: { maxLength: 3 } },
			}),
		);
		assert.deepEqual(problemList(check(keywords, { a: { 'x-a': 1 }, b: 'x', c: { long: 1 } })), [
			'typeChanged a["x-a"]',
			'invalidValue b',
			'invalidValue c',
		]);
	});
});
