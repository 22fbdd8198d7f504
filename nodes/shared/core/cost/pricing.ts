import { divideRounded, MoneyError, parseMoneyNanos, toSafeNanos } from './money';
import type { TokenUsage } from './usage';

/**
 * Prices per million tokens as published by the vendors, in the currency's decimal
 * notation. `cachedInput` is the price of input tokens read from the prompt cache
 * (OpenAI cached tokens, Anthropic cache reads, Gemini context caching); `cacheWrite` the
 * price of input tokens written to it (Anthropic cache creation, 5-minute lifetime) and
 * `cacheWrite1h` with a one-hour lifetime. A missing `cachedInput` or `cacheWrite` is the
 * input price; a missing `cacheWrite1h` is the `cacheWrite` price.
 */
export interface PriceRates {
	input: string;
	output: string;
	cachedInput?: string;
	cacheWrite?: string;
	cacheWrite1h?: string;
}

/** The rates of a call whose prompt is longer than `aboveTokens` (a long-context tier). */
export interface LongContextRates extends PriceRates {
	/** Prompt size (input + cache reads + cache writes) above which every token of the call costs these rates. */
	aboveTokens: number;
}

export interface PriceEntry extends PriceRates {
	longContext?: LongContextRates;
	/** What a Batch API call pays, in percent of these prices (50: half price). */
	batchPercent?: number;
	/** The day this entry was checked against the vendor's price page, yyyy-MM-dd. */
	checked?: string;
}

/** Rates in nanos per million tokens (integers, so a token's cost is exact). */
export interface CompiledRates {
	input: bigint;
	output: bigint;
	cachedInput: bigint;
	cacheWrite: bigint;
	cacheWrite1h: bigint;
}

/** A compiled price. */
export interface ModelPrice extends CompiledRates {
	model: string;
	/** Where the price came from: the built-in table, a loaded price list, an override, or the fallback. */
	source: 'builtIn' | 'priceList' | 'override' | 'fallback';
	/** The day the price was checked, when known. */
	checked: string | null;
	longContext: (CompiledRates & { aboveTokens: number }) | null;
	/** Percent of the price a Batch API call pays, or null when the vendor has no batch price. */
	batchPercent: number | null;
}

/** The date the built-in table was last checked against the vendors' price pages (its newest entry). */
export const PRICE_TABLE_DATE = '2025-11-25';

/** Dates every entry of one vendor's block with the day it was checked, and its batch discount. */
function vendor(
	checked: string,
	batchPercent: number | undefined,
	entries: Record<string, PriceEntry>,
): Record<string, PriceEntry> {
	return Object.fromEntries(
		Object.entries(entries).map(([model, entry]) => [
			model,
			{ checked, ...(batchPercent === undefined ? {} : { batchPercent }), ...entry },
		]),
	);
}

/** Claude Sonnet 4 and 4.5 with the 1M context window: every token of a prompt over 200K at these rates. */
const SONNET_LONG_CONTEXT: LongContextRates = {
	aboveTokens: 200_000,
	input: '6.00',
	cacheWrite: '7.50',
	cacheWrite1h: '12.00',
	cachedInput: '0.60',
	output: '22.50',
};

/**
 * Standard (not priority or flex) list prices in USD per million tokens, each vendor's
 * block dated with the day it was checked. Sources: openai.com/api/pricing,
 * anthropic.com/pricing (cache writes 1.25× input for 5 minutes, 2× for 1 hour; reads
 * 0.1×), ai.google.dev/gemini-api/docs/pricing (paid tier; context-cache storage per hour
 * is not a token price and is not counted), mistral.ai/pricing, Azure OpenAI's Global
 * deployments (Data Zone deployments cost 10% more) and Amazon Bedrock on-demand in
 * us-east-1. Batch APIs cost half at every one of these vendors. Prices change: the node
 * lets a user load a price list or override any model, and shows which price it used.
 */
