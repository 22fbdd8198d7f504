import { FORMAT_WORDS } from './formats';
import { NAME_MAPS, schemaObjects } from './pointers';
import { isJsonObject } from './values';

/**
 * What a schema says that is legal but likely not meant: an unknown keyword (a typo such
 * as "requried" is ignored by the standard), object keywords without "type", a format
 * Schema Guard does not check, a top level that allows no object. Hints, not errors.
 */

const KEYWORDS = new Set([
	// Core and applicators, every dialect.
	'$schema',
	'$id',
	'id',
	'$ref',
	'$defs',
	'definitions',
	'$anchor',
	'$dynamicRef',
	'$dynamicAnchor',
	'$recursiveRef',
	'$recursiveAnchor',
	'$vocabulary',
	'$comment',
	'allOf',
	'anyOf',
	'oneOf',
	'not',
	'if',
	'then',
	'else',
	'dependentSchemas',
	'dependencies',
	'prefixItems',
	'items',
	'additionalItems',
	'contains',
	'properties',
	'patternProperties',
	'additionalProperties',
	'propertyNames',
	'unevaluatedItems',
	'unevaluatedProperties',
	// Validation.
	'type',
	'enum',
	'const',
	'multipleOf',
	'maximum',
	'exclusiveMaximum',
	'minimum',
	'exclusiveMinimum',
	'maxLength',
	'minLength',
	'pattern',
	'maxItems',
	'minItems',
	'uniqueItems',
	'maxContains',
	'minContains',
	'maxProperties',
	'minProperties',
	'required',
	'dependentRequired',
	'format',
	// Annotations, content, OpenAPI 3.0.
	'title',
	'description',
	'default',
	'deprecated',
	'readOnly',
	'writeOnly',
	'examples',
	'contentEncoding',
	'contentMediaType',
	'contentSchema',
	'nullable',
	'discriminator',
	'example',
	'externalDocs',
	'xml',
]);

const OBJECT_KEYWORDS = ['properties', 'required', 'additionalProperties'];
const UNCHECKED_FORMATS = new Set([
	'password',
	'binary',
	'float',
	'double',
	'iso-time',
	'iso-date-time',
	'json-pointer-uri-fragment',
]);

export function lintSchema(document: unknown, checkFormats: boolean): string[] {
	const warnings = new Set<string>();
	for (const [node, pointer] of schemaObjects(document)) {
		if (isNameMap(pointer)) continue;
		for (const keyword of Object.keys(node)) {
			if (KEYWORDS.has(keyword) || keyword.startsWith('x-')) continue;
			warnings.add(`Unknown keyword "${keyword}" at ${pointer || '/'} is ignored (a typo?).`);
		}
		if (
			node.type === undefined &&
			OBJECT_KEYWORDS.some((keyword) => node[keyword] !== undefined) &&
			!inPlace(pointer)
		) {
			warnings.add(
				`The schema at ${pointer || '/'} has object keywords but no "type": values that are not objects pass. Add "type": "object".`,
			);
		}
		if (Array.isArray(node.enum) && node.enum.length === 0)
			warnings.add(
				`The schema at ${pointer || '/'} has an empty "enum": no value passes there. List the allowed values.`,
			);
		const format = node.format;
		if (
			checkFormats &&
			typeof format === 'string' &&
			!Object.hasOwn(FORMAT_WORDS, format) &&
			!UNCHECKED_FORMATS.has(format)
		)
			warnings.add(
				`Format "${format}" at ${pointer || '/'} is not checked (unknown to Schema Guard).`,
			);
	}
	if (isJsonObject(document)) {
		const type = document.type;
		const types = typeof type === 'string' ? [type] : Array.isArray(type) ? type : undefined;
		if (types !== undefined && !types.includes('object'))
			warnings.add(
				'The schema does not allow an object at the top, but every n8n item is an object: every item will be invalid.',
			);
	}
	return [...warnings];
}

/** The object of names under properties, $defs…: its keys are names, not keywords. */
function isNameMap(pointer: string): boolean {
	const last = pointer.slice(pointer.lastIndexOf('/') + 1);
	if (!NAME_MAPS.has(last)) return false;
	// `/properties/properties` is a field named "properties": its value is a schema.
	const parent = pointer.slice(0, pointer.lastIndexOf('/'));
	return !isNameMap(parent);
}

/** A branch of allOf/anyOf/oneOf or a $defs entry: "type" may come from where it is used. */
function inPlace(pointer: string): boolean {
	return (
		/\/(allOf|anyOf|oneOf|\$defs|definitions|then|else|if|not)(\/\d+)?(\/[^/]+)?$/.test(pointer) &&
		!/\/properties\/[^/]+$/.test(pointer)
	);
}
