// Guards Status in n8n's queue mode: a main process and two workers (queue-harness.ts)
// each record calls into a Circuit Breaker of its own name, and a Dead Letter queue they
// share, in the guards' Redis and Postgres stores; a Snapshot, itself run by a worker,
// shows the state both workers wrote, figure for figure as the stores hold it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';

import type { GuardsSnapshot } from '../../nodes/shared/core/status';
import { asBreakerState } from '../../nodes/shared/core/breaker/state';
import { breakerStats } from '../../nodes/shared/core/breaker/stats';
import { PostgresStore } from '../../nodes/shared/stores/postgres';
import { RedisStore } from '../../nodes/shared/stores/redis';
import { PACKAGE_NAME, type WorkflowJson } from './harness';
import { queueSuite, RUN, type Credentials, type QueueCluster } from './queue-harness';
import { answer, newLayout, node, to, webhook } from './queue-nodes';
import { deliverAnswered, tally } from './queue-receiver';

/** Webhook → Circuit Breaker Record (a breaker per worker, Redis) → Dead Letter Capture (Postgres) → the answer. */
function writeWorkflow(path: string, scope: string, credentials: Credentials): WorkflowJson {
	newLayout();
	return {
		name: `Guards Status queue write ${RUN}`,
		nodes: [
			webhook(path),
			node(
				'Breaker',
				`${PACKAGE_NAME}.circuitBreaker`,
				1,
				{
					operation: 'record',
					store: 'redis',
					scope,
					breakerName: '={{ $env.E2E_WORKER }}',
					outcomeFrom: 'field',
					outcomeField: 'body.fail',
					minimumCalls: 1000,
					options: {},
				},
				{ credentials: { integrationGuardsRedisApi: credentials.redis } },
			),
			node(
				'Capture',
				`${PACKAGE_NAME}.deadLetter`,
				2,
				// Every item that reaches it failed: its webhook body is the error to keep.
				{ operation: 'capture', store: 'postgres', scope, options: { errorField: 'body' } },
				{ credentials: { integrationGuardsPostgresApi: credentials.postgres } },
			),
			answer('Recorded', 'recorded'),
		],
		connections: {
			Webhook: { main: [[to('Breaker')]] },
			Breaker: { main: [[to('Recorded')], [to('Capture')]] },
			Capture: { main: [[to('Recorded')], [to('Recorded')], [to('Recorded')], [to('Recorded')]] },
		},
		settings: { executionOrder: 'v1' },
	} as unknown as WorkflowJson;
}

/** Webhook → Guards Status Snapshot of one store and scope → the snapshot as the answer. */
function snapshotWorkflow(
	path: string,
	store: 'redis' | 'postgres',
	scope: string,
	credentials: Credentials,
): WorkflowJson {
	newLayout();
	const credential =
		store === 'redis'
			? { integrationGuardsRedisApi: credentials.redis }
			: { integrationGuardsPostgresApi: credentials.postgres };
	return {
		name: `Guards Status queue snapshot ${store} ${RUN}`,
		nodes: [
			webhook(path),
			node(
				'Status',
				`${PACKAGE_NAME}.guardsStatus`,
				1,
				{ operation: 'snapshot', store, scope, options: {} },
				{ credentials: credential },
			),
			node('Worker', 'n8n-nodes-base.set', 3.4, {
				mode: 'manual',
				assignments: {
					assignments: [
						{ id: randomUUID(), name: 'worker', value: '={{ $env.E2E_WORKER }}', type: 'string' },
					],
				},
				includeOtherFields: true,
				options: {},
			}),
		],
		connections: { Webhook: { main: [[to('Status')]] }, Status: { main: [[to('Worker')]] } },
		settings: { executionOrder: 'v1' },
	} as unknown as WorkflowJson;
}

