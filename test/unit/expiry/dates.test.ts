import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	DEFAULT_EXPIRY_HEADERS,
	expiryFromHeaders,
	parseExpiryDate,
} from '../../../nodes/shared/core/expiry';

describe('parseExpiryDate', () => {
	const readable: Array<[string, unknown, string, string?]> = [
		['ISO with offset', '2026-12-31T23:00:00+01:00', '2026-12-31T22:00:00.000Z'],
		['ISO date only, in the zone', '2026-12-31', '2026-12-30T13:00:00.000Z', 'Australia/Sydney'],
		['Unix seconds', 1_800_000_000, '2027-01-15T08:00:00.000Z'],
		['Unix milliseconds as text', '1800000000000', '2027-01-15T08:00:00.000Z'],
		['an HTTP date (Sunset header)', 'Sat, 31 Jan 2026 23:59:59 GMT', '2026-01-31T23:59:59.000Z'],
		["GitHub's token expiration header", '2026-01-31 00:00:00 UTC', '2026-01-31T00:00:00.000Z'],
		["GitHub's header with an offset", '2026-01-31 00:00:00 +0100', '2026-01-30T23:00:00.000Z'],
		['a Date object', new Date('2026-05-01T00:00:00Z'), '2026-05-01T00:00:00.000Z'],
	];
	for (const [label, value, expected, zone] of readable) {
		it(`reads ${label}`, () => {
			const result = parseExpiryDate(value, zone ?? 'UTC');
			assert.equal(typeof result, 'number', JSON.stringify(result));
			assert.equal(new Date(result as number).toISOString(), expected);
		});
	}

	const unreadable: Array<[string, unknown]> = [
		['empty', ''],
		['null', null],
		['a word', 'soon'],
		['31 February', '2026-02-31'],
		['an ambiguous day/month', '03/04/2026'],
		['an object', { at: 1 }],
		['NaN', Number.NaN],
	];
	for (const [label, value] of unreadable) {
		it(`refuses ${label} with a problem`, () => {
			const result = parseExpiryDate(value);
			assert.equal(typeof result, 'object');
			assert.equal(typeof (result as { problem: string }).problem, 'string');
		});
	}
});

describe('expiryFromHeaders', () => {
	it('finds an expiry header whatever its case, the earliest when there are several', () => {
		const { found, problems } = expiryFromHeaders(
			{
				'Content-Type': 'application/json',
				Sunset: 'Wed, 30 Dec 2026 00:00:00 GMT',
				'GitHub-Authentication-Token-Expiration': '2026-12-01 00:00:00 UTC',
			},
			DEFAULT_EXPIRY_HEADERS,
		);
		assert.deepEqual(found, {
			header: 'github-authentication-token-expiration',
			expiresAt: Date.parse('2026-12-01T00:00:00Z'),
		});
		assert.deepEqual(problems, []);
	});

	it('takes the first value of a repeated header', () => {
		const { found } = expiryFromHeaders(
			{ 'x-token-expires': ['2026-12-01T00:00:00Z', 'garbage'] },
			DEFAULT_EXPIRY_HEADERS,
		);
		assert.equal(found?.expiresAt, Date.parse('2026-12-01T00:00:00Z'));
	});

	it('reports unreadable and oversized headers as problems and ignores headers not asked for', () => {
		const { found, problems } = expiryFromHeaders(
			{ 'x-token-expires': 'never', sunset: 'x'.repeat(500), expires: '2026-01-01' },
			DEFAULT_EXPIRY_HEADERS,
		);
		assert.equal(found, null);
		assert.equal(problems.length, 2);
		assert.match(problems.join(' '), /x-token-expires/);
		assert.match(problems.join(' '), /sunset is too long/);
	});

	it('anything but an object has no headers', () => {
		for (const value of [null, 'x-token-expires: 2026', ['a'], 42])
			assert.deepEqual(expiryFromHeaders(value, DEFAULT_EXPIRY_HEADERS), {
				found: null,
				problems: [],
			});
	});
});
