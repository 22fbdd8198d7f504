// Throughput benchmarks for the nodes whose own benchmark measures something else (Idempotent
// Write's is about correctness under concurrency and history size) or that have none: one batch
// of N items through the node in one execution, next to what a user would otherwise put there,
// in the same n8n. all.ts runs them with the others and writes docs/benchmarks.md.
//
// Each is a `Bench` of test/bench/support.ts: Manual Trigger → Generate (a Code node building
// the items inside n8n) → the contender, named `Measured`; the figure is the contender's run
// data executionTime. Every run generates new keys (the execution id is part of each), so a
// node with memory never sees the same key twice.
import type { ITaskData } from 'n8n-workflow';

import { PACKAGE_NAME } from '../e2e/harness';

import { BASE_TYPES, type Bench, type Node, settingsFromEnv } from './support';

const MEASURED = 'Measured';
const AT = { name: MEASURED, position: [440, 0] as [number, number] };

/** Items on each output of the measured node: a check that the contender did route them. */
interface Routed {
	outputs: number[];
}
const routed = (_contender: string, measured: ITaskData): Routed => ({
	outputs: (measured.data?.main ?? []).map((items) => items?.length ?? 0),
});

const guards = (name: string) => ({ type: `${PACKAGE_NAME}.${name}`, typeVersion: 1 });

/** Items with a key unique to this execution, so stores and histories only ever see new keys. */
function keyedItems(items: number, fields: string): string {
	return `const N = ${items};
const run = $execution.id + '-' + Date.now();
const out = new Array(N);
for (let i = 0; i < N; i++) out[i] = { json: { id: run + '-' + i, ${fields} } };
return out;`;
}

// ---------------------------------------------------------------------------------------
// Idempotent Write: Claim against Remove Duplicates
// ---------------------------------------------------------------------------------------

type DedupeContender = 'removeDuplicates' | 'claim';

/** Large enough for every run of the largest size: Remove Duplicates forgets past its history size. */
const REMOVE_DUPLICATES_HISTORY = 2_000_000;

export const idempotentWriteBench: Bench<DedupeContender, Routed> = {
	settings: settingsFromEnv(),
	contenders: ['removeDuplicates', 'claim'],
	label: {
		removeDuplicates: 'Remove Duplicates (v2, previous executions)',
		claim: 'Idempotent Write Claim',
	},
	measured: MEASURED,
	generatorCode: (items) => keyedItems(items, "amount: i % 1000, currency: 'AUD'"),
	contenderNode: (contender): Node =>
		contender === 'claim'
			? {
					parameters: {
						operation: 'claim',
						store: 'embedded',
						scope: 'bench-throughput',
						keySource: 'fields',
						keyFields: 'id',
						options: {},
					},
					...AT,
					...guards('idempotentWrite'),
				}
			: {
					parameters: {
						operation: 'removeItemsSeenInPreviousExecutions',
						logic: 'removeItemsWithAlreadySeenKeyValues',
						dedupeValue: '={{ $json.id }}',
						options: { historySize: REMOVE_DUPLICATES_HISTORY },
					},
					...AT,
					type: 'n8n-nodes-base.removeDuplicates',
					typeVersion: 2,
				},
	inspect: routed,
};

// ---------------------------------------------------------------------------------------
// Circuit Breaker: Check against no guard at all
// ---------------------------------------------------------------------------------------

type BreakerContender = 'noop' | 'check';

export const circuitBreakerBench: Bench<BreakerContender, Routed> = {
	settings: settingsFromEnv(),
	contenders: ['noop', 'check'],
	label: { noop: 'no breaker (No Operation)', check: 'Circuit Breaker Check' },
	measured: MEASURED,
	generatorCode: (items) => keyedItems(items, "path: '/crm/contacts'"),
	contenderNode: (contender): Node =>
		contender === 'check'
			? {
					parameters: {
						operation: 'check',
						store: 'embedded',
						scope: 'bench-throughput',
						breakerName: 'crm',
						options: {},
					},
					...AT,
					...guards('circuitBreaker'),
				}
			: { parameters: {}, ...AT, ...BASE_TYPES.noOp },
	inspect: routed,
};

// ---------------------------------------------------------------------------------------
// Dead Letter: Capture against logging failures to an n8n Data Table
// ---------------------------------------------------------------------------------------

