/**
 * Rate Limiter's Correlation ID Field through the real n8n engine: Backoff and Send
 * Request copy the item's correlation ID into what they add to it (the Output Field's
 * details, and the error of an item that leaves on Failed), from the field the option
 * names; an item without one gets no correlationId, and nothing is invented.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { closeAllLimiters } from '../../nodes/shared/stores/limiter';
import {
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
let server: Server;
let url = '';
/** The headers of every request the server got. */
const seen: Array<Record<string, string | string[] | undefined>> = [];

async function run(
	parameters: INodeParameters,
	items: object[],
	typeVersion = 1,
): Promise<EngineResult> {
	const workflow = buildWorkflow(
		[
			{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
			{ name: 'Limiter', type: LIMITER, parameters, typeVersion },
			{ name: 'Out 0', type: TEST_NOOP },
			{ name: 'Out 1', type: TEST_NOOP },
		],
		[
			['Source', 'Limiter'],
			['Limiter', 0, 'Out 0'],
			['Limiter', 1, 'Out 1'],
		],
	);
	const result = await runWorkflow({ workflow });
	assert.equal(result.status, 'success', result.error?.message);
	assertPairing(result, ['Limiter']);
	return result;
}

const details = (json: IDataObject) => json.rateLimiter as IDataObject;

describe('Rate Limiter Correlation ID Field in the n8n engine', () => {
	before(async () => {
		await startEngine();
		// Answers 404 to every request: not retried, so the item leaves on Failed at once.
		server = createServer((request, response) => {
			seen.push(request.headers);
			response.writeHead(404, { 'content-type': 'application/json' });
			response.end(JSON.stringify({ message: 'no such thing' }));
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	after(async () => {
		server.closeAllConnections();
		await new Promise((resolve) => server.close(resolve));
		await closeAllLimiters();
		await stopEngine();
	});

	test("Backoff carries each item's correlation ID into its details, from the field named", async () => {
		const items = [
			{ correlationId: 'order-1', error: { message: '429' } },
			{ error: { message: '429' } },
			{ trace: 'order-3', _retry: { attempt: 5 }, error: { message: '429' } },
		];
		const byDefault = await run({ operation: 'backoff', baseDelay: 0, maxDelay: 0 }, items);
		const retried = byDefault.output('Limiter', 'Retry').map((item) => details(item.json));
		assert.equal(retried[0].correlationId, 'order-1');
		assert.equal('correlationId' in retried[1], false, 'no ID, none made up');
		const [gaveUp] = byDefault.output('Limiter', 'Give Up');
		assert.equal('correlationId' in details(gaveUp.json), false);

		const named = await run(
			{ operation: 'backoff', baseDelay: 0, maxDelay: 0, options: { correlationField: 'trace' } },
			items,
		);
		assert.equal(details(named.output('Limiter', 'Give Up')[0].json).correlationId, 'order-3');
	});

	test("Send Request carries it into the details and into a Failed item's error", async () => {
		const result = await run(
			{
				operation: 'sendRequest',
				limiterName: `correlation-${process.pid}`,
				limit: 1000,
				url: `${url}/missing`,
			},
			[{ correlationId: 'order-7' }, { n: 2 }],
		);
		const failed = result.output('Limiter', 'Failed');
		assert.equal(failed.length, 2);
		assert.equal(details(failed[0].json).correlationId, 'order-7');
		assert.equal((failed[0].json.error as IDataObject).correlationId, 'order-7');
		assert.equal((failed[0].json.error as IDataObject).httpCode, 404);
		assert.equal('correlationId' in (failed[1].json.error as IDataObject), false);
	});

	test('Send Request 2.1 sends the correlation ID and a W3C traceparent; version 1 and 2 send neither', async () => {
		const uuid = '0190d7a4-5c2e-7b3a-8f00-123456789abc';
		const items = [
			{ correlationId: uuid },
			{ correlationId: 'order-2' },
			{ correlationId: 'evil\r\nX-Injected: 1' },
			{},
		];
		const parameters = {
			operation: 'sendRequest',
			limiterName: `trace-${process.pid}`,
			limit: 1000,
			url: `${url}/trace`,
			requestOptions: { maxAttempts: 1 },
		};
		seen.length = 0;
		await run(parameters, items, 2.1);
		const byItem = [...seen];
		assert.equal(byItem.length, 4);
		assert.equal(byItem[0]['x-correlation-id'], uuid);
		assert.equal(byItem[0].traceparent?.slice(0, 36), '00-0190d7a45c2e7b3a8f00123456789abc-');
		assert.match(String(byItem[0].traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
		assert.equal(byItem[1]['x-correlation-id'], 'order-2');
		assert.match(String(byItem[1].traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
		assert.equal(byItem[2]['x-correlation-id'], undefined, 'a value with CR/LF is not sent');
		assert.equal(byItem[2]['x-injected'], undefined);
		assert.equal(byItem[3]['x-correlation-id'], undefined, 'no ID, none made up');
		assert.equal(byItem[3].traceparent, undefined);

		seen.length = 0;
		await run(
			{ ...parameters, options: { correlationHeader: 'X-Request-Id', sendTraceparent: false } },
			items.slice(0, 1),
			2.1,
		);
		assert.equal(seen[0]['x-request-id'], uuid);
		assert.equal(seen[0].traceparent, undefined);

		for (const version of [1, 2]) {
			seen.length = 0;
			await run(parameters, items.slice(0, 1), version);
			assert.equal(seen[0]['x-correlation-id'], undefined, `version ${version}`);
			assert.equal(seen[0].traceparent, undefined);
		}
	});
});
