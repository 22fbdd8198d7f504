import { z } from 'zod';

import { isPlainObject } from '../json';
import { divideRounded, formatNanos, MoneyError } from './money';
import type { PriceEntry, PriceRates } from './pricing';

/*
 * Price lists in LiteLLM's `model_prices_and_context_window.json` shape, the model-price
 * file most LLM tooling reads: one object per model name, prices in currency units per
 * token. Loaded over the built-in table so a user can update prices without a release.
 */

/** LiteLLM's file is about 1.5 MB; a list many times that is not a price list. */
export const MAX_PRICE_LIST_CHARACTERS = 16 * 1024 * 1024;
export const MAX_PRICE_LIST_MODELS = 50_000;
const MAX_MODEL_NAME_LENGTH = 200;
/** A price above one currency unit per token (a million per million tokens) is a mistake, not a price. */
const MAX_PER_TOKEN = 1;

/** A price per token: a finite number ≥ 0 (or a decimal string), absent or null when the vendor has none. */
const perToken = z
	.union([
		z.number(),
		z
			.string()
			.regex(/^\s*\d+(?:\.\d+)?(?:e-?\d+)?\s*$/i, 'must be a number')
			.transform(Number),
		z.null(),
	])
	.optional()
	.refine(
		(value) =>
			value === undefined ||
			value === null ||
			(Number.isFinite(value) && value >= 0 && value <= MAX_PER_TOKEN),
		`must be a price per token from 0 to ${MAX_PER_TOKEN}`,
	);

/** The fields this node reads; every other field of an entry (context window, provider…) is ignored. */
const entrySchema = z.object({
	input_cost_per_token: perToken,
	output_cost_per_token: perToken,
	cache_read_input_token_cost: perToken,
	cache_creation_input_token_cost: perToken,
	cache_creation_input_token_cost_above_1hr: perToken,
	input_cost_per_token_above_200k_tokens: perToken,
	output_cost_per_token_above_200k_tokens: perToken,
	cache_read_input_token_cost_above_200k_tokens: perToken,
	cache_creation_input_token_cost_above_200k_tokens: perToken,
	input_cost_per_token_above_128k_tokens: perToken,
	output_cost_per_token_above_128k_tokens: perToken,
	cache_read_input_token_cost_above_128k_tokens: perToken,
	input_cost_per_token_batches: perToken,
	output_cost_per_token_batches: perToken,
});

type RawEntry = z.infer<typeof entrySchema>;

export class PriceListError extends MoneyError {
	constructor(message: string) {
		super(message);
		this.name = 'PriceListError';
	}
}

export interface PriceList {
	/** Model name (lower case) → its price. */
	prices: Map<string, PriceEntry>;
	/** Entries without a price per input and output token (images, audio, rerankers…): left out. */
	skipped: number;
}

/** Names that must never become keys of an object, nor models. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A price per token as a decimal price per million tokens, exactly (3.75e-6 → "3.75"),
 * rounded half up to whole nanos: never through float multiplication.
 */
export function perMillion(perTokenPrice: number): string {
	const [mantissa, exponent] = perTokenPrice.toExponential().split('e');
	const [whole, fraction = ''] = mantissa.split('.');
	const digits = BigInt(whole + fraction);
	// value = digits × 10^(exponent − fraction digits); per million tokens in nanos: × 10^15.
	const shift = Number(exponent) - fraction.length + 15;
	const nanos =
		shift >= 0 ? digits * 10n ** BigInt(shift) : divideRounded(digits, 10n ** BigInt(-shift));
	return formatNanos(nanos, 0);
}

