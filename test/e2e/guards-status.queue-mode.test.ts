// Guards Status in n8n's queue mode: a main process and two workers (queue-harness.ts)
// each record calls into a Circuit Breaker of its own name, and a Dead Letter queue they
// share, in the guards' Redis and Postgres stores; each learns a vendor's limit into a
// Rate Limiter of its own name and counts into a Quota of its own name (Redis). A
// Snapshot, itself run by one worker, shows the state both workers wrote, figure for
// figure as the stores hold it: the other worker's learned limit included, which lives in
// that worker's memory and, now, in the limiter's record in Redis.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';

import type { GuardsSnapshot } from '../../nodes/shared/core/status';
import { asBreakerState } from '../../nodes/shared/core/breaker/state';
import { asLimiterRecord } from '../../nodes/shared/core/ratelimit/learned';
import { quotaSettingsKey } from '../../nodes/shared/core/ratelimit/quota';
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

/**
 * Webhook → a vendor's answer (a Set node: 200, X-RateLimit-Limit 120) → Rate Limiter
 * Learn From Response into a limiter named after the worker → Quota named after the
 * worker (Redis, 1,000 a day, alerts at 1%) → the answer. Version 2.1: names per item.
 */
function limitsWorkflow(path: string, scope: string, credentials: Credentials): WorkflowJson {
	newLayout();
	const redis = { credentials: { integrationGuardsRedisApi: credentials.redis } };
	return {
		name: `Guards Status queue limits ${RUN}`,
		nodes: [
			webhook(path),
			node('Vendor Answer', 'n8n-nodes-base.set', 3.4, {
				mode: 'manual',
				assignments: {
					assignments: [
						{ id: randomUUID(), name: 'statusCode', value: 200, type: 'number' },
						{
							id: randomUUID(),
							name: 'headers',
							value:
								'={{ { "x-ratelimit-limit": "120", "x-ratelimit-remaining": String($json.body.id) } }}',
							type: 'object',
						},
						{ id: randomUUID(), name: 'body', value: '={{ $json.body }}', type: 'object' },
					],
				},
				includeOtherFields: false,
				options: {},
			}),
			node(
				'Learn',
				`${PACKAGE_NAME}.rateLimiter`,
				2.1,
				{
					operation: 'learnFromResponse',
					store: 'redis',
					scope,
					limiterName: '={{ $env.E2E_WORKER }}',
					limit: 10,
					per: 'second',
					options: {},
				},
				redis,
			),
			node(
				'Quota',
				`${PACKAGE_NAME}.rateLimiter`,
				2.1,
				{
					operation: 'quota',
					store: 'redis',
					scope,
					quotaName: '={{ $env.E2E_WORKER }}',
					quota: 1000,
					period: 'day',
					timeZone: 'UTC',
					thresholds: '1, 90',
					options: {},
				},
				redis,
			),
			answer('Counted', 'counted'),
		],
		connections: {
			Webhook: { main: [[to('Vendor Answer')]] },
			'Vendor Answer': { main: [[to('Learn')]] },
			Learn: { main: [[to('Quota')], [to('Quota')], [to('Quota')]] },
			Quota: { main: [[to('Counted')], []] },
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

	it(
		"each worker learns a vendor's limit and counts a quota (Redis): the snapshot shows both, configured, learned and in percent",
		{ timeout: 4 * 60_000 },
		async () => {
			const scope = `status-limits-${RUN}`;
			const path = `status-limits-${RUN}`;
			await activate(limitsWorkflow(path, scope, credentials));
			await activate(snapshotWorkflow(`${path}-redis`, 'redis', scope, credentials));

			const ids = Array.from({ length: 40 }, (_, index) => index + 1);
			const { answers, unanswered } = await deliverAnswered(
				cluster.main.baseUrl,
				path,
				ids.map((id) => ({ key: `limits-${id}`, payload: { id } })),
			);
			assert.deepEqual(unanswered, [], 'every call answered once');
			const byWorker = tally(answers.map((a) => String(a.body.worker)));
			const workers = Object.keys(byWorker).sort();
			assert.equal(workers.length, 2, `both workers ran calls: ${JSON.stringify(byWorker)}`);

			// Each worker's Learn From Response wrote its limiter's record before it answered.
			const asked = await deliverAnswered(cluster.main.baseUrl, `${path}-redis`, [
				{ key: 'snapshot', payload: {} },
			]);
			const snapshot = asked.answers[0].body.guardsStatus as unknown as GuardsSnapshot;
			const ranBy = String(asked.answers[0].body.worker);
			assert.ok(snapshot, JSON.stringify(asked.answers[0]));
			const shared = snapshot.limiters.shared;
			assert.deepEqual(
				shared.map((row) => [
					row.name,
					row.configured?.limit,
					row.configured?.per,
					row.configured?.targetUtilization,
					row.learnedLimit?.limit,
				]),
				workers.map((worker) => [worker, 10, 'second', 90, 120]),
				'a limiter per worker, each with its configured and its learned limit',
			);
			// The records in Redis, read straight from the store: one per limiter, each
			// written by a different n8n process.
			const redisStore = new RedisStore({
				backend: 'redis',
				host: cluster.redis.host,
				port: cluster.redis.port,
				db: 1,
				tls: false,
				keyPrefix: `guards-queue-e2e-${RUN}:`,
			});
			try {
				const page = await redisStore.scan!(`ratelimit:${scope}`, { kind: 'records', limit: 1000 });
				const records = page.entries
					.map((entry) => asLimiterRecord(entry.value))
					.filter((record) => record !== undefined);
				assert.equal(records.length, 2, JSON.stringify(page.entries));
				const writers = new Set(records.map((record) => record.learned?.by));
				assert.equal(writers.size, 2, `learned by two processes: ${[...writers].join(', ')}`);
				// The worker that did not run the snapshot: only its record can say what it learned.
				const other = workers.find((worker) => worker !== ranBy)!;
				const otherRow = shared.find((row) => row.name === other)!;
				assert.ok(
					writers.has(otherRow.learnedLimit!.learnedBy),
					`${other}'s learned limit comes from its record: ${otherRow.learnedLimit!.learnedBy}`,
				);
				// Quotas: each worker's count against the limit the Quota node recorded.
				const { records: settings } = await redisStore.read(
					`quota:${scope}`,
					workers.map((worker) => quotaSettingsKey(worker, 'day')),
				);
				assert.deepEqual(
					workers.map(
						(worker) =>
							(settings.get(quotaSettingsKey(worker, 'day'))?.value as { limit: number }).limit,
					),
					[1000, 1000],
				);
			} finally {
				await redisStore.close();
			}
			assert.deepEqual(
				snapshot.quotas.map((q) => [
					q.name,
					q.usage,
					q.limit,
					q.percentOfLimit,
					q.thresholds,
					q.thresholdsCrossed,
				]),
				workers.map((worker) => [
					worker,
					byWorker[worker],
					1000,
					byWorker[worker] / 10,
					[1, 90],
					byWorker[worker] >= 10 ? [1] : [],
				]),
				'a quota per worker: its usage, limit, percentage and thresholds crossed',
			);
			console.log(
				`[e2e] guards status queue mode limits: calls by worker ${JSON.stringify(byWorker)}; snapshot run by ${ranBy}; learned by ${shared.map((row) => `${row.name}: ${row.learnedLimit?.learnedBy}`).join('; ')}`,
			);
		},
	);
});
