// Guards Status: the time to snapshot (and render) 10,000 guards, per store. Prints one
// table; asserts no time. In plain Node, no n8n: the node's own read path (readSnapshot:
// the bounded scan, page by page, then the core's decoding) on a stub of n8n's context,
// against the real SQLite file, Redis (127.0.0.1:6379) and Postgres (127.0.0.1:5432, test).
//
//   node build/test/bench/guards-status.js      # after npx tsc -p tsconfig.json
//
// Environment: BENCH_GUARDS (10000), BENCH_REPEATS (5 timed rounds after one warm-up).
// Each store gets its own scope (Redis keys expire after 10 minutes; the Postgres schema and
// the SQLite file of the run are removed at the end).
import type { IExecuteFunctions } from 'n8n-workflow';

import { readSnapshot } from '../../nodes/GuardsStatus/actions/read';
import { initialBreakerState } from '../../nodes/shared/core/breaker/state';
import { budgetKeys } from '../../nodes/shared/core/cost/budget';
import { windowAt } from '../../nodes/shared/core/cost/windows';
import { alertKey, checkedKey, checkedMark } from '../../nodes/shared/core/expiry/alerts';
import type { LimiterRecord } from '../../nodes/shared/core/ratelimit/learned';
import { quotaSettingsKey, quotaWindow } from '../../nodes/shared/core/ratelimit/quota';
import { markerKey, sightingKey } from '../../nodes/shared/core/schema/memory';
import { renderStatusPage } from '../../nodes/shared/core/status';
import type { OperationContext } from '../../nodes/shared/n8n/operation';
import { OutputRoutes } from '../../nodes/shared/n8n/outputs';
import type { Store } from '../../nodes/shared/stores/types';
import {
	postgresHarness,
	redisHarness,
	RUN_ID,
	sqliteHarness,
	type StoreHarness,
} from '../support/stores';
import { intFromEnv, median, table } from './support';

const GUARDS = intFromEnv('BENCH_GUARDS', 10_000, 10, 1_000_000);
const REPEATS = intFromEnv('BENCH_REPEATS', 5, 1, 100);
const TTL_MS = 10 * 60_000;
const CHUNK = 2000;

const MIX =
	'30% breakers, 20% budgets (config + spend), 20% quotas (settings + counter), 10% limiter records, 10% credentials checked (half alerting), 10% drift markers (+ 2 sightings)';

/** The guards of MIX; returns the entries stored and the guards the snapshot should list. */
async function seed(
	store: Store,
	scope: string,
	guards: number,
): Promise<{ entries: number; listed: number }> {
	const now = Date.now();
	const day = windowAt('day', now, 'UTC');
	const quotaDay = quotaWindow(now, 'day', 'UTC').id;
	const count = (share: number) => Math.round(guards * share);
	const breakers = count(0.3);
	const budgets = count(0.2);
	const quotas = count(0.2);
	const limiters = count(0.1);
	const drift = count(0.1);
	const marks = guards - breakers - budgets - quotas - limiters - drift;
	const alerting = Math.floor(marks / 2);
	const state = initialBreakerState(now);
	state.stats = [
		{
			start: now - 10_000,
			calls: 20,
			failures: 3,
			slow: 0,
			notCounted: 0,
			measured: 20,
			latencySumMs: 2000,
			latencyMinMs: 50,
			latencyMaxMs: 180,
			latency: { '40': 20 },
		},
	];
	const inChunks = async <T>(list: T[], write: (chunk: T[]) => Promise<unknown>) => {
		for (let start = 0; start < list.length; start += CHUNK)
			await write(list.slice(start, start + CHUNK));
	};
	const range = (n: number) => Array.from({ length: n }, (_, index) => index);
	await inChunks(range(breakers), (chunk) =>
		store.write(
			`breaker:${scope}`,
			chunk.map((i) => ({ key: `breaker:hop-${i}`, value: state, ttlMs: TTL_MS })),
		),
	);
	const config = {
		zone: 'UTC',
		currency: 'USD',
		limits: { day: { moneyNanos: 10_000_000_000, items: null } },
		thresholds: { actual: [50, 100], forecast: [] },
	};
	await inChunks(range(budgets), (chunk) =>
		store.write(
			`cost:${scope}`,
			chunk.map((i) => ({ key: budgetKeys.config(`budget-${i}`), value: config, ttlMs: TTL_MS })),
		),
	);
	await inChunks(range(budgets), (chunk) =>
		store.increment(
			`cost:${scope}`,
			chunk.map((i) => ({
				key: budgetKeys.counter(`budget-${i}`, 'spent', day),
				by: 1_000_000 * (i + 1),
				ttlMs: TTL_MS,
			})),
		),
	);
	await inChunks(range(quotas), (chunk) =>
		store.increment(
			`quota:${scope}`,
			chunk.map((i) => ({ key: `quota-${i}:day:${quotaDay}`, by: i + 1, ttlMs: TTL_MS })),
		),
	);
	await inChunks(range(quotas), (chunk) =>
		store.write(
			`quota:${scope}`,
			chunk.map((i) => ({
				key: quotaSettingsKey(`quota-${i}`, 'day'),
				value: {
					limit: 1000,
					thresholds: [75, 90],
					timeZone: 'UTC',
					window: quotaDay,
					updatedAt: new Date(now).toISOString(),
				},
				ttlMs: TTL_MS,
			})),
		),
	);
	// Limiter records as Rate Limiter writes them: Embedded ones in the SQLite file, shared
	// ones in Redis (Postgres holds none: the snapshot lists none there).
	const backend = store.backend === 'redis' ? 'redis' : 'embedded';
	await inChunks(range(store.backend === 'postgres' ? 0 : limiters), (chunk) =>
		store.write(
			`ratelimit:${scope}`,
			chunk.map((i) => {
				const id = `${encodeURIComponent(` ${JSON.stringify([`ratelimit:${scope}`, `api-${i}`])}`)}:0123456789ab`;
				const record: LimiterRecord = {
					id,
					backend,
					plan: { increaseAmount: 9, increaseIntervalMs: 1000, capacity: 1 },
					configured: { limit: 10, per: 'second', targetUtilization: 90, burst: 1 },
					learned: {
						limit: 100,
						remaining: 7,
						resetAt: null,
						windowSeconds: 60,
						observedAt: new Date(now).toISOString(),
						by: 'bench pid 1',
					},
					updatedAt: new Date(now).toISOString(),
					by: 'bench pid 1',
				};
				return { key: id, value: record, ttlMs: TTL_MS };
			}),
		),
	);
	await inChunks(range(marks), (chunk) =>
		store.write(
			`expiry:${scope}`,
			chunk.flatMap((i) => [
				{
					key: checkedKey(`credential-${i}`),
					value: checkedMark(
						i < alerting ? 'due soon' : 'ok',
						{ name: `credential-${i}`, kind: 'n8n', expiresAt: now + i * 60_000, daysLeft: 1 },
						now,
					),
					ttlMs: TTL_MS,
				},
				...(i < alerting
					? [
							{
								key: alertKey(`credential-${i}`, 'due soon'),
								value: { alertedAt: now, status: 'due soon' },
								ttlMs: TTL_MS,
							},
						]
					: []),
			]),
		),
	);
	await inChunks(range(drift), (chunk) =>
		store.increment(
			`schema-drift:${scope}`,
			chunk.flatMap((i) => {
				const marker = markerKey(`schema-${i}@1`, { kind: 'fieldAdded', path: 'extra' }, '');
				return [
					{ key: marker, by: 1, ttlMs: TTL_MS },
					{ key: sightingKey('first', marker), by: now - 60_000, ttlMs: TTL_MS },
					{ key: sightingKey('last', marker), by: now, ttlMs: TTL_MS },
				];
			}),
		),
	);
	const storedLimiters = store.backend === 'postgres' ? 0 : limiters;
	return {
		entries: breakers + budgets * 2 + quotas * 2 + storedLimiters + marks + alerting + drift * 3,
		listed: guards - limiters + storedLimiters,
	};
}

