import { randomUUID } from 'node:crypto';

import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	IPollFunctions,
} from 'n8n-workflow';

import {
	deadletter,
	operationError,
	scopeNamespace,
	storeFailure,
	storeForNode,
	type stores,
} from '../shared';
import { alertItem, alertsEnabled, observeAlerts } from '../DeadLetter/actions/alerts';
import { markerSecret, signMarker } from '../DeadLetter/actions/markers';
import { redactedValuesKeyring } from '../DeadLetter/actions/encryption';
import {
	decidePayloads,
	holdRecords,
	needsInputItem,
	type Held,
} from '../DeadLetter/actions/replayExact';
import {
	replayItem,
	type Replayed,
	type ReplaySettings,
} from '../DeadLetter/actions/replayRecords';
import type { QueueHandle } from '../DeadLetter/actions/queue';
import { PAYLOAD_FIELD, TRIGGER_STORES } from './properties';
import { readTriggerSettings, type TriggerSettings } from './settings';

/** Most settled records one poll deletes per status: the rest go at the next poll. */
export const PURGE_BATCH = 1000;
const QUEUE_KIND = 'deadletter';

/**
 * The poll context as the shared parameter readers and the store factory take it. A
 * poll context has every method they use but two: parameters are read without an item
 * index, and it has no storage path, which n8n derives from its user folder (as
 * @n8n/config's getN8nFolder does: N8N_USER_FOLDER, else the home folder).
 */
export function executeView(poll: IPollFunctions): IExecuteFunctions {
	const home = process.env.N8N_USER_FOLDER ?? process.env.HOME ?? process.cwd();
	// Forward slashes: the store factory takes the folder above with path.dirname, which reads them on every platform.
	const storagePath = `${home.replace(/[\\/]+$/, '')}/.n8n/storage/${poll.getNode().type}`;
	return {
		getNode: () => poll.getNode(),
		getWorkflow: () => poll.getWorkflow(),
		getMode: () => poll.getMode(),
		getExecutionId: () => '',
		getCredentials: async (type: string) => await poll.getCredentials(type),
		getNodeParameter: (name: string, _itemIndex: number, fallback?: unknown, options?: object) =>
			poll.getNodeParameter(name, fallback, options),
		helpers: { ...poll.helpers, getStoragePath: () => storagePath },
		additionalData: (poll as unknown as { additionalData?: unknown }).additionalData,
	} as unknown as IExecuteFunctions;
}

/** What one poll found: records to send again, and alerts (crossings, records it parked or held). */
export interface PollResult {
	records: INodeExecutionData[];
	alerts: INodeExecutionData[];
}

/** Most leases one poll takes: the first, then refills for the slots records held for input took. */
export const MAX_LEASE_ROUNDS = 5;

/** What the leases of one poll came to, before anything is settled. */
interface Sorted {
	due: Replayed[];
	parking: Array<{ entry: stores.QueueEntry; reason: string }>;
	returning: stores.QueueEntry[];
	held: Held[];
	unopened: Array<{ record: Replayed; error: deadletter.SealError }>;
}

/**
 * One poll: deletes a bounded batch of settled records past retention, leases the
 * records due under the schedule (atomically: two polls, two mains or a main and an
 * editor test never take the same record), parks those too old or past their schedule,
 * and emits the rest as Dead Letter 2.2's Replay does — the payload as captured, each
 * with a marker signed for this lease. A record whose payload lost values to redaction
 * and cannot be opened is never sent: it goes back to pending, that lease not counted,
 * and is reported once on Alerts (as Replay's Needs Input item).
 */
