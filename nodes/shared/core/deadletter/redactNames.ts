/**
 * Which names hold secrets. A field is secret when its name, ignoring case and every
 * character other than letters and digits, ends with one of DEFAULT_REDACT_FIELDS or a
 * word the user added. A bare generic name is judged with its parent's; identifiers
 * that merely end in "key" or "token" (NOT_SECRET) stay, so a replay still works.
 */

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

const NAME_CACHE_LIMIT = 10_000;
/** A name in text longer than this is not looked at (names are short; this bounds the work per candidate). */
export const MAX_TEXT_NAME = 64;

/** The secret words of one redactor (the defaults and the user's), with what was already judged. */
export class SecretNames {
	private readonly endings: string[];
	private readonly queryEndings: string[];
	private readonly nameCache = new Map<string, boolean>();
	private readonly queryCache = new Map<string, boolean>();
	private readonly bareNames: Set<string>;
	/** The last letters of the secret words: a name ending in another letter is not read. */
	readonly lastLetters: Set<number>;

	/** `extraFields`: name endings on top of DEFAULT_REDACT_FIELDS. */
	constructor(extraFields: readonly string[] = []) {
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

	/** Whether a field of this name holds a secret. */
	isSecretName(name: string): boolean {
		return this.matchName(name, this.endings, this.nameCache);
	}

	/** Whether a name written in text (`name=value`, `Name: value`, URL queries) holds a secret. */
	isSecretTextName(name: string): boolean {
		return this.matchName(name, this.queryEndings, this.queryCache);
	}

	/** A field's name judged in its place: a bare `key` or `token` is judged with its parent's name. */
	/** `parentName`: the parent field's name, normalised and cut to its last 64 characters (see contextName). */
	isSecretField(key: string, parentName: string): boolean {
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
}

/**
 * A parent's name as its children are judged with it: normalised once per field (an
 * array's elements share it), its end only, so a megabyte-long key costs its length once.
 */
export function contextName(name: string): string {
	if (name === '') return '';
	const normal = normaliseName(name);
	return normal.length > MAX_TEXT_NAME ? normal.slice(-MAX_TEXT_NAME) : normal;
}

/** Lower case, letters and digits only: `X-Api-Key` → `xapikey`. */
export function normaliseName(name: string): string {
	return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}