/** Reads a price list (JSON text or the parsed object), naming the model and field of the first bad value. */
export function parsePriceList(input: unknown): PriceList {
	let data: unknown = input;
	if (typeof input === 'string') {
		if (input.length > MAX_PRICE_LIST_CHARACTERS)
			throw new PriceListError(
				`The price list is ${input.length} characters long, more than the ${MAX_PRICE_LIST_CHARACTERS} a price list may have`,
			);
		try {
			data = JSON.parse(input);
		} catch (error) {
			throw new PriceListError(`The price list is not JSON: ${(error as Error).message}`);
		}
	}
	if (!isPlainObject(data))
		throw new PriceListError(
			"The price list must be a JSON object of model names, as LiteLLM's model_prices_and_context_window.json",
		);
	const names = Object.keys(data);
	if (names.length > MAX_PRICE_LIST_MODELS)
		throw new PriceListError(
			`The price list names ${names.length} models, more than the ${MAX_PRICE_LIST_MODELS} it may have`,
		);
	const prices = new Map<string, PriceEntry>();
	let skipped = 0;
	for (const name of names) {
		const model = name.trim().toLowerCase();
		// LiteLLM's file starts with a documentation entry.
		if (model === 'sample_spec') continue;
		if (
			FORBIDDEN.has(model) ||
			model === '' ||
			model.length > MAX_MODEL_NAME_LENGTH ||
			[...model].some((character) => character.charCodeAt(0) < 0x20)
		) {
			throw new PriceListError(
				`The price list names a model "${name.slice(0, 40)}" that cannot be a model name`,
			);
		}
		const raw: unknown = Object.getOwnPropertyDescriptor(data, name)?.value;
		if (!isPlainObject(raw))
			throw new PriceListError(`Price list, model "${model}": expected an object of prices`);
		const parsed = entrySchema.safeParse(raw);
		if (!parsed.success) {
			const issue = parsed.error.issues[0];
			throw new PriceListError(
				`Price list, model "${model}", field ${issue.path.join('.') || '(entry)'}: ${issue.message}`,
			);
		}
		const entry = toEntry(model, parsed.data);
		if (entry === null) skipped++;
		else prices.set(model, entry);
	}
	return { prices, skipped };
}

function toEntry(model: string, raw: RawEntry): PriceEntry | null {
	const price = (value: number | null | undefined) =>
		value === undefined || value === null ? undefined : perMillion(value);
	const input = price(raw.input_cost_per_token);
	const output = price(raw.output_cost_per_token);
	if (input === undefined || output === undefined) return null;
	const entry: PriceEntry = {
		input,
		output,
		...defined({
			cachedInput: price(raw.cache_read_input_token_cost),
			cacheWrite: price(raw.cache_creation_input_token_cost),
			cacheWrite1h: price(raw.cache_creation_input_token_cost_above_1hr),
		}),
	};
	const tier = (
		aboveTokens: number,
		longInput: number | null | undefined,
		longOutput: number | null | undefined,
		rest: Omit<PriceRates, 'input' | 'output'>,
	) =>
		longInput === undefined || longInput === null
			? undefined
			: {
					aboveTokens,
					input: perMillion(longInput),
					output: price(longOutput) ?? output,
					...defined(rest),
				};
	entry.longContext =
		tier(
			200_000,
			raw.input_cost_per_token_above_200k_tokens,
			raw.output_cost_per_token_above_200k_tokens,
			{
				cachedInput: price(raw.cache_read_input_token_cost_above_200k_tokens),
				cacheWrite: price(raw.cache_creation_input_token_cost_above_200k_tokens),
			},
		) ??
		tier(
			128_000,
			raw.input_cost_per_token_above_128k_tokens,
			raw.output_cost_per_token_above_128k_tokens,
			{
				cachedInput: price(raw.cache_read_input_token_cost_above_128k_tokens),
			},
		);
	if (entry.longContext === undefined) delete entry.longContext;
	const batchInput = raw.input_cost_per_token_batches;
	const standardInput = raw.input_cost_per_token!;
	if (typeof batchInput === 'number' && standardInput > 0) {
		const percent = Math.round((batchInput / standardInput) * 10_000) / 100;
		if (!(percent > 0 && percent <= 100))
			throw new PriceListError(
				`Price list, model "${model}", field input_cost_per_token_batches: a batch price must be above 0 and at most the standard price`,
			);
		entry.batchPercent = percent;
	}
	return entry;
}

/** The fields whose value is defined. */
function defined<T extends object>(fields: T): Partial<T> {
	return Object.fromEntries(
		Object.entries(fields).filter(([, value]) => value !== undefined),
	) as Partial<T>;
}
