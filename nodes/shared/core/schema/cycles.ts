import type { ReferencedSchema } from './ajv';
import { escapePointer } from './pointers';
import { SchemaError } from './types';
import { isJsonObject } from './values';

/**
 * A `$ref` cycle that never reaches into the data (`{"$ref": "#"}`, A → B → A through
 * allOf) would recurse forever on every item. Found here, before any item, as a schema
 * error naming the `$ref` that closes the loop. Cycles through `properties`, `items` and
 * the like are recursion over the data and fine.
 */

type Node = Record<string, unknown>;

interface Located {
	node: Node;
	pointer: string;
	base: string;
	/** The document: '' for the schema, the URI for a referenced schema. */
	document: string;
}

const IN_PLACE_LISTS = ['allOf', 'anyOf', 'oneOf'];
const IN_PLACE_SCHEMAS = ['not', 'if', 'then', 'else'];
const REFS = ['$ref', '$dynamicRef', '$recursiveRef'];
const SKIP = new Set(['enum', 'const', 'examples', 'example', 'default']);
const ROOT = 'urn:schema-guard:root';

export function checkRefCycles(document: unknown, referenced: readonly ReferencedSchema[]): void {
	const index = new Map<string, Located>();
	const located = new Map<Node, Located>();
	register(index, located, document, '', ROOT);
	for (const { uri, schema } of referenced) {
		const id = isJsonObject(schema) && typeof schema.$id === 'string' ? schema.$id : uri;
		if (id !== undefined) register(index, located, schema, uri ?? id, resolve(id, ROOT) ?? id);
	}
	const state = new Map<Node, 1 | 2>();
	const visit = (at: Located): void => {
		state.set(at.node, 1);
		for (const [next, via] of edges(at, index, located)) {
			const seen = state.get(next.node);
			if (seen === 1) {
				const where = at.document === '' ? via : `${via} (in the referenced schema ${at.document})`;
				throw new SchemaError(
					at.document === '' ? via : '',
					`${where === via ? '' : `${where}: `}refers back to itself without reaching into the data (a $ref cycle): no value could ever be checked against it`,
					'Break the cycle: a schema may refer to itself only inside properties, items or another keyword that looks into the value.',
				);
			}
			if (seen === undefined) visit(next);
		}
		state.set(at.node, 2);
	};
	for (const at of located.values()) if (!state.has(at.node)) visit(at);
}

function* edges(
	at: Located,
	index: Map<string, Located>,
	located: Map<Node, Located>,
): Generator<[Located, string]> {
	const { node, pointer } = at;
	const child = (value: unknown): Located | undefined =>
		isJsonObject(value) ? located.get(value) : undefined;
	for (const keyword of IN_PLACE_LISTS) {
		const list = node[keyword];
		if (!Array.isArray(list)) continue;
		for (let i = 0; i < list.length; i++) {
			const next = child(list[i]);
			if (next) yield [next, next.pointer];
		}
	}
	for (const keyword of IN_PLACE_SCHEMAS) {
		const next = child(node[keyword]);
		if (next) yield [next, next.pointer];
	}
	for (const keyword of REFS) {
		const ref = node[keyword];
		if (typeof ref !== 'string') continue;
		const target = lookUp(index, ref, at.base);
		if (target) yield [target, `${pointer}/${keyword}`];
	}
}

/** Objects by `<resource URI>#<pointer within it>` (and anchors), walking $id changes. */
function register(
	index: Map<string, Located>,
	located: Map<Node, Located>,
	document: unknown,
	name: string,
	rootBase: string,
): void {
	const stack: [unknown, string, string, string][] = [[document, '', rootBase, '']];
	let visited = 0;
	while (stack.length > 0 && visited++ < 200_000) {
		const [value, pointer, inheritedBase, relative] = stack.pop()!;
		if (Array.isArray(value)) {
			value.forEach((item, i) =>
				stack.push([item, `${pointer}/${i}`, inheritedBase, `${relative}/${i}`]),
			);
			continue;
		}
		if (!isJsonObject(value)) continue;
		let base = inheritedBase;
		let rel = relative;
		const id = value.$id ?? value.id;
		if (typeof id === 'string' && !id.startsWith('#')) {
			const next = resolve(id, inheritedBase);
			if (next !== undefined) {
				base = next.replace(/#.*$/, '');
				rel = '';
			}
		}
		const here: Located = { node: value, pointer, base, document: name };
		located.set(value, here);
		index.set(`${base}#${rel}`, here);
		// Also reachable by the enclosing resource's pointer.
		index.set(`${inheritedBase}#${relative}`, here);
		for (const anchorKey of ['$anchor', '$dynamicAnchor']) {
			const anchor = value[anchorKey];
			if (typeof anchor === 'string') index.set(`${base}#${anchor}`, here);
		}
		if (typeof id === 'string' && id.startsWith('#')) index.set(`${base}${id}`, here);
		for (const [k, child] of Object.entries(value)) {
			if (SKIP.has(k)) continue;
			stack.push([child, `${pointer}/${escapePointer(k)}`, base, `${rel}/${escapePointer(k)}`]);
		}
	}
}

function lookUp(index: Map<string, Located>, ref: string, base: string): Located | undefined {
	const absolute = resolve(ref, base);
	if (absolute === undefined) return undefined;
	const hash = absolute.indexOf('#');
	const resource = hash === -1 ? absolute : absolute.slice(0, hash);
	let fragment = hash === -1 ? '' : absolute.slice(hash + 1);
	try {
		fragment = decodeURIComponent(fragment);
	} catch {
		return undefined;
	}
	return index.get(`${resource}#${fragment}`);
}

function resolve(ref: string, base: string): string | undefined {
	try {
		return new URL(ref, base).href;
	} catch {
		return undefined;
	}
}
