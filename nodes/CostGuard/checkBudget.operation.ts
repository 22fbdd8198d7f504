import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeExecutionHint,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type {
	BudgetConfig,
	BudgetPeriod,
	BudgetWindow,
	CounterIncrement,
	PeriodLimit,
	PeriodStanding,
} from '../shared';
import {
	uuidv7,
	BUDGET_CONFIG_TTL_MS,
	budgetConfigJson,
	budgetKeys,
	decideAdmission,
	estimateCallNanos,
	failItem,
	formatNanos,
	isTimeZone,
	limitedPeriods,
	nanosToNumber,
	pairedItem,
	parseMoney,
	parsePercentages,
	promptTokens,
	stableStringify,
	storeFailure,
	updateRecords,
	windowAt,
} from '../shared';
import type { BudgetHandle } from './budget';
import {
	alertCandidates,
	alertClaim,
	alertItem,
	counterIncrement,
	isExpression,
	moneyProblem,
	openBudget,
	option,
	readBudgetName,
	readPriceBook,
	redactedItemError,
} from './budget';

/*
 * Check Budget, per batch (three round trips at most):
 * 1. publish the budget's limits and thresholds (a record written only when they change),
 *    which gives the store's clock;
 * 2. one increment batch reads the recorded spend (+0) and reserves the whole batch's
 *    estimate and item count in every limited window, atomically;
 * 3. decideAdmission (core/cost) lets items through in order against spend + others'
 *    reservations; one more increment batch gives back what did not fit and claims the
 *    alerts now due (a counter per threshold and window: whoever makes it 1 sends it).
 * Reservations are conservative: while another batch's refund is in flight an item may be
 * turned away that would have fitted, never the other way round. Record Usage releases
 * a reservation when it records the real cost (the item's Check stamp says how much).
 */
const WITHIN = 0;
const OVER = 1;
const ALERT = 2;

const LIMIT_PARAMETERS: Array<{
	period: BudgetPeriod;
	money: string;
	items: string;
	label: string;
}> = [
	{ period: 'hour', money: 'hourlyLimit', items: 'hourlyItems', label: 'Hourly' },
	{ period: 'day', money: 'dailyLimit', items: 'dailyItems', label: 'Daily' },
	{ period: 'month', money: 'monthlyLimit', items: 'monthlyItems', label: 'Monthly' },
];

interface CheckSettings {
	config: BudgetConfig;
	outputField: string;
	stop: boolean;
}

/** The budget this node enforces, read once; a malformed limit fails the node, naming the parameter. */
function readSettings(context: IExecuteFunctions): CheckSettings {
	const fail = (message: string, description: string) =>
		new NodeOperationError(context.getNode(), message, { description });
	const limits: Partial<Record<BudgetPeriod, PeriodLimit>> = {};
	for (const { period, money, items, label } of LIMIT_PARAMETERS) {
		const rawMoney = context.getNodeParameter(`limits.${money}`, 0, '') as unknown;
		const rawItems = context.getNodeParameter(`limits.${items}`, 0, 0) as unknown;
		let moneyNanos: number | null = null;
		if (rawMoney !== '' && rawMoney !== null && rawMoney !== undefined) {
			try {
				moneyNanos = parseMoney(rawMoney);
			} catch (error) {
				throw fail(
					`${label} Limit: ${moneyProblem(error)}`,
					'Write the limit as a decimal amount, e.g. 25.00, or remove it.',
				);
			}
		}
		if (
			rawItems !== 0 &&
			(typeof rawItems !== 'number' || !Number.isSafeInteger(rawItems) || rawItems < 0)
		) {
			throw fail(
				`${label} Item Limit must be a whole number, got ${String(rawItems)}`,
				'Use 0 for no item limit.',
			);
		}
		const itemLimit = rawItems === 0 ? null : (rawItems as number);
		if (moneyNanos !== null || itemLimit !== null)
			limits[period] = { moneyNanos, items: itemLimit };
	}
	if (Object.keys(limits).length === 0) {
		throw fail(
			'The budget has no limit',
			'Add at least one limit under Limits: a daily, hourly or monthly amount or item count.',
		);
	}
	const zoneOption = String(option(context, 'timeZone', '')).trim();
	const zone = zoneOption !== '' ? zoneOption : context.getTimezone();
	if (!isTimeZone(zone))
		throw fail(
			`Unknown time zone "${zone}"`,
			'Use an IANA zone name such as Europe/Berlin or America/New_York.',
		);
	const thresholds = (name: string, label: string) => {
		try {
			return parsePercentages(String(option(context, name, '50, 75, 100')));
		} catch (error) {
			throw fail(
				`${label}: ${(error as Error).message}`,
				'List percentages separated by commas, e.g. 50, 75, 100, or leave it empty.',
			);
		}
	};
	return {
		config: {
			zone,
			currency: String(option(context, 'currency', 'USD')).trim() || 'USD',
			limits,
			thresholds: {
				actual: thresholds('actualThresholds', 'Actual Alert Thresholds'),
				forecast: thresholds('forecastThresholds', 'Forecast Alert Thresholds'),
			},
		},
		outputField: String(option(context, 'outputField', 'costGuard')).trim() || 'costGuard',
		stop: option<string>(context, 'overBudget', 'route') === 'stop',
	};
}

