import { divideRounded, MoneyError, parseMoneyNanos, toSafeNanos } from './money';
import type { TokenUsage } from './usage';

/**
 * Prices per million tokens as published by the vendors, in the currency's decimal
 * notation. `cachedInput` is the price of input tokens read from the prompt cache
 * (OpenAI cached tokens, Anthropic cache reads); `cacheWrite` the price of input tokens
 * written to it (Anthropic cache creation, 5-minute lifetime). Missing rates fall back
 * to `input`.
 */
export interface PriceEntry {
	input: string;
	output: string;
	cachedInput?: string;
	cacheWrite?: string;
}

/** A price in nanos per million tokens (integers, so a token's cost is exact). */
export interface ModelPrice {
	model: string;
	input: bigint;
	output: bigint;
	cachedInput: bigint;
	cacheWrite: bigint;
	/** Where the price came from: the built-in table (with its date), an override, or the fallback. */
	source: 'builtIn' | 'override' | 'fallback';
}

/** The date the built-in table was last checked against the vendors' price pages. */
export const PRICE_TABLE_DATE = '2025-11-25';

/**
 * Standard (not batch, not priority) prices in USD per million tokens, from
 * openai.com/api/pricing and anthropic.com/pricing. Dated: prices change, so the node
 * lets a user override any model, and shows which price it used.
 */
export const BUILT_IN_PRICES: Readonly<Record<string, PriceEntry>> = Object.freeze({
	// OpenAI
	'gpt-5': { input: '1.25', cachedInput: '0.125', output: '10.00' },
	'gpt-5-mini': { input: '0.25', cachedInput: '0.025', output: '2.00' },
	'gpt-5-nano': { input: '0.05', cachedInput: '0.005', output: '0.40' },
	'gpt-4.1': { input: '2.00', cachedInput: '0.50', output: '8.00' },
	'gpt-4.1-mini': { input: '0.40', cachedInput: '0.10', output: '1.60' },
	'gpt-4.1-nano': { input: '0.10', cachedInput: '0.025', output: '0.40' },
	'gpt-4o': { input: '2.50', cachedInput: '1.25', output: '10.00' },
	'gpt-4o-mini': { input: '0.15', cachedInput: '0.075', output: '0.60' },
	o1: { input: '15.00', cachedInput: '7.50', output: '60.00' },
	'o1-mini': { input: '1.10', cachedInput: '0.55', output: '4.40' },
	o3: { input: '2.00', cachedInput: '0.50', output: '8.00' },
	'o3-mini': { input: '1.10', cachedInput: '0.55', output: '4.40' },
	'o4-mini': { input: '1.10', cachedInput: '0.275', output: '4.40' },
	// Anthropic: cache writes at 1.25× input (5-minute cache), cache reads at 0.1× input.
	'claude-opus-4-5': { input: '5.00', cacheWrite: '6.25', cachedInput: '0.50', output: '25.00' },
	'claude-opus-4-1': { input: '15.00', cacheWrite: '18.75', cachedInput: '1.50', output: '75.00' },
	'claude-opus-4-0': { input: '15.00', cacheWrite: '18.75', cachedInput: '1.50', output: '75.00' },
	'claude-opus-4': { input: '15.00', cacheWrite: '18.75', cachedInput: '1.50', output: '75.00' },
	'claude-sonnet-4-5': { input: '3.00', cacheWrite: '3.75', cachedInput: '0.30', output: '15.00' },
	'claude-sonnet-4-0': { input: '3.00', cacheWrite: '3.75', cachedInput: '0.30', output: '15.00' },
	'claude-sonnet-4': { input: '3.00', cacheWrite: '3.75', cachedInput: '0.30', output: '15.00' },
	'claude-3-7-sonnet': { input: '3.00', cacheWrite: '3.75', cachedInput: '0.30', output: '15.00' },
	'claude-haiku-4-5': { input: '1.00', cacheWrite: '1.25', cachedInput: '0.10', output: '5.00' },
	'claude-3-5-haiku': { input: '0.80', cacheWrite: '1.00', cachedInput: '0.08', output: '4.00' },
	'claude-3-haiku': { input: '0.25', cacheWrite: '0.30', cachedInput: '0.03', output: '1.25' },
});

