import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { beforeAbort, errors, json, readBodyCapped, time } from '../../shared';
import { encodeBody, legacyBody, type OAuthRequest, type RequestBody } from './sendRequest.body';

/** One HTTP exchange as the node sees it: a response of any status, or a network failure. */
export type Exchange =
	| { kind: 'response'; status: number; headers: IDataObject; body: unknown }
	| { kind: 'network'; code: string; message: string };

/** n8n's generic OAuth credentials: n8n signs each request, and refreshes an OAuth2 token on a 401. */
export type OAuthType = 'oAuth1Api' | 'oAuth2Api';

export interface Auth {
	headers: Record<string, string>;
	query: Record<string, string>;
	/** Set for OAuth: the request goes through n8n's OAuth helper instead of our headers. */
	oauth?: OAuthType;
}

/** Reads the generic credential once per execution and turns it into headers or query parameters. */
export async function readAuth(context: IExecuteFunctions): Promise<Auth> {
	const auth: Auth = { headers: {}, query: {} };
	if (context.getNodeParameter('authentication', 0, 'none') !== 'genericCredentialType')
		return auth;
	const type = context.getNodeParameter('genericAuthType', 0, '') as string;
	const data = await context.getCredentials(type);
	if (type === 'oAuth2Api' || type === 'oAuth1Api') {
		// Read here only so a missing credential fails the node before anything is sent;
		// n8n reads it again for every request, with the token it last stored.
		auth.oauth = type;
		return auth;
	}
	const text = (value: unknown) => (value === undefined || value === null ? '' : String(value));
	switch (type) {
		case 'httpBasicAuth':
			auth.headers.authorization = `Basic ${Buffer.from(`${text(data.user)}:${text(data.password)}`).toString('base64')}`;
			break;
		case 'httpBearerAuth':
			auth.headers.authorization = `Bearer ${text(data.token)}`;
			break;
		case 'httpHeaderAuth':
			if (text(data.name) !== '') auth.headers[text(data.name).toLowerCase()] = text(data.value);
			break;
		case 'httpQueryAuth':
			if (text(data.name) !== '') auth.query[text(data.name)] = text(data.value);
			break;
		default:
			throw new NodeOperationError(
				context.getNode(),
				`Generic Auth Type "${type}" is not supported`,
				{
					description:
						'Choose Basic Auth, Bearer Auth, Header Auth, Query Auth, OAuth1 API or OAuth2 API.',
				},
			);
	}
	return auth;
}

/** Headers never copied onto items: they carry secrets or session state. */
const HIDDEN_HEADERS = new Set([
	'set-cookie',
	'authorization',
	'proxy-authorization',
	'cookie',
	'www-authenticate',
]);

export function visibleHeaders(headers: unknown): IDataObject {
	const out: IDataObject = {};
	if (!json.isPlainObject(headers)) return out;
	for (const [key, value] of Object.entries(headers)) {
		if (HIDDEN_HEADERS.has(key.toLowerCase()) || key === '__proto__') continue;
		if (typeof value === 'string' || typeof value === 'number' || Array.isArray(value))
			out[key.toLowerCase()] = value as IDataObject[keyof IDataObject];
	}
	return out;
}

/**
 * Response headers as a plain object with lower-case names. n8n's request helper hands
 * back axios's AxiosHeaders (a class instance), which the header readers would not read.
 */
export function plainHeaders(headers: unknown): IDataObject {
	const out: IDataObject = {};
	if (headers === null || typeof headers !== 'object') return out;
	const source =
		typeof (headers as { toJSON?: unknown }).toJSON === 'function'
			? ((headers as { toJSON: () => unknown }).toJSON() as object)
			: headers;
	for (const [key, value] of Object.entries(source ?? {})) {
		if (key === '__proto__') continue;
		if (typeof value === 'string' || typeof value === 'number' || Array.isArray(value))
			out[key.toLowerCase()] = value as IDataObject[keyof IDataObject];
	}
	return out;
}

function parseBody(body: unknown): unknown {
	if (Buffer.isBuffer(body)) body = body.toString('utf8');
	if (typeof body !== 'string') return body ?? null;
	const trimmed = body.trim();
	if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
		try {
			return JSON.parse(trimmed) as unknown;
		} catch {
			return body;
		}
	}
	return body;
}

/**
 * The code of a try that got no answer (ECONNRESET, ETIMEDOUT…), the error's or its
 * cause's, as core/errors reads it; ENETWORK when none says. The retry rules retry it
 * when the code is on the one network list (core/errors/network), and not otherwise: a
 * TLS failure or an unknown error would fail the same way again.
 */
export function networkCode(error: unknown): string {
	const code = errors.errorCode(error) || 'ENETWORK';
	// axios says ECONNABORTED for its own timeout.
	return code === 'ECONNABORTED' && /timeout/i.test(messages(error)) ? 'ETIMEDOUT' : code;
}

