import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { OperationContext } from '../../shared';
import {
	configError,
	errors,
	failItem,
	hint,
	isExpression,
	nameParameter,
	numberParameter,
	operationError,
	pairedItem,
	ratelimit,
	storeFailure,
	storeProperty,
	stores,
	time,
	updateDisplayOptions,
	toParameterError,
} from '../../shared';
import type { OutputOf } from './outputs';
import {
	inInputOrder,
	labels,
	optionsCollection,
	readOutputField,
	round,
	scopeOf,
} from './settings';

/** Where quotas can be counted: any store. */
export const QUOTA_STORES = ['embedded', 'redis', 'postgres'] as const;

const properties: INodeProperties[] = [
	{
		displayName: 'Quota Name',
		name: 'quotaName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. openai-monthly',
		description:
			'The quota counted. Every Quota node with the same name and store counts into it: in any workflow (version 1), or within its Scope (from version 2). From version 2.1 an expression names a quota per item (one per tenant, say): items are grouped by name, at most 100 names per run.',
	},
	{
		...storeProperty([...QUOTA_STORES]),
		description:
			'Where the counts live. If the store cannot be reached the node fails naming it; under On Error: Continue every item leaves on the error output (or on Alert, with the error), never on Continue.',
	},
	{
		displayName: 'Quota',
		name: 'quota',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 10000,
		required: true,
		description: 'Uses allowed per period',
	},
	{
		displayName: 'Period',
		name: 'period',
		type: 'options',
		options: [
			{ name: 'Hour', value: 'hour' },
			{ name: 'Day', value: 'day' },
			{ name: 'Week', value: 'week', description: 'ISO weeks, from Monday' },
			{ name: 'Month', value: 'month' },
		],
		default: 'day',
		description: 'The period the quota counts over; it starts again at the start of each one',
	},
	{
		displayName: 'Time Zone',
		name: 'timeZone',
		type: 'string',
		default: '',
		placeholder: 'e.g. America/New_York',
		description: "Where the period starts at midnight. Leave empty for the workflow's time zone.",
	},
	{
		displayName: 'Use per Item',
		name: 'usePerItem',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 1,
		description:
			'How much of the quota each item uses, e.g. an expression reading the tokens an LLM call used',
	},
	{
		displayName: 'Alert Thresholds (%)',
		name: 'thresholds',
		type: 'string',
		default: '75',
		placeholder: 'e.g. 75, 90, 100',
		description:
			'An Alert item leaves once per period for each threshold the usage crosses, whichever worker crossed it',
	},
	optionsCollection(),
];

export const description = updateDisplayOptions({ show: { operation: ['quota'] } }, properties);

function usesOf(value: unknown): number | null {
	const number =
		typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value) ? Number(value) : value;
	return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : null;
}

/** Reads Quota's settings, a settings error of the core becoming an error naming the parameter. */
function quotaSettings<T>(context: IExecuteFunctions, read: () => T): T {
	try {
		return read();
	} catch (error) {
		if (!errors.isSettingsError(error))
			throw new NodeOperationError(context.getNode(), error as Error);
		throw toParameterError(context, error, labels);
	}
}

/** Where the counter lives: `quota` in version 1 (names instance-wide), the Scope's namespace from version 2. */
function quotaNamespace(context: IExecuteFunctions): string {
	return scopeOf(context, 'quota') ?? 'quota';
}

/** The settings this process last wrote per quota (store, namespace, name, period): what is written again only on change. */
const settingsWritten = new Map<string, string>();
const MAX_SETTINGS_REMEMBERED = 10_000;

/**
 * Keeps the quota's settings beside its counters for Guards Status: written once per
 * window by each process, and again when they change; never per item.
 */
async function recordSettings(
	store: stores.Store,
	namespace: string,
	name: string,
	period: ratelimit.QuotaPeriod,
	record: ratelimit.QuotaSettingsRecord,
	ttlMs: number,
): Promise<void> {
	const id = JSON.stringify([store.location, namespace, name, period]);
	const facts = JSON.stringify([record.limit, record.thresholds, record.timeZone, record.window]);
	if (settingsWritten.get(id) === facts) return;
	// Lives past the window's end like the counters; rewritten in the next window.
	await store.write(namespace, [
		{ key: ratelimit.quotaSettingsKey(name, period), value: record, ttlMs },
	]);
	if (settingsWritten.size >= MAX_SETTINGS_REMEMBERED) settingsWritten.clear();
	settingsWritten.set(id, facts);
}

