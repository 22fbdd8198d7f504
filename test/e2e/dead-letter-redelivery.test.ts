// Redelivery in a real n8n (issue 19): a vendor stand-in on 127.0.0.1 answers 503; the
// failed orders are captured; the Dead Letter Trigger hands them out again on its
// schedule (seconds here) — once by a manual poll while the vendor is still down (each
// captured again, attempt 2), then, after the vendor recovered, by the active workflow's
// own poll. Every order is accepted exactly once, none with our fields or a placeholder
// in its body, and every record ends resolved. On the embedded store and on Postgres.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';
import { Client } from 'pg';

import { startN8n, type N8nInstance } from './harness';
import {
	assertBodiesExact,
	captureWorkflow,
	listWorkflow,
	redeliveryWorkflow,
	resetVendor,
	sleep,
	startVendor,
	statusCounts,
	until,
	type QueueTarget,
	type Vendor,
} from './redelivery-workflows';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const SCHEMA = `dl_redeliver_${RUN}`;
const PG = { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' };
const ORDERS = 30;
/** The schedule's waits (minutes): 1.2 s each, no jitter, so the test knows when a record is due. */
const SCHEDULE = '0.02, 0.02, 0.02, 0.02';

describe('n8n end to end: Dead Letter Trigger redelivery', () => {
	let n8n: N8nInstance;
	let sql: Client;
	let vendor: Vendor;
	let postgresCredential: { id: string; name: string };

	before(
		async () => {
			sql = new Client({ ...PG, connectionTimeoutMillis: 5000 });
			await sql.connect();
			vendor = await startVendor();
			n8n = await startN8n();
			postgresCredential = await n8n.createCredential(
				'integrationGuardsPostgresApi',
				'Redelivery Postgres',
				{
					...PG,
					password: '',
					ssl: 'disable',
					schema: SCHEMA,
					tablePrefix: 'dl_',
				},
			);
		},
		{ timeout: 20 * 60_000 },
	);

	after(
		async () => {
			await n8n?.stop();
			await vendor?.close();
			await sql?.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
			await sql?.end();
		},
		{ timeout: 60_000 },
	);

	for (const store of ['embedded', 'postgres'] as const) {
		it(
			`${store} store: ${ORDERS} orders failing with 503 are captured, redelivered by the trigger after the vendor recovers, each accepted once`,
			{ timeout: 6 * 60_000 },
			async () => {
				resetVendor(vendor);
				const target: QueueTarget = {
					store,
					scope: `redeliver-${RUN}-${store}`,
					...(store === 'postgres' ? { credential: postgresCredential } : {}),
				};
				const capture = await n8n.importWorkflow(
					captureWorkflow(target, vendor.url, ORDERS, `capture (${store})`),
				);
				const redelivery = await n8n.importWorkflow(
					redeliveryWorkflow(
						target,
						vendor.url,
						{ transientMinutes: SCHEDULE },
						`redelivery (${store})`,
					),
				);
				const list = await n8n.importWorkflow(listWorkflow(target, `list (${store})`));

				// 1. Captured: every order failed with 503, classed transient.
				const captured = await n8n.executeById(capture.id);
				assert.equal(captured.status, 'success', JSON.stringify(captured.error));
				const records = captured.json('Capture', 'Captured');
				assert.equal(records.length, ORDERS);
				assert.deepEqual(
					[...new Set(records.map((json) => (json.deadLetter as IDataObject).class))],
					['transient'],
				);

				// 2. A poll while the vendor is still down: each record goes once more and is captured again.
				await sleep(1500);
				const stillDown = await n8n.executeById(redelivery.id, {
					triggerNode: 'Dead Letter Trigger',
				});
				assert.equal(stillDown.status, 'success', JSON.stringify(stillDown.error));
				const handedOut = stillDown.json('Dead Letter Trigger', 'Records');
				assert.equal(handedOut.length, ORDERS);
				assert.deepEqual(
					[...new Set(handedOut.map((json) => (json.deadLetter as IDataObject).attempt))],
					[2],
				);
				const again = stillDown.json('Capture Again', 'Captured');
				assert.deepEqual(
					[...new Set(again.map((json) => (json.deadLetter as IDataObject).outcome))],
					['returned'],
				);
				assert.equal(vendor.accepted.size, 0);

				// 3. The vendor recovers; the active workflow's own poll (at activation, then every
				// minute) redelivers each record, and Resolve settles it.
				vendor.down = false;
				await sleep(1500);
				await n8n.activate(redelivery.id);
				try {
					const all = await until(() => vendor.accepted.size === ORDERS, 150_000);
					assert.ok(all, `accepted ${vendor.accepted.size} of ${ORDERS}\n${n8n.logTail(30)}`);
					// Let a stray second delivery show itself, were there one.
					await sleep(3000);
				} finally {
					await n8n.deactivate(redelivery.id);
				}
				const twice = [...vendor.accepted].filter(([, count]) => count !== 1);
				assert.deepEqual(twice, [], 'every order accepted exactly once');
				assert.deepEqual(
					[...vendor.accepted.keys()].sort((a, b) => a - b),
					Array.from({ length: ORDERS }, (_, i) => i + 1),
				);
				// Every body the vendor received — first tries, the redelivery while down, the one
				// after — is the order exactly as captured: nothing of ours, no placeholder.
				assert.equal(assertBodiesExact(vendor, 0), 3 * ORDERS);

				// 4. Every record resolved; a poll now finds nothing.
				const listed = await until(async () => {
					const run = await n8n.executeById(list.id);
					return statusCounts(run.json('List', 'Records')).resolved === ORDERS;
				}, 30_000);
				const final = await n8n.executeById(list.id);
				assert.ok(listed, JSON.stringify(statusCounts(final.json('List', 'Records'))));
				await sleep(1500);
				const empty = await n8n.executeById(redelivery.id, { triggerNode: 'Dead Letter Trigger' });
				assert.equal(empty.status, 'success', JSON.stringify(empty.error));
				assert.equal(vendor.accepted.size, ORDERS);
				if (store === 'postgres') {
					const { rows } = await sql.query<{ status: string; count: string }>(
						`SELECT status, count(*) AS count FROM ${SCHEMA}.dl_queue GROUP BY status`,
					);
					assert.deepEqual(
						rows.map((row) => [row.status, Number(row.count)]),
						[['done', ORDERS]],
					);
				}
			},
		);
	}
});
