// Dead Letter's Capture Failed Execution in a real n8n (issue 19, item 3): a workflow
// WITHOUT any of our nodes fails at an HTTP Request to a vendor answering 503. Its error
// workflow (Error Trigger → Dead Letter: Capture Failed Execution, reading the failed
// execution through n8n's public API with an API key made as in Settings → n8n API)
// captures one record per item the HTTP Request was given, named with the workflow, node
// and execution. After the vendor recovers, Replay delivers each record once, its body
// exactly the record.
//
// n8n 2.40.7 runs an error workflow only for executions that are not manual
// (execution-lifecycle-hooks: dispatchesErrorWorkflow = !isManualMode): the failing
// workflow is started by its production webhook. settings.errorWorkflow names the error
// workflow by id, and with the publication service (2.x) the error workflow must be
// published too (WorkflowExecutionService.loadErrorWorkflowData: "… is not active and
// cannot be executed" otherwise).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import { PACKAGE_NAME, startN8n, type Execution, type N8nInstance } from './harness';
import { createApiKey } from './n8n-api';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const DEAD_LETTER = `${PACKAGE_NAME}.deadLetter`;
const QUEUE = `dl-failed-exec-${RUN}`;
const RECORDS = [
	{ id: 1, name: 'Ada', email: 'ada@example.com' },
	{ id: 2, name: 'Brendan', email: 'brendan@example.com' },
	{ id: 3, name: 'Chiara', email: 'chiara@example.com' },
];

interface Vendor {
	server: Server;
	url: string;
	status: { code: number };
	/** Bodies answered 200, with their Idempotency-Key. */
	delivered: Array<{ body: string; key: string | undefined }>;
	calls: number;
}

async function startVendor(): Promise<Vendor> {
	const vendor: Vendor = {
		server: undefined as unknown as Server,
		url: '',
		status: { code: 503 },
		delivered: [],
		calls: 0,
	};
	vendor.server = createServer((request, response) => {
		let body = '';
		request.on('data', (chunk: Buffer) => (body += chunk.toString()));
		request.on('end', () => {
			vendor.calls++;
			const code = vendor.status.code;
			if (code === 200) {
				const key = request.headers['idempotency-key'];
				vendor.delivered.push({ body, key: typeof key === 'string' ? key : undefined });
			}
			response.writeHead(code, { 'content-type': 'application/json' });
			response.end(
				JSON.stringify(code === 200 ? { ok: true } : { message: 'Service Unavailable' }),
			);
		});
	});
	await new Promise<void>((resolve) => vendor.server.listen(0, '127.0.0.1', resolve));
	vendor.url = `http://127.0.0.1:${(vendor.server.address() as AddressInfo).port}/contacts`;
	return vendor;
}

const at = (x: number) => [x, 0];