export const BUILT_IN_PRICES: Readonly<Record<string, PriceEntry>> = Object.freeze({
	...vendor('2025-11-25', 50, {
		'gpt-5.1': { input: '1.25', cachedInput: '0.125', output: '10.00' },
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
	}),
	...vendor('2025-11-25', 50, {
		'claude-opus-4-5': {
			input: '5.00',
			cacheWrite: '6.25',
			cacheWrite1h: '10.00',
			cachedInput: '0.50',
			output: '25.00',
		},
		'claude-opus-4-1': {
			input: '15.00',
			cacheWrite: '18.75',
			cacheWrite1h: '30.00',
			cachedInput: '1.50',
			output: '75.00',
		},
		'claude-opus-4-0': {
			input: '15.00',
			cacheWrite: '18.75',
			cacheWrite1h: '30.00',
			cachedInput: '1.50',
			output: '75.00',
		},
		'claude-opus-4': {
			input: '15.00',
			cacheWrite: '18.75',
			cacheWrite1h: '30.00',
			cachedInput: '1.50',
			output: '75.00',
		},
		'claude-sonnet-4-5': {
			input: '3.00',
			cacheWrite: '3.75',
			cacheWrite1h: '6.00',
			cachedInput: '0.30',
			output: '15.00',
			longContext: SONNET_LONG_CONTEXT,
		},
		'claude-sonnet-4-0': {
			input: '3.00',
			cacheWrite: '3.75',
			cacheWrite1h: '6.00',
			cachedInput: '0.30',
			output: '15.00',
			longContext: SONNET_LONG_CONTEXT,
		},
		'claude-sonnet-4': {
			input: '3.00',
			cacheWrite: '3.75',
			cacheWrite1h: '6.00',
			cachedInput: '0.30',
			output: '15.00',
			longContext: SONNET_LONG_CONTEXT,
		},
		'claude-3-7-sonnet': {
			input: '3.00',
			cacheWrite: '3.75',
			cacheWrite1h: '6.00',
			cachedInput: '0.30',
			output: '15.00',
		},
		'claude-haiku-4-5': {
			input: '1.00',
			cacheWrite: '1.25',
			cacheWrite1h: '2.00',
			cachedInput: '0.10',
			output: '5.00',
		},
		'claude-3-5-haiku': {
			input: '0.80',
			cacheWrite: '1.00',
			cacheWrite1h: '1.60',
			cachedInput: '0.08',
			output: '4.00',
		},
		'claude-3-haiku': {
			input: '0.25',
			cacheWrite: '0.30',
			cacheWrite1h: '0.50',
			cachedInput: '0.03',
			output: '1.25',
		},
	}),
	// Google Gemini API (paid tier): prompts over 200K tokens (128K for 1.5) cost the higher rates.
	...vendor('2025-11-25', 50, {
		'gemini-3-pro-preview': {
			input: '2.00',
			cachedInput: '0.20',
			output: '12.00',
			longContext: { aboveTokens: 200_000, input: '4.00', cachedInput: '0.40', output: '18.00' },
		},
		'gemini-2.5-pro': {
			input: '1.25',
			cachedInput: '0.125',
			output: '10.00',
			longContext: { aboveTokens: 200_000, input: '2.50', cachedInput: '0.25', output: '15.00' },
		},
		'gemini-2.5-flash': { input: '0.30', cachedInput: '0.03', output: '2.50' },
		'gemini-2.5-flash-lite': { input: '0.10', cachedInput: '0.01', output: '0.40' },
		'gemini-2.0-flash': { input: '0.10', cachedInput: '0.025', output: '0.40' },
		'gemini-2.0-flash-lite': { input: '0.075', output: '0.30' },
	}),
	// Gemini 1.5: the last list prices before their retirement (2025-09-24).
	...vendor('2025-09-24', 50, {
		'gemini-1.5-pro': {
			input: '1.25',
			cachedInput: '0.3125',
			output: '5.00',
			longContext: { aboveTokens: 128_000, input: '2.50', cachedInput: '0.625', output: '10.00' },
		},
		'gemini-1.5-flash': {
			input: '0.075',
			cachedInput: '0.01875',
			output: '0.30',
			longContext: { aboveTokens: 128_000, input: '0.15', cachedInput: '0.0375', output: '0.60' },
		},
	}),
	// Mistral La Plateforme: the family names also price "-latest" and dated ("-2411") names.
	...vendor('2025-11-25', 50, {
		'mistral-large': { input: '2.00', output: '6.00' },
		'mistral-medium': { input: '0.40', output: '2.00' },
		'mistral-small': { input: '0.10', output: '0.30' },
		'magistral-medium': { input: '2.00', output: '5.00' },
		'magistral-small': { input: '0.50', output: '1.50' },
		codestral: { input: '0.30', output: '0.90' },
		'devstral-medium': { input: '0.40', output: '2.00' },
		'devstral-small': { input: '0.10', output: '0.30' },
		'ministral-8b': { input: '0.10', output: '0.10' },
		'ministral-3b': { input: '0.04', output: '0.04' },
		'open-mistral-nemo': { input: '0.15', output: '0.15' },
		'pixtral-large': { input: '2.00', output: '6.00' },
	}),
	// Azure OpenAI, Global deployments ("azure/<model>") and Data Zone EU/US ("azure/eu/…", 10% more).
	...vendor('2025-11-25', 50, {
		'azure/gpt-5': { input: '1.25', cachedInput: '0.125', output: '10.00' },
		'azure/gpt-5-mini': { input: '0.25', cachedInput: '0.025', output: '2.00' },
		'azure/gpt-5-nano': { input: '0.05', cachedInput: '0.005', output: '0.40' },
		'azure/gpt-4.1': { input: '2.00', cachedInput: '0.50', output: '8.00' },
		'azure/gpt-4.1-mini': { input: '0.40', cachedInput: '0.10', output: '1.60' },
		'azure/gpt-4.1-nano': { input: '0.10', cachedInput: '0.025', output: '0.40' },
		'azure/gpt-4o': { input: '2.50', cachedInput: '1.25', output: '10.00' },
		'azure/gpt-4o-mini': { input: '0.15', cachedInput: '0.075', output: '0.60' },
		'azure/o3': { input: '2.00', cachedInput: '0.50', output: '8.00' },
		'azure/o4-mini': { input: '1.10', cachedInput: '0.275', output: '4.40' },
		'azure/eu/gpt-4o': { input: '2.75', cachedInput: '1.375', output: '11.00' },
		'azure/us/gpt-4o': { input: '2.75', cachedInput: '1.375', output: '11.00' },
		'azure/eu/gpt-4o-mini': { input: '0.165', cachedInput: '0.0825', output: '0.66' },
		'azure/us/gpt-4o-mini': { input: '0.165', cachedInput: '0.0825', output: '0.66' },
		'azure/eu/gpt-4.1': { input: '2.20', cachedInput: '0.55', output: '8.80' },
		'azure/us/gpt-4.1': { input: '2.20', cachedInput: '0.55', output: '8.80' },
	}),
	// Amazon Bedrock on-demand, by model ID: "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
	// (a cross-region inference profile) prices as "anthropic.claude-sonnet-4-5".
	...vendor('2025-11-25', 50, {
		'anthropic.claude-opus-4-5': {
			input: '5.00',
			cacheWrite: '6.25',
			cachedInput: '0.50',
			output: '25.00',
		},
		'anthropic.claude-opus-4-1': {
			input: '15.00',
			cacheWrite: '18.75',
			cachedInput: '1.50',
			output: '75.00',
		},
		'anthropic.claude-sonnet-4-5': {
			input: '3.00',
			cacheWrite: '3.75',
			cachedInput: '0.30',
			output: '15.00',
			longContext: SONNET_LONG_CONTEXT,
		},
		'anthropic.claude-sonnet-4': {
			input: '3.00',
			cacheWrite: '3.75',
			cachedInput: '0.30',
			output: '15.00',
			longContext: SONNET_LONG_CONTEXT,
		},
		'anthropic.claude-3-7-sonnet': {
			input: '3.00',
			cacheWrite: '3.75',
			cachedInput: '0.30',
			output: '15.00',
		},
		'anthropic.claude-haiku-4-5': {
			input: '1.00',
			cacheWrite: '1.25',
			cachedInput: '0.10',
			output: '5.00',
		},
		'anthropic.claude-3-5-haiku': {
			input: '0.80',
			cacheWrite: '1.00',
			cachedInput: '0.08',
			output: '4.00',
		},
		'amazon.nova-premier': { input: '2.50', output: '12.50' },
		'amazon.nova-pro': { input: '0.80', cachedInput: '0.20', output: '3.20' },
		'amazon.nova-lite': { input: '0.06', cachedInput: '0.015', output: '0.24' },
		'amazon.nova-micro': { input: '0.035', cachedInput: '0.00875', output: '0.14' },
		'meta.llama3-3-70b-instruct': { input: '0.72', output: '0.72' },
		'mistral.mistral-large-2407': { input: '2.00', output: '6.00' },
	}),
});