/** Each item's estimated cost in nanos, or null for an item whose estimate failed (it left as an error). */
function estimates(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
	outputs: INodeExecutionData[][],
): Array<number | null> {
	const mode = context.getNodeParameter('estimate', 0, 'none') as 'none' | 'fixed' | 'tokens';
	if (mode === 'none') return items.map(() => 0);
	const problemFor = (index: number, message: string, description: string) => {
		failItem(
			context,
			outputs,
			items[index],
			index,
			redactedItemError(context, index, message, description),
			OVER,
		);
		return null;
	};
	if (mode === 'fixed') {
		const perItem = isExpression(context, 'estimatedCost');
		let shared: number | null = null;
		if (!perItem) {
			try {
				shared = parseMoney(context.getNodeParameter('estimatedCost', 0, ''));
			} catch (error) {
				throw new NodeOperationError(
					context.getNode(),
					`Estimated Cost per Item: ${moneyProblem(error)}`,
					{
						description: 'Write the expected cost of one item as a decimal, e.g. 0.002.',
					},
				);
			}
		}
		return items.map((_, index) => {
			if (shared !== null) return shared;
			try {
				return parseMoney(context.getNodeParameter('estimatedCost', index, ''));
			} catch (error) {
				return problemFor(
					index,
					`Item ${index}: Estimated Cost per Item: ${moneyProblem(error)}`,
					'The expression must give a decimal amount, e.g. 0.002.',
				);
			}
		});
	}
	const model = String(context.getNodeParameter('estimateModel', 0, '')).trim();
	const price = readPriceBook(context).priceOf(model);
	if (price === null) {
		throw new NodeOperationError(context.getNode(), `No price for model "${model}"`, {
			description:
				'Add the model under Price Overrides, or choose Use a Fallback Price under Unknown Model.',
		});
	}
	const output = Number(context.getNodeParameter('expectedOutputTokens', 0, 0));
	return items.map((_, index) => {
		const prompt = context.getNodeParameter('prompt', index, '') as unknown;
		const text =
			typeof prompt === 'string'
				? prompt
				: prompt === null || prompt === undefined
					? ''
					: JSON.stringify(prompt);
		try {
			return estimateCallNanos(promptTokens(text), Number.isFinite(output) ? output : 0, price);
		} catch (error) {
			return problemFor(
				index,
				`Item ${index}: the prompt could not be priced: ${moneyProblem(error)}`,
				"Check the Prompt expression and the model's price.",
			);
		}
	});
}

