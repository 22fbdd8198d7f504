import type { IExecuteFunctions, NodeOperationError } from 'n8n-workflow';

import { describeValue } from '../core/errors/settings';
import { configError, operationError, readOnceOrPerItem } from './parameters';

/**
 * Names of shared state read per item: a limiter, quota, breaker or budget name that is
 * an expression (`{{ $json.tenant }}`) may differ per item. Items are grouped by their
 * name, so a node makes one store round trip per group, not per item; a plain name is
 * read once and makes one group. A name that is not text (an object would otherwise
 * become a state called "[object Object]"), empty or too long fails its item, naming it;
 * more distinct names than `maxKeys` in one execution fail the node before any item is
 * routed, since each name is state kept in the store.
 */

export interface ItemKeyOptions {
	/** The parameter's label, as the panel shows it: "Limiter Name". */
	label: string;
	/** A good name, for the error's advice: "hubspot". */
	example: string;
	/** Distinct names allowed in one execution (default 100). */
	maxKeys?: number;
	/** Longest name (default 200 characters). */
	maxLength?: number;
}

export interface ItemKeyGroups {
	/** Item indexes by name, names in the order their first item came. */
	groups: Map<string, number[]>;
	/** Items whose name could not be read or is not a usable name, each with its error. */
	failed: Array<{ index: number; error: NodeOperationError }>;
}

export const DEFAULT_MAX_KEYS = 100;

/** The name of one item: text (a finite number as its digits) trimmed, or why it is not one. */
export function itemKeyOf(value: unknown, maxLength: number): string | { problem: string } {
	let text: string;
	if (typeof value === 'string') text = value.trim();
	else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
	else if (typeof value === 'number')
		return { problem: `is not text but the number ${String(value)}` };
	else return { problem: `is not text but ${describeValue(value)}` };
	if (text === '') return { problem: 'is empty' };
	if (text.length > maxLength) return { problem: `is longer than ${maxLength} characters` };
	return text;
}

/**
 * Groups `itemCount` items by the name `parameter` gives each (read once unless it is an
 * expression). Throws a configuration error when the items name more than `maxKeys`
 * distinct states.
 */
export function groupItemsByKey(
	context: IExecuteFunctions,
	parameter: string,
	itemCount: number,
	options: ItemKeyOptions,
): ItemKeyGroups {
	const { label, example, maxKeys = DEFAULT_MAX_KEYS, maxLength = 200 } = options;
	const groups = new Map<string, number[]>();
	const failed: ItemKeyGroups['failed'] = [];
	if (itemCount <= 0) return { groups, failed };
	let read: (index: number) => unknown;
	try {
		read = readOnceOrPerItem(context, parameter, (index) =>
			context.getNodeParameter(parameter, index, ''),
		);
	} catch (error) {
		// A plain value that cannot be read is nobody's item: the node's configuration.
		throw configError(
			context,
			label,
			`could not be read: ${(error as Error).message}`,
			`Set ${label}.`,
		);
	}
	for (let index = 0; index < itemCount; index++) {
		let key: ReturnType<typeof itemKeyOf>;
		try {
			key = itemKeyOf(read(index), maxLength);
		} catch (error) {
			key = { problem: `could not be evaluated: ${(error as Error).message}` };
		}
		if (typeof key !== 'string') {
			failed.push({
				index,
				error: operationError(context, `${label} of item ${index} ${key.problem}`, {
					itemIndex: index,
					description: `Make ${label} give a name for every item, e.g. "${example}" or {{ $json.account }} when that field holds text.`,
				}),
			});
			continue;
		}
		const members = groups.get(key);
		if (members) {
			members.push(index);
			continue;
		}
		if (groups.size >= maxKeys)
			throw configError(
				context,
				label,
				`gives more than ${maxKeys} different names in one execution (item ${index} brings one more)`,
				`Each name is state kept in the store: group the items by fewer names, or split the batch. At most ${maxKeys} names per execution.`,
			);
		groups.set(key, [index]);
	}
	return { groups, failed };
}
