// The package in n8n's queue mode (issue 10): a main process and two workers on a private
// Redis (the queue, and the guards' Redis store) and a private Postgres (n8n's database,
// and the guards' Postgres store), driven by concurrent webhook calls. A local HTTP
// receiver stands in for the vendor and records every call that really arrived.
//
// Scenarios: exactly-once writes with duplicate deliveries racing on both workers; every
// record accounted for (delivered or dead-lettered); one Circuit Breaker, one rate limit
// and one budget shared by both workers. Faults injected mid-run: kill -9 of a worker, Redis restarted, Postgres
// restarted. After recovery and a replay, nothing is lost and nothing is written twice,
// and each node's error while its store was down names the store and the cause.
//
// What n8n 2.40.7 really does, measured here (and asserted as it is):
// - kill -9 of a worker: its jobs stall and fail once their lock runs out (15 s here),
//   and their callers get "500 Error in workflow"; claims they held run out with their
//   lease, so re-sending is safe.
// - Redis restarted (4 s down, under n8n's 10 s exit threshold): every process
//   reconnects; a Claim that ran meanwhile fails with "Redis at host:port (db 1):
//   unreachable: ..."; most callers whose execution overlapped the outage are never
//   answered (the main process misses the workers' "job finished" messages).
// - Postgres restarted (n8n's database too): every caller in flight is left without an
//   answer; a node needing its credential meanwhile fails with n8n's own database
//   error (n8n reads credentials from its database on each execution), before the
//   store is reached. Callers re-send: a record already delivered is delivered again,
//   with the same Idempotency-Key, so the vendor applies it once.
//
// Also a Rate Limiter shared by both workers through Redis (the receiver never sees more
// than the limit in any second) and a Cost Guard budget shared by both (exactly the
// budgeted number of calls reach the vendor). SCENARIOS below lists the workflows.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';
import { Client } from 'pg';

import { startVendor } from '../support/nginx';

import { PACKAGE_NAME, repoRoot, type WorkflowJson, type WorkflowNodeJson } from './harness';
import { startQueueCluster, type QueueCluster } from './queue-harness';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const CALL_TIMEOUT_MS = 120_000;
/**
 * How long a caller waits during a fault: measured in n8n 2.40.7, a webhook whose
 * execution ran while Redis or Postgres restarted may never be answered (the main
 * process misses the worker's "job finished" message, or cannot read the execution),
 * so callers give up, as a vendor's webhook sender would, and re-send.
 */
const FAULT_CALL_TIMEOUT_MS = 40_000;
/** How long a caller waits for an answer without faults before it re-sends (see deliverAnswered). */
const ANSWER_TIMEOUT_MS = 45_000;

// ---------------------------------------------------------------------------------------
// The receiver: the vendor stand-in, on 127.0.0.1, recording every call
// ---------------------------------------------------------------------------------------

interface Arrival {
	route: string;
	key: string;
	worker: string;
	idempotencyKey: string;
	replay: boolean;
	status: number;
	/** When it arrived (ms). */
	at: number;
}

/** The receiver's answer; `delayMs` holds it back after the call was recorded (a slow vendor that already wrote). */
type Answer = { status: number; body: IDataObject; delayMs?: number };
type RouteHandler = (body: IDataObject, arrival: Arrival) => Answer;

interface Receiver {
	url(route: string): string;
	arrivals: Arrival[];
	/** Arrivals on a route, answered 2xx, per key. */
	accepted(route: string): Map<string, number>;
	/** Keys the vendor applied: a repeated Idempotency-Key is answered 200 and not applied again (as Stripe does). */
	applied(route: string): Map<string, number>;
	handle(route: string, handler: RouteHandler): void;
	close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
	let body = '';
	for await (const chunk of request) {
		body += (chunk as Buffer).toString();
		if (body.length > 1024 * 1024) throw new Error('body too large');
	}
	return body;
}

async function startReceiver(): Promise<Receiver> {
	const arrivals: Arrival[] = [];
	const handlers = new Map<string, RouteHandler>();
	const appliedKeys = new Map<string, Map<string, number>>();
	const server: Server = createServer((request, response) => {
		const route = (request.url ?? '/').replace(/^\/sink\//, '').split('?')[0];
		readBody(request)
			.then((text) => {
				let body: IDataObject = {};
				try {
					body = JSON.parse(text || '{}') as IDataObject;
				} catch {
					body = { unreadable: text.slice(0, 200) };
				}
				const header = (name: string) => String(request.headers[name] ?? '');
				const arrival: Arrival = {
					route,
					key: String(
						body.orderId ??
							body.invoiceNumber ??
							body.id ??
							body.key ??
							(body.body as IDataObject | undefined)?.orderId ??
							'',
					),
					worker: header('x-worker'),
					idempotencyKey: header('idempotency-key'),
					replay: body.deadLetter !== undefined,
					status: 0,
					at: Date.now(),
				};
				const handler = handlers.get(route);
				const answer: Answer = handler
					? handler(body, arrival)
					: { status: 404, body: { error: `no route ${route}` } };
				arrival.status = answer.status;
				arrivals.push(arrival);
				if (answer.status < 300) {
					const applied = appliedKeys.get(route) ?? new Map<string, number>();
					appliedKeys.set(route, applied);
					const dedupeKey = arrival.idempotencyKey || arrival.key;
					applied.set(dedupeKey, (applied.get(dedupeKey) ?? 0) + 1);
				}
				const respond = () => {
					response.writeHead(answer.status, { 'content-type': 'application/json' });
					response.end(JSON.stringify(answer.body));
				};
				if (answer.delayMs) setTimeout(respond, answer.delayMs);
				else respond();
			})
			.catch((error: Error) => {
				response.writeHead(413, { 'content-type': 'application/json' });
				response.end(JSON.stringify({ error: error.message }));
			});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sink/`;
	const countBy = (items: Arrival[]) => {
		const counts = new Map<string, number>();
		for (const item of items) counts.set(item.key, (counts.get(item.key) ?? 0) + 1);
		return counts;
	};
	return {
		url: (route) => base + route,
		arrivals,
		accepted: (route) =>
			countBy(arrivals.filter((arrival) => arrival.route === route && arrival.status < 300)),
		applied: (route) => new Map(appliedKeys.get(route) ?? []),
		handle: (route, handler) => handlers.set(route, handler),
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

// ---------------------------------------------------------------------------------------
// Webhook calls
// ---------------------------------------------------------------------------------------

interface Delivery {
	key: string;
	status: number;
	body: IDataObject;
	/** Set when the call itself failed (connection reset, timeout). */
	failure?: string;
}

async function deliver(
	baseUrl: string,
	path: string,
	key: string,
	payload: IDataObject,
	timeoutMs = CALL_TIMEOUT_MS,
): Promise<Delivery> {
	try {
		const response = await fetch(`${baseUrl}/webhook/${path}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(payload),
			signal: AbortSignal.timeout(timeoutMs),
		});
		const text = await response.text();
		let body: IDataObject;
		try {
			body = JSON.parse(text) as IDataObject;
		} catch {
			body = { text };
		}
		return { key, status: response.status, body };
	} catch (error) {
		return { key, status: 0, body: {}, failure: (error as Error).message };
	}
}

/** All at once, as concurrent callers would. */
async function deliverAll(
	baseUrl: string,
	path: string,
	payloads: Array<{ key: string; payload: IDataObject }>,
	timeoutMs = CALL_TIMEOUT_MS,
): Promise<Delivery[]> {
	return await Promise.all(
		payloads.map(({ key, payload }) => deliver(baseUrl, path, key, payload, timeoutMs)),
	);
}

/**
 * Delivers, then re-sends what got no answer within `timeoutMs`, as a webhook sender
 * does (up to `rounds` times). Measured in n8n 2.40.7 queue mode: now and then the main
 * process never answers a webhook whose execution finished on a worker (compare
 * n8n-io/n8n#35219). Returns the last answer per delivery and the keys that went unanswered.
 */
