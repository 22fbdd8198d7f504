// Rate Limiter's concurrency cap (Wait for Slot, Also Limit: Max In Flight) in n8n's queue
// mode: a main process and 2 workers (queue-harness.ts) running webhook executions at once
// against a local stand-in vendor that counts the requests it holds at a time. The cap is
// shared by both workers through Redis; a worker killed (SIGKILL) while it holds every slot
// gives them back when their leases run out, and every item is delivered in the end.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import { PACKAGE_NAME, type WorkflowJson } from './harness';
import { queueSuite, RUN, type Credentials, type QueueCluster } from './queue-harness';
import { answer, callVendor, newLayout, node, to, webhook } from './queue-nodes';

const CAP = 3;
const LEASE_SECONDS = 15;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The stand-in vendor: counts requests in flight; answers after `holdMs`, or holds forever the calls of a worker it is told to hang. */
function startVendor() {
	let inFlight = 0;
	const state = {
		most: 0,
		hangWorker: null as string | null,
		arrivals: [] as Array<{ at: number; worker: string; item: string }>,
		hung: [] as ServerResponse[],
		delivered: new Map<string, number>(),
	};
	const server = createServer((request: IncomingMessage, response: ServerResponse) => {
		let body = '';
		request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
		request.on('end', () => {
			inFlight++;
			state.most = Math.max(state.most, inFlight);
			let open = true;
			const done = () => {
				if (open) inFlight--;
				open = false;
			};
			// A caller that went away (a killed worker) no longer holds the vendor.
			response.on('close', done);
			const worker = String(request.headers['x-worker'] ?? '');
			const item = String((JSON.parse(body || '{}') as IDataObject).item ?? '');
			state.arrivals.push({ at: Date.now(), worker, item });
			if (state.hangWorker !== null && worker === state.hangWorker) {
				state.hung.push(response);
				return;
			}
			setTimeout(() => {
				state.delivered.set(item, (state.delivered.get(item) ?? 0) + 1);
				response.writeHead(200, { 'content-type': 'application/json' });
				response.end(JSON.stringify({ ok: true, item }), done);
			}, 300);
		});
	});
	return {
		state,
		listen: async () => {
			await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
			return `http://127.0.0.1:${(server.address() as AddressInfo).port}/work`;
		},
		close: async () => {
			for (const response of state.hung) response.destroy();
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}

/** Webhook → Wait for Slot (Redis, Max In Flight 3) → Call Vendor → Release Slot → answer. */
function capWorkflow(
	path: string,
	url: string,
	limiterName: string,
	credentials: Credentials,
): WorkflowJson {
	newLayout();
	const redis = { credentials: { integrationGuardsRedisApi: credentials.redis } };
	return {
		name: `queue e2e concurrency cap ${path}`,
		nodes: [
			webhook(path),
			node(
				'Wait for Slot',
				`${PACKAGE_NAME}.rateLimiter`,
				2.1,
				{
					operation: 'waitForSlot',
					limiterName,
					store: 'redis',
					limit: 100,
					per: 'second',
					targetUtilization: 90,
					maxWait: 0,
					alsoLimit: { maxInFlight: CAP, leaseSeconds: LEASE_SECONDS },
					options: {},
				},
				redis,
			),
			callVendor(
				'Call Vendor',
				url,
				'={{ JSON.stringify({ item: $json.body.item }) }}',
				'={{ $json.body.item }}',
				{ onError: 'continueRegularOutput' },
			),
			node(
				'Release Slot',
				`${PACKAGE_NAME}.rateLimiter`,
				2.1,
				{
					operation: 'releaseSlot',
					limiterName,
					store: 'redis',
					leaseId: "={{ $('Wait for Slot').item.json.rateLimiter.lease }}",
					options: {},
				},
				redis,
			),
			answer('Done', 'done'),
		],
		connections: {
			Webhook: { main: [[to('Wait for Slot')]] },
			'Wait for Slot': { main: [[to('Call Vendor')], []] },
			'Call Vendor': { main: [[to('Release Slot')]] },
			'Release Slot': { main: [[to('Done')]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

interface Answer {
	item: string;
	status: number | null;
	body: IDataObject;
}

async function call(baseUrl: string, path: string, item: string): Promise<Answer> {
	try {
		const response = await fetch(`${baseUrl}/webhook/${path}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ item }),
			signal: AbortSignal.timeout(120_000),
		});
		const text = await response.text();
		let body: IDataObject = {};
		try {
			body = JSON.parse(text) as IDataObject;
		} catch {
			body = { text };
		}
		return { item, status: response.status, body };
	} catch (error) {
		return { item, status: null, body: { failure: String(error) } };
	}
}

describe('n8n queue mode end to end: a concurrency cap shared by 2 workers (Rate Limiter Max In Flight)', () => {
	const suite = queueSuite('concurrency cap');
	let cluster: QueueCluster;
	let credentials: Credentials;
	before(() => void ({ cluster, credentials } = suite));
	const vendor = startVendor();
	let url = '';
	before(async () => {
		url = await vendor.listen();
	});
	after(async () => await vendor.close());

	it(
		`20 executions at once on 2 workers: the vendor never holds more than ${CAP}`,
		{ timeout: 5 * 60_000 },
		async () => {
			const path = `q-cap-${RUN}`;
			await suite.activate(capWorkflow(path, url, `cap-${RUN}`, credentials));
			const started = Date.now();
			const items = Array.from({ length: 20 }, (_, n) => `cap-${n}`);
			const answers = await Promise.all(
				items.map((item) => call(cluster.main.baseUrl, path, item)),
			);
			suite.time('20 executions through a cap of 3', started);
			const workers = new Set(vendor.state.arrivals.map((arrival) => arrival.worker));
			console.log(
				`[queue-cap] 20 executions, cap ${CAP}: vendor saw at most ${vendor.state.most} at once; workers ${[...workers].join(', ')}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
			);
			assert.deepEqual(
				answers.map((answer) => answer.status),
				Array(20).fill(200),
				JSON.stringify(answers.filter((answer) => answer.status !== 200)),
			);
			assert.ok(
				answers.every((answer) => (answer.body.rateLimiter as IDataObject)?.released === true),
				`every slot released: ${JSON.stringify(answers.slice(0, 2))}`,
			);
			assert.ok(vendor.state.most <= CAP, `at most ${CAP} at once, saw ${vendor.state.most}`);
			assert.equal(vendor.state.most, CAP, 'the executions did press against the cap');
			assert.equal(workers.size, 2, 'both workers called the vendor');
			assert.deepEqual([...vendor.state.delivered.values()], Array(20).fill(1));
		},
	);

	it(
		'a worker killed (SIGKILL) while it holds every slot: the slots return after the lease, and every item is delivered',
		{ timeout: 8 * 60_000 },
		async () => {
			const victim = cluster.workers[1];
			const path = `q-cap-kill-${RUN}`;
			vendor.state.most = 0;
			vendor.state.delivered.clear();
			vendor.state.arrivals.length = 0;
			vendor.state.hangWorker = victim.name;
			await suite.activate(capWorkflow(path, url, `cap-kill-${RUN}`, credentials));
			const items = Array.from({ length: 12 }, () => `kill-${randomUUID().slice(0, 8)}`);
			const calls = items.map((item) => call(cluster.main.baseUrl, path, item));
			// The victim's calls hang at the vendor, each holding a slot: wait until it holds all.
			const deadline = Date.now() + 120_000;
			while (vendor.state.hung.length < CAP) {
				if (Date.now() > deadline)
					throw new Error(`the victim holds only ${vendor.state.hung.length} slots after 120 s`);
				await sleep(50);
			}
			const victimGrants = vendor.state.arrivals
				.filter((arrival) => arrival.worker === victim.name)
				.map((arrival) => arrival.at);
			const earliestLeaseEnd = Math.min(...victimGrants) + LEASE_SECONDS * 1000;
			await victim.kill();
			const killedAt = Date.now();
			const answers = await Promise.all(calls);
			const afterKill = vendor.state.arrivals.filter((arrival) => arrival.at > killedAt);
			const firstAfter = Math.min(...afterKill.map((arrival) => arrival.at));
			const failed = answers.filter((answer) => answer.status !== 200);
			console.log(
				`[queue-cap] kill: victim held ${CAP} slots (${vendor.state.hung.length} calls hung); next vendor call ${((firstAfter - killedAt) / 1000).toFixed(1)} s after the kill, ${((firstAfter - earliestLeaseEnd) / 1000).toFixed(1)} s after the first lease ended; ${answers.length - failed.length} answered 200, ${failed.length} died with the victim (${failed.map((answer) => answer.status).join(',')}); max in flight ${vendor.state.most}`,
			);
			assert.ok(vendor.state.most <= CAP, `at most ${CAP} at once, saw ${vendor.state.most}`);
			assert.ok(afterKill.length > 0, 'the survivor went on after the kill');
			assert.ok(
				firstAfter >= earliestLeaseEnd - 300,
				'no slot came back before a lease of the killed worker ran out',
			);
			assert.ok(
				firstAfter <= earliestLeaseEnd + 5_000,
				`the slots came back when the leases ran out (${firstAfter - earliestLeaseEnd} ms after)`,
			);
			assert.ok(failed.length >= CAP, 'the executions that hung on the victim died with it');
			// Their callers send them again (n8n does not rerun a killed worker's job): all delivered.
			await victim.start();
			vendor.state.hangWorker = null;
			const resent = await Promise.all(
				failed.map((answer) => call(cluster.main.baseUrl, path, answer.item)),
			);
			assert.deepEqual(
				resent.map((answer) => answer.status),
				failed.map(() => 200),
			);
			assert.deepEqual(
				items.filter((item) => !vendor.state.delivered.has(item)),
				[],
				'every item delivered in the end',
			);
			assert.ok(vendor.state.most <= CAP, `at most ${CAP} at once, saw ${vendor.state.most}`);
		},
	);
});
