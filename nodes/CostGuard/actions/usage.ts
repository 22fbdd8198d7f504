import type { IDataObject } from 'n8n-workflow';

import {
	cost,
	hint,
	isExpression,
	json,
	optionsOf,
	readOnceOrPerItem,
	type OperationContext,
} from '../../shared';
import { failItemTo, moneyProblem, readPriceBook, redactedItemError } from './budget';
import type { OutputOf } from './outputs';

/*
 * Record Usage's pricing: the usage in each response at its model's price, and the Check
 * Budget stamp that says which reservation the item releases.
 */

type Op = OperationContext<OutputOf<'recordUsage'>>;

/** The Check Budget reservation an item releases: nanos per period and window id. */
export interface Release {
	reservation: string;
	nanos: number;
	windows: Array<{ period: string; window: string }>;
}

/** An item whose cost is known, on its way to the store. */
export interface Priced {
	index: number;
	nanos: number;
	usage: cost.TokenUsage;
	model: string;
	price: cost.ModelPrice;
	/** The rates that applied (standard or long context) and whether the batch price did. */
	tier: cost.PricedUsage['tier'];
	batch: boolean;
	release: Release | null;
	/** Record Usage from AI model node runs: the calls this record shares the cost of. */
	calls?: IDataObject;
}

/** The Check Budget stamp of an item for this budget, or null. */
function readStamp(value: unknown, budget: string): Release | null {
	if (!json.isPlainObject(value) || value.budget !== budget || value.route !== 'within')
		return null;
	const nanos = value.estimateNanos;
	const reservation = value.reservation;
	if (
		typeof nanos !== 'number' ||
		!Number.isSafeInteger(nanos) ||
		nanos <= 0 ||
		!Array.isArray(value.reserved)
	)
		return null;
	if (typeof reservation !== 'string' || !/^[0-9a-f-]{36}$/.test(reservation)) return null;
	const windows = value.reserved.filter(
		(entry): entry is { period: string; window: string } =>
			json.isPlainObject(entry) &&
			typeof entry.period === 'string' &&
			typeof entry.window === 'string',
	);
	return { reservation, nanos, windows };
}

/** Prices each item's usage; an item that cannot be priced leaves as an error. */
export function priceItems(op: Op, name: string): Priced[] {
	const { context, items } = op;
	const format = context.getNodeParameter('usageFormat', 0, 'auto') as cost.UsageFormat;
	const fields =
		format === 'fields'
			? {
					inputTokens: String(context.getNodeParameter('inputCountField', 0, '')),
					outputTokens: String(context.getNodeParameter('outputCountField', 0, '')),
				}
			: undefined;
	// An expression names each item's model (empty: none); a plain value names it for all,
	// empty: the model the response names.
	const modelPerItem = isExpression(context, 'model');
	const modelOf = readOnceOrPerItem(context, 'model', (index) =>
		String(context.getNodeParameter('model', index, '')).trim(),
	);
	const book = readPriceBook(context);
	const batch = optionsOf(context)('batch', false) === true;
	const priced: Priced[] = [];
	const fail = (index: number, message: string, description: string) =>
		// Not on Recorded: its cost was not counted. Alert is the refusal output (error output under Continue).
		failItemTo(
			op,
			'Alert',
			items[index],
			index,
			redactedItemError(context, index, message, description),
		);
	items.forEach((source, index) => {
		const parsed = cost.parseUsage(source.json, format, '', fields);
		if (!parsed.ok) {
			fail(
				index,
				`Item ${index}: ${parsed.problem}`,
				'Connect Record Usage after the model call, and choose the Usage Format of its response (or Fields, naming them).',
			);
			return;
		}
		const model = modelPerItem ? modelOf(index) : modelOf(index) || (parsed.model ?? '');
		if (model === '') {
			fail(
				index,
				`Item ${index}: the response names no model`,
				'Set the Model parameter to the model you called.',
			);
			return;
		}
		const price = book.priceOf(model);
		if (price === null) {
			fail(
				index,
				`Item ${index}: no price for model "${model}"`,
				'Add the model under Price Overrides, or choose Use a Fallback Price under Unknown Model.',
			);
			return;
		}
		let pricedUsage: cost.PricedUsage;
		try {
			pricedUsage = cost.priceUsage(parsed.usage, price, { batch });
		} catch (error) {
			fail(
				index,
				`Item ${index}: ${moneyProblem(error)}`,
				'The usage is too large to be a single response.',
			);
			return;
		}
		priced.push({
			index,
			nanos: pricedUsage.nanos,
			usage: parsed.usage,
			model,
			price,
			tier: pricedUsage.tier,
			batch: pricedUsage.batch,
			release: null,
		});
	});
	const releases = readReleases(
		op,
		name,
		priced.map((item) => item.index),
	);
	priced.forEach((item, position) => (item.release = releases[position]));
	return priced;
}

/**
 * The Check Budget reservation each of these items releases: from its stamp, on the item
 * or where Options → Check Stamp points (an expression read per item).
 */
export function readReleases(op: Op, name: string, indices: number[]): Array<Release | null> {
	const { context, items } = op;
	const stampPerItem = isExpression(context, 'options.checkStamp');
	const stampProblems: string[] = [];
	const releases = indices.map((index) => {
		let stamp: unknown = items[index].json.costGuard;
		if (stampPerItem) {
			try {
				stamp = context.getNodeParameter('options.checkStamp', index, null);
			} catch (error) {
				stampProblems.push(error instanceof Error ? error.message : String(error));
				stamp = null;
			}
		}
		return readStamp(stamp, name);
	});
	if (stampProblems.length > 0) {
		op.hints.push(
			hint(
				`Check Stamp could not be read for ${stampProblems.length} item(s): ${stampProblems[0]}`,
				'warning',
			),
		);
	}
	return releases;
}
