import type { IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import { beforeAbort, readBodyCapped } from './http';

/**
 * The package's client of this n8n's public API (credential Integration Guards N8n
 * API): Credential Expiry Check lists and tests credentials with it, Dead Letter reads
 * failed executions. Every call has a hard deadline, a cap on the body, and follows no
 * redirect (the API key travels in a header).
 */

export const N8N_API_CREDENTIAL = 'integrationGuardsN8nApi';
/** A credential list page of 250 is a few hundred KiB; more is not n8n's API. */
export const N8N_API_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface N8nApiResponse {
	statusCode: number;
	body: unknown;
	/** Where a 3xx pointed: never followed. */
	location: string | null;
}

/** The Instance URL as the calls want it: no trailing slash, no /api/v1. */
export function normaliseBaseUrl(value: unknown): string {
	return String(value ?? '')
		.trim()
		.replace(/\/+$/, '')
		.replace(/\/api\/v1$/, '');
}

function parseJsonBody(raw: Buffer): unknown {
	const text = raw.toString('utf8');
	const trimmed = text.trim();
	if (trimmed === '') return undefined;
	try {
		return JSON.parse(trimmed) as unknown;
	} catch {
		return text;
	}
}

/**
 * One API call with a hard deadline (AbortSignal.timeout over the request and its whole
 * body: n8n's authenticated helper keeps only a socket-idle timeout, which a trickling
 * server never trips) and a cap on the body read.
 */
export async function n8nApiCall(
	context: IExecuteFunctions,
	options: IHttpRequestOptions,
	timeoutMs: number,
	maxBytes = N8N_API_MAX_RESPONSE_BYTES,
): Promise<N8nApiResponse | { error: string }> {
	const deadline = AbortSignal.timeout(timeoutMs);
	try {
		const request = context.helpers.httpRequestWithAuthentication.call(
			context,
			N8N_API_CREDENTIAL,
			{
				...options,
				json: true,
				encoding: 'stream',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: timeoutMs,
				// The API key travels in a header: a redirect could carry it to any host, so none is followed.
				disableFollowRedirect: true,
			},
		) as Promise<{ statusCode: number; body: unknown; headers?: Record<string, unknown> }>;
		const response = await beforeAbort(request, deadline);
		const read = await readBodyCapped(response.body, maxBytes, deadline);
		if ('tooLarge' in read)
			return {
				error: `The answer is larger than ${maxBytes / 1_048_576} MiB (more than ${read.tooLarge} bytes were sent), which is not n8n's API`,
			};
		const location = response.headers?.location;
		return {
			statusCode: response.statusCode,
			body: parseJsonBody(read.body),
			location: typeof location === 'string' ? location : null,
		};
	} catch (error) {
		if (deadline.aborted)
			return { error: `No complete answer within the Timeout (${timeoutMs / 1000} s)` };
		// Network failures: the message names host and cause, never the API key (it travels in a header).
		const code =
			(error as { code?: unknown; cause?: { code?: unknown } }).code ??
			(error as { cause?: { code?: unknown } }).cause?.code;
		const message = (error as Error).message ?? String(error);
		return {
			error: typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message,
		};
	}
}

/** A 3xx: said as such, with where it pointed, since the client follows none. */
export function n8nApiRedirect(what: string, response: N8nApiResponse): string | null {
	if (response.statusCode < 300 || response.statusCode >= 400) return null;
	let target = response.location ?? 'nowhere';
	try {
		target = new URL(target, 'http://unknown').origin;
	} catch {
		// keep it as sent
	}
	return `${what} answered HTTP ${response.statusCode}, a redirect to ${target.slice(0, 200)}. The n8n API client follows no redirects (the API key would go along): set Instance URL to the address n8n answers on itself.`;
}

/** "<what> answered HTTP 403: <n8n's message>". */
export function n8nApiProblem(what: string, response: N8nApiResponse): string {
	const body = response.body as { message?: unknown } | undefined;
	const message =
		body && typeof body === 'object' && typeof body.message === 'string'
			? `: ${body.message.slice(0, 300)}`
			: '';
	return `${what} answered HTTP ${response.statusCode}${message}`;
}
