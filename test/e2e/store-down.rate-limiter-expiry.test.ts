// Issue 14, finding 1, in a real n8n 2.40.7: the Rate Limiter (Send Request) and the
// Credential Expiry Check (alert memory) on a private Redis that is stopped before the
// run, both set to On Error: Continue (using error output), as the README recommends.
// Every item must leave on the error output naming the store, none on Success or OK,
// the execution must not send anything to the vendor. A credential created while Redis
// was up makes it the user's real setup, not a typo.
// Bounded: one n8n start (≈ 30–90 s), a Redis start and stop, two short runs.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import { startRedis, type PrivateService } from '../support/services';
import { PACKAGE_NAME, startN8n, type N8nInstance, type WorkflowJson } from './harness';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;

function workflow(name: string, node: WorkflowJson['nodes'][number]): WorkflowJson {
	return {
		name: `e2e store down ${name} ${RUN}`,
		nodes: [
			{
				parameters: {},
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
			},
			node,
		],
		connections: { Start: { main: [[{ node: node.name, type: 'main', index: 0 }]] } },
	};
}

describe('A stopped store in a real n8n (issue 14, finding 1)', { timeout: 300_000 }, () => {
	let n8n: N8nInstance;
	let redis: PrivateService;
	let vendor: Server;
	let vendorUrl = '';
	let vendorCalls = 0;
	let redisCredential: { id: string; name: string };

	before(async () => {
		vendor = createServer((_request, response) => {
			vendorCalls++;
			response.writeHead(200, { 'content-type': 'application/json' });
			response.end('{"ok":true}');
		});
		await new Promise<void>((resolve) => vendor.listen(0, '127.0.0.1', resolve));
		vendorUrl = `http://127.0.0.1:${(vendor.address() as AddressInfo).port}`;
		redis = await startRedis({ appendOnly: false });
		n8n = await startN8n();
		const created = await n8n.createCredential(
			'integrationGuardsRedisApi',
			`Private Redis ${RUN}`,
			{ host: '127.0.0.1', port: redis.port, database: 0, keyPrefix: `e2e-down-${RUN}:` },
		);
		redisCredential = { id: created.id, name: created.name };
		await redis.stop();
	});

	after(async () => {
		await n8n?.stop();
		await redis?.dispose();
		await new Promise((resolve) => vendor?.close(resolve));
	});

	it('Rate Limiter, Send Request: the item leaves on the error output naming Redis; nothing on Success, nothing sent', async () => {
		const imported = await n8n.importWorkflow(
			workflow('rate limiter', {
				parameters: {
					operation: 'sendRequest',
					limiterName: `down-${RUN}`,
					store: 'redis',
					limit: 10,
					per: 'second',
					url: `${vendorUrl}/orders`,
				},
				name: 'Rate Limiter',
				type: `${PACKAGE_NAME}.rateLimiter`,
				typeVersion: 1,
				position: [240, 0],
				onError: 'continueErrorOutput',
				credentials: { integrationGuardsRedisApi: redisCredential },
			}),
		);
		const execution = await n8n.executeById(imported.id);
		const node = execution.node('Rate Limiter');
		assert.deepEqual(node.byName.Success ?? [], [], 'nothing on Success');
		assert.deepEqual(node.byName.Failed ?? [], []);
		const errors = node.byName.error ?? [];
		assert.equal(errors.length, 1, JSON.stringify(node.outputs));
		assert.match(
			String(errors[0].json.error),
			new RegExp(`Redis at 127\\.0\\.0\\.1:${redis.port}`),
		);
		assert.equal(vendorCalls, 0, 'nothing was sent to the vendor');
	});

	it('Credential Expiry Check, alert memory on Redis: the item leaves on the error output naming Redis; nothing on OK, Attention or Expired', async () => {
		const imported = await n8n.importWorkflow(
			workflow('expiry', {
				parameters: {
					sources: ['register'],
					register: {
						entries: [
							{ name: 'Expired key', expiresAt: new Date(Date.now() - 86_400_000).toISOString() },
							{ name: 'Fine', expiresAt: new Date(Date.now() + 300 * 86_400_000).toISOString() },
						],
					},
					alertMemory: true,
					store: 'redis',
					scope: `down-${RUN}`,
				},
				name: 'Credential Expiry Check',
				type: `${PACKAGE_NAME}.credentialExpiryCheck`,
				typeVersion: 1,
				position: [240, 0],
				onError: 'continueErrorOutput',
				credentials: { integrationGuardsRedisApi: redisCredential },
			}),
		);
		const execution = await n8n.executeById(imported.id);
		const node = execution.node('Credential Expiry Check');
		for (const output of ['OK', 'Attention', 'Expired or Failing'])
			assert.deepEqual(node.byName[output] ?? [], [], `nothing on ${output}`);
		const errors = node.byName.error ?? [];
		assert.equal(errors.length, 1, JSON.stringify(node.outputs));
		assert.match(
			String(errors[0].json.error),
			new RegExp(`Redis at 127\\.0\\.0\\.1:${redis.port}`),
		);
	});
});
