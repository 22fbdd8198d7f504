/**
 * Send Request 2.2's pagination through the real n8n engine, against a local API of 25
 * records in pages of 10: a page number, an offset or a cursor updated per request, a next
 * URL in the body or in a Link header; Complete When; Max Pages; one limiter slot per page;
 * a page that fails after its retries fails its item.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { closeAllLimiters } from '../../nodes/shared/stores/limiter';
import {
	assertEachInputLeavesOnce,
	assertPairing,
	buildWorkflow,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
	type EngineResult,
} from './harness';

const LIMITER = 'n8n-nodes-integration-guards.rateLimiter';
let counter = 0;
const fresh = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

const RECORDS = Array.from({ length: 25 }, (_, n) => ({ n }));
const PAGE = 10;
/** Requests per path (without its query). */
const hits = new Map<string, number>();
/** Arrival times (ms) of the requests per path. */
const arrivals = new Map<string, number[]>();
/** Paths that answer 500 from their second page on. */
let server: Server;
let baseUrl = '';

function page(offset: number): IDataObject[] {
	return RECORDS.slice(offset, offset + PAGE);
}

async function runPages(parameters: INodeParameters, items: object[] = [{ id: 1 }]) {
	const workflow = buildWorkflow(
		[
			{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
			{
				name: 'Limiter',
				type: LIMITER,
				typeVersion: 2.2,
				parameters: {
					operation: 'sendRequest',
					limiterName: fresh('pages'),
					limit: 1000,
					per: 'second',
					baseDelay: 0,
					maxDelay: 0,
					...parameters,
				},
			},
			{ name: 'Out 0', type: TEST_NOOP },
			{ name: 'Out 1', type: TEST_NOOP },
		],
		[
			['Source', 'Limiter'],
			['Limiter', 0, 'Out 0'],
			['Limiter', 1, 'Out 1'],
		],
	);
	const result: EngineResult = await runWorkflow({ workflow });
	assert.equal(result.status, 'success', result.error?.message);
	assertPairing(result, ['Limiter']);
	assertEachInputLeavesOnce(result, 'Limiter');
	return result;
}

function only(result: EngineResult, output: 'Success' | 'Failed'): IDataObject {
	const items = result.output('Limiter', output);
	assert.equal(items.length, 1, `one item on ${output}`);
	return items[0].json;
}

const numbers = (json: IDataObject) =>
	((json.response as IDataObject).body as IDataObject[]).map((record) => record.n);

describe('Send Request 2.2 pagination in the n8n engine', () => {
	before(async () => {
		await startEngine();
		server = createServer((request, response) => {
			const url = new URL(request.url ?? '/', baseUrl);
			const key = url.pathname;
			hits.set(key, (hits.get(key) ?? 0) + 1);
			arrivals.set(key, [...(arrivals.get(key) ?? []), performance.now()]);
			const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
				response.writeHead(status, { 'content-type': 'application/json', ...headers });
				response.end(JSON.stringify(body));
			};
			const number = (name: string, fallback: number) =>
				Number(url.searchParams.get(name) ?? request.headers[name] ?? fallback);
			if (key.startsWith('/by-page')) {
				const at = number('page', 1);
				return send(200, { data: page((at - 1) * PAGE) });
			}
			if (key.startsWith('/by-offset')) return send(200, { data: page(number('offset', 0)) });
			if (key.startsWith('/by-cursor')) {
				const at = Number(url.searchParams.get('cursor') ?? 0);
				const next = at + PAGE < RECORDS.length ? String(at + PAGE) : null;
				return send(200, { data: page(at), meta: { next_cursor: next } });
			}
			if (key.startsWith('/next-url')) {
				const at = number('from', 0);
				const next = at + PAGE < RECORDS.length ? `${key}?from=${at + PAGE}` : null;
				return send(200, { data: page(at), links: { next } });
			}
			if (key.startsWith('/link-header')) {
				const at = number('from', 0);
				const headers: Record<string, string> =
					at + PAGE < RECORDS.length
						? {
								link: `<${baseUrl}${key}?from=${at + PAGE}>; rel="next", <${baseUrl}${key}>; rel="first"`,
							}
						: {};
				return send(200, page(at), headers);
			}
			if (key.startsWith('/gone-after')) {
				const at = number('page', 1);
				return at > 2 ? send(404, { error: 'no such page' }) : send(200, page((at - 1) * PAGE));
			}
			if (key.startsWith('/breaks')) {
				const at = number('page', 1);
				return at > 1 ? send(500, { error: 'down' }) : send(200, { data: page(0) });
			}
			send(404, {});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	after(async () => {
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
		await closeAllLimiters();
		await closeAllStores();
		await stopEngine();
	});

	test('a page number in the query, until an empty page: every record once, in order', async () => {
		const path = `/by-page/${fresh('p')}`;
		const result = await runPages({
			url: `${baseUrl}${path}`,
			pagination: { mode: 'updateAParameterInEachRequest', resultsPath: 'data' },
		});
		const json = only(result, 'Success');
		assert.deepEqual(
			numbers(json),
			RECORDS.map((record) => record.n),
		);
		assert.equal((json.rateLimiter as IDataObject).pages, 4, 'three full pages and the empty one');
		assert.equal(hits.get(path), 4);
	});

	test('an offset stepping by the page size; Max Pages stops early', async () => {
		const path = `/by-offset/${fresh('o')}`;
		const result = await runPages({
			url: `${baseUrl}${path}`,
			pagination: {
				mode: 'updateAParameterInEachRequest',
				parameterName: 'offset',
				valueSource: 'offset',
				start: 0,
				step: PAGE,
				resultsPath: 'data',
				maxPages: 2,
			},
		});
		const json = only(result, 'Success');
		assert.deepEqual(
			numbers(json),
			RECORDS.slice(0, 20).map((record) => record.n),
		);
		assert.equal(hits.get(path), 2);
	});

	test('a cursor from the response, ending when none is given', async () => {
		const path = `/by-cursor/${fresh('c')}`;
		const result = await runPages({
			url: `${baseUrl}${path}`,
			pagination: {
				mode: 'updateAParameterInEachRequest',
				parameterName: 'cursor',
				valueSource: 'cursor',
				cursorField: 'meta.next_cursor',
				resultsPath: 'data',
			},
		});
		assert.deepEqual(
			numbers(only(result, 'Success')),
			RECORDS.map((record) => record.n),
		);
		assert.equal(hits.get(path), 3);
	});

	test('the next URL in the body, and in a Link header', async () => {
		const inBody = `/next-url/${fresh('n')}`;
		const body = await runPages({
			url: `${baseUrl}${inBody}`,
			pagination: {
				mode: 'responseContainsNextURL',
				nextUrlField: 'links.next',
				resultsPath: 'data',
			},
		});
		assert.deepEqual(
			numbers(only(body, 'Success')),
			RECORDS.map((record) => record.n),
		);
		assert.equal(hits.get(inBody), 3);
		const inHeader = `/link-header/${fresh('l')}`;
		const header = await runPages({
			url: `${baseUrl}${inHeader}`,
			pagination: { mode: 'responseContainsNextURL' },
		});
		assert.deepEqual(
			numbers(only(header, 'Success')),
			RECORDS.map((record) => record.n),
		);
		assert.equal(hits.get(inHeader), 3);
	});

	test('Complete When a specific status: a 404 after two pages ends it on Success', async () => {
		const path = `/gone-after/${fresh('g')}`;
		const result = await runPages({
			url: `${baseUrl}${path}`,
			pagination: {
				mode: 'updateAParameterInEachRequest',
				completeWhen: 'receiveSpecificStatusCodes',
				statusCodes: '404',
			},
		});
		const json = only(result, 'Success');
		assert.deepEqual(
			numbers(json),
			RECORDS.slice(0, 20).map((record) => record.n),
		);
		assert.equal((json.rateLimiter as IDataObject).pages, 2);
	});

	test('each page takes its own slot: four pages at 2 per second span three refills', async () => {
		const path = `/by-page/${fresh('slots')}`;
		const result = await runPages({
			url: `${baseUrl}${path}`,
			limit: 2,
			targetUtilization: 100,
			pagination: { mode: 'updateAParameterInEachRequest', resultsPath: 'data' },
		});
		assert.equal((only(result, 'Success').rateLimiter as IDataObject).pages, 4);
		const times = arrivals.get(path) ?? [];
		assert.equal(times.length, 4);
		// A slot every 500 ms (burst 1): the fourth page's slot comes 1.5 s after the first's;
		// the time each request then takes to arrive varies, hence the margin.
		const span = Math.round(times[3] - times[0]);
		assert.ok(span >= 1000, `first to last page: ${span} ms`);
	});

	test('a page that still fails after its retries sends the item to Failed with that answer', async () => {
		const path = `/breaks/${fresh('b')}`;
		const result = await runPages({
			url: `${baseUrl}${path}`,
			maxAttempts: 2,
			pagination: { mode: 'updateAParameterInEachRequest', resultsPath: 'data' },
		});
		const json = only(result, 'Failed');
		assert.equal((json.error as IDataObject).httpCode, 500);
		assert.equal((json.rateLimiter as IDataObject).pages, 2);
		assert.equal(hits.get(path), 3, 'page 1, then page 2 tried twice');
	});

	test('pagination with a Bulk Size over 1 fails the node, naming both', async () => {
		const workflow = buildWorkflow(
			[
				{ name: 'Source', type: TEST_SOURCE, parameters: { items: '[{"id":1}]' } },
				{
					name: 'Limiter',
					type: LIMITER,
					typeVersion: 2.2,
					parameters: {
						operation: 'sendRequest',
						limiterName: fresh('bulk'),
						limit: 10,
						per: 'second',
						url: `${baseUrl}/by-page/x`,
						requestOptions: { bulkSize: 5 },
						pagination: { mode: 'responseContainsNextURL' },
					},
				},
			],
			[['Source', 'Limiter']],
		);
		const result = await runWorkflow({ workflow });
		assert.equal(result.status, 'error');
		assert.match(String(result.error?.message), /Pagination and a Bulk Size/);
	});
});
