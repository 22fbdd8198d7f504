// Cost Guard in a real n8n (issue 8, "Done when"): the shipped LLM-enrichment example
// runs 2,000 product texts in four executions of 500 through Cache Lookup → Check Budget
// → n8n's HTTP Request node → a stand-in LLM endpoint on 127.0.0.1 answering with
// OpenAI chat-completions usage → Record Usage → Cache Store. The monthly budget runs out
// during the third execution. Asserted exactly, against a model of the budget computed
// here: which items went over budget, what each call cost to the nano, that each alert
// fired once, that repeated texts came from the cache (the endpoint's call count), and
// the Report's figures.
//
// The endpoint is a plain node:http server in this process, not an n8n webhook (many
// parallel webhook executions made n8n answer "Database is not ready").
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { startRedis, type PrivateService } from '../support/services';
import {
	PACKAGE_NAME,
	repoRoot,
	startN8n,
	type Execution,
	type N8nInstance,
	type WorkflowJson,
} from './harness';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const COST_GUARD = `${PACKAGE_NAME}.costGuard`;
const EXECUTIONS = 4;
const PER_EXECUTION = 500;
/** Check Budget's estimate per item and the monthly limit, in nanos (billionths of a dollar). */
const ESTIMATE = 100_000;
const LIMIT = 100_000_000;
const THRESHOLDS = [50, 75, 95];

/** The product an item asks about: every fifth item repeats the product of the execution before. */
function productOf(execution: number, index: number): number {
	return execution > 0 && index % 5 === 0
		? productOf(execution - 1, index)
		: execution * PER_EXECUTION + index + 1;
}

function textOf(execution: number, index: number): string {
	const product = productOf(execution, index);
	const text = `Product ${product}: ergonomic desk lamp, warm light`;
	// Repeats come in other case and spacing: the cache key normalises both.
	return product === execution * PER_EXECUTION + index + 1 ? text : `  ${text.toUpperCase()}  `;
}

/** The endpoint's usage for a product, in OpenAI's shape; some prompts partly cached. */
function usageOf(product: number): IDataObject {
	const prompt = 40 + (product % 60);
	const cached = product % 7 === 0 ? 32 : 0;
	const completion = 90 + (product % 40);
	return {
		prompt_tokens: prompt,
		completion_tokens: completion,
		total_tokens: prompt + completion,
		prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
		completion_tokens_details: {
			reasoning_tokens: 0,
			audio_tokens: 0,
			accepted_prediction_tokens: 0,
			rejected_prediction_tokens: 0,
		},
	};
}

/** gpt-4o-mini at the built-in table's prices: 0.15 input, 0.075 cached input, 0.60 output per million tokens. */
function costOf(product: number): number {
	const usage = usageOf(product) as {
		prompt_tokens: number;
		completion_tokens: number;
		prompt_tokens_details: { cached_tokens: number };
	};
	const cached = usage.prompt_tokens_details.cached_tokens;
	return (usage.prompt_tokens - cached) * 150 + cached * 75 + usage.completion_tokens * 600;
}

interface ExpectedExecution {
	hits: number[];
	within: number[];
	over: number[];
	alerts: number[];
	spentAfter: number;
}

/** The budget as the nodes must keep it: cache first, then admission by estimate against the recorded spend. */
function model(): {
	executions: ExpectedExecution[];
	calls: number;
	hits: number;
	avoided: number;
	spent: number;
	records: number;
} {
	const cached = new Set<number>();
	const fired = new Set<number>();
	const executions: ExpectedExecution[] = [];
	let spent = 0;
	let calls = 0;
	let hits = 0;
	let avoided = 0;
	for (let execution = 0; execution < EXECUTIONS; execution++) {
		const expected: ExpectedExecution = {
			hits: [],
			within: [],
			over: [],
			alerts: [],
			spentAfter: 0,
		};
		let reserved = 0;
		for (let index = 0; index < PER_EXECUTION; index++) {
			const product = productOf(execution, index);
			if (cached.has(product)) {
				expected.hits.push(product);
				hits++;
				avoided += costOf(product);
			} else if (spent < LIMIT && spent + reserved + ESTIMATE <= LIMIT) {
				expected.within.push(product);
				reserved += ESTIMATE;
			} else {
				expected.over.push(product);
			}
		}
		for (const product of expected.within) {
			spent += costOf(product);
			calls++;
			cached.add(product);
		}
		for (const threshold of THRESHOLDS) {
			if (!fired.has(threshold) && spent * 100 >= threshold * LIMIT) {
				fired.add(threshold);
				expected.alerts.push(threshold);
			}
		}
		expected.spentAfter = spent;
		executions.push(expected);
	}
	return { executions, calls, hits, avoided, spent, records: calls };
}

