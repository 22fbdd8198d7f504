// Idempotent Write in a real n8n: concurrent webhook deliveries with repeated keys reach a
// Postgres table that has no unique constraint, and every key is written exactly once, on
// every store. Then n8n is killed (SIGKILL) mid-run, restarted and the deliveries re-sent:
// still exactly once.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';
import { Client } from 'pg';

import { outageWorkflow, stoppedRedis } from './guard-outage';
import { PACKAGE_NAME, repoRoot, startN8n, type N8nInstance, type WorkflowJson } from './harness';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const SINK = `iw_e2e_sink_${RUN}`;
const PG = { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' };
const ORDERS = 8;
const COPIES = 4;

type StoreChoice = 'embedded' | 'redis' | 'postgres';

interface Credentials {
	sink: { id: string; name: string };
	redis: { id: string; name: string };
	postgres: { id: string; name: string };
}

/** Webhook → Claim → (Proceed) [Wait] → INSERT into the sink → Complete. */
function exactlyOnceWorkflow(
	store: StoreChoice,
	path: string,
	credentials: Credentials,
	options: { waitSeconds?: number } = {},
): WorkflowJson {
	const storeCredential =
		store === 'redis'
			? { integrationGuardsRedisApi: credentials.redis }
			: store === 'postgres'
				? { integrationGuardsPostgresApi: credentials.postgres }
				: undefined;
	const nodes: WorkflowJson['nodes'] = [
		{
			parameters: { httpMethod: 'POST', path, responseMode: 'lastNode', options: {} },
			name: 'Order Received',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2,
			position: [0, 0],
			webhookId: `00000000-0000-4000-8000-${RUN.padStart(12, '0').slice(-12)}`.replace(
				/.{4}$/,
				String(path.length).padStart(4, '0'),
			),
		},
		{
			parameters: {
				operation: 'claim',
				store,
				scope: `e2e-${RUN}-${path}`,
				keySource: 'fields',
				keyFields: 'body.orderId',
				leaseMinutes: 0.1,
				options: {},
			},
			name: 'Claim',
			type: `${PACKAGE_NAME}.idempotentWrite`,
			typeVersion: 1,
			position: [220, 0],
			...(storeCredential ? { credentials: storeCredential } : {}),
		},
		{
			parameters: {
				operation: 'executeQuery',
				query: `=INSERT INTO ${SINK} (workflow, order_id, execution_id) VALUES ('${path}', '{{ $json.body.orderId }}', '{{ $execution.id }}')`,
				options: {},
			},
			name: 'Write Order',
			type: 'n8n-nodes-base.postgres',
			typeVersion: 2.5,
			position: [660, 0],
			credentials: { postgres: credentials.sink },
		},
		{
			parameters: {
				operation: 'complete',
				store,
				scope: `e2e-${RUN}-${path}`,
				keySource: 'claimed',
				claimedKey: "={{ $('Claim').item.json.idempotency.key }}",
				resultFields: '',
				options: {},
			},
			name: 'Complete',
			type: `${PACKAGE_NAME}.idempotentWrite`,
			typeVersion: 1,
			position: [880, 0],
			...(storeCredential ? { credentials: storeCredential } : {}),
		},
		{
			parameters: {},
			name: 'Not Written',
			type: 'n8n-nodes-base.noOp',
			typeVersion: 1,
			position: [440, 200],
		},
	];
	const connections: WorkflowJson['connections'] = {
		'Order Received': { main: [[{ node: 'Claim', type: 'main', index: 0 }]] },
		Claim: {
			main: [
				[{ node: options.waitSeconds ? 'Slow Vendor' : 'Write Order', type: 'main', index: 0 }],
				...[1, 2, 3, 4].map(() => [{ node: 'Not Written', type: 'main', index: 0 }]),
			],
		},
		'Write Order': { main: [[{ node: 'Complete', type: 'main', index: 0 }]] },
	};
	if (options.waitSeconds) {
		nodes.push({
			parameters: { amount: options.waitSeconds, unit: 'seconds' },
			name: 'Slow Vendor',
			type: 'n8n-nodes-base.wait',
			typeVersion: 1.1,
			position: [440, 0],
			webhookId: `00000000-0000-4000-9000-${RUN.padStart(12, '0').slice(-12)}`,
		});
		connections['Slow Vendor'] = { main: [[{ node: 'Write Order', type: 'main', index: 0 }]] };
	}
	return {
		name: `e2e idempotent write ${path}`,
		nodes,
		connections,
		settings: { executionOrder: 'v1' },
	};
}

/** Every order id `copies` times, interleaved, as concurrent deliveries. */
function deliveries(prefix: string, copies = COPIES): string[] {
	const ids: string[] = [];
	for (let copy = 0; copy < copies; copy++)
		for (let order = 0; order < ORDERS; order++) ids.push(`${prefix}-${order}`);
	return ids;
}

async function sinkCounts(client: Client, workflow: string): Promise<Map<string, number>> {
	const { rows } = await client.query<{ order_id: string; writes: string }>(
		`SELECT order_id, count(*) AS writes FROM ${SINK} WHERE workflow = $1 GROUP BY order_id`,
		[workflow],
	);
	return new Map(rows.map((row) => [row.order_id, Number(row.writes)]));
}

function routeOf(body: unknown): string {
	const idempotency = (body as { idempotency?: { route?: string; outcome?: string } } | undefined)
		?.idempotency;
	return idempotency?.outcome ?? idempotency?.route ?? `unexpected: ${JSON.stringify(body)}`;
}

describe('n8n end to end: Idempotent Write', () => {
	let n8n: N8nInstance;
	let sql: Client;
	let credentials: Credentials;

	before(async () => {
		sql = new Client({ ...PG, connectionTimeoutMillis: 5000 });
		await sql.connect();
		await sql.query(
			`CREATE TABLE ${SINK} (workflow text NOT NULL, order_id text NOT NULL, execution_id text, written_at timestamptz DEFAULT now())`,
		);
		n8n = await startN8n();
		credentials = {
			sink: await n8n.createCredential('postgres', 'Orders sink', {
				...PG,
				password: '',
				ssl: 'disable',
				maxConnections: 20,
			}),
			redis: await n8n.createCredential('integrationGuardsRedisApi', 'Guards Redis', {
				host: '127.0.0.1',
				port: 6379,
				database: 0,
				keyPrefix: `guards-e2e-${RUN}:`,
			}),
			postgres: await n8n.createCredential('integrationGuardsPostgresApi', 'Guards Postgres', {
				...PG,
				password: '',
				ssl: 'disable',
				schema: `guards_e2e_${RUN}`,
				tablePrefix: 'g_',
			}),
		};
	});

	let restartedFolder: string | undefined;

	after(async () => {
		await n8n?.stop();
		if (restartedFolder) rmSync(restartedFolder, { recursive: true, force: true });
		await sql?.query(`DROP TABLE IF EXISTS ${SINK}`).catch(() => undefined);
		await sql?.query(`DROP SCHEMA IF EXISTS guards_e2e_${RUN} CASCADE`).catch(() => undefined);
		await sql?.end();
	});

	for (const store of ['embedded', 'redis', 'postgres'] as const) {
		it(`${store} store: ${ORDERS * COPIES} concurrent deliveries of ${ORDERS} orders, then all again: each written exactly once`, async () => {
			const path = `iw-e2e-${store}`;
			const workflow = await n8n.importWorkflow(exactlyOnceWorkflow(store, path, credentials));
			await n8n.activate(workflow.id);

			const first = await Promise.all(
				deliveries(store).map((orderId) => n8n.runWebhook(path, { orderId })),
			);
			const firstRoutes = first.map((result) => routeOf(result.body));
			assert.deepEqual(
				first.map((result) => result.status),
				Array(first.length).fill(200),
			);
			assert.equal(
				firstRoutes.filter((route) => route === 'completed').length,
				ORDERS,
				`first wave routes: ${firstRoutes.join(', ')}`,
			);
			assert.ok(
				firstRoutes.every((route) => ['completed', 'inFlight', 'duplicate'].includes(route)),
				firstRoutes.join(', '),
			);

			const second = await Promise.all(
				deliveries(store).map((orderId) => n8n.runWebhook(path, { orderId })),
			);
			assert.deepEqual(
				second.map((result) => routeOf(result.body)),
				Array(ORDERS * COPIES).fill('duplicate'),
			);

			const counts = await sinkCounts(sql, path);
			console.log(
				`[e2e] ${store}: ${ORDERS * COPIES * 2} deliveries of ${ORDERS} orders -> ${[...counts.values()].reduce((a, b) => a + b, 0)} rows written`,
			);
			assert.equal(counts.size, ORDERS);
			assert.deepEqual([...counts.values()], Array(ORDERS).fill(1));
			await n8n.deactivate(workflow.id);
		});
	}

	it('n8n killed (SIGKILL) while executions hold claims: after a restart the keys are claimable again and each order is written exactly once', async () => {
		const path = 'iw-e2e-kill';
		const workflow = await n8n.importWorkflow(
			exactlyOnceWorkflow('embedded', path, credentials, { waitSeconds: 4 }),
		);
		await n8n.activate(workflow.id);

		// Deliveries whose executions claim their key, then sit in the slow vendor step.
		const inFlight = deliveries('kill', 2).map(
			async (orderId) => await n8n.runWebhook(path, { orderId }).catch((error: Error) => error),
		);
		await new Promise((resolve) => setTimeout(resolve, 1500));
		const userFolder = n8n.userFolder;
		await n8n.kill();
		const killedAt = Date.now();
		const interrupted = await Promise.all(inFlight);
		// Executions that held a claim died in the slow step; a second copy of an order may
		// have been answered In Flight before the kill, never anything else.
		const cutOff = interrupted.filter((result) => result instanceof Error);
		const answered = interrupted.flatMap((result) =>
			result instanceof Error ? [] : [routeOf(result.body)],
		);
		assert.ok(
			cutOff.length >= ORDERS,
			`only ${cutOff.length} deliveries were cut off; answered: ${answered.join(', ')}`,
		);
		assert.ok(
			answered.every((route) => route === 'inFlight'),
			answered.join(', '),
		);
		assert.equal((await sinkCounts(sql, path)).size, 0, 'nothing was written before the kill');

		restartedFolder = userFolder;
		n8n = await startN8n({ userFolder, reuseInstalledPackage: true });
		await n8n.activate(workflow.id).catch(() => undefined);

		// The claims of the killed executions run out with their lease (6 s), usually during the restart.
		await new Promise((resolve) => setTimeout(resolve, Math.max(0, killedAt + 6500 - Date.now())));
		const resent = await Promise.all(
			deliveries('kill', 2).map((orderId) => n8n.runWebhook(path, { orderId })),
		);
		const routes = resent.map((result) => routeOf(result.body));
		assert.equal(routes.filter((route) => route === 'completed').length, ORDERS, routes.join(', '));
		const again = await Promise.all(
			deliveries('kill', 1).map((orderId) => n8n.runWebhook(path, { orderId })),
		);
		assert.deepEqual(
			again.map((result) => routeOf(result.body)),
			Array(ORDERS).fill('duplicate'),
		);
		const counts = await sinkCounts(sql, path);
		console.log(
			`[e2e] kill -9 and restart: ${ORDERS} orders re-sent -> ${[...counts.values()].reduce((a, b) => a + b, 0)} rows written`,
		);
		assert.equal(counts.size, ORDERS);
		assert.deepEqual([...counts.values()], Array(ORDERS).fill(1));
	});

	it('the store stopped (a private Redis): Claim under Continue (using error output) puts every item on the error output, none on Proceed (finding 1)', async () => {
		const { redis, credential } = await stoppedRedis(n8n, 'Stopped Redis');
		try {
			const guard = {
				type: `${PACKAGE_NAME}.idempotentWrite`,
				typeVersion: 2,
				parameters: {
					operation: 'claim',
					scope: `outage-${RUN}`,
					keySource: 'fields',
					keyFields: 'orderId',
					options: {},
				},
			};
			const workflow = await n8n.importWorkflow(
				outageWorkflow(`e2e idempotent write outage ${RUN}`, guard, credential),
			);
			const execution = await n8n.executeById(workflow.id, { triggerNode: 'Run' });
			assert.equal(execution.status, 'success', JSON.stringify(execution.error));
			const claim = execution.node('Guard').byName;
			const routed = Object.fromEntries(
				Object.entries(claim).map(([name, items]) => [name, items.length]),
			);
			console.log(`[e2e] Claim with its Redis stopped: ${JSON.stringify(routed)}`);
			assert.deepEqual(routed, {
				Proceed: 0,
				Duplicate: 0,
				'In Flight': 0,
				Conflict: 0,
				Reconcile: 0,
				error: 2,
			});
			for (const item of claim.error)
				assert.match(
					String(item.json.error),
					new RegExp(`Redis at 127\\.0\\.0\\.1:${redis.port} \\(db 0\\): unreachable`),
				);
			assert.deepEqual(
				claim.error.map((item) => item.json.orderId),
				['o-1', 'o-2'],
				'the items travel with their error',
			);
		} finally {
			await redis.dispose();
		}
	});

	it('the shipped example with its vendor stand-in: one invoice sent 4 times at once is created once; after an execution died having written, the re-send reconciles instead of creating again', async () => {
		const example = (name: string) => {
			const text = readFileSync(`${repoRoot()}/examples/${name}`, 'utf8').replaceAll(
				'http://127.0.0.1:5678',
				n8n.baseUrl,
			);
			return JSON.parse(text) as WorkflowJson;
		};
		const invoices = example('idempotent-write-invoices.json');
		for (const node of invoices.nodes) {
			if (node.type === `${PACKAGE_NAME}.idempotentWrite`)
				(node.parameters as { scope: string }).scope = `demo-invoices-${RUN}`;
		}
		const vendor = await n8n.importWorkflow(example('vendor-stand-in.json'));
		await n8n.activate(vendor.id);
		const workflow = await n8n.importWorkflow(invoices);
		await n8n.activate(workflow.id);
		const answers = await Promise.all(
			Array.from({ length: 4 }, () =>
				n8n.runWebhook('demo-invoices', {
					invoiceNumber: `INV-${RUN}`,
					amount: 100,
					currency: 'AUD',
				}),
			),
		);
		const summary = answers.map((answer) => `${answer.status} ${JSON.stringify(answer.body)}`);
		console.log(`[e2e] shipped Idempotent Write example, 4 copies at once: ${summary.join(' | ')}`);
		assert.deepEqual(
			answers.map((answer) => answer.status).sort(),
			[200, 200, 200, 201],
			summary.join('\n'),
		);
		const ids = new Set(answers.map((answer) => (answer.body as { invoiceId?: string }).invoiceId));
		assert.equal(ids.size, 1, `every copy answered with the one invoice: ${summary.join('\n')}`);

		// An execution that claimed an invoice, had the vendor create it and died before
		// Complete (its claim is taken here by a Claim-only workflow with a 3 s lease).
		const dead = `INV-dead-${RUN}`;
		const claimOnly = await n8n.importWorkflow({
			name: `e2e dead claim ${RUN}`,
			nodes: [
				{
					id: 'trigger',
					name: 'Run',
					type: 'n8n-nodes-base.manualTrigger',
					typeVersion: 1,
					position: [0, 0],
					parameters: {},
				},
				{
					id: 'body',
					name: 'Body',
					type: 'n8n-nodes-base.set',
					typeVersion: 3.4,
					position: [220, 0],
					parameters: {
						mode: 'raw',
						jsonOutput: JSON.stringify({ body: { invoiceNumber: dead } }),
						options: {},
					},
				},
				{
					id: 'claim',
					name: 'Claim',
					type: `${PACKAGE_NAME}.idempotentWrite`,
					typeVersion: 2,
					position: [440, 0],
					parameters: {
						operation: 'claim',
						scope: `demo-invoices-${RUN}`,
						keySource: 'fields',
						keyFields: 'body.invoiceNumber',
						leaseMinutes: 0.05,
						options: {},
					},
				},
			],
			connections: {
				Run: { main: [[{ node: 'Body', type: 'main', index: 0 }]] },
				Body: { main: [[{ node: 'Claim', type: 'main', index: 0 }]] },
			},
			settings: { executionOrder: 'v1' },
		} as WorkflowJson);
		const claimed = await n8n.executeById(claimOnly.id, { triggerNode: 'Run' });
		assert.equal(claimed.json('Claim', 'Proceed').length, 1, JSON.stringify(claimed.error));
		const written = await n8n.runWebhook('demo-vendor-invoices', {
			invoiceNumber: dead,
			amount: 100,
			currency: 'AUD',
		});
		const writtenId = (written.body as { id: string }).id;
		await new Promise((resolve) => setTimeout(resolve, 3500));
		const resent = await n8n.runWebhook('demo-invoices', {
			invoiceNumber: dead,
			amount: 100,
			currency: 'AUD',
		});
		console.log(
			`[e2e] shipped example after a dead execution had written ${writtenId}: ${resent.status} ${JSON.stringify(resent.body)}`,
		);
		assert.equal(resent.status, 201, JSON.stringify(resent.body));
		assert.equal(
			(resent.body as { invoiceId: string }).invoiceId,
			writtenId,
			'Reconcile found the invoice the dead execution wrote: no second create',
		);
		await n8n.deactivate(workflow.id);
		await n8n.deactivate(vendor.id);
	});
	it('version 3 from the editor: a repeated order in one run goes to Duplicate, Complete pairs with the Claim by itself, and the next run finds every order done', async () => {
		const scope = `e2e-newcomer-${RUN}`;
		const orders = ['A-1001', 'A-1002', 'A-1001', 'A-1003', 'A-1004'];
		const guard = (name: string, parameters: IDataObject, x: number) => ({
			id: name.toLowerCase().replaceAll(' ', '-'),
			name,
			type: `${PACKAGE_NAME}.idempotentWrite`,
			typeVersion: 3,
			position: [x, 0] as [number, number],
			parameters,
		});
		const workflow = await n8n.importWorkflow({
			name: `e2e newcomer ${RUN}`,
			nodes: [
				{
					id: 'trigger',
					name: 'Run',
					type: 'n8n-nodes-base.manualTrigger',
					typeVersion: 1,
					position: [0, 0],
					parameters: {},
				},
				{
					id: 'orders',
					name: 'Orders',
					type: 'n8n-nodes-base.code',
					typeVersion: 2,
					position: [220, 0],
					parameters: {
						jsCode: `return ${JSON.stringify(orders)}.map((orderId) => ({ json: { orderId, amount: 10 } }));`,
					},
				},
				guard(
					'Claim',
					{ operation: 'claim', scope, keySource: 'fields', keyFields: 'orderId', options: {} },
					440,
				),
				{
					id: 'write',
					name: 'Write',
					type: 'n8n-nodes-base.set',
					typeVersion: 3.4,
					position: [660, 0],
					parameters: {
						mode: 'raw',
						jsonOutput: '={{ { id: "inv-" + $json.orderId } }}',
						options: {},
					},
				},
				// Scope left empty here: Scope From (its default) takes the Claim's.
				guard('Complete', { operation: 'complete', resultFields: 'id' }, 880),
			],
			connections: {
				Run: { main: [[{ node: 'Orders', type: 'main', index: 0 }]] },
				Orders: { main: [[{ node: 'Claim', type: 'main', index: 0 }]] },
				Claim: { main: [[{ node: 'Write', type: 'main', index: 0 }]] },
				Write: { main: [[{ node: 'Complete', type: 'main', index: 0 }]] },
			},
			settings: { executionOrder: 'v1' },
		} as WorkflowJson);

		const first = await n8n.executeById(workflow.id, { triggerNode: 'Run' });
		assert.equal(first.status, 'success', JSON.stringify(first.error));
		const proceed = first.json('Claim', 'Proceed');
		const duplicate = first.json('Claim', 'Duplicate');
		assert.deepEqual(
			proceed.map((item) => item.orderId),
			['A-1001', 'A-1002', 'A-1003', 'A-1004'],
		);
		assert.deepEqual(
			duplicate.map((item) => [item.orderId, (item.idempotentWrite as IDataObject).repeatOfItem]),
			[['A-1001', 0]],
		);
		assert.deepEqual(first.json('Claim', 'In Flight'), []);
		// Lean items: the input's fields and one stamp, no correlation ID.
		assert.deepEqual(Object.keys(proceed[0]).sort(), ['amount', 'idempotentWrite', 'orderId']);
		const claimHints = (first.node('Claim').raw.hints ?? []).map((hint) => hint.message);
		assert.ok(
			claimHints.some((message) =>
				message.startsWith('Manual run: keys were claimed for 10 seconds'),
			),
			claimHints.join('\n'),
		);
		const completed = first.json('Complete', 0);
		assert.deepEqual(
			completed.map((item) => (item.idempotentWrite as IDataObject).claimFound),
			[true, true, true, true],
		);
		const completeHints = (first.node('Complete').raw.hints ?? []).map((hint) => hint.message);
		assert.deepEqual(completeHints, [`Paired with the Claim node "Claim": Scope "${scope}".`]);

		const second = await n8n.executeById(workflow.id, { triggerNode: 'Run' });
		assert.equal(second.status, 'success', JSON.stringify(second.error));
		assert.deepEqual(second.json('Claim', 'Proceed'), []);
		assert.deepEqual(
			second
				.json('Claim', 'Duplicate')
				.map((item) => [
					item.orderId,
					((item.idempotentWrite as IDataObject).result as IDataObject).id,
				]),
			[
				['A-1001', 'inv-A-1001'],
				['A-1002', 'inv-A-1002'],
				['A-1001', 'inv-A-1001'],
				['A-1003', 'inv-A-1003'],
				['A-1004', 'inv-A-1004'],
			],
		);
	});
});
