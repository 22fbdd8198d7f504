import type { INodeProperties } from 'n8n-workflow';

import { storeFailure, time, updateDisplayOptions, type OperationContext } from '../../shared';
import type { OutputName } from './outputs';
import { durationParameter } from './parameters';
import { FIRST_ITEM, openQueue } from './queue';

const properties: INodeProperties[] = [
	{
		displayName: 'Older Than (Days)',
		name: 'retentionDays',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 30,
		description:
			'Delete resolved and poison records last changed longer ago than this. Pending and replaying records are never purged.',
	},
];

export const description = updateDisplayOptions({ show: { operation: ['purge'] } }, properties);

/** Deletes settled records past the retention period. Runs once per execution. */
export async function execute(op: OperationContext<OutputName<'purge'>>): Promise<void> {
	const { context } = op;
	const retentionMs = durationParameter(
		context,
		'retentionDays',
		'Older Than (Days)',
		30,
		time.DAY_MS,
		true,
	);
	const before = op.clock.now() - retentionMs;
	try {
		const handle = await openQueue(op);
		const purged = await handle.queue.purge(handle.name, before);
		op.outputs.push('Done', {
			json: { queue: handle.label, purged, olderThan: new Date(before).toISOString() },
			pairedItem: FIRST_ITEM,
		});
	} catch (error) {
		throw storeFailure(context, error);
	}
}
