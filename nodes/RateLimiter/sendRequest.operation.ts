import { STATUS_CODES } from 'node:http';

import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	INodeExecutionData,
	NodeExecutionHint,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import pRetry from 'p-retry';

import type { BackoffPolicy, LearnedHold, RetryRules, TokenLimiter } from '../shared';
import {
	HoldPastMaxWait,
	backoffDelay,
	chunk,
	estimateWaitMs,
	failItem,
	getPath,
	messageFromBody,
	nextDelay,
	pairedItem,
	parseStatusList,
	perRecordResults,
	readRateLimitHeaders,
	recordFailure,
	resolveBackoffPolicy,
	retryVerdict,
	serverWaitMs,
	storeFailure,
} from '../shared';
import {
	exchange,
	FINAL_NETWORK_CODES,
	readAuth,
	visibleHeaders,
	type Auth,
	type Exchange,
	type RequestSpec,
} from './http';
import {
	acquireOptions,
	configuredLimit,
	fail,
	fieldName,
	limitHint,
	observedLimit,
	openLimiter,
	readLimiterSettings,
	sleep,
	tokensForItem,
	withField,
	type LimiterSettings,
} from './settings';
import { pairIndex } from './waitForSlot.operation';

const SUCCESS = 0;
const FAILED = 1;
const SECOND = 1000;
/** A server wait is honoured up to Max Delay, and at least this long. */
const MIN_HONOURED_SERVER_WAIT_MS = 60 * SECOND;

interface RequestSettings {
	method: IHttpRequestMethods;
	maxAttempts: number;
	rules: RetryRules;
	backoff: BackoffPolicy;
	idempotencyKeyField: string;
	idempotencyKeyHeader: string;
	concurrency: number;
	timeoutMs: number;
	maxResponseBytes: number;
	bulkSize: number;
	bulkBodyField: string;
	bulkResultsPath: string;
	responseField: string;
	sendBody: boolean;
	sendHeaders: boolean;
	sendQuery: boolean;
}

/** One request: one item, or a batch of items in bulk mode. */
interface Unit {
	indices: number[];
	tokens: number;
	spec: RequestSpec;
	hasIdempotencyKey: boolean;
}

interface UnitResult {
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
	hold: LearnedHold | null;
}

class AttemptFailed extends Error {
	constructor(readonly exchange: Exchange) {
		super(exchange.kind === 'response' ? `HTTP ${exchange.status}` : exchange.code);
		this.name = 'AttemptFailed';
	}
}

/**
 * Send Request: one HTTP request per item (or per batch in bulk mode) through the
 * shared limiter, retried by p-retry with our backoff (full jitter, Retry-After and
 * rate-limit resets honoured). Every try takes its tokens from the limiter, so retries
 * never push the rate over the target. Items leave on Success or, after the last try,
 * on Failed with the status, error and attempts.
 */
