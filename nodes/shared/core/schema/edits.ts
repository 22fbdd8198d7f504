import type { DataPath } from './types';

/** What a "discard value" does at one place: remove the field (or array element), or set it to null. */
export interface Edit {
	segments: DataPath;
	op: 'remove' | 'null';
}

/**
 * Applies edits to a copy: only the containers on the edited paths are copied, the rest
 * is shared with the input, which is never changed. Keys are written as own data
 * properties, so a field named `__proto__` stays a field.
 */
export function applyEdits(root: unknown, edits: readonly Edit[]): unknown {
	if (edits.length === 0 || root === null || typeof root !== 'object') return root;
	const copies = new Map<object, Record<string | number, unknown>>();
	const removals = new Map<unknown[], Set<number>>();
	const copyOf = (value: object) => {
		let copy = copies.get(value);
		if (!copy) {
			copy = (Array.isArray(value) ? value.slice() : { ...value }) as Record<
				string | number,
				unknown
			>;
			copies.set(value, copy);
		}
		return copy;
	};
	const top = copyOf(root);
	// Deepest first: removing a field must not be undone by an edit below it re-creating it.
	const ordered = [...edits].sort((a, b) => b.segments.length - a.segments.length);
	for (const edit of ordered) {
		if (edit.segments.length === 0) continue;
		let original: unknown = root;
		let copy = top;
		let reachable = true;
		for (const segment of edit.segments.slice(0, -1)) {
			const child = ownValue(original, segment);
			if (child === null || typeof child !== 'object') {
				reachable = false;
				break;
			}
			const childCopy = copyOf(child);
			define(copy, segment, childCopy);
			original = child;
			copy = childCopy;
		}
		const last = edit.segments[edit.segments.length - 1];
		if (!reachable) continue;
		if (edit.op === 'null') {
			define(copy, last, null);
			continue;
		}
		if (!Object.prototype.hasOwnProperty.call(copy, last)) continue;
		if (Array.isArray(copy) && typeof last === 'number') {
			let indexes = removals.get(copy);
			if (!indexes) {
				indexes = new Set();
				removals.set(copy, indexes);
			}
			indexes.add(last);
		} else delete copy[last];
	}
	// Array elements go last, highest index first, so earlier indexes stay valid meanwhile.
	for (const [array, indexes] of removals) {
		for (const index of [...indexes].sort((a, b) => b - a)) array.splice(index, 1);
	}
	return top;
}

function ownValue(container: unknown, key: string | number): unknown {
	if (container === null || typeof container !== 'object') return undefined;
	return Object.prototype.hasOwnProperty.call(container, key)
		? (container as Record<string | number, unknown>)[key]
		: undefined;
}

function define(target: object, key: string | number, value: unknown): void {
	Object.defineProperty(target, key, {
		value,
		writable: true,
		enumerable: true,
		configurable: true,
	});
}
