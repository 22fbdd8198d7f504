// Smoke test in a real n8n: the package installs from its tarball, n8n loads every node
// and credential it declares, and workflows run with every output readable.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
	PACKAGE_NAME,
	RuntimeMissingError,
	startN8n,
	type Execution,
	type N8nInstance,
	type WorkflowJson,
} from './harness';

/** Manual Trigger → Set: runs on demand, no HTTP involved. */
const manualSetWorkflow: WorkflowJson = {
	name: 'e2e smoke: manual trigger and set',
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
				mode: 'manual',
				assignments: {
					assignments: [
						{ id: 'a1', name: 'greeting', value: 'hello', type: 'string' },
						{ id: 'a2', name: 'answer', value: 42, type: 'number' },
					],
				},
				options: {},
			},
			name: 'Set Fields',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [240, 0],
		},
	],
	connections: {
		Start: { main: [[{ node: 'Set Fields', type: 'main', index: 0 }]] },
	},
};

/** Webhook → Respond to Webhook: needs an active workflow on a running server. */
const webhookWorkflow: WorkflowJson = {
	name: 'e2e smoke: webhook and respond',
	nodes: [
		{
			parameters: {
				httpMethod: 'POST',
				path: 'e2e-smoke',
				responseMode: 'responseNode',
				options: {},
			},
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2,
			position: [0, 0],
			webhookId: '0f5e1b8e-6c3a-4a57-9a57-5a1e2e000001',
		},
		{
			parameters: {
				respondWith: 'json',
				responseBody: '={{ { echoed: $json.body.value, doubled: $json.body.value * 2 } }}',
				options: { responseCode: 201 },
			},
			name: 'Respond',
			type: 'n8n-nodes-base.respondToWebhook',
			typeVersion: 1.1,
			position: [240, 0],
		},
	],
	connections: {
		Webhook: { main: [[{ node: 'Respond', type: 'main', index: 0 }]] },
	},
};

/**
 * Code (JS task runner) → Code with "continue (using error output)" → Switch with renamed
 * outputs: checks that named outputs and the error output come back with their pairedItem.
 */
const outputsWorkflow: WorkflowJson = {
	name: 'e2e smoke: named outputs and the error output',
	nodes: [
		{
			parameters: {},
			name: 'Start',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 0],
		},
		{
			parameters: { jsCode: 'return [1, 2, 3].map((n) => ({ json: { n } }));' },
			name: 'Items',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [200, 0],
		},
		{
			parameters: {
				mode: 'runOnceForEachItem',
				jsCode:
					"if ($json.n === 2) throw new Error('bad item'); return { json: { n: $json.n, ok: true } };",
			},
			name: 'Check',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [400, 0],
			onError: 'continueErrorOutput',
		},
		{
			parameters: {
				rules: {
					values: [1, 2].map((index) => ({
						conditions: {
							options: { caseSensitive: true, leftValue: '', typeValidation: 'strict' },
							conditions: [
								{
									leftValue: '={{ $json.n }}',
									rightValue: 1,
									operator: { type: 'number', operation: index === 1 ? 'equals' : 'gt' },
								},
							],
							combinator: 'and',
						},
						renameOutput: true,
						outputKey: index === 1 ? 'One' : 'More',
					})),
				},
				options: {},
			},
			name: 'Switch',
			type: 'n8n-nodes-base.switch',
			typeVersion: 3.2,
			position: [600, 0],
		},
	],
	connections: {
		Start: { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
		Items: { main: [[{ node: 'Check', type: 'main', index: 0 }]] },
		Check: { main: [[{ node: 'Switch', type: 'main', index: 0 }]] },
	},
};

/**
 * Workflows of this package's own nodes. Each entry imports `workflow`, runs it (by webhook
 * when `webhook` is set, else from its trigger) and hands the execution to `check`.
 */
interface PackageCase {
	title: string;
	workflow: WorkflowJson;
	webhook?: { path: string; body: unknown };
	check(result: { execution: Execution; status?: number; body?: unknown }): void;
}

