// Benchmark: Schema Guard against an n8n Code node validating the same 15 rules, and against n8n
// with no validation, in ONE real n8n (test/e2e/harness.ts). Prints tables; asserts nothing.
//
//   export PATH=$PWD/node_modules/.bin:$PATH      # Node 24
//   npx tsc -p tsconfig.json
//   node build/test/bench/schema-guard.js
//
// Three workflows per batch size, each Manual Trigger → Generate (a Code node that builds the
// items inside n8n, so no HTTP is measured) → the contender:
//   (a) No Operation: no validation, n8n's floor for passing items on;
//   (b) a Code node, "Run Once for All Items", checking the 15 rules in plain JS the way a user
//       would write them (valid items pass as they are, invalid ones get an `errors` list);
//   (c) Schema Guard with the equivalent JSON Schema (every other parameter at its default:
//       drift report on, drift memory off, result added to valid items).
// Every BENCH_INVALID_EVERY-th item breaks one rule (a type change, a missing field, an unknown
// enum value, a malformed email, in turn), so both validators have failures to describe.
// Each workflow is run as the editor's button does (POST /rest/workflows/:id/run, what the
// harness's executeById does, waiting on the light execution list and reading the record once); the times come from n8n's record of the
// execution: each node's run data `executionTime`, and stoppedAt − startedAt. The three
// workflows take turns, BENCH_REPEATS times per size, after one untimed warm-up round.
//
// Environment (all optional): BENCH_SIZES (10000,100000), BENCH_REPEATS (3), BENCH_MAX_ITEMS
// (100000: larger sizes are not run), BENCH_INVALID_EVERY (50; 0 = every item valid),
// BENCH_BUDGET_MINUTES (5: sizes not started by then are skipped), BENCH_TIMEOUT_SECONDS (300:
// the longest wait for one execution), plus the harness's N8N_GUARDS_* variables.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import type { IDataObject, IRunExecutionData } from 'n8n-workflow';

import { OWNER, PACKAGE_NAME, repoRoot, startN8n, type N8nInstance, type StartOptions, type WorkflowJson, waitUntil } from '../e2e/harness';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;

const SIZES = [...listFromEnv('BENCH_SIZES', [10_000, 100_000])].sort((a, b) => a - b);
const REPEATS = intFromEnv('BENCH_REPEATS', 3, 1, 50);
const MAX_ITEMS = intFromEnv('BENCH_MAX_ITEMS', 100_000, 10, 2_000_000);
const INVALID_EVERY = intFromEnv('BENCH_INVALID_EVERY', 50, 0, 1_000_000);
const BUDGET_MS = intFromEnv('BENCH_BUDGET_MINUTES', 5, 1, 240) * 60_000;
const TIMEOUT_MS = intFromEnv('BENCH_TIMEOUT_SECONDS', 300, 10, 3600) * 1000;
/** n8n's V8 heap limit (--max-old-space-size), MB; 0 = Node's default, what a user gets. */
const HEAP_MB = intFromEnv('BENCH_N8N_HEAP_MB', 0, 0, 65_536);
/** n8n starts at most (the first, then one per crash). */
const MAX_STARTS = 3;

const TYPES = {
	manualTrigger: { type: 'n8n-nodes-base.manualTrigger', typeVersion: 1 },
	code: { type: 'n8n-nodes-base.code', typeVersion: 2 },
	noOp: { type: 'n8n-nodes-base.noOp', typeVersion: 1 },
	schemaGuard: { type: `${PACKAGE_NAME}.schemaGuard`, typeVersion: 1 },
} as const;

type Contender = 'noop' | 'code' | 'guard';
const CONTENDERS: Contender[] = ['noop', 'code', 'guard'];
const LABEL: Record<Contender, string> = {
	noop: 'no validation (NoOp)',
	code: 'Code node',
	guard: 'Schema Guard',
};
/** The node whose executionTime is the contender's cost, in every workflow. */
const MEASURED = 'Validate';
const GENERATOR = 'Generate';
const TRIGGER = 'Start';

// ---------------------------------------------------------------------------------------
// The data, the schema and the two validators
// ---------------------------------------------------------------------------------------