export async function pollQueue(poll: IPollFunctions): Promise<PollResult> {
	const context = executeView(poll);
	const settings = readTriggerSettings(context);
	const keyring = await redactedValuesKeyring(context);
	const name = scopeNamespace(
		context,
		QUEUE_KIND,
		String(context.getNodeParameter('scope', 0, '') ?? ''),
		'Queue',
	);
	const owner = `trigger:${poll.getWorkflow().id ?? 'unsaved'}:${randomUUID()}`;
	const replay = replaySettings(settings, keyring);
	let handle: QueueHandle;
	let secret: Buffer;
	let releasedAt: number | null;
	const now = Date.now();
	const sorted: Sorted = { due: [], parking: [], returning: [], held: [], unopened: [] };
	const lease = async (limit: number) =>
		await handle.queue.lease(name, {
			limit,
			leaseMs: settings.leaseMs,
			owner,
			due: deadletter.dueRules(settings.policy, now, releasedAt),
		});
	let leased: stores.QueueEntry[];
	try {
		const store = await storeForNode(context, [...TRIGGER_STORES]);
		if (store.queue === undefined)
			throw new Error(`${store.location} has no durable queue for dead letters`);
		handle = { store, queue: store.queue, name, label: name.slice(QUEUE_KIND.length + 1) };
		await purgeSettled(handle, settings, now);
		secret = await markerSecret(store);
		releasedAt = await readRelease(store, name);
		leased = await lease(settings.maxRecords);
	} catch (error) {
		throw storeFailure(context, error);
	}
	// Records held for input stay leased to this poll until it settles them, so a refill
	// takes others: old records that wait for someone cannot take every slot of every poll.
	let asked = settings.maxRecords;
	for (let round = 1; ; round++) {
		// A record whose payload cannot be read fails the poll, naming it; its leases run out.
		const held = sortLeased(leased, settings, sorted, keyring, now, releasedAt, (message) =>
			operationError(context, message),
		);
		if (held === 0 || leased.length < asked || round >= MAX_LEASE_ROUNDS) break;
		asked = held;
		try {
			leased = await lease(asked);
		} catch (error) {
			poll.logger.warn(`Dead Letter Trigger: ${(error as Error).message}`);
			break;
		}
	}

	const result: PollResult = { records: [], alerts: [] };
	for (const record of sorted.due) {
		const binding = signMarker(secret, {
			id: record.entry.id,
			queue: handle.label,
			attempt: deadletter.attemptOf(record.entry),
			owner,
		});
		const item = await replayItem(context, record, handle, replay, binding);
		delete item.pairedItem;
		result.records.push(item);
	}

	try {
		await settleParked(handle, owner, sorted.parking, sorted.returning);
		for (const { entry, reason } of sorted.parking)
			result.alerts.push({
				json: {
					kind: 'parked',
					message: `Dead letter ${entry.id} of queue "${handle.label}" was parked: ${reason}`,
					...describeOrBare(entry, now, handle.label),
					status: 'poison',
					parkedReason: reason,
				},
			});
		await holdRecords(handle, owner, [
			...sorted.held,
			...sorted.unopened.map(({ record }) => ({ record, needsInput: null })),
		]);
		result.alerts.push(...heldAlerts(handle, sorted, replay, now));
		if (alertsEnabled(settings.thresholds)) {
			const stats = await handle.queue.stats(name);
			const crossings = await observeAlerts(handle, stats, settings.thresholds);
			if (crossings.length > 0) {
				const alert = alertItem(handle, stats, settings.thresholds, crossings, 0);
				delete alert.pairedItem;
				result.alerts.push({ ...alert, json: { kind: 'depth', ...alert.json } });
			}
		}
	} catch (error) {
		// The records are leased and signed: emit them; what failed here is retried next poll.
		poll.logger.warn(`Dead Letter Trigger: ${(error as Error).message}`);
	}
	return result;
}

/** Replay 2.2's settings for the trigger's items: the payload whole under `payload`, the marker apart. */
function replaySettings(
	settings: TriggerSettings,
	keyring: deadletter.Keyring | null,
): ReplaySettings {
	return {
		source: 'queue',
		exact: true,
		keyring,
		leaseMs: settings.leaseMs,
		maxAttempts: Number.MAX_SAFE_INTEGER,
		correlationField: 'correlationId',
		outputField: settings.outputField,
		payloadField: PAYLOAD_FIELD,
		retentionMs: settings.resolvedRetentionMs,
	};
}

/**
 * Sorts one lease's entries into `sorted`: to park, to return untouched (a class the
 * policy does not send), due with a payload to send, or held (redacted values nothing
 * opens, or a sealed original that does not open). Returns how many were held.
 */
