import { isPlainObject } from '../json';
import { pathReader } from '../paths';

/** Parsed paths: the same few (and the node's own settings) are read from every item. */
const readers = new Map<string, (source: unknown) => unknown>();

/** paths.ts's getPath, each path parsed once instead of once per item (a bounded cache). */
function getPath(source: unknown, path: string): unknown {
	let read = readers.get(path);
	if (read === undefined) {
		if (readers.size >= 256) readers.clear();
		read = pathReader(path);
		readers.set(path, read);
	}
	return read(source);
}

/**
 * One response's token usage, normalised so every kind of token is counted once:
 * `inputTokens` are the uncached input tokens (OpenAI reports cached tokens inside
 * `prompt_tokens`; Anthropic reports them beside `input_tokens`), `reasoningTokens` are
 * already part of `outputTokens` (billed as output) and shown for information only.
 */
export interface TokenUsage {
	inputTokens: number;
	cachedInputTokens: number;
	/** Input tokens written to the prompt cache, whatever its lifetime. */
	cacheWriteTokens: number;
	/**
	 * Of `cacheWriteTokens`, those written with a one-hour lifetime (Anthropic's
	 * `cache_creation.ephemeral_1h_input_tokens`), priced at the one-hour write rate.
	 * Absent: none.
	 */
	cacheWrite1hTokens?: number;
	outputTokens: number;
	reasoningTokens: number;
}

export type UsageFormat =
	| 'auto'
	| 'openaiChat'
	| 'openaiResponses'
	| 'anthropic'
	| 'gemini'
	| 'bedrock'
	| 'langchain'
	| 'fields';

export const USAGE_FORMATS: readonly UsageFormat[] = [
	'auto',
	'openaiChat',
	'openaiResponses',
	'anthropic',
	'gemini',
	'bedrock',
	'langchain',
	'fields',
];

/** Field paths for the "fields" format; empty paths count as 0. */
export interface UsageFields {
	inputTokens: string;
	outputTokens: string;
	cachedInputTokens?: string;
	cacheWriteTokens?: string;
	/** Whether the input field already includes the cached tokens (as in OpenAI's prompt_tokens). */
	inputIncludesCached?: boolean;
	model?: string;
}

export type ParsedUsage =
	| { ok: true; usage: TokenUsage; model: string | null; format: Exclude<UsageFormat, 'auto'> }
	| { ok: false; problem: string };

/** Where "auto" looks for a usage object, in order. */
const USAGE_LOCATIONS = [
	'usage',
	'tokenUsage',
	'tokenUsageEstimate',
	'usageMetadata',
	'response.usage',
	'response.usageMetadata',
	'body.usage',
	'data.usage',
	'message.usage',
];

/** Largest token count believed: more is a corrupt or hostile value, not a response. */
const MAX_TOKENS = 1e12;

function tokens(value: unknown, label: string, required: boolean): number | string {
	if (value === undefined || value === null) return required ? `${label} is missing` : 0;
	const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
	if (
		typeof number !== 'number' ||
		!Number.isSafeInteger(number) ||
		number < 0 ||
		number > MAX_TOKENS
	) {
		return `${label} is not a token count: ${JSON.stringify(value)?.slice(0, 40) ?? String(value)}`;
	}
	return number;
}

function modelOf(...candidates: unknown[]): string | null {
	for (const candidate of candidates)
		if (typeof candidate === 'string' && candidate.trim() !== '') return candidate.trim();
	return null;
}

/** Collects token counts; the first problem wins. */
function build(
	counts: Array<[keyof TokenUsage, unknown, string, boolean]>,
): { usage: TokenUsage } | { problem: string } {
	const usage: TokenUsage = {
		inputTokens: 0,
		cachedInputTokens: 0,
		cacheWriteTokens: 0,
		outputTokens: 0,
		reasoningTokens: 0,
	};
	for (const [name, value, label, required] of counts) {
		const result = tokens(value, label, required);
		if (typeof result === 'string') return { problem: result };
		usage[name] = result;
	}
	return { usage };
}

function openAiChat(usage: Record<string, unknown>, root: unknown): ParsedUsage {
	const built = build([
		['inputTokens', usage.prompt_tokens, 'usage.prompt_tokens', true],
		['outputTokens', usage.completion_tokens, 'usage.completion_tokens', false],
		[
			'cachedInputTokens',
			getPath(usage, 'prompt_tokens_details.cached_tokens'),
			'usage.prompt_tokens_details.cached_tokens',
			false,
		],
		[
			'reasoningTokens',
			getPath(usage, 'completion_tokens_details.reasoning_tokens'),
			'usage.completion_tokens_details.reasoning_tokens',
			false,
		],
	]);
	return finish(built, 'openaiChat', true, modelOf(getPath(root, 'model')));
}