/** The messages of an error and its causes, joined. */
function messages(error: unknown): string {
	const parts: string[] = [];
	let current: unknown = error;
	for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
		parts.push(String((current as { message?: unknown }).message ?? ''));
		current = (current as { cause?: unknown }).cause;
	}
	return parts.join('\n');
}

export interface RequestSpec {
	method: IHttpRequestMethods;
	url: string;
	/** The item's headers (and the idempotency key); the credential's are in `auth`. */
	headers: Record<string, string>;
	query: Record<string, string>;
	/** The credential: sent to the URL's origin only, never after a redirect to another. */
	auth: Auth;
	body: RequestBody | undefined;
	/** Hard deadline of one try, redirects and the whole body included. */
	timeoutMs: number;
	/** Bytes of response body a try may read; more fails the try. */
	maxResponseBytes: number;
}

/**
 * The body's Content-Type, unless the item set one itself. Form-data always gets ours: its
 * boundary must be the one the body was encoded with.
 */
function withContentType(
	options: IHttpRequestOptions,
	contentType: string,
	body: RequestBody,
): void {
	const headers = { ...(options.headers ?? {}) };
	const own = Object.keys(headers).find((name) => name.toLowerCase() === 'content-type');
	if (own !== undefined && body.kind !== 'multipart') return;
	if (own !== undefined) delete headers[own];
	headers['content-type'] = contentType;
	options.headers = headers;
}

/** Codes of a try that failed in a way a retry cannot fix (the same answer would come back). */
export const RESPONSE_TOO_LARGE = 'ERESPONSETOOLARGE';
export const BAD_REDIRECT = 'EBADREDIRECT';
export const FINAL_NETWORK_CODES = new Set([RESPONSE_TOO_LARGE, BAD_REDIRECT]);
const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers the item may set that carry a secret: never sent to another origin either. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

/** A try that failed on our side of the exchange: too large, a bad redirect. */
type Refused = { kind: 'network'; code: string; message: string };

function refused(code: string, message: string): Refused {
	return { kind: 'network', code, message };
}

function mib(bytes: number): string {
	return `${Math.round((bytes / 1_048_576) * 100) / 100} MiB`;
}

/** The body, read up to the cap; the stream is destroyed past it or when the try's deadline passes. */
async function readCapped(
	stream: unknown,
	cap: number,
	signal: AbortSignal,
): Promise<Buffer | Refused> {
	const read = await readBodyCapped(stream, cap, signal);
	if ('body' in read) return read.body;
	return refused(
		RESPONSE_TOO_LARGE,
		`The response is larger than Max Response Size (${mib(cap)}): more than ${read.tooLarge} bytes were sent`,
	);
}

/** The item's headers minus any that carry a secret: Authorization, Cookie, and the credential's own header name. */
function withoutSecretHeaders(headers: Record<string, string>, auth: Auth): Record<string, string> {
	const credentialHeaders = new Set(Object.keys(auth.headers).map((name) => name.toLowerCase()));
	return Object.fromEntries(
		Object.entries(headers).filter(
			([name]) =>
				!SECRET_HEADERS.has(name.toLowerCase()) && !credentialHeaders.has(name.toLowerCase()),
		),
	);
}

/** Where a redirect goes, the method and body it keeps (303, and 301/302 after a POST, become a GET). */
function redirectTarget(
	from: string,
	location: unknown,
	status: number,
	method: IHttpRequestMethods,
): { url: string; method: IHttpRequestMethods; keepBody: boolean } | Refused {
	const text = Array.isArray(location)
		? String(location[0] ?? '')
		: typeof location === 'string'
			? location
			: '';
	let target: URL;
	try {
		target = new URL(text, from);
	} catch {
		return refused(
			BAD_REDIRECT,
			`The server redirected (HTTP ${status}) to an address that is not a URL: ${JSON.stringify(text.slice(0, 200))}`,
		);
	}
	if (target.protocol !== 'http:' && target.protocol !== 'https:')
		return refused(
			BAD_REDIRECT,
			`The server redirected (HTTP ${status}) to a ${target.protocol} address, not http(s)`,
		);
	const toGet = status === 303 || ((status === 301 || status === 302) && method === 'POST');
	return {
		url: target.href,
		method: toGet && method !== 'HEAD' ? 'GET' : method,
		keepBody: !toGet,
	};
}

/**
 * One try. Never throws for a status; a network failure (or a deadline, a body over the
 * cap, a bad redirect) is an Exchange of kind network.
 *
 * The deadline is an AbortSignal over the whole try: connecting, every redirect and
 * reading the body; a server trickling bytes cannot keep it alive. Redirects are followed
 * here, not by the HTTP client, so the credential goes to the URL's origin only: once a
 * redirect leaves that origin (scheme, host or port), the credential's headers and query
 * parameters, and the item's Authorization and Cookie headers, are no longer sent.
 */