type CaptureContender = 'dataTable' | 'capture';

const FAILURES_TABLE = `bench_failures_${Date.now().toString(36)}`;

export const deadLetterBench: Bench<CaptureContender, Routed> = {
	settings: settingsFromEnv(),
	contenders: ['dataTable', 'capture'],
	label: { dataTable: 'Data Table insert (id, error, payload)', capture: 'Dead Letter Capture' },
	measured: MEASURED,
	// As a vendor node's error output hands them on: the item with n8n's `error` beside it.
	generatorCode: (items) =>
		keyedItems(
			items,
			"email: 'contact' + i + '@example.com', name: 'Contact ' + i, error: { message: i % 3 ? 'Request failed with status code 503' : 'Request failed with status code 422', description: 'Service Unavailable', httpCode: i % 3 ? '503' : '422' }",
		),
	contenderNode: (contender): Node =>
		contender === 'capture'
			? {
					parameters: {
						operation: 'capture',
						store: 'embedded',
						scope: 'bench-throughput',
						depthThreshold: 100_000_000,
						// Every round adds its records to the same queue: no cap (0), or the default 10,000 refuses them.
						options: { maxOpenRecords: 0 },
					},
					...AT,
					...guards('deadLetter'),
				}
			: {
					// What a user writes by hand: one row per failure, columns filled by expressions.
					parameters: {
						resource: 'row',
						operation: 'insert',
						dataTableId: { __rl: true, mode: 'name', value: FAILURES_TABLE },
						columns: {
							mappingMode: 'defineBelow',
							value: {
								itemId: '={{ $json.id }}',
								error: '={{ $json.error.message }}',
								payload: '={{ JSON.stringify({ email: $json.email, name: $json.name }) }}',
							},
							matchingColumns: [],
							schema: ['itemId', 'error', 'payload'].map((id) => ({
								id,
								displayName: id,
								required: false,
								defaultMatch: false,
								display: true,
								type: 'string',
								canBeUsedToMatch: true,
							})),
						},
						options: {},
					},
					...AT,
					type: 'n8n-nodes-base.dataTable',
					typeVersion: 1.1,
				},
	inspect: routed,
	async prepare(n8n) {
		const project = await n8n.api<{ id: string }>('GET', '/rest/projects/personal');
		const existing = await n8n
			.api<
				{ data?: Array<{ name: string }> } | Array<{ name: string }>
			>('GET', `/rest/projects/${project.id}/data-tables`)
			.catch(() => []);
		const tables = Array.isArray(existing) ? existing : (existing.data ?? []);
		if (tables.some((table) => table.name === FAILURES_TABLE)) return;
		await n8n.api('POST', `/rest/projects/${project.id}/data-tables`, {
			name: FAILURES_TABLE,
			columns: ['itemId', 'error', 'payload'].map((name) => ({ name, type: 'string' })),
		});
	},
};

// ---------------------------------------------------------------------------------------
// Cost Guard: Record Usage against a Code node pricing the usage by hand
// ---------------------------------------------------------------------------------------

type CostContender = 'code' | 'record';

/** What a user writes instead: a price table, tokens × price in floating point, a running total in static data. */
const CODE_PRICER = `const PRICES = { 'gpt-4o-mini': { input: 0.15, cached: 0.075, output: 0.6 }, 'gpt-4o': { input: 2.5, cached: 1.25, output: 10 } };
const totals = $getWorkflowStaticData('global');
const out = [];
for (const item of $input.all()) {
  const usage = item.json.usage || {};
  const price = PRICES[item.json.model];
  if (!price) throw new Error('No price for ' + item.json.model);
  const cached = (usage.prompt_tokens_details && usage.prompt_tokens_details.cached_tokens) || 0;
  const cost = ((usage.prompt_tokens - cached) * price.input + cached * price.cached + usage.completion_tokens * price.output) / 1e6;
  totals.spent = (totals.spent || 0) + cost;
  out.push({ json: { ...item.json, cost } });
}
return out;`;

