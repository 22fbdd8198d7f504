import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeExecutionHint,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { BudgetPeriod, CounterIncrement, JsonValue, RecordWrite } from '../shared';
import {
	asCacheEntry,
	BUDGET_PERIODS,
	budgetKeys,
	cacheKeyOf,
	failItem,
	getPath,
	isPlainObject,
	MAX_CACHE_ENTRY_BYTES,
	nanosToNumber,
	pairedItem,
	parseFieldList,
	storeFailure,
	windowAt,
} from '../shared';
import type { BudgetHandle } from './budget';
import {
	counterIncrement,
	openBudget,
	option,
	readBudgetConfig,
	readBudgetName,
	redactedItemError,
	redactor,
	zoneFor,
} from './budget';

const HIT = 0;
const MISS = 1;
const CACHE_FIELD = 'costGuardCache';
const HASH = /^[0-9a-f]{64}$/;

function keyFields(context: IExecuteFunctions): string[] {
	const fields = parseFieldList(String(context.getNodeParameter('keyFields', 0, '')));
	if (fields.length === 0) {
		throw new NodeOperationError(context.getNode(), 'Key Fields is empty', {
			description:
				'Name the fields whose values decide whether two items may share a response, e.g. text, language.',
		});
	}
	return fields;
}

/** Counts hits, misses and the cost the hits avoided in every period's window. */
async function countCache(
	handle: BudgetHandle,
	now: number,
	zone: string,
	hits: number,
	misses: number,
	avoided: number,
): Promise<void> {
	const increments: CounterIncrement[] = [];
	for (const period of BUDGET_PERIODS as BudgetPeriod[]) {
		const window = windowAt(period, now, zone);
		if (hits > 0) increments.push(counterIncrement(handle, 'hits', window, hits, now));
		if (misses > 0) increments.push(counterIncrement(handle, 'misses', window, misses, now));
		if (avoided > 0) increments.push(counterIncrement(handle, 'avoided', window, avoided, now));
	}
	if (increments.length > 0) await handle.store.increment(handle.namespace, increments);
}

export async function lookup(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	const outputs: INodeExecutionData[][] = [[], []];
	if (items.length === 0) return outputs;
	const name = readBudgetName(context);
	const fields = keyFields(context);
	const ignoreCase = option<boolean>(context, 'ignoreCase', false) === true;
	const hitOutput = context.getNodeParameter('hitOutput', 0, 'replace') as
		| 'replace'
		| 'merge'
		| 'field';
	const responseField =
		String(context.getNodeParameter('responseField', 0, 'response')).trim() || 'response';
	const keys: Array<string | null> = items.map((source, index) => {
		try {
			return cacheKeyOf(source.json, fields, { ignoreCase });
		} catch (error) {
			failItem(
				context,
				outputs,
				source,
				index,
				redactedItemError(
					context,
					index,
					`Item ${index}: ${(error as Error).message}`,
					'Key on simpler fields.',
				),
				MISS,
			);
			return null;
		}
	});
	try {
		const handle = await openBudget(context, name);
		const storeKeys = [
			...new Set(
				keys.filter((key): key is string => key !== null).map((key) => budgetKeys.cache(name, key)),
			),
		];
		const [{ records, now }, { config }] = await Promise.all([
			handle.store.read(handle.namespace, storeKeys),
			readBudgetConfig(handle),
		]);
		let hits = 0;
		let misses = 0;
		let avoided = 0;
		keys.forEach((key, index) => {
			if (key === null) return;
			const source = items[index];
			const entry = asCacheEntry(records.get(budgetKeys.cache(name, key))?.value);
			if (entry === null) {
				misses++;
				outputs[MISS].push(
					pairedItem(source, index, { ...source.json, [CACHE_FIELD]: { key, hit: false } }),
				);
				return;
			}
			hits++;
			avoided += entry.costNanos;
			// Redacted on the way out too: an entry stored before the redactor learnt a shape still holds it until it expires.
			entry.response = redactor.redact(entry.response).value;
			const info = {
				key,
				hit: true,
				storedAt: new Date(entry.storedAt).toISOString(),
				costAvoided: nanosToNumber(entry.costNanos),
			};
			const response = isPlainObject(entry.response)
				? (entry.response as IDataObject)
				: { response: entry.response as IDataObject[keyof IDataObject] };
			let json: IDataObject;
			if (hitOutput === 'merge') json = { ...source.json, ...response, [CACHE_FIELD]: info };
			else if (hitOutput === 'field')
				json = {
					...source.json,
					[responseField]: entry.response as IDataObject[keyof IDataObject],
					[CACHE_FIELD]: info,
				};
			else json = { ...response, [CACHE_FIELD]: info };
			outputs[HIT].push(pairedItem(source, index, json));
		});
		await countCache(handle, now, zoneFor(context, config), hits, misses, avoided);
	} catch (error) {
		throw storeFailure(context, error);
	}
	return outputs;
}