function sortLeased(
	leased: stores.QueueEntry[],
	settings: TriggerSettings,
	sorted: Sorted,
	keyring: deadletter.Keyring | null,
	now: number,
	releasedAt: number | null,
	fail: (message: string) => Error,
): number {
	const due: Replayed[] = [];
	for (const entry of leased) {
		let data: deadletter.DeadLetterData;
		try {
			data = deadletter.asDeadLetterData(entry.data);
		} catch {
			sorted.parking.push({
				entry,
				reason: 'not a dead letter (the queue name is used by something else)',
			});
			continue;
		}
		const plan = deadletter.planRedelivery(
			settings.policy,
			{
				category: entry.category,
				// Redeliveries before this lease, as Replay counts attempts and the store's due
				// rules count tries: leases held for input (or not opened) were taken back.
				attempts: deadletter.attemptOf(entry) - 2,
				enqueuedAt: entry.enqueuedAt,
				lastTryAt: 0,
				jitter: 0,
				retryAfterSeconds: null,
			},
			now,
			releasedAt,
		);
		if (plan.kind === 'park') {
			sorted.parking.push({ entry, reason: plan.reason });
			continue;
		}
		if (plan.kind !== 'due') {
			// Not this policy's to send (a category it does not know): back, untouched.
			sorted.returning.push(entry);
			continue;
		}
		due.push({ entry, data, pairedIndex: 0, payload: data.payload, edited: false, given: null });
	}
	const { sendable, held, unopened } = decidePayloads(due, keyring, fail);
	sorted.due.push(...sendable);
	sorted.held.push(...held);
	sorted.unopened.push(...unopened);
	return held.length + unopened.length;
}

/**
 * Alerts for the records held back: Replay's Needs Input item, once — when a record is
 * first found to need input (a record already marked waits silently) — and, at each
 * lease, a record whose sealed original the credential's keys do not open.
 */
function heldAlerts(
	handle: QueueHandle,
	sorted: Sorted,
	replay: ReplaySettings,
	now: number,
): INodeExecutionData[] {
	const alerts: INodeExecutionData[] = [];
	for (const { record, needsInput } of sorted.held) {
		if ((record.data.needsInput?.length ?? 0) > 0) continue;
		const item = needsInputItem(record, needsInput!, handle, replay, now);
		const marker = item.json[replay.outputField] as IDataObject;
		alerts.push({
			json: {
				kind: 'needsInput',
				message: `Dead letter ${record.entry.id} of queue "${handle.label}" was not sent: ${String(marker.notReplayedReason)}`,
				...item.json,
			},
		});
	}
	for (const { record, error } of sorted.unopened)
		alerts.push({
			json: {
				kind: 'notOpened',
				message: `Dead letter ${record.entry.id} of queue "${handle.label}" was not sent: its captured payload could not be decrypted: ${error.message}. Give the Encryption Key credential the key it was encrypted with (as Key, or a line of Previous Keys).`,
				...describeOrBare(record.entry, now, handle.label),
				status: 'pending',
			},
		});
	return alerts;
}

function describeOrBare(entry: stores.QueueEntry, now: number, queue: string) {
	try {
		return deadletter.describeDeadLetter(entry, now, queue);
	} catch {
		return { id: entry.id, queue, class: entry.category };
	}
}

async function settleParked(
	handle: QueueHandle,
	owner: string,
	parking: Array<{ entry: stores.QueueEntry; reason: string }>,
	returning: stores.QueueEntry[],
): Promise<void> {
	const settlements: stores.QueueSettlement[] = [
		...parking.map(({ entry, reason }) => ({
			id: entry.id,
			owner,
			status: 'discarded' as const,
			dataPatch: { parkedReason: reason },
		})),
		// Back as they were: a lease that sent nothing is no attempt, so the store takes it back.
		...returning.map((entry) => ({
			id: entry.id,
			owner,
			status: 'pending' as const,
			countLease: false,
		})),
	];
	if (settlements.length > 0) await handle.queue.settle(handle.name, settlements);
}

/** Retention: a bounded batch of resolved and of parked records past their time, each poll. */
async function purgeSettled(
	handle: QueueHandle,
	settings: TriggerSettings,
	now: number,
): Promise<void> {
	for (const [status, retentionMs] of [
		['done', settings.resolvedRetentionMs],
		['discarded', settings.parkedRetentionMs],
	] as const) {
		if (retentionMs > 0)
			await handle.queue.purge(handle.name, Math.max(0, now - retentionMs), {
				statuses: [status],
				limit: PURGE_BATCH,
			});
	}
}

/** When auth records of the queue were last released, or null. */
async function readRelease(store: stores.Store, queue: string): Promise<number | null> {
	const record = (await store.read(deadletter.AUTH_RELEASE_NAMESPACE, [queue])).records.get(queue);
	return deadletter.releaseTimeOf(record?.value);
}
