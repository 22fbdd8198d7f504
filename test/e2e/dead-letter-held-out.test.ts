// Issue 19's "Done when", in a real n8n, on the embedded store and on Postgres: 500 orders
// through a vendor that fails a deterministic 20 % — 422 data errors, 503s and 200s whose
// body says {"success": false} — built as a user builds it:
//
//   capture     Manual → 500 orders → HTTP Request (error output) ─▶ Dead Letter Capture
//                                            └ success ─▶ Find Hidden Failures (All Responses)
//   redelivery  Dead Letter Trigger (active) → HTTP Request → Find Hidden Failures → Resolve
//                                                 └ error ─▶ Capture Again
//   fix         Manual → List Data Errors → Edit Fields (the user's fix of the email)
//               → Replay Edited (Records Named by Input Items) → HTTP Request → … → Resolve
//
// Every order carries an `api_key`, redacted when stored: the Captures keep the original
// encrypted (Redacted Values: Keep Encrypted, an Encryption Key credential), the trigger
// and the edited replay send it back exactly. One poll while the vendor is still down
// (each record captured again), then the vendor recovers and the active trigger's own
// poll redelivers; the data errors go through the edited replay. Asserted: 500/500
// delivered exactly once, nothing lost, every body the vendor got is the order as
// captured (or as the user edited it), byte for byte, never with our metadata or a
// placeholder, and every record resolved. The figures go to stderr.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';
import { Client } from 'pg';

