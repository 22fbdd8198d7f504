import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import {
	expiry,
	n8nApiCall as call,
	n8nApiProblem as httpProblem,
	n8nApiRedirect as redirected,
	N8N_API_CREDENTIAL,
	normaliseBaseUrl,
} from '../shared';

const PAGE_SIZE = 250;
const MAX_PAGES = 40;
/** Default hard deadline of one API call (Options → Timeout), redirects and body included. */
export const DEFAULT_API_TIMEOUT_SECONDS = 30;

/** One credential as n8n's public API lists it (never its data). */
export interface ListedCredential {
	id: string;
	name: string;
	type: string;
	createdAt: number | null;
	updatedAt: number | null;
	/** Name of the owning project (a personal project is named after its owner), when n8n says. */
	owner: string | null;
}

/** The API key's own dates: n8n's API keys are JWTs, with `exp` when created with an expiry. */
export interface ApiKeyDates {
	expiresAt: number | null;
	issuedAt: number | null;
}

export type Listing = (
	| {
			ok: true;
			credentials: ListedCredential[];
			/** More credentials exist than were listed (MAX_PAGES reached). */ truncated: boolean;
	  }
	| { ok: false; status: 'unknown' | 'failing'; reason: string }
) & {
	baseUrl: string;
	/** Null when the key is not a JWT (older n8n versions): nothing to say about its expiry. */
	apiKey: ApiKeyDates | null;
};

export type TestOutcome =
	| { result: 'passed' }
	| { result: 'failed'; message: string }
	| { result: 'unavailable'; message: string };

/**
 * Answers of n8n's credential tester about itself, not about the credential: no test for
 * the type, or its own bookkeeping failing (n8n registers a temporary node per test and
 * removes it after; tests running at once can remove each other's: "Node not found").
 */
const TESTER_OWN_ERRORS =
	/^(node not found|credential not found|no testing function|.*no test.*found|.*cannot be tested|.*not.*testable)/i;
/** The tester's own error that a second try, alone, gets past. */
const TESTER_RACE = /^node not found/i;
/** Pause before the one retry of a test n8n's tester failed on its own side. */
const TESTER_RETRY_PAUSE_MS = 250;

/** Options → Timeout, read once per execution: the hard deadline of each API call. */
function apiTimeoutMs(context: IExecuteFunctions): number {
	const seconds = Number(
		context.getNodeParameter('options.timeoutSeconds', 0, DEFAULT_API_TIMEOUT_SECONDS),
	);
	return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_API_TIMEOUT_SECONDS) * 1000;
}

function epoch(value: unknown): number | null {
	if (typeof value !== 'string' && typeof value !== 'number') return null;
	const ms = typeof value === 'number' ? value : Date.parse(value);
	return Number.isFinite(ms) ? ms : null;
}

function ownerOf(entry: IDataObject): string | null {
	const shared = entry.shared;
	if (!Array.isArray(shared)) return null;
	const owning =
		(shared as IDataObject[]).find((share) => share && share.role === 'credential:owner') ??
		(shared[0] as IDataObject | undefined);
	const name = owning?.name ?? (owning?.project as IDataObject | undefined)?.name;
	return typeof name === 'string' && name !== '' ? name : null;
}

/** Every credential of the instance, page by page (GET /api/v1/credentials, n8n ≥ 1.x public API). */
export async function listCredentials(context: IExecuteFunctions): Promise<Listing> {
	const { baseUrl: raw, apiKey: key } = await context.getCredentials(N8N_API_CREDENTIAL);
	const baseUrl = normaliseBaseUrl(raw);
	// Only the dates are kept; the key itself goes nowhere but the request header.
	const keyDates = expiry.decodeJwtDates(key);
	const apiKey = keyDates.ok
		? { expiresAt: keyDates.expiresAt, issuedAt: keyDates.issuedAt }
		: null;
	if (!/^https?:\/\//i.test(baseUrl)) {
		return {
			ok: false,
			baseUrl,
			apiKey,
			status: 'failing',
			reason: 'The n8n API credential has no http(s) Instance URL',
		};
	}
	const credentials: ListedCredential[] = [];
	const timeoutMs = apiTimeoutMs(context);
	let cursor: string | undefined;
	for (let page = 0; page < MAX_PAGES; page++) {
		const qs: IDataObject = { limit: PAGE_SIZE };
		if (cursor) qs.cursor = cursor;
		const response = await call(
			context,
			{ method: 'GET', url: `${baseUrl}/api/v1/credentials`, qs },
			timeoutMs,
		);
		if ('error' in response)
			return {
				ok: false,
				baseUrl,
				apiKey,
				status: 'failing',
				reason: `n8n API at ${baseUrl} could not be reached: ${response.error}`,
			};
		const redirect = redirected(`${baseUrl}/api/v1/credentials`, response);
		if (redirect) return { ok: false, baseUrl, apiKey, status: 'unknown', reason: redirect };
		if (response.statusCode === 404 || response.statusCode === 405) {
			return {
				ok: false,
				baseUrl,
				apiKey,
				status: 'unknown',
				reason: `This n8n does not offer GET /api/v1/credentials (${httpProblem('it', response)}). The public API may be disabled (N8N_PUBLIC_API_DISABLED) or older than listing credentials.`,
			};
		}
		if (response.statusCode === 401 || response.statusCode === 403) {
			return {
				ok: false,
				baseUrl,
				apiKey,
				status: 'failing',
				reason: `${httpProblem('The n8n API', response)}. Check the API key, and that it has the scopes credential:list and credential:read.`,
			};
		}
		if (response.statusCode >= 400)
			return {
				ok: false,
				baseUrl,
				apiKey,
				status: 'unknown',
				reason: httpProblem('The n8n API', response),
			};
		if (
			response.body === null ||
			typeof response.body !== 'object' ||
			!Array.isArray((response.body as IDataObject).data)
		) {
			// An editor page instead of JSON: a wrong Instance URL, or the public API switched off.
			return {
				ok: false,
				baseUrl,
				apiKey,
				status: 'unknown',
				reason: `${baseUrl}/api/v1/credentials did not answer with n8n's credential list (HTTP ${response.statusCode}). Check the Instance URL and that the public API is enabled.`,
			};
		}
		const body = response.body as IDataObject;
		const data = Array.isArray(body.data) ? (body.data as IDataObject[]) : [];
		for (const entry of data) {
			if (!entry || typeof entry !== 'object' || entry.id === undefined) continue;
			credentials.push({
				id: String(entry.id),
				name: typeof entry.name === 'string' ? entry.name : String(entry.id),
				type: typeof entry.type === 'string' ? entry.type : '',
				createdAt: epoch(entry.createdAt),
				updatedAt: epoch(entry.updatedAt),
				owner: ownerOf(entry),
			});
		}
		cursor =
			typeof body.nextCursor === 'string' && body.nextCursor !== '' ? body.nextCursor : undefined;
		if (!cursor) break;
	}
	return { ok: true, baseUrl, apiKey, credentials, truncated: cursor !== undefined };
}

