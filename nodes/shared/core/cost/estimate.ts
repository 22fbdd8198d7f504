import { divideRounded, toSafeNanos } from './money';
import type { ModelPrice } from './pricing';

/**
 * Tokens in a prompt, counted with OpenAI's o200k_base encoding (gpt-4o, gpt-4.1, o-series,
 * gpt-5). For other vendors' models it is an estimate: Claude's tokenizer differs, so
 * leave headroom in the budget.
 */
export function promptTokens(text: string): number {
	return text === '' ? 0 : tokenizer().countTokens(text);
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

/** Estimated cost of a call: the prompt's tokens at the input price, the expected output at the output price. */
export function estimateCallNanos(inputTokens: number, expectedOutputTokens: number, price: ModelPrice): number {
	const count = (tokens: number) => BigInt(Number.isFinite(tokens) ? Math.max(0, Math.trunc(tokens)) : 0);
	const total = count(inputTokens) * price.input + count(expectedOutputTokens) * price.output;
	return toSafeNanos(divideRounded(total, 1_000_000n));
}
