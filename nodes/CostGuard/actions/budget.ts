import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeOperationError,
} from 'n8n-workflow';

import {
	configError,
	cost,
	deadletter,
	failItem,
	hash,
	itemError,
	type OperationContext,
	operationError,
	optionsOf,
	resolveScope,
	type stores,
} from '../../shared';

/** The backends Cost Guard offers in its Store parameter. */
export const COST_GUARD_STORES = ['embedded', 'redis', 'postgres'] as const;

/**
 * The package's one redactor (default fields): everything Cost Guard stores or writes
 * into an output from item data (cached responses, messages quoting a value) passes it.
 */
export const redactor = deadletter.createRedactor();

/** An item error whose message may quote the item's data, with secrets in it replaced. */
export function redactedItemError(
	context: IExecuteFunctions,
	index: number,
	message: string,
	description: string,
): NodeOperationError {
	return itemError(context, index, redactor.redactText(message), description);
}

/**
 * An item that cannot be decided leaves as an error on the named output (the error
 * output under On Error: Continue (using error output)), or fails the node.
 */
export function failItemTo<Output extends string>(
	op: OperationContext<Output>,
	output: Output,
	source: INodeExecutionData,
	index: number,
	error: NodeOperationError,
): void {
	failItem(op.context, op.outputs.buckets, source, index, error, op.outputs.index(output));
}

/** Everything an operation needs to find its budget in the store. */
export interface BudgetHandle {
	store: stores.Store;
	namespace: string;
	name: string;
}

export function readBudgetName(context: IExecuteFunctions): string {
	const name = String(context.getNodeParameter('budgetName', 0, '')).trim();
	const problem = cost.budgetNameProblem(name);
	if (problem !== null) {
		throw configError(
			context,
			'Budget Name',
			problem,
			'Name the budget, e.g. "llm-enrichment", the same on its Check Budget, Record Usage, Report and Cache nodes.',
		);
	}
	return name;
}

/** Opens the store the user chose and names the budget's place in it. */
export async function openBudget<Output extends string>(
	op: OperationContext<Output>,
	name: string,
): Promise<BudgetHandle> {
	return {
		store: await op.store(),
		namespace: resolveScope(op.context, 'cost'),
		name,
	};
}

/** An option of the operation's Options collection. */
export function option<Value>(context: IExecuteFunctions, name: string, fallback: Value): Value {
	return optionsOf(context)(name, fallback) as Value;
}

/** The stored config of a budget (written by Check Budget), with the store's clock. */
export async function readBudgetConfig(
	handle: BudgetHandle,
): Promise<{ config: cost.BudgetConfig | null; now: number }> {
	const key = cost.budgetKeys.config(handle.name);
	const { now, records } = await handle.store.read(handle.namespace, [key]);
	return { config: cost.asBudgetConfig(records.get(key)?.value), now };
}

/**
 * The zone a node counts in: the budget's (saved by Check Budget), else the node's own
 * Time Zone, else the workflow's. Without the node's own, what a Cache Lookup or Record
 * Usage counted before the budget's first check went to the workflow's windows, so a
 * budget in another zone missed it for the hours the two dates differ.
 */
export function zoneFor(context: IExecuteFunctions, config: cost.BudgetConfig | null): string {
	if (config !== null && cost.isTimeZone(config.zone)) return config.zone;
	const own = String(option(context, 'timeZone', '')).trim();
	if (own !== '') {
		if (!cost.isTimeZone(own))
			throw unknownTimeZone(context, own, " as on the budget's Check Budget node");
		return own;
	}
	const zone = context.getTimezone();
	return cost.isTimeZone(zone) ? zone : 'UTC';
}

/** Options → Time Zone names no zone: a configuration error, quoting the zone. */
export function unknownTimeZone(
	context: IExecuteFunctions,
	zone: string,
	same = '',
): NodeOperationError {
	return operationError(context, `Unknown time zone "${zone}"`, {
		description: `Use an IANA zone name such as Europe/Berlin or America/New_York${same ? `, the same${same}` : ''}.`,
	});
}

export function counterIncrement(
	handle: BudgetHandle,
	counter: cost.BudgetCounter,
	window: cost.BudgetWindow,
	by: number,
	now: number,
): stores.CounterIncrement {
	return {
		key: cost.budgetKeys.counter(handle.name, counter, window),
		by,
		ttlMs: cost.windowTtlMs(window, now),
	};
}

/** The last price lists read, by a digest of their text: a list is parsed once, not on every execution. */
const priceLists = new Map<string, cost.PriceList>();

/** Price books compiled with a price list (thousands of entries), by the list's digest and the node's own prices. */
const booksWithList = new Map<string, cost.PriceBook>();

/** Price List (JSON), read once per execution; a bad list fails the node, naming the model and field. */
function readPriceList(
	context: IExecuteFunctions,
): { list: cost.PriceList; digest: string } | null {
	const value: unknown = context.getNodeParameter('priceList', 0, '');
	if (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''))
		return null;
	// Kept by a digest of its text, not the text (a list may be megabytes).
	const digest = hash.stableHash(typeof value === 'string' ? value : JSON.stringify(value));
	const cached = priceLists.get(digest);
	if (cached) return { list: cached, digest };
	let list: cost.PriceList;
	try {
		list = cost.parsePriceList(value);
	} catch (error) {
		throw configError(
			context,
			'Price List (JSON)',
			`cannot be used: ${(error as Error).message}`,
			"Give a JSON object in LiteLLM's model_prices_and_context_window.json format, prices per token as numbers of at least 0, or leave it empty.",
		);
	}
	if (priceLists.size >= 4) priceLists.delete(priceLists.keys().next().value!);
	priceLists.set(digest, list);
	return { list, digest };
}

/** The prices this node uses: the built-in table, a price list, the node's overrides, and the fallback if chosen. */
export function readPriceBook(context: IExecuteFunctions): cost.PriceBook {
	const list = readPriceList(context);
	const rows = (context.getNodeParameter('priceOverrides.models', 0, []) as IDataObject[]) ?? [];
	const overrides: Record<string, cost.PriceEntry> = {};
	for (const row of rows) {
		const model = String(row.model ?? '').trim();
		if (model === '') continue;
		overrides[model] = priceEntryOf(row);
	}
	const fallback =
		context.getNodeParameter('unknownModel', 0, 'error') === 'fallback'
			? priceEntryOf(context.getNodeParameter('fallbackPrice', 0, {}) as IDataObject)
			: null;
	try {
		if (list === null) return cost.priceBook(overrides, fallback);
		const key = `${list.digest}:${hash.stableHash({ overrides, fallback })}`;
		let book = booksWithList.get(key);
		if (book === undefined) {
			book = cost.priceBook(overrides, fallback, true, list.list.prices);
			if (booksWithList.size >= 4) booksWithList.delete(booksWithList.keys().next().value!);
			booksWithList.set(key, book);
		}
		return book;
	} catch (error) {
		throw operationError(context, (error as Error).message, {
			description:
				'Write prices per million tokens as decimals, e.g. 2.50, in Price Overrides and Fallback Price.',
		});
	}
}

function priceEntryOf(row: IDataObject): cost.PriceEntry {
	const text = (value: unknown) => (value === undefined || value === null ? '' : String(value));
	return {
		input: text(row.input),
		output: text(row.output),
		cachedInput: text(row.cachedInput),
		cacheWrite: text(row.cacheWrite),
		cacheWrite1h: text(row.cacheWrite1h),
	};
}

export function moneyProblem(error: unknown): string {
	return error instanceof cost.MoneyError ? error.message : String(error);
}
