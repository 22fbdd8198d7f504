import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { priceBook, priceUsage } from '../../../nodes/shared/core/cost/pricing';
import { parseUsage } from '../../../nodes/shared/core/cost/usage';
import { anthropic, anthropicPlain, n8nLangchain, openAiChat, openAiResponses } from './fixtures';

function usageOf(source: unknown, format: Parameters<typeof parseUsage>[1] = 'auto') {
	const parsed = parseUsage(source, format);
	assert.ok(parsed.ok, parsed.ok ? '' : parsed.problem);
	return parsed;
}

describe('usage parsing', () => {
	it('reads OpenAI chat completions, taking cached tokens out of the input', () => {
		const parsed = usageOf(openAiChat);
		assert.equal(parsed.format, 'openaiChat');
		assert.equal(parsed.model, 'gpt-4o-2024-08-06');
		assert.deepEqual(parsed.usage, {
			inputTokens: 93,
			cachedInputTokens: 1024,
			cacheWriteTokens: 0,
			outputTokens: 46,
			reasoningTokens: 0,
		});
		assert.deepEqual(usageOf(openAiChat, 'openaiChat').usage, parsed.usage);
	});

	it('reads the OpenAI Responses API with reasoning inside the output', () => {
		const parsed = usageOf(openAiResponses);
		assert.equal(parsed.format, 'openaiResponses');
		assert.equal(parsed.model, 'o4-mini-2025-04-16');
		assert.deepEqual(parsed.usage, {
			inputTokens: 200,
			cachedInputTokens: 128,
			cacheWriteTokens: 0,
			outputTokens: 852,
			reasoningTokens: 640,
		});
	});

	it('reads Anthropic messages with cache creation and reads beside the input', () => {
		const parsed = usageOf(anthropic);
		assert.equal(parsed.format, 'anthropic');
		assert.deepEqual(parsed.usage, {
			inputTokens: 21,
			cachedInputTokens: 0,
			cacheWriteTokens: 188086,
			outputTokens: 393,
			reasoningTokens: 0,
		});
		const plain = usageOf(anthropicPlain);
		assert.equal(plain.format, 'anthropic', 'input_tokens from a claude model is Anthropic');
		assert.deepEqual(plain.usage, {
			inputTokens: 12,
			cachedInputTokens: 0,
			cacheWriteTokens: 0,
			outputTokens: 6,
			reasoningTokens: 0,
		});
	});

	it("reads n8n's AI node token usage", () => {
		const parsed = usageOf(n8nLangchain);
		assert.equal(parsed.format, 'langchain');
		assert.equal(parsed.model, null);
		assert.deepEqual(parsed.usage, {
			inputTokens: 24,
			cachedInputTokens: 0,
			cacheWriteTokens: 0,
			outputTokens: 9,
			reasoningTokens: 0,
		});
	});

	it('finds usage one level down, as an HTTP node with full response puts it', () => {
		const parsed = usageOf({ body: openAiChat, headers: {}, statusCode: 200 });
		assert.equal(parsed.model, 'gpt-4o-2024-08-06');
		assert.equal(parsed.usage.outputTokens, 46);
		const at = parseUsage(
			{ meta: { usage: openAiChat.usage, model: 'gpt-4o' } },
			'auto',
			'meta.usage',
		);
		assert.ok(at.ok && at.model === 'gpt-4o');
	});

	it('reads fields the user names', () => {
		const parsed = parseUsage({ tokens: { in: '120', out: 30, model: 'x' } }, 'fields', '', {
			inputTokens: 'tokens.in',
			outputTokens: 'tokens.out',
			model: 'tokens.model',
		});
		assert.ok(parsed.ok);
		assert.deepEqual(parsed.usage, {
			inputTokens: 120,
			cachedInputTokens: 0,
			cacheWriteTokens: 0,
			outputTokens: 30,
			reasoningTokens: 0,
		});
		assert.equal(parsed.model, 'x');
		assert.equal(parseUsage({}, 'fields', '', { inputTokens: '', outputTokens: 'x' }).ok, false);
	});

	it('never caps cached tokens below zero input', () => {
		const parsed = usageOf({
			model: 'gpt-4o',
			usage: {
				prompt_tokens: 10,
				completion_tokens: 1,
				prompt_tokens_details: { cached_tokens: 50 },
			},
		});
		assert.equal(parsed.usage.inputTokens, 0);
		assert.equal(parsed.usage.cachedInputTokens, 10);
	});

	it('refuses hostile and broken usage with a reason', () => {
		const cases: Array<[unknown, RegExp]> = [
			[null, /No usage object/],
			['text', /No usage object/],
			[{}, /No usage object/],
			[{ usage: 'lots' }, /No usage object/],
			[{ usage: {} }, /no token counts/],
			[{ usage: { prompt_tokens: -1, completion_tokens: 2 } }, /not a token count/],
			[{ usage: { prompt_tokens: 1.5, completion_tokens: 2 } }, /not a token count/],
			[{ usage: { prompt_tokens: '1e3', completion_tokens: 2 } }, /not a token count/],
			[{ usage: { prompt_tokens: 1e15, completion_tokens: 2 } }, /not a token count/],
			[{ usage: { prompt_tokens: 5, completion_tokens: { n: 1 } } }, /not a token count/],
			[{ usage: { prompt_tokens: null, completion_tokens: 1 } }, /prompt_tokens is missing/],
			[JSON.parse('{"__proto__": {"usage": {"prompt_tokens": 5}}}'), /No usage object/],
			[{ usage: JSON.parse('{"__proto__": {"prompt_tokens": 5}}') }, /no token counts/],
		];
		for (const [source, reason] of cases) {
			const parsed = parseUsage(source, 'auto');
			assert.equal(parsed.ok, false, JSON.stringify(source));
			assert.match(parsed.ok ? '' : parsed.problem, reason, JSON.stringify(source));
		}
		assert.equal(
			parseUsage(openAiChat, 'anthropic').ok,
			false,
			'a chat completion is not an Anthropic message',
		);
		assert.equal(parseUsage({ usage: { prompt_tokens: 1 } }, 'auto', 'nowhere').ok, false);
	});
});

