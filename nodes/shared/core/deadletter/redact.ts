/**
 * The one secret redactor of the package. Makes a JSON-safe copy of any value with
 * secrets replaced by "[REDACTED]"; the input is never changed. Dead Letter, Cost
 * Guard's cache, drift reports and error outputs all store or show through it.
 *
 * Two kinds of evidence:
 * - **Field names**: a field is secret when its name, ignoring case and every
 *   character other than letters and digits, ends with one of DEFAULT_REDACT_FIELDS or
 *   a word the user added — `token` catches `accessToken`, `refresh_token`,
 *   `X-Auth-Token`; `key` catches `x-api-key`, `secretKey`, `Ocp-Apim-Subscription-Key`.
 *   A bare generic name is judged with its parent's: `{ idempotency: { key } }` is an
 *   `idempotencyKey`, `{ stripe: { key } }` a `stripeKey`. Identifiers that merely end
 *   in "key" or "token" (NOT_SECRET: idempotency keys, primary keys, page tokens) stay,
 *   so a replay still works. Header lists count too: `{ name: "Authorization", value }`
 *   (n8n's HTTP Request node), `[name, value]` pairs, flat Node `rawHeaders` arrays.
 * - **Values**, in any string: `Name: value` header lines and `name=value` pairs with a
 *   secret name (`X-Api-Key: …`, `Authorization: Token …`, `?api_key=…`), secret fields
 *   of JSON held in a string (also escaped JSON and non-string values), `Bearer`/`Basic`
 *   credentials, JWTs, URL user info (`redis://:pw@host`), PEM private keys, webhook
 *   URLs that are credentials (Slack, Discord), and keys with a recognisable vendor
 *   prefix (Stripe, Slack, GitHub, GitLab, AWS, Google, OpenAI, SendGrid, Shopify, npm).
 *
 * Every text pattern runs in linear time: no nested quantifier, every unbounded run is
 * anchored where its character class cannot repeat (a lookbehind), and the scanners
 * that follow a match consume what they read. A string longer than MAX_SCAN_CHARS is
 * not scanned: it is replaced whole (never cut, a cut could leave half a secret).
 *
 * The copy is what a store accepts: plain objects, arrays, strings, finite numbers,
 * booleans, null. Dates become ISO strings, bigints strings, buffers a note of their
 * size, cycles "[circular]"; `__proto__` keys stay plain data.
 */
import type { JsonValue } from '../json';

export const REDACTED = '[REDACTED]';

/**
 * Field-name endings always treated as secret (the node's "Fields to Redact" adds to
 * them). Plurals only where a count is unlikely: `tokens` is an LLM usage figure.
 */
export const DEFAULT_REDACT_FIELDS: readonly string[] = [
	'authorization',
	'auth',
	'cookie',
	'cookies',
	'key',
	'secret',
	'secrets',
	'token',
	'password',
	'passwords',
	'passwd',
	'passphrase',
	'pwd',
	'credential',
	'credentials',
	'signature',
	'session',
	'sessionid',
];

/**
 * Names that end like a secret but identify a record or a page: redacting them would
 * break a replay (idempotency and deduplication keys, database keys, pagination and
 * sync tokens) or hide what is public by definition (a public key).
 */
const NOT_SECRET = new Set([
	'idempotencykey',
	'deduplicationkey',
	'dedupkey',
	'dedupekey',
	'primarykey',
	'foreignkey',
	'partitionkey',
	'sortkey',
	'routingkey',
	'cachekey',
	'publickey',
	'pagetoken',
	'nextpagetoken',
	'prevpagetoken',
	'previouspagetoken',
	'paginationtoken',
	'nexttoken',
	'continuationtoken',
	'synctoken',
	'cursortoken',
]);

/**
 * A bare `key` alone is an identifier far more often than a credential (`issue.key`,
 * S3 `key`, a cache `key`): it is secret only under a parent named for a credential
 * (`{ api: { key } }`, `{ stripe_secret: { key } }`, `{ license: { key } }`).
 */
const KEY_CONTEXT =
	/(?:api|auth|access|secret|secrets|private|signing|encryption|client|license|licence|subscription|credential|credentials|account|service|master|webhook)$/;

/** Extra names that carry credentials in URLs and `name=value` text. */
const SECRET_QUERY_NAMES = ['sig'];

