import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type {
	AlertKind,
	BudgetConfig,
	BudgetCounter,
	BudgetPeriod,
	BudgetWindow,
	CounterIncrement,
	PriceBook,
	PriceEntry,
	Store,
} from '../shared';
import {
	asBudgetConfig,
	budgetKeys,
	budgetNameProblem,
	createRedactor,
	forecastNanos,
	formatNanos,
	isTimeZone,
	itemError,
	MoneyError,
	nanosToNumber,
	percentOf,
	priceBook,
	reachedThresholds,
	resolveScope,
	storeForNode,
	windowAt,
	windowTtlMs,
} from '../shared';
import { COST_GUARD_STORES } from './description';

/**
 * The package's one redactor (default fields): everything Cost Guard stores or writes
 * into an output from item data (cached responses, messages quoting a value) passes it.
 */
export const redactor = createRedactor();

/** An item error whose message may quote the item's data, with secrets in it replaced. */
export function redactedItemError(
	context: IExecuteFunctions,
	index: number,
	message: string,
	description: string,
): NodeOperationError {
	return itemError(context, index, redactor.redactText(message), description);
}

/** Everything an operation needs to find its budget in the store. */
export interface BudgetHandle {
	store: Store;
	namespace: string;
	name: string;
}

export function readBudgetName(context: IExecuteFunctions): string {
	const name = String(context.getNodeParameter('budgetName', 0, '')).trim();
	const problem = budgetNameProblem(name);
	if (problem !== null) {
		throw new NodeOperationError(context.getNode(), `Budget Name ${problem}`, {
			description:
				'Name the budget, e.g. "llm-enrichment", the same on its Check Budget, Record Usage, Report and Cache nodes.',
		});
	}
	return name;
}

/** Opens the store the user chose and names the budget's place in it. */
export async function openBudget(context: IExecuteFunctions, name: string): Promise<BudgetHandle> {
	return {
		store: await storeForNode(context, [...COST_GUARD_STORES]),
		namespace: resolveScope(context, 'cost'),
		name,
	};
}

/** Whether a parameter is an expression (then evaluated per item) or one value for all items. */
export function isExpression(context: IExecuteFunctions, name: string): boolean {
	const raw = context.getNodeParameter(name, 0, '', { rawExpressions: true });
	return typeof raw === 'string' && raw.startsWith('=');
}

export function option<Value>(context: IExecuteFunctions, name: string, fallback: Value): Value {
	return context.getNodeParameter(`options.${name}`, 0, fallback) as Value;
}

/** The stored config of a budget (written by Check Budget), with the store's clock. */
export async function readBudgetConfig(
	handle: BudgetHandle,
): Promise<{ config: BudgetConfig | null; now: number }> {
	const key = budgetKeys.config(handle.name);
	const { now, records } = await handle.store.read(handle.namespace, [key]);
	return { config: asBudgetConfig(records.get(key)?.value), now };
}

/**
 * The zone a node counts in: the budget's (saved by Check Budget), else the node's own
 * Time Zone, else the workflow's. Without the node's own, what a Cache Lookup or Record
 * Usage counted before the budget's first check went to the workflow's windows, so a
 * budget in another zone missed it for the hours the two dates differ.
 */
export function zoneFor(context: IExecuteFunctions, config: BudgetConfig | null): string {
	if (config !== null && isTimeZone(config.zone)) return config.zone;
	const own = String(option(context, 'timeZone', '')).trim();
	if (own !== '') {
		if (!isTimeZone(own)) {
			throw new NodeOperationError(context.getNode(), `Unknown time zone "${own}"`, {
				description:
					"Use an IANA zone name such as Europe/Berlin or America/New_York, the same as on the budget's Check Budget node.",
			});
		}
		return own;
	}
	const zone = context.getTimezone();
	return isTimeZone(zone) ? zone : 'UTC';
}

export function counterIncrement(
	handle: BudgetHandle,
	counter: BudgetCounter,
	window: BudgetWindow,
	by: number,
	now: number,
): CounterIncrement {
	return {
		key: budgetKeys.counter(handle.name, counter, window),
		by,
		ttlMs: windowTtlMs(window, now),
	};
}

/** The prices this node uses: the built-in table, the node's overrides, and the fallback if chosen. */
export function readPriceBook(context: IExecuteFunctions): PriceBook {
	const rows = (context.getNodeParameter('priceOverrides.models', 0, []) as IDataObject[]) ?? [];
	const overrides: Record<string, PriceEntry> = {};
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
		return priceBook(overrides, fallback);
	} catch (error) {
		throw new NodeOperationError(context.getNode(), (error as Error).message, {
			description:
				'Write prices per million tokens as decimals, e.g. 2.50, in Price Overrides and Fallback Price.',
		});
	}
}