/** Deterministic items with 15 fields; every `invalidEvery`-th item breaks one rule. */
function generatorCode(items: number, invalidEvery: number): string {
	return `// ${items} contacts with 15 fields, built inside n8n
const N = ${items};
const BAD = ${invalidEvery};
const statuses = ['active', 'paused', 'closed'];
const countries = ['AU', 'NZ', 'US', 'GB'];
const tagSets = [[], ['vip'], ['vip', 'b2b'], ['b2b', 'trial', 'au']];
const out = new Array(N);
for (let i = 0; i < N; i++) {
	const json = {
		id: i + 1,
		email: 'user' + i + '@example.com',
		name: 'User ' + i,
		age: 18 + (i % 60),
		phone: '+61 2 5550 ' + String(i % 10000).padStart(4, '0'),
		status: statuses[i % 3],
		createdAt: new Date(1735689600000 + i * 60000).toISOString(),
		birthDate: (1950 + (i % 50)) + '-0' + (1 + (i % 9)) + '-1' + (i % 10),
		score: (i % 1000) / 10,
		verified: i % 2 === 0,
		country: countries[i % 4],
		website: 'https://example.com/u/' + i,
		tags: tagSets[i % 4],
		accountId: '00000000-0000-4000-8000-' + String(i).padStart(12, '0'),
		balance: Math.round(i * 137) / 100,
	};
	if (BAD > 0 && i % BAD === BAD - 1) {
		const kind = Math.floor(i / BAD) % 4;
		if (kind === 0) json.age = String(json.age);
		else if (kind === 1) delete json.email;
		else if (kind === 2) json.status = 'archived';
		else json.email = 'not-an-email';
	}
	out[i] = { json };
}
return out;
`;
}

const JSON_SCHEMA = {
	$schema: 'https://json-schema.org/draft/2020-12/schema',
	title: 'Contact',
	type: 'object',
	properties: {
		id: { type: 'integer', minimum: 1 },
		email: { type: 'string', format: 'email' },
		name: { type: 'string', minLength: 1, maxLength: 100 },
		age: { type: 'integer', minimum: 0, maximum: 150 },
		phone: { type: 'string', pattern: '^\\+?[0-9 ]{8,20}$' },
		status: { enum: ['active', 'paused', 'closed'] },
		createdAt: { type: 'string', format: 'date-time' },
		birthDate: { type: 'string', format: 'date' },
		score: { type: 'number', minimum: 0, maximum: 100 },
		verified: { type: 'boolean' },
		country: { type: 'string', pattern: '^[A-Z]{2}$' },
		website: { type: 'string', format: 'uri' },
		tags: { type: 'array', items: { type: 'string' }, maxItems: 10 },
		accountId: { type: 'string', format: 'uuid' },
		balance: { type: 'number' },
	},
	required: ['id', 'email', 'name', 'age', 'phone', 'status', 'createdAt', 'birthDate', 'score', 'verified', 'country', 'website', 'tags', 'accountId', 'balance'],
};

