/**
 * The circuit breaker protocol (core/breaker) over the optimistic batch update
 * (stores/update.ts), with four Store instances racing on one breaker, as four queue-mode
 * workers do, on every real backend: they must agree on when it opens, how many probes
 * go through, and when it closes. Race results are printed as `[race] ...` lines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type {
	BreakerAction,
	BreakerCall,
	BreakerCheck,
	BreakerPolicy,
	BreakerRecord,
	BreakerState,
} from '../../nodes/shared/core/breaker';
import {
	asBreakerState,
	breakerKey,
	breakerStateTtlMs,
	decideChecks,
	decideRecords,
	decideSetState,
	resolveBreakerPolicy,
} from '../../nodes/shared/core/breaker';
import type { Store } from '../../nodes/shared/stores/types';
import { updateRecords } from '../../nodes/shared/stores/update';
import {
	postgresHarness,
	redisHarness,
	sleep,
	sqliteHarness,
	type StoreHarness,
} from '../support/stores';

const WORKERS = 4;
const KEY = breakerKey('crm');
const OPEN_MS = 300;
const POLICY: BreakerPolicy = resolveBreakerPolicy({
	minimumCalls: 10,
	failureRatePercent: 50,
	openMs: OPEN_MS,
	halfOpenProbes: 3,
});
let counter = 0;
const fresh = (label: string) => `breaker-${label}-${++counter}`;

/** What the Circuit Breaker node does per batch: one optimistic update of the breaker's record. */
async function update<Outcome extends { state: BreakerState }>(
	store: Store,
	namespace: string,
	decide: (current: BreakerState | undefined, now: number) => Outcome & { write?: boolean },
): Promise<Outcome> {
	const [outcome] = await updateRecords<Outcome>(store, namespace, [KEY], (current, now) => {
		const decision = decide(asBreakerState(current?.value), now);
		const write =
			decision.write === false
				? undefined
				: { value: decision.state, ttlMs: breakerStateTtlMs(decision.state) };
		return { outcome: decision, write };
	});
	return outcome;
}

const record = (
	store: Store,
	namespace: string,
	calls: BreakerCall[],
	policy: BreakerPolicy = POLICY,
) =>
	update<BreakerRecord>(store, namespace, (current, now) =>
		decideRecords(current, calls, policy, now),
	);
const check = (store: Store, namespace: string, count: number) =>
	update<BreakerCheck>(store, namespace, (current, now) => decideChecks(current, count, now));
const setState = (store: Store, namespace: string, action: BreakerAction) =>
	update(store, namespace, (current, now) => decideSetState(current, action, now));

async function stored(store: Store, namespace: string): Promise<BreakerState> {
	const { records } = await store.read(namespace, [KEY]);
	const state = asBreakerState(records.get(KEY)?.value);
	assert.ok(state, 'the breaker has a record');
	return state;
}

const callsIn = (state: BreakerState) => state.stats.reduce((sum, bucket) => sum + bucket.calls, 0);
const failures = (count: number): BreakerCall[] =>
	Array.from({ length: count }, () => ({ outcome: 'failure', stamp: null }));
/** Failures the rules do not count: 400s for bad data (version 1.1). */
const ignored = (count: number): BreakerCall[] =>
	Array.from({ length: count }, () => ({ outcome: 'failure', stamp: null, counted: false }));
const successes = (count: number): BreakerCall[] =>
	Array.from({ length: count }, () => ({ outcome: 'success', stamp: null }));
const sum = (state: BreakerState, key: 'calls' | 'failures' | 'notCounted') =>
	state.stats.reduce((total, bucket) => total + bucket[key], 0);

/** Each worker records `batches` batches from `batch`, a vendor call's worth of time apart. */
async function race(
	stores: Store[],
	namespace: string,
	batches: number,
	batch: (worker: number, index: number) => BreakerCall[],
	policy: BreakerPolicy = POLICY,
): Promise<BreakerRecord[]> {
	return (
		await Promise.all(
			stores.map(async (store, worker) => {
				const seen: BreakerRecord[] = [];
				for (let index = 0; index < batches; index++) {
					await sleep(2 + Math.random() * 10);
					seen.push(await record(store, namespace, batch(worker, index), policy));
				}
				return seen;
			}),
		)
	).flat();
}

