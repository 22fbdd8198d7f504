/**
 * Reads what an error says about itself, whatever shape it arrived in. The shapes are
 * the ones n8n puts on items (checked against n8n 2.40's source):
 *
 * - HTTP Request node, "On Error: Continue": `json.error` is the request error itself —
 *   an AxiosError from the legacy request adapter, with `statusCode`, `status`,
 *   `error` (the response body), `response: { status, statusText, headers }`,
 *   `options: { url, method, headers }` (headers include Authorization!) and `code`
 *   (`ECONNRESET`, `ERR_BAD_REQUEST`…). From version 4.5 `json.details` holds
 *   `{ message, description, httpCode, body, context }` built by NodeApiError.
 * - Vendor nodes (`returnData.push({ json: { error: error.message } })`): a string,
 *   usually one of NodeApiError's standard messages ("Authorization failed - please
 *   check your credentials", "The service is receiving too many requests from you"…).
 * - NodeApiError / NodeOperationError objects (`item.error`, or a node that put the
 *   error object on `json.error`): `message`, `description`, `httpCode` (a string),
 *   `messages`, `context.data`, `node`, `cause` (the original error). After a round trip
 *   through JSON only `toJSON()`'s fields remain: message, description, context, cause
 *   `{ name, message }` — no httpCode, so the standard messages matter.
 * - Plain API error bodies (OAuth `{ error, error_description }`, Google
 *   `{ error: { code, status, message } }`, Slack `{ ok: false, error }`).
 *
 * Nothing here keeps the error object: only the facts below, which are then redacted.
 * Error objects carry the failing node's parameters and request headers.
 */
import { isPlainObject } from '../json';

/** What an error says, before redaction. `body` is still raw (any value). */
export interface FailureFacts {
	message: string;
	description: string | null;
	/** HTTP status, from the error or read from a standard message. */
	httpCode: number | null;
	/** Error code: ECONNRESET, ERR_BAD_REQUEST, invalid_grant, RESOURCE_EXHAUSTED… */
	code: string | null;
	/** Error class name: NodeApiError, AxiosError, Error… */
	name: string | null;
	/** The node the error names as failing, when it does. */
	node: string | null;
	/** Earlier messages the error kept (NodeApiError.messages), e.g. "401 - {…}". */
	messages: string[];
	/** The response body, when the error carries one. */
	body: unknown;
	/** From a Retry-After header, in seconds. */
	retryAfterSeconds: number | null;
}

const MAX_TEXT = 2000;
const MAX_MESSAGES = 5;
const MAX_CAUSE_DEPTH = 4;

/**
 * NodeApiError's standard messages (STATUS_CODE_MESSAGES in n8n-workflow) and the
 * status they stand for. Vendor nodes pass only the message on, so it is often all
 * that is left of a 401.
 */
const N8N_STATUS_MESSAGES: Array<[prefix: string, status: number]> = [
	['Authorization failed - please check your credentials', 401],
	['Forbidden - perhaps check your credentials', 403],
	['The service is receiving too many requests from you', 429],
	// The HTTP Request node's own text for a 429 (it replaces the reason's message).
	['Try spacing your requests out using the batching settings', 429],
	['Bad request - please check your parameters', 400],
	['Payment required - perhaps check your payment details', 402],
	['The resource you are requesting could not be found', 404],
	['Method not allowed - please check you are using the right HTTP method', 405],
	['The service was not able to process your request', 500],
	['Bad gateway - the service failed to handle your request', 502],
	['Service unavailable - try again later', 503],
	['Gateway timed out - perhaps try again later', 504],
];

/** n8n's "4XX"/"5XX" messages name a class of status, not one: kept as code only. */
const N8N_GENERIC_MESSAGES: Array<[prefix: string, code: string]> = [
	['Your request is invalid or could not be processed by the service', 'HTTP_4XX'],
	['The service failed to process your request', 'HTTP_5XX'],
];