const idempotentWriteWorkflow: WorkflowJson = {
	name: 'e2e smoke: idempotent write claims once',
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
				mode: 'raw',
				jsonOutput: '={{ { invoiceNumber: "INV-" + $runIndex + "-" + Date.now(), amount: 10 } }}',
				options: {},
			},
			name: 'Invoice',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [240, 0],
		},
		{
			parameters: {
				operation: 'claim',
				scope: 'e2e-smoke',
				keySource: 'fields',
				keyFields: 'invoiceNumber',
				conflictFields: 'amount',
				leaseMinutes: 2,
				options: {},
			},
			name: 'Claim',
			type: `${PACKAGE_NAME}.idempotentWrite`,
			typeVersion: 1,
			position: [480, 0],
		},
	],
	connections: {
		Start: { main: [[{ node: 'Invoice', type: 'main', index: 0 }]] },
		Invoice: { main: [[{ node: 'Claim', type: 'main', index: 0 }]] },
	},
};

const packageCases: PackageCase[] = [
	{
		title: 'Idempotent Write sends a new key to Proceed',
		workflow: idempotentWriteWorkflow,
		check({ execution }) {
			const claim = execution.node('Claim');
			const total = claim.outputs.reduce((sum, items) => sum + items.length, 0);
			assert.equal(total, 1, `one item in, one item out: ${JSON.stringify(claim.byName)}`);
			assert.deepEqual(Object.keys(claim.byName), [
				'Proceed',
				'Duplicate',
				'In Flight',
				'Conflict',
				'Reconcile',
			]);
			assert.equal(
				claim.byName.Proceed.length,
				1,
				`a new key leaves on Proceed: ${JSON.stringify(claim.byName)}`,
			);
			assert.deepEqual(claim.byName.Proceed[0].pairedItem, { item: 0 });
		},
	},
];

