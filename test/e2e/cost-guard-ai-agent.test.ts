// Cost Guard and n8n's AI Agent in a real n8n (issue 20): the shipped example
// examples/cost-guard-ai-agent.json — Check Budget → AI Agent with n8n's own OpenAI Chat
// Model → Record Usage (n8n AI Model Node Calls) — against an OpenAI-compatible stand-in
// on 127.0.0.1 (the credential's Base URL). The stand-in answers each chat completion with
// a usage of its own choosing; the recorded tokens and cost must match it exactly, call by
// call, record by record, and in the Report. A tight budget then shows the cheaper-model
// route: the model expression picks gpt-4o-mini once Check Budget stamps nearLimit.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import { formatNanos } from '../../nodes/shared/core/cost/money';
import { PACKAGE_NAME, repoRoot, startN8n, type N8nInstance, type WorkflowJson } from './harness';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const COST_GUARD = `${PACKAGE_NAME}.costGuard`;

/** Built-in prices per million tokens, in nanos per token: gpt-4o 2.50 / 10.00, gpt-4o-mini 0.15 / 0.60. */
const PRICES: Record<string, { input: number; output: number }> = {
	'gpt-4o': { input: 2_500, output: 10_000 },
	'gpt-4o-mini': { input: 150, output: 600 },
};

interface Call {
	model: string;
	question: string;
	promptTokens: number;
	completionTokens: number;
}

/** The stand-in's usage for a question: different for every question, so a mix-up shows. */
function usageFor(question: string): { promptTokens: number; completionTokens: number } {
	const seed = [...question].reduce((sum, character) => sum + character.charCodeAt(0), 0);
	return { promptTokens: 1_000 + (seed % 977), completionTokens: 40 + (seed % 61) };
}