/**
 * A vendor's dated or versioned name of a model: the table's "gpt-4o" also prices
 * "gpt-4o-2024-08-06", "mistral-large" prices "mistral-large-2411", "gemini-2.0-flash"
 * prices "gemini-2.0-flash-001", "amazon.nova-pro" prices "amazon.nova-pro-v1:0".
 */
const SNAPSHOT_SUFFIX =
	/^-(?:\d{4}-\d{2}-\d{2}|\d{8}(?:-v\d+(?::\d+)?)?|\d{3,4}|latest|v\d+(?::\d+)?|preview-\d{2}-\d{2,4})$/;

/** Amazon Bedrock's cross-region inference profiles and LiteLLM's "bedrock/" prefix. */
const ROUTING_PREFIX = /^(?:bedrock\/)?(?:(?:us|eu|apac|global|us-gov|jp|au|ca)\.)?/;

export function normaliseModel(model: string): string {
	return model.trim().toLowerCase();
}

/** Compiles a price entry, naming the model and the rate that is wrong. */
export function compilePrice(
	model: string,
	entry: PriceEntry,
	source: ModelPrice['source'],
): ModelPrice {
	const standard = compileRates(model, '', entry, null);
	const long = entry.longContext;
	let longContext: ModelPrice['longContext'] = null;
	if (long !== undefined) {
		const above = long.aboveTokens;
		if (typeof above !== 'number' || !Number.isSafeInteger(above) || above <= 0)
			throw new MoneyError(
				`Price of ${model}, longContext.aboveTokens: expected a whole number of tokens, got ${String(above)}`,
			);
		longContext = { ...compileRates(model, 'longContext.', long, standard), aboveTokens: above };
	}
	const batch = entry.batchPercent;
	if (batch !== undefined && !(typeof batch === 'number' && batch > 0 && batch <= 100))
		throw new MoneyError(
			`Price of ${model}, batchPercent: expected a percentage above 0 and at most 100, got ${String(batch)}`,
		);
	return {
		model,
		...standard,
		source,
		checked: entry.checked ?? null,
		longContext,
		batchPercent: batch ?? null,
	};
}

