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
import os from 'node:os';

import type { IDataObject, ITaskData } from 'n8n-workflow';

import { PACKAGE_NAME, type N8nInstance } from '../e2e/harness';

import {
	BASE_TYPES,
	cell,
	count,
	type Bench,
	intFromEnv,
	loadAverage,
	type Node,
	medianNodeMs,
	oneLine,
	packageVersion,
	printTimingTables,
	runBench,
	settingsFromEnv,
	type SizeResult,
	table,
} from './support';
import { bareAjvTable, generateItems, measureBareAjv } from './schema-guard-ajv';

const SETTINGS = settingsFromEnv();
const REPEATS = SETTINGS.repeats;
const INVALID_EVERY = intFromEnv('BENCH_INVALID_EVERY', 50, 0, 1_000_000);

const TYPES = {
	...BASE_TYPES,
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
	required: [
		'id',
		'email',
		'name',
		'age',
		'phone',
		'status',
		'createdAt',
		'birthDate',
		'score',
		'verified',
		'country',
		'website',
		'tags',
		'accountId',
		'balance',
	],
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

/** What each sample keeps beside the times. */
interface Flagged {
	/** Items on each output of the contender. */
	outputs: number[];
	/** Items the contender flagged invalid (Code node: with `errors`; Schema Guard: on Invalid). */
	invalid: number;
	/** The first invalid item's problems, as the contender words them. */
	example: string;
}

function flagged(contender: Contender, measured: ITaskData): Flagged {
	const outputs = (measured.data?.main ?? []).map((items) => items?.length ?? 0);
	let invalid = 0;
	let example = '';
	if (contender === 'guard') {
		const rejected = measured.data?.main[1] ?? [];
		invalid = rejected.length;
		const problems = ((rejected[0]?.json.schemaGuard as IDataObject | undefined)?.problems ??
			[]) as IDataObject[];
		example = problems
			.map((problem) => String(problem.message ?? JSON.stringify(problem)))
			.join('; ');
	} else if (contender === 'code') {
		const rejected = (measured.data?.main[0] ?? []).filter((item) =>
			Array.isArray((item.json as IDataObject).errors),
		);
		invalid = rejected.length;
		example = ((rejected[0]?.json.errors ?? []) as string[]).join('; ');
	}
	return { outputs, invalid, example };
}

type Result = SizeResult<Contender, Flagged>;

// ---------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------

function printHeader(n8n: N8nInstance): void {
	const cpus = os.cpus();
	console.log(
		'# Schema Guard vs a Code node vs no validation: one real n8n, items generated inside n8n',
	);
	console.log('');
	console.log(
		`- n8n ${n8n.runtime.n8nVersion}, regular mode, SQLite database, executions saved, manual runs (POST /rest/workflows/:id/run); Node ${n8n.runtime.nodeVersion}`,
	);
	console.log(
		`- ${PACKAGE_NAME} ${packageVersion()}, installed from its tarball into the n8n user folder`,
	);
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

function printResults(results: Result[]): void {
	printTimingTables(results, CONTENDERS, LABEL, {
		noop: 'noop',
		code: 'code',
		node: 'guard',
		nodeName: 'Schema Guard',
	});
	console.log('Items each validator flagged invalid (a check that both apply the same rules):');
	console.log('');
	console.log(
		table(
			[
				'items',
				'expected invalid',
				LABEL.code,
				`${LABEL.guard} (Valid / Invalid / Drift Report)`,
				'first invalid item: Code node says',
				'Schema Guard says',
			],
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
	console.log('');
	console.log(
		'## The floor: bare Ajv on the same schema and items, in the bench process (no n8n), median µs per item',
	);
	console.log('');
	console.log(bareAjvComparison(results));
}

/**
 * Bare Ajv on the same schema and items, in this process (no n8n), at each size that ran,
 * beside Schema Guard's and the Code node's executionTime per item in n8n. Exported so
 * all.ts can print it too.
 */
export function bareAjvComparison(results: Array<SizeResult<string, object>>): string {
	const measured = results.filter((result) => result.skipped === undefined);
	return bareAjvBeside(
		measured.map((result) => result.items),
		(contender, items) => {
			const result = measured.find((candidate) => candidate.items === items)!;
			return (medianNodeMs(result, contender === 'floor' ? 'noop' : contender) * 1000) / items;
		},
	);
}

/**
 * Bare Ajv on the benchmark's schema and items, in this process, beside the n8n
 * contenders' median µs per item at each size (bench:all passes its own figures).
 */
export function bareAjvBeside(
	sizes: number[],
	medianUs: (contender: 'guard' | 'code' | 'floor', items: number) => number,
): string {
	return bareAjvTable(
		sizes.map((items) => ({
			...measureBareAjv(JSON_SCHEMA, generateItems(generatorCode(items, INVALID_EVERY))),
			guardUs: medianUs('guard', items),
			codeUs: medianUs('code', items),
			floorUs: medianUs('floor', items),
		})),
	);
}

/** The benchmark, run by this script and, with the others, by all.ts. */
export const schemaGuardBench: Bench<Contender, Flagged> = {
	settings: SETTINGS,
	contenders: CONTENDERS,
	label: LABEL,
	measured: MEASURED,
	generatorCode: (items) => generatorCode(items, INVALID_EVERY),
	contenderNode,
	inspect: flagged,
};

if (require.main === module) runBench(schemaGuardBench, printHeader, printResults);
