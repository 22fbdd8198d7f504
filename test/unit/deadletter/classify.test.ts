/**
 * The classifier on the shapes n8n really puts on error items (n8n 2.40): the HTTP
 * Request node's request error (an AxiosError from the legacy request adapter, with
 * `details` from version 4.5), vendor nodes' `error.message` strings (NodeApiError's
 * standard texts), NodeApiError objects live and after a JSON round trip, network
 * errors, and vendor API bodies.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

import {
	classifyFailure,
	failureFacts,
	type FailureClass,
} from '../../../nodes/shared/core/deadletter';

const NODE: INode = {
	id: '1',
	name: 'HTTP Request',
	type: 'n8n-nodes-base.httpRequest',
	typeVersion: 4.2,
	position: [0, 0],
	parameters: {},
};
const NOW = 1_800_000_000_000;

/** The error n8n's legacy request adapter throws for a non-2xx answer (what HTTP Request puts on json.error). */
function requestError(status: number, body: unknown, headers: Record<string, string> = {}): Error {
	const error = new Error(`${status} - ${JSON.stringify(body)}`);
	error.name = 'AxiosError';
	return Object.assign(error, {
		isAxiosError: true,
		code: status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST',
		options: {
			url: 'https://api.example.test/v1',
			method: 'POST',
			headers: { Authorization: 'Bearer secret-token-value-0123' },
		},
		statusCode: status,
		status,
		error: body,
		response: { headers, status, statusText: 'x' },
	});
}

/** What a vendor node puts on json.error: the message of the NodeApiError it caught. */
function vendorMessage(status: number): string {
	return new NodeApiError(NODE, { message: 'upstream text' }, { httpCode: String(status) }).message;
}

/** The HTTP Request node's `details` (v4.5+), as createErrorDetails builds them. */
function details(error: Error, body: unknown): JsonObject {
	const apiError = new NodeApiError(NODE, error as unknown as JsonObject);
	return {
		message: apiError.message,
		httpCode: apiError.httpCode,
		body: body as JsonObject,
		context: apiError.context,
	} as JsonObject;
}

function classOf(
	error: unknown,
	extra?: unknown,
): { class: FailureClass; reason: string; httpCode: number | null; code: string | null } {
	const facts = failureFacts(error, extra, NOW);
	return { ...classifyFailure(facts), httpCode: facts.httpCode, code: facts.code };
}

interface Row {
	name: string;
	error: () => unknown;
	details?: () => unknown;
	class: FailureClass;
	httpCode?: number | null;
	reason?: RegExp;
}

