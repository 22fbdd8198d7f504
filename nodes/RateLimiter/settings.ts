import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeExecutionHint,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { AcquireOptions, LimiterPlan, RatePer, TokenLimiter } from '../shared';
import {
	DEFAULT_MAX_HOLD_MS,
	FORBIDDEN_KEYS,
	compareLimits,
	isRateSettingsError,
	limiterFor,
	pause,
	planLimiter,
	redisConfigFromCredential,
	REDIS_CREDENTIAL,
	tokensOf,
} from '../shared';

export const MAX_NAME_LENGTH = 200;
const SECOND = 1000;

/** What Wait for Slot and Send Request read once per execution. */
export interface LimiterSettings {
	limiterName: string;
	store: 'embedded' | 'redis';
	limit: number;
	per: RatePer;
	targetUtilization: number;
	plan: LimiterPlan;
	/** 0: wait as long as needed. */
	maxWaitMs: number;
	/** Longest hold one vendor response may put on the limiter (Max Hold). */
	maxHoldMs: number;
	/** Tokens per Item when it is not an expression; null when it is (read per item). */
	fixedTokens: number | null;
	outputField: string;
}

const RATE_LABELS: Record<string, string> = {
	limit: 'Limit',
	per: 'Per',
	targetUtilization: 'Target Utilization (%)',
	burst: 'Burst (Tokens)',
};

export function fail(
	context: IExecuteFunctions,
	message: string,
	description: string,
): NodeOperationError {
	return new NodeOperationError(context.getNode(), message, { description });
}

/** A name the user gives a limiter or quota: trimmed, non-empty, of reasonable length. */
export function readName(
	context: IExecuteFunctions,
	parameter: string,
	label: string,
	example: string,
): string {
	const value = context.getNodeParameter(parameter, 0, '');
	const name = typeof value === 'string' ? value.trim() : '';
	if (name === '' || name.length > MAX_NAME_LENGTH) {
		throw fail(
			context,
			`${label} ${name === '' ? 'is empty' : `is longer than ${MAX_NAME_LENGTH} characters`}`,
			`Name it after the vendor or account whose limit it is, e.g. "${example}", the same in every workflow that shares it.`,
		);
	}
	return name;
}

/** Whether a parameter is an expression (so it is read per item). */
export function isExpression(context: IExecuteFunctions, parameter: string): boolean {
	const raw = context.getNodeParameter(parameter, 0, '', { rawExpressions: true });
	return typeof raw === 'string' && raw.startsWith('=');
}

export function readOutputField(context: IExecuteFunctions): string {
	const value = context.getNodeParameter('options.outputField', 0, 'rateLimiter');
	return fieldName(
		context,
		(typeof value === 'string' ? value.trim() : '') || 'rateLimiter',
		'Output Field',
	);
}

/** A field the node writes on items: never one that would set an object's prototype instead. */
export function fieldName(context: IExecuteFunctions, name: string, label: string): string {
	if (FORBIDDEN_KEYS.has(name))
		throw fail(
			context,
			`${label} cannot be "${name}"`,
			'Choose another field name: this one would not be written to the item.',
		);
	return name;
}

export function readLimiterSettings(context: IExecuteFunctions): LimiterSettings {
	const limiterName = readName(context, 'limiterName', 'Limiter Name', 'hubspot');
	const store = context.getNodeParameter('store', 0, 'embedded') as string;
	if (store !== 'embedded' && store !== 'redis') {
		throw fail(
			context,
			`Store "${store}" cannot hold a rate limiter`,
			'Choose Embedded (this n8n process) or Redis (shared by every worker).',
		);
	}
	const limit = context.getNodeParameter('limit', 0, 10) as number;
	const per = context.getNodeParameter('per', 0, 'second') as RatePer;
	const targetUtilization = context.getNodeParameter('targetUtilization', 0, 90) as number;
	const burst = context.getNodeParameter('options.burst', 0, 1) as number;
	let plan: LimiterPlan;
	try {
		plan = planLimiter({ limit, per, targetUtilization, burst });
	} catch (error) {
		if (!isRateSettingsError(error))
			throw new NodeOperationError(context.getNode(), error as Error);
		throw fail(
			context,
			`${RATE_LABELS[error.setting]} is out of range: ${String(error.value)}`,
			`It must be ${error.expected}.`,
		);
	}
	const maxWait = context.getNodeParameter('maxWait', 0, 0) as number;
	if (typeof maxWait !== 'number' || !Number.isFinite(maxWait) || maxWait < 0) {
		throw fail(
			context,
			`Max Wait (Seconds) is out of range: ${String(maxWait)}`,
			'Use 0 to wait as long as needed, or a number of seconds.',
		);
	}
	const maxHold = context.getNodeParameter(
		'options.maxHold',
		0,
		DEFAULT_MAX_HOLD_MS / SECOND,
	) as number;
	if (typeof maxHold !== 'number' || !Number.isFinite(maxHold) || maxHold < 0) {
		throw fail(
			context,
			`Max Hold (Seconds) is out of range: ${String(maxHold)}`,
			'Use a number of seconds of at least 0, e.g. 300.',
		);
	}
	let fixedTokens: number | null = null;
	if (!isExpression(context, 'tokensPerItem')) {
		const raw = context.getNodeParameter('tokensPerItem', 0, 1);
		fixedTokens = tokensOf(raw);
		if (fixedTokens === null)
			throw fail(
				context,
				`Tokens per Item is out of range: ${String(raw)}`,
				'Use a whole number of at least 1.',
			);
	}
	if (fixedTokens !== null && fixedTokens > plan.capacity)
		throw tooManyTokens(context, fixedTokens, plan.capacity);
	return {
		limiterName,
		store,
		limit,
		per,
		targetUtilization,
		plan,
		maxWaitMs: maxWait * SECOND,
		maxHoldMs: maxHold * SECOND,
		fixedTokens,
		outputField: readOutputField(context),
	};
}