describe('n8n queue mode: Guards Status shows the state both workers wrote', () => {
	const suite = queueSuite('guards status');
	const { activate } = suite;
	let cluster: QueueCluster, credentials: Credentials;
	before(() => void ({ cluster, credentials } = suite));

	it(
		'40 calls at once on 2 workers: a breaker per worker (Redis) and one dead-letter queue (Postgres), all in the snapshot',
		{ timeout: 4 * 60_000 },
		async () => {
			const scope = `status-queue-${RUN}`;
			const path = `status-write-${RUN}`;
			await activate(writeWorkflow(path, scope, credentials));
			await activate(snapshotWorkflow(`${path}-redis`, 'redis', scope, credentials));
			await activate(snapshotWorkflow(`${path}-postgres`, 'postgres', scope, credentials));

			const ids = Array.from({ length: 40 }, (_, index) => index + 1);
			const { answers, unanswered } = await deliverAnswered(
				cluster.main.baseUrl,
				path,
				ids.map((id) => ({
					key: String(id),
					payload: { id, ...(id % 4 === 0 ? { fail: 'vendor said 503' } : {}) },
				})),
			);
			assert.deepEqual(
				unanswered,
				[],
				'every call answered once (a re-sent call would count twice)',
			);
			const byWorker = tally(answers.map((a) => String(a.body.worker)));
			const failedByWorker = tally(
				answers.filter((a) => Number(a.key) % 4 === 0).map((a) => String(a.body.worker)),
			);
			assert.equal(
				Object.keys(byWorker).length,
				2,
				`both workers ran calls: ${JSON.stringify(byWorker)}`,
			);

			const redis = await deliverAnswered(cluster.main.baseUrl, `${path}-redis`, [
				{ key: 'snapshot', payload: {} },
			]);
			const fromRedis = redis.answers[0].body.guardsStatus as unknown as GuardsSnapshot;
			assert.ok(fromRedis, JSON.stringify(redis.answers[0]));
			assert.deepEqual(
				fromRedis.breakers.map((b) => [b.name, b.calls, b.failures, b.state]).sort(),
				Object.entries(byWorker)
					.map(([worker, calls]) => [worker, calls, failedByWorker[worker] ?? 0, 'closed'])
					.sort(),
				'one breaker per worker, with the calls that worker recorded',
			);
			// The same figures, read straight from the guards' Redis.
			const redisStore = new RedisStore({
				backend: 'redis',
				host: cluster.redis.host,
				port: cluster.redis.port,
				db: 1,
				tls: false,
				keyPrefix: `guards-queue-e2e-${RUN}:`,
			});
			try {
				const names = Object.keys(byWorker);
				const { now, records } = await redisStore.read(
					`breaker:${scope}`,
					names.map((name) => `breaker:${name}`),
				);
				assert.deepEqual(
					names.map((name) => {
						const stats = breakerStats(asBreakerState(records.get(`breaker:${name}`)?.value), now);
						return [name, stats.calls, stats.failures];
					}),
					names.map((name) => {
						const row = fromRedis.breakers.find((breaker) => breaker.name === name)!;
						return [name, row.calls, row.failures];
					}),
				);
			} finally {
				await redisStore.close();
			}
			const postgres = await deliverAnswered(cluster.main.baseUrl, `${path}-postgres`, [
				{ key: 'snapshot', payload: {} },
			]);
			const fromPostgres = postgres.answers[0].body.guardsStatus as unknown as GuardsSnapshot;
			const store = new PostgresStore({
				backend: 'postgres',
				host: cluster.postgres.host,
				port: cluster.postgres.port,
				database: cluster.postgres.database,
				user: cluster.postgres.user,
				ssl: 'disable',
				schema: suite.storeSchema,
				tablePrefix: 'g_',
			});
			try {
				const stats = await store.queue!.stats(`deadletter:${scope}`);
				assert.equal(stats.pending + stats.leased, 10, 'the 10 failed calls were captured');
				assert.deepEqual(
					fromPostgres.deadLetters.map((q) => [q.scope, q.open]),
					[[scope, stats.pending + stats.leased]],
					'the dead letters both workers captured, as the store holds them',
				);
			} finally {
				await store.close();
			}
			console.log(
				`[e2e] guards status queue mode: calls by worker ${JSON.stringify(byWorker)}; snapshots run by ${String(redis.answers[0].body.worker)} and ${String(postgres.answers[0].body.worker)}`,
			);
		},
	);
});
