import type { IDataObject, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { OperationContext } from '../../shared';
import {
	deadletter,
	hint,
	pairedItem,
	paths,
	ratelimit,
	time,
	updateDisplayOptions,
	stores,
} from '../../shared';
import { releasePaced } from './backoff.paced';
import {
	attemptsOf,
	headersOf,
	readBackoffSettings,
	type BackoffSettings,
} from './backoff.settings';
import { burstOption, maxHoldOption, readLimiterSettings } from './limiter';
import type { OutputOf } from './outputs';
import { correlationFieldOption, correlationOf, optionsCollection } from './settings';

/** Waits up to this long happen in the node; longer ones put the execution to wait (as n8n's Wait node does). */
export const IN_NODE_WAIT_LIMIT_MS = 65 * time.SECOND_MS;

/** Backoff's attempt counting and its limits on waiting, shared with Learn From Response. */
export const attemptFieldProperty: INodeProperties = {
	displayName: 'Attempt Field',
	name: 'attemptField',
	type: 'string',
	default: '_retry.attempt',
	description:
		'Field that counts the attempts of each item. Backoff increments it; missing means the first attempt failed.',
};

export const maxAttemptsProperty: INodeProperties = {
	displayName: 'Max Attempts',
	name: 'maxAttempts',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: 100 },
	default: 5,
	description:
		'Attempts in all, the first included. An item that failed this many times leaves on Give Up.',
};

export const maxServerWaitOption: INodeProperties = {
	displayName: 'Max Server Wait (Seconds)',
	name: 'maxServerWait',
	type: 'number',
	typeOptions: { minValue: 0 },
	default: 3600,
	description: 'An item whose vendor asks to wait longer than this leaves on Give Up instead',
};

export const removeErrorOption: INodeProperties = {
	displayName: 'Remove Error Field on Retry',
	name: 'removeError',
	type: 'boolean',
	default: true,
	description:
		'Whether items on Retry leave without the error field (its message is kept in the attempt details)',
};

const properties: INodeProperties[] = [
	{
		displayName:
			'Wire the error output of a vendor node here, and Retry back into that node. Waits up to 65 seconds happen in this node; longer ones put the execution to wait like the Wait node.',
		name: 'backoffNotice',
		type: 'notice',
		default: '',
		displayOptions: { hide: { pacing: ['paced'] } },
	},
	{
		displayName:
			"Wire the vendor node's success and error outputs both here, Retry back into the vendor node, and No Error onwards. Items to retry wait here, each for its own delay and a slot from the limiter below, and leave a burst at a time: the vendor node never gets the whole batch at once.",
		name: 'pacedNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { pacing: ['paced'], '@version': [{ _cnd: { gte: 2.1 } }] } },
	},
	{
		displayName: 'Pacing',
		name: 'pacing',
		type: 'options',
		options: [
			{
				name: 'Paced: One Slot per Item',
				value: 'paced',
				description:
					'Each item waits for its own delay, then for a slot from the limiter; at most a burst leaves per run',
			},
			{
				name: 'Whole Batch',
				value: 'batch',
				description:
					'Waits once for the longest delay of the batch, then sends every item back at once (as before version 2.1)',
			},
		],
		default: 'paced',
		description: 'How items to retry leave the node',
		displayOptions: { show: { '@version': [{ _cnd: { gte: 2.1 } }] } },
	},
	attemptFieldProperty,
	maxAttemptsProperty,
	{
		displayName: 'Base Delay (Seconds)',
		name: 'baseDelay',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 1,
		description: 'Wait before the first retry; each further retry waits up to Factor times as long',
	},
	{
		displayName: 'Max Delay (Seconds)',
		name: 'maxDelay',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 60,
		description:
			"Longest computed wait. A vendor's Retry-After may ask for longer, up to Max Server Wait.",
	},
	{
		displayName: 'Backoff Options',
		name: 'backoffOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Error Field',
				name: 'errorField',
				type: 'string',
				default: 'error',
				description:
					'Field holding the error the vendor node put on the item; Retry-After and rate-limit headers are read from it',
			},
			{
				displayName: 'Factor',
				name: 'factor',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 10 },
				default: 2,
				description: 'Growth of the delay per attempt',
			},
			{
				displayName: 'Honor Retry-After',
				name: 'honorRetryAfter',
				type: 'boolean',
				default: true,
				description:
					"Whether to wait as long as the vendor's Retry-After or rate-limit reset asks, when that is longer than the backoff",
			},
			{
				displayName: 'Jitter',
				name: 'jitter',
				type: 'options',
				options: [
					{
						name: 'Full',
						value: 'full',
						description: 'Random between 0 and the delay: spreads clients best',
					},
					{
						name: 'Equal',
						value: 'equal',
						description: 'Random between half the delay and the delay',
					},
					{ name: 'None', value: 'none', description: 'Exactly the delay' },
				],
				default: 'full',
				description: 'How much randomness spreads the retries of many items and clients apart',
			},
			maxServerWaitOption,
			removeErrorOption,
		],
	},
	optionsCollection([
		...[burstOption, maxHoldOption].map((option) => ({
			...option,
			displayOptions: { show: { '/pacing': ['paced'] } },
		})),
		correlationFieldOption,
	]),
];

export const description = updateDisplayOptions({ show: { operation: ['backoff'] } }, properties);

function errorMessage(error: unknown): string | null {
	if (error === undefined || error === null || error === '') return null;
	return deadletter.failureFacts(error).message;
}

