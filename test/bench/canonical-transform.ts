// Benchmark: Canonical Transform against an n8n Code node doing the same conversions, and against
// n8n passing the items on untouched, in ONE real n8n (test/e2e/harness.ts). Prints tables;
// asserts nothing.
//
//   export PATH=$PWD/node_modules/.bin:$PATH      # Node 24
//   npx tsc -p tsconfig.json
//   node build/test/bench/canonical-transform.js
//
// Three workflows per batch size, each Manual Trigger → Generate (a Code node that builds
// Xero-style invoices inside n8n, so no HTTP is measured) → the contender:
//   (a) No Operation: no conversion, n8n's floor for passing items on;
//   (b) a Code node, "Run Once for All Items", doing the same 12 conversions the way a user
//       would write them: luxon's DateTime (which n8n's Code node provides) for dates, plain
//       JS for the rest (there is no phone-number library in the Code node: a hand-written
//       Australian rule stands in for libphonenumber);
//   (c) Canonical Transform with the same 12 mapped fields (Fields set in the panel, a source
//       profile: day-first dates, Australia/Sydney, "$" = AUD, phones in AU; every other
//       parameter at its default).
// Every item is valid (a bad one would stop either contender: neither has an error output here).
// Each workflow is run as the editor's button does (POST /rest/workflows/:id/run, what the
// harness's executeById does, waiting on the light execution list and reading the record once); the times come from n8n's record of the
// execution: each node's run data `executionTime`, and stoppedAt − startedAt. The three
// workflows take turns, BENCH_REPEATS times per size, after one untimed warm-up round.
//
// Environment (all optional): BENCH_SIZES (10000,100000), BENCH_REPEATS (3), BENCH_MAX_ITEMS
// (100000: larger sizes are not run), BENCH_BUDGET_MINUTES (5: sizes not started by then are
// skipped), BENCH_TIMEOUT_SECONDS (300: the longest wait for one execution), plus the
// harness's N8N_GUARDS_* variables.
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
	canonicalTransform: { type: `${PACKAGE_NAME}.canonicalTransform`, typeVersion: 1 },
} as const;

type Contender = 'noop' | 'code' | 'transform';
const CONTENDERS: Contender[] = ['noop', 'code', 'transform'];
const LABEL: Record<Contender, string> = {
	noop: 'no conversion (NoOp)',
	code: 'Code node',
	transform: 'Canonical Transform',
};
/** The node whose executionTime is the contender's cost, in every workflow. */
const MEASURED = 'Convert';
const GENERATOR = 'Generate';
const TRIGGER = 'Start';

// ---------------------------------------------------------------------------------------
// The data, the mapping and the Code node doing the same
// ---------------------------------------------------------------------------------------

/** Deterministic Xero-style invoices; every ABN gets valid check digits. */
function generatorCode(items: number): string {
	return `// ${items} invoices as a Xero-style source sends them, built inside n8n
const N = ${items};
const statuses = ['AUTHORISED', 'PAID', 'DRAFT', 'VOIDED'];
const paid = ['Y', 'N', 'yes', 'no', 'true', '0'];
const WEIGHTS = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];
const abn = (i) => {
	const rest = String(100000000 + ((i * 7919) % 900000000)).split('').map(Number);
	let sum = 0;
	for (let k = 0; k < 9; k++) sum += rest[k] * WEIGHTS[k + 2];
	const v = (89 - (sum % 89)) % 89;
	const digits = [Math.floor(v / 10) + 1, v % 10, ...rest].join('');
	return digits.slice(0, 2) + ' ' + digits.slice(2, 5) + ' ' + digits.slice(5, 8) + ' ' + digits.slice(8);
};
const out = new Array(N);
for (let i = 0; i < N; i++) {
	const day = 1 + (i % 28);
	const month = 1 + (i % 12);
	const cents = 100 + ((i * 7717) % 500000);
	const whole = Math.floor(cents / 100);
	const fraction = String(cents % 100).padStart(2, '0');
	const money = i % 3 === 0 ? '$' + whole.toLocaleString('en-US') + '.' + fraction : i % 3 === 1 ? 'AUD ' + whole + '.' + fraction : String(whole) + '.' + fraction;
	out[i] = {
		json: {
			InvoiceID: 'inv-' + i,
			InvoiceNumber: ' inv-' + String(i).padStart(6, '0') + ' ',
			Status: statuses[i % 4],
			Date: day + '/' + month + '/2025',
			DueDateString: '2025-' + String(month).padStart(2, '0') + '-' + String(day).padStart(2, '0') + 'T17:30:00',
			CreatedUnix: 1735689600 + i * 37,
			Total: money,
			Paid: paid[i % 6],
			Phone: i % 2 === 0 ? '02 9876 ' + String(i % 10000).padStart(4, '0') : '0412 345 ' + String(i % 1000).padStart(3, '0'),
			TaxNumber: abn(i),
			EmailAddress: ' User' + i + '@Example.COM ',
			ContactName: '  Acme   Pty  ' + i + ' ',
			correlationId: 'order-' + i,
			Notes: 'unmapped: dropped by both',
		},
	};
}
return out;
`;
}

