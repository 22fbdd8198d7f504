// Benchmark: Idempotent Write against n8n's own Remove Duplicates node, in ONE real n8n
// (test/e2e/harness.ts), on the same traffic. Prints tables; asserts nothing.
//
//   export PATH=$PWD/node_modules/.bin:$PATH      # Node 24
//   npx tsc -p tsconfig.json
//   node build/test/bench/idempotent-write.js
//
// 1. Correctness under concurrency. Webhook → dedupe → INSERT into a Postgres sink table
//    (no unique constraint), so the sink holds every item the dedupe step let through.
//    - Remove Duplicates 2 ("Remove Items Processed in Previous Executions", Keep Items
//      Where: Value Is New, Value to Dedupe On {{ $json.body.id }}, every option default).
//    - Idempotent Write: Claim (embedded store, key {{ $json.body.id }}) → INSERT → Complete.
//    "same id": N parallel deliveries of one id, R rounds (a new id each round).
//    "distinct, resent": N distinct ids at once, then each sent again, one after another:
//    an id that passes the second time had been lost from the history.
// 2. Time per execution as the history grows. Each node's history is pre-filled through a
//    second webhook of the same workflow (body { ids: [...] } → Split Out → the node, in
//    chunks), then single-id executions (Webhook → dedupe → No-Op [→ Complete]) run one
//    after another. Three figures per execution: n8n's own record (startedAt → stoppedAt),
//    the time inside the dedupe node(s) (run data executionTime), and the webhook round
//    trip seen by the client. A Webhook → No-Op workflow gives n8n's floor.
//
// Environment (all optional): BENCH_CONCURRENCY (32), BENCH_ROUNDS (10), BENCH_SAMPLES (30),
// BENCH_SIZES (1000,10000,100000), BENCH_PREFILL_CHUNK (25000), BENCH_BUDGET_MINUTES (20:
// history sizes not started by then are skipped), plus the harness's N8N_GUARDS_* variables.
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import type { IDataObject, IRunExecutionData } from 'n8n-workflow';
import { Client } from 'pg';

import {
	PACKAGE_NAME,
	startN8n,
	waitUntil,
	type N8nInstance,
	type WorkflowJson,
} from '../e2e/harness';

import { count, intFromEnv, loadAverage, packageVersion, table } from './support';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const SINK = `iw_bench_sink_${RUN}`;
const PG = { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' };

const CONCURRENCY = intFromEnv('BENCH_CONCURRENCY', 32, 1, 256);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 10, 1, 100);
const SAMPLES = intFromEnv('BENCH_SAMPLES', 30, 3, 500);
const SIZES = [...listFromEnv('BENCH_SIZES', [1000, 10_000, 100_000])].sort((a, b) => a - b);
const PREFILL_CHUNK = intFromEnv('BENCH_PREFILL_CHUNK', 25_000, 100, 200_000);
const BUDGET_MS = intFromEnv('BENCH_BUDGET_MINUTES', 20, 1, 240) * 60_000;

/** Remove Duplicates' History Size in the timing run: room for the largest size, the samples and slack. */
const RD_HISTORY_SIZE = Math.max(...SIZES) * 2 + 10_000;
/** Remove Duplicates' default History Size (RemoveDuplicatesV2.description.ts, option historySize). */
const RD_DEFAULT_HISTORY_SIZE = 10_000;

const SINGLE_TIMEOUT_MS = 60_000;
const BULK_TIMEOUT_MS = 10 * 60_000;

const TYPES = {
	webhook: { type: 'n8n-nodes-base.webhook', typeVersion: 2 },
	removeDuplicates: { type: 'n8n-nodes-base.removeDuplicates', typeVersion: 2 },
	idempotentWrite: { type: `${PACKAGE_NAME}.idempotentWrite`, typeVersion: 1 },
	postgres: { type: 'n8n-nodes-base.postgres', typeVersion: 2.5 },
	splitOut: { type: 'n8n-nodes-base.splitOut', typeVersion: 1 },
	noOp: { type: 'n8n-nodes-base.noOp', typeVersion: 1 },
} as const;

type Contender = 'rd' | 'iw';
type Target = Contender | 'floor';
const LABEL: Record<Target, string> = {
	rd: 'Remove Duplicates (n8n)',
	iw: 'Idempotent Write (embedded)',
	floor: 'Webhook → No-Op (floor)',
};
/** The nodes whose own time is the cost of deduplicating, per workflow. */
const MEASURED_NODES: Record<Target, string[]> = {
	rd: ['Remove Duplicates'],
	iw: ['Claim', 'Complete'],
	floor: [],
};

// ---------------------------------------------------------------------------------------
// Workflows
// ---------------------------------------------------------------------------------------

type Node = WorkflowJson['nodes'][number];
type CredentialRef = { id: string; name: string };

