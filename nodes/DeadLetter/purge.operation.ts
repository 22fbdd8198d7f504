import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { storeFailure } from '../shared';
import { durationParameter, FIRST_ITEM, openQueue } from './queue';

const DAY_MS = 86_400_000;

export const description: INodeProperties[] = [
	{
		displayName: 'Older Than (Days)',
		name: 'retentionDays',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 30,
		description:
			'Delete resolved and poison records last changed longer ago than this. Pending and replaying records are never purged.',
		displayOptions: { show: { operation: ['purge'] } },
	},
];

/** Deletes settled records past the retention period. Runs once per execution. */
export async function execute(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const retentionMs = durationParameter(
		context,
		'retentionDays',
		'Older Than (Days)',
		30,
		DAY_MS,
		true,
	);
	const before = Date.now() - retentionMs;
	try {
		const handle = await openQueue(context);
		const purged = await handle.queue.purge(handle.name, before);
		return [
			[
				{
					json: { queue: handle.label, purged, olderThan: new Date(before).toISOString() },
					pairedItem: FIRST_ITEM,
				},
			],
		];
	} catch (error) {
		throw storeFailure(context, error);
	}
}