/** The 12 Fields rows of Canonical Transform, as the panel stores them. */
const FIELDS = [
	{ target: 'invoice.id', source: 'InvoiceID', convert: 'copy' },
	{ target: 'invoice.number', source: 'InvoiceNumber', convert: 'string', textCase: 'upper' },
	{
		target: 'invoice.status',
		source: 'Status',
		convert: 'valueMap',
		valueMap: '{ "DRAFT": "draft", "AUTHORISED": "open", "PAID": "paid", "VOIDED": "void" }',
	},
	{ target: 'invoice.issuedOn', source: 'Date', convert: 'date', dateInput: 'dmy', dateOutput: 'date', dateOutputZone: 'Australia/Sydney' },
	{ target: 'invoice.dueAt', source: 'DueDateString', convert: 'date', dateInput: 'iso', dateOutput: 'iso', dateOutputZone: 'UTC' },
	{ target: 'invoice.createdAt', source: 'CreatedUnix', convert: 'date', dateInput: 'unixSeconds', dateOutput: 'iso', dateOutputZone: 'UTC' },
	{ target: 'invoice.totalMinor', source: 'Total', convert: 'money', moneyInput: 'amount', currency: 'AUD', moneyOutput: 'minor' },
	{ target: 'invoice.paid', source: 'Paid', convert: 'boolean' },
	{ target: 'customer.phone', source: 'Phone', convert: 'phone', phoneFormat: 'e164' },
	{ target: 'customer.abn', source: 'TaxNumber', convert: 'abn', identifierFormat: 'digits' },
	{ target: 'customer.email', source: 'EmailAddress', convert: 'email' },
	{ target: 'customer.name', source: 'ContactName', convert: 'string', collapseWhitespace: true },
];

const PROFILE = { zone: 'Australia/Sydney', dateOrder: 'dayFirst', defaultCountry: 'AU', currencySymbols: '$=AUD' };