function priceEntryOf(row: IDataObject): PriceEntry {
	const text = (value: unknown) => (value === undefined || value === null ? '' : String(value));
	return {
		input: text(row.input),
		output: text(row.output),
		cachedInput: text(row.cachedInput),
		cacheWrite: text(row.cacheWrite),
	};
}

export function moneyProblem(error: unknown): string {
	return error instanceof MoneyError ? error.message : String(error);
}

/** A period's spend as the alert logic sees it. */
export interface SpendStanding {
	window: BudgetWindow;
	spentNanos: number;
	limitNanos: number;
}

export interface AlertCandidate {
	kind: AlertKind;
	threshold: number;
	standing: SpendStanding;
	forecastNanos: number | null;
}

/** Every (kind, period, threshold) a budget's spend has reached now. */
export function alertCandidates(
	config: BudgetConfig,
	standings: SpendStanding[],
	now: number,
): AlertCandidate[] {
	const candidates: AlertCandidate[] = [];
	for (const standing of standings) {
		const forecast = forecastNanos(standing.spentNanos, standing.window, now);
		for (const threshold of reachedThresholds(
			standing.spentNanos,
			standing.limitNanos,
			config.thresholds.actual,
		)) {
			candidates.push({ kind: 'actual', threshold, standing, forecastNanos: forecast });
		}
		if (forecast !== null) {
			for (const threshold of reachedThresholds(
				forecast,
				standing.limitNanos,
				config.thresholds.forecast,
			)) {
				candidates.push({ kind: 'forecast', threshold, standing, forecastNanos: forecast });
			}
		}
	}
	return candidates;
}

/** One counter per alert, per window: whoever increments it to 1 sends the alert, on every backend, once. */
export function alertClaim(
	handle: BudgetHandle,
	candidate: AlertCandidate,
	now: number,
): CounterIncrement {
	return {
		key: budgetKeys.alert(
			handle.name,
			candidate.kind,
			candidate.standing.window,
			candidate.threshold,
		),
		by: 1,
		ttlMs: windowTtlMs(candidate.standing.window, now),
	};
}

const PERIOD_WORDS: Record<BudgetPeriod, string> = {
	hour: 'hourly',
	day: 'daily',
	month: 'monthly',
};

export function alertItem(
	handle: BudgetHandle,
	config: BudgetConfig,
	candidate: AlertCandidate,
	now: number,
	pairedWith: number,
): INodeExecutionData {
	const { standing } = candidate;
	const amount = candidate.kind === 'actual' ? standing.spentNanos : (candidate.forecastNanos ?? 0);
	const verb = candidate.kind === 'actual' ? 'has spent' : 'is forecast to spend';
	return {
		json: {
			budget: handle.name,
			alert: candidate.kind,
			period: standing.window.period,
			window: standing.window.id,
			windowStart: new Date(standing.window.start).toISOString(),
			windowEnd: new Date(standing.window.end).toISOString(),
			thresholdPercent: candidate.threshold,
			percent: percentOf(amount, standing.limitNanos),
			spent: nanosToNumber(standing.spentNanos),
			spentExact: formatNanos(standing.spentNanos),
			forecast: candidate.forecastNanos === null ? null : nanosToNumber(candidate.forecastNanos),
			limit: nanosToNumber(standing.limitNanos),
			currency: config.currency,
			message: `Budget "${handle.name}" ${verb} ${formatNanos(amount)} ${config.currency} of its ${PERIOD_WORDS[standing.window.period]} limit ${formatNanos(standing.limitNanos)} ${config.currency} (${candidate.threshold}% threshold, window ${standing.window.id})`,
			at: new Date(now).toISOString(),
		},
		pairedItem: { item: pairedWith },
	};
}

/** The windows holding `now` for each period the config limits with money. */
export function moneyWindows(
	config: BudgetConfig,
	now: number,
): Array<{ window: BudgetWindow; limitNanos: number }> {
	const windows: Array<{ window: BudgetWindow; limitNanos: number }> = [];
	for (const period of ['hour', 'day', 'month'] as BudgetPeriod[]) {
		const limit = config.limits[period]?.moneyNanos;
		if (limit !== null && limit !== undefined)
			windows.push({ window: windowAt(period, now, config.zone), limitNanos: limit });
	}
	return windows;
}
