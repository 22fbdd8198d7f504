import { isJsonObject } from './values';

/** Finding places in a schema document, for errors that name a JSON pointer. */

/** Keywords whose value is data, not a schema. */
export const DATA_KEYWORDS = new Set(['enum', 'const', 'examples', 'example', 'default']);
/** Keywords whose value maps names to schemas: the map itself is not a schema. */
export const NAME_MAPS = new Set([
	'properties',
	'patternProperties',
	'$defs',
	'definitions',
	'dependentSchemas',
	'dependencies',
]);

/** Every object in the document with its pointer, depth first, data keywords skipped. */
export function* schemaObjects(
	document: unknown,
	limit = 200_000,
): Generator<[Record<string, unknown>, string]> {
	const stack: [unknown, string][] = [[document, '']];
	let visited = 0;
	while (stack.length > 0 && visited++ < limit) {
		const [node, pointer] = stack.pop()!;
		if (Array.isArray(node)) {
			for (let index = node.length - 1; index >= 0; index--)
				stack.push([node[index], `${pointer}/${index}`]);
			continue;
		}
		if (!isJsonObject(node)) continue;
		yield [node, pointer];
		const keys = Object.keys(node);
		for (let index = keys.length - 1; index >= 0; index--) {
			const key = keys[index];
			if (DATA_KEYWORDS.has(key)) continue;
			stack.push([node[key], `${pointer}/${escapePointer(key)}`]);
		}
	}
}

/** The pointer of a `pattern` (or `patternProperties` key) with this source. */
export function findKeyword(
	document: unknown,
	keyword: string,
	source: string,
): string | undefined {
	for (const [node, pointer] of schemaObjects(document)) {
		if (node[keyword] === source) return `${pointer}/${keyword}`;
		const patterns = node.patternProperties;
		if (keyword === 'pattern' && isJsonObject(patterns) && Object.hasOwn(patterns, source))
			return `${pointer}/patternProperties/${escapePointer(source)}`;
	}
	return undefined;
}

/** The pointer of the `$ref` (or `$dynamicRef`, `$recursiveRef`) that names this URI. */
export function findRef(document: unknown, uri: string): string | undefined {
	const bare = uri.replace(/#$/, '');
	let suffix: string | undefined;
	for (const [node, pointer] of schemaObjects(document)) {
		for (const keyword of ['$ref', '$dynamicRef', '$recursiveRef']) {
			const ref = node[keyword];
			if (typeof ref !== 'string') continue;
			const plain = ref.replace(/#$/, '');
			if (plain === bare) return `${pointer}/${keyword}`;
			if (suffix === undefined && plain !== '' && (bare.endsWith(plain) || plain.endsWith(bare)))
				suffix = `${pointer}/${keyword}`;
		}
	}
	return suffix;
}

export function escapePointer(segment: string): string {
	return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The pointer of the first place the keyword is used. */
export function findPresent(document: unknown, keyword: string): string | undefined {
	for (const [node, pointer] of schemaObjects(document))
		if (Object.hasOwn(node, keyword)) return `${pointer}/${escapePointer(keyword)}`;
	return undefined;
}

export function valueAtPointer(document: unknown, pointer: string): unknown {
	let current = document;
	if (pointer === '') return current;
	for (const raw of pointer.slice(1).split('/')) {
		const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
		if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key))
			return undefined;
		current = (current as Record<string, unknown>)[key];
	}
	return current;
}