interface Endpoint {
	server: Server;
	url: string;
	calls: Map<number, number>;
	unreadable: number;
	close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
	let body = '';
	for await (const chunk of request) {
		body += (chunk as Buffer).toString();
		if (body.length > 1024 * 1024) throw new Error('body too large');
	}
	return body;
}

/** The LLM stand-in: a chat completion per request, usage by product; counts calls per product. 127.0.0.1 only. */
async function startEndpoint(): Promise<Endpoint> {
	const endpoint = { calls: new Map<number, number>(), unreadable: 0 } as Endpoint;
	const server = createServer((request, response) => {
		const answer = (status: number, body: IDataObject) => {
			response.writeHead(status, { 'content-type': 'application/json' });
			response.end(JSON.stringify(body));
		};
		readBody(request)
			.then((text) => {
				const body = JSON.parse(text) as { model?: string; messages?: Array<{ content?: string }> };
				const prompt = String(body.messages?.at(-1)?.content ?? '');
				const match = /product (\d+):/i.exec(prompt);
				if (!match || body.model !== 'gpt-4o-mini') {
					endpoint.unreadable++;
					answer(400, { error: { message: 'unexpected request', type: 'invalid_request_error' } });
					return;
				}
				const product = Number(match[1]);
				endpoint.calls.set(product, (endpoint.calls.get(product) ?? 0) + 1);
				answer(200, {
					id: `chatcmpl-${product}`,
					object: 'chat.completion',
					created: Math.floor(Date.now() / 1000),
					model: 'gpt-4o-mini-2024-07-18',
					choices: [
						{
							index: 0,
							message: {
								role: 'assistant',
								content: `Summary of product ${product}`,
								refusal: null,
							},
							logprobs: null,
							finish_reason: 'stop',
						},
					],
					usage: usageOf(product),
					service_tier: 'default',
					system_fingerprint: 'fp_stand_in',
				});
			})
			.catch(() => {
				endpoint.unreadable++;
				answer(400, { error: { message: 'unreadable body' } });
			});
	});
	server.requestTimeout = 30_000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	endpoint.server = server;
	endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
	endpoint.close = async () => {
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
	};
	return endpoint;
}

function example(name: string): WorkflowJson {
	return JSON.parse(readFileSync(path.join(repoRoot(), 'examples', name), 'utf8')) as WorkflowJson;
}

const BUDGET = `e2e-${RUN}`;
const SCOPE = `cost-e2e-${RUN}`;

