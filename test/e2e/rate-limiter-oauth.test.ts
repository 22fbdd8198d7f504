// Send Request with n8n's generic OAuth2 credential, in a real n8n 2.40.7 (issue 18, item 4).
//
// A local stand-in (test/support/oauth-stand-in.ts, on 127.0.0.1) issues access tokens by
// the Client Credentials grant that live 2 seconds, and its API answers 401 to an expired
// token. The OAuth2 API credential is created through n8n's REST API, the workflow sends
// 60 items at 10 per second (about 6 seconds, so each token expires mid-run) through Rate
// Limiter 2.2's Send Request. n8n fetches the first token, and on each 401 fetches a new
// one and sends the request again. Asserted at the stand-in: the token endpoint was called
// more than once, some calls met an expired token, and every item was accepted exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import { startOAuthStandIn, type OAuthStandIn } from '../support/oauth-stand-in';
import { PACKAGE_NAME, startN8n, type N8nInstance, type WorkflowJson } from './harness';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const ITEMS = 60;
const LIMITER_NODE = 'Rate Limiter';

function workflow(standIn: OAuthStandIn, credential: { id: string; name: string }): WorkflowJson {
	return {
		name: `OAuth2 Send Request ${RUN}`,
		nodes: [
			{
				parameters: {},
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
			},
			{
				parameters: {
					jsCode: `return Array.from({ length: ${ITEMS} }, (_, i) => ({ json: { id: 'item-' + i } }));`,
				},
				name: 'Generate',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [220, 0],
			},
			{
				parameters: {
					operation: 'sendRequest',
					limiterName: `oauth-${RUN}`,
					limit: 10,
					per: 'second',
					targetUtilization: 100,
					method: 'POST',
					url: `${standIn.url}/items`,
					authentication: 'genericCredentialType',
					genericAuthType: 'oAuth2Api',
					sendBody: true,
					// Version 2.2's top-level retry settings: a 401 is not retried by the node
					// (n8n refreshes the token and sends once more itself).
					maxAttempts: 3,
					retryOn: '429, 5xx',
					baseDelay: 0.1,
					maxDelay: 1,
				},
				name: LIMITER_NODE,
				type: `${PACKAGE_NAME}.rateLimiter`,
				typeVersion: 2.2,
				position: [440, 0],
				credentials: { oAuth2Api: credential },
			},
			{
				parameters: {},
				name: 'Sent',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [660, -100],
			},
			{
				parameters: {},
				name: 'Not Sent',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [660, 100],
			},
		],
		connections: {
			Start: { main: [[{ node: 'Generate', type: 'main', index: 0 }]] },
			Generate: { main: [[{ node: LIMITER_NODE, type: 'main', index: 0 }]] },
			[LIMITER_NODE]: {
				main: [
					[{ node: 'Sent', type: 'main', index: 0 }],
					[{ node: 'Not Sent', type: 'main', index: 0 }],
				],
			},
		},
		settings: { executionOrder: 'v1' },
	};
}

describe(
	'n8n end to end: Send Request with the OAuth2 API credential',
	{ timeout: 600_000 },
	() => {
		let n8n: N8nInstance;
		let standIn: OAuthStandIn;

		before(async () => {
			standIn = await startOAuthStandIn({
				clientId: `client-${RUN}`,
				clientSecret: 'secret-of-the-stand-in',
				tokenLifetimeMs: 2000,
			});
			n8n = await startN8n();
		});

		after(async () => {
			await Promise.allSettled([n8n?.stop(), standIn?.stop()]);
		});

		it('n8n refreshes the expired token mid-run; every item reaches the API exactly once', async () => {
			const credential = await n8n.createCredential('oAuth2Api', `OAuth2 stand-in ${RUN}`, {
				grantType: 'clientCredentials',
				accessTokenUrl: standIn.tokenUrl,
				clientId: `client-${RUN}`,
				clientSecret: 'secret-of-the-stand-in',
				scope: '',
				authentication: 'header',
			});
			const imported = await n8n.importWorkflow(workflow(standIn, credential));
			const started = Date.now();
			const execution = await n8n.executeById(imported.id);
			const seconds = (Date.now() - started) / 1000;
			const accepted = [...standIn.accepted.values()];
			process.stderr.write(
				`[e2e] OAuth2: ${ITEMS} items in ${seconds.toFixed(1)} s; token endpoint called ${standIn.tokenCalls} time(s) ` +
					`(${standIn.refusedTokenCalls} refused); ${standIn.unauthorized} call(s) met an expired token; ` +
					`${standIn.accepted.size} item ids accepted, ${accepted.filter((count) => count === 1).length} exactly once\n`,
			);
			assert.equal(
				execution.status,
				'success',
				`${JSON.stringify(execution.error ?? '').slice(0, 1000)}\n${n8n.logTail(40)}`,
			);
			const limiter = execution.node(LIMITER_NODE);
			const sent = limiter.byName.Success ?? [];
			const failed = limiter.byName.Failed ?? [];
			assert.equal(
				failed.length,
				0,
				`no item failed: ${JSON.stringify(failed.slice(0, 3).map((item) => item.json.error))}`,
			);
			assert.equal(sent.length, ITEMS, 'every item leaves on Success');
			for (const item of sent) {
				const response = item.json.response as IDataObject;
				assert.equal(response.status, 200);
				assert.equal((response.body as IDataObject).id, item.json.id, 'its own answer');
				assert.ok(!('authorization' in (response.headers as IDataObject)));
			}
			// The stand-in's own count: each item id accepted exactly once, none missing.
			assert.equal(standIn.accepted.size, ITEMS, 'every item reached the API');
			for (let index = 0; index < ITEMS; index++)
				assert.equal(standIn.accepted.get(`item-${index}`), 1, `item-${index} accepted once`);
			assert.equal(standIn.refusedTokenCalls, 0, 'n8n sent the client credentials right');
			assert.ok(standIn.unauthorized > 0, 'a token expired mid-run and the API refused it');
			assert.ok(standIn.tokenCalls > 1, `n8n fetched a new token mid-run (${standIn.tokenCalls})`);
		});
	},
);