export function tooManyTokens(
	context: IExecuteFunctions,
	tokens: number,
	capacity: number,
	itemIndex?: number,
): NodeOperationError {
	return new NodeOperationError(
		context.getNode(),
		`Tokens per Item (${tokens}) is more than the limiter's Burst (Tokens) (${capacity})`,
		{
			itemIndex,
			description:
				'An item can never use more tokens than the limiter holds at once. Raise Burst (Tokens) in Options to at least the tokens of the largest item.',
		},
	);
}

/** The item's tokens, or a NodeOperationError for this item. */
export function tokensForItem(
	context: IExecuteFunctions,
	settings: LimiterSettings,
	index: number,
): number | NodeOperationError {
	if (settings.fixedTokens !== null) return settings.fixedTokens;
	let raw: unknown;
	try {
		raw = context.getNodeParameter('tokensPerItem', index, 1);
	} catch (error) {
		return new NodeOperationError(
			context.getNode(),
			`Tokens per Item could not be evaluated: ${(error as Error).message}`,
			{ itemIndex: index },
		);
	}
	const tokens = tokensOf(raw);
	if (tokens === null) {
		return new NodeOperationError(
			context.getNode(),
			`Tokens per Item of item ${index} is not a whole number of at least 1: ${JSON.stringify(raw) ?? String(raw)}`,
			{
				itemIndex: index,
				description:
					'Make the expression return a whole number, e.g. {{ $json.records.length || 1 }}.',
			},
		);
	}
	if (tokens > settings.plan.capacity)
		return tooManyTokens(context, tokens, settings.plan.capacity, index);
	return tokens;
}

/** The shared limiter the settings name, connected (a StoreError when Redis is unreachable). */
export async function openLimiter(
	context: IExecuteFunctions,
	settings: LimiterSettings,
): Promise<TokenLimiter> {
	const redis =
		settings.store === 'redis'
			? redisConfigFromCredential(await context.getCredentials(REDIS_CREDENTIAL))
			: undefined;
	const limiter = limiterFor(settings.limiterName, settings.plan, redis);
	await limiter.ready();
	return limiter;
}

/** What the limiter is configured for, as reported on items. */
export function configuredLimit(settings: LimiterSettings): IDataObject {
	return {
		limit: settings.limit,
		per: settings.per,
		targetUtilization: settings.targetUtilization,
		targetPerSecond: round(settings.plan.targetPerSecond),
		burst: settings.plan.capacity,
	};
}

/** The limit the vendor's headers reported, and how it compares with the configured one. */
export function observedLimit(
	settings: LimiterSettings,
	limiter: TokenLimiter,
): { observed: IDataObject | null; limitCheck: string } {
	const comparison = compareLimits(
		{ limit: settings.limit, per: settings.per },
		limiter.learned.observed,
	);
	return {
		observed: (comparison.observed as unknown as IDataObject) ?? null,
		limitCheck: comparison.verdict,
	};
}

/** A hint when the vendor's headers report a limit other than the configured one. */
export function limitHint(
	settings: LimiterSettings,
	limiter: TokenLimiter,
): NodeExecutionHint | null {
	const { observed, limitCheck } = observedLimit(settings, limiter);
	if (observed === null || limitCheck === 'same' || limitCheck === 'unknown') return null;
	const window = observed.windowSeconds ? ` per ${String(observed.windowSeconds)} s` : '';
	const advice =
		limitCheck === 'lower'
			? 'Lower Limit to match, or expect 429s: the limiter also holds back whenever the vendor says nothing is left.'
			: 'The vendor allows more than configured; you may raise Limit.';
	return {
		message: `Rate limiter "${settings.limiterName}": the vendor reports a limit of ${String(observed.limit)}${window}, configured ${settings.limit} per ${settings.per}. ${advice}`,
		type: limitCheck === 'lower' ? 'warning' : 'info',
		location: 'outputPane',
	};
}

/** What the limiter's waits are bounded by: Max Hold always, Max Wait from now when set. */
export function acquireOptions(settings: LimiterSettings): AcquireOptions {
	return settings.maxWaitMs > 0
		? { maxHoldMs: settings.maxHoldMs, deadlineAt: Date.now() + settings.maxWaitMs }
		: { maxHoldMs: settings.maxHoldMs };
}

export function withField(
	source: INodeExecutionData,
	field: string,
	details: IDataObject,
): IDataObject {
	return { ...source.json, [field]: details };
}

export function round(value: number): number {
	return Math.round(value * 1000) / 1000;
}

/** Waits `ms`, stopping when the execution is cancelled (n8n's sleep, in slices). */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	await pause(ms, signal);
}
