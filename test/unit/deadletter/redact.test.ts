import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	createRedactor,
	DEFAULT_REDACT_FIELDS,
	MAX_REDACT_DEPTH,
	REDACTED,
} from '../../../nodes/shared/core/deadletter';

const redactor = createRedactor();
const redact = (value: unknown) => redactor.redact(value);

/** Freezes a value all the way down, so any write to the input throws. */
function deepFreeze<T>(value: T): T {
	if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
		Object.freeze(value);
		for (const key of Reflect.ownKeys(value))
			deepFreeze((value as Record<string | symbol, unknown>)[key]);
	}
	return value;
}

describe('redaction by field name', () => {
	it('redacts authorization headers, tokens, api keys, passwords and cookies at any depth', () => {
		const input = {
			headers: {
				Authorization: 'Bearer abc',
				'X-Api-Key': 'k1',
				Cookie: 'sid=1',
				'set-cookie': ['a=1'],
			},
			auth: { user: 'u', pass: 'p' },
			nested: {
				deeper: [
					{
						access_token: 't1',
						refresh_token: 't2',
						clientSecret: 's',
						dbPassword: 'p',
						private_key: '-----BEGIN',
					},
				],
			},
			keep: { email: 'a@b.test', amount: 10 },
		};
		const { value, count, paths } = redact(input);
		assert.deepEqual(value, {
			headers: {
				Authorization: REDACTED,
				'X-Api-Key': REDACTED,
				Cookie: REDACTED,
				'set-cookie': REDACTED,
			},
			auth: REDACTED,
			nested: {
				deeper: [
					{
						access_token: REDACTED,
						refresh_token: REDACTED,
						clientSecret: REDACTED,
						dbPassword: REDACTED,
						private_key: REDACTED,
					},
				],
			},
			keep: { email: 'a@b.test', amount: 10 },
		});
		assert.equal(count, 10);
		assert.ok(paths.includes('headers.Authorization'));
		assert.ok(paths.includes('nested.deeper[0].access_token'));
	});

	it('redacts the value of { name, value } header lists and [name, value] pairs', () => {
		const input = {
			headerParameters: {
				parameters: [
					{ name: 'Authorization', value: 'Bearer xyz' },
					{ name: 'Accept', value: 'application/json' },
				],
			},
			entries: [
				['x-auth-token', 'abc'],
				['accept', 'json'],
			],
		};
		assert.deepEqual(redact(input).value, {
			headerParameters: {
				parameters: [
					{ name: 'Authorization', value: REDACTED },
					{ name: 'Accept', value: 'application/json' },
				],
			},
			entries: [
				['x-auth-token', REDACTED],
				['accept', 'json'],
			],
		});
	});

	it('leaves pagination tokens, booleans and empty values alone, so a replay still works', () => {
		const input = {
			nextPageToken: 'p2',
			pageToken: 'p1',
			twoFactorAuth: true,
			token: '',
			password: null,
			tokens: 12,
			maxTokens: 100,
		};
		assert.deepEqual(redact(input).value, input);
	});

	it('adds the configured field list to the defaults', () => {
		const custom = createRedactor(['ssn', 'iban']);
		assert.deepEqual(custom.redact({ ssn: '123', customer_IBAN: 'DE00', token: 't' }).value, {
			ssn: REDACTED,
			customer_IBAN: REDACTED,
			token: REDACTED,
		});
		assert.ok(DEFAULT_REDACT_FIELDS.includes('token'));
	});

	it('when off, still makes a JSON-safe copy but redacts nothing', () => {
		const off = createRedactor(DEFAULT_REDACT_FIELDS, false);
		assert.deepEqual(
			off.redact({ password: 'p', note: 'Bearer abcdefghijklmnopqrstuvwxyz', when: new Date(0) })
				.value,
			{
				password: 'p',
				note: 'Bearer abcdefghijklmnopqrstuvwxyz',
				when: '1970-01-01T00:00:00.000Z',
			},
		);
	});
});

describe('redaction inside text', () => {
	const cases: Array<[string, string, string]> = [
		[
			'a bearer token',
			'Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345',
			`Authorization: Bearer ${REDACTED}`,
		],
		['a basic credential', 'Basic dXNlcjpwYXNzd29yZA==', `Basic ${REDACTED}`],
		[
			'the word basic in prose',
			'Basic information about the order',
			'Basic information about the order',
		],
		[
			'a JWT',
			'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcDEF_123',
			`token ${REDACTED}`,
		],
		[
			'a password in a URL',
			'postgres://admin:s3cret@db.internal:5432/app',
			`postgres://admin:${REDACTED}@db.internal:5432/app`,
		],
		[
			'secret query parameters',
			'https://x.test/v1?api_key=abc123&page=2&access_token=zz',
			`https://x.test/v1?api_key=${REDACTED}&page=2&access_token=${REDACTED}`,
		],
		['a form body', 'password=hunter22&user=bob', `password=${REDACTED}&user=bob`],
		[
			'a secret field in JSON text',
			'401 - {"error":"bad","access_token":"abc123def"}',
			`401 - {"error":"bad","access_token":"${REDACTED}"}`,
		],
		[
			'vendor key prefixes',
			'key sk_live_ABCDEFGHIJ1234 and xoxb-1234567890-abcdef and AKIAABCDEFGHIJKLMNOP',
			`key ${REDACTED} and ${REDACTED} and ${REDACTED}`,
		],
		[
			'plain prose',
			'The customer asked for a refund on order 42',
			'The customer asked for a refund on order 42',
		],
	];
	for (const [name, input, expected] of cases) {
		it(name, () => {
			assert.equal(
				redact({ note: input }).value && (redact({ note: input }).value as { note: string }).note,
				expected,
			);
		});
	}

	it('reports where text was redacted', () => {
		const { paths, count } = redact({ log: ['ok', 'Bearer abcdefghijklmnopqrstuvwxyz'] });
		assert.deepEqual(paths, ['log[1] (text)']);
		assert.equal(count, 1);
	});
});

