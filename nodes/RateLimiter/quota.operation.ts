import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeExecutionHint,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { Clock, QuotaPeriod } from '../shared';
import {
	thresholdUsage,
	crossingsByUse,
	failItem,
	isQuotaSettingsError,
	pairedItem,
	parseQuotaThresholds,
	quotaWindow,
	storeFailure,
	storeForNode,
	systemClock,
} from '../shared';
import { QUOTA_STORES } from './description';
import { fail, isExpression, readName, readOutputField, round } from './settings';
import { pairIndex } from './waitForSlot.operation';

const CONTINUE = 0;
const ALERT = 1;
const DAY = 86_400_000;

/** Where Quota takes the time from; engine tests replace it to cross windows. */
export const quotaClock: { current: Clock } = { current: systemClock };

const LABELS: Record<string, string> = {
	period: 'Period',
	timeZone: 'Time Zone',
	thresholds: 'Alert Thresholds (%)',
	quota: 'Quota',
};

function usesOf(value: unknown): number | null {
	const number =
		typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value) ? Number(value) : value;
	return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : null;
}

/**
 * Quota: counts each item's use into the quota's counter for the current window (one
 * atomic increment per batch) and sends an Alert item for each threshold the batch
 * crossed. The counter is atomic, so exactly one batch crosses each threshold; an
 * "alerted" record written only if absent makes the alert once per window even if the
 * quota is changed in between.
 */
export async function executeQuota(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const name = readName(context, 'quotaName', 'Quota Name', 'openai-monthly');
	const quota = context.getNodeParameter('quota', 0, 10000);
	if (typeof quota !== 'number' || !Number.isSafeInteger(quota) || quota < 1) {
		throw fail(
			context,
			`Quota is out of range: ${String(quota)}`,
			'Use a whole number of uses per period, at least 1.',
		);
	}
	const period = context.getNodeParameter('period', 0, 'day') as QuotaPeriod;
	const zoneParameter = String(context.getNodeParameter('timeZone', 0, '')).trim();
	const timeZone = zoneParameter === '' ? context.getTimezone() : zoneParameter;
	const outputField = readOutputField(context);
	let thresholds: number[];
	const now = quotaClock.current.now();
	let window;
	try {
		thresholds = parseQuotaThresholds(String(context.getNodeParameter('thresholds', 0, '75')));
		window = quotaWindow(now, period, timeZone);
	} catch (error) {
		if (!isQuotaSettingsError(error))
			throw new NodeOperationError(context.getNode(), error as Error);
		throw fail(
			context,
			`${LABELS[error.setting]} is not valid: ${JSON.stringify(error.value)}`,
			`It must be ${error.expected}.`,
		);
	}

	const items = context.getInputData();
	const outputs: INodeExecutionData[][] = [[], []];
	if (items.length === 0) return outputs;
	const perItem = isExpression(context, 'usePerItem');
	const fixed = perItem ? null : usesOf(context.getNodeParameter('usePerItem', 0, 1));
	if (!perItem && fixed === null)
		throw fail(
			context,
			'Use per Item is not a whole number of at least 0',
			'Use a whole number, or an expression returning one.',
		);
	const counted: Array<{ index: number; uses: number }> = [];
	items.forEach((item, index) => {
		const raw = perItem ? context.getNodeParameter('usePerItem', index, 1) : fixed;
		const uses = usesOf(raw);
		if (uses === null) {
			const error = new NodeOperationError(
				context.getNode(),
				`Use per Item of item ${index} is not a whole number of at least 0: ${JSON.stringify(raw) ?? String(raw)}`,
				{
					itemIndex: index,
					description:
						'Make the expression return a whole number, e.g. {{ $json.usage.total_tokens ?? 0 }}.',
				},
			);
			failItem(context, outputs, item, index, error, CONTINUE);
			return;
		}
		counted.push({ index, uses });
	});
	if (counted.length === 0) return outputs;

	const namespace = 'quota';
	const counterKey = `${name}:${period}:${window.id}`;
	const ttlMs = window.end - now + DAY;
	const total = counted.reduce((sum, entry) => sum + entry.uses, 0);
	const hints: NodeExecutionHint[] = [];
	try {
		const store = await storeForNode(context, [...QUOTA_STORES]);
		const [after] = await store.increment(namespace, [{ key: counterKey, by: total, ttlMs }]);
		const before = after - total;
		// Thresholds this batch crossed alert on the item that crossed them. Those reached
		// earlier are claimed again too (one claim each, refused once made): if the run that
		// crossed one could not write its claim, the alert comes late instead of never.
		const reachedEarlier = thresholds
			.filter((threshold) => thresholdUsage(quota, threshold) <= before)
			.map((threshold) => ({ threshold, use: 0, usage: before }));
		const crossings = [
			...reachedEarlier,
			...crossingsByUse(
				before,
				counted.map((entry) => entry.uses),
				quota,
				thresholds,
			),
		];
		let alerted: boolean[] = [];
		if (crossings.length > 0) {
			const writes = crossings.map((crossing) => ({
				key: `${counterKey}:alerted:${crossing.threshold}`,
				value: { at: new Date(now).toISOString(), usage: crossing.usage },
				ifVersion: 0,
				ttlMs,
			}));
			alerted = (await store.write(namespace, writes)).map((result) => result.applied);
		}
		const windowInfo = {
			id: window.id,
			start: new Date(window.start).toISOString(),
			end: new Date(window.end).toISOString(),
			timeZone,
		};
		let usage = before;
		counted.forEach((entry) => {
			usage += entry.uses;
			const source = items[entry.index];
			const details: IDataObject = {
				quota: name,
				period,
				window: windowInfo,
				uses: entry.uses,
				usage,
				limit: quota,
				percent: round((usage * 100) / quota),
				remaining: Math.max(0, quota - usage),
			};
			outputs[CONTINUE].push(
				pairedItem(source, entry.index, { ...source.json, [outputField]: details }),
			);
		});
		crossings.forEach((crossing, position) => {
			if (!alerted[position]) return;
			const entry = counted[crossing.use];
			outputs[ALERT].push(
				pairedItem(items[entry.index], entry.index, {
					alert: 'quotaThreshold',
					quota: name,
					period,
					window: windowInfo,
					threshold: crossing.threshold,
					usage: crossing.usage,
					limit: quota,
					percent: round((crossing.usage * 100) / quota),
					message: `Quota "${name}" reached ${crossing.threshold}% for ${window.id} (${crossing.usage} of ${quota})`,
					alertedAt: new Date(now).toISOString(),
				}),
			);
			hints.push({
				message: `Quota "${name}" crossed ${crossing.threshold}% for ${window.id}: ${crossing.usage} of ${quota}.`,
				type: 'warning',
				location: 'outputPane',
			});
		});
	} catch (error) {
		throw storeFailure(context, error);
	}
	for (const output of outputs) output.sort((a, b) => pairIndex(a) - pairIndex(b));
	if (hints.length > 0) context.addExecutionHints(...hints);
	return outputs;
}
