import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import {
	configError,
	fieldNameOption,
	json,
	numberParameter,
	optionsOf,
	paths,
	ratelimit,
	time,
	toParameterError,
} from '../../shared';
import { labels, readCorrelationField, readOutputField } from './settings';

/** What Backoff reads once per execution. */
export interface BackoffSettings {
	attemptPath: paths.PathSegment[];
	attemptField: string;
	errorField: string;
	maxAttempts: number;
	policy: ratelimit.BackoffPolicy;
	honorRetryAfter: boolean;
	maxServerWaitMs: number;
	removeError: boolean;
	outputField: string;
	correlationField: string;
}

/** The Attempt Field as a path; a configuration error names it (Backoff, Learn From Response). */
export function readAttemptPath(
	context: IExecuteFunctions,
	attemptField: string,
): paths.PathSegment[] {
	let attemptPath: paths.PathSegment[];
	try {
		attemptPath = paths.parsePath(attemptField);
	} catch (error) {
		if (!(error instanceof paths.PathSyntaxError))
			throw new NodeOperationError(context.getNode(), error as Error);
		throw configError(
			context,
			'Attempt Field',
			`is not a field path: ${error.message}`,
			'Use a path like _retry.attempt.',
		);
	}
	if (
		attemptField === '' ||
		attemptPath.length === 0 ||
		attemptPath.some((segment) => typeof segment !== 'string' || paths.FORBIDDEN_KEYS.has(segment))
	) {
		throw configError(
			context,
			'Attempt Field',
			'is empty or not a plain field path',
			'Use a path like _retry.attempt.',
		);
	}
	return attemptPath;
}

/** A delay's settings error in the panel's seconds, as its label says, not the policy's milliseconds. */
function inSeconds(error: unknown): unknown {
	if (!(error instanceof ratelimit.BackoffPolicyError)) return error;
	if (error.option !== 'baseMs' && error.option !== 'maxMs') return error;
	const seconds = Number(error.value) / time.SECOND_MS;
	return new ratelimit.BackoffPolicyError(error.option, seconds, error.expected);
}

/** The backoff policy from the panel's seconds; an option out of range names its parameter. */
function readPolicy(context: IExecuteFunctions): ratelimit.BackoffPolicy {
	const number = (value: unknown) => (typeof value === 'number' ? value : Number.NaN);
	const option = optionsOf(context, 'backoffOptions');
	try {
		return ratelimit.resolveBackoffPolicy({
			baseMs: number(context.getNodeParameter('baseDelay', 0, 1)) * time.SECOND_MS,
			maxMs: number(context.getNodeParameter('maxDelay', 0, 60)) * time.SECOND_MS,
			factor: number(option('factor', 2)),
			jitter: option('jitter', 'full') as ratelimit.JitterMode,
		});
	} catch (error) {
		throw toParameterError(context, inSeconds(error), labels);
	}
}

export function readBackoffSettings(context: IExecuteFunctions): BackoffSettings {
	const option = optionsOf(context, 'backoffOptions');
	const attemptField = String(context.getNodeParameter('attemptField', 0, '_retry.attempt')).trim();
	const attemptPath = readAttemptPath(context, attemptField);
	const maxAttempts = numberParameter(context, 'maxAttempts', 'Max Attempts', 5, {
		min: 1,
		max: 100,
		integer: true,
	});
	const policy = readPolicy(context);
	const maxServerWait = numberParameter(
		context,
		'backoffOptions.maxServerWait',
		'Max Server Wait (Seconds)',
		3600,
		{ min: 0, unit: 'seconds' },
	);
	return {
		attemptPath,
		attemptField,
		errorField: fieldNameOption(context, 'backoffOptions.errorField', 'Error Field', 'error'),
		maxAttempts,
		policy,
		honorRetryAfter: option('honorRetryAfter', true) !== false,
		maxServerWaitMs: maxServerWait * time.SECOND_MS,
		removeError: option('removeError', true) !== false,
		outputField: readOutputField(context),
		correlationField: readCorrelationField(context),
	};
}

/** Attempts made so far: the field's number (a numeric string too), 1 when missing or unreadable. */
export function attemptsOf(value: unknown): number {
	const number = typeof value === 'string' && /^\s*\d{1,6}\s*$/.test(value) ? Number(value) : value;
	if (typeof number !== 'number' || !Number.isFinite(number) || number < 1) return 1;
	return Math.min(Math.floor(number), 1_000_000);
}

/** Headers of the failed response, wherever the vendor node put them. */
export function headersOf(item: IDataObject, error: unknown): unknown {
	const candidates = [
		paths.getPath(error, 'response.headers'),
		paths.getPath(error, 'headers'),
		paths.getPath(error, 'cause.response.headers'),
		paths.getPath(item, 'response.headers'),
		paths.getPath(item, 'headers'),
	];
	return candidates.find((candidate) => json.isPlainObject(candidate));
}
