import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { RequestSpec } from '../../../nodes/RateLimiter/actions/http';
import {
	firstPage,
	linkNext,
	nextPage,
	pageRecords,
	type PaginationSettings,
} from '../../../nodes/RateLimiter/actions/sendRequest.pagination';

const SETTINGS: PaginationSettings = {
	mode: 'updateAParameterInEachRequest',
	nextUrlField: '',
	parameterType: 'qs',
	parameterName: 'page',
	valueSource: 'page',
	start: 1,
	step: 1,
	cursorField: '',
	resultsPath: 'data',
	completeWhen: 'responseIsEmpty',
	statusCodes: new Set([404]),
	completeField: '',
	maxPages: 100,
};

const SPEC: RequestSpec = {
	method: 'GET',
	url: 'https://api.example.com/v1/contacts',
	headers: {},
	query: { sort: 'name' },
	auth: { headers: {}, query: {} },
	body: undefined,
	timeoutMs: 1000,
	maxResponseBytes: 1000,
};

const answer = (body: unknown, headers = {}) =>
	({ kind: 'response', status: 200, headers, body }) as const;

describe('Send Request pagination', () => {
	it('reads the next URL of a Link header, whatever the order, quoting and spacing', () => {
		assert.equal(
			linkNext('<https://a.example/p2>; rel="next", <https://a.example/p1>; rel="first"'),
			'https://a.example/p2',
		);
		assert.equal(
			linkNext('<https://a.example/p1>; rel=first, <https://a.example/p3>;rel="prev next"'),
			'https://a.example/p3',
		);
		assert.equal(linkNext('<https://a.example/p1>; rel="nextpage"'), null);
		assert.equal(
			linkNext(['<https://a.example/p0>; rel=prev', '<https://a.example/p9>; rel=next']),
			'https://a.example/p9',
		);
		assert.equal(linkNext(undefined), null);
		assert.equal(linkNext('<' + ' '.repeat(100_000)), null, 'hostile input ends fast');
		assert.equal(linkNext('<x>;' + 'rel= '.repeat(20_000)), null);
	});

	it('counts pages from the start value and stops at an empty page or Max Pages', () => {
		const first = firstPage(SETTINGS, SPEC);
		assert.deepEqual(first.query, { sort: 'name', page: '1' });
		const second = nextPage(SETTINGS, SPEC, first, answer({ data: [1] }), 1);
		assert.deepEqual(second?.query, { sort: 'name', page: '2' });
		assert.equal(nextPage(SETTINGS, SPEC, first, answer({ data: [] }), 1), null);
		assert.equal(
			nextPage({ ...SETTINGS, maxPages: 1 }, SPEC, first, answer({ data: [1] }), 1),
			null,
		);
	});

	it('follows a next URL relative to the page, never to a non-http scheme', () => {
		const settings: PaginationSettings = {
			...SETTINGS,
			mode: 'responseContainsNextURL',
			nextUrlField: 'next',
		};
		const next = nextPage(
			settings,
			SPEC,
			SPEC,
			answer({ data: [1], next: '/v1/contacts?after=9' }),
			1,
		);
		assert.equal(next?.url, 'https://api.example.com/v1/contacts?after=9');
		assert.deepEqual(next?.query, {}, 'the next URL carries its own query');
		assert.equal(
			nextPage(settings, SPEC, SPEC, answer({ data: [1], next: 'file:///etc/passwd' }), 1),
			null,
		);
		assert.equal(nextPage(settings, SPEC, SPEC, answer({ data: [1], next: '' }), 1), null);
	});

	it('takes the records at Results Path, a list body, or the body as one record', () => {
		assert.deepEqual(pageRecords(SETTINGS, { data: [1, 2] }), [1, 2]);
		assert.deepEqual(pageRecords({ ...SETTINGS, resultsPath: '' }, [3]), [3]);
		assert.deepEqual(pageRecords({ ...SETTINGS, resultsPath: '' }, { a: 1 }), [{ a: 1 }]);
		assert.deepEqual(pageRecords(SETTINGS, { other: 1 }), []);
	});
});
