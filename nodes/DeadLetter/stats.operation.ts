import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { AlertThresholds, JsonObject, QueueStats } from '../shared';
import { FAILURE_CLASSES, parseFieldList, storeFailure } from '../shared';
import {
	alertItem,
	alertsEnabled,
	FIRST_ITEM,
	observeAlerts,
	openQueue,
	readOptions,
	readThresholds,
	statsJson,
	statsSample,
	type QueueHandle,
} from './queue';

const show = { show: { operation: ['stats'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show,
		options: [
			{
				displayName: 'Other Queues',
				name: 'otherQueues',
				type: 'string',
				default: '',
				placeholder: 'e.g. hubspot-sync, xero-invoices',
				description:
					'Comma-separated names of more queues to report on, one item each, with the same alert thresholds',
			},
		],
	},
];

/** One item per queue: depth by status and class, the oldest open record; Depth Alert on a crossing. Runs once per execution. */
export async function execute(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const thresholds = readThresholds(context);
	const otherQueues = parseFieldList(String(readOptions(context).otherQueues ?? ''));
	const outputs: INodeExecutionData[][] = [[], []];
	try {
		const handles = [
			await openQueue(context),
			...(await Promise.all(otherQueues.map(async (label) => await openQueue(context, label)))),
		];
		for (const handle of handles) await reportQueue(handle, thresholds, outputs);
	} catch (error) {
		throw storeFailure(context, error);
	}
	return outputs;
}

async function reportQueue(
	handle: QueueHandle,
	thresholds: AlertThresholds,
	outputs: INodeExecutionData[][],
): Promise<void> {
	const stats = await handle.queue.stats(handle.name);
	const byClass = await openRecordsByClass(handle, stats);
	outputs[0].push({
		json: { queue: handle.label, ...statsJson(stats), ...byClass },
		pairedItem: FIRST_ITEM,
	});
	if (!alertsEnabled(thresholds)) return;
	const crossings = await observeAlerts(handle, stats, thresholds);
	if (crossings.length > 0)
		outputs[1].push(alertItem(handle, stats, thresholds, crossings, FIRST_ITEM.item));
}

/**
 * Open records by class. The queue port counts by status only, so the open records
 * are listed (up to statsSample of them); `byClassComplete` says whether all were seen.
 */
async function openRecordsByClass(handle: QueueHandle, stats: QueueStats): Promise<JsonObject> {
	const open = stats.pending + stats.leased;
	const counts: Record<string, number> = Object.fromEntries(
		FAILURE_CLASSES.map((name) => [name, 0]),
	);
	if (open > 0) {
		const entries = await handle.queue.list(handle.name, {
			statuses: ['pending', 'leased'],
			limit: Math.min(open, statsSample),
		});
		for (const entry of entries) {
			const name = entry.category !== null && entry.category in counts ? entry.category : 'unknown';
			counts[name]++;
		}
	}
	return { byClass: counts, byClassComplete: open <= statsSample };
}
