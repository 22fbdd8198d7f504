import { NAME_MAPS } from './pointers';
import { SchemaError } from './types';
import { describeValue, isJsonObject } from './values';

/**
 * Which JSON Schema dialect a document is written in: `$schema` decides; without it the
 * keywords tell (draft-07's `definitions`, array-form `items`, `dependencies`; 2020-12's
 * `$defs`, `prefixItems`, `$dynamicRef`, `unevaluated*`); OpenAPI 3.0 only when chosen.
 */
export type Dialect = 'draft2020-12' | 'draft2019-09' | 'draft-07' | 'openapi3.0';
export type DialectOption = Dialect | 'auto';

export const DIALECT_OPTIONS: readonly DialectOption[] = [
	'auto',
	'draft2020-12',
	'draft2019-09',
	'draft-07',
	'openapi3.0',
];

export const DIALECT_LABELS: Readonly<Record<Dialect, string>> = {
	'draft2020-12': 'JSON Schema 2020-12',
	'draft2019-09': 'JSON Schema 2019-09',
	'draft-07': 'JSON Schema draft-07',
	'openapi3.0': 'OpenAPI 3.0',
};

/** `$schema` values by dialect. */
const META_SCHEMAS: Readonly<Record<string, Dialect>> = {
	'https://json-schema.org/draft/2020-12/schema': 'draft2020-12',
	'https://json-schema.org/draft/2019-09/schema': 'draft2019-09',
	'http://json-schema.org/draft-07/schema': 'draft-07',
	'https://json-schema.org/draft-07/schema': 'draft-07',
};

export interface DialectChoice {
	dialect: Dialect;
	/** Why, in words for the panel's hint. */
	reason: string;
}

const DRAFT7_SIGNS = ['definitions', 'dependencies', 'additionalItems'];
const MODERN_SIGNS = [
	'$defs',
	'prefixItems',
	'$dynamicRef',
	'$dynamicAnchor',
	'unevaluatedProperties',
	'unevaluatedItems',
	'dependentSchemas',
	'dependentRequired',
];
const OPENAPI_SIGNS = ['nullable', 'discriminator'];

export function metaSchemaDialect(uri: string): Dialect | undefined {
	return META_SCHEMAS[uri.replace(/#$/, '')];
}

export function chooseDialect(document: unknown, option: DialectOption = 'auto'): DialectChoice {
	if (option !== 'auto') return { dialect: option, reason: 'chosen in Options → Dialect' };
	const declared = isJsonObject(document) ? document.$schema : undefined;
	if (declared !== undefined) {
		const dialect = typeof declared === 'string' ? metaSchemaDialect(declared) : undefined;
		if (dialect === undefined) {
			throw new SchemaError(
				'/$schema',
				`Schema Guard reads JSON Schema 2020-12, 2019-09 and draft-07 (and OpenAPI 3.0), not ${typeof declared === 'string' ? `"${declared}"` : describeValue(declared)}`,
				'Use "https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/draft/2019-09/schema" or "http://json-schema.org/draft-07/schema#", remove $schema, or choose the dialect in Options → Dialect.',
			);
		}
		return { dialect, reason: `the schema's $schema is ${declared}` };
	}
	const found = keywordsIn(document);
	const modern = MODERN_SIGNS.find((keyword) => found.has(keyword));
	const old =
		DRAFT7_SIGNS.find((keyword) => found.has(keyword)) ??
		(found.has('items[]') ? 'items as an array' : undefined);
	if (old !== undefined && modern === undefined)
		return { dialect: 'draft-07', reason: `the schema has no $schema and uses ${old}` };
	if (modern === undefined) {
		const openapi = OPENAPI_SIGNS.find((keyword) => found.has(keyword));
		if (openapi !== undefined)
			return { dialect: 'openapi3.0', reason: `the schema has no $schema and uses ${openapi}` };
	}
	return {
		dialect: 'draft2020-12',
		reason:
			modern === undefined
				? 'the schema has no $schema (the default)'
				: `the schema has no $schema and uses ${modern}`,
	};
}

/** Keywords used anywhere in the document (`items[]` for array-form items), bounded. */
function keywordsIn(document: unknown): Set<string> {
	const found = new Set<string>();
	const stack: unknown[] = [document];
	let visited = 0;
	while (stack.length > 0 && visited++ < 100_000) {
		const node = stack.pop();
		if (Array.isArray(node)) {
			for (const child of node) stack.push(child);
			continue;
		}
		if (!isJsonObject(node)) continue;
		for (const [key, value] of Object.entries(node)) {
			// Values of enum, const and examples are data, not schemas.
			if (key === 'enum' || key === 'const' || key === 'examples' || key === 'example') continue;
			found.add(key);
			if (key === 'items' && Array.isArray(value)) found.add('items[]');
			if (key === 'nullable' && value !== true) found.delete('nullable');
			if (NAME_MAPS.has(key) && isJsonObject(value)) {
				// Property and definition names are not keywords.
				for (const child of Object.values(value)) stack.push(child);
				continue;
			}
			stack.push(value);
		}
	}
	return found;
}
