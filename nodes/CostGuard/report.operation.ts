import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { BudgetCounter, BudgetPeriod, BudgetWindow, CounterIncrement } from '../shared';
import {
	BUDGET_PERIODS,
	budgetKeys,
	COST_BUCKETS,
	costRegression,
	forecastNanos,
	formatNanos,
	histogramPercentile,
	nanosToNumber,
	percentOf,
	previousWindows,
	storeFailure,
	windowAt,
	windowTtlMs,
} from '../shared';
import { openBudget, readBudgetConfig, readBudgetName, zoneFor } from './budget';

const CURRENT: BudgetCounter[] = [
	'spent',
	'reserved',
	'items',
	'records',
	'avoided',
	'hits',
	'misses',
];

/** One item per budget: per period, the current window's spend, cost per record, regression and cache savings. */
export async function execute(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	const name = readBudgetName(context);
	const trailing = Number(context.getNodeParameter('trailingWindows', 0, 7));
	if (!Number.isSafeInteger(trailing) || trailing < 1 || trailing > 8) {
		throw new NodeOperationError(
			context.getNode(),
			`Trailing Windows must be a whole number from 1 to 8, got ${String(trailing)}`,
			{
				description: 'Counters are kept for 8 windows after their own.',
			},
		);
	}
	try {
		const handle = await openBudget(context, name);
		const { config, now } = await readBudgetConfig(handle);
		const zone = zoneFor(context, config);
		// Counters are read by adding 0: one round trip for every figure of every period.
		const reads: CounterIncrement[] = [];
		const at = new Map<string, number>();
		const read = (label: string, key: string, window: BudgetWindow) => {
			at.set(label, reads.length);
			reads.push({ key, by: 0, ttlMs: windowTtlMs(window, now) });
		};
		const windows = new Map<BudgetPeriod, { current: BudgetWindow; previous: BudgetWindow[] }>();
		for (const period of BUDGET_PERIODS) {
			const current = windowAt(period, now, zone);
			const previous = previousWindows(period, now, zone, trailing);
			windows.set(period, { current, previous });
			for (const counter of CURRENT)
				read(`${period}/${counter}`, budgetKeys.counter(name, counter, current), current);
			for (let bucket = 0; bucket < COST_BUCKETS; bucket++)
				read(`${period}/hist/${bucket}`, budgetKeys.bucket(name, current, bucket), current);
			previous.forEach((window, position) => {
				read(`${period}/prev${position}/spent`, budgetKeys.counter(name, 'spent', window), window);
				read(
					`${period}/prev${position}/records`,
					budgetKeys.counter(name, 'records', window),
					window,
				);
			});
		}
		const values = await handle.store.increment(handle.namespace, reads);
		const value = (label: string) => values[at.get(label)!] ?? 0;
		const periods: IDataObject = {};
		let regressed = false;
		for (const period of BUDGET_PERIODS) {
			const { current, previous } = windows.get(period)!;
			const spent = value(`${period}/spent`);
			const records = value(`${period}/records`);
			const counts = Array.from({ length: COST_BUCKETS }, (_, bucket) =>
				value(`${period}/hist/${bucket}`),
			);
			const p95 = histogramPercentile(counts, 95);
			const regression = costRegression(
				{ spentNanos: spent, records },
				previous.map((_, position) => ({
					spentNanos: value(`${period}/prev${position}/spent`),
					records: value(`${period}/prev${position}/records`),
				})),
			);
			regressed ||= regression.regressed;
			const limit = config?.limits[period];
			const forecast = forecastNanos(spent, current, now);
			const money = (nanos: number | null) => (nanos === null ? null : nanosToNumber(nanos));
			periods[period] = {
				window: current.id,
				windowStart: new Date(current.start).toISOString(),
				windowEnd: new Date(current.end).toISOString(),
				spent: nanosToNumber(spent),
				spentExact: formatNanos(spent),
				reserved: nanosToNumber(Math.max(0, value(`${period}/reserved`))),
				forecast: money(forecast),
				limit: money(limit?.moneyNanos ?? null),
				percentOfLimit: limit?.moneyNanos ? percentOf(spent, limit.moneyNanos) : null,
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
					costAvoided: nanosToNumber(value(`${period}/avoided`)),
					costAvoidedExact: formatNanos(value(`${period}/avoided`)),
				},
			};
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
		return [[{ json, pairedItem: items.map((_, index) => ({ item: index })) }]];
	} catch (error) {
		throw storeFailure(context, error);
	}
}
