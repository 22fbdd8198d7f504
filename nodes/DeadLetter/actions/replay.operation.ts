import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import {
	deadletter,
	failItem,
	fieldNameOption,
	itemError,
	paths,
	storeFailure,
	time,
	updateDisplayOptions,
	type OperationContext,
	type stores,
} from '../../shared';
import { EXACT_REPLAY_VERSION, readKeyring } from './encryption';
import { markerSecret, replayOwner, signMarker } from './markers';
import type { OutputName } from './outputs';
import { recordIdReader } from './pairing';
import { countParameter, durationParameter, readOptions, retentionMsOf } from './parameters';
import {
	correlationOption,
	outputFieldOption,
	recordIdProperties,
	retentionOption,
} from './properties';
import { FIRST_ITEM, openQueue, purgeSettledNow, type QueueHandle } from './queue';
import { sendablePayloads } from './replayExact';
import {
	checkPayloadField,
	notReplayedItem,
	pairRecords,
	replayItem,
	reportMisses,
	type ReplaySettings,
} from './replayRecords';

const fromQueue = { show: { source: ['queue'] } };

const CLASS_OPTIONS = [
	{ name: 'Auth', value: 'auth' },
	{ name: 'Data', value: 'data' },
	{ name: 'Rate Limit', value: 'rateLimit' },
	{ name: 'Transient', value: 'transient' },
	{ name: 'Unknown', value: 'unknown' },
];

const properties: INodeProperties[] = [
	{
		displayName: 'Records',
		name: 'source',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Oldest Pending Records',
				value: 'queue',
				description:
					'Lease up to Max Records pending records, oldest first, filtered below. Runs once per execution.',
			},
			{
				name: 'Records Named by Input Items',
				value: 'items',
				description:
					'Each input item names a record (from List, say), and may carry an edited payload to replay instead',
			},
		],
		default: 'queue',
		description: 'Which records this Replay sends again',
	},
	{
		displayName: 'Max Records',
		name: 'maxRecords',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 10000, numberPrecision: 0 },
		default: 50,
		description: 'Most records to lease in one execution',
		displayOptions: fromQueue,
	},
	{
		displayName: 'Lease (Minutes)',
		name: 'leaseMinutes',
		type: 'number',
		typeOptions: { minValue: 0.01 },
		default: 10,
		description:
			'How long the replay holds its records. Records not resolved or captured again by then return to pending, so a replay that crashes loses nothing. Make it longer than the replay takes.',
	},
	{
		displayName: 'Classes',
		name: 'classes',
		type: 'multiOptions',
		options: CLASS_OPTIONS,
		default: [],
		description: 'Replay only records of these classes. None chosen: every class.',
		displayOptions: fromQueue,
	},
	{
		displayName: 'Captured at Least (Minutes Ago)',
		name: 'minAgeMinutes',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description:
			'Replay only records captured at least this long ago, e.g. to give a rate limit time to reset. 0: any age.',
		displayOptions: fromQueue,
	},
	{
		displayName: 'Dead Letter IDs',
		name: 'ids',
		type: 'string',
		default: '',
		placeholder: 'e.g. 0191c7e2-…, 0191c7e3-…',
		description: 'Comma-separated record IDs to replay. Empty: any record.',
		displayOptions: fromQueue,
	},
	...recordIdProperties({ source: ['items'] }),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			correlationOption,
			{
				displayName: 'Edited Payload Field',
				name: 'payloadField',
				type: 'string',
				default: 'payload',
				description:
					"When an input item has this field (an object), it is replayed instead of the stored payload. Fix the bad field in List's output, then replay it.",
				displayOptions: { show: { '/source': ['items'] } },
			},
			outputFieldOption,
			retentionOption,
		],
	},
];

export const description = updateDisplayOptions({ show: { operation: ['replay'] } }, properties);

/**
 * Leases pending records (oldest first, or those the input items name) and outputs
 * their payloads again on Replay, each with a marker signed for this lease; records
 * past Max Attempts are parked as poison and leave, with what was not leased, on Not
 * Replayed.
 */
