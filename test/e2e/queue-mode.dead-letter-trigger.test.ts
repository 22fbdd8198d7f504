// The Dead Letter Trigger in n8n's queue mode (issue 19): main + 2 workers on a private
// Redis and Postgres (queue-harness.ts), the dead letters in the guards' Postgres store.
// The trigger polls on main; the replays run on the workers. 40 orders failed with 503
// are captured; the vendor recovers but answers slowly; the worker running the replay
// is killed (kill -9) while its calls are in flight, so the vendor applies none of them.
// The records' leases run out, the next poll hands them out again, the surviving worker
// delivers them: every order applied exactly once, every record resolved.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';
import { Client } from 'pg';

import { queueSuite, RUN, type Credentials, type QueueCluster } from './queue-harness';
import {
	captureWorkflow,
	redeliveryWorkflow,
	resetVendor,
	sleep,
	startVendor,
	until,
	assertBodiesExact,
	type QueueTarget,
	type Vendor,
} from './redelivery-workflows';

const ORDERS = 40;
/** Seconds the recovered vendor takes to answer: the window in which the worker is killed. */
const VENDOR_DELAY_MS = 6000;
/** The replay's lease: short, so the killed worker's records come back within the test. */
const LEASE_MINUTES = 0.3;

describe('n8n queue mode end to end: Dead Letter Trigger on main, replays on workers, a worker killed mid-replay', () => {
	const suite = queueSuite('dead-letter-trigger');
	let cluster: QueueCluster, credentials: Credentials, vendor: Vendor;
	before(async () => {
		({ cluster, credentials } = suite);
		vendor = await startVendor();
	});
	after(async () => {
		await vendor?.close();
	});

	it(
		`${ORDERS} records: the worker replaying them is killed; leases come back; each order applied once, every record resolved`,
		{ timeout: 8 * 60_000 },
		async () => {
			resetVendor(vendor);
			const target: QueueTarget = {
				store: 'postgres',
				scope: `queue-trigger-${RUN}`,
				credential: credentials.postgres,
			};
			const capture = await cluster.main.importWorkflow(
				captureWorkflow(target, vendor.url, ORDERS, 'queue capture'),
			);
			const captured = await cluster.main.executeById(capture.id);
			assert.equal(captured.status, 'success', JSON.stringify(captured.error));
			assert.equal(captured.json('Capture', 'Captured').length, ORDERS);

			// The vendor is back, slowly. Activating the workflow polls at once, on main.
			vendor.down = false;
			vendor.delayMs = VENDOR_DELAY_MS;
			await sleep(1000);
			const redelivery = await suite.activate(
				redeliveryWorkflow(
					target,
					vendor.url,
					{ transientMinutes: '0.01, 0.01, 0.01', leaseMinutes: LEASE_MINUTES, maxRecords: 100 },
					'queue redelivery',
					true,
				),
			);
			const firstArrival = await until(() => vendor.arrivals.length > 0, 60_000);
			assert.ok(firstArrival, `no replay reached the vendor\n${cluster.main.logTail(30)}`);
			const victimName = vendor.arrivals[0].worker;
			const victim = cluster.workers.find((worker) => worker.name === victimName);
			assert.ok(victim, `the replay ran on a worker (X-Worker: ${victimName}), not on main`);
			const survivor = cluster.workers.find((worker) => worker !== victim)!;
			await victim.kill();
			const killedAt = Date.now();
			await sleep(VENDOR_DELAY_MS + 500);
			const heldByVictim = vendor.arrivals.filter((arrival) => arrival.worker === victimName);
			assert.equal(vendor.accepted.size, 0, 'the vendor applied nothing the killed worker sent');
			assert.equal(vendor.dropped, heldByVictim.length);

			// The leases run out; a poll (re-activation polls at once; the minute schedule would too) hands the records out again.
			await sleep(Math.max(0, LEASE_MINUTES * 60_000 + 2000 - (Date.now() - killedAt)));
			await cluster.main.deactivate(redelivery.id);
			await cluster.main.activate(redelivery.id);
			try {
				const all = await until(() => vendor.accepted.size === ORDERS, 180_000);
				assert.ok(
					all,
					`applied ${vendor.accepted.size} of ${ORDERS}; arrivals ${vendor.arrivals.length}\n${survivor.logTail(30)}`,
				);
				await sleep(3000);
			} finally {
				await cluster.main.deactivate(redelivery.id);
			}
			const twice = [...vendor.accepted].filter(([, count]) => count !== 1);
			assert.deepEqual(twice, [], 'every order applied exactly once');
			assert.deepEqual(
				[...new Set(vendor.acceptedBy.values())],
				[survivor.name],
				'the records came back to the surviving worker',
			);
			// Each order went out at most twice (the killed try, the one that worked), with one Idempotency-Key.
			const keys = new Map<number, Set<string>>();
			for (const arrival of vendor.arrivals)
				(
					keys.get(arrival.orderId) ?? keys.set(arrival.orderId, new Set()).get(arrival.orderId)!
				).add(arrival.key);
			for (const [orderId, orderKeys] of keys)
				assert.equal(orderKeys.size, 1, `order ${orderId}: one idempotency key for every try`);
			// Every body sent, first tries and replays, is the order exactly as captured.
			assert.equal(assertBodiesExact(vendor, 0), ORDERS + vendor.arrivals.length);

			const sql = new Client({
				host: cluster.postgres.host,
				port: cluster.postgres.port,
				user: 'postgres',
				database: cluster.postgres.database,
			});
			await sql.connect();
			try {
				const { rows } = await sql.query<{ status: string; attempts: number; count: string }>(
					`SELECT status, attempts, count(*) AS count FROM ${suite.storeSchema}.g_queue WHERE queue = $1 GROUP BY status, attempts ORDER BY attempts`,
					[`deadletter:${target.scope}`],
				);
				const byStatus: IDataObject = {};
				for (const row of rows)
					byStatus[`${row.status} after ${row.attempts} leases`] = Number(row.count);
				const resolved = rows
					.filter((row) => row.status === 'done')
					.reduce((sum, row) => sum + Number(row.count), 0);
				assert.equal(resolved, ORDERS, JSON.stringify(byStatus));
				console.log(`[e2e] queue trigger: records by status ${JSON.stringify(byStatus)}`);
			} finally {
				await sql.end();
			}
			await victim.start();
		},
	);
});
