import { randomUUID } from 'node:crypto';

import type { IExecuteFunctions, INodeExecutionData, IPollFunctions } from 'n8n-workflow';

import { deadletter, scopeNamespace, storeFailure, storeForNode, type stores } from '../shared';
import { alertItem, alertsEnabled, observeAlerts } from '../DeadLetter/actions/alerts';
import { markerSecret, signMarker } from '../DeadLetter/actions/markers';
import { replayItem } from '../DeadLetter/actions/replayRecords';
import type { QueueHandle } from '../DeadLetter/actions/queue';
import { TRIGGER_STORES } from './properties';
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

/** What one poll found: records to send again, and alerts (crossings, records it parked). */
export interface PollResult {
	records: INodeExecutionData[];
	alerts: INodeExecutionData[];
}

/**
 * One poll: deletes a bounded batch of settled records past retention, leases the
 * records due under the schedule (atomically: two polls, two mains or a main and an
 * editor test never take the same record), parks those too old or past their schedule,
 * and emits the rest as Replay would, each with a marker signed for this lease.
 */
export async function pollQueue(poll: IPollFunctions): Promise<PollResult> {
	const context = executeView(poll);
	const settings = readTriggerSettings(context);
	const name = scopeNamespace(
		context,
		QUEUE_KIND,
		String(context.getNodeParameter('scope', 0, '') ?? ''),
		'Queue',
	);
	const owner = `trigger:${poll.getWorkflow().id ?? 'unsaved'}:${randomUUID()}`;
	let handle: QueueHandle;
	let leased: stores.QueueEntry[];
	let secret: Buffer;
	let releasedAt: number | null;
	const now = Date.now();
	try {
		const store = await storeForNode(context, [...TRIGGER_STORES]);
		if (store.queue === undefined)
			throw new Error(`${store.location} has no durable queue for dead letters`);
		handle = { store, queue: store.queue, name, label: name.slice(QUEUE_KIND.length + 1) };
		await purgeSettled(handle, settings, now);
		secret = await markerSecret(store);
		releasedAt = await readRelease(store, name);
		leased = await handle.queue.lease(name, {
			limit: settings.maxRecords,
			leaseMs: settings.leaseMs,
			owner,
			due: deadletter.dueRules(settings.policy, now, releasedAt),
		});
	} catch (error) {
		throw storeFailure(context, error);
	}

	const result: PollResult = { records: [], alerts: [] };
	const parking: Array<{ entry: stores.QueueEntry; reason: string }> = [];
	const returning: stores.QueueEntry[] = [];
	for (const entry of leased) {
		let data: deadletter.DeadLetterData;
		try {
			data = deadletter.asDeadLetterData(entry.data);
		} catch {
			parking.push({
				entry,
				reason: 'not a dead letter (the queue name is used by something else)',
			});
			continue;
		}
		const plan = deadletter.planRedelivery(
			settings.policy,
			{
				category: entry.category,
				// As it was before this lease: the plan of the try being handed out.
				attempts: entry.attempts - 1,
				enqueuedAt: entry.enqueuedAt,
				lastTryAt: 0,
				jitter: 0,
				retryAfterSeconds: null,
			},
			now,
			releasedAt,
		);
		if (plan.kind === 'park') {
			parking.push({ entry, reason: plan.reason });
			continue;
		}
		if (plan.kind !== 'due') {
			// Not this policy's to send (a category it does not know): back, untouched.
			returning.push(entry);
			continue;
		}
		const binding = signMarker(secret, {
			id: entry.id,
			queue: handle.label,
			attempt: deadletter.attemptOf(entry),
			owner,
		});
		const item = await replayItem(
			context,
			{ entry, data, pairedIndex: 0, payload: data.payload, edited: false },
			handle,
			{
				source: 'queue',
				leaseMs: settings.leaseMs,
				maxAttempts: Number.MAX_SAFE_INTEGER,
				correlationField: settings.correlationField,
				outputField: settings.outputField,
				payloadField: 'payload',
				retentionMs: settings.resolvedRetentionMs,
			},
			binding,
		);
		delete item.pairedItem;
		result.records.push(item);
	}

	try {
		await settleParked(handle, owner, parking, returning);
		for (const { entry, reason } of parking)
			result.alerts.push({
				json: {
					kind: 'parked',
					message: `Dead letter ${entry.id} of queue "${handle.label}" was parked: ${reason}`,
					...describeOrBare(entry, now, handle.label),
					status: 'poison',
					parkedReason: reason,
				},
			});
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
		...returning.map((entry) => ({ id: entry.id, owner, status: 'pending' as const })),
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
