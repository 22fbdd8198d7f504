/**
 * The redactor's walk as it was before it was made faster (commit f901df4): the oracle of
 * redact-walk.property.test.ts. The faster walk must give exactly what this one gives (the
 * copy, the paths, the counts): the redactor is a security boundary. Names and text are
 * judged by the same modules (redactNames.ts, redactText.ts); only the walk is kept here.
 */
import type { JsonValue } from '../../../nodes/shared/core/json';
import {
	contextName,
	MAX_TEXT_NAME,
	SecretNames,
} from '../../../nodes/shared/core/deadletter/redactNames';
import { REDACTED } from '../../../nodes/shared/core/deadletter/redactPatterns';
import { redactTextWith } from '../../../nodes/shared/core/deadletter/redactText';

/** Deeper than this a value is cut: no store takes it (their limit is 512 levels) and recursion must stay bounded. */
const MAX_REDACT_DEPTH = 200;
const MAX_PATHS = 50;

interface RedactResult {
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

export class OracleRedactor {
	private readonly names: SecretNames;

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
