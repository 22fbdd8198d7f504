import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	decideResponse,
	DEFAULT_BACKOFF,
	parseStatusList,
	readResponse,
	type ResponsePolicy,
} from '../../../nodes/shared/core/ratelimit';

const NOW = Date.parse('2026-12-06T10:00:00.000Z');

const statuses = parseStatusList('429, 5xx');
if (!('statuses' in statuses)) throw new Error('status list');
const POLICY: ResponsePolicy = {
	retryStatuses: statuses.statuses,
	maxAttempts: 5,
	backoff: { ...DEFAULT_BACKOFF, jitter: 'none' },
	maxServerWaitMs: 3_600_000,
};

/** The AxiosError n8n 2.40's HTTP Request node leaves under `error` on its error output. */
class AxiosHeaders {
	[key: string]: unknown;
	constructor(values: Record<string, string>) {
		Object.assign(this, values);
	}
}
function axiosError(status: number, headers: Record<string, string>): Error {
	const error = new Error(
		status === 429
			? "Try spacing your requests out using the batching settings under 'Options'"
			: `${status} - "<html>busy</html>"`,
	);
	return Object.assign(error, {
		name: 'AxiosError',
		isAxiosError: true,
		statusCode: status,
		status,
		error: '<html>busy</html>',
		response: { status, statusText: 'Too Many Requests', headers: new AxiosHeaders(headers) },
	});
}

describe('Learn From Response: reading an answer', () => {
	it('reads the HTTP Request error output: status, Retry-After and limit from AxiosHeaders', () => {
		const error = axiosError(429, {
			'retry-after': '2',
			'x-ratelimit-limit': '10',
			'x-ratelimit-remaining': '0',
		});
		const facts = readResponse({ id: 7, error }, error, NOW);
		assert.equal(facts.status, 429);
		assert.equal(facts.failed, true);
		assert.equal(facts.limits.retryAfterMs, 2000);
		assert.equal(facts.limits.limit, 10);
		assert.equal(facts.limits.remaining, 0);
		const verdict = decideResponse(facts, 1, POLICY, NOW);
		assert.deepEqual(verdict, {
			route: 'retry',
			delayMs: 2000,
			source: 'server',
			serverWaitMs: 2000,
		});
	});

	it('reads "Include Response Headers and Status" with Never Error: a 429 retries, a 200 is OK', () => {
		const limited = {
			body: {},
			headers: { 'Retry-After': '3' },
			statusCode: 429,
			statusMessage: '',
		};
		const facts = readResponse(limited, undefined, NOW);
		assert.equal(facts.status, 429);
		assert.equal(facts.failed, false);
		assert.deepEqual(decideResponse(facts, 1, POLICY, NOW), {
			route: 'retry',
			delayMs: 3000,
			source: 'server',
			serverWaitMs: 3000,
		});
		const ok = { body: { ok: true }, headers: { 'x-ratelimit-remaining': '4' }, statusCode: 200 };
		const okFacts = readResponse(ok, undefined, NOW);
		assert.equal(okFacts.limits.remaining, 4);
		assert.deepEqual(decideResponse(okFacts, 1, POLICY, NOW), { route: 'ok' });
	});

	it('reads a serialised error (no headers kept) and n8n message texts', () => {
		const serialised = { message: '429 - "busy"', name: 'AxiosError', status: 429 };
		assert.equal(readResponse({ error: serialised }, serialised, NOW).status, 429);
		const text = 'The service is receiving too many requests from you';
		assert.equal(readResponse({ error: text }, text, NOW).status, 429);
		const apiError = { message: 'Bad request - please check your parameters', httpCode: '400' };
		const facts = readResponse({ error: apiError }, apiError, NOW);
		assert.equal(facts.status, 400);
		assert.deepEqual(decideResponse(facts, 1, POLICY, NOW), {
			route: 'giveUp',
			reason: 'notRetryable',
			serverWaitMs: null,
		});
	});

	it('retries network errors and gives up on anything else without a status', () => {
		const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
		const facts = readResponse({ error: reset }, reset, NOW);
		assert.equal(facts.code, 'ECONNRESET');
		assert.equal(decideResponse(facts, 1, POLICY, NOW).route, 'retry');
		const tls = Object.assign(new Error('bad cert'), { code: 'CERT_HAS_EXPIRED' });
		assert.equal(
			decideResponse(readResponse({ error: tls }, tls, NOW), 1, POLICY, NOW).route,
			'giveUp',
		);
	});

	it('backs off exponentially when the vendor asks nothing, gives up at Max Attempts', () => {
		const error = { message: '503 - "down"', status: 503 };
		const facts = readResponse({ error }, error, NOW);
		assert.deepEqual(decideResponse(facts, 1, POLICY, NOW), {
			route: 'retry',
			delayMs: 1000,
			source: 'backoff',
			serverWaitMs: null,
		});
		assert.equal((decideResponse(facts, 3, POLICY, NOW) as { delayMs: number }).delayMs, 4000);
		assert.deepEqual(decideResponse(facts, 5, POLICY, NOW), {
			route: 'giveUp',
			reason: 'maxAttempts',
			serverWaitMs: null,
		});
	});

	it('gives up when the vendor asks for longer than Max Server Wait', () => {
		const answer = { statusCode: 429, headers: { 'retry-after': '86400' } };
		const verdict = decideResponse(readResponse(answer, undefined, NOW), 1, POLICY, NOW);
		assert.deepEqual(verdict, {
			route: 'giveUp',
			reason: 'retryAfterTooLong',
			serverWaitMs: 86_400_000,
		});
	});

	it('learns nothing from hostile shapes and never throws', () => {
		const hostile: unknown[] = [
			null,
			42,
			[],
			{ response: { headers: 'x' } },
			{ response: { headers: [1, 2] } },
			new Proxy(
				{},
				{
					ownKeys() {
						throw new Error('no');
					},
					get() {
						throw new Error('no');
					},
				},
			),
			{ ['__proto__']: { status: 429 } },
		];
		for (const error of hostile) {
			const facts = readResponse({ error, headers: { 'retry-after': '-1' } }, error, NOW);
			assert.equal(facts.limits.retryAfterMs, null);
			assert.ok(['ok', 'retry', 'giveUp'].includes(decideResponse(facts, 1, POLICY, NOW).route));
		}
		// An item without an error and without a status is OK (a plain body, Never Error without headers).
		assert.deepEqual(decideResponse(readResponse({ a: 1 }, undefined, NOW), 1, POLICY, NOW), {
			route: 'ok',
		});
		// A huge headers object (not a plain one) is read only in part: a Retry-After past the
		// first 200 keys is not seen.
		const many: Record<string, string> = {};
		for (let index = 0; index < 100_000; index++) many[`h${index}`] = 'x';
		many['retry-after'] = '5';
		const facts = readResponse(
			{ statusCode: 429, headers: new AxiosHeaders(many) },
			undefined,
			NOW,
		);
		assert.equal(facts.limits.retryAfterMs, null);
	});
});
