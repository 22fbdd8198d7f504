import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext } from '../../shared';
import {
	configError,
	fieldNameOption,
	hint,
	numberParameter,
	optionsOf,
	pairedItem,
	paths,
	ratelimit,
	storeFailure,
	time,
	updateDisplayOptions,
} from '../../shared';
import {
	attemptFieldProperty,
	maxAttemptsProperty,
	maxServerWaitOption,
	removeErrorOption,
} from './backoff.operation';
import { attemptsOf, readAttemptPath } from './backoff.settings';
import {
	burstOption,
	configuredLimit,
	limitHint,
	maxHoldOption,
	openLimiter,
	readLimiterSettings,
} from './limiter';
import type { OutputOf } from './outputs';
import {
	correlationFieldOption,
	correlationOf,
	optionsCollection,
	readCorrelationField,
} from './settings';

/** Where Learn From Response reads the error, counts attempts, and which answers it retries. */
const learnOptions: INodeProperties[] = [
	{
		...attemptFieldProperty,
		description:
			'Field that counts the attempts of each item. Retry increments it; missing means this was the first attempt.',
	},
	{
		displayName: 'Error Field',
		name: 'errorField',
		type: 'string',
		default: 'error',
		description:
			"Field holding the error a node's error output put on the item (n8n puts it in error)",
	},
	maxAttemptsProperty,
	maxServerWaitOption,
	removeErrorOption,
	{
		displayName: 'Retry On',
		name: 'retryOn',
		type: 'string',
		default: '429, 5xx',
		placeholder: 'e.g. 429, 5xx, 408',
		description:
			'Statuses that go to Retry, as numbers or classes (5xx). Network errors always do; any other error goes to Give Up, any other answer to OK.',
	},
];

const properties: INodeProperties[] = [
	{
		displayName:
			"Put this after the vendor node: n8n's HTTP Request with Include Response Headers and Status (and Never Error), or any node's error output. It updates the limiter named here from the answer, and routes OK, Retry (the wait the vendor asked is in the details) or Give Up. Wire Retry back through Wait for Slot with the same limiter, which waits out what the vendor asked.",
		name: 'learnNotice',
		type: 'notice',
		default: '',
	},
	optionsCollection([burstOption, maxHoldOption, ...learnOptions, correlationFieldOption]),
];

export const description = updateDisplayOptions(
	{ show: { operation: ['learnFromResponse'] } },
	properties,
);

interface LearnSettings {
	attemptPath: paths.PathSegment[];
	errorField: string;
	policy: ratelimit.ResponsePolicy;
	removeError: boolean;
	correlationField: string;
}

function readLearnSettings(context: IExecuteFunctions): LearnSettings {
	const option = optionsOf(context);
	const attemptField = String(option('attemptField', '_retry.attempt')).trim();
	const retryOn = String(option('retryOn', ratelimit.DEFAULT_RETRY_STATUSES));
	const statuses = ratelimit.parseStatusList(retryOn);
	if ('bad' in statuses)
		throw configError(
			context,
			'Retry On',
			`has "${statuses.bad}", which is not a status or a class like 5xx`,
			'List statuses separated by commas, e.g. 429, 5xx, 408.',
		);
	const maxAttempts = numberParameter(context, 'options.maxAttempts', 'Max Attempts', 5, {
		min: 1,
		max: 100,
		integer: true,
	});
	const maxServerWait = numberParameter(
		context,
		'options.maxServerWait',
		'Max Server Wait (Seconds)',
		3600,
		{ min: 0, unit: 'seconds' },
	);
	return {
		attemptPath: readAttemptPath(context, attemptField),
		errorField: fieldNameOption(context, 'options.errorField', 'Error Field', 'error'),
		policy: {
			retryStatuses: statuses.statuses,
			maxAttempts,
			backoff: ratelimit.DEFAULT_BACKOFF,
			maxServerWaitMs: maxServerWait * time.SECOND_MS,
		},
		removeError: option('removeError', true) !== false,
		correlationField: readCorrelationField(context),
	};
}

const REASONS = {
	notRetryable: 'the answer is not one to retry',
	maxAttempts: 'it reached Max Attempts',
	retryAfterTooLong: 'the vendor asked to wait longer than Max Server Wait',
} as const;

/**
 * Learn From Response: each item is a vendor's answer (a full response, or an error on
 * an error output). What its headers say (the limit, nothing remaining, Retry-After)
 * updates the shared limiter, a hold capped by Max Hold; the item leaves on OK, Retry
 * (with the wait the vendor asked, and its attempt counted) or Give Up. Pure decisions
 * in core/ratelimit/response.ts; the limiter is told at most twice per execution.
 */
