import type { IExecuteFunctions } from 'n8n-workflow';
import pRetry from 'p-retry';

import { operationError, ratelimit, storeFailure, stores, time } from '../../shared';
import { exchange, FINAL_NETWORK_CODES, type Exchange } from './http';
import { acquireOptions, type LimiterSettings } from './limiter';
import {
	firstPage,
	nextPage,
	pageRecords,
	type PaginationSettings,
} from './sendRequest.pagination';
import type { RequestSettings } from './sendRequest.settings';
import type { Unit } from './sendRequest.units';

/**
 * Sending a unit through the limiter: every try takes its tokens first, is retried by
 * p-retry with our backoff (full jitter, Retry-After and rate-limit resets honoured),
 * and a vendor's ask to hold is recorded on the limiter for everyone using it.
 */

/** A server wait is honoured up to Max Delay, and at least this long. */
const MIN_HONOURED_SERVER_WAIT_MS = time.MINUTE_MS;

export interface UnitResult {
	/** The last exchange; null when the unit never got a slot (Max Wait). */
	last: Exchange | null;
	ok: boolean;
	reason:
		| 'success'
		| 'maxAttempts'
		| 'notRetryable'
		| 'unsafeToRetry'
		| 'retryAfterTooLong'
		| 'overLimit'
		| 'limiterUnavailable';
	/** Why the limiter's store could not give a slot (reason limiterUnavailable). */
	limiterError?: string;
	attempts: number;
	waitedMs: number;
	delaysMs: number[];
	tooManyRequests: number;
	estimatedWaitMs: number | null;
	/** The longest hold a response of this unit asked of the limiter, and what became of it. */
	hold: ratelimit.LearnedHold | null;
	/** With pagination: the pages fetched (each one request with its retries). */
	pages?: number;
}

class AttemptFailed extends Error {
	constructor(readonly exchange: Exchange) {
		super(exchange.kind === 'response' ? `HTTP ${exchange.status}` : exchange.code);
		this.name = 'AttemptFailed';
	}
}

/**
 * With a Max Wait, which units get a slot, decided up front from the queue: null for
 * admitted, else the estimated wait (ms) that sent the unit away.
 */
export async function admit(
	limiter: stores.TokenLimiter,
	limits: LimiterSettings,
	units: Unit[],
): Promise<Array<number | null>> {
	if (limits.maxWaitMs <= 0 || units.length === 0) return units.map(() => null);
	const { ahead, available, holdMs: hold } = await limiter.snapshot(limits.maxHoldMs);
	let queued = ahead;
	return units.map((unit) => {
		const estimate = ratelimit.estimateWaitMs(limits.plan, queued, unit.tokens, available) + hold;
		if (estimate > limits.maxWaitMs) return estimate;
		queued += unit.tokens;
		return null;
	});
}

/** A unit nothing was sent for yet. */
function unsent(reason: UnitResult['reason'], estimatedWaitMs: number | null = null): UnitResult {
	return {
		last: null,
		ok: false,
		reason,
		attempts: 0,
		waitedMs: 0,
		delaysMs: [],
		tooManyRequests: 0,
		estimatedWaitMs,
		hold: null,
	};
}

export function overLimit(estimatedWaitMs: number): UnitResult {
	return unsent('overLimit', estimatedWaitMs);
}

