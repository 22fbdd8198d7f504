// Dead Letter Capture of N failed items in ONE execution of a real n8n (test/e2e/harness.ts, the
// pinned n8n with this package installed from its tarball), version 2 (the whole payload again on
// every output item) against version 2.1 (the record's summary only). Per run: the node's own
// time (run data executionTime), the execution (startedAt → stoppedAt), what n8n saved of the
// execution (its execution_data row, bytes per item, and the Capture node's share of it as JSON),
// and how long reading it back over the REST API took. Prints a table; asserts nothing.
//
//   export PATH=$PWD/node_modules/.bin:$PATH && npm run --silent build && npx tsc -p tsconfig.json
//   node build/test/bench/dead-letter-n8n.js
//
// BENCH_SIZES (10000,100000), BENCH_REPEATS (1), BENCH_TIMEOUT_SECONDS (600), BENCH_VERSIONS (2.1,2: the peak RSS is a high-water mark, so the smaller first).
// The items and workflow are those of test/bench/throughput.ts's deadLetterBench (Manual Trigger →
// Generate (Code) → Capture, embedded store), with Max Open Records 0 so that runs do not fill the
// queue up to its cap.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { startN8n, waitUntil, type N8nInstance } from '../e2e/harness';
import { deadLetterBench } from './throughput';
import {
	BASE_TYPES,
	GENERATOR,
	intFromEnv,
	listFromEnv,
	loadAverage,
	table,
	TRIGGER,
} from './support';

const SIZES = listFromEnv('BENCH_SIZES', [10_000, 100_000]);
const REPEATS = intFromEnv('BENCH_REPEATS', 1, 1, 10);
const TIMEOUT_MS = intFromEnv('BENCH_TIMEOUT_SECONDS', 600, 10, 3600) * 1000;
const VERSIONS = (process.env.BENCH_VERSIONS ?? '2.1,2').split(',').map(Number);

