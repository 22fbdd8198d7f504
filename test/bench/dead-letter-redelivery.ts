// The Dead Letter Trigger's lease of due records, on the store alone (no n8n): a queue of
// N open records of mixed classes (transient, rateLimit with and without Retry-After,
// auth, data), leased with the default policy's rules — nothing due (every open record is
// looked at: the worst case), then with the first step's wait passed (100 due) — against
// the plain lease Replay makes (no rules). Prints a table; asserts nothing timed.
//
//   node build/test/bench/dead-letter-redelivery.js        (BENCH_SIZES=10000,100000)
import { performance } from 'node:perf_hooks';

import { DEFAULT_REDELIVERY_POLICY, dueRules } from '../../nodes/shared/core/deadletter';
import type { NewQueueEntry, Store } from '../../nodes/shared/stores/types';
import { postgresHarness, sqliteHarness, type StoreHarness } from '../support/stores';

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const REPEATS = 5;
const CLASSES = ['transient', 'rateLimit', 'rateLimit', 'auth', 'data'];

function entries(count: number, prefix: string): NewQueueEntry[] {
	return Array.from({ length: count }, (_, index) => {
		const category = CLASSES[index % CLASSES.length];
		return {
			id: `${prefix}-${String(index).padStart(7, '0')}`,
			category,
			data: {
				v: 1,
				payload: { orderId: index, amount: index * 3, note: 'x'.repeat(200) },
				error: { message: 'failed', retryAfterSeconds: index % 10 === 1 ? 30 : null },
			},
		};
	});
}

async function median(run: () => Promise<unknown>): Promise<number> {
	const times: number[] = [];
	for (let i = 0; i < REPEATS; i++) {
		const started = performance.now();
		await run();
		times.push(performance.now() - started);
	}
	times.sort((a, b) => a - b);
	return times[Math.floor(times.length / 2)];
}

async function main(): Promise<void> {
	const rows: string[][] = [];
	for (const harness of [sqliteHarness(), postgresHarness()] satisfies StoreHarness[]) {
		await harness.check();
		const store: Store = harness.create();
		try {
			for (const size of SIZES) {
				const queue = `bench-redelivery-${Date.now()}-${size}`;
				const batch = entries(size, queue);
				for (let start = 0; start < batch.length; start += 10_000)
					await store.queue!.enqueue(queue, batch.slice(start, start + 10_000));
				const now = Date.now();
				const none = dueRules(DEFAULT_REDELIVERY_POLICY, now, null);
				const noneMs = await median(() =>
					store.queue!.lease(queue, { limit: 100, leaseMs: 60_000, owner: 'bench', due: none }),
				);
				// The first step's wait (1 minute ± 20 %) passed for everyone: the policy seen from 2 minutes on.
				const later = dueRules(DEFAULT_REDELIVERY_POLICY, now + 2 * 60_000, null);
				const shifted = {
					...later,
					rules: later.rules.map((rule) => ({
						...rule,
						waitMs: Math.max(0, rule.waitMs - 2 * 60_000),
						jitterMs: 0,
					})),
				};
				const dueMs = await median(() =>
					store.queue!.lease(queue, { limit: 100, leaseMs: 60_000, owner: 'bench', due: shifted }),
				);
				const plainMs = await median(() =>
					store.queue!.lease(queue, { limit: 100, leaseMs: 60_000, owner: 'bench' }),
				);
				const purgeMs = await median(() =>
					store.queue!.purge(queue, now - 30 * 86_400_000, { statuses: ['done'], limit: 1000 }),
				);
				rows.push([
					harness.backend,
					String(size),
					noneMs.toFixed(1),
					dueMs.toFixed(1),
					plainMs.toFixed(1),
					purgeMs.toFixed(2),
				]);
				await store.queue!.purge(queue, Date.now() + 1);
			}
		} finally {
			await store.close();
			await harness.cleanup();
		}
	}
	const header = [
		'store',
		'open records',
		'lease, none due (ms)',
		'lease 100 due (ms)',
		'plain lease 100 (ms)',
		'purge, nothing old (ms)',
	];
	console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
	for (const row of rows) console.log(`| ${row.join(' | ')} |`);
	console.log(
		`(median of ${REPEATS}; each lease leases up to 100, so later runs see fewer due records)`,
	);
}

void main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
