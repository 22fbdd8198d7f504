import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classifyCode } from '../../../nodes/shared/core/deadletter/classify';
import {
	chunk,
	parseStatusList,
	perRecordResults,
	recordFailure,
	retryVerdict,
} from '../../../nodes/shared/core/ratelimit';

describe('bulk results', () => {
	it('chunks in order, the last chunk short', () => {
		assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
		assert.deepEqual(chunk([1, 2], 0), [[1], [2]]);
		assert.deepEqual(chunk([], 3), []);
	});

	it('finds one result per record in the body or a usual key', () => {
		assert.deepEqual(perRecordResults([{ id: 1 }, { id: 2 }], 2), [{ id: 1 }, { id: 2 }]);
		assert.deepEqual(perRecordResults({ results: [1, 2, 3] }, 3), [1, 2, 3]);
		assert.deepEqual(perRecordResults({ meta: {}, data: ['a'] }, 1), ['a']);
		assert.deepEqual(perRecordResults({ out: { list: [1, 2] } }, 2, 'out.list'), [1, 2]);
	});

	it('gives up when the lengths do not match or the body is hostile', () => {
		assert.equal(perRecordResults([1, 2], 3), null);
		assert.equal(perRecordResults({ results: [1] }, 2), null);
		assert.equal(perRecordResults('ok', 1), null);
		assert.equal(perRecordResults(null, 1), null);
		assert.equal(perRecordResults(JSON.parse('{"__proto__": {"results": [1]}}'), 1), null);
		assert.equal(perRecordResults({ a: 1 }, 1, '__proto__.polluted'), null);
	});

	it('tells a failed record from a good one', () => {
		assert.equal(recordFailure({ id: 1, status: 201 }), null);
		assert.equal(recordFailure('ok'), null);
		assert.deepEqual(recordFailure({ error: 'duplicate email' }), {
			message: 'duplicate email',
			status: null,
		});
		assert.deepEqual(recordFailure({ status: 422, message: 'invalid' }), {
			message: 'invalid',
			status: 422,
		});
		assert.deepEqual(recordFailure({ success: false }), { message: 'Record failed', status: null });
		assert.deepEqual(recordFailure({ errors: [{ message: 'bad field' }] }), {
			message: 'bad field',
			status: null,
		});
		assert.equal(recordFailure({ errors: [] }), null);
	});
});

describe('retry rules', () => {
	const rules = (overrides = {}) => ({
		statuses: (parseStatusList('429, 5xx') as { statuses: Set<number> }).statuses,
		networkErrors: true,
		nonIdempotent: false,
		...overrides,
	});

	it('parses statuses and classes, naming a bad entry', () => {
		const parsed = parseStatusList('429, 5xx') as { statuses: Set<number> };
		assert.equal(parsed.statuses.size, 101);
		assert.ok(parsed.statuses.has(429) && parsed.statuses.has(503) && !parsed.statuses.has(404));
		assert.deepEqual(parseStatusList('429, 6xx'), { bad: '6xx' });
		assert.deepEqual(parseStatusList('429, abc'), { bad: 'abc' });
		assert.equal((parseStatusList('') as { statuses: Set<number> }).statuses.size, 0);
	});

	it('retries only what is retryable and safe to repeat', () => {
		assert.equal(retryVerdict(rules(), 429, 'GET', false), 'retry');
		assert.equal(retryVerdict(rules(), 404, 'GET', false), 'notRetryable');
		assert.equal(retryVerdict(rules(), null, 'PUT', false), 'retry');
		assert.equal(retryVerdict(rules({ networkErrors: false }), null, 'GET', false), 'notRetryable');
		assert.equal(retryVerdict(rules(), 503, 'POST', false), 'unsafe');
		assert.equal(retryVerdict(rules(), 503, 'post', true), 'retry');
		assert.equal(retryVerdict(rules(), 503, 'PATCH', false), 'unsafe');
		assert.equal(retryVerdict(rules({ nonIdempotent: true }), 503, 'PATCH', false), 'retry');
	});

	it('retries a try without an answer exactly when Dead Letter would call it transient', () => {
		for (const code of [
			'ECONNRESET',
			'ENETDOWN',
			'UND_ERR_HEADERS_TIMEOUT',
			'ETIMEDOUT',
			'EAI_AGAIN',
		]) {
			assert.equal(retryVerdict(rules(), null, 'GET', false, code), 'retry', code);
			assert.equal(classifyCode(code)?.class, 'transient', code);
		}
		for (const code of ['CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ENETWORK']) {
			assert.equal(retryVerdict(rules(), null, 'GET', false, code), 'notRetryable', code);
			assert.notEqual(classifyCode(code)?.class, 'transient', code);
		}
	});
});