/** An OpenAI-compatible chat completions endpoint that logs every call it answers. */
async function startStandIn(): Promise<{ server: Server; url: string; calls: Call[] }> {
	const calls: Call[] = [];
	const server = createServer((request, response) => {
		text(request)
			.then((raw) => {
				if (!request.url?.endsWith('/chat/completions')) {
					response.writeHead(404, { 'content-type': 'application/json' });
					response.end(JSON.stringify({ error: { message: `no ${request.url}` } }));
					return;
				}
				const body = JSON.parse(raw) as {
					model: string;
					messages: Array<{ role: string; content: unknown }>;
				};
				const question = String(
					body.messages.filter((message) => message.role === 'user').at(-1)?.content ?? '',
				);
				const usage = usageFor(question);
				calls.push({ model: body.model, question, ...usage });
				response.writeHead(200, { 'content-type': 'application/json' });
				response.end(
					JSON.stringify({
						id: `chatcmpl-${calls.length}`,
						object: 'chat.completion',
						created: Math.floor(Date.now() / 1000),
						model: body.model,
						choices: [
							{
								index: 0,
								message: { role: 'assistant', content: `Answer to: ${question}`, refusal: null },
								logprobs: null,
								finish_reason: 'stop',
							},
						],
						usage: {
							prompt_tokens: usage.promptTokens,
							completion_tokens: usage.completionTokens,
							total_tokens: usage.promptTokens + usage.completionTokens,
						},
					}),
				);
			})
			.catch((error: unknown) => {
				response.writeHead(500);
				response.end(String(error));
			});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, calls };
}

const nanosOf = (call: Call) =>
	call.promptTokens * PRICES[call.model].input + call.completionTokens * PRICES[call.model].output;

function example(budget: string, credential: { id: string; name: string }, limits: IDataObject) {
	const json = JSON.parse(
		readFileSync(path.join(repoRoot(), 'examples', 'cost-guard-ai-agent.json'), 'utf8'),
	) as WorkflowJson;
	for (const node of json.nodes) {
		const parameters = node.parameters as IDataObject;
		if (node.type === COST_GUARD)
			Object.assign(parameters, { budgetName: budget, scope: `ai-agent-e2e-${RUN}` });
		if (node.name === 'Check Budget') parameters.limits = limits;
		if (node.credentials) node.credentials = { openAiApi: credential };
	}
	return { ...json, name: `e2e ${budget}` };
}

describe('n8n end to end: Cost Guard records what an AI Agent spent', () => {
	let n8n: N8nInstance;
	let standIn: Awaited<ReturnType<typeof startStandIn>>;
	let credential: { id: string; name: string };

	before(
		async () => {
			standIn = await startStandIn();
			n8n = await startN8n();
			credential = await n8n.createCredential('openAiApi', 'OpenAI stand-in', {
				apiKey: 'sk-stand-in',
				url: standIn.url,
			});
		},
		{ timeout: 20 * 60_000 },
	);

	/** Today's figures of a budget, from a Report node run in n8n. */
	async function dayReport(budget: string): Promise<IDataObject> {
		const report = await n8n.importWorkflow({
			name: `e2e report ${budget}`,
			nodes: [
				{
					name: 'Run',
					type: 'n8n-nodes-base.manualTrigger',
					typeVersion: 1,
					position: [0, 0],
					parameters: {},
				},
				{
					name: 'Report',
					type: COST_GUARD,
					typeVersion: 1,
					position: [200, 0],
					parameters: { operation: 'report', budgetName: budget, scope: `ai-agent-e2e-${RUN}` },
				},
			],
			connections: { Run: { main: [[{ node: 'Report', type: 'main', index: 0 }]] } },
			settings: { executionOrder: 'v1' },
		} as WorkflowJson);
		const reported = await n8n.executeById(report.id);
		return (reported.json('Report', 'Report')[0].periods as IDataObject).day as IDataObject;
	}

	/** Imports the example for a fresh budget with these limits, runs it, and checks it succeeded. */
	async function runExample(
		budget: string,
		limits: IDataObject,
		recordUsage: IDataObject = {},
		status = 'success',
	) {
		const json = example(budget, credential, limits);
		Object.assign(
			json.nodes.find((node) => node.name === 'Record Usage')!.parameters!,
			recordUsage,
		);
		const workflow = await n8n.importWorkflow(json);
		const execution = await n8n.executeById(workflow.id);
		assert.equal(
			execution.status,
			status,
			`${JSON.stringify(execution.error)}\n${n8n.logTail(40)}`,
		);
		return execution;
	}

	after(
		async () => {
			await n8n?.stop();
			await new Promise((resolve) => standIn?.server.close(resolve));
		},
		{ timeout: 60_000 },
	);

	it(
		'records every model call of the agent, priced exactly as the stand-in reported it',
		{ timeout: 5 * 60_000 },
		async (t) => {
			const budget = `agent-${RUN}`;
			const execution = await runExample(budget, { dailyLimit: '5.00' });
			const calls = [...standIn.calls];
			t.diagnostic(`[e2e] stand-in calls: ${JSON.stringify(calls)}`);
			assert.equal(calls.length, 4, 'one model call per question (no tools)');
			assert.deepEqual(
				calls.map((call) => call.model),
				['gpt-4o', 'gpt-4o', 'gpt-4o', 'gpt-4o'],
				'far from the limit: the full model',
			);
			const recorded = execution.json('Record Usage', 'Recorded');
			assert.equal(recorded.length, 4);
			const total = calls.reduce((sum, call) => sum + nanosOf(call), 0);
			const costs = recorded.map((json) => json.cost as IDataObject);
			const summary = costs[0].calls as IDataObject;
			assert.deepEqual(
				{
					count: summary.count,
					estimated: summary.estimated,
					nanos: summary.nanos,
					models: summary.models,
				},
				{ count: 4, estimated: 0, nanos: total, models: ['gpt-4o'] },
			);
			assert.deepEqual(costs[0].tokens, {
				input: calls.reduce((sum, call) => sum + call.promptTokens, 0),
				cachedInput: 0,
				cacheWrite: 0,
				output: calls.reduce((sum, call) => sum + call.completionTokens, 0),
				reasoning: 0,
			});
			assert.equal(
				costs.reduce((sum, cost) => sum + (cost.nanos as number), 0),
				total,
				'the records share the calls to the nano',
			);
			assert.ok(costs.every((cost) => Math.abs((cost.nanos as number) - total / 4) <= 1));
			assert.deepEqual(
				recorded.map((json) => json.output),
				calls.map((call) => `Answer to: ${call.question}`),
				'each record is the answer to its own question',
			);
			// n8n's own run data of the model node holds the same usage, call by call.
			const modelRuns = execution.data.resultData.runData['OpenAI Chat Model'];
			assert.deepEqual(
				modelRuns.map((run) => run.data?.ai_languageModel?.[0]?.[0]?.json.tokenUsage),
				calls.map((call) => ({
					promptTokens: call.promptTokens,
					completionTokens: call.completionTokens,
					totalTokens: call.promptTokens + call.completionTokens,
				})),
			);

			// A Report of the budget: the spend is the stand-in's usage at the price, the estimates released.
			const day = await dayReport(budget);
			assert.deepEqual(
				[day.spentExact, day.records, day.reserved, day.itemsLetThrough],
				[formatNanos(total), 4, 0, 4],
			);
		},
	);

	it(
		'near the limit the cheaper agent answers, and each call is priced at its own model',
		{ timeout: 5 * 60_000 },
		async (t) => {
			standIn.calls.length = 0;
			const budget = `agent-tight-${RUN}`;
			// Estimates of 0.01 against 0.04: the records commit 25, 50, 75 and 100% of the limit; near from 80%.
			const execution = await runExample(budget, { dailyLimit: '0.04' });
			const stamps = execution
				.json('Check Budget', 'Within Budget')
				.map((json) => json.costGuard as IDataObject);
			assert.deepEqual(
				stamps.map((stamp) => [stamp.percentOfLimit, stamp.nearLimit]),
				[
					[25, false],
					[50, false],
					[75, false],
					[100, true],
				],
			);
			const calls = [...standIn.calls];
			t.diagnostic(`[e2e] stand-in calls: ${JSON.stringify(calls)}`);
			assert.deepEqual(calls.map((call) => call.model).sort(), [
				'gpt-4o',
				'gpt-4o',
				'gpt-4o',
				'gpt-4o-mini',
			]);
			const small = calls.filter((call) => call.model === 'gpt-4o-mini');
			assert.equal(small[0].question, 'What does error 429 mean?', 'the record near the limit');
			// Record Usage ran once per branch; each run recorded the calls made before it, once.
			const runs = [0, 1].map((run) => execution.json('Record Usage', 'Recorded', run));
			const summaries = runs
				.map((records) => (records[0].cost as IDataObject).calls as IDataObject)
				// n8n runs the IF's branches in its own order: compare them in one.
				.sort((a, b) => (a.count as number) - (b.count as number));
			assert.deepEqual(
				summaries.map((summary) => [summary.models, summary.count, summary.records]),
				[
					[['gpt-4o-mini'], 1, 1],
					[['gpt-4o'], 3, 3],
				],
			);
			assert.equal(summaries[0].nanos, nanosOf(small[0]));
			assert.equal(
				summaries[1].nanos,
				calls
					.filter((call) => call.model === 'gpt-4o')
					.reduce((sum, call) => sum + nanosOf(call), 0),
			);
		},
	);

	it(
		'fails visibly, recording nothing, when the model nodes are misnamed or a call cannot be priced',
		{ timeout: 5 * 60_000 },
		async () => {
			const misnamed = await runExample(
				`agent-misnamed-${RUN}`,
				{ dailyLimit: '5.00' },
				{ modelNodes: 'OpenAI Model' },
				'error',
			);
			assert.match(
				JSON.stringify(misnamed.error),
				/Model Nodes names no node that ran in this execution \(\\?"OpenAI Model\\?"\)/,
			);
			const unpriced = await runExample(
				`agent-unpriced-${RUN}`,
				{ dailyLimit: '5.00' },
				{ model: 'my-private-model' },
				'error',
			);
			for (const budget of [`agent-misnamed-${RUN}`, `agent-unpriced-${RUN}`]) {
				const day = await dayReport(budget);
				assert.deepEqual([day.spentExact, day.records], ['0.00', 0], `${budget}: nothing recorded`);
			}
			assert.match(
				JSON.stringify(unpriced.error),
				/The AI model calls cannot be priced: OpenAI Chat Model, call 1: no price for model \\?"my-private-model\\?"/,
			);
		},
	);
});