/** A Backoff item's route, decided alone; Retry items carry their delay. */
type Decided =
	| { route: 'Give Up' | 'No Error'; index: number; json: IDataObject }
	| { route: 'Retry'; index: number; json: IDataObject; delayMs: number };

/**
 * Backoff: after a vendor node's error output. Each item's attempt count decides Retry
 * (after a wait: exponential backoff with jitter, or longer when the vendor's
 * Retry-After or rate-limit reset says so) or Give Up at Max Attempts; from version 2.1
 * an item without an error leaves on No Error untouched. Paced (2.1's default), each
 * Retry item waits on its own schedule and leaves when due and the shared limiter gives
 * it a slot (backoff.paced.ts); Whole Batch waits once for the longest delay of the batch.
 */
export async function execute(op: OperationContext<OutputOf<'backoff'>>): Promise<void> {
	const { context, items, outputs } = op;
	const settings = readBackoffSettings(context);
	const version = context.getNode().typeVersion;
	const paced = version >= 2.1 && context.getNodeParameter('pacing', 0, 'paced') === 'paced';
	const limiterSettings = paced ? readLimiterSettings(context) : null;
	if (items.length === 0 && !paced) return;
	const now = op.clock.now();
	const observedLimits = new Set<number>();
	const decided = items.map((source, index) =>
		decide(source, index, settings, now, version, observedLimits),
	);
	for (const item of decided)
		if (item.route !== 'Retry')
			outputs.push(item.route, pairedItem(items[item.index], item.index, item.json));

	if (observedLimits.size > 0) {
		op.hints.push(
			hint(
				`Backoff: the vendor's headers report a limit of ${[...observedLimits].join(', ')} per window. Compare it with the limit you configured anywhere else.`,
			),
		);
	}
	const gaveUp = outputs.buckets[outputs.index('Give Up')].length;
	if (gaveUp > 0) op.hints.push(hint(`Backoff: ${gaveUp} item(s) gave up.`, 'warning'));

	const retries = decided.filter((item) => item.route === 'Retry');
	if (limiterSettings !== null) {
		await releasePaced(op, limiterSettings, retries, now);
		return;
	}
	let longestMs = 0;
	for (const item of retries) {
		longestMs = Math.max(longestMs, item.delayMs);
		outputs.push('Retry', pairedItem(items[item.index], item.index, item.json));
	}
	if (retries.length > 0 && longestMs > 0) {
		if (longestMs <= IN_NODE_WAIT_LIMIT_MS) {
			await stores.pause(longestMs, context.getExecutionCancelSignal?.());
		} else {
			// Long waits are n8n's job: the execution is saved and resumed, as with the Wait node.
			await context.putExecutionToWait(new Date(now + longestMs));
		}
	}
}

/** One item's route: Give Up, Retry with its delay, or (from 2.1) No Error. */
function decide(
	source: INodeExecutionData,
	index: number,
	settings: BackoffSettings,
	now: number,
	version: number,
	observedLimits: Set<number>,
): Decided {
	const attempts = attemptsOf(paths.readPath(source.json, settings.attemptPath));
	const error = paths.getPath(source.json, settings.errorField);
	if (version >= 2.1 && (error === undefined || error === null || error === ''))
		return { route: 'No Error', index, json: source.json };
	const facts = ratelimit.readRateLimitHeaders(headersOf(source.json, error), now);
	let serverWait = ratelimit.serverWaitMs(facts, now);
	if (serverWait === null) {
		// n8n's HTTP Request node keeps the response headers on the error object.
		const seconds =
			error === undefined ? null : deadletter.failureFacts(error, undefined, now).retryAfterSeconds;
		serverWait = seconds === null ? null : seconds * time.SECOND_MS;
	}
	if (facts.limit !== null) observedLimits.add(facts.limit);
	const owned = new Set<object>();
	const json: IDataObject = { ...source.json };
	owned.add(json);
	const details: IDataObject = {
		attempt: attempts,
		maxAttempts: settings.maxAttempts,
		lastError: errorMessage(error),
		retryAfterMs: serverWait,
		observed:
			facts.limit !== null || facts.remaining !== null
				? {
						limit: facts.limit,
						remaining: facts.remaining,
						resetAt: facts.resetAt === null ? null : new Date(facts.resetAt).toISOString(),
					}
				: null,
		...correlationOf(source, settings.correlationField),
	};
	let giveUp: string | null = null;
	if (attempts >= settings.maxAttempts) giveUp = 'maxAttempts';
	else if (settings.honorRetryAfter && serverWait !== null && serverWait > settings.maxServerWaitMs)
		giveUp = 'retryAfterTooLong';
	// An attempt that cannot be counted (the field path is blocked by a non-object value)
	// would retry for ever: such an item gives up instead.
	else if (!paths.setPath(json, settings.attemptPath, attempts + 1, owned))
		giveUp = 'attemptNotRecorded';
	if (giveUp !== null) {
		json[settings.outputField] = { ...details, route: 'giveUp', reason: giveUp };
		return { route: 'Give Up', index, json };
	}
	const computed = ratelimit.backoffDelay(attempts, settings.policy);
	const { delayMs, source: delaySource } = ratelimit.nextDelay(
		computed,
		settings.honorRetryAfter ? serverWait : null,
	);
	if (settings.removeError) paths.deletePath(json, paths.parsePath(settings.errorField), owned);
	json[settings.outputField] = {
		...details,
		route: 'retry',
		nextAttempt: attempts + 1,
		delayMs,
		delaySource,
		retryAt: new Date(now + delayMs).toISOString(),
	};
	return { route: 'Retry', index, json, delayMs };
}
