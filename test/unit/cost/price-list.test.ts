/**
 * Price lists in LiteLLM's model_prices_and_context_window.json shape, loaded over the
 * built-in table: converted exactly, merged under the node's overrides, and refused
 * clearly (naming the model and field) when hostile.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	MAX_PRICE_LIST_CHARACTERS,
	MAX_PRICE_LIST_MODELS,
	parsePriceList,
	perMillion,
} from '../../../nodes/shared/core/cost/priceList';
import { priceBook, priceUsage } from '../../../nodes/shared/core/cost/pricing';
import type { TokenUsage } from '../../../nodes/shared/core/cost/usage';

const usage = (partial: Partial<TokenUsage>): TokenUsage => ({
	inputTokens: 0,
	cachedInputTokens: 0,
	cacheWriteTokens: 0,
	outputTokens: 0,
	reasoningTokens: 0,
	...partial,
});

/** Entries as LiteLLM writes them (fields and values from its file, with other fields it has). */
const LITELLM = {
	sample_spec: {
		max_tokens: 'LEGACY parameter. set to max_output_tokens if provider specifies it.',
		input_cost_per_token: 0.0,
		output_cost_per_token: 0.0,
		litellm_provider: 'one of https://docs.litellm.ai/docs/providers',
	},
	'claude-sonnet-4-5-20250929': {
		cache_creation_input_token_cost: 3.75e-6,
		cache_creation_input_token_cost_above_1hr: 6e-6,
		cache_read_input_token_cost: 3e-7,
		input_cost_per_token: 3e-6,
		input_cost_per_token_above_200k_tokens: 6e-6,
		output_cost_per_token_above_200k_tokens: 2.25e-5,
		cache_creation_input_token_cost_above_200k_tokens: 7.5e-6,
		cache_read_input_token_cost_above_200k_tokens: 6e-7,
		input_cost_per_token_batches: 1.5e-6,
		output_cost_per_token_batches: 7.5e-6,
		litellm_provider: 'anthropic',
		max_input_tokens: 200000,
		mode: 'chat',
		output_cost_per_token: 1.5e-5,
		supports_prompt_caching: true,
	},
	'gemini/gemini-1.5-pro': {
		input_cost_per_token: 1.25e-6,
		input_cost_per_token_above_128k_tokens: 2.5e-6,
		output_cost_per_token: 5e-6,
		output_cost_per_token_above_128k_tokens: 1e-5,
		litellm_provider: 'gemini',
		mode: 'chat',
	},
	'gpt-4o': {
		cache_read_input_token_cost: 1.25e-6,
		input_cost_per_token: 2.5e-6,
		output_cost_per_token: 1e-5,
		litellm_provider: 'openai',
		mode: 'chat',
	},
	'dall-e-3': { input_cost_per_pixel: 4e-8, output_cost_per_token: 0.0, mode: 'image_generation' },
};

