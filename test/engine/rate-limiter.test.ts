/**
 * Rate Limiter through the real n8n engine (in process), against a local HTTP server on
 * 127.0.0.1 that answers 429 with Retry-After, rate-limit headers, 5xx and connection
 * resets on request. Every operation, every route, the pairing of every item, the
 * error output, and bad configuration failing with the parameter's name.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';

import type {
	IDataObject,
	IExecuteFunctions,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { RateLimiter } from '../../nodes/RateLimiter/RateLimiter.node';
import { failureFacts } from '../../nodes/shared/core/deadletter';
import { systemClock, type Clock } from '../../nodes/shared/core/clock';
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
	type CredentialTypeInput,
	type EngineResult,
	type Link,
} from './harness';
import { startRedis } from '../support/services';
import { withEmbeddedStoreBlocked } from '../support/store-outage';
import { postgresHarness, redisHarness } from '../support/stores';

const LIMITER = 'n8n-nodes-integration-guards.rateLimiter';
/**
 * The time the limiter's node takes (Quota's windows): the system's, unless a test moves
 * it. The node gets it injected, as a Clock in its constructor.
 */
const quotaClock: { current: Clock } = { current: systemClock };
const limiterNode = new RateLimiter({ now: () => quotaClock.current.now() });
const redis = redisHarness();
const postgres = postgresHarness();
let counter = 0;
const fresh = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

/* ------------------------------------------------------------ The vendor */

interface Seen {
	method: string;
	path: string;
	query: URLSearchParams;
	headers: IncomingMessage['headers'];
	body: unknown;
	at: number;
}

/**
 * A vendor on 127.0.0.1. The path says how it answers:
 * /ok, /fail/<n>/<status>[/<retryAfter>] (the first n requests per path fail),
 * /status/<code>, /reset/<n> (the first n connections are destroyed), /bulk (one result
 * per record; a record with bad: true fails), /quota/<limit> (rate-limit headers,
 * remaining counting down to 0 with a 1 s reset).
 */
class Vendor {
	server!: Server;
	url = '';
	seen: Seen[] = [];
	/** Bytes the slow and endless answers wrote before the client went away, per path. */
	written = new Map<string, number>();
	private counts = new Map<string, number>();

	async start(): Promise<void> {
		this.server = createServer((request, response) => this.answer(request, response));
		await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	async stop(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise((resolve) => this.server.close(resolve));
	}

	requests(prefix: string): Seen[] {
		return this.seen.filter((seen) => seen.path.startsWith(prefix));
	}

	private answer(request: IncomingMessage, response: ServerResponse): void {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const url = new URL(request.url ?? '/', 'http://127.0.0.1');
			const text = Buffer.concat(chunks).toString('utf8');
			let body: unknown = text;
			try {
				body = text === '' ? null : JSON.parse(text);
			} catch {
				// keep the text
			}
			this.seen.push({
				method: request.method ?? '',
				path: url.pathname,
				query: url.searchParams,
				headers: request.headers,
				body,
				at: Date.now(),
			});
			const count = (this.counts.get(url.pathname) ?? 0) + 1;
			this.counts.set(url.pathname, count);
			const parts = url.pathname.split('/').filter(Boolean);
			const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
				response.writeHead(status, { 'content-type': 'application/json', ...headers });
				response.end(JSON.stringify(json));
			};
			switch (parts[0]) {
				case 'ok':
					return send(200, { ok: true, echo: body });
				case 'fail': {
					const failures = Number(parts[2]);
					if (count <= failures)
						return send(
							Number(parts[3]),
							{ message: 'slow down' },
							parts[4] ? { 'retry-after': parts[4] } : {},
						);
					return send(200, { ok: true, after: count });
				}
				case 'status':
					return send(Number(parts[1]), { error: { message: `failing with ${parts[1]}` } });
				case 'reset':
					if (count <= Number(parts[1])) {
						request.socket.destroy();
						return;
					}
					return send(200, { ok: true });
				case 'bulk': {
					const records =
						(body as { records?: IDataObject[] } | null)?.records ?? (body as IDataObject[]);
					return send(200, {
						results: records.map((record) =>
							record.bad
								? { error: `record ${String(record.id)} rejected` }
								: { id: record.id, saved: true },
						),
					});
				}
				case 'quota': {
					const limit = Number(parts[1]);
					const remaining = Math.max(0, limit - count);
					return send(
						200,
						{ ok: true },
						{
							'x-ratelimit-limit': String(limit),
							'x-ratelimit-remaining': String(remaining),
							'x-ratelimit-reset': '1',
						},
					);
				}
				case 'trickle': {
					// One byte every 300 ms, at most <n> bytes (a bounded loop): a socket-idle timeout never fires.
					response.writeHead(200, { 'content-type': 'text/plain' });
					let sent = 0;
					const timer = setInterval(() => {
						if (response.destroyed || sent >= Number(parts[1])) {
							clearInterval(timer);
							response.end();
							return;
						}
						response.write('x');
						this.written.set(url.pathname, ++sent);
					}, 300);
					response.on('close', () => clearInterval(timer));
					return;
				}
				case 'endless': {
					// 64 KiB chunks as fast as the client reads, up to <n> MiB (a bounded loop).
					response.writeHead(200, { 'content-type': 'application/json' });
					const chunk = Buffer.alloc(65_536, 'a');
					let sent = 0;
					const pump = () => {
						while (!response.destroyed && sent < Number(parts[1]) * 1_048_576) {
							sent += chunk.length;
							this.written.set(url.pathname, sent);
							if (!response.write(chunk)) return void response.once('drain', pump);
						}
						if (!response.destroyed) response.end();
					};
					return pump();
				}
				case 'hold':
					// /hold/<status>/<retryAfter>/…: the first request answers <status> with Retry-After, then 200.
					if (count === 1)
						return send(Number(parts[1]), { message: 'slow down' }, { 'retry-after': parts[2] });
					return send(200, { ok: true });
				case 'farreset':
					// /farreset/<seconds>/…: the first answer says nothing remains until a reset <seconds> away.
					if (count === 1)
						return send(
							200,
							{ ok: true },
							{
								'x-ratelimit-limit': '100',
								'x-ratelimit-remaining': '0',
								'x-ratelimit-reset': parts[1],
							},
						);
					return send(200, { ok: true });
				case 'redirect':
					// /redirect/<status>?to=<url>
					response.writeHead(Number(parts[1]), { location: url.searchParams.get('to') ?? '/' });
					return response.end();
				default:
					return send(404, { message: 'no such path' });
			}
		});
	}
}

const vendor = new Vendor();
/** Another origin (another port): where a redirect must not carry the credential. */
const elsewhere = new Vendor();

/* ---------------------------------------------------------- Test vendor node */

/** Fails items whose `attempts` so far (in `_retry.attempt`, 1 when missing) are below `failUntil`. */
class FlakyVendor implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Flaky Vendor',
		name: 'flakyVendor',
		group: ['transform'],
		version: 1,
		description: 'Harness only: fails like a throttled vendor',
		defaults: { name: 'Flaky' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
		usableAsTool: true,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [
			this.getInputData().map((item, index): INodeExecutionData => {
				const attempt = Number((item.json._retry as IDataObject | undefined)?.attempt ?? 1);
				if (attempt >= Number(item.json.failUntil ?? 0))
					return { json: { ...item.json, synced: true }, pairedItem: { item: index } };
				if (!this.continueOnFail())
					throw new NodeOperationError(this.getNode(), '429 - slow down', { itemIndex: index });
				return {
					json: {
						error: {
							message: '429 - slow down',
							httpCode: '429',
							response: { status: 429, headers: { 'retry-after': '0' } },
						},
					},
					pairedItem: { item: index },
				};
			}),
		];
	}
}