/** The same 15 rules as a user writes them in a Code node ("Run Once for All Items"). */
const CODE_VALIDATOR = `// Validate every contact: 15 fields, the same rules as the JSON Schema
const EMAIL = /^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$/;
const PHONE = /^\\+?[0-9 ]{8,20}$/;
const DATE_TIME = /^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$/;
const DATE = /^\\d{4}-\\d{2}-\\d{2}$/;
const COUNTRY = /^[A-Z]{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES = ['active', 'paused', 'closed'];
const isString = (v) => typeof v === 'string';
const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);
// URL is not defined in the Code node's sandbox (n8n 2.40.7's task runner): a pattern instead.
const URL_PATTERN = /^[a-z][a-z0-9+.-]*:\\/\\/[^\\s/?#]+[^\\s]*$/i;
const isUrl = (v) => URL_PATTERN.test(v);

const results = [];
for (const item of $input.all()) {
	const c = item.json;
	const errors = [];
	if (!Number.isInteger(c.id) || c.id < 1) errors.push('id must be a positive integer');
	if (!isString(c.email) || !EMAIL.test(c.email)) errors.push('email must be an email address');
	if (!isString(c.name) || c.name.length < 1 || c.name.length > 100) errors.push('name must be 1 to 100 characters');
	if (!Number.isInteger(c.age) || c.age < 0 || c.age > 150) errors.push('age must be an integer from 0 to 150');
	if (!isString(c.phone) || !PHONE.test(c.phone)) errors.push('phone must be 8 to 20 digits or spaces');
	if (!STATUSES.includes(c.status)) errors.push('status must be active, paused or closed');
	if (!isString(c.createdAt) || !DATE_TIME.test(c.createdAt) || Number.isNaN(Date.parse(c.createdAt))) errors.push('createdAt must be a date-time with an offset');
	if (!isString(c.birthDate) || !DATE.test(c.birthDate) || Number.isNaN(Date.parse(c.birthDate))) errors.push('birthDate must be a date (YYYY-MM-DD)');
	if (!isNumber(c.score) || c.score < 0 || c.score > 100) errors.push('score must be a number from 0 to 100');
	if (typeof c.verified !== 'boolean') errors.push('verified must be true or false');
	if (!isString(c.country) || !COUNTRY.test(c.country)) errors.push('country must be a two-letter code');
	if (!isString(c.website) || !isUrl(c.website)) errors.push('website must be a URL');
	if (!Array.isArray(c.tags) || c.tags.length > 10 || !c.tags.every(isString)) errors.push('tags must be at most 10 strings');
	if (!isString(c.accountId) || !UUID.test(c.accountId)) errors.push('accountId must be a UUID');
	if (!isNumber(c.balance)) errors.push('balance must be a number');
	results.push(errors.length === 0 ? item : { json: { ...c, errors }, pairedItem: item.pairedItem });
}
return results;
`;

// ---------------------------------------------------------------------------------------
// Workflows
// ---------------------------------------------------------------------------------------

type Node = WorkflowJson['nodes'][number];

function contenderNode(contender: Contender): Node {
	const at = { name: MEASURED, position: [440, 0] };
	switch (contender) {
		case 'noop':
			return { parameters: {}, ...at, ...TYPES.noOp };
		case 'code':
			return { parameters: { jsCode: CODE_VALIDATOR }, ...at, ...TYPES.code };
		case 'guard':
			return {
				parameters: {
					schemaSource: 'jsonSchema',
					jsonSchema: JSON.stringify(JSON_SCHEMA, null, 2),
					schemaName: 'contact',
					schemaVersion: '1',
					options: {},
				},
				...at,
				...TYPES.schemaGuard,
			};
	}
}