/** The same 12 conversions as a user writes them in a Code node ("Run Once for All Items"). */
const CODE_CONVERTER = `// Xero invoice → canonical invoice: the same 12 conversions, luxon for dates, plain JS for the rest
const ZONE = 'Australia/Sydney';
const STATUS = { DRAFT: 'draft', AUTHORISED: 'open', PAID: 'paid', VOIDED: 'void' };
const TRUE = ['true', 't', 'yes', 'y', '1', 'on'];
const FALSE = ['false', 'f', 'no', 'n', '0', 'off'];
const MONEY = /^(?:AUD\\s*|\\$)?(\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.(\\d{1,2}))?$/;
const EMAIL = /^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$/;
const WEIGHTS = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];

const fail = (index, field, value, why) => {
	throw new Error('Item ' + index + ', ' + field + ' (' + JSON.stringify(value) + '): ' + why);
};

const results = [];
const items = $input.all();
for (let index = 0; index < items.length; index++) {
	const s = items[index].json;

	const status = STATUS[s.Status];
	if (status === undefined) fail(index, 'Status', s.Status, 'unknown status');

	const issued = DateTime.fromFormat(String(s.Date).trim(), 'd/M/yyyy', { zone: ZONE });
	if (!issued.isValid) fail(index, 'Date', s.Date, 'not DD/MM/YYYY');
	const due = DateTime.fromISO(String(s.DueDateString), { zone: ZONE });
	if (!due.isValid) fail(index, 'DueDateString', s.DueDateString, 'not ISO 8601');
	const created = DateTime.fromSeconds(Number(s.CreatedUnix), { zone: 'utc' });
	if (!created.isValid) fail(index, 'CreatedUnix', s.CreatedUnix, 'not Unix seconds');

	const money = MONEY.exec(String(s.Total).trim());
	if (!money) fail(index, 'Total', s.Total, 'not an amount');
	const totalMinor = Number(money[1].replace(/,/g, '')) * 100 + Number((money[2] || '').padEnd(2, '0'));

	const word = String(s.Paid).trim().toLowerCase();
	const paid = TRUE.includes(word) ? true : FALSE.includes(word) ? false : fail(index, 'Paid', s.Paid, 'not a yes/no value');

	let phone = String(s.Phone).replace(/[\\s()-]/g, '');
	if (phone.startsWith('+61')) phone = phone.slice(3);
	else if (phone.startsWith('0')) phone = phone.slice(1);
	if (!/^[2-478]\\d{8}$/.test(phone)) fail(index, 'Phone', s.Phone, 'not an Australian phone number');
	phone = '+61' + phone;

	const abn = String(s.TaxNumber).replace(/^ABN/i, '').replace(/\\s/g, '');
	if (!/^\\d{11}$/.test(abn)) fail(index, 'TaxNumber', s.TaxNumber, 'an ABN has 11 digits');
	let sum = 0;
	for (let k = 0; k < 11; k++) sum += (Number(abn[k]) - (k === 0 ? 1 : 0)) * WEIGHTS[k];
	if (sum % 89 !== 0) fail(index, 'TaxNumber', s.TaxNumber, 'ABN check digits do not match');

	const email = String(s.EmailAddress).trim().toLowerCase();
	if (!EMAIL.test(email)) fail(index, 'EmailAddress', s.EmailAddress, 'not an email address');

	results.push({
		json: {
			invoice: {
				id: s.InvoiceID,
				number: String(s.InvoiceNumber).trim().toUpperCase(),
				status,
				issuedOn: issued.toISODate(),
				dueAt: due.toUTC().toISO({ suppressMilliseconds: true }),
				createdAt: created.toISO({ suppressMilliseconds: true }),
				totalMinor,
				paid,
			},
			customer: { phone, abn, email, name: String(s.ContactName).trim().replace(/\\s+/g, ' ') },
			correlationId: s.correlationId,
		},
		pairedItem: { item: index },
	});
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
			return { parameters: { jsCode: CODE_CONVERTER }, ...at, ...TYPES.code };
		case 'transform':
			return {
				parameters: { operation: 'transform', mappingSource: 'fields', mappings: { field: FIELDS }, profile: PROFILE, options: {} },
				...at,
				...TYPES.canonicalTransform,
			};
	}
}

function benchWorkflow(contender: Contender, items: number): WorkflowJson {
	return {
		name: `bench ${RUN}: ${LABEL[contender]}, ${items} items`,
		nodes: [
			{ parameters: {}, name: TRIGGER, ...TYPES.manualTrigger, position: [0, 0] },
			{ parameters: { jsCode: generatorCode(items) }, name: GENERATOR, ...TYPES.code, position: [220, 0] },
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
	/** Items on the contender's output. */
	output: number;
	/** The first and the last output item, to compare the Code node's results with Canonical Transform's. */
	probes: IDataObject[];
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
async function runOnce(n8n: N8nInstance, workflowId: string): Promise<Sample | Failure> {
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
	const items = measured.data?.main[0] ?? [];
	const probes = [items[0], items[items.length - 1]].filter((item) => item !== undefined).map((item) => item.json);
	return { nodeMs: measured.executionTime, generatorMs: generator.executionTime, executionMs, output: items.length, probes };
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
						for (const each of CONTENDERS) await runOnce(session.n8n, ids[each]);
						warmedUp = true;
					}
				}
				const begun = Date.now();
				const sample = await runOnce(session.n8n, ids[contender]);
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
	console.log('# Canonical Transform vs a Code node vs no conversion: one real n8n, items generated inside n8n');
	console.log('');
	console.log(`- n8n ${n8n.runtime.n8nVersion}, regular mode, SQLite database, executions saved, manual runs (POST /rest/workflows/:id/run); Node ${n8n.runtime.nodeVersion}`);
	console.log(`- ${PACKAGE_NAME} ${packageVersion()}, installed from its tarball into the n8n user folder`);
	console.log(
		`- nodes: Code v${TYPES.code.typeVersion} (Run Once for All Items, n8n's task runner, luxon DateTime), No Operation v${TYPES.noOp.typeVersion}, ` +
			`Canonical Transform v${TYPES.canonicalTransform.typeVersion} (${FIELDS.length} mapped fields: ${[...new Set(FIELDS.map((field) => field.convert))].join(', ')})`,
	);
	console.log(
		`- machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}; load average at start ${loadAverage()}`,
	);
	console.log(`- ${REPEATS} timed run(s) per workflow and size, medians; every item valid`);
	console.log('');
}

