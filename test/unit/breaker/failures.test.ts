/**
 * Which failures a breaker counts (core/breaker/failures.ts): the shapes n8n 2.40's HTTP
 * Request node and vendor nodes put on their error output, read the way Dead Letter reads
 * them, judged by the default rules (5xx, 408, 429, network errors, timeouts) and by
 * others; the Counted Statuses list against hostile text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { FailureRules } from '../../../nodes/shared/core/breaker';
import {
	DEFAULT_FAILURE_RULES,
	describeStatuses,
	judgeFailure,
	MAX_STATUS_LIST_LENGTH,
	parseStatusList,
	statusCounts,
} from '../../../nodes/shared/core/breaker';
import { classifyFailure, failureFacts } from '../../../nodes/shared/core/deadletter';
import { isSettingsError } from '../../../nodes/shared/core/errors';
import { isTimeoutError } from '../../../nodes/shared/core/errors/timeout';

const NODE = {
	id: 'http',
	name: 'HTTP Request',
	type: 'n8n-nodes-base.httpRequest',
	typeVersion: 4.2,
	position: [0, 0] as [number, number],
	parameters: {},
};

/** The error n8n's legacy request adapter throws for a non-2xx answer: HTTP Request's json.error. */
function requestError(status: number, body: unknown = { message: 'upstream says no' }): Error {
	const error = new Error(`${status} - ${JSON.stringify(body)}`);
	error.name = 'AxiosError';
	return Object.assign(error, {
		code: status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST',
		statusCode: status,
		status,
		error: body,
		response: { headers: {}, status, statusText: 'x' },
	});
}

/** The same after a round trip through JSON (a saved execution, a Code node in between). */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

/** A vendor node's `{ error: error.message }`: NodeApiError's standard message for the status. */
const vendorMessage = (status: number) =>
	new NodeApiError(NODE, { message: 'upstream text' } as JsonObject, { httpCode: String(status) })
		.message;

/** HTTP Request 4.5's `details` beside the error. */
const details = (status: number) => ({ message: 'x', httpCode: String(status), body: {} });

function networkError(code: string, message = `connect ${code} 127.0.0.1:9`): Error {
	return Object.assign(new Error(message), { code });
}