export async function exchange(
	context: IExecuteFunctions,
	spec: RequestSpec,
	cancel?: AbortSignal,
): Promise<Exchange> {
	// The deadline needs a timer: AbortSignal.timeout's, not a socket-idle timeout.
	const deadline = AbortSignal.timeout(spec.timeoutMs);
	const signal = cancel ? AbortSignal.any([deadline, cancel]) : deadline;
	const origin = new URL(spec.url).origin;
	let url = spec.url;
	let method = spec.method;
	let body = spec.body;
	let trusted = true;
	try {
		const encoded = body === undefined ? undefined : await encodeBody(body);
		for (let hop = 0; ; hop++) {
			trusted &&= new URL(url).origin === origin;
			const headers = trusted
				? { ...spec.headers, ...spec.auth.headers }
				: withoutSecretHeaders(spec.headers, spec.auth);
			const options: IHttpRequestOptions = {
				method,
				url,
				headers,
				qs: hop === 0 ? { ...spec.query, ...(trusted ? spec.auth.query : {}) } : {},
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				disableFollowRedirect: true,
				encoding: 'stream',
				json: true,
				abortSignal: signal,
			};
			if (body !== undefined && encoded !== undefined) {
				options.body = encoded.data as IDataObject;
				if (encoded.contentType !== undefined) withContentType(options, encoded.contentType, body);
			}
			const response = (
				trusted && spec.auth.oauth
					? await oauthRequest(context, spec.auth.oauth, options, body, spec.timeoutMs, signal)
					: await context.helpers.httpRequest(options)
			) as {
				statusCode?: number;
				headers?: unknown;
				body?: unknown;
			};
			const status = typeof response.statusCode === 'number' ? response.statusCode : 0;
			const headersOut = plainHeaders(response.headers);
			if (REDIRECTS.has(status) && headersOut.location !== undefined) {
				(response.body as { destroy?: () => void } | undefined)?.destroy?.();
				if (hop >= MAX_REDIRECTS)
					return refused(BAD_REDIRECT, `More than ${MAX_REDIRECTS} redirects, the last to ${url}`);
				const next = redirectTarget(url, headersOut.location, status, method);
				if ('kind' in next) return next;
				url = next.url;
				method = next.method;
				if (!next.keepBody) body = undefined;
				continue;
			}
			const raw = await readCapped(response.body, spec.maxResponseBytes, signal);
			if (!Buffer.isBuffer(raw)) return raw;
			return { kind: 'response', status, headers: headersOut, body: parseBody(raw) };
		}
	} catch (error) {
		if (deadline.aborted && !cancel?.aborted) {
			return {
				kind: 'network',
				code: 'ETIMEDOUT',
				message: `No complete answer within the Timeout (${spec.timeoutMs / time.SECOND_MS} s)`,
			};
		}
		const code = networkCode(error);
		const message = error instanceof Error ? error.message : String(error);
		return { kind: 'network', code, message };
	}
}

/**
 * One hop signed by n8n's OAuth helper, in the request shape that helper takes. With a
 * full response and `simple: false`, n8n's OAuth2 helper refreshes the token when the
 * answer is a 401 (the credential's Token Expired Status Code, if set) and sends the
 * request once more with the new token, within this try; what comes back is the answer to
 * that second request. n8n stores the new token in the credential, for every later
 * request. OAuth1 requests are signed and sent once.
 */
async function oauthRequest(
	context: IExecuteFunctions,
	type: OAuthType,
	options: IHttpRequestOptions,
	body: RequestBody | undefined,
	timeoutMs: number,
	signal: AbortSignal,
): Promise<unknown> {
	// n8n encodes forms itself here: the item's headers go without our Content-Type.
	const headers = Object.fromEntries(
		Object.entries(options.headers ?? {}).filter(
			([name]) =>
				body?.kind === 'json' || body === undefined || name.toLowerCase() !== 'content-type',
		),
	);
	const request: OAuthRequest = {
		method: options.method,
		uri: options.url,
		headers,
		qs: options.qs,
		json: true,
		useStream: true,
		resolveWithFullResponse: true,
		simple: false,
		followRedirect: false,
		followAllRedirects: false,
		timeout: timeoutMs,
	};
	if (body !== undefined) legacyBody(body, request);
	const sent =
		type === 'oAuth2Api'
			? context.helpers.requestOAuth2.call(context, type, request, { tokenType: 'Bearer' })
			: context.helpers.requestOAuth1.call(context, type, request);
	// n8n's OAuth helpers take no abort signal: the try's deadline and a cancel race them.
	return await beforeAbort(sent as Promise<unknown>, signal);
}
