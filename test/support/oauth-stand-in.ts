/**
 * A local OAuth2 authorization server and API, on 127.0.0.1, for Send Request's OAuth tests:
 * - POST /token issues access tokens by the Client Credentials grant (client id and secret
 *   in HTTP Basic, as n8n's OAuth2 credential sends them with Authentication "Header"); each
 *   token lives `tokenLifetimeMs`, then the API refuses it;
 * - POST /items accepts a JSON item { id } with a live bearer token (200, counted per id) and
 *   answers 401 to an expired or unknown one (not counted);
 * - GET|POST /oauth1 answers 200 when the request carries a valid OAuth1 HMAC-SHA1 signature
 *   by `oauth1.consumerKey`/`token`, else 401.
 * Nothing is shared between instances; every figure a test asserts on is read from here.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OAuthStandInOptions {
	clientId: string;
	clientSecret: string;
	tokenLifetimeMs: number;
	oauth1?: { consumerKey: string; consumerSecret: string; token: string; tokenSecret: string };
}

export interface OAuthStandIn {
	url: string;
	tokenUrl: string;
	/** Calls to the token endpoint that issued a token. */
	tokenCalls: number;
	/** Calls to the token endpoint with a wrong client or grant. */
	refusedTokenCalls: number;
	/** Accepted API calls per item id. */
	accepted: Map<string, number>;
	/** API calls answered 401 (expired or unknown token). */
	unauthorized: number;
	/** OAuth1 calls whose signature checked out, and those refused. */
	oauth1: { valid: number; invalid: number };
	stop(): Promise<void>;
}

/** RFC 3986 percent-encoding, as OAuth1 signs with it. */
function encode(value: string): string {
	return encodeURIComponent(value).replace(
		/[!'()*]/g,
		(char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
	);
}

function oauth1Valid(
	request: IncomingMessage,
	body: string,
	baseUrl: string,
	keys: NonNullable<OAuthStandInOptions['oauth1']>,
): boolean {
	const header = request.headers.authorization ?? '';
	if (!header.startsWith('OAuth ')) return false;
	const oauth: Record<string, string> = {};
	for (const match of header.slice(6).matchAll(/([a-z_]+)="([^"]*)"/g))
		oauth[match[1]] = decodeURIComponent(match[2]);
	if (oauth.oauth_consumer_key !== keys.consumerKey || oauth.oauth_token !== keys.token)
		return false;
	if (oauth.oauth_signature_method !== 'HMAC-SHA1') return false;
	const url = new URL(request.url ?? '/', baseUrl);
	const params: Array<[string, string]> = [...url.searchParams.entries()];
	if ((request.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded'))
		params.push(...new URLSearchParams(body).entries());
	for (const [key, value] of Object.entries(oauth))
		if (key !== 'oauth_signature') params.push([key, value]);
	const normalized = params
		.map(([key, value]) => [encode(key), encode(value)])
		.sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
		.map(([key, value]) => `${key}=${value}`)
		.join('&');
	const base = [
		request.method ?? 'GET',
		encode(`${url.origin}${url.pathname}`),
		encode(normalized),
	];
	const expected = createHmac('sha1', `${encode(keys.consumerSecret)}&${encode(keys.tokenSecret)}`)
		.update(base.join('&'))
		.digest();
	const given = Buffer.from(oauth.oauth_signature ?? '', 'base64');
	return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readBody(request: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}

function reply(response: ServerResponse, status: number, body: unknown, headers = {}): void {
	response.writeHead(status, { 'content-type': 'application/json', ...headers });
	response.end(JSON.stringify(body));
}

export async function startOAuthStandIn(options: OAuthStandInOptions): Promise<OAuthStandIn> {
	const tokens = new Map<string, number>(); // token → expiry (ms since epoch)
	let issued = 0;
	const state = {
		tokenCalls: 0,
		refusedTokenCalls: 0,
		accepted: new Map<string, number>(),
		unauthorized: 0,
		oauth1: { valid: 0, invalid: 0 },
	};
	let baseUrl = '';
	const server = createServer((request, response) => {
		void (async () => {
			const body = await readBody(request);
			const path = new URL(request.url ?? '/', baseUrl).pathname;
			if (path === '/token' && request.method === 'POST') {
				const form = new URLSearchParams(body);
				const basic = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`;
				if (
					form.get('grant_type') !== 'client_credentials' ||
					request.headers.authorization !== basic
				) {
					state.refusedTokenCalls++;
					return reply(response, 401, { error: 'invalid_client' });
				}
				state.tokenCalls++;
				const token = `token-${++issued}`;
				tokens.set(token, Date.now() + options.tokenLifetimeMs);
				return reply(response, 200, {
					access_token: token,
					token_type: 'bearer',
					expires_in: Math.max(1, Math.ceil(options.tokenLifetimeMs / 1000)),
				});
			}
			if (path === '/items' && request.method === 'POST') {
				const token = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
				const expiry = tokens.get(token);
				if (expiry === undefined || expiry <= Date.now()) {
					state.unauthorized++;
					return reply(
						response,
						401,
						{ error: 'invalid_token' },
						{ 'www-authenticate': 'Bearer error="invalid_token"' },
					);
				}
				let id = '';
				try {
					id = String((JSON.parse(body) as { id?: unknown }).id ?? '');
				} catch {
					return reply(response, 400, { error: 'not JSON' });
				}
				state.accepted.set(id, (state.accepted.get(id) ?? 0) + 1);
				return reply(response, 200, { ok: true, id, token });
			}
			if (path === '/oauth1' && options.oauth1) {
				const valid = oauth1Valid(request, body, baseUrl, options.oauth1);
				state.oauth1[valid ? 'valid' : 'invalid']++;
				return reply(response, valid ? 200 : 401, { valid });
			}
			reply(response, 404, { error: 'not found' });
		})().catch((error: unknown) => reply(response, 500, { error: String(error) }));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return Object.assign(state, {
		url: baseUrl,
		tokenUrl: `${baseUrl}/token`,
		stop: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	});
}