export async function executeSendRequest(
	context: IExecuteFunctions,
): Promise<INodeExecutionData[][]> {
	const limits = readLimiterSettings(context);
	const request = readRequestSettings(context);
	const items = context.getInputData();
	const outputs: INodeExecutionData[][] = [[], []];
	if (items.length === 0) return outputs;
	const auth = await readAuth(context);
	const units = buildUnits(context, items, limits, request, auth, outputs);

	const hints: NodeExecutionHint[] = [];
	let limiter: TokenLimiter;
	let results: UnitResult[];
	// The first failure of the limiter's store. Before anything was sent it fails the node
	// (fail closed); once requests went out, their answers must not be thrown away: every
	// unit then leaves on Failed (reason limiterUnavailable), and no new request is sent.
	let limiterFailure: unknown;
	try {
		limiter = await openLimiter(context, limits);
		const admitted = await admit(limiter, limits, units);
		const signal = context.getExecutionCancelSignal?.();
		results = await mapConcurrent(units, request.concurrency, async (unit, position) => {
			if (admitted[position] !== null) return overLimit(admitted[position] as number);
			if (limiterFailure !== undefined) return limiterUnavailable(context, limiterFailure, null);
			const result = await send(context, limiter, unit, limits, request, signal);
			if (result.reason === 'limiterUnavailable') limiterFailure ??= result.limiterError;
			return result;
		});
	} catch (error) {
		throw storeFailure(context, error);
	}
	if (limiterFailure !== undefined && results.every((result) => result.last === null)) {
		const failure = new NodeOperationError(context.getNode(), String(limiterFailure), {
			description:
				"Nothing was sent: the rate limiter could not give a slot. Check that its store is running and reachable from n8n (the credential's Test button), then run again.",
		});
		// NodeOperationError rewrites messages that mention ECONNREFUSED: keep ours, which names the store.
		failure.message = String(limiterFailure);
		throw failure;
	}

	const meta = {
		limiter: limits.limiterName,
		store: limits.store,
		configured: configuredLimit(limits),
		...observedLimit(limits, limiter),
	};
	units.forEach((unit, position) =>
		route(items, unit, results[position], limits, request, meta, outputs),
	);
	for (const output of outputs) output.sort((a, b) => pairIndex(a) - pairIndex(b));

	const retried = results.filter((result) => result.attempts > 1).length;
	const tooMany = results.reduce((sum, result) => sum + result.tooManyRequests, 0);
	const failed = results.filter((result) => !result.ok).length;
	if (retried > 0 || failed > 0) {
		hints.push({
			message: `Rate limiter "${limits.limiterName}": ${units.length} request(s), ${retried} retried, ${failed} failed after retries; the vendor answered 429 ${tooMany} time(s).`,
			type: failed > 0 ? 'warning' : 'info',
			location: 'outputPane',
		});
	}
	const capped = results
		.filter((result) => result.hold?.capped)
		.map((result) => result.hold as LearnedHold);
	if (capped.length > 0) {
		const asked = Math.max(...capped.map((hold) => hold.requestedMs));
		hints.push({
			message: `Rate limiter "${limits.limiterName}": the vendor asked to hold for ${Math.ceil(asked / SECOND)} s; held ${limits.maxHoldMs / SECOND} s (Max Hold).`,
			type: 'warning',
			location: 'outputPane',
		});
	}
	const hint = limitHint(limits, limiter);
	if (hint) hints.push(hint);
	if (hints.length > 0) context.addExecutionHints(...hints);
	return outputs;
}

/* --------------------------------------------------------------- Settings */

function readRequestSettings(context: IExecuteFunctions): RequestSettings {
	const option = <Value>(name: string, fallback: Value) =>
		context.getNodeParameter(`requestOptions.${name}`, 0, fallback) as Value;
	const wholeNumber = (name: string, label: string, fallback: number, min: number, max: number) => {
		const value = option<unknown>(name, fallback);
		if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
			throw fail(
				context,
				`${label} is out of range: ${String(value)}`,
				`Use a whole number from ${min} to ${max}.`,
			);
		}
		return value;
	};
	const atLeast = (name: string, label: string, fallback: number, min: number, unit: string) => {
		const value = option<unknown>(name, fallback);
		if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
			throw fail(
				context,
				`${label} is out of range: ${String(value)}`,
				`Use a number of ${unit} of at least ${min}.`,
			);
		}
		return value;
	};
	const seconds = (name: string, label: string, fallback: number, min: number) =>
		atLeast(name, label, fallback, min, 'seconds') * SECOND;
	const retryOn = String(option('retryOn', '429, 5xx'));
	const parsed = parseStatusList(retryOn);
	if ('bad' in parsed) {
		throw fail(
			context,
			`Retry On Status has an entry that is not a status: "${parsed.bad}"`,
			'List statuses and classes, e.g. 429, 502, 503 or 429, 5xx.',
		);
	}
	const baseMs = seconds('baseDelay', 'Base Delay (Seconds)', 1, 0);
	const maxMs = seconds('maxDelay', 'Max Delay (Seconds)', 30, 0);
	if (maxMs < baseMs)
		throw fail(
			context,
			'Max Delay (Seconds) is shorter than Base Delay (Seconds)',
			'Make Max Delay at least as long as Base Delay.',
		);
	const url = context.getNodeParameter('url', 0, '');
	if (typeof url === 'string' && url.trim() === '')
		throw fail(
			context,
			'URL is empty',
			'Enter the address to call, e.g. https://api.example.com/v1/contacts.',
		);
	return {
		method: String(
			context.getNodeParameter('method', 0, 'GET'),
		).toUpperCase() as IHttpRequestMethods,
		maxAttempts: wholeNumber('maxAttempts', 'Max Attempts', 5, 1, 50),
		rules: {
			statuses: parsed.statuses,
			networkErrors: option<boolean>('retryNetworkErrors', true) !== false,
			nonIdempotent: option<boolean>('retryNonIdempotent', false) === true,
		},
		backoff: resolveBackoffPolicy({ baseMs, maxMs, factor: 2, jitter: 'full' }),
		idempotencyKeyField: String(option('idempotencyKeyField', '')).trim(),
		idempotencyKeyHeader:
			String(option('idempotencyKeyHeader', 'Idempotency-Key')).trim() || 'Idempotency-Key',
		concurrency: wholeNumber('concurrency', 'Max Concurrent Requests', 5, 1, 100),
		timeoutMs: seconds('timeout', 'Timeout (Seconds)', 30, 0.1),
		maxResponseBytes: Math.round(
			atLeast('maxResponseSize', 'Max Response Size (MiB)', 10, 0.001, 'MiB') * 1_048_576,
		),
		bulkSize: wholeNumber('bulkSize', 'Bulk Size', 1, 1, 10_000),
		bulkBodyField: String(option('bulkBodyField', '')).trim(),
		bulkResultsPath: String(option('bulkResultsPath', '')).trim(),
		responseField: fieldName(
			context,
			String(option('responseField', 'response')).trim() || 'response',
			'Response Field',
		),
		sendBody: context.getNodeParameter('sendBody', 0, false) === true,
		sendHeaders: context.getNodeParameter('sendHeaders', 0, false) === true,
		sendQuery: context.getNodeParameter('sendQuery', 0, false) === true,
	};
}

