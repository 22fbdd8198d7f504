import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { hash, operationError, transform } from '../../shared';

/** Distinct per-item mappings kept compiled; beyond that the cache starts over. */
const MAX_COMPILED_VARIANTS = 64;

/** Compiles a mapping read once; a malformed one fails the node, naming the parameter it came from. */
export function compileOrFail(
	context: IExecuteFunctions,
	mapping: unknown,
	parameter: string,
	expressionSources: ReadonlySet<number>,
	defaultVersion: transform.MappingVersion,
): transform.CompiledMapping {
	try {
		return transform.compileMapping(mapping, {
			externalFields: expressionSources,
			defaultVersion,
		});
	} catch (error) {
		if (error instanceof transform.MappingError) {
			throw operationError(
				context,
				parameter === 'Fields' ? error.message : `${parameter}: ${error.message}`,
				{ description: error.fix },
			);
		}
		throw new NodeOperationError(context.getNode(), error as Error);
	}
}

/** Compiles per distinct mapping value; a malformed one is remembered too, so it fails fast for every item. */
export function compiledVariants(
	context: IExecuteFunctions,
	expressionSources: ReadonlySet<number>,
	defaultVersion: transform.MappingVersion,
): (mapping: unknown) => transform.CompiledMapping {
	const cache = new Map<string, transform.CompiledMapping | transform.MappingError>();
	return (mapping) => {
		const key = typeof mapping === 'string' ? mapping : hash.stableStringify(mapping);
		let entry = cache.get(key);
		if (entry === undefined) {
			try {
				entry = transform.compileMapping(mapping, {
					externalFields: expressionSources,
					defaultVersion,
				});
			} catch (error) {
				if (!(error instanceof transform.MappingError))
					throw new NodeOperationError(context.getNode(), error as Error);
				entry = error;
			}
			if (cache.size >= MAX_COMPILED_VARIANTS) cache.clear();
			cache.set(key, entry);
		}
		if (entry instanceof transform.MappingError) throw entry;
		return entry;
	};
}