/**
 * Quota: counts each item's use into the quota's counter for the current window (one
 * atomic increment per batch) and sends an Alert item for each threshold the batch
 * crossed. The counter is atomic, so exactly one batch crosses each threshold; an
 * "alerted" record written only if absent makes the alert once per window even if the
 * quota is changed in between. The window is the operation's clock's.
 */
export async function execute(op: OperationContext<OutputOf<'quota'>>): Promise<void> {
	const { context, items, outputs } = op;
	const name = nameParameter(context, 'quotaName', 'Quota Name', { example: 'openai-monthly' });
	const quota = numberParameter(context, 'quota', 'Quota', 10000, {
		min: 1,
		max: Number.MAX_SAFE_INTEGER,
		integer: true,
		unit: 'uses per period',
	});
	const period = context.getNodeParameter('period', 0, 'day') as ratelimit.QuotaPeriod;
	const zoneParameter = String(context.getNodeParameter('timeZone', 0, '')).trim();
	const timeZone = zoneParameter === '' ? context.getTimezone() : zoneParameter;
	const outputField = readOutputField(context);
	const now = op.clock.now();
	const thresholds = quotaSettings(context, () =>
		ratelimit.parseQuotaThresholds(String(context.getNodeParameter('thresholds', 0, '75'))),
	);
	const window = quotaSettings(context, () => ratelimit.quotaWindow(now, period, timeZone));
	const namespace = quotaNamespace(context);

	if (items.length === 0) return;
	const perItem = isExpression(context, 'usePerItem');
	const fixed = perItem ? null : usesOf(context.getNodeParameter('usePerItem', 0, 1));
	if (!perItem && fixed === null)
		throw configError(
			context,
			'Use per Item',
			'is not a whole number of at least 0',
			'Use a whole number, or an expression returning one.',
		);
	const counted: Array<{ index: number; uses: number }> = [];
	items.forEach((item, index) => {
		const raw = perItem ? context.getNodeParameter('usePerItem', index, 1) : fixed;
		const uses = usesOf(raw);
		if (uses === null) {
			const error = operationError(
				context,
				`Use per Item of item ${index} is not a whole number of at least 0: ${JSON.stringify(raw) ?? String(raw)}`,
				{
					itemIndex: index,
					description:
						'Make the expression return a whole number, e.g. {{ $json.usage.total_tokens ?? 0 }}.',
				},
			);
			failItem(context, outputs.buckets, item, index, error, outputs.index('Continue'));
			return;
		}
		counted.push({ index, uses });
	});
	if (counted.length === 0) return;

	const counterKey = `${name}:${period}:${window.id}`;
	const ttlMs = window.end - now + time.DAY_MS;
	const total = counted.reduce((sum, entry) => sum + entry.uses, 0);
	try {
		const store = await op.store();
		const [[after]] = await Promise.all([
			store.increment(namespace, [{ key: counterKey, by: total, ttlMs }]),
			recordSettings(
				store,
				namespace,
				name,
				period,
				{
					limit: quota,
					thresholds,
					timeZone,
					window: window.id,
					updatedAt: new Date(now).toISOString(),
				},
				ttlMs,
			),
		]);
		const before = after - total;
		// Thresholds this batch crossed alert on the item that crossed them. Those reached
		// earlier are claimed again too (one claim each, refused once made): if the run that
		// crossed one could not write its claim, the alert comes late instead of never.
		const reachedEarlier = thresholds
			.filter((threshold) => ratelimit.thresholdUsage(quota, threshold) <= before)
			.map((threshold) => ({ threshold, use: 0, usage: before }));
		const crossings = [
			...reachedEarlier,
			...ratelimit.crossingsByUse(
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
			outputs.push(
				'Continue',
				pairedItem(source, entry.index, { ...source.json, [outputField]: details }),
			);
		});
		crossings.forEach((crossing, position) => {
			if (!alerted[position]) return;
			const entry = counted[crossing.use];
			outputs.push(
				'Alert',
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
			op.hints.push(
				hint(
					`Quota "${name}" crossed ${crossing.threshold}% for ${window.id}: ${crossing.usage} of ${quota}.`,
					'warning',
				),
			);
		});
	} catch (error) {
		throw storeFailure(context, error);
	}
	inInputOrder(outputs.buckets);
}
