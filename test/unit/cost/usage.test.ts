import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

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
