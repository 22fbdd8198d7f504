import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { DeadLetterStatus, FailureClass, QueueEntry } from '../shared';
import {
	asDeadLetterData,
	DEAD_LETTER_STATUSES,
	describeDeadLetter,
	FAILURE_CLASSES,
	parseFieldList,
	storeFailure,
	storeStatusOf,
} from '../shared';
import {
	countParameter,
	fieldOption,
	FIRST_ITEM,
	openQueue,
	outputFieldOption,
	readOptions,
	type QueueHandle,
} from './queue';

const show = { show: { operation: ['list'] } };

export const description: INodeProperties[] = [
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
		displayOptions: show,
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
		displayOptions: show,
	},
	{
		displayName: 'Dead Letter IDs',
		name: 'ids',
		type: 'string',
		default: '',
		description: 'Comma-separated record IDs. Empty: any record.',
		displayOptions: show,
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 10000, numberPrecision: 0 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: show,
	},
	{
		displayName: 'Include Payload',
		name: 'includePayload',
		type: 'boolean',
		default: true,
		description:
			'Whether to output each record\'s stored payload (as "payload"), e.g. to edit it and replay it',
		displayOptions: show,
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show,
		options: [outputFieldOption],
	},
];

/** Outputs the queue's records, oldest first, one item each. Runs once per execution. */
export async function execute(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const statuses = (context.getNodeParameter('statuses', 0, []) as string[]).filter(
		(value): value is DeadLetterStatus =>
			(DEAD_LETTER_STATUSES as readonly string[]).includes(value),
	);
	const classes = (context.getNodeParameter('classes', 0, []) as string[]).filter(
		(value): value is FailureClass => (FAILURE_CLASSES as readonly string[]).includes(value),
	);
	const ids = parseFieldList(String(context.getNodeParameter('ids', 0, '')));
	const limit = countParameter(context, 'limit', 'Limit', 50, 1);
	const includePayload = context.getNodeParameter('includePayload', 0, true) as boolean;
	const outputField = fieldOption(readOptions(context), 'outputField', 'deadLetter');

	let handle: QueueHandle;
	let entries: QueueEntry[];
	try {
		handle = await openQueue(context);
		entries = await handle.queue.list(handle.name, {
			limit,
			...(statuses.length > 0 ? { statuses: statuses.map(storeStatusOf) } : {}),
			...(classes.length > 0 ? { categories: classes } : {}),
			...(ids.length > 0 ? { ids } : {}),
		});
	} catch (error) {
		throw storeFailure(context, error);
	}
	const now = Date.now();
	return [
		entries.map((entry) => ({
			json: {
				[outputField]: describeDeadLetter(entry, now, handle.label),
				...(includePayload ? { payload: asDeadLetterData(entry.data).payload } : {}),
			},
			pairedItem: FIRST_ITEM,
		})),
	];
}
