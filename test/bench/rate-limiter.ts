// Benchmark: the Rate Limiter's Send Request against n8n's own HTTP Request node, tuned the
// ways a user would tune it, in ONE real n8n (test/e2e/harness.ts), against one real
// rate-limited vendor: a private nginx (test/support/nginx.ts) with limit_req at 10 r/s, burst 5,
// answering 429 with Retry-After: 1. Prints a table; asserts nothing.
//
//   export PATH=$PWD/node_modules/.bin:$PATH      # Node 24
//   npx tsc -p tsconfig.json
//   node build/test/bench/rate-limiter.js
//
// Every contender posts the same 300 items (Manual Trigger → Generate → the contender), each
// item's JSON as the body, with its id in an X-Item-Id header (the HTTP Request node) or as the
// Idempotency-Key (Send Request), to a fresh nginx (a new limiter bucket and access log each):
//   (i)   HTTP Request, every setting at its default;
//   (ii)  HTTP Request, Retry On Fail (5 tries, 1000 ms apart);
//   (iii) HTTP Request, Batching 9 items per 1000 ms, plus Retry On Fail (5 tries);
//   (iv)  HTTP Request, On Error: Continue (using error output);
//   (iv b) as (iii), plus On Error: Continue (using error output) (n8n then never retries);
//   (v)   HTTP Request, Batching 1 item per 110 ms (hand-tuned pacing under 10/s);
//   (vi)  Rate Limiter, Send Request: limit 10 per second, target utilisation 90 %, the
//         idempotency key from the item's `id`, every other setting at its default.
// Columns: items on the success output, items failed (on an error/Failed output, or every
// item when the node stopped the workflow), 429s the vendor sent, duplicate writes at the
// vendor (2xx answers beyond the first for one item), the execution's wall time (n8n's
// startedAt → stoppedAt) and the achieved rate (items succeeded per second of wall time).
//
// Environment (all optional): BENCH_ITEMS (300), BENCH_RATE (10 per second), BENCH_BURST (5),
// BENCH_TARGET (90 %), BENCH_TIMEOUT_SECONDS (420: the longest wait for one execution;
// (iii) takes about 3 minutes), BENCH_ONLY (comma-separated contender keys, e.g. `ours,paced`),
// plus the harness's N8N_GUARDS_* variables. About 7 to 8 minutes with the defaults on a busy 2-core machine.
import { spawnSync } from 'node:child_process';

import type { IDataObject } from 'n8n-workflow';

import {
	PACKAGE_NAME,
	startN8n,
	type Execution,
	type N8nInstance,
	type WorkflowJson,
} from '../e2e/harness';
import { NGINX_BIN, startVendor, type VendorSummary } from '../support/nginx';

import { count, describe, intFromEnv, loadAverage, packageVersion, table } from './support';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const ITEMS = intFromEnv('BENCH_ITEMS', 300, 10, 5000);
const RATE = intFromEnv('BENCH_RATE', 10, 1, 1000);
const BURST = intFromEnv('BENCH_BURST', 5, 0, 1000);
const TARGET = intFromEnv('BENCH_TARGET', 90, 1, 100);
const TIMEOUT_MS = intFromEnv('BENCH_TIMEOUT_SECONDS', 420, 30, 3600) * 1000;

const RATE_LIMITER_TYPE = `${PACKAGE_NAME}.rateLimiter`;
/** The newest HTTP Request version n8n 2.40.7 offers. */
const HTTP_REQUEST = { type: 'n8n-nodes-base.httpRequest', typeVersion: 4.5 };
const MEASURED = 'Call Vendor';

const CONTENDERS = [
	'defaults',
	'retry',
	'batchRetry',
	'errorOutput',
	'batchRetryErrorOutput',
	'paced',
	'ours',
] as const;
type Contender = (typeof CONTENDERS)[number];
const LABEL: Record<Contender, string> = {
	defaults: '(i) HTTP Request, defaults',
	retry: '(ii) HTTP Request, Retry On Fail ×5',
	batchRetry: '(iii) HTTP Request, batching 9/1000 ms + retry ×5',
	errorOutput: '(iv) HTTP Request, Continue (error output)',
	batchRetryErrorOutput: '(iv b) as (iii) + Continue (error output)',
	paced: '(v) HTTP Request, batching 1/110 ms',
	ours: `(vi) Rate Limiter Send Request, ${TARGET} %`,
};

// ---------------------------------------------------------------------------------------
// Workflows
// ---------------------------------------------------------------------------------------

type Node = WorkflowJson['nodes'][number];

function generatorCode(items: number): string {
	return `const items = [];
for (let i = 1; i <= ${items}; i++) {
	items.push({ json: { id: 'bench-${RUN}-' + String(i).padStart(4, '0'), name: 'Customer ' + i, amount: i * 10 } });
}
return items;`;
}

