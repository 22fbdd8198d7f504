import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { configError, deadletter, hash, json, type stores } from '../../shared';
import { restoreBinary } from './binary';
import { FIRST_ITEM, type QueueHandle } from './queue';

/** Replay's items: each leased record as its payload again, and why the others were not replayed. */

export interface ReplaySettings {
	source: 'queue' | 'items';
	/** Version 2.2: the payload whole under payloadField, the marker beside it, never a placeholder. */
	exact: boolean;
	/** The Encryption Key credential's keys (version 2.2, Redacted Values: Keep Encrypted), else null. */
	keyring: deadletter.Keyring | null;
	leaseMs: number;
	maxAttempts: number;
	correlationField: string;
	outputField: string;
	payloadField: string;
	retentionMs: number;
}

/** Version 2.2's items hold the payload and the marker side by side: they need a field each. */
export function checkPayloadField(
	context: IExecuteFunctions,
	payloadField: string,
	outputField: string,
	payloadLabel: string,
): void {
	if (payloadField === outputField)
		throw configError(
			context,
			payloadLabel,
			`must differ from Output Field ("${outputField}")`,
			'The payload and the dead-letter marker each need their own field.',
		);
}

/** A record leased for one output item. */
export interface Replayed {
	entry: stores.QueueEntry;
	data: deadletter.DeadLetterData;
	pairedIndex: number;
	payload: json.JsonObject;
	edited: boolean;
	/** The payload an input item gave instead of the stored one, when it differs. */
	given: json.JsonObject | null;
}

/** Each leased record with the item it answers (from the queue: the first input item). */
export function pairRecords(
	entries: stores.QueueEntry[],
	requested: Map<string, number[]> | null,
	items: INodeExecutionData[],
	settings: ReplaySettings,
): Replayed[] {
	return entries.map((entry) => {
		const data = deadletter.asDeadLetterData(entry.data);
		const pairedIndex = requested?.get(entry.id)?.[0] ?? FIRST_ITEM.item;
		const given = requested ? items[pairedIndex].json[settings.payloadField] : undefined;
		const edited =
			json.isPlainObject(given) && hash.stableHash(given) !== hash.stableHash(data.payload);
		return {
			entry,
			data,
			pairedIndex,
			payload: edited ? (given as json.JsonObject) : data.payload,
			edited,
			given: edited ? (given as json.JsonObject) : null,
		};
	});
}

export async function replayItem(
	context: IExecuteFunctions,
	record: Replayed,
	handle: QueueHandle,
	settings: ReplaySettings,
	binding: { owner: string; mac: string },
): Promise<INodeExecutionData> {
	const { entry, data } = record;
	const marker: IDataObject = {
		id: entry.id,
		queue: handle.label,
		attempt: deadletter.attemptOf(entry),
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
	};
	// Version 2.2: the payload as captured under its own field, so a body of {{ $json.payload }}
	// sends it and nothing of ours; before, the payload's fields with the marker merged in.
	const replayed: IDataObject = settings.exact
		? {
				[settings.payloadField]: record.payload as IDataObject,
				[settings.outputField]: { ...marker, payloadField: settings.payloadField },
			}
		: {
				...(record.payload as IDataObject),
				[settings.correlationField]: data.correlationId,
				[settings.outputField]: marker,
			};
	const item: INodeExecutionData = { json: replayed, pairedItem: { item: record.pairedIndex } };
	const binary = await restoreBinary(context, data.binary);
	if (binary !== null) item.binary = binary;
	return item;
}

/**
 * Items whose record was not leased: already replaying elsewhere, resolved, poison or
 * unknown. One more round trip, only when there are such items, to say which.
 */
export async function reportMisses(
	handle: QueueHandle,
	requested: Map<string, number[]>,
	leased: Set<string>,
	items: INodeExecutionData[],
	settings: ReplaySettings,
	now: number,
): Promise<INodeExecutionData[]> {
	const missing = [...requested.keys()].filter((id) => !leased.has(id));
	const found = new Map<string, stores.QueueEntry>();
	if (missing.length > 0) {
		for (const entry of await handle.queue.list(handle.name, {
			ids: missing,
			limit: missing.length,
		}))
			found.set(entry.id, entry);
	}
	const unpaired: Array<[number, string, json.JsonObject | null, string]> = [];
	for (const [id, indexes] of requested) {
		// A record leased for its first item: the other items naming it get nothing twice.
		const rest = leased.has(id) ? indexes.slice(1) : indexes;
		const entry = found.get(id);
		const view = entry ? deadletter.describeDeadLetter(entry, now, handle.label) : null;
		const reason = leased.has(id)
			? 'named twice in this batch: replayed for the first item only'
			: view === null
				? 'no such record in this queue'
				: `not pending: ${String(view.status)}`;
		for (const index of rest) unpaired.push([index, id, view, reason]);
	}
	unpaired.sort((a, b) => a[0] - b[0]);
	return unpaired.map(([index, id, view, reason]) =>
		notReplayedItem(
			items[index].json,
			index,
			settings,
			view ?? { id, queue: handle.label, status: null },
			reason,
		),
	);
}

export function notReplayedItem(
	source: IDataObject,
	pairedIndex: number,
	settings: ReplaySettings,
	view: json.JsonObject,
	reason: string,
): INodeExecutionData {
	return {
		json: {
			...source,
			[settings.outputField]: { ...view, replayed: false, notReplayedReason: reason },
		},
		pairedItem: { item: pairedIndex },
	};
}
