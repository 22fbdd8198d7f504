/**
 * The idempotency protocol (core/idempotency.ts) over the optimistic batch update
 * (stores/update.ts), on every real backend: what Idempotent Write relies on.
 * Race results are printed as `[race] ...` lines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { ClaimDecision, ClaimRoute } from '../../nodes/shared/core/idempotency';
import {
	asClaimRecord,
	decideClaim,
	firstClaim,
	decideComplete,
	decideOutcomeUnknown,
	decideRelease,
	DEFAULT_UNKNOWN_RETENTION_MS,
} from '../../nodes/shared/core/idempotency';
import type { Store } from '../../nodes/shared/stores/types';
import { updateRecords } from '../../nodes/shared/stores/update';
import { MINUTE_MS as MINUTE } from '../../nodes/shared/core/time';
import { postgresHarness, redisHarness, sqliteHarness, type StoreHarness } from '../support/stores';

let counter = 0;
const fresh = (label: string) => `${label}-${++counter}`;

/**
 * Claims go through one of the two paths of updateRecords: read then compare-and-set, or
 * (as Idempotent Write's Claim does) insert first, where the store can.
 */
let insertFirst = false;

async function claim(
	store: Store,
	namespace: string,
	keys: string[],
	owner: string,
	leaseMs = MINUTE,
): Promise<ClaimRoute[]> {
	const request = {
		fingerprint: null,
		owner,
		leaseMs,
		retentionMs: 60 * MINUTE,
		correlationId: null,
	};
	const { value, stamps, ttlMs } = firstClaim(request);
	const decisions = await updateRecords<ClaimDecision>(
		store,
		namespace,
		keys,
		(current, now) => {
			const decision = decideClaim(asClaimRecord(current?.value), request, now);
			return { outcome: decision, write: decision.write };
		},
		insertFirst ? { stamps, insert: () => ({ value, ttlMs }) } : undefined,
	);
	return decisions.map((decision) => decision.route);
}

async function finish(
	store: Store,
	namespace: string,
	keys: string[],
	owner: string,
	how: 'complete' | 'release',
) {
	const decide = how === 'complete' ? decideComplete : decideRelease;
	return await updateRecords(store, namespace, keys, (current, now) => {
		const transition = decide(
			asClaimRecord(current?.value),
			{ owner, retentionMs: 60 * MINUTE, correlationId: null, result: { id: owner } },
			now,
		);
		return { outcome: transition.outcome as string, write: transition.write };
	});
}

const count = (routes: ClaimRoute[], route: ClaimRoute) =>
	routes.filter((each) => each === route).length;