function openAiResponses(usage: Record<string, unknown>, root: unknown): ParsedUsage {
	const built = build([
		['inputTokens', usage.input_tokens, 'usage.input_tokens', true],
		['outputTokens', usage.output_tokens, 'usage.output_tokens', false],
		[
			'cachedInputTokens',
			getPath(usage, 'input_tokens_details.cached_tokens'),
			'usage.input_tokens_details.cached_tokens',
			false,
		],
		[
			'reasoningTokens',
			getPath(usage, 'output_tokens_details.reasoning_tokens'),
			'usage.output_tokens_details.reasoning_tokens',
			false,
		],
	]);
	return finish(built, 'openaiResponses', true, modelOf(getPath(root, 'model')));
}

/**
 * Anthropic Messages usage. `cache_creation_input_tokens` counts every cache write;
 * `cache_creation` (when the response has it) splits them by lifetime, five minutes and
 * one hour, which cost 1.25× and 2× the input price.
 */
function anthropic(usage: Record<string, unknown>, root: unknown): ParsedUsage {
	const built = build([
		['inputTokens', usage.input_tokens, 'usage.input_tokens', true],
		['outputTokens', usage.output_tokens, 'usage.output_tokens', false],
		['cachedInputTokens', usage.cache_read_input_tokens, 'usage.cache_read_input_tokens', false],
		[
			'cacheWriteTokens',
			usage.cache_creation_input_tokens,
			'usage.cache_creation_input_tokens',
			false,
		],
	]);
	if ('problem' in built || !isPlainObject(usage.cache_creation))
		return finish(built, 'anthropic', false, modelOf(getPath(root, 'model')));
	const split = build([
		[
			'cacheWriteTokens',
			usage.cache_creation.ephemeral_5m_input_tokens,
			'usage.cache_creation.ephemeral_5m_input_tokens',
			false,
		],
		[
			'cacheWrite1hTokens',
			usage.cache_creation.ephemeral_1h_input_tokens,
			'usage.cache_creation.ephemeral_1h_input_tokens',
			false,
		],
	]);
	if ('problem' in split) return { ok: false, problem: split.problem };
	const oneHour = split.usage.cacheWrite1hTokens ?? 0;
	// The total is the sum of the two; a response with only the split is counted from it.
	const written = Math.max(built.usage.cacheWriteTokens, split.usage.cacheWriteTokens + oneHour);
	return finish(
		{ usage: { ...built.usage, cacheWriteTokens: written, cacheWrite1hTokens: oneHour } },
		'anthropic',
		false,
		modelOf(getPath(root, 'model')),
	);
}

/**
 * Google Gemini's generateContent `usageMetadata`: `promptTokenCount` includes the
 * cached tokens (`cachedContentTokenCount`); thinking tokens (`thoughtsTokenCount`) are
 * billed as output but not counted in `candidatesTokenCount`, so they are added to it.
 */
function gemini(usage: Record<string, unknown>, root: unknown): ParsedUsage {
	const built = build([
		['inputTokens', usage.promptTokenCount, 'usageMetadata.promptTokenCount', true],
		['outputTokens', usage.candidatesTokenCount, 'usageMetadata.candidatesTokenCount', false],
		[
			'cachedInputTokens',
			usage.cachedContentTokenCount,
			'usageMetadata.cachedContentTokenCount',
			false,
		],
		['reasoningTokens', usage.thoughtsTokenCount, 'usageMetadata.thoughtsTokenCount', false],
	]);
	if ('problem' in built) return { ok: false, problem: built.problem };
	const thinking = built.usage.reasoningTokens;
	return finish(
		{ usage: { ...built.usage, outputTokens: built.usage.outputTokens + thinking } },
		'gemini',
		true,
		modelOf(getPath(root, 'modelVersion'), getPath(root, 'model')),
	);
}

/** Amazon Bedrock's Converse API: camelCase counts, cache reads and writes beside the input (as Anthropic's). */
function bedrock(usage: Record<string, unknown>, root: unknown): ParsedUsage {
	const built = build([
		['inputTokens', usage.inputTokens, 'usage.inputTokens', true],
		['outputTokens', usage.outputTokens, 'usage.outputTokens', false],
		['cachedInputTokens', usage.cacheReadInputTokens, 'usage.cacheReadInputTokens', false],
		['cacheWriteTokens', usage.cacheWriteInputTokens, 'usage.cacheWriteInputTokens', false],
	]);
	return finish(built, 'bedrock', false, modelOf(getPath(root, 'modelId'), getPath(root, 'model')));
}

/** n8n's LangChain model nodes: `tokenUsage` (or `tokenUsageEstimate`) with camelCase counts. */
function langchain(usage: Record<string, unknown>, root: unknown): ParsedUsage {
	const built = build([
		['inputTokens', usage.promptTokens, 'tokenUsage.promptTokens', true],
		['outputTokens', usage.completionTokens, 'tokenUsage.completionTokens', false],
	]);
	return finish(
		built,
		'langchain',
		false,
		modelOf(
			getPath(root, 'model'),
			getPath(root, 'response.model'),
			getPath(root, 'options.model'),
		),
	);
}