/** Deeper than this a value is cut: no store takes it (their limit is 512 levels) and recursion must stay bounded. */
export const MAX_REDACT_DEPTH = 200;
/** Longer strings are replaced whole instead of scanned: 16 Mi characters scan in well under a second. */
export const MAX_SCAN_CHARS = 16 * 1024 * 1024;
const MAX_PATHS = 50;
const NAME_CACHE_LIMIT = 10_000;
/** A name in text longer than this is not looked at (names are short; this bounds the work per candidate). */
const MAX_TEXT_NAME = 64;

export interface RedactResult {
	value: JsonValue;
	/** Where secrets were found (at most 50), e.g. `headers.Authorization`, `note (text)`. */
	paths: string[];
	/** How many secrets were replaced. */
	count: number;
	/** How many values were cut for nesting deeper than MAX_REDACT_DEPTH. */
	cut: number;
}

/** A path as a linked list: built only when something is redacted or an object is entered. */
interface PathNode {
	parent: PathNode | null;
	segment: string | number;
}

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
const AUTHORITY = /[^\s/?#"'<>\\]*/y;
/** A bare value after `=`: up to the next separator. After `:` a header value runs to the end of its line. */
const BARE_AFTER_EQUALS = /[^\s&;,"'<>#]*/y;
const BARE_AFTER_COLON = /[^\r\n]*/y;
const BARE_IN_JSON = /[^,}\]\r\n]*/y;
const BARE_IN_DOUBLE_QUOTES = /[^\r\n"]*/y;
const BARE_IN_SINGLE_QUOTES = /[^\r\n']*/y;
/** An auth scheme kept in front of a redacted header value: `Authorization: Bearer [REDACTED]`. */
const SCHEME =
	/^(?:bearer|basic|token|digest|bot|apikey|api-key|hmac|negotiate|ntlm|sso-key|aws4-hmac-sha256|oauth)\s+(?=\S)/i;

/** A replacement of `text.slice(start, end)`. */
interface Edit {
	start: number;
	end: number;
	text: string;
}

export class Redactor {
	private readonly endings: string[];
	private readonly queryEndings: string[];
	private readonly nameCache = new Map<string, boolean>();
	private readonly queryCache = new Map<string, boolean>();
	private readonly bareNames: Set<string>;
	/** The last letters of the secret words: a name ending in another letter is not read. */
	private readonly lastLetters: Set<number>;

	/**
	 * `extraFields`: name endings redacted on top of DEFAULT_REDACT_FIELDS (the node's
	 * "Fields to Redact"; listing a default again changes nothing). `enabled: false`
	 * still makes the JSON-safe copy, without redacting anything.
	 */
	constructor(
		extraFields: readonly string[] = [],
		readonly enabled = true,
	) {
		this.endings = [
			...new Set(
				[...DEFAULT_REDACT_FIELDS, ...extraFields]
					.map(normaliseName)
					.filter((field) => field !== ''),
			),
		];
		this.queryEndings = [...this.endings, ...SECRET_QUERY_NAMES];
		this.bareNames = new Set(this.endings);
		this.lastLetters = new Set(
			this.queryEndings.map((ending) => ending.charCodeAt(ending.length - 1)),
		);
	}

	/** A redacted, JSON-safe copy of `value`. */
	redact(value: unknown): RedactResult {
		const state: WalkState = { paths: [], count: 0, cut: 0, ancestors: new Set() };
		const copy = this.walk(value, null, '', 0, state);
		return {
			value: copy === undefined ? null : copy,
			paths: state.paths,
			count: state.count,
			cut: state.cut,
		};
	}

	/** Whether a field of this name holds a secret. */
	isSecretName(name: string): boolean {
		return this.enabled && this.matchName(name, this.endings, this.nameCache);
	}

	/** `text` with the secrets it contains replaced; counts them into `found`. */
	redactText(text: string, found: { count: number } = { count: 0 }): string {
		if (!this.enabled || text.length < 8) return text;
		if (text.length > MAX_SCAN_CHARS) {
			found.count++;
			return `${REDACTED} (text of ${text.length} characters, longer than the ${MAX_SCAN_CHARS} scanned for secrets)`;
		}
		let out = text;
		// Names first: `Authorization: Bearer x` is then one secret, not a header and a Bearer.
		if (out.includes(':') || out.includes('=')) out = applyEdits(out, this.namedValues(out), found);
		if (out.includes('://')) out = applyEdits(out, urlPasswords(out), found);
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
		return out.replace(SHAPES, shape as (match: string, ...groups: string[]) => string);
	}

	/**
	 * `name: value` and `name=value` in text, JSON held in a string included: the values
	 * of secret names. The name is read backwards from each separator (at most
	 * MAX_TEXT_NAME characters), each redacted value once: linear in the text.
	 */
	private namedValues(text: string): Edit[] {
		const edits: Edit[] = [];
		let colon = text.indexOf(':');
		let equals = text.indexOf('=');
		let resume = 0;
		const next = () => {
			if (colon !== -1 && colon < resume) colon = text.indexOf(':', resume);
			if (equals !== -1 && equals < resume) equals = text.indexOf('=', resume);
			return colon === -1 ? equals : equals === -1 ? colon : Math.min(colon, equals);
		};
		for (let separator = next(); separator !== -1; separator = next()) {
			resume = separator + 1;
			const name = nameBefore(text, separator, this.lastLetters);
			if (name === null || !this.matchName(name.text, this.queryEndings, this.queryCache)) continue;
			const sign = text[separator];
			if (sign === ':' && text.startsWith('//', separator + 1)) continue; // a URL's scheme
			let start = separator + 1;
			while (text[start] === ' ' || text[start] === '\t') start++;
			const value = valueEnd(text, start, sign, name);
			if (value.valueEnd > value.valueStart) {
				const secret = text.slice(value.valueStart, value.valueEnd);
				if (secret !== REDACTED && secret !== `"${REDACTED}"`) {
					const scheme = SCHEME.exec(secret)?.[0] ?? '';
					// In JSON text a number or object becomes a string, so the text stays JSON.
					const replacement =
						name.quoted && !value.quoted ? `"${REDACTED}"` : `${scheme}${REDACTED}`;
					edits.push({ start: value.valueStart, end: value.valueEnd, text: replacement });
				}
			}
			resume = Math.max(resume, value.resume);
		}
		return edits;
	}

	private matchName(
		name: string,
		endings: readonly string[],
		cache: Map<string, boolean>,
	): boolean {
		const cached = cache.get(name);
		if (cached !== undefined) return cached;
		const normal = normaliseName(name);
		// `X-Hub-Signature-256`, `password2`: a number after the word does not make it less secret.
		let cut = normal.length;
		while (cut > 0 && normal.charCodeAt(cut - 1) <= 0x39) cut--; // digits (the only characters below letters left)
		const word = normal.slice(0, cut);
		const secret =
			word !== '' &&
			word !== 'key' &&
			!NOT_SECRET.has(word) &&
			endings.some((ending) => word.endsWith(ending));
		// Bounded: the shared redactor lives as long as n8n, and a hostile key can be megabytes long.
		if (cache.size < NAME_CACHE_LIMIT && name.length <= 256) cache.set(name, secret);
		return secret;
	}

	/** A field's name judged in its place: a bare `key` or `token` is judged with its parent's name. */
	/** `parentName`: the parent field's name, normalised and cut to its last 64 characters (see contextName). */
	private isSecretField(key: string, parentName: string): boolean {
		if (!this.enabled) return false;
		if (!this.isSecretName(key)) {
			// A bare `key` names a record (a Jira issue, an S3 object, a cache entry) unless its parent says credential.
			return (
				parentName !== '' &&
				key.length === 3 &&
				key.toLowerCase() === 'key' &&
				KEY_CONTEXT.test(parentName)
			);
		}
		if (parentName === '') return true;
		const normal = normaliseName(key);
		return !this.bareNames.has(normal) || this.isSecretName(`${parentName}${normal}`);
	}

	private walk(
		value: unknown,
		parent: PathNode | null,
		segment: string | number,
		depth: number,
		state: WalkState,
		parentName = '',
	): JsonValue | undefined {
		switch (typeof value) {
			case 'string':
				return this.walkText(value, parent, segment, state);
			case 'number':
				return Number.isFinite(value) ? value : String(value);
			case 'boolean':
				return value;
			case 'bigint':
				return value.toString();
			case 'undefined':
			case 'function':
			case 'symbol':
				return undefined;
		}
		if (value === null) return null;
		const object = value as object;
		if (depth >= MAX_REDACT_DEPTH) {
			state.cut++;
			return `[cut: nested deeper than ${MAX_REDACT_DEPTH} levels]`;
		}
		if (state.ancestors.has(object)) return '[circular]';
		state.ancestors.add(object);
		const path: PathNode | null = depth === 0 ? null : { parent, segment };
		try {
			return this.walkObject(
				object,
				path,
				depth,
				state,
				typeof segment === 'string' ? contextName(segment) : parentName,
			);
		} catch {
			// A getter or proxy that throws: say so rather than fail the whole record.
			return '[unreadable]';
		} finally {
			state.ancestors.delete(object);
		}
	}

	private walkText(
		text: string,
		parent: PathNode | null,
		segment: string | number,
		state: WalkState,
	): string {
		if (!this.enabled) return text;
		const found = { count: 0 };
		const out = this.redactText(text, found);
		if (found.count > 0) note(state, parent, segment, found.count, ' (text)');
		return out;
	}

	private walkObject(
		object: object,
		path: PathNode | null,
		depth: number,
		state: WalkState,
		name: string,
	): JsonValue | undefined {
		if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
		if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer)
			return `[binary: ${object.byteLength} bytes]`;
		if (Array.isArray(object)) return this.walkArray(object, path, depth, state, name);
		if (object instanceof Map)
			return this.walkArray([...object.entries()], path, depth, state, name);
		if (object instanceof Set)
			return this.walkArray([...object.values()], path, depth, state, name);
		if (object instanceof Error)
			return this.walkEntries(errorEntries(object), path, depth, state, name);
		const toJSON = (object as { toJSON?: unknown }).toJSON;
		if (typeof toJSON === 'function')
			return this.walk((toJSON as () => unknown).call(object), path, '', depth + 1, state, name);
		return this.walkEntries(Object.entries(object), path, depth, state, name);
	}

	private walkArray(
		list: readonly unknown[],
		path: PathNode | null,
		depth: number,
		state: WalkState,
		name: string,
	): JsonValue[] {
		// `[name, value]` pairs and Node's flat rawHeaders `[name, value, name, value…]`: the value of a secret name is a secret.
		const secretAt = this.enabled ? this.flatPairSecrets(list) : null;
		const copy: JsonValue[] = new Array<JsonValue>(list.length);
		for (let index = 0; index < list.length; index++) {
			if (secretAt?.has(index) === true) {
				note(state, path, index, 1);
				copy[index] = REDACTED;
				continue;
			}
			const entry = this.walk(list[index], path, index, depth + 1, state, name);
			copy[index] = entry === undefined ? null : entry;
		}
		return copy;
	}

	/** In a list of an even number of entries, names at even places: the odd places after secret names. */
	private flatPairSecrets(list: readonly unknown[]): Set<number> | null {
		if (list.length < 2 || list.length % 2 !== 0) return null;
		let secret: Set<number> | null = null;
		for (let index = 0; index < list.length; index += 2) {
			const name = list[index];
			if (typeof name !== 'string' || name.length > MAX_TEXT_NAME) return null;
			if (this.isSecretName(name) && isRedactable(list[index + 1]))
				(secret ??= new Set()).add(index + 1);
		}
		return secret;
	}

	private walkEntries(
		entries: Array<[string, unknown]>,
		path: PathNode | null,
		depth: number,
		state: WalkState,
		name: string,
	): JsonValue {
		const pair = this.enabled ? this.nameValuePair(entries) : null;
		const copied: Array<[string, JsonValue]> = [];
		for (const [key, entry] of entries) {
			// In `{ name: "Authorization", value }` the name field holds a name, the value field the secret.
			const secret = pair !== null ? key === 'value' && pair.secret : this.isSecretField(key, name);
			if (secret && isRedactable(entry)) {
				note(state, path, key, 1);
				copied.push([key, REDACTED]);
				continue;
			}
			const value = this.walk(entry, path, key, depth + 1, state, name);
			if (value !== undefined) copied.push([key, value]);
		}
		// fromEntries defines own properties: a "__proto__" key stays data, never a prototype.
		return Object.fromEntries(copied);
	}

	/** `{ name: "Authorization", value: "…" }` (also `key`/`header` for the name): whether its value is secret. */
	private nameValuePair(entries: Array<[string, unknown]>): { secret: boolean } | null {
		if (entries.length > 4 || !entries.some(([key]) => key === 'value')) return null;
		const holder = entries.find(
			([key, value]) =>
				(key === 'name' || key === 'key' || key === 'header') && typeof value === 'string',
		);
		if (holder === undefined) return null;
		// Any other field (a `secret` beside the pair, say) is still judged by its own name.
		if (entries.some(([key]) => key !== 'value' && key !== holder[0] && this.isSecretName(key)))
			return null;
		return { secret: this.isSecretName(holder[1] as string) };
	}
}

interface WalkState {
	paths: string[];
	count: number;
	cut: number;
	ancestors: Set<object>;
}

/**
 * A parent's name as its children are judged with it: normalised once per field (an
 * array's elements share it), its end only, so a megabyte-long key costs its length once.
 */
function contextName(name: string): string {
	if (name === '') return '';
	const normal = normaliseName(name);
	return normal.length > MAX_TEXT_NAME ? normal.slice(-MAX_TEXT_NAME) : normal;
}

/** Lower case, letters and digits only: `X-Api-Key` → `xapikey`. */
export function normaliseName(name: string): string {
	return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Letters, digits, `_`, `.`, `-`: what a field or header name is made of. */
function isNameChar(code: number): boolean {
	return (
		(code >= 0x61 && code <= 0x7a) ||
		(code >= 0x41 && code <= 0x5a) ||
		(code >= 0x30 && code <= 0x39) ||
		code === 0x5f ||
		code === 0x2e ||
		code === 0x2d
	);
}

/**
 * The name written before the separator at `separator`: `X-Api-Key: …`, `"password": …`,
 * `\"token\":…` (escaped JSON), `--password=…`. Null when there is none or it is
 * longer than MAX_TEXT_NAME (only its last characters would be read).
 */
function nameBefore(
	text: string,
	separator: number,
	lastLetters: ReadonlySet<number>,
): TextName | null {
	let end = separator;
	while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
	let quoted = false;
	if (end > 0 && (text[end - 1] === '"' || text[end - 1] === "'")) {
		quoted = true;
		end--;
		while (end > 0 && text.charCodeAt(end - 1) === 0x5c) end--;
	}
	// Most names cannot end a secret word: skip them without reading them.
	const last = text.charCodeAt(end - 1) | 0x20;
	if (last >= 0x61 && last <= 0x7a && !lastLetters.has(last)) return null;
	let start = end;
	while (start > 0 && end - start <= MAX_TEXT_NAME && isNameChar(text.charCodeAt(start - 1)))
		start--;
	if (end - start > MAX_TEXT_NAME || start === end) return null;
	const before = text[start - 1];
	return {
		text: text.slice(start, end),
		quoted,
		inQuotes: !quoted && (before === '"' || before === "'") ? before : null,
	};
}

/** A name found before a separator in text. */
interface TextName {
	text: string;
	/** `"name":` — JSON (or a quoted key). */
	quoted: boolean;
	/** `"Authorization: Bearer x"` — a header line inside quotes: the value ends at the closing quote. */
	inQuotes: '"' | "'" | null;
}

/**
 * Where the value after `name:` / `name=` at `start` ends. A quoted value ends at the
 * quote that closes it (as escaped as the opening one), an object or list at its
 * closing bracket, a bare value at its separator (`=`), the end of its line (`:`) or
 * of its JSON member. Unterminated quotes and brackets run to the end of the text:
 * when in doubt, redact more. `resume` is where the search for names goes on.
 */
function valueEnd(
	text: string,
	start: number,
	separator: string,
	name: TextName,
): { valueStart: number; valueEnd: number; resume: number; quoted: boolean } {
	let slashes = 0;
	while (text.charCodeAt(start + slashes) === 0x5c) slashes++;
	const quote = text[start + slashes];
	if (quote === '"' || quote === "'") {
		const open = start + slashes + 1;
		for (let at = text.indexOf(quote, open); at !== -1; at = text.indexOf(quote, at + 1)) {
			let before = 0;
			while (at - before - 1 >= open && text.charCodeAt(at - before - 1) === 0x5c) before++;
			if (before === slashes)
				return { valueStart: open, valueEnd: at - slashes, resume: at + 1, quoted: true };
		}
		return { valueStart: open, valueEnd: text.length, resume: text.length, quoted: true };
	}
	if (slashes === 0 && (quote === '{' || quote === '[')) {
		const close = closingBracket(text, start);
		return { valueStart: start, valueEnd: close, resume: close, quoted: false };
	}
	const bare =
		separator === '='
			? BARE_AFTER_EQUALS
			: name.quoted
				? BARE_IN_JSON
				: name.inQuotes === '"'
					? BARE_IN_DOUBLE_QUOTES
					: name.inQuotes === "'"
						? BARE_IN_SINGLE_QUOTES
						: BARE_AFTER_COLON;
	bare.lastIndex = start;
	const end = start + (bare.exec(text)?.[0].length ?? 0);
	return { valueStart: start, valueEnd: end, resume: end, quoted: false };
}

/** The index after the bracket closing the one at `start` (strings skipped), or the text's length. */
function closingBracket(text: string, start: number): number {
	let depth = 0;
	for (let index = start; index < text.length; index++) {
		const char = text.charCodeAt(index);
		if (char === 0x22) {
			// Skip a JSON string: to the next quote not escaped.
			for (index++; index < text.length && text.charCodeAt(index) !== 0x22; index++)
				if (text.charCodeAt(index) === 0x5c) index++;
		} else if (char === 0x7b || char === 0x5b) depth++;
		else if ((char === 0x7d || char === 0x5d) && --depth === 0) return index + 1;
	}
	return text.length;
}

/** User info in URLs (`postgres://user:pw@host`, `redis://:pw@host`): the password, up to the last `@` of the authority. */
function urlPasswords(text: string): Edit[] {
	const edits: Edit[] = [];
	for (let at = text.indexOf('://'); at !== -1; ) {
		const start = at + 3;
		AUTHORITY.lastIndex = start;
		const authority = AUTHORITY.exec(text)?.[0] ?? '';
		const userEnd = authority.lastIndexOf('@');
		const colon = authority.indexOf(':');
		if (
			userEnd > 0 &&
			colon !== -1 &&
			colon < userEnd - 1 &&
			authority.slice(colon + 1, userEnd) !== REDACTED
		) {
			edits.push({ start: start + colon + 1, end: start + userEnd, text: REDACTED });
		}
		at = text.indexOf('://', start + authority.length);
	}
	return edits;
}

/** `text` with the edits (in order, not overlapping) applied; each counts as one secret. */
function applyEdits(text: string, edits: readonly Edit[], found: { count: number }): string {
	if (edits.length === 0) return text;
	let out = '';
	let last = 0;
	for (const edit of edits) {
		out += text.slice(last, edit.start) + edit.text;
		last = edit.end;
	}
	found.count += edits.length;
	return out + text.slice(last);
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

/** Booleans and empty values say nothing secret; replacing them would only change types. */
function isRedactable(value: unknown): boolean {
	return value !== null && value !== undefined && value !== '' && typeof value !== 'boolean';
}

function note(
	state: WalkState,
	parent: PathNode | null,
	segment: string | number,
	count: number,
	suffix = '',
): void {
	state.count += count;
	if (state.paths.length < MAX_PATHS) state.paths.push(`${pathText({ parent, segment })}${suffix}`);
}

function pathText(path: PathNode | null): string {
	const segments: Array<string | number> = [];
	for (let node = path; node !== null; node = node.parent) segments.push(node.segment);
	let text = '';
	for (const segment of segments.reverse()) {
		if (typeof segment === 'number') text += `[${segment}]`;
		else if (segment !== '') text += text === '' ? segment : `.${segment}`;
	}
	return text === '' ? '(root)' : text;
}

/**
 * What an Error says, without what it drags along: name, message, code, status and its
 * own enumerable fields (an axios error's `config` and `request` would be circular or
 * huge; they are dropped, `response` keeps only status and data).
 */
function errorEntries(error: Error): Array<[string, unknown]> {
	const entries: Array<[string, unknown]> = [
		['name', error.name],
		['message', error.message],
	];
	for (const [key, value] of Object.entries(error)) {
		if (
			key === 'name' ||
			key === 'message' ||
			key === 'config' ||
			key === 'request' ||
			key === 'stack'
		)
			continue;
		if (key === 'response' && value !== null && typeof value === 'object') {
			const response = value as Record<string, unknown>;
			entries.push([
				key,
				{ status: response.status, statusText: response.statusText, data: response.data },
			]);
			continue;
		}
		entries.push([key, value]);
	}
	return entries;
}

/**
 * A redactor: DEFAULT_REDACT_FIELDS plus `extraFields` (the node's Fields to Redact,
 * which used to replace the defaults and now adds to them).
 */
export function createRedactor(extraFields: readonly string[] = [], enabled = true): Redactor {
	return new Redactor(extraFields, enabled);
}

/** The shared redactor with the default names: for Cost Guard's cache, drift reports, error outputs. */
export const defaultRedactor = new Redactor();

/** A redacted, JSON-safe copy of `value` with the default names. */
export function redactSecrets(value: unknown): JsonValue {
	return defaultRedactor.redact(value).value;
}

/** `text` with the secrets in it replaced, with the default names (for an error message). */
export function redactSecretText(text: string): string {
	return defaultRedactor.redactText(text);
}
