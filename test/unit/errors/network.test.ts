/**
 * One network-error list (core/errors/network): what the stores call unreachable, Send
 * Request retries and Dead Letter files as transient.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
	errorCode,
	isNetworkError,
	isNetworkErrorCode,
	NETWORK_ERROR_CODES,
	NETWORK_ERROR_TEXT,
} from '../../../nodes/shared/core/errors/network';
import { isSettingsError, SettingsError } from '../../../nodes/shared/core/errors/settings';

function withCode(code: string): Error {
	return Object.assign(new Error(`failed: ${code}`), { code });
}

describe('network errors', () => {
	test('the codes of Node, undici and axios that mean the other side was not reached', () => {
		for (const code of [
			'ECONNREFUSED',
			'ENETDOWN',
			'UND_ERR_HEADERS_TIMEOUT',
			'EAI_AGAIN',
			'ERR_NETWORK',
		]) {
			assert.ok(NETWORK_ERROR_CODES.has(code), code);
			assert.equal(isNetworkError(withCode(code)), true, code);
		}
		assert.equal(isNetworkErrorCode('econnreset'), true);
	});

	test('answers are not network errors', () => {
		for (const code of ['28P01', 'ERR_TLS_CERT_ALTNAME_INVALID', 'NOAUTH', '']) {
			assert.equal(isNetworkError(withCode(code)), false, code);
		}
		assert.equal(isNetworkError(new Error('no code')), false);
		assert.equal(isNetworkError(null), false);
		assert.equal(isNetworkError('ECONNREFUSED'), false);
	});

	test('the code is found on a cause and on the first error an AggregateError holds', () => {
		const dualStack = new AggregateError([withCode('ECONNREFUSED'), withCode('EHOSTUNREACH')], '');
		assert.equal(errorCode(dualStack), 'ECONNREFUSED');
		const wrapped = new Error('request failed', { cause: withCode('ECONNRESET') });
		assert.equal(isNetworkError(wrapped), true);
		const cycle: { code?: unknown; cause?: unknown } = {};
		cycle.cause = cycle;
		assert.equal(errorCode(cycle), undefined, 'a cause cycle ends');
	});

	test('an empty code says nothing: the cause is asked', () => {
		const error = Object.assign(new Error('fetch failed'), {
			code: '',
			cause: withCode('ECONNRESET'),
		});
		assert.equal(errorCode(error), 'ECONNRESET');
		assert.equal(isNetworkError(error), true);
		assert.equal(errorCode(Object.assign(new Error('x'), { code: '' })), undefined);
	});

	test('a DNS message is judged by its code, not by the word getaddrinfo', () => {
		assert.match('getaddrinfo ENOTFOUND api.example.com', NETWORK_ERROR_TEXT);
		assert.equal(
			NETWORK_ERROR_TEXT.exec('getaddrinfo ENOTFOUND api.example.com')?.[0],
			'ENOTFOUND',
		);
		assert.doesNotMatch('getaddrinfo EAI_FAIL api.example.com', NETWORK_ERROR_TEXT);
	});

	test('the text form matches the codes and the usual phrases, and nothing else', () => {
		for (const text of [
			'connect ECONNREFUSED 127.0.0.1:6379',
			'socket hang up',
			'Connection reset by peer',
			'Network Error',
		]) {
			assert.match(text, NETWORK_ERROR_TEXT);
		}
		for (const text of ['invalid api key', 'ECONNREFUSEDX', 'disconnected users: 3']) {
			assert.doesNotMatch(text, NETWORK_ERROR_TEXT);
		}
	});
});

describe('settings errors', () => {
	test('option, value and expected, with a guard that works across module copies', () => {
		const error = new SettingsError('windowMs', -5, 'a number above 0');
		assert.equal(error.message, 'windowMs must be a number above 0; got -5');
		assert.equal(isSettingsError(error), true);
		// A copy of the class from another bundle: only the brand is shared.
		const copy = Object.assign(new Error('x'), {
			isSettingsError: true,
			option: 'a',
			value: 1,
			expected: 'b',
		});
		assert.equal(isSettingsError(copy), true);
		assert.equal(isSettingsError(new RangeError('x')), false);
		assert.equal(isSettingsError({ isSettingsError: true }), false);
	});

	test('long and circular values are quoted short', () => {
		const circular: Record<string, unknown> = {};
		circular.self = circular;
		assert.match(new SettingsError('a', circular, 'b').message, /got \[object Object\]$/);
		assert.ok(new SettingsError('a', 'x'.repeat(500), 'b').message.length < 140);
	});
});
