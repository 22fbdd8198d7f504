/**
 * Guards Status through the real n8n engine: real state written by the real guard nodes
 * (Circuit Breaker, Rate Limiter Quota, Cost Guard, Dead Letter, Schema Guard, Credential
 * Expiry Check), then a Snapshot and a Render Page of it, on the embedded store, Redis and
 * Postgres. Each figure is checked against the store, read back directly.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import type { INode, INodeParameters } from 'n8n-workflow';

import { asBreakerState } from '../../nodes/shared/core/breaker/state';
import { budgetKeys } from '../../nodes/shared/core/cost/budget';
import { windowAt } from '../../nodes/shared/core/cost/windows';
import { asLimiterRecord, type LimiterRecord } from '../../nodes/shared/core/ratelimit/learned';
import { quotaSettingsKey, quotaWindow } from '../../nodes/shared/core/ratelimit/quota';
import type { GuardsSnapshot } from '../../nodes/shared/core/status';
import { embeddedStoreFile } from '../../nodes/shared/n8n/store';
import { closeAllStores } from '../../nodes/shared/stores/factory';
import { closeAllLimiters } from '../../nodes/shared/stores/limiter';
import { PostgresStore } from '../../nodes/shared/stores/postgres';
import { RedisStore } from '../../nodes/shared/stores/redis';
import { SqliteStore } from '../../nodes/shared/stores/sqlite';
import type {
	PostgresStoreConfig,
	RedisStoreConfig,
	ScanPage,
	ScannedEntry,
	Store,
} from '../../nodes/shared/stores/types';
import { postgresHarness, redisHarness, RUN_ID } from '../support/stores';
import {
	assertEachInputLeavesOnce,
	buildWorkflow,
	runWorkflow,
	stopEngine,
	storagePathFor,
	TEST_NOOP,
	TEST_SOURCE,
	type CredentialFixtures,
	type EngineResult,
} from './harness';

const PACKAGE = 'n8n-nodes-integration-guards';
const STATUS = `${PACKAGE}.guardsStatus`;
const HOSTILE = '<script>window.pwned=1</script>';
/** The register entry Credential Expiry Check reports: 3 days from the start of the run. */
const XERO_EXPIRES_AT = Math.floor(Date.now() / 1000) * 1000 + 3 * 86_400_000;
/** A register entry far from expiry: checked (ok), never alerting, listed all the same. */
const STRIPE_EXPIRES_AT = Math.floor(Date.now() / 1000) * 1000 + 200 * 86_400_000;

after(async () => {
	// The Redis limiter's bucket keeps a connection and a heartbeat until closed.
	await closeAllLimiters();
	await closeAllStores();
	await stopEngine();
});

interface Backend {
	label: 'embedded' | 'redis' | 'postgres';
	credentials: CredentialFixtures;
	nodeCredentials: INode['credentials'];
	open(): Store;
}

function embedded(): Backend {
	return {
		label: 'embedded',
		credentials: {},
		nodeCredentials: undefined,
		open: () =>
			new SqliteStore({ backend: 'sqlite', file: embeddedStoreFile(storagePathFor(STATUS)) }),
	};
}

function redis(): Backend {
	const config = redisHarness().config() as RedisStoreConfig;
	return {
		label: 'redis',
		credentials: {
			integrationGuardsRedisApi: {
				host: config.host,
				port: config.port,
				database: 0,
				keyPrefix: config.keyPrefix,
			},
		},
		nodeCredentials: { integrationGuardsRedisApi: { id: 'redis-1', name: 'Redis' } },
		open: () => new RedisStore(config),
	};
}

function postgres(): Backend {
	const config = postgresHarness().config() as PostgresStoreConfig;
	const { host, port, database, user, schema, tablePrefix } = config;
	return {
		label: 'postgres',
		credentials: {
			integrationGuardsPostgresApi: {
				host,
				port,
				database,
				user,
				password: '',
				ssl: 'disable',
				schema,
				tablePrefix,
			},
		},
		nodeCredentials: { integrationGuardsPostgresApi: { id: 'pg-1', name: 'Postgres' } },
		open: () => new PostgresStore(config),
	};
}

/** Every entry a scan finds, page after page (a Redis page may be empty before the end). */
async function scanAll(store: Store, prefix: string, kind: 'records' | 'counters' | 'limiters') {
	const entries: ScannedEntry[] = [];
	let cursor: string | null = null;
	do {
		const page: ScanPage = await store.scan!(prefix, { kind, limit: 1000, cursor });
		entries.push(...page.entries);
		cursor = page.cursor;
	} while (cursor !== null);
	return entries;
}