/**
 * POST /api/v1/credentials/{id}/test: n8n runs the credential's own test, as the Test
 * button does. A version without the endpoint (404/405 on the first call) marks every
 * test unavailable without trying the others.
 *
 * One test at a time: n8n's tester fails tests that run at once on its own side ("Node
 * not found", 1 in 10 concurrent tests measured), which would raise a false alert. Such
 * an answer is tried once more; if it stays, the credential is reported as not tested
 * (unknown, with the reason), never as failing.
 */
export async function testCredentials(
	context: IExecuteFunctions,
	baseUrl: string,
	ids: string[],
): Promise<Map<string, TestOutcome>> {
	const outcomes = new Map<string, TestOutcome>();
	if (ids.length === 0) return outcomes;
	const timeoutMs = apiTimeoutMs(context);
	const testOnce = async (id: string): Promise<TestOutcome & { race?: boolean }> => {
		const response = await call(
			context,
			{
				method: 'POST',
				url: `${baseUrl}/api/v1/credentials/${encodeURIComponent(id)}/test`,
				body: {},
			},
			timeoutMs,
		);
		if ('error' in response)
			return { result: 'unavailable', message: `The test could not be run: ${response.error}` };
		const redirect = redirected('The credential test endpoint', response);
		if (redirect) return { result: 'unavailable', message: redirect };
		if (response.statusCode >= 400)
			return {
				result: 'unavailable',
				message: httpProblem('The credential test endpoint', response),
			};
		const body = (response.body ?? {}) as IDataObject;
		const status = typeof body.status === 'string' ? body.status : '';
		const message = typeof body.message === 'string' ? body.message.slice(0, 500) : '';
		if (status === 'OK') return { result: 'passed' };
		if (status === 'Error') {
			// n8n flags the verdict as its own (it could not verify), or answers about itself: nothing said about the credential.
			if (body.outcome === 'unverified' || TESTER_OWN_ERRORS.test(message.trim())) {
				return {
					result: 'unavailable',
					message: `n8n's credential tester could not test it (its own error, not the credential's): ${message || 'no message'}`,
					race: TESTER_RACE.test(message.trim()),
				};
			}
			return { result: 'failed', message: message || 'The credential test failed' };
		}
		return { result: 'unavailable', message: 'The credential test answered in an unknown shape' };
	};
	const testOne = async (id: string): Promise<TestOutcome> => {
		let { race, ...outcome } = await testOnce(id);
		if (race) {
			await sleep(TESTER_RETRY_PAUSE_MS);
			({ race, ...outcome } = await testOnce(id));
		}
		return outcome as TestOutcome;
	};
	const first = await testOne(ids[0]);
	outcomes.set(ids[0], first);
	// A missing route (older n8n, public API off) answers 404 or 405 without naming a credential.
	if (
		first.result === 'unavailable' &&
		(/HTTP 405\b/.test(first.message) ||
			(/HTTP 404\b/.test(first.message) &&
				!/credential/i.test(first.message.replace(/^The credential test endpoint/, ''))))
	) {
		const message = `This n8n does not offer POST /api/v1/credentials/{id}/test (${first.message.replace(/^The credential test endpoint answered /, '')})`;
		for (const id of ids) outcomes.set(id, { result: 'unavailable', message });
		return outcomes;
	}
	for (const id of ids.slice(1)) outcomes.set(id, await testOne(id));
	return outcomes;
}
