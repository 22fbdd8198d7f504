import type { IDataObject, INodeProperties } from 'n8n-workflow';

import {
	checkNumber,
	cost,
	storeFailure,
	updateDisplayOptions,
	type OperationContext,
	type stores,
} from '../../shared';
import type { BudgetHandle } from './budget';
import { openBudget, readBudgetConfig, readBudgetName, zoneFor } from './budget';
import { optionsCollection, timeZoneOption } from './common.descriptions';
import type { OutputOf } from './outputs';

const properties: INodeProperties[] = [
	{
		displayName: 'Trailing Windows',
		name: 'trailingWindows',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 8, numberPrecision: 0 },
		default: 7,
		description:
			'Previous windows the cost per record is compared with, for the regression flag (at most 8 are kept)',
	},
	optionsCollection([timeZoneOption]),
];

export const description = updateDisplayOptions({ show: { operation: ['report'] } }, properties);

const CURRENT: cost.BudgetCounter[] = [
	'spent',
	'reserved',
	'items',
	'records',
	'avoided',
	'hits',
	'misses',
];

interface PeriodWindows {
	current: cost.BudgetWindow;
	previous: cost.BudgetWindow[];
}

/**
 * Every figure of every period in one round trip: counters are read by adding 0.
 * Returns the windows per period and a reader of the counters by label.
 */
async function readCounters(
	handle: BudgetHandle,
	now: number,
	zone: string,
	trailing: number,
): Promise<{
	windows: Map<cost.BudgetPeriod, PeriodWindows>;
	value: (label: string) => number;
}> {
	const { name } = handle;
	const reads: stores.CounterIncrement[] = [];
	const at = new Map<string, number>();
	const read = (label: string, key: string, window: cost.BudgetWindow) => {
		at.set(label, reads.length);
		reads.push({ key, by: 0, ttlMs: cost.windowTtlMs(window, now) });
	};
	const windows = new Map<cost.BudgetPeriod, PeriodWindows>();
	for (const period of cost.BUDGET_PERIODS) {
		const current = cost.windowAt(period, now, zone);
		const previous = cost.previousWindows(period, now, zone, trailing);
		windows.set(period, { current, previous });
		for (const counter of CURRENT)
			read(`${period}/${counter}`, cost.budgetKeys.counter(name, counter, current), current);
		for (let bucket = 0; bucket < cost.COST_BUCKETS; bucket++)
			read(`${period}/hist/${bucket}`, cost.budgetKeys.bucket(name, current, bucket), current);
		previous.forEach((window, position) => {
			read(
				`${period}/prev${position}/spent`,
				cost.budgetKeys.counter(name, 'spent', window),
				window,
			);
			read(
				`${period}/prev${position}/records`,
				cost.budgetKeys.counter(name, 'records', window),
				window,
			);
		});
	}
	const values = await handle.store.increment(handle.namespace, reads);
	return { windows, value: (label: string) => values[at.get(label)!] ?? 0 };
}

/** One period's figures: spend, forecast, limit, cost per record and its regression, cache savings. */
function periodReport(
	period: cost.BudgetPeriod,
	{ current, previous }: PeriodWindows,
	value: (label: string) => number,
	config: cost.BudgetConfig | null,
	now: number,
): { report: IDataObject; regressed: boolean } {
	const spent = value(`${period}/spent`);
	const records = value(`${period}/records`);
	const counts = Array.from({ length: cost.COST_BUCKETS }, (_, bucket) =>
		value(`${period}/hist/${bucket}`),
	);
	const p95 = cost.histogramPercentile(counts, 95);
	const regression = cost.costRegression(
		{ spentNanos: spent, records },
		previous.map((_, position) => ({
			spentNanos: value(`${period}/prev${position}/spent`),
			records: value(`${period}/prev${position}/records`),
		})),
	);
	const limit = config?.limits[period];
	const forecast = cost.forecastNanos(spent, current, now);
	const money = (nanos: number | null) => (nanos === null ? null : cost.nanosToNumber(nanos));
	const report: IDataObject = {
		window: current.id,
		windowStart: new Date(current.start).toISOString(),
		windowEnd: new Date(current.end).toISOString(),
		spent: cost.nanosToNumber(spent),
		spentExact: cost.formatNanos(spent),
		reserved: cost.nanosToNumber(Math.max(0, value(`${period}/reserved`))),
		forecast: money(forecast),
		limit: money(limit?.moneyNanos ?? null),
		percentOfLimit: limit?.moneyNanos ? cost.percentOf(spent, limit.moneyNanos) : null,
		itemsLetThrough: Math.max(0, value(`${period}/items`)),
		itemLimit: limit?.items ?? null,
		records,
		costPerRecord: {
			average: money(regression.currentAverage),
			// From a histogram of ≈19% wide buckets: within about 10%.
			p95: money(p95),
			trailingAverage: money(regression.trailingAverage),
			ratioToTrailing: regression.ratio,
			regression: regression.regressed,
		},
		cache: {
			hits: value(`${period}/hits`),
			misses: value(`${period}/misses`),
			costAvoided: cost.nanosToNumber(value(`${period}/avoided`)),
			costAvoidedExact: cost.formatNanos(value(`${period}/avoided`)),
		},
	};
	return { report, regressed: regression.regressed };
}

/** One item per budget: per period, the current window's spend, cost per record, regression and cache savings. */
export async function execute(op: OperationContext<OutputOf<'report'>>): Promise<void> {
	const { context, items } = op;
	const name = readBudgetName(context);
	const trailing = checkNumber(
		context,
		Number(context.getNodeParameter('trailingWindows', 0, 7)),
		'Trailing Windows',
		{ min: 1, max: 8, integer: true },
	);
	try {
		const handle = await openBudget(op, name);
		const { config, now } = await readBudgetConfig(handle);
		const zone = zoneFor(context, config);
		const { windows, value } = await readCounters(handle, now, zone, trailing);
		const periods: IDataObject = {};
		let regressed = false;
		for (const period of cost.BUDGET_PERIODS) {
			const figures = periodReport(period, windows.get(period)!, value, config, now);
			periods[period] = figures.report;
			regressed ||= figures.regressed;
		}
		const json: IDataObject = {
			budget: name,
			currency: config?.currency ?? 'USD',
			timeZone: zone,
			limitsKnown: config !== null,
			regression: regressed,
			periods,
			reportedAt: new Date(now).toISOString(),
		};
		op.outputs.push('Report', { json, pairedItem: items.map((_, index) => ({ item: index })) });
	} catch (error) {
		throw storeFailure(context, error);
	}
}
