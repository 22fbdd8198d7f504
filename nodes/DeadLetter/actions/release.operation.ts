import type { INodeProperties } from 'n8n-workflow';

import {
	deadletter,
	storeFailure,
	updateDisplayOptions,
	type OperationContext,
} from '../../shared';
import type { OutputName } from './outputs';
import { FIRST_ITEM, openQueue } from './queue';

const properties: INodeProperties[] = [
	{
		displayName:
			'Tells the Dead Letter Trigger of this queue that the credential works again: its auth records that failed before now are redelivered at its next poll (when its Auth Failures is After a Release). Put it after a Credential Expiry Check that passed, or run it by hand.',
		name: 'releaseNotice',
		type: 'notice',
		default: '',
	},
];

export const description = updateDisplayOptions({ show: { operation: ['release'] } }, properties);

/** Records the release time of the queue's auth records. Runs once per execution. */
export async function execute(op: OperationContext<OutputName<'release'>>): Promise<void> {
	const { context } = op;
	const releasedAt = op.clock.now();
	try {
		const handle = await openQueue(op);
		await handle.store.write(deadletter.AUTH_RELEASE_NAMESPACE, [
			{ key: handle.name, value: { releasedAt }, ttlMs: deadletter.AUTH_RELEASE_TTL_MS },
		]);
		op.outputs.push('Released', {
			json: { queue: handle.label, authReleasedAt: new Date(releasedAt).toISOString() },
			pairedItem: FIRST_ITEM,
		});
	} catch (error) {
		throw storeFailure(context, error);
	}
}