/** NodeError's COMMON_ERRORS: the text n8n shows for a network error code. */
const N8N_CODE_MESSAGES: Array<[prefix: string, code: string]> = [
	['The service refused the connection', 'ECONNREFUSED'],
	// n8n's own spelling ("wes").
	['The connection to the server wes closed unexpectedly', 'ECONNRESET'],
	['The connection to the server was closed unexpectedly', 'ECONNRESET'],
	['The connection cannot be established', 'ENOTFOUND'],
	['The connection timed out', 'ETIMEDOUT'],
	['The connection was aborted', 'ECONNABORTED'],
	['The host is unreachable', 'EHOSTUNREACH'],
	['The DNS server returned an error', 'EAI_AGAIN'],
	['The server closed the connection unexpectedly', 'GETADDRINFO'],
];

/** Keys under which API bodies put a human message, most specific first. */
const BODY_MESSAGE_KEYS = [
	'message',
	'error_description',
	'errorMessage',
	'error_message',
	'errmsg',
	'msg',
	'detail',
	'title',
	'description',
	'reason',
	'faultstring',
	'error',
];

/** Reads a property without walking into Object.prototype and without letting a getter throw. */
export function prop(value: unknown, key: string): unknown {
	if (value === null || (typeof value !== 'object' && typeof value !== 'function'))
		return undefined;
	try {
		if (Object.prototype.hasOwnProperty.call(value, key))
			return (value as Record<string, unknown>)[key];
		// Error classes keep `name` (and sometimes `code`) on their prototype.
		if (value instanceof Error && (key === 'name' || key === 'code' || key === 'message')) {
			return (value as unknown as Record<string, unknown>)[key];
		}
	} catch {
		return undefined;
	}
	return undefined;
}

function text(value: unknown): string | null {
	if (typeof value !== 'string') return null;
	const trimmed = value.trim();
	if (trimmed === '') return null;
	return trimmed.length > MAX_TEXT ? `${trimmed.slice(0, MAX_TEXT)}…` : trimmed;
}

/** An HTTP status from a number or a numeric string, 100–599. */
export function httpStatus(value: unknown): number | null {
	if (typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599)
		return value;
	if (typeof value === 'string' && /^\s*[1-5]\d\d\s*$/.test(value)) return Number(value.trim());
	return null;
}

/** A code worth keeping: an identifier, not a number and not a sentence. */
function codeText(value: unknown): string | null {
	if (typeof value !== 'string') return null;
	const trimmed = value.trim();
	return /^[A-Za-z][A-Za-z0-9_.:-]{1,79}$/.test(trimmed) ? trimmed : null;
}

/** Status codes written into messages: "401 - {…}", "Request failed with status code 503", "HTTP 429". */
export function statusFromText(message: string): number | null {
	const patterns = [
		/^([1-5]\d\d) - /,
		/\bstatus(?: code)?:? ([1-5]\d\d)\b/i,
		/\bHTTP(?:\/\d(?:\.\d)?)?(?: error| status)?:? ([1-5]\d\d)\b/i,
	];
	for (const pattern of patterns) {
		const match = pattern.exec(message);
		if (match) return Number(match[1]);
	}
	for (const [prefix, status] of N8N_STATUS_MESSAGES) if (message.startsWith(prefix)) return status;
	return null;
}

/** The network or class code n8n's standard messages stand for. */
export function codeFromText(message: string): string | null {
	for (const [prefix, code] of [...N8N_CODE_MESSAGES, ...N8N_GENERIC_MESSAGES])
		if (message.startsWith(prefix)) return code;
	return null;
}

/** The errors an error wraps: `cause`, an axios `reason`, AggregateError's first. */
function causesOf(error: unknown): unknown[] {
	const chain: unknown[] = [];
	let current: unknown = error;
	for (let depth = 0; depth < MAX_CAUSE_DEPTH; depth++) {
		const next = prop(current, 'cause') ?? prop(current, 'reason') ?? firstAggregated(current);
		if (
			next === undefined ||
			next === null ||
			typeof next !== 'object' ||
			chain.includes(next) ||
			next === error
		)
			break;
		chain.push(next);
		current = next;
	}
	return chain;
}