/** Source → one node → a sink on each output; fails the test unless the run succeeded. */
async function runNode(
	backend: Backend,
	type: string,
	parameters: INodeParameters,
	items: object[],
	outputs: number,
	typeVersion = 1,
): Promise<EngineResult> {
	const sinks = Array.from({ length: outputs }, (_, index) => ({
		name: `Sink ${index}`,
		type: TEST_NOOP,
	}));
	const workflow = buildWorkflow(
		[
			{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
			{
				name: 'Node',
				type,
				typeVersion,
				parameters: { store: backend.label, ...parameters },
				credentials: backend.nodeCredentials,
			},
			...sinks,
		],
		[
			['Source', 'Node'],
			...sinks.map((sink, index) => ['Node', index, sink.name] as [string, number, string]),
		],
	);
	const result = await runWorkflow({ workflow, credentials: backend.credentials });
	assert.equal(result.status, 'success', `${type}: ${result.error?.message}`);
	return result;
}

/** Writes real state in `scope` through every guard that the backend supports. */
async function writeState(backend: Backend, scope: string): Promise<void> {
	// Circuit Breaker: 3 failures of 4 calls with a minimum of 2 opens it.
	await runNode(
		backend,
		`${PACKAGE}.circuitBreaker`,
		{
			operation: 'record',
			scope,
			breakerName: HOSTILE,
			outcomeFrom: 'field',
			outcomeField: 'error',
			minimumCalls: 2,
			failureRatePercent: 50,
		},
		[{ error: 'boom' }, { error: 'boom' }, { error: 'boom' }, { ok: true }],
		2,
	);
	// Rate Limiter Quota (version 2, scoped): 3 uses of 4, past the 50% threshold.
	await runNode(
		backend,
		`${PACKAGE}.rateLimiter`,
		{
			operation: 'quota',
			scope,
			quotaName: 'openai',
			quota: 4,
			period: 'day',
			timeZone: 'UTC',
			thresholds: '50',
		},
		[{ n: 1 }, { n: 2 }, { n: 3 }],
		2,
		2,
	);
	// Cost Guard: a daily limit (Check Budget), then priced usage (Record Usage).
	const budget = { scope, budgetName: 'llm', options: { timeZone: 'UTC' } };
	await runNode(
		backend,
		`${PACKAGE}.costGuard`,
		{
			operation: 'checkBudget',
			...budget,
			limits: { dailyLimit: '1' },
			estimate: 'fixed',
			estimatedCost: '0.0001',
		},
		[{ n: 1 }],
		3,
	);
	await runNode(
		backend,
		`${PACKAGE}.costGuard`,
		{ operation: 'recordUsage', ...budget, usageFormat: 'openaiChat', model: '' },
		[{ model: 'gpt-4o-mini', usage: { prompt_tokens: 1_000_000, completion_tokens: 100_000 } }],
		3,
	);
	// Schema Guard: a field the schema does not know, remembered in the drift memory.
	await runNode(
		backend,
		`${PACKAGE}.schemaGuard`,
		{
			schemaSource: 'jsonSchema',
			jsonSchema: JSON.stringify({ type: 'object', properties: { id: { type: 'integer' } } }),
			schemaName: 'contact',
			schemaVersion: '1',
			onFieldAdded: 'evolve',
			driftReport: true,
			driftMemory: true,
			scope,
		},
		[{ id: 1, [HOSTILE]: 'x' }],
		3,
	);
	// Credential Expiry Check: a register entry due in 3 days alerts once (alert memory).
	await runNode(
		backend,
		`${PACKAGE}.credentialExpiryCheck`,
		{
			sources: ['register'],
			registerSource: 'parameter',
			register: {
				entries: [
					{ name: 'Xero token', expiresAt: new Date(XERO_EXPIRES_AT).toISOString() },
					{ name: 'Stripe key', expiresAt: new Date(STRIPE_EXPIRES_AT).toISOString() },
				],
			},
			alertMemory: true,
			scope,
			options: { leadDays: 7 },
		},
		[{ n: 1 }],
		3,
	);
	// Rate Limiter (Embedded: a bucket in this process; Redis: a shared bucket): two slots
	// taken, then a 429 saying the vendor allows 100 and asks for 30 s — a learned limit
	// (in this process's memory) and a hold (in this process; on Redis also in Redis).
	if (backend.label !== 'postgres') {
		const limiter = { scope, limiterName: 'hubspot', limit: 10, per: 'second' };
		await runNode(
			backend,
			`${PACKAGE}.rateLimiter`,
			{ operation: 'waitForSlot', ...limiter },
			[{ n: 1 }, { n: 2 }],
			2,
			2,
		);
		await runNode(
			backend,
			`${PACKAGE}.rateLimiter`,
			{ operation: 'learnFromResponse', ...limiter },
			[
				{
					body: {},
					headers: {
						'retry-after': '30',
						'x-ratelimit-limit': '100',
						'x-ratelimit-remaining': '0',
					},
					statusCode: 429,
				},
			],
			3,
			2,
		);
	}
	// Dead Letter (durable stores only): two auth failures and one rate limit, with a payload.
	if (backend.label !== 'redis')
		await runNode(
			backend,
			`${PACKAGE}.deadLetter`,
			{ operation: 'capture', scope },
			[
				{ payload: HOSTILE, error: { message: '401 Unauthorized', httpCode: '401' } },
				{ payload: 2, error: { message: '401 Unauthorized', httpCode: '401' } },
				{ payload: 3, error: { message: '429 Too Many Requests', httpCode: '429' } },
			],
			4,
			2,
		);
}

/** The hubspot limiter's record in the scope: Learn From Response wrote what the 429 said before it returned. */
async function limiterRecordOf(store: Store, scope: string): Promise<LimiterRecord> {
	const records = await scanAll(store, `ratelimit:${scope}`, 'records');
	assert.equal(records.length, 1, JSON.stringify(records));
	const record = asLimiterRecord(records[0].value);
	assert.ok(record, JSON.stringify(records));
	return record;
}

async function snapshotOf(
	backend: Backend,
	scope: string,
): Promise<{ snapshot: GuardsSnapshot; result: EngineResult }> {
	const result = await runNode(
		backend,
		STATUS,
		{ operation: 'snapshot', scope },
		[{ a: 1 }, { b: 2 }],
		1,
	);
	const [item] = result.output('Node', 'Snapshot');
	assert.deepEqual(item.pairedItem, [{ item: 0 }, { item: 1 }]);
	return { snapshot: item.json.guardsStatus as unknown as GuardsSnapshot, result };
}

for (const make of [embedded, redis, postgres]) {
	const backend = make();
	describe(`Guards Status on ${backend.label}`, () => {
		const scope = `gs-${RUN_ID}-${backend.label}`;

		test(
			'Snapshot shows what the guards wrote, figure for figure as the store holds it',
			{ timeout: 120_000 },
			async () => {
				await writeState(backend, scope);
				const { snapshot } = await snapshotOf(backend, scope);
				const store = backend.open();
				try {
					assert.equal(snapshot.scope, scope);
					assert.equal(snapshot.complete, true);
					// Breaker: the record, decoded by the breaker core, against the snapshot.
					const { records: breakerRecords } = await store.read(`breaker:${scope}`, [
						`breaker:${HOSTILE}`,
					]);
					const state = asBreakerState(breakerRecords.get(`breaker:${HOSTILE}`)?.value)!;
					assert.equal(state.status, 'open');
					const [breaker] = snapshot.breakers;
					assert.deepEqual(
						[breaker.name, breaker.state, breaker.calls, breaker.failures],
						[HOSTILE, 'open', 4, 3],
					);
					assert.equal(breaker.failureRatePercent, 75);
					assert.ok(
						breaker.halfOpenInSeconds !== null &&
							breaker.halfOpenInSeconds > 0 &&
							breaker.halfOpenInSeconds <= 120,
					);
					// Quota: the counter of today's window.
					const day = quotaWindow(Date.now(), 'day', 'UTC').id;
					const [uses] = await store.increment(`quota:${scope}`, [
						{ key: `openai:day:${day}`, by: 0 },
					]);
					assert.equal(uses, 3);
					// Its limit and thresholds, as the Quota node recorded them beside the counter.
					const { records: quotaSettings } = await store.read(`quota:${scope}`, [
						quotaSettingsKey('openai', 'day'),
					]);
					assert.deepEqual(
						(quotaSettings.get(quotaSettingsKey('openai', 'day'))?.value as { limit: number })
							.limit,
						4,
					);
					assert.deepEqual(
						snapshot.quotas.map((q) => [
							q.name,
							q.period,
							q.window,
							q.usage,
							q.limit,
							q.percentOfLimit,
							q.remaining,
							q.thresholdsCrossed,
							q.thresholdsAlerted,
						]),
						[['openai', 'day', day, 3, 4, 75, 1, [50], [50]]],
					);
					// Budget: the spend counter of today, in nanos, against the snapshot's money.
					const window = windowAt('day', Date.now(), 'UTC');
					const [spentNanos] = await store.increment(`cost:${scope}`, [
						{ key: budgetKeys.counter('llm', 'spent', window), by: 0 },
					]);
					assert.ok(spentNanos > 0);
					const [budget] = snapshot.budgets;
					const today = budget.periods.find((period) => period.period === 'day')!;
					assert.equal(today.spent, spentNanos / 1e9);
					assert.equal(today.limit, 1);
					assert.equal(today.percentOfLimit, Math.round(spentNanos / 1e5) / 100);
					assert.equal(budget.limitsKnown, true);
					// Drift: the marker counters Schema Guard left in the scope (read, not incremented).
					const drift = await scanAll(store, `schema-drift:${scope}`, 'counters');
					const markers = drift.filter((entry) => entry.key.startsWith('drift:'));
					assert.deepEqual(
						snapshot.drift.map((d) => [d.schema, d.kind, d.path, d.timesSeen]),
						// A field name that is not an identifier is written in brackets.
						markers.map((entry) => [
							'contact@1',
							'fieldAdded',
							`[${JSON.stringify(HOSTILE)}]`,
							entry.value,
						]),
					);
					assert.equal(markers.length, 1, JSON.stringify(drift));
					// Its first and last sighting, kept as counters beside the marker.
					const first = drift.find((entry) => entry.key === `first:${markers[0].key}`)!;
					assert.ok(Math.abs(Number(first.value) - Date.now()) < 120_000);
					assert.deepEqual(
						[snapshot.drift[0].firstSeenAt, snapshot.drift[0].lastSeenAt],
						[
							new Date(Number(first.value)).toISOString(),
							new Date(Number(first.value)).toISOString(),
						],
					);
					// Expiry: the one alert mark (3 days left: critical), as stored; and every
					// credential checked, the one that never alerted included.
					const stored = await scanAll(store, `expiry:${scope}`, 'records');
					const marks = stored.filter((entry) => 'alertedAt' in (entry.value as object));
					assert.deepEqual(
						snapshot.expiries
							.filter((e) => e.alertedAt !== null)
							.map((e) => [e.status, Date.parse(e.alertedAt!)]),
						marks.map((entry) => {
							const mark = entry.value as { status: string; alertedAt: number };
							return [mark.status, mark.alertedAt];
						}),
					);
					assert.equal(stored.filter((entry) => entry.key.startsWith('checked:')).length, 2);
					assert.deepEqual(
						snapshot.expiries.map((e) => [
							e.status,
							e.name,
							e.kind,
							e.daysLeft,
							e.alertedAt === null,
						]),
						[
							['critical', 'Xero token', 'register', 3, false],
							['ok', 'Stripe key', 'register', 200, true],
						],
					);
					assert.ok(
						!JSON.stringify(stored).includes('password'),
						'nothing but names, kinds and dates',
					);
					const storedMark = marks[0].value as { expiresAt: number };
					assert.equal(
						snapshot.expiries[0].expiresAt,
						new Date(storedMark.expiresAt).toISOString(),
					);
					assert.equal(Date.parse(snapshot.expiries[0].expiresAt!), XERO_EXPIRES_AT);
					// Limiters: Redis's shared bucket of this scope, as the store's scan reads it.
					const buckets = (await scanAll(store, 'ratelimit', 'limiters')).filter((entry) =>
						decodeURIComponent(entry.key).includes(JSON.stringify(`ratelimit:${scope}`)),
					);
					if (backend.label === 'redis') {
						const settings = buckets.find((entry) => 'settings' in (entry.value as object))!
							.value as {
							settings: { increaseAmount: number; increaseIntervalMs: number; capacity: number };
						};
						assert.deepEqual(
							snapshot.limiters.shared.map((row) => [
								row.name,
								row.scope,
								row.configured?.capacity,
								row.configured?.perSecond,
							]),
							[
								[
									'hubspot',
									scope,
									settings.settings.capacity,
									Math.round(
										(settings.settings.increaseAmount * 1e6) / settings.settings.increaseIntervalMs,
									) / 1000,
								],
							],
						);
						// 90 % of 10 per second, as Rate Limiter plans it.
						assert.ok(Math.abs(snapshot.limiters.shared[0].configured!.perSecond - 9) < 0.5);
						// The hold is in Redis; the configured and learned limits in the limiter's
						// record in the Redis store, as every worker sees them.
						const [shared] = snapshot.limiters.shared;
						assert.ok(shared.holdInSeconds! > 0 && shared.holdInSeconds! <= 30);
						const record = await limiterRecordOf(store, scope);
						assert.deepEqual(
							[shared.learnedLimit?.limit, shared.learnedLimit?.learnedBy],
							[100, record.learned!.by],
						);
						assert.match(record.learned!.by, /^n8n process [0-9a-f]{8}$/);
						assert.deepEqual(
							[
								shared.configured?.limit,
								shared.configured?.per,
								shared.configured?.targetUtilization,
							],
							[10, 'second', 90],
						);
						assert.deepEqual(snapshot.limiters.process, []);
						assert.match(snapshot.limiters.note, /the latest any worker learned/);
					} else {
						assert.deepEqual([buckets, snapshot.limiters.shared], [[], []]);
					}
					if (backend.label === 'embedded') {
						// The limiter this n8n process holds, read from its memory.
						const [local] = snapshot.limiters.process;
						assert.equal(snapshot.limiters.process.length, 1);
						assert.deepEqual(
							[local.name, local.scope, local.location, local.learnedLimit?.limit],
							['hubspot', scope, 'this n8n process', 100],
						);
						// Recorded in the Embedded file, for every process sharing it.
						const record = await limiterRecordOf(store, scope);
						assert.deepEqual(
							[record.backend, record.learned?.limit, record.configured?.limit, local.recordedBy],
							['embedded', 100, 10, record.by],
						);
						// The page names the store's kind, never the file's path.
						assert.equal(snapshot.store.location, 'Embedded (SQLite, in the n8n user folder)');
						assert.ok(!JSON.stringify(snapshot).includes('.sqlite'));
						assert.equal(local.learnedLimit?.remaining, 0);
						assert.ok(local.holdInSeconds! > 0 && local.holdInSeconds! <= 30);
						assert.ok(Date.parse(local.holdUntil!) > Date.now());
						assert.ok(Math.abs(local.configured!.perSecond - 9) < 0.5);
						assert.ok(
							local.tokens !== null &&
								local.tokens >= 0 &&
								local.tokens <= local.configured!.capacity!,
						);
						assert.match(snapshot.limiters.note, /this n8n process/);
					} else if (backend.label === 'postgres') {
						assert.deepEqual(snapshot.limiters.process, []);
					}
					// Dead letters: the queue's stats and classes.
					if (store.queue) {
						const stats = await store.queue.stats(`deadletter:${scope}`);
						const [queue] = snapshot.deadLetters;
						assert.equal(queue.open, stats.pending + stats.leased);
						assert.equal(queue.open, 3);
						assert.deepEqual(
							queue.classes.map((c) => [c.class, c.open]),
							[
								['auth', 2],
								['rateLimit', 1],
							],
						);
						assert.ok(
							queue.oldestAgeSeconds !== null &&
								queue.oldestAgeSeconds <= Math.ceil((Date.now() - stats.oldestOpenAt!) / 1000) + 1,
						);
					} else {
						assert.deepEqual(snapshot.deadLetters, []);
						assert.match(snapshot.warnings.join(' '), /keeps no dead letters/);
					}
					assert.deepEqual(snapshot.totals, {
						breakers: 1,
						breakersOpen: 1,
						budgets: 1,
						budgetsOverThreshold: snapshot.totals.budgetsOverThreshold,
						quotas: 1,
						limitersHeld: backend.label === 'postgres' ? 0 : 1,
						deadLetters: store.queue ? 3 : 0,
						driftFindings: 1,
						expiryAlerts: 1,
						expiries: 2,
					});
				} finally {
					await store.close();
				}
			},
		);

		test('Render Page: the same figures as escaped HTML, in a field and a binary', async () => {
			const result = await runNode(
				backend,
				STATUS,
				{ operation: 'renderPage', scope, options: { refreshSeconds: 30, binaryField: 'page' } },
				[{ a: 1 }],
				1,
			);
			const [item] = result.output('Node', 'Page');
			const html = String(item.json.html);
			assert.match(html, /^<!DOCTYPE html>/);
			assert.equal(html.match(/<script/gi), null, 'no script tag from the data');
			assert.ok(html.includes('&lt;script&gt;window.pwned=1&lt;/script&gt;'));
			assert.match(html, /<meta http-equiv="refresh" content="30">/);
			assert.ok(!html.includes('401 Unauthorized'), 'no payload or error text on the page');
			// The limiter with its learned limit (Embedded: this process's bucket; Redis: shared).
			if (backend.label !== 'postgres') {
				const limits = html.slice(html.indexOf('id="limits"'), html.indexOf('id="dead-letters"'));
				assert.ok(limits.includes('hubspot'));
				assert.match(limits, /100 per|100<div/);
				assert.ok(limits.includes('10 per second'));
				assert.match(limits, /n8n process [0-9a-f]{8}/);
			}
			// Which credential expires next: its name and date.
			const expiries = html.slice(html.indexOf('id="expiries"'));
			assert.ok(expiries.includes('Xero token'));
			assert.ok(expiries.includes(new Date(XERO_EXPIRES_AT).toISOString()));
			assert.ok(expiries.indexOf('Xero token') < expiries.indexOf('Stripe key'));
			assert.ok(!html.includes('.sqlite'), 'no file path on the page');
			assert.equal(item.binary?.page.mimeType, 'text/html');
			assert.equal((await result.binary(item.binary!.page)).toString('utf8'), html);
			assertEachInputLeavesOnce(result, 'Node');
		});

		test('a Scope that names nothing gives an empty snapshot; another scope is not shown', async () => {
			const { snapshot } = await snapshotOf(backend, `${scope}-other`);
			assert.deepEqual(
				[
					snapshot.breakers,
					snapshot.budgets,
					snapshot.quotas,
					snapshot.drift,
					snapshot.expiries,
					snapshot.deadLetters,
				],
				[[], [], [], [], [], []],
			);
		});

		test('Max Entries stops the scan at the cap and says so', async () => {
			const many = `${scope}-many`;
			const store = backend.open();
			try {
				// 150 breaker records (a stand-in state each), written straight to the store.
				await store.write(
					`breaker:${many}`,
					Array.from({ length: 150 }, (_, index) => ({
						key: `breaker:b${index}`,
						value: { format: 1 },
					})),
				);
			} finally {
				await store.close();
			}
			const capped = await runNode(
				backend,
				STATUS,
				{ operation: 'snapshot', scope: many, options: { maxEntries: 100 } },
				[{ a: 1 }],
				1,
			);
			const snapshot = capped.output('Node', 'Snapshot')[0].json
				.guardsStatus as unknown as GuardsSnapshot;
			assert.equal(snapshot.complete, false);
			assert.equal(snapshot.recordsRead, 100);
			assert.match(
				snapshot.warnings.join(' '),
				/Stopped after reading 100 entries \(Max Entries\)/,
			);
			const whole = await runNode(
				backend,
				STATUS,
				{ operation: 'snapshot', scope: many, options: { maxEntries: 1000 } },
				[{ a: 1 }],
				1,
			);
			const all = whole.output('Node', 'Snapshot')[0].json
				.guardsStatus as unknown as GuardsSnapshot;
			assert.equal(all.complete, true);
			assert.equal(all.recordsRead, 150);
		});
	});
}

describe('Guards Status fails closed', () => {
	test('an unreachable store fails the node naming it, or leaves an error item under Continue', async () => {
		const down: Backend = {
			...redis(),
			credentials: { integrationGuardsRedisApi: { host: '127.0.0.1', port: 1 } },
		};
		const workflow = buildWorkflow(
			[
				{
					name: 'Source',
					type: TEST_SOURCE,
					parameters: { items: JSON.stringify([{ a: 1 }, { a: 2 }]) },
				},
				{
					name: 'Node',
					type: STATUS,
					parameters: { operation: 'snapshot', store: 'redis' },
					credentials: down.nodeCredentials,
				},
			],
			[['Source', 'Node']],
		);
		const failing = await runWorkflow({ workflow, credentials: down.credentials });
		assert.equal(failing.status, 'error');
		assert.match(String(failing.error?.message), /Redis at 127\.0\.0\.1:1/);
		workflow.nodes[1].onError = 'continueErrorOutput';
		const continued = await runWorkflow({ workflow, credentials: down.credentials });
		const [snapshots, errors] = continued.outputs('Node');
		assert.deepEqual(snapshots, []);
		assert.equal(errors.length, 2);
		assertEachInputLeavesOnce(continued, 'Node');
	});
});
