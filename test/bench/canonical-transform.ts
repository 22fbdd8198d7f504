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
import os from 'node:os';

import type { IDataObject, ITaskData } from 'n8n-workflow';

import { PACKAGE_NAME, type N8nInstance } from '../e2e/harness';

import {
	BASE_TYPES,
	cell,
	count,
	type Bench,
	loadAverage,
	type Node,
	oneLine,
	packageVersion,
	printTimingTables,
	runBench,
	settingsFromEnv,
	type SizeResult,
	table,
} from './support';

const SETTINGS = settingsFromEnv();
const REPEATS = SETTINGS.repeats;

const TYPES = {
	...BASE_TYPES,
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
	{
		target: 'invoice.issuedOn',
		source: 'Date',
		convert: 'date',
		dateInput: 'dmy',
		dateOutput: 'date',
		dateOutputZone: 'Australia/Sydney',
	},
	{
		target: 'invoice.dueAt',
		source: 'DueDateString',
		convert: 'date',
		dateInput: 'iso',
		dateOutput: 'iso',
		dateOutputZone: 'UTC',
	},
	{
		target: 'invoice.createdAt',
		source: 'CreatedUnix',
		convert: 'date',
		dateInput: 'unixSeconds',
		dateOutput: 'iso',
		dateOutputZone: 'UTC',
	},
	{
		target: 'invoice.totalMinor',
		source: 'Total',
		convert: 'money',
		moneyInput: 'amount',
		currency: 'AUD',
		moneyOutput: 'minor',
	},
	{ target: 'invoice.paid', source: 'Paid', convert: 'boolean' },
	{ target: 'customer.phone', source: 'Phone', convert: 'phone', phoneFormat: 'e164' },
	{ target: 'customer.abn', source: 'TaxNumber', convert: 'abn', identifierFormat: 'digits' },
	{ target: 'customer.email', source: 'EmailAddress', convert: 'email' },
	{ target: 'customer.name', source: 'ContactName', convert: 'string', collapseWhitespace: true },
];

const PROFILE = {
	zone: 'Australia/Sydney',
	dateOrder: 'dayFirst',
	defaultCountry: 'AU',
	currencySymbols: '$=AUD',
};

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
function contenderNode(contender: Contender): Node {
	const at = { name: MEASURED, position: [440, 0] };
	switch (contender) {
		case 'noop':
			return { parameters: {}, ...at, ...TYPES.noOp };
		case 'code':
			return { parameters: { jsCode: CODE_CONVERTER }, ...at, ...TYPES.code };
		case 'transform':
			return {
				parameters: {
					operation: 'transform',
					mappingSource: 'fields',
					mappings: { field: FIELDS },
					profile: PROFILE,
					options: {},
				},
				...at,
				...TYPES.canonicalTransform,
			};
	}
}

/** What each sample keeps beside the times. */
interface Produced {
	/** Items on the contender's output. */
	output: number;
	/** The first and the last output item, to compare the Code node's results with Canonical Transform's. */
	probes: IDataObject[];
}

function produced(_contender: Contender, measured: ITaskData): Produced {
	const items = measured.data?.main[0] ?? [];
	const probes = [items[0], items[items.length - 1]]
		.filter((item) => item !== undefined)
		.map((item) => item.json);
	return { output: items.length, probes };
}

type Result = SizeResult<Contender, Produced>;

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

function printHeader(n8n: N8nInstance): void {
	const cpus = os.cpus();
	console.log(
		'# Canonical Transform vs a Code node vs no conversion: one real n8n, items generated inside n8n',
	);
	console.log('');
	console.log(
		`- n8n ${n8n.runtime.n8nVersion}, regular mode, SQLite database, executions saved, manual runs (POST /rest/workflows/:id/run); Node ${n8n.runtime.nodeVersion}`,
	);
	console.log(
		`- ${PACKAGE_NAME} ${packageVersion()}, installed from its tarball into the n8n user folder`,
	);
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
	if (
		a &&
		b &&
		typeof a === 'object' &&
		typeof b === 'object' &&
		!Array.isArray(a) &&
		!Array.isArray(b)
	) {
		const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
		return [...keys].flatMap((key) =>
			differences(
				(a as IDataObject)[key],
				(b as IDataObject)[key],
				prefix ? `${prefix}.${key}` : key,
			),
		);
	}
	return JSON.stringify(a) === JSON.stringify(b)
		? []
		: [`${prefix} (${JSON.stringify(a)} vs ${JSON.stringify(b)})`];
}

function printResults(results: Result[]): void {
	printTimingTables(results, CONTENDERS, LABEL, {
		noop: 'noop',
		code: 'code',
		node: 'transform',
		nodeName: 'Canonical Transform',
	});
	console.log(
		'Do both produce the same items? (items out; the first and the last item compared field by field, Code node vs Canonical Transform)',
	);
	console.log('');
	console.log(
		table(
			['items', `${LABEL.code} items out`, `${LABEL.transform} items out`, 'fields that differ'],
			results.map((result) => {
				const code = result.samples.code[0];
				const transform = result.samples.transform[0];
				const differing =
					code && transform
						? code.probes.flatMap((probe, index) => differences(probe, transform.probes[index]))
						: [];
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

/** The benchmark, run by this script and, with the others, by all.ts. */
export const canonicalTransformBench: Bench<Contender, Produced> = {
	settings: SETTINGS,
	contenders: CONTENDERS,
	label: LABEL,
	measured: MEASURED,
	generatorCode,
	contenderNode,
	inspect: produced,
};

if (require.main === module) runBench(canonicalTransformBench, printHeader, printResults);
