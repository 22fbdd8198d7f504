import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeExecutionHint,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { BackoffPolicy, JitterMode, PathSegment } from '../shared';
import {
	backoffDelay,
	deletePath,
	failureFacts,
	FORBIDDEN_KEYS,
	getPath,
	isBackoffPolicyError,
	isPlainObject,
	nextDelay,
	pairedItem,
	parsePath,
	PathSyntaxError,
	readRateLimitHeaders,
	readPath,
	resolveBackoffPolicy,
	serverWaitMs,
	setPath,
} from '../shared';
import { fail, readOutputField, sleep } from './settings';

const RETRY = 0;
const GIVE_UP = 1;
const SECOND = 1000;
/** Waits up to this long happen in the node; longer ones put the execution to wait (as n8n's Wait node does). */
export const IN_NODE_WAIT_LIMIT_MS = 65 * SECOND;

interface BackoffSettings {
	attemptPath: PathSegment[];
	attemptField: string;
	errorField: string;
	maxAttempts: number;
	policy: BackoffPolicy;
	honorRetryAfter: boolean;
	maxServerWaitMs: number;
	removeError: boolean;
	outputField: string;
}

const POLICY_LABELS: Record<string, string> = {
	baseMs: 'Base Delay (Seconds)',
	maxMs: 'Max Delay (Seconds)',
	factor: 'Factor',
	jitter: 'Jitter',
};

function readSettings(context: IExecuteFunctions): BackoffSettings {
	const option = <Value>(name: string, fallback: Value) =>
		context.getNodeParameter(`backoffOptions.${name}`, 0, fallback) as Value;
	const attemptField = String(context.getNodeParameter('attemptField', 0, '_retry.attempt')).trim();
	let attemptPath: PathSegment[];
	try {
		attemptPath = parsePath(attemptField);
	} catch (error) {
		if (!(error instanceof PathSyntaxError))
			throw new NodeOperationError(context.getNode(), error as Error);
		throw fail(
			context,
			`Attempt Field is not a field path: ${error.message}`,
			'Use a path like _retry.attempt.',
		);
	}
	if (
		attemptField === '' ||
		attemptPath.length === 0 ||
		attemptPath.some((segment) => typeof segment !== 'string' || FORBIDDEN_KEYS.has(segment))
	) {
		throw fail(
			context,
			'Attempt Field is empty or not a plain field path',
			'Use a path like _retry.attempt.',
		);
	}
	const maxAttempts = context.getNodeParameter('maxAttempts', 0, 5);
	if (
		typeof maxAttempts !== 'number' ||
		!Number.isInteger(maxAttempts) ||
		maxAttempts < 1 ||
		maxAttempts > 100
	) {
		throw fail(
			context,
			`Max Attempts is out of range: ${String(maxAttempts)}`,
			'Use a whole number from 1 to 100.',
		);
	}
	const number = (value: unknown) => (typeof value === 'number' ? value : Number.NaN);
	let policy: BackoffPolicy;
	try {
		policy = resolveBackoffPolicy({
			baseMs: number(context.getNodeParameter('baseDelay', 0, 1)) * SECOND,
			maxMs: number(context.getNodeParameter('maxDelay', 0, 60)) * SECOND,
			factor: number(option('factor', 2)),
			jitter: option<JitterMode>('jitter', 'full'),
		});
	} catch (error) {
		if (!isBackoffPolicyError(error))
			throw new NodeOperationError(context.getNode(), error as Error);
		const shown =
			error.option === 'baseMs' || error.option === 'maxMs'
				? Number(error.value) / SECOND
				: error.value;
		throw fail(
			context,
			`${POLICY_LABELS[error.option]} is out of range: ${String(shown)}`,
			`It must be ${error.expected}.`,
		);
	}
	const maxServerWait = number(option('maxServerWait', 3600));
	if (!(maxServerWait >= 0))
		throw fail(
			context,
			`Max Server Wait (Seconds) is out of range: ${String(maxServerWait)}`,
			'Use a number of seconds of at least 0.',
		);
	return {
		attemptPath,
		attemptField,
		errorField: String(option('errorField', 'error')).trim() || 'error',
		maxAttempts,
		policy,
		honorRetryAfter: option<boolean>('honorRetryAfter', true) !== false,
		maxServerWaitMs: maxServerWait * SECOND,
		removeError: option<boolean>('removeError', true) !== false,
		outputField: readOutputField(context),
	};
}