export async function send(
	context: IExecuteFunctions,
	limiter: stores.TokenLimiter,
	unit: Unit,
	limits: LimiterSettings,
	request: RequestSettings,
	signal: AbortSignal | undefined,
): Promise<UnitResult> {
	const result = unsent('maxAttempts');
	const honouredServerWaitMs = Math.max(request.backoff.maxMs, MIN_HONOURED_SERVER_WAIT_MS);
	try {
		const last = await pRetry(
			async (attemptNumber) => {
				result.attempts = attemptNumber;
				const waitStart = Date.now();
				await limiter.acquire(unit.tokens, signal, acquireOptions(limits));
				result.waitedMs += Date.now() - waitStart;
				const answer = await exchange(context, unit.spec, signal);
				result.last = answer;
				if (answer.kind === 'response') {
					const now = Date.now();
					const facts = ratelimit.readRateLimitHeaders(answer.headers, now);
					// A wait this node refuses for its own item (it gives up instead) must not hold anyone else.
					const serverWait =
						answer.status >= 400 || answer.status === 0 ? ratelimit.serverWaitMs(facts, now) : null;
					const refused = serverWait !== null && serverWait > honouredServerWaitMs;
					const hold = await limiter.observe(facts, now, answer.status, {
						maxHoldMs: limits.maxHoldMs,
						record: !refused,
					});
					if (hold && (result.hold === null || hold.requestedMs >= result.hold.requestedMs))
						result.hold = hold;
					if (answer.status === 429) result.tooManyRequests++;
					if (answer.status > 0 && answer.status < 400) return answer;
				}
				throw new AttemptFailed(answer);
			},
			{
				retries: request.maxAttempts - 1,
				minTimeout: 0,
				maxTimeout: 0,
				factor: 1,
				signal,
				// Our own wait, here rather than p-retry's: it knows Retry-After and the reset headers.
				shouldRetry: async ({ error, attemptNumber }) => {
					if (!(error instanceof AttemptFailed)) return false;
					const answer = error.exchange;
					// Too large, a bad redirect: the same answer would come back.
					if (answer.kind === 'network' && FINAL_NETWORK_CODES.has(answer.code)) {
						result.reason = 'notRetryable';
						return false;
					}
					const verdict = ratelimit.retryVerdict(
						request.rules,
						answer.kind === 'response' ? answer.status : null,
						request.method,
						unit.hasIdempotencyKey,
						answer.kind === 'network' ? answer.code : undefined,
					);
					if (verdict !== 'retry') {
						result.reason = verdict === 'unsafe' ? 'unsafeToRetry' : 'notRetryable';
						return false;
					}
					const now = Date.now();
					const serverWait =
						answer.kind === 'response'
							? ratelimit.serverWaitMs(ratelimit.readRateLimitHeaders(answer.headers, now), now)
							: null;
					if (serverWait !== null && serverWait > honouredServerWaitMs) {
						result.reason = 'retryAfterTooLong';
						return false;
					}
					const { delayMs } = ratelimit.nextDelay(
						ratelimit.backoffDelay(attemptNumber, request.backoff),
						serverWait,
					);
					result.delaysMs.push(delayMs);
					await stores.pause(delayMs, signal);
					return true;
				},
			},
		);
		result.ok = true;
		result.reason = 'success';
		result.last = last;
	} catch (error) {
		// Not a failed try: the execution was cancelled, a hold outlasted Max Wait, or the limiter's store failed.
		if (!(error instanceof AttemptFailed)) {
			if (signal?.aborted)
				throw operationError(context, 'The execution was cancelled while waiting for a slot');
			if (error instanceof stores.HoldPastMaxWait) {
				// The try that met the hold was not sent.
				return {
					...result,
					ok: false,
					reason: 'overLimit',
					attempts: Math.max(0, result.attempts - 1),
					estimatedWaitMs: error.holdMs,
				};
			}
			return limiterUnavailable(context, error, result);
		}
	}
	return result;
}

/** A unit the limiter's store could not give a slot to: after `sent` tries (null: none). */
export function limiterUnavailable(
	context: IExecuteFunctions,
	error: unknown,
	sent: UnitResult | null,
): UnitResult {
	const limiterError = typeof error === 'string' ? error : storeFailure(context, error).message;
	const base = sent ?? unsent('limiterUnavailable');
	// The try that failed never got its slot, so it was not sent: count only those that were.
	return {
		...base,
		attempts: sent ? Math.max(0, sent.attempts - 1) : 0,
		ok: false,
		reason: 'limiterUnavailable',
		limiterError,
	};
}

/** Runs `work` over `values`, at most `limit` at a time, results in order. */
export async function mapConcurrent<Value, Result>(
	values: Value[],
	limit: number,
	work: (value: Value, position: number) => Promise<Result>,
): Promise<Result[]> {
	const results = new Array<Result>(values.length);
	let next = 0;
	const worker = async () => {
		while (next < values.length) {
			const position = next++;
			results[position] = await work(values[position], position);
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, values.length) }, worker));
	return results;
}

/**
 * A unit with pagination: one `send` per page, each taking its slot and retried on its
 * own, until the last page (Complete When, no next URL or cursor, Max Pages). Success
 * carries the last page's answer with the records of every page as its body; a page that
 * fails after its retries fails the unit, with that page's answer.
 */
export async function sendPages(
	context: IExecuteFunctions,
	limiter: stores.TokenLimiter,
	unit: Unit,
	limits: LimiterSettings,
	request: RequestSettings,
	pagination: PaginationSettings,
	signal: AbortSignal | undefined,
): Promise<UnitResult> {
	const records: unknown[] = [];
	let spec = firstPage(pagination, unit.spec);
	let total: UnitResult | null = null;
	for (let page = 1; ; page++) {
		const result = await send(context, limiter, { ...unit, spec }, limits, request, signal);
		total = total === null ? result : merged(total, result);
		total.pages = page;
		const answer = result.last;
		const completeByStatus =
			answer?.kind === 'response' &&
			pagination.completeWhen === 'receiveSpecificStatusCodes' &&
			pagination.statusCodes.has(answer.status);
		if (completeByStatus) {
			total.ok = true;
			total.reason = 'success';
			total.pages = page - 1;
			break;
		}
		if (!result.ok || answer?.kind !== 'response') return total;
		records.push(...pageRecords(pagination, answer.body));
		const next = nextPage(pagination, unit.spec, spec, answer, page);
		if (next === null) break;
		spec = next;
	}
	const last = total.last?.kind === 'response' ? total.last : null;
	return {
		...total,
		last: last ? { ...last, body: records } : total.last,
	};
}

/** Two results of one unit's pages added up; the later one's answer and outcome. */
function merged(before: UnitResult, after: UnitResult): UnitResult {
	return {
		...after,
		attempts: before.attempts + after.attempts,
		waitedMs: before.waitedMs + after.waitedMs,
		delaysMs: [...before.delaysMs, ...after.delaysMs],
		tooManyRequests: before.tooManyRequests + after.tooManyRequests,
		hold:
			after.hold && (before.hold === null || after.hold.requestedMs >= before.hold.requestedMs)
				? after.hold
				: before.hold,
	};
}