function firstAggregated(error: unknown): unknown {
	const errors = prop(error, 'errors');
	return error instanceof AggregateError && Array.isArray(errors) ? errors[0] : undefined;
}

/** `code` counts as a status only in API bodies (`{ error: { code: 401 } }`): on errors it is ECONN… */
function firstStatus(sources: unknown[], codeIsStatus = false): number | null {
	for (const source of sources) {
		const response = prop(source, 'response');
		for (const candidate of [
			prop(source, 'httpCode'),
			prop(source, 'statusCode'),
			prop(source, 'status'),
			prop(response, 'status'),
			prop(response, 'statusCode'),
			codeIsStatus ? prop(source, 'code') : undefined,
		]) {
			const status = httpStatus(candidate);
			if (status !== null) return status;
		}
	}
	return null;
}

function firstCode(sources: unknown[]): string | null {
	for (const source of sources) {
		const code = codeText(prop(source, 'code')) ?? codeText(prop(source, 'errno'));
		if (code !== null) return code;
		// Google APIs: `status: "UNAUTHENTICATED"` next to the numeric code.
		const status = prop(source, 'status');
		if (typeof status === 'string' && /^[A-Z][A-Z_]{3,}$/.test(status)) return status;
	}
	return null;
}

/** The response body an error carries, in the places n8n's request helpers put it. */
function bodyOf(sources: unknown[], details: unknown): unknown {
	for (const source of sources) {
		const response = prop(source, 'response');
		const context = prop(source, 'context');
		for (const candidate of [
			prop(response, 'data'),
			prop(response, 'body'),
			prop(source, 'error'),
			prop(context, 'data'),
		]) {
			// A string `error` on a plain object is a message (vendor nodes), not a body —
			// unless the object is a request error that lost its class (it has a status).
			if (
				candidate !== undefined &&
				candidate !== null &&
				candidate !== '' &&
				typeof candidate !== 'function'
			) {
				if (
					typeof candidate === 'string' &&
					!(source instanceof Error) &&
					firstStatus([source]) === null
				)
					continue;
				return parseJsonText(candidate);
			}
		}
	}
	const fromDetails = prop(details, 'body');
	return fromDetails === undefined ? null : parseJsonText(fromDetails);
}

function parseJsonText(value: unknown): unknown {
	if (typeof value !== 'string') return value;
	const trimmed = value.trim();
	if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return value;
	try {
		return JSON.parse(trimmed) as unknown;
	} catch {
		return value;
	}
}

/** A message from an API error body: OAuth, Google, GraphQL, Slack, SOAP shapes. */
export function messageFromBody(body: unknown, depth = 0): string | null {
	if (depth > 3 || body === null || typeof body !== 'object') return depth > 0 ? text(body) : null;
	if (Array.isArray(body)) return body.length > 0 ? messageFromBody(body[0], depth + 1) : null;
	for (const key of BODY_MESSAGE_KEYS) {
		const value = prop(body, key);
		const found = typeof value === 'string' ? text(value) : messageFromBody(value, depth + 1);
		if (found !== null) return found;
	}
	const errors = prop(body, 'errors');
	return Array.isArray(errors) && errors.length > 0 ? messageFromBody(errors[0], depth + 1) : null;
}

/** A machine code from an API error body: `{ error: "invalid_grant" }`, `{ error: { status: "UNAVAILABLE" } }`. */
function codeFromBody(body: unknown): string | null {
	if (!isPlainObject(body) && !Array.isArray(body)) return null;
	const error = prop(body, 'error');
	const fromError = typeof error === 'string' ? codeText(error) : firstCode([error]);
	return (
		fromError ??
		firstCode([body]) ??
		codeText(prop(body, 'errorCode')) ??
		codeText(prop(body, 'error_code')) ??
		codeText(prop(body, 'errorType')) ??
		// Salesforce answers a list: [{ message, errorCode: "INVALID_SESSION_ID" }].
		(Array.isArray(body) ? codeText(prop(body[0], 'errorCode')) : null)
	);
}

