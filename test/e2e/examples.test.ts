// The shipped examples, imported into a real n8n and run there: Canonical Transform,
// Schema Guard, Circuit Breaker, the Rate Limiter retry loop and the Dead Letter capture,
// replay and redelivery, with every route asserted. (Idempotent Write has its
// own suite: idempotent-write.test.ts.) The harness starts n8n on a free port, never 5678: an
// example calling its stand-in (the retry loop) runs with its URL as shipped.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import {
	LEDGER_FROM_STRIPE,
	LEDGER_FROM_XERO,
	STRIPE_CANONICAL,
	STRIPE_ERROR,
	XERO_CANONICAL,
	XERO_ERROR,
} from '../engine/canonical-transform.fixtures';
import { startVendor } from '../support/nginx';
import { repoRoot, startN8n, type N8nInstance, type WorkflowJson } from './harness';

function example(name: string): WorkflowJson {
	return JSON.parse(readFileSync(path.join(repoRoot(), 'examples', name), 'utf8')) as WorkflowJson;
}

/** A stand-in vendor on 127.0.0.1 whose answer the test switches. */
async function vendor(): Promise<{
	server: Server;
	url: string;
	status: { code: number };
	calls: { count: number };
}> {
	const status = { code: 200 };
	const calls = { count: 0 };
	const server = createServer((_request, response) => {
		calls.count++;
		response.writeHead(status.code, { 'content-type': 'application/json' });
		response.end(
			JSON.stringify(status.code === 200 ? { contacts: [{ id: 'c1' }] } : { error: 'unavailable' }),
		);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		server,
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/crm/contacts`,
		status,
		calls,
	};
}

const withoutCorrelation = (items: IDataObject[]) =>
	items.map((json) => {
		const { correlationId, ...rest } = json;
		void correlationId;
		return rest;
	});

const withoutMeta = (json: IDataObject) => {
	const { error, details, ...rest } = json;
	return { error, itemIndex: (details as IDataObject | undefined)?.itemIndex, rest };
};

describe('n8n end to end: the examples', () => {
	let n8n: N8nInstance;

	before(async () => {
		n8n = await startN8n();
	});

	after(async () => {
		await n8n?.stop();
	});

	it('Canonical Transform: Xero and Stripe invoices into one model and out to a ledger, exactly; bad items on the error output with their fields', async () => {
		const workflow = await n8n.importWorkflow(example('canonical-transform.json'));
		const execution = await n8n.executeById(workflow.id);
		assert.equal(execution.status, 'success', JSON.stringify(execution.error));

		for (const [node, source, expected, expectedError] of [
			['Xero to Canonical', 'Xero Invoices (Test Data)', XERO_CANONICAL, XERO_ERROR],
			['Stripe to Canonical', 'Stripe Invoices (Test Data)', STRIPE_CANONICAL, STRIPE_ERROR],
		] as const) {
			const run = execution.node(node);
			assert.deepEqual(Object.keys(run.byName), ['main', 'error']);
			assert.deepEqual(
				withoutCorrelation(run.byName.main.map((item) => item.json)),
				expected,
				`${node}: the exact canonical invoices`,
			);
			assert.deepEqual(
				run.byName.main.map((item) => item.pairedItem),
				[{ item: 0 }, { item: 1 }],
			);
			assert.equal(run.byName.error.length, 1, `${node}: one invoice cannot be converted`);
			const failure = withoutMeta(run.byName.error[0].json);
			assert.equal(failure.error, expectedError);
			assert.equal(failure.itemIndex, 2);
			assert.deepEqual(
				failure.rest,
				execution.json(source)[2],
				'the bad item keeps its original fields',
			);
			assert.deepEqual(run.byName.error[0].pairedItem, { item: 2 });
		}
		const ledger = [
			execution.node('Canonical to Ledger', 0),
			execution.node('Canonical to Ledger', 1),
		];
		const byBranch = new Map(
			ledger.map((run) => [run.raw.source[0]?.previousNode, run.outputs[0]]),
		);
		assert.deepEqual(
			withoutCorrelation(byBranch.get('Xero to Canonical')!.map((item) => item.json)),
			LEDGER_FROM_XERO,
		);
		assert.deepEqual(
			withoutCorrelation(byBranch.get('Stripe to Canonical')!.map((item) => item.json)),
			LEDGER_FROM_STRIPE,
		);
		// One correlation ID from the vendor payload to the ledger row.
		assert.deepEqual(
			byBranch.get('Xero to Canonical')!.map((item) => item.json.correlationId),
			execution.node('Xero to Canonical').byName.main.map((item) => item.json.correlationId),
		);
	});

	it('Canonical Transform presets: five vendors into one Invoice model, one preset each, no expression', async () => {
		const json = example('canonical-transform-presets.json');
		assert.doesNotMatch(
			JSON.stringify(json.nodes.filter((node) => node.type.endsWith('canonicalTransform'))),
			/\{\{/,
		);
		const workflow = await n8n.importWorkflow(json);
		const execution = await n8n.executeById(workflow.id);
		assert.equal(execution.status, 'success', JSON.stringify(execution.error));
		const totals = ['Stripe', 'Xero', 'HubSpot', 'Salesforce', 'Shopify'].map((vendor) => {
			const run = execution.node(`${vendor} to Invoice`);
			assert.deepEqual(run.byName.error, [], `${vendor}: nothing to fix`);
			assert.deepEqual(
				run.byName.main.map((item) => item.pairedItem),
				[{ item: 0 }],
			);
			const { source, total, issuedOn } = run.byName.main[0].json;
			return { source, total, issuedOn };
		});
		assert.deepEqual(totals, [
			{
				source: 'stripe',
				total: { currency: 'USD', amount: '10.00', amountMinor: 1000 },
				issuedOn: '2023-04-04',
			},
			{
				source: 'xero',
				total: { currency: 'NZD', amount: '2025.00', amountMinor: 202500 },
				issuedOn: '2018-11-02',
			},
			{
				source: 'hubspot',
				total: { currency: 'USD', amount: '1500.00', amountMinor: 150000 },
				issuedOn: '2019-12-07',
			},
			{
				source: 'salesforce',
				total: { currency: 'USD', amount: '75000.00', amountMinor: 7500000 },
				issuedOn: '2024-03-15',
			},
			{
				source: 'shopify',
				total: { currency: 'USD', amount: '598.94', amountMinor: 59894 },
				issuedOn: '2008-01-10',
			},
		]);
	});

	it('Schema Guard: the vendor v2 batch splits into Valid, Invalid and one drift report; sent again, no new drift', async () => {
		const json = example('schema-guard.json');
		const body = (
			(json.pinData as IDataObject)['Contacts Received'] as Array<{ json: IDataObject }>
		)[0].json.body;
		delete json.pinData;
		const workflow = await n8n.importWorkflow(json);
		await n8n.activate(workflow.id);

		const first = await n8n.runWebhook('demo-contacts', body);
		assert.ok(first.execution, 'the webhook started an execution');
		const guard = first.execution.node('Schema Guard');
		assert.deepEqual(Object.keys(guard.byName), ['Valid', 'Invalid', 'Drift Report']);
		assert.deepEqual(
			guard.byName.Valid.map((item) => item.json.id),
			[1, 3],
		);
		assert.deepEqual(
			guard.byName.Valid.map((item) => item.pairedItem),
			[{ item: 0 }, { item: 2 }],
		);
		assert.deepEqual(
			guard.byName.Invalid.map((item) => item.json.id),
			[2, 4],
		);
		const problems = guard.byName.Invalid.map((item) =>
			((item.json.schemaGuard as IDataObject).problems as IDataObject[]).map(
				(problem) => `${String(problem.kind)} ${String(problem.path)}`,
			),
		);
		assert.ok(
			problems[0].some((problem) => /typeChanged .*age/.test(problem)),
			problems[0].join('; '),
		);
		assert.equal(guard.byName['Drift Report'].length, 1);

		const second = await n8n.runWebhook('demo-contacts', body);
		const again = second.execution!.node('Schema Guard');
		assert.deepEqual(
			again.byName.Valid.map((item) => item.json.id),
			[1, 3],
		);
		assert.deepEqual(
			again.byName['Drift Report'],
			[],
			'drift memory: the same drift does not alert twice',
		);
		await n8n.deactivate(workflow.id);
	});

	it('Circuit Breaker: failures open the breaker, Check then routes Open without calling; after the open time a probe closes it', async () => {
		const crm = await vendor();
		try {
			const json = example('circuit-breaker.json');
			for (const node of json.nodes) {
				const parameters = node.parameters as IDataObject;
				if (node.name === 'Call CRM') parameters.url = crm.url;
				if (node.name === 'Record CRM Call')
					Object.assign(parameters, { minimumCalls: 3, openSeconds: 2 });
			}
			const workflow = await n8n.importWorkflow(json);
			const run = async () => await n8n.executeById(workflow.id, { triggerNode: 'Sync Contacts' });

			const healthy = await run();
			assert.equal(
				healthy.node('Record CRM Call').byName.Success?.length ??
					healthy.node('Record CRM Call').outputs[0].length,
				1,
			);

			// Minimum 3 calls, 50% failure rate: one success and two 503s open it.
			crm.status.code = 503;
			const failing = [await run(), await run()];
			const states = failing.map((execution) => {
				const failed = execution.node('Record CRM Call').outputs[1];
				assert.equal(failed.length, 1, 'the 503 leaves Record on Failure');
				return (failed[0].json.circuitBreaker as IDataObject).state;
			});
			assert.deepEqual(states, ['closed', 'open']);

			const callsBefore = crm.calls.count;
			const blocked = await run();
			assert.equal(blocked.node('Check CRM').outputs[1].length, 1, 'Check routes Open');
			assert.ok(!blocked.nodesRun.includes('Call CRM'), 'the CRM is not called while open');
			assert.equal(crm.calls.count, callsBefore);

			crm.status.code = 200;
			await new Promise((resolve) => setTimeout(resolve, 2200));
			const probe = await run();
			const proceeded = probe.node('Check CRM').outputs[0];
			assert.equal(proceeded.length, 1, 'a probe goes through after the open time');
			const closed = probe.node('Record CRM Call').outputs[0][0].json.circuitBreaker as IDataObject;
			assert.equal(closed.state, 'closed', JSON.stringify(closed));
		} finally {
			crm.server.close();
		}
	});

	it('Dead Letter capture and replay: each failure captured by its class; the replay delivers rate limits, outages and hidden failures, the fixed data errors through Replay Edited, and lists the auth failures', async () => {
		const scope = `demo-crm-contacts-${Date.now()}`;
		const fresh = (json: WorkflowJson) => {
			for (const node of json.nodes) {
				const parameters = node.parameters as IDataObject;
				if (parameters.scope === 'demo-crm-contacts') parameters.scope = scope;
			}
			return json;
		};
		// The capture example holds the CRM stand-in (a webhook): active while both run.
		const capture = await n8n.importWorkflow(fresh(example('dead-letter-capture.json')));
		const replay = await n8n.importWorkflow(fresh(example('dead-letter-replay.json')));
		await n8n.activate(capture.id);
		try {
			// 25 customers: 3 bad emails (400), 2 expired tokens (401), 4 throttled (429),
			// 5 outages (503), 2 answers of 200 that say success: false, 9 synced.
			const captured = await n8n.executeById(capture.id, { triggerNode: 'Run Sync' });
			assert.equal(captured.status, 'success', JSON.stringify(captured.error));
			const classes = (items: IDataObject[]) =>
				items.map((item) => `${String((item.deadLetter as IDataObject).class)}`).sort();
			assert.equal(captured.json('Find Hidden Failures', 'Succeeded').length, 9);
			assert.deepEqual(classes(captured.json('Find Hidden Failures', 'Captured')), [
				'transient',
				'transient',
			]);
			assert.deepEqual(classes(captured.json('Capture Failure', 'Captured')), [
				...Array(3).fill('data'),
				...Array(4).fill('rateLimit'),
				...Array(5).fill('transient'),
			]);
			assert.deepEqual(classes(captured.json('Capture Failure', 'Auth Failure')), ['auth', 'auth']);

			const replayed = await n8n.executeById(replay.id, { triggerNode: 'Run Replay Now' });
			assert.equal(replayed.status, 'success', JSON.stringify(replayed.error));
			const ids = (items: IDataObject[]) =>
				items.map((item) => Number((item.payload as IDataObject).id)).sort((a, b) => a - b);
			assert.deepEqual(
				ids(replayed.json('Replay', 'Replay')),
				[5, 6, 9, 10, 12, 15, 18, 19, 20, 24, 25],
			);
			assert.equal(replayed.json('Resolve', 'Resolved').length, 11);
			assert.deepEqual(ids(replayed.json('Replay Edited', 'Replay')), [3, 13, 23]);
			assert.deepEqual(
				replayed.json('Replay Edited', 'Replay').map((item) => (item.payload as IDataObject).email),
				['customer3@example.com', 'customer13@example.com', 'customer23@example.com'],
			);
			assert.equal(replayed.json('Resolve Fixed', 'Resolved').length, 3);
			assert.equal(replayed.data.resultData.runData['Capture Again'], undefined);
			assert.equal(replayed.data.resultData.runData['Still Failing (Captured Again)'], undefined);
			assert.deepEqual(
				replayed.json('List Auth Failures').map((item) => (item.deadLetter as IDataObject).class),
				['auth', 'auth'],
			);
			assert.deepEqual(replayed.json('List Unknown Failures'), []);
		} finally {
			await n8n.deactivate(capture.id);
		}
	});

	it('Dead Letter redelivery: contacts failing once with 503 are captured; the trigger redelivers each, once, and Resolve settles it', async () => {
		const json = example('dead-letter-redelivery.json');
		const scope = `demo-crm-redelivery-${Date.now()}`;
		for (const node of json.nodes) {
			const parameters = node.parameters as IDataObject;
			// A fresh queue; the schedule's first wait 1.2 s instead of 1 minute; no timed poll during the test.
			if (parameters.scope === 'demo-crm-redelivery') parameters.scope = scope;
			if (node.name === 'Dead Letter Trigger')
				Object.assign(parameters, {
					transientMinutes: '0.02',
					jitterPercent: 0,
					pollTimes: { item: [{ mode: 'custom', cronExpression: '0 0 0 1 1 *' }] },
				});
		}
		const workflow = await n8n.importWorkflow(json);
		await n8n.activate(workflow.id);
		try {
			const seeded = await n8n.executeById(workflow.id, { triggerNode: 'Send Test Contacts' });
			assert.equal(seeded.status, 'success', JSON.stringify(seeded.error));
			assert.equal(seeded.json('Capture Failure', 'Captured').length, 5);
			await new Promise((resolve) => setTimeout(resolve, 1500));
			const poll = async () =>
				await n8n.executeById(workflow.id, { triggerNode: 'Dead Letter Trigger' });
			const redelivered = await poll();
			assert.equal(redelivered.status, 'success', JSON.stringify(redelivered.error));
			assert.deepEqual(
				redelivered
					.json('Dead Letter Trigger', 'Records')
					.map((record) => (record.payload as IDataObject).id),
				[1, 2, 3, 4, 5],
			);
			assert.equal(redelivered.json('Resolve', 'Resolved').length, 5);
			assert.equal(redelivered.json('Delivered').length, 5);
			assert.equal(redelivered.data.resultData.runData['Capture Again'], undefined);
			const again = await poll();
			assert.equal(again.status, 'success', JSON.stringify(again.error));
			assert.equal(again.data.resultData.runData['Upsert Contact in CRM'], undefined);
		} finally {
			await n8n.deactivate(workflow.id);
		}
	});

	it('Rate Limiter retry loop: throttled orders are retried through Back Off until they sync; the hopeless one is captured after 4 attempts', async () => {
		const json = example('rate-limiter-retry-loop.json');
		// The vendor stand-in is called at this n8n's own base URL, whatever its port (issue 15):
		// the harness's n8n is never on 5678, and the URL is used as shipped.
		assert.notEqual(n8n.port, 5678, 'n8n runs on another port than the default');
		const callVendor = json.nodes.find((node) => node.name === 'Call Vendor');
		assert.equal(
			(callVendor?.parameters as IDataObject | undefined)?.url,
			"={{ $execution.resumeUrl.split('/webhook-waiting/')[0] }}/webhook/demo-vendor-throttled",
			'Call Vendor derives the base URL of the n8n it runs on',
		);
		for (const node of json.nodes) {
			// Shorter waits than the example's, same loop.
			if (node.name === 'Back Off')
				Object.assign(node.parameters as IDataObject, { baseDelay: 0.2, maxDelay: 0.5 });
		}
		const workflow = await n8n.importWorkflow(json);
		await n8n.activate(workflow.id);
		try {
			const execution = await n8n.executeById(workflow.id, { triggerNode: 'Sync Orders' });
			assert.equal(execution.status, 'success', JSON.stringify(execution.error));
			const runsOf = (name: string) =>
				(execution.data.resultData.runData[name] ?? []).map((_, index) =>
					execution.node(name, index),
				);
			const synced = runsOf('Order Synced').flatMap((run) =>
				run.outputs[0].map((item) => item.json),
			);
			assert.deepEqual(synced.map((json) => json.orderId).sort(), [1, 2, 3, 4, 6]);
			const thirdAttempt = synced
				.filter((json) => json.orderId === 3 || json.orderId === 6)
				.map((json) => json.attempt);
			assert.deepEqual(thirdAttempt, [3, 3], 'orders 3 and 6 went through on their third attempt');
			const backOff = runsOf('Back Off');
			assert.equal(backOff.length, 4, 'three rounds of retries, then order 5 gives up');
			const gaveUp = backOff.flatMap((run) => run.byName['Give Up'] ?? run.outputs[1]);
			assert.deepEqual(
				gaveUp.map((item) => item.json.orderId),
				[5],
			);
			assert.equal((gaveUp[0].json.rateLimiter as IDataObject).attempt, 4);
			const captured = runsOf('Capture Failure').flatMap((run) => run.outputs[0]);
			assert.equal(captured.length, 1, 'the order that gave up is in the dead letter queue');
		} finally {
			await n8n.deactivate(workflow.id);
		}
	});

	for (const [file, last] of [
		['rate-limiter-wait-for-slot-loop.json', 'All Sent'],
		['rate-limiter-learn-from-response.json', 'All Sent'],
		['rate-limiter-backoff-paced.json', 'Delivered'],
	] as const) {
		it(`Rate Limiter wrapping HTTP Request (${file}): the 30 customers reach a 10 r/s nginx exactly once`, async () => {
			const nginx = await startVendor({ rate: 10, burst: 5, retryAfterSeconds: 1 });
			try {
				const json = example(file);
				for (const node of json.nodes)
					if (node.name === 'Call Vendor')
						(node.parameters as IDataObject).url = `${nginx.url}/customers`;
				const workflow = await n8n.importWorkflow(json);
				const execution = await n8n.executeById(workflow.id);
				assert.equal(execution.status, 'success', JSON.stringify(execution.error));
				const out = (execution.data.resultData.runData[last] ?? []).flatMap(
					(_, run) => execution.node(last, run).outputs[0],
				);
				assert.equal(out.length, 30);
				await new Promise((resolve) => setTimeout(resolve, 300));
				const summary = nginx.summary();
				assert.equal(summary.acceptedItems, 30);
				assert.equal(summary.duplicates, 0);
			} finally {
				await nginx.stop();
			}
		});
	}

	it('Rate Limiter stacked limits (rate-limiter-stacked-limits.json): 10 r/s, 25 a day and 2 in flight; 25 customers reach the vendor once, 5 leave over the daily cap', async () => {
		const nginx = await startVendor({ rate: 10, burst: 5, retryAfterSeconds: 1 });
		try {
			const json = example('rate-limiter-stacked-limits.json');
			for (const node of json.nodes)
				if (node.name === 'Call Vendor')
					(node.parameters as IDataObject).url = `${nginx.url}/customers`;
			const workflow = await n8n.importWorkflow(json);
			const execution = await n8n.executeById(workflow.id);
			assert.equal(execution.status, 'success', JSON.stringify(execution.error));
			const itemsOf = (name: string) =>
				(execution.data.resultData.runData[name] ?? []).flatMap(
					(_, run) => execution.node(name, run).outputs[0],
				);
			const released = itemsOf('Release Slot');
			assert.equal(released.length, 25);
			assert.ok(released.every((item) => (item.json.rateLimiter as IDataObject).released === true));
			const over = itemsOf('Over Daily Cap');
			assert.deepEqual(
				over.map((item) => (item.json.rateLimiter as IDataObject).reason),
				Array(5).fill('periodCap'),
			);
			await new Promise((resolve) => setTimeout(resolve, 300));
			const summary = nginx.summary();
			assert.equal(summary.acceptedItems, 25);
			assert.equal(summary.duplicates, 0);
		} finally {
			await nginx.stop();
		}
	});

	it('Rate Limiter concurrency cap (rate-limiter-concurrency-cap.json): 12 webhook executions at once, never more than 3 calls in flight at the vendor', async () => {
		let inFlight = 0;
		let most = 0;
		let served = 0;
		const server = createServer((request, response) => {
			inFlight++;
			most = Math.max(most, inFlight);
			request.resume();
			setTimeout(() => {
				inFlight--;
				served++;
				response.writeHead(200, { 'content-type': 'application/json' });
				response.end(JSON.stringify({ ok: true }));
			}, 300);
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		try {
			const json = example('rate-limiter-concurrency-cap.json');
			for (const node of json.nodes)
				if (node.name === 'Call Vendor')
					(node.parameters as IDataObject).url =
						`http://127.0.0.1:${(server.address() as AddressInfo).port}/work`;
			const workflow = await n8n.importWorkflow(json);
			await n8n.activate(workflow.id);
			try {
				const answers = await Promise.all(
					Array.from({ length: 12 }, async (_, job) => {
						const response = await fetch(`${n8n.baseUrl}/webhook/concurrency-cap-demo`, {
							method: 'POST',
							headers: { 'content-type': 'application/json' },
							body: JSON.stringify({ job }),
							signal: AbortSignal.timeout(120_000),
						});
						return { status: response.status, body: (await response.json()) as IDataObject };
					}),
				);
				console.log(
					`[examples] concurrency cap 3: 12 executions, vendor saw at most ${most} at once`,
				);
				assert.deepEqual(
					answers.map((answer) => answer.status),
					Array(12).fill(200),
				);
				assert.ok(
					answers.every((answer) => (answer.body.rateLimiter as IDataObject).released === true),
				);
				assert.equal(served, 12);
				assert.ok(most <= 3, `at most 3 in flight, the vendor saw ${most}`);
				assert.ok(most >= 2, 'the executions did run side by side');
			} finally {
				await n8n.deactivate(workflow.id);
			}
		} finally {
			server.close();
		}
	});
});
