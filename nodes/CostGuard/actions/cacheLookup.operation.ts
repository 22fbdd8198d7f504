import type { IDataObject, INodeProperties } from 'n8n-workflow';

import {
	cost,
	fieldNameOption,
	json,
	pairedItem,
	storeFailure,
	updateDisplayOptions,
	type OperationContext,
} from '../../shared';
import type { BudgetHandle } from './budget';
import {
	counterIncrement,
	openBudget,
	option,
	readBudgetConfig,
	readBudgetName,
	redactor,
	zoneFor,
} from './budget';
import { cacheKeyOrFail, keyFields, withCacheInfo } from './cache';
import { ignoreCaseOption, optionsCollection, timeZoneOption } from './common.descriptions';
import type { OutputOf } from './outputs';
import { PAIRING_VERSION } from './pairing';

const properties: INodeProperties[] = [
	{
		displayName: 'Key Fields',
		name: 'keyFields',
		type: 'string',
		default: '',
		placeholder: 'e.g. text, language',
		description:
			'Comma-separated fields whose values make the cache key: items with the same values (after trimming and collapsing spaces) share a response',
	},
	{
		displayName: 'Hit Output',
		name: 'hitOutput',
		type: 'options',
		description: 'What an item leaving on Hit looks like',
		options: [
			{
				name: 'Stored Response',
				value: 'replace',
				description:
					'The item becomes the stored response, as the vendor node would have output it',
			},
			{
				name: 'Input Merged With Response',
				value: 'merge',
				description: "The input item's fields, then the stored response's on top",
			},
			{
				name: 'Input With Response in a Field',
				value: 'field',
				description: 'The input item with the stored response in a field',
			},
		],
		default: 'replace',
	},
	{
		displayName: 'Response Field',
		name: 'responseField',
		type: 'string',
		default: 'response',
		description: 'Field of the input item that gets the stored response',
		displayOptions: { show: { hitOutput: ['field'] } },
	},
	optionsCollection([ignoreCaseOption, timeZoneOption]),
];

export const description = updateDisplayOptions(
	{ show: { operation: ['cacheLookup'] } },
	properties,
);

type HitOutput = 'replace' | 'merge' | 'field';

/** Counts hits, misses and the cost the hits avoided in every period's window. */
async function countCache(
	handle: BudgetHandle,
	now: number,
	zone: string,
	hits: number,
	misses: number,
	avoided: number,
): Promise<void> {
	const increments = cost.BUDGET_PERIODS.flatMap((period) => {
		const window = cost.windowAt(period, now, zone);
		return [
			...(hits > 0 ? [counterIncrement(handle, 'hits', window, hits, now)] : []),
			...(misses > 0 ? [counterIncrement(handle, 'misses', window, misses, now)] : []),
			...(avoided > 0 ? [counterIncrement(handle, 'avoided', window, avoided, now)] : []),
		];
	});
	if (increments.length > 0) await handle.store.increment(handle.namespace, increments);
}

/** A hit's item: the stored response, shaped as Hit Output says. */
function hitItem(
	input: IDataObject,
	entry: cost.CacheEntry,
	names: { key: string; budget?: string },
	hitOutput: HitOutput,
	responseField: string,
): IDataObject {
	const info = {
		...names,
		hit: true,
		storedAt: new Date(entry.storedAt).toISOString(),
		costAvoided: cost.nanosToNumber(entry.costNanos),
	};
	const stored = entry.response as IDataObject[keyof IDataObject];
	const response = json.isPlainObject(entry.response)
		? (entry.response as IDataObject)
		: { response: stored };
	if (hitOutput === 'merge') return withCacheInfo({ ...input, ...response }, info);
	if (hitOutput === 'field') return withCacheInfo({ ...input, [responseField]: stored }, info);
	return withCacheInfo(response, info);
}

/** Before the vendor: items whose key has a stored response leave on Hit with it, the rest on Miss. */
export async function execute(op: OperationContext<OutputOf<'cacheLookup'>>): Promise<void> {
	const { context, items } = op;
	if (items.length === 0) return;
	const name = readBudgetName(context);
	const fields = keyFields(context);
	const ignoreCase = option<boolean>(context, 'ignoreCase', false) === true;
	const hitOutput = context.getNodeParameter('hitOutput', 0, 'replace') as HitOutput;
	const responseField =
		hitOutput === 'field'
			? fieldNameOption(context, 'responseField', 'Response Field', 'response')
			: 'response';
	// Version 1.2 names the budget on each item, so a paired Cache Store stores the
	// vendor's answer under the budget this node used for it, not one it evaluates again.
	const budget = context.getNode().typeVersion >= PAIRING_VERSION ? { budget: name } : {};
	const keys = items.map((source, index) =>
		cacheKeyOrFail(op, 'Miss', source, index, fields, ignoreCase),
	);
	try {
		const handle = await openBudget(op, name);
		const storeKeys = [
			...new Set(
				keys
					.filter((key): key is string => key !== null)
					.map((key) => cost.budgetKeys.cache(name, key)),
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
			const entry = cost.asCacheEntry(records.get(cost.budgetKeys.cache(name, key))?.value);
			if (entry === null) {
				misses++;
				op.outputs.push(
					'Miss',
					pairedItem(source, index, withCacheInfo(source.json, { key, hit: false, ...budget })),
				);
				return;
			}
			hits++;
			avoided += entry.costNanos;
			// Redacted on the way out too: an entry stored before the redactor learnt a shape still holds it until it expires.
			entry.response = redactor.redact(entry.response).value;
			op.outputs.push(
				'Hit',
				pairedItem(
					source,
					index,
					hitItem(source.json, entry, { key, ...budget }, hitOutput, responseField),
				),
			);
		});
		await countCache(handle, now, zoneFor(context, config), hits, misses, avoided);
	} catch (error) {
		throw storeFailure(context, error);
	}
}