const table: Row[] = [
	// HTTP Request node, On Error: Continue — json.error is the request error.
	{
		name: 'HTTP 400 validation body',
		error: () => requestError(400, { message: 'email is required' }),
		class: 'data',
		httpCode: 400,
	},
	{
		name: 'HTTP 401',
		error: () => requestError(401, { message: 'Unauthorized' }),
		class: 'auth',
		httpCode: 401,
		reason: /^HTTP 401$/,
	},
	{
		name: 'HTTP 403',
		error: () => requestError(403, { message: 'Forbidden' }),
		class: 'auth',
		httpCode: 403,
	},
	{
		name: 'HTTP 403 secondary rate limit (GitHub)',
		error: () =>
			requestError(403, {
				message: 'You have exceeded a secondary rate limit. Please wait a few minutes.',
			}),
		class: 'rateLimit',
		httpCode: 403,
	},
	{
		name: 'HTTP 404',
		error: () => requestError(404, { message: 'Not Found' }),
		class: 'data',
		httpCode: 404,
	},
	{
		name: 'HTTP 408',
		error: () => requestError(408, 'Request Timeout'),
		class: 'transient',
		httpCode: 408,
	},
	{
		name: 'HTTP 409 conflict',
		error: () => requestError(409, { message: 'already exists' }),
		class: 'data',
		httpCode: 409,
	},
	{
		name: 'HTTP 422 (Stripe-like)',
		error: () =>
			requestError(422, {
				error: { type: 'invalid_request_error', message: 'Invalid email address' },
			}),
		class: 'data',
		httpCode: 422,
	},
	{
		name: 'HTTP 429 (message replaced by the node)',
		error: () =>
			Object.assign(requestError(429, {}), {
				message: "Try spacing your requests out using the batching settings under 'Options'",
			}),
		class: 'rateLimit',
		httpCode: 429,
	},
	{
		name: 'HTTP 500 HTML body',
		error: () => requestError(500, '<html><body>Internal Server Error</body></html>'),
		class: 'transient',
		httpCode: 500,
	},
	{
		name: 'HTTP 502',
		error: () => requestError(502, 'Bad Gateway'),
		class: 'transient',
		httpCode: 502,
	},
	{
		name: 'HTTP 503',
		error: () => requestError(503, { message: 'maintenance' }),
		class: 'transient',
		httpCode: 503,
	},
	{ name: 'HTTP 504', error: () => requestError(504, ''), class: 'transient', httpCode: 504 },
	{
		name: 'HTTP 501 is not transient',
		error: () => requestError(501, 'Not Implemented'),
		class: 'data',
		httpCode: 501,
	},
	{
		name: 'OAuth 400 invalid_grant is auth',
		error: () =>
			requestError(400, {
				error: 'invalid_grant',
				error_description: 'Token has been expired or revoked.',
			}),
		class: 'auth',
		httpCode: 400,
	},
	{
		name: 'Salesforce 401 INVALID_SESSION_ID',
		error: () =>
			requestError(401, [
				{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
			]),
		class: 'auth',
		httpCode: 401,
	},
	{
		name: 'HubSpot 429',
		error: () =>
			requestError(429, {
				status: 'error',
				message: 'You have reached your secondly limit.',
				errorType: 'RATE_LIMIT',
			}),
		class: 'rateLimit',
		httpCode: 429,
	},
	{
		name: 'HTTP 4.5 details beside the error',
		error: () => requestError(403, { message: 'nope' }),
		details: () => details(requestError(403, { message: 'nope' }), { message: 'nope' }),
		class: 'auth',
		httpCode: 403,
	},

	// Vendor nodes: only error.message (NodeApiError's standard texts).
	{ name: 'vendor 401 message', error: () => vendorMessage(401), class: 'auth', httpCode: 401 },
	{ name: 'vendor 403 message', error: () => vendorMessage(403), class: 'auth', httpCode: 403 },
	{
		name: 'vendor 429 message',
		error: () => vendorMessage(429),
		class: 'rateLimit',
		httpCode: 429,
	},
	{ name: 'vendor 400 message', error: () => vendorMessage(400), class: 'data', httpCode: 400 },
	{ name: 'vendor 404 message', error: () => vendorMessage(404), class: 'data', httpCode: 404 },
	{
		name: 'vendor 418 message (4XX text)',
		error: () => vendorMessage(418),
		class: 'data',
		httpCode: null,
	},
	{
		name: 'vendor 500 message',
		error: () => vendorMessage(500),
		class: 'transient',
		httpCode: 500,
	},
	{
		name: 'vendor 502 message',
		error: () => vendorMessage(502),
		class: 'transient',
		httpCode: 502,
	},
	{
		name: 'vendor 503 message',
		error: () => vendorMessage(503),
		class: 'transient',
		httpCode: 503,
	},
	{
		name: 'vendor 504 message',
		error: () => vendorMessage(504),
		class: 'transient',
		httpCode: 504,
	},
	{
		name: 'vendor 520 message (5XX text)',
		error: () => vendorMessage(520),
		class: 'transient',
		httpCode: null,
	},
	{
		name: 'legacy "401 - {…}" message',
		error: () => '401 - {"error":"unauthorized"}',
		class: 'auth',
		httpCode: 401,
	},
	{
		name: 'axios default message',
		error: () => 'Request failed with status code 503',
		class: 'transient',
		httpCode: 503,
	},
	{
		name: 'Salesforce message only',
		error: () => 'Session expired or invalid',
		class: 'auth',
		httpCode: null,
	},
	{
		name: 'HubSpot expired OAuth token',
		error: () => 'The OAuth token used to make this call expired 2 hours ago.',
		class: 'auth',
	},

	// NodeApiError objects: live (item.error) and after JSON (toJSON keeps no httpCode).
	{
		name: 'NodeApiError from a 401 request error',
		error: () =>
			new NodeApiError(
				NODE,
				requestError(401, { message: 'Bad credentials' }) as unknown as JsonObject,
			),
		class: 'auth',
		httpCode: 401,
	},
	{
		name: 'NodeApiError 429 after a JSON round trip',
		error: () =>
			JSON.parse(
				JSON.stringify(new NodeApiError(NODE, requestError(429, {}) as unknown as JsonObject)),
			) as unknown,
		class: 'rateLimit',
		httpCode: 429,
	},
	{
		name: 'NodeApiError ECONNREFUSED',
		error: () =>
			new NodeApiError(
				NODE,
				Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), {
					code: 'ECONNREFUSED',
				}) as unknown as JsonObject,
			),
		class: 'transient',
	},
	{
		name: "our nodes' NodeOperationError text",
		error: () => new NodeOperationError(NODE, 'Item 1 has no value in key field "invoice"').message,
		class: 'data',
	},

	// Network errors.
	{
		name: 'ECONNRESET',
		error: () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
		class: 'transient',
		reason: /ECONNRESET/,
	},
	{
		name: 'ECONNREFUSED',
		error: () =>
			Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }),
		class: 'transient',
	},
	{
		name: 'ETIMEDOUT',
		error: () => Object.assign(new Error('connect ETIMEDOUT 10.1.1.1:443'), { code: 'ETIMEDOUT' }),
		class: 'transient',
	},
	{
		name: 'axios timeout',
		error: () =>
			Object.assign(new Error('timeout of 10000ms exceeded'), {
				code: 'ECONNABORTED',
				isAxiosError: true,
			}),
		class: 'transient',
	},
	{
		name: 'DNS EAI_AGAIN',
		error: () =>
			Object.assign(new Error('getaddrinfo EAI_AGAIN api.example.test'), { code: 'EAI_AGAIN' }),
		class: 'transient',
	},
	{
		name: 'undici cause chain',
		error: () =>
			new TypeError('fetch failed', {
				cause: Object.assign(new Error('Connect Timeout Error'), {
					code: 'UND_ERR_CONNECT_TIMEOUT',
				}),
			}),
		class: 'transient',
	},
	{
		name: 'AggregateError of refused connections',
		error: () =>
			new AggregateError(
				[Object.assign(new Error('connect ECONNREFUSED ::1:443'), { code: 'ECONNREFUSED' })],
				'',
			),
		class: 'transient',
	},
	{
		name: "n8n's ECONNRESET text",
		error: () =>
			'The connection to the server wes closed unexpectedly, perhaps it is offline. You can retry request immidiately or wait and retry later.',
		class: 'transient',
	},
	{
		name: "n8n's timeout text",
		error: () =>
			"The connection timed out, consider setting 'Retry on Fail' option in the node settings",
		class: 'transient',
	},
	{
		name: 'expired TLS certificate',
		error: () => Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }),
		class: 'unknown',
		reason: /TLS certificate/,
	},

	// API bodies put on the item as they came.
	{
		name: 'Google 401 body',
		error: () => ({
			error: {
				code: 401,
				message: 'Request had invalid authentication credentials.',
				status: 'UNAUTHENTICATED',
			},
		}),
		class: 'auth',
		httpCode: 401,
	},
	{
		name: 'Google RESOURCE_EXHAUSTED without status',
		error: () => ({
			error: { message: 'Quota exceeded for quota metric', status: 'RESOURCE_EXHAUSTED' },
		}),
		class: 'rateLimit',
	},
	{
		name: 'Google UNAVAILABLE without status',
		error: () => ({
			error: { message: 'The service is currently unavailable.', status: 'UNAVAILABLE' },
		}),
		class: 'transient',
	},
	{
		name: 'Slack invalid_auth',
		error: () => 'invalid_auth',
		class: 'auth',
		reason: /error code invalid_auth/,
	},
	{ name: 'Slack ratelimited', error: () => 'ratelimited', class: 'rateLimit' },

	// Nothing recognisable.
	{
		name: 'a DNS failure worded without a code',
		error: () => 'getaddrinfo ENOTFOUND api.example.com',
		class: 'transient',
		reason: /ENOTFOUND/,
	},
	{
		name: 'a permanent DNS failure worded without a code',
		error: () => 'getaddrinfo EAI_FAIL api.example.com',
		class: 'unknown',
	},
	{ name: 'an odd message', error: () => 'Something odd happened', class: 'unknown' },
	{ name: 'no error at all (marked failed)', error: () => undefined, class: 'unknown' },
	{ name: 'an empty object', error: () => ({}), class: 'unknown' },
];