/** The shipped example, with this execution's 500 items, a fresh budget and the endpoint. */
function enrichmentWorkflow(execution: number, url: string): WorkflowJson {
	const json = example('cost-guard-llm-enrichment.json');
	const items = Array.from({ length: PER_EXECUTION }, (_, index) => ({
		id: execution * PER_EXECUTION + index + 1,
		text: textOf(execution, index),
	}));
	for (const node of json.nodes) {
		const parameters = node.parameters as IDataObject;
		if (node.type === COST_GUARD) Object.assign(parameters, { scope: SCOPE, budgetName: BUDGET });
		if (node.name === 'Check Budget') {
			assert.equal(parameters.estimatedCost, '0.0001', 'the example estimates 0.0001 per item');
			parameters.limits = { monthlyLimit: '0.1' };
			parameters.options = {
				...(parameters.options as IDataObject),
				actualThresholds: THRESHOLDS.join(', '),
				forecastThresholds: '',
			};
		}
		if (node.name === 'Call LLM') parameters.url = url;
		if (node.name === 'Products to Enrich (Test Data)') {
			assert.match(
				String(parameters.jsCode),
				/Array\.from\(\{ length: 20 \}/,
				'the example builds its test data',
			);
			parameters.jsCode = `return ${JSON.stringify(items)}.map((json) => ({ json }));`;
		}
	}
	return { ...json, name: `e2e cost guard ${execution + 1}` };
}

const productsIn = (items: INodeExecutionData[]) =>
	items.map((item) => Number(/product (\d+):/i.exec(String(item.json.text))?.[1]));

function assertPaired(execution: Execution, nodeName: string): void {
	for (const [output, items] of Object.entries(execution.node(nodeName).byName)) {
		const unpaired = items.filter(
			(item) => item.pairedItem === undefined || item.pairedItem === null,
		);
		assert.equal(
			unpaired.length,
			0,
			`${nodeName} → ${output}: ${unpaired.length} of ${items.length} items without pairedItem`,
		);
	}
}

describe('n8n end to end: Cost Guard', () => {
	let n8n: N8nInstance;
	let endpoint: Endpoint;

	before(
		async () => {
			endpoint = await startEndpoint();
			n8n = await startN8n();
		},
		{ timeout: 20 * 60_000 },
	);

	after(
		async () => {
			await n8n?.stop();
			await endpoint?.close();
		},
		{ timeout: 60_000 },
	);

	it(
		'2,000 texts in four runs: the budget runs out part-way, exact items over budget, each alert once, repeats from the cache',
		{ timeout: 6 * 60_000 },
		async (t) => {
			const expected = model();
			// The scenario is what it claims to be: the budget runs out during the third run, every threshold is crossed.
			assert.deepEqual(
				expected.executions.map((run) => run.over.length > 0),
				[false, false, true, true],
			);
			assert.ok(expected.executions[2].within.length > 0, 'the third run is cut part-way');
			assert.deepEqual(
				expected.executions.flatMap((run) => run.alerts),
				THRESHOLDS,
			);

			const started = Date.now();
			for (let execution = 0; execution < EXECUTIONS; execution++) {
				const want = expected.executions[execution];
				const workflow = await n8n.importWorkflow(enrichmentWorkflow(execution, endpoint.url));
				const runStarted = Date.now();
				const result = await n8n.executeById(workflow.id, { triggerNode: 'Run Enrichment' });
				t.diagnostic(
					`[e2e] run ${execution + 1}: ${PER_EXECUTION} items in ${((Date.now() - runStarted) / 1000).toFixed(1)} s: ${want.hits.length} cached, ${want.within.length} within, ${want.over.length} over`,
				);
				assert.equal(
					result.status,
					'success',
					`run ${execution + 1}: ${JSON.stringify(result.error)}\n${n8n.logTail(40)}`,
				);

				const lookup = result.node('Cache Lookup').byName;
				assert.deepEqual(Object.keys(lookup), ['Hit', 'Miss']);
				assert.deepEqual(
					(lookup.Hit ?? []).map(
						(item) => ((item.json.choices as IDataObject[])[0].message as IDataObject).content,
					),
					want.hits.map((product) => `Summary of product ${product}`),
					`run ${execution + 1}: the repeated texts are answered from the cache, with the stored response`,
				);

				if (want.hits.length + want.within.length + want.over.length > (lookup.Hit ?? []).length) {
					const check = result.node('Check Budget').byName;
					assert.deepEqual(Object.keys(check), ['Within Budget', 'Over Budget', 'Alert']);
					assert.deepEqual(
						productsIn(check['Within Budget']),
						want.within,
						`run ${execution + 1}: Within Budget`,
					);
					assert.deepEqual(
						productsIn(check['Over Budget']),
						want.over,
						`run ${execution + 1}: exactly these items went over budget`,
					);
					assert.deepEqual(check.Alert, [], 'Record Usage claimed each alert first');
					for (const item of check['Over Budget'])
						assert.deepEqual((item.json.costGuard as IDataObject).overLimits, ['month money']);
					assertPaired(result, 'Check Budget');
				}
				if (want.within.length > 0) {
					const record = result.node('Record Usage').byName;
					assert.deepEqual(Object.keys(record), ['Recorded', 'Alert']);
					const recorded = record.Recorded;
					assert.deepEqual(
						recorded.map((item) => (item.json.cost as IDataObject).nanos),
						want.within.map(costOf),
						`run ${execution + 1}: each call's cost, to the nano`,
					);
					assert.deepEqual(
						record.Alert.map((item) => [
							item.json.alert,
							item.json.period,
							item.json.thresholdPercent,
						]),
						want.alerts.map((threshold) => ['actual', 'month', threshold]),
						`run ${execution + 1}: alerts`,
					);
					for (const alert of record.Alert)
						assert.equal(
							alert.json.spentExact,
							(want.spentAfter / 1e9).toString().replace(/^(\d+)$/, '$1.00'),
						);
					assert.equal(result.node('Cache Store').outputs[0].length, want.within.length);
					for (const node of ['Call LLM', 'Record Usage', 'Cache Store'])
						assertPaired(result, node);
				}
			}
			t.diagnostic(
				`[e2e] ${EXECUTIONS * PER_EXECUTION} items in ${((Date.now() - started) / 1000).toFixed(1)} s`,
			);

			assert.equal(endpoint.unreadable, 0);
			assert.equal(
				[...endpoint.calls.values()].reduce((sum, count) => sum + count, 0),
				expected.calls,
				'the endpoint was called once per item within budget',
			);
			assert.deepEqual(
				[...endpoint.calls.entries()].filter(([, count]) => count > 1),
				[],
				'no text was sent to the LLM twice',
			);

			// The Report of the budget: exact spend, records, cost avoided by the cache.
			const report = await n8n.importWorkflow({
				name: `e2e cost report ${RUN}`,
				nodes: [
					{
						id: 'trigger',
						name: 'Run Report',
						type: 'n8n-nodes-base.manualTrigger',
						typeVersion: 1,
						position: [0, 0],
						parameters: {},
					},
					{
						id: 'report',
						name: 'Cost Report',
						type: COST_GUARD,
						typeVersion: 1,
						position: [220, 0],
						parameters: {
							operation: 'report',
							scope: SCOPE,
							budgetName: BUDGET,
							trailingWindows: 7,
							options: {},
						},
					},
				],
				connections: {
					'Run Report': { main: [[{ node: 'Cost Report', type: 'main', index: 0 }]] },
				},
				settings: { executionOrder: 'v1' },
			} as WorkflowJson);
			const reported = await n8n.executeById(report.id, { triggerNode: 'Run Report' });
			assert.equal(reported.status, 'success', JSON.stringify(reported.error));
			const [summary] = reported.json('Cost Report', 'Report');
			const month = (summary.periods as IDataObject).month as IDataObject;
			assert.equal(month.spent, expected.spent / 1e9);
			assert.equal(month.records, expected.records);
			assert.equal(month.reserved, 0, 'every reservation released by Record Usage');
			assert.equal(month.limit, LIMIT / 1e9);
			assert.equal(
				month.costPerRecord && (month.costPerRecord as IDataObject).average,
				Math.round(expected.spent / expected.records) / 1e9,
			);
			assert.deepEqual(
				{
					hits: (month.cache as IDataObject).hits,
					misses: (month.cache as IDataObject).misses,
					avoided: (month.cache as IDataObject).costAvoided,
				},
				{
					hits: expected.hits,
					misses: EXECUTIONS * PER_EXECUTION - expected.hits,
					avoided: expected.avoided / 1e9,
				},
			);
			t.diagnostic(
				`[e2e] spent $${String(month.spentExact)} of $${String(month.limit)}; ${expected.calls} calls, ${expected.hits} from the cache saving $${String((month.cache as IDataObject).costAvoidedExact)}`,
			);
		},
	);

	it(
		'with its Redis stopped, every operation fails closed: each item on the error output (or Over Budget), none on a happy path',
		{ timeout: 3 * 60_000 },
		async () => {
			const redis: PrivateService = await startRedis({ appendOnly: false });
			try {
				const credential = await n8n.createCredential(
					'integrationGuardsRedisApi',
					`Cost Guard private Redis ${RUN}`,
					{ host: redis.host, port: redis.port, database: 0 },
				);
				const budget = `e2e-down-${RUN}`;
				const items = [0, 1, 2].map((n) => ({
					n,
					text: `Text ${n}`,
					model: 'gpt-4o-mini',
					usage: { prompt_tokens: 10, completion_tokens: 5 },
				}));
				const operations: Array<
					[string, string, IDataObject, 'continueErrorOutput' | 'continueRegularOutput']
				> = [
					[
						'Check Budget',
						'checkBudget',
						{ limits: { dailyLimit: '1' }, estimate: 'fixed', estimatedCost: '0.01' },
						'continueErrorOutput',
					],
					[
						'Check Budget (Regular Output)',
						'checkBudget',
						{ limits: { dailyLimit: '1' }, estimate: 'fixed', estimatedCost: '0.01' },
						'continueRegularOutput',
					],
					['Record Usage', 'recordUsage', {}, 'continueErrorOutput'],
					['Report', 'report', {}, 'continueErrorOutput'],
					['Cache Lookup', 'cacheLookup', { keyFields: 'text' }, 'continueErrorOutput'],
					[
						'Cache Store',
						'cacheStore',
						{ keyFrom: 'fields', keyFields: 'text' },
						'continueErrorOutput',
					],
				];
				const workflow = await n8n.importWorkflow({
					name: `e2e cost guard store down ${RUN}`,
					nodes: [
						{
							id: 'trigger',
							name: 'Run',
							type: 'n8n-nodes-base.manualTrigger',
							typeVersion: 1,
							position: [0, 0],
							parameters: {},
						},
						{
							id: 'items',
							name: 'Items',
							type: 'n8n-nodes-base.code',
							typeVersion: 2,
							position: [220, 0],
							parameters: { jsCode: `return ${JSON.stringify(items)}.map((json) => ({ json }));` },
						},
						...operations.map(([name, operation, parameters, onError], index) => ({
							id: `guard-${index}`,
							name,
							type: COST_GUARD,
							typeVersion: 1,
							position: [440, index * 160],
							onError,
							parameters: {
								operation,
								store: 'redis',
								scope: SCOPE,
								budgetName: budget,
								...parameters,
							},
							credentials: {
								integrationGuardsRedisApi: { id: credential.id, name: credential.name },
							},
						})),
					],
					connections: {
						Run: { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
						Items: { main: [operations.map(([name]) => ({ node: name, type: 'main', index: 0 }))] },
					},
					settings: { executionOrder: 'v1' },
				} as WorkflowJson);
				const up = await n8n.executeById(workflow.id, { triggerNode: 'Run' });
				assert.equal(up.status, 'success', JSON.stringify(up.error));
				assert.deepEqual(
					up.json('Check Budget', 'Within Budget').map((item) => item.n),
					[0, 1, 2],
					'with the store up the items fit',
				);
				assert.equal(up.json('Cache Store', 'Stored').length, 3);

				await redis.stop();
				const down = await n8n.executeById(workflow.id, { triggerNode: 'Run' });
				assert.equal(down.status, 'success', JSON.stringify(down.error));
				for (const [name, , , onError] of operations) {
					const outputs = down.node(name).byName;
					const refusal = onError === 'continueErrorOutput' ? 'error' : 'Over Budget';
					for (const [output, routed] of Object.entries(outputs)) {
						if (output !== refusal) assert.deepEqual(routed, [], `${name}: nothing on ${output}`);
					}
					const refused = outputs[refusal];
					assert.deepEqual(
						refused.map((item) => item.pairedItem),
						[0, 1, 2].map((item) => ({ item })),
						`${name}: every item on ${refusal}`,
					);
					for (const item of refused)
						assert.match(
							String(item.json.error),
							new RegExp(`Redis at 127\\.0\\.0\\.1:${redis.port} \\(db 0\\)`),
							name,
						);
				}
			} finally {
				await redis.dispose();
			}
		},
	);
});
