import type {
	IDataObject,
	IExecuteFunctions,
	IGetNodeParameterOptions,
	INodeExecutionData,
	IPairedItemData,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { describeValue } from '../core/errors/settings';
import { failItem, pairIndex } from './common';
import { configError, isExpression, operationError, readOnceOrPerItem } from './parameters';

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
	/** What the names are, in the cap's error: "different breakers" (default "names"). */
	unit?: string;
	/** A further check of a name, e.g. a store's own rule: why it is not one, or null. */
	problem?: (name: string) => string | null;
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
	const {
		label,
		example,
		maxKeys = DEFAULT_MAX_KEYS,
		maxLength = 200,
		unit = 'names',
		problem,
	} = options;
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
			const extra = typeof key === 'string' && problem ? problem(key) : null;
			if (extra !== null) key = { problem: extra };
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
				`gives more than ${maxKeys} different ${unit} in one execution (item ${index} brings one more)`,
				`Each name is state kept in the store: group the items by fewer names, or split the batch. At most ${maxKeys} names per execution.`,
			);
		groups.set(key, [index]);
	}
	return { groups, failed };
}

export interface PerKeyOptions extends ItemKeyOptions {
	/** How many outputs the operation has. */
	outputCount: number;
	/** The output an item whose name fails leaves on (under On Error: Continue). */
	failedOutput: number;
}

/**
 * Runs an operation once per name: when `parameter` is an expression, the items are
 * grouped by the name each gives and `run` gets a context that sees only the group's
 * items (item indexes are the group's, mapped back to the input's) and reads the
 * group's name from `parameter`, so each group costs the operation's store round trips
 * once. Items whose name fails leave first, each with its error (failItem); the outputs
 * come back in input order, pairing to the input's items. A plain name runs `run` once,
 * on the node's own context.
 */
export async function runPerItemKey(
	context: IExecuteFunctions,
	parameter: string,
	options: PerKeyOptions,
	run: (groupContext: IExecuteFunctions) => Promise<INodeExecutionData[][]>,
): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	if (items.length === 0 || !isExpression(context, parameter)) return await run(context);
	const { groups, failed } = groupItemsByKey(context, parameter, items.length, options);
	const outputs: INodeExecutionData[][] = Array.from({ length: options.outputCount }, () => []);
	for (const { index, error } of failed)
		failItem(context, outputs, items[index], index, error, options.failedOutput);
	for (const [key, indexes] of groups) {
		let buckets: INodeExecutionData[][];
		try {
			buckets = await run(groupContext(context, parameter, key, indexes, items));
		} catch (error) {
			throw withInputIndex(error, indexes);
		}
		buckets.forEach((bucket, output) => {
			outputs[output] ??= [];
			for (const item of bucket) outputs[output].push(toInputIndex(context, item, indexes));
		});
	}
	for (const bucket of outputs) bucket.sort((a, b) => pairIndex(a) - pairIndex(b));
	return outputs;
}

/** The node's context as one group sees it: its items, its name, its item indexes mapped to the input's. */
function groupContext(
	context: IExecuteFunctions,
	parameter: string,
	key: string,
	indexes: number[],
	items: INodeExecutionData[],
): IExecuteFunctions {
	const groupItems = indexes.map((index) => items[index]);
	const input = (itemIndex: number): number => indexes[itemIndex] ?? itemIndex;
	const overrides: Partial<IExecuteFunctions> = {
		getInputData: ((inputIndex = 0, ...rest: unknown[]) =>
			inputIndex === 0
				? groupItems
				: (context.getInputData as (...args: unknown[]) => INodeExecutionData[])(
						inputIndex,
						...rest,
					)) as IExecuteFunctions['getInputData'],
		getNodeParameter: ((
			name: string,
			itemIndex: number,
			fallback?: unknown,
			parameterOptions?: IGetNodeParameterOptions,
		) =>
			name === parameter && !parameterOptions?.rawExpressions
				? key
				: context.getNodeParameter(
						name,
						input(itemIndex),
						fallback as never,
						parameterOptions,
					)) as IExecuteFunctions['getNodeParameter'],
		evaluateExpression: ((expression: string, itemIndex: number) =>
			context.evaluateExpression(
				expression,
				input(itemIndex),
			)) as IExecuteFunctions['evaluateExpression'],
		getWorkflowDataProxy: ((itemIndex: number) =>
			context.getWorkflowDataProxy(input(itemIndex))) as IExecuteFunctions['getWorkflowDataProxy'],
	};
	return withOverrides(context, overrides);
}

/** An output item of a group, pairing (and, when it carries this node's error, naming) the input's item. */
function toInputIndex(
	context: IExecuteFunctions,
	item: INodeExecutionData,
	indexes: number[],
): INodeExecutionData {
	const remap = (paired: IPairedItemData): IPairedItemData => ({
		...paired,
		item: indexes[paired.item] ?? paired.item,
	});
	const paired = item.pairedItem;
	if (Array.isArray(paired)) item.pairedItem = paired.map(remap);
	else if (typeof paired === 'object' && paired !== null) item.pairedItem = remap(paired);
	else if (typeof paired === 'number') item.pairedItem = { item: indexes[paired] ?? paired };
	const details = item.json.details as IDataObject | undefined;
	if (
		item.json.error !== undefined &&
		typeof details === 'object' &&
		details !== null &&
		typeof details.itemIndex === 'number' &&
		details.node === context.getNode().name
	)
		item.json.details = { ...details, itemIndex: indexes[details.itemIndex] ?? details.itemIndex };
	return item;
}

/** A group's error names the input's item, not the group's. */
function withInputIndex(error: unknown, indexes: number[]): unknown {
	if (error instanceof NodeOperationError || error instanceof NodeApiError) {
		const itemIndex = error.context?.itemIndex;
		if (typeof itemIndex === 'number') error.context.itemIndex = indexes[itemIndex] ?? itemIndex;
	}
	return error;
}

/** The node's context with some of its functions replaced; the rest bound to the original. */
export function withOverrides(
	context: IExecuteFunctions,
	overrides: Partial<IExecuteFunctions>,
): IExecuteFunctions {
	return new Proxy(context, {
		get(target, property, receiver) {
			if (Object.prototype.hasOwnProperty.call(overrides, property))
				return overrides[property as keyof IExecuteFunctions];
			const value: unknown = Reflect.get(target, property, receiver);
			return typeof value === 'function'
				? (value as (...args: unknown[]) => unknown).bind(target)
				: value;
		},
	});
}
