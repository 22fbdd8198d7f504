/**
 * Failures hidden in a 200, classified by what the body says (issue 19, item 5): a
 * validation message, a throttle or an outage in a `success: false` body is data,
 * rate-limit or transient, not unknown. Bounded on hostile bodies.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
	classifyContent,
	examineItem,
	type CaptureSettings,
} from '../../../nodes/shared/core/deadletter';

const settings: CaptureSettings = {
	incoming: 'responses',
	errorField: 'error',
	outputField: 'deadLetter',
	patterns: [],
	detectCommonFailures: true,
};

const classOf = (body: Record<string, unknown>) => {
	const verdict = examineItem(body, undefined, settings, 0);
	assert.ok(verdict.failed, `${JSON.stringify(body)} is a failure`);
	return verdict.classification.class;
};

const CASES: Array<[Record<string, unknown>, string]> = [
	[{ success: false, message: 'Validation failed: email is invalid' }, 'data'],
	[{ success: false, error: { code: 'VALIDATION_ERROR', message: 'email: bad format' } }, 'data'],
	[{ success: false, errors: [{ message: 'Email has already been taken' }] }, 'data'],
	[{ ok: false, error: 'invalid_arguments' }, 'data'],
	[{ success: false, statusCode: 422, message: 'Unprocessable' }, 'data'],
	[{ status: 'error', code: '400' }, 'data'],
	[{ success: false, error: { code: 'RATE_LIMITED', message: 'Slow down' } }, 'rateLimit'],
	[{ success: false, error: { type: 'rate_limit_error' } }, 'rateLimit'],
	[{ success: false, error_code: 'QUOTA_EXCEEDED' }, 'rateLimit'],
	[{ status: 'error', code: 429 }, 'rateLimit'],
	[{ errors: [{ message: 'Nope', extensions: { code: 'THROTTLED' } }] }, 'rateLimit'],
	[{ success: false, retry_after: 30 }, 'rateLimit'],
	[{ status: 'error', code: 503, message: 'maintenance' }, 'transient'],
	[{ success: false, message: 'Database is down for maintenance' }, 'transient'],
	[{ success: false, error: 'Service temporarily unavailable' }, 'transient'],
	[{ success: false, error: { status: 'UNAVAILABLE' } }, 'transient'],
	[{ success: false, retryable: true, message: 'Something went wrong' }, 'transient'],
	[{ ok: false, error: 'invalid_auth' }, 'auth'],
	[{ success: false }, 'unknown'],
	[{ success: false, message: 'Something went wrong' }, 'unknown'],
	// WeChat's errcode is no HTTP status: 40001 is an invalid access token.
	[{ errcode: 40001, errmsg: 'access_token is invalid' }, 'auth'],
	[{ status: 'error', code: 12 }, 'unknown'],
];

describe('hidden failures classified by content', () => {
	for (const [body, expected] of CASES)
		test(`${JSON.stringify(body)} → ${expected}`, () => assert.equal(classOf(body), expected));

	test('the reason says where the class came from', () => {
		const verdict = examineItem(
			{ success: false, error_code: 'QUOTA_EXCEEDED' },
			undefined,
			settings,
			0,
		);
		assert.ok(verdict.failed);
		assert.equal(
			verdict.classification.reason,
			'in the response (success is false): error_code "QUOTA_EXCEEDED"',
		);
	});

	test('hostile bodies: wrong types, __proto__, huge texts and lists stay bounded', () => {
		assert.equal(classifyContent(null, ''), null);
		assert.equal(classifyContent('text', ''), null);
		assert.equal(classifyContent({ code: { nested: 1 }, status: [], type: 7 }, ''), null);
		assert.equal(
			classifyContent(JSON.parse('{"__proto__": {"code": 429}, "success": false}'), ''),
			null,
		);
		const huge = 'a'.repeat(5_000_000) + ' rate limit exceeded';
		assert.equal(
			classifyContent({ message: huge }, ''),
			null,
			'words past 2,000 characters are not read',
		);
		const errors = Array.from({ length: 100_000 }, () => ({ message: 'x' }));
		errors.push({ message: 'rate limit exceeded' });
		assert.equal(classifyContent({ errors }, ''), null, 'only the first errors are read');
	});
});
