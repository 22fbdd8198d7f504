import { sleep } from 'n8n-workflow';
import type { JsonObject, JsonValue } from '../core/json';
import type { RecordStamps, Store, StoreRecord } from './types';

/** What a decision wants written for one entry; nothing when the entry only reads. */
export interface Decision<Outcome> {
	outcome: Outcome;
	write?: { value: JsonValue; ttlMs: number | null };
}

/**
 * Decides one entry from the record as the store (and earlier entries of this batch)
 * left it. Must be pure: it may be called again for the same entry when a racing
 * writer changed the record between our read and our write.
 */
export type Decide<Outcome> = (
	current: StoreRecord | undefined,
	now: number,
	index: number,
) => Decision<Outcome>;

const MAX_LOST_ROUNDS = 12;

/** Thrown when entries kept losing races on a hot record; the batch wrote nothing more. */
export class StoreContentionError extends Error {
	constructor(location: string, rounds: number) {
		super(`${location}: records kept changing under concurrent writers after ${rounds} attempts`);
		this.name = 'StoreContentionError';
	}
}

/**
 * Jittered, growing pause after a lost round, so writers racing on one hot record
 * (many workers recording the same breaker) spread out instead of colliding again.
 */
function backoffAfterLostRound(lostRounds: number): Promise<void> {
	return sleep((2 + Math.random() * 8) * 2 ** Math.min(lostRounds - 1, 6));
}

/**
 * Optimistic read-decide-write over a batch: one `read` and one conditional `write`
 * round trip per round. Entries whose write lost a race are decided again on fresh
 * data. Entries for the same key see the decisions of earlier entries in the batch, so
 * duplicates inside one batch are handled exactly as across executions; a key is
 * written at most once per round, so a later write never rests on an earlier one
 * that may have lost.
 */
export async function updateRecords<Outcome>(
	store: Store,
	namespace: string,
	keys: string[],
	decide: Decide<Outcome>,
	absent?: AbsentRecords,
): Promise<Outcome[]> {
	const outcomes = new Array<Outcome>(keys.length);
	let pending = keys.map((_, index) => index);
	let lostRounds = 0;
	let seeded =
		absent && store.insert
			? await insertFirst(store, namespace, keys, decide, absent, outcomes)
			: undefined;
	if (seeded) pending = seeded.pending;
	while (pending.length > 0) {
		const { now, records } =
			seeded ?? (await store.read(namespace, [...new Set(pending.map((index) => keys[index]))]));
		seeded = undefined;
		const view = new Map(records);
		const writes: Array<{
			key: string;
			value: JsonValue;
			ttlMs: number | null;
			ifVersion: number;
		}> = [];
		const writtenKeys = new Set<string>();
		const deferredKeys = new Set<string>();
		const decided: number[] = [];
		const next: number[] = [];
		for (const index of pending) {
			const key = keys[index];
			if (deferredKeys.has(key)) {
				next.push(index);
				continue;
			}
			const current = view.get(key);
			const decision = decide(current, now, index);
			if (decision.write) {
				if (writtenKeys.has(key)) {
					deferredKeys.add(key);
					next.push(index);
					continue;
				}
				writtenKeys.add(key);
				const ifVersion = current?.version ?? 0;
				writes.push({ key, ifVersion, ...decision.write });
				// Later entries of this batch see this write as if it had landed. Its real
				// version is known only after the write; no entry writes on top of it this round.
				view.set(key, {
					key,
					value: decision.write.value,
					version: ifVersion + 1,
					expiresAt: decision.write.ttlMs === null ? null : now + decision.write.ttlMs,
				});
			}
			outcomes[index] = decision.outcome;
			decided.push(index);
		}
		if (writes.length > 0) {
			const results = await store.write(namespace, writes);
			const lostKeys = new Set(
				writes.filter((_, position) => !results[position].applied).map((write) => write.key),
			);
			if (lostKeys.size > 0) {
				if (++lostRounds > MAX_LOST_ROUNDS)
					throw new StoreContentionError(store.location, MAX_LOST_ROUNDS);
				await backoffAfterLostRound(lostRounds);
			}
			// Every entry decided on a key that lost saw a wrong view of it: decide again.
			next.push(...decided.filter((index) => lostKeys.has(keys[index])));
		}
		pending = next.sort((a, b) => a - b);
	}
	return outcomes;
}

/**
 * What `decide` writes for an entry whose key is absent, as a store `insert` takes it:
 * the value without its time fields, and the batch's stamps that add them (the store's
 * clock plus an offset). Stamped at `now`, it must equal `decide(undefined, now, index).write`.
 */
export interface AbsentRecords {
	stamps: RecordStamps;
	insert: (index: number) => { value: JsonObject; ttlMs: number | null };
}

/**
 * The first round when the store can insert: the first entry of each key creates its
 * record where the key is absent, in one round trip and without a read, and every other
 * key comes back with its live record. What is left (repeats in the batch, existing
 * records) is decided on that view by the usual rounds; a key that could not be read
 * (it went again in between) makes that round read afresh.
 */
async function insertFirst<Outcome>(
	store: Store,
	namespace: string,
	keys: string[],
	decide: Decide<Outcome>,
	absent: AbsentRecords,
	outcomes: Outcome[],
): Promise<{ now: number; records: Map<string, StoreRecord>; pending: number[] } | undefined> {
	const first = new Map<string, number>();
	keys.forEach((key, index) => {
		if (!first.has(key)) first.set(key, index);
	});
	const firsts = [...first.values()];
	const { now, results } = await store.insert!(
		namespace,
		firsts.map((index) => ({ key: keys[index], ...absent.insert(index) })),
		absent.stamps,
	);
	const records = new Map<string, StoreRecord>();
	const done = new Uint8Array(keys.length);
	let unread = false;
	results.forEach((result, position) => {
		const index = firsts[position];
		if (result.applied) {
			const stampedAt = result.stampedAt ?? now;
			const decision = decide(undefined, stampedAt, index);
			if (!decision.write) throw new Error('An entry inserted where its decision writes nothing');
			outcomes[index] = decision.outcome;
			done[index] = 1;
			records.set(result.key, {
				key: result.key,
				value: decision.write.value,
				version: result.version,
				expiresAt: decision.write.ttlMs === null ? null : stampedAt + decision.write.ttlMs,
			});
		} else if (result.record) records.set(result.key, result.record);
		else unread = true;
	});
	const pending = keys.map((_, index) => index).filter((index) => done[index] === 0);
	// A key missing from the view would be decided as absent: read every pending key instead.
	if (!unread) return { now, records, pending };
	const fresh = await store.read(namespace, [...new Set(pending.map((index) => keys[index]))]);
	return { ...fresh, pending };
}
