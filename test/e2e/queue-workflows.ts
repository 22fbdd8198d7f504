// The scenario workflows of the queue-mode suite, built from n8n's own nodes
// (queue-nodes.ts) and this package's, by the failure mode they guard (SCENARIOS).
import type { IDataObject } from 'n8n-workflow';

import { PACKAGE_NAME, type WorkflowJson, type WorkflowNodeJson } from './harness';
import { RUN, type Credentials } from './queue-harness';
import { newLayout, node, webhook, wait, callVendor, answer, to, checkpoint } from './queue-nodes';

function exactlyOnceWorkflow(
	path: string,
	url: string,
	store: 'redis' | 'postgres',
	credentials: Credentials,
	slow?: { seconds: number; before: boolean; checkpointUrl: string },
): WorkflowJson {
	newLayout();
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
	newLayout();
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
	newLayout();
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
	newLayout();
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
	newLayout();
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
	newLayout();
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
export const SCENARIOS = {
	exactlyOnce: exactlyOnceWorkflow,
	records: recordsWorkflow,
	replay: replayWorkflow,
	breaker: breakerWorkflow,
	rateLimit: rateLimitWorkflow,
	budget: budgetWorkflow,
} as const;
