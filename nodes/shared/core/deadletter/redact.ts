/**
 * The one secret redactor of the package. Makes a JSON-safe copy of any value with
 * secrets replaced by "[REDACTED]"; the input is never changed.
 *
 * Two kinds of evidence:
 * - **Field names**: a field is secret when its name, ignoring case and every
 *   character other than letters and digits, ends with one of the configured words —
 *   `token` catches `accessToken`, `refresh_token`, `X-Auth-Token`; `apikey` catches
 *   `x-api-key`. Header lists written as `{ name: "Authorization", value }` (n8n's
 *   HTTP Request node) and `[name, value]` pairs count too.
 * - **Values**, in any string: `Bearer …` and `Basic …` credentials, JWTs, passwords
 *   in URLs (`https://user:pw@host`), secret query parameters (`?api_key=…`), secret
 *   fields inside JSON text (`"password":"…"` in an error message), and keys with a
 *   recognisable vendor prefix (`sk_live_`, `xoxb-`, `ghp_`, `AKIA`, `AIza`, `sk-`).
 *
 * The copy is what a store accepts: plain objects, arrays, strings, finite numbers,
 * booleans, null. Dates become ISO strings, bigints strings, buffers a note of their
 * size, cycles "[circular]"; `__proto__` keys stay plain data.
 */
import type { JsonValue } from '../json';

export const REDACTED = '[REDACTED]';

/** Field-name endings treated as secret by default (the node's "Fields to Redact"). */
export const DEFAULT_REDACT_FIELDS: readonly string[] = [
	'authorization',
	'cookie',
	'apikey',
	'token',
	'secret',
	'password',
	'passwd',
	'privatekey',
	'accesskey',
	'sessionid',
	'auth',
];

/** Names that end like a secret but are pagination cursors: redacting them would break a replay. */
const NOT_SECRET = new Set(['pagetoken', 'nextpagetoken', 'prevpagetoken', 'previouspagetoken', 'nexttoken', 'continuationtoken', 'synctoken', 'cursortoken']);

/** Extra query-parameter names that carry credentials in URLs. */
const SECRET_QUERY_NAMES = ['key', 'sig', 'signature'];

/** Deeper than this a value is cut: no store takes it (their limit is 512 levels) and recursion must stay bounded. */
export const MAX_REDACT_DEPTH = 200;
const MAX_PATHS = 50;
const NAME_CACHE_LIMIT = 10_000;

export interface RedactResult {
	value: JsonValue;
	/** Where secrets were found (at most 50), e.g. `headers.Authorization`, `note (text)`. */
	paths: string[];
	/** How many secrets were replaced. */
	count: number;
	/** How many values were cut for nesting deeper than MAX_REDACT_DEPTH. */
	cut: number;
}

/** A path as a linked list: built only when something is redacted. */
interface PathNode {
	parent: PathNode | null;
	segment: string | number;
}