/**
 * Stores the budget's config for Record Usage and Report; written when it changed, and
 * at most daily to keep it alive (it expires BUDGET_CONFIG_TTL_MS after the budget's last
 * check, like everything else of a budget no one uses any more). Returns the store's clock.
 */
async function publishConfig(
	handle: BudgetHandle,
	config: BudgetConfig,
): Promise<{ now: number; changed: boolean }> {
	const value = budgetConfigJson(config);
	const wanted = stableStringify(value);
	const [outcome] = await updateRecords(
		handle.store,
		handle.namespace,
		[budgetKeys.config(handle.name)],
		(current, now) => {
			const same = current !== undefined && stableStringify(current.value) === wanted;
			const fresh =
				current?.expiresAt !== null &&
				current?.expiresAt !== undefined &&
				current.expiresAt - now > BUDGET_CONFIG_TTL_MS - 24 * 3_600_000;
			return {
				outcome: { now, changed: !same },
				write: same && fresh ? undefined : { value, ttlMs: BUDGET_CONFIG_TTL_MS },
			};
		},
	);
	return outcome;
}

export async function execute(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	const outputs: INodeExecutionData[][] = [[], [], []];
	if (items.length === 0) return outputs;
	const name = readBudgetName(context);
	const settings = readSettings(context);
	const { config } = settings;
	const perItem = estimates(context, items, outputs);
	const candidates = items.map((_, index) => index).filter((index) => perItem[index] !== null);
	const hints: NodeExecutionHint[] = [];
	try {
		const handle = await openBudget(context, name);
		const { now, changed } = await publishConfig(handle, config);
		if (changed)
			hints.push({
				message: `Budget "${name}": limits saved; Record Usage and Report nodes of this budget use them.`,
				type: 'info',
				location: 'outputPane',
			});
		const periods = limitedPeriods(config);
		const windows = new Map<BudgetPeriod, BudgetWindow>(
			periods.map((period) => [period, windowAt(period, now, config.zone)]),
		);
		const estimateList = candidates.map((index) => perItem[index]!);
		const batchNanos = estimateList.reduce((sum, nanos) => sum + nanos, 0);

		// One round trip: read the spend, reserve the whole batch's estimate and item count.
		const reserve: CounterIncrement[] = [];
		const slots: Array<{ period: BudgetPeriod; counter: 'spent' | 'reserved' | 'items' }> = [];
		for (const period of periods) {
			const window = windows.get(period)!;
			const limit = config.limits[period]!;
			reserve.push(counterIncrement(handle, 'spent', window, 0, now));
			slots.push({ period, counter: 'spent' });
			if (limit.moneyNanos !== null) {
				reserve.push(counterIncrement(handle, 'reserved', window, batchNanos, now));
				slots.push({ period, counter: 'reserved' });
			}
			if (limit.items !== null) {
				reserve.push(counterIncrement(handle, 'items', window, candidates.length, now));
				slots.push({ period, counter: 'items' });
			}
		}
		const values = await handle.store.increment(handle.namespace, reserve);
		const standings: PeriodStanding[] = periods.map((period) => {
			const value = (counter: string) => {
				const slot = slots.findIndex(
					(entry) => entry.period === period && entry.counter === counter,
				);
				return slot < 0 ? 0 : values[slot];
			};
			return {
				period,
				limit: config.limits[period]!,
				spentNanos: value('spent'),
				reservedNanos: value('reserved') - batchNanos,
				items: value('items') - candidates.length,
			};
		});
		const admission = decideAdmission(estimateList, standings);
		const stopping = settings.stop && admission.admittedCount < candidates.length;

		// Give back what did not go through (everything, when the workflow stops), and claim alerts.
		const refundNanos = stopping ? batchNanos : batchNanos - admission.admittedNanos;
		const refundItems = stopping ? candidates.length : candidates.length - admission.admittedCount;
		const second: CounterIncrement[] = [];
		for (const period of periods) {
			const window = windows.get(period)!;
			const limit = config.limits[period]!;
			if (limit.moneyNanos !== null && refundNanos !== 0)
				second.push(counterIncrement(handle, 'reserved', window, -refundNanos, now));
			if (limit.items !== null && refundItems !== 0)
				second.push(counterIncrement(handle, 'items', window, -refundItems, now));
		}
		const spendStandings = standings
			.filter((standing) => standing.limit.moneyNanos !== null)
			.map((standing) => ({
				window: windows.get(standing.period)!,
				spentNanos: standing.spentNanos,
				limitNanos: standing.limit.moneyNanos!,
			}));
		// When the workflow stops no Alert item can leave: leave the alerts unclaimed for the next run.
		const alerts = stopping ? [] : alertCandidates(config, spendStandings, now);
		const claimsFrom = second.length;
		second.push(...alerts.map((alert) => alertClaim(handle, alert, now)));
		let claimed: number[] = [];
		try {
			claimed = second.length > 0 ? await handle.store.increment(handle.namespace, second) : [];
		} catch (error) {
			// The batch's reservation is made and no item will leave: give it all back before
			// failing, or a store hiccup would hold that budget until the window ends.
			const giveBack = periods.flatMap((period) => {
				const window = windows.get(period)!;
				const limit = config.limits[period]!;
				return [
					...(limit.moneyNanos !== null && batchNanos !== 0
						? [counterIncrement(handle, 'reserved', window, -batchNanos, now)]
						: []),
					...(limit.items !== null && candidates.length !== 0
						? [counterIncrement(handle, 'items', window, -candidates.length, now)]
						: []),
				];
			});
			if (giveBack.length > 0)
				await handle.store.increment(handle.namespace, giveBack).catch(() => undefined);
			throw storeFailure(context, error);
		}
		alerts.forEach((alert, position) => {
			if (claimed[claimsFrom + position] === 1)
				outputs[ALERT].push(alertItem(handle, config, alert, now, candidates[0] ?? 0));
		});

		if (stopping) {
			const first = admission.admitted.indexOf(false);
			const index = candidates[first];
			throw new NodeOperationError(
				context.getNode(),
				`Budget "${name}" is exhausted: item ${index} does not fit (${admission.reasons[first].join(', ')} limit)`,
				{
					itemIndex: index,
					description:
						'Over Budget is set to Stop the Workflow. Raise the limit, wait for the next window, or route Over Budget items instead.',
				},
			);
		}

		const reserved = periods
			.filter((period) => config.limits[period]!.moneyNanos !== null)
			.map((period) => ({ period, window: windows.get(period)!.id }));
		candidates.forEach((index, position) => {
			const fits = admission.admitted[position];
			const nanos = estimateList[position];
			const stamp: IDataObject = {
				budget: name,
				route: fits ? 'within' : 'over',
				// Names this item's reservation, so Record Usage releases it once however many
				// items carry the stamp (a vendor node returning several, a retried execution).
				reservation: fits ? uuidv7() : null,
				estimate: nanosToNumber(nanos),
				estimateExact: formatNanos(nanos),
				estimateNanos: nanos,
				currency: config.currency,
				reserved: fits ? reserved : [],
				overLimits: admission.reasons[position],
				checkedAt: new Date(now).toISOString(),
			};
			const source = items[index];
			outputs[fits ? WITHIN : OVER].push(
				pairedItem(source, index, { ...source.json, [settings.outputField]: stamp }),
			);
		});
		const over = candidates.length - admission.admittedCount;
		if (over > 0)
			hints.push({
				message: `Budget "${name}": ${over} item(s) did not fit and went to Over Budget.`,
				type: 'warning',
				location: 'outputPane',
			});
	} catch (error) {
		throw storeFailure(context, error);
	}
	if (hints.length > 0) context.addExecutionHints(...hints);
	return outputs;
}