describe('classifyFailure on real error shapes', () => {
	for (const row of table) {
		it(`${row.name} → ${row.class}`, () => {
			const result = classOf(row.error(), row.details?.());
			assert.equal(result.class, row.class, `reason: ${result.reason}`);
			if (row.httpCode !== undefined) assert.equal(result.httpCode, row.httpCode);
			if (row.reason) assert.match(result.reason, row.reason);
		});
	}
});

describe('failureFacts', () => {
	it('keeps message, status, code and body of a request error, never its request headers', () => {
		const facts = failureFacts(
			requestError(422, { message: 'bad email' }, { 'retry-after': '12' }),
			undefined,
			NOW,
		);
		assert.equal(facts.message, '422 - {"message":"bad email"}');
		assert.equal(facts.httpCode, 422);
		assert.equal(facts.code, 'ERR_BAD_REQUEST');
		assert.equal(facts.name, 'AxiosError');
		assert.deepEqual(facts.body, { message: 'bad email' });
		assert.equal(facts.retryAfterSeconds, 12);
		assert.ok(
			!JSON.stringify(facts).includes('secret-token-value'),
			'request options are not part of the facts',
		);
	});

	it('reads Retry-After given as an HTTP date', () => {
		const at = new Date(NOW + 90_000).toUTCString();
		assert.equal(
			failureFacts(requestError(429, {}, { 'retry-after': at }), undefined, NOW).retryAfterSeconds,
			90,
		);
	});

	it('names the node a NodeApiError names, and the messages it kept', () => {
		const facts = failureFacts(
			new NodeApiError(
				NODE,
				requestError(401, { message: 'Bad credentials' }) as unknown as JsonObject,
			),
			undefined,
			NOW,
		);
		assert.equal(facts.node, 'HTTP Request');
		assert.equal(facts.message, 'Authorization failed - please check your credentials');
		assert.ok(facts.messages.some((message) => message.startsWith('401 - ')));
	});

	it('parses a JSON text body', () => {
		assert.deepEqual(
			failureFacts(requestError(400, '{"error":"invalid_request"}'), undefined, NOW).body,
			{ error: 'invalid_request' },
		);
	});

	it('survives getters that throw and cycles', () => {
		const hostile: Record<string, unknown> = {};
		Object.defineProperty(hostile, 'message', {
			get: () => {
				throw new Error('boom');
			},
			enumerable: true,
		});
		hostile.cause = hostile;
		const facts = failureFacts(hostile, undefined, NOW);
		assert.equal(classifyFailure(facts).class, 'unknown');
	});

	it('does not read through the prototype', () => {
		const sneaky = JSON.parse('{"__proto__": {"httpCode": 401}, "message": "x"}') as unknown;
		assert.equal(failureFacts(sneaky, undefined, NOW).httpCode, null);
	});

	it('cuts very long messages', () => {
		assert.ok(failureFacts('y'.repeat(100_000), undefined, NOW).message.length <= 2001);
	});
});