/* ----------------------------------------------------------------- Helpers */

const CREDENTIAL_TYPES: CredentialTypeInput[] = [
	{
		name: 'httpHeaderAuth',
		displayName: 'Header Auth',
		properties: [
			{ displayName: 'Name', name: 'name', type: 'string', default: '' },
			{ displayName: 'Value', name: 'value', type: 'string', default: '' },
		],
	},
	{
		name: 'httpQueryAuth',
		displayName: 'Query Auth',
		properties: [
			{ displayName: 'Name', name: 'name', type: 'string', default: '' },
			{ displayName: 'Value', name: 'value', type: 'string', default: '' },
		],
	},
	{
		name: 'httpBearerAuth',
		displayName: 'Bearer Auth',
		properties: [{ displayName: 'Token', name: 'token', type: 'string', default: '' }],
	},
	{
		name: 'httpBasicAuth',
		displayName: 'Basic Auth',
		properties: [
			{ displayName: 'User', name: 'user', type: 'string', default: '' },
			{ displayName: 'Password', name: 'password', type: 'string', default: '' },
		],
	},
];

type Spec = Partial<INode> & Pick<INode, 'name' | 'type'>;

async function runLimiter(
	parameters: INodeParameters,
	items: object[],
	extra: Partial<INode> = {},
	credentials: Record<string, Record<string, string | number>> = {},
): Promise<EngineResult> {
	const node: Spec = { name: 'Limiter', type: LIMITER, parameters, ...extra };
	const sinks: Spec[] = [
		{ name: 'Out 0', type: TEST_NOOP },
		{ name: 'Out 1', type: TEST_NOOP },
	];
	const links: Link[] = [
		['Source', 'Limiter'],
		['Limiter', 0, 'Out 0'],
		['Limiter', 1, 'Out 1'],
	];
	if (extra.onError === 'continueErrorOutput') {
		sinks.push({ name: 'Errors', type: TEST_NOOP });
		links.push(['Limiter', 2, 'Errors']);
	}
	const workflow = buildWorkflow(
		[
			{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
			node,
			...sinks,
		],
		links,
	);
	return await runWorkflow({
		workflow,
		credentials,
		credentialTypes: CREDENTIAL_TYPES,
		nodeTypes: { 'test.flakyVendor': FlakyVendor, [LIMITER]: limiterNode },
	});
}

const field = (item: INodeExecutionData, name = 'rateLimiter') => item.json[name] as IDataObject;
const numbered = (count: number) => Array.from({ length: count }, (_, n) => ({ n }));

function send(path: string, parameters: INodeParameters = {}): INodeParameters {
	const { requestOptions, ...rest } = parameters;
	return {
		operation: 'sendRequest',
		limiterName: fresh('send'),
		limit: 1000,
		per: 'second',
		url: `${vendor.url}${path}`,
		requestOptions: { baseDelay: 0.01, maxDelay: 0.05, ...(requestOptions as IDataObject) },
		...rest,
	};
}

async function assertFailsNaming(
	parameters: INodeParameters,
	label: RegExp,
	items: object[] = [{ n: 1 }],
): Promise<void> {
	const result = await runLimiter(parameters, items);
	assert.equal(result.status, 'error', 'the run fails');
	assert.match(String(result.error?.message), label);
}

/* ------------------------------------------------------------------- Tests */

describe('Rate Limiter in the n8n engine', () => {
	before(async () => {
		await startEngine();
		await vendor.start();
		await elsewhere.start();
	});
	beforeEach(() => {
		quotaClock.current = systemClock;
	});
	after(async () => {
		await vendor.stop();
		await elsewhere.stop();
		await closeAllLimiters();
		await closeAllStores();
		await Promise.all([redis.cleanup(), postgres.cleanup()]);
		await stopEngine();
	});

	describe('Wait for Slot', () => {
		test('lets items through at the target rate, in order, each paired and stamped', async () => {
			const started = Date.now();
			const result = await runLimiter(
				{
					operation: 'waitForSlot',
					limiterName: fresh('slot'),
					limit: 20,
					per: 'second',
					targetUtilization: 100,
				},
				numbered(8),
			);
			const elapsed = Date.now() - started;
			assert.equal(result.status, 'success', result.error?.message);
			assert.deepEqual(result.nodes.Limiter.outputNames, ['Proceed', 'Over Limit']);
			const proceed = result.output('Limiter', 'Proceed');
			assert.deepEqual(
				proceed.map((item) => item.json.n),
				[0, 1, 2, 3, 4, 5, 6, 7],
			);
			assert.deepEqual(result.output('Limiter', 'Over Limit'), []);
			assertEachInputLeavesOnce(result, 'Limiter');
			// Burst 1 at 20/s: the 8th item waits for 7 refills of 50 ms.
			const waits = proceed.map((item) => field(item).waitedMs as number);
			assert.ok(waits[7] >= 300, `the last item waited ${waits[7]} ms`);
			assert.ok(elapsed >= 300);
			assert.deepEqual(Object.keys(field(proceed[0])).sort(), [
				'configured',
				'estimatedWaitMs',
				'grantedAt',
				'limiter',
				'route',
				'store',
				'tokens',
				'waitedMs',
			]);
			assert.equal(field(proceed[0]).route, 'proceed');
			assert.deepEqual(
				Object.keys(result.output('Source', 0)[0].json),
				['n'],
				'the input item is never changed',
			);
		});

		test('shares one limit across executions of the same limiter name', async () => {
			const name = fresh('shared');
			const parameters = {
				operation: 'waitForSlot',
				limiterName: name,
				limit: 10,
				per: 'second',
				targetUtilization: 100,
			};
			const started = Date.now();
			await Promise.all([runLimiter(parameters, numbered(3)), runLimiter(parameters, numbered(3))]);
			// Six tokens at 10/s with a burst of 1: at least five refills of 100 ms.
			assert.ok(Date.now() - started >= 480, `two executions took ${Date.now() - started} ms`);
		});

		test('sends items that would wait longer than Max Wait to Over Limit at once', async () => {
			const started = Date.now();
			const result = await runLimiter(
				{
					operation: 'waitForSlot',
					limiterName: fresh('maxwait'),
					limit: 4,
					per: 'second',
					targetUtilization: 100,
					maxWait: 0.6,
				},
				numbered(8),
			);
			const elapsed = Date.now() - started;
			assert.equal(result.status, 'success', result.error?.message);
			const proceed = result.output('Limiter', 'Proceed');
			const over = result.output('Limiter', 'Over Limit');
			// 1 token now, then one per 250 ms: items 0–2 fit in 0.6 s.
			assert.deepEqual(
				proceed.map((item) => item.json.n),
				[0, 1, 2],
			);
			assert.deepEqual(
				over.map((item) => item.json.n),
				[3, 4, 5, 6, 7],
			);
			assert.equal(field(over[0]).route, 'overLimit');
			assert.ok((field(over[0]).estimatedWaitMs as number) > 600);
			assert.ok(elapsed < 1500, `decided up front, not after waiting: ${elapsed} ms`);
			assertEachInputLeavesOnce(result, 'Limiter');
			assert.match(
				result.nodes.Limiter.hints.map((hint) => hint.message).join('\n'),
				/5 item\(s\) would have waited longer/,
			);
		});

		test('takes Tokens per Item from an expression; a bad value goes to the error output', async () => {
			const result = await runLimiter(
				{
					operation: 'waitForSlot',
					limiterName: fresh('tokens'),
					limit: 100,
					per: 'second',
					tokensPerItem: '={{ $json.cost }}',
					options: { burst: 10 },
				},
				[{ cost: 3 }, { cost: 'lots' }, { cost: 20 }, { cost: 1 }],
				{ onError: 'continueErrorOutput' },
			);
			assert.equal(result.status, 'success', result.error?.message);
			assert.deepEqual(
				result.output('Limiter', 'Proceed').map((item) => field(item).tokens),
				[3, 1],
			);
			const errors = result.output('Limiter', 'Error');
			assert.equal(errors.length, 2);
			assert.match(String(errors[0].json.error), /Tokens per Item of item 1 is not a whole number/);
			assert.match(String(errors[1].json.error), /more than the limiter's Burst/);
			assert.equal(errors[0].json.cost, 'lots', 'the input fields travel with the error');
			assertPairing(result, ['Limiter']);
		});

		test('fails on bad configuration, naming the parameter', async () => {
			const base = { operation: 'waitForSlot', limiterName: 'x', limit: 10, per: 'second' };
			await assertFailsNaming({ ...base, limiterName: '  ' }, /Limiter Name/);
			await assertFailsNaming({ ...base, limit: 0 }, /Limit is out of range: 0/);
			await assertFailsNaming(
				{ ...base, targetUtilization: 150 },
				/Target Utilization \(%\) is out of range/,
			);
			await assertFailsNaming({ ...base, maxWait: -1 }, /Max Wait \(Seconds\) is out of range/);
			await assertFailsNaming({ ...base, tokensPerItem: 0 }, /Tokens per Item is out of range/);
			await assertFailsNaming(
				{ ...base, tokensPerItem: 5 },
				/Tokens per Item \(5\) is more than the limiter's Burst/,
			);
		});
	});

	describe('Send Request', () => {
		test('sends one request per item with auth, headers and query; Success carries the response', async () => {
			const result = await runLimiter(
				send('/ok', {
					method: 'POST',
					authentication: 'genericCredentialType',
					genericAuthType: 'httpHeaderAuth',
					sendQuery: true,
					queryParameters: { parameters: [{ name: 'page', value: '={{ $json.n }}' }] },
					sendHeaders: true,
					headerParameters: { parameters: [{ name: 'X-Trace', value: 'abc' }] },
					sendBody: true,
					jsonBody: '={{ JSON.stringify({ id: $json.n }) }}',
				}),
				numbered(3),
				{ credentials: { httpHeaderAuth: { id: '1', name: 'Vendor key' } } },
				{ httpHeaderAuth: { name: 'X-Api-Key', value: 'secret-key' } },
			);
			assert.equal(result.status, 'success', result.error?.message);
			assert.deepEqual(result.nodes.Limiter.outputNames, ['Success', 'Failed']);
			const success = result.output('Limiter', 'Success');
			assert.equal(success.length, 3);
			assertEachInputLeavesOnce(result, 'Limiter');
			const seen = vendor.seen.filter((entry) => entry.path === '/ok').slice(-3);
			assert.deepEqual(seen.map((entry) => entry.query.get('page')).sort(), ['0', '1', '2']);
			assert.ok(
				seen.every(
					(entry) =>
						entry.headers['x-api-key'] === 'secret-key' && entry.headers['x-trace'] === 'abc',
				),
			);
			assert.deepEqual(seen.map((entry) => (entry.body as IDataObject).id).sort(), [0, 1, 2]);
			const first = success[0].json;
			assert.equal(first.n, 0);
			const response = first.response as IDataObject;
			assert.equal(response.status, 200);
			assert.deepEqual(response.body, { ok: true, echo: { id: 0 } });
			assert.equal((response.headers as IDataObject)['content-type'], 'application/json');
			const meta = field(success[0]);
			assert.equal(meta.route, 'success');
			assert.equal(meta.attempts, 1);
			assert.deepEqual(meta.retryDelaysMs, []);
			assert.equal(
				JSON.stringify(result.nodes.Limiter.outputs).includes('secret-key'),
				false,
				'the credential never reaches an item',
			);
		});

		test('authenticates with Bearer, Basic and Query Auth credentials', async () => {
			const cases: Array<[string, Record<string, string>, (seen: Seen) => boolean]> = [
				[
					'httpBearerAuth',
					{ token: 'tok-1' },
					(seen) => seen.headers.authorization === 'Bearer tok-1',
				],
				[
					'httpBasicAuth',
					{ user: 'ann', password: 'pw' },
					(seen) =>
						seen.headers.authorization === `Basic ${Buffer.from('ann:pw').toString('base64')}`,
				],
				[
					'httpQueryAuth',
					{ name: 'api_key', value: 'k-9' },
					(seen) => seen.query.get('api_key') === 'k-9',
				],
			];
			for (const [type, data, check] of cases) {
				const path = `/ok/${fresh(type)}`;
				const result = await runLimiter(
					send(path, { authentication: 'genericCredentialType', genericAuthType: type }),
					[{ n: 1 }],
					{ credentials: { [type]: { id: '1', name: type } } },
					{ [type]: data },
				);
				assert.equal(result.status, 'success', result.error?.message);
				assert.ok(check(vendor.requests(path)[0]), type);
				assert.equal(
					JSON.stringify(result.nodes.Limiter.outputs).includes(
						Object.values(data).pop() as string,
					),
					false,
					`${type}: no secret on the items`,
				);
			}
		});

		test('with a Max Wait, requests that would wait too long leave on Failed at once, unsent', async () => {
			const path = `/ok/${fresh('maxwait')}`;
			const started = Date.now();
			const result = await runLimiter(
				send(path, { limit: 2, per: 'second', maxWait: 0.3 }),
				numbered(4),
			);
			assert.ok(Date.now() - started < 1500);
			assert.deepEqual(
				result.output('Limiter', 'Success').map((item) => item.json.n),
				[0],
			);
			const failed = result.output('Limiter', 'Failed');
			assert.deepEqual(
				failed.map((item) => item.json.n),
				[1, 2, 3],
			);
			assert.deepEqual(
				failed.map((item) => [
					(item.json.error as IDataObject).code,
					(item.json.error as IDataObject).reason,
					(item.json.error as IDataObject).attempts,
				]),
				[
					['OVER_LIMIT', 'overLimit', 0],
					['OVER_LIMIT', 'overLimit', 0],
					['OVER_LIMIT', 'overLimit', 0],
				],
			);
			assert.equal(vendor.requests(path).length, 1);
			assertEachInputLeavesOnce(result, 'Limiter');
		});

		test('fails naming Redis when the shared limiter cannot be reached', async () => {
			const result = await runLimiter(
				send('/ok', { store: 'redis' }),
				[{ n: 1 }],
				{ credentials: { integrationGuardsRedisApi: { id: '1', name: 'Redis' } } },
				{ integrationGuardsRedisApi: { host: '127.0.0.1', port: 1 } },
			);
			assert.equal(result.status, 'error');
			assert.match(String(result.error?.message), /Redis at 127\.0\.0\.1:1 \(db 0\): unreachable/);
		});

		test('keeps every answer it got when the shared limiter fails mid-batch; the rest leave on Failed, not sent', async () => {
			const redis = await startRedis({ appendOnly: false });
			try {
				const path = `/ok/${fresh('mid-batch')}`;
				const items = Array.from({ length: 40 }, (_, n) => ({ n }));
				const running = runLimiter(
					send(path, { store: 'redis', limit: 10 }),
					items,
					{ credentials: { integrationGuardsRedisApi: { id: '1', name: 'Redis' } } },
					{
						integrationGuardsRedisApi: {
							host: '127.0.0.1',
							port: redis.port,
							keyPrefix: `${fresh('engine-mid')}:`,
						},
					},
				);
				for (let waited = 0; vendor.requests(path).length < 5 && waited < 20_000; waited += 50)
					await new Promise((resolve) => setTimeout(resolve, 50));
				await redis.kill();
				const result = await running;
				assert.equal(result.status, 'success', result.error?.message);
				const succeeded = result.output('Limiter', 'Success');
				const failed = result.output('Limiter', 'Failed');
				assert.ok(
					succeeded.length >= 5,
					`the answers before the failure are kept: ${succeeded.length}`,
				);
				assert.equal(
					succeeded.length,
					vendor.requests(path).length,
					'every request the vendor answered is on Success, none sent after the failure',
				);
				assert.ok(
					failed.length > 0 && succeeded.length + failed.length === items.length,
					`${succeeded.length} + ${failed.length} of ${items.length}`,
				);
				for (const item of failed) {
					const error = item.json.error as IDataObject;
					assert.deepEqual(
						[error.code, error.reason, error.attempts],
						['LIMITER_UNAVAILABLE', 'limiterUnavailable', 0],
						'never sent',
					);
					assert.match(String(error.message), /\(not sent\)/);
					assert.match(String(error.message), new RegExp(`Redis at 127\\.0\\.0\\.1:${redis.port}`));
				}
				assertEachInputLeavesOnce(result, 'Limiter');
			} finally {
				await closeAllLimiters();
				await redis.dispose();
			}
		});

		test('retries a 429 after its Retry-After, then succeeds', async () => {
			const path = `/fail/${fresh('r')}/1/429/1`;
			const result = await runLimiter(send(path), [{ id: 'a' }]);
			assert.equal(result.status, 'success', result.error?.message);
			const [item] = result.output('Limiter', 'Success');
			assert.equal(field(item).attempts, 2);
			assert.equal(field(item).tooManyRequests, 1);
			assert.ok(
				(field(item).retryDelaysMs as number[])[0] >= 1000,
				'waited the second Retry-After asked for',
			);
			const calls = vendor.requests(path);
			assert.equal(calls.length, 2);
			assert.ok(calls[1].at - calls[0].at >= 990, `retried ${calls[1].at - calls[0].at} ms later`);
		});

		test('gives up after Max Attempts on a 5xx; Failed carries status, error and attempts for the Dead Letter node', async () => {
			const result = await runLimiter(send('/status/503', { requestOptions: { maxAttempts: 3 } }), [
				{ id: 'a' },
				{ id: 'b' },
			]);
			assert.equal(result.status, 'success', result.error?.message);
			const failed = result.output('Limiter', 'Failed');
			assert.equal(failed.length, 2);
			assertEachInputLeavesOnce(result, 'Limiter');
			const error = failed[0].json.error as IDataObject;
			assert.equal(failed[0].json.id, 'a', 'the input fields stay for a replay');
			assert.deepEqual(
				{ ...error, response: undefined },
				{
					message: '503 - failing with 503',
					httpCode: 503,
					code: null,
					reason: 'maxAttempts',
					attempts: 3,
					retryAfterSeconds: null,
					response: undefined,
				},
			);
			assert.equal((error.response as IDataObject).status, 503);
			assert.equal(field(failed[0]).route, 'failed');
			assert.equal((field(failed[0]).retryDelaysMs as number[]).length, 2);
			// What Dead Letter Capture reads from it.
			const facts = failureFacts(failed[0].json.error);
			assert.equal(facts.httpCode, 503);
			assert.equal(facts.message, '503 - failing with 503');
			assert.match(
				result.nodes.Limiter.hints.map((hint) => hint.message).join('\n'),
				/2 request\(s\), 2 retried, 2 failed/,
			);
		});

		test('does not retry a 404, and honours a custom Retry On Status list', async () => {
			const notFound = await runLimiter(send('/status/404'), [{ id: 1 }]);
			const error = notFound.output('Limiter', 'Failed')[0].json.error as IDataObject;
			assert.equal(error.attempts, 1);
			assert.equal(error.reason, 'notRetryable');
			const custom = await runLimiter(
				send('/status/404', { requestOptions: { retryOn: '404', maxAttempts: 2 } }),
				[{ id: 1 }],
			);
			assert.equal((custom.output('Limiter', 'Failed')[0].json.error as IDataObject).attempts, 2);
		});

		test('retries a connection reset, and fails with the network code when it persists', async () => {
			const recovered = await runLimiter(send(`/reset/1/${fresh('n')}`), [{ id: 1 }]);
			const [item] = recovered.output('Limiter', 'Success');
			assert.equal(field(item).attempts, 2, 'the reset connection was tried again');
			const flaky = await runLimiter(
				send(`/reset/1000/${fresh('n')}`, { requestOptions: { maxAttempts: 2 } }),
				[{ id: 1 }],
			);
			const error = flaky.output('Limiter', 'Failed')[0].json.error as IDataObject;
			assert.equal(error.code, 'ECONNRESET', JSON.stringify(error));
			assert.equal(error.httpCode, null);
			assert.equal(error.attempts, 2);
			assert.equal(failureFacts(error).code, 'ECONNRESET');
			const off = await runLimiter(
				send(`/reset/1000/${fresh('n')}`, {
					requestOptions: { maxAttempts: 3, retryNetworkErrors: false },
				}),
				[{ id: 1 }],
			);
			assert.equal((off.output('Limiter', 'Failed')[0].json.error as IDataObject).attempts, 1);
		});

		test('retries POST only for items with an idempotency key, sending the key', async () => {
			const result = await runLimiter(
				send('/status/503', {
					method: 'POST',
					sendBody: true,
					jsonBody: '={{ $json }}',
					requestOptions: { maxAttempts: 3, idempotencyKeyField: 'key' },
				}),
				[{ id: 1, key: 'order-1' }, { id: 2 }],
			);
			const failed = result.output('Limiter', 'Failed');
			const [withKey, without] = failed;
			assert.equal((withKey.json.error as IDataObject).attempts, 3);
			assert.equal((without.json.error as IDataObject).attempts, 1);
			assert.equal((without.json.error as IDataObject).reason, 'unsafeToRetry');
			const keyed = vendor
				.requests('/status/503')
				.filter((seen) => seen.headers['idempotency-key'] === 'order-1');
			assert.equal(keyed.length, 3);
			const allowed = await runLimiter(
				send('/status/503', {
					method: 'POST',
					requestOptions: { maxAttempts: 2, retryNonIdempotent: true },
				}),
				[{ id: 3 }],
			);
			assert.equal((allowed.output('Limiter', 'Failed')[0].json.error as IDataObject).attempts, 2);
		});

		test('bulk mode: one request per batch, per-record results mapped back to their items', async () => {
			const before = vendor.requests('/bulk').length;
			const items = [{ id: 1 }, { id: 2, bad: true }, { id: 3 }, { id: 4 }, { id: 5 }];
			const result = await runLimiter(
				send('/bulk', {
					method: 'POST',
					sendBody: true,
					jsonBody: '={{ $json }}',
					requestOptions: { bulkSize: 2, bulkBodyField: 'records' },
				}),
				items,
			);
			assert.equal(result.status, 'success', result.error?.message);
			assert.equal(vendor.requests('/bulk').length - before, 3, 'five items in three requests');
			const success = result.output('Limiter', 'Success');
			assert.deepEqual(
				success.map((item) => item.json.id),
				[1, 3, 4, 5],
			);
			assert.deepEqual((success[1].json.response as IDataObject).body, { id: 3, saved: true });
			assert.deepEqual(field(success[1]).bulk, { size: 2, position: 0, mapped: true });
			const [bad] = result.output('Limiter', 'Failed');
			assert.equal(bad.json.id, 2);
			assert.equal((bad.json.error as IDataObject).message, 'record 2 rejected');
			assert.equal((bad.json.error as IDataObject).reason, 'recordFailed');
			assertEachInputLeavesOnce(result, 'Limiter');
		});

		test('learns the vendor limit from its headers: holds at remaining 0 until the reset, reports it', async () => {
			const path = `/quota/3`;
			// One request at a time: a hold can only act on answers already received.
			const result = await runLimiter(
				send(path, { limit: 100, per: 'second', requestOptions: { concurrency: 1 } }),
				numbered(5),
			);
			assert.equal(result.status, 'success', result.error?.message);
			const calls = vendor.requests(path);
			assert.equal(calls.length, 5);
			// The third answer says remaining 0, reset in 1 s: the fourth waits for it.
			assert.ok(calls[3].at - calls[2].at >= 900, `held ${calls[3].at - calls[2].at} ms`);
			const meta = field(result.output('Limiter', 'Success')[4]);
			assert.equal((meta.observed as IDataObject).limit, 3);
			assert.equal(meta.limitCheck, 'lower');
			assert.deepEqual(meta.configured, {
				limit: 100,
				per: 'second',
				targetUtilization: 90,
				targetPerSecond: 89.552,
				burst: 6,
			});
			assert.match(
				result.nodes.Limiter.hints.map((hint) => hint.message).join('\n'),
				/the vendor reports a limit of 3, configured 100 per second/,
			);
		});

		test('fails on bad configuration, naming the parameter; a bad URL of one item goes to the error output', async () => {
			await assertFailsNaming(
				send('/ok', { requestOptions: { retryOn: '429, soon' } }),
				/Retry On Status has an entry that is not a status: "soon"/,
			);
			await assertFailsNaming(
				send('/ok', { requestOptions: { baseDelay: 5, maxDelay: 1 } }),
				/Max Delay \(Seconds\) is shorter than Base Delay/,
			);
			await assertFailsNaming(
				send('/ok', { requestOptions: { maxAttempts: 0 } }),
				/Max Attempts is out of range/,
			);
			await assertFailsNaming({ ...send('/ok'), url: '' }, /URL/);
			const result = await runLimiter(
				{ ...send('/ok'), url: '={{ $json.url }}' },
				[{ url: `${vendor.url}/ok` }, { url: 'ftp://nope' }],
				{ onError: 'continueErrorOutput' },
			);
			assert.equal(result.output('Limiter', 'Success').length, 1);
			assert.match(
				String(result.output('Limiter', 'Error')[0].json.error),
				/URL of item 1 is not an http\(s\) address/,
			);
		});
	});

	describe('Send Request: deadline, size cap, redirects (issue 14, findings 8 and 9)', () => {
		test('a try has a hard deadline: a server trickling a byte every 300 ms cannot keep a 1 s try alive', async () => {
			const path = `/trickle/20/${fresh('slow')}`;
			const started = Date.now();
			const result = await runLimiter(
				send(path, { requestOptions: { timeout: 1, maxAttempts: 1 } }),
				[{ id: 1 }],
			);
			const elapsed = Date.now() - started;
			assert.equal(result.status, 'success', result.error?.message);
			const [failed] = result.output('Limiter', 'Failed');
			assert.ok(failed, 'the item leaves on Failed, not Success');
			const error = failed.json.error as IDataObject;
			assert.equal(error.code, 'ETIMEDOUT');
			assert.match(String(error.message), /No complete answer within the Timeout \(1 s\)/);
			// The server would trickle for 6 s; the try was cut at its deadline.
			await new Promise((resolve) => setTimeout(resolve, 400));
			const written = vendor.written.get(path.replace(/\/$/, '')) ?? 0;
			console.log(
				`trickling server: try ended after ${elapsed} ms, ${written} of 20 bytes written`,
			);
			assert.ok(written < 10, `the server stopped being read after ${written} bytes`);
			assertEachInputLeavesOnce(result, 'Limiter');
		});

		test('a response over Max Response Size fails the try, naming the cap, and is not retried', async () => {
			const path = `/endless/64/${fresh('big')}`;
			const result = await runLimiter(
				send(path, { requestOptions: { maxResponseSize: 1, maxAttempts: 3 } }),
				[{ id: 1 }],
			);
			assert.equal(result.status, 'success', result.error?.message);
			assert.deepEqual(result.output('Limiter', 'Success'), []);
			const error = result.output('Limiter', 'Failed')[0].json.error as IDataObject;
			assert.equal(error.code, 'ERESPONSETOOLARGE');
			assert.match(String(error.message), /larger than Max Response Size \(1 MiB\)/);
			assert.equal(error.attempts, 1, 'the same answer would come back: not retried');
			await new Promise((resolve) => setTimeout(resolve, 200));
			const written = vendor.written.get(path) ?? 0;
			console.log(
				`endless server: ${(written / 1_048_576).toFixed(1)} MiB written before the client stopped reading (cap 1 MiB)`,
			);
			assert.ok(written < 16 * 1_048_576, `the client stopped reading: ${written} bytes written`);
		});

		test('the default cap is 10 MiB: 9 MiB is read, 11 MiB is refused', async () => {
			const fits = await runLimiter(send(`/endless/9/${fresh('nine')}`), [{ id: 1 }]);
			assert.equal(fits.output('Limiter', 'Success').length, 1);
			const tooBig = await runLimiter(send(`/endless/11/${fresh('eleven')}`), [{ id: 1 }]);
			assert.match(
				String((tooBig.output('Limiter', 'Failed')[0].json.error as IDataObject).message),
				/Max Response Size \(10 MiB\)/,
			);
		});

		test('a redirect to another origin never carries the credential (Header, Bearer, Basic and Query Auth)', async () => {
			const cases: Array<[string, Record<string, string>, string]> = [
				['httpHeaderAuth', { name: 'X-Api-Key', value: 'header-secret' }, 'header-secret'],
				['httpBearerAuth', { token: 'bearer-secret' }, 'bearer-secret'],
				[
					'httpBasicAuth',
					{ user: 'ann', password: 'basic-secret' },
					Buffer.from('ann:basic-secret').toString('base64'),
				],
				['httpQueryAuth', { name: 'api_key', value: 'query-secret' }, 'query-secret'],
			];
			for (const [type, data, secret] of cases) {
				const target = `/ok/${fresh('landed')}`;
				const result = await runLimiter(
					send(`/redirect/302/${fresh(type)}?to=${encodeURIComponent(elsewhere.url + target)}`, {
						authentication: 'genericCredentialType',
						genericAuthType: type,
						sendHeaders: true,
						// The item's own copy of the credential's header is no safer than the credential's.
						headerParameters: {
							parameters: [
								{ name: 'X-Trace', value: 'kept' },
								{ name: 'Cookie', value: 'session=cookie-secret' },
								...(type === 'httpHeaderAuth'
									? [{ name: 'x-api-key', value: 'header-secret' }]
									: []),
							],
						},
					}),
					[{ n: 1 }],
					{ credentials: { [type]: { id: '1', name: type } } },
					{ [type]: data },
				);
				assert.equal(result.status, 'success', result.error?.message);
				assert.equal(
					result.output('Limiter', 'Success').length,
					1,
					`${type}: the redirect is followed`,
				);
				const [landed] = elsewhere.requests(target);
				assert.ok(landed, `${type}: the other origin was called`);
				const sent = JSON.stringify({ headers: landed.headers, query: [...landed.query] });
				assert.equal(
					sent.includes(secret),
					false,
					`${type}: no credential sent to the other origin: ${sent}`,
				);
				assert.equal(
					sent.includes('cookie-secret'),
					false,
					`${type}: no Cookie sent to the other origin`,
				);
				assert.equal(landed.headers['x-trace'], 'kept', 'other headers still go');
				const first = vendor.seen.filter((seen) => seen.path.startsWith('/redirect/302/')).pop()!;
				assert.ok(
					JSON.stringify({ headers: first.headers, query: [...first.query] }).includes(secret),
					`${type}: the credential went to its own origin`,
				);
			}
		});

		test('a redirect within the origin keeps the credential; a 303 turns a POST into a GET', async () => {
			const target = `/ok/${fresh('same')}`;
			const result = await runLimiter(
				send(`/redirect/303/${fresh('same')}?to=${encodeURIComponent(target)}`, {
					method: 'POST',
					sendBody: true,
					jsonBody: '{"a":1}',
					authentication: 'genericCredentialType',
					genericAuthType: 'httpHeaderAuth',
				}),
				[{ n: 1 }],
				{ credentials: { httpHeaderAuth: { id: '1', name: 'key' } } },
				{ httpHeaderAuth: { name: 'X-Api-Key', value: 'own-origin' } },
			);
			assert.equal(result.output('Limiter', 'Success').length, 1, result.error?.message);
			const [landed] = vendor.requests(target);
			assert.equal(landed.headers['x-api-key'], 'own-origin');
			assert.equal(landed.method, 'GET');
		});
	});

	describe('Learned holds (issue 14, finding 10)', () => {
		const redisCredential = () => ({
			extra: { credentials: { integrationGuardsRedisApi: { id: '1', name: 'Redis' } } },
			data: {
				integrationGuardsRedisApi: {
					host: '127.0.0.1',
					port: 6379,
					keyPrefix: `${fresh('holds')}:`,
				},
			},
		});
		/** A run that must end within `ms`: a day-long hold would otherwise keep it waiting. */
		const within = async (ms: number, run: Promise<EngineResult>): Promise<EngineResult> =>
			await Promise.race([
				run,
				new Promise<never>((_, reject) =>
					setTimeout(
						() => reject(new Error(`still waiting after ${ms} ms: a hold stalls the limiter`)),
						ms,
					).unref(),
				),
			]);

		for (const store of ['embedded', 'redis'] as const) {
			test(`${store}: a 429 with Retry-After: 86400 that the node refuses for its item holds nobody else`, async () => {
				const { extra, data } = store === 'redis' ? redisCredential() : { extra: {}, data: {} };
				const limiterName = fresh('day');
				const first = await runLimiter(
					send(`/hold/429/86400/${fresh('h')}`, {
						store,
						limiterName,
						requestOptions: { maxAttempts: 2 },
					}),
					[{ id: 1 }],
					extra,
					data,
				);
				assert.equal(first.status, 'success', first.error?.message);
				const [refused] = first.output('Limiter', 'Failed');
				assert.equal((refused.json.error as IDataObject).reason, 'retryAfterTooLong');
				assert.deepEqual(field(refused).hold, {
					requestedSeconds: 86400,
					heldSeconds: 0,
					capped: false,
					recorded: false,
				});
				// Another worker: only what Redis holds is shared.
				if (store === 'redis') await closeAllLimiters();
				const path = `/ok/${fresh('after')}`;
				const second = await within(
					15_000,
					runLimiter(send(path, { store, limiterName, maxWait: 5 }), [{ id: 2 }], extra, data),
				);
				assert.equal(
					second.output('Limiter', 'Success').length,
					1,
					JSON.stringify(second.output('Limiter', 'Failed')[0]?.json.error),
				);
				assert.equal(vendor.requests(path).length, 1);
			});

			test(`${store}: a far reset is held at most Max Hold, the item says it was capped, and Max Wait applies to the hold`, async () => {
				const { extra, data } = store === 'redis' ? redisCredential() : { extra: {}, data: {} };
				const limiterName = fresh('reset');
				const options = { maxHold: 2 };
				const first = await runLimiter(
					send(`/farreset/86400/${fresh('r')}`, { store, limiterName, options }),
					[{ id: 1 }],
					extra,
					data,
				);
				assert.equal(first.status, 'success', first.error?.message);
				const [done] = first.output('Limiter', 'Success');
				assert.deepEqual(field(done).hold, {
					requestedSeconds: 86400,
					heldSeconds: 2,
					capped: true,
					recorded: true,
				});
				assert.match(
					first.nodes.Limiter.hints.map((hint) => hint.message).join('\n'),
					/asked to hold for 86400 s; held 2 s \(Max Hold\)/,
				);
				if (store === 'redis') await closeAllLimiters();

				// The hold (about 2 s) is longer than a Max Wait of 0.5 s: over limit, unsent, at once.
				const path = `/ok/${fresh('held')}`;
				const impatient = await within(
					15_000,
					runLimiter(
						send(path, { store, limiterName, maxWait: 0.5, options }),
						[{ id: 2 }],
						extra,
						data,
					),
				);
				const error = impatient.output('Limiter', 'Failed')[0]?.json.error as
					| IDataObject
					| undefined;
				assert.equal(
					error?.code,
					'OVER_LIMIT',
					JSON.stringify(impatient.output('Limiter', 'Success')[0]?.json),
				);
				const slot = await within(
					15_000,
					runLimiter(
						{
							operation: 'waitForSlot',
							store,
							limiterName,
							limit: 1000,
							per: 'second',
							maxWait: 0.5,
							options,
						},
						[{ id: 3 }],
						extra,
						data,
					),
				);
				assert.equal(slot.output('Limiter', 'Over Limit').length, 1, 'Wait for Slot too');
				assert.equal(vendor.requests(path).length, 0);

				// A patient request waits the capped hold out, not the day.
				const patient = await within(
					15_000,
					runLimiter(
						send(path, { store, limiterName, maxWait: 10, options }),
						[{ id: 4 }],
						extra,
						data,
					),
				);
				const [through] = patient.output('Limiter', 'Success');
				assert.ok(through, JSON.stringify(patient.output('Limiter', 'Failed')[0]?.json.error));
				console.log(
					`${store}: a 86400 s reset capped at Max Hold 2 s; the next request waited ${String(field(through).waitedMs)} ms`,
				);
				assert.ok((field(through).waitedMs as number) <= 2500);
			});
		}

		test('Max Hold is validated, naming the option', async () => {
			await assertFailsNaming(
				send('/ok', { options: { maxHold: -1 } }),
				/Max Hold \(Seconds\) is out of range: -1/,
			);
		});
	});

	describe('A store that cannot be reached (issue 14, finding 1)', () => {
		const closedRedis = {
			extra: { credentials: { integrationGuardsRedisApi: { id: '1', name: 'Redis' } } },
			data: { integrationGuardsRedisApi: { host: '127.0.0.1', port: 1 } },
		};
		const cases: Array<{
			name: string;
			parameters: () => INodeParameters;
			refusal: string;
			happy: string;
			blocked?: true;
		}> = [
			{
				name: 'Wait for Slot on Redis',
				parameters: () => ({
					operation: 'waitForSlot',
					store: 'redis',
					limiterName: fresh('down'),
					limit: 100,
					per: 'second',
				}),
				refusal: 'Over Limit',
				happy: 'Proceed',
			},
			{
				name: 'Send Request on Redis',
				parameters: () => send('/ok/store-down', { store: 'redis' }),
				refusal: 'Failed',
				happy: 'Success',
			},
			{
				name: 'Quota on Redis',
				parameters: () => ({
					operation: 'quota',
					store: 'redis',
					quotaName: fresh('down'),
					quota: 2,
					thresholds: '50',
				}),
				refusal: 'Alert',
				happy: 'Continue',
			},
			{
				name: 'Quota on an unwritable embedded store',
				parameters: () => ({
					operation: 'quota',
					quotaName: fresh('down'),
					quota: 2,
					thresholds: '50',
				}),
				refusal: 'Alert',
				happy: 'Continue',
				blocked: true,
			},
		];
		const storeNamed = /Redis at 127\.0\.0\.1:1|embedded store|sqlite|SQLite|guards\.sqlite/i;
		for (const entry of cases) {
			test(`${entry.name}: every item on the error output, on ${entry.refusal} under regular output, the node fails without Continue; nothing sent`, async () => {
				const before = vendor.requests('/ok/store-down').length;
				const run = async (onError?: INode['onError']) => {
					const go = () =>
						runLimiter(
							entry.parameters(),
							numbered(3),
							{ ...closedRedis.extra, ...(onError ? { onError } : {}) },
							closedRedis.data,
						);
					return entry.blocked ? await withEmbeddedStoreBlocked(go) : await go();
				};
				const errorOutput = await run('continueErrorOutput');
				assert.equal(errorOutput.status, 'success', errorOutput.error?.message);
				const errors = errorOutput.output('Limiter', 'Error');
				assert.deepEqual(
					errors.map((item) => item.json.n),
					[0, 1, 2],
					'every item on the error output, its fields kept',
				);
				for (const item of errors) assert.match(String(item.json.error), storeNamed);
				assert.deepEqual(
					errorOutput.output('Limiter', entry.happy),
					[],
					`nothing on ${entry.happy}`,
				);
				assert.deepEqual(errorOutput.output('Limiter', entry.refusal), []);
				assertPairing(errorOutput, ['Limiter']);

				const regular = await run('continueRegularOutput');
				assert.equal(regular.status, 'success', regular.error?.message);
				assert.deepEqual(regular.output('Limiter', entry.happy), [], `nothing on ${entry.happy}`);
				const refused = regular.output('Limiter', entry.refusal);
				assert.deepEqual(
					refused.map((item) => item.json.n),
					[0, 1, 2],
					`every item on ${entry.refusal}, with the error`,
				);
				for (const item of refused) assert.match(String(item.json.error), storeNamed);

				const failing = await run();
				assert.equal(failing.status, 'error');
				assert.match(String(failing.error?.message), storeNamed);
				assert.equal(
					vendor.requests('/ok/store-down').length,
					before,
					'nothing was sent to the vendor',
				);
			});
		}

		test('Backoff keeps no state: no store to lose, it routes as usual', async () => {
			const result = await runLimiter(
				{ operation: 'backoff', baseDelay: 0, maxDelay: 0 },
				[{ error: '503' }],
				{ onError: 'continueErrorOutput' },
			);
			assert.equal(result.output('Limiter', 'Retry').length, 1);
		});
	});

	describe('Backoff', () => {
		test('routes Retry with the attempt incremented and the wait done, Give Up at the max', async () => {
			const started = Date.now();
			const result = await runLimiter(
				{ operation: 'backoff', maxAttempts: 3, baseDelay: 0.05, maxDelay: 0.2 },
				[
					{ id: 'first', error: { message: '503 - busy', httpCode: '503' } },
					{ id: 'second', _retry: { attempt: 2 }, error: 'Service unavailable - try again later' },
					{ id: 'last', _retry: { attempt: 3 }, error: { message: '503' } },
					{ id: 'hostile', _retry: { attempt: '__proto__' } },
					{ id: 'blocked', _retry: 'not an object' },
				],
			);
			assert.equal(result.status, 'success', result.error?.message);
			assert.deepEqual(result.nodes.Limiter.outputNames, ['Retry', 'Give Up']);
			const retry = result.output('Limiter', 'Retry');
			assert.deepEqual(
				retry.map((item) => item.json.id),
				['first', 'second', 'hostile'],
			);
			assert.deepEqual(
				retry.map((item) => (item.json._retry as IDataObject).attempt),
				[2, 3, 2],
			);
			assert.ok(
				retry.every((item) => !('error' in item.json)),
				'the error is removed for the next try',
			);
			assert.equal(field(retry[0]).lastError, '503 - busy');
			assert.ok((field(retry[1]).delayMs as number) <= 100, 'full jitter under base × factor');
			const longest = Math.max(...retry.map((item) => field(item).delayMs as number));
			assert.ok(Date.now() - started >= longest, 'the node waited for the longest delay');
			const [gaveUp, blocked] = result.output('Limiter', 'Give Up');
			assert.equal(blocked.json.id, 'blocked');
			assert.equal(
				field(blocked).reason,
				'attemptNotRecorded',
				'an attempt that cannot be counted never loops for ever',
			);
			assert.equal(gaveUp.json.id, 'last');
			assert.deepEqual(
				gaveUp.json.error,
				{ message: '503' },
				'Give Up keeps the error for the Dead Letter node',
			);
			assert.equal(field(gaveUp).reason, 'maxAttempts');
			assertEachInputLeavesOnce(result, 'Limiter');
			assert.deepEqual(
				(result.output('Source', 0)[1].json._retry as IDataObject).attempt,
				2,
				'the input is never changed',
			);
		});

		test("honours the vendor's Retry-After and reset headers on the item's error, and gives up past Max Server Wait", async () => {
			const started = Date.now();
			const result = await runLimiter(
				{ operation: 'backoff', baseDelay: 0, maxDelay: 0, backoffOptions: { maxServerWait: 5 } },
				[
					{ id: 'after', error: { response: { status: 429, headers: { 'Retry-After': '1' } } } },
					{
						id: 'reset',
						error: {
							response: {
								headers: {
									'x-ratelimit-limit': '50',
									'x-ratelimit-remaining': '0',
									'x-ratelimit-reset': '1',
								},
							},
						},
					},
					{ id: 'tooLong', error: { response: { headers: { 'retry-after': '3600' } } } },
				],
			);
			const retry = result.output('Limiter', 'Retry');
			assert.deepEqual(
				retry.map((item) => field(item).delaySource),
				['server', 'server'],
			);
			assert.ok(retry.every((item) => (field(item).delayMs as number) >= 990));
			assert.ok(Date.now() - started >= 990);
			assert.deepEqual(field(retry[1]).observed, {
				limit: 50,
				remaining: 0,
				resetAt: (field(retry[1]).observed as IDataObject).resetAt,
			});
			const [tooLong] = result.output('Limiter', 'Give Up');
			assert.equal(tooLong.json.id, 'tooLong');
			assert.equal(field(tooLong).reason, 'retryAfterTooLong');
		});

		test('removes a nested Error Field from Retry items, and refuses __proto__ as the Output Field', async () => {
			const result = await runLimiter(
				{
					operation: 'backoff',
					baseDelay: 0,
					maxDelay: 0,
					backoffOptions: { errorField: 'response.error', removeError: true },
				},
				[
					{
						id: 'nested',
						response: { error: { message: 'Too Many Requests', httpCode: '429' }, kept: true },
					},
				],
			);
			const [retried] = result.output('Limiter', 'Retry');
			assert.deepEqual(
				retried.json.response,
				{ kept: true },
				'the nested error is gone, its siblings kept',
			);
			await assertFailsNaming(
				{ operation: 'backoff', options: { outputField: '__proto__' } },
				/Output Field cannot be "__proto__"/,
			);
		});

		test('builds a visible retry loop with a vendor node: every item ends synced or given up', async () => {
			const workflow = buildWorkflow(
				[
					{
						name: 'Source',
						type: TEST_SOURCE,
						parameters: {
							items: JSON.stringify([
								{ id: 1, failUntil: 0 },
								{ id: 2, failUntil: 3 },
								{ id: 3, failUntil: 99 },
							]),
						},
					},
					{ name: 'Vendor', type: 'test.flakyVendor', onError: 'continueErrorOutput' },
					{
						name: 'Backoff',
						type: LIMITER,
						parameters: { operation: 'backoff', maxAttempts: 4, baseDelay: 0.01, maxDelay: 0.02 },
					},
					{ name: 'Synced', type: TEST_NOOP },
					{ name: 'Gave Up', type: TEST_NOOP },
				],
				[
					['Source', 'Vendor'],
					['Vendor', 0, 'Synced'],
					['Vendor', 1, 'Backoff'],
					['Backoff', 0, 'Vendor'],
					['Backoff', 1, 'Gave Up'],
				],
			);
			const result = await runWorkflow({
				workflow,
				nodeTypes: { 'test.flakyVendor': FlakyVendor },
			});
			assert.equal(result.status, 'success', result.error?.message);
			const synced = result.nodes.Synced.runs.flatMap((run) =>
				run.outputs[0].map((item) => item.json.id),
			);
			const gaveUp = result.nodes['Gave Up'].runs.flatMap((run) =>
				run.outputs[0].map((item) => item.json.id),
			);
			assert.deepEqual(synced.sort(), [1, 2]);
			assert.deepEqual(gaveUp, [3]);
			assert.equal(result.nodes.Backoff.runs.length, 4, 'three retries and a give-up');
		});

		test('fails on bad configuration, naming the parameter', async () => {
			await assertFailsNaming(
				{ operation: 'backoff', baseDelay: 10, maxDelay: 1 },
				/Max Delay \(Seconds\) is out of range: 1/,
			);
			await assertFailsNaming({ operation: 'backoff', attemptField: '' }, /Attempt Field/);
			await assertFailsNaming(
				{ operation: 'backoff', attemptField: '__proto__.attempt' },
				/Attempt Field is empty or not a plain field path/,
			);
			await assertFailsNaming(
				{ operation: 'backoff', maxAttempts: 0 },
				/Max Attempts is out of range/,
			);
		});
	});

	describe('Quota', () => {
		test('counts use and alerts once per window per threshold, paired with the item that crossed it', async () => {
			const name = fresh('quota');
			const parameters = {
				operation: 'quota',
				quotaName: name,
				quota: 10,
				period: 'day',
				timeZone: 'Europe/Berlin',
				thresholds: '50, 90',
				usePerItem: '={{ $json.uses }}',
			};
			quotaClock.current = { now: () => Date.parse('2026-11-27T22:30:00Z') }; // 23:30 in Berlin
			const first = await runLimiter(parameters, [{ uses: 2 }, { uses: 3 }, { uses: 1 }]);
			assert.equal(first.status, 'success', first.error?.message);
			assert.deepEqual(first.nodes.Limiter.outputNames, ['Continue', 'Alert']);
			assert.deepEqual(
				first.output('Limiter', 'Continue').map((item) => field(item).usage),
				[2, 5, 6],
			);
			const [alert] = first.output('Limiter', 'Alert');
			assert.equal(alert.json.threshold, 50);
			assert.equal(alert.json.usage, 5);
			assert.deepEqual(alert.pairedItem, { item: 1 });
			assert.equal((alert.json.window as IDataObject).id, '2026-11-27');
			assertPairing(first, ['Limiter']);

			const second = await runLimiter(parameters, [{ uses: 4 }]);
			assert.deepEqual(
				second.output('Limiter', 'Alert').map((item) => item.json.threshold),
				[90],
			);
			const third = await runLimiter(parameters, [{ uses: 5 }]);
			assert.deepEqual(
				third.output('Limiter', 'Alert'),
				[],
				'each threshold alerts once per window',
			);
			assert.equal(field(third.output('Limiter', 'Continue')[0]).percent, 150);

			// Midnight in Berlin: a new window, counted from zero.
			quotaClock.current = { now: () => Date.parse('2026-11-27T23:30:00Z') };
			const nextDay = await runLimiter(parameters, [{ uses: 5 }]);
			assert.equal(field(nextDay.output('Limiter', 'Continue')[0]).usage, 5);
			assert.deepEqual(
				nextDay.output('Limiter', 'Alert').map((item) => (item.json.window as IDataObject).id),
				['2026-11-28'],
			);
		});

		test('counts in Redis and Postgres too, across executions', async () => {
			const redisConfig = redis.config() as { host: string; port: number; keyPrefix: string };
			const postgresConfig = postgres.config() as {
				host: string;
				port: number;
				database: string;
				user: string;
				schema: string;
				tablePrefix: string;
			};
			const backends: Array<[string, string, Record<string, string | number>]> = [
				[
					'redis',
					'integrationGuardsRedisApi',
					{ host: redisConfig.host, port: redisConfig.port, keyPrefix: redisConfig.keyPrefix },
				],
				[
					'postgres',
					'integrationGuardsPostgresApi',
					{
						host: postgresConfig.host,
						port: postgresConfig.port,
						database: postgresConfig.database,
						user: postgresConfig.user,
						schema: postgresConfig.schema,
						tablePrefix: postgresConfig.tablePrefix,
					},
				],
			];
			await Promise.all([redis.check(), postgres.check()]);
			for (const [store, credential, data] of backends) {
				const parameters = {
					operation: 'quota',
					store,
					quotaName: fresh('shared'),
					quota: 4,
					period: 'day',
					thresholds: '50',
				};
				const extra = { credentials: { [credential]: { id: '1', name: store } } };
				const first = await runLimiter(parameters, [{ n: 1 }], extra, { [credential]: data });
				assert.equal(first.status, 'success', `${store}: ${first.error?.message}`);
				const second = await runLimiter(parameters, [{ n: 2 }], extra, { [credential]: data });
				assert.equal(field(second.output('Limiter', 'Continue')[0]).usage, 2, store);
				assert.deepEqual(
					second.output('Limiter', 'Alert').map((item) => item.json.threshold),
					[50],
					store,
				);
			}
		});

		test('two racing executions alert once between them', async () => {
			const name = fresh('race');
			const parameters = {
				operation: 'quota',
				quotaName: name,
				quota: 100,
				period: 'month',
				thresholds: '75',
			};
			const runs = await Promise.all(
				Array.from({ length: 4 }, () => runLimiter(parameters, numbered(25))),
			);
			assert.equal(
				runs.reduce((sum, run) => sum + run.output('Limiter', 'Alert').length, 0),
				1,
			);
		});

		test('sends an item with a bad use to the error output, and fails on bad configuration naming the parameter', async () => {
			const result = await runLimiter(
				{ operation: 'quota', quotaName: fresh('bad'), usePerItem: '={{ $json.uses }}' },
				[{ uses: 1 }, { uses: -2 }],
				{ onError: 'continueErrorOutput' },
			);
			assert.equal(result.output('Limiter', 'Continue').length, 1);
			assert.match(
				String(result.output('Limiter', 'Error')[0].json.error),
				/Use per Item of item 1/,
			);
			await assertFailsNaming(
				{ operation: 'quota', quotaName: 'q', timeZone: 'Mars/Base' },
				/Time Zone is not valid/,
			);
			await assertFailsNaming(
				{ operation: 'quota', quotaName: 'q', thresholds: 'most' },
				/Alert Thresholds \(%\) is not valid/,
			);
			await assertFailsNaming({ operation: 'quota', quotaName: '' }, /Quota Name/);
			await assertFailsNaming(
				{ operation: 'quota', quotaName: 'q', quota: 0 },
				/Quota is out of range/,
			);
		});
	});
});