describe('which failures count (defaults: 5xx, 408, 429, network errors, timeouts)', () => {
	const cases: Array<
		[string, unknown, unknown, { counted: boolean; kind: string; httpCode?: number | null }]
	> = [
		[
			'HTTP Request 503 (request error)',
			requestError(503),
			undefined,
			{ counted: true, kind: 'status', httpCode: 503 },
		],
		[
			'HTTP Request 500 after JSON',
			asJson({ ...requestError(500), message: '500 - {}' }),
			undefined,
			{ counted: true, kind: 'status', httpCode: 500 },
		],
		[
			'HTTP Request 400',
			requestError(400),
			undefined,
			{ counted: false, kind: 'status', httpCode: 400 },
		],
		[
			'HTTP Request 404',
			requestError(404),
			undefined,
			{ counted: false, kind: 'status', httpCode: 404 },
		],
		[
			'HTTP Request 401',
			requestError(401),
			undefined,
			{ counted: false, kind: 'status', httpCode: 401 },
		],
		[
			'HTTP Request 408',
			requestError(408),
			undefined,
			{ counted: true, kind: 'status', httpCode: 408 },
		],
		[
			'HTTP Request 429',
			requestError(429),
			undefined,
			{ counted: true, kind: 'status', httpCode: 429 },
		],
		[
			'details only (4.5)',
			{ message: 'x' },
			details(502),
			{ counted: true, kind: 'status', httpCode: 502 },
		],
		[
			'vendor message 503',
			vendorMessage(503),
			undefined,
			{ counted: true, kind: 'status', httpCode: 503 },
		],
		[
			'vendor message 400',
			vendorMessage(400),
			undefined,
			{ counted: false, kind: 'status', httpCode: 400 },
		],
		[
			'vendor message 429',
			vendorMessage(429),
			undefined,
			{ counted: true, kind: 'status', httpCode: 429 },
		],
		[
			'"503 - {…}" message',
			'503 - {"error":"down"}',
			undefined,
			{ counted: true, kind: 'status', httpCode: 503 },
		],
		[
			'"422 - {…}" message',
			'422 - {"error":"bad email"}',
			undefined,
			{ counted: false, kind: 'status', httpCode: 422 },
		],
		[
			'{ httpCode: "503" } object',
			{ message: 'down', httpCode: '503' },
			undefined,
			{ counted: true, kind: 'status', httpCode: 503 },
		],
		[
			'{ status: 400 } object',
			{ message: 'bad', status: 400 },
			undefined,
			{ counted: false, kind: 'status', httpCode: 400 },
		],
		[
			'Google-style body { error: { code: 503 } }',
			{ error: { code: 503, status: 'UNAVAILABLE' } },
			undefined,
			{ counted: true, kind: 'status', httpCode: 503 },
		],
		[
			'ECONNREFUSED',
			networkError('ECONNREFUSED'),
			undefined,
			{ counted: true, kind: 'network', httpCode: null },
		],
		[
			'ECONNRESET after JSON',
			asJson({ message: 'socket hang up', code: 'ECONNRESET' }),
			undefined,
			{ counted: true, kind: 'network', httpCode: null },
		],
		[
			"n8n's refused-connection text",
			'The service refused the connection - perhaps it is offline',
			undefined,
			{ counted: true, kind: 'network', httpCode: null },
		],
		[
			'axios timeout',
			networkError('ECONNABORTED', 'timeout of 1000ms exceeded'),
			undefined,
			{ counted: true, kind: 'timeout', httpCode: null },
		],
		[
			'ETIMEDOUT',
			networkError('ETIMEDOUT'),
			undefined,
			{ counted: true, kind: 'timeout', httpCode: null },
		],
		[
			'undici headers timeout',
			networkError('UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error'),
			undefined,
			{ counted: true, kind: 'timeout', httpCode: null },
		],
		[
			"n8n's 5xx text",
			'The service failed to process your request',
			undefined,
			{ counted: true, kind: 'status', httpCode: null },
		],
		[
			"n8n's 4xx text",
			'Your request is invalid or could not be processed by the service',
			undefined,
			{ counted: false, kind: 'status', httpCode: null },
		],
		[
			'the test vendor',
			'Service Unavailable (503)',
			undefined,
			{ counted: true, kind: 'unrecognised', httpCode: null },
		],
		['an empty object', {}, undefined, { counted: true, kind: 'unrecognised', httpCode: null }],
		['null', null, undefined, { counted: true, kind: 'unrecognised', httpCode: null }],
		[
			'true (Field Has a Value)',
			true,
			undefined,
			{ counted: true, kind: 'unrecognised', httpCode: null },
		],
		['a number', 42, undefined, { counted: true, kind: 'unrecognised', httpCode: null }],
		[
			'__proto__ polluter',
			JSON.parse('{"__proto__":{"statusCode":400},"message":"x"}'),
			undefined,
			{ counted: true, kind: 'unrecognised', httpCode: null },
		],
		[
			'status out of range',
			{ message: 'x', statusCode: 999 },
			undefined,
			{ counted: true, kind: 'unrecognised', httpCode: null },
		],
		[
			'status as a sentence',
			{ message: 'x', statusCode: '503 please' },
			undefined,
			{ counted: true, kind: 'unrecognised', httpCode: null },
		],
		[
			'a getter that throws',
			Object.defineProperty({ message: 'x' }, 'statusCode', {
				enumerable: true,
				get() {
					throw new Error('boom');
				},
			}),
			undefined,
			{ counted: true, kind: 'unrecognised', httpCode: null },
		],
		[
			'a huge message',
			'x'.repeat(1_000_000),
			undefined,
			{ counted: true, kind: 'unrecognised', httpCode: null },
		],
	];
	for (const [label, error, extra, expected] of cases) {
		it(label, () => {
			const verdict = judgeFailure(error, extra, DEFAULT_FAILURE_RULES);
			assert.deepEqual(
				{ counted: verdict.counted, kind: verdict.kind, httpCode: verdict.httpCode },
				{ httpCode: null, ...expected },
				verdict.reason,
			);
			assert.equal(typeof verdict.reason, 'string');
		});
	}

	it('agrees with Dead Letter on the status and the class it reads', () => {
		for (const [error, extra] of [
			[requestError(503), undefined],
			[requestError(400), undefined],
			[vendorMessage(429), undefined],
			[{ message: 'x' }, details(502)],
			[networkError('ECONNRESET'), undefined],
		] as Array<[unknown, unknown]>) {
			const facts = failureFacts(error, extra, 0);
			const verdict = judgeFailure(error, extra, DEFAULT_FAILURE_RULES);
			assert.equal(verdict.httpCode, facts.httpCode);
			assert.equal(verdict.class, classifyFailure(facts).class);
		}
		assert.equal(judgeFailure(requestError(400), undefined, DEFAULT_FAILURE_RULES).class, 'data');
		assert.equal(
			judgeFailure(requestError(503), undefined, DEFAULT_FAILURE_RULES).class,
			'transient',
		);
	});

	it('says why, in words', () => {
		assert.equal(
			judgeFailure(requestError(400), undefined, DEFAULT_FAILURE_RULES).reason,
			'HTTP 400 is not in 5xx, 408, 429',
		);
		assert.equal(
			judgeFailure(requestError(503), undefined, DEFAULT_FAILURE_RULES).reason,
			'HTTP 503 is in 5xx, 408, 429',
		);
		assert.equal(
			judgeFailure(networkError('ECONNREFUSED'), undefined, DEFAULT_FAILURE_RULES).reason,
			'a connection error (ECONNREFUSED)',
		);
	});
});