/** Answers when the workflow has finished, without a body: 200 = the execution succeeded, 500 = it failed. */
function webhookNode(name: string, webhookPath: string, x = 0, y = 0): Node {
	return {
		parameters: {
			httpMethod: 'POST',
			path: webhookPath,
			responseMode: 'lastNode',
			responseData: 'noData',
			options: {},
		},
		name,
		...TYPES.webhook,
		position: [x, y],
		webhookId: randomUUID(),
	};
}

function removeDuplicatesNode(
	name: string,
	dedupeValue: string,
	options: IDataObject,
	x: number,
	y = 0,
): Node {
	return {
		parameters: {
			operation: 'removeItemsSeenInPreviousExecutions',
			logic: 'removeItemsWithAlreadySeenKeyValues',
			dedupeValue,
			options,
		},
		name,
		...TYPES.removeDuplicates,
		position: [x, y],
	};
}

function claimNode(
	name: string,
	scope: string,
	key: { expression: string } | { fields: string },
	x: number,
	y = 0,
): Node {
	return {
		parameters: {
			operation: 'claim',
			store: 'embedded',
			scope,
			...('expression' in key
				? { keySource: 'expression', keyValue: key.expression }
				: { keySource: 'fields', keyFields: key.fields }),
			options: {},
		},
		name,
		...TYPES.idempotentWrite,
		position: [x, y],
	};
}

function completeNode(
	name: string,
	scope: string,
	key: { claimedKey: string } | { fields: string },
	x: number,
	y = 0,
): Node {
	return {
		parameters: {
			operation: 'complete',
			store: 'embedded',
			scope,
			...('claimedKey' in key
				? { keySource: 'claimed', claimedKey: key.claimedKey }
				: { keySource: 'fields', keyFields: key.fields }),
			resultFields: '',
			options: {},
		},
		name,
		...TYPES.idempotentWrite,
		position: [x, y],
	};
}

function sinkNode(contender: Contender, credential: CredentialRef, x: number): Node {
	return {
		parameters: {
			operation: 'executeQuery',
			query: `=INSERT INTO ${SINK} (node, scenario, id, execution_id) VALUES ('${contender}', '{{ $json.body.scenario }}', '{{ $json.body.id }}', '{{ $execution.id }}')`,
			options: {},
		},
		name: 'Write',
		...TYPES.postgres,
		position: [x, 0],
		credentials: { postgres: credential },
	};
}

function noOpNode(name: string, x: number, y = 0): Node {
	return { parameters: {}, name, ...TYPES.noOp, position: [x, y] };
}

function splitOutNode(x: number, y: number): Node {
	return {
		parameters: {
			fieldToSplitOut: 'body.ids',
			include: 'noOtherFields',
			options: { destinationFieldName: 'id' },
		},
		name: 'Split Out',
		...TYPES.splitOut,
		position: [x, y],
	};
}

const link = (node: string) => ({ node, type: 'main', index: 0 });

/** Webhook → Remove Duplicates → (Kept) INSERT into the sink. */
function rdCorrectnessWorkflow(webhookPath: string, sink: CredentialRef): WorkflowJson {
	return {
		name: `bench ${RUN}: Remove Duplicates → sink`,
		nodes: [
			webhookNode('Delivery', webhookPath),
			removeDuplicatesNode('Remove Duplicates', '={{ $json.body.id }}', {}, 220),
			sinkNode('rd', sink, 440),
		],
		connections: {
			Delivery: { main: [[link('Remove Duplicates')]] },
			'Remove Duplicates': { main: [[link('Write')], []] },
		},
		settings: { executionOrder: 'v1' },
	};
}

