import type { IDataObject, IExecuteFunctions, NodeOperationError } from 'n8n-workflow';

import { breaker, configError, errors, itemError, paths, toParameterError } from '../../shared';
import { CLASSIFYING_VERSION } from './policy';

/**
 * Record's Counted Failures (version 1.1): which failures count towards opening the
 * breaker. Version 1 counts every failure.
 */
export type FailureCounting =
	| { mode: 'all' }
	| { mode: 'rules'; rules: breaker.FailureRules }
	| { mode: 'expression' };

export function readFailureCounting(
	context: IExecuteFunctions,
	outcomeFrom: 'inputs' | 'field',
): FailureCounting {
	if (context.getNode().typeVersion < CLASSIFYING_VERSION) return { mode: 'all' };
	const mode = context.getNodeParameter('countedFailures', 0, 'rules');
	if (mode === 'all') return { mode: 'all' };
	if (mode === 'expression') {
		if (outcomeFrom === 'inputs') {
			throw configError(
				context,
				'Counted Failures',
				'is By Expression, but the failures come on the Failure input',
				'An expression sees the items of the first input only: choose Outcome From: Field (one input), or count by status, network error and timeout.',
			);
		}
		return { mode: 'expression' };
	}
	let statuses: breaker.StatusRange[];
	try {
		statuses = breaker.parseStatusList(
			context.getNodeParameter('countedStatuses', 0, breaker.DEFAULT_COUNTED_STATUSES),
		);
	} catch (error) {
		throw toParameterError(context, error, { countedStatuses: 'Counted Statuses' });
	}
	const flag = (parameter: string) => context.getNodeParameter(parameter, 0, true) !== false;
	return {
		mode: 'rules',
		rules: {
			statuses,
			networkErrors: flag('countNetworkErrors'),
			timeouts: flag('countTimeouts'),
			unrecognised: flag('countUnrecognised'),
		},
	};
}

/** Where a failure's error is on its item. */
export type ErrorSource = { field: string } | 'item';

/**
 * The verdict on the failure `item` (item `index` of its input), or null in version 1
 * (every failure counts, and the item says nothing more than before), or the error of an
 * item whose Count This Failure expression gives no true or false. The error is the
 * item's error field (`error`, or the Outcome Field) with n8n's `details` beside it, or
 * the whole item when it has none (a full HTTP response with its statusCode, say).
 */
export function judgeFailureItem(
	context: IExecuteFunctions,
	counting: FailureCounting,
	item: IDataObject,
	index: number,
	source: ErrorSource,
): breaker.FailureVerdict | null | NodeOperationError {
	if (counting.mode === 'all' && context.getNode().typeVersion < CLASSIFYING_VERSION) return null;
	const error = source === 'item' ? item : (paths.getPath(item, source.field) ?? item);
	const verdict = breaker.judgeFailure(
		error,
		item.details,
		counting.mode === 'rules' ? counting.rules : breaker.DEFAULT_FAILURE_RULES,
	);
	if (counting.mode === 'all') return { ...verdict, counted: true, reason: 'every failure counts' };
	if (counting.mode === 'rules') return verdict;
	let counted: unknown;
	try {
		counted = context.getNodeParameter('countFailure', index, true);
	} catch (error) {
		return itemError(
			context,
			index,
			`Count This Failure of item ${index} could not be evaluated: ${error instanceof Error ? error.message : String(error)}`,
			'Fix the expression so that it gives true or false for every failure, e.g. {{ $json.error?.httpCode >= 500 }}.',
		);
	}
	if (typeof counted !== 'boolean') {
		return itemError(
			context,
			index,
			`Count This Failure of item ${index} is not true or false: ${errors.describeValue(counted)}`,
			'Make the expression give true or false, e.g. {{ $json.error.httpCode >= 500 }}.',
		);
	}
	return { ...verdict, counted, reason: `Count This Failure is ${counted}` };
}

/** The verdict as Record writes it on the item. */
export function verdictJson(verdict: breaker.FailureVerdict): IDataObject {
	return {
		counted: verdict.counted,
		kind: verdict.kind,
		httpCode: verdict.httpCode,
		code: verdict.code,
		class: verdict.class,
		reason: verdict.reason,
	};
}