/** Attempts made so far: the field's number (a numeric string too), 1 when missing or unreadable. */
export function attemptsOf(value: unknown): number {
	const number = typeof value === 'string' && /^\s*\d{1,6}\s*$/.test(value) ? Number(value) : value;
	if (typeof number !== 'number' || !Number.isFinite(number) || number < 1) return 1;
	return Math.min(Math.floor(number), 1_000_000);
}

/** Headers of the failed response, wherever the vendor node put them. */
function headersOf(json: IDataObject, error: unknown): unknown {
	const candidates = [
		getPath(error, 'response.headers'),
		getPath(error, 'headers'),
		getPath(error, 'cause.response.headers'),
		getPath(json, 'response.headers'),
		getPath(json, 'headers'),
	];
	return candidates.find((candidate) => isPlainObject(candidate));
}

function errorMessage(error: unknown): string | null {
	if (error === undefined || error === null || error === '') return null;
	return failureFacts(error).message;
}

/**
 * Backoff: after a vendor node's error output. Each item's attempt count decides Retry
 * (after a wait: exponential backoff with jitter, or longer when the vendor's
 * Retry-After or rate-limit reset says so) or Give Up at Max Attempts. The node waits
 * once for the longest delay of the batch, then sends the Retry items back.
 */
export async function executeBackoff(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const settings = readSettings(context);
	const items = context.getInputData();
	const outputs: INodeExecutionData[][] = [[], []];
	if (items.length === 0) return outputs;
	const now = Date.now();
	let longestMs = 0;
	let retries = 0;
	const observedLimits = new Set<number>();
	const errorPath = parsePath(settings.errorField);

	items.forEach((source, index) => {
		const attempts = attemptsOf(readPath(source.json, settings.attemptPath));
		const error = getPath(source.json, settings.errorField);
		const facts = readRateLimitHeaders(headersOf(source.json, error), now);
		let serverWait = serverWaitMs(facts, now);
		if (serverWait === null) {
			// n8n's HTTP Request node keeps the response headers on the error object.
			const seconds =
				error === undefined ? null : failureFacts(error, undefined, now).retryAfterSeconds;
			serverWait = seconds === null ? null : seconds * SECOND;
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
			outputs[GIVE_UP].push(pairedItem(source, index, json));
			return;
		}
		// An attempt that cannot be counted (the field path is blocked by a non-object value)
		// would retry for ever: such an item gives up instead.
		if (!setPath(json, settings.attemptPath, attempts + 1, owned)) {
			json[settings.outputField] = { ...details, route: 'giveUp', reason: 'attemptNotRecorded' };
			outputs[GIVE_UP].push(pairedItem(source, index, json));
			return;
		}
		const computed = backoffDelay(attempts, settings.policy);
		const { delayMs, source: delaySource } = nextDelay(
			computed,
			settings.honorRetryAfter ? serverWait : null,
		);
		longestMs = Math.max(longestMs, delayMs);
		retries++;
		if (settings.removeError) deletePath(json, errorPath, owned);
		json[settings.outputField] = {
			...details,
			route: 'retry',
			nextAttempt: attempts + 1,
			delayMs,
			delaySource,
			retryAt: new Date(now + delayMs).toISOString(),
		};
		outputs[RETRY].push(pairedItem(source, index, json));
	});

	const hints: NodeExecutionHint[] = [];
	if (observedLimits.size > 0) {
		hints.push({
			message: `Backoff: the vendor's headers report a limit of ${[...observedLimits].join(', ')} per window. Compare it with the limit you configured anywhere else.`,
			type: 'info',
			location: 'outputPane',
		});
	}
	if (outputs[GIVE_UP].length > 0) {
		hints.push({
			message: `Backoff: ${outputs[GIVE_UP].length} item(s) gave up.`,
			type: 'warning',
			location: 'outputPane',
		});
	}
	if (hints.length > 0) context.addExecutionHints(...hints);

	if (retries > 0 && longestMs > 0) {
		if (longestMs <= IN_NODE_WAIT_LIMIT_MS) {
			await sleep(longestMs, context.getExecutionCancelSignal?.());
		} else {
			// Long waits are n8n's job: the execution is saved and resumed, as with the Wait node.
			await context.putExecutionToWait(new Date(now + longestMs));
		}
	}
	return outputs;
}