function benchWorkflow(contender: Contender, items: number): WorkflowJson {
	return {
		name: `bench ${RUN}: ${LABEL[contender]}, ${items} items`,
		nodes: [
			{ parameters: {}, name: TRIGGER, ...TYPES.manualTrigger, position: [0, 0] },
			{ parameters: { jsCode: generatorCode(items, INVALID_EVERY) }, name: GENERATOR, ...TYPES.code, position: [220, 0] },
			contenderNode(contender),
		],
		connections: {
			[TRIGGER]: { main: [[{ node: GENERATOR, type: 'main', index: 0 }]] },
			[GENERATOR]: { main: [[{ node: MEASURED, type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

// ---------------------------------------------------------------------------------------
// Running and reading executions
// ---------------------------------------------------------------------------------------

interface Sample {
	/** The contender node's executionTime, ms. */
	nodeMs: number;
	/** The generator's executionTime, ms. */
	generatorMs: number;
	/** stoppedAt − startedAt, ms. */
	executionMs: number;
	/** Items on each output of the contender. */
	outputs: number[];
	/** Items the contender flagged invalid (Code node: with `errors`; Schema Guard: on Invalid). */
	invalid: number;
	/** The first invalid item's problems, as the contender words them. */
	example: string;
}

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

const readers = new WeakMap<N8nInstance, Promise<(id: string) => Promise<Recorded>>>();

/**
 * Reads one saved execution with a wait of TIMEOUT_MS: the harness's requests give up after
 * 60 s, and a 100,000-item execution is about 90 MB of JSON that a busy n8n takes over a minute
 * to send. Logs in as the harness's owner for its own session cookie.
 */
function executionReader(n8n: N8nInstance): Promise<(id: string) => Promise<Recorded>> {
	let reader = readers.get(n8n);
	if (!reader) {
		reader = (async () => {
			const headers = { 'browser-id': 'integration-guards-e2e', 'content-type': 'application/json' };
			const login = await fetch(`${n8n.baseUrl}/rest/login`, {
				method: 'POST',
				headers,
				body: JSON.stringify({ emailOrLdapLoginId: OWNER.email, password: OWNER.password }),
				signal: AbortSignal.timeout(60_000),
			});
			await login.arrayBuffer();
			const cookie = login.headers.getSetCookie().find((value) => value.startsWith('n8n-auth='))?.split(';')[0];
			if (!login.ok || !cookie) throw new Error(`cannot log in to read executions: HTTP ${login.status}`);
			const decode: (text: string) => IRunExecutionData = createRequire(path.join(n8n.runtime.n8nPackageDir, 'package.json'))('flatted').parse;
			return async (id: string): Promise<Recorded> => {
				// One retry: a busy n8n sometimes resets a kept-alive connection (ECONNRESET) under a GET.
				let response: Response;
				let text: string;
				try {
					response = await fetch(`${n8n.baseUrl}/rest/executions/${id}`, { headers: { ...headers, cookie }, signal: AbortSignal.timeout(TIMEOUT_MS) });
					text = await response.text();
				} catch (error) {
					if (error instanceof Error && error.name === 'TimeoutError') throw error;
					response = await fetch(`${n8n.baseUrl}/rest/executions/${id}`, { headers: { ...headers, cookie }, signal: AbortSignal.timeout(TIMEOUT_MS) });
					text = await response.text();
				}
				if (!response.ok) throw new Error(`GET /rest/executions/${id} → ${response.status}: ${text.slice(0, 300)}`);
				const raw = (JSON.parse(text) as { data: IDataObject }).data;
				const data = typeof raw.data === 'string' ? decode(raw.data) : (raw.data as unknown as IRunExecutionData);
				return { status: String(raw.status), error: data.resultData?.error as Recorded['error'], data };
			};
		})();
		readers.set(n8n, reader);
	}
	return reader;
}

/** A manual run, as the editor's button (and the harness's executeById) starts it, waiting at most TIMEOUT_MS. */
async function runOnce(n8n: N8nInstance, workflowId: string, contender: Contender): Promise<Sample | Failure> {
	let execution: Recorded;
	let executionMs = NaN;
	try {
		const started = await n8n.api<{ executionId?: string }>('POST', `/rest/workflows/${workflowId}/run`, { triggerToStartFrom: { name: TRIGGER } });
		if (!started.executionId) return { error: `no execution started: ${JSON.stringify(started)}` };
		// Wait on the light execution list (n8n.waitForExecution polls the full execution, and a
		// 100,000-item one is tens of MB), then read the full record once.
		const id = started.executionId;
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		await waitUntil(
			async () => {
				const [summary] = (await n8n.api<{ results: ExecutionSummary[] }>('GET', `/rest/executions?limit=1&filter=${filter}`)).results;
				if (!summary || summary.id !== id || ['new', 'running', 'waiting', 'unknown'].includes(summary.status) || !summary.stoppedAt) return false;
				executionMs = Date.parse(summary.stoppedAt) - Date.parse(summary.startedAt);
				return true;
			},
			TIMEOUT_MS,
			`execution ${id} to finish`,
			250,
		);
		execution = await (await executionReader(n8n))(id);
	} catch (error) {
		return { error: describe(error) };
	}
	if (execution.status !== 'success') {
		const message = execution.error?.message;
		return { error: `execution ${execution.status}: ${oneLine(String(message ?? 'no message'))}` };
	}
	const runData = execution.data.resultData.runData;
	const measured = runData[MEASURED]?.[0];
	const generator = runData[GENERATOR]?.[0];
	if (!measured || !generator) return { error: `nodes that ran: ${Object.keys(runData).join(', ')}` };
	const outputs = (measured.data?.main ?? []).map((items) => items?.length ?? 0);
	let invalid = 0;
	let example = '';
	if (contender === 'guard') {
		const rejected = measured.data?.main[1] ?? [];
		invalid = rejected.length;
		const problems = ((rejected[0]?.json.schemaGuard as IDataObject | undefined)?.problems ?? []) as IDataObject[];
		example = problems.map((problem) => String(problem.message ?? JSON.stringify(problem))).join('; ');
	} else if (contender === 'code') {
		const rejected = (measured.data?.main[0] ?? []).filter((item) => Array.isArray((item.json as IDataObject).errors));
		invalid = rejected.length;
		example = ((rejected[0]?.json.errors ?? []) as string[]).join('; ');
	}
	return { nodeMs: measured.executionTime, generatorMs: generator.executionTime, executionMs, outputs, invalid, example };
}

interface SizeResult {
	items: number;
	samples: Record<Contender, Sample[]>;
	failures: Record<Contender, string[]>;
	/** Why the size was not run, if it was not. */
	skipped?: string;
	/** Remarks printed under the tables (fewer rounds, crashes). */
	notes: string[];
}

interface Session {
	n8n: N8nInstance;
	/** How many times n8n was started (a crash is followed by a fresh start). */
	starts: number;
}

function startOptions(): StartOptions {
	return HEAP_MB ? { env: { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` } } : {};
}

/** The line of n8n's log that says why it died (V8's heap message, say), else the client's error. */
function crashReason(n8n: N8nInstance, error: string): string {
	const line = n8n
		.logTail(300)
		.split('\n')
		.find((text) => /heap out of memory|allocation failed|FATAL ERROR|out of memory|killed/i.test(text));
	return oneLine(line ?? error);
}

async function benchmark(session: Session, deadline: number): Promise<SizeResult[]> {
	const results: SizeResult[] = [];
	let warmedUp = false;
	for (const items of SIZES) {
		const result: SizeResult = { items, samples: emptyRecord(), failures: emptyRecord(), notes: [] };
		results.push(result);
		if (items > MAX_ITEMS) {
			result.skipped = `not run: above BENCH_MAX_ITEMS (${count(MAX_ITEMS)})`;
			continue;
		}
		if (Date.now() > deadline) {
			result.skipped = 'not run: time budget (BENCH_BUDGET_MINUTES) spent';
			continue;
		}
		let ids: Record<Contender, string> | undefined;
		/** Contenders that crashed n8n at this size: not run again at this size. */
		const crashed = new Set<Contender>();
		let roundStarted = Date.now();
		for (let repeat = 0; repeat < REPEATS; repeat++) {
			// A round is not started when it would end past the deadline (judged by the last one).
			const lastRound = Date.now() - roundStarted;
			roundStarted = Date.now();
			if (repeat > 0 && Date.now() + lastRound > deadline) {
				result.notes.push(`${count(items)} items: ${repeat} of ${REPEATS} rounds, the time budget (BENCH_BUDGET_MINUTES) was spent`);
				break;
			}
			for (let turn = 0; turn < CONTENDERS.length; turn++) {
				const contender = CONTENDERS[(repeat + turn) % CONTENDERS.length];
				if (crashed.has(contender)) continue;
				if (!ids) {
					if (!(await alive(session.n8n))) {
						if (session.starts >= MAX_STARTS) {
							result.failures[contender].push(`not run: n8n was started ${MAX_STARTS} times already`);
							continue;
						}
						await session.n8n.stop();
						session.n8n = await startN8n(startOptions());
						session.starts++;
						warmedUp = false;
						process.stderr.write(`[bench] n8n started again (start ${session.starts})\n`);
					}
					const imported = {} as Record<Contender, string>;
					for (const each of CONTENDERS) imported[each] = (await session.n8n.importWorkflow(benchWorkflow(each, items))).id;
					ids = imported;
					// Untimed warm-up: the first run loads the node code, starts the task runner, compiles.
					if (!warmedUp) {
						for (const each of CONTENDERS) await runOnce(session.n8n, ids[each], each);
						warmedUp = true;
					}
				}
				const begun = Date.now();
				const sample = await runOnce(session.n8n, ids[contender], contender);
				if ('error' in sample) {
					const up = await alive(session.n8n);
					const message = up ? sample.error : `n8n crashed: ${crashReason(session.n8n, sample.error)}`;
					result.failures[contender].push(message);
					process.stderr.write(`[bench] ${count(items)} items, ${LABEL[contender]}: ${message}\n`);
					result.notes.push(`${count(items)} items, ${LABEL[contender]}, round ${repeat + 1}: ${message}${up ? '' : '; n8n was started again for the rest'}`);
					if (!up) {
						crashed.add(contender);
						ids = undefined;
					}
				} else {
					result.samples[contender].push(sample);
					process.stderr.write(
						`[bench] ${count(items)} items, ${LABEL[contender]}: node ${sample.nodeMs} ms, execution ${sample.executionMs} ms, round trip ${((Date.now() - begun) / 1000).toFixed(1)} s\n`,
					);
				}
			}
		}
	}
	return results;
}

function emptyRecord<T>(): Record<Contender, T[]> {
	return Object.fromEntries(CONTENDERS.map((contender) => [contender, [] as T[]])) as Record<Contender, T[]>;
}

async function alive(n8n: N8nInstance): Promise<boolean> {
	try {
		const response = await fetch(`${n8n.baseUrl}/healthz`, { signal: AbortSignal.timeout(10_000) });
		await response.arrayBuffer();
		return response.ok;
	} catch {
		return false;
	}
}

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

function table(header: string[], rows: Array<Array<string | number>>, leftColumns = 1): string {
	const cells = [header, ...rows.map((row) => row.map(String))];
	const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
	const line = (row: string[]) =>
		'| ' + row.map((cell, column) => (column < leftColumns ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join(' | ') + ' |';
	const rule = '|' + widths.map((width, column) => (column < leftColumns ? ':' + '-'.repeat(width + 1) : '-'.repeat(width + 1) + ':')).join('|') + '|';
	return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}

function median(values: number[]): number {
	const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
	if (sorted.length === 0) return NaN;
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const count = (value: number): string => value.toLocaleString('en-US');
const oneLine = (text: string): string => text.replace(/\s+/g, ' ').slice(0, 160);
/** An error's message with its cause (fetch's "fetch failed" hides the socket error in it). */
const describe = (error: unknown): string => {
	if (!(error instanceof Error)) return oneLine(String(error));
	const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
	return oneLine(error.message + cause);
};
const loadAverage = (): string => os.loadavg().map((value) => value.toFixed(1)).join(' ');
const perItem = (ms: number, items: number): string => (Number.isNaN(ms) ? 'n/a' : ((ms * 1000) / items).toFixed(ms * 1000 < items * 10 ? 2 : 1));
const perSecond = (ms: number, items: number): string => (Number.isNaN(ms) ? 'n/a' : ms <= 0 ? `> ${count(items * 1000)}` : count(Math.round(items / (ms / 1000))));
const msText = (value: number): string => (Number.isNaN(value) ? 'n/a' : count(Math.round(value)));

function packageVersion(): string {
	try {
		return String((JSON.parse(readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { version?: string }).version);
	} catch {
		return '?';
	}
}

/** A cell for a contender: its figure, or why there is none. */
function cell(result: SizeResult, contender: Contender, figure: (samples: Sample[]) => string): string {
	if (result.skipped) return result.skipped;
	const samples = result.samples[contender];
	const failed = result.failures[contender];
	if (samples.length === 0) return failed.length ? `failed: ${failed[0]}` : 'n/a';
	return figure(samples) + (failed.length ? ` (${failed.length} of ${samples.length + failed.length} failed)` : '');
}

function printHeader(n8n: N8nInstance): void {
	const cpus = os.cpus();
	console.log('# Schema Guard vs a Code node vs no validation: one real n8n, items generated inside n8n');
	console.log('');
	console.log(`- n8n ${n8n.runtime.n8nVersion}, regular mode, SQLite database, executions saved, manual runs (POST /rest/workflows/:id/run); Node ${n8n.runtime.nodeVersion}`);
	console.log(`- ${PACKAGE_NAME} ${packageVersion()}, installed from its tarball into the n8n user folder`);
	console.log(
		`- nodes: Code v${TYPES.code.typeVersion} (Run Once for All Items, n8n's task runner), No Operation v${TYPES.noOp.typeVersion}, ` +
			`Schema Guard v${TYPES.schemaGuard.typeVersion} (JSON Schema, 15 properties, every other parameter at its default)`,
	);
	console.log(
		`- machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}; load average at start ${loadAverage()}`,
	);
	console.log(
		`- ${REPEATS} timed run(s) per workflow and size, medians; ${INVALID_EVERY ? `every ${INVALID_EVERY}th item invalid (${(100 / INVALID_EVERY).toFixed(1)} %)` : 'every item valid'}`,
	);
	console.log('');
}

function printResults(results: SizeResult[]): void {
	console.log('## Time inside the node (run data executionTime), median µs per item');
	console.log('');
	console.log(
		table(
			['items', `${LABEL.noop} µs/item`, `${LABEL.code} µs/item`, `${LABEL.guard} µs/item`, 'Schema Guard items/s', 'Code node items/s'],
			results.map((result) => {
				const nodeMedian = (samples: Sample[]): number => median(samples.map((sample) => sample.nodeMs));
				return [
					count(result.items),
					cell(result, 'noop', (samples) => perItem(nodeMedian(samples), result.items)),
					cell(result, 'code', (samples) => perItem(nodeMedian(samples), result.items)),
					cell(result, 'guard', (samples) => perItem(nodeMedian(samples), result.items)),
					cell(result, 'guard', (samples) => perSecond(nodeMedian(samples), result.items)),
					cell(result, 'code', (samples) => perSecond(nodeMedian(samples), result.items)),
				];
			}),
		),
	);
	console.log('');
	console.log('## The whole execution (stoppedAt − startedAt, includes generating the items), median ms');
	console.log('');
	console.log(
		table(
			['items', LABEL.noop, LABEL.code, LABEL.guard, 'Generate (Code node) alone'],
			results.map((result) => [
				count(result.items),
				...CONTENDERS.map((contender) => cell(result, contender, (samples) => msText(median(samples.map((sample) => sample.executionMs))))),
				result.skipped ? '' : msText(median(CONTENDERS.flatMap((contender) => result.samples[contender].map((sample) => sample.generatorMs)))),
			]),
		),
	);
	console.log('');
	console.log('Items each validator flagged invalid (a check that both apply the same rules):');
	console.log('');
	console.log(
		table(
			['items', 'expected invalid', LABEL.code, `${LABEL.guard} (Valid / Invalid / Drift Report)`, 'first invalid item: Code node says', 'Schema Guard says'],
			results.map((result) => [
				count(result.items),
				INVALID_EVERY ? count(Math.floor(result.items / INVALID_EVERY)) : '0',
				cell(result, 'code', (samples) => count(samples[0].invalid)),
				cell(result, 'guard', (samples) => samples[0].outputs.map(count).join(' / ')),
				cell(result, 'code', (samples) => oneLine(samples[0].example)),
				cell(result, 'guard', (samples) => oneLine(samples[0].example)),
			]),
		),
	);
}

// ---------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got ${raw}`);
	return value;
}

function listFromEnv(name: string, fallback: number[]): number[] {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const values = raw.split(',').map((part) => Number(part.trim()));
	if (values.some((value) => !Number.isInteger(value) || value < 10 || value > 2_000_000)) {
		throw new Error(`${name} must be a comma-separated list of integers from 10 to 2000000, got ${raw}`);
	}
	return values;
}

async function main(): Promise<void> {
	const started = Date.now();
	let session: Session | undefined;
	try {
		session = { n8n: await startN8n(startOptions()), starts: 1 };
		printHeader(session.n8n);
		const results = await benchmark(session, started + BUDGET_MS);
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
		await session?.n8n.stop().catch((error: unknown) => process.stderr.write(`[bench] stopping n8n: ${String(error)}\n`));
	}
}

if (require.main === module) {
	main().catch((error: unknown) => {
		console.error(error instanceof Error ? (error.stack ?? error.message) : error);
		process.exitCode = 1;
	});
}