describe('hostile input', () => {
	it('never mutates its input (frozen all the way down)', () => {
		const input = deepFreeze({
			a: { password: 'p', list: [{ token: 't' }, 'Bearer abcdefghijklmnopqrstuvwxyz'] },
		});
		const before = JSON.stringify(input);
		redact(input);
		assert.equal(JSON.stringify(input), before);
	});

	it('keeps __proto__, constructor and prototype keys as plain data, polluting nothing', () => {
		const input = JSON.parse(
			'{"__proto__": {"polluted": true, "token": "t"}, "constructor": {"prototype": {"x": 1}}}',
		) as Record<string, unknown>;
		const { value } = redact(input);
		const copy = value as Record<string, unknown>;
		assert.equal(Object.getPrototypeOf(copy), Object.prototype);
		assert.ok(Object.hasOwn(copy, '__proto__'));
		assert.deepEqual(copy.__proto__, { polluted: true, token: REDACTED });
		assert.equal(({} as Record<string, unknown>).polluted, undefined);
		assert.equal(
			JSON.stringify(copy),
			'{"__proto__":{"polluted":true,"token":"[REDACTED]"},"constructor":{"prototype":{"x":1}}}',
		);
	});

	it('cuts cycles and nesting deeper than the limit, and says so', () => {
		const cyclic: Record<string, unknown> = { name: 'loop' };
		cyclic.self = cyclic;
		assert.deepEqual(redact(cyclic).value, { name: 'loop', self: '[circular]' });

		let deep: Record<string, unknown> = { leaf: true };
		for (let level = 0; level < 10_000; level++) deep = { next: deep };
		const result = redact(deep);
		assert.equal(result.cut, 1);
		assert.match(JSON.stringify(result.value), /\[cut: nested deeper than 200 levels\]/);
		assert.equal(MAX_REDACT_DEPTH, 200);
	});

	it('turns values JSON cannot hold into ones it can', () => {
		const input = {
			big: 10n,
			nan: Number.NaN,
			inf: Number.POSITIVE_INFINITY,
			when: new Date('2024-01-02T03:04:05Z'),
			buffer: Buffer.from('abc'),
			fn: () => 1,
			undef: undefined,
			sym: Symbol('s'),
			map: new Map([['a', 1]]),
			set: new Set([1]),
			sparse: [1, undefined, 3],
		};
		assert.deepEqual(redact(input).value, {
			big: '10',
			nan: 'NaN',
			inf: 'Infinity',
			when: '2024-01-02T03:04:05.000Z',
			buffer: '[binary: 3 bytes]',
			map: [['a', 1]],
			set: [1],
			sparse: [1, null, 3],
		});
	});

	it('reads an Error for its message, not its request config', () => {
		const error = Object.assign(new Error('boom'), {
			code: 'E1',
			config: { headers: { Authorization: 'Bearer x' } },
			response: { status: 500, data: { ok: false }, headers: { 'set-cookie': 'a' } },
		});
		assert.deepEqual(redact({ error }).value, {
			error: {
				name: 'Error',
				message: 'boom',
				code: 'E1',
				response: { status: 500, data: { ok: false } },
			},
		});
	});

	it('marks getters that throw as unreadable instead of failing', () => {
		const input = {
			fine: 1,
			bad: new Proxy(
				{},
				{
					ownKeys: () => {
						throw new Error('no');
					},
				},
			),
		};
		assert.deepEqual(redact(input).value, { fine: 1, bad: '[unreadable]' });
	});

	it('keeps a payload of several MB whole', () => {
		const big = {
			blob: 'x'.repeat(6 * 1024 * 1024),
			rows: Array.from({ length: 50_000 }, (_, index) => ({
				index,
				email: `u${index}@x.test`,
				token: `t${index}`,
			})),
		};
		const started = process.hrtime.bigint();
		const { value, count } = redact(big);
		const ms = Number(process.hrtime.bigint() - started) / 1e6;
		console.log(
			`redacting a ${(JSON.stringify(big).length / 1e6).toFixed(1)} MB payload with 50,000 rows took ${ms.toFixed(0)} ms`,
		);
		const copy = value as typeof big;
		assert.equal(copy.blob.length, big.blob.length);
		assert.equal(copy.rows.length, 50_000);
		assert.equal(count, 50_000);
		assert.deepEqual(copy.rows[49_999], { index: 49_999, email: 'u49999@x.test', token: REDACTED });
	});
});
