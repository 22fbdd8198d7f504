// The vendor stand-in of the queue-mode suite (a local HTTP receiver recording every call
// that really arrived), the webhook calls that drive it, and helpers on their answers.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';

export const CALL_TIMEOUT_MS = 120_000;
/**
 * How long a caller waits during a fault: measured in n8n 2.40.7, a webhook whose
 * execution ran while Redis or Postgres restarted may never be answered (the main
 * process misses the worker's "job finished" message, or cannot read the execution),
 * so callers give up, as a vendor's webhook sender would, and re-send.
 */
export const FAULT_CALL_TIMEOUT_MS = 40_000;
/** How long a caller waits for an answer without faults before it re-sends (see deliverAnswered). */
export const ANSWER_TIMEOUT_MS = 45_000;

// ---------------------------------------------------------------------------------------
// The receiver: the vendor stand-in, on 127.0.0.1, recording every call
// ---------------------------------------------------------------------------------------

export interface Arrival {
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
export type Answer = { status: number; body: IDataObject; delayMs?: number };
export type RouteHandler = (body: IDataObject, arrival: Arrival) => Answer;

export interface Receiver {
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

export async function startReceiver(): Promise<Receiver> {
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

export interface Delivery {
	key: string;
	status: number;
	body: IDataObject;
	/** Set when the call itself failed (connection reset, timeout). */
	failure?: string;
}

export async function deliver(
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
export async function deliverAll(
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
export async function deliverAnswered(
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------
// Helpers on answers and executions
// ---------------------------------------------------------------------------------------

export function outcome(delivery: Delivery): string {
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

export const definitive = (delivery: Delivery) =>
	['completed', 'duplicate'].includes(outcome(delivery));

export function orders(
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

export function tally(values: string[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
	return counts;
}
