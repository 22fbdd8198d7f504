// The package in n8n's queue mode (issue 10), exactly-once writes: a main process and two
// workers on a private Redis and Postgres (queue-harness.ts), driven by concurrent webhook
// calls; a local HTTP receiver stands in for the vendor and records every call that really
// arrived (queue-receiver.ts).
//
// Duplicate deliveries race on both workers (Redis store): the vendor sees each order once.
// The shipped example examples/queue-mode-exactly-once.json: one invoice sent 6 times at
// once is created once; and with a worker killed mid-write (kill -9) while the vendor
// ignores Idempotency-Key, version 2 defaults (Reconcile) create each invoice once where
// version 1 defaults (Proceed) create again.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import { PACKAGE_NAME, repoRoot, type WorkflowJson } from './harness';
import { queueSuite, RUN, type Credentials, type QueueCluster } from './queue-harness';
import {
	deliverAll,
	deliverAnswered,
	outcome,
	orders,
	sleep,
	tally,
	type Delivery,
	type Receiver,
} from './queue-receiver';
import { SCENARIOS } from './queue-workflows';

describe('n8n queue mode end to end, exactly once: main + 2 workers, private Redis and Postgres', () => {
	const suite = queueSuite('exactly once');
	const { activate, time } = suite;
	let cluster: QueueCluster, receiver: Receiver, credentials: Credentials;
	before(() => void ({ cluster, receiver, credentials } = suite));

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
				assert.equal(item.typeVersion, 3, `${item.name} is a version 3 node`);
				item.credentials = { integrationGuardsRedisApi: credentials.redis };
				// Version 3's Complete and Mark Outcome Unknown take the Claim's Scope; a
				// version 1 node needs it typed, as the Claim's.
				if (parameters.operation === 'claim' || options.version1)
					parameters.scope = `queue-invoices-${RUN}-${path}`;
				if (parameters.operation === 'claim' && options.leaseMinutes !== undefined)
					parameters.leaseMinutes = options.leaseMinutes;
				if (options.version1) {
					item.typeVersion = 1;
					delete parameters.afterExpiredLease;
					// Version 1 writes `idempotency`; the example's expressions read `idempotentWrite`.
					parameters.options = {
						...(parameters.options as IDataObject),
						outputField: 'idempotentWrite',
					};
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
