import { priceUsage, type ModelPrice } from './pricing';

/**
 * Tokens in a prompt, counted with OpenAI's o200k_base encoding (gpt-4o, gpt-4.1, o-series,
 * gpt-5). For other vendors' models it is an estimate: Claude's tokenizer differs, so
 * leave headroom in the budget.
 */
export function promptTokens(text: string): number {
	if (text === '') return 0;
	const encoder = tokenizer();
	let total = 0;
	for (let start = 0; start < text.length; ) {
		const end = chunkEnd(text, start);
		total += encoder.countTokens(text.slice(start, end));
		start = end;
	}
	return total;
}

/**
 * The tokenizer's merging is quadratic in the length of one word: 64 KiB without a space
 * took 8.5 s, 256 KiB 105 s, with n8n's event loop blocked. So the prompt is counted in
 * chunks of at most TOKEN_CHUNK characters, cut before a whitespace (o200k's words carry
 * their leading space, so for text with words the count is exact) or, in a run without
 * one, anywhere but inside a surrogate pair (a token or so more per cut: an estimate).
 */
export const TOKEN_CHUNK = 1024;

function chunkEnd(text: string, start: number): number {
	const limit = start + TOKEN_CHUNK;
	if (limit >= text.length) return text.length;
	for (let end = limit; end > start + TOKEN_CHUNK / 2; end--) {
		if (/\s/.test(text[end])) return end;
	}
	const code = text.charCodeAt(limit - 1);
	return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}

type Tokenizer = typeof import('gpt-tokenizer/cjs/encoding/o200k_base');
let loaded: Tokenizer | undefined;

/**
 * The encoding's tables are large (about 4 MB of code): loaded the first time a node
 * estimates from a prompt, not when n8n loads the package.
 */
function tokenizer(): Tokenizer {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	loaded ??= require('gpt-tokenizer/cjs/encoding/o200k_base') as Tokenizer;
	return loaded;
}

/**
 * Estimated cost of a call: the prompt's tokens at the input price, the expected output
 * at the output price (a prompt over the model's long-context threshold at its
 * long-context rates, as the call will be billed).
 */
export function estimateCallNanos(
	inputTokens: number,
	expectedOutputTokens: number,
	price: ModelPrice,
): number {
	const count = (tokens: number) =>
		Number.isFinite(tokens) ? Math.min(Math.max(0, Math.trunc(tokens)), 1e12) : 0;
	return priceUsage(
		{
			inputTokens: count(inputTokens),
			cachedInputTokens: 0,
			cacheWriteTokens: 0,
			outputTokens: count(expectedOutputTokens),
			reasoningTokens: 0,
		},
		price,
	).nanos;
}
