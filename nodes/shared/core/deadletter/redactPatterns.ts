/**
 * The text patterns of the redactor: secrets recognised by their shape (Bearer and Basic
 * credentials, JWTs, PEM private keys, credential webhook URLs, vendor key prefixes) and
 * the scanners that read a value after a name in text.
 *
 * Every pattern runs in linear time: no nested quantifier, every unbounded run is
 * anchored where its character class cannot repeat (a lookbehind), and the scanners
 * are sticky (`y`): they read from where they are put and consume what they read.
 */

export const REDACTED = '[REDACTED]';

// Characters of tokens (base64url and friends). Every pattern below that repeats them
// starts only where the previous character is not one of them, so each run of them is
// scanned a bounded number of times: linear in the text, whatever the text.
const NOT_AFTER_TOKEN = '(?<![A-Za-z0-9_-])';

// One pass for every secret recognised by its shape: Bearer and Basic credentials,
// JWTs, PEM private keys, webhook URLs that are credentials, vendor key prefixes.
const SHAPES = new RegExp(
	`${NOT_AFTER_TOKEN}(?:` +
		[
			'([Bb][Ee][Aa][Rr][Ee][Rr])\\s+([A-Za-z0-9._~+/-]+=*)',
			'([Bb][Aa][Ss][Ii][Cc])\\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])',
			'eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*',
			'-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----[\\s\\S]*?(?:-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----|$)',
			'(hooks\\.slack\\.com\\/(?:services|workflows|triggers)\\/|discord(?:app)?\\.com\\/api\\/webhooks\\/)[A-Za-z0-9_/-]+',
			'(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}',
			'whsec_[A-Za-z0-9]{10,}',
			'xox[abposre]-[A-Za-z0-9-]{10,}',
			'xapp-[A-Za-z0-9-]{10,}',
			'gh[pousr]_[A-Za-z0-9]{20,}',
			'github_pat_[A-Za-z0-9_]{20,}',
			'(?:AKIA|ASIA)[0-9A-Z]{16}',
			'AIza[0-9A-Za-z_-]{35}',
			'glpat-[A-Za-z0-9_-]{20,}',
			'sk-[A-Za-z0-9_-]{20,}',
			'SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}',
			'shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}',
			'npm_[A-Za-z0-9]{36}',
			'ya29\\.[A-Za-z0-9_-]{20,}',
			'key-[0-9a-f]{32}',
		].join('|') +
		')',
	'g',
);
/** The authority of a URL, after `://`: up to the path, query, fragment, a space or a quote. */
export const AUTHORITY = /[^\s/?#"'<>\\]*/y;
/** A bare value after `=`: up to the next separator. After `:` a header value runs to the end of its line. */
export const BARE_AFTER_EQUALS = /[^\s&;,"'<>#]*/y;
export const BARE_AFTER_COLON = /[^\r\n]*/y;
export const BARE_IN_JSON = /[^,}\]\r\n]*/y;
export const BARE_IN_DOUBLE_QUOTES = /[^\r\n"]*/y;
export const BARE_IN_SINGLE_QUOTES = /[^\r\n']*/y;
/** An auth scheme kept in front of a redacted header value: `Authorization: Bearer [REDACTED]`. */
export const SCHEME =
	/^(?:bearer|basic|token|digest|bot|apikey|api-key|hmac|negotiate|ntlm|sso-key|aws4-hmac-sha256|oauth)\s+(?=\S)/i;

/** `text` with every secret recognised by its shape replaced; counts them into `found`. */
export function redactShapes(text: string, found: { count: number }): string {
	SHAPES.lastIndex = 0;
	// Positional groups (no rest array, no groups object): this runs once per match.
	const shape = (
		match: string,
		bearer?: string,
		bearerToken?: string,
		basic?: string,
		basicToken?: string,
		hook?: string,
	): string => {
		let next = REDACTED;
		// "a Bearer token is required": a short lower-case word is prose, not a token.
		if (bearer !== undefined)
			next = /^[a-z]{1,12}$/.test(bearerToken ?? '') ? match : `${bearer} ${REDACTED}`;
		else if (basic !== undefined)
			next = isBasicCredential(basicToken ?? '') ? `${basic} ${REDACTED}` : match;
		else if (hook !== undefined) next = `${hook}${REDACTED}`;
		if (next !== match) found.count++;
		return next;
	};
	return text.replace(SHAPES, shape as (match: string, ...groups: string[]) => string);
}

/** `Basic` followed by base64 of `user:password`, not the word "basic" in prose. */
function isBasicCredential(token: string): boolean {
	const decoded = Buffer.from(token, 'base64').toString('latin1');
	if (decoded.length < 3 || !decoded.includes(':')) return false;
	for (let index = 0; index < decoded.length; index++) {
		const code = decoded.charCodeAt(index);
		if (code < 0x20 || code === 0x7f) return false;
	}
	return true;
}
