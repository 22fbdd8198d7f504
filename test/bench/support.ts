// What the node benchmarks (schema-guard.ts, canonical-transform.ts) share: reading settings from
// the environment, running each contender's workflow in ONE real n8n (test/e2e/harness.ts) and
// reading n8n's record of the execution, starting n8n again after a crash, and the helpers
// their tables are printed with. Each benchmark supplies its contenders (a `Bench`): the
// generator code, the contender nodes and what to read from the measured node's run data.
//
// Nothing here reads the environment or starts anything when imported.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import type { IDataObject, IRunExecutionData, ITaskData } from 'n8n-workflow';

import {
	OWNER,
	repoRoot,
	startN8n,
	type N8nInstance,
	type StartOptions,
	type WorkflowJson,
	waitUntil,
} from '../e2e/harness';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;

/** n8n starts at most (the first, then one per crash). */
const MAX_STARTS = 3;

export const GENERATOR = 'Generate';
export const TRIGGER = 'Start';

export const BASE_TYPES = {
	manualTrigger: { type: 'n8n-nodes-base.manualTrigger', typeVersion: 1 },
	code: { type: 'n8n-nodes-base.code', typeVersion: 2 },
	noOp: { type: 'n8n-nodes-base.noOp', typeVersion: 1 },
} as const;

export type Node = WorkflowJson['nodes'][number];

// ---------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------

export interface Settings {
	sizes: number[];
	repeats: number;
	/** Larger sizes are not run. */
	maxItems: number;
	/** Sizes not started by then are skipped. */
	budgetMs: number;
	/** The longest wait for one execution. */
	timeoutMs: number;
	/** n8n's V8 heap limit (--max-old-space-size), MB; 0 = Node's default, what a user gets. */
	heapMb: number;
}

/** BENCH_SIZES, BENCH_REPEATS, BENCH_MAX_ITEMS, BENCH_BUDGET_MINUTES, BENCH_TIMEOUT_SECONDS, BENCH_N8N_HEAP_MB. */
export function settingsFromEnv(): Settings {
	return {
		sizes: [...listFromEnv('BENCH_SIZES', [10_000, 100_000])].sort((a, b) => a - b),
		repeats: intFromEnv('BENCH_REPEATS', 3, 1, 50),
		maxItems: intFromEnv('BENCH_MAX_ITEMS', 100_000, 10, 2_000_000),
		budgetMs: intFromEnv('BENCH_BUDGET_MINUTES', 5, 1, 240) * 60_000,
		timeoutMs: intFromEnv('BENCH_TIMEOUT_SECONDS', 300, 10, 3600) * 1000,
		heapMb: intFromEnv('BENCH_N8N_HEAP_MB', 0, 0, 65_536),
	};
}

export function intFromEnv(name: string, fallback: number, min: number, max: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < min || value > max)
		throw new Error(`${name} must be an integer from ${min} to ${max}, got ${raw}`);
	return value;
}

export function listFromEnv(name: string, fallback: number[]): number[] {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const values = raw.split(',').map((part) => Number(part.trim()));
	if (values.some((value) => !Number.isInteger(value) || value < 10 || value > 2_000_000)) {
		throw new Error(
			`${name} must be a comma-separated list of integers from 10 to 2000000, got ${raw}`,
		);
	}
	return values;
}

// ---------------------------------------------------------------------------------------
// What a benchmark supplies
// ---------------------------------------------------------------------------------------

/**
 * One benchmark: its contenders, each a workflow Manual Trigger → Generate → the contender node
 * (named `measured`), and what it reads from the contender's run data beside the times (`X`).
 */
export interface Bench<C extends string, X extends object> {
	settings: Settings;
	/** In the order they take turns. */
	contenders: readonly C[];
	label: Record<C, string>;
	/** The node whose executionTime is the contender's cost, in every workflow. */
	measured: string;
	/** The Generate Code node's JavaScript for `items` items. */
	generatorCode(items: number): string;
	/** The contender's node, named `measured`. */
	contenderNode(contender: C): Node;
	/** What the benchmark keeps from the measured node's run data, beside the times. */
	inspect(contender: C, measured: ITaskData): X;
	/** Sets up what the contenders need in a (new) n8n before their workflows are imported (a data table, say). */
	prepare?(n8n: N8nInstance): Promise<void>;
}

interface Timing {
	/** The contender node's executionTime, ms. */
	nodeMs: number;
	/** The generator's executionTime, ms. */
	generatorMs: number;
	/** stoppedAt − startedAt, ms. */
	executionMs: number;
}