export async function execute(op: OperationContext<OutputOf<'learnFromResponse'>>): Promise<void> {
	const { context, items, outputs } = op;
	const settings = readLimiterSettings(context);
	const learn = readLearnSettings(context);
	if (items.length === 0) return;
	const now = op.clock.now();
	const errorPath = paths.parsePath(learn.errorField);

	// What to tell the limiter: the answer asking the longest hold, and the latest that
	// reported a limit (one round trip each at most, however many items).
	let longest = null as { facts: ratelimit.ResponseFacts; holdMs: number } | null;
	let latestLimit = null as ratelimit.ResponseFacts | null;
	const verdicts = items.map((source) => {
		const error = paths.getPath(source.json, learn.errorField);
		const facts = ratelimit.readResponse(source.json, error, now);
		const asked = ratelimit.holdFrom(facts.limits, now, facts.status);
		if (asked !== null && asked - now > (longest?.holdMs ?? 0))
			longest = { facts, holdMs: asked - now };
		if (facts.limits.limit !== null || facts.limits.remaining !== null) latestLimit = facts;
		const attempt = attemptsOf(paths.readPath(source.json, learn.attemptPath));
		return { facts, attempt, verdict: ratelimit.decideResponse(facts, attempt, learn.policy, now) };
	});

	let hold: ratelimit.LearnedHold | null = null;
	let limiter;
	try {
		limiter = await openLimiter(context, settings);
		const told: ratelimit.ResponseFacts[] = [];
		if (latestLimit !== null) told.push(latestLimit);
		if (longest !== null && longest.facts !== latestLimit) told.push(longest.facts);
		for (const facts of told) {
			const learned = await limiter.observe(facts.limits, now, facts.status, {
				maxHoldMs: settings.maxHoldMs,
			});
			if (learned !== null) hold = learned;
		}
	} catch (error) {
		throw storeFailure(context, error);
	}

	const base = {
		limiter: settings.limiterName,
		store: settings.store,
		configured: configuredLimit(settings),
	};
	verdicts.forEach(({ facts, attempt, verdict }, index) => {
		const source = items[index];
		const owned = new Set<object>();
		const json: IDataObject = { ...source.json };
		owned.add(json);
		const { limits } = facts;
		const details: IDataObject = {
			...base,
			route: verdict.route,
			status: facts.status,
			attempt,
			maxAttempts: learn.policy.maxAttempts,
			error: facts.errorMessage,
			observed:
				limits.limit !== null || limits.remaining !== null
					? {
							limit: limits.limit,
							remaining: limits.remaining,
							resetAt: limits.resetAt === null ? null : new Date(limits.resetAt).toISOString(),
							windowSeconds: limits.windowSeconds,
						}
					: null,
			...correlationOf(source, learn.correlationField),
		};
		if (verdict.route === 'ok') {
			json[settings.outputField] = details;
			outputs.push('OK', pairedItem(source, index, json));
			return;
		}
		details.retryAfterMs = verdict.serverWaitMs;
		// An attempt that cannot be counted (the path is blocked by a non-object) would retry for ever.
		const counted =
			verdict.route === 'retry' && paths.setPath(json, learn.attemptPath, attempt + 1, owned);
		if (verdict.route === 'giveUp' || !counted) {
			const reason = verdict.route === 'giveUp' ? verdict.reason : 'attemptNotRecorded';
			json[settings.outputField] = { ...details, route: 'giveUp', reason };
			outputs.push('Give Up', pairedItem(source, index, json));
			return;
		}
		if (learn.removeError) paths.deletePath(json, errorPath, owned);
		json[settings.outputField] = {
			...details,
			nextAttempt: attempt + 1,
			delayMs: verdict.delayMs,
			delaySource: verdict.source,
			retryAt: new Date(now + verdict.delayMs).toISOString(),
			hold: hold === null ? null : (hold as unknown as IDataObject),
		};
		outputs.push('Retry', pairedItem(source, index, json));
	});

	const retried = outputs.buckets[outputs.index('Retry')].length;
	const gaveUp = outputs.buckets[outputs.index('Give Up')];
	if (retried > 0)
		op.hints.push(
			hint(
				`Rate limiter "${settings.limiterName}": ${retried} item(s) to retry${hold === null ? '' : `; the vendor asked to hold ${Math.ceil(hold.requestedMs / time.SECOND_MS)} s, held ${Math.ceil(hold.heldMs / time.SECOND_MS)} s`}.`,
			),
		);
	if (gaveUp.length > 0) {
		const first = gaveUp[0].json[settings.outputField] as IDataObject;
		op.hints.push(
			hint(
				`Rate limiter "${settings.limiterName}": ${gaveUp.length} item(s) gave up, the first because ${REASONS[first.reason as keyof typeof REASONS] ?? 'its attempt could not be counted'}.`,
				'warning',
			),
		);
	}
	const observed = limitHint(settings, limiter);
	if (observed) op.hints.push(observed);
}