/** A vendor's dated snapshot name: the table's "gpt-4o" also prices "gpt-4o-2024-08-06". */
const SNAPSHOT_SUFFIX = /^-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

export function normaliseModel(model: string): string {
	return model.trim().toLowerCase();
}

/** Compiles a price entry, naming the model and the rate that is wrong. */
export function compilePrice(
	model: string,
	entry: PriceEntry,
	source: ModelPrice['source'],
): ModelPrice {
	const rate = (
		name: keyof PriceEntry,
		value: string | undefined,
		fallback: bigint | null,
	): bigint => {
		if ((value === undefined || value.trim() === '') && fallback !== null) return fallback;
		try {
			// Per million tokens in nanos: a price in currency units × 1e9.
			return parseMoneyNanos(value ?? '');
		} catch (error) {
			throw new MoneyError(`Price of ${model}, ${name}: ${(error as Error).message}`);
		}
	};
	const input = rate('input', entry.input, null);
	return {
		model,
		input,
		output: rate('output', entry.output, null),
		cachedInput: rate('cachedInput', entry.cachedInput, input),
		cacheWrite: rate('cacheWrite', entry.cacheWrite, input),
		source,
	};
}

export interface PriceBook {
	/** The price of a model, or null when neither the overrides, the table nor a fallback know it. */
	priceOf(model: string): ModelPrice | null;
}

/**
 * Overrides win over the built-in table; an unknown model gets the fallback price when
 * there is one. Model names match case-insensitively, and a dated snapshot name
 * ("claude-sonnet-4-5-20250929") matches its family's entry; otherwise names must match
 * exactly, so "gpt-4o-audio-preview" is not priced as "gpt-4o".
 */
export function priceBook(
	overrides: Record<string, PriceEntry> = {},
	fallback: PriceEntry | null = null,
	useBuiltIn = true,
): PriceBook {
	const compiled = new Map<string, ModelPrice>();
	if (useBuiltIn) {
		for (const [model, entry] of Object.entries(BUILT_IN_PRICES))
			compiled.set(model, compilePrice(model, entry, 'builtIn'));
	}
	for (const [model, entry] of Object.entries(overrides)) {
		const name = normaliseModel(model);
		if (name === '') throw new MoneyError('A price override has no model name');
		compiled.set(name, compilePrice(name, entry, 'override'));
	}
	const fallbackPrice = fallback === null ? null : compilePrice('fallback', fallback, 'fallback');
	const names = [...compiled.keys()].sort((a, b) => b.length - a.length);
	return {
		priceOf(model: string): ModelPrice | null {
			const name = normaliseModel(model);
			const exact = compiled.get(name);
			if (exact) return exact;
			for (const candidate of names) {
				if (name.startsWith(candidate) && SNAPSHOT_SUFFIX.test(name.slice(candidate.length)))
					return compiled.get(candidate)!;
			}
			return fallbackPrice === null ? null : { ...fallbackPrice, model: name };
		},
	};
}

export interface PricedUsage {
	/** Total cost, nanos (rounded half up once, over the whole item). */
	nanos: number;
	/** Per kind of token, nanos times a million (exact): input, cached input, cache write, output. */
	parts: { input: bigint; cachedInput: bigint; cacheWrite: bigint; output: bigint };
}

const PER_MILLION = 1_000_000n;

/** The exact cost of one response's usage at a model's price. */
export function priceUsage(usage: TokenUsage, price: ModelPrice): PricedUsage {
	const parts = {
		input: BigInt(usage.inputTokens) * price.input,
		cachedInput: BigInt(usage.cachedInputTokens) * price.cachedInput,
		cacheWrite: BigInt(usage.cacheWriteTokens) * price.cacheWrite,
		output: BigInt(usage.outputTokens) * price.output,
	};
	const total = parts.input + parts.cachedInput + parts.cacheWrite + parts.output;
	return { nanos: toSafeNanos(divideRounded(total, PER_MILLION)), parts };
}
