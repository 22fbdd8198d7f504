// Building blocks of the queue-mode scenario workflows (queue-workflows.ts): n8n's own
// nodes as the scenarios use them, laid out left to right.
import { randomUUID } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

import type { WorkflowNodeJson } from './harness';

// ---------------------------------------------------------------------------------------
// Workflow building blocks
// ---------------------------------------------------------------------------------------
let positionX = 0;

/** Lays the next workflow's nodes out from the left again. */
export function newLayout(): void {
	positionX = 0;
}

export function node(
	name: string,
	type: string,
	typeVersion: number,
	parameters: IDataObject,
	extra: Partial<WorkflowNodeJson> = {},
): WorkflowNodeJson {
	positionX += 220;
	return { name, type, typeVersion, parameters, position: [positionX, 0], ...extra };
}

export function webhook(path: string): WorkflowNodeJson {
	return node(
		'Webhook',
		'n8n-nodes-base.webhook',
		2,
		{ httpMethod: 'POST', path, responseMode: 'lastNode', options: {} },
		{ webhookId: randomUUID() },
	);
}

export function wait(name: string, seconds: number): WorkflowNodeJson {
	return node(
		name,
		'n8n-nodes-base.wait',
		1.1,
		{ amount: seconds, unit: 'seconds' },
		{ webhookId: randomUUID() },
	);
}

/** POST to the receiver; X-Worker says which worker made the call. */
export function callVendor(
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
export function answer(name: string, route: string): WorkflowNodeJson {
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

export const to = (target: string, index = 0) => ({ node: target, type: 'main', index });

/** POSTs the whole item to a receiver route that echoes it back, so the item goes on unchanged. */
export function checkpoint(url: string): WorkflowNodeJson {
	return callVendor('Checkpoint', url, '={{ JSON.stringify($json) }}', 'checkpoint');
}

/**
 * Webhook → [Slow Step] → Claim → Write at Vendor (Idempotency-Key) → Complete → Written;
 * Claim's other routes → Not Written. `slowBefore` puts the slow step before Claim
 * (the claim is then taken after it), else between Claim and the write.
 */