/* ------------------------------------------------------------------ Units */

interface ItemRequest {
	index: number;
	tokens: number;
	url: string;
	headers: Record<string, string>;
	query: Record<string, string>;
	body: unknown;
	idempotencyKey: string | null;
}

function pairs(
	context: IExecuteFunctions,
	parameter: string,
	index: number,
): Record<string, string> {
	const out: Record<string, string> = {};
	const list = context.getNodeParameter(`${parameter}.parameters`, index, []) as Array<{
		name?: unknown;
		value?: unknown;
	}>;
	for (const entry of Array.isArray(list) ? list : []) {
		const name = typeof entry?.name === 'string' ? entry.name.trim() : '';
		if (name === '' || name === '__proto__') continue;
		out[name] = entry.value === undefined || entry.value === null ? '' : String(entry.value);
	}
	return out;
}

/** What one item asks for; a NodeOperationError naming the item when its parameters are wrong. */
function itemRequest(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
	index: number,
	limits: LimiterSettings,
	request: RequestSettings,
): ItemRequest | NodeOperationError {
	const tokens = tokensForItem(context, limits, index);
	if (tokens instanceof NodeOperationError) return tokens;
	try {
		const url = context.getNodeParameter('url', index, '');
		if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/i.test(url.trim())) {
			return new NodeOperationError(
				context.getNode(),
				`URL of item ${index} is not an http(s) address: ${JSON.stringify(url)}`,
				{
					itemIndex: index,
					description: 'The URL must start with http:// or https://.',
				},
			);
		}
		let body: unknown;
		if (request.sendBody) {
			body = context.getNodeParameter('jsonBody', index, {});
			if (typeof body === 'string') {
				try {
					body = JSON.parse(body) as unknown;
				} catch {
					return new NodeOperationError(
						context.getNode(),
						`JSON Body of item ${index} is not valid JSON`,
						{
							itemIndex: index,
							description:
								'Check the JSON Body parameter, e.g. {{ $json }} or {"name": "{{ $json.name }}"}.',
						},
					);
				}
			}
		}
		const keyValue =
			request.idempotencyKeyField === ''
				? undefined
				: getPath(items[index].json, request.idempotencyKeyField);
		const idempotencyKey =
			typeof keyValue === 'string' && keyValue.trim() !== ''
				? keyValue.trim()
				: typeof keyValue === 'number'
					? String(keyValue)
					: null;
		return {
			index,
			tokens,
			url: url.trim(),
			headers: request.sendHeaders ? pairs(context, 'headerParameters', index) : {},
			query: request.sendQuery ? pairs(context, 'queryParameters', index) : {},
			body,
			idempotencyKey,
		};
	} catch (error) {
		if (error instanceof NodeOperationError) return error;
		return new NodeOperationError(context.getNode(), (error as Error).message, {
			itemIndex: index,
		});
	}
}

