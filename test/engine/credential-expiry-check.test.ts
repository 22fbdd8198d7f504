/**
 * Credential Expiry Check through the real n8n engine (in process), every source:
 * - this n8n's credentials through a stand-in of n8n's public API (paged list, live
 *   tests that pass, fail or are unavailable, a rotation policy, the API key's own
 *   expiry), and the clear degradation on a version without the endpoints;
 * - the expiry register, in the node and from input items (hostile ones included);
 * - TLS certificates of loopback servers (a 5-day self-signed certificate, a closed
 *   port, a server that does not speak TLS);
 * - tokens: JWT expiry and expiry headers, the token never in the output;
 * - alert memory on the embedded store, the .ics calendar parsed back.
 * Every output and every pairing is asserted.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INode, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { Client } from 'pg';

import { asAlertMark } from '../../nodes/shared/core/expiry';
import { embeddedStoreFile } from '../../nodes/shared/n8n/store';
import { closeAllStores } from '../../nodes/shared/stores/factory';
import { SqliteStore } from '../../nodes/shared/stores/sqlite';
import { DAY_MS as DAY } from '../../nodes/shared/core/time';
import {
	closedPort,
	startPlainTcpServer,
	startTlsServer,
	type TestTlsServer,
} from '../support/tls';
import { parseCalendar, prop, unescapeText } from '../unit/expiry/ics-parser';
import { RUN_ID } from '../support/stores';
import { withEmbeddedStoreBlocked } from '../support/store-outage';
import {
	assertPairing,
	buildWorkflow,
	runWorkflow,
	startEngine,
	stopEngine,
	storagePathFor,
	type CredentialFixtures,
	type EngineResult,
} from './harness';

const CHECK = 'n8n-nodes-integration-guards.credentialExpiryCheck';
const OUTPUTS = ['OK', 'Attention', 'Expired or Failing'];
/** The alert memory's tables on the shared Postgres live in a schema of their own, dropped afterwards. */
const PG_SCHEMA = `expiry_engine_${RUN_ID}`;
let scopeCounter = 0;
const freshScope = () => `engine-expiry-${process.pid}-${Date.now()}-${++scopeCounter}`;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const makeJwt = (payload: IDataObject) =>
	`${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.c2lnbmF0dXJlLXNlY3JldA`;
const seconds = (ms: number) => Math.floor(ms / 1000);

/* ------------------------------------------------- n8n public API stand-in */

interface StandInCredential {
	id: string;
	name: string;
	type: string;
	updatedDaysAgo: number;
	test: { status: 'OK' | 'Error'; message: string };
}