describe('n8n end to end: Dead Letter captures a failed execution of a workflow without our nodes', () => {
	let n8n: N8nInstance;
	let vendor: Vendor;

	before(
		async () => {
			vendor = await startVendor();
			n8n = await startN8n();
		},
		{ timeout: 20 * 60_000 },
	);
	after(async () => {
		await n8n?.stop();
		vendor?.server.closeAllConnections();
		vendor?.server.close();
	});

	it(
		'the error workflow captures one record per item; after the vendor recovers, the replay delivers each once',
		{ timeout: 5 * 60_000 },
		async () => {
			const apiKey = await createApiKey(n8n, {
				label: `dead letter ${RUN}`,
				scopes: ['execution:read', 'execution:list'],
				expiresInDays: 1,
			});
			const n8nApi = await n8n.createCredential('integrationGuardsN8nApi', `n8n API ${RUN}`, {
				baseUrl: n8n.baseUrl,
				apiKey: apiKey.rawApiKey,
			});

			const errorWorkflow = await n8n.importWorkflow({
				name: `e2e error workflow ${RUN}`,
				nodes: [
					{
						name: 'Error Trigger',
						type: 'n8n-nodes-base.errorTrigger',
						typeVersion: 1,
						parameters: {},
						position: at(0),
					},
					{
						name: 'Capture Failed Execution',
						type: DEAD_LETTER,
						typeVersion: 2.2,
						parameters: { operation: 'captureExecution', scope: QUEUE },
						credentials: { integrationGuardsN8nApi: n8nApi },
						position: at(220),
					},
					...['Captured', 'Auth Failure', 'Depth Alert', 'Not Captured'].map((name, index) => ({
						name,
						type: 'n8n-nodes-base.noOp',
						typeVersion: 1,
						parameters: {},
						position: [440, index * 160],
					})),
				],
				connections: {
					'Error Trigger': {
						main: [[{ node: 'Capture Failed Execution', type: 'main', index: 0 }]],
					},
					'Capture Failed Execution': {
						main: ['Captured', 'Auth Failure', 'Depth Alert', 'Not Captured'].map((node) => [
							{ node, type: 'main', index: 0 },
						]),
					},
				},
				settings: { executionOrder: 'v1' },
			});

			const path = `sync-${RUN}`;
			const failing = await n8n.importWorkflow({
				name: `e2e sync without guards ${RUN}`,
				nodes: [
					{
						name: 'Webhook',
						type: 'n8n-nodes-base.webhook',
						typeVersion: 2,
						parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
						webhookId: randomUUID(),
						position: at(0),
					},
					{
						name: 'Make Records',
						type: 'n8n-nodes-base.code',
						typeVersion: 2,
						parameters: { jsCode: `return ${JSON.stringify(RECORDS)}.map((json) => ({ json }));` },
						position: at(220),
					},
					{
						name: 'Upsert Contact',
						type: 'n8n-nodes-base.httpRequest',
						typeVersion: 4.2,
						parameters: {
							method: 'POST',
							url: vendor.url,
							sendBody: true,
							specifyBody: 'json',
							jsonBody: '={{ JSON.stringify($json) }}',
							options: { timeout: 10_000 },
						},
						position: at(440),
					},
				],
				connections: {
					Webhook: { main: [[{ node: 'Make Records', type: 'main', index: 0 }]] },
					'Make Records': { main: [[{ node: 'Upsert Contact', type: 'main', index: 0 }]] },
				},
				settings: { executionOrder: 'v1', errorWorkflow: errorWorkflow.id },
			});
			await n8n.activate(errorWorkflow.id);
			await n8n.activate(failing.id);

			// 1. The sync fails at the vendor's 503; n8n runs the error workflow.
			const run = await n8n.runWebhook(path, {});
			assert.ok(run.execution, 'the webhook started an execution');
			assert.equal(run.execution.status, 'error');
			const failedId = String(run.execution.id);
			const captureRun = await errorExecution(n8n, errorWorkflow.id);
			assert.equal(
				captureRun.status,
				'success',
				`error workflow: ${JSON.stringify(captureRun.error)}\n${n8n.logTail(40)}`,
			);
			const node = captureRun.node('Capture Failed Execution');
			assert.equal(
				node.byName['Not Captured'].length,
				0,
				JSON.stringify(node.byName['Not Captured']),
			);
			const captured = node.byName.Captured;
			assert.equal(
				captured.length,
				RECORDS.length,
				'one record per item the HTTP Request was given',
			);
			for (const item of captured) {
				const summary = item.json.deadLetter as IDataObject;
				assert.equal(summary.class, 'transient', JSON.stringify(summary));
				assert.equal(summary.failedNode, 'Upsert Contact');
				assert.equal(summary.executionId, failedId);
				assert.deepEqual(summary.workflow, {
					id: failing.id,
					name: `e2e sync without guards ${RUN}`,
				});
				assert.equal((summary.error as IDataObject).httpCode, 503);
				assert.deepEqual(item.pairedItem, { item: 0 });
			}
			assert.ok(vendor.calls >= 1 && vendor.delivered.length === 0, 'nothing delivered while down');

			// 2. The vendor recovers; the replay delivers each record once, exactly as it was.
			vendor.status.code = 200;
			const replay = await n8n.importWorkflow(replayWorkflow(vendor.url));
			const replayed = await n8n.executeById(replay.id);
			assert.equal(replayed.status, 'success', `replay: ${JSON.stringify(replayed.error)}`);
			assert.equal(replayed.node('Replay').byName.Replay.length, RECORDS.length);
			assert.equal(replayed.node('Resolve').byName.Resolved.length, RECORDS.length);
			assert.deepEqual(
				vendor.delivered.map((entry) => JSON.parse(entry.body) as IDataObject),
				RECORDS,
				'each record delivered once, its body exactly the record',
			);
			assert.equal(new Set(vendor.delivered.map((entry) => entry.key)).size, RECORDS.length);

			const again = await n8n.executeById(replay.id);
			assert.equal(again.node('Replay').byName.Replay.length, 0, 'nothing left to replay');
			assert.equal(vendor.delivered.length, RECORDS.length);
		},
	);
});

/** Waits for the error workflow's execution (n8n starts it after saving the failed one). */
async function errorExecution(n8n: N8nInstance, workflowId: string): Promise<Execution> {
	const deadline = Date.now() + 60_000;
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	while (Date.now() < deadline) {
		const list = await n8n.api<{
			results: Array<{ id: string; status: string; stoppedAt?: string }>;
		}>('GET', `/rest/executions?filter=${filter}&limit=1`);
		const [latest] = list.results;
		if (latest && latest.stoppedAt && !['new', 'running', 'waiting'].includes(latest.status))
			return await n8n.getExecution(latest.id);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`the error workflow did not run within 60 s\n${n8n.logTail(40)}`);
}

function replayWorkflow(url: string) {
	return {
		name: `e2e replay failed executions ${RUN}`,
		nodes: [
			{
				name: 'Run Replay',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				parameters: {},
				position: at(0),
			},
			{
				name: 'Replay',
				type: DEAD_LETTER,
				typeVersion: 2.2,
				parameters: { operation: 'replay', scope: QUEUE },
				position: at(220),
			},
			{
				name: 'Upsert Contact',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				parameters: {
					method: 'POST',
					url,
					sendHeaders: true,
					headerParameters: {
						parameters: [
							{ name: 'Idempotency-Key', value: '={{ $json.deadLetter.idempotencyKey }}' },
						],
					},
					sendBody: true,
					specifyBody: 'json',
					jsonBody: '={{ JSON.stringify($json.payload) }}',
					options: {},
				},
				position: at(440),
			},
			{
				name: 'Resolve',
				type: DEAD_LETTER,
				typeVersion: 2.2,
				parameters: { operation: 'resolve', scope: QUEUE },
				position: at(660),
			},
		],
		connections: {
			'Run Replay': { main: [[{ node: 'Replay', type: 'main', index: 0 }]] },
			Replay: { main: [[{ node: 'Upsert Contact', type: 'main', index: 0 }]] },
			'Upsert Contact': { main: [[{ node: 'Resolve', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}
