import type { INodeProperties } from 'n8n-workflow';

import { scopeProperty, storeProperty } from '../shared';
import { alertProperties, DEAD_LETTER_STORES, maxAttemptsProperty } from './queue';
import { description as captureDescription } from './capture.operation';
import { description as listDescription } from './list.operation';
import { description as purgeDescription } from './purge.operation';
import { description as replayDescription } from './replay.operation';
import { description as resolveDescription } from './resolve.operation';
import { description as statsDescription } from './stats.operation';

export { outputsForOperation } from './outputs';

const queueProperty: INodeProperties = {
	...scopeProperty('e.g. salesforce-sync'),
	displayName: 'Queue',
	description:
		'Name of the dead-letter queue. Use the same name in the workflow that replays it. Leave empty to keep the queue to this workflow.',
};

export const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Capture',
				value: 'capture',
				action: 'Capture failed items as dead letters',
				description:
					'Store each failed item with its error and class; routes Captured, Auth Failure or Depth Alert',
			},
			{
				name: 'List',
				value: 'list',
				action: 'List dead letters',
				description: 'Output the records of the queue, filtered by status, class or ID',
			},
			{
				name: 'Purge',
				value: 'purge',
				action: 'Purge old resolved dead letters',
				description: 'Delete resolved and poison records older than a retention period',
			},
			{
				name: 'Replay',
				value: 'replay',
				action: 'Replay dead letters',
				description: 'Lease pending records and output their original payloads for another try',
			},
			{
				name: 'Resolve',
				value: 'resolve',
				action: 'Resolve replayed dead letters',
				description: 'Mark records done after a successful replay',
			},
			{
				name: 'Stats',
				value: 'stats',
				action: 'Get queue statistics',
				description:
					"Depth by status and class and the oldest record's age; routes Depth Alert on a crossing",
			},
		],
		default: 'capture',
	},
	storeProperty([...DEAD_LETTER_STORES]),
	{
		displayName:
			'If the store cannot be reached, no item leaves on a success output: each leaves as an error (on the error output with On Error: Continue (using error output), on Not Captured, Not Replayed or Not Resolved with Continue (using regular output)), or the node fails',
		name: 'storeFailureNotice',
		type: 'notice',
		default: '',
	},
	queueProperty,
	...captureDescription,
	maxAttemptsProperty,
	...alertProperties,
	...replayDescription,
	...resolveDescription,
	...listDescription,
	...statsDescription,
	...purgeDescription,
];
