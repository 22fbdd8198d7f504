import type { IDataObject, INodeProperties } from 'n8n-workflow';

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
import { attemptsOf, headersOf, readBackoffSettings } from './backoff.settings';
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
			},
			maxServerWaitOption,
			removeErrorOption,
		],
	},
	optionsCollection([correlationFieldOption]),
];

export const description = updateDisplayOptions({ show: { operation: ['backoff'] } }, properties);

function errorMessage(error: unknown): string | null {
	if (error === undefined || error === null || error === '') return null;
	return deadletter.failureFacts(error).message;
}

/**
 * Backoff: after a vendor node's error output. Each item's attempt count decides Retry
 * (after a wait: exponential backoff with jitter, or longer when the vendor's
 * Retry-After or rate-limit reset says so) or Give Up at Max Attempts. The node waits
 * once for the longest delay of the batch, then sends the Retry items back.
 */
export async function execute(op: OperationContext<OutputOf<'backoff'>>): Promise<void> {
	const { context, items, outputs } = op;
	const settings = readBackoffSettings(context);
	if (items.length === 0) return;
	const now = op.clock.now();
	let longestMs = 0;
	let retries = 0;
	const observedLimits = new Set<number>();
	const errorPath = paths.parsePath(settings.errorField);

	items.forEach((source, index) => {
		const attempts = attemptsOf(paths.readPath(source.json, settings.attemptPath));
		const error = paths.getPath(source.json, settings.errorField);
		const facts = ratelimit.readRateLimitHeaders(headersOf(source.json, error), now);
		let serverWait = ratelimit.serverWaitMs(facts, now);
		if (serverWait === null) {
			// n8n's HTTP Request node keeps the response headers on the error object.
			const seconds =
				error === undefined
					? null
					: deadletter.failureFacts(error, undefined, now).retryAfterSeconds;
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
		else if (
			settings.honorRetryAfter &&
			serverWait !== null &&
			serverWait > settings.maxServerWaitMs
		)
			giveUp = 'retryAfterTooLong';
		if (giveUp !== null) {
			json[settings.outputField] = { ...details, route: 'giveUp', reason: giveUp };
			outputs.push('Give Up', pairedItem(source, index, json));
			return;
		}
		// An attempt that cannot be counted (the field path is blocked by a non-object value)
		// would retry for ever: such an item gives up instead.
		if (!paths.setPath(json, settings.attemptPath, attempts + 1, owned)) {
			json[settings.outputField] = { ...details, route: 'giveUp', reason: 'attemptNotRecorded' };
			outputs.push('Give Up', pairedItem(source, index, json));
			return;
		}
		const computed = ratelimit.backoffDelay(attempts, settings.policy);
		const { delayMs, source: delaySource } = ratelimit.nextDelay(
			computed,
			settings.honorRetryAfter ? serverWait : null,
		);
		longestMs = Math.max(longestMs, delayMs);
		retries++;
		if (settings.removeError) paths.deletePath(json, errorPath, owned);
		json[settings.outputField] = {
			...details,
			route: 'retry',
			nextAttempt: attempts + 1,
			delayMs,
			delaySource,
			retryAt: new Date(now + delayMs).toISOString(),
		};
		outputs.push('Retry', pairedItem(source, index, json));
	});

	if (observedLimits.size > 0) {
		op.hints.push(
			hint(
				`Backoff: the vendor's headers report a limit of ${[...observedLimits].join(', ')} per window. Compare it with the limit you configured anywhere else.`,
			),
		);
	}
	const gaveUp = outputs.buckets[outputs.index('Give Up')].length;
	if (gaveUp > 0) op.hints.push(hint(`Backoff: ${gaveUp} item(s) gave up.`, 'warning'));

	if (retries > 0 && longestMs > 0) {
		if (longestMs <= IN_NODE_WAIT_LIMIT_MS) {
			await stores.pause(longestMs, context.getExecutionCancelSignal?.());
		} else {
			// Long waits are n8n's job: the execution is saved and resumed, as with the Wait node.
			await context.putExecutionToWait(new Date(now + longestMs));
		}
	}
}