/**
 * The rates of one tier. A missing cache rate is the input rate (cache writes 1h: the
 * 5-minute write rate); in a long-context tier, a missing cache rate is the standard one
 * scaled as the input rate is (Anthropic and Google scale them together).
 */
function compileRates(
	model: string,
	prefix: string,
	rates: PriceRates,
	standard: CompiledRates | null,
): CompiledRates {
	const rate = (name: keyof PriceRates, fallback: bigint | null): bigint => {
		const value = rates[name];
		if ((value === undefined || String(value).trim() === '') && fallback !== null) return fallback;
		try {
			// Per million tokens in nanos: a price in currency units × 1e9.
			return parseMoneyNanos(value ?? '');
		} catch (error) {
			throw new MoneyError(`Price of ${model}, ${prefix}${name}: ${(error as Error).message}`);
		}
	};
	const input = rate('input', null);
	const output = rate('output', null);
	const scaled = (kind: keyof CompiledRates, own: bigint) =>
		standard === null
			? own
			: standard.input === 0n
				? input
				: divideRounded(standard[kind] * input, standard.input);
	const cachedInput = rate('cachedInput', scaled('cachedInput', input));
	const cacheWrite = rate('cacheWrite', scaled('cacheWrite', input));
	return {
		input,
		output,
		cachedInput,
		cacheWrite,
		cacheWrite1h: rate('cacheWrite1h', scaled('cacheWrite1h', cacheWrite)),
	};
}

export interface PriceBook {
	/** The price of a model, or null when neither the overrides, the table nor a fallback know it. */
	priceOf(model: string): ModelPrice | null;
}

/**
 * Overrides win over a loaded price list, which wins over the built-in table; an unknown
 * model gets the fallback price when there is one. Model names match case-insensitively,
 * a dated or versioned name ("claude-sonnet-4-5-20250929", "mistral-large-2411") matches
 * its family's entry, and a Bedrock inference profile ("us.anthropic.…") its model ID;
 * otherwise names must match exactly, so "gpt-4o-audio-preview" is not priced as "gpt-4o".
 */
