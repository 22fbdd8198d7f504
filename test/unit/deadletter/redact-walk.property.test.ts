// The redactor's faster walk (issue 17) against the walk it replaced (redact-oracle.ts): on
// generated values full of secret-looking names, header pairs, text with credentials, `__proto__`
// keys, cycles, Dates, Maps, Errors and deep nesting, both give the same copy, the same paths and
// the same counts. The redactor is a security boundary: "the same" means deep equality of all of it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { Redactor } from '../../../nodes/shared/core/deadletter';
import { OracleRedactor } from './redact-oracle';

const NAMES = [
	'value',
	'name',
	'key',
	'header',
	'token',
	'apiKey',
	'api_key',
	'Authorization',
	'authorization',
	'X-Api-Key',
	'password',
	'password2',
	'idempotencyKey',
	'idempotency',
	'pageToken',
	'secret',
	'stripe',
	'api',
	'license',
	'cookie',
	'session',
	'sig',
	'email',
	'id',
	'body',
	'headers',
	'rawHeaders',
	'error',
	'message',
	'__proto__',
	'constructor',
	'toJSON',
	'',
	'customer',
	'myField',
];

const TEXTS = [
	'Bearer sk_live_0123456789abcdefABCDEF',
	'Basic dXNlcjpwYXNzd29yZA==',
	'a Bearer token is required',
	'Authorization: Token abc123456789',
	'https://user:hunter2@example.com/path?api_key=k_live_0123456789&page=2',
	'redis://:pw@127.0.0.1:6379',
	'{"password":"hunter2","user":"bob"}',
	'{\\"token\\":\\"abc.def.ghi\\"}',
	'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlX3NpZw',
	'ghp_0123456789abcdefghijklmnopqrstuvwxyz',
	'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXX',
	'contact12@example.com',
	'Request failed with status code 503',
	'x-api-key=abcdef0123456789',
	'short',
	'',
];

const name = fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 12 }));
const text = fc.oneof(
	fc.constantFrom(...TEXTS),
	fc.string({ maxLength: 40 }),
	fc
		.tuple(
			fc.constantFrom(...NAMES),
			fc.constantFrom(':', '=', ': ', '":"'),
			fc.string({ maxLength: 20 }),
		)
		.map(([key, separator, value]) => `${key}${separator}${value}`),
);
const leaf = fc.oneof(
	text,
	fc.integer(),
	fc.double(),
	fc.constantFrom(NaN, Infinity, -Infinity, -0),
	fc.boolean(),
	fc.constant(null),
	fc.constant(undefined),
	fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
	fc.date({ noInvalidDate: false }),
);

/** A plain object built so that `__proto__` stays an own field, as JSON.parse makes it. */
function objectOf(entries: Array<[string, unknown]>): Record<string, unknown> {
	const object: Record<string, unknown> = {};
	for (const [key, value] of entries)
		Object.defineProperty(object, key, {
			value,
			enumerable: true,
			writable: true,
			configurable: true,
		});
	return object;
}

const { value } = fc.letrec((tie) => ({
	value: fc.oneof(
		{ depthSize: 'small', withCrossShrink: true },
		leaf,
		tie('object'),
		tie('array'),
		tie('pair'),
		tie('special'),
	),
	object: fc.array(fc.tuple(name, tie('value')), { maxLength: 6 }).map(objectOf),
	array: fc.oneof(
		fc.array(tie('value'), { maxLength: 6 }),
		// Node's flat rawHeaders: [name, value, name, value…]
		fc.array(fc.tuple(name, tie('value')), { maxLength: 4 }).map((pairs) => pairs.flat()),
	),
	// `{ name: "Authorization", value }` and its kin, sometimes with a field beside it.
	pair: fc
		.tuple(
			fc.constantFrom('name', 'key', 'header'),
			name,
			tie('value'),
			fc.option(fc.tuple(name, tie('value')), { nil: undefined }),
		)
		.map(([holder, header, secret, extra]) =>
			objectOf([[holder, header], ['value', secret], ...(extra ? [extra] : [])]),
		),
	special: fc.oneof(
		fc.tuple(name, tie('value')).map(([key, entry]) => new Map([[key, entry]])),
		fc.array(tie('value'), { maxLength: 3 }).map((entries) => new Set(entries)),
		fc.tuple(text, tie('value')).map(([message, extra]) => {
			const error = new Error(message) as Error & Record<string, unknown>;
			error.code = 'ECONNRESET';
			error.response = { status: 401, statusText: 'Unauthorized', data: extra, headers: {} };
			error.config = { headers: { Authorization: 'Bearer zzz' } };
			return error;
		}),
		fc.tuple(tie('value')).map(([inner]) => ({ toJSON: () => inner })),
		fc.constant(Buffer.from('binary')),
	),
}));

/** Makes some values circular, as a vendor's error object can be. */
const withCycles = fc.tuple(value, fc.boolean()).map(([root, cycle]) => {
	if (cycle && root !== null && typeof root === 'object' && !(root instanceof Map)) {
		(root as Record<string, unknown>).self = root;
	}
	return root;
});

const SETTINGS: Array<[string, string[], boolean]> = [
	['defaults', [], true],
	['extra names', ['email', 'customerId', 'my-field'], true],
	['redaction off', [], false],
];

describe('the redactor walk equals the walk it replaced', () => {
	for (const [label, extra, enabled] of SETTINGS) {
		it(`on generated values (${label})`, () => {
			const fast = new Redactor(extra, enabled);
			const oracle = new OracleRedactor(extra, enabled);
			fc.assert(
				fc.property(withCycles, (input) => {
					assert.deepStrictEqual(fast.redact(input), oracle.redact(input));
				}),
				{ numRuns: 3000 },
			);
		});
	}

	it('on values nested past the depth limit, and on a throwing getter', () => {
		const fast = new Redactor();
		const oracle = new OracleRedactor();
		let deep: unknown = { token: 'abc123456789' };
		for (let level = 0; level < 260; level++)
			deep = level % 2 ? [deep] : { apiKey: 'k', next: deep };
		assert.deepStrictEqual(fast.redact(deep), oracle.redact(deep));
		const hostile = {
			password: 'hunter2',
			get boom(): string {
				throw new Error('no');
			},
		};
		assert.deepStrictEqual(
			fast.redact({ a: hostile, b: { secret: 'x' } }),
			oracle.redact({ a: hostile, b: { secret: 'x' } }),
		);
	});
});
