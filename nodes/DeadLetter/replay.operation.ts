import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import type { DeadLetterData, FailureClass, JsonObject, LeaseRequest, QueueEntry } from '../shared';
import {
	asDeadLetterData,
	attemptOf,
	describeDeadLetter,
	failItem,
	FAILURE_CLASSES,
	isPlainObject,
	itemError,
	parseFieldList,
	planReplay,
	stableHash,
	storeFailure,
} from '../shared';
import {
	correlationOption,
	countParameter,
	durationParameter,
	fieldOption,
	FIRST_ITEM,
	markerSecret,
	openQueue,
	outputFieldOption,
	readOptions,
	recordIdProperties,
	recordIdReader,
	replayOwner,
	retentionMsOf,
	retentionOption,
	signMarker,
	purgeSettledNow,
	type QueueHandle,
} from './queue';

const REPLAY = 0;
const NOT_REPLAYED = 1;
const MINUTE_MS = 60_000;

const show = { show: { operation: ['replay'] } };
const fromQueue = { show: { operation: ['replay'], source: ['queue'] } };

const CLASS_OPTIONS = [
	{ name: 'Auth', value: 'auth' },
	{ name: 'Data', value: 'data' },
	{ name: 'Rate Limit', value: 'rateLimit' },
	{ name: 'Transient', value: 'transient' },
	{ name: 'Unknown', value: 'unknown' },
];