export async function execute(op: OperationContext<OutputName<'replay'>>): Promise<void> {
	const { context, items, outputs } = op;
	const settings = await readSettings(context);
	const requested = settings.source === 'items' ? namedRecords(op, settings) : null;
	if (requested !== null && requested.size === 0) return;
	const request =
		settings.source === 'queue'
			? queueRequest(op)
			: { limit: requested!.size, ids: [...requested!.keys()] };

	let handle: QueueHandle;
	let leased: stores.QueueEntry[];
	let secret: Buffer;
	const owner = replayOwner(context);
	try {
		handle = await openQueue(op);
		// The secret first: a lease taken without it would hand out records no Capture or Resolve could settle.
		secret = await markerSecret(handle.store);
		leased = await handle.queue.lease(handle.name, {
			...request,
			leaseMs: settings.leaseMs,
			owner,
		});
	} catch (error) {
		throw storeFailure(context, error);
	}

	// From here on a failure leaves the records leased: they return when the lease runs out.
	try {
		const { replay, park } = deadletter.planReplay(leased, settings.maxAttempts);
		await parkPoison(handle, park, owner, settings);
		for (const entry of park) {
			const pairedIndex = requested?.get(entry.id)?.[0] ?? FIRST_ITEM.item;
			const view = {
				...deadletter.describeDeadLetter(entry, op.clock.now(), handle.label),
				status: 'poison',
			};
			outputs.push(
				'Not Replayed',
				notReplayedItem(
					requested ? items[pairedIndex].json : {},
					pairedIndex,
					settings,
					view,
					'parked as poison: past Max Attempts',
				),
			);
		}
		let records = pairRecords(replay, requested, items, settings);
		if (settings.exact) records = await sendablePayloads(op, handle, records, owner, settings);
		for (const record of records) {
			const binding = signMarker(secret, {
				id: record.entry.id,
				queue: handle.label,
				attempt: deadletter.attemptOf(record.entry),
				owner,
			});
			outputs.push('Replay', await replayItem(context, record, handle, settings, binding));
		}
		if (requested !== null) {
			const leasedIds = new Set(leased.map((entry) => entry.id));
			outputs.push(
				'Not Replayed',
				...(await reportMisses(handle, requested, leasedIds, items, settings, op.clock.now())),
			);
		}
	} catch (error) {
		throw storeFailure(context, error);
	}
	await purgeSettledNow(op, handle, settings.retentionMs);
}

/** Records leased past the maximum: earlier replays of them died without a verdict. Parked, so they do not loop. */
async function parkPoison(
	handle: QueueHandle,
	park: stores.QueueEntry[],
	owner: string,
	settings: ReplaySettings,
): Promise<void> {
	if (park.length === 0) return;
	await handle.queue.settle(
		handle.name,
		park.map((entry) => ({
			id: entry.id,
			owner,
			status: 'discarded' as const,
			dataPatch: {
				parkedReason: `attempt ${deadletter.attemptOf(entry)} is past Max Attempts (${settings.maxAttempts})`,
			},
		})),
	);
}

async function readSettings(context: IExecuteFunctions): Promise<ReplaySettings> {
	const options = readOptions(context);
	const settings: ReplaySettings = {
		source: context.getNodeParameter('source', 0, 'queue') as ReplaySettings['source'],
		exact: context.getNode().typeVersion >= EXACT_REPLAY_VERSION,
		keyring: await readKeyring(context),
		leaseMs: durationParameter(context, 'leaseMinutes', 'Lease (Minutes)', 10, time.MINUTE_MS),
		maxAttempts: countParameter(context, 'maxAttempts', 'Max Attempts', 5, 1),
		correlationField: fieldNameOption(
			context,
			'options.correlationField',
			'Correlation ID Field',
			'correlationId',
		),
		outputField: fieldNameOption(context, 'options.outputField', 'Output Field', 'deadLetter'),
		payloadField: fieldNameOption(
			context,
			'options.payloadField',
			'Edited Payload Field',
			'payload',
		),
		retentionMs: retentionMsOf(context, options),
	};
	if (settings.exact)
		checkPayloadField(context, settings.payloadField, settings.outputField, 'Edited Payload Field');
	return settings;
}

/** The filters of a replay from the queue, read once. */
function queueRequest(op: OperationContext): Omit<stores.LeaseRequest, 'leaseMs' | 'owner'> {
	const { context } = op;
	const classes = (context.getNodeParameter('classes', 0, []) as string[]).filter(
		(value): value is deadletter.FailureClass =>
			(deadletter.FAILURE_CLASSES as readonly string[]).includes(value),
	);
	const ids = paths.parseFieldList(String(context.getNodeParameter('ids', 0, '')));
	const minAgeMs = durationParameter(
		context,
		'minAgeMinutes',
		'Captured at Least (Minutes Ago)',
		0,
		time.MINUTE_MS,
		true,
	);
	return {
		limit: countParameter(context, 'maxRecords', 'Max Records', 50, 1),
		...(classes.length > 0 ? { categories: classes } : {}),
		...(ids.length > 0 ? { ids } : {}),
		...(minAgeMs > 0 ? { enqueuedBefore: op.clock.now() - minAgeMs } : {}),
	};
}

/** Record IDs named by the input items, each with the items naming it; items without one fail. */
function namedRecords(
	op: OperationContext<OutputName<'replay'>>,
	settings: ReplaySettings,
): Map<string, number[]> {
	const { context, items, outputs } = op;
	const named = new Map<string, number[]>();
	const readId = recordIdReader(context, settings.outputField);
	for (let index = 0; index < items.length; index++) {
		const id = readId(items[index].json, index);
		if (id === null) {
			const error = itemError(
				context,
				index,
				`Item ${index} names no dead letter`,
				'Give items from List (they carry the deadLetter field), or set Record ID From to Expression.',
			);
			failItem(context, outputs.buckets, items[index], index, error, outputs.index('Not Replayed'));
			continue;
		}
		const indexes = named.get(id) ?? [];
		indexes.push(index);
		named.set(id, indexes);
	}
	return named;
}
