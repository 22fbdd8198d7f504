/**
 * Send Request 2.2's bodies through the real n8n engine: form-urlencoded, multipart
 * form-data with a text field and an n8n binary file, and a binary file as the whole body;
 * each sent whole again on a retry, and each through n8n's OAuth2 helper too (its own
 * request encoder). The server parses what arrived with the standard library (URLSearchParams,
 * Request.formData).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INode, INodeParameters } from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { closeAllLimiters } from '../../nodes/shared/stores/limiter';
import { startOAuthStandIn, type OAuthStandIn } from '../support/oauth-stand-in';
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
} from './harness';

const LIMITER = 'n8n-nodes-integration-guards.rateLimiter';
let counter = 0;
const fresh = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

interface Received {
	path: string;
	contentType: string;
	authorization: string;
	body: Buffer;
}

const received: Received[] = [];
/** Paths whose first request is answered 503 (then 200). */
const failOnce = new Set<string>();
let server: Server;
let baseUrl = '';

async function readAll(request: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

async function formDataOf(entry: Received): Promise<FormData> {
	return await new Request('http://x/', {
		method: 'POST',
		headers: { 'content-type': entry.contentType },
		body: new Uint8Array(entry.body),
	}).formData();
}

const PDF = Buffer.from('%PDF-1.4 not really a pdf \u0000\u0001\u00ff');

const OAUTH2_TYPE: CredentialTypeInput = {
	name: 'oAuth2Api',
	displayName: 'OAuth2 API',
	properties: [
		{ displayName: 'Grant Type', name: 'grantType', type: 'string', default: 'clientCredentials' },
		{ displayName: 'Access Token URL', name: 'accessTokenUrl', type: 'string', default: '' },
		{ displayName: 'Client ID', name: 'clientId', type: 'string', default: '' },
		{ displayName: 'Client Secret', name: 'clientSecret', type: 'string', default: '' },
		{ displayName: 'Authentication', name: 'authentication', type: 'string', default: 'header' },
	],
};

async function runSend(
	parameters: INodeParameters,
	items: object[],
	binary?: object,
	extra: Partial<INode> = {},
	credentials: Record<string, IDataObject> = {},
): Promise<EngineResult> {
	const workflow = buildWorkflow(
		[
			{
				name: 'Source',
				type: TEST_SOURCE,
				parameters: {
					items: JSON.stringify(items),
					...(binary ? { binary: JSON.stringify(binary) } : {}),
				},
			},
			{
				name: 'Limiter',
				type: LIMITER,
				typeVersion: 2.2,
				parameters: {
					operation: 'sendRequest',
					limiterName: fresh('body'),
					limit: 1000,
					per: 'second',
					method: 'POST',
					sendBody: true,
					baseDelay: 0,
					maxDelay: 0,
					...parameters,
				},
				...extra,
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
	const result = await runWorkflow({
		workflow,
		credentials: credentials as Record<string, Record<string, string>>,
		credentialTypes: [OAUTH2_TYPE],
	});
	assert.equal(result.status, 'success', result.error?.message);
	assertPairing(result, ['Limiter']);
	assertEachInputLeavesOnce(result, 'Limiter');
	assert.deepEqual(
		result.output('Limiter', 'Failed').map((item) => item.json.error),
		[],
		'nothing failed',
	);
	return result;
}

const form = (path: string): INodeParameters => ({
	url: `${baseUrl}/${path}`,
	contentType: 'form-urlencoded',
	bodyParameters: {
		parameters: [
			{ name: 'name', value: 'Ada Lovelace & co' },
			{ name: 'n', value: '={{ $json.n }}' },
		],
	},
});

const multipart = (path: string): INodeParameters => ({
	url: `${baseUrl}/${path}`,
	contentType: 'multipart-form-data',
	bodyParameters: {
		parameters: [
			{ parameterType: 'formData', name: 'title', value: '={{ "report " + $json.n }}' },
			{ parameterType: 'formBinaryData', name: 'file', inputDataFieldName: 'doc' },
		],
	},
});

const DOC = {
	doc: {
		content: PDF.toString('base64'),
		encoding: 'base64',
		fileName: 'report.pdf',
		mimeType: 'application/pdf',
	},
};

describe('Send Request 2.2 bodies in the n8n engine', () => {
	let standIn: OAuthStandIn;
	before(async () => {
		await startEngine();
		server = createServer((request, response) => {
			void readAll(request).then((body) => {
				const path = (request.url ?? '/').slice(1);
				received.push({
					path,
					contentType: String(request.headers['content-type'] ?? ''),
					authorization: String(request.headers.authorization ?? ''),
					body,
				});
				const status = failOnce.delete(path) ? 503 : 200;
				response.writeHead(status, { 'content-type': 'application/json' });
				response.end(JSON.stringify({ ok: status === 200 }));
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		standIn = await startOAuthStandIn({
			clientId: 'body-client',
			clientSecret: 'body-secret',
			tokenLifetimeMs: 60_000,
		});
	});
	after(async () => {
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
		await standIn.stop();
		await closeAllLimiters();
		await closeAllStores();
		await stopEngine();
	});

	const oauth2 = () => ({
		extra: { credentials: { oAuth2Api: { id: 'body-oauth2', name: 'Stand-in' } } },
		credentials: {
			oAuth2Api: {
				grantType: 'clientCredentials',
				accessTokenUrl: standIn.tokenUrl,
				clientId: 'body-client',
				clientSecret: 'body-secret',
				authentication: 'header',
			},
		},
		parameters: { authentication: 'genericCredentialType', genericAuthType: 'oAuth2Api' },
	});

	for (const through of ['n8n request helper', 'n8n OAuth2 helper'] as const) {
		const auth = () =>
			through === 'n8n OAuth2 helper'
				? oauth2()
				: { extra: {}, credentials: {}, parameters: {} as INodeParameters };

		test(`form-urlencoded, per item (${through})`, async () => {
			const path = fresh('form');
			const { extra, credentials, parameters } = auth();
			await runSend(
				{ ...form(path), ...parameters },
				[{ n: 1 }, { n: 2 }],
				undefined,
				extra,
				credentials,
			);
			const got = received.filter((entry) => entry.path === path);
			assert.equal(got.length, 2);
			for (const entry of got) {
				assert.match(entry.contentType, /^application\/x-www-form-urlencoded/);
				if (through === 'n8n OAuth2 helper') assert.match(entry.authorization, /^Bearer token-/);
			}
			assert.deepEqual(
				got
					.map((entry) => Object.fromEntries(new URLSearchParams(entry.body.toString())))
					.sort((a, b) => a.n.localeCompare(b.n)),
				[
					{ name: 'Ada Lovelace & co', n: '1' },
					{ name: 'Ada Lovelace & co', n: '2' },
				],
			);
		});

		test(`multipart form-data with a text field and a binary file, sent whole again on a retry (${through})`, async () => {
			const path = fresh('multipart');
			failOnce.add(path);
			const { extra, credentials, parameters } = auth();
			const result = await runSend(
				{ ...multipart(path), ...parameters, method: 'PUT', maxAttempts: 2 },
				[{ n: 7 }],
				DOC,
				extra,
				credentials,
			);
			const got = received.filter((entry) => entry.path === path);
			assert.equal(got.length, 2, 'a 503, then the retry');
			for (const entry of got) {
				assert.match(entry.contentType, /^multipart\/form-data; boundary=/);
				const data = await formDataOf(entry);
				assert.equal(data.get('title'), 'report 7');
				const file = data.get('file') as File;
				assert.equal(file.name, 'report.pdf');
				assert.equal(file.type, 'application/pdf');
				assert.deepEqual(Buffer.from(await file.arrayBuffer()), PDF);
			}
			const rateLimiter = result.output('Limiter', 'Success')[0].json.rateLimiter as IDataObject;
			assert.equal(rateLimiter.attempts, 2);
		});

		test(`a binary file as the whole body, with its MIME type (${through})`, async () => {
			const path = fresh('binary');
			const { extra, credentials, parameters } = auth();
			await runSend(
				{
					url: `${baseUrl}/${path}`,
					contentType: 'binaryData',
					inputDataFieldName: 'doc',
					...parameters,
				},
				[{ n: 1 }],
				DOC,
				extra,
				credentials,
			);
			const [entry] = received.filter((one) => one.path === path);
			assert.equal(entry.contentType, 'application/pdf');
			assert.deepEqual(entry.body, PDF);
		});
	}

	test('an item without the binary field fails the node naming it and the field, before anything is sent', async () => {
		const path = fresh('missing');
		const workflow = buildWorkflow(
			[
				{
					name: 'Source',
					type: TEST_SOURCE,
					parameters: {
						items: JSON.stringify([{ n: 1 }, { n: 2 }]),
						binary: JSON.stringify([DOC, null]),
					},
				},
				{
					name: 'Limiter',
					type: LIMITER,
					typeVersion: 2.2,
					parameters: {
						operation: 'sendRequest',
						limiterName: fresh('body'),
						limit: 1000,
						per: 'second',
						method: 'POST',
						sendBody: true,
						url: `${baseUrl}/${path}`,
						contentType: 'binaryData',
						inputDataFieldName: 'doc',
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
		const result = await runWorkflow({ workflow });
		assert.equal(result.status, 'error');
		assert.match(String(result.error?.message), /Item 1 has no binary field "doc"/);
		assert.equal(received.filter((entry) => entry.path === path).length, 0, 'nothing was sent');
	});
});