for (const harness of [sqliteHarness(), redisHarness(), postgresHarness()] as StoreHarness[]) {
	const backend = harness.backend;

	describe(`circuit breaker across ${WORKERS} workers: ${backend}`, () => {
		const stores: Store[] = [];
		before(async () => {
			await harness.check();
			for (let index = 0; index < WORKERS; index++) stores.push(harness.create(2));
		});
		after(async () => {
			await Promise.all(stores.map((store) => store.close()));
			await harness.cleanup();
		});

		test('failures recorded by every worker at once open the breaker exactly once, no call lost', async () => {
			const namespace = fresh('open');
			// Each worker records 6 batches of 3 failures, a vendor call's worth of time apart: 72 calls.
			const decisions = (
				await Promise.all(
					stores.map(async (store) => {
						const seen: BreakerRecord[] = [];
						for (let batch = 0; batch < 6; batch++) {
							await sleep(2 + Math.random() * 10);
							seen.push(await record(store, namespace, failures(3)));
						}
						return seen;
					}),
				)
			).flat();
			const changes = decisions.filter((decision) => decision.change !== null);
			const state = await stored(stores[0], namespace);
			console.log(
				`[race] ${backend}: ${WORKERS} workers x 6 batches x 3 failures -> ${state.opens} open(s), ${changes.length} worker(s) saw the change, status ${state.status}`,
			);
			assert.equal(changes.length, 1, 'exactly one worker opened it');
			assert.deepEqual([changes[0].change?.from, changes[0].change?.to], ['closed', 'open']);
			assert.deepEqual([state.status, state.opens, state.generation], ['open', 1, 1]);
			assert.equal(callsIn(state), 72, 'every call counted once: no update lost to a race');
		});

		test('back to back from every worker, with no pause: every update applies (backing off on lost races), each counted once', async () => {
			const saturate = async (namespace: string) => {
				let applied = 0;
				let gaveUp = 0;
				const changes: BreakerRecord[] = [];
				await Promise.all(
					stores.map(async (store) => {
						for (let batch = 0; batch < 10; batch++) {
							try {
								const decision = await record(store, namespace, failures(2));
								applied++;
								if (decision.change !== null) changes.push(decision);
							} catch (error) {
								assert.match(String(error), /kept changing under concurrent writers/);
								gaveUp++;
							}
						}
					}),
				);
				const state = await stored(stores[0], namespace);
				assert.equal(callsIn(state), applied * 2, 'every applied update counted once');
				assert.equal(changes.length, state.opens);
				assert.ok(state.opens <= 1);
				return { applied, gaveUp };
			};
			const result = await saturate(fresh('saturated'));
			console.log(
				`[race] ${backend}: ${WORKERS} workers x 10 back-to-back updates of one breaker -> ${result.applied} applied, ${result.gaveUp} gave up`,
			);
			assert.deepEqual(result, { applied: 40, gaveUp: 0 });
		});

		test('every worker checking a half-open breaker at once: exactly the probe count proceeds', async () => {
			const namespace = fresh('probes');
			await record(stores[0], namespace, failures(10));
			await sleep(OPEN_MS + 50);
			const checks = await Promise.all(stores.map((store) => check(store, namespace, 5)));
			const admitted = checks.reduce((sum, decision) => sum + decision.admitted, 0);
			const changes = checks.filter((decision) => decision.change !== null);
			console.log(
				`[race] ${backend}: ${WORKERS} concurrent checks of 5 on a half-open breaker -> ${admitted} probes (policy 3)`,
			);
			assert.equal(admitted, 3);
			assert.ok(checks.every((decision) => decision.probe));
			assert.equal(changes.length, 1, 'one worker moved it to half-open');
			const state = await stored(stores[1], namespace);
			assert.deepEqual([state.status, state.probes?.granted], ['halfOpen', 3]);

			// The probes come back on different workers at once: it closes once.
			const stamp = { generation: state.generation, probe: true, checkedAt: state.since };
			const records = await Promise.all(
				stores
					.slice(0, 3)
					.map((store) => record(store, namespace, [{ outcome: 'success', stamp }])),
			);
			// Two successes of three make a failure rate of 50% unreachable: the breaker closes
			// then, and the third probe, from a period that is over, only counts in the stats.
			assert.deepEqual(records.map((decision) => decision.calls[0].role).sort(), [
				'probe',
				'probe',
				'statsOnly',
			]);
			const closes = records.filter((decision) => decision.change?.to === 'closed');
			assert.equal(closes.length, 1);
			assert.equal((await stored(stores[2], namespace)).status, 'closed');
		});

		test('a failed probe on one worker reopens the breaker for all', async () => {
			const namespace = fresh('reopen');
			await record(stores[0], namespace, failures(10));
			await sleep(OPEN_MS + 50);
			const probes = await Promise.all(stores.map((store) => check(store, namespace, 1)));
			assert.equal(
				probes.reduce((sum, decision) => sum + decision.admitted, 0),
				3,
			);
			const state = await stored(stores[0], namespace);
			const stamp = { generation: state.generation, probe: true, checkedAt: state.since };
			await Promise.all([
				record(stores[1], namespace, [{ outcome: 'failure', stamp }]),
				record(stores[2], namespace, [{ outcome: 'failure', stamp }]),
			]);
			const reopened = await stored(stores[3], namespace);
			assert.deepEqual([reopened.status, reopened.opens], ['open', 2]);
			const refused = await Promise.all(stores.map((store) => check(store, namespace, 2)));
			assert.deepEqual(
				refused.map((decision) => decision.admitted),
				[0, 0, 0, 0],
			);
		});

		test('a breaker forced open by one worker refuses every worker until reset', async () => {
			const namespace = fresh('forced');
			await setState(stores[0], namespace, 'forceOpen');
			const refused = await Promise.all(stores.map((store) => check(store, namespace, 3)));
			assert.deepEqual(
				refused.map((decision) => decision.admitted),
				[0, 0, 0, 0],
			);
			const { records } = await stores[1].read(namespace, [KEY]);
			assert.equal(records.get(KEY)?.expiresAt, null, 'a forced state never expires');
			await setState(stores[3], namespace, 'reset');
			const allowed = await Promise.all(stores.map((store) => check(store, namespace, 3)));
			assert.deepEqual(
				allowed.map((decision) => decision.admitted),
				[3, 3, 3, 3],
			);
		});

		test('400s and 503s recorded by every worker at once: each tallied once, only the 503s decide', async () => {
			const namespace = fresh('classified');
			const policy = resolveBreakerPolicy({ ...POLICY, minimumCalls: 1000 });
			// 4 workers x 8 batches of two 400s, a 503 and a success: 128 calls.
			await race(
				stores,
				namespace,
				8,
				() => [...ignored(2), ...failures(1), ...successes(1)],
				policy,
			);
			const state = await stored(stores[0], namespace);
			console.log(
				`[race] ${backend}: ${WORKERS} workers x 8 batches of 400, 400, 503, 200 -> ${sum(state, 'calls')} calls, ${sum(state, 'failures')} counted, ${sum(state, 'notCounted')} not counted`,
			);
			assert.deepEqual(
				[sum(state, 'calls'), sum(state, 'failures'), sum(state, 'notCounted')],
				[128, 32, 64],
			);
			const window = state.window.reduce((total, bucket) => total + bucket.calls, 0);
			assert.equal(window, 64, 'the 400s are not in the window that decides');

			const only400s = fresh('only-400s');
			await race(stores, only400s, 6, () => ignored(5));
			const untouched = await stored(stores[1], only400s);
			assert.deepEqual(
				[untouched.status, sum(untouched, 'notCounted')],
				['closed', 120],
				'120 400s leave the breaker closed',
			);
		});

		test("Last Calls: every worker's calls land in the count window exactly once, and it opens once", async () => {
			const namespace = fresh('count');
			const policy = resolveBreakerPolicy({
				...POLICY,
				windowType: 'count',
				windowCalls: 1000,
				minimumCalls: 1000,
			});
			await race(stores, namespace, 5, () => [...successes(3), ...ignored(1)], policy);
			const filling = await stored(stores[2], namespace);
			assert.equal(filling.recent.length, 60, '4 x 5 x 3 counted calls, the 400s left out');
			assert.equal(filling.recent, '.'.repeat(60));
			const small = fresh('count-small');
			const tight = resolveBreakerPolicy({ ...policy, windowCalls: 10, minimumCalls: 10 });
			const decisions = await race(stores, small, 6, () => failures(2), tight);
			const state = await stored(stores[0], small);
			console.log(
				`[race] ${backend}: ${WORKERS} workers x 6 batches of 2 failures, window of the last 10 calls -> ${state.opens} open(s)`,
			);
			assert.equal(decisions.filter((decision) => decision.change !== null).length, 1);
			assert.deepEqual([state.status, state.opens], ['open', 1]);
		});

		test('Failures in a Row: racing failures extend one run; it opens exactly once', async () => {
			const namespace = fresh('consecutive');
			const policy = resolveBreakerPolicy({
				...POLICY,
				windowType: 'consecutive',
				consecutiveFailures: 1000,
			});
			await race(stores, namespace, 5, () => failures(3), policy);
			assert.equal((await stored(stores[3], namespace)).run, 60, 'every failure in the run once');
			const tight = resolveBreakerPolicy({ ...policy, consecutiveFailures: 20 });
			const opening = fresh('consecutive-open');
			const decisions = await race(stores, opening, 5, () => failures(3), tight);
			const state = await stored(stores[0], opening);
			assert.equal(decisions.filter((decision) => decision.change !== null).length, 1);
			assert.deepEqual([state.status, state.opens], ['open', 1]);
			assert.match(state.lastChange?.reason ?? '', /failed or slow calls in a row reached 20$/);
		});

		test('failed probes reported by several workers at once grow the open duration once per round', async () => {
			const namespace = fresh('growing');
			const policy = resolveBreakerPolicy({
				...POLICY,
				openBackoffMultiplier: 2,
				maxOpenMs: 10 * OPEN_MS,
			});
			await record(stores[0], namespace, failures(10), policy);
			await sleep(OPEN_MS + 50);
			await Promise.all(stores.map((store) => check(store, namespace, 1)));
			const halfOpen = await stored(stores[0], namespace);
			const stamp = { generation: halfOpen.generation, probe: true, checkedAt: halfOpen.since };
			const decisions = await Promise.all(
				stores
					.slice(0, 3)
					.map((store) => record(store, namespace, [{ outcome: 'failure', stamp }], policy)),
			);
			assert.equal(decisions.filter((decision) => decision.change?.to === 'open').length, 1);
			const reopened = await stored(stores[3], namespace);
			assert.deepEqual([reopened.status, reopened.failedRounds], ['open', 1]);
			assert.equal((reopened.openUntil ?? 0) - reopened.since, 2 * OPEN_MS);
		});

		test("latency is measured on the store's clock, the same for every worker", async () => {
			const namespace = fresh('latency');
			const { now } = await stores[0].read(namespace, [KEY]);
			await sleep(120);
			const decision = await record(stores[3], namespace, [
				{ outcome: 'success', stamp: { generation: 0, probe: false, checkedAt: now } },
			]);
			const latency = decision.calls[0].latencyMs ?? -1;
			assert.ok(latency >= 100 && latency < 5000, `latency ${latency} ms`);
		});
	});
}