/** Leaf paths whose values differ between two objects. */
function differences(a: unknown, b: unknown, prefix = ''): string[] {
	if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
		const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
		return [...keys].flatMap((key) => differences((a as IDataObject)[key], (b as IDataObject)[key], prefix ? `${prefix}.${key}` : key));
	}
	return JSON.stringify(a) === JSON.stringify(b) ? [] : [`${prefix} (${JSON.stringify(a)} vs ${JSON.stringify(b)})`];
}

function printResults(results: SizeResult[]): void {
	console.log('## Time inside the node (run data executionTime), median µs per item');
	console.log('');
	console.log(
		table(
			['items', `${LABEL.noop} µs/item`, `${LABEL.code} µs/item`, `${LABEL.transform} µs/item`, 'Canonical Transform items/s', 'Code node items/s'],
			results.map((result) => {
				const nodeMedian = (samples: Sample[]): number => median(samples.map((sample) => sample.nodeMs));
				return [
					count(result.items),
					cell(result, 'noop', (samples) => perItem(nodeMedian(samples), result.items)),
					cell(result, 'code', (samples) => perItem(nodeMedian(samples), result.items)),
					cell(result, 'transform', (samples) => perItem(nodeMedian(samples), result.items)),
					cell(result, 'transform', (samples) => perSecond(nodeMedian(samples), result.items)),
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
			['items', LABEL.noop, LABEL.code, LABEL.transform, 'Generate (Code node) alone'],
			results.map((result) => [
				count(result.items),
				...CONTENDERS.map((contender) => cell(result, contender, (samples) => msText(median(samples.map((sample) => sample.executionMs))))),
				result.skipped ? '' : msText(median(CONTENDERS.flatMap((contender) => result.samples[contender].map((sample) => sample.generatorMs)))),
			]),
		),
	);
	console.log('');
	console.log('Do both produce the same items? (items out; the first and the last item compared field by field, Code node vs Canonical Transform)');
	console.log('');
	console.log(
		table(
			['items', `${LABEL.code} items out`, `${LABEL.transform} items out`, 'fields that differ'],
			results.map((result) => {
				const code = result.samples.code[0];
				const transform = result.samples.transform[0];
				const differing = code && transform ? code.probes.flatMap((probe, index) => differences(probe, transform.probes[index])) : [];
				return [
					count(result.items),
					cell(result, 'code', (samples) => count(samples[0].output)),
					cell(result, 'transform', (samples) => count(samples[0].output)),
					code && transform ? (differing.length ? oneLine(differing.join('; ')) : 'none') : 'n/a',
				];
			}),
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
