// Credential Expiry Check in a real n8n 2.40.7 (issue 9, "Done when"): the harness starts
// n8n with its owner, creates an API key through the REST API (as Settings → n8n API
// does), and credentials: this package's Redis store credential against the Redis on
// 127.0.0.1:6379 (its test passes) and the same type against a closed loopback port (its
// test fails). A workflow (Manual Trigger → Credential Expiry Check) lists the instance's
// credentials through the public API, tests each one and probes a loopback TLS server
// whose self-signed certificate expires in 5 days: the valid credential leaves on OK, the
// broken one on Expired or Failing with the test's message, the certificate on Attention
// with 5 days left, the API key's own expiry is reported, and no secret is in the output.
// A second run alerts nothing new (alert memory in the embedded store).
// Bounded: one n8n start (≈ 30–90 s), two runs of a few seconds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import { closedPort, startTlsServer, type TestTlsServer } from '../support/tls';
import { PACKAGE_NAME, repoRoot, startN8n, type N8nInstance, type WorkflowJson } from './harness';
import { createApiKey, publicApi, type CreatedApiKey } from './n8n-api';

const CHECK_TYPE = `${PACKAGE_NAME}.credentialExpiryCheck`;
const OUTPUTS = ['OK', 'Attention', 'Expired or Failing'];
const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;

function workflow(
	apiCredential: { id: string; name: string },
	tlsPort: number,
	scope: string,
): WorkflowJson {
	return {
		name: `e2e credential expiry ${RUN}`,
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
					sources: ['n8nCredentials', 'tls'],
					testCredentials: true,
					rotationDays: 365,
					endpoints: {
						entries: [
							{ host: '127.0.0.1', port: tlsPort, serverName: 'localhost', owner: 'platform-team' },
						],
					},
					alertMemory: true,
					store: 'embedded',
					scope,
					options: { tlsTimeoutSeconds: 5 },
				},
				name: 'Credential Expiry Check',
				type: CHECK_TYPE,
				typeVersion: 1,
				position: [240, 0],
				credentials: { integrationGuardsN8nApi: apiCredential },
			},
		],
		connections: {
			Start: { main: [[{ node: 'Credential Expiry Check', type: 'main', index: 0 }]] },
		},
	};
}

