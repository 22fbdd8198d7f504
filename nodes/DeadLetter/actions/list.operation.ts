import type { INodeProperties } from 'n8n-workflow';

import {
	deadletter,
	fieldNameOption,
	paths,
	storeFailure,
	updateDisplayOptions,
	type OperationContext,
	type stores,
} from '../../shared';
import type { OutputName } from './outputs';
import { countParameter } from './parameters';
import { outputFieldOption } from './properties';
import { FIRST_ITEM, openQueue, type QueueHandle } from './queue';

const properties: INodeProperties[] = [
	{
		displayName: 'Statuses',
		name: 'statuses',
		type: 'multiOptions',
		options: [
			{ name: 'Pending', value: 'pending', description: 'Waiting for a replay' },
			{
				name: 'Poison',
				value: 'poison',
				description: 'Failed every attempt; kept, never replayed again',
			},
			{
				name: 'Replaying',
				value: 'replaying',
				description: 'Leased by a replay that has not finished',
			},
			{
				name: 'Resolved',
				value: 'resolved',
				description: 'Replayed successfully, or resolved by hand',
			},
		],
		default: ['pending', 'replaying', 'poison'],
		description: 'Records in these statuses. None chosen: every status.',
	},
	{
		displayName: 'Classes',
		name: 'classes',
		type: 'multiOptions',
		options: [
			{ name: 'Auth', value: 'auth' },
			{ name: 'Data', value: 'data' },
			{ name: 'Rate Limit', value: 'rateLimit' },
			{ name: 'Transient', value: 'transient' },
			{ name: 'Unknown', value: 'unknown' },
		],
		default: [],
		description: 'Records of these classes. None chosen: every class.',
	},
	{
		displayName: 'Dead Letter IDs',
		name: 'ids',
		type: 'string',
		default: '',
		description: 'Comma-separated record IDs. Empty: any record.',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 10000, numberPrecision: 0 },
		default: 50,
		description: 'Max number of results to return',
	},
	{
		displayName: 'Include Payload',
		name: 'includePayload',
		type: 'boolean',
		default: true,
		description:
			'Whether to output each record\'s stored payload (as "payload"), e.g. to edit it and replay it',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [outputFieldOption],
	},
];

export const description = updateDisplayOptions({ show: { operation: ['list'] } }, properties);

/** Outputs the queue's records, oldest first, one item each. Runs once per execution. */
export async function execute(op: OperationContext<OutputName<'list'>>): Promise<void> {
	const { context } = op;
	const statuses = (context.getNodeParameter('statuses', 0, []) as string[]).filter(
		(value): value is deadletter.DeadLetterStatus =>
			(deadletter.DEAD_LETTER_STATUSES as readonly string[]).includes(value),
	);
	const classes = (context.getNodeParameter('classes', 0, []) as string[]).filter(
		(value): value is deadletter.FailureClass =>
			(deadletter.FAILURE_CLASSES as readonly string[]).includes(value),
	);
	const ids = paths.parseFieldList(String(context.getNodeParameter('ids', 0, '')));
	const limit = countParameter(context, 'limit', 'Limit', 50, 1);
	const includePayload = context.getNodeParameter('includePayload', 0, true) as boolean;
	const outputField = fieldNameOption(context, 'options.outputField', 'Output Field', 'deadLetter');

	let handle: QueueHandle;
	let entries: stores.QueueEntry[];
	try {
		handle = await openQueue(op);
		entries = await handle.queue.list(handle.name, {
			limit,
			...(statuses.length > 0 ? { statuses: statuses.map(deadletter.storeStatusOf) } : {}),
			...(classes.length > 0 ? { categories: classes } : {}),
			...(ids.length > 0 ? { ids } : {}),
		});
	} catch (error) {
		throw storeFailure(context, error);
	}
	const now = op.clock.now();
	for (const entry of entries) {
		op.outputs.push('Records', {
			json: {
				[outputField]: deadletter.describeDeadLetter(entry, now, handle.label),
				...(includePayload ? { payload: deadletter.asDeadLetterData(entry.data).payload } : {}),
			},
			pairedItem: FIRST_ITEM,
		});
	}
}