function workflow(version: number, items: number) {
	const capture = deadLetterBench.contenderNode('capture');
	return {
		name: `dead letter v${version} ${items}`,
		nodes: [
			{
				parameters: {},
				name: TRIGGER,
				...BASE_TYPES.manualTrigger,
				position: [0, 0] as [number, number],
			},
			{
				parameters: { jsCode: deadLetterBench.generatorCode(items) },
				name: GENERATOR,
				...BASE_TYPES.code,
				position: [220, 0] as [number, number],
			},
			{
				...capture,
				typeVersion: version,
				parameters: { ...(capture.parameters as IDataObject), options: { maxOpenRecords: 0 } },
			},
		],
		connections: {
			[TRIGGER]: { main: [[{ node: GENERATOR, type: 'main' as const, index: 0 }]] },
			[GENERATOR]: { main: [[{ node: capture.name, type: 'main' as const, index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

interface Row {
	status: string;
	nodeMs: number;
	executionMs: number;
	savedBytes: number;
	captureJsonBytes: number;
	readMs: number;
	/** n8n's peak resident memory so far (VmHWM), MB: a high-water mark over the whole session. */
	peakRssMb: number;
	outputs: string;
}

/** n8n's peak resident memory so far, MB (Linux /proc; NaN elsewhere): the process listening on n8n's port. */
function n8nPeakRssMb(n8n: N8nInstance): number {
	try {
		const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
		const listening = execFileSync('ss', ['-ltnpH', `sport = :${n8n.port}`], { encoding: 'utf8' });
		const pid = /pid=(\d+)/.exec(listening)?.[1];
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
	} catch {
		return NaN;
	}
}

/** The saved execution's data as n8n keeps it (execution_data.data, flatted JSON). */
function savedExecution(n8n: N8nInstance, id: string): string {
	const { DatabaseSync } = require('node:sqlite') as typeof import('node:sqlite');
	const db = new DatabaseSync(path.join(n8n.userFolder, '.n8n', 'database.sqlite'), {
		readOnly: true,
	});
	try {
		const row = db.prepare('SELECT data FROM execution_data WHERE executionId = ?').get(id) as
			| { data: string }
			| undefined;
		return row?.data ?? '';
	} finally {
		db.close();
	}
}

async function runOnce(
	n8n: N8nInstance,
	workflowId: string,
	decode: (text: string) => unknown,
): Promise<Row> {
	const started = await n8n.api<{ executionId?: string }>(
		'POST',
		`/rest/workflows/${workflowId}/run`,
		{
			triggerToStartFrom: { name: TRIGGER },
		},
	);
	const id = started.executionId!;
	let summary: { status: string; startedAt: string; stoppedAt?: string | null } | undefined;
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	await waitUntil(
		async () => {
			[summary] = (
				await n8n.api<{ results: Array<typeof summary & { id: string }> }>(
					'GET',
					`/rest/executions?limit=1&filter=${filter}`,
				)
			).results;
			return (
				summary !== undefined &&
				!['new', 'running', 'waiting', 'unknown'].includes(summary.status) &&
				Boolean(summary.stoppedAt)
			);
		},
		TIMEOUT_MS,
		`execution ${id}`,
		500,
	);
	const saved = savedExecution(n8n, id);
	const peakRssMb = n8nPeakRssMb(n8n);
	const readStarted = Date.now();
	// What the editor (and the benchmark) does next: read the execution back. The harness gives up after 60 s.
	const readMs = await n8n.api('GET', `/rest/executions/${id}`).then(
		() => Date.now() - readStarted,
		(error: unknown) => {
			if (error instanceof Error && error.name === 'TimeoutError') return Infinity;
			throw error;
		},
	);
	const data = decode(saved) as {
		resultData: {
			runData: Record<string, Array<{ executionTime: number; data?: { main: unknown[][] } }>>;
		};
	};
	const capture = data.resultData.runData[deadLetterBench.measured]?.[0];
	return {
		status: summary!.status,
		nodeMs: capture?.executionTime ?? NaN,
		executionMs: Date.parse(summary!.stoppedAt!) - Date.parse(summary!.startedAt),
		savedBytes: saved.length,
		captureJsonBytes: JSON.stringify(capture?.data ?? null).length,
		readMs,
		peakRssMb,
		outputs: (capture?.data?.main ?? []).map((items) => (items ?? []).length).join('/'),
	};
}

async function main(): Promise<void> {
	const n8n = await startN8n();
	const rows: string[][] = [];
	try {
		const decode = require(require.resolve('flatted', { paths: [n8n.runtime.n8nPackageDir] }))
			.parse as (text: string) => unknown;
		console.log(`n8n at ${n8n.baseUrl}; load average ${loadAverage()}`);
		for (const items of SIZES) {
			for (const version of VERSIONS) {
				const { id } = await n8n.importWorkflow(workflow(version, items));
				await runOnce(n8n, id, decode).catch((error: unknown) =>
					console.error(`warm-up: ${String(error)}`),
				);
				for (let round = 0; round < REPEATS; round++) {
					try {
						const row = await runOnce(n8n, id, decode);
						rows.push([
							items.toLocaleString('en-US'),
							String(version),
							row.status,
							(row.nodeMs / 1000).toFixed(2),
							((row.nodeMs * 1000) / items).toFixed(1),
							(row.executionMs / 1000).toFixed(1),
							(row.savedBytes / 2 ** 20).toFixed(1),
							(row.savedBytes / items).toFixed(0),
							(row.captureJsonBytes / items).toFixed(0),
							Number.isFinite(row.readMs) ? (row.readMs / 1000).toFixed(1) : '> 60 (gave up)',
							row.peakRssMb.toFixed(0),
							row.outputs,
							loadAverage(),
						]);
					} catch (error) {
						rows.push([items.toLocaleString('en-US'), String(version), `failed: ${String(error)}`]);
					}
					console.error(rows.at(-1)!.join(' | '));
				}
			}
		}
	} finally {
		await n8n.stop();
	}
	console.log(
		table(
			[
				'items',
				'version',
				'status',
				'node s',
				'node µs/item',
				'execution s',
				'saved MB',
				'saved bytes/item',
				'Capture output JSON bytes/item',
				'REST read s',
				'n8n peak RSS MB so far',
				'items per output',
				'load',
			],
			rows,
		),
	);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