export const costGuardBench: Bench<CostContender, Routed> = {
	settings: settingsFromEnv(),
	contenders: ['code', 'record'],
	label: { code: 'Code node (price table, running total)', record: 'Cost Guard Record Usage' },
	measured: MEASURED,
	// OpenAI chat completion responses, as an HTTP Request or OpenAI node hands them on.
	generatorCode: (items) =>
		keyedItems(
			items,
			"object: 'chat.completion', model: i % 4 ? 'gpt-4o-mini' : 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 200 + (i % 50), completion_tokens: 40 + (i % 7), total_tokens: 240 + (i % 50) + (i % 7), prompt_tokens_details: { cached_tokens: i % 2 ? 128 : 0 } }",
		),
	contenderNode: (contender): Node =>
		contender === 'record'
			? {
					parameters: {
						operation: 'recordUsage',
						store: 'embedded',
						scope: 'bench-throughput',
						budgetName: 'bench',
						usageFormat: 'openaiChat',
						model: '',
						options: {},
					},
					...AT,
					...guards('costGuard'),
				}
			: { parameters: { jsCode: CODE_PRICER }, ...AT, ...BASE_TYPES.code },
	inspect: routed,
};

// ---------------------------------------------------------------------------------------
// Credential Expiry Check: an expiry register from input items against a Code node
// ---------------------------------------------------------------------------------------

type ExpiryContender = 'code' | 'check';

/** What a user writes instead: days left with luxon, three thresholds, no weekends, no memory. */
const CODE_EXPIRY = `const now = DateTime.now();
return $input.all().map((item) => {
  const expires = DateTime.fromISO(item.json.expiresAt);
  const daysLeft = Math.floor(expires.diff(now, 'days').days);
  const status = !expires.isValid ? 'unknown' : daysLeft < 0 ? 'expired' : daysLeft <= 3 ? 'critical' : daysLeft <= 14 ? 'due soon' : 'ok';
  return { json: { name: item.json.name, owner: item.json.owner, expiresAt: item.json.expiresAt, daysLeft, status } };
});`;

export const credentialExpiryBench: Bench<ExpiryContender, Routed> = {
	settings: settingsFromEnv(),
	contenders: ['code', 'check'],
	label: {
		code: 'Code node (luxon days left, thresholds)',
		check: 'Credential Expiry Check (register)',
	},
	measured: MEASURED,
	generatorCode: (items) =>
		keyedItems(
			items,
			"name: 'Refresh token ' + i, owner: 'ops' + (i % 20) + '@example.com', renewalLink: 'https://vendor.example.com/keys', expiresAt: new Date(Date.now() + ((i % 400) - 30) * 86400000).toISOString()",
		),
	contenderNode: (contender): Node =>
		contender === 'check'
			? {
					// Without alert memory: the table compares the evaluation itself.
					parameters: {
						sources: ['register'],
						registerSource: 'input',
						alertMemory: false,
						options: {},
					},
					...AT,
					...guards('credentialExpiryCheck'),
				}
			: { parameters: { jsCode: CODE_EXPIRY }, ...AT, ...BASE_TYPES.code },
	inspect: routed,
};

// ---------------------------------------------------------------------------------------
// Rate Limiter: Wait for Slot with room to spare, against no limiter
// ---------------------------------------------------------------------------------------

type LimiterContender = 'noop' | 'waitForSlot';

/**
 * The limit is far above what the items need (1,000,000,000 per second: at 1,000,000 the
 * bucket's 25 ms refill would pace 100k items), so this measures what taking tokens costs per
 * item, not the pacing: test/bench/rate-limiter.ts measures that
 * against n8n's HTTP Request node and a real rate-limited server.
 */
export const rateLimiterBench: Bench<LimiterContender, Routed> = {
	settings: settingsFromEnv(),
	contenders: ['noop', 'waitForSlot'],
	label: { noop: 'no limiter (No Operation)', waitForSlot: 'Rate Limiter Wait for Slot' },
	measured: MEASURED,
	generatorCode: (items) => keyedItems(items, "path: '/contacts'"),
	contenderNode: (contender): Node =>
		contender === 'waitForSlot'
			? {
					parameters: {
						operation: 'waitForSlot',
						limiterName: 'bench-throughput',
						store: 'embedded',
						limit: 1_000_000_000,
						per: 'second',
						targetUtilization: 90,
						tokensPerItem: 1,
						maxWait: 0,
						options: {},
					},
					...AT,
					...guards('rateLimiter'),
				}
			: { parameters: {}, ...AT, ...BASE_TYPES.noOp },
	inspect: routed,
};