describe('rules other than the defaults', () => {
	const rules = (overrides: Partial<FailureRules>): FailureRules => ({
		...DEFAULT_FAILURE_RULES,
		...overrides,
	});

	it('counts the statuses listed, and no other', () => {
		const only503 = rules({ statuses: parseStatusList('503') });
		assert.equal(judgeFailure(requestError(503), undefined, only503).counted, true);
		assert.equal(judgeFailure(requestError(500), undefined, only503).counted, false);
		const with4xx = rules({ statuses: parseStatusList('4xx, 5xx') });
		assert.equal(judgeFailure(requestError(400), undefined, with4xx).counted, true);
		assert.equal(
			judgeFailure(
				'Your request is invalid or could not be processed by the service',
				undefined,
				with4xx,
			).counted,
			true,
			"n8n's 4xx text counts when the whole class does",
		);
		const none = rules({ statuses: parseStatusList('') });
		assert.equal(judgeFailure(requestError(503), undefined, none).counted, false);
	});

	it('turns network errors, timeouts and unrecognised failures off one by one', () => {
		const off = rules({ networkErrors: false, timeouts: false, unrecognised: false });
		assert.equal(judgeFailure(networkError('ECONNREFUSED'), undefined, off).counted, false);
		assert.equal(judgeFailure(networkError('ETIMEDOUT'), undefined, off).counted, false);
		assert.equal(judgeFailure('weird', undefined, off).counted, false);
		assert.equal(judgeFailure(requestError(503), undefined, off).counted, true);
		const timeoutsOnly = rules({ networkErrors: false });
		assert.equal(judgeFailure(networkError('ETIMEDOUT'), undefined, timeoutsOnly).counted, true);
		assert.equal(judgeFailure(networkError('ECONNRESET'), undefined, timeoutsOnly).counted, false);
	});
});

describe('Counted Statuses', () => {
	it('reads statuses, ranges and classes', () => {
		assert.deepEqual(parseStatusList('5xx, 408, 429'), [
			{ from: 500, to: 599 },
			{ from: 408, to: 408 },
			{ from: 429, to: 429 },
		]);
		assert.deepEqual(parseStatusList(' 520 - 530 ,,4XX '), [
			{ from: 520, to: 530 },
			{ from: 400, to: 499 },
		]);
		assert.deepEqual(parseStatusList(''), []);
		assert.equal(describeStatuses(parseStatusList('5xx,408, 520-530')), '5xx, 408, 520-530');
		assert.equal(describeStatuses([]), 'no status');
		assert.equal(statusCounts(parseStatusList('500-502'), 502), true);
		assert.equal(statusCounts(parseStatusList('500-502'), 503), false);
	});

	const bad: Array<[string, unknown, RegExp]> = [
		['a word', '5xx, server errors', /"server errors"/],
		['a status below 100', '99', /"99"/],
		['a status above 599', '600', /"600"/],
		['a class 6xx', '6xx', /"6xx"/],
		['a backwards range', '599-500', /"599-500"/],
		['a range out of bounds', '500-700', /"500-700"/],
		['four digits', '5030', /"5030"/],
		['a negative', '-500', /"-500"/],
		['__proto__', '__proto__', /"__proto__"/],
		['not text', { statuses: [500] }, /is not text/],
		['a number', 503, /is not text/],
		['too long', '500, '.repeat(MAX_STATUS_LIST_LENGTH), /longer than 1000 characters/],
	];
	for (const [label, text, problem] of bad) {
		it(`refuses ${label}`, () => {
			assert.throws(
				() => parseStatusList(text),
				(error: unknown) =>
					isSettingsError(error) &&
					error.option === 'countedStatuses' &&
					problem.test(String((error as { problem?: string }).problem)),
			);
		});
	}
});

describe('timeouts', () => {
	const cases: Array<[string | null, string, boolean]> = [
		['ETIMEDOUT', '', true],
		['etimedout', '', true],
		['ECONNABORTED', 'timeout of 30000ms exceeded', true],
		['ECONNABORTED', 'Request aborted', false],
		[null, 'The connection timed out, consider setting the Retry on Fail option', true],
		[null, 'Gateway time-out', true],
		[null, 'DEADLINE_EXCEEDED', true],
		['ECONNREFUSED', 'connect ECONNREFUSED', false],
		[null, 'timestamp invalid', false],
	];
	for (const [code, message, expected] of cases) {
		it(`${code ?? 'no code'} / "${message}" → ${expected}`, () => {
			assert.equal(isTimeoutError(code, message), expected);
		});
	}
});