export function priceBook(
	overrides: Record<string, PriceEntry> = {},
	fallback: PriceEntry | null = null,
	useBuiltIn = true,
	priceList: ReadonlyMap<string, PriceEntry> | null = null,
): PriceBook {
	const compiled = new Map<string, ModelPrice>();
	if (useBuiltIn) {
		for (const [model, entry] of Object.entries(BUILT_IN_PRICES))
			compiled.set(model, compilePrice(model, entry, 'builtIn'));
	}
	for (const [model, entry] of priceList ?? [])
		compiled.set(normaliseModel(model), compilePrice(normaliseModel(model), entry, 'priceList'));
	for (const [model, entry] of Object.entries(overrides)) {
		const name = normaliseModel(model);
		if (name === '') throw new MoneyError('A price override has no model name');
		compiled.set(name, compilePrice(name, entry, 'override'));
	}
	const fallbackPrice = fallback === null ? null : compilePrice('fallback', fallback, 'fallback');
	const names = [...compiled.keys()].sort((a, b) => b.length - a.length);
	const find = (name: string): ModelPrice | undefined => {
		const exact = compiled.get(name);
		if (exact) return exact;
		for (const candidate of names) {
			if (name.startsWith(candidate) && SNAPSHOT_SUFFIX.test(name.slice(candidate.length)))
				return compiled.get(candidate)!;
		}
		return undefined;
	};
	return {
		priceOf(model: string): ModelPrice | null {
			const name = normaliseModel(model);
			if (name === '') return fallbackPrice === null ? null : { ...fallbackPrice, model: name };
			const found = find(name) ?? find(name.replace(ROUTING_PREFIX, ''));
			if (found) return found;
			return fallbackPrice === null ? null : { ...fallbackPrice, model: name };
		},
	};
}

export interface PricedUsage {
	/** Total cost, nanos (rounded half up once, over the whole item). */
	nanos: number;
	/** Per kind of token at the tier's rates, nanos times a million (exact, before a batch discount). */
	parts: {
		input: bigint;
		cachedInput: bigint;
		cacheWrite: bigint;
		cacheWrite1h: bigint;
		output: bigint;
	};
	/** Which rates applied: the standard ones, or the long-context tier's. */
	tier: 'standard' | 'longContext';
	/** Whether the batch discount applied. */
	batch: boolean;
}

export interface PricingOptions {
	/** The call went through the vendor's Batch API: the entry's batch price applies, if it has one. */
	batch?: boolean;
}

const PER_MILLION = 1_000_000n;

/**
 * The exact cost of one response's usage at a model's price. A prompt (input, cache
 * reads and cache writes) longer than the long-context threshold prices every token of
 * the call at the long-context rates, as Anthropic and Google bill them.
 */
export function priceUsage(
	usage: TokenUsage,
	price: ModelPrice,
	options: PricingOptions = {},
): PricedUsage {
	const prompt = usage.inputTokens + usage.cachedInputTokens + usage.cacheWriteTokens;
	const long = price.longContext !== null && prompt > price.longContext.aboveTokens;
	const rates: CompiledRates = long ? price.longContext! : price;
	const oneHour = Math.min(usage.cacheWrite1hTokens ?? 0, usage.cacheWriteTokens);
	const parts = {
		input: BigInt(usage.inputTokens) * rates.input,
		cachedInput: BigInt(usage.cachedInputTokens) * rates.cachedInput,
		cacheWrite: BigInt(usage.cacheWriteTokens - oneHour) * rates.cacheWrite,
		cacheWrite1h: BigInt(oneHour) * rates.cacheWrite1h,
		output: BigInt(usage.outputTokens) * rates.output,
	};
	const total =
		parts.input + parts.cachedInput + parts.cacheWrite + parts.cacheWrite1h + parts.output;
	const batch = options.batch === true && price.batchPercent !== null;
	const nanos = batch
		? divideRounded(total * BigInt(Math.round(price.batchPercent! * 100)), PER_MILLION * 10_000n)
		: divideRounded(total, PER_MILLION);
	return { nanos: toSafeNanos(nanos), parts, tier: long ? 'longContext' : 'standard', batch };
}