function httpRequestNode(contender: Exclude<Contender, 'ours'>, url: string): Node {
	const options: IDataObject = {};
	if (contender === 'batchRetry' || contender === 'batchRetryErrorOutput')
		options.batching = { batch: { batchSize: 9, batchInterval: 1000 } };
	if (contender === 'paced') options.batching = { batch: { batchSize: 1, batchInterval: 110 } };
	return {
		parameters: {
			method: 'POST',
			url,
			sendHeaders: true,
			headerParameters: { parameters: [{ name: 'X-Item-Id', value: '={{ $json.id }}' }] },
			sendBody: true,
			specifyBody: 'json',
			jsonBody: '={{ JSON.stringify($json) }}',
			options,
		},
		name: MEASURED,
		...HTTP_REQUEST,
		position: [440, 0],
		...(contender === 'retry' || contender === 'batchRetry' || contender === 'batchRetryErrorOutput'
			? { retryOnFail: true, maxTries: 5, waitBetweenTries: 1000 }
			: {}),
		...(contender === 'errorOutput' || contender === 'batchRetryErrorOutput'
			? { onError: 'continueErrorOutput' }
			: {}),
	};
}

function rateLimiterNode(url: string): Node {
	return {
		parameters: {
			operation: 'sendRequest',
			limiterName: `bench-${RUN}`,
			store: 'embedded',
			limit: RATE,
			per: 'second',
			targetUtilization: TARGET,
			method: 'POST',
			url,
			sendBody: true,
			// JSON Body at its default: the item
			requestOptions: { idempotencyKeyField: 'id' },
		},
		name: MEASURED,
		type: RATE_LIMITER_TYPE,
		typeVersion: 1,
		position: [440, 0],
	};
}

