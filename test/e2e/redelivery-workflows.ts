// What the redelivery end-to-end tests share: a vendor stand-in on 127.0.0.1 that fails
// with 503 until told to recover and counts each order it accepts, the capture workflow
// (orders → vendor → error output → Dead Letter Capture), the redelivery workflow (Dead
// Letter Trigger → vendor → Resolve, or Capture again) and a List of the queue.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';

import { PACKAGE_NAME, type WorkflowJson } from './harness';

export const DEAD_LETTER_TYPE = `${PACKAGE_NAME}.deadLetter`;
export const TRIGGER_TYPE = `${PACKAGE_NAME}.deadLetterTrigger`;

export interface Vendor {
	url: string;
	/** 503 for every call while true. */
	down: boolean;
	/** Milliseconds the vendor takes to answer an accepted order. */
	delayMs: number;
	/** Accepted orders, by orderId: how many times each was accepted. */
	accepted: Map<number, number>;
	/** Bodies of the accepted orders, as sent. */
	bodies: string[];
	/** Every body that arrived, up or down, as sent. */
	received: string[];
	failed: number;
	/** Every order that arrived while up, with the worker that sent it (X-Worker) and its Idempotency-Key. */
	arrivals: Array<{ orderId: number; worker: string; key: string }>;
	/** Orders whose caller was gone before the answer (a killed worker): not applied, as a vendor rolls back. */
	dropped: number;
	/** Workers whose answers were delivered, by orderId. */
	acceptedBy: Map<number, string>;
	close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
	let body = '';
	for await (const chunk of request) body += (chunk as Buffer).toString();
	return body;
}

export async function startVendor(): Promise<Vendor> {
	const vendor: Vendor = {
		url: '',
		down: true,
		delayMs: 0,
		accepted: new Map(),
		bodies: [],
		received: [],
		failed: 0,
		arrivals: [],
		dropped: 0,
		acceptedBy: new Map(),
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
	const server: Server = createServer((request, response) => {
		readBody(request)
			.then(async (text) => {
				vendor.received.push(text);
				const answer = (status: number, body: IDataObject) => {
					response.writeHead(status, { 'content-type': 'application/json' });
					response.end(JSON.stringify(body));
				};
				if (vendor.down) {
					vendor.failed++;
					answer(503, { message: 'Service temporarily unavailable' });
					return;
				}
				const order = JSON.parse(text) as IDataObject;
				const id = Number(order.orderId);
				const worker = String(request.headers['x-worker'] ?? 'main');
				vendor.arrivals.push({
					orderId: id,
					worker,
					key: String(request.headers['idempotency-key'] ?? ''),
				});
				if (vendor.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, vendor.delayMs));
				if (request.socket.destroyed) {
					vendor.dropped++;
					return;
				}
				vendor.accepted.set(id, (vendor.accepted.get(id) ?? 0) + 1);
				vendor.acceptedBy.set(id, worker);
				vendor.bodies.push(text);
				answer(200, { id: `crm_${id}` });
			})
			.catch((error: Error) => {
				response.writeHead(500);
				response.end(error.message);
			});
	});
	server.requestTimeout = 60_000;
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	vendor.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
	return vendor;
}

export interface QueueTarget {
	store: 'embedded' | 'postgres';
	scope: string;
	credential?: { id: string; name: string };
}

export function deadLetter(
	name: string,
	target: QueueTarget,
	parameters: IDataObject,
	position: [number, number],
) {
	return {
		name,
		type: DEAD_LETTER_TYPE,
		typeVersion: 2.2,
		position,
		parameters: { store: target.store, scope: target.scope, ...parameters },
		...(target.credential
			? { credentials: { integrationGuardsPostgresApi: target.credential } }
			: {}),
	};
}

/**
 * The vendor call. A first try sends the item; a redelivery (`replay`) sends the record
 * exactly as captured, `$json.payload` (Dead Letter 2.2's items), with the idempotency
 * key as a header — the body of examples/dead-letter-redelivery.json.
 */
function vendorCall(
	url: string,
	position: [number, number],
	replay: boolean,
	workerHeader = false,
) {
	return {
		name: 'Send Order',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position,
		onError: 'continueErrorOutput',
		parameters: {
			method: 'POST',
			url,
			sendHeaders: true,
			headerParameters: {
				parameters: [
					{
						name: 'Idempotency-Key',
						value: replay ? '={{ $json.deadLetter.idempotencyKey }}' : '',
					},
					// Queue mode: which worker sent it (the queue harness sets E2E_WORKER and allows $env).
					...(workerHeader ? [{ name: 'X-Worker', value: '={{ $env.E2E_WORKER }}' }] : []),
				],
			},
			sendBody: true,
			specifyBody: 'json',
			jsonBody: replay ? '={{ JSON.stringify($json.payload) }}' : '={{ JSON.stringify($json) }}',
			options: { timeout: 60_000 },
		},
	};
}

