import {
	hint,
	operationError,
	resolveScope,
	scopeNamespace,
	type OperationContext,
	type stores,
	time,
} from '../../shared';

/** Dead letters must survive a restart and be shared by workers: no Redis (DESIGN.md). */
export const DEAD_LETTER_STORES = ['embedded', 'postgres'] as const;

/** Store queue names are `deadletter:<queue>`, so a scope name never collides with another node's. */
const QUEUE_KIND = 'deadletter';

/** Runs-once operations (List, Stats, Purge, Replay from the queue) pair what they make with the first input item. */
export const FIRST_ITEM = { item: 0 };

/** Most open records Stats reads to count them by class. */
export const statsSample = 1000;

/** The queue this node works on, in the store the user chose. */
export interface QueueHandle {
	store: stores.Store;
	queue: stores.RecordQueue;
	/** Name in the store: `deadletter:<label>`. */
	name: string;
	/** Name as the user knows it. */
	label: string;
}

/** Opens the store and checks it has a queue; errors are left to the caller (storeFailure). */
export async function openQueue(op: OperationContext, label?: string): Promise<QueueHandle> {
	const { context } = op;
	const store = await op.store();
	if (store.queue === undefined) {
		throw operationError(context, `${store.location} has no durable queue for dead letters`, {
			description: 'Choose the Embedded or the Postgres store.',
		});
	}
	// A typed queue name (Stats' Other Queues) gets the same namespacing as the Queue field: no other workflow's own queue.
	const name =
		label === undefined
			? resolveScope(context, QUEUE_KIND)
			: scopeNamespace(context, QUEUE_KIND, label, 'Other Queues');
	return { store, queue: store.queue, name, label: name.slice(QUEUE_KIND.length + 1) };
}

/** How often Capture and Replay look for settled records past retention, per queue. */
const PURGE_INTERVAL_MS = 10 * time.MINUTE_MS;
const MAINTENANCE_NAMESPACE = 'deadletter-maintenance';
const lastPurges = new Map<string, number>();

/**
 * Deletes settled records past retention, at most once per interval per queue across
 * every process (a marker record with that TTL decides who purges). A failure here must
 * not undo the operation's work: it becomes a warning in the execution.
 */
export async function purgeSettledNow(
	op: OperationContext,
	handle: QueueHandle,
	retentionMs: number,
): Promise<void> {
	if (retentionMs <= 0) return;
	// Checking more often than the retention itself would find nothing new.
	const intervalMs = Math.max(1, Math.min(PURGE_INTERVAL_MS, retentionMs));
	const key = `${handle.store.backend}|${handle.store.location}|${handle.name}|${intervalMs}`;
	const now = op.clock.now();
	if ((lastPurges.get(key) ?? -Infinity) > now - intervalMs) return;
	lastPurges.set(key, now);
	try {
		// Keyed by the interval too: a node with a shorter retention is not held back by a longer one's turn.
		const turnKey = `${handle.name}|${intervalMs}`;
		const [turn] = await handle.store.write(MAINTENANCE_NAMESPACE, [
			{ key: turnKey, value: { purgedAt: now }, ifVersion: 0, ttlMs: intervalMs },
		]);
		if (turn.applied) await handle.queue.purge(handle.name, now - retentionMs);
	} catch (error) {
		op.hints.push(
			hint(
				`Settled dead letters past retention could not be deleted: ${(error as Error).message}`,
				'warning',
			),
		);
	}
}