const NOW = Date.now();
const API_KEY = makeJwt({
	sub: 'owner',
	iss: 'n8n',
	aud: 'public-api',
	iat: seconds(NOW - 80 * DAY),
	exp: seconds(NOW + 10 * DAY),
});
const CREDENTIALS: StandInCredential[] = [
	{
		id: 'c1',
		name: 'Stripe live',
		type: 'stripeApi',
		updatedDaysAgo: 100,
		test: { status: 'OK', message: 'Connection successful!' },
	},
	{
		id: 'c2',
		name: 'Slack bot',
		type: 'slackApi',
		updatedDaysAgo: 10,
		test: { status: 'OK', message: 'Connection successful!' },
	},
	{
		id: 'c3',
		name: 'Broken SMTP',
		type: 'smtp',
		updatedDaysAgo: 5,
		test: { status: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:2525' },
	},
	{
		id: 'c4',
		name: 'Custom header auth',
		type: 'httpHeaderAuth',
		updatedDaysAgo: 85,
		test: { status: 'Error', message: 'No testing function found for this credential.' },
	},
	{
		id: 'c5',
		name: 'Old Postgres',
		type: 'postgres',
		updatedDaysAgo: 20,
		test: { status: 'OK', message: 'Connection successful!' },
	},
];

interface ApiStandIn {
	url: string;
	/** redirect: every request answers 302 to `redirectTo`. */
	mode: 'current' | 'old' | 'editor' | 'redirect';
	redirectTo: string;
	/**
	 * How the credential test answers. racy: as n8n's tester did, "Node not found" for a
	 * test that starts while another is running (each takes 40 ms); nodeNotFound: always;
	 * nodeNotFoundOnce: the first test of each credential; unverified: n8n's own verdict
	 * that it could not verify.
	 */
	tests: 'normal' | 'racy' | 'nodeNotFound' | 'nodeNotFoundOnce' | 'unverified';
	/** Most tests running at once, and tests per credential id, since the last reset. */
	maxInFlight: number;
	testCalls: Map<string, number>;
	requests: Array<{ method: string; path: string; key: string | undefined }>;
	close(): Promise<void>;
}

async function startApiStandIn(): Promise<ApiStandIn> {
	const state: ApiStandIn = {
		url: '',
		mode: 'current',
		redirectTo: '',
		tests: 'normal',
		maxInFlight: 0,
		testCalls: new Map(),
		requests: [],
		close: async () => undefined,
	};
	let inFlight = 0;
	const reply = (response: ServerResponse, status: number, body: unknown) => {
		response.writeHead(status, { 'content-type': 'application/json' });
		response.end(JSON.stringify(body));
	};
	const server: Server = createServer((request: IncomingMessage, response) => {
		const url = new URL(request.url ?? '/', 'http://127.0.0.1');
		const key = request.headers['x-n8n-api-key'] as string | undefined;
		state.requests.push({ method: request.method ?? '', path: url.pathname + url.search, key });
		request.resume();
		if (state.mode === 'old') return reply(response, 404, { message: 'not found' });
		if (state.mode === 'redirect') {
			response.writeHead(302, { location: `${state.redirectTo}${url.pathname}${url.search}` });
			return response.end();
		}
		if (state.mode === 'editor') {
			response.writeHead(200, { 'content-type': 'text/html' });
			return response.end('<!doctype html><title>n8n.io - Workflow Automation</title>');
		}
		if (key !== API_KEY)
			return reply(response, 401, { message: "'X-N8N-API-KEY' header required" });
		if (request.method === 'GET' && url.pathname === '/api/v1/credentials') {
			// Pages of two, to prove the cursor is followed.
			const offset = Number(url.searchParams.get('cursor') ?? 0);
			const page = CREDENTIALS.slice(offset, offset + 2).map((credential) => ({
				id: credential.id,
				name: credential.name,
				type: credential.type,
				createdAt: new Date(NOW - 400 * DAY).toISOString(),
				updatedAt: new Date(NOW - credential.updatedDaysAgo * DAY).toISOString(),
				shared: [
					{
						id: 'p1',
						name: 'Ada Lovelace <ada@example.com>',
						role: 'credential:owner',
						createdAt: '2025-01-01T00:00:00.000Z',
						updatedAt: '2025-01-01T00:00:00.000Z',
					},
				],
			}));
			return reply(response, 200, {
				data: page,
				nextCursor: offset + 2 < CREDENTIALS.length ? String(offset + 2) : null,
			});
		}
		const test = /^\/api\/v1\/credentials\/([^/]+)\/test$/.exec(url.pathname);
		if (request.method === 'POST' && test) {
			const credential = CREDENTIALS.find((entry) => entry.id === test[1]);
			if (!credential) return reply(response, 404, { message: 'Credential not found' });
			const calls = (state.testCalls.get(credential.id) ?? 0) + 1;
			state.testCalls.set(credential.id, calls);
			const overlapping = inFlight > 0;
			inFlight++;
			state.maxInFlight = Math.max(state.maxInFlight, inFlight);
			const nodeNotFound =
				state.tests === 'nodeNotFound' ||
				(state.tests === 'nodeNotFoundOnce' && calls === 1) ||
				(state.tests === 'racy' && overlapping);
			const answer =
				state.tests === 'unverified'
					? {
							status: 'Error',
							message: 'Could not reach the test URL to verify the credential.',
							outcome: 'unverified',
						}
					: nodeNotFound
						? { status: 'Error', message: 'Node not found' }
						: credential.test;
			setTimeout(() => {
				inFlight--;
				reply(response, 200, answer);
			}, 40);
			return;
		}
		return reply(response, 404, { message: 'not found' });
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	state.close = () => new Promise((resolve) => server.close(() => resolve()));
	return state;
}

/* ------------------------------------------------------------------ Runs */

interface RunSpec {
	parameters: INodeParameters;
	items?: IDataObject[];
	apiUrl?: string;
	apiKey?: string;
	/** Store credentials (by type) for alert memory on Redis or Postgres. */
	stores?: CredentialFixtures;
	onError?: INode['onError'];
}

const STORE_FIXTURES: CredentialFixtures = {
	integrationGuardsRedisApi: {
		host: '127.0.0.1',
		port: 6379,
		database: 0,
		keyPrefix: `engine-expiry-${RUN_ID}:`,
	},
	integrationGuardsPostgresApi: {
		host: '127.0.0.1',
		port: 5432,
		database: 'test',
		user: 'postgres',
		ssl: 'disable',
		schema: PG_SCHEMA,
	},
};

async function run({
	parameters,
	items = [{}],
	apiUrl = 'http://127.0.0.1:1',
	apiKey = API_KEY,
	stores = {},
	onError,
}: RunSpec): Promise<EngineResult> {
	const workflow = buildWorkflow(
		[
			{
				name: 'Check',
				type: CHECK,
				parameters: { alertMemory: false, ...parameters },
				...(onError ? { onError } : {}),
				credentials: {
					integrationGuardsN8nApi: { id: '1', name: 'This n8n' },
					integrationGuardsRedisApi: { id: '2', name: 'Redis' },
					integrationGuardsPostgresApi: { id: '3', name: 'Postgres' },
				},
			},
		],
		[],
	);
	return await runWorkflow({
		workflow,
		startItems: items.map((json) => ({ json })),
		credentials: { integrationGuardsN8nApi: { baseUrl: `${apiUrl}/api/v1/`, apiKey }, ...stores },
	});
}

function byName(result: EngineResult): Map<string, { output: string; item: INodeExecutionData }> {
	const found = new Map<string, { output: string; item: INodeExecutionData }>();
	for (const output of OUTPUTS)
		for (const item of result.output('Check', output))
			found.set(String(item.json.name), { output, item });
	return found;
}

function everything(result: EngineResult): INodeExecutionData[] {
	return OUTPUTS.flatMap((output) => result.output('Check', output));
}

describe('Credential Expiry Check in the n8n engine', () => {
	let api: ApiStandIn;
	let tls: TestTlsServer;
	let plain: { port: number; close(): Promise<void> };

	before(async () => {
		await startEngine();
		[api, tls, plain] = await Promise.all([
			startApiStandIn(),
			startTlsServer(5),
			startPlainTcpServer(),
		]);
	});
	after(async () => {
		await Promise.all([api?.close(), tls?.close(), plain?.close()]);
		await closeAllStores();
		const sql = new Client({ host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' });
		await sql.connect();
		await sql.query(`DROP SCHEMA IF EXISTS "${PG_SCHEMA}" CASCADE`).finally(() => sql.end());
		await stopEngine();
	});

	test("this n8n's credentials: live tests, a rotation policy, the API key's own expiry, pages followed", async () => {
		api.mode = 'current';
		api.requests.length = 0;
		const result = await run({
			apiUrl: api.url,
			parameters: { sources: ['n8nCredentials'], testCredentials: true, rotationDays: 90 },
		});
		assert.equal(result.status, 'success', result.error?.message);
		assert.deepEqual(result.nodes.Check.outputNames, OUTPUTS);
		const found = byName(result);
		assert.equal(found.size, CREDENTIALS.length + 1);

		const stripe = found.get('Stripe live');
		assert.equal(stripe?.output, 'Expired or Failing');
		assert.equal(stripe?.item.json.status, 'expired');
		assert.match(
			String(stripe?.item.json.reason),
			/Test passed.*Not rotated for 100 days \(policy: 90\)/,
		);
		assert.equal(stripe?.item.json.owner, 'Ada Lovelace <ada@example.com>');
		assert.equal(stripe?.item.json.renewalLink, `${api.url}/home/credentials/c1`);
		assert.deepEqual(
			{ ...(stripe?.item.json.details as IDataObject), createdAt: undefined, updatedAt: undefined },
			{
				id: 'c1',
				type: 'stripeApi',
				createdAt: undefined,
				updatedAt: undefined,
				daysSinceUpdate: 100,
				test: 'passed',
			},
		);

		assert.equal(found.get('Slack bot')?.output, 'OK');
		assert.equal(found.get('Slack bot')?.item.json.status, 'ok');
		assert.equal(found.get('Slack bot')?.item.json.daysLeft, 80);
		assert.equal(found.get('Old Postgres')?.item.json.status, 'ok');

		const smtp = found.get('Broken SMTP');
		assert.equal(smtp?.output, 'Expired or Failing');
		assert.equal(smtp?.item.json.status, 'failing');
		assert.match(String(smtp?.item.json.reason), /^Test failed: connect ECONNREFUSED/);

		// No test for the type says nothing about the credential: the rotation policy decides.
		const custom = found.get('Custom header auth');
		assert.equal(custom?.output, 'Attention');
		assert.equal(custom?.item.json.status, 'due soon');
		assert.equal((custom?.item.json.details as IDataObject).test, 'unavailable');

		const key = found.get('n8n API key (this check)');
		assert.equal(key?.output, 'Attention');
		assert.equal(key?.item.json.status, 'due soon');
		assert.equal(key?.item.json.daysLeft, 10);

		// Paged: 3 list calls (2 + 2 + 1), one test per credential, the key in every request header.
		assert.equal(api.requests.filter((request) => request.method === 'GET').length, 3);
		assert.equal(
			api.requests.filter((request) => request.method === 'POST').length,
			CREDENTIALS.length,
		);
		assert.ok(api.requests.every((request) => request.key === API_KEY));
		assert.equal(
			JSON.stringify(everything(result)).includes(API_KEY.split('.')[1]),
			false,
			'the API key is never output',
		);
		for (const item of everything(result)) assert.deepEqual(item.pairedItem, { item: 0 });
		assertPairing(result);
	});

	describe("n8n's credential tester (issue 14, finding 14) and redirects (finding 9)", () => {
		const resetTests = (mode: ApiStandIn['tests']) => {
			api.mode = 'current';
			api.tests = mode;
			api.maxInFlight = 0;
			api.testCalls.clear();
		};
		after(() => resetTests('normal'));

		test('tests one credential at a time: a tester that fails overlapping tests ("Node not found") raises no false failure', async () => {
			resetTests('racy');
			const failing: string[] = [];
			for (let round = 0; round < 3; round++) {
				const result = await run({
					apiUrl: api.url,
					parameters: { sources: ['n8nCredentials'], testCredentials: true },
				});
				assert.equal(result.status, 'success', result.error?.message);
				for (const item of result.output('Check', 'Expired or Failing'))
					failing.push(String(item.json.name));
				assert.equal(
					everything(result).some((item) => /Node not found/.test(String(item.json.reason))),
					false,
					'no test overlapped',
				);
			}
			console.log(
				`racy tester: at most ${api.maxInFlight} test(s) at once; failing over 3 runs: ${JSON.stringify(failing)}`,
			);
			assert.equal(api.maxInFlight, 1, 'one test at a time');
			assert.deepEqual(
				[...new Set(failing)],
				['Broken SMTP'],
				'only the credential whose own test fails',
			);
		});

		test('"Node not found" is tried once more; when it stays, the credential is unknown with the reason, never failing', async () => {
			resetTests('nodeNotFoundOnce');
			const once = byName(
				await run({
					apiUrl: api.url,
					parameters: { sources: ['n8nCredentials'], testCredentials: true },
				}),
			);
			assert.equal(once.get('Slack bot')?.output, 'OK', 'the second try passed');
			assert.equal(
				once.get('Broken SMTP')?.item.json.status,
				'failing',
				'a real failure stays a failure',
			);
			assert.ok(
				[...api.testCalls.values()].every((calls) => calls === 2),
				'each tried twice',
			);

			resetTests('nodeNotFound');
			const stuck = await run({
				apiUrl: api.url,
				parameters: { sources: ['n8nCredentials'], testCredentials: true },
			});
			assert.deepEqual(
				stuck.output('Check', 'Expired or Failing'),
				[],
				'nothing is reported failing',
			);
			const slack = byName(stuck).get('Slack bot');
			assert.equal(slack?.output, 'Attention');
			assert.equal(slack?.item.json.status, 'unknown');
			assert.match(
				String(slack?.item.json.reason),
				/Not tested: n8n's credential tester could not test it \(its own error, not the credential's\): Node not found/,
			);
			assert.equal((slack?.item.json.details as IDataObject).test, 'unavailable');
			assert.ok(
				[...api.testCalls.values()].every((calls) => calls === 2),
				'retried once, not more',
			);
		});

		test('a result n8n flags as unverified is unknown, not failing', async () => {
			resetTests('unverified');
			const result = await run({
				apiUrl: api.url,
				parameters: { sources: ['n8nCredentials'], testCredentials: true },
			});
			assert.deepEqual(result.output('Check', 'Expired or Failing'), []);
			assert.match(
				String(byName(result).get('Slack bot')?.item.json.reason),
				/its own error.*Could not reach the test URL/,
			);
		});

		test('the n8n API client follows no redirect: the API key never reaches another origin', async () => {
			const other = await startApiStandIn();
			try {
				resetTests('normal');
				api.mode = 'redirect';
				api.redirectTo = other.url;
				const result = await run({
					apiUrl: api.url,
					parameters: { sources: ['n8nCredentials'], testCredentials: true },
				});
				assert.equal(result.status, 'success', result.error?.message);
				assert.deepEqual(other.requests, [], 'nothing was sent to the other origin');
				const found = result
					.output('Check', 'Attention')
					.find((item) => item.json.name === 'n8n API');
				assert.equal(found?.json.status, 'unknown');
				assert.match(
					String(found?.json.reason),
					new RegExp(
						`HTTP 302, a redirect to ${other.url.replace(/\./g, '\\.')}\\. The n8n API client follows no redirects`,
					),
				);
			} finally {
				api.mode = 'current';
				await other.close();
			}
		});
	});

	test('without tests or rotation every credential is unknown, and says why', async () => {
		api.mode = 'current';
		const result = await run({
			apiUrl: api.url,
			parameters: {
				sources: ['n8nCredentials'],
				testCredentials: false,
				rotationDays: 0,
				credentialTypes: 'smtp, slackApi',
			},
		});
		assert.equal(result.status, 'success', result.error?.message);
		const attention = result.output('Check', 'Attention');
		assert.deepEqual(attention.map((item) => item.json.name).sort(), [
			'Broken SMTP',
			'Slack bot',
			'n8n API key (this check)',
		]);
		for (const item of attention.filter(
			(entry) => entry.json.name !== 'n8n API key (this check)',
		)) {
			assert.equal(item.json.status, 'unknown');
			assert.match(String(item.json.reason), /Neither a live test nor a rotation policy/);
		}
	});

	test('a version without the public credential endpoints degrades to one clear unknown', async () => {
		api.mode = 'old';
		const oldKey = 'n8n_api_0123456789abcdef'; // pre-JWT keys carry no expiry
		const result = await run({
			apiUrl: api.url,
			apiKey: oldKey,
			parameters: { sources: ['n8nCredentials'] },
		});
		assert.equal(result.status, 'success', result.error?.message);
		const attention = result.output('Check', 'Attention');
		assert.equal(attention.length, 1);
		assert.equal(attention[0].json.name, 'n8n API');
		assert.equal(attention[0].json.status, 'unknown');
		assert.match(
			String(attention[0].json.reason),
			/does not offer GET \/api\/v1\/credentials.*HTTP 404/,
		);
		assert.equal(JSON.stringify(attention).includes(oldKey), false);
	});

	test('an address that answers with a web page instead of the API is unknown, with what to check', async () => {
		api.mode = 'editor';
		const result = await run({ apiUrl: api.url, parameters: { sources: ['n8nCredentials'] } });
		const found = result.output('Check', 'Attention').find((item) => item.json.name === 'n8n API');
		assert.equal(found?.json.status, 'unknown');
		assert.match(
			String(found?.json.reason),
			/did not answer with n8n's credential list \(HTTP 200\)\. Check the Instance URL and that the public API is enabled/,
		);
		api.mode = 'current';
	});

	test('a refused API key and an unreachable instance route to Expired or Failing', async () => {
		api.mode = 'current';
		const refused = await run({
			apiUrl: api.url,
			apiKey: 'wrong-key',
			parameters: { sources: ['n8nCredentials'] },
		});
		const [item] = refused.output('Check', 'Expired or Failing');
		assert.equal(item.json.status, 'failing');
		assert.match(String(item.json.reason), /HTTP 401.*scopes credential:list and credential:read/);
		assert.equal(JSON.stringify(item.json).includes('wrong-key'), false);

		const port = await closedPort();
		const unreachable = await run({
			apiUrl: `http://127.0.0.1:${port}`,
			parameters: { sources: ['n8nCredentials'] },
		});
		const [down] = unreachable.output('Check', 'Expired or Failing');
		assert.match(String(down.json.reason), /could not be reached.*ECONNREFUSED/);
	});

	test('the n8n API client has a hard deadline and reads at most 16 MiB: a trickling or endless answer cannot hold the check', async () => {
		// A server trickling a byte every 200 ms (a socket-idle timeout never fires), and one sending without end; both bounded.
		const writes: Record<string, number> = { trickle: 0, endless: 0 };
		const server = createServer((request, response) => {
			const endless = request.url?.startsWith('/endless') === true;
			response.writeHead(200, { 'content-type': 'application/json' });
			const chunk = endless ? Buffer.alloc(1024 * 1024, 32) : Buffer.from(' ');
			const timer = setInterval(
				() => {
					writes[endless ? 'endless' : 'trickle']++;
					if (writes.trickle + writes.endless > 400 || response.destroyed) {
						clearInterval(timer);
						response.end();
					} else response.write(chunk);
				},
				endless ? 5 : 200,
			);
			response.on('close', () => clearInterval(timer));
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const { port } = server.address() as AddressInfo;
		try {
			let started = Date.now();
			const trickled = await run({
				apiUrl: `http://127.0.0.1:${port}/trickle`,
				parameters: { sources: ['n8nCredentials'], options: { timeoutSeconds: 1 } },
			});
			const trickleMs = Date.now() - started;
			const [late] = trickled.output('Check', 'Expired or Failing');
			assert.match(
				String(late?.json.reason),
				/could not be reached: No complete answer within the Timeout \(1 s\)/,
			);
			assert.ok(trickleMs < 5_000, `the check took ${trickleMs} ms against a 1 s deadline`);

			started = Date.now();
			const flooded = await run({
				apiUrl: `http://127.0.0.1:${port}/endless`,
				parameters: { sources: ['n8nCredentials'] },
			});
			const [big] = flooded.output('Check', 'Expired or Failing');
			assert.match(String(big?.json.reason), /larger than 16 MiB/);
			assert.ok(
				writes.endless < 40,
				`the read stopped near the cap: ${writes.endless} MiB were written`,
			);
			console.log(
				`[cec] trickle: answered in ${trickleMs} ms (deadline 1 s, ${writes.trickle} bytes sent); endless: stopped after ${writes.endless} MiB written, in ${Date.now() - started} ms`,
			);
		} finally {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	});

	test('the register in the node: status, days left, renewal and reminder dates', async () => {
		const result = await run({
			parameters: {
				sources: ['register'],
				registerSource: 'parameter',
				register: {
					entries: [
						{
							name: 'Xero refresh token',
							expiresAt: new Date(NOW + 40 * DAY).toISOString(),
							owner: 'finance-ops@example.com',
							renewalLink: 'https://developer.xero.com/app/manage',
						},
						{ name: 'HubSpot private app', expiresAt: new Date(NOW + 2 * DAY).toISOString() },
						{ name: 'Contract: Twilio', expiresAt: new Date(NOW - 3 * DAY).toISOString() },
						{
							name: 'Let’s Encrypt style',
							expiresAt: new Date(NOW + 25 * DAY).toISOString(),
							issuedAt: new Date(NOW - 65 * DAY).toISOString(),
						},
						{ name: 'No date yet', expiresAt: '' },
					],
				},
				options: { timeZone: 'Europe/Berlin', leadDays: 7 },
			},
		});
		assert.equal(result.status, 'success', result.error?.message);
		const found = byName(result);
		assert.deepEqual(
			[...found].map(([name, { output, item }]) => [name, output, item.json.status]),
			[
				['Xero refresh token', 'OK', 'ok'],
				['HubSpot private app', 'Attention', 'critical'],
				['Let’s Encrypt style', 'Attention', 'due soon'],
				['No date yet', 'Attention', 'unknown'],
				['Contract: Twilio', 'Expired or Failing', 'expired'],
			],
		);
		const xero = found.get('Xero refresh token')?.item.json ?? {};
		assert.equal(xero.daysLeft, 40);
		assert.equal(xero.owner, 'finance-ops@example.com');
		const renewBy = new Date(`${String(xero.renewBy)}T12:00:00Z`);
		const remindOn = new Date(`${String(xero.remindOn)}T12:00:00Z`);
		assert.ok(renewBy.getUTCDay() >= 1 && renewBy.getUTCDay() <= 5, 'renewal on a working day');
		assert.ok(remindOn.getUTCDay() >= 1 && remindOn.getUTCDay() <= 5, 'reminder on a working day');
		assert.ok(
			remindOn.getTime() <= renewBy.getTime() - 7 * DAY &&
				remindOn.getTime() >= renewBy.getTime() - 9 * DAY,
		);
		assert.equal(xero.reminderDue, false);
		assert.equal(found.get('HubSpot private app')?.item.json.reminderDue, true);
		assert.match(String(found.get('Let’s Encrypt style')?.item.json.reason), /67% of its lifetime/);
		assert.match(String(found.get('No date yet')?.item.json.reason), /expiry date is empty/);
	});

	test('the register from input items: one item per input, paired, hostile items reported not thrown', async () => {
		const items: IDataObject[] = [
			{ credential: 'Salesforce JWT cert', expires: '2020-01-01', who: 'crm-team' },
			{ credential: 'Google service account', expires: Math.floor((NOW + 100 * DAY) / 1000) },
			{ credential: 'Wrong type', expires: { at: 'tomorrow' } },
			{ credential: 'Ambiguous', expires: '03/04/2031' },
			JSON.parse('{"__proto__":{"expires":"2099-01-01"},"credential":"Prototype"}') as IDataObject,
			{ expires: new Date(NOW + 5 * DAY).toISOString() },
		];
		const result = await run({
			items,
			parameters: {
				sources: ['register'],
				registerSource: 'input',
				nameField: 'credential',
				expiresField: 'expires',
				ownerField: 'who',
			},
		});
		assert.equal(result.status, 'success', result.error?.message);
		const all = everything(result);
		assert.equal(all.length, items.length);
		const byIndex = new Map(
			all.map((item) => [(item.pairedItem as { item: number }).item, item.json]),
		);
		assert.deepEqual([...byIndex.keys()].sort(), [0, 1, 2, 3, 4, 5]);
		assert.equal(byIndex.get(0)?.status, 'expired');
		assert.equal(byIndex.get(0)?.owner, 'crm-team');
		assert.equal(byIndex.get(1)?.status, 'ok');
		assert.equal(byIndex.get(2)?.status, 'unknown');
		assert.equal(byIndex.get(3)?.status, 'unknown');
		assert.match(String(byIndex.get(3)?.reason), /ambiguous|day and month/i);
		assert.equal(byIndex.get(4)?.status, 'unknown', 'an expiry hidden in __proto__ is not read');
		assert.equal(byIndex.get(5)?.name, 'Item 6');
		assert.equal(byIndex.get(5)?.status, 'due soon');
		assert.equal(({} as IDataObject).expires, undefined);
		assertPairing(result);
	});

	test('TLS certificates: a 5-day self-signed certificate, a closed port, a server that is not TLS', async () => {
		const port = await closedPort();
		const endpoints = {
			entries: [
				{
					host: '127.0.0.1',
					port: tls.port,
					serverName: 'localhost',
					owner: 'platform',
					renewalLink: 'https://wiki.example/tls',
				},
				{ host: '127.0.0.1', port },
				{ host: '127.0.0.1', port: plain.port },
			],
		};
		const result = await run({
			parameters: { sources: ['tls'], endpoints, options: { tlsTimeoutSeconds: 5 } },
		});
		assert.equal(result.status, 'success', result.error?.message);
		const cert = result
			.output('Check', 'Attention')
			.find((item) => item.json.name === `localhost:${tls.port}`)?.json;
		assert.ok(cert, 'the certificate is on Attention');
		assert.equal(cert.status, 'due soon');
		assert.equal(cert.daysLeft, 5);
		assert.equal(cert.expiresAt, new Date(tls.validTo).toISOString());
		const details = cert.details as IDataObject;
		assert.equal(details.trusted, false);
		assert.match(String(details.trustError), /SELF_SIGNED/);
		assert.match(String(details.issuer), /CN=localhost/);
		assert.deepEqual(details.altNames, ['DNS:localhost', 'IP Address:127.0.0.1']);
		assert.match(String(details.fingerprint256), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

		const closed = result
			.output('Check', 'Attention')
			.find((item) => item.json.name === `127.0.0.1:${port}`)?.json;
		assert.equal(closed?.status, 'unknown');
		assert.match(String(closed?.reason), /Could not connect: ECONNREFUSED/);
		const notTls = result
			.output('Check', 'Expired or Failing')
			.find((item) => item.json.name === `127.0.0.1:${plain.port}`)?.json;
		assert.equal(notTls?.status, 'failing');
		assert.match(String(notTls?.reason), /TLS handshake failed/);

		const strict = await run({
			parameters: {
				sources: ['tls'],
				endpoints: { entries: [endpoints.entries[0]] },
				options: { untrustedFails: true },
			},
		});
		assert.equal(strict.output('Check', 'Expired or Failing')[0]?.json.status, 'failing');
	});

	test('tokens: JWT expiry and expiry headers; the token is never output', async () => {
		const critical = makeJwt({ exp: seconds(NOW + 2 * DAY), iat: seconds(NOW - DAY), sub: 'svc' });
		const expired = makeJwt({ exp: seconds(NOW - DAY) });
		const items: IDataObject[] = [
			{ name: 'Partner API token', token: `Bearer ${critical}` },
			{ name: 'Old token', token: expired },
			{
				name: 'GitHub PAT',
				headers: {
					'GitHub-Authentication-Token-Expiration': new Date(NOW + 9 * DAY)
						.toISOString()
						.replace('T', ' ')
						.replace(/\.\d+Z$/, ' UTC'),
				},
			},
			{ name: 'Garbage', token: 'eyJ.not-a-token.x' },
			{ token: makeJwt({ sub: 'no exp' }) },
		];
		const result = await run({ items, parameters: { sources: ['tokens'] } });
		assert.equal(result.status, 'success', result.error?.message);
		const found = byName(result);
		assert.equal(found.get('Partner API token')?.item.json.status, 'critical');
		assert.equal(
			(found.get('Partner API token')?.item.json.details as IDataObject).expirySource,
			'jwt exp',
		);
		assert.equal(found.get('Old token')?.output, 'Expired or Failing');
		assert.equal(found.get('GitHub PAT')?.item.json.status, 'due soon');
		assert.equal(
			(found.get('GitHub PAT')?.item.json.details as IDataObject).expirySource,
			'header github-authentication-token-expiration',
		);
		assert.equal(found.get('Garbage')?.item.json.status, 'unknown');
		const anonymous = [...found.keys()].find((name) => name.startsWith('token '));
		assert.ok(anonymous, 'a token without a name is named by a short hash');
		assert.match(String(found.get(anonymous)?.item.json.reason), /no exp claim/);
		const text = JSON.stringify(everything(result));
		for (const token of [critical, expired])
			assert.equal(text.includes(token.split('.')[1]), false, 'no token payload in the output');
		assert.equal(text.includes('c2lnbmF0dXJlLXNlY3JldA'), false, 'no signature in the output');
		assertPairing(result);
	});

	test('alert memory: the same credential at the same status alerts once, a new status alerts again', async () => {
		const scope = freshScope();
		const entries = (hubspotDays: number) => ({
			entries: [
				{ name: 'Fine', expiresAt: new Date(NOW + 300 * DAY).toISOString() },
				{ name: 'HubSpot', expiresAt: new Date(NOW + hubspotDays * DAY).toISOString() },
				{ name: 'Twilio', expiresAt: new Date(NOW - DAY).toISOString() },
			],
		});
		const parameters = (hubspotDays: number): INodeParameters => ({
			sources: ['register'],
			register: entries(hubspotDays),
			alertMemory: true,
			store: 'embedded',
			scope,
		});
		const alerts = (result: EngineResult) =>
			Object.fromEntries(
				everything(result).map((item) => [item.json.name, [item.json.status, item.json.alert]]),
			);

		const first = await run({ parameters: parameters(10) });
		assert.equal(first.status, 'success', first.error?.message);
		assert.deepEqual(alerts(first), {
			Fine: ['ok', false],
			HubSpot: ['due soon', true],
			Twilio: ['expired', true],
		});
		const second = await run({ parameters: parameters(10) });
		assert.deepEqual(alerts(second), {
			Fine: ['ok', false],
			HubSpot: ['due soon', false],
			Twilio: ['expired', false],
		});
		assert.ok(second.output('Check', 'Attention')[0].json.lastAlertAt, 'says when it last alerted');
		const worse = await run({ parameters: parameters(1) });
		assert.deepEqual(alerts(worse), {
			Fine: ['ok', false],
			HubSpot: ['critical', true],
			Twilio: ['expired', false],
		});
		// Another scope has its own memory.
		const other = await run({ parameters: { ...parameters(1), scope: freshScope() } });
		assert.deepEqual(alerts(other), {
			Fine: ['ok', false],
			HubSpot: ['critical', true],
			Twilio: ['expired', true],
		});
	});

	test('alert memory records name, kind, expiry date and days left for Guards Status; never the token', async () => {
		const scope = freshScope();
		const named = makeJwt({ exp: seconds(NOW + 2 * DAY), sub: 'svc' });
		const anonymous = makeJwt({ exp: seconds(NOW - DAY) });
		const result = await run({
			items: [{ name: 'Partner API token', token: `Bearer ${named}` }, { token: anonymous }],
			parameters: { sources: ['tokens'], alertMemory: true, store: 'embedded', scope },
		});
		assert.equal(result.status, 'success', result.error?.message);
		const outputs = everything(result).map((item) => item.json);
		const store = new SqliteStore({
			backend: 'sqlite',
			file: embeddedStoreFile(storagePathFor(CHECK)),
		});
		try {
			const page = await store.scan!(`expiry:${scope}`, {
				kind: 'records',
				limit: 100,
				cursor: null,
			});
			// The alert marks, and every credential checked (for Guards Status's list).
			const marks = page.entries
				.filter((entry) => !entry.key.startsWith('checked:'))
				.map((entry) => asAlertMark(entry.value)!);
			assert.equal(marks.length, 2);
			const checked = page.entries.filter((entry) => entry.key.startsWith('checked:'));
			assert.deepEqual(
				checked.map((entry) => (entry.value as { name: string }).name).sort(),
				outputs.map((output) => String(output.name)).sort(),
			);
			for (const output of outputs) {
				const mark = marks.find((m) => m.name === output.name);
				assert.ok(mark, `a record names ${String(output.name)}`);
				assert.deepEqual(
					[mark.kind, mark.status, new Date(mark.expiresAt!).toISOString(), mark.daysLeft],
					['token', output.status, output.expiresAt, output.daysLeft],
				);
			}
			assert.deepEqual(marks.map((m) => m.daysLeft).sort(), [-1, 2]);
			const stored = JSON.stringify(page.entries);
			for (const token of [named, anonymous])
				for (const part of token.split('.'))
					assert.equal(stored.includes(part), false, 'no part of a token in the stored record');
			assert.equal(stored.includes('Bearer'), false);
		} finally {
			await store.close();
		}
	});

	for (const store of ['redis', 'postgres'] as const) {
		test(`alert memory on ${store}: runs racing on the same findings alert exactly once`, async () => {
			const scope = freshScope();
			const parameters: INodeParameters = {
				sources: ['register'],
				register: {
					entries: [
						{ name: 'Expired key', expiresAt: new Date(NOW - DAY).toISOString() },
						{ name: 'Soon', expiresAt: new Date(NOW + 5 * DAY).toISOString() },
					],
				},
				alertMemory: true,
				store,
				scope,
			};
			const runs = await Promise.all(
				Array.from({ length: 4 }, () => run({ parameters, stores: STORE_FIXTURES })),
			);
			for (const result of runs) assert.equal(result.status, 'success', result.error?.message);
			const alertsPerName = new Map<string, number>();
			for (const result of runs) {
				for (const item of everything(result)) {
					if (item.json.alert === true)
						alertsPerName.set(
							String(item.json.name),
							(alertsPerName.get(String(item.json.name)) ?? 0) + 1,
						);
				}
			}
			assert.deepEqual(Object.fromEntries(alertsPerName), { 'Expired key': 1, Soon: 1 });
			const later = await run({ parameters, stores: STORE_FIXTURES });
			assert.deepEqual(
				everything(later).map((item) => item.json.alert),
				[false, false],
			);
		});
	}

	test('an unreachable alert store fails the node, naming the store (fail closed)', async () => {
		const result = await run({
			parameters: {
				sources: ['register'],
				register: { entries: [{ name: 'Expired', expiresAt: new Date(NOW - DAY).toISOString() }] },
				alertMemory: true,
				store: 'redis',
				scope: freshScope(),
			},
			stores: { integrationGuardsRedisApi: { host: '127.0.0.1', port: 1, database: 0 } },
		});
		assert.equal(result.status, 'error');
		assert.match(String(result.error?.message), /Redis at 127\.0\.0\.1:1/);
	});

	for (const store of ['redis', 'embedded'] as const) {
		test(`a store that cannot be reached (${store === 'redis' ? 'Redis at a closed port' : 'an unwritable embedded store'}): every item on the error output, on Attention under regular output, the node fails without Continue (issue 14, finding 1)`, async () => {
			const parameters: INodeParameters = {
				sources: ['register'],
				register: {
					entries: [
						{ name: 'Expired', expiresAt: new Date(NOW - DAY).toISOString() },
						{ name: 'Fine', expiresAt: new Date(NOW + 300 * DAY).toISOString() },
					],
				},
				alertMemory: true,
				store,
				scope: freshScope(),
			};
			const stores = { integrationGuardsRedisApi: { host: '127.0.0.1', port: 1, database: 0 } };
			const go = (onError?: INode['onError']) => {
				const once = () => run({ parameters, items: [{ n: 0 }, { n: 1 }], stores, onError });
				return store === 'embedded' ? withEmbeddedStoreBlocked(once) : once();
			};
			const named = store === 'redis' ? /Redis at 127\.0\.0\.1:1/ : /embedded store|sqlite/i;
			const errorOutput = await go('continueErrorOutput');
			assert.equal(errorOutput.status, 'success', errorOutput.error?.message);
			assert.deepEqual(
				everything(errorOutput),
				[],
				'nothing on OK, Attention or Expired or Failing',
			);
			const errors = errorOutput.output('Check', 'Error');
			// Start items have no parent node for n8n to merge their fields from: the pairing says which is which.
			assert.deepEqual(
				errors.map((item) => item.pairedItem),
				[{ item: 0 }, { item: 1 }],
				'every input item',
			);
			for (const item of errors) assert.match(String(item.json.error), named);

			const regular = await go('continueRegularOutput');
			assert.deepEqual(regular.output('Check', 'OK'), []);
			assert.deepEqual(regular.output('Check', 'Expired or Failing'), []);
			const attention = regular.output('Check', 'Attention');
			assert.deepEqual(
				attention.map((item) => item.json.n),
				[0, 1],
			);
			for (const item of attention) assert.match(String(item.json.error), named);

			const failing = await go();
			assert.equal(failing.status, 'error');
			assert.match(String(failing.error?.message), named);
		});
	}

	test('the calendar: one event per known expiry on every item, parsed back', async () => {
		const result = await run({
			parameters: {
				sources: ['register'],
				register: {
					entries: [
						{
							name: 'Xero, refresh; token',
							expiresAt: new Date(NOW + 40 * DAY).toISOString(),
							renewalLink: 'https://developer.xero.com/app/manage',
							owner: 'Ops',
						},
						{ name: 'Twilio', expiresAt: new Date(NOW - DAY).toISOString() },
						{ name: 'Unknown', expiresAt: 'whenever' },
					],
				},
				options: { attachCalendar: true, calendarProperty: 'ics' },
			},
		});
		assert.equal(result.status, 'success', result.error?.message);
		const items = everything(result);
		assert.equal(items.length, 3);
		for (const item of items) assert.equal(item.binary?.ics?.mimeType, 'text/calendar');
		const calendar = parseCalendar((await result.binary(items[0].binary!.ics)).toString('utf8'));
		const events = calendar.components.filter((component) => component.name === 'VEVENT');
		assert.equal(events.length, 2);
		const xero = events.find(
			(event) => unescapeText(prop(event, 'SUMMARY')?.value ?? '') === 'Renew Xero, refresh; token',
		);
		assert.ok(xero);
		const json = result.output('Check', 'OK')[0].json;
		assert.equal(prop(xero, 'DTSTART')?.value, String(json.renewBy).replace(/-/g, ''));
		assert.equal(prop(xero, 'URL')?.value, 'https://developer.xero.com/app/manage');
		assert.equal(xero.components.filter((component) => component.name === 'VALARM').length, 1);
		assert.match(unescapeText(prop(xero, 'DESCRIPTION')?.value ?? ''), /Owner: Ops/);
		assert.equal(new Set(events.map((event) => prop(event, 'UID')?.value)).size, 2);
	});

	test('daysLeft is whole calendar days, the number the reason says, and what the status goes by (issue 20)', async () => {
		const offsets = [7.3, 6.6, 29.9, 30.2, -5.6, -0.2, 0.2, 1.1, 14.5];
		const result = await run({
			parameters: {
				sources: ['register'],
				register: {
					entries: offsets.map((days) => ({
						name: `in ${days} days`,
						expiresAt: new Date(NOW + days * DAY).toISOString(),
					})),
				},
				options: { timeZone: 'UTC', warningDays: 7, criticalDays: 3 },
			},
		});
		assert.equal(result.status, 'success', result.error?.message);
		const found = byName(result);
		const today = Date.UTC(
			new Date(NOW).getUTCFullYear(),
			new Date(NOW).getUTCMonth(),
			new Date(NOW).getUTCDate(),
		);
		for (const days of offsets) {
			const { item, output } = found.get(`in ${days} days`)!;
			const expires = new Date(NOW + days * DAY);
			const calendarDays =
				(Date.UTC(expires.getUTCFullYear(), expires.getUTCMonth(), expires.getUTCDate()) - today) /
				DAY;
			const { daysLeft, reason, status } = item.json as {
				daysLeft: number;
				reason: string;
				status: string;
			};
			assert.equal(daysLeft, calendarDays, `${days}: whole calendar days (${reason})`);
			const said =
				daysLeft === 0
					? /today/
					: daysLeft === 1
						? /tomorrow/
						: daysLeft > 0
							? new RegExp(`in ${daysLeft} days`)
							: new RegExp(`${-daysLeft} days? ago`);
			assert.match(reason, said, `${days}: the reason says daysLeft ${daysLeft}`);
			// An IF on daysLeft <= 7 agrees with the status.
			const expired = days <= 0;
			assert.equal(
				status,
				expired ? 'expired' : daysLeft <= 3 ? 'critical' : daysLeft <= 7 ? 'due soon' : 'ok',
				`${days}: ${reason}`,
			);
			assert.equal(output, expired ? 'Expired or Failing' : daysLeft <= 7 ? 'Attention' : 'OK');
		}
	});

	test("a credential already inside its reminder lead time alarms at the calendar's creation, not before (issue 20)", async () => {
		const result = await run({
			parameters: {
				sources: ['register'],
				register: {
					entries: [
						{ name: 'Soon', expiresAt: new Date(NOW + 2 * DAY).toISOString() },
						{ name: 'Later', expiresAt: new Date(NOW + 60 * DAY).toISOString() },
					],
				},
				options: { attachCalendar: true, timeZone: 'UTC', leadDays: 7 },
			},
		});
		assert.equal(result.status, 'success', result.error?.message);
		const [first] = everything(result);
		const calendar = parseCalendar((await result.binary(first.binary!.calendar)).toString('utf8'));
		const instant = (value: string) =>
			Date.parse(
				value.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
			);
		for (const event of calendar.components.filter((component) => component.name === 'VEVENT')) {
			const stamp = instant(prop(event, 'DTSTAMP')!.value);
			const [alarm] = event.components.filter((component) => component.name === 'VALARM');
			const trigger = instant(prop(alarm, 'TRIGGER')!.value);
			const summary = unescapeText(prop(event, 'SUMMARY')!.value);
			assert.ok(
				trigger >= stamp,
				`${summary}: alarm ${new Date(trigger).toISOString()} not before the file`,
			);
			if (summary === 'Renew Soon')
				assert.ok(trigger - stamp <= 60_000, 'within a minute of creation');
			else assert.ok(trigger - stamp > 40 * DAY, 'a future reminder keeps its day');
		}
	});

	test('bad configuration fails before any check, naming the option', async () => {
		const none = await run({ parameters: { sources: [] } });
		assert.equal(none.status, 'error');
		// n8n itself refuses a required multi-select left empty, before the node runs.
		assert.match(String(none.error?.message), /"Sources" is required|No source chosen/);
		const windows = await run({
			parameters: { sources: ['register'], options: { warningDays: 2, criticalDays: 5 } },
		});
		assert.match(
			String(windows.error?.message),
			/Critical Within \(Days\) must not be more than the warning window/,
		);
		const zone = await run({
			parameters: { sources: ['register'], options: { timeZone: 'Mars/Olympus' } },
		});
		assert.match(String(zone.error?.message), /Time Zone/);
		const host = await run({
			parameters: {
				sources: ['tls'],
				endpoints: { entries: [{ host: 'https://api.example.com/', port: 443 }] },
			},
		});
		assert.match(String(host.error?.message), /Endpoint 1 is not a host and port/);
	});
});
