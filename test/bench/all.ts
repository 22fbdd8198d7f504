// Every node of the package against the baseline a user would otherwise put in its place, in ONE
// real n8n (test/e2e/harness.ts: the pinned n8n, this package installed from its tarball),
// every stateful node on each store it offers (embedded, Redis, Postgres). Writes
// docs/benchmarks.md (or BENCH_OUT) and prints it. Not part of `npm test`; asserts nothing.
//
//   npm run bench:all            # or: node build/test/bench/all.js after tsc and a build
//   BENCH_QUICK=1 npm run bench:all   # smoke: 1,000 items, 1 round, to test-artifacts/
//
// Each contender is a workflow Manual Trigger → Generate (a Code node building the items inside
// n8n) → the contender, run as the editor's button runs it. The figures come from inside n8n
// (all-n8n.ts's hook): the contender's run data `executionTime`, n8n's heap, the size of the
// contender's run data. See test/bench/README.md for the method and every variable.
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PACKAGE_NAME, repoRoot, type N8nInstance } from '../e2e/harness';

import {
	alive,
	type BenchN8n,
	MEASURED,
	cleanUpStores,
	crashReason,
	type Credentials,
	importWorkflow,
	runManual,
	startBenchN8n,
	type Summary,
} from './all-n8n';
import { CONTENDERS as ALL_CONTENDERS, type Contender, type StoreChoice } from './all-contenders';
import { planSize, RoundTrips } from './all-plan';
import {
	BASE_TYPES,
	GENERATOR,
	TRIGGER,
	count,
	describe,
	intFromEnv,
	listFromEnv,
	loadAverage,
	median,
	packageVersion,
	table,
	type Node,
} from './support';
import { deadLetterBench } from './throughput';
import { bareAjvBeside } from './schema-guard';

const QUICK = process.env.BENCH_QUICK === '1';
const SIZES = [...listFromEnv('BENCH_SIZES', QUICK ? [1_000] : [1_000, 10_000, 100_000])].sort(
	(a, b) => a - b,
);
const REPEATS = intFromEnv('BENCH_REPEATS', QUICK ? 1 : 3, 1, 50);
const BUDGET_MS = intFromEnv('BENCH_BUDGET_MINUTES', QUICK ? 10 : 21, 1, 600) * 60_000;
const CONTENDER_MS = intFromEnv('BENCH_CONTENDER_SECONDS', 120, 5, 3600) * 1000;
const TIMEOUT_MS = intFromEnv('BENCH_TIMEOUT_SECONDS', 300, 10, 3600) * 1000;
const MAX_STARTS = 3;
const ONLY = (process.env.BENCH_ONLY ?? '')
	.split(',')
	.map((part) => part.trim().toLowerCase())
	.filter(Boolean);
/** BENCH_ONLY: contenders whose "node · contender · store" holds one of its words; the floor always runs. */
const CONTENDERS = ALL_CONTENDERS.filter(
	(contender) =>
		contender.role === 'floor' ||
		ONLY.length === 0 ||
		ONLY.some((part) => key(contender).toLowerCase().includes(part)),
);
const OUT = path.resolve(
	repoRoot(),
	process.env.BENCH_OUT ??
		(QUICK || ONLY.length ? 'test-artifacts/benchmarks.md' : 'docs/benchmarks.md'),
);

interface Sample {
	nodeMs: number;
	/** The round trip seen from here (start → hook summary), ms: what the budget is planned on. */
	wallMs: number;
	heapMb: number;
	outputBytes: number;
	load: number;
}

interface Cell {
	samples: Sample[];
	failures: string[];
	/** Why it was not run, or ran fewer rounds / no warm-up. */
	notes: string[];
	skipped?: string;
}

function key(contender: Contender): string {
	return `${contender.node} · ${contender.label} · ${contender.store}`;
}