function buildUnits(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
	limits: LimiterSettings,
	request: RequestSettings,
	auth: Auth,
	outputs: INodeExecutionData[][],
): Unit[] {
	const ready: ItemRequest[] = [];
	items.forEach((item, index) => {
		const entry = itemRequest(context, items, index, limits, request);
		if (entry instanceof NodeOperationError) failItem(context, outputs, item, index, entry, FAILED);
		else ready.push(entry);
	});
	return chunk(ready, request.bulkSize).map((group) => {
		const first = group[0];
		const bulk = request.bulkSize > 1;
		const records = group.map((entry) => entry.body);
		const body = !request.sendBody
			? undefined
			: bulk
				? request.bulkBodyField === ''
					? records
					: { [request.bulkBodyField]: records }
				: first.body;
		const headers: Record<string, string> = { ...first.headers };
		const hasKey = group.every((entry) => entry.idempotencyKey !== null);
		// In bulk mode one key stands for the batch: the items' keys, joined.
		if (hasKey)
			headers[request.idempotencyKeyHeader.toLowerCase()] = group
				.map((entry) => entry.idempotencyKey)
				.join(',');
		return {
			indices: group.map((entry) => entry.index),
			tokens: first.tokens,
			hasIdempotencyKey: hasKey,
			spec: {
				method: request.method,
				url: first.url,
				headers,
				query: first.query,
				auth,
				body,
				timeoutMs: request.timeoutMs,
				maxResponseBytes: request.maxResponseBytes,
			},
		};
	});
}

/* ------------------------------------------------------------------- Send */

/**
 * With a Max Wait, which units get a slot, decided up front from the queue: null for
 * admitted, else the estimated wait (ms) that sent the unit away.
 */
async function admit(
	limiter: TokenLimiter,
	limits: LimiterSettings,
	units: Unit[],
): Promise<Array<number | null>> {
	if (limits.maxWaitMs <= 0 || units.length === 0) return units.map(() => null);
	const { ahead, available, holdMs: hold } = await limiter.snapshot(limits.maxHoldMs);
	let queued = ahead;
	return units.map((unit) => {
		const estimate = estimateWaitMs(limits.plan, queued, unit.tokens, available) + hold;
		if (estimate > limits.maxWaitMs) return estimate;
		queued += unit.tokens;
		return null;
	});
}

function overLimit(estimatedWaitMs: number): UnitResult {
	return {
		last: null,
		ok: false,
		reason: 'overLimit',
		attempts: 0,
		waitedMs: 0,
		delaysMs: [],
		tooManyRequests: 0,
		estimatedWaitMs,
		hold: null,
	};
}