/** Stands in for Slack or an incident webhook: records every alert posted to it. 127.0.0.1 only. */
async function alertRecorder(): Promise<{
	url: string;
	alerts: IDataObject[];
	close(): Promise<void>;
}> {
	const alerts: IDataObject[] = [];
	const server: Server = createServer((request, response) => {
		let body = '';
		request.on('data', (chunk: Buffer) => {
			if (body.length < 100_000) body += chunk.toString();
		});
		request.on('end', () => {
			try {
				alerts.push(JSON.parse(body) as IDataObject);
			} catch {
				alerts.push({ unreadable: body.slice(0, 200) });
			}
			response.writeHead(200, { 'content-type': 'application/json' });
			response.end('{"ok":true}');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
		alerts,
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
}

describe('Credential Expiry Check in a real n8n', { timeout: 240_000 }, () => {
	let n8n: N8nInstance;
	let tls: TestTlsServer;
	let apiKey: CreatedApiKey;
	let apiCredential: { id: string; name: string };
	const names = {
		valid: `Redis store ok ${RUN}`,
		broken: `Redis store closed port ${RUN}`,
		api: `This n8n ${RUN}`,
	};

	before(async () => {
		tls = await startTlsServer(5);
		n8n = await startN8n();
		apiKey = await createApiKey(n8n, {
			label: `expiry check ${RUN}`,
			scopes: ['credential:list', 'credential:read'],
			expiresInDays: 30,
		});
		const deadPort = await closedPort();
		await n8n.createCredential('integrationGuardsRedisApi', names.valid, {
			host: '127.0.0.1',
			port: 6379,
			database: 0,
			keyPrefix: `e2e-expiry-${RUN}:`,
		});
		await n8n.createCredential('integrationGuardsRedisApi', names.broken, {
			host: '127.0.0.1',
			port: deadPort,
			database: 0,
		});
		const created = await n8n.createCredential('integrationGuardsN8nApi', names.api, {
			baseUrl: n8n.baseUrl,
			apiKey: apiKey.rawApiKey,
		});
		apiCredential = { id: created.id, name: created.name };
	});

	after(async () => {
		await n8n?.stop();
		await tls?.close();
	});

	it('the shipped daily check example posts each new alert once', async () => {
		const recorder = await alertRecorder();
		try {
			const json = JSON.parse(
				readFileSync(
					path.join(repoRoot(), 'examples', 'credential-expiry-daily-check.json'),
					'utf8',
				),
			) as WorkflowJson;
			const check = json.nodes.find((node) => node.name === 'Check Credentials');
			const post = json.nodes.find((node) => node.name === 'Post Alert');
			assert.ok(check && post, 'the example has Check Credentials and Post Alert');
			// What a user does after importing: pick the credential, list their own endpoints and dates, point the alert at their webhook.
			check.credentials = { integrationGuardsN8nApi: apiCredential };
			check.parameters = {
				...(check.parameters as IDataObject),
				scope: `e2e-example-${RUN}`,
				endpoints: {
					entries: [
						{ host: '127.0.0.1', port: tls.port, serverName: 'localhost', owner: 'platform-team' },
					],
				},
				register: {
					entries: [
						{
							name: 'Twilio contract',
							expiresAt: new Date(Date.now() - 2 * 86_400_000).toISOString(),
							owner: 'procurement@example.com',
						},
						{
							name: 'Xero refresh token',
							expiresAt: new Date(Date.now() + 200 * 86_400_000).toISOString(),
						},
					],
				},
			};
			post.parameters = { ...(post.parameters as IDataObject), url: recorder.url };
			const imported = await n8n.importWorkflow(json);
			const first = await n8n.executeById(imported.id, { triggerNode: 'Every Morning' });
			assert.equal(
				first.status,
				'success',
				`${JSON.stringify(first.error ?? '').slice(0, 1000)}\n${n8n.logTail(40)}`,
			);
			const posted = recorder.alerts
				.map((alert) => `${String(alert.status)} ${String(alert.name)}`)
				.sort();
			assert.deepEqual(posted, [
				`due soon localhost:${tls.port}`,
				'expired Twilio contract',
				`failing ${names.broken}`,
			]);
			const twilio = recorder.alerts.find((alert) => alert.name === 'Twilio contract');
			assert.match(
				String(twilio?.text),
				/^EXPIRED: Twilio contract: Expired 2 days ago\. Renew by \d{4}-\d{2}-\d{2}\.$/,
			);
			assert.equal(JSON.stringify(recorder.alerts).includes(apiKey.rawApiKey), false);

			const second = await n8n.executeById(imported.id, { triggerNode: 'Every Morning' });
			assert.equal(second.status, 'success');
			assert.equal(
				recorder.alerts.length,
				3,
				'the next run posts nothing: every finding already alerted today',
			);
		} finally {
			await recorder.close();
		}
	});

	it('n8n 2.40.7 offers what the node uses: the credential list and the credential test', async () => {
		const list = await publicApi(n8n, apiKey.rawApiKey, 'GET', '/credentials?limit=250');
		assert.equal(list.status, 200, JSON.stringify(list.body).slice(0, 500));
		const listed = (list.body as { data: IDataObject[] }).data;
		const valid = listed.find((entry) => entry.name === names.valid);
		assert.ok(valid, 'the Redis credential is listed');
		assert.equal(
			JSON.stringify(listed).includes(apiKey.rawApiKey),
			false,
			'the list carries no secrets',
		);
		const tested = await publicApi(
			n8n,
			apiKey.rawApiKey,
			'POST',
			`/credentials/${String(valid.id)}/test`,
		);
		assert.equal(tested.status, 200, JSON.stringify(tested.body).slice(0, 500));
		assert.equal((tested.body as IDataObject).status, 'OK', JSON.stringify(tested.body));
	});

	it('reports the valid credential OK, the broken one failing, the 5-day certificate with 5 days left; a second run alerts nothing new', async () => {
		const imported = await n8n.importWorkflow(
			workflow(apiCredential, tls.port, `e2e-expiry-${RUN}`),
		);
		const execution = await n8n.executeById(imported.id);
		assert.equal(
			execution.status,
			'success',
			`execution ${execution.id}: ${JSON.stringify(execution.error ?? '').slice(0, 1000)}\n${n8n.logTail(40)}`,
		);
		const run = execution.node('Credential Expiry Check');
		const items = OUTPUTS.flatMap((output) =>
			execution.json('Credential Expiry Check', output).map((json) => ({ output, json })),
		);
		const find = (name: string) => items.find((entry) => entry.json.name === name);
		assert.deepEqual(
			Object.keys(run.byName).filter((name) => name !== 'error'),
			OUTPUTS,
		);

		const valid = find(names.valid);
		assert.ok(
			valid,
			`the valid credential is reported: ${JSON.stringify(items.map((entry) => entry.json.name))}`,
		);
		assert.equal(valid.output, 'OK', JSON.stringify(valid.json));
		assert.equal(valid.json.status, 'ok');
		assert.match(String(valid.json.reason), /^Test passed/);
		assert.equal((valid.json.details as IDataObject).type, 'integrationGuardsRedisApi');
		assert.equal((valid.json.details as IDataObject).test, 'passed');
		assert.equal(
			valid.json.renewalLink,
			`${n8n.baseUrl}/home/credentials/${String((valid.json.details as IDataObject).id)}`,
		);
		assert.equal(valid.json.daysLeft, 365);

		const broken = find(names.broken);
		assert.ok(broken, 'the broken credential is reported');
		assert.equal(broken.output, 'Expired or Failing', JSON.stringify(broken.json));
		assert.equal(broken.json.status, 'failing');
		assert.match(String(broken.json.reason), /^Test failed: .*(ECONNREFUSED|unreachable|refused)/i);
		assert.equal(broken.json.alert, true);

		// The API key credential tests itself against this n8n: it passes.
		assert.equal(find(names.api)?.json.status, 'ok');
		const key = find('n8n API key (this check)');
		assert.ok(key, "the API key's own expiry is reported");
		assert.equal(key.json.daysLeft, 30);
		assert.equal(key.json.status, 'ok');

		const cert = find(`localhost:${tls.port}`);
		assert.ok(cert, 'the certificate is reported');
		assert.equal(cert.output, 'Attention');
		assert.equal(cert.json.status, 'due soon');
		assert.equal(cert.json.daysLeft, 5);
		assert.equal(cert.json.expiresAt, new Date(tls.validTo).toISOString());
		assert.equal(cert.json.owner, 'platform-team');
		assert.equal((cert.json.details as IDataObject).trusted, false);
		assert.equal(cert.json.alert, true);

		assert.equal(
			JSON.stringify(items).includes(apiKey.rawApiKey),
			false,
			'the API key is never output',
		);
		assert.equal(
			JSON.stringify(items).includes(apiKey.rawApiKey.split('.')[1] ?? apiKey.rawApiKey),
			false,
		);
		for (const { json } of items)
			assert.ok(
				['ok', 'due soon', 'critical', 'expired', 'failing', 'unknown'].includes(
					String(json.status),
				),
			);

		const again = await n8n.executeById(imported.id);
		assert.equal(again.status, 'success');
		const second = OUTPUTS.flatMap((output) => again.json('Credential Expiry Check', output));
		assert.equal(second.length, items.length);
		assert.deepEqual(
			second.filter((json) => json.alert === true).map((json) => json.name),
			[],
			'the same findings at the same status do not alert twice in a day',
		);
	});
});
