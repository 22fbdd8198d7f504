import type { Context } from './model';
import { own } from './keywords';
import { SchemaError } from './types';
import { isJsonObject } from './values';

/** `$ref` inside one document: resolving a JSON pointer, and the properties a schema declares through its references. */

export function resolveRef(
	context: Context,
	ref: string,
	refPointer: string,
): { pointer: string; schema: unknown } {
	if (!ref.startsWith('#')) {
		throw new SchemaError(
			refPointer,
			`points outside this schema ("${ref}")`,
			'Schema Guard follows references inside the schema only, like "#/$defs/Address". Paste the referenced schema under $defs.',
		);
	}
	let pointer: string;
	try {
		pointer = decodeURIComponent(ref.slice(1));
	} catch {
		throw new SchemaError(refPointer, `is not a valid reference ("${ref}")`);
	}
	if (pointer !== '' && !pointer.startsWith('/')) {
		throw new SchemaError(
			refPointer,
			`uses an anchor ("${ref}"), which Schema Guard does not follow`,
			'Refer by path instead, like "#/$defs/Address".',
		);
	}
	let current: unknown = context.root;
	for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
		const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
		const container = current as Record<string, unknown> | unknown[] | null;
		if (
			container === null ||
			typeof container !== 'object' ||
			!Object.prototype.hasOwnProperty.call(container, segment)
		) {
			throw new SchemaError(
				refPointer,
				`points at ${pointer}, which does not exist in this schema`,
			);
		}
		current = (container as Record<string, unknown>)[segment];
	}
	return { pointer, schema: current };
}

/** Property names declared anywhere in a schema's combined members (through $refs), so none is "new". */
export function declaredProperties(
	context: Context,
	schema: unknown,
	seen: Set<unknown>,
): string[] {
	if (!isJsonObject(schema) || seen.has(schema)) return [];
	seen.add(schema);
	const names: string[] = [];
	const properties = own(schema, 'properties');
	if (isJsonObject(properties)) names.push(...Object.keys(properties));
	const required = own(schema, 'required');
	if (Array.isArray(required))
		names.push(...required.filter((name): name is string => typeof name === 'string'));
	const ref = own(schema, '$ref');
	if (typeof ref === 'string' && ref.startsWith('#')) {
		try {
			names.push(...declaredProperties(context, resolveRef(context, ref, '').schema, seen));
		} catch {
			// Reported with its pointer when the $ref itself is converted.
		}
	}
	for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
		const members = own(schema, keyword);
		if (Array.isArray(members))
			for (const member of members) names.push(...declaredProperties(context, member, seen));
	}
	return names;
}
