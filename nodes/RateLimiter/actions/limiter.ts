import type {
	IDataObject,
	IExecuteFunctions,
	INodeProperties,
	NodeExecutionHint,
	NodeOperationError,
} from 'n8n-workflow';

import {
	configError,
	hint,
	isExpression,
	nameParameter,
	numberParameter,
	operationError,
	ratelimit,
	redisConfigFromCredential,
	REDIS_CREDENTIAL,
	storeForNode,
	storeProperty,
	stores,
	time,
	updateDisplayOptions,
	withParameterLabels,
} from '../../shared';
import { labels, readOutputField, round, scopeOf } from './settings';

/**
 * The shared limiter Wait for Slot and Send Request take their turns from: its
 * parameters, the settings read from them once per execution, and the limiter itself.
 */

/** Where a limiter can live: in this process, or in Redis for every worker. */
export const LIMITER_STORES = ['embedded', 'redis'] as const;

/* ----------------------------------------------------------- Parameters */

/* eslint-disable n8n-nodes-base/node-param-min-value-wrong-for-limit, n8n-nodes-base/node-param-default-wrong-for-limit, n8n-nodes-base/node-param-description-wrong-for-limit -- a rate limit, not a page size */
const limiterProperties: INodeProperties[] = [
	{
		displayName: 'Limiter Name',
		name: 'limiterName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. hubspot',
		hint: 'Nodes with the same name share one limit: name it after the API it protects',
		description:
			'The limit this node takes its turn from. Every Rate Limiter node with the same name, store and limit shares one limit: in any workflow (version 1), or within its Scope (from version 2). From version 2.1 an expression names a limiter per item (one per tenant, say): items are grouped by name, at most 100 names per run.',
	},
	{
		...storeProperty([...LIMITER_STORES]),
		description:
			'Embedded: the limit is shared by every execution in this n8n process. Redis: shared by the main process and every worker in queue mode. If Redis cannot be reached nothing is sent and the node fails naming it; under On Error: Continue every item leaves on the error output (or on Over Limit / Failed, with the error), never on Proceed or Success.',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 0.001 },
		default: 10,
		required: true,
		description: "The vendor's documented limit: requests allowed per interval",
	},
	{
		displayName: 'Per',
		name: 'per',
		type: 'options',
		options: [
			{ name: 'Second', value: 'second' },
			{ name: 'Minute', value: 'minute' },
			{ name: 'Hour', value: 'hour' },
			{ name: 'Day', value: 'day' },
		],
		default: 'second',
		description: 'The interval the limit counts over',
	},
	{
		displayName: 'Target Utilization (%)',
		name: 'targetUtilization',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 100 },
		default: 90,
		description:
			'Share of the limit to use. Below 100 leaves headroom for clock drift and other clients of the same account.',
	},
	{
		displayName: 'Tokens per Item',
		name: 'tokensPerItem',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 1,
		description:
			'How much of the limit each item uses. Use an expression when a call counts more than once, e.g. the number of records in a bulk call.',
	},
	{
		displayName: 'Max Wait (Seconds)',
		name: 'maxWait',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description:
			'Items that would wait longer for their turn leave on Over Limit (Wait for Slot) or Failed (Send Request) right away. 0 waits as long as needed.',
	},
];
/* eslint-enable n8n-nodes-base/node-param-min-value-wrong-for-limit, n8n-nodes-base/node-param-default-wrong-for-limit, n8n-nodes-base/node-param-description-wrong-for-limit */

/** Parameters that name a limiter: all Release Slot shows. */
const IDENTITY = new Set(['limiterName', 'store']);

/** Parameters that are about taking a turn: not shown for Learn From Response, which takes none. */
const TURN_ONLY = new Set(['tokensPerItem', 'maxWait']);

/**
 * The limiter's parameters, shown for the operations that take turns from it; its
 * identity and rate also for Learn From Response, which updates the same limiter.
 */