export const description: INodeProperties[] = [
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
		displayOptions: show,
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
		displayOptions: show,
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
	...recordIdProperties({ operation: ['replay'], source: ['items'] }),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show,
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

interface Settings {
	source: 'queue' | 'items';
	leaseMs: number;
	maxAttempts: number;
	correlationField: string;
	outputField: string;
	payloadField: string;
	retentionMs: number;
}

/** A record leased for one output item. */
interface Replayed {
	entry: QueueEntry;
	data: DeadLetterData;
	pairedIndex: number;
	payload: JsonObject;
	edited: boolean;
}

export async function execute(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	const settings = readSettings(context);
	const outputs: INodeExecutionData[][] = [[], []];
	const requested =
		settings.source === 'items' ? namedRecords(context, items, settings, outputs) : null;
	if (requested !== null && requested.size === 0) return outputs;
	const request =
		settings.source === 'queue'
			? queueRequest(context)
			: { limit: requested!.size, ids: [...requested!.keys()] };

	let handle: QueueHandle;
	let leased: QueueEntry[];
	let secret: Buffer;
	const owner = replayOwner(context);
	try {
		handle = await openQueue(context);
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
		const { replay, park } = planReplay(leased, settings.maxAttempts);
		await parkPoison(handle, park, owner, settings);
		for (const entry of park) {
			const pairedIndex = requested?.get(entry.id)?.[0] ?? FIRST_ITEM.item;
			const view = { ...describeDeadLetter(entry, Date.now(), handle.label), status: 'poison' };
			outputs[NOT_REPLAYED].push(
				notReplayedItem(
					requested ? items[pairedIndex].json : {},
					pairedIndex,
					settings,
					view,
					'parked as poison: past Max Attempts',
				),
			);
		}
		for (const record of pairRecords(replay, requested, items, settings)) {
			outputs[REPLAY].push(
				await replayItem(
					context,
					record,
					handle,
					settings,
					signMarker(secret, {
						id: record.entry.id,
						queue: handle.label,
						attempt: attemptOf(record.entry),
						owner,
					}),
				),
			);
		}
		if (requested !== null)
			await reportMisses(
				handle,
				requested,
				new Set(leased.map((entry) => entry.id)),
				items,
				settings,
				outputs[NOT_REPLAYED],
			);
	} catch (error) {
		throw storeFailure(context, error);
	}
	await purgeSettledNow(context, handle, settings.retentionMs);
	return outputs;
}

/** Records leased past the maximum: earlier replays of them died without a verdict. Parked, so they do not loop. */
async function parkPoison(
	handle: QueueHandle,
	park: QueueEntry[],
	owner: string,
	settings: Settings,
): Promise<void> {
	if (park.length === 0) return;
	await handle.queue.settle(
		handle.name,
		park.map((entry) => ({
			id: entry.id,
			owner,
			status: 'discarded' as const,
			dataPatch: {
				parkedReason: `attempt ${attemptOf(entry)} is past Max Attempts (${settings.maxAttempts})`,
			},
		})),
	);
}

function readSettings(context: IExecuteFunctions): Settings {
	const options = readOptions(context);
	return {
		source: context.getNodeParameter('source', 0, 'queue') as Settings['source'],
		leaseMs: durationParameter(context, 'leaseMinutes', 'Lease (Minutes)', 10, MINUTE_MS),
		maxAttempts: countParameter(context, 'maxAttempts', 'Max Attempts', 5, 1),
		correlationField: fieldOption(options, 'correlationField', 'correlationId'),
		outputField: fieldOption(options, 'outputField', 'deadLetter'),
		payloadField: fieldOption(options, 'payloadField', 'payload'),
		retentionMs: retentionMsOf(context, options),
	};
}

/** The filters of a replay from the queue, read once. */
function queueRequest(context: IExecuteFunctions): Omit<LeaseRequest, 'leaseMs' | 'owner'> {
	const classes = (context.getNodeParameter('classes', 0, []) as string[]).filter(
		(value): value is FailureClass => (FAILURE_CLASSES as readonly string[]).includes(value),
	);
	const ids = parseFieldList(String(context.getNodeParameter('ids', 0, '')));
	const minAgeMs = durationParameter(
		context,
		'minAgeMinutes',
		'Captured at Least (Minutes Ago)',
		0,
		MINUTE_MS,
		true,
	);
	return {
		limit: countParameter(context, 'maxRecords', 'Max Records', 50, 1),
		...(classes.length > 0 ? { categories: classes } : {}),
		...(ids.length > 0 ? { ids } : {}),
		...(minAgeMs > 0 ? { enqueuedBefore: Date.now() - minAgeMs } : {}),
	};
}

/** Record IDs named by the input items, each with the items naming it; items without one fail. */
function namedRecords(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
	settings: Settings,
	outputs: INodeExecutionData[][],
): Map<string, number[]> {
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
			failItem(context, outputs, items[index], index, error, NOT_REPLAYED);
			continue;
		}
		const indexes = named.get(id) ?? [];
		indexes.push(index);
		named.set(id, indexes);
	}
	return named;
}

/** Each leased record with the item it answers (from the queue: the first input item). */
function pairRecords(
	entries: QueueEntry[],
	requested: Map<string, number[]> | null,
	items: INodeExecutionData[],
	settings: Settings,
): Replayed[] {
	return entries.map((entry) => {
		const data = asDeadLetterData(entry.data);
		const pairedIndex = requested?.get(entry.id)?.[0] ?? FIRST_ITEM.item;
		const given = requested ? items[pairedIndex].json[settings.payloadField] : undefined;
		const edited = isPlainObject(given) && stableHash(given) !== stableHash(data.payload);
		return {
			entry,
			data,
			pairedIndex,
			payload: edited ? (given as JsonObject) : data.payload,
			edited,
		};
	});
}

