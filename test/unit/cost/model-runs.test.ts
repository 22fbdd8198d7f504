/**
 * The token usage of n8n's AI model sub-nodes, read from an execution's run data in the
 * shape n8n 2.40's N8nLlmTracing writes it (ai-utilities/dist/cjs/utils/n8n-llm-tracing.js:
 * handleLLMStart's input override, handleLLMEnd's output); the split of a cost over
 * records; the percent of a limit that drives the cheaper-model route.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { decideAdmission, percentsOfLimit } from '../../../nodes/shared/core/cost/budget';
import { modelRunsOf, splitNanos } from '../../../nodes/shared/core/cost/modelRuns';

/** One model call as n8n keeps it: a run of the model node with ai_languageModel in and out. */
function call(model: string, usage: object | null, estimate?: object) {
	return {
		startTime: 1,
		executionTime: 5,
		executionStatus: 'success',
		source: [{ previousNode: 'AI Agent', previousNodeRun: 0 }],
		inputOverride: {
			ai_languageModel: [
				[
					{
						json: {
							messages: ['System: You are a helpful assistant\nHuman: hi'],
							estimatedTokens: 12,
							options: {
								model,
								timeout: 60000,
								max_retries: 2,
								openai_api_key: { lc: 1, type: 'secret' },
							},
						},
					},
				],
			],
		},
		data: {
			ai_languageModel: [
				[
					{
						json: {
							response: {
								generations: [[{ text: 'hello', generationInfo: { finish_reason: 'stop' } }]],
							},
							...(usage ? { tokenUsage: usage } : {}),
							...(estimate ? { tokenUsageEstimate: estimate } : {}),
						},
					},
				],
			],
		},
	};
}

describe('modelRunsOf', () => {
	const runData = {
		'When clicking Execute': [{ data: { main: [[{ json: {} }]] } }],
		'OpenAI Chat Model': [
			call('gpt-4o', { promptTokens: 1200, completionTokens: 80, totalTokens: 1280 }),
			call('gpt-4o-mini', { promptTokens: 300, completionTokens: 20, totalTokens: 320 }),
			// A failed call: no output, not billed.
			{ startTime: 1, executionTime: 1, error: { message: '429' }, data: {} },
			call('gpt-4o', null, { promptTokens: 50, completionTokens: 5, totalTokens: 55 }),
		],
		'Anthropic Chat Model': [
			call('claude-haiku-4-5', { promptTokens: 10, completionTokens: 2, totalTokens: 12 }),
		],
	};

	it('reads every call of the named nodes, with its model and whether n8n only estimated it', () => {
		const result = modelRunsOf(runData, ['OpenAI Chat Model', 'Anthropic Chat Model']);
		assert.deepEqual(result.missing, []);
		assert.deepEqual(result.problems, []);
		assert.deepEqual(
			result.runs.map((run) => [
				run.node,
				run.runIndex,
				run.model,
				run.usage.inputTokens,
				run.usage.outputTokens,
				run.estimated,
			]),
			[
				['OpenAI Chat Model', 0, 'gpt-4o', 1200, 80, false],
				['OpenAI Chat Model', 1, 'gpt-4o-mini', 300, 20, false],
				['OpenAI Chat Model', 3, 'gpt-4o', 50, 5, true],
				['Anthropic Chat Model', 0, 'claude-haiku-4-5', 10, 2, false],
			],
		);
	});

	it('names nodes that did not run, and refuses hostile run data without throwing', () => {
		assert.deepEqual(modelRunsOf(runData, ['Gemini']).missing, ['Gemini']);
		assert.deepEqual(modelRunsOf(runData, ['__proto__', 'constructor']).missing, [
			'__proto__',
			'constructor',
		]);
		assert.deepEqual(modelRunsOf(null, ['A']).missing, ['A']);
		assert.deepEqual(modelRunsOf([], ['A']).missing, ['A']);
		const bad = modelRunsOf(
			{
				M: [
					call('gpt-4o', { promptTokens: -1, completionTokens: 1 }),
					call('gpt-4o', { promptTokens: 'lots', completionTokens: 1 }),
					'not a task',
					{ data: { ai_languageModel: 'nope' } },
					{ data: { ai_languageModel: [[{ json: null }]] } },
				],
			},
			['M'],
		);
		assert.equal(bad.runs.length, 0);
		assert.equal(bad.problems.length, 2);
		assert.match(bad.problems[0], /^M, run 1: tokenUsage.promptTokens is not a token count/);
	});
});

describe('splitNanos', () => {
	it('splits to the nano, the parts adding up to the total', () => {
		assert.deepEqual(splitNanos(10, 3), [4, 3, 3]);
		assert.deepEqual(splitNanos(9, 3), [3, 3, 3]);
		assert.deepEqual(splitNanos(2, 4), [1, 1, 0, 0]);
		assert.deepEqual(splitNanos(0, 2), [0, 0]);
		assert.deepEqual(splitNanos(5, 0), []);
		const parts = splitNanos(1_234_567_891, 7);
		assert.equal(
			parts.reduce((sum, part) => sum + part, 0),
			1_234_567_891,
		);
	});
});

describe('percentsOfLimit: the cheaper-model route', () => {
	const day = (spentNanos: number, reservedNanos = 0) => ({
		period: 'day' as const,
		limit: { moneyNanos: 40_000_000, items: null },
		spentNanos,
		reservedNanos,
		items: 0,
	});

	it('is the share of the limit each item leaves committed, the worst period counting', () => {
		const estimates = [10_000_000, 10_000_000, 10_000_000, 10_000_000, 10_000_000];
		const standings = [day(0)];
		const admission = decideAdmission(estimates, standings);
		assert.deepEqual(percentsOfLimit(estimates, standings, admission), [25, 50, 75, 100, 125]);
		assert.deepEqual(admission.admitted, [true, true, true, true, false]);
		const hour = {
			...day(9_000_000),
			period: 'hour' as const,
			limit: { moneyNanos: 10_000_000, items: null },
		};
		assert.deepEqual(
			percentsOfLimit(
				[1_000_000],
				[day(0, 5_000_000), hour],
				decideAdmission([1_000_000], [day(0, 5_000_000), hour]),
			),
			[100],
		);
	});

	it('is null without a money limit', () => {
		const items = {
			period: 'day' as const,
			limit: { moneyNanos: null, items: 5 },
			spentNanos: 0,
			reservedNanos: 0,
			items: 0,
		};
		assert.deepEqual(percentsOfLimit([1], [items], decideAdmission([1], [items])), [null]);
	});
});
