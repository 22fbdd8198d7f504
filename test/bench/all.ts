// Every node's throughput benchmark in ONE real n8n, written to test-artifacts/benchmarks.md as one table:
// node, items per execution, store, items/s inside the node, the baseline a user would otherwise
// use (measured in the same run), its items/s, and the ratio. Not part of `npm test`.
//
//   npm run bench:all            # or: node build/test/bench/all.js after tsc
//
// Environment: BENCH_SIZES (10000,100000), BENCH_REPEATS (3), BENCH_ONLY (comma-separated node
// names to run, e.g. "Schema Guard"), BENCH_OUT (test-artifacts/benchmarks.md; the curated figures in docs/benchmarks.md are copied from it by hand), BENCH_BUDGET_MINUTES
// (per benchmark, 10), BENCH_TIMEOUT_SECONDS (300), plus the harness's N8N_GUARDS_* variables.
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PACKAGE_NAME, repoRoot, startN8n } from '../e2e/harness';

import { canonicalTransformBench } from './canonical-transform';
import { schemaGuardBench } from './schema-guard';
import {
	type Bench,
	count,
	intFromEnv,
	listFromEnv,
	loadAverage,
	measureBench,
	medianNodeMs,
	packageVersion,
	perSecond,
	type Session,
	type SizeResult,
	startOptions,
	table,
} from './support';
import {
	circuitBreakerBench,
	costGuardBench,
	credentialExpiryBench,
	deadLetterBench,
	idempotentWriteBench,
	rateLimiterBench,
} from './throughput';

/** One row group of the table: a node's contender against the baseline in one benchmark. */
interface Entry {
	node: string;
	/** What the node does in the benchmark (operation and the work it does). */
	work: string;
	store: string;
	bench: Bench<string, object>;
	ours: string;
	baseline: string;
}

const ENTRIES: Entry[] = [
	{
		node: 'Canonical Transform',
		work: '12 fields mapped (dates, money, phones, ABN)',
		store: '—',
		bench: canonicalTransformBench,
		ours: 'transform',
		baseline: 'code',
	},
	{
		node: 'Schema Guard',
		work: 'JSON Schema, 15 rules, 2 % invalid',
		store: '—',
		bench: schemaGuardBench,
		ours: 'guard',
		baseline: 'code',
	},
	{
		node: 'Idempotent Write',
		work: 'Claim, new key per item',
		store: 'embedded (SQLite)',
		bench: idempotentWriteBench,
		ours: 'claim',
		baseline: 'removeDuplicates',
	},
	{
		node: 'Dead Letter',
		work: 'Capture, classified and stored',
		store: 'embedded (SQLite)',
		bench: deadLetterBench,
		ours: 'capture',
		baseline: 'dataTable',
	},
	{
		node: 'Rate Limiter',
		work: 'Wait for Slot, limit far above need (cost of taking tokens)',
		store: 'in process',
		bench: rateLimiterBench,
		ours: 'waitForSlot',
		baseline: 'noop',
	},
	{
		node: 'Circuit Breaker',
		work: 'Check, breaker closed',
		store: 'embedded (SQLite)',
		bench: circuitBreakerBench,
		ours: 'check',
		baseline: 'noop',
	},
	{
		node: 'Cost Guard',
		work: 'Record Usage, OpenAI chat usage priced exactly',
		store: 'embedded (SQLite)',
		bench: costGuardBench,
		ours: 'record',
		baseline: 'code',
	},
	{
		node: 'Credential Expiry Check',
		work: 'expiry register from input items',
		store: '— (alert memory off)',
		bench: credentialExpiryBench,
		ours: 'check',
		baseline: 'code',
	},
] as Entry[];

function machine(): string {
	const cpus = os.cpus();
	return `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}`;
}

function commit(): string {
	try {
		return execSync('git rev-parse --short HEAD', { cwd: repoRoot(), encoding: 'utf8' }).trim();
	} catch {
		return 'unknown';
	}
}

