/**
 * n8n's public API from a test: an API key created through the REST API the editor's
 * Settings → n8n API page uses (POST /rest/api-keys, n8n 2.40.7: label, scopes,
 * expiresAt in Unix seconds or null). The raw key is returned once, as in the UI.
 */
import type { N8nInstance } from './harness';

export interface CreatedApiKey {
	id: string;
	label: string;
	/** The key itself: keep it out of logs and assertion messages. */
	rawApiKey: string;
	expiresAt: number | null;
}

export async function createApiKey(
	n8n: N8nInstance,
	options: { label: string; scopes: string[]; expiresInDays?: number | null },
): Promise<CreatedApiKey> {
	const expiresAt = options.expiresInDays
		? Math.floor(Date.now() / 1000) + Math.round(options.expiresInDays * 86_400)
		: null;
	const created = await n8n.api<CreatedApiKey>('POST', '/rest/api-keys', {
		label: options.label,
		scopes: options.scopes,
		expiresAt,
	});
	if (typeof created?.rawApiKey !== 'string' || created.rawApiKey === '') {
		throw new Error(
			`POST /rest/api-keys returned no key (fields: ${Object.keys(created ?? {}).join(', ')})`,
		);
	}
	return created;
}

/** A request to the public API (/api/v1/...) with an API key; returns status and parsed body. */
export async function publicApi(
	n8n: N8nInstance,
	apiKey: string,
	method: string,
	urlPath: string,
	body?: unknown,
): Promise<{ status: number; body: unknown }> {
	const response = await fetch(`${n8n.baseUrl}/api/v1${urlPath}`, {
		method,
		headers: {
			'X-N8N-API-KEY': apiKey,
			...(body === undefined ? {} : { 'content-type': 'application/json' }),
		},
		body: body === undefined ? undefined : JSON.stringify(body),
		signal: AbortSignal.timeout(60_000),
	});
	const text = await response.text();
	let parsed: unknown = text;
	try {
		parsed = text ? JSON.parse(text) : null;
	} catch {
		// not JSON: keep the text
	}
	return { status: response.status, body: parsed };
}