function workflow(contender: Contender, url: string): WorkflowJson {
	const nodes: Node[] = [
		{
			parameters: {},
			name: 'Start',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 0],
		},
		{
			parameters: { jsCode: generatorCode(ITEMS) },
			name: 'Generate',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [220, 0],
		},
		contender === 'ours' ? rateLimiterNode(url) : httpRequestNode(contender, url),
	];
	return {
		name: `bench ${RUN}: ${LABEL[contender]}`,
		nodes,
		connections: {
			Start: { main: [[{ node: 'Generate', type: 'main', index: 0 }]] },
			Generate: { main: [[{ node: MEASURED, type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

// ---------------------------------------------------------------------------------------
// Running one contender
// ---------------------------------------------------------------------------------------

interface Row {
	contender: Contender;
	succeeded: number;
	failed: number;
	vendor: VendorSummary;
	wallMs: number;
	status: string;
	note?: string;
}

/** Items on the success output and on the failure output (error output, or Send Request's Failed). */
function outcome(
	contender: Contender,
	execution: Execution,
): { succeeded: number; failed: number; note?: string } {
	let run;
	try {
		run = execution.node(MEASURED);
	} catch (error) {
		return { succeeded: 0, failed: ITEMS, note: describe(error) };
	}
	if (run.error || run.executionStatus === 'error') {
		// The node stopped the workflow: no item went on.
		const message =
			(run.error as { message?: string } | undefined)?.message ??
			String(execution.error ?? 'node error');
		return { succeeded: 0, failed: ITEMS, note: `node failed: ${message.slice(0, 80)}` };
	}
	if (contender === 'ours') {
		const success = run.byName.Success?.length ?? 0;
		const failed = run.byName.Failed?.length ?? 0;
		return { succeeded: success, failed };
	}
	return { succeeded: run.outputs[0]?.length ?? 0, failed: run.outputs[1]?.length ?? 0 };
}

async function runContender(n8n: N8nInstance, contender: Contender): Promise<Row> {
	const vendor = await startVendor({ rate: RATE, burst: BURST, retryAfterSeconds: 1 });
	try {
		const imported = await n8n.importWorkflow(workflow(contender, `${vendor.url}/customers`));
		const begun = Date.now();
		const started = await n8n.api<{ executionId?: string }>(
			'POST',
			`/rest/workflows/${imported.id}/run`,
			{ triggerToStartFrom: { name: 'Start' } },
		);
		if (!started.executionId) throw new Error(`no execution started: ${JSON.stringify(started)}`);
		const execution = await waitFinished(n8n, started.executionId, begun + TIMEOUT_MS);
		const clientMs = Date.now() - begun;
		// nginx writes a log line when it has answered; give the last ones a moment.
		await new Promise((resolve) => setTimeout(resolve, 300));
		const result = outcome(contender, execution);
		// n8n's own record of the run; the client's measure only if it has none
		const wallMs = executionWallMs(execution) ?? clientMs;
		process.stderr.write(
			`[bench] ${LABEL[contender]}: ${execution.status}, ${result.succeeded} ok, ${result.failed} failed, ${(wallMs / 1000).toFixed(1)} s\n`,
		);
		return { contender, ...result, vendor: vendor.summary(), wallMs, status: execution.status };
	} finally {
		await vendor.stop();
	}
}

/**
 * Waits for the execution, polling through n8n's REST API. A busy n8n sometimes resets a
 * kept-alive connection under a GET (ECONNRESET): such a poll is tried again until the deadline.
 */
async function waitFinished(n8n: N8nInstance, id: string, deadline: number): Promise<Execution> {
	for (;;) {
		try {
			return await n8n.waitForExecution(id, Math.max(1000, deadline - Date.now()));
		} catch (error) {
			const transient = /fetch failed|ECONNRESET|socket hang up/i.test(describe(error));
			if (!transient || Date.now() > deadline) throw error;
			process.stderr.write(`[bench] reading execution ${id}: ${describe(error)}; trying again\n`);
			await new Promise((resolve) => setTimeout(resolve, 1000));
		}
	}
}

function executionWallMs(execution: Execution): number | undefined {
	const runData = execution.data.resultData.runData;
	let first = Infinity;
	let last = -Infinity;
	for (const runs of Object.values(runData)) {
		for (const run of runs) {
			first = Math.min(first, run.startTime);
			last = Math.max(last, run.startTime + run.executionTime);
		}
	}
	return Number.isFinite(first) && Number.isFinite(last) ? last - first : undefined;
}

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

function printTable(rows: Row[]): void {
	console.log(
		table(
			[
				'contender',
				'items succeeded',
				'items failed',
				'429s received',
				'vendor writes',
				'items written',
				'duplicate writes',
				'wall time s',
				'achieved rate /s',
				'vendor accepts /s',
			],
			rows.map((row) => [
				LABEL[row.contender],
				count(row.succeeded),
				count(row.failed),
				count(row.vendor.rateLimited),
				count(row.vendor.accepted),
				count(row.vendor.acceptedItems),
				count(row.vendor.duplicates),
				(row.wallMs / 1000).toFixed(1),
				row.wallMs > 0 ? (row.succeeded / (row.wallMs / 1000)).toFixed(2) : 'n/a',
				// a rate over a handful of writes sent in one burst says nothing
				row.vendor.accepted < 20 || Number.isNaN(row.vendor.acceptedPerSecond)
					? 'n/a'
					: row.vendor.acceptedPerSecond.toFixed(2),
			]),
		),
	);
	const notes = rows
		.filter((row) => row.note)
		.map((row) => `- ${LABEL[row.contender]}: ${row.note}`);
	if (notes.length) console.log(['', ...notes].join('\n'));
}

function nginxVersion(): string {
	const result = spawnSync(NGINX_BIN, ['-v'], { encoding: 'utf8' });
	return (result.stderr || result.stdout || '').trim().replace(/^nginx version: /, '');
}

async function main(): Promise<void> {
	const only = (process.env.BENCH_ONLY ?? '')
		.split(',')
		.map((key) => key.trim())
		.filter(Boolean);
	const unknown = only.filter((key) => !(CONTENDERS as readonly string[]).includes(key));
	if (unknown.length)
		throw new Error(
			`BENCH_ONLY: unknown contender(s) ${unknown.join(', ')}; known: ${CONTENDERS.join(', ')}`,
		);
	const contenders = CONTENDERS.filter((key) => only.length === 0 || only.includes(key));
	const started = Date.now();
	let n8n: N8nInstance | undefined;
	try {
		n8n = await startN8n();
		console.log(
			`# Rate Limiter vs HTTP Request: ${count(ITEMS)} items to nginx limited to ${RATE} r/s (burst ${BURST}, nodelay, 429 + Retry-After: 1)`,
		);
		console.log('');
		console.log(
			`n8n ${n8n.runtime.n8nVersion} (Node ${n8n.runtime.nodeVersion}), ${PACKAGE_NAME} ${packageVersion()}, nginx ${nginxVersion()}, HTTP Request v${HTTP_REQUEST.typeVersion}; load average ${loadAverage()}`,
		);
		console.log('');
		const rows: Row[] = [];
		for (const contender of contenders) {
			if (contender === 'ours' && !n8n.loadedNodeTypes.includes(RATE_LIMITER_TYPE)) {
				process.stderr.write(
					`[bench] ${RATE_LIMITER_TYPE} is not in the installed package: skipped\n`,
				);
				continue;
			}
			try {
				rows.push(await runContender(n8n, contender));
			} catch (error) {
				process.stderr.write(`[bench] ${LABEL[contender]}: ${describe(error)}\n`);
				console.log(`- ${LABEL[contender]}: not measured: ${describe(error)}`);
			}
		}
		printTable(rows);
		console.log('');
		console.log(
			"items succeeded / failed: items on the node's success / error (Failed) output, or all failed when the node stopped the workflow. " +
				"From nginx's access log: 429s received, vendor writes (2xx answers), items written (distinct items among them), duplicate writes (2xx answers beyond the first per item) " +
				'and vendor accepts /s ((writes − 1) ÷ first to last write; n/a under 20 writes). Wall time: first node start to last node end of the execution. Achieved rate: items succeeded per second of wall time.',
		);
		console.log('');
		console.log(
			`Total runtime ${((Date.now() - started) / 1000).toFixed(0)} s including n8n start-up; load average at the end ${loadAverage()}.`,
		);
	} finally {
		await n8n
			?.stop()
			.catch((error: unknown) => process.stderr.write(`[bench] stopping n8n: ${String(error)}\n`));
	}
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? (error.stack ?? error.message) : error);
	process.exitCode = 1;
});
