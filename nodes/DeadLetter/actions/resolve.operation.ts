import type { IDataObject, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import {
	failItem,
	fieldNameOption,
	itemError,
	json,
	storeFailure,
	updateDisplayOptions,
	type OperationContext,
} from '../../shared';
import { markerSecret, pickMarker } from './markers';
import type { OutputName } from './outputs';
import { recordIdReader, ReplayLookup } from './pairing';
import { outputFieldOption, recordIdProperties } from './properties';
import { openQueue, type QueueHandle } from './queue';

const properties: INodeProperties[] = [
	...recordIdProperties(),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [outputFieldOption],
	},
];

export const description = updateDisplayOptions({ show: { operation: ['resolve'] } }, properties);

/** The record ID a candidate marker names, if any. */
function namedId(candidate: unknown): string | null {
	const id = json.isPlainObject(candidate) ? candidate.id : undefined;
	return typeof id === 'string' && id.trim() !== '' ? id.trim() : null;
}

/** An item naming a record: by a marker (checked against the lease) or by the user's expression. */
interface Named {
	index: number;
	id: string;
	/** Candidate markers (Record ID From: Found Automatically); absent for an expression. */
	markers?: unknown[];
	owner?: string;
	refused?: string;
}

/**
 * Marks records done. Found automatically, an item's record is resolved only through a
 * marker its Replay signed, and only while that Replay's lease holds it; a marker that
 * does not verify (typed into a webhook body, say) leaves on Not Resolved with the
 * reason. By expression, the record the expression names is resolved if it is open,
 * whoever holds it: the workflow's author chose that ID.
 */
export async function execute(op: OperationContext<OutputName<'resolve'>>): Promise<void> {
	const { context, items, outputs } = op;
	const outputField = fieldNameOption(context, 'options.outputField', 'Output Field', 'deadLetter');
	const named: Named[] = [];
	const automatic = context.getNodeParameter('idSource', 0, 'auto') === 'auto';
	const lookup = automatic ? new ReplayLookup(context, outputField) : null;
	const readId = automatic ? null : recordIdReader(context, outputField);
	for (let index = 0; index < items.length; index++) {
		if (lookup !== null) {
			const markers = lookup.candidates(items[index].json, index);
			const id = markers.map(namedId).find((value) => value !== null);
			if (id) {
				named.push({ index, id, markers });
				continue;
			}
		} else {
			const id = readId!(items[index].json, index);
			if (id !== null) {
				named.push({ index, id });
				continue;
			}
		}
		const error = itemError(
			context,
			index,
			`Item ${index} names no dead letter`,
			'The item carries no deadLetter field, and no Replay node upstream pairs with it. Connect Resolve after a Replay (through the nodes that write the record), or set Record ID From to Expression.',
		);
		failItem(context, outputs.buckets, items[index], index, error, outputs.index('Not Resolved'));
	}
	if (named.length === 0) return;

	let handle: QueueHandle;
	let applied: boolean[];
	try {
		handle = await openQueue(op);
		const secret = lookup !== null ? await markerSecret(handle.store) : null;
		for (const entry of named) {
			if (secret === null || entry.markers === undefined) continue;
			const found = pickMarker(secret, handle.label, entry.markers);
			if (found === null) {
				entry.refused =
					'its deadLetter field names a record but no Replay signed it. Nothing was resolved. To resolve records by ID (from List, say), set Record ID From to Expression.';
				continue;
			}
			entry.id = found.marker.id;
			if (found.trust.trusted) entry.owner = found.trust.owner;
			else
				entry.refused = `its deadLetter field is not bound to a replay of this queue: ${found.trust.reason}. Nothing was resolved.`;
		}
		const settling = named.filter((entry) => entry.refused === undefined);
		const settled =
			settling.length === 0
				? []
				: await handle.queue.settle(
						handle.name,
						settling.map(({ id, owner }) => ({
							id,
							status: 'done' as const,
							...(owner ? { owner } : {}),
						})),
					);
		const byEntry = new Map(settling.map((entry, position) => [entry, settled[position]]));
		applied = named.map((entry) => byEntry.get(entry) ?? false);
	} catch (error) {
		throw storeFailure(context, error);
	}
	named.forEach((entry, position) => {
		const { index, id } = entry;
		const previous = items[index].json[outputField];
		const reason =
			entry.refused ??
			(entry.owner
				? "not open under this replay's lease: its lease ran out (the record is pending again), or it is already resolved or poison"
				: 'not open: already resolved, parked as poison, or no such record in this queue');
		const resolved: IDataObject = {
			...items[index].json,
			[outputField]: {
				...(json.isPlainObject(previous) ? (previous as IDataObject) : {}),
				id,
				queue: handle.label,
				resolved: applied[position],
				...(applied[position] ? { status: 'resolved' } : { notResolvedReason: reason }),
			},
		};
		const item: INodeExecutionData = { json: resolved, pairedItem: { item: index } };
		if (items[index].binary) item.binary = items[index].binary;
		outputs.push(applied[position] ? 'Resolved' : 'Not Resolved', item);
	});
}