/** Webhook → Claim → (Proceed) INSERT into the sink → Complete. */
function iwCorrectnessWorkflow(webhookPath: string, sink: CredentialRef): WorkflowJson {
	const scope = `bench-${RUN}-correctness`;
	return {
		name: `bench ${RUN}: Idempotent Write → sink`,
		nodes: [
			webhookNode('Delivery', webhookPath),
			claimNode('Claim', scope, { expression: '={{ $json.body.id }}' }, 220),
			sinkNode('iw', sink, 440),
			completeNode(
				'Complete',
				scope,
				{ claimedKey: "={{ $('Claim').item.json.idempotency.key }}" },
				660,
			),
		],
		connections: {
			Delivery: { main: [[link('Claim')]] },
			Claim: { main: [[link('Write')], [], [], [], []] },
			Write: { main: [[link('Complete')]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

interface TimingPaths {
	one: string;
	bulk: string;
}

/**
 * One workflow, one history (Remove Duplicates' scope: Workflow), three webhooks:
 * one id → Remove Duplicates → No-Op; { ids } → Split Out → Remove Duplicates (pre-fill);
 * one id → Remove Duplicates left at the default History Size → No-Op.
 */
function rdTimingWorkflow(paths: TimingPaths & { cap: string }): WorkflowJson {
	const sized = { scope: 'workflow', historySize: RD_HISTORY_SIZE };
	return {
		name: `bench ${RUN}: Remove Duplicates timing`,
		nodes: [
			webhookNode('One', paths.one),
			removeDuplicatesNode('Remove Duplicates', '={{ $json.body.id }}', sized, 220),
			noOpNode('Write', 440),
			webhookNode('Bulk', paths.bulk, 0, 300),
			splitOutNode(220, 300),
			removeDuplicatesNode('Remove Duplicates (bulk)', '={{ $json.id }}', sized, 440, 300),
			webhookNode('One (default history size)', paths.cap, 0, 600),
			removeDuplicatesNode(
				'Remove Duplicates (default history size)',
				'={{ $json.body.id }}',
				{ scope: 'workflow' },
				220,
				600,
			),
			noOpNode('Write (default history size)', 440, 600),
		],
		connections: {
			One: { main: [[link('Remove Duplicates')]] },
			'Remove Duplicates': { main: [[link('Write')], []] },
			Bulk: { main: [[link('Split Out')]] },
			'Split Out': { main: [[link('Remove Duplicates (bulk)')]] },
			'One (default history size)': { main: [[link('Remove Duplicates (default history size)')]] },
			'Remove Duplicates (default history size)': {
				main: [[link('Write (default history size)')], []],
			},
		},
		settings: { executionOrder: 'v1' },
	};
}

/**
 * One scope, two webhooks: one id → Claim → No-Op (the write) → Complete;
 * { ids } → Split Out → Claim → Complete (pre-fill, keys from the field `id`).
 */
function iwTimingWorkflow(paths: TimingPaths, scope: string): WorkflowJson {
	return {
		name: `bench ${RUN}: Idempotent Write timing`,
		nodes: [
			webhookNode('One', paths.one),
			claimNode('Claim', scope, { expression: '={{ $json.body.id }}' }, 220),
			noOpNode('Write', 440),
			completeNode('Complete', scope, { claimedKey: '={{ $json.idempotency?.key }}' }, 660),
			webhookNode('Bulk', paths.bulk, 0, 300),
			splitOutNode(220, 300),
			claimNode('Claim (bulk)', scope, { fields: 'id' }, 440, 300),
			completeNode('Complete (bulk)', scope, { fields: 'id' }, 660, 300),
		],
		connections: {
			One: { main: [[link('Claim')]] },
			Claim: { main: [[link('Write')], [], [], [], []] },
			Write: { main: [[link('Complete')]] },
			Bulk: { main: [[link('Split Out')]] },
			'Split Out': { main: [[link('Claim (bulk)')]] },
			'Claim (bulk)': { main: [[link('Complete (bulk)')], [], [], [], []] },
		},
		settings: { executionOrder: 'v1' },
	};
}

function floorWorkflow(webhookPath: string): WorkflowJson {
	return {
		name: `bench ${RUN}: floor`,
		nodes: [webhookNode('One', webhookPath), noOpNode('Write', 220)],
		connections: { One: { main: [[link('Write')]] } },
		settings: { executionOrder: 'v1' },
	};
}

// ---------------------------------------------------------------------------------------
// Talking to n8n
// ---------------------------------------------------------------------------------------

interface Call {
	status: number;
	ms: number;
	text: string;
}

/** POSTs JSON to a production webhook; a network error or timeout is status 0. */
async function post(
	n8n: N8nInstance,
	webhookPath: string,
	body: unknown,
	timeoutMs = SINGLE_TIMEOUT_MS,
): Promise<Call> {
	const started = performance.now();
	try {
		const response = await fetch(`${n8n.baseUrl}/webhook/${webhookPath}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body),
			signal: AbortSignal.timeout(timeoutMs),
		});
		const text = await response.text();
		return { status: response.status, ms: performance.now() - started, text };
	} catch (error) {
		return {
			status: 0,
			ms: performance.now() - started,
			text: error instanceof Error ? error.message : String(error),
		};
	}
}

interface ExecutionSummary {
	id: string;
	workflowId: string;
	status: string;
}

async function listExecutions(
	n8n: N8nInstance,
	filter: IDataObject,
	limit = 100,
): Promise<ExecutionSummary[]> {
	const query = `/rest/executions?limit=${limit}&filter=${encodeURIComponent(JSON.stringify(filter))}`;
	return (await n8n.api<{ results: ExecutionSummary[] }>('GET', query)).results;
}

async function latestExecutionId(n8n: N8nInstance): Promise<number> {
	const [latest] = await listExecutions(n8n, {}, 1);
	return latest ? Number(latest.id) : 0;
}

interface ExecutionTiming {
	workflowId: string;
	status: string;
	/** n8n's record: stoppedAt − startedAt. */
	durationMs: number;
	/** executionTime of every node that ran, by name. */
	nodeMs: Record<string, number>;
	error?: string;
}

type Decode = (text: string) => IRunExecutionData;

async function readExecution(
	n8n: N8nInstance,
	decode: Decode,
	id: number,
): Promise<ExecutionTiming> {
	const raw = await n8n.api<IDataObject>('GET', `/rest/executions/${id}`);
	const data =
		typeof raw.data === 'string' ? decode(raw.data) : (raw.data as unknown as IRunExecutionData);
	const nodeMs: Record<string, number> = {};
	for (const [name, runs] of Object.entries(data.resultData?.runData ?? {})) {
		nodeMs[name] = runs.reduce((total, run) => total + (run.executionTime ?? 0), 0);
	}
	return {
		workflowId: String(raw.workflowId),
		status: String(raw.status),
		durationMs: Date.parse(String(raw.stoppedAt)) - Date.parse(String(raw.startedAt)),
		nodeMs,
		error: data.resultData?.error?.message,
	};
}

/** Error messages of a workflow's failed executions (the newest 100), counted. */
async function failureMessages(
	n8n: N8nInstance,
	decode: Decode,
	workflowId: string,
): Promise<Map<string, number>> {
	const failed = await listExecutions(n8n, { workflowId, status: ['error', 'crashed'] }, 100);
	const messages = new Map<string, number>();
	for (const execution of failed) {
		const { error } = await readExecution(n8n, decode, Number(execution.id));
		const message = (error ?? 'no error message').replace(/\s+/g, ' ').slice(0, 120);
		messages.set(message, (messages.get(message) ?? 0) + 1);
	}
	return messages;
}

// ---------------------------------------------------------------------------------------
// 1. Correctness under concurrency
// ---------------------------------------------------------------------------------------

async function sinkCounts(
	sql: Client,
	contender: Contender,
	scenario: string,
): Promise<Map<string, number>> {
	const { rows } = await sql.query<{ id: string; n: string }>(
		`SELECT id, count(*) AS n FROM ${SINK} WHERE node = $1 AND scenario = $2 GROUP BY id`,
		[contender, scenario],
	);
	return new Map(rows.map((row) => [row.id, Number(row.n)]));
}

const sum = (values: Iterable<number>): number =>
	[...values].reduce((total, value) => total + value, 0);

interface SameIdResult {
	contender: Contender;
	deliveries: number;
	failed: number;
	passed: number;
	duplicates: number;
	roundsWithDuplicates: number;
	roundsWithNothing: number;
	worstRound: number;
}

interface DistinctResult {
	contender: Contender;
	failed: number;
	passedFirst: number;
	passedAgain: number;
}

interface CorrectnessResult {
	same: SameIdResult[];
	distinct: DistinctResult[];
	failures: Record<Contender, Map<string, number>>;
}

const CONTENDERS: Contender[] = ['rd', 'iw'];

async function correctness(
	n8n: N8nInstance,
	sql: Client,
	decode: Decode,
	paths: Record<Contender, string>,
	workflowIds: Record<Contender, string>,
): Promise<CorrectnessResult> {
	const failed: Record<Contender, number> = { rd: 0, iw: 0 };
	for (let round = 0; round < ROUNDS; round++) {
		// Both nodes get the same traffic, one after the other, so they do not compete for the CPU.
		for (const contender of CONTENDERS) {
			const body = { id: `same-${round}`, scenario: 'same' };
			const calls = await Promise.all(
				Array.from({ length: CONCURRENCY }, async () => await post(n8n, paths[contender], body)),
			);
			failed[contender] += calls.filter((call) => call.status !== 200).length;
		}
	}
	const same: SameIdResult[] = [];
	for (const contender of CONTENDERS) {
		const counts = await sinkCounts(sql, contender, 'same');
		const perRound = Array.from({ length: ROUNDS }, (_, round) => counts.get(`same-${round}`) ?? 0);
		same.push({
			contender,
			deliveries: ROUNDS * CONCURRENCY,
			failed: failed[contender],
			passed: sum(perRound),
			duplicates: sum(perRound.map((n) => Math.max(0, n - 1))),
			roundsWithDuplicates: perRound.filter((n) => n > 1).length,
			roundsWithNothing: perRound.filter((n) => n === 0).length,
			worstRound: Math.max(...perRound),
		});
	}

	const distinct: DistinctResult[] = [];
	for (const contender of CONTENDERS) {
		const ids = Array.from({ length: CONCURRENCY }, (_, index) => `distinct-${index}`);
		const first = await Promise.all(
			ids.map(async (id) => await post(n8n, paths[contender], { id, scenario: 'distinct' })),
		);
		const afterFirst = sum((await sinkCounts(sql, contender, 'distinct')).values());
		// Resent one after another: whatever passes now was missing from the history.
		let failedResent = 0;
		for (const id of ids) {
			if ((await post(n8n, paths[contender], { id, scenario: 'distinct' })).status !== 200)
				failedResent++;
		}
		const afterResend = sum((await sinkCounts(sql, contender, 'distinct')).values());
		distinct.push({
			contender,
			failed: first.filter((call) => call.status !== 200).length + failedResent,
			passedFirst: afterFirst,
			passedAgain: afterResend - afterFirst,
		});
	}
	return {
		same,
		distinct,
		failures: {
			rd: await failureMessages(n8n, decode, workflowIds.rd),
			iw: await failureMessages(n8n, decode, workflowIds.iw),
		},
	};
}

// ---------------------------------------------------------------------------------------
// 2. Time per execution as the history grows
// ---------------------------------------------------------------------------------------

interface Stats {
	median: number;
	p95: number;
	n: number;
}

function stats(values: number[]): Stats {
	const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
	if (sorted.length === 0) return { median: NaN, p95: NaN, n: 0 };
	const middle = Math.floor(sorted.length / 2);
	const median =
		sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	// nearest rank
	const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)];
	return { median, p95, n: sorted.length };
}

interface TargetTiming {
	roundTrip: Stats;
	execution: Stats;
	node: Stats;
	failed: number;
}

interface LevelResult {
	size: number;
	timings: Record<Target, TargetTiming>;
	rdStored?: { entries: number; bytes: number };
	iwStored?: { rows: number; valueBytes: number; fileBytes: number; walBytes: number };
	prefill: Record<Contender, { ms: number; executions: number; ids: number }>;
	capProbe: { status: number; stored: number; message: string };
}

/** Sends `count` new ids to a bulk webhook, at most PREFILL_CHUNK per execution. Throws when one fails. */
async function prefill(
	n8n: N8nInstance,
	contender: Contender,
	bulkPath: string,
	count: number,
	prefix: string,
): Promise<{ ms: number; executions: number; ids: number }> {
	const started = performance.now();
	let executions = 0;
	for (let offset = 0; offset < count; offset += PREFILL_CHUNK) {
		const size = Math.min(PREFILL_CHUNK, count - offset);
		const ids = Array.from({ length: size }, (_, index) => `${prefix}-${offset + index}`);
		const call = await post(n8n, bulkPath, { ids }, BULK_TIMEOUT_MS);
		executions++;
		if (call.status !== 200) {
			throw new Error(
				`pre-filling ${LABEL[contender]} with ${size} ids failed (HTTP ${call.status}): ${call.text.slice(0, 500)}\n${n8n.logTail(30)}`,
			);
		}
	}
	return { ms: performance.now() - started, executions, ids: count };
}

/** Best effort: what Remove Duplicates keeps for a workflow in n8n's database (one JSON list). */
async function rdStoredHistory(
	n8n: N8nInstance,
	workflowId: string,
): Promise<LevelResult['rdStored']> {
	const file = path.join(n8n.userFolder, '.n8n', 'database.sqlite');
	if (!existsSync(file)) return undefined;
	try {
		const { DatabaseSync } = await import('node:sqlite');
		const db = new DatabaseSync(file, { readOnly: true });
		try {
			const row = db
				.prepare(
					`SELECT json_array_length(value, '$.data') AS entries, length(value) AS bytes FROM processed_data WHERE workflowId = ?`,
				)
				.get(workflowId) as { entries: number; bytes: number } | undefined;
			return row && { entries: Number(row.entries), bytes: Number(row.bytes) };
		} finally {
			db.close();
		}
	} catch {
		return undefined;
	}
}

/** Best effort: the keys the embedded store holds for a scope, their stored size, and the file's. */
async function iwStoredHistory(n8n: N8nInstance, scope: string): Promise<LevelResult['iwStored']> {
	const file = path.join(n8n.userFolder, '.n8n', 'storage', 'integration-guards', 'guards.sqlite');
	if (!existsSync(file)) return undefined;
	try {
		const { DatabaseSync } = await import('node:sqlite');
		const db = new DatabaseSync(file, { readOnly: true });
		try {
			const row = db
				.prepare(
					'SELECT count(*) AS n, sum(length(key) + length(value)) AS bytes FROM guards_records WHERE ns = ?',
				)
				.get(`idempotency:${scope}`) as { n: number; bytes: number | null };
			const wal = `${file}-wal`;
			return {
				rows: Number(row.n),
				valueBytes: Number(row.bytes ?? 0),
				fileBytes: statSync(file).size,
				walBytes: existsSync(wal) ? statSync(wal).size : 0,
			};
		} finally {
			db.close();
		}
	} catch {
		return undefined;
	}
}

interface TimingContext {
	n8n: N8nInstance;
	decode: Decode;
	deadline: number;
	paths: { floor: string; rd: TimingPaths & { cap: string }; iw: TimingPaths };
	workflowIds: Record<Target, string>;
	iwScope: string;
}

async function timing(
	context: TimingContext,
): Promise<{ levels: LevelResult[]; skipped: number[] }> {
	const { n8n, decode, paths, workflowIds } = context;
	const stored: Record<Contender, number> = { rd: 0, iw: 0 };
	let serial = 0;
	const single = async (target: Target): Promise<Call> => {
		const call = await post(n8n, target === 'floor' ? paths.floor : paths[target].one, {
			id: `one-${serial++}`,
		});
		if (target !== 'floor' && call.status === 200) stored[target]++;
		return call;
	};
	// Warm-up: the first executions of a workflow load code and open stores.
	for (let i = 0; i < 3; i++)
		for (const target of ['floor', 'rd', 'iw'] as const) await single(target);

	const levels: LevelResult[] = [];
	const skipped: number[] = [];
	for (const size of SIZES) {
		if (Date.now() > context.deadline) {
			skipped.push(size);
			continue;
		}
		const prefilled: LevelResult['prefill'] = {
			rd: { ms: 0, executions: 0, ids: 0 },
			iw: { ms: 0, executions: 0, ids: 0 },
		};
		for (const contender of CONTENDERS) {
			const missing = size - stored[contender];
			if (missing <= 0) continue;
			prefilled[contender] = await prefill(
				n8n,
				contender,
				paths[contender].bulk,
				missing,
				`fill-${size}`,
			);
			stored[contender] += missing;
			process.stderr.write(
				`[bench] ${LABEL[contender]}: +${missing} keys in ${prefilled[contender].executions} execution(s), ${(prefilled[contender].ms / 1000).toFixed(1)} s → ${stored[contender]} stored\n`,
			);
		}

		// Timed: the three workflows in turn, one call at a time, a new id each call.
		const before = await latestExecutionId(n8n);
		const calls: Record<Target, Call[]> = { floor: [], rd: [], iw: [] };
		const order = ['floor', 'rd', 'iw'] as const;
		for (let sample = 0; sample < SAMPLES; sample++) {
			for (let turn = 0; turn < order.length; turn++) {
				const target = order[(sample + turn) % order.length];
				calls[target].push(await single(target));
			}
		}
		const expected = before + SAMPLES * order.length;
		await waitUntil(
			async () => (await latestExecutionId(n8n)) >= expected,
			30_000,
			'the timed executions to be saved',
			200,
		);
		const executions: ExecutionTiming[] = [];
		for (let id = before + 1; id <= expected; id++)
			executions.push(await readExecution(n8n, decode, id));

		const timings = {} as Record<Target, TargetTiming>;
		for (const target of order) {
			const mine = executions.filter(
				(execution) =>
					execution.workflowId === workflowIds[target] && execution.status === 'success',
			);
			timings[target] = {
				roundTrip: stats(
					calls[target].filter((call) => call.status === 200).map((call) => call.ms),
				),
				execution: stats(mine.map((execution) => execution.durationMs)),
				node: stats(
					mine.map((execution) =>
						sum(MEASURED_NODES[target].map((name) => execution.nodeMs[name] ?? NaN)),
					),
				),
				failed: calls[target].filter((call) => call.status !== 200).length,
			};
		}
		const rdStored = await rdStoredHistory(n8n, workflowIds.rd);
		const iwStored = await iwStoredHistory(n8n, context.iwScope);

		// The same history through a Remove Duplicates node left at its default History Size.
		const storedBeforeProbe = stored.rd;
		const probe = await n8n.runWebhook(paths.rd.cap, { id: `cap-${size}` });
		let message = 'passed';
		if (probe.status === 200) stored.rd++;
		else
			message = String(
				(probe.execution?.error as { message?: unknown } | undefined)?.message ??
					JSON.stringify(probe.body),
			).slice(0, 200);

		levels.push({
			size,
			timings,
			rdStored,
			iwStored,
			prefill: prefilled,
			capProbe: { status: probe.status, stored: storedBeforeProbe, message },
		});
		process.stderr.write(`[bench] history ${size}: timed ${SAMPLES} executions per workflow\n`);
	}
	return { levels, skipped };
}

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

const ms = (value: number): string =>
	Number.isNaN(value) ? 'n/a' : value < 10 ? value.toFixed(1) : value.toFixed(0);
const pair = (value: Stats, failed = 0): string =>
	`${ms(value.median)} / ${ms(value.p95)}${failed ? ` (${failed} failed)` : ''}`;
const size = (bytes: number): string =>
	bytes >= 1024 * 1024
		? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
		: `${(bytes / 1024).toFixed(0)} KiB`;

function printHeader(n8n: N8nInstance): void {
	const cpus = os.cpus();
	console.log('# Idempotent Write vs n8n Remove Duplicates: one real n8n, the same traffic');
	console.log('');
	console.log(
		`- n8n ${n8n.runtime.n8nVersion}, regular mode, SQLite database, production concurrency limit ${process.env.N8N_CONCURRENCY_PRODUCTION_LIMIT ?? 'unset (unlimited)'}, executions saved; Node ${n8n.runtime.nodeVersion}`,
	);
	console.log(
		`- ${PACKAGE_NAME} ${packageVersion()}, installed from its tarball into the n8n user folder`,
	);
	console.log(
		`- nodes: Remove Duplicates v${TYPES.removeDuplicates.typeVersion} (Remove Items Processed in Previous Executions, Value Is New), ` +
			`Idempotent Write v${TYPES.idempotentWrite.typeVersion} (embedded SQLite store), Webhook v${TYPES.webhook.typeVersion} (answers when the last node finishes), ` +
			`Postgres v${TYPES.postgres.typeVersion}, Split Out v${TYPES.splitOut.typeVersion}, No Operation v${TYPES.noOp.typeVersion}`,
	);
	console.log(
		`- machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}; load average at start ${loadAverage()}`,
	);
	console.log(
		`- sink: Postgres ${PG.host}:${PG.port}/${PG.database}, table ${SINK} (no unique constraint), written by n8n's Postgres node`,
	);
	console.log('');
}

function printCorrectness(result: CorrectnessResult): void {
	console.log(
		`## 1. Correctness: ${CONCURRENCY} parallel webhook executions carrying the same id, ${ROUNDS} rounds (a new id each round)`,
	);
	console.log('');
	console.log(
		table(
			[
				'node',
				'rounds',
				'deliveries',
				'passed',
				'duplicates let through',
				'rounds with duplicates',
				'most passed in one round',
				'rounds where none passed',
				'failed executions',
			],
			result.same.map((row) => [
				LABEL[row.contender],
				ROUNDS,
				row.deliveries,
				row.passed,
				row.duplicates,
				`${row.roundsWithDuplicates} of ${ROUNDS}`,
				row.worstRound,
				row.roundsWithNothing,
				row.failed,
			]),
		),
	);
	console.log('');
	console.log(`${CONCURRENCY} distinct ids at once, then each id resent, one after another:`);
	console.log('');
	console.log(
		table(
			[
				'node',
				'distinct ids',
				'passed first time',
				'resent',
				'passed again (lost from history)',
				'failed executions',
			],
			result.distinct.map((row) => [
				LABEL[row.contender],
				CONCURRENCY,
				row.passedFirst,
				CONCURRENCY,
				row.passedAgain,
				row.failed,
			]),
		),
	);
	for (const contender of CONTENDERS) {
		const failures = result.failures[contender];
		if (failures.size === 0) continue;
		console.log('');
		console.log(`Failed executions of ${LABEL[contender]} (newest 100), by error:`);
		for (const [message, times] of failures) console.log(`- ${times} × ${message}`);
	}
	console.log('');
}

function printTiming(result: { levels: LevelResult[]; skipped: number[] }): void {
	const levels = result.levels;
	console.log(
		`## 2. Time per execution as the history grows: ms, median / p95 of ${SAMPLES} sequential executions, a new id each`,
	);
	console.log('');
	console.log('Execution time as n8n records it (startedAt → stoppedAt):');
	console.log('');
	console.log(
		table(
			['history size', LABEL.rd, LABEL.iw, LABEL.floor],
			levels.map((level) => [
				count(level.size),
				pair(level.timings.rd.execution, level.timings.rd.failed),
				pair(level.timings.iw.execution, level.timings.iw.failed),
				pair(level.timings.floor.execution, level.timings.floor.failed),
			]),
		),
	);
	console.log('');
	console.log('Time inside the deduplicating node(s) (run data executionTime, whole ms):');
	console.log('');
	console.log(
		table(
			['history size', 'Remove Duplicates', 'Claim + Complete'],
			levels.map((level) => [
				count(level.size),
				pair(level.timings.rd.node),
				pair(level.timings.iw.node),
			]),
		),
	);
	console.log('');
	console.log('Webhook round trip seen by the client (includes HTTP and saving the execution):');
	console.log('');
	console.log(
		table(
			['history size', LABEL.rd, LABEL.iw, LABEL.floor],
			levels.map((level) => [
				count(level.size),
				pair(level.timings.rd.roundTrip),
				pair(level.timings.iw.roundTrip),
				pair(level.timings.floor.roundTrip),
			]),
		),
	);
	if (result.skipped.length)
		console.log(
			`\nSkipped, time budget (BENCH_BUDGET_MINUTES) spent: history sizes ${result.skipped.map(count).join(', ')}`,
		);
	console.log('');
	console.log(
		`Workflows: Webhook → Remove Duplicates → No-Op, and Webhook → Claim → No-Op → Complete; every timed execution adds one key. ` +
			`Remove Duplicates ran with History Size ${count(RD_HISTORY_SIZE)} (default ${count(RD_DEFAULT_HISTORY_SIZE)}). ` +
			`Pre-fill: Webhook { ids } → Split Out → node, at most ${count(PREFILL_CHUNK)} ids per execution.`,
	);
	console.log('');
	console.log('What each history holds, and the pre-fill:');
	console.log('');
	console.log(
		table(
			[
				'history size',
				'Remove Duplicates: list in n8n DB',
				'Idempotent Write: keys in store',
				'store file + WAL',
				'pre-fill Remove Duplicates',
				'pre-fill Idempotent Write',
			],
			levels.map((level) => [
				count(level.size),
				level.rdStored
					? `${count(level.rdStored.entries)} entries, ${size(level.rdStored.bytes)}`
					: 'n/a',
				level.iwStored
					? `${count(level.iwStored.rows)} keys, ${size(level.iwStored.valueBytes)}`
					: 'n/a',
				level.iwStored
					? `${size(level.iwStored.fileBytes)} + ${size(level.iwStored.walBytes)}`
					: 'n/a',
				level.prefill.rd.executions
					? `${count(level.prefill.rd.ids)} ids, ${(level.prefill.rd.ms / 1000).toFixed(1)} s, ${level.prefill.rd.executions} exec`
					: '-',
				level.prefill.iw.executions
					? `${count(level.prefill.iw.ids)} ids, ${(level.prefill.iw.ms / 1000).toFixed(1)} s, ${level.prefill.iw.executions} exec`
					: '-',
			]),
		),
	);
	console.log('');
	console.log(
		'(Pre-fill times do not compare the nodes: Remove Duplicates evaluates its dedupe expression per item; the bulk Claim/Complete read the field `id`.)',
	);
	console.log('');
	console.log(
		`The same history through a Remove Duplicates node left at its default History Size (${count(RD_DEFAULT_HISTORY_SIZE)}), one new id:`,
	);
	console.log('');
	console.log(
		table(
			['entries stored', 'result'],
			levels.map((level) => [
				count(level.capProbe.stored),
				level.capProbe.status === 200
					? 'passed'
					: `execution failed (HTTP ${level.capProbe.status}): ${level.capProbe.message}`,
			]),
		),
	);
}

// ---------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------

function listFromEnv(name: string, fallback: number[]): number[] {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const values = raw.split(',').map((part) => Number(part.trim()));
	if (values.some((value) => !Number.isInteger(value) || value < 10 || value > 1_000_000)) {
		throw new Error(
			`${name} must be a comma-separated list of integers from 10 to 1000000, got ${raw}`,
		);
	}
	return values;
}

async function main(): Promise<void> {
	const started = Date.now();
	const sql = new Client({ ...PG, connectionTimeoutMillis: 5000 });
	let n8n: N8nInstance | undefined;
	let sinkCreated = false;
	try {
		await sql.connect();
		await sql.query(
			`CREATE TABLE ${SINK} (node text NOT NULL, scenario text NOT NULL, id text NOT NULL, execution_id text, written_at timestamptz DEFAULT now())`,
		);
		sinkCreated = true;
		const instance = await startN8n();
		n8n = instance;
		const decode: Decode = createRequire(path.join(instance.runtime.n8nPackageDir, 'package.json'))(
			'flatted',
		).parse;
		const sink = await instance.createCredential('postgres', `Bench sink ${RUN}`, {
			...PG,
			password: '',
			ssl: 'disable',
			maxConnections: 20,
		});

		const correctnessPaths: Record<Contender, string> = {
			rd: `bench-${RUN}-rd`,
			iw: `bench-${RUN}-iw`,
		};
		const iwScope = `bench-${RUN}-timing`;
		const timingPaths = {
			floor: `bench-${RUN}-floor`,
			rd: { one: `bench-${RUN}-rd-one`, bulk: `bench-${RUN}-rd-bulk`, cap: `bench-${RUN}-rd-cap` },
			iw: { one: `bench-${RUN}-iw-one`, bulk: `bench-${RUN}-iw-bulk` },
		};
		const install = async (workflow: WorkflowJson): Promise<string> => {
			const created = await instance.importWorkflow(workflow);
			await instance.activate(created.id);
			return created.id;
		};
		const correctnessIds: Record<Contender, string> = {
			rd: await install(rdCorrectnessWorkflow(correctnessPaths.rd, sink)),
			iw: await install(iwCorrectnessWorkflow(correctnessPaths.iw, sink)),
		};
		const timingIds: Record<Target, string> = {
			floor: await install(floorWorkflow(timingPaths.floor)),
			rd: await install(rdTimingWorkflow(timingPaths.rd)),
			iw: await install(iwTimingWorkflow(timingPaths.iw, iwScope)),
		};

		printHeader(instance);
		printCorrectness(await correctness(instance, sql, decode, correctnessPaths, correctnessIds));
		printTiming(
			await timing({
				n8n: instance,
				decode,
				deadline: started + BUDGET_MS,
				paths: timingPaths,
				workflowIds: timingIds,
				iwScope,
			}),
		);
		console.log('');
		console.log(
			`Total runtime ${((Date.now() - started) / 1000).toFixed(0)} s including n8n start-up; load average at the end ${loadAverage()}.`,
		);
	} finally {
		await n8n
			?.stop()
			.catch((error: unknown) => process.stderr.write(`[bench] stopping n8n: ${String(error)}\n`));
		if (sinkCreated) await sql.query(`DROP TABLE IF EXISTS ${SINK}`).catch(() => undefined);
		await sql.end().catch(() => undefined);
	}
}

if (require.main === module) {
	main().catch((error: unknown) => {
		console.error(error instanceof Error ? (error.stack ?? error.message) : error);
		process.exitCode = 1;
	});
}