export async function store(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	const outputs: INodeExecutionData[][] = [[]];
	if (items.length === 0) return outputs;
	const name = readBudgetName(context);
	const keyFrom = context.getNodeParameter('keyFrom', 0, 'key') as 'key' | 'fields';
	const fields = keyFrom === 'fields' ? keyFields(context) : [];
	const ignoreCase = option<boolean>(context, 'ignoreCase', false) === true;
	const ttlHours = Number(context.getNodeParameter('ttlHours', 0, 24));
	if (!Number.isFinite(ttlHours) || ttlHours < 0) {
		throw new NodeOperationError(
			context.getNode(),
			`Time to Live (Hours) must be 0 or more, got ${String(ttlHours)}`,
			{ description: 'Use 0 to keep responses until replaced.' },
		);
	}
	const responseField = String(option(context, 'cacheResponseField', '')).trim();
	const costField = String(option(context, 'costField', 'cost')).trim() || 'cost';
	const correlationField =
		String(option(context, 'correlationField', 'correlationId')).trim() || 'correlationId';
	const maxPerDay = Number(option(context, 'maxCachedPerDay', 10_000));
	if (!Number.isSafeInteger(maxPerDay) || maxPerDay < 0) {
		throw new NodeOperationError(
			context.getNode(),
			`Max Responses Cached per Day must be a whole number, 0 or more, got ${String(maxPerDay)}`,
			{ description: 'Use 0 for no limit.' },
		);
	}
	const hints: NodeExecutionHint[] = [];
	const writes: RecordWrite[] = [];
	/** The output item of each write, to mark it not stored when the day's cap is reached. */
	const written: IDataObject[] = [];
	let tooLarge = 0;
	const now = Date.now();
	items.forEach((source, index) => {
		let key: string;
		if (keyFrom === 'fields') {
			try {
				key = cacheKeyOf(source.json, fields, { ignoreCase });
			} catch (error) {
				failItem(
					context,
					outputs,
					source,
					index,
					redactedItemError(
						context,
						index,
						`Item ${index}: ${(error as Error).message}`,
						'Key on simpler fields.',
					),
				);
				return;
			}
		} else {
			const raw = context.getNodeParameter('cacheKey', index, '') as unknown;
			key = typeof raw === 'string' ? raw.trim() : '';
			if (!HASH.test(key)) {
				failItem(
					context,
					outputs,
					source,
					index,
					redactedItemError(
						context,
						index,
						`Item ${index}: Cache Key is not a key from Cache Lookup: ${JSON.stringify(raw)?.slice(0, 80)}`,
						"Set Cache Key to {{ $('Cache Lookup').item.json.costGuardCache.key }} (your Cache Lookup node's name).",
					),
				);
				return;
			}
		}
		// The response, without what belongs to this item only (its cost, its Check Budget
		// stamp, its correlation ID: a hit must not replay another item's) and without secrets.
		const response = (
			responseField === ''
				? withoutItemFields(source.json, costField, correlationField)
				: getPath(source.json, responseField)
		) as JsonValue | undefined;
		const costNanos = getPath(source.json, `${costField}.nanos`);
		const value = {
			response: response === undefined ? null : redactor.redact(response).value,
			costNanos:
				typeof costNanos === 'number' && Number.isSafeInteger(costNanos) && costNanos >= 0
					? costNanos
					: 0,
			storedAt: now,
		};
		if (Buffer.byteLength(JSON.stringify(value)) > MAX_CACHE_ENTRY_BYTES) {
			tooLarge++;
			outputs[0].push(
				pairedItem(source, index, {
					...source.json,
					[CACHE_FIELD]: { key, stored: false, reason: 'too large' },
				}),
			);
			return;
		}
		writes.push({
			key: budgetKeys.cache(name, key),
			value,
			ttlMs: ttlHours === 0 ? null : Math.round(ttlHours * 3_600_000),
		});
		const item = pairedItem(source, index, {
			...source.json,
			[CACHE_FIELD]: { key, stored: true },
		});
		written.push(item.json);
		outputs[0].push(item);
	});
	if (tooLarge > 0) {
		hints.push({
			message: `${tooLarge} response(s) were larger than ${MAX_CACHE_ENTRY_BYTES / 1_000_000} MB and were not cached.`,
			type: 'warning',
			location: 'outputPane',
		});
	}
	try {
		if (writes.length > 0) {
			const handle = await openBudget(context, name);
			let allowed = writes.length;
			if (maxPerDay > 0) {
				// The store's atomic counter shares the day's cap between workers; what it refuses is not cached.
				const day = windowAt('day', now, 'UTC');
				const [total] = await handle.store.increment(handle.namespace, [
					counterIncrement(handle, 'cached', day, writes.length, now),
				]);
				allowed = Math.max(0, Math.min(writes.length, maxPerDay - (total - writes.length)));
			}
			for (const json of written.slice(allowed))
				json[CACHE_FIELD] = {
					...(json[CACHE_FIELD] as IDataObject),
					stored: false,
					reason: 'daily limit',
				};
			if (allowed < writes.length) {
				hints.push({
					message: `${writes.length - allowed} response(s) were not cached: the budget's cache took its ${maxPerDay} new responses for today (Max Responses Cached per Day).`,
					type: 'warning',
					location: 'outputPane',
				});
			}
			if (allowed > 0) await handle.store.write(handle.namespace, writes.slice(0, allowed));
		}
	} catch (error) {
		throw storeFailure(context, error);
	}
	if (hints.length > 0) context.addExecutionHints(...hints);
	return outputs;
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
