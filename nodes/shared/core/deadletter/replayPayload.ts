/**
 * What a replay sends: the payload as it was captured, never a placeholder. The record
 * keeps its payload redacted (that is what List and Stats show); when something was
 * redacted, the original is either sealed in the record (seal.ts, with the user's
 * Encryption Key credential) or the record needs someone to fill the redacted fields in.
 */
import { isPlainObject, type JsonObject, type JsonValue } from '../json';
import type { DeadLetterData } from './record';
import { asSealed, unseal, type Keyring } from './seal';

/** Most paths a Needs Input item names (the count says how many there are). */
const MAX_NAMED = 50;
/** Most values one walk looks at: a stored payload is bounded, this bounds the work on an edited one. */
const MAX_VISITS = 1_000_000;

/** Texts the redactor leaves where a value was: a replay must never send them as data. */
const LOST_VALUE =
	/\[REDACTED\]|^\[cut: nested deeper than \d+ levels\]$|^\[circular\]$|^\[unreadable\]$/;

export interface Placeholders {
	/** Where, as the redactor names paths (`headers.Authorization`, `items[2].token`), at most 50. */
	paths: string[];
	count: number;
}

/** Where `value` holds a redaction placeholder. Iterative and bounded: no recursion, at most MAX_VISITS values. */
export function findPlaceholders(value: unknown): Placeholders {
	const found: Placeholders = { paths: [], count: 0 };
	const stack: Array<[unknown, string]> = [[value, '']];
	let visits = 0;
	while (stack.length > 0) {
		const [current, path] = stack.pop()!;
		if (++visits > MAX_VISITS) {
			// Too large to check whole: say so rather than call it clean.
			found.count++;
			if (found.paths.length < MAX_NAMED) found.paths.push('(too large to check)');
			break;
		}
		if (typeof current === 'string') {
			if (current.length > 0 && LOST_VALUE.test(current)) {
				found.count++;
				if (found.paths.length < MAX_NAMED) found.paths.push(path === '' ? '(root)' : path);
			}
			continue;
		}
		if (Array.isArray(current)) {
			for (let index = current.length - 1; index >= 0; index--)
				stack.push([current[index], `${path}[${index}]`]);
			continue;
		}
		if (isPlainObject(current)) {
			const keys = Object.keys(current);
			for (let index = keys.length - 1; index >= 0; index--) {
				const key = keys[index];
				stack.push([current[key], path === '' ? key : `${path}.${key}`]);
			}
		}
	}
	return found;
}

/**
 * An edited payload (someone fixed a field of List's copy) keeps the placeholders they
 * did not touch. Each one that is still exactly the stored, redacted value at the same
 * place is filled from the sealed original; the rest is the edit. Pure: returns a copy.
 */
export function fillFromOriginal(
	edited: JsonValue,
	stored: JsonValue,
	original: JsonValue,
	depth = 0,
): JsonValue {
	if (typeof edited === 'string')
		return edited === stored && LOST_VALUE.test(edited) ? original : edited;
	if (depth > 256) return edited;
	if (Array.isArray(edited)) {
		if (!Array.isArray(stored) || !Array.isArray(original)) return edited;
		return edited.map((value, index) =>
			index < stored.length && index < original.length
				? fillFromOriginal(value, stored[index], original[index], depth + 1)
				: value,
		);
	}
	if (isPlainObject(edited)) {
		if (!isPlainObject(stored) || !isPlainObject(original)) return edited;
		const copy: JsonObject = {};
		for (const [key, value] of Object.entries(edited)) {
			const filled =
				Object.hasOwn(stored, key) && Object.hasOwn(original, key)
					? fillFromOriginal(
							value as JsonValue,
							stored[key] as JsonValue,
							original[key] as JsonValue,
							depth + 1,
						)
					: (value as JsonValue);
			Object.defineProperty(copy, key, {
				value: filled,
				enumerable: true,
				writable: true,
				configurable: true,
			});
		}
		return copy;
	}
	return edited;
}

/** The payload a replay sends, or the fields someone must fill in first. */
export type ReplayPayload =
	| { ready: true; payload: JsonObject; edited: boolean; fromSealed: boolean }
	| { ready: false; placeholders: Placeholders; edited: boolean };

/**
 * Decides what a replay of `data` (record `id`) sends. `edited`: a payload an input item
 * gave instead of the stored one, or null. `keyring`: the Encryption Key credential's
 * keys, or null when the node has none. Throws SealError when the record's original
 * cannot be opened with the keyring (unknown or wrong key).
 */
export function replayPayload(
	id: string,
	data: DeadLetterData,
	edited: JsonObject | null,
	keyring: Keyring | null,
): ReplayPayload {
	const sealed = asSealed(data.sealed);
	const original =
		sealed !== null && keyring !== null ? (unseal(sealed, keyring, id) as JsonObject) : null;
	let payload: JsonObject;
	if (edited !== null) {
		payload =
			original !== null ? (fillFromOriginal(edited, data.payload, original) as JsonObject) : edited;
	} else {
		payload = original ?? data.payload;
	}
	// A sealed original is the captured payload itself, and a record that says it lost nothing
	// is exact: a "[REDACTED]" in either was in the data. Older records did not count: looked at.
	const exact = edited === null && (original !== null || data.payloadLost === 0);
	const placeholders = exact ? { paths: [], count: 0 } : findPlaceholders(payload);
	if (placeholders.count > 0) return { ready: false, placeholders, edited: edited !== null };
	return { ready: true, payload, edited: edited !== null, fromSealed: original !== null };
}
