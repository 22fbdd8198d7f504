import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { checkItem } from '../../../nodes/shared/core/schema/validate';
import { DEFAULT_CONTRACT } from '../../../nodes/shared/core/schema/types';
import { check, compile, object } from './helpers';

/** The one problem a value gets under a field schema: [kind, path, expected, received, message]. */
function problemOf(fieldSchema: unknown, value: unknown, name = 'value'): string[] {
	const verdict = check(compile(object({ [name]: fieldSchema })), { [name]: value });
	assert.equal(verdict.outcome, 'invalid', JSON.stringify(value));
	assert.equal(verdict.problems.length, 1, JSON.stringify(verdict.problems));
	const [problem] = verdict.problems;
	return [problem.kind, problem.path, problem.expected, problem.received, problem.message];
}

describe('problems in plain words: path, expected, received', () => {
	const cases: Array<[string, unknown, unknown, string[]]> = [
		[
			'a type change',
			{ type: 'integer' },
			'42',
			[
				'typeChanged',
				'value',
				'an integer',
				'a string ("42")',
				'value should be an integer, but it is a string ("42")',
			],
		],
		[
			'a nullable type change',
			{ type: ['string', 'null'] },
			7,
			[
				'typeChanged',
				'value',
				'a string or null',
				'an integer (7)',
				'value should be a string or null, but it is an integer (7)',
			],
		],
		[
			'a union type change',
			{ type: ['string', 'number'] },
			true,
			[
				'typeChanged',
				'value',
				'a string or a number',
				'a boolean (true)',
				'value should be a string or a number, but it is a boolean (true)',
			],
		],
		[
			'an unseen enum value',
			{ enum: ['active', 'paused'] },
			'archived',
			[
				'unseenEnumValue',
				'value',
				'one of "active" or "paused"',
				'a string ("archived")',
				'value should be one of "active" or "paused", but it is a string ("archived")',
			],
		],
		[
			'a const',
			{ const: 'v1' },
			'v2',
			[
				'unseenEnumValue',
				'value',
				'exactly "v1"',
				'a string ("v2")',
				'value should be exactly "v1", but it is a string ("v2")',
			],
		],
		[
			'a short string',
			{ type: 'string', minLength: 3 },
			'ab',
			[
				'invalidValue',
				'value',
				'at least 3 characters long',
				'2 characters long ("ab")',
				'value should be at least 3 characters long, but it is 2 characters long ("ab")',
			],
		],
		[
			'a long string',
			{ type: 'string', maxLength: 1 },
			'ab',
			[
				'invalidValue',
				'value',
				'at most 1 character long',
				'2 characters long ("ab")',
				'value should be at most 1 character long, but it is 2 characters long ("ab")',
			],
		],
		[
			'a pattern',
			{ type: 'string', pattern: '^[A-Z]+$' },
			'abc',
			[
				'invalidValue',
				'value',
				'text matching the pattern ^[A-Z]+$',
				'a string ("abc")',
				'value should be text matching the pattern ^[A-Z]+$, but it is a string ("abc")',
			],
		],
		[
			'an email format',
			{ type: 'string', format: 'email' },
			'ada-at-example',
			[
				'invalidValue',
				'value',
				'an email address',
				'a string ("ada-at-example")',
				'value should be an email address, but it is a string ("ada-at-example")',
			],
		],
		[
			'a date-time format',
			{ type: 'string', format: 'date-time' },
			'2024-05-01',
			[
				'invalidValue',
				'value',
				'a date-time with a time zone (e.g. 2024-05-01T12:00:00Z)',
				'a string ("2024-05-01")',
				'value should be a date-time with a time zone (e.g. 2024-05-01T12:00:00Z), but it is a string ("2024-05-01")',
			],
		],
		[
			'a hostname format',
			{ type: 'string', format: 'hostname' },
			'a_b',
			[
				'invalidValue',
				'value',
				'a host name',
				'a string ("a_b")',
				'value should be a host name, but it is a string ("a_b")',
			],
		],
		[
			'a minimum',
			{ type: 'number', minimum: 0 },
			-1,
			[
				'invalidValue',
				'value',
				'at least 0',
				'an integer (-1)',
				'value should be at least 0, but it is an integer (-1)',
			],
		],
		[
			'an exclusive maximum',
			{ type: 'number', exclusiveMaximum: 10 },
			10,
			[
				'invalidValue',
				'value',
				'less than 10',
				'an integer (10)',
				'value should be less than 10, but it is an integer (10)',
			],
		],
		[
			'a multiple',
			{ type: 'number', multipleOf: 0.5 },
			0.3,
			[
				'invalidValue',
				'value',
				'a multiple of 0.5',
				'a number (0.3)',
				'value should be a multiple of 0.5, but it is a number (0.3)',
			],
		],
		[
			'too few items',
			{ type: 'array', minItems: 1 },
			[],
			[
				'invalidValue',
				'value',
				'at least 1 item',
				'an array of 0 items',
				'value should be at least 1 item, but it is an array of 0 items',
			],
		],
		[
			'repeated items',
			{ type: 'array', uniqueItems: true },
			[1, 1],
			[
				'invalidValue',
				'value',
				'no repeated items (item 1 repeats item 0)',
				'an array of 2 items',
				'value should be no repeated items (item 1 repeats item 0), but it is an array of 2 items',
			],
		],
		[
			'a missing contained item',
			{ type: 'array', contains: { const: 'x' } },
			['y'],
			[
				'invalidValue',
				'value',
				'an array with at least one item matching the schema at /properties/value/contains',
				'an array of 1 item',
				'value should be an array with at least one item matching the schema at /properties/value/contains, but it is an array of 1 item',
			],
		],
		[
			'a forbidden value',
			{ type: 'string', not: { const: 'root' } },
			'root',
			[
				'invalidValue',
				'value',
				'a value that does not match the schema at /properties/value/not',
				'a string ("root")',
				'value should be a value that does not match the schema at /properties/value/not, but it is a string ("root")',
			],
		],
		[
			'too many fields',
			{ type: 'object', maxProperties: 1 },
			{ a: 1, b: 2 },
			[
				'invalidValue',
				'value',
				'at most 1 field (it has 2)',
				'an object',
				'value should be at most 1 field (it has 2), but it is an object',
			],
		],
		[
			'a missing field',
			{ type: 'string' },
			undefined,
			[
				'requiredMissing',
				'value',
				'a string',
				'nothing (the field is missing)',
				'value is missing: the schema requires it (a string)',
			],
		],
	];
	for (const [what, schema, value, expected] of cases) {
		it(`describes ${what}`, () => {
			assert.deepEqual(problemOf(schema, value), expected);
		});
	}

	it('names nested places as paths and JSON pointers, quoting odd keys', () => {
		const schema = compile(
			object({
				meta: object({ 'odd key/1': { type: 'integer' } }),
				lines: { type: 'array', items: object({ sku: { type: 'string' } }) },
			}),
		);
		const verdict = check(schema, {
			meta: { 'odd key/1': 'x' },
			lines: [{ sku: 'a' }, { sku: 2 }],
		});
		assert.deepEqual(
			verdict.problems.map((problem) => [problem.path, problem.pointer]),
			[
				['meta["odd key/1"]', '/meta/odd key~11'],
				['lines[1].sku', '/lines/1/sku'],
			],
		);
	});

	it('names a new field and says the schema does not list it', () => {
		const verdict = check(
			compile(object({ id: { type: 'integer' } })),
			{ id: 1, nickname: 'Al' },
			{ fieldAdded: 'discardRow' },
		);
		assert.deepEqual(verdict.problems, [
			{
				kind: 'fieldAdded',
				path: 'nickname',
				pointer: '/nickname',
				expected: 'no such field (the schema does not list it)',
				received: 'a string ("Al")',
				message: 'nickname is a new field: the schema does not list it',
			},
		]);
	});

	it('lists at most Max Problems per item, and counts them all', () => {
		const properties = Object.fromEntries(
			Array.from({ length: 30 }, (_, index) => [`f${index}`, { type: 'string' }]),
		);
		const verdict = checkItem(compile(object(properties)), {}, DEFAULT_CONTRACT, 5);
		assert.equal(verdict.problems.length, 5);
		assert.equal(verdict.problemCount, 30);
	});

	it('quotes long strings briefly', () => {
		const [, , , received] = problemOf({ type: 'integer' }, 'x'.repeat(5000));
		assert.equal(received, `a string ("${'x'.repeat(40)}"… (5000 characters))`);
	});
});
