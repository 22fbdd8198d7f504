/**
 * Send Request with n8n's generic OAuth credentials, through the real n8n engine (n8n-core's
 * OAuth helpers, this repo's credentials helper): OAuth2 by the Client Credentials grant
 * against a local token endpoint (the first token fetched by n8n and stored in the
 * credential; an expired one refreshed on the API's 401 and the request sent again), OAuth1
 * signed by n8n and checked at the stand-in. And version 2.2's top-level retry settings
 * against version 2.1's Request Options.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
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

const OAUTH1_KEYS = {
	consumerKey: 'consumer-key',
	consumerSecret: 'consumer-secret',
	token: 'access-token',
	tokenSecret: 'token-secret',
};

/** The generic OAuth credential types, as far as n8n-core's helpers read them. */
const CREDENTIAL_TYPES: CredentialTypeInput[] = [
	{
		name: 'oAuth2Api',
		displayName: 'OAuth2 API',
		properties: [
			{
				displayName: 'Grant Type',
				name: 'grantType',
				type: 'string',
				default: 'clientCredentials',
			},
			{ displayName: 'Access Token URL', name: 'accessTokenUrl', type: 'string', default: '' },
			{ displayName: 'Client ID', name: 'clientId', type: 'string', default: '' },
			{ displayName: 'Client Secret', name: 'clientSecret', type: 'string', default: '' },
			{ displayName: 'Scope', name: 'scope', type: 'string', default: '' },
			{ displayName: 'Authentication', name: 'authentication', type: 'string', default: 'header' },
		],
	},
	{
		name: 'oAuth1Api',
		displayName: 'OAuth1 API',
		properties: [
			{ displayName: 'Consumer Key', name: 'consumerKey', type: 'string', default: '' },
			{ displayName: 'Consumer Secret', name: 'consumerSecret', type: 'string', default: '' },
			{
				displayName: 'Signature Method',
				name: 'signatureMethod',
				type: 'string',
				default: 'HMAC-SHA1',
			},
		],
	},
];

function sendRequest(parameters: INodeParameters): INodeParameters {
	return {
		operation: 'sendRequest',
		limiterName: fresh('oauth'),
		limit: 1000,
		per: 'second',
		...parameters,
	};
}