async function send(
	context: IExecuteFunctions,
	limiter: TokenLimiter,
	unit: Unit,
	limits: LimiterSettings,
	request: RequestSettings,
	signal: AbortSignal | undefined,
): Promise<UnitResult> {
	const result: UnitResult = {
		last: null,
		ok: false,
		reason: 'maxAttempts',
		attempts: 0,
		waitedMs: 0,
		delaysMs: [],
		tooManyRequests: 0,
		estimatedWaitMs: null,
		hold: null,
	};
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
					const facts = readRateLimitHeaders(answer.headers, now);
					// A wait this node refuses for its own item (it gives up instead) must not hold anyone else.
					const serverWait =
						answer.status >= 400 || answer.status === 0 ? serverWaitMs(facts, now) : null;
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
					const verdict = retryVerdict(
						request.rules,
						answer.kind === 'response' ? answer.status : null,
						request.method,
						unit.hasIdempotencyKey,
					);
					if (verdict !== 'retry') {
						result.reason = verdict === 'unsafe' ? 'unsafeToRetry' : 'notRetryable';
						return false;
					}
					const now = Date.now();
					const serverWait =
						answer.kind === 'response'
							? serverWaitMs(readRateLimitHeaders(answer.headers, now), now)
							: null;
					if (serverWait !== null && serverWait > honouredServerWaitMs) {
						result.reason = 'retryAfterTooLong';
						return false;
					}
					const { delayMs } = nextDelay(backoffDelay(attemptNumber, request.backoff), serverWait);
					result.delaysMs.push(delayMs);
					await sleep(delayMs, signal);
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
				throw new NodeOperationError(
					context.getNode(),
					'The execution was cancelled while waiting for a slot',
				);
			if (error instanceof HoldPastMaxWait) {
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
function limiterUnavailable(
	context: IExecuteFunctions,
	error: unknown,
	sent: UnitResult | null,
): UnitResult {
	const limiterError = typeof error === 'string' ? error : storeFailure(context, error).message;
	const base: UnitResult = sent ?? {
		last: null,
		ok: false,
		reason: 'limiterUnavailable',
		attempts: 0,
		waitedMs: 0,
		delaysMs: [],
		tooManyRequests: 0,
		estimatedWaitMs: null,
		hold: null,
	};
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
async function mapConcurrent<Value, Result>(
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

/* ------------------------------------------------------------------ Route */

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
			? readRateLimitHeaders(answer.headers, Date.now()).retryAfterMs
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
		message = `Over limit: the wait for a slot was estimated at ${Math.ceil((result.estimatedWaitMs ?? 0) / SECOND)} s, more than Max Wait${result.attempts > 0 ? ` (after ${result.attempts} tr${result.attempts === 1 ? 'y' : 'ies'})` : ''}`;
		code = 'OVER_LIMIT';
	} else if (answer.kind === 'network') {
		message = `${answer.code}: ${answer.message}`;
		code = answer.code;
	} else {
		httpCode = answer.status;
		const detail =
			messageFromBody(answer.body) ??
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
		retryAfterSeconds: retryAfter === null ? null : Math.ceil(retryAfter / SECOND),
		response: override ? override.response : responseOf(answer),
	};
}

/** What became of a hold a response asked for, in seconds, as the item reports it. */
function holdDetails(hold: LearnedHold): IDataObject {
	return {
		requestedSeconds: Math.ceil(hold.requestedMs / SECOND),
		heldSeconds: Math.ceil(hold.heldMs / SECOND),
		capped: hold.capped,
		recorded: hold.recorded,
	};
}

function route(
	items: INodeExecutionData[],
	unit: Unit,
	result: UnitResult,
	limits: LimiterSettings,
	request: RequestSettings,
	meta: IDataObject,
	outputs: INodeExecutionData[][],
): void {
	const bulk = request.bulkSize > 1;
	const answer = result.last;
	const records =
		result.ok && bulk && answer?.kind === 'response'
			? perRecordResults(answer.body, unit.indices.length, request.bulkResultsPath || null)
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
		if (bulk) details.bulk = { size: unit.indices.length, position, mapped: records !== null };
		const json: IDataObject = { ...source.json };
		delete json.error;
		if (!result.ok) {
			json.error = failure(result);
			json[request.responseField] = responseOf(answer);
			details.route = 'failed';
			json[limits.outputField] = details;
			outputs[FAILED].push(pairedItem(source, index, json));
			return;
		}
		const record = records?.[position];
		const recordProblem = records ? recordFailure(record) : null;
		const response = responseOf(answer, records ? record : undefined);
		if (recordProblem) {
			json.error = failure(result, {
				message: recordProblem.message,
				status: recordProblem.status,
				response,
			});
			json[request.responseField] = response;
			details.route = 'failed';
			json[limits.outputField] = details;
			outputs[FAILED].push(pairedItem(source, index, json));
			return;
		}
		json[request.responseField] = response;
		details.route = 'success';
		outputs[SUCCESS].push(
			pairedItem(
				source,
				index,
				withField({ json } as INodeExecutionData, limits.outputField, details),
			),
		);
	});
}