function ratio(ours: number, baseline: number): string {
	if (Number.isNaN(ours) || Number.isNaN(baseline) || ours <= 0) return 'n/a';
	// Time ratio read as a speed ratio: baseline time ÷ our time.
	const value = baseline / ours;
	return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}×`;
}

async function main(): Promise<void> {
	const started = Date.now();
	const sizes = [...listFromEnv('BENCH_SIZES', [10_000, 100_000])].sort((a, b) => a - b);
	const repeats = intFromEnv('BENCH_REPEATS', 3, 1, 50);
	const budgetMs = intFromEnv('BENCH_BUDGET_MINUTES', 10, 1, 240) * 60_000;
	const timeoutMs = intFromEnv('BENCH_TIMEOUT_SECONDS', 300, 10, 3600) * 1000;
	const only = (process.env.BENCH_ONLY ?? '')
		.split(',')
		.map((name) => name.trim().toLowerCase())
		.filter(Boolean);
	const entries = ENTRIES.filter(
		(entry) => only.length === 0 || only.includes(entry.node.toLowerCase()),
	);
	if (entries.length === 0)
		throw new Error(
			`BENCH_ONLY matches no benchmark; the nodes are: ${ENTRIES.map((entry) => entry.node).join(', ')}`,
		);
	const out = path.resolve(repoRoot(), process.env.BENCH_OUT ?? 'test-artifacts/benchmarks.md');
	const loadAtStart = loadAverage();

	const settings = { sizes, repeats, maxItems: Math.max(...sizes), budgetMs, timeoutMs, heapMb: 0 };
	const session: Session = { n8n: await startN8n(startOptions(settings)), starts: 1 };
	const rows: string[][] = [];
	const notes: string[] = [];
	try {
		for (const entry of entries) {
			process.stderr.write(`[bench:all] ${entry.node}\n`);
			const bench = { ...entry.bench, settings };
			let results: Array<SizeResult<string, object>>;
			try {
				results = await measureBench(bench, session, Date.now() + budgetMs);
			} catch (error) {
				// One node's benchmark failing (n8n too busy to answer, say) must not lose the others'.
				const why = error instanceof Error ? error.message : String(error);
				notes.push(`${entry.node}: not measured: ${why}`);
				rows.push([
					entry.node,
					entry.work,
					'—',
					entry.store,
					`failed: ${why.slice(0, 80)}`,
					bench.label[entry.baseline],
					'',
					'',
				]);
				process.stderr.write(`[bench:all] ${entry.node} failed: ${why}\n`);
				continue;
			}
			for (const result of results) {
				const ours = medianNodeMs(result, entry.ours);
				const baseline = medianNodeMs(result, entry.baseline);
				const failed = [entry.ours, entry.baseline].flatMap((contender) =>
					result.failures[contender].map((why) => `${bench.label[contender]}: ${why}`),
				);
				rows.push([
					entry.node,
					entry.work,
					count(result.items),
					entry.store,
					result.skipped ?? perSecond(ours, result.items),
					bench.label[entry.baseline],
					result.skipped ? '' : perSecond(baseline, result.items),
					result.skipped ? '' : ratio(ours, baseline),
				]);
				notes.push(
					...result.notes,
					...failed.map((why) => `${entry.node}, ${count(result.items)} items: ${why}`),
				);
				// A contender that dropped or multiplied items did not do the same work: say so.
				for (const contender of [entry.ours, entry.baseline]) {
					const outputs = (result.samples[contender][0] as { outputs?: number[] } | undefined)
						?.outputs;
					const out = outputs?.reduce((sum, items) => sum + items, 0);
					if (out !== undefined && out !== result.items)
						notes.push(
							`${entry.node}, ${count(result.items)} items: ${bench.label[contender]} put out ${count(out)} items`,
						);
				}
			}
		}
	} finally {
		await session.n8n
			.stop()
			.catch((error: unknown) =>
				process.stderr.write(`[bench:all] stopping n8n: ${String(error)}\n`),
			);
	}

	const markdown = [
		'# Benchmarks',
		'',
		'Produced by `npm run bench:all` (test/bench/all.ts): every node of the package against the baseline a user',
		'would otherwise put in its place, in ONE real n8n, on items generated inside n8n (no HTTP measured). The',
		"figures are the node's own time as n8n records it (run data `executionTime`), median of the timed rounds,",
		'as items per second. The ratio is how many times faster the node is than the baseline (below 1× it is slower:',
		'a guard that does more work than doing nothing).',
		'',
		`- ${new Date(started).toISOString().slice(0, 16).replace('T', ' ')} UTC, ${PACKAGE_NAME} ${packageVersion()} (commit ${commit()})`,
		`- n8n ${session.n8n.runtime.n8nVersion}, regular mode, SQLite database, manual runs; Node ${session.n8n.runtime.nodeVersion}`,
		`- machine: ${machine()}; load average ${loadAtStart} at the start, ${loadAverage()} at the end`,
		`- ${repeats} timed round(s) per contender and size after an untimed warm-up; total ${((Date.now() - started) / 60_000).toFixed(1)} min`,
		'',
		table(
			['node', 'work', 'items', 'store', 'items/s', 'baseline', 'baseline items/s', 'ratio'],
			rows,
			2,
		),
		'',
		...(notes.length ? ['Notes:', '', ...notes.map((note) => `- ${note}`), ''] : []),
		'The dedicated benchmarks (`test/bench/README.md`) print more: the whole execution, correctness checks,',
		'behaviour under concurrency and against a real rate-limited server.',
		'',
	].join('\n');
	mkdirSync(path.dirname(out), { recursive: true });
	writeFileSync(out, markdown);
	console.log(markdown);
	console.log(`Written to ${path.relative(process.cwd(), out)}`);
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? (error.stack ?? error.message) : error);
	process.exitCode = 1;
});