async function deliverAnswered(
	baseUrl: string,
	path: string,
	payloads: Array<{ key: string; payload: IDataObject }>,
	timeoutMs = ANSWER_TIMEOUT_MS,
	rounds = 3,
): Promise<{ answers: Delivery[]; unanswered: string[] }> {
	const answers = await deliverAll(baseUrl, path, payloads, timeoutMs);
	const unanswered: string[] = [];
	for (let round = 0; round < rounds; round++) {
		const missing = answers
			.map((answer, index) => ({ answer, index }))
			.filter(({ answer }) => answer.failure !== undefined);
		if (missing.length === 0) break;
		unanswered.push(...missing.map(({ answer }) => answer.key));
		const again = await deliverAll(
			baseUrl,
			path,
			missing.map(({ index }) => payloads[index]),
			timeoutMs,
		);
		missing.forEach(({ index }, position) => (answers[index] = again[position]));
	}
	return { answers, unanswered };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------
// Workflow building blocks
// ---------------------------------------------------------------------------------------

interface Credentials {
	redis: { id: string; name: string };
	postgres: { id: string; name: string };
}

let positionX = 0;
function node(
	name: string,
	type: string,
	typeVersion: number,
	parameters: IDataObject,
	extra: Partial<WorkflowNodeJson> = {},
): WorkflowNodeJson {
	positionX += 220;
	return { name, type, typeVersion, parameters, position: [positionX, 0], ...extra };
}

function webhook(path: string): WorkflowNodeJson {
	return node(
		'Webhook',
		'n8n-nodes-base.webhook',
		2,
		{ httpMethod: 'POST', path, responseMode: 'lastNode', options: {} },
		{ webhookId: randomUUID() },
	);
}

function wait(name: string, seconds: number): WorkflowNodeJson {
	return node(
		name,
		'n8n-nodes-base.wait',
		1.1,
		{ amount: seconds, unit: 'seconds' },
		{ webhookId: randomUUID() },
	);
}

/** POST to the receiver; X-Worker says which worker made the call. */
function callVendor(
	name: string,
	url: string,
	jsonBody: string,
	idempotencyKey: string,
	extra: Partial<WorkflowNodeJson> = {},
): WorkflowNodeJson {
	return node(
		name,
		'n8n-nodes-base.httpRequest',
		4.2,
		{
			method: 'POST',
			url,
			sendHeaders: true,
			headerParameters: {
				parameters: [
					{ name: 'Idempotency-Key', value: idempotencyKey },
					{ name: 'X-Worker', value: '={{ $env.E2E_WORKER }}' },
				],
			},
			sendBody: true,
			specifyBody: 'json',
			jsonBody,
			options: { timeout: 20_000 },
		},
		extra,
	);
}

/** The item as it is, plus which worker ran the execution and the route taken: the webhook's answer. */
function answer(name: string, route: string): WorkflowNodeJson {
	return node(name, 'n8n-nodes-base.set', 3.4, {
		mode: 'manual',
		assignments: {
			assignments: [
				{ id: randomUUID(), name: 'worker', value: '={{ $env.E2E_WORKER }}', type: 'string' },
				{ id: randomUUID(), name: 'route', value: route, type: 'string' },
			],
		},
		includeOtherFields: true,
		options: {},
	});
}

const to = (target: string, index = 0) => ({ node: target, type: 'main', index });

/** POSTs the whole item to a receiver route that echoes it back, so the item goes on unchanged. */
function checkpoint(url: string): WorkflowNodeJson {
	return callVendor('Checkpoint', url, '={{ JSON.stringify($json) }}', 'checkpoint');
}

/**
 * Webhook → [Slow Step] → Claim → Write at Vendor (Idempotency-Key) → Complete → Written;
 * Claim's other routes → Not Written. `slowBefore` puts the slow step before Claim
 * (the claim is then taken after it), else between Claim and the write.
 */
function exactlyOnceWorkflow(
	path: string,
	url: string,
	store: 'redis' | 'postgres',
	credentials: Credentials,
	slow?: { seconds: number; before: boolean; checkpointUrl: string },
): WorkflowJson {
	positionX = 0;
	const scope = `queue-e2e-${RUN}-${path}`;
	const storeCredential =
		store === 'redis'
			? { integrationGuardsRedisApi: credentials.redis }
			: { integrationGuardsPostgresApi: credentials.postgres };
	const nodes: WorkflowNodeJson[] = [
		webhook(path),
		node(
			'Claim',
			`${PACKAGE_NAME}.idempotentWrite`,
			1,
			{
				operation: 'claim',
				store,
				scope,
				keySource: 'fields',
				keyFields: 'body.orderId',
				leaseMinutes: 0.1,
				options: {},
			},
			{ credentials: storeCredential },
		),
		callVendor(
			'Write at Vendor',
			url,
			'={{ JSON.stringify({ orderId: $json.body.orderId }) }}',
			'={{ $json.idempotency.key }}',
		),
		node(
			'Complete',
			`${PACKAGE_NAME}.idempotentWrite`,
			1,
			{
				operation: 'complete',
				store,
				scope,
				keySource: 'claimed',
				claimedKey: "={{ $('Claim').item.json.idempotency.key }}",
				resultFields: '',
				options: {},
			},
			{ credentials: storeCredential },
		),
		answer('Written', 'written'),
		answer('Not Written', 'notWritten'),
	];
	const connections: IDataObject = {
		Claim: { main: [[to('Write at Vendor')], ...[1, 2, 3, 4].map(() => [to('Not Written')])] },
		'Write at Vendor': { main: [[to('Complete')]] },
		Complete: { main: [[to('Written')]] },
	};
	if (slow) {
		// Checkpoint: tells the receiver which worker is about to sit in the slow step (the
		// receiver echoes the item back), so a fault can be injected at a known moment.
		nodes.push(checkpoint(slow.checkpointUrl), wait('Slow Step', slow.seconds));
		connections.Checkpoint = { main: [[to('Slow Step')]] };
		if (slow.before) {
			connections.Webhook = { main: [[to('Checkpoint')]] };
			connections['Slow Step'] = { main: [[to('Claim')]] };
		} else {
			connections.Webhook = { main: [[to('Claim')]] };
			connections.Claim = {
				main: [[to('Checkpoint')], ...[1, 2, 3, 4].map(() => [to('Not Written')])],
			};
			connections['Slow Step'] = { main: [[to('Write at Vendor')]] };
		}
	} else {
		connections.Webhook = { main: [[to('Claim')]] };
	}
	return {
		name: `queue e2e exactly once ${path}`,
		nodes,
		connections,
		settings: { executionOrder: 'v1' },
	};
}

/**
 * Webhook → Record (the body) → [Slow Step] → Deliver (On Error: error output) → Delivered;
 * error → Capture Failure (Dead Letter, Postgres store; On Error: error output) →
 * Dead-Lettered, or Capture Failed when the store cannot take it.
 */
function recordsWorkflow(
	path: string,
	url: string,
	scope: string,
	credentials: Credentials,
	slow?: { seconds: number; checkpointUrl: string; alertUrl: string },
): WorkflowJson {
	positionX = 0;
	const nodes: WorkflowNodeJson[] = [
		webhook(path),
		node('Record', 'n8n-nodes-base.set', 3.4, {
			mode: 'raw',
			jsonOutput: '={{ JSON.stringify($json.body) }}',
			options: {},
		}),
		callVendor('Deliver', url, '={{ JSON.stringify($json) }}', '={{ "record-" + $json.id }}', {
			onError: 'continueErrorOutput',
		}),
		answer('Delivered', 'delivered'),
		node(
			'Capture Failure',
			`${PACKAGE_NAME}.deadLetter`,
			1,
			{
				operation: 'capture',
				store: 'postgres',
				scope,
				depthThreshold: 100_000,
				ageAlertHours: 24,
			},
			{
				credentials: { integrationGuardsPostgresApi: credentials.postgres },
				onError: 'continueErrorOutput',
			},
		),
		answer('Dead-Lettered', 'deadLettered'),
		answer('Capture Failed', 'captureFailed'),
	];
	if (slow) {
		// On-call alert when the dead-letter store cannot take a record: the receiver records the node's error.
		nodes.push(
			callVendor(
				'Alert On-Call',
				slow.alertUrl,
				"={{ JSON.stringify({ id: $('Record').first().json.id, error: $json.error, description: $json.details?.description ?? null }) }}",
				'alert',
			),
		);
	}
	const connections: IDataObject = {
		Webhook: { main: [[to('Record')]] },
		Record: { main: [[to('Deliver')]] },
		Deliver: { main: [[to('Delivered')], [to('Capture Failure')]] },
		'Capture Failure': {
			main: [
				[to('Dead-Lettered')],
				[to('Dead-Lettered')],
				[],
				[to(slow ? 'Alert On-Call' : 'Capture Failed')],
			],
		},
	};
	if (slow) {
		nodes.push(checkpoint(slow.checkpointUrl), wait('Slow Step', slow.seconds));
		connections.Record = { main: [[to('Checkpoint')]] };
		connections.Checkpoint = { main: [[to('Slow Step')]] };
		connections['Slow Step'] = { main: [[to('Deliver')]] };
		connections['Alert On-Call'] = { main: [[to('Capture Failed')]] };
	}
	return {
		name: `queue e2e records ${path}`,
		nodes,
		connections,
		settings: { executionOrder: 'v1' },
	};
}

/** Webhook → Replay (pending transient records) → Deliver again → Resolve → Resolved. */
function replayWorkflow(
	path: string,
	url: string,
	scope: string,
	credentials: Credentials,
): WorkflowJson {
	positionX = 0;
	const postgres = { integrationGuardsPostgresApi: credentials.postgres };
	const nodes: WorkflowNodeJson[] = [
		webhook(path),
		node(
			'Replay',
			`${PACKAGE_NAME}.deadLetter`,
			1,
			{
				operation: 'replay',
				scope,
				store: 'postgres',
				source: 'queue',
				maxRecords: 1000,
				leaseMinutes: 2,
				classes: ['transient'],
				maxAttempts: 5,
			},
			{ credentials: postgres },
		),
		callVendor('Deliver', url, '={{ JSON.stringify($json) }}', '={{ "record-" + $json.id }}'),
		node(
			'Resolve',
			`${PACKAGE_NAME}.deadLetter`,
			1,
			{ operation: 'resolve', scope, store: 'postgres' },
			{ credentials: postgres },
		),
		node(
			'Summary',
			'n8n-nodes-base.set',
			3.4,
			{
				mode: 'raw',
				jsonOutput: '={{ JSON.stringify({ resolved: $input.all().length }) }}',
				options: {},
			},
			{ executeOnce: true },
		),
		answer('Nothing to Replay', 'nothing'),
	];
	const connections: IDataObject = {
		Webhook: { main: [[to('Replay')]] },
		Replay: { main: [[to('Deliver')], [to('Nothing to Replay')]] },
		Deliver: { main: [[to('Resolve')]] },
		Resolve: { main: [[to('Summary')], [to('Summary')]] },
	};
	return {
		name: `queue e2e replay ${path}`,
		nodes,
		connections,
		settings: { executionOrder: 'v1' },
	};
}

/** Webhook → Check → Call Vendor (error output) → Record (Success / Failure) → Answered; Open → Parked. */
function breakerWorkflow(
	path: string,
	url: string,
	scope: string,
	credentials: Credentials,
): WorkflowJson {
	positionX = 0;
	const redis = { integrationGuardsRedisApi: credentials.redis };
	const nodes: WorkflowNodeJson[] = [
		webhook(path),
		node(
			'Check',
			`${PACKAGE_NAME}.circuitBreaker`,
			1,
			{ operation: 'check', store: 'redis', scope, breakerName: 'vendor', options: {} },
			{ credentials: redis },
		),
		callVendor(
			'Call Vendor',
			url,
			'={{ JSON.stringify({ key: $json.body.key }) }}',
			'={{ $json.body.key }}',
			{ onError: 'continueErrorOutput' },
		),
		node(
			'Record',
			`${PACKAGE_NAME}.circuitBreaker`,
			1,
			{
				operation: 'record',
				store: 'redis',
				scope,
				breakerName: 'vendor',
				outcomeFrom: 'inputs',
				failureRatePercent: 50,
				minimumCalls: 4,
				windowSeconds: 120,
				openSeconds: 600,
				options: { checkStamp: "={{ $('Check').item.json.circuitBreaker }}" },
			},
			{ credentials: redis },
		),
		answer('Answered', 'called'),
		answer('Parked', 'open'),
	];
	const connections: IDataObject = {
		Webhook: { main: [[to('Check')]] },
		Check: { main: [[to('Call Vendor')], [to('Parked')]] },
		'Call Vendor': { main: [[to('Record', 0)], [to('Record', 1)]] },
		Record: { main: [[to('Answered')], [to('Answered')]] },
	};
	return {
		name: `queue e2e breaker ${path}`,
		nodes,
		connections,
		settings: { executionOrder: 'v1' },
	};
}

/** Webhook → Rate Limiter Send Request (one limiter on Redis for both workers) → Sent. */
function rateLimitWorkflow(
	path: string,
	url: string,
	limiterName: string,
	limitPerSecond: number,
	credentials: Credentials,
): WorkflowJson {
	positionX = 0;
	const nodes: WorkflowNodeJson[] = [
		webhook(path),
		node(
			'Send',
			`${PACKAGE_NAME}.rateLimiter`,
			1,
			{
				operation: 'sendRequest',
				limiterName,
				store: 'redis',
				limit: limitPerSecond,
				per: 'second',
				targetUtilization: 90,
				method: 'POST',
				url,
				sendHeaders: true,
				headerParameters: { parameters: [{ name: 'X-Worker', value: '={{ $env.E2E_WORKER }}' }] },
				sendBody: true,
				jsonBody: '={{ JSON.stringify({ orderId: $json.body.orderId }) }}',
				requestOptions: { idempotencyKeyField: 'body.orderId' },
			},
			{ credentials: { integrationGuardsRedisApi: credentials.redis } },
		),
		answer('Sent', 'sent'),
		answer('Not Sent', 'failed'),
	];
	const connections: IDataObject = {
		Webhook: { main: [[to('Send')]] },
		Send: { main: [[to('Sent')], [to('Not Sent')]] },
	};
	return {
		name: `queue e2e rate limit ${path}`,
		nodes,
		connections,
		settings: { executionOrder: 'v1' },
	};
}

/** Webhook → Cost Guard Check Budget (one item budget on Redis for both workers) → Call Vendor / Over Budget. */
function budgetWorkflow(
	path: string,
	url: string,
	budgetName: string,
	dailyItems: number,
	credentials: Credentials,
): WorkflowJson {
	positionX = 0;
	const nodes: WorkflowNodeJson[] = [
		webhook(path),
		node(
			'Check Budget',
			`${PACKAGE_NAME}.costGuard`,
			1,
			{
				operation: 'checkBudget',
				store: 'redis',
				scope: `queue-e2e-${RUN}`,
				budgetName,
				limits: { dailyItems },
				estimate: 'none',
				options: { timeZone: 'UTC' },
			},
			{ credentials: { integrationGuardsRedisApi: credentials.redis } },
		),
		callVendor(
			'Call Vendor',
			url,
			'={{ JSON.stringify({ orderId: $json.body.orderId }) }}',
			'={{ $json.body.orderId }}',
		),
		answer('Called', 'called'),
		answer('Over Budget', 'overBudget'),
	];
	const connections: IDataObject = {
		Webhook: { main: [[to('Check Budget')]] },
		'Check Budget': { main: [[to('Call Vendor')], [to('Over Budget')]] },
		'Call Vendor': { main: [[to('Called')]] },
	};
	return {
		name: `queue e2e budget ${path}`,
		nodes,
		connections,
		settings: { executionOrder: 'v1' },
	};
}

/** The scenario workflows, by the failure mode they guard. */
const SCENARIOS = {
	exactlyOnce: exactlyOnceWorkflow,
	records: recordsWorkflow,
	replay: replayWorkflow,
	breaker: breakerWorkflow,
	rateLimit: rateLimitWorkflow,
	budget: budgetWorkflow,
} as const;

// ---------------------------------------------------------------------------------------
// Helpers on answers and executions
// ---------------------------------------------------------------------------------------

function outcome(delivery: Delivery): string {
	if (delivery.failure) return `call failed: ${delivery.failure}`;
	const idempotency = delivery.body.idempotency as IDataObject | undefined;
	if (
		delivery.status === 200 &&
		delivery.body.route === 'written' &&
		idempotency?.outcome === 'completed'
	)
		return 'completed';
	if (delivery.status === 200 && delivery.body.route === 'notWritten')
		return String(idempotency?.route ?? 'notWritten');
	return `http ${delivery.status}: ${JSON.stringify(delivery.body).slice(0, 200)}`;
}

const definitive = (delivery: Delivery) => ['completed', 'duplicate'].includes(outcome(delivery));

function orders(
	prefix: string,
	count: number,
	copies: number,
): Array<{ key: string; payload: IDataObject }> {
	const list: Array<{ key: string; payload: IDataObject }> = [];
	for (let copy = 0; copy < copies; copy++) {
		for (let order = 0; order < count; order++)
			list.push({ key: `${prefix}-${order}`, payload: { orderId: `${prefix}-${order}` } });
	}
	return list;
}

function tally(values: string[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
	return counts;
}

interface ExecutionSummary {
	id: string;
	status: string;
	workflowId: string;
}

/** Every error message in an execution: the workflow error and each node run's error. */
function errorMessages(data: IDataObject): string[] {
	const messages: string[] = [];
	const resultData = (data.resultData ?? {}) as IDataObject;
	const push = (error: unknown) => {
		if (error && typeof error === 'object') {
			const { message, description } = error as { message?: unknown; description?: unknown };
			if (typeof message === 'string')
				messages.push(description ? `${message} (${String(description)})` : message);
		}
	};
	push(resultData.error);
	for (const runs of Object.values(
		(resultData.runData ?? {}) as Record<string, Array<{ error?: unknown }>>,
	))
		for (const run of runs) push(run.error);
	return messages;
}

// ---------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------

describe('n8n queue mode end to end: main + 2 workers, private Redis and Postgres, faults mid-run', () => {
	let cluster: QueueCluster;
	let receiver: Receiver;
	let credentials: Credentials;
	let storeSql: Client;
	const STORE_SCHEMA = `guards_queue_${RUN}`;
	const timings: Record<string, string> = {};

	const executionsOf = async (workflowId: string, status: string): Promise<ExecutionSummary[]> => {
		const filter = encodeURIComponent(JSON.stringify({ workflowId, status: [status] }));
		const list = await cluster.main.api<{ results: ExecutionSummary[] }>(
			'GET',
			`/rest/executions?filter=${filter}&limit=100`,
		);
		return list.results;
	};
	const errorsOf = async (workflowId: string): Promise<string[]> => {
		const failed = await executionsOf(workflowId, 'error');
		const messages: string[] = [];
		for (const execution of failed) {
			const full = await cluster.main.getExecution(execution.id);
			messages.push(...errorMessages(full.data as unknown as IDataObject));
		}
		return messages;
	};
	const activate = async (json: WorkflowJson) => {
		const workflow = await cluster.main.importWorkflow(json);
		await cluster.main.activate(workflow.id);
		return workflow;
	};
	const time = (name: string, since: number) => {
		timings[name] = `${((Date.now() - since) / 1000).toFixed(1)} s`;
	};

	before(
		async () => {
			const started = Date.now();
			receiver = await startReceiver();
			cluster = await startQueueCluster({ workers: 2, concurrency: 10 });
			credentials = {
				redis: await cluster.main.createCredential('integrationGuardsRedisApi', 'Queue Redis', {
					host: cluster.redis.host,
					port: cluster.redis.port,
					database: 1,
					keyPrefix: `guards-queue-e2e-${RUN}:`,
				}),
				postgres: await cluster.main.createCredential(
					'integrationGuardsPostgresApi',
					'Queue Postgres',
					{
						host: cluster.postgres.host,
						port: cluster.postgres.port,
						database: cluster.postgres.database,
						user: cluster.postgres.user,
						password: '',
						ssl: 'disable',
						schema: STORE_SCHEMA,
						tablePrefix: 'g_',
					},
				),
			};
			storeSql = new Client({
				host: cluster.postgres.host,
				port: cluster.postgres.port,
				user: 'postgres',
				database: cluster.postgres.database,
			});
			storeSql.on('error', () => undefined);
			await storeSql.connect();
			time('start-up (Redis, Postgres, main, 2 workers)', started);
		},
		{ timeout: 10 * 60_000 },
	);

	after(
		async () => {
			console.log(`[e2e] queue mode timings: ${JSON.stringify(timings, null, 2)}`);
			await storeSql?.end().catch(() => undefined);
			await cluster?.stop();
			await receiver?.close();
		},
		{ timeout: 2 * 60_000 },
	);

	/** Open dead letters of a scope (pending, or leased by a replay that did not resolve them), by record id. */
	const pendingDeadLetters = async (scope: string): Promise<Map<string, number>> => {
		const client = new Client({
			host: cluster.postgres.host,
			port: cluster.postgres.port,
			user: 'postgres',
			database: cluster.postgres.database,
		});
		await client.connect();
		try {
			const { rows } = await client.query<{ record: string; copies: string }>(
				`SELECT data->'payload'->>'id' AS record, count(*) AS copies FROM ${STORE_SCHEMA}.g_queue WHERE queue LIKE $1 AND status IN ('pending', 'leased') GROUP BY 1`,
				[`%${scope}`],
			);
			return new Map(rows.map((row) => [String(row.record), Number(row.copies)]));
		} finally {
			await client.end();
		}
	};

	it(
		'exactly once: 12 orders delivered 3 times at once race on both workers (Redis store); the vendor sees each order once',
		{ timeout: 3 * 60_000 },
		async () => {
			const started = Date.now();
			const path = `q-once-${RUN}`;
			receiver.handle(path, () => ({ status: 201, body: { created: true } }));
			await activate(
				SCENARIOS.exactlyOnce(path, receiver.url(path), 'redis', credentials, undefined),
			);

			const { answers: first, unanswered: lostFirst } = await deliverAnswered(
				cluster.main.baseUrl,
				path,
				orders('once', 12, 3),
			);
			const outcomes = first.map(outcome);
			const completed = first.filter((d) => outcome(d) === 'completed').map((d) => d.key);
			assert.equal(
				new Set(completed).size,
				completed.length,
				`one completed answer per order at most: ${completed.join(', ')}`,
			);
			// A delivery whose answer n8n lost was re-sent and may then be answered Duplicate.
			assert.ok(
				completed.length <= 12 && completed.length >= 12 - lostFirst.length,
				`first wave: ${JSON.stringify(tally(outcomes))}; unanswered ${lostFirst.length}`,
			);
			assert.ok(
				outcomes.every((value) => ['completed', 'inFlight', 'duplicate'].includes(value)),
				JSON.stringify(tally(outcomes)),
			);

			const { answers: second, unanswered: lostSecond } = await deliverAnswered(
				cluster.main.baseUrl,
				path,
				orders('once', 12, 1),
			);
			assert.deepEqual(tally(second.map(outcome)), { duplicate: 12 });
			if (lostFirst.length + lostSecond.length > 0)
				console.log(
					`[e2e] exactly once: n8n left ${lostFirst.length + lostSecond.length} webhook calls unanswered; re-sent`,
				);

			const accepted = receiver.accepted(path);
			assert.equal(accepted.size, 12, 'every order reached the vendor');
			assert.deepEqual(
				[...accepted.values()],
				Array(12).fill(1),
				'each order exactly once at the vendor',
			);
			// Both workers ran deliveries, and copies of one order ran on different workers at once.
			const workersByOrder = new Map<string, Set<string>>();
			for (const delivery of [...first, ...second]) {
				const set = workersByOrder.get(delivery.key) ?? new Set<string>();
				set.add(String(delivery.body.worker));
				workersByOrder.set(delivery.key, set);
			}
			const workersSeen = new Set(
				[...first, ...second].map((delivery) => String(delivery.body.worker)),
			);
			assert.deepEqual(
				[...workersSeen].sort(),
				['worker-1', 'worker-2'],
				'both workers ran executions',
			);
			const raced = [...workersByOrder.values()].filter((set) => set.size > 1).length;
			assert.ok(raced > 0, 'copies of at least one order ran on both workers');
			console.log(
				`[e2e] exactly once: 48 deliveries of 12 orders on ${JSON.stringify(tally(first.map((d) => String(d.body.worker))))}; ${raced} orders raced across workers; vendor calls ${receiver.arrivals.filter((a) => a.route === path).length}`,
			);
			time('exactly once (48 deliveries)', started);
		},
	);

	/**
	 * The vendor stand-in of examples/vendor-stand-in.json on the receiver: it creates an
	 * invoice on every call, ignoring Idempotency-Key, and answers `delayMs` later (the
	 * invoice exists from the moment the call arrived); `<path>-find` looks one up.
	 */
	const invoiceVendor = (path: string, delayMs = 0) => {
		receiver.handle(path, (body) => ({
			status: 201,
			body: { id: `inv_${String(body.invoiceNumber)}`, invoiceNumber: body.invoiceNumber ?? null },
			delayMs,
		}));
		receiver.handle(`${path}-find`, (body) => {
			const invoiceNumber = String(body.invoiceNumber);
			const found = receiver.accepted(path).has(invoiceNumber);
			return {
				status: 200,
				body: found
					? { found: true, id: `inv_${invoiceNumber}`, invoiceNumber }
					: { found: false, invoiceNumber },
			};
		});
	};

	/**
	 * examples/queue-mode-exactly-once.json wired to this cluster: the Redis credential, a
	 * scope of its own, the receiver as the vendor, X-Worker on the create call. `version1`
	 * turns its Idempotent Write nodes into version 1 nodes with version 1's defaults
	 * (Proceed after a lease runs out, no wait), as a workflow saved before version 2.
	 */
	const shippedExample = (
		path: string,
		options: { leaseMinutes?: number; version1?: boolean } = {},
	): WorkflowJson => {
		const json = JSON.parse(
			readFileSync(`${repoRoot()}/examples/queue-mode-exactly-once.json`, 'utf8'),
		) as WorkflowJson;
		assert.equal(
			json.active,
			false,
			'the demo imports it without activating it (it needs a Redis credential first)',
		);
		for (const item of json.nodes) {
			const parameters = item.parameters as IDataObject;
			if (item.type === `${PACKAGE_NAME}.idempotentWrite`) {
				assert.equal(parameters.store, 'redis', `${item.name} uses the Redis store`);
				assert.ok(
					item.credentials && 'integrationGuardsRedisApi' in (item.credentials as IDataObject),
					`${item.name} names a Redis credential`,
				);
				assert.equal(item.typeVersion, 2, `${item.name} is a version 2 node`);
				item.credentials = { integrationGuardsRedisApi: credentials.redis };
				parameters.scope = `${String(parameters.scope)}-${RUN}-${path}`;
				if (parameters.operation === 'claim' && options.leaseMinutes !== undefined)
					parameters.leaseMinutes = options.leaseMinutes;
				if (options.version1) {
					item.typeVersion = 1;
					delete parameters.afterExpiredLease;
				}
			}
			if (item.type === 'n8n-nodes-base.webhook') {
				parameters.path = path;
				item.webhookId = randomUUID();
			}
			if (item.name === 'Create Invoice at Vendor') {
				parameters.url = receiver.url(path);
				((parameters.headerParameters as IDataObject).parameters as IDataObject[]).push({
					name: 'X-Worker',
					value: '={{ $env.E2E_WORKER }}',
				});
			}
			if (item.name === 'Find Invoice at Vendor') parameters.url = receiver.url(`${path}-find`);
		}
		return json;
	};
	const invoiceCalls = (invoices: string[], copies: number) =>
		Array.from({ length: copies }, () =>
			invoices.map((invoiceNumber) => ({
				key: invoiceNumber,
				payload: { invoiceNumber, amount: 100, currency: 'AUD' },
			})),
		).flat();
	const invoiceAnswer = (d: Delivery) =>
		d.failure
			? 'call failed'
			: `${d.status} ${d.body.created === true ? 'created' : d.body.duplicate === true ? 'duplicate' : String(d.body.reason ?? d.body.message ?? '')}`;

	it(
		'the shipped queue-mode example: one invoice sent 6 times at once is created once at the vendor',
		{ timeout: 3 * 60_000 },
		async () => {
			const started = Date.now();
			const path = `q-example-${RUN}`;
			invoiceVendor(path);
			await activate(shippedExample(path));
			const invoices = ['INV-Q1', 'INV-Q2'];
			const { answers, unanswered } = await deliverAnswered(
				cluster.main.baseUrl,
				path,
				invoiceCalls(invoices, 6),
			);
			const statuses = tally(answers.map(invoiceAnswer));
			console.log(
				`[e2e] queue-mode example: ${JSON.stringify(statuses)}${unanswered.length ? `; ${unanswered.length} unanswered, re-sent` : ''}`,
			);
			const created = answers.filter((d) => d.status === 201).map((d) => d.key);
			assert.ok(
				created.length <= 2 &&
					created.length >= 2 - unanswered.length &&
					new Set(created).size === created.length,
				JSON.stringify(statuses),
			);
			assert.ok(
				answers.every((d) => [201, 200, 409].includes(d.status)),
				JSON.stringify(statuses),
			);
			const accepted = receiver.accepted(path);
			assert.deepEqual([...accepted.keys()].sort(), invoices, 'both invoices reached the vendor');
			assert.deepEqual([...accepted.values()], [1, 1], 'each invoice created once at the vendor');
			time('queue-mode example (12 deliveries)', started);
		},
	);

	it(
		'every record accounted for: 40 records, the vendor fails 10; delivered + dead-lettered (Postgres store) = sent; the replay delivers the 10',
		{ timeout: 3 * 60_000 },
		async () => {
			const started = Date.now();
			const path = `q-records-${RUN}`;
			const scope = `queue-e2e-${RUN}-records`;
			receiver.handle(path, (body) =>
				Number(body.id) % 4 === 0 && body.deadLetter === undefined
					? { status: 503, body: { message: 'Service temporarily unavailable' } }
					: { status: 200, body: { ok: true } },
			);
			await activate(SCENARIOS.records(path, receiver.url(path), scope, credentials));
			const replay = await activate(
				SCENARIOS.replay(`${path}-replay`, receiver.url(path), scope, credentials),
			);
			void replay;

			const ids = Array.from({ length: 40 }, (_, index) => index + 1);
			const { answers, unanswered } = await deliverAnswered(
				cluster.main.baseUrl,
				path,
				ids.map((id) => ({ key: String(id), payload: { id, name: `Customer ${id}` } })),
			);
			assert.deepEqual(tally(answers.map((a) => `${a.status} ${String(a.body.route)}`)), {
				'200 delivered': 30,
				'200 deadLettered': 10,
			});
			const delivered = receiver.accepted(path);
			const dead = await pendingDeadLetters(scope);
			const expectedDead = ids.filter((id) => id % 4 === 0).map(String);
			assert.deepEqual([...dead.keys()].sort(), expectedDead.sort(), 'pending dead letters');
			// A record is captured twice only when n8n lost the answer of its first capture and it was re-sent.
			const twice = [...dead].filter(([, copies]) => copies > 1).map(([id]) => id);
			assert.deepEqual(
				twice.filter((id) => !unanswered.includes(id)),
				[],
				`one dead letter per record (unanswered and re-sent: ${unanswered.join(', ') || 'none'})`,
			);
			assert.equal(delivered.size + dead.size, ids.length, 'delivered + dead-lettered = sent');
			assert.ok(
				[...dead.keys()].every((id) => !delivered.has(id)),
				'no record both delivered and dead-lettered',
			);

			const replayed = (
				await deliverAnswered(cluster.main.baseUrl, `${path}-replay`, [
					{ key: 'replay', payload: {} },
				])
			).answers[0];
			assert.equal(replayed.status, 200, JSON.stringify(replayed.body));
			assert.equal((await pendingDeadLetters(scope)).size, 0, 'no dead letter left open');
			const after = receiver.accepted(path);
			assert.equal(after.size, 40, 'every record delivered');
			const repeated = [...after].filter(([, count]) => count > 1).map(([id]) => id);
			assert.deepEqual(
				repeated.filter((id) => !unanswered.includes(id)),
				[],
				'each record delivered once, unless n8n lost its answer and it was re-sent',
			);
			assert.deepEqual(
				[...receiver.applied(path).keys()].sort(),
				ids.map((id) => `record-${id}`).sort(),
				'each record applied by the vendor under its own Idempotency-Key',
			);
			time('records (40 + replay)', started);
		},
	);

	/** Waits (bounded) until `count` executions reported at a checkpoint route, optionally on one worker; returns their keys. */
	const checkpoints = async (route: string, count: number, worker?: string): Promise<string[]> => {
		const seen = () =>
			receiver.arrivals
				.filter((a) => a.route === route && (worker === undefined || a.worker === worker))
				.map((a) => a.key);
		const deadline = Date.now() + 90_000;
		while (seen().length < count) {
			if (Date.now() > deadline)
				throw new Error(
					`only ${seen().length} of ${count} executions reached ${route}${worker ? ` on ${worker}` : ''} within 90 s`,
				);
			await sleep(50);
		}
		return seen();
	};
	const echo: RouteHandler = (body) => ({ status: 200, body });
	const callOutcomes = (answers: Delivery[]) =>
		tally(
			answers.map((d) =>
				d.failure
					? `call failed: ${d.failure}`
					: `${d.status} ${String(d.body.route ?? d.body.message ?? '')}`,
			),
		);

	it(
		'a shared rate limit: 40 webhook calls at once on both workers, one Redis limiter at 90 % of 10/s, against nginx limiting to 10/s: no 429, each order once',
		{ timeout: 3 * 60_000 },
		async () => {
			const started = Date.now();
			const path = `limit-${RUN}`;
			// The vendor is a real rate limiter (nginx limit_req 10 r/s, burst 5, as the issue's vendor):
			// it judges the combined rate of both workers as a vendor would, jitter included.
			const vendor = await startVendor({ rate: 10, burst: 5 });
			try {
				await activate(
					SCENARIOS.rateLimit(path, `${vendor.url}/orders`, `queue-e2e-${RUN}`, 10, credentials),
				);
				const { answers, unanswered } = await deliverAnswered(
					cluster.main.baseUrl,
					path,
					orders('limit', 40, 1),
				);
				const summary = vendor.summary();
				const workers = new Set(answers.map((a) => String(a.body.worker ?? '')).filter(Boolean));
				console.log(
					`[e2e] shared rate limit: ${summary.accepted} accepted (${summary.acceptedItems} orders) from workers ${JSON.stringify([...workers])}, ${summary.rateLimited} × 429, ` +
						`${summary.acceptedPerSecond.toFixed(2)}/s, most in 1 s: ${vendor.maxAcceptedInWindow(1000)}; answers ${JSON.stringify(tally(answers.map((a) => String(a.body.route ?? a.status))))}; re-sent ${unanswered.length}`,
				);
				assert.equal(
					summary.rateLimited,
					0,
					'the vendor never said 429: both workers together stayed under its limit',
				);
				assert.equal(summary.acceptedItems, 40, 'every order reached the vendor');
				// Re-sent calls (n8n left ~1 in 60 unanswered) may reach the vendor twice, with the same Idempotency-Key.
				if (unanswered.length === 0)
					assert.equal(
						summary.duplicates,
						0,
						`no order twice: ${JSON.stringify([...summary.duplicatedItems])}`,
					);
				assert.ok(
					summary.acceptedPerSecond <= 10,
					`combined rate ${summary.acceptedPerSecond.toFixed(2)}/s over the limit of 10`,
				);
				assert.equal(
					workers.size,
					2,
					`both workers sent through the one limiter: ${[...workers].join(', ')}`,
				);
			} finally {
				await vendor.stop();
			}
			time('shared rate limit', started);
		},
	);

	it(
		'a shared budget: 40 calls at once on both workers against a budget of 20 items a day; exactly 20 reach the vendor',
		{ timeout: 3 * 60_000 },
		async () => {
			const started = Date.now();
			const path = `budget-${RUN}`;
			receiver.handle(path, () => ({ status: 200, body: { ok: true } }));
			await activate(
				SCENARIOS.budget(path, receiver.url(path), `queue-e2e-${RUN}-budget`, 20, credentials),
			);
			const { answers, unanswered } = await deliverAnswered(
				cluster.main.baseUrl,
				path,
				orders('budget', 40, 1),
			);
			const routes = tally(answers.map((a) => String(a.body.route ?? `http ${a.status}`)));
			const workers = new Set(answers.map((a) => String(a.body.worker ?? '')).filter(Boolean));
			console.log(
				`[e2e] shared budget: answers ${JSON.stringify(routes)} from workers ${JSON.stringify([...workers])}; re-sent ${unanswered.length}`,
			);
			assert.equal(
				receiver.accepted(path).size,
				20,
				'the budget of 20 holds across both workers: the vendor saw exactly 20 orders',
			);
			assert.equal(
				(routes.called ?? 0) + (routes.overBudget ?? 0),
				40,
				`every call answered Called or Over Budget: ${JSON.stringify(routes)}`,
			);
			// A call n8n left unanswered still spent its item; its re-send is a second item, over budget.
			if (unanswered.length === 0) assert.deepEqual(routes, { called: 20, overBudget: 20 });
			else assert.ok((routes.called ?? 0) <= 20);
			assert.equal(workers.size, 2, 'both workers checked the one budget');
			time('shared budget', started);
		},
	);

	it(
		'kill -9 of a worker mid-stream; the Circuit Breaker opened on the survivor is open on the restarted worker; replay: nothing lost, nothing written twice',
		{ timeout: 6 * 60_000 },
		async () => {
			const started = Date.now();
			const [survivor, victim] = cluster.workers;
			const path = `q-kill-${RUN}`;
			receiver.handle(path, () => ({ status: 201, body: { created: true } }));
			receiver.handle(`${path}-claimed`, echo);
			await activate(
				SCENARIOS.exactlyOnce(path, receiver.url(path), 'redis', credentials, {
					seconds: 6,
					before: false,
					checkpointUrl: receiver.url(`${path}-claimed`),
				}),
			);
			const breakerPath = `q-breaker-${RUN}`;
			let vendorDown = true;
			receiver.handle(breakerPath, () =>
				vendorDown
					? { status: 503, body: { message: 'vendor down' } }
					: { status: 200, body: { ok: true } },
			);
			await activate(
				SCENARIOS.breaker(
					breakerPath,
					receiver.url(breakerPath),
					`queue-e2e-${RUN}-breaker`,
					credentials,
				),
			);

			// Wave 1: each execution claims its order, reports at the checkpoint, then sits 6 s
			// before the write. The victim is killed once it holds at least two claims.
			const wave1 = deliverAll(cluster.main.baseUrl, path, orders('kill', 12, 2));
			await checkpoints(`${path}-claimed`, 2, victim.name);
			await victim.kill();
			const killedAt = Date.now();
			const held = [
				...new Set(
					receiver.arrivals
						.filter((a) => a.route === `${path}-claimed` && a.worker === victim.name)
						.map((a) => a.key),
				),
			];
			const writtenAtKill = [...receiver.accepted(path).keys()];
			assert.deepEqual(
				held.filter((key) => writtenAtKill.includes(key)),
				[],
				'the victim had written none of the orders it held',
			);

			// The breaker, opened by failures on the survivor alone (the victim is down).
			const opening: Delivery[] = [];
			for (let call = 0; call < 6; call++)
				opening.push(
					(
						await deliverAnswered(cluster.main.baseUrl, breakerPath, [
							{ key: `b${call}`, payload: { key: `b${call}` } },
						])
					).answers[0],
				);
			assert.deepEqual(
				[...new Set(opening.map((d) => String(d.body.worker)))],
				[survivor.name],
				'failures recorded on the survivor',
			);
			assert.equal(
				opening.at(-1)?.body.route,
				'open',
				`the breaker opened: ${JSON.stringify(opening.map((d) => d.body.route))}`,
			);
			const failedCalls = receiver.arrivals.filter((a) => a.route === breakerPath).length;

			// The killed worker's executions: their jobs stall (lock 15 s) and fail; their callers get an answer.
			const answered = await wave1;
			const failedAnswers = answered.filter((d) => d.failure || d.status >= 500).length;
			console.log(
				`[e2e] kill -9: the victim held ${held.length} claims; wave 1 answered in ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill: ${JSON.stringify(callOutcomes(answered))}`,
			);
			assert.ok(
				failedAnswers >= held.length,
				`each killed execution was answered with an error (${failedAnswers} errors for ${held.length} killed)`,
			);

			// Restart the killed worker; the breaker is open for it too.
			const restarting = Date.now();
			await victim.start();
			time('worker restart after kill -9', restarting);
			vendorDown = false;
			const seenOpenBy = new Set<string>();
			for (let round = 0; round < 6 && !seenOpenBy.has(victim.name); round++) {
				const checks = (
					await deliverAnswered(
						cluster.main.baseUrl,
						breakerPath,
						Array.from({ length: 6 }, (_, index) => ({
							key: `c${round}-${index}`,
							payload: { key: `c${round}-${index}` },
						})),
					)
				).answers;
				assert.deepEqual(
					tally(checks.map((d) => String(d.body.route))),
					{ open: 6 },
					'every check answered Open',
				);
				for (const check of checks) seenOpenBy.add(String(check.body.worker));
			}
			assert.ok(
				seenOpenBy.has(victim.name),
				`the restarted worker saw the breaker open (seen by ${[...seenOpenBy].join(', ')})`,
			);
			assert.equal(
				receiver.arrivals.filter((a) => a.route === breakerPath).length,
				failedCalls,
				'no call reached the vendor while the breaker was open',
			);

			// Replay: re-send every order without a definitive answer (the dead claims' 6 s lease ran out long ago).
			await sleep(Math.max(0, killedAt + 7000 - Date.now()));
			const unanswered = [...new Set(answered.filter((d) => !definitive(d)).map((d) => d.key))];
			const resent = (
				await deliverAnswered(
					cluster.main.baseUrl,
					path,
					unanswered.map((key) => ({ key, payload: { orderId: key } })),
				)
			).answers;
			assert.ok(resent.every(definitive), `re-sent: ${JSON.stringify(tally(resent.map(outcome)))}`);
			const again = (await deliverAnswered(cluster.main.baseUrl, path, orders('kill', 12, 1)))
				.answers;
			assert.deepEqual(tally(again.map(outcome)), { duplicate: 12 });

			const accepted = receiver.accepted(path);
			console.log(
				`[e2e] kill -9: re-sent ${unanswered.length} orders; vendor calls ${receiver.arrivals.filter((a) => a.route === path).length} for ${accepted.size} orders`,
			);
			assert.equal(accepted.size, 12, 'every order reached the vendor');
			assert.deepEqual(
				[...accepted.values()],
				Array(12).fill(1),
				'each order exactly once at the vendor',
			);
			time('kill -9 + breaker + replay', started);
		},
	);

	it(
		'Redis restarted mid-stream (queue and store): Claims while it was down fail naming Redis and the cause; after the replay each order is written once',
		{ timeout: 4 * 60_000 },
		async () => {
			const started = Date.now();
			const path = `q-redis-${RUN}`;
			receiver.handle(path, () => ({ status: 201, body: { created: true } }));
			receiver.handle(`${path}-waiting`, echo);
			const workflow = await activate(
				SCENARIOS.exactlyOnce(path, receiver.url(path), 'redis', credentials, {
					seconds: 3,
					before: true,
					checkpointUrl: receiver.url(`${path}-waiting`),
				}),
			);

			// Executions that reached the slow step before Redis went down claim while it is down (down 4 s > slow step 3 s).
			const stream = deliverAll(
				cluster.main.baseUrl,
				path,
				orders('redis', 16, 1),
				FAULT_CALL_TIMEOUT_MS,
			);
			const waiting = await checkpoints(`${path}-waiting`, 3);
			const down = await cluster.redis.restart({ downMs: 4000 });
			const answered = await stream;
			console.log(
				`[e2e] Redis restart: down ${(down / 1000).toFixed(1)} s with ${waiting.length} executions in the slow step; answers ${JSON.stringify(callOutcomes(answered))}`,
			);
			for (const worker of cluster.workers)
				assert.ok(
					worker.pid() !== undefined,
					`${worker.name} survived the Redis restart:\n${worker.logTail(30)}`,
				);

			const messages = await errorsOf(workflow.id);
			console.log(`[e2e] Redis restart: execution errors: ${JSON.stringify(tally(messages))}`);
			const storeErrors = messages.filter((message) =>
				message.includes(`Redis at 127.0.0.1:${cluster.redis.port}`),
			);
			assert.ok(
				storeErrors.length >= waiting.length,
				`each Claim that ran while Redis was down failed naming it (${storeErrors.length} of ${waiting.length}); errors: ${JSON.stringify(messages)}`,
			);
			for (const message of storeErrors)
				assert.match(message, /unreachable: .*(ECONNREFUSED|Connection is closed|closed)/, message);

			await sleep(7000); // a claim taken just before the restart runs out (lease 6 s)
			const unanswered = [...new Set(answered.filter((d) => !definitive(d)).map((d) => d.key))];
			const resent = (
				await deliverAnswered(
					cluster.main.baseUrl,
					path,
					unanswered.map((key) => ({ key, payload: { orderId: key } })),
				)
			).answers;
			assert.ok(resent.every(definitive), `re-sent: ${JSON.stringify(tally(resent.map(outcome)))}`);
			const again = (await deliverAnswered(cluster.main.baseUrl, path, orders('redis', 16, 1)))
				.answers;
			assert.deepEqual(
				tally(again.map(outcome)),
				{ duplicate: 16 },
				'the claims survived the restart (AOF)',
			);
			const accepted = receiver.accepted(path);
			assert.equal(accepted.size, 16, 'every order reached the vendor');
			assert.deepEqual(
				[...accepted.values()],
				Array(16).fill(1),
				'each order exactly once at the vendor',
			);
			time('Redis restart + replay', started);
		},
	);

	it(
		'Postgres restarted mid-stream (n8n database and dead-letter store): captures while it was down name Postgres and the cause; after replays every record is delivered, none applied twice',
		{ timeout: 4 * 60_000 },
		async () => {
			const started = Date.now();
			const path = `q-pg-${RUN}`;
			const scope = `queue-e2e-${RUN}-pg`;
			const alerts: Array<{ id: string; error: string; description: string }> = [];
			receiver.handle(path, (body) =>
				Number(body.id) % 2 === 0 && body.deadLetter === undefined
					? { status: 503, body: { message: 'Service temporarily unavailable' } }
					: { status: 200, body: { ok: true } },
			);
			receiver.handle(`${path}-waiting`, echo);
			receiver.handle(`${path}-alerts`, (body) => {
				alerts.push({
					id: String(body.id),
					error: String(body.error),
					description: String(body.description),
				});
				return { status: 200, body: { alerted: true } };
			});
			await activate(
				SCENARIOS.records(path, receiver.url(path), scope, credentials, {
					seconds: 3,
					checkpointUrl: receiver.url(`${path}-waiting`),
					alertUrl: receiver.url(`${path}-alerts`),
				}),
			);
			await activate(SCENARIOS.replay(`${path}-replay`, receiver.url(path), scope, credentials));

			const ids = Array.from({ length: 24 }, (_, index) => index + 1);
			const stream = deliverAll(
				cluster.main.baseUrl,
				path,
				ids.map((id) => ({ key: String(id), payload: { id } })),
				FAULT_CALL_TIMEOUT_MS,
			);
			const waiting = await checkpoints(`${path}-waiting`, 6);
			const down = await cluster.postgres.restart({ downMs: 4000 });
			const answered = await stream;
			console.log(
				`[e2e] Postgres restart: down ${(down / 1000).toFixed(1)} s with ${waiting.length} executions in the slow step; answers ${JSON.stringify(callOutcomes(answered))}`,
			);
			for (const worker of cluster.workers)
				assert.ok(
					worker.pid() !== undefined,
					`${worker.name} survived the Postgres restart:\n${worker.logTail(30)}`,
				);

			const waitingToFail = waiting.filter((id) => Number(id) % 2 === 0);
			console.log(
				`[e2e] Postgres restart: ${alerts.length} on-call alerts for ${waitingToFail.length} failing records in the slow step: ${JSON.stringify(tally(alerts.map((a) => `${a.error} | ${a.description}`.slice(0, 240))))}`,
			);
			assert.ok(
				alerts.length > 0 || waitingToFail.length === 0,
				'a capture that ran while Postgres was down raised an alert',
			);
			// The error output item carries the node's error (`error`) and its description. Two causes, measured:
			// - the store itself was unreachable: the description names the store ("Postgres at host:port/db");
			// - n8n could not load the node's credential from ITS database (the same Postgres server, down):
			//   the node says so, with n8n's cause, and that the store was not contacted.
			const storeAt = `Postgres at 127.0.0.1:${cluster.postgres.port}/postgres`;
			const credentialFailure =
				"Could not load the Postgres store credential from n8n's database: ";
			const causes = { store: 0, credential: 0 };
			for (const alert of alerts) {
				const text = `${alert.error} | ${alert.description}`;
				const namesStore = text.includes(storeAt);
				const namesCredential =
					alert.error.startsWith(credentialFailure) &&
					alert.description.includes('The store itself was not contacted');
				assert.ok(
					namesStore || namesCredential,
					`the error names the Postgres store, or n8n's database as the cause: ${text}`,
				);
				causes[namesStore ? 'store' : 'credential']++;
				assert.match(
					alert.error,
					/ECONNREFUSED|terminat|shutting down|starting up|timeout|Connection/i,
					text,
				);
			}
			console.log(
				`[e2e] Postgres restart: errors naming the store ${causes.store}, naming n8n's database ${causes.credential}`,
			);

			// Replay 1: the client re-sends every record without a delivered / dead-lettered answer.
			const settled = (d: Delivery) =>
				d.status === 200 && ['delivered', 'deadLettered'].includes(String(d.body.route));
			let pending = [...new Set(answered.filter((d) => !settled(d)).map((d) => Number(d.key)))];
			const resentCount = pending.length;
			for (let round = 0; round < 3 && pending.length > 0; round++) {
				const resent = (
					await deliverAnswered(
						cluster.main.baseUrl,
						path,
						pending.map((id) => ({ key: String(id), payload: { id } })),
					)
				).answers;
				pending = resent.filter((d) => !settled(d)).map((d) => Number(d.key));
			}
			assert.deepEqual(pending, [], 'every record settled after re-sending');
			const dead = await pendingDeadLetters(scope);
			const delivered = receiver.accepted(path);
			assert.equal(
				new Set([...dead.keys(), ...delivered.keys()]).size,
				ids.length,
				'delivered + dead-lettered = sent',
			);

			// Replay 2: the dead letters.
			const replayed = (
				await deliverAnswered(cluster.main.baseUrl, `${path}-replay`, [
					{ key: 'replay', payload: {} },
				])
			).answers[0];
			assert.equal(replayed.status, 200, JSON.stringify(replayed.body));
			assert.equal((await pendingDeadLetters(scope)).size, 0, 'no dead letter left open');
			const applied = receiver.applied(path);
			const accepted = receiver.accepted(path);
			const calls = [...accepted.values()].reduce((a, b) => a + b, 0);
			console.log(
				`[e2e] Postgres restart: re-sent ${resentCount}; dead letters ${dead.size} (rows ${[...dead.values()].reduce((a, b) => a + b, 0)}); vendor accepted ${calls} calls for ${accepted.size} records, applied ${applied.size}`,
			);
			assert.equal(accepted.size, ids.length, 'every record delivered');
			// A record delivered while n8n's database was down may be delivered again when its caller
			// re-sends it (its answer was lost): it carries the same Idempotency-Key, so the vendor applies it once.
			const repeatedKeys = receiver.arrivals
				.filter((a) => a.route === path && a.status < 300)
				.reduce(
					(map, a) => map.set(a.key, new Set([...(map.get(a.key) ?? []), a.idempotencyKey])),
					new Map<string, Set<string>>(),
				);
			assert.ok(
				[...repeatedKeys.values()].every((keys) => keys.size === 1),
				'every delivery of a record carried one Idempotency-Key',
			);
			assert.deepEqual(
				[...applied.keys()].sort(),
				ids.map((id) => `record-${id}`).sort(),
				'each record applied by the vendor, under its own key',
			);
			time('Postgres restart + replays', started);
		},
	);

	// Finding 15 of issue 14. Last in the suite: the victim stays down after its second kill.
	it(
		'kill -9 of a worker mid-write, the sender re-sends, the vendor ignores Idempotency-Key: the shipped example (version 2 defaults: Reconcile) creates each invoice once; version 1 defaults (Proceed) create again',
		{ timeout: 6 * 60_000 },
		async () => {
			const started = Date.now();
			const victim = cluster.workers[1];
			const current = `q-crash-v2-${RUN}`;
			const saved = `q-crash-v1-${RUN}`;
			const invoices = (prefix: string) =>
				Array.from({ length: 20 }, (_, index) => `${prefix}-${index}`);
			// The vendor answers 8 s after it created the invoice: a worker killed meanwhile dies mid-write.
			const VENDOR_DELAY_MS = 8000;
			const heldByVictim: Record<string, string[]> = {};
			const firstAnswers: Record<string, Delivery[]> = {};
			let killedAt = 0;
			for (const [path, version1] of [
				[current, false],
				[saved, true],
			] as const) {
				await victim.start();
				invoiceVendor(path, VENDOR_DELAY_MS);
				await activate(shippedExample(path, { leaseMinutes: 0.15, version1 }));
				const wave = deliverAll(cluster.main.baseUrl, path, invoiceCalls(invoices(path), 2));
				// Creates the victim sent that the vendor has not answered yet: it is mid-write on them.
				const midWrite = () => [
					...new Set(
						receiver.arrivals
							.filter(
								(a) =>
									a.route === path &&
									a.worker === victim.name &&
									Date.now() - a.at < VENDOR_DELAY_MS - 1000,
							)
							.map((a) => a.key),
					),
				];
				const deadline = Date.now() + 90_000;
				while (midWrite().length < 2) {
					if (Date.now() > deadline)
						throw new Error(
							`${path}: the victim was never mid-write (${receiver.arrivals.filter((a) => a.route === path).length} creates)`,
						);
					await sleep(20);
				}
				heldByVictim[path] = midWrite();
				await victim.kill();
				killedAt = Date.now();
				firstAnswers[path] = await wave;
				console.log(
					`[e2e] crash mid-write (${version1 ? 'version 1 defaults' : 'version 2 defaults'}): the victim was writing ${heldByVictim[path].length} invoices when killed; first answers ${JSON.stringify(tally(firstAnswers[path].map(invoiceAnswer)))}`,
				);
			}
			const [firstCurrent, firstSaved] = [firstAnswers[current], firstAnswers[saved]];

			// The sender re-sends what got no definitive answer, once the dead claims' leases (9 s) ran out, then everything once more.
			await sleep(Math.max(0, killedAt + 10_000 - Date.now()));
			const definitiveInvoice = (d: Delivery) =>
				d.status === 201 || (d.status === 200 && d.body.duplicate === true);
			for (const [path, first] of [
				[current, firstCurrent],
				[saved, firstSaved],
			] as const) {
				let pending = [...new Set(first.filter((d) => !definitiveInvoice(d)).map((d) => d.key))];
				for (let round = 0; round < 4 && pending.length > 0; round++) {
					const resent = (
						await deliverAnswered(cluster.main.baseUrl, path, invoiceCalls(pending, 1))
					).answers;
					pending = resent.filter((d) => !definitiveInvoice(d)).map((d) => d.key);
					if (pending.length > 0) await sleep(10_000);
				}
				assert.deepEqual(
					pending,
					[],
					`${path}: every invoice answered Created or Duplicate after re-sending`,
				);
				const again = (
					await deliverAnswered(cluster.main.baseUrl, path, invoiceCalls(invoices(path), 1))
				).answers;
				assert.deepEqual(tally(again.map(invoiceAnswer)), { '200 duplicate': 20 }, path);
			}

			const creates = (path: string) =>
				[...receiver.accepted(path).values()].reduce((a, b) => a + b, 0);
			const findRoute = `${current}-find`;
			const reconciledFound = new Set(
				receiver.arrivals
					.filter((a) => a.route === findRoute && heldByVictim[current].includes(a.key))
					.map((a) => a.key),
			).size;
			console.log(
				`[e2e] crash mid-write, 40 deliveries of 20 invoices each, vendor ignoring Idempotency-Key: version 2 defaults ${creates(current)} creates; version 1 defaults ${creates(saved)} creates; invoices the dead worker was writing, looked up through Reconcile: ${reconciledFound} of ${heldByVictim[current].length}`,
			);
			const currentCreates = receiver.accepted(current);
			assert.equal(currentCreates.size, 20, 'every invoice created');
			assert.deepEqual(
				[...currentCreates.values()],
				Array(20).fill(1),
				'version 2 defaults: exactly one create per invoice',
			);
			assert.ok(
				reconciledFound >= heldByVictim[current].length,
				`each invoice the dead worker was writing was looked up through Reconcile (${reconciledFound} of ${heldByVictim[current].length})`,
			);
			// What the issue measured with the old default: the dead execution's invoices are created again.
			const savedCreates = receiver.accepted(saved);
			assert.ok(
				heldByVictim[saved].every((key) => (savedCreates.get(key) ?? 0) >= 2),
				`version 1 defaults create again: ${JSON.stringify(heldByVictim[saved].map((key) => [key, savedCreates.get(key)]))}`,
			);
			time('crash mid-write (2 x 40 deliveries)', started);
		},
	);
});
