import type { IExecuteFunctions } from 'n8n-workflow';

import { checkNumber, cost, fieldNameOption, operationError, percentages } from '../../shared';
import { moneyProblem, option, unknownTimeZone } from './budget';

/*
 * Check Budget's settings: the budget's limits, zone and thresholds, read once per
 * execution; a malformed one fails the node before any item, naming the parameter.
 */

const LIMIT_PARAMETERS: Array<{
	period: cost.BudgetPeriod;
	money: string;
	items: string;
	label: string;
}> = [
	{ period: 'hour', money: 'hourlyLimit', items: 'hourlyItems', label: 'Hourly' },
	{ period: 'day', money: 'dailyLimit', items: 'dailyItems', label: 'Daily' },
	{ period: 'month', money: 'monthlyLimit', items: 'monthlyItems', label: 'Monthly' },
];

export interface CheckSettings {
	config: cost.BudgetConfig;
	outputField: string;
	stop: boolean;
	/** Percent of a money limit from which items are stamped nearLimit (the cheaper-model route); 0: off. */
	nearLimitPercent: number;
}

/** One period's limit from the Limits collection, or null when it has none. */
function readLimit(
	context: IExecuteFunctions,
	{ money, items, label }: (typeof LIMIT_PARAMETERS)[number],
): cost.PeriodLimit | null {
	const rawMoney = context.getNodeParameter(`limits.${money}`, 0, '') as unknown;
	const rawItems = context.getNodeParameter(`limits.${items}`, 0, 0) as unknown;
	let moneyNanos: number | null = null;
	if (rawMoney !== '' && rawMoney !== null && rawMoney !== undefined) {
		try {
			moneyNanos = cost.parseMoney(rawMoney);
		} catch (error) {
			throw operationError(context, `${label} Limit: ${moneyProblem(error)}`, {
				description: 'Write the limit as a decimal amount, e.g. 25.00, or remove it.',
			});
		}
	}
	const itemLimit =
		rawItems === 0
			? null
			: checkNumber(context, rawItems, `${label} Item Limit`, {
					min: 0,
					max: Number.MAX_SAFE_INTEGER,
					integer: true,
					zero: '0 for no item limit',
				});
	return moneyNanos !== null || itemLimit !== null ? { moneyNanos, items: itemLimit } : null;
}

/** Alert thresholds from a comma-separated option. */
function readThresholds(context: IExecuteFunctions, name: string, label: string): number[] {
	try {
		return percentages.parsePercentages(String(option(context, name, '50, 75, 100')));
	} catch (error) {
		throw operationError(context, `${label}: ${(error as Error).message}`, {
			description: 'List percentages separated by commas, e.g. 50, 75, 100, or leave it empty.',
		});
	}
}

/** The budget this node enforces, read once; a malformed limit fails the node, naming the parameter. */
export function readSettings(context: IExecuteFunctions): CheckSettings {
	const limits: Partial<Record<cost.BudgetPeriod, cost.PeriodLimit>> = {};
	for (const parameters of LIMIT_PARAMETERS) {
		const limit = readLimit(context, parameters);
		if (limit !== null) limits[parameters.period] = limit;
	}
	if (Object.keys(limits).length === 0) {
		throw operationError(context, 'The budget has no limit', {
			description:
				'Add at least one limit under Limits: a daily, hourly or monthly amount or item count.',
		});
	}
	const zoneOption = String(option(context, 'timeZone', '')).trim();
	const zone = zoneOption !== '' ? zoneOption : context.getTimezone();
	if (!cost.isTimeZone(zone)) throw unknownTimeZone(context, zone);
	return {
		config: {
			zone,
			currency: String(option(context, 'currency', 'USD')).trim() || 'USD',
			limits,
			thresholds: {
				actual: readThresholds(context, 'actualThresholds', 'Actual Alert Thresholds'),
				forecast: readThresholds(context, 'forecastThresholds', 'Forecast Alert Thresholds'),
			},
		},
		outputField: fieldNameOption(context, 'options.outputField', 'Output Field', 'costGuard'),
		stop: option<string>(context, 'overBudget', 'route') === 'stop',
		nearLimitPercent: checkNumber(
			context,
			Number(option(context, 'nearLimitPercent', 0)),
			'Near Limit (%)',
			{ min: 0, max: 100, zero: '0 for off' },
		),
	};
}