export type Sample<X extends object> = Timing & X;

interface Failure {
	error: string;
}

interface ExecutionSummary {
	id: string;
	status: string;
	startedAt: string;
	stoppedAt?: string | null;
}

interface Recorded {
	status: string;
	error?: { message?: unknown };
	data: IRunExecutionData;
}

export interface SizeResult<C extends string, X extends object> {
	items: number;
	samples: Record<C, Array<Sample<X>>>;
	failures: Record<C, string[]>;
	/** Why the size was not run, if it was not. */
	skipped?: string;
	/** Remarks printed under the tables (fewer rounds, crashes). */
	notes: string[];
}

export interface Session {
	n8n: N8nInstance;
	/** How many times n8n was started (a crash is followed by a fresh start). */
	starts: number;
}

// ---------------------------------------------------------------------------------------
// Workflows, running and reading executions
// ---------------------------------------------------------------------------------------

function benchWorkflow<C extends string, X extends object>(
	bench: Bench<C, X>,
	contender: C,
	items: number,
): WorkflowJson {
	return {
		name: `bench ${RUN}: ${bench.label[contender]}, ${items} items`,
		nodes: [
			{ parameters: {}, name: TRIGGER, ...BASE_TYPES.manualTrigger, position: [0, 0] },
			{
				parameters: { jsCode: bench.generatorCode(items) },
				name: GENERATOR,
				...BASE_TYPES.code,
				position: [220, 0],
			},
			bench.contenderNode(contender),
		],
		connections: {
			[TRIGGER]: { main: [[{ node: GENERATOR, type: 'main', index: 0 }]] },
			[GENERATOR]: { main: [[{ node: bench.measured, type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

const readers = new WeakMap<N8nInstance, Promise<(id: string) => Promise<Recorded>>>();

/**
 * Reads one saved execution with a wait of `timeoutMs`: the harness's requests give up after
 * 60 s, and a 100,000-item execution is about 90 MB of JSON that a busy n8n takes over a minute
 * to send. Logs in as the harness's owner for its own session cookie.
 */
function executionReader(
	n8n: N8nInstance,
	timeoutMs: number,
): Promise<(id: string) => Promise<Recorded>> {
	let reader = readers.get(n8n);
	if (!reader) {
		reader = (async () => {
			const headers = {
				'browser-id': 'integration-guards-e2e',
				'content-type': 'application/json',
			};
			const login = await fetch(`${n8n.baseUrl}/rest/login`, {
				method: 'POST',
				headers,
				body: JSON.stringify({ emailOrLdapLoginId: OWNER.email, password: OWNER.password }),
				signal: AbortSignal.timeout(60_000),
			});
			await login.arrayBuffer();
			const cookie = login.headers
				.getSetCookie()
				.find((value) => value.startsWith('n8n-auth='))
				?.split(';')[0];
			if (!login.ok || !cookie)
				throw new Error(`cannot log in to read executions: HTTP ${login.status}`);
			const decode: (text: string) => IRunExecutionData = createRequire(
				path.join(n8n.runtime.n8nPackageDir, 'package.json'),
			)('flatted').parse;
			return async (id: string): Promise<Recorded> => {
				// One retry: a busy n8n sometimes resets a kept-alive connection (ECONNRESET) under a GET.
				let response: Response;
				let text: string;
				try {
					response = await fetch(`${n8n.baseUrl}/rest/executions/${id}`, {
						headers: { ...headers, cookie },
						signal: AbortSignal.timeout(timeoutMs),
					});
					text = await response.text();
				} catch (error) {
					if (error instanceof Error && error.name === 'TimeoutError') throw error;
					response = await fetch(`${n8n.baseUrl}/rest/executions/${id}`, {
						headers: { ...headers, cookie },
						signal: AbortSignal.timeout(timeoutMs),
					});
					text = await response.text();
				}
				if (!response.ok)
					throw new Error(`GET /rest/executions/${id} → ${response.status}: ${text.slice(0, 300)}`);
				const raw = (JSON.parse(text) as { data: IDataObject }).data;
				const data =
					typeof raw.data === 'string'
						? decode(raw.data)
						: (raw.data as unknown as IRunExecutionData);
				return {
					status: String(raw.status),
					error: data.resultData?.error as Recorded['error'],
					data,
				};
			};
		})();
		readers.set(n8n, reader);
	}
	return reader;
}

/** A manual run, as the editor's button (and the harness's executeById) starts it, waiting at most the timeout. */
async function runOnce<C extends string, X extends object>(
	bench: Bench<C, X>,
	n8n: N8nInstance,
	workflowId: string,
	contender: C,
): Promise<Sample<X> | Failure> {
	const timeoutMs = bench.settings.timeoutMs;
	let execution: Recorded;
	let executionMs = NaN;
	try {
		const started = await n8n.api<{ executionId?: string }>(
			'POST',
			`/rest/workflows/${workflowId}/run`,
			{ triggerToStartFrom: { name: TRIGGER } },
		);
		if (!started.executionId) return { error: `no execution started: ${JSON.stringify(started)}` };
		// Wait on the light execution list (n8n.waitForExecution polls the full execution, and a
		// 100,000-item one is tens of MB), then read the full record once.
		const id = started.executionId;
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		await waitUntil(
			async () => {
				const [summary] = (
					await n8n.api<{ results: ExecutionSummary[] }>(
						'GET',
						`/rest/executions?limit=1&filter=${filter}`,
					)
				).results;
				if (
					!summary ||
					summary.id !== id ||
					['new', 'running', 'waiting', 'unknown'].includes(summary.status) ||
					!summary.stoppedAt
				)
					return false;
				executionMs = Date.parse(summary.stoppedAt) - Date.parse(summary.startedAt);
				return true;
			},
			timeoutMs,
			`execution ${id} to finish`,
			250,
		);
		execution = await (await executionReader(n8n, timeoutMs))(id);
	} catch (error) {
		return { error: describe(error) };
	}
	if (execution.status !== 'success') {
		const message = execution.error?.message;
		return { error: `execution ${execution.status}: ${oneLine(String(message ?? 'no message'))}` };
	}
	const runData = execution.data.resultData.runData;
	const measured = runData[bench.measured]?.[0];
	const generator = runData[GENERATOR]?.[0];
	if (!measured || !generator)
		return { error: `nodes that ran: ${Object.keys(runData).join(', ')}` };
	const timing: Timing = {
		nodeMs: measured.executionTime,
		generatorMs: generator.executionTime,
		executionMs,
	};
	return { ...timing, ...bench.inspect(contender, measured) };
}

export function startOptions(settings: Settings): StartOptions {
	return settings.heapMb
		? { env: { NODE_OPTIONS: `--max-old-space-size=${settings.heapMb}` } }
		: {};
}

/** The line of n8n's log that says why it died (V8's heap message, say), else the client's error. */
export function crashReason(n8n: N8nInstance, error: string): string {
	const line = n8n
		.logTail(300)
		.split('\n')
		.find((text) =>
			/heap out of memory|allocation failed|FATAL ERROR|out of memory|killed/i.test(text),
		);
	return oneLine(line ?? error);
}

/** Runs every size of one benchmark in the session's n8n (started again after a crash), until the deadline. */
export async function measureBench<C extends string, X extends object>(
	bench: Bench<C, X>,
	session: Session,
	deadline: number,
): Promise<Array<SizeResult<C, X>>> {
	const { sizes, repeats, maxItems } = bench.settings;
	const { contenders, label } = bench;
	const results: Array<SizeResult<C, X>> = [];
	let warmedUp = false;
	for (const items of sizes) {
		const result: SizeResult<C, X> = {
			items,
			samples: emptyRecord(contenders),
			failures: emptyRecord(contenders),
			notes: [],
		};
		results.push(result);
		if (items > maxItems) {
			result.skipped = `not run: above BENCH_MAX_ITEMS (${count(maxItems)})`;
			continue;
		}
		if (Date.now() > deadline) {
			result.skipped = 'not run: time budget (BENCH_BUDGET_MINUTES) spent';
			continue;
		}
		let ids: Record<C, string> | undefined;
		/** Contenders that crashed n8n at this size: not run again at this size. */
		const crashed = new Set<C>();
		let roundStarted = Date.now();
		for (let repeat = 0; repeat < repeats; repeat++) {
			// A round is not started when it would end past the deadline (judged by the last one).
			const lastRound = Date.now() - roundStarted;
			roundStarted = Date.now();
			if (repeat > 0 && Date.now() + lastRound > deadline) {
				result.notes.push(
					`${count(items)} items: ${repeat} of ${repeats} rounds, the time budget (BENCH_BUDGET_MINUTES) was spent`,
				);
				break;
			}
			for (let turn = 0; turn < contenders.length; turn++) {
				const contender = contenders[(repeat + turn) % contenders.length];
				if (crashed.has(contender)) continue;
				if (!ids) {
					if (!(await alive(session.n8n))) {
						if (session.starts >= MAX_STARTS) {
							result.failures[contender].push(
								`not run: n8n was started ${MAX_STARTS} times already`,
							);
							continue;
						}
						await session.n8n.stop();
						session.n8n = await startN8n(startOptions(bench.settings));
						session.starts++;
						warmedUp = false;
						process.stderr.write(`[bench] n8n started again (start ${session.starts})\n`);
					}
					if (!warmedUp) await bench.prepare?.(session.n8n);
					const imported = {} as Record<C, string>;
					for (const each of contenders)
						imported[each] = (
							await session.n8n.importWorkflow(benchWorkflow(bench, each, items))
						).id;
					ids = imported;
					// Untimed warm-up: the first run loads the node code, starts the task runner, compiles.
					if (!warmedUp) {
						for (const each of contenders) await runOnce(bench, session.n8n, ids[each], each);
						warmedUp = true;
					}
				}
				const begun = Date.now();
				const sample = await runOnce(bench, session.n8n, ids[contender], contender);
				if ('error' in sample) {
					const up = await alive(session.n8n);
					const message = up
						? sample.error
						: `n8n crashed: ${crashReason(session.n8n, sample.error)}`;
					result.failures[contender].push(message);
					process.stderr.write(`[bench] ${count(items)} items, ${label[contender]}: ${message}\n`);
					result.notes.push(
						`${count(items)} items, ${label[contender]}, round ${repeat + 1}: ${message}${up ? '' : '; n8n was started again for the rest'}`,
					);
					if (!up) {
						crashed.add(contender);
						ids = undefined;
					}
				} else {
					result.samples[contender].push(sample);
					process.stderr.write(
						`[bench] ${count(items)} items, ${label[contender]}: node ${sample.nodeMs} ms, execution ${sample.executionMs} ms, round trip ${((Date.now() - begun) / 1000).toFixed(1)} s\n`,
					);
				}
			}
		}
	}
	return results;
}

function emptyRecord<C extends string, T>(contenders: readonly C[]): Record<C, T[]> {
	return Object.fromEntries(contenders.map((contender) => [contender, [] as T[]])) as Record<
		C,
		T[]
	>;
}

export async function alive(n8n: N8nInstance): Promise<boolean> {
	try {
		const response = await fetch(`${n8n.baseUrl}/healthz`, { signal: AbortSignal.timeout(10_000) });
		await response.arrayBuffer();
		return response.ok;
	} catch {
		return false;
	}
}

/**
 * Starts n8n, prints the header, runs every size and prints the results, the notes and the
 * total; stops n8n. Run as the script's main: sets a failing exit code on an error.
 */
export function runBench<C extends string, X extends object>(
	bench: Bench<C, X>,
	printHeader: (n8n: N8nInstance) => void,
	printResults: (results: Array<SizeResult<C, X>>) => void,
): void {
	main(bench, printHeader, printResults).catch((error: unknown) => {
		console.error(error instanceof Error ? (error.stack ?? error.message) : error);
		process.exitCode = 1;
	});
}

async function main<C extends string, X extends object>(
	bench: Bench<C, X>,
	printHeader: (n8n: N8nInstance) => void,
	printResults: (results: Array<SizeResult<C, X>>) => void,
): Promise<void> {
	const started = Date.now();
	let session: Session | undefined;
	try {
		session = { n8n: await startN8n(startOptions(bench.settings)), starts: 1 };
		printHeader(session.n8n);
		const results = await measureBench(bench, session, started + bench.settings.budgetMs);
		printResults(results);
		const notes = results.flatMap((result) => result.notes);
		if (notes.length) {
			console.log('');
			for (const note of notes) console.log(`- ${note}`);
		}
		console.log('');
		console.log(
			`Total runtime ${((Date.now() - started) / 1000).toFixed(0)} s including n8n start-up (${session.starts} start(s)); load average at the end ${loadAverage()}.`,
		);
	} finally {
		await session?.n8n
			.stop()
			.catch((error: unknown) => process.stderr.write(`[bench] stopping n8n: ${String(error)}\n`));
	}
}

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

export function table(
	header: string[],
	rows: Array<Array<string | number>>,
	leftColumns = 1,
): string {
	const cells = [header, ...rows.map((row) => row.map(String))];
	const widths = header.map((_, column) =>
		Math.max(...cells.map((row) => (row[column] ?? '').length)),
	);
	const line = (row: string[]) =>
		'| ' +
		row
			.map((cell, column) =>
				column < leftColumns ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
			)
			.join(' | ') +
		' |';
	const rule =
		'|' +
		widths
			.map((width, column) =>
				column < leftColumns ? ':' + '-'.repeat(width + 1) : '-'.repeat(width + 1) + ':',
			)
			.join('|') +
		'|';
	return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}

/** The median time inside the measured node, ms (NaN without samples). */
export function medianNodeMs<C extends string, X extends object>(
	result: SizeResult<C, X>,
	contender: C,
): number {
	return median(result.samples[contender].map((sample) => sample.nodeMs));
}

export function median(values: number[]): number {
	const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
	if (sorted.length === 0) return NaN;
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export const count = (value: number): string => value.toLocaleString('en-US');
export const oneLine = (text: string): string => text.replace(/\s+/g, ' ').slice(0, 160);
/** An error's message with its cause (fetch's "fetch failed" hides the socket error in it). */
export const describe = (error: unknown): string => {
	if (!(error instanceof Error)) return oneLine(String(error));
	const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
	return oneLine(error.message + cause);
};
export const loadAverage = (): string =>
	os
		.loadavg()
		.map((value) => value.toFixed(1))
		.join(' ');
export const perItem = (ms: number, items: number): string =>
	Number.isNaN(ms) ? 'n/a' : ((ms * 1000) / items).toFixed(ms * 1000 < items * 10 ? 2 : 1);
export const perSecond = (ms: number, items: number): string =>
	Number.isNaN(ms)
		? 'n/a'
		: ms <= 0
			? `> ${count(items * 1000)}`
			: count(Math.round(items / (ms / 1000)));
export const msText = (value: number): string =>
	Number.isNaN(value) ? 'n/a' : count(Math.round(value));

export function packageVersion(): string {
	try {
		return String(
			(
				JSON.parse(readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as {
					version?: string;
				}
			).version,
		);
	} catch {
		return '?';
	}
}

/** A cell for a contender: its figure, or why there is none. */
export function cell<C extends string, X extends object>(
	result: SizeResult<C, X>,
	contender: C,
	figure: (samples: Array<Sample<X>>) => string,
): string {
	if (result.skipped) return result.skipped;
	const samples = result.samples[contender];
	const failed = result.failures[contender];
	if (samples.length === 0) return failed.length ? `failed: ${failed[0]}` : 'n/a';
	return (
		figure(samples) +
		(failed.length ? ` (${failed.length} of ${samples.length + failed.length} failed)` : '')
	);
}

/**
 * The two timing tables of every "node vs a Code node vs doing nothing" benchmark: time
 * inside the measured node per item, and the whole execution.
 */
export function printTimingTables<C extends string, X extends object>(
	results: Array<SizeResult<C, X>>,
	contenders: readonly C[],
	labels: Record<C, string>,
	roles: { noop: C; code: C; node: C; nodeName: string },
): void {
	const nodeMedian = (samples: Array<Sample<X>>): number =>
		median(samples.map((sample) => sample.nodeMs));
	console.log('## Time inside the node (run data executionTime), median µs per item');
	console.log('');
	console.log(
		table(
			[
				'items',
				...[roles.noop, roles.code, roles.node].map((role) => `${labels[role]} µs/item`),
				`${roles.nodeName} items/s`,
				'Code node items/s',
			],
			results.map((result) => [
				count(result.items),
				...[roles.noop, roles.code, roles.node].map((role) =>
					cell(result, role, (samples) => perItem(nodeMedian(samples), result.items)),
				),
				cell(result, roles.node, (samples) => perSecond(nodeMedian(samples), result.items)),
				cell(result, roles.code, (samples) => perSecond(nodeMedian(samples), result.items)),
			]),
		),
	);
	console.log('');
	console.log(
		'## The whole execution (stoppedAt − startedAt, includes generating the items), median ms',
	);
	console.log('');
	console.log(
		table(
			['items', ...contenders.map((contender) => labels[contender]), 'Generate (Code node) alone'],
			results.map((result) => [
				count(result.items),
				...contenders.map((contender) =>
					cell(result, contender, (samples) =>
						msText(median(samples.map((sample) => sample.executionMs))),
					),
				),
				result.skipped
					? ''
					: msText(
							median(
								contenders.flatMap((contender) =>
									result.samples[contender].map((sample) => sample.generatorMs),
								),
							),
						),
			]),
		),
	);
	console.log('');
}