function retryAfterOf(sources: unknown[], nowMs: number): number | null {
	for (const source of sources) {
		const headers = prop(prop(source, 'response'), 'headers');
		const raw = prop(headers, 'retry-after') ?? prop(headers, 'Retry-After');
		if (typeof raw === 'number' && raw >= 0) return Math.ceil(raw);
		if (typeof raw !== 'string') continue;
		if (/^\s*\d+\s*$/.test(raw)) return Number(raw.trim());
		const at = Date.parse(raw);
		if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - nowMs) / 1000));
	}
	return null;
}

function nameOf(error: unknown): string | null {
	const own = prop(error, 'name');
	if (typeof own === 'string' && own !== '') return own;
	return error instanceof Error ? error.constructor.name : null;
}

/**
 * The facts of one failure. `error` is what the item carried in its error field (or
 * `item.error`); `details` the `details` n8n put beside it, if any.
 */
export function failureFacts(
	error: unknown,
	details: unknown = undefined,
	nowMs = Date.now(),
): FailureFacts {
	if (typeof error === 'string' || typeof error === 'number' || typeof error === 'boolean') {
		return factsFromMessage(String(error), details);
	}
	const sources = error !== null && typeof error === 'object' ? [error, ...causesOf(error)] : [];
	let body = bodyOf(sources, details);
	// A plain object without a message is an API error body put on the item as it came.
	if (
		(body === null || body === undefined) &&
		isPlainObject(error) &&
		text(prop(error, 'message')) === null
	)
		body = error;
	const bodyError = prop(body, 'error');
	const bodySources = [body, ...(isPlainObject(bodyError) ? [bodyError] : [])];
	const message =
		text(prop(error, 'message')) ??
		messageFromBody(body) ??
		text(prop(details, 'message')) ??
		(error === undefined || error === null
			? 'Marked as failed, without an error'
			: 'Unknown error');
	const messages = prop(error, 'messages');
	const facts: FailureFacts = {
		message,
		description: text(prop(error, 'description')) ?? text(prop(details, 'description')),
		httpCode:
			firstStatus(sources) ??
			httpStatus(prop(details, 'httpCode')) ??
			firstStatus(bodySources, true),
		code: firstCode(sources) ?? codeFromBody(body),
		name: nameOf(error),
		node: text(prop(prop(error, 'node'), 'name')) ?? text(prop(details, 'node')),
		messages: Array.isArray(messages)
			? messages
					.map(text)
					.filter((entry): entry is string => entry !== null)
					.slice(0, MAX_MESSAGES)
			: [],
		body,
		retryAfterSeconds: retryAfterOf(sources, nowMs),
	};
	return inferFromMessages(facts);
}

function factsFromMessage(message: string, details: unknown): FailureFacts {
	const body = prop(details, 'body');
	return inferFromMessages({
		message: text(message) ?? 'Unknown error',
		description: text(prop(details, 'description')),
		httpCode: httpStatus(prop(details, 'httpCode')),
		// A bare identifier ("invalid_auth", "UNAUTHENTICATED") is a code, as APIs put it in bodies.
		code: codeText(message) !== null && /[_A-Z]/.test(message.slice(1)) ? message.trim() : null,
		name: null,
		node: text(prop(details, 'node')),
		messages: [],
		body: body === undefined ? null : parseJsonText(body),
		retryAfterSeconds: null,
	});
}

/** Fills the status or code from n8n's standard messages when the error itself lost them. */
function inferFromMessages(facts: FailureFacts): FailureFacts {
	const texts = [facts.message, ...facts.messages];
	if (facts.httpCode === null) {
		for (const message of texts) {
			const status = statusFromText(message);
			if (status !== null) {
				facts.httpCode = status;
				break;
			}
		}
	}
	if (facts.code === null) {
		for (const message of texts) {
			const code = codeFromText(message);
			if (code !== null) {
				facts.code = code;
				break;
			}
		}
	}
	return facts;
}