describe('n8n end to end: smoke', () => {
	let n8n: N8nInstance | undefined;
	let unavailable: string | undefined;

	before(async () => {
		try {
			n8n = await startN8n();
		} catch (error) {
			// Only an explicit opt-out of installing (N8N_GUARDS_INSTALL=never) outside CI skips.
			if (
				error instanceof RuntimeMissingError &&
				process.env.CI !== 'true' &&
				process.env.CI !== '1'
			) {
				unavailable = error.message;
				return;
			}
			throw error;
		}
	});

	after(async () => {
		await n8n?.stop();
	});

	const server = (t: { skip(message?: string): void }): N8nInstance | undefined => {
		if (unavailable !== undefined) {
			t.skip(`pinned n8n not installed: ${unavailable.split('\n')[0]}`);
			return undefined;
		}
		assert.ok(n8n, 'n8n did not start');
		return n8n;
	};

	it('loads every node and credential the package declares', (t) => {
		const instance = server(t);
		if (!instance) return;
		assert.ok(instance.declared.credentials.length > 0, 'the package declares credentials');
		for (const name of instance.declared.nodes) {
			assert.ok(name.startsWith(`${PACKAGE_NAME}.`), `node type ${name} carries the package name`);
			assert.ok(instance.loadedNodeTypes.includes(name), `n8n loaded node ${name}`);
		}
		for (const name of instance.declared.credentials) {
			assert.ok(instance.loadedCredentialTypes.includes(name), `n8n loaded credential ${name}`);
		}
		assert.ok(
			!instance.loadedNodeTypes.some((name) => name.startsWith('CUSTOM.')),
			'no CUSTOM.* node types',
		);
	});

	it('stores a credential of every package credential type through the REST API', async (t) => {
		const instance = server(t);
		if (!instance) return;
		for (const type of instance.declared.credentials) {
			const created = await instance.createCredential(type, `e2e ${type}`, { host: '127.0.0.1' });
			assert.equal(created.type, type);
			assert.ok(created.id, `credential ${type} got an id`);
		}
		const listed = await instance.api<Array<{ type: string }>>('GET', '/rest/credentials');
		for (const type of instance.declared.credentials) {
			assert.ok(
				listed.some((credential) => credential.type === type),
				`credential ${type} is listed`,
			);
		}
	});

	it('runs Manual Trigger → Set and returns every output with pairedItem (REST)', async (t) => {
		const instance = server(t);
		if (!instance) return;
		const workflow = await instance.importWorkflow(manualSetWorkflow);
		const execution = await instance.executeById(workflow.id);
		assert.equal(execution.status, 'success', JSON.stringify(execution.error));
		assert.deepEqual(execution.nodesRun, ['Start', 'Set Fields']);
		const set = execution.node('Set Fields');
		assert.equal(set.outputs.length, 1);
		assert.deepEqual(Object.keys(set.byName), ['main']);
		assert.deepEqual(execution.json('Set Fields'), [{ greeting: 'hello', answer: 42 }]);
		assert.deepEqual(set.outputs[0][0].pairedItem, { item: 0 });
	});

	it('returns named outputs and the error output, each item with its pairedItem', async (t) => {
		const instance = server(t);
		if (!instance) return;
		const workflow = await instance.importWorkflow(outputsWorkflow);
		const execution = await instance.executeById(workflow.id);
		assert.equal(execution.status, 'success', JSON.stringify(execution.error));
		const check = execution.node('Check');
		assert.deepEqual(Object.keys(check.byName), ['main', 'error']);
		assert.deepEqual(
			check.byName.main.map((item) => [item.json, item.pairedItem]),
			[
				[{ n: 1, ok: true }, { item: 0 }],
				[{ n: 3, ok: true }, { item: 2 }],
			],
		);
		assert.equal(check.byName.error.length, 1);
		assert.equal(check.byName.error[0].json.n, 2);
		assert.match(String(check.byName.error[0].json.error), /bad item/);
		assert.deepEqual(check.byName.error[0].pairedItem, { item: 1 });
		const routed = execution.node('Switch');
		assert.deepEqual(Object.keys(routed.byName), ['One', 'More']);
		assert.deepEqual(execution.json('Switch', 'One'), [{ n: 1, ok: true }]);
		assert.deepEqual(execution.json('Switch', 'More'), [{ n: 3, ok: true }]);
		assert.deepEqual(routed.byName.More[0].pairedItem, { item: 1 });
	});

	it('runs the same workflow with `n8n execute` next to the running server', async (t) => {
		const instance = server(t);
		if (!instance) return;
		const workflow = await instance.importWorkflow(manualSetWorkflow);
		const execution = await instance.executeById(workflow.id, { via: 'cli' });
		assert.equal(execution.status, 'success', JSON.stringify(execution.error));
		assert.deepEqual(execution.json('Set Fields'), [{ greeting: 'hello', answer: 42 }]);
		assert.deepEqual(execution.node('Set Fields').outputs[0][0].pairedItem, { item: 0 });
	});

	it('runs Webhook → Respond to Webhook on an active workflow', async (t) => {
		const instance = server(t);
		if (!instance) return;
		const workflow = await instance.importWorkflow(webhookWorkflow);
		await instance.activate(workflow.id);
		const result = await instance.runWebhook('e2e-smoke', { value: 21 });
		assert.equal(result.status, 201);
		assert.deepEqual(result.body, { echoed: 21, doubled: 42 });
		assert.ok(result.execution, 'the webhook call produced an execution');
		assert.equal(result.execution.mode, 'webhook');
		assert.equal(result.execution.status, 'success', JSON.stringify(result.execution.error));
		const [item] = result.execution.json('Webhook');
		assert.deepEqual((item as { body: unknown }).body, { value: 21 });
	});

	for (const packageCase of packageCases) {
		it(`package node: ${packageCase.title}`, async (t) => {
			const instance = server(t);
			if (!instance) return;
			const workflow = await instance.importWorkflow(packageCase.workflow);
			if (packageCase.webhook) {
				await instance.activate(workflow.id);
				const result = await instance.runWebhook(
					packageCase.webhook.path,
					packageCase.webhook.body,
				);
				assert.ok(result.execution, 'the webhook call produced an execution');
				packageCase.check({
					execution: result.execution,
					status: result.status,
					body: result.body,
				});
			} else {
				const execution = await instance.executeById(workflow.id);
				assert.equal(execution.status, 'success', JSON.stringify(execution.error));
				packageCase.check({ execution });
			}
		});
	}
});