/** The node's operation context, stubbed: Scope and the options as the panel would give them. */
function operation(store: Store, scope: string): OperationContext {
	const parameters: Record<string, unknown> = { scope, 'options.maxEntries': 1_000_000 };
	const context = {
		getNodeParameter: (name: string, _index: number, fallback: unknown) =>
			parameters[name] ?? fallback,
		getWorkflow: () => ({ id: 'bench' }),
		getNode: () => ({ name: 'Guards Status', parameters: {} }),
	} as unknown as IExecuteFunctions;
	return {
		context,
		items: [{ json: {} }],
		outputs: new OutputRoutes(['Snapshot']),
		hints: [],
		clock: { now: () => Date.now() },
		store: async () => store,
	};
}

async function bench(harness: StoreHarness): Promise<Array<string | number>> {
	await harness.check();
	const store = harness.create();
	const scope = `bench-${RUN_ID}`;
	try {
		const { entries, listed } = await seed(store, scope, GUARDS);
		const op = operation(store, scope);
		await readSnapshot(op); // warm-up: connections, statements, JIT
		const snapshotMs: number[] = [];
		const renderMs: number[] = [];
		let html = '';
		let read = 0;
		for (let round = 0; round < REPEATS; round++) {
			let started = performance.now();
			const snapshot = await readSnapshot(op);
			snapshotMs.push(performance.now() - started);
			read = snapshot.recordsRead;
			const found =
				snapshot.breakers.length +
				snapshot.budgets.length +
				snapshot.quotas.length +
				snapshot.limiters.shared.length +
				snapshot.limiters.process.length +
				snapshot.expiries.length +
				snapshot.drift.length;
			if (found !== listed)
				throw new Error(`${harness.backend}: the snapshot found ${found} guards of ${listed}`);
			if (snapshot.quotas.some((quota) => quota.limit === null))
				throw new Error(`${harness.backend}: a quota without its limit`);
			started = performance.now();
			html = renderStatusPage(snapshot);
			renderMs.push(performance.now() - started);
		}
		return [
			harness.backend,
			`${listed.toLocaleString('en-US')} / ${GUARDS.toLocaleString('en-US')}`,
			`${read.toLocaleString('en-US')} / ${entries.toLocaleString('en-US')}`,
			median(snapshotMs).toFixed(0),
			Math.max(...snapshotMs).toFixed(0),
			median(renderMs).toFixed(0),
			(Buffer.byteLength(html) / 1024 / 1024).toFixed(1),
		];
	} finally {
		await store.close();
		await harness.cleanup();
	}
}

async function main(): Promise<void> {
	const rows: Array<Array<string | number>> = [];
	for (const harness of [sqliteHarness(), redisHarness(), postgresHarness()])
		rows.push(await bench(harness));
	process.stdout.write(
		`\nGuards Status: snapshot of ${GUARDS.toLocaleString('en-US')} guards (${MIX}), median of ${REPEATS} after a warm-up\n\n` +
			table(
				[
					'store',
					'guards listed / seeded',
					'entries read / stored',
					'snapshot ms (median)',
					'snapshot ms (max)',
					'render ms (median)',
					'page MiB',
				],
				rows,
			) +
			'\n',
	);
}

main().catch((error: unknown) => {
	process.stderr.write(
		`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exitCode = 1;
});
