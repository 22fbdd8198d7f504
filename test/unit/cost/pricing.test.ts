import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	BUILT_IN_PRICES,
	PRICE_TABLE_DATE,
	priceBook,
	priceUsage,
} from '../../../nodes/shared/core/cost/pricing';
import type { TokenUsage } from '../../../nodes/shared/core/cost/usage';

const usage = (partial: Partial<TokenUsage>): TokenUsage => ({
	inputTokens: 0,
	cachedInputTokens: 0,
	cacheWriteTokens: 0,
	outputTokens: 0,
	reasoningTokens: 0,
	...partial,
});

describe('price book', () => {
	const book = priceBook();

	it('has a dated table whose every entry compiles', () => {
		assert.match(PRICE_TABLE_DATE, /^\d{4}-\d{2}-\d{2}$/);
		for (const model of Object.keys(BUILT_IN_PRICES)) assert.ok(book.priceOf(model), model);
		for (const model of [
			'gpt-4o',
			'gpt-4o-mini',
			'gpt-4.1',
			'gpt-4.1-mini',
			'gpt-4.1-nano',
			'o3',
			'o4-mini',
			'gpt-5',
			'gpt-5-mini',
			'claude-sonnet-4-5',
			'claude-haiku-4-5',
			'claude-opus-4-1',
		]) {
			assert.ok(BUILT_IN_PRICES[model], `${model} is in the table`);
		}
	});

	it('prices dated snapshots as their family, and nothing else', () => {
		assert.equal(book.priceOf('gpt-4o-2024-08-06')?.model, 'gpt-4o');
		assert.equal(book.priceOf('gpt-4o-mini-2024-07-18')?.model, 'gpt-4o-mini');
		assert.equal(book.priceOf('GPT-4.1-MINI')?.model, 'gpt-4.1-mini');
		assert.equal(book.priceOf('claude-sonnet-4-5-20250929')?.model, 'claude-sonnet-4-5');
		assert.equal(book.priceOf('claude-opus-4-1-20250805')?.model, 'claude-opus-4-1');
		assert.equal(book.priceOf('claude-opus-4-20250514')?.model, 'claude-opus-4');
		assert.equal(book.priceOf('claude-3-5-haiku-latest')?.model, 'claude-3-5-haiku');
		assert.equal(book.priceOf('gpt-4o-audio-preview'), null);
		assert.equal(book.priceOf('gpt-4o-mini-realtime'), null);
		assert.equal(book.priceOf('gpt-4'), null);
		assert.equal(book.priceOf(''), null);
		assert.equal(book.priceOf('__proto__'), null);
		assert.equal(book.priceOf('constructor'), null);
	});

	it("finds other vendors' model names: Bedrock profiles and versions, Mistral and Gemini snapshots, Azure", () => {
		const found: Array<[string, string]> = [
			['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'anthropic.claude-sonnet-4-5'],
			['global.anthropic.claude-haiku-4-5-20251001-v1:0', 'anthropic.claude-haiku-4-5'],
			['anthropic.claude-3-5-haiku-20241022-v1:0', 'anthropic.claude-3-5-haiku'],
			['bedrock/eu.amazon.nova-pro-v1:0', 'amazon.nova-pro'],
			['amazon.nova-micro-v1:0', 'amazon.nova-micro'],
			['meta.llama3-3-70b-instruct-v1:0', 'meta.llama3-3-70b-instruct'],
			['mistral-large-2411', 'mistral-large'],
			['mistral-small-latest', 'mistral-small'],
			['codestral-2501', 'codestral'],
			['gemini-2.0-flash-001', 'gemini-2.0-flash'],
			['gemini-2.5-flash-lite-preview-06-17', 'gemini-2.5-flash-lite'],
			['Gemini-2.5-Pro', 'gemini-2.5-pro'],
			['azure/gpt-4o', 'azure/gpt-4o'],
			['azure/eu/gpt-4o-mini', 'azure/eu/gpt-4o-mini'],
		];
		for (const [name, family] of found) assert.equal(book.priceOf(name)?.model, family, name);
		for (const name of [
			'gemini-2.5-pro-exp',
			'mistral-large-instruct',
			'us.gpt-4o-x',
			'azure/gpt-4',
		]) {
			assert.equal(book.priceOf(name), null, name);
		}
	});

	it('lets overrides win and a fallback price unknown models', () => {
		const custom = priceBook(
			{ 'GPT-4o': { input: '2.00', output: '8.00' }, 'my-model': { input: '1', output: '2' } },
			{ input: '9', output: '9' },
		);
		assert.equal(custom.priceOf('gpt-4o')?.input, 2_000_000_000n);
		assert.equal(custom.priceOf('gpt-4o')?.source, 'override');
		assert.equal(
			custom.priceOf('gpt-4o')?.cachedInput,
			2_000_000_000n,
			'a missing cached rate is the input rate',
		);
		assert.equal(custom.priceOf('my-model')?.output, 2_000_000_000n);
		assert.equal(custom.priceOf('mystery')?.source, 'fallback');
		assert.equal(custom.priceOf('mystery')?.model, 'mystery');
		assert.throws(() => priceBook({ x: { input: 'cheap', output: '1' } }), /Price of x, input/);
		assert.throws(() => priceBook({ x: { input: '1', output: '' } }), /Price of x, output/);
		assert.throws(() => priceBook({ ' ': { input: '1', output: '1' } }), /no model name/);
	});

	it('prices OpenAI usage with cached input at the cached rate', () => {
		// gpt-4o: 1,000 uncached input at 2.50, 2,000 cached at 1.25, 500 output at 10.00 per million.
		const cost = priceUsage(
			usage({ inputTokens: 1000, cachedInputTokens: 2000, outputTokens: 500 }),
			book.priceOf('gpt-4o')!,
		);
		assert.equal(cost.nanos, 2_500 * 1000 + 1_250 * 2000 + 10_000 * 500);
	});

	it('prices Anthropic cache writes and reads', () => {
		// claude-sonnet-4-5: 100 input at 3, 5,000 cache write at 3.75, 20,000 cache read at 0.30, 300 output at 15.
		const cost = priceUsage(
			usage({
				inputTokens: 100,
				cacheWriteTokens: 5000,
				cachedInputTokens: 20000,
				outputTokens: 300,
			}),
			book.priceOf('claude-sonnet-4-5')!,
		);
		assert.equal(cost.nanos, 3_000 * 100 + 3_750 * 5000 + 300 * 20000 + 15_000 * 300);
	});

	it('rounds sub-nano costs half up, once per response', () => {
		const custom = priceBook({ tiny: { input: '0.0001', output: '0.0001' } }, null, false);
		// 0.0001 per million = 0.1 nano a token: 4 tokens round to 0, 5 to 1 (rounded once, not per kind).
		assert.equal(
			priceUsage(usage({ inputTokens: 2, outputTokens: 2 }), custom.priceOf('tiny')!).nanos,
			0,
		);
		assert.equal(
			priceUsage(usage({ inputTokens: 3, outputTokens: 2 }), custom.priceOf('tiny')!).nanos,
			1,
		);
		assert.equal(custom.priceOf('gpt-4o'), null, 'the built-in table can be left out');
	});
});
