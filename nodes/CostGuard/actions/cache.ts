import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { configError, cost, paths, type OperationContext } from '../../shared';
import { failItemTo, redactedItemError } from './budget';

/*
 * What Cache Lookup and Cache Store share: the field they mark items with, the key
 * fields, and the cache key of an item.
 */

/** The field Cache Lookup and Cache Store write on each item (key, hit, stored). */
export const CACHE_FIELD = 'costGuardCache';

export function keyFields(context: IExecuteFunctions): string[] {
	const fields = paths.parseFieldList(String(context.getNodeParameter('keyFields', 0, '')));
	if (fields.length === 0) {
		throw configError(
			context,
			'Key Fields',
			'is empty',
			'Name the fields whose values decide whether two items may share a response, e.g. text, language.',
		);
	}
	return fields;
}

/**
 * The cache key of an item from its key fields, or null when it has none: the item then
 * left as an error on `output` (or the error output).
 */
export function cacheKeyOrFail<Output extends string>(
	op: OperationContext<Output>,
	output: Output,
	source: INodeExecutionData,
	index: number,
	fields: string[],
	ignoreCase: boolean,
): string | null {
	try {
		return cost.cacheKeyOf(source.json, fields, { ignoreCase });
	} catch (error) {
		failItemTo(
			op,
			output,
			source,
			index,
			redactedItemError(
				op.context,
				index,
				`Item ${index}: ${(error as Error).message}`,
				'Key on simpler fields.',
			),
		);
		return null;
	}
}

/** The item with the cache field set to `info`. */
export function withCacheInfo(json: IDataObject, info: IDataObject): IDataObject {
	return { ...json, [CACHE_FIELD]: info };
}
