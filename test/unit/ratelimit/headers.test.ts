import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	headerValue,
	MAX_SERVER_WAIT_MS,
	parseReset,
	parseRetryAfter,
	readRateLimitHeaders,
	serverWaitMs,
} from '../../../nodes/shared/core/ratelimit';

const NOW = Date.parse('2026-11-27T08:00:00.000Z');

describe('parseRetryAfter', () => {
	it('reads delta-seconds', () => {
		assert.equal(parseRetryAfter('120', NOW), 120_000);
		assert.equal(parseRetryAfter(' 0 ', NOW), 0);
		assert.equal(parseRetryAfter('1.5', NOW), 1500);
		assert.equal(parseRetryAfter(7, NOW), 7000);
	});

	it('reads HTTP dates in all three RFC 9110 forms, past dates as 0', () => {
		assert.equal(parseRetryAfter('Fri, 27 Nov 2026 08:00:30 GMT', NOW), 30_000);
		assert.equal(parseRetryAfter('Friday, 27-Nov-26 08:01:00 GMT', NOW), 60_000);
		assert.equal(parseRetryAfter('Fri Nov 27 08:00:10 2026', NOW) !== null, true);
		assert.equal(parseRetryAfter('Thu, 26 Nov 2026 08:00:00 GMT', NOW), 0);
	});

	it('learns nothing from garbage', () => {
		for (const value of [
			'',
			'   ',
			'-5',
			'soon',
			'10s',
			'1e3',
			'NaN',
			'Infinity',
			'12:00',
			'0x10',
			'Fri, 99 Foo 2026 99:99:99 GMT',
			'x'.repeat(10_000),
			null,
			undefined,
			{},
			[],
			-3,
			Number.NaN,
			Number.POSITIVE_INFINITY,
			true,
		]) {
			assert.equal(
				parseRetryAfter(value as unknown, NOW),
				null,
				JSON.stringify(value)?.slice(0, 40),
			);
		}
	});

	it('caps absurd waits at a year', () => {
		assert.equal(parseRetryAfter('99999999999', NOW), MAX_SERVER_WAIT_MS);
		assert.equal(parseRetryAfter('Sat, 01 Jan 2133 00:00:00 GMT', NOW), MAX_SERVER_WAIT_MS);
	});
});

describe('parseReset', () => {
	it('tells epoch seconds, epoch ms and deltas apart', () => {
		const epochSeconds = String(Math.floor(NOW / 1000) + 30);
		assert.equal(parseReset(epochSeconds, NOW), NOW + 30_000);
		assert.equal(parseReset(String(NOW + 5000), NOW), NOW + 5000);
		assert.equal(parseReset('42', NOW), NOW + 42_000);
		assert.equal(parseReset('0.5', NOW), NOW + 500);
	});

	it('never goes back in time, nor beyond a year', () => {
		assert.equal(parseReset(String(Math.floor(NOW / 1000) - 100), NOW), NOW);
		assert.equal(parseReset('Fri, 27 Nov 2026 08:00:05 GMT', NOW), NOW + 5000);
		assert.equal(parseReset('999999999', NOW), NOW + MAX_SERVER_WAIT_MS);
		assert.equal(parseReset('garbage', NOW), null);
		assert.equal(parseReset(null, NOW), null);
	});
});

describe('readRateLimitHeaders', () => {
	it('reads the X-RateLimit-* family (GitHub style) case-insensitively', () => {
		const facts = readRateLimitHeaders(
			{
				'X-RateLimit-Limit': '5000',
				'x-ratelimit-remaining': '0',
				'X-RATELIMIT-RESET': String(Math.floor(NOW / 1000) + 60),
			},
			NOW,
		);
		assert.deepEqual(facts, {
			limit: 5000,
			remaining: 0,
			resetAt: NOW + 60_000,
			retryAfterMs: null,
			windowSeconds: null,
		});
		assert.equal(serverWaitMs(facts, NOW), 60_000);
	});

	it('reads X-Rate-Limit-*, the IETF draft RateLimit-* with its policy window, and the combined header', () => {
		assert.deepEqual(
			readRateLimitHeaders(
				{ 'x-rate-limit-limit': '100', 'x-rate-limit-remaining': '7', 'x-rate-limit-reset': '30' },
				NOW,
			),
			{
				limit: 100,
				remaining: 7,
				resetAt: NOW + 30_000,
				retryAfterMs: null,
				windowSeconds: null,
			},
		);
		assert.deepEqual(
			readRateLimitHeaders(
				{
					'ratelimit-limit': '10',
					'ratelimit-remaining': '3',
					'ratelimit-reset': '1',
					'ratelimit-policy': '10;w=1',
				},
				NOW,
			),
			{
				limit: 10,
				remaining: 3,
				resetAt: NOW + 1000,
				retryAfterMs: null,
				windowSeconds: 1,
			},
		);
		assert.deepEqual(
			readRateLimitHeaders({ ratelimit: 'limit=100, remaining=50, reset=30' }, NOW),
			{
				limit: 100,
				remaining: 50,
				resetAt: NOW + 30_000,
				retryAfterMs: null,
				windowSeconds: null,
			},
		);
	});

	it('takes Retry-After, from arrays too, and prefers it as the server wait', () => {
		const facts = readRateLimitHeaders(
			{ 'retry-after': ['3'], 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '60' },
			NOW,
		);
		assert.equal(facts.retryAfterMs, 3000);
		assert.equal(serverWaitMs(facts, NOW), 3000);
		assert.equal(
			serverWaitMs(
				readRateLimitHeaders({ 'x-ratelimit-remaining': '4', 'x-ratelimit-reset': '60' }, NOW),
				NOW,
			),
			null,
		);
	});

	it('learns nothing from hostile headers', () => {
		const empty = {
			limit: null,
			remaining: null,
			resetAt: null,
			retryAfterMs: null,
			windowSeconds: null,
		};
		for (const headers of [
			null,
			undefined,
			'x',
			42,
			[],
			{ 'x-ratelimit-limit': '-1', 'x-ratelimit-remaining': 'lots', 'x-ratelimit-reset': {} },
			JSON.parse('{"__proto__": {"x-ratelimit-limit": "9"}}'),
		]) {
			assert.deepEqual(readRateLimitHeaders(headers, NOW), empty, JSON.stringify(headers));
		}
		assert.equal(headerValue({ a: 'x'.repeat(500) }, 'a'), null);
		assert.equal(headerValue(Object.create({ inherited: '1' }), 'inherited'), null);
	});
});