async function runLimiter(
	typeVersion: number,
	parameters: INodeParameters,
	items: object[],
	extra: Partial<INode> = {},
	credentials: Record<string, IDataObject> = {},
): Promise<EngineResult> {
	const workflow = buildWorkflow(
		[
			{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
			{ name: 'Limiter', type: LIMITER, typeVersion, parameters, ...extra },
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
		credentialTypes: CREDENTIAL_TYPES,
	});
	assert.equal(result.status, 'success', result.error?.message);
	assertPairing(result, ['Limiter']);
	assertEachInputLeavesOnce(result, 'Limiter');
	return result;
}

describe('Send Request with the generic OAuth credentials, in the n8n engine', () => {
	let standIn: OAuthStandIn;
	before(async () => {
		await startEngine();
		standIn = await startOAuthStandIn({
			clientId: 'engine-client',
			clientSecret: 'engine-secret',
			tokenLifetimeMs: 300,
			oauth1: OAUTH1_KEYS,
		});
	});
	after(async () => {
		await standIn.stop();
		await closeAllLimiters();
		await closeAllStores();
		await stopEngine();
	});

	test('OAuth2: n8n fetches a token, refreshes it on a 401, and every item is accepted once', async () => {
		const oauth2 = {
			grantType: 'clientCredentials',
			accessTokenUrl: standIn.tokenUrl,
			clientId: 'engine-client',
			clientSecret: 'engine-secret',
			scope: '',
			authentication: 'header',
		};
		const items = Array.from({ length: 12 }, (_, n) => ({ id: `engine-${n}` }));
		const before = standIn.tokenCalls;
		// 10 per second with tokens that live 300 ms: several expire during the run.
		const result = await runLimiter(
			2.2,
			sendRequest({
				limit: 10,
				targetUtilization: 100,
				method: 'POST',
				url: `${standIn.url}/items`,
				authentication: 'genericCredentialType',
				genericAuthType: 'oAuth2Api',
				sendBody: true,
				maxAttempts: 1,
				requestOptions: { concurrency: 1 },
			}),
			items,
			{ credentials: { oAuth2Api: { id: 'oauth2-1', name: 'Stand-in' } } },
			{ oAuth2Api: oauth2 },
		);
		process.stderr.write(
			`[engine] OAuth2: ${items.length} items, token endpoint called ${standIn.tokenCalls - before} time(s), ${standIn.unauthorized} call(s) met an expired token\n`,
		);
		const success = result.output('Limiter', 'Success');
		assert.deepEqual(result.output('Limiter', 'Failed'), []);
		assert.equal(success.length, items.length);
		for (const item of items) assert.equal(standIn.accepted.get(item.id), 1, item.id);
		assert.ok(standIn.unauthorized > 0, 'some requests met an expired token');
		assert.ok(standIn.tokenCalls - before > 1, `tokens fetched: ${standIn.tokenCalls - before}`);
		assert.equal(standIn.refusedTokenCalls, 0);
		// n8n stored each new token in the credential.
		const stored = result.credentialUpdates.filter((update) => update.type === 'oAuth2Api');
		assert.ok(stored.length > 1, `token updates: ${stored.length}`);
		assert.match(
			String((stored.at(-1)?.data.oauthTokenData as IDataObject | undefined)?.access_token),
			/^token-\d+$/,
		);
		// The items carry the answer, never the token.
		for (const item of success) {
			const response = item.json.response as IDataObject;
			assert.equal(response.status, 200);
			assert.ok(!JSON.stringify(item.json).includes('Bearer'));
		}
	});

	test('OAuth1: n8n signs each request (query included) and the stand-in verifies it', async () => {
		const result = await runLimiter(
			2.2,
			sendRequest({
				method: 'GET',
				url: `${standIn.url}/oauth1`,
				authentication: 'genericCredentialType',
				genericAuthType: 'oAuth1Api',
				sendQuery: true,
				queryParameters: { parameters: [{ name: 'page', value: '={{ $json.n }}' }] },
				maxAttempts: 1,
			}),
			[{ n: 1 }, { n: 2 }],
			{ credentials: { oAuth1Api: { id: 'oauth1-1', name: 'Stand-in' } } },
			{
				oAuth1Api: {
					consumerKey: OAUTH1_KEYS.consumerKey,
					consumerSecret: OAUTH1_KEYS.consumerSecret,
					signatureMethod: 'HMAC-SHA1',
					oauthTokenData: {
						oauth_token: OAUTH1_KEYS.token,
						oauth_token_secret: OAUTH1_KEYS.tokenSecret,
					},
				},
			},
		);
		assert.deepEqual(result.output('Limiter', 'Failed'), []);
		assert.equal(result.output('Limiter', 'Success').length, 2);
		assert.equal(standIn.oauth1.valid, 2);
		assert.equal(standIn.oauth1.invalid, 0);
	});

	test('OAuth1 with a wrong consumer secret: the stand-in refuses it and the item leaves on Failed', async () => {
		const invalidBefore = standIn.oauth1.invalid;
		const result = await runLimiter(
			2.2,
			sendRequest({
				url: `${standIn.url}/oauth1`,
				authentication: 'genericCredentialType',
				genericAuthType: 'oAuth1Api',
				maxAttempts: 1,
			}),
			[{ n: 1 }],
			{ credentials: { oAuth1Api: { id: 'oauth1-2', name: 'Wrong' } } },
			{
				oAuth1Api: {
					consumerKey: OAUTH1_KEYS.consumerKey,
					consumerSecret: 'not-the-secret',
					signatureMethod: 'HMAC-SHA1',
					oauthTokenData: {
						oauth_token: OAUTH1_KEYS.token,
						oauth_token_secret: OAUTH1_KEYS.tokenSecret,
					},
				},
			},
		);
		const failed = result.output('Limiter', 'Failed');
		assert.equal(failed.length, 1);
		assert.equal((failed[0].json.error as IDataObject).httpCode, 401);
		assert.equal(standIn.oauth1.invalid, invalidBefore + 1);
	});
});

describe('Send Request 2.2: retry settings as fields of their own', () => {
	let server: Server;
	let url = '';
	let calls = 0;
	before(async () => {
		await startEngine();
		server = createServer((_request, response) => {
			calls++;
			response.writeHead(503, { 'content-type': 'application/json' });
			response.end('{"error":"down"}');
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/down`;
	});
	after(async () => {
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
		await closeAllLimiters();
		await closeAllStores();
	});

	test('version 2.2 reads Max Attempts, Retry On Status and the delays from the top level', async () => {
		const start = calls;
		const result = await runLimiter(
			2.2,
			sendRequest({ url, maxAttempts: 3, retryOn: '503', baseDelay: 0.01, maxDelay: 0.02 }),
			[{ n: 1 }],
		);
		const failed = result.output('Limiter', 'Failed');
		assert.equal((failed[0].json.error as IDataObject).attempts, 3);
		assert.equal(calls - start, 3);
		const noRetry = await runLimiter(
			2.2,
			sendRequest({ url, maxAttempts: 3, retryOn: '429', baseDelay: 0.01, maxDelay: 0.02 }),
			[{ n: 1 }],
		);
		assert.equal(
			(noRetry.output('Limiter', 'Failed')[0].json.error as IDataObject).attempts,
			1,
			'503 is not in Retry On Status: not retried',
		);
	});

	test('version 2.1 keeps reading them from Request Options', async () => {
		const start = calls;
		const result = await runLimiter(
			2.1,
			sendRequest({
				url,
				// Top-level values a 2.1 node never shows: ignored.
				maxAttempts: 1,
				requestOptions: { maxAttempts: 2, retryOn: '503', baseDelay: 0.01, maxDelay: 0.02 },
			}),
			[{ n: 1 }],
		);
		assert.equal((result.output('Limiter', 'Failed')[0].json.error as IDataObject).attempts, 2);
		assert.equal(calls - start, 2);
	});

	test('version 2.2 with nothing set retries with the shown defaults (5 attempts on 429, 5xx)', async () => {
		const start = calls;
		const result = await runLimiter(2.2, sendRequest({ url, baseDelay: 0, maxDelay: 0 }), [
			{ n: 1 },
		]);
		assert.equal((result.output('Limiter', 'Failed')[0].json.error as IDataObject).attempts, 5);
		assert.equal(calls - start, 5);
	});
});