import { startN8n, type N8nInstance, type WorkflowJson } from './harness';
import {
	deadLetter,
	listWorkflow,
	sleep,
	statusCounts,
	TRIGGER_TYPE,
	until,
	type QueueTarget,
} from './redelivery-workflows';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const SCHEMA = `dl_heldout_${RUN}`;
const PG = { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' };
const ORDERS = 500;
const ENCRYPTION = 'integrationGuardsEncryptionApi';

type Kind = 'ok' | 'data' | 'outage' | 'hidden';

/** A deterministic 20 %: every fifth order fails, in turn with a 422, a 503 or a 200 that says it failed. */
function kindOf(orderId: number): Kind {
	if (orderId % 5 !== 0) return 'ok';
	return (['data', 'outage', 'hidden'] as const)[(orderId / 5) % 3];
}
const IDS = Array.from({ length: ORDERS }, (_, index) => index + 1);
const idsOf = (kind: Kind) => IDS.filter((id) => kindOf(id) === kind);
const FAILING = IDS.filter((id) => kindOf(id) !== 'ok');

/** The order as the capture workflow builds it: a data error's email is written wrongly. */
function order(orderId: number): IDataObject {
	return {
		orderId,
		customer: `Customer ${orderId}`,
		email:
			kindOf(orderId) === 'data'
				? `customer${orderId}-at-example.com`
				: `customer${orderId}@example.com`,
		amount: orderId * 10,
		api_key: `sk_live_${orderId.toString(16).padStart(6, '0')}a1b2c3d4e5f6`,
	};
}

/** The order after the user's fix (the Edit Fields node of the fix workflow). */
const fixed = (orderId: number): IDataObject => ({
	...order(orderId),
	email: String(order(orderId).email).replace('-at-', '@'),
});

/** What the vendor must have accepted for an order: the order exactly, or its fix. */
const deliveredBody = (orderId: number) =>
	JSON.stringify(kindOf(orderId) === 'data' ? fixed(orderId) : order(orderId));

interface HeldOutVendor {
	url: string;
	/** false: 503s and hidden failures fail; true: they go through. Data errors fail until fixed. */
	recovered: boolean;
	/** Deliveries (answered 200 with success true), by orderId. */
	delivered: Map<number, number>;
	/** Every body that arrived, as sent. */
	received: string[];
	reset(): void;
	close(): Promise<void>;
}

async function startHeldOutVendor(): Promise<HeldOutVendor> {
	const vendor: HeldOutVendor = {
		url: '',
		recovered: false,
		delivered: new Map(),
		received: [],
		reset() {
			vendor.recovered = false;
			vendor.delivered.clear();
			vendor.received.length = 0;
		},
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
	const server: Server = createServer((request, response) => {
		let text = '';
		request.on('data', (chunk: Buffer) => (text += chunk.toString()));
		request.on('end', () => {
			vendor.received.push(text);
			const answer = (status: number, body: IDataObject) => {
				response.writeHead(status, { 'content-type': 'application/json' });
				response.end(JSON.stringify(body));
			};
			let sent: IDataObject;
			try {
				sent = JSON.parse(text) as IDataObject;
			} catch {
				answer(400, { message: 'Body is not JSON' });
				return;
			}
			const id = Number(sent.orderId);
			const kind = kindOf(id);
			if (!/^[^@\s]+@[^@\s]+\.[a-z]+$/.test(String(sent.email)))
				return answer(422, { message: 'Validation failed: email is not a valid address' });
			if (!vendor.recovered && kind === 'outage')
				return answer(503, { message: 'Service temporarily unavailable' });
			if (!vendor.recovered && kind === 'hidden')
				return answer(200, {
					success: false,
					message: 'Service temporarily unavailable, try again later',
				});
			vendor.delivered.set(id, (vendor.delivered.get(id) ?? 0) + 1);
			answer(200, { success: true, id: `ord_${id}` });
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	vendor.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
	return vendor;
}

/** A Dead Letter node that keeps originals encrypted with the test's key. */
function sealing(
	name: string,
	target: QueueTarget,
	parameters: IDataObject,
	position: [number, number],
	key: { id: string; name: string },
) {
	const node = deadLetter(name, target, { redactedValues: 'encrypted', ...parameters }, position);
	return {
		...node,
		credentials: { ...(node.credentials ?? {}), [ENCRYPTION]: key },
	};
}

/** The vendor call a user writes: the order (first try) or `$json.payload` (a replay), the key as a header. */
function sendOrder(name: string, url: string, position: [number, number], replay: boolean) {
	return {
		name,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position,
		onError: 'continueErrorOutput',
		parameters: {
			method: 'POST',
			url,
			sendHeaders: replay,
			headerParameters: replay
				? {
						parameters: [
							{ name: 'Idempotency-Key', value: '={{ $json.deadLetter.idempotencyKey }}' },
						],
					}
				: { parameters: [] },
			sendBody: true,
			specifyBody: 'json',
			jsonBody: replay ? '={{ JSON.stringify($json.payload) }}' : '={{ JSON.stringify($json) }}',
			options: {},
		},
	};
}

const link = (node: string, index = 0) => ({ node, type: 'main', index });

function captureWorkflow(
	target: QueueTarget,
	url: string,
	key: { id: string; name: string },
): WorkflowJson {
	return {
		name: `held-out capture (${target.store})`,
		nodes: [
			{
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				name: 'Orders',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [200, 0],
				parameters: {
					jsCode: `const kind = (id) => (id % 5 !== 0 ? 'ok' : ['data', 'outage', 'hidden'][(id / 5) % 3]);
return Array.from({ length: ${ORDERS} }, (_, i) => {
  const orderId = i + 1;
  return { json: {
    orderId,
    customer: 'Customer ' + orderId,
    email: kind(orderId) === 'data' ? 'customer' + orderId + '-at-example.com' : 'customer' + orderId + '@example.com',
    amount: orderId * 10,
    api_key: 'sk_live_' + orderId.toString(16).padStart(6, '0') + 'a1b2c3d4e5f6',
  } };
});`,
				},
			},
			sendOrder('Send Order', url, [400, 0], false),
			sealing(
				'Find Hidden Failures',
				target,
				{ operation: 'capture', incoming: 'responses' },
				[650, -100],
				key,
			),
			sealing('Capture Failure', target, { operation: 'capture' }, [650, 150], key),
			{
				name: 'Delivered',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [900, -100],
				parameters: {},
			},
		],
		connections: {
			Start: { main: [[link('Orders')]] },
			Orders: { main: [[link('Send Order')]] },
			'Send Order': { main: [[link('Find Hidden Failures')], [link('Capture Failure')]] },
			'Find Hidden Failures': { main: [[], [], [], [link('Delivered')]] },
		},
		settings: { executionOrder: 'v1' },
	} as unknown as WorkflowJson;
}

/** Send → Find Hidden Failures → Resolve; an error, or a hidden failure, captured again. */
function replayTail(
	prefix: string,
	target: QueueTarget,
	url: string,
	key: { id: string; name: string },
	x: number,
) {
	return {
		nodes: [
			sendOrder(`${prefix}Send Order`, url, [x, 0], true),
			sealing(
				`${prefix}Find Hidden Failures`,
				target,
				{ operation: 'capture', incoming: 'responses' },
				[x + 250, -100],
				key,
			),
			sealing(`${prefix}Capture Again`, target, { operation: 'capture' }, [x + 250, 150], key),
			deadLetter(`${prefix}Resolve`, target, { operation: 'resolve' }, [x + 500, -100]),
		],
		connections: {
			[`${prefix}Send Order`]: {
				main: [[link(`${prefix}Find Hidden Failures`)], [link(`${prefix}Capture Again`)]],
			},
			[`${prefix}Find Hidden Failures`]: { main: [[], [], [], [link(`${prefix}Resolve`)]] },
		},
	};
}

function redeliveryWorkflow(
	target: QueueTarget,
	url: string,
	key: { id: string; name: string },
): WorkflowJson {
	const tail = replayTail('', target, url, key, 250);
	return {
		name: `held-out redelivery (${target.store})`,
		nodes: [
			{
				name: 'Dead Letter Trigger',
				type: TRIGGER_TYPE,
				typeVersion: 1,
				position: [0, 0],
				parameters: {
					pollTimes: { item: [{ mode: 'everyMinute' }] },
					store: target.store,
					scope: target.scope,
					// Seconds, not minutes, and no jitter: the test knows when a record is due.
					transientMinutes: '0.02, 0.02, 0.02',
					rateLimitMinutes: '0.02, 0.02, 0.02',
					jitterPercent: 0,
					redactedValues: 'encrypted',
				},
				credentials: {
					...(target.credential ? { integrationGuardsPostgresApi: target.credential } : {}),
					[ENCRYPTION]: key,
				},
			},
			...tail.nodes,
		],
		connections: {
			'Dead Letter Trigger': { main: [[link('Send Order')], []] },
			...tail.connections,
		},
		settings: { executionOrder: 'v1' },
	} as unknown as WorkflowJson;
}

/** The documented pattern for data errors: List → your fix → Replay with Records Named by Input Items. */
function fixWorkflow(
	target: QueueTarget,
	url: string,
	key: { id: string; name: string },
): WorkflowJson {
	const tail = replayTail('Fixed: ', target, url, key, 750);
	return {
		name: `held-out fix (${target.store})`,
		nodes: [
			{
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			deadLetter(
				'List Data Errors',
				target,
				{ operation: 'list', statuses: ['pending'], classes: ['data'], limit: 500 },
				[200, 0],
			),
			{
				name: 'Fix Email',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				position: [400, 0],
				parameters: {
					mode: 'manual',
					assignments: {
						assignments: [
							{
								id: 'fix-email',
								name: 'payload.email',
								value: "={{ $json.payload.email.replace('-at-', '@') }}",
								type: 'string',
							},
						],
					},
					includeOtherFields: true,
					options: {},
				},
			},
			sealing(
				'Replay Edited',
				target,
				{ operation: 'replay', source: 'items', maxRecords: 500 },
				[600, 0],
				key,
			),
			...tail.nodes,
		],
		connections: {
			Start: { main: [[link('List Data Errors')]] },
			'List Data Errors': { main: [[link('Fix Email')]] },
			'Fix Email': { main: [[link('Replay Edited')]] },
			'Replay Edited': { main: [[link('Fixed: Send Order')], [], []] },
			...tail.connections,
		},
		settings: { executionOrder: 'v1' },
	} as unknown as WorkflowJson;
}

const classesOf = (items: IDataObject[]) => {
	const counts: Record<string, number> = {};
	for (const item of items) {
		const name = String((item.deadLetter as IDataObject).class);
		counts[name] = (counts[name] ?? 0) + 1;
	}
	return counts;
};
const orderIdsOf = (items: IDataObject[]) =>
	items.map((item) => Number((item.payload as IDataObject).orderId)).sort((a, b) => a - b);

describe('n8n end to end: the held-out recovery scenario (issue 19)', () => {
	let n8n: N8nInstance;
	let sql: Client;
	let vendor: HeldOutVendor;
	let postgresCredential: { id: string; name: string };
	let key: { id: string; name: string };
	const figures: string[] = [];

	before(
		async () => {
			sql = new Client({ ...PG, connectionTimeoutMillis: 5000 });
			await sql.connect();
			vendor = await startHeldOutVendor();
			n8n = await startN8n();
			postgresCredential = await n8n.createCredential(
				'integrationGuardsPostgresApi',
				'Held-out Postgres',
				{ ...PG, password: '', ssl: 'disable', schema: SCHEMA, tablePrefix: 'dl_' },
			);
			key = await n8n.createCredential(ENCRYPTION, 'Held-out originals', {
				keyId: 'held-out-1',
				secretKey: randomBytes(32).toString('base64'),
				previousSecretKeys: '',
			});
		},
		{ timeout: 20 * 60_000 },
	);

	after(
		async () => {
			if (figures.length > 0)
				process.stderr.write(
					`\n| store | delivered | duplicates | lost | bodies exact | requests | time |\n|---|---|---|---|---|---|---|\n${figures.join('\n')}\n`,
				);
			await n8n?.stop();
			await vendor?.close();
			await sql?.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
			await sql?.end();
		},
		{ timeout: 60_000 },
	);

	for (const store of ['embedded', 'postgres'] as const) {
		it(
			`${store} store: ${ORDERS} orders, 20 % failing (422, 503, 200 with success false), recovered by the trigger and an edited replay, each delivered exactly once as captured`,
			{ timeout: 6 * 60_000 },
			async () => {
				const started = Date.now();
				vendor.reset();
				const target: QueueTarget = {
					store,
					scope: `held-out-${RUN}-${store}`,
					...(store === 'postgres' ? { credential: postgresCredential } : {}),
				};
				const capture = await n8n.importWorkflow(captureWorkflow(target, vendor.url, key));
				const redelivery = await n8n.importWorkflow(redeliveryWorkflow(target, vendor.url, key));
				const fix = await n8n.importWorkflow(fixWorkflow(target, vendor.url, key));
				const list = await n8n.importWorkflow(listWorkflow(target, `held-out list (${store})`));

				// 1. First tries: 400 delivered; the 100 failures captured, each by its class.
				const first = await n8n.executeById(capture.id);
				assert.equal(first.status, 'success', JSON.stringify(first.error));
				assert.equal(first.json('Find Hidden Failures', 'Succeeded').length, 400);
				const failed = first.json('Capture Failure', 'Captured');
				const hidden = first.json('Find Hidden Failures', 'Captured');
				assert.deepEqual(classesOf(failed), {
					data: idsOf('data').length,
					transient: idsOf('outage').length,
				});
				assert.deepEqual(classesOf(hidden), { transient: idsOf('hidden').length });
				for (const item of [...failed, ...hidden])
					assert.doesNotMatch(JSON.stringify(item), /sk_live_/, 'no secret in the run data');
				assert.equal(vendor.delivered.size, ORDERS - FAILING.length);

				// 2. A poll while the vendor is still down: the 503s and hidden failures go once
				// more, fail, and are captured again (attempt 2); data errors are not sent.
				await sleep(1500);
				const down = await n8n.executeById(redelivery.id, { triggerNode: 'Dead Letter Trigger' });
				assert.equal(down.status, 'success', JSON.stringify(down.error));
				const handedOut = down.json('Dead Letter Trigger', 'Records');
				assert.deepEqual(
					orderIdsOf(handedOut),
					[...idsOf('outage'), ...idsOf('hidden')].sort((a, b) => a - b),
				);
				assert.deepEqual(
					[...new Set(handedOut.map((item) => (item.deadLetter as IDataObject).attempt))],
					[2],
				);
				const again = [
					...down.json('Capture Again', 'Captured'),
					...down.json('Find Hidden Failures', 'Captured'),
				];
				assert.equal(again.length, idsOf('outage').length + idsOf('hidden').length);
				assert.deepEqual(
					[...new Set(again.map((item) => (item.deadLetter as IDataObject).outcome))],
					['returned'],
				);
				assert.equal(vendor.delivered.size, ORDERS - FAILING.length);

				// 3. The vendor recovers; the active trigger's own poll redelivers the rest.
				vendor.recovered = true;
				await sleep(1500);
				await n8n.activate(redelivery.id);
				try {
					const recovered = await until(
						() => vendor.delivered.size === ORDERS - idsOf('data').length,
						150_000,
					);
					assert.ok(recovered, `delivered ${vendor.delivered.size}\n${n8n.logTail(30)}`);
				} finally {
					await n8n.deactivate(redelivery.id);
				}

				// 4. The data errors: listed, fixed by the user's Edit Fields, replayed edited.
				const fixing = await n8n.executeById(fix.id);
				assert.equal(fixing.status, 'success', JSON.stringify(fixing.error));
				assert.deepEqual(orderIdsOf(fixing.json('Replay Edited', 'Replay')), idsOf('data'));
				assert.deepEqual(fixing.json('Replay Edited', 'Needs Input'), []);
				assert.deepEqual(fixing.json('Replay Edited', 'Not Replayed'), []);
				assert.equal(fixing.json('Fixed: Resolve', 'Resolved').length, idsOf('data').length);
				// Let a stray second delivery show itself, were there one.
				await sleep(3000);

				// 500/500, each exactly once; nothing lost.
				const duplicates = [...vendor.delivered].filter(([, count]) => count !== 1);
				const lost = IDS.filter((id) => !vendor.delivered.has(id));
				assert.deepEqual(duplicates, [], 'every order delivered exactly once');
				assert.deepEqual(lost, [], 'every order delivered');

				// Every body the vendor got — first tries, the redeliveries while down and after,
				// the edited replays — is the order as captured, or as the user fixed it, byte for
				// byte: the original api_key, none of our fields, no placeholder.
				let exact = 0;
				for (const body of vendor.received) {
					assert.doesNotMatch(body, /deadLetter|correlationId|\[REDACTED\]|idempotencyKey/, body);
					const id = Number((JSON.parse(body) as IDataObject).orderId);
					const allowed = [JSON.stringify(order(id)), deliveredBody(id)];
					assert.ok(allowed.includes(body), `the order exactly as captured or fixed: ${body}`);
					exact++;
				}
				const requests =
					ORDERS + 2 * (idsOf('outage').length + idsOf('hidden').length) + idsOf('data').length;
				assert.equal(vendor.received.length, requests, 'no request more than the scenario makes');

				// Every record resolved; a poll now finds nothing.
				const listed = await until(async () => {
					const run = await n8n.executeById(list.id);
					return statusCounts(run.json('List', 'Records')).resolved === FAILING.length;
				}, 30_000);
				const final = await n8n.executeById(list.id);
				assert.ok(listed, JSON.stringify(statusCounts(final.json('List', 'Records'))));
				assert.deepEqual(statusCounts(final.json('List', 'Records')), {
					resolved: FAILING.length,
				});
				if (store === 'postgres') {
					const { rows } = await sql.query<{ status: string; count: string }>(
						`SELECT status, count(*) AS count FROM ${SCHEMA}.dl_queue GROUP BY status`,
					);
					assert.deepEqual(
						rows.map((row) => [row.status, Number(row.count)]),
						[['done', FAILING.length]],
					);
				}
				const seconds = ((Date.now() - started) / 1000).toFixed(1);
				figures.push(
					`| ${store} | ${vendor.delivered.size}/${ORDERS} | ${duplicates.length} | ${lost.length} | ${exact}/${vendor.received.length} | ${requests} | ${seconds} s |`,
				);
			},
		);
	}
});
