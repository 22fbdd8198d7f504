/**
 * The one error classifier of the package. A failure is:
 *
 * - **auth**: 401, 403 (unless it says rate limit), 407, 511, or an invalid, expired or
 *   revoked token or credential whatever the status — page someone, replaying won't help;
 * - **rateLimit**: 429, or a rate-limit or quota message — replay later, slower;
 * - **transient**: 408, 425, 5xx, timeouts and connection errors — replay later;
 * - **data**: any other 4xx, validation errors — fix the record, then replay;
 * - **unknown**: nothing recognisable.
 *
 * The order of evidence: an HTTP status, then an error code, then words in the
 * messages and the response body.
 */
import { NETWORK_ERROR_CODES, NETWORK_ERROR_TEXT } from '../errors/network';
import { prop, messageFromBody, type FailureFacts } from './facts';

export const FAILURE_CLASSES = ['auth', 'rateLimit', 'transient', 'data', 'unknown'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

export interface Classification {
	class: FailureClass;
	/** Why, for people: "HTTP 401", "connection error ECONNRESET", 'message says "token expired"'. */
	reason: string;
}

export function isFailureClass(value: unknown): value is FailureClass {
	return typeof value === 'string' && (FAILURE_CLASSES as readonly string[]).includes(value);
}

const AUTH_TEXT =
	/\b(?:invalid|expired|revoked|bad|missing)[ _-]?(?:access[ _-]?|auth[ _-]?|bearer[ _-]?|refresh[ _-]?|id[ _-]?|api[ _-]?)?token\b|\b(?:access[ _-]?|auth[ _-]?|refresh[ _-]?)?token[ _-]?(?:has[ _-]?|is[ _-]?)?(?:been[ _-]?)?(?:expired|revoked|invalid|not valid)\b|\binvalid[ _-]?(?:grant|auth|authentication|credentials?|client|api[ _-]?key|signature)\b|\bunauthori[sz]ed\b|\bunauthenticated\b|\bnot[ _-]?authed\b|\bauthentication[ _-]?(?:failed|required|error)\b|\bauthori[sz]ation[ _-]?(?:failed|required)\b|\b(?:access|permission)[ _-]?denied\b|\bforbidden\b|\bjwt[ _-]?(?:expired|malformed|invalid)\b|\bsession[ _-]?(?:has[ _-]?)?(?:expired|invalid)\b|\bcredentials?[ _-]?(?:have[ _-]?|has[ _-]?)?(?:expired|invalid|revoked)\b|\binsufficient[ _-]?(?:scopes?|permissions?)\b|\bapi[ _-]?key[ _-]?(?:is[ _-]?)?(?:invalid|missing|expired|revoked|not valid)\b|\baccount[ _-]?(?:inactive|suspended|disabled)\b|\bPERMISSION_DENIED\b|\btoken\b[^.\n]{0,40}\b(?:expired|revoked)\b|\bexpired\b[^.\n]{0,20}\btoken\b/i;

const RATE_TEXT =
	/\brate[ _-]?limit|\bratelimited\b|\btoo[ _-]?many[ _-]?requests\b|\bthrottl|\bquota\b[^.]{0,40}\b(?:exceeded|exhausted|reached)\b|\b(?:exceeded|reached)\b[^.]{0,40}\bquota\b|\bRESOURCE_EXHAUSTED\b|\breceiving too many requests\b|\bslow[ _-]?down\b|\bspacing your requests\b|\b(?:api|call|request|daily|hourly|usage)[ _-]?limit\b[^.]{0,40}\b(?:exceeded|reached)\b|\bfreq(?:uency)?[ _-]?(?:out[ _-]?of|over)[ _-]?limit\b|\breached (?:your|the) \w+ limit\b/i;

/**
 * Words of a transient failure: the network's (one list for the package, shared with the
 * stores and Send Request, so what Dead Letter files as transient is what Send Request
 * retries), then the server's own (timeouts, 5xx wording, "try again later", gRPC's
 * DEADLINE_EXCEEDED). Alternations of literals: linear.
 */
const TRANSIENT_TEXT = new RegExp(
	[
		/\btimed[ _-]?out\b|\btime[ _-]?out\b|\btimeout\b/.source,
		NETWORK_ERROR_TEXT.source,
		/\bservice[ _-]?unavailable\b|\bbad[ _-]?gateway\b|\bgateway[ _-]?time|\btemporar(?:il)?y[ _-]?(?:unavailable|failure|error)\b|\btry again later\b|\binternal[ _-]?server[ _-]?error\b|\boverloaded\b|\bDEADLINE_EXCEEDED\b|\bupstream[ _-]?(?:connect[ _-]?)?error\b|\b(?:down for |under |scheduled )maintenance\b|\boutage\b|\b(?:is|are) (?:currently |temporarily )?down\b|\bcurrently unavailable\b/
			.source,
	].join('|'),
	'i',
);

const DATA_TEXT =
	/\bvalidation\b|\binvalid\b|\brequired\b|\bmissing\b|\bmalformed\b|\bbad[ _-]?request\b|\bunprocessable\b|\bnot[ _-]?found\b|\bdoes not exist\b|\bduplicate\b|\balready[ _-]?exists\b|\balready (?:been )?taken\b|\balready in use\b|\bconflict\b|\bmust (?:be|have|not)\b|\bnot allowed\b|\bunexpected token\b|\bcannot be\b|\bnot a valid\b|\bno value\b|\bout of range\b|\bINVALID_ARGUMENT\b|\bFAILED_PRECONDITION\b/i;

/** gRPC / Google API statuses of a transient failure; the network's codes are NETWORK_ERROR_CODES. */
const TRANSIENT_STATUS_CODES = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL']);

/** Codes APIs put in bodies (OAuth, Slack, Google, Stripe) that mean the credential is bad. */
const AUTH_CODES = new Set([
	'invalid_grant',
	'invalid_token',
	'invalid_client',
	'unauthorized_client',
	'invalid_auth',
	'not_authed',
	'token_expired',
	'token_revoked',
	'expired_token',
	'account_inactive',
	'api_key_expired',
	'UNAUTHENTICATED',
	'PERMISSION_DENIED',
	'INVALID_SESSION_ID',
	'INVALID_AUTH_HEADER',
]);

const RATE_CODES = new Set([
	'ratelimited',
	'rate_limited',
	'rate_limit',
	'too_many_requests',
	'RESOURCE_EXHAUSTED',
]);

const DATA_CODES = new Set([
	'INVALID_ARGUMENT',
	'FAILED_PRECONDITION',
	'NOT_FOUND',
	'ALREADY_EXISTS',
	'OUT_OF_RANGE',
]);

/** TLS problems: the connection failed, but retrying will not help until someone fixes it. */
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

/** Classifies the facts of one failure. */
export function classifyFailure(facts: FailureFacts): Classification {
	const words = corpus(facts);
	if (facts.httpCode !== null) return classifyStatus(facts.httpCode, words);
	const byCode = facts.code === null ? null : classifyCode(facts.code);
	if (byCode !== null) return byCode;
	return classifyText(words) ?? { class: 'unknown', reason: 'no status, code or known message' };
}

/** Classifies a status, with the words that refine it (a 403 that says rate limit). */
export function classifyStatus(status: number, words: string): Classification {
	const label = `HTTP ${status}`;
	if (status === 429) return { class: 'rateLimit', reason: label };
	if (status === 401 || status === 407 || status === 511) return { class: 'auth', reason: label };
	const rate = RATE_TEXT.exec(words);
	if (status === 403) {
		return rate
			? { class: 'rateLimit', reason: `${label} that says "${rate[0]}"` }
			: { class: 'auth', reason: label };
	}
	// An expired or invalid token is an auth failure whatever the status (OAuth answers 400 invalid_grant).
	const auth = AUTH_TEXT.exec(words);
	if (status >= 400 && auth) return { class: 'auth', reason: `${label} that says "${auth[0]}"` };
	if (status >= 400 && rate)
		return { class: 'rateLimit', reason: `${label} that says "${rate[0]}"` };
	if (status === 408 || status === 425) return { class: 'transient', reason: label };
	if (status >= 500) {
		return status === 501 || status === 505
			? { class: 'data', reason: `${label} (not supported)` }
			: { class: 'transient', reason: label };
	}
	if (status >= 400) return { class: 'data', reason: label };
	// A 1xx–3xx that still failed: the words decide.
	return classifyText(words) ?? { class: 'unknown', reason: label };
}

/** Classifies an error code; null when the code says nothing about the class. */
export function classifyCode(code: string): Classification | null {
	const lower = code.toLowerCase();
	// Stand-ins for n8n's "4XX"/"5XX" texts, which name a range of statuses.
	if (code === 'HTTP_4XX') return { class: 'data', reason: "a 4xx status (n8n's message for it)" };
	if (code === 'HTTP_5XX')
		return { class: 'transient', reason: "a 5xx status (n8n's message for it)" };
	if (NETWORK_ERROR_CODES.has(code) || TRANSIENT_STATUS_CODES.has(code))
		return { class: 'transient', reason: `connection error ${code}` };
	if (AUTH_CODES.has(code) || AUTH_CODES.has(lower))
		return { class: 'auth', reason: `error code ${code}` };
	if (RATE_CODES.has(code) || RATE_CODES.has(lower))
		return { class: 'rateLimit', reason: `error code ${code}` };
	if (DATA_CODES.has(code)) return { class: 'data', reason: `error code ${code}` };
	if (TLS_CODE.test(code))
		return {
			class: 'unknown',
			reason: `TLS certificate problem ${code}: fix the certificate, then replay`,
		};
	return null;
}

/** Classifies by words alone; null when none is recognised. */
export function classifyText(words: string): Classification | null {
	const checks: Array<[RegExp, Classification['class']]> = [
		[AUTH_TEXT, 'auth'],
		[RATE_TEXT, 'rateLimit'],
		[TRANSIENT_TEXT, 'transient'],
		[DATA_TEXT, 'data'],
	];
	for (const [pattern, failureClass] of checks) {
		const match = pattern.exec(words);
		if (match) return { class: failureClass, reason: `message says "${match[0]}"` };
	}
	return null;
}

/** Everything a failure says in words: messages, description, code, and the body's message. */
function corpus(facts: FailureFacts): string {
	const parts = [
		facts.message,
		facts.description,
		facts.code,
		...facts.messages,
		messageFromBody(facts.body),
		bodyCode(facts.body),
	];
	return parts.filter((part): part is string => typeof part === 'string' && part !== '').join('\n');
}

function bodyCode(body: unknown): string | null {
	const error = prop(body, 'error');
	return typeof error === 'string' ? error : null;
}
