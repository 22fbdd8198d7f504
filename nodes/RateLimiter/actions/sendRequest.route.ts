import { STATUS_CODES } from 'node:http';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { OutputRoutes } from '../../shared';
import { deadletter, pairedItem, ratelimit, time } from '../../shared';
import { visibleHeaders, type Exchange } from './http';
import type { LimiterSettings } from './limiter';
import type { OutputOf } from './outputs';
import type { UnitResult } from './sendRequest.send';
import type { RequestSettings } from './sendRequest.settings';
import type { Unit } from './sendRequest.units';
import { correlationOf } from './settings';

/**
 * Where each item of a sent unit leaves: Success with the response (its own record's
 * result in bulk mode), or Failed with the error, the last response and the attempts.
 */

function responseOf(answer: Exchange | null, body?: unknown): IDataObject | null {
	if (answer === null || answer.kind !== 'response') return null;
	return {
		status: answer.status,
		headers: visibleHeaders(answer.headers),
		body: (body === undefined ? answer.body : body) as IDataObject,
	};
}

function failure(
	result: UnitResult,
	override?: { message: string; status: number | null; response: IDataObject | null },
): IDataObject {
	const answer = result.last;
	const retryAfter =
		answer?.kind === 'response'
			? ratelimit.readRateLimitHeaders(answer.headers, Date.now()).retryAfterMs
			: null;
	let message: string;
	let httpCode: number | null = null;
	let code: string | null = null;
	if (override) {
		message = override.message;
		httpCode = override.status;
		code = 'RECORD_FAILED';
	} else if (result.reason === 'limiterUnavailable') {
		message = `The rate limiter could not give a slot${result.attempts > 0 ? ` after ${result.attempts} tr${result.attempts === 1 ? 'y' : 'ies'}` : ' (not sent)'}: ${result.limiterError ?? 'its store failed'}`;
		httpCode = answer?.kind === 'response' ? answer.status : null;
		code = 'LIMITER_UNAVAILABLE';
	} else if (result.reason === 'overLimit' || answer === null) {
		message = `Over limit: the wait for a slot was estimated at ${Math.ceil((result.estimatedWaitMs ?? 0) / time.SECOND_MS)} s, more than Max Wait${result.attempts > 0 ? ` (after ${result.attempts} tr${result.attempts === 1 ? 'y' : 'ies'})` : ''}`;
		code = 'OVER_LIMIT';
	} else if (answer.kind === 'network') {
		message = `${answer.code}: ${answer.message}`;
		code = answer.code;
	} else {
		httpCode = answer.status;
		const detail =
			deadletter.messageFromBody(answer.body) ??
			(typeof answer.body === 'string' && answer.body.trim() !== ''
				? answer.body.trim().slice(0, 300)
				: null);
		message = `${answer.status} - ${detail ?? STATUS_CODES[answer.status] ?? 'HTTP error'}`;
	}
	return {
		message,
		httpCode,
		code,
		reason: override ? 'recordFailed' : result.reason,
		attempts: result.attempts,
		retryAfterSeconds: retryAfter === null ? null : Math.ceil(retryAfter / time.SECOND_MS),
		response: override ? override.response : responseOf(answer),
	};
}

/** What became of a hold a response asked for, in seconds, as the item reports it. */
function holdDetails(hold: ratelimit.LearnedHold): IDataObject {
	return {
		requestedSeconds: Math.ceil(hold.requestedMs / time.SECOND_MS),
		heldSeconds: Math.ceil(hold.heldMs / time.SECOND_MS),
		capped: hold.capped,
		recorded: hold.recorded,
	};
}

export function route(
	items: INodeExecutionData[],
	unit: Unit,
	result: UnitResult,
	limits: LimiterSettings,
	request: RequestSettings,
	meta: IDataObject,
	outputs: OutputRoutes<OutputOf<'sendRequest'>>,
): void {
	const bulk = request.bulkSize > 1;
	const answer = result.last;
	const records =
		result.ok && bulk && answer?.kind === 'response'
			? ratelimit.perRecordResults(
					answer.body,
					unit.indices.length,
					request.bulkResultsPath || null,
				)
			: null;
	unit.indices.forEach((index, position) => {
		const source = items[index];
		const details: IDataObject = {
			...meta,
			tokens: unit.tokens,
			attempts: result.attempts,
			waitedMs: result.waitedMs,
			retryDelaysMs: result.delaysMs,
			tooManyRequests: result.tooManyRequests,
		};
		if (result.hold) details.hold = holdDetails(result.hold);
		if (result.pages !== undefined) details.pages = result.pages;
		if (bulk) details.bulk = { size: unit.indices.length, position, mapped: records !== null };
		const json: IDataObject = { ...source.json };
		delete json.error;
		const traced = correlationOf(source, request.correlationField);
		Object.assign(details, traced);
		// Only a unit that succeeded has per-record results.
		const record = records?.[position];
		const recordProblem = records ? ratelimit.recordFailure(record) : null;
		const response = responseOf(answer, records ? record : undefined);
		const failed = !result.ok || Boolean(recordProblem);
		if (failed) {
			const override = recordProblem
				? { message: recordProblem.message, status: recordProblem.status, response }
				: undefined;
			json.error = { ...failure(result, override), ...traced };
		}
		json[request.responseField] = response;
		details.route = failed ? 'failed' : 'success';
		json[limits.outputField] = details;
		outputs.push(failed ? 'Failed' : 'Success', pairedItem(source, index, json));
	});
}