describe('price lists in LiteLLM format', () => {
	it('converts prices per token to prices per million exactly, never through floats', () => {
		const cases: Array<[number, string]> = [
			[3e-6, '3'],
			[3.75e-6, '3.75'],
			[1.25e-7, '0.125'],
			[2.25e-5, '22.5'],
			[8.75e-9, '0.00875'],
			[0, '0'],
			[1.1e-6, '1.1'],
			[1e-15, '0.000000001'],
			[4e-16, '0'],
			[0.000015, '15'],
		];
		for (const [perToken, expected] of cases)
			assert.equal(perMillion(perToken), expected, String(perToken));
	});

	it('reads every price field: cache reads and writes (5 minutes and 1 hour), long context, batch', () => {
		const list = parsePriceList(JSON.stringify(LITELLM));
		assert.equal(list.skipped, 1, 'the image model has no token prices');
		assert.equal(list.prices.has('sample_spec'), false);
		assert.deepEqual(list.prices.get('claude-sonnet-4-5-20250929'), {
			input: '3',
			output: '15',
			cachedInput: '0.3',
			cacheWrite: '3.75',
			cacheWrite1h: '6',
			longContext: {
				aboveTokens: 200_000,
				input: '6',
				output: '22.5',
				cachedInput: '0.6',
				cacheWrite: '7.5',
			},
			batchPercent: 50,
		});
		assert.deepEqual(list.prices.get('gemini/gemini-1.5-pro')?.longContext, {
			aboveTokens: 128_000,
			input: '2.5',
			output: '10',
		});
	});

	it('merges over the built-in table, under the overrides, and prices calls to the nano', () => {
		const cheaper = { ...LITELLM, 'gpt-4o': { ...LITELLM['gpt-4o'], input_cost_per_token: 2e-6 } };
		const { prices } = parsePriceList(cheaper);
		const book = priceBook({ 'gpt-4o-mini': { input: '1', output: '1' } }, null, true, prices);
		assert.equal(book.priceOf('gpt-4o')?.source, 'priceList');
		assert.equal(book.priceOf('gpt-4o')?.input, 2_000_000_000n, 'the list wins over the table');
		assert.equal(book.priceOf('gpt-4o-mini')?.source, 'override');
		assert.equal(book.priceOf('claude-haiku-4-5')?.source, 'builtIn', 'the table fills the rest');
		// gemini-1.5-pro at 150K input (> 128K): 150,000 × $2.50 + 1,000 × $10 per million = $0.385.
		const gemini = book.priceOf('gemini/gemini-1.5-pro')!;
		assert.equal(
			priceUsage(usage({ inputTokens: 150_000, outputTokens: 1_000 }), gemini).nanos,
			385_000_000,
		);
		// Sonnet over 200K with a 1-hour write, from the list: 190,000 × $6 + 20,000 × $12 (1h write
		// scaled from the standard 1h rate as input is: 6 × 6/3) + 100 × $22.50 per million
		// = 1.14 + 0.24 + 0.00225 = $1.38225; at the batch price half of it.
		const sonnet = book.priceOf('claude-sonnet-4-5-20250929')!;
		const call = usage({
			inputTokens: 190_000,
			cacheWriteTokens: 20_000,
			cacheWrite1hTokens: 20_000,
			outputTokens: 100,
		});
		assert.equal(priceUsage(call, sonnet).nanos, 1_382_250_000);
		assert.equal(priceUsage(call, sonnet, { batch: true }).nanos, 691_125_000);
	});

	it('refuses a bad price naming the model and the field', () => {
		const bad: Array<[unknown, RegExp]> = [
			[
				{ m: { input_cost_per_token: -1e-6, output_cost_per_token: 1e-6 } },
				/model "m", field input_cost_per_token: must be a price per token/,
			],
			[
				{ m: { input_cost_per_token: 'NaN', output_cost_per_token: 1e-6 } },
				/model "m", field input_cost_per_token/,
			],
			[
				{ m: { input_cost_per_token: 1e-6, output_cost_per_token: '1e999' } },
				/model "m", field output_cost_per_token/,
			],
			[
				'{"m": {"input_cost_per_token": 1e999, "output_cost_per_token": 1}}',
				/model "m", field input_cost_per_token/,
			],
			[
				{ m: { input_cost_per_token: 1e-6, output_cost_per_token: true } },
				/model "m", field output_cost_per_token/,
			],
			[
				{ m: { input_cost_per_token: 5, output_cost_per_token: 1e-6 } },
				/model "m", field input_cost_per_token: must be a price per token from 0 to 1/,
			],
			[
				{
					m: {
						input_cost_per_token: 1e-6,
						output_cost_per_token: 1e-6,
						input_cost_per_token_batches: 2e-6,
					},
				},
				/model "m", field input_cost_per_token_batches/,
			],
			[{ m: 'cheap' }, /model "m": expected an object of prices/],
			[{ m: [1, 2] }, /model "m": expected an object of prices/],
			[[{ input_cost_per_token: 1 }], /must be a JSON object of model names/],
			['not json', /not JSON/],
			['null', /must be a JSON object/],
			[
				{ '': { input_cost_per_token: 1e-6, output_cost_per_token: 1e-6 } },
				/cannot be a model name/,
			],
			[
				{ ['x'.repeat(500)]: { input_cost_per_token: 1e-6, output_cost_per_token: 1e-6 } },
				/cannot be a model name/,
			],
			[
				{ 'a\nb': { input_cost_per_token: 1e-6, output_cost_per_token: 1e-6 } },
				/cannot be a model name/,
			],
		];
		for (const [input, message] of bad)
			assert.throws(() => parsePriceList(input), message, JSON.stringify(input)?.slice(0, 80));
	});

	it('refuses __proto__, constructor and prototype as models, and pollutes nothing', () => {
		for (const name of ['__proto__', 'constructor', 'prototype']) {
			const text = `{"${name}": {"input_cost_per_token": 1e-6, "output_cost_per_token": 1e-6, "polluted": true}}`;
			assert.throws(() => parsePriceList(text), /cannot be a model name/, name);
		}
		// An entry's own __proto__ key is ignored with every other field the node does not read.
		const list = parsePriceList(
			'{"m": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6, "__proto__": {"polluted": true}, "constructor": 1}}',
		);
		assert.deepEqual(list.prices.get('m'), { input: '1', output: '2' });
		assert.equal(({} as Record<string, unknown>).polluted, undefined);
		assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
		const book = priceBook({}, null, true, list.prices);
		assert.equal(book.priceOf('__proto__'), null);
		assert.equal(book.priceOf('m')?.output, 2_000_000_000n);
	});

	it('refuses huge lists before parsing them, and takes a LiteLLM-sized one quickly', () => {
		assert.throws(
			() => parsePriceList(' '.repeat(MAX_PRICE_LIST_CHARACTERS + 1)),
			/more than the \d+ a price list may have/,
		);
		const tooMany = Object.fromEntries(
			Array.from({ length: MAX_PRICE_LIST_MODELS + 1 }, (_, n) => [`m${n}`, {}]),
		);
		assert.throws(() => parsePriceList(tooMany), /names 50001 models/);
		// LiteLLM's file has about 2,500 models: 5,000 parse and merge without trouble.
		const big = Object.fromEntries(
			Array.from({ length: 5_000 }, (_, n) => [
				`model-${n}`,
				{ input_cost_per_token: (n + 1) * 1e-8, output_cost_per_token: 2e-6, mode: 'chat' },
			]),
		);
		const list = parsePriceList(JSON.stringify(big));
		assert.equal(list.prices.size, 5_000);
		assert.equal(list.prices.get('model-4999')?.input, '50');
	});
});
