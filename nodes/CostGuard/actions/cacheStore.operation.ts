import type { IDataObject, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import {
	checkNumber,
	cost,
	fieldNameOption,
	hint,
	json as jsonCore,
	pairedItem,
	paths,
	storeFailure,
	time,
	updateDisplayOptions,
	type OperationContext,
	type stores,
} from '../../shared';
import type { BudgetHandle } from './budget';
import {
	counterIncrement,
	failItemTo,
	openBudget,
	option,
	readBudgetName,
	redactedItemError,
	redactor,
} from './budget';
import { CACHE_FIELD, cacheKeyOrFail, keyFields, withCacheInfo } from './cache';
import { costFieldOption, ignoreCaseOption, optionsCollection } from './common.descriptions';
import type { OutputOf } from './outputs';

const properties: INodeProperties[] = [
	{
		displayName: 'Cache Key From',
		name: 'keyFrom',
		type: 'options',
		description:
			'Which key the response is stored under: the one Cache Lookup computed, or the same fields read again',
		options: [
			{
				name: "Cache Lookup's Key",
				value: 'key',
				description: 'The key Cache Lookup put on the item, usually referred to with an expression',
			},
			{
				name: 'Key Fields',
				value: 'fields',
				description: 'The same fields as the Cache Lookup node, read from this item',
			},
		],
		default: 'key',
	},
	{
		displayName: 'Cache Key',
		name: 'cacheKey',
		type: 'string',
		default: '',
		required: true,
		placeholder: "e.g. {{ $('Cache Lookup').item.json.costGuardCache.key }}",
		description:
			'The key from the Cache Lookup node. A vendor node replaces the item, so refer back to the lookup with an expression.',
		displayOptions: { show: { keyFrom: ['key'] } },
	},
	{
		displayName: 'Key Fields',
		name: 'keyFields',
		type: 'string',
		default: '',
		placeholder: 'e.g. text, language',
		description: "The same fields as the Cache Lookup node's Key Fields",
		displayOptions: { show: { keyFrom: ['fields'] } },
	},
	{
		displayName: 'Time to Live (Hours)',
		name: 'ttlHours',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 24,
		description:
			'How long a stored response is served, and kept in the store. 0 keeps it until it is replaced (the store then grows with every new input).',
	},
	optionsCollection([
		{
			displayName: 'Cache Response Field',
			name: 'cacheResponseField',
			type: 'string',
			default: '',
			placeholder: 'e.g. choices[0].message.content',
			description: 'Field of the item to keep as the response. Empty: the whole item.',
		},
		costFieldOption,
		ignoreCaseOption,
		{
			displayName: 'Max Responses Cached per Day',
			name: 'maxCachedPerDay',
			type: 'number',
			typeOptions: { minValue: 0, numberPrecision: 0 },
			default: 10000,
			description:
				"Most new responses this budget's cache takes per day (UTC), so the data cannot grow the store without bound: responses past it leave on Stored with stored: false. 0 for no limit.",
		},
	]),
];

export const description = updateDisplayOptions(
	{ show: { operation: ['cacheStore'] } },
	properties,
);

/** A key Cache Lookup made: a SHA-256 in hex. */
const HASH = /^[0-9a-f]{64}$/;

interface StoreSettings {
	name: string;
	keyFrom: 'key' | 'fields';
	fields: string[];
	ignoreCase: boolean;
	ttlHours: number;
	responseField: string;
	costField: string;
	correlationField: string;
	maxPerDay: number;
}

function readSettings(op: OperationContext): StoreSettings {
	const { context } = op;
	const name = readBudgetName(context);
	const keyFrom = context.getNodeParameter('keyFrom', 0, 'key') as 'key' | 'fields';
	return {
		name,
		keyFrom,
		fields: keyFrom === 'fields' ? keyFields(context) : [],
		ignoreCase: option<boolean>(context, 'ignoreCase', false) === true,
		ttlHours: checkNumber(
			context,
			Number(context.getNodeParameter('ttlHours', 0, 24)),
			'Time to Live (Hours)',
			{ min: 0, unit: 'hours', zero: '0 keeps responses until replaced' },
		),
		responseField: String(option(context, 'cacheResponseField', '')).trim(),
		costField: fieldNameOption(context, 'options.costField', 'Cost Field', 'cost'),
		correlationField: fieldNameOption(
			context,
			'options.correlationField',
			'Correlation ID Field',
			'correlationId',
		),
		maxPerDay: checkNumber(
			context,
			Number(option(context, 'maxCachedPerDay', 10_000)),
			'Max Responses Cached per Day',
			{ min: 0, max: Number.MAX_SAFE_INTEGER, integer: true, zero: '0 for no limit' },
		),
	};
}

/** The item's cache key, or null when it has none (the item then left as an error). */
function keyOf(
	op: OperationContext<OutputOf<'cacheStore'>>,
	settings: StoreSettings,
	source: INodeExecutionData,
	index: number,
): string | null {
	if (settings.keyFrom === 'fields')
		return cacheKeyOrFail(op, 'Stored', source, index, settings.fields, settings.ignoreCase);
	const raw = op.context.getNodeParameter('cacheKey', index, '') as unknown;
	const key = typeof raw === 'string' ? raw.trim() : '';
	if (HASH.test(key)) return key;
	failItemTo(
		op,
		'Stored',
		source,
		index,
		redactedItemError(
			op.context,
			index,
			`Item ${index}: Cache Key is not a key from Cache Lookup: ${JSON.stringify(raw)?.slice(0, 80)}`,
			"Set Cache Key to {{ $('Cache Lookup').item.json.costGuardCache.key }} (your Cache Lookup node's name).",
		),
	);
	return null;
}

/**
 * The stored value of an item's response: without what belongs to this item only (its
 * cost, its Check Budget stamp, its correlation ID: a hit must not replay another
 * item's) and without secrets.
 */
function entryOf(source: INodeExecutionData, settings: StoreSettings, now: number) {
	const response = (
		settings.responseField === ''
			? withoutItemFields(source.json, settings.costField, settings.correlationField)
			: paths.getPath(source.json, settings.responseField)
	) as jsonCore.JsonValue | undefined;
	const costNanos = paths.getPath(source.json, `${settings.costField}.nanos`);
	return {
		response: response === undefined ? null : redactor.redact(response).value,
		costNanos:
			typeof costNanos === 'number' && Number.isSafeInteger(costNanos) && costNanos >= 0
				? costNanos
				: 0,
		storedAt: now,
	};
}

/**
 * How many of today's writes the budget's cache takes: the store's atomic counter shares
 * the day's cap between workers; what it refuses is not cached.
 */
async function allowedToday(
	handle: BudgetHandle,
	writes: number,
	maxPerDay: number,
	now: number,
): Promise<number> {
	if (maxPerDay === 0) return writes;
	const day = cost.windowAt('day', now, 'UTC');
	const [total] = await handle.store.increment(handle.namespace, [
		counterIncrement(handle, 'cached', day, writes, now),
	]);
	return Math.max(0, Math.min(writes, maxPerDay - (total - writes)));
}

/** After the vendor: keeps each item's response under its key, with what it cost. */
export async function execute(op: OperationContext<OutputOf<'cacheStore'>>): Promise<void> {
	const { context, items } = op;
	if (items.length === 0) return;
	const settings = readSettings(op);
	const { name } = settings;
	const writes: stores.RecordWrite[] = [];
	/** The output item of each write, to mark it not stored when the day's cap is reached. */
	const written: IDataObject[] = [];
	let tooLarge = 0;
	const now = op.clock.now();
	items.forEach((source, index) => {
		const key = keyOf(op, settings, source, index);
		if (key === null) return;
		const value = entryOf(source, settings, now);
		if (Buffer.byteLength(JSON.stringify(value)) > cost.MAX_CACHE_ENTRY_BYTES) {
			tooLarge++;
			op.outputs.push(
				'Stored',
				pairedItem(
					source,
					index,
					withCacheInfo(source.json, { key, stored: false, reason: 'too large' }),
				),
			);
			return;
		}
		writes.push({
			key: cost.budgetKeys.cache(name, key),
			value,
			ttlMs: settings.ttlHours === 0 ? null : Math.round(settings.ttlHours * time.HOUR_MS),
		});
		const item = pairedItem(source, index, withCacheInfo(source.json, { key, stored: true }));
		written.push(item.json);
		op.outputs.push('Stored', item);
	});
	if (tooLarge > 0) {
		op.hints.push(
			hint(
				`${tooLarge} response(s) were larger than ${cost.MAX_CACHE_ENTRY_BYTES / 1_000_000} MB and were not cached.`,
				'warning',
			),
		);
	}
	try {
		if (writes.length === 0) return;
		const handle = await openBudget(op, name);
		const allowed = await allowedToday(handle, writes.length, settings.maxPerDay, now);
		for (const json of written.slice(allowed))
			json[CACHE_FIELD] = {
				...(json[CACHE_FIELD] as IDataObject),
				stored: false,
				reason: 'daily limit',
			};
		if (allowed < writes.length) {
			op.hints.push(
				hint(
					`${writes.length - allowed} response(s) were not cached: the budget's cache took its ${settings.maxPerDay} new responses for today (Max Responses Cached per Day).`,
					'warning',
				),
			);
		}
		if (allowed > 0) await handle.store.write(handle.namespace, writes.slice(0, allowed));
	} catch (error) {
		throw storeFailure(context, error);
	}
}

/** The item without the fields Cost Guard added for this item alone. */
function withoutItemFields(
	json: IDataObject,
	costField: string,
	correlationField: string,
): IDataObject {
	const rest: IDataObject = {};
	for (const [field, value] of Object.entries(json)) {
		if (
			field === CACHE_FIELD ||
			field === costField ||
			field === correlationField ||
			field === 'costGuard'
		)
			continue;
		rest[field] = value;
	}
	return rest;
}