function workflowFor(
	contender: Contender,
	items: number,
	credentials: Credentials,
): WorkflowJsonLike {
	// Named as the hook expects, whatever the bench calls it.
	const node: Node = {
		...structuredClone(contender.bench.contenderNode(contender.contender)),
		name: MEASURED,
	};
	if (contender.storeChoice) {
		node.parameters = { ...(node.parameters as object), store: contender.storeChoice };
		if (contender.storeChoice !== 'embedded')
			(node as Node & { credentials?: object }).credentials =
				contender.storeChoice === 'redis'
					? { integrationGuardsRedisApi: credentials.redis }
					: { integrationGuardsPostgresApi: credentials.postgres };
	}
	return {
		name: `bench: ${key(contender)}, ${items} items`,
		nodes: [
			{ parameters: {}, name: TRIGGER, ...BASE_TYPES.manualTrigger, position: [0, 0] },
			{
				parameters: { jsCode: contender.bench.generatorCode(items) },
				name: GENERATOR,
				...BASE_TYPES.code,
				position: [220, 0],
			},
			node,
		],
		connections: {
			[TRIGGER]: { main: [[{ node: GENERATOR, type: 'main', index: 0 }]] },
			[GENERATOR]: { main: [[{ node: node.name, type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}
type WorkflowJsonLike = Parameters<typeof importWorkflow>[1];

/** Why a summary is not a sample of the whole work, or undefined. */
function problem(contender: Contender, summary: Summary, items: number): string | undefined {
	if (summary.status !== 'success')
		return `execution ${summary.status}: ${summary.error ?? 'no message'}`;
	const measured = summary.nodes[MEASURED];
	if (!measured) return `the node did not run (ran: ${Object.keys(summary.nodes).join(', ')})`;
	if (measured.error) return `node error: ${measured.error}`;
	const out = contender.itemsOut(measured.outputs);
	return out === items ? undefined : `put out ${count(out)} of ${count(items)} items`;
}

/** The data table the Data Table baseline inserts into, made again in every new n8n. */
async function prepare(n8n: N8nInstance): Promise<void> {
	await deadLetterBench.prepare?.(n8n);
}

async function main(): Promise<void> {
	const started = Date.now();
	const deadline = started + BUDGET_MS;
	const loadAtStart = loadAverage();
	const cells = new Map<string, Map<number, Cell>>();
	const cellOf = (contender: Contender, items: number): Cell => {
		let bySize = cells.get(key(contender));
		if (!bySize) cells.set(key(contender), (bySize = new Map()));
		let cell = bySize.get(items);
		if (!cell) bySize.set(items, (cell = { samples: [], failures: [], notes: [] }));
		return cell;
	};
	const notes: string[] = [];
	let session: BenchN8n = await startBenchN8n(1, prepare);
	const n8nVersion = `${session.n8n.runtime.n8nVersion}, Node ${session.n8n.runtime.nodeVersion}`;
	const roundTrips = new RoundTrips();
	const warmedUp = new Set<string>();
	const floorKey = key(CONTENDERS[0]);
	try {
		for (const [index, items] of SIZES.entries()) {
			let ids = new Map<string, string>();
			const eligible = CONTENDERS.filter((contender) => {
				if (contender.maxItems === undefined || items <= contender.maxItems) return true;
				cellOf(contender, items).skipped =
					`not run above ${count(contender.maxItems)} items: ${contender.maxItemsWhy}`;
				return false;
			});
			// The time left, less what one round of every contender at each larger size is projected
			// to take: the small sizes get their rounds, and the largest keeps at least one.
			const reserve = SIZES.slice(index + 1).reduce(
				(total, later) =>
					total +
					eligible.reduce((sum, contender) => {
						const projected = roundTrips.project(key(contender), later, floorKey) ?? 0;
						return sum + (projected > CONTENDER_MS ? 0 : projected);
					}, 0),
				0,
			);
			const plan = planSize({
				keys: eligible.map(key),
				items,
				available: deadline - Date.now() - reserve,
				repeats: REPEATS,
				maxRunMs: CONTENDER_MS,
				warmedUp,
				project: (each) => roundTrips.project(each, items, floorKey),
			});
			for (const contender of eligible) {
				const why = plan.skipped.get(key(contender));
				if (why) cellOf(contender, items).skipped = why;
			}
			if (plan.note) notes.push(plan.note);
			const planned = (contender: Contender) => plan.runs.get(key(contender));
			const crashed = new Set<string>();
			/** Imports this size's workflows into the current n8n (again after a restart). */
			const ensureImported = async (): Promise<void> => {
				if (ids.size) return;
				for (const contender of CONTENDERS)
					if (planned(contender) && !crashed.has(key(contender)))
						ids.set(
							key(contender),
							await importWorkflow(session.n8n, workflowFor(contender, items, session.credentials)),
						);
			};
			const runOne = async (contender: Contender, timed: boolean, round: number): Promise<void> => {
				const cell = cellOf(contender, items);
				if (Date.now() > deadline) {
					cell.notes.push(`round ${round} not run: BENCH_BUDGET_MINUTES spent`);
					return;
				}
				if (!(await alive(session.n8n))) {
					if (session.starts >= MAX_STARTS) {
						cell.failures.push(`not run: n8n was started ${MAX_STARTS} times already`);
						return;
					}
					await session.n8n.stop().catch(() => undefined);
					session = await startBenchN8n(session.starts + 1, prepare);
					ids = new Map();
					process.stderr.write(`[bench:all] n8n started again (start ${session.starts})\n`);
				}
				await ensureImported();
				const begun = Date.now();
				const load = os.loadavg()[0];
				let summary: Summary;
				try {
					summary = await runManual(
						session.n8n,
						ids.get(key(contender)) ?? '',
						TRIGGER,
						TIMEOUT_MS,
					);
				} catch (error) {
					const up = await alive(session.n8n);
					const why = up
						? describe(error)
						: `n8n crashed: ${crashReason(session.n8n, describe(error))}`;
					cell.failures.push(`${timed ? `round ${round}` : 'warm-up'}: ${why}`);
					process.stderr.write(`[bench:all] ${key(contender)}, ${count(items)}: ${why}\n`);
					// A contender that took n8n down (or hung it) is not run again at this size.
					crashed.add(key(contender));
					if (!up) ids = new Map();
					return;
				}
				const wallMs = Date.now() - begun;
				const why = problem(contender, summary, items);
				if (why) {
					cell.failures.push(`${timed ? `round ${round}` : 'warm-up'}: ${why}`);
					process.stderr.write(`[bench:all] ${key(contender)}, ${count(items)}: ${why}\n`);
					return;
				}
				const measured = summary.nodes[MEASURED];
				roundTrips.add(key(contender), items, wallMs);
				warmedUp.add(key(contender));
				process.stderr.write(
					`[bench:all] ${key(contender)}, ${count(items)}${timed ? '' : ' (warm-up)'}: node ${measured.executionTime} ms, round trip ${(wallMs / 1000).toFixed(1)} s, load ${load.toFixed(1)}\n`,
				);
				if (timed)
					cell.samples.push({
						nodeMs: measured.executionTime,
						wallMs,
						heapMb: (summary.heapPeak - summary.heapBase) / 1024 ** 2,
						outputBytes: measured.outputBytes ?? NaN,
						load,
					});
			};
			for (const contender of CONTENDERS)
				if (planned(contender)?.warmUp) await runOne(contender, false, 0);
			for (let round = 1; round <= REPEATS; round++) {
				// Contenders take turns, each round in a rotated order, so load spikes spread out.
				for (let turn = 0; turn < CONTENDERS.length; turn++) {
					const contender = CONTENDERS[(turn + round - 1) % CONTENDERS.length];
					const rounds = planned(contender)?.rounds ?? 0;
					if (round > rounds || crashed.has(key(contender))) continue;
					await runOne(contender, true, round);
				}
			}
		}
	} finally {
		await session.n8n
			.stop()
			.catch((error: unknown) =>
				process.stderr.write(`[bench:all] stopping n8n: ${describe(error)}\n`),
			);
		await cleanUpStores();
	}

	const markdown =
		render(cells, notes, { started, loadAtStart, n8nVersion }) + schemaGuardBesideAjv(cells);
	mkdirSync(path.dirname(OUT), { recursive: true });
	writeFileSync(OUT, markdown + keptSections(OUT));
	console.log(markdown);
	console.log(`Written to ${path.relative(process.cwd(), OUT)}`);
}

// ---------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------

const perItem = (ms: number, items: number): string => {
	const value = (ms * 1000) / items;
	return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
};
const medianNode = (cell: Cell | undefined) => median((cell?.samples ?? []).map((s) => s.nodeMs));

function timeCell(cell: Cell | undefined, items: number): string {
	if (!cell) return '';
	if (cell.skipped) return 'not run';
	const times = cell.samples.map((sample) => sample.nodeMs);
	if (times.length === 0) return cell.failures.length ? '**failed**' : 'n/a';
	const figure = `${perItem(Math.min(...times), items)} / ${perItem(median(times), items)}`;
	return cell.failures.length ? `${figure} (${cell.failures.length} failed)` : figure;
}

/**
 * Schema Guard's goal is set against bare Ajv (and the Code node): measured here, beside the
 * n8n figures of the same run, the No Operation floor among them.
 */
function schemaGuardBesideAjv(cells: Map<string, Map<number, Cell>>): string {
	const cellOf = (contender: 'guard' | 'code' | 'floor', items: number) => {
		const found = CONTENDERS.find((candidate) =>
			contender === 'floor'
				? candidate.role === 'floor'
				: candidate.node === 'Schema Guard' && candidate.contender === contender,
		);
		return found ? cells.get(key(found))?.get(items) : undefined;
	};
	const sizes = SIZES.filter((items) => medianNode(cellOf('guard', items)) > 0);
	if (sizes.length === 0) return '';
	return [
		'',
		'',
		'### Schema Guard beside bare Ajv',
		'',
		'The 15-rule schema side by side: Schema Guard, the Code node and No Operation inside n8n (median',
		'µs per item from the table above, the same run), and bare Ajv (the same schema compiled by Ajv 8',
		'with ajv-formats and native regular expressions, on the same items) measured in the bench process:',
		'alone, with the n8n items of two outputs built passing each json on, and with each json copied',
		"with a result field as Schema Guard's valid and invalid items are by default. Issue 16's goal:",
		'Schema Guard at most 2 µs per item at 100,000 items and at least 20× quicker than the Code node.',
		'',
		bareAjvBeside(
			sizes,
			(contender, items) => (medianNode(cellOf(contender, items)) * 1000) / items,
		),
	].join('\n');
}

function render(
	cells: Map<string, Map<number, Cell>>,
	notes: string[],
	run: { started: number; loadAtStart: string; n8nVersion: string },
): string {
	const largest = SIZES[SIZES.length - 1];
	const floor = CONTENDERS.find((contender) => contender.role === 'floor');
	const rows = CONTENDERS.map((contender) => {
		const bySize = cells.get(key(contender)) ?? new Map<number, Cell>();
		const baseline = CONTENDERS.find(
			(other) => other.node === contender.node && other.role === 'baseline',
		);
		const atLargest = bySize.get(largest);
		const sizes = SIZES.map((items) => timeCell(bySize.get(items), items));
		const nodeMs = medianNode(atLargest);
		const itemsPerSecond = Number.isNaN(nodeMs)
			? ''
			: nodeMs <= 0
				? `> ${count(largest * 1000)}`
				: count(Math.round(largest / (nodeMs / 1000)));
		// The baseline's time ÷ this one's, at the largest size both ran.
		let versus = '';
		if (baseline && contender.role === 'node') {
			const both = [...SIZES].reverse().find((items) => {
				const ours = medianNode(bySize.get(items));
				const theirs = medianNode(cells.get(key(baseline))?.get(items));
				return !Number.isNaN(ours) && !Number.isNaN(theirs) && ours > 0;
			});
			if (both !== undefined) {
				const ratio =
					medianNode(cells.get(key(baseline))?.get(both)) / medianNode(bySize.get(both));
				versus = `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}×${both === largest ? '' : ` (${count(both)})`}`;
			}
		}
		const samples = [...bySize.values()].flatMap((cell) => cell.samples);
		const largestSamples = atLargest?.samples ?? [];
		const heap = largestSamples.length
			? (Math.max(...largestSamples.map((s) => s.heapMb)) * (100_000 / largest)).toFixed(0)
			: '';
		const bytes = largestSamples.length
			? (median(largestSamples.map((s) => s.outputBytes)) / largest).toFixed(0)
			: '';
		const loads = samples.map((sample) => sample.load);
		const load = loads.length
			? `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`
			: '';
		return [
			contender.node,
			contender.label,
			contender.store,
			...sizes,
			itemsPerSecond,
			versus,
			heap,
			bytes,
			load,
		];
	});
	const failures: string[] = [];
	for (const contender of CONTENDERS)
		for (const [items, cell] of cells.get(key(contender)) ?? [])
			for (const line of [
				...(cell.skipped ? [cell.skipped] : []),
				...cell.failures.map((why) => `**failed**, ${why}`),
				...cell.notes,
			])
				failures.push(
					`${contender.node}, ${contender.label} (${contender.store}), ${count(items)} items: ${line}`,
				);
	const minutes = ((Date.now() - run.started) / 60_000).toFixed(1);
	return [
		'# Benchmarks',
		'',
		'<!-- Generated by `npm run bench:all` (test/bench/all.ts). Do not edit by hand: run it again. -->',
		'',
		'Every node of the package next to the baseline a user would otherwise put in its place, in ONE real',
		'n8n, on items generated inside n8n (a Code node: no HTTP is measured), each stateful node on every',
		'store it offers. The figure is the time inside the node as n8n records it (run data `executionTime`),',
		'in µs per item: the fastest and the median of the timed rounds. A per-item floor (No Operation on',
		'the same items) shows what n8n itself costs. Failures on either side are in the table and listed',
		'under it. Other processes on a shared machine slow everything: read the ratios (same run, same',
		'minutes), not the absolute figures. [`test/bench/README.md`](../test/bench/README.md) describes the',
		'method and the other benchmarks (pacing against a rate-limited server, dedupe under concurrency, the',
		'in-process engine bench).',
		'',
		`- run: ${new Date(run.started).toISOString().slice(0, 16).replace('T', ' ')} UTC, ${PACKAGE_NAME} ${packageVersion()} at commit ${commit()}, ${minutes} min in all`,
		`- n8n ${run.n8nVersion}, regular mode, SQLite database, manual runs (executions saved as by default, deleted once read)`,
		`- machine: ${machine()}; load average ${run.loadAtStart} at the start, ${loadAverage()} at the end`,
		`- ${REPEATS} timed round(s) per contender and size after an untimed warm-up (fewer where a note says so); sizes ${SIZES.map(count).join(', ')}`,
		'',
		table(
			[
				'node',
				'contender',
				'store',
				...SIZES.map((items) => `${count(items)} µs/item min / med`),
				`items/s (${count(largest)}, med)`,
				'vs baseline',
				`heap MB per 100k (at ${count(largest)})`,
				'run data B/item',
				'load (1 min)',
			],
			rows,
			3,
		),
		'',
		"Columns: **vs baseline** is the baseline's median time ÷ the node's, at the largest size both ran",
		`(above 1× the node is faster). **heap MB per 100k**: n8n's heapUsed at its highest during the execution`,
		"(sampled every 10 ms between the engine's awaits, and at its end with the run data still held) less",
		"heapUsed after a full GC at its start, scaled to 100,000 items; it includes the Generate node's items,",
		`so read it against the ${floor ? `"${floor.label}"` : 'floor'} row; the Code node runs in n8n's task runner (another process), so`,
		"a Code node row counts only the items coming back. **run data B/item**: the contender's output as",
		'n8n keeps it in the execution (JSON bytes ÷ items). **load**: the 1-minute load average when its rounds',
		'started (lowest–highest).',
		'',
		...(failures.length || notes.length
			? [
					'## Notes: failures, skipped runs, fewer rounds',
					'',
					...[...failures, ...notes].map((line) => `- ${line}`),
					'',
				]
			: ['No contender failed or was skipped.', '']),
		"The HTTP Request node's Batching option (the way a user paces calls without Rate Limiter) is not in",
		'this table: its cost is the request itself. `npm run bench:rate-limiter` runs it against Rate Limiter',
		'on a real rate-limited server (pacing, 429s, duplicate writes).',
		'',
	].join('\n');
}

/**
 * The page's sections after the generated part, kept as they are: the other benchmarks'
 * results (pacing against a rate-limited server, dedupe under concurrency...), which this run
 * does not produce.
 */
const KEPT_MARKER =
	'<!-- Generated above by bench:all; the sections below are kept from the page as it was. -->';

function keptSections(file: string): string {
	let page: string;
	try {
		page = readFileSync(file, 'utf8');
	} catch {
		return '';
	}
	const at = page.indexOf(KEPT_MARKER);
	return at < 0 ? '' : `\n${page.slice(at)}`;
}

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

export type { StoreChoice };

main().catch((error: unknown) => {
	console.error(error instanceof Error ? (error.stack ?? error.message) : error);
	process.exitCode = 1;
});
