import type { IDataObject, IExecuteFunctions, IHttpRequestMethods, IHttpRequestOptions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { isPlainObject, NETWORK_ERROR_CODES } from '../shared';

/** One HTTP exchange as the node sees it: a response of any status, or a network failure. */
export type Exchange =
	| { kind: 'response'; status: number; headers: IDataObject; body: unknown }
	| { kind: 'network'; code: string; message: string };

export interface Auth {
	headers: Record<string, string>;
	query: Record<string, string>;
}

/** Reads the generic credential once per execution and turns it into headers or query parameters. */
export async function readAuth(context: IExecuteFunctions): Promise<Auth> {
	const auth: Auth = { headers: {}, query: {} };
	if (context.getNodeParameter('authentication', 0, 'none') !== 'genericCredentialType') return auth;
	const type = context.getNodeParameter('genericAuthType', 0, '') as string;
	const data = await context.getCredentials(type);
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
			throw new NodeOperationError(context.getNode(), `Generic Auth Type "${type}" is not supported`, { description: 'Choose Basic Auth, Bearer Auth, Header Auth or Query Auth.' });
	}
	return auth;
}

/** Headers never copied onto items: they carry secrets or session state. */
const HIDDEN_HEADERS = new Set(['set-cookie', 'authorization', 'proxy-authorization', 'cookie', 'www-authenticate']);

export function visibleHeaders(headers: unknown): IDataObject {
	const out: IDataObject = {};
	if (!isPlainObject(headers)) return out;
	for (const [key, value] of Object.entries(headers)) {
		if (HIDDEN_HEADERS.has(key.toLowerCase()) || key === '__proto__') continue;
		if (typeof value === 'string' || typeof value === 'number' || Array.isArray(value)) out[key.toLowerCase()] = value as IDataObject[keyof IDataObject];
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
	const source = typeof (headers as { toJSON?: unknown }).toJSON === 'function' ? ((headers as { toJSON: () => unknown }).toJSON() as object) : headers;
	for (const [key, value] of Object.entries(source ?? {})) {
		if (key === '__proto__') continue;
		if (typeof value === 'string' || typeof value === 'number' || Array.isArray(value)) out[key.toLowerCase()] = value as IDataObject[keyof IDataObject];
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

/** The network error code of a failed request: ECONNRESET, ETIMEDOUT… */
export function networkCode(error: unknown): string {
	let current: unknown = error;
	for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
		const code = (current as { code?: unknown }).code;
		if (typeof code === 'string' && code !== '') {
			// axios says ECONNABORTED for its own timeout.
			if (code === 'ECONNABORTED' && /timeout/i.test(String((current as { message?: unknown }).message))) return 'ETIMEDOUT';
			return code;
		}
		current = (current as { cause?: unknown }).cause;
	}
	return 'ENETWORK';
}

export interface RequestSpec {
	method: IHttpRequestMethods;
	url: string;
	headers: Record<string, string>;
	query: Record<string, string>;
	body: unknown;
	timeoutMs: number;
}

/** One try. Never throws for a status; a network failure is an Exchange of kind network. */
export async function exchange(context: IExecuteFunctions, spec: RequestSpec): Promise<Exchange> {
	const options: IHttpRequestOptions = {
		method: spec.method,
		url: spec.url,
		headers: spec.headers,
		qs: spec.query,
		timeout: spec.timeoutMs,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		json: true,
	};
	if (spec.body !== undefined) options.body = spec.body as IDataObject;
	try {
		const response = (await context.helpers.httpRequest(options)) as { statusCode?: number; headers?: unknown; body?: unknown };
		return {
			kind: 'response',
			status: typeof response.statusCode === 'number' ? response.statusCode : 0,
			headers: plainHeaders(response.headers),
			body: parseBody(response.body),
		};
	} catch (error) {
		const code = networkCode(error);
		const message = error instanceof Error ? error.message : String(error);
		return { kind: 'network', code: NETWORK_ERROR_CODES.has(code) ? code : code, message };
	}
}
