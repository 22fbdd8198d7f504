import type { INodeProperties } from 'n8n-workflow';

import {
	deadletter,
	paths,
	storeFailure,
	updateDisplayOptions,
	type json,
	type OperationContext,
	type stores,
} from '../../shared';
import { alertItem, alertsEnabled, observeAlerts, readThresholds, statsJson } from './alerts';
import type { OutputName } from './outputs';
import { readOptions } from './parameters';
import { FIRST_ITEM, openQueue, statsSample, type QueueHandle } from './queue';

const properties: INodeProperties[] = [
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
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

export const description = updateDisplayOptions({ show: { operation: ['stats'] } }, properties);

/** One item per queue: depth by status and class, the oldest open record; Depth Alert on a crossing. Runs once per execution. */
export async function execute(op: OperationContext<OutputName<'stats'>>): Promise<void> {
	const { context } = op;
	const thresholds = readThresholds(context);
	const otherQueues = paths.parseFieldList(String(readOptions(context).otherQueues ?? ''));
	try {
		const handles = [
			await openQueue(op),
			...(await Promise.all(otherQueues.map(async (label) => await openQueue(op, label)))),
		];
		for (const handle of handles) await reportQueue(op, handle, thresholds);
	} catch (error) {
		throw storeFailure(context, error);
	}
}

async function reportQueue(
	op: OperationContext<OutputName<'stats'>>,
	handle: QueueHandle,
	thresholds: deadletter.AlertThresholds,
): Promise<void> {
	const stats = await handle.queue.stats(handle.name);
	const byClass = await openRecordsByClass(handle, stats);
	op.outputs.push('Stats', {
		json: { queue: handle.label, ...statsJson(stats), ...byClass },
		pairedItem: FIRST_ITEM,
	});
	if (!alertsEnabled(thresholds)) return;
	const crossings = await observeAlerts(handle, stats, thresholds);
	if (crossings.length > 0)
		op.outputs.push(
			'Depth Alert',
			alertItem(handle, stats, thresholds, crossings, FIRST_ITEM.item),
		);
}

/**
 * Open records by class. The queue port counts by status only, so the open records
 * are listed (up to statsSample of them); `byClassComplete` says whether all were seen.
 */
async function openRecordsByClass(
	handle: QueueHandle,
	stats: stores.QueueStats,
): Promise<json.JsonObject> {
	const open = stats.pending + stats.leased;
	const counts: Record<string, number> = Object.fromEntries(
		deadletter.FAILURE_CLASSES.map((name) => [name, 0]),
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
