/**
 * The one secret redactor of the package. Makes a JSON-safe copy of any value with
 * secrets replaced by "[REDACTED]"; the input is never changed. Dead Letter, Cost
 * Guard's cache, drift reports and error outputs all store or show through it.
 * This file walks values; which names are secret is in redactNames.ts, the scan of
 * strings in redactText.ts, the patterns it uses in redactPatterns.ts.
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
import { contextName, MAX_TEXT_NAME, SecretNames } from './redactNames';
import { REDACTED } from './redactPatterns';
import { redactTextWith } from './redactText';

export { REDACTED } from './redactPatterns';
export { DEFAULT_REDACT_FIELDS, normaliseName } from './redactNames';
export { MAX_SCAN_CHARS } from './redactText';

/** Deeper than this a value is cut: no store takes it (their limit is 512 levels) and recursion must stay bounded. */
export const MAX_REDACT_DEPTH = 200;
const MAX_PATHS = 50;
const CONTEXT_CACHE_LIMIT = 10_000;

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

export class Redactor {
	private readonly names: SecretNames;
	private readonly contexts = new Map<string, string>();

	/**
	 * `extraFields`: name endings redacted on top of DEFAULT_REDACT_FIELDS (the node's
	 * "Fields to Redact"; listing a default again changes nothing). `enabled: false`
	 * still makes the JSON-safe copy, without redacting anything.
	 */
	constructor(
		extraFields: readonly string[] = [],
		readonly enabled = true,
	) {
		this.names = new SecretNames(extraFields);
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
		return this.enabled && this.names.isSecretName(name);
	}

	/** `text` with the secrets it contains replaced; counts them into `found`. */
	redactText(text: string, found: { count: number } = { count: 0 }): string {
		if (!this.enabled) return text;
		return redactTextWith(this.names, text, found);
	}

	/** contextName, remembered: the same field names come back on every item of a batch. */
	private contextOf(segment: string): string {
		if (segment === '') return '';
		const cached = this.contexts.get(segment);
		if (cached !== undefined) return cached;
		const context = contextName(segment);
		// Bounded: the shared redactor lives as long as n8n, and a hostile key can be megabytes long.
		if (this.contexts.size < CONTEXT_CACHE_LIMIT && segment.length <= 256)
			this.contexts.set(segment, context);
		return context;
	}

	/** A field's name judged in its place (see SecretNames.isSecretField). */
	private isSecretField(key: string, parentName: string): boolean {
		return this.enabled && this.names.isSecretField(key, parentName);
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
				typeof segment === 'string' ? this.contextOf(segment) : parentName,
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
		return this.walkFields(object as Record<string, unknown>, path, depth, state, name);
	}

	/**
	 * A plain object's fields, copied in one pass: what walkEntries does for
	 * `Object.entries(object)`, without building the entries and the copy's pairs first.
	 */
	private walkFields(
		object: Record<string, unknown>,
		path: PathNode | null,
		depth: number,
		state: WalkState,
		name: string,
	): JsonValue {
		const keys = Object.keys(object);
		// Every value read before any is walked, as Object.entries does: a getter that throws
		// makes the whole object "[unreadable]" before anything in it was noted.
		const values = keys.map((key) => object[key]);
		// `{ name: "Authorization", value }` has at most 4 fields, one of them `value`.
		if (this.enabled && keys.length <= 4 && keys.includes('value'))
			return this.walkEntries(
				keys.map((key, index): [string, unknown] => [key, values[index]]),
				path,
				depth,
				state,
				name,
			);
		const copy: Record<string, JsonValue> = {};
		for (let index = 0; index < keys.length; index++) {
			const key = keys[index];
			const entry = values[index];
			if (this.isSecretField(key, name) && isRedactable(entry)) {
				note(state, path, key, 1);
				setField(copy, key, REDACTED);
				continue;
			}
			const value = this.walk(entry, path, key, depth + 1, state, name);
			if (value !== undefined) setField(copy, key, value);
		}
		return copy;
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

/** Sets a field as own data: a "__proto__" key stays data, never a prototype (as Object.fromEntries does). */
function setField(target: Record<string, JsonValue>, key: string, value: JsonValue): void {
	if (key === '__proto__')
		Object.defineProperty(target, key, {
			value,
			enumerable: true,
			writable: true,
			configurable: true,
		});
	else target[key] = value;
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