for (const [harness, viaInsert] of [sqliteHarness, redisHarness, postgresHarness].flatMap(
	(make): Array<[StoreHarness, boolean]> => [
		[make(), false],
		[make(), true],
	],
)) {
	const backend = `${harness.backend}${viaInsert ? ', first claims inserted' : ''}`;

	describe(`idempotency protocol: ${backend}`, () => {
		const stores: Store[] = [];
		before(async () => {
			insertFirst = viaInsert;
			await harness.check();
			for (let index = 0; index < 32; index++) stores.push(harness.create(2));
		});
		after(async () => {
			await Promise.all(stores.map((store) => store.close()));
			await harness.cleanup();
		});

		test('32 executions claiming one key at once: exactly one proceeds', async () => {
			const namespace = fresh('race');
			const routes = (
				await Promise.all(
					stores.map((store, index) =>
						claim(store, namespace, ['invoice-1'], `execution-${index}`),
					),
				)
			).flat();
			console.log(
				`[race] ${backend}: 32 concurrent claims of one key -> ${count(routes, 'proceed')} proceed, ${count(routes, 'inFlight')} in flight`,
			);
			assert.equal(count(routes, 'proceed'), 1);
			assert.equal(count(routes, 'inFlight'), 31);
		});

		test('32 executions sending the same 50 keys in batches: each key proceeds exactly once', async () => {
			const namespace = fresh('race-batch');
			const keys = Array.from({ length: 50 }, (_, index) => `order-${index}`);
			const routes = await Promise.all(
				stores.map((store, index) =>
					claim(
						store,
						namespace,
						index % 2 === 0 ? keys : [...keys].reverse(),
						`execution-${index}`,
					),
				),
			);
			const proceeded = new Map<string, number>();
			routes.forEach((batch, index) => {
				const order = index % 2 === 0 ? keys : [...keys].reverse();
				batch.forEach((route, position) => {
					if (route === 'proceed')
						proceeded.set(order[position], (proceeded.get(order[position]) ?? 0) + 1);
				});
			});
			console.log(
				`[race] ${backend}: 32 concurrent batches x 50 keys -> ${[...proceeded.values()].reduce((a, b) => a + b, 0)} proceed for ${proceeded.size} keys`,
			);
			assert.equal(proceeded.size, 50);
			assert.ok([...proceeded.values()].every((times) => times === 1));
		});

		test('a key twice in one batch proceeds once; the second is in flight', async () => {
			const routes = await claim(stores[0], fresh('batch-dup'), ['a', 'b', 'a'], 'execution-1');
			assert.deepEqual(routes, ['proceed', 'proceed', 'inFlight']);
		});

		test('complete, then every later claim is a duplicate', async () => {
			const namespace = fresh('complete');
			assert.deepEqual(await claim(stores[0], namespace, ['k'], 'execution-1'), ['proceed']);
			assert.deepEqual(await finish(stores[1], namespace, ['k'], 'execution-1', 'complete'), [
				'completed',
			]);
			const routes = (
				await Promise.all(
					stores.slice(0, 8).map((store, index) => claim(store, namespace, ['k'], `late-${index}`)),
				)
			).flat();
			assert.deepEqual(routes, Array(8).fill('duplicate'));
		});

		test('release lets exactly one of many retries proceed', async () => {
			const namespace = fresh('release');
			await claim(stores[0], namespace, ['k'], 'execution-1');
			assert.deepEqual(await finish(stores[0], namespace, ['k'], 'execution-1', 'release'), [
				'released',
			]);
			const routes = (
				await Promise.all(
					stores.map((store, index) => claim(store, namespace, ['k'], `retry-${index}`)),
				)
			).flat();
			assert.equal(count(routes, 'proceed'), 1);
		});

		test('a crashed holder: the key is claimable again once its lease ran out', async () => {
			const namespace = fresh('crash');
			assert.deepEqual(await claim(stores[0], namespace, ['k'], 'crashed', 150), ['proceed']);
			assert.deepEqual(await claim(stores[1], namespace, ['k'], 'other', 150), ['inFlight']);
			await new Promise((resolve) => setTimeout(resolve, 300));
			const routes = (
				await Promise.all(
					stores
						.slice(0, 8)
						.map((store, index) => claim(store, namespace, ['k'], `after-${index}`)),
				)
			).flat();
			assert.equal(count(routes, 'proceed'), 1);
			assert.equal(count(routes, 'inFlight'), 7);
		});

		test('an outcome-unknown key and its reconciling claim expire (7 days by default), not never (finding 11)', async () => {
			const namespace = fresh('unknown');
			await claim(stores[0], namespace, ['k'], 'execution-1');
			await updateRecords(stores[0], namespace, ['k'], (current, now) => {
				const transition = decideOutcomeUnknown(
					asClaimRecord(current?.value),
					{ owner: 'execution-1', retentionMs: 60 * MINUTE, correlationId: null },
					now,
				);
				return { outcome: transition.outcome as string, write: transition.write };
			});
			const { now, records } = await stores[0].read(namespace, ['k']);
			const expiresAt = records.get('k')?.expiresAt;
			assert.equal(
				typeof expiresAt,
				'number',
				`the outcome-unknown record expires: ${String(expiresAt)}`,
			);
			assert.ok(
				Math.abs((expiresAt as number) - now - DEFAULT_UNKNOWN_RETENTION_MS) < MINUTE,
				`expires in 7 days: ${String((expiresAt as number) - now)} ms`,
			);
			assert.deepEqual(await claim(stores[1], namespace, ['k'], 'execution-2'), ['reconcile']);
			const after = (await stores[0].read(namespace, ['k'])).records.get('k')?.expiresAt;
			assert.equal(typeof after, 'number', 'the reconciling claim expires too');
		});
	});
}
