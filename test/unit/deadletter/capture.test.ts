/** Capture decided per item, without the store: failure or not, class, the stored record. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	BodyPatternError,
	buildDeadLetter,
	compileBodyPatterns,
	createRedactor,
	examineItem,
	findHiddenFailure,
	isSentRecord,
	MAX_ERROR_BODY_CHARS,
	recapturePatch,
	REDACTED,
	replayIdempotencyKey,
	type BodyPatternSpec,
	type CaptureSettings,
} from '../../../nodes/shared/core/deadletter';

const settings = (overrides: Partial<CaptureSettings> = {}): CaptureSettings => ({
	incoming: 'failed',
	errorField: 'error',
	outputField: 'deadLetter',
	patterns: [],
	detectCommonFailures: true,
	...overrides,
});

const rule = (spec: Partial<BodyPatternSpec>): BodyPatternSpec => ({
	field: '',
	match: 'contains',
	value: '',
	class: 'auto',
	...spec,
});

describe('examineItem', () => {
	it('in Failed Items mode every item is a failure, even without an error', () => {
		const verdict = examineItem({ id: 1 }, undefined, settings());
		assert.equal(verdict.failed, true);
		assert.deepEqual(verdict.failed && [verdict.classification.class, verdict.facts.message], [
			'unknown',
			'Marked as failed, without an error',
		]);
	});

	it("reads n8n's item.error when the json carries none", () => {
		const verdict = examineItem({ id: 1 }, { message: 'x', httpCode: '401' }, settings());
		assert.equal(verdict.failed && verdict.classification.class, 'auth');
	});

	it('in All Responses mode only failures are captured', () => {
		const mode = settings({ incoming: 'responses' });
		assert.deepEqual(examineItem({ ok: true }, undefined, mode), { failed: false });
		assert.deepEqual(examineItem({ errors: [] }, undefined, mode), { failed: false });
		const graphql = examineItem(
			{ data: null, errors: [{ message: 'Rate limit exceeded for this API key' }] },
			undefined,
			mode,
		);
		assert.deepEqual(
			graphql.failed && [graphql.classification.class, graphql.classification.reason],
			['rateLimit', 'in the response (errors is not empty): message says "Rate limit"'],
		);
		const wechat = examineItem(
			{ errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' },
			undefined,
			mode,
		);
		assert.equal(wechat.failed && wechat.classification.class, 'auth');
		const soap = examineItem(
			{ Fault: { faultstring: 'Server was unable to process request: timeout' } },
			undefined,
			mode,
		);
		assert.equal(soap.failed && soap.classification.class, 'transient');
	});

	it('a user rule with a class wins over every other evidence', () => {
		const patterns = compileBodyPatterns([
			rule({ field: 'status', match: 'equals', value: 'QUEUED_FOR_REVIEW', class: 'data' }),
		]);
		const verdict = examineItem(
			{ status: 'QUEUED_FOR_REVIEW', error: 'HTTP 503' },
			undefined,
			settings({ patterns }),
		);
		assert.deepEqual(verdict.failed && verdict.classification, {
			class: 'data',
			reason: 'in the response: rule 1 (status)',
		});
	});

	it('common shapes classify an otherwise unknown error, but do not override a known one', () => {
		const unknown = examineItem(
			{ error: 'it broke', success: false, message: 'token expired' },
			undefined,
			settings(),
		);
		assert.equal(unknown.failed && unknown.classification.class, 'auth');
		const known = examineItem(
			{ error: 'HTTP 503', success: false, message: 'token expired' },
			undefined,
			settings(),
		);
		assert.equal(known.failed && known.classification.class, 'transient');
	});

	it('honours a custom error field', () => {
		const verdict = examineItem(
			{ id: 1, failure: 'Request failed with status code 429' },
			undefined,
			settings({ errorField: 'failure' }),
		);
		assert.equal(verdict.failed && verdict.classification.class, 'rateLimit');
		assert.deepEqual(verdict.failed && verdict.payload, { id: 1 });
	});
});

describe('body patterns', () => {
	it('match by field: equals, not equal, exists, contains, regex', () => {
		const patterns = compileBodyPatterns([
			rule({ field: 'ok', match: 'equals', value: 'false', class: 'unknown' }),
			rule({ field: 'code', match: 'notEquals', value: '0' }),
			rule({ field: 'warnings', match: 'exists' }),
			rule({ field: 'result.message', match: 'contains', value: 'TOKEN EXPIRED' }),
			rule({ match: 'regex', value: 'quota\\s+exceeded' }),
		]);
		assert.equal(findHiddenFailure({ ok: false }, patterns, false)?.where, 'rule 1 (ok)');
		assert.equal(findHiddenFailure({ ok: true, code: 0 }, patterns, false), null);
		assert.equal(findHiddenFailure({ code: 12, msg: 'bad' }, patterns, false)?.message, 'bad');
		assert.equal(findHiddenFailure({ warnings: [] }, patterns, false), null);
		assert.equal(
			findHiddenFailure({ warnings: ['w'] }, patterns, false)?.where,
			'rule 3 (warnings)',
		);
		assert.equal(
			findHiddenFailure({ result: { message: 'Your token expired' } }, patterns, false)?.message,
			'Your token expired',
		);
		assert.equal(
			findHiddenFailure({ deep: { text: 'Daily quota  exceeded' } }, patterns, false)?.where,
			'rule 5 (whole item)',
		);
	});

	it('refuse to compile what cannot work, naming the rule', () => {
		assert.throws(
			() => compileBodyPatterns([rule({ match: 'regex', value: '(' })]),
			(error: unknown) =>
				error instanceof BodyPatternError &&
				/Failure pattern 1: invalid regular expression/.test(error.message),
		);
		assert.throws(
			() => compileBodyPatterns([rule({ value: 'x' }), rule({ match: 'equals', value: '1' })]),
			/Failure pattern 2: "equals" needs a field/,
		);
		assert.throws(
			() => compileBodyPatterns([rule({ field: 'a', value: '' })]),
			/the value to match is empty/,
		);
	});

	it('never follow a path into the prototype', () => {
		const patterns = compileBodyPatterns([rule({ field: 'constructor.name', match: 'exists' })]);
		assert.equal(findHiddenFailure({}, patterns, false), null);
	});
});

describe('the stored record', () => {
	const redactor = createRedactor();
	const failure = (body: unknown) => {
		const verdict = examineItem(
			{ id: 1, password: 'p', error: { message: 'boom', statusCode: 500, error: body } },
			undefined,
			settings(),
		);
		assert.ok(verdict.failed);
		return verdict;
	};

	it('redacts payload and error, and lists where', () => {
		const verdict = failure({ detail: 'oops', token: 'abc' });
		const data = buildDeadLetter(
			{
				id: 'dl-1',
				payload: verdict.payload,
				binary: null,
				facts: verdict.facts,
				classification: verdict.classification,
				failedNode: null,
				workflow: { id: 'w', name: 'W' },
				executionId: '9',
				correlationId: 'c',
			},
			redactor,
		);
		assert.deepEqual(data.payload, { id: 1, password: REDACTED });
		assert.deepEqual(data.error.body, { detail: 'oops', token: REDACTED });
		assert.deepEqual(data.redacted, ['payload.password', 'error.body.token']);
		assert.equal(data.class, 'transient');
		assert.equal(data.idempotencyKey, replayIdempotencyKey({}, 'dl-1'));
	});

	it('cuts a huge error body but never the payload', () => {
		const verdict = failure('<html>' + 'x'.repeat(MAX_ERROR_BODY_CHARS * 2));
		const data = buildDeadLetter(
			{
				id: 'dl-2',
				payload: { blob: 'y'.repeat(3_000_000) },
				binary: null,
				facts: verdict.facts,
				classification: verdict.classification,
				failedNode: null,
				workflow: { id: null, name: null },
				executionId: null,
				correlationId: 'c',
			},
			redactor,
		);
		assert.equal(data.error.bodyTruncated, true);
		assert.ok(String(data.error.body).length <= MAX_ERROR_BODY_CHARS + 1);
		assert.equal((data.payload.blob as string).length, 3_000_000);
	});

	it('keeps the key Idempotent Write claimed, else derives one from the record', () => {
		const claimed = 'a'.repeat(64);
		assert.equal(replayIdempotencyKey({ idempotency: { key: claimed } }, 'dl-1'), claimed);
		assert.match(replayIdempotencyKey({ idempotency: { key: 'short' } }, 'dl-1'), /^[0-9a-f]{64}$/);
		assert.notEqual(replayIdempotencyKey({}, 'dl-1'), replayIdempotencyKey({}, 'dl-2'));
	});

	it('a failed replay patches the error; an edited payload replaces the stored one', () => {
		const verdict = failure({ m: 1 });
		const base = {
			payload: { email: 'fixed@x.test', secret: 's' },
			facts: verdict.facts,
			classification: verdict.classification,
			failedNode: 'Vendor',
			executionId: '10',
		};
		const plain = recapturePatch({ ...base, id: 'r-1', edited: false }, redactor);
		assert.deepEqual(Object.keys(plain).sort(), [
			'class',
			'error',
			'executionId',
			'failedNode',
			'reason',
		]);
		const edited = recapturePatch({ ...base, id: 'r-1', edited: true }, redactor);
		assert.deepEqual(edited.payload, { email: 'fixed@x.test', secret: REDACTED });
	});
});

describe('isSentRecord: when the paired item is the record to store', () => {
	const fields = { error: 'error', output: 'deadLetter' };
	const record = { id: 1, email: 'a@x.test' };
	const cases: Array<[string, Parameters<typeof isSentRecord>, boolean]> = [
		[
			"n8n's error output merged the record under the error",
			['failed', { ...record, error: { message: 'x' } }, undefined, record, fields],
			true,
		],
		[
			'n8n replaced the json (item.error)',
			['failed', { error: 'rejected' }, new Error('rejected'), record, fields],
			true,
		],
		[
			'nothing left but the error (Continue (using regular output))',
			['failed', { error: 'x' }, undefined, record, fields],
			true,
		],
		[
			'All Responses: the answer replaced the record',
			['responses', { success: false }, undefined, record, fields],
			true,
		],
		[
			"a trigger's empty item (a Code node made the failures)",
			['failed', { id: 8, error: 'x' }, undefined, {}, fields],
			false,
		],
		[
			'a webhook item a Code node turned into failures',
			['failed', { id: 8, error: 'x' }, undefined, { headers: {}, body: { id: 8 } }, fields],
			false,
		],
		[
			'All Responses after a trigger with an empty item',
			['responses', { ok: false }, undefined, {}, fields],
			false,
		],
	];
	for (const [label, args, expected] of cases) {
		it(label, () => assert.equal(isSentRecord(...args), expected));
	}
});