export const limiterDescription = [
	...updateDisplayOptions(
		{ show: { operation: ['waitForSlot', 'sendRequest', 'learnFromResponse'] } },
		limiterProperties.filter((property) => !TURN_ONLY.has(property.name)),
	),
	...updateDisplayOptions(
		{ show: { operation: ['waitForSlot', 'sendRequest'] } },
		limiterProperties.filter((property) => TURN_ONLY.has(property.name)),
	),
	// Release Slot: the limiter whose in-flight slots it gives back.
	...updateDisplayOptions(
		{ show: { operation: ['releaseSlot'] } },
		limiterProperties.filter((property) => IDENTITY.has(property.name)),
	),
	// Backoff, Paced (version 2.1): its retries take their slots from the limiter.
	...updateDisplayOptions(
		{ show: { operation: ['backoff'], pacing: ['paced'], '@version': [{ _cnd: { gte: 2.1 } }] } },
		limiterProperties.filter((property) => !TURN_ONLY.has(property.name)),
	),
].sort(
	(a, b) =>
		limiterProperties.findIndex((property) => property.name === a.name) -
		limiterProperties.findIndex((property) => property.name === b.name),
);

/** Options of the operations that use the limiter (in an operation's Options collection). */
export const burstOption: INodeProperties = {
	displayName: 'Burst (Tokens)',
	name: 'burst',
	type: 'number',
	typeOptions: { minValue: 1 },
	default: 1,
	description:
		'Tokens that may be used at once after a quiet spell. 1 spaces every request evenly; more lets short bursts through (at most the limit minus the target). Must be at least the tokens of any one item.',
};

export const maxHoldOption: INodeProperties = {
	displayName: 'Max Hold (Seconds)',
	name: 'maxHold',
	type: 'number',
	typeOptions: { minValue: 0 },
	default: 300,
	description:
		"Longest a vendor's answer (429 with Retry-After, or nothing remaining until a reset) may hold this limiter for everyone using it, every worker on Redis. A longer ask is capped, and the item says so; an ask the node refuses for its own item (longer than it would retry after) holds nobody. Max Wait applies to holds too.",
};

/* ------------------------------------------------------------- Settings */

/** What Wait for Slot and Send Request read once per execution. */
export interface LimiterSettings {
	limiterName: string;
	/**
	 * Who shares the limiter: the name alone in version 1 (instance-wide, the keys every
	 * release used); in version 2 the Scope's namespace and the name.
	 */
	limiterKey: string;
	store: (typeof LIMITER_STORES)[number];
	limit: number;
	per: ratelimit.RatePer;
	targetUtilization: number;
	plan: ratelimit.LimiterPlan;
	/** 0: wait as long as needed. */
	maxWaitMs: number;
	/** Longest hold one vendor response may put on the limiter (Max Hold). */
	maxHoldMs: number;
	/** Tokens per Item when it is not an expression; null when it is (read per item). */
	fixedTokens: number | null;
	outputField: string;
}

/**
 * The limiter's identity within its scope. A version 1 name is trimmed, so it never
 * starts with a space: a version 2 key does, and the two can never meet. The scope and
 * the name are kept apart as JSON, whatever characters either holds.
 */
function limiterKey(name: string, scope: string | null): string {
	return scope === null ? name : ` ${JSON.stringify([scope, name])}`;
}

/** The limiter's name, key and store: what names a limiter, and all Release Slot needs. */
export function readLimiterIdentity(
	context: IExecuteFunctions,
): Pick<LimiterSettings, 'limiterName' | 'limiterKey' | 'store'> {
	const limiterName = nameParameter(context, 'limiterName', 'Limiter Name', {
		example: 'hubspot',
	});
	const store = context.getNodeParameter('store', 0, 'embedded') as string;
	if (store !== 'embedded' && store !== 'redis') {
		throw configError(
			context,
			`Store "${store}"`,
			'cannot hold a rate limiter',
			'Choose Embedded (this n8n process) or Redis (shared by every worker).',
		);
	}
	return { limiterName, limiterKey: limiterKey(limiterName, scopeOf(context, 'ratelimit')), store };
}

