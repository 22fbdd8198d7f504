/**
 * Errors that mean "the other side did not answer in time": a subset of the network
 * errors (errors/network.ts) told apart, so a guard can count a timeout differently from a
 * refused connection. Linear: alternations of literals only.
 */

/** Codes of a deadline that passed: sockets, undici, gRPC. */
export const TIMEOUT_ERROR_CODES: ReadonlySet<string> = new Set([
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
	'UND_ERR_CONNECT_TIMEOUT',
	'UND_ERR_HEADERS_TIMEOUT',
	'UND_ERR_BODY_TIMEOUT',
	'DEADLINE_EXCEEDED',
]);

/** "timeout of 5000ms exceeded" (axios), "The connection timed out" (n8n), "Gateway Timeout". */
export const TIMEOUT_ERROR_TEXT =
	/\btimed[ _-]?out\b|\btime[ _-]?out\b|\btimeout\b|\bDEADLINE_EXCEEDED\b/i;

/**
 * Whether an error code and message say the call timed out. ECONNABORTED is axios's code
 * for its own timeout and for a request aborted by hand: only its message tells them apart.
 */
export function isTimeoutError(code: string | null | undefined, message: string): boolean {
	if (typeof code === 'string' && TIMEOUT_ERROR_CODES.has(code.toUpperCase())) return true;
	return TIMEOUT_ERROR_TEXT.test(message);
}
