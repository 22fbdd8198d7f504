/**
 * The one list of errors that mean "could not talk to the other side" rather than "the
 * other side said no": the stores call such a failure unreachable, Send Request retries
 * it, Dead Letter files it as transient. One list, so the three always agree.
 */

/**
 * Node's socket and DNS codes, undici's (fetch) and axios' network codes, and the
 * stand-ins n8n's HTTP nodes put in their errors. The request may not have reached the
 * server, or its answer was lost.
 */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EPIPE',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ENETDOWN',
	'ENOTFOUND',
	'EAI_AGAIN',
	'GETADDRINFO',
	'ERR_NETWORK',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
	'UND_ERR_SOCKET',
	'UND_ERR_CONNECT_TIMEOUT',
	'UND_ERR_HEADERS_TIMEOUT',
	'UND_ERR_BODY_TIMEOUT',
]);

/**
 * The same failures as a message words them, for errors that carry no code (an error
 * passed through n8n, a vendor's text): one of the codes as a word, or the phrases Node
 * and proxies use. Not GETADDRINFO: as a word it starts every DNS message, including
 * the permanent ones ("getaddrinfo EAI_FAIL"); the code after it decides. Linear:
 * alternations of literals only.
 */
export const NETWORK_ERROR_TEXT = new RegExp(
	`\\b(?:${[...NETWORK_ERROR_CODES].filter((code) => code !== 'GETADDRINFO').join('|')})\\b|\\bsocket hang up\\b|\\bconnection[ _-]?(?:was[ _-]?)?(?:closed|reset|refused|aborted|lost)\\b|\\bnetwork[ _-]?error\\b`,
	'i',
);

/** The code (ECONNREFUSED, 28P01, ...) of an error, of its cause, or of the first error it aggregates. */
export function errorCode(error: unknown, depth = 0): string | undefined {
	if (error === null || typeof error !== 'object' || depth > 4) return undefined;
	const code = (error as { code?: unknown }).code;
	// An empty code says nothing: the cause may.
	if (typeof code === 'string' && code !== '') return code;
	if (error instanceof AggregateError) return errorCode(error.errors[0], depth + 1);
	return errorCode((error as { cause?: unknown }).cause, depth + 1);
}

export function isNetworkErrorCode(code: string | null | undefined): boolean {
	return typeof code === 'string' && NETWORK_ERROR_CODES.has(code.toUpperCase());
}

/** True when an error, its cause or the first error it aggregates carries a network code. */
export function isNetworkError(error: unknown): boolean {
	return isNetworkErrorCode(errorCode(error));
}