async function replayItem(
	context: IExecuteFunctions,
	record: Replayed,
	handle: QueueHandle,
	settings: Settings,
	binding: { owner: string; mac: string },
): Promise<INodeExecutionData> {
	const { entry, data } = record;
	const json: IDataObject = {
		...(record.payload as IDataObject),
		[settings.correlationField]: data.correlationId,
		[settings.outputField]: {
			id: entry.id,
			queue: handle.label,
			attempt: attemptOf(entry),
			edited: record.edited,
			class: data.class,
			reason: data.reason,
			idempotencyKey: data.idempotencyKey,
			correlationId: data.correlationId,
			leaseUntil: entry.leaseUntil === null ? null : new Date(entry.leaseUntil).toISOString(),
			capturedAt: new Date(entry.enqueuedAt).toISOString(),
			error: { message: data.error.message, httpCode: data.error.httpCode, code: data.error.code },
			// Binds the marker to this lease: Capture and Resolve act on the record only with these.
			...binding,
		},
	};
	const item: INodeExecutionData = { json, pairedItem: { item: record.pairedIndex } };
	const binary = await restoreBinary(context, data.binary);
	if (binary !== null) item.binary = binary;
	return item;
}

/** Stored content becomes binary data of this execution; a reference is handed back as it was. */
async function restoreBinary(
	context: IExecuteFunctions,
	stored: JsonObject | null,
): Promise<Record<string, IBinaryData> | null> {
	if (stored === null) return null;
	const binary: Record<string, IBinaryData> = {};
	for (const [property, value] of Object.entries(stored)) {
		if (!isPlainObject(value) || typeof value.data !== 'string') continue;
		const fileName = typeof value.fileName === 'string' ? value.fileName : undefined;
		const mimeType = typeof value.mimeType === 'string' ? value.mimeType : undefined;
		if (value.kept === 'content' && value.id === undefined) {
			binary[property] = await context.helpers.prepareBinaryData(
				Buffer.from(value.data, 'base64'),
				fileName,
				mimeType,
			);
		} else {
			// n8n's own binary data object again: its `id` points into n8n's binary store.
			const reference = Object.fromEntries(
				Object.entries(value).filter(([key]) => key !== 'kept' && key !== 'bytes'),
			);
			binary[property] = reference as unknown as IBinaryData;
		}
	}
	return Object.keys(binary).length > 0 ? binary : null;
}

/**
 * Items whose record was not leased: already replaying elsewhere, resolved, poison or
 * unknown. One more round trip, only when there are such items, to say which.
 */
async function reportMisses(
	handle: QueueHandle,
	requested: Map<string, number[]>,
	leased: Set<string>,
	items: INodeExecutionData[],
	settings: Settings,
	output: INodeExecutionData[],
): Promise<void> {
	const missing = [...requested.keys()].filter((id) => !leased.has(id));
	const found = new Map<string, QueueEntry>();
	if (missing.length > 0) {
		for (const entry of await handle.queue.list(handle.name, {
			ids: missing,
			limit: missing.length,
		}))
			found.set(entry.id, entry);
	}
	const now = Date.now();
	const unpaired: Array<[number, string, JsonObject | null, string]> = [];
	for (const [id, indexes] of requested) {
		// A record leased for its first item: the other items naming it get nothing twice.
		const rest = leased.has(id) ? indexes.slice(1) : indexes;
		const entry = found.get(id);
		const view = entry ? describeDeadLetter(entry, now, handle.label) : null;
		const reason = leased.has(id)
			? 'named twice in this batch: replayed for the first item only'
			: view === null
				? 'no such record in this queue'
				: `not pending: ${String(view.status)}`;
		for (const index of rest) unpaired.push([index, id, view, reason]);
	}
	unpaired.sort((a, b) => a[0] - b[0]);
	for (const [index, id, view, reason] of unpaired) {
		output.push(
			notReplayedItem(
				items[index].json,
				index,
				settings,
				view ?? { id, queue: handle.label, status: null },
				reason,
			),
		);
	}
}

function notReplayedItem(
	json: IDataObject,
	pairedIndex: number,
	settings: Settings,
	view: JsonObject,
	reason: string,
): INodeExecutionData {
	return {
		json: {
			...json,
			[settings.outputField]: { ...view, replayed: false, notReplayedReason: reason },
		},
		pairedItem: { item: pairedIndex },
	};
}
