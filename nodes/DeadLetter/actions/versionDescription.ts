import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';

import { outputsExpression, storeProperty } from '../../shared';
import * as capture from './capture.operation';
import * as captureExecution from './captureExecution.operation';
import * as list from './list.operation';
import { redactedValuesProperty } from './encryption';
import { OUTPUTS, outputNames } from './outputs';
import { alertProperties, maxAttemptsProperty, queueProperty } from './properties';
import * as purge from './purge.operation';
import { DEAD_LETTER_STORES } from './queue';
import * as release from './release.operation';
import * as replay from './replay.operation';
import * as resolve from './resolve.operation';
import * as stats from './stats.operation';

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
				name: 'Capture Failed Execution',
				value: 'captureExecution',
				action: 'Capture the items of a failed execution',
				description:
					"In an error workflow: read the failed execution through the n8n API and store each item its failed node was given, with the node's error and class",
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
				name: 'Release Auth Records',
				value: 'release',
				action: 'Release auth dead letters for redelivery',
				description:
					'Tell the Dead Letter Trigger the credential works again: auth records that failed before now go again',
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
	redactedValuesProperty,
	...capture.description,
	...captureExecution.description,
	maxAttemptsProperty,
	...alertProperties,
	...replay.description,
	...resolve.description,
	...list.description,
	...stats.description,
	...purge.description,
	...release.description,
];

/**
 * The version part of the node's description; the base part (name, icon, inputs and
 * the other fields n8n's linter wants literal) is in the node class. Version 2 adds
 * Capture's Not Captured output (see outputNames); version 2.1 makes Capture's items the
 * record's summary without the payload again (capturedItem). Version 2.2 replays the
 * captured payload whole under its own field, beside the marker, never a placeholder:
 * Redacted Values, and Replay's Needs Input output. Earlier parameters are version 1's.
 */
export const versionDescription = {
	version: [1, 2, 2.1, 2.2],
	defaultVersion: 2.2,
	outputs: outputsExpression(outputNames, OUTPUTS) as INodeTypeDescription['outputs'],
	properties,
} satisfies Partial<INodeTypeDescription>;