/** Manual trigger → `count` orders → vendor → (error output) Capture. */
export function captureWorkflow(
	target: QueueTarget,
	url: string,
	count: number,
	name: string,
): WorkflowJson {
	return {
		name,
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
					jsCode: `return Array.from({ length: ${count} }, (_, i) => ({ json: { orderId: i + 1, amount: (i + 1) * 10 } }));`,
				},
			},
			vendorCall(url, [400, 0], false),
			deadLetter(
				'Capture',
				target,
				{ operation: 'capture', maxAttempts: 10, depthThreshold: 0 },
				[600, 100],
			),
		],
		connections: {
			Start: { main: [[{ node: 'Orders', type: 'main', index: 0 }]] },
			Orders: { main: [[{ node: 'Send Order', type: 'main', index: 0 }]] },
			'Send Order': { main: [[], [{ node: 'Capture', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	} as unknown as WorkflowJson;
}

/** Dead Letter Trigger → vendor → Resolve (success) or Capture (failure). */
export function redeliveryWorkflow(
	target: QueueTarget,
	url: string,
	trigger: IDataObject,
	name: string,
	workerHeader = false,
): WorkflowJson {
	return {
		name,
		nodes: [
			{
				name: 'Dead Letter Trigger',
				type: TRIGGER_TYPE,
				typeVersion: 1,
				position: [0, 0],
				parameters: {
					// Every minute unless the test says otherwise.
					pollTimes: { item: [{ mode: 'everyMinute' }] },
					store: target.store,
					scope: target.scope,
					jitterPercent: 0,
					...trigger,
				},
				...(target.credential
					? { credentials: { integrationGuardsPostgresApi: target.credential } }
					: {}),
			},
			vendorCall(url, [250, 0], true, workerHeader),
			deadLetter('Resolve', target, { operation: 'resolve' }, [500, -100]),
			deadLetter(
				'Capture Again',
				target,
				{ operation: 'capture', maxAttempts: 10, depthThreshold: 0 },
				[500, 100],
			),
		],
		connections: {
			'Dead Letter Trigger': { main: [[{ node: 'Send Order', type: 'main', index: 0 }], []] },
			'Send Order': {
				main: [
					[{ node: 'Resolve', type: 'main', index: 0 }],
					[{ node: 'Capture Again', type: 'main', index: 0 }],
				],
			},
		},
		settings: { executionOrder: 'v1' },
	} as unknown as WorkflowJson;
}

/** Manual trigger → List of every record of the queue (up to 10,000). */
export function listWorkflow(target: QueueTarget, name: string): WorkflowJson {
	return {
		name,
		nodes: [
			{
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			deadLetter(
				'List',
				target,
				{ operation: 'list', statuses: [], limit: 10_000, includePayload: false },
				[200, 0],
			),
		],
		connections: { Start: { main: [[{ node: 'List', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	} as unknown as WorkflowJson;
}

/** Status of each record of a List run's output, by status. */
export function statusCounts(records: IDataObject[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const record of records) {
		const status = String((record.deadLetter as IDataObject).status);
		counts[status] = (counts[status] ?? 0) + 1;
	}
	return counts;
}

export function resetVendor(vendor: Vendor): void {
	vendor.down = true;
	vendor.delayMs = 0;
	vendor.accepted.clear();
	vendor.acceptedBy.clear();
	vendor.bodies.length = 0;
	vendor.received.length = 0;
	vendor.arrivals.length = 0;
	vendor.failed = 0;
	vendor.dropped = 0;
}

/** The order `orderId` as the capture workflow made it: what every redelivery must send, exactly. */
export const orderOf = (orderId: number): IDataObject => ({ orderId, amount: orderId * 10 });

/**
 * Every body the vendor received from a redelivery (`since`: the count received before
 * the first one) is an order exactly as captured: nothing of ours, no placeholder.
 */
export function assertBodiesExact(vendor: Vendor, since: number): number {
	const bodies = vendor.received.slice(since);
	for (const body of bodies) {
		assert.doesNotMatch(body, /deadLetter|correlationId|\[REDACTED\]/, body);
		const order = JSON.parse(body) as IDataObject;
		assert.deepEqual(order, orderOf(Number(order.orderId)), `the captured record exactly: ${body}`);
	}
	return bodies.length;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it is true or `timeoutMs` passed; false then. */
export async function until(
	check: () => boolean | Promise<boolean>,
	timeoutMs: number,
): Promise<boolean> {
	const end = Date.now() + timeoutMs;
	while (Date.now() < end) {
		if (await check()) return true;
		await sleep(250);
	}
	return await check();
}