export function readLimiterSettings(context: IExecuteFunctions): LimiterSettings {
	const { limiterName, limiterKey: key, store } = readLimiterIdentity(context);
	const limit = context.getNodeParameter('limit', 0, 10) as number;
	const per = context.getNodeParameter('per', 0, 'second') as ratelimit.RatePer;
	const targetUtilization = context.getNodeParameter('targetUtilization', 0, 90) as number;
	const burst = context.getNodeParameter('options.burst', 0, 1) as number;
	const plan = withParameterLabels(context, labels, () =>
		ratelimit.planLimiter({ limit, per, targetUtilization, burst }),
	);
	const maxWait = numberParameter(context, 'maxWait', 'Max Wait (Seconds)', 0, {
		min: 0,
		unit: 'seconds',
		zero: '0 waits as long as needed',
	});
	const maxHold = numberParameter(
		context,
		'options.maxHold',
		'Max Hold (Seconds)',
		ratelimit.DEFAULT_MAX_HOLD_MS / time.SECOND_MS,
		{ min: 0, unit: 'seconds' },
	);
	let fixedTokens: number | null = null;
	if (!isExpression(context, 'tokensPerItem')) {
		const raw = context.getNodeParameter('tokensPerItem', 0, 1);
		fixedTokens = ratelimit.tokensOf(raw);
		if (fixedTokens === null)
			throw configError(
				context,
				'Tokens per Item',
				`is out of range: ${String(raw)}`,
				'Use a whole number of at least 1.',
			);
	}
	if (fixedTokens !== null && fixedTokens > plan.capacity)
		throw tooManyTokens(context, fixedTokens, plan.capacity);
	return {
		limiterName,
		limiterKey: key,
		store,
		limit,
		per,
		targetUtilization,
		plan,
		maxWaitMs: maxWait * time.SECOND_MS,
		maxHoldMs: maxHold * time.SECOND_MS,
		fixedTokens,
		outputField: readOutputField(context),
	};
}

function tooManyTokens(
	context: IExecuteFunctions,
	tokens: number,
	capacity: number,
	itemIndex?: number,
): NodeOperationError {
	return operationError(
		context,
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
		return operationError(
			context,
			`Tokens per Item could not be evaluated: ${(error as Error).message}`,
			{ itemIndex: index },
		);
	}
	const tokens = ratelimit.tokensOf(raw);
	if (tokens === null) {
		return operationError(
			context,
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

/* -------------------------------------------------------------- Limiter */

/** The shared limiter the settings name, connected (a StoreError when Redis is unreachable). */
export async function openLimiter(
	context: IExecuteFunctions,
	settings: LimiterSettings,
): Promise<stores.TokenLimiter> {
	const redis =
		settings.store === 'redis'
			? redisConfigFromCredential(await context.getCredentials(REDIS_CREDENTIAL))
			: undefined;
	const limiter = stores.limiterFor(settings.limiterKey, settings.plan, redis);
	await limiter.ready();
	// Guards Status reads the configured and learned limits from the node's store (best effort).
	await stores.recordLimiterIn(limiter, {
		store: async () => await storeForNode(context, [...LIMITER_STORES]),
		configured: {
			limit: settings.limit,
			per: settings.per,
			targetUtilization: settings.targetUtilization,
			burst: settings.plan.capacity,
		},
	});
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
	limiter: stores.TokenLimiter,
): { observed: IDataObject | null; limitCheck: string } {
	const comparison = ratelimit.compareLimits(
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
	limiter: stores.TokenLimiter,
): NodeExecutionHint | null {
	const { observed, limitCheck } = observedLimit(settings, limiter);
	if (observed === null || limitCheck === 'same' || limitCheck === 'unknown') return null;
	const window = observed.windowSeconds ? ` per ${String(observed.windowSeconds)} s` : '';
	const advice =
		limitCheck === 'lower'
			? 'Lower Limit to match, or expect 429s: the limiter also holds back whenever the vendor says nothing is left.'
			: 'The vendor allows more than configured; you may raise Limit.';
	return hint(
		`Rate limiter "${settings.limiterName}": the vendor reports a limit of ${String(observed.limit)}${window}, configured ${settings.limit} per ${settings.per}. ${advice}`,
		limitCheck === 'lower' ? 'warning' : 'info',
	);
}

/** What the limiter's waits are bounded by: Max Hold always, Max Wait from now when set. */
export function acquireOptions(settings: LimiterSettings): stores.AcquireOptions {
	return settings.maxWaitMs > 0
		? { maxHoldMs: settings.maxHoldMs, deadlineAt: Date.now() + settings.maxWaitMs }
		: { maxHoldMs: settings.maxHoldMs };
}
