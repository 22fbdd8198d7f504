/**
 * updateRecords' insert-first round (what Idempotent Write's Claim takes) on a store in
 * memory: the paths the real backends only reach under a race.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ClaimDecision, ClaimRequest } from '../../nodes/shared/core/idempotency';
import { asClaimRecord, decideClaim, firstClaim } from '../../nodes/shared/core/idempotency';
import type { JsonObject } from '../../nodes/shared/core/json';
import type {
	InsertBatchResult,
	RecordInsert,
	RecordStamps,
	RecordWrite,
	Store,
	StoreRecord,
	WriteResult,
} from '../../nodes/shared/stores/types';
import { updateRecords } from '../../nodes/shared/stores/update';

const NOW = 1_800_000_000_000;

/** Records in a Map; `insert` can be told to lose keys to a writer it cannot see. */
function memoryStore(options: { hideOnInsert?: Set<string>; stampedAt?: number } = {}) {
	const records = new Map<string, StoreRecord>();
	let version = 0;
	const calls: string[] = [];
	const store: Store = {
		backend: 'sqlite',
		location: 'memory',
		async read(_namespace, keys) {
			calls.push('read');
			return {
				now: NOW,
				records: new Map(
					keys.flatMap((key) => (records.has(key) ? [[key, records.get(key)!]] : [])),
				),
			};
		},
		async write(_namespace, writes: RecordWrite[]): Promise<WriteResult[]> {
			calls.push('write');
			return writes.map((write) => {
				const current = records.get(write.key)?.version ?? 0;
				if (write.ifVersion !== undefined && write.ifVersion !== current)
					return { key: write.key, applied: false, version: current };
				records.set(write.key, {
					key: write.key,
					value: write.value,
					version: ++version,
					expiresAt: null,
				});
				return { key: write.key, applied: true, version };
			});
		},
		async insert(
			_namespace,
			inserts: RecordInsert[],
			stamps: RecordStamps,
		): Promise<InsertBatchResult> {
			calls.push('insert');
			const at = options.stampedAt ?? NOW;
			return {
				now: NOW,
				results: inserts.map((insert) => {
					if (options.hideOnInsert?.has(insert.key)) {
						// Another writer created it after the insert's snapshot.
						records.set(insert.key, {
							key: insert.key,
							value: { ...(insert.value as JsonObject), status: 'completed', owner: 'other' },
							version: ++version,
							expiresAt: null,
						});
						return { key: insert.key, applied: false, version: 0 };
					}
					const existing = records.get(insert.key);
					if (existing)
						return { key: insert.key, applied: false, version: existing.version, record: existing };
					const value: JsonObject = { ...insert.value };
					for (const [name, offset] of Object.entries(stamps)) value[name] = at + offset;
					records.set(insert.key, { key: insert.key, value, version: ++version, expiresAt: null });
					return {
						key: insert.key,
						applied: true,
						version,
						...(at !== NOW ? { stampedAt: at } : {}),
					};
				}),
			};
		},
		async delete() {
			return [];
		},
		async increment() {
			return [];
		},
		async ping() {},
		async close() {},
	};
	return { store, records, calls };
}

const request: ClaimRequest = {
	fingerprint: null,
	owner: 'execution-1',
	leaseMs: 60_000,
	retentionMs: 3_600_000,
	correlationId: null,
};

async function claim(store: Store, keys: string[]): Promise<ClaimDecision[]> {
	const { value, stamps, ttlMs } = firstClaim(request);
	return await updateRecords<ClaimDecision>(
		store,
		'ns',
		keys,
		(current, now) => {
			const decision = decideClaim(asClaimRecord(current?.value), request, now);
			return { outcome: decision, write: decision.write };
		},
		{ stamps, insert: () => ({ value, ttlMs }) },
	);
}

describe('updateRecords with insert first', () => {
	it('new keys: one insert and nothing else; a repeat in the batch is in flight on the inserted record', async () => {
		const { store, records, calls } = memoryStore();
		const decisions = await claim(store, ['a', 'b', 'a']);
		assert.deepEqual(
			decisions.map((decision) => decision.route),
			['proceed', 'proceed', 'inFlight'],
		);
		assert.deepEqual(calls, ['insert']);
		assert.deepEqual(records.get('a')?.value, decisions[0].record);
		assert.deepEqual(decisions[2].record, decisions[0].record);
	});

	it('a key created after the insert looked is read afresh, not decided as absent', async () => {
		const { store, calls } = memoryStore({ hideOnInsert: new Set(['b']) });
		const decisions = await claim(store, ['a', 'b']);
		assert.deepEqual(
			decisions.map((decision) => decision.route),
			['proceed', 'duplicate'],
		);
		assert.deepEqual(calls, ['insert', 'read']);
	});

	it('a record stamped at another clock reading than the batch is decided at that reading', async () => {
		const { store, records } = memoryStore({ stampedAt: NOW - 7 });
		const [decision] = await claim(store, ['a']);
		assert.equal(decision.record.firstClaimedAt, NOW - 7);
		assert.deepEqual(records.get('a')?.value, decision.record);
	});

	it('an existing claim is decided on the record the insert returned, without a read', async () => {
		const { store, calls } = memoryStore();
		await claim(store, ['a']);
		calls.length = 0;
		const decisions = await claim(store, ['a']);
		assert.deepEqual(
			decisions.map((decision) => decision.route),
			['inFlight'],
		);
		assert.deepEqual(calls, ['insert']);
	});
});