function finish(
	built: { usage: TokenUsage } | { problem: string },
	format: Exclude<UsageFormat, 'auto' | 'fields'>,
	inputIncludesCached: boolean,
	model: string | null,
): ParsedUsage {
	if ('problem' in built) return { ok: false, problem: built.problem };
	return { ok: true, usage: uncached(built.usage, inputIncludesCached), model, format };
}

/** OpenAI counts cached tokens inside the input: take them out so they are priced once. */
function uncached(usage: TokenUsage, inputIncludesCached: boolean): TokenUsage {
	if (!inputIncludesCached) return usage;
	const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
	return { ...usage, cachedInputTokens: cached, inputTokens: usage.inputTokens - cached };
}

/** Which provider's shape a usage object has, or null. */
function detect(
	usage: Record<string, unknown>,
	root: unknown,
): Exclude<UsageFormat, 'auto' | 'fields'> | null {
	if ('prompt_tokens' in usage) return 'openaiChat';
	if ('promptTokens' in usage) return 'langchain';
	if ('promptTokenCount' in usage) return 'gemini';
	if ('inputTokens' in usage) return 'bedrock';
	if (
		'cache_read_input_tokens' in usage ||
		'cache_creation_input_tokens' in usage ||
		'cache_creation' in usage
	)
		return 'anthropic';
	if ('input_tokens' in usage) {
		if (
			'input_tokens_details' in usage ||
			'output_tokens_details' in usage ||
			'total_tokens' in usage
		)
			return 'openaiResponses';
		const kind = getPath(root, 'type');
		const object = getPath(root, 'object');
		if (
			kind === 'message' ||
			(typeof getPath(root, 'model') === 'string' &&
				String(getPath(root, 'model')).startsWith('claude'))
		)
			return 'anthropic';
		if (object === 'response') return 'openaiResponses';
		return 'anthropic';
	}
	return null;
}

const PARSERS = {
	openaiChat: openAiChat,
	openaiResponses: openAiResponses,
	anthropic,
	gemini,
	bedrock,
	langchain,
} as const;

/**
 * Reads the token usage of one vendor response. `usagePath` names where the usage
 * object is ("" finds it: `usage`, n8n's `tokenUsage`, or one level down in `response`,
 * `body`, `data`, `message`).
 */
export function parseUsage(
	source: unknown,
	format: UsageFormat,
	usagePath = '',
	fields?: UsageFields,
): ParsedUsage {
	if (format === 'fields') return fromFields(source, fields);
	let usage: unknown;
	let root: unknown = source;
	if (usagePath.trim() !== '') {
		usage = getPath(source, usagePath.trim());
		if (usage === undefined) return { ok: false, problem: `No usage at "${usagePath.trim()}"` };
		const parent = usagePath.trim().split('.').slice(0, -1).join('.');
		root = parent === '' ? source : getPath(source, parent);
	} else {
		for (const location of USAGE_LOCATIONS) {
			const candidate = getPath(source, location);
			if (isPlainObject(candidate)) {
				usage = candidate;
				const parent = location.split('.').slice(0, -1).join('.');
				root = parent === '' ? source : getPath(source, parent);
				break;
			}
		}
		if (usage === undefined)
			return {
				ok: false,
				problem: `No usage object found (looked at ${USAGE_LOCATIONS.join(', ')})`,
			};
	}
	if (!isPlainObject(usage)) return { ok: false, problem: 'The usage is not an object' };
	const kind = format === 'auto' ? detect(usage, root) : format;
	if (kind === null)
		return {
			ok: false,
			problem: `The usage object has no token counts this node knows (keys: ${Object.keys(usage).slice(0, 8).join(', ') || 'none'})`,
		};
	return PARSERS[kind](usage, root);
}

function fromFields(source: unknown, fields: UsageFields | undefined): ParsedUsage {
	if (!fields || fields.inputTokens.trim() === '' || fields.outputTokens.trim() === '') {
		return { ok: false, problem: 'Name the input and output token fields' };
	}
	const at = (path: string | undefined) =>
		path === undefined || path.trim() === '' ? undefined : getPath(source, path.trim());
	const built = build([
		['inputTokens', at(fields.inputTokens), fields.inputTokens, true],
		['outputTokens', at(fields.outputTokens), fields.outputTokens, true],
		['cachedInputTokens', at(fields.cachedInputTokens), fields.cachedInputTokens ?? '', false],
		['cacheWriteTokens', at(fields.cacheWriteTokens), fields.cacheWriteTokens ?? '', false],
	]);
	if ('problem' in built) return { ok: false, problem: built.problem };
	return {
		ok: true,
		usage: uncached(built.usage, fields.inputIncludesCached === true),
		model: modelOf(at(fields.model)),
		format: 'fields',
	};
}