describe('usage of Gemini and Bedrock responses, priced at their tables', () => {
	const book = priceBook();

	it('reads Gemini usageMetadata: cached tokens out of the prompt, thinking tokens into the output', () => {
		// A generateContent response (ai.google.dev/api/generate-content#UsageMetadata).
		const response = {
			candidates: [{ content: { parts: [{ text: 'ok' }], role: 'model' }, finishReason: 'STOP' }],
			usageMetadata: {
				promptTokenCount: 250_000,
				candidatesTokenCount: 1_000,
				cachedContentTokenCount: 100_000,
				thoughtsTokenCount: 500,
				totalTokenCount: 251_500,
			},
			modelVersion: 'gemini-2.5-pro',
		};
		const parsed = parseUsage(response, 'auto');
		assert.ok(parsed.ok);
		assert.deepEqual(
			[
				parsed.format,
				parsed.model,
				parsed.usage.inputTokens,
				parsed.usage.cachedInputTokens,
				parsed.usage.outputTokens,
			],
			['gemini', 'gemini-2.5-pro', 150_000, 100_000, 1_500],
		);
		// 250K prompt > 200K: 150,000 × $2.50 + 100,000 × $0.25 + 1,500 × $15 per million
		// = 0.375 + 0.025 + 0.0225 = $0.4225.
		assert.equal(priceUsage(parsed.usage, book.priceOf(parsed.model!)!).nanos, 422_500_000);
	});

	it('reads Bedrock Converse usage, cache reads and writes beside the input', () => {
		const response = {
			output: { message: { role: 'assistant', content: [{ text: 'ok' }] } },
			stopReason: 'end_turn',
			usage: {
				inputTokens: 2_000,
				outputTokens: 300,
				totalTokens: 12_300,
				cacheReadInputTokens: 8_000,
				cacheWriteInputTokens: 2_000,
			},
			metrics: { latencyMs: 900 },
		};
		const parsed = parseUsage(response, 'auto');
		assert.ok(parsed.ok);
		assert.equal(parsed.format, 'bedrock');
		assert.equal(parsed.model, null, 'Converse names no model: set the Model parameter');
		// us.anthropic.claude-haiku-4-5: 2,000 × $1 + 8,000 × $0.10 + 2,000 × $1.25 + 300 × $5 per million
		// = 0.002 + 0.0008 + 0.0025 + 0.0015 = $0.0068.
		const price = book.priceOf('us.anthropic.claude-haiku-4-5-20251001-v1:0')!;
		assert.equal(priceUsage(parsed.usage, price).nanos, 6_800_000);
		assert.equal(parseUsage({ usage: { inputTokens: -3 } }, 'bedrock').ok, false);
		assert.equal(parseUsage({ usageMetadata: { promptTokenCount: 'x' } }, 'gemini').ok, false);
	});
});
