import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { decodeJwtDates, MAX_JWT_LENGTH } from '../../../nodes/shared/core/expiry';

const part = (value: unknown) =>
	Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const SIGNATURE = 'c2VjcmV0LXNpZ25hdHVyZS1kby1ub3QtbGVhaw';
const jwt = (payload: unknown, header: unknown = { alg: 'HS256', typ: 'JWT' }) =>
	`${part(header)}.${part(payload)}.${SIGNATURE}`;

describe('decodeJwtDates: well-formed tokens', () => {
	it('reads exp, iat and nbf in milliseconds and a few safe claims', () => {
		const result = decodeJwtDates(
			jwt(
				{
					exp: 1_800_000_000,
					iat: 1_790_000_000,
					nbf: 1_790_000_000,
					iss: 'https://issuer.example',
					sub: 'svc-42',
					aud: ['api', 7, 'crm'],
				},
				{ alg: 'RS256', kid: 'k1' },
			),
		);
		assert.deepEqual(result, {
			ok: true,
			expiresAt: 1_800_000_000_000,
			issuedAt: 1_790_000_000_000,
			notBefore: 1_790_000_000_000,
			alg: 'RS256',
			typ: null,
			kid: 'k1',
			iss: 'https://issuer.example',
			sub: 'svc-42',
			aud: 'api, crm',
		});
	});

	it('accepts "Bearer " in front and surrounding spaces', () => {
		const result = decodeJwtDates(`  Bearer ${jwt({ exp: 1_800_000_000 })}  `);
		assert.equal(result.ok && result.expiresAt, 1_800_000_000_000);
	});

	it('a token without exp is read, with expiresAt null', () => {
		const result = decodeJwtDates(jwt({ sub: 'x' }));
		assert.equal(result.ok, true);
		assert.equal(result.ok && result.expiresAt, null);
	});

	it('fractional seconds are allowed (NumericDate may be non-integer)', () => {
		const result = decodeJwtDates(jwt({ exp: 1_800_000_000.5 }));
		assert.equal(result.ok && result.expiresAt, 1_800_000_000_500);
	});
});

describe('decodeJwtDates: hostile tokens never throw and never echo the token', () => {
	const hostile: Array<[string, unknown, RegExp]> = [
		['a number', 42, /not text/],
		['null', null, /null/],
		['an object', { token: 'x' }, /not text/],
		['an empty string', '', /empty/],
		['only "Bearer "', 'Bearer   ', /empty|not a JWT/],
		['two parts', 'abc.def', /three parts/],
		['an encrypted JWE (five parts)', 'a.b.c.d.e', /encrypted/],
		['bad base64 in the payload', `${part({ alg: 'none' })}.!!!.sig`, /payload is not base64url/],
		['an impossible base64 length', `${part({ alg: 'none' })}.a.sig`, /payload is not base64url/],
		['an empty header', `.${part({ exp: 1 })}.sig`, /header is not base64url/],
		[
			'a payload that is not JSON',
			`${part({ alg: 'none' })}.${part('not json {')}.sig`,
			/payload is not JSON/,
		],
		['a JSON array payload', jwt([1, 2, 3]), /not a JSON object/],
		['a JSON string payload', jwt('"text"'), /not a JSON object/],
		[
			'a JSON null header',
			`${part('null')}.${part({ exp: 1 })}.sig`,
			/header is not a JSON object/,
		],
		['exp as a string', jwt({ exp: '1800000000' }), /"exp" claim is not a date/],
		['exp as an object', jwt({ exp: { valueOf: 1 } }), /"exp" claim is not a date/],
		['exp negative', jwt({ exp: -5 }), /"exp" claim/],
		['exp beyond year 9999', jwt({ exp: 1e15 }), /"exp" claim/],
		['iat as a boolean', jwt({ exp: 1_800_000_000, iat: true }), /"iat" claim/],
		[
			'exp as 1e400 (Infinity after parsing)',
			`${part({ alg: 'none' })}.${part('{"exp":1e400}')}.sig`,
			/"exp" claim/,
		],
		['a huge token', `${part({ alg: 'none' })}.${'A'.repeat(MAX_JWT_LENGTH)}.sig`, /longer than/],
	];
	for (const [label, token, reason] of hostile) {
		it(`refuses ${label}`, () => {
			const result = decodeJwtDates(token);
			assert.equal(result.ok, false);
			assert.match((result as { reason: string }).reason, reason);
			if (typeof token === 'string' && token.length > 8)
				assert.equal(JSON.stringify(result).includes(token.trim()), false);
		});
	}

	it('__proto__ and constructor keys are plain data: no pollution, no inherited claims', () => {
		const payload = `{"__proto__":{"exp":1800000000,"polluted":true},"constructor":{"prototype":{"polluted":true}}}`;
		const result = decodeJwtDates(
			`${part({ alg: 'none', __proto__: { kid: 'evil' } })}.${part(payload)}.sig`,
		);
		assert.equal(result.ok, true);
		assert.equal(result.ok && result.expiresAt, null, 'exp inside __proto__ is not a claim');
		assert.equal(result.ok && result.kid, null);
		assert.equal(({} as Record<string, unknown>).polluted, undefined);
		assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
	});

	it('the result never contains the signature or the raw payload', () => {
		const token = jwt({ exp: 1_800_000_000, secret: 'hunter2' });
		const serialised = JSON.stringify(decodeJwtDates(token));
		assert.equal(serialised.includes(SIGNATURE), false);
		assert.equal(serialised.includes('hunter2'), false);
		assert.equal(serialised.includes(token.split('.')[1]), false);
	});

	it('long claims are cut, so a hostile issuer cannot flood the output', () => {
		const result = decodeJwtDates(jwt({ exp: 1_800_000_000, iss: 'x'.repeat(5000) }));
		assert.equal(result.ok && (result.iss ?? '').length <= 201, true);
	});
});