const BEARER = /\b(Bearer)\s+[A-Za-z0-9\-._~+/]{16,}=*/gi;
const BASIC = /\b(Basic)\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/?#]+:)[^\s@/?#]+@/gi;
const QUERY_PARAM = /(^|[?&;])([A-Za-z0-9_.\-[\]]{1,100})=([^&#\s"'<>]+)/g;
const JSON_FIELD = /("((?:[^"\\]|\\.){1,100})"\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)/g;
const VENDOR_KEY =
	/\b(?:(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}|xox[abposr]-[A-Za-z0-9-]{10,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|glpat-[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9_-]{20,})/g;

export class Redactor {
	private readonly endings: string[];
	private readonly queryEndings: string[];
	private readonly nameCache = new Map<string, boolean>();
	private readonly queryCache = new Map<string, boolean>();

	/**
	 * `fields`: the field-name endings (see the module comment). `enabled: false` still
	 * makes the JSON-safe copy, without redacting anything.
	 */
	constructor(
		fields: readonly string[] = DEFAULT_REDACT_FIELDS,
		readonly enabled = true,
	) {
		this.endings = [...new Set(fields.map(normaliseName).filter((field) => field !== ''))];
		this.queryEndings = [...this.endings, ...SECRET_QUERY_NAMES];
	}

	/** A redacted, JSON-safe copy of `value`. */
	redact(value: unknown): RedactResult {
		const state: WalkState = { paths: [], count: 0, cut: 0, ancestors: new Set() };
		const copy = this.walk(value, null, 0, state);
		return { value: copy === undefined ? null : copy, paths: state.paths, count: state.count, cut: state.cut };
	}

	/** Whether a field of this name holds a secret. */
	isSecretName(name: string): boolean {
		return this.enabled && this.matchName(name, this.endings, this.nameCache);
	}

	/** `text` with the secrets it contains replaced; counts them into `found`. */
	redactText(text: string, found: { count: number } = { count: 0 }): string {
		if (!this.enabled || text.length < 8) return text;
		let out = text;
		const replace = (pattern: RegExp, replacement: (...groups: string[]) => string) => {
			out = out.replace(pattern, (...args: unknown[]) => {
				const groups = args.filter((arg): arg is string => typeof arg === 'string');
				const next = replacement(...groups);
				if (next !== groups[0]) found.count++;
				return next;
			});
		};
		const lower = out.toLowerCase();
		if (lower.includes('bearer')) replace(BEARER, (_match, scheme) => `${scheme} ${REDACTED}`);
		if (lower.includes('basic')) replace(BASIC, (match, scheme, token) => (isBasicCredential(token) ? `${scheme} ${REDACTED}` : match));
		if (out.includes('eyJ')) replace(JWT, () => REDACTED);
		if (out.includes('://')) replace(URL_PASSWORD, (_match, prefix) => `${prefix}${REDACTED}@`);
		if (out.includes('=')) {
			replace(QUERY_PARAM, (match, separator, name) =>
				this.matchName(name, this.queryEndings, this.queryCache) ? `${separator}${name}=${REDACTED}` : match,
			);
		}
		if (out.includes('":')) {
			replace(JSON_FIELD, (match, prefix, name) => (this.isSecretName(name) ? `${prefix}"${REDACTED}"` : match));
		}
		replace(VENDOR_KEY, () => REDACTED);
		return out;
	}

	private matchName(name: string, endings: readonly string[], cache: Map<string, boolean>): boolean {
		const cached = cache.get(name);
		if (cached !== undefined) return cached;
		const normal = normaliseName(name);
		const secret = normal !== '' && !NOT_SECRET.has(normal) && endings.some((ending) => normal.endsWith(ending));
		if (cache.size < NAME_CACHE_LIMIT) cache.set(name, secret);
		return secret;
	}

	private walk(value: unknown, path: PathNode | null, depth: number, state: WalkState): JsonValue | undefined {
		switch (typeof value) {
			case 'string':
				return this.walkText(value, path, state);
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
		try {
			return this.walkObject(object, path, depth, state);
		} catch {
			// A getter or proxy that throws: say so rather than fail the whole record.
			return '[unreadable]';
		} finally {
			state.ancestors.delete(object);
		}
	}

	private walkText(text: string, path: PathNode | null, state: WalkState): string {
		if (!this.enabled) return text;
		const found = { count: 0 };
		const out = this.redactText(text, found);
		if (found.count > 0) note(state, path, found.count, ' (text)');
		return out;
	}

	private walkObject(object: object, path: PathNode | null, depth: number, state: WalkState): JsonValue | undefined {
		if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
		if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) return `[binary: ${object.byteLength} bytes]`;
		if (Array.isArray(object)) return this.walkArray(object, path, depth, state);
		if (object instanceof Map) return this.walkArray([...object.entries()], path, depth, state);
		if (object instanceof Set) return this.walkArray([...object.values()], path, depth, state);
		if (object instanceof Error) return this.walkEntries(errorEntries(object), path, depth, state);
		const toJSON = (object as { toJSON?: unknown }).toJSON;
		if (typeof toJSON === 'function') return this.walk((toJSON as () => unknown).call(object), path, depth + 1, state);
		return this.walkEntries(Object.entries(object), path, depth, state);
	}

	private walkArray(list: readonly unknown[], path: PathNode | null, depth: number, state: WalkState): JsonValue[] {
		// `[name, value]` header pairs: the value of a secret name is a secret.
		if (this.enabled && list.length === 2 && typeof list[0] === 'string' && this.isSecretName(list[0]) && isRedactable(list[1])) {
			note(state, { parent: path, segment: 1 }, 1);
			return [list[0], REDACTED];
		}
		const copy: JsonValue[] = new Array<JsonValue>(list.length);
		for (let index = 0; index < list.length; index++) {
			const entry = this.walk(list[index], { parent: path, segment: index }, depth + 1, state);
			copy[index] = entry === undefined ? null : entry;
		}
		return copy;
	}

	private walkEntries(entries: Array<[string, unknown]>, path: PathNode | null, depth: number, state: WalkState): JsonValue {
		const pairSecret = this.enabled && this.isNameValuePair(entries);
		const copied: Array<[string, JsonValue]> = [];
		for (const [key, entry] of entries) {
			const here: PathNode = { parent: path, segment: key };
			if (this.enabled && isRedactable(entry) && (this.isSecretName(key) || (pairSecret && key === 'value'))) {
				note(state, here, 1);
				copied.push([key, REDACTED]);
				continue;
			}
			const value = this.walk(entry, here, depth + 1, state);
			if (value !== undefined) copied.push([key, value]);
		}
		// fromEntries defines own properties: a "__proto__" key stays data, never a prototype.
		return Object.fromEntries(copied);
	}

	/** `{ name: "Authorization", value: "…" }` (also `key`/`header` for the name). */
	private isNameValuePair(entries: Array<[string, unknown]>): boolean {
		if (!entries.some(([key]) => key === 'value')) return false;
		return entries.some(([key, value]) => (key === 'name' || key === 'key' || key === 'header') && typeof value === 'string' && this.isSecretName(value));
	}
}

interface WalkState {
	paths: string[];
	count: number;
	cut: number;
	ancestors: Set<object>;
}

/** Lower case, letters and digits only: `X-Api-Key` → `xapikey`. */
export function normaliseName(name: string): string {
	return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** `Basic` followed by base64 of `user:password`, not the word "basic" in prose. */
function isBasicCredential(token: string): boolean {
	const decoded = Buffer.from(token, 'base64').toString('utf8');
	return /^[\x20-\x7e]*:[\x20-\x7e]*$/.test(decoded) && decoded.length >= 3;
}

/** Booleans and empty values say nothing secret; replacing them would only change types. */
function isRedactable(value: unknown): boolean {
	return value !== null && value !== undefined && value !== '' && typeof value !== 'boolean';
}

function note(state: WalkState, path: PathNode | null, count: number, suffix = ''): void {
	state.count += count;
	if (state.paths.length < MAX_PATHS) state.paths.push(`${pathText(path)}${suffix}`);
}

function pathText(path: PathNode | null): string {
	const segments: Array<string | number> = [];
	for (let node = path; node !== null; node = node.parent) segments.push(node.segment);
	let text = '';
	for (const segment of segments.reverse()) {
		if (typeof segment === 'number') text += `[${segment}]`;
		else text += text === '' ? segment : `.${segment}`;
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
		if (key === 'name' || key === 'message' || key === 'config' || key === 'request' || key === 'stack') continue;
		if (key === 'response' && value !== null && typeof value === 'object') {
			const response = value as Record<string, unknown>;
			entries.push([key, { status: response.status, statusText: response.statusText, data: response.data }]);
			continue;
		}
		entries.push([key, value]);
	}
	return entries;
}

/** A redactor for the configured field list. */
export function createRedactor(fields: readonly string[] = DEFAULT_REDACT_FIELDS, enabled = true): Redactor {
	return new Redactor(fields, enabled);
}
