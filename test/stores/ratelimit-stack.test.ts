/**
 * Stacked limits (core/ratelimit/stack.ts) in every store, for real: SQLite, Redis and
 * Postgres. The rules on one client, then the race: 4 processes × 4 clients each asking
 * for slots under a rate, a window cap and an in-flight cap at once; no limit is ever
 * exceeded, judged from the grants and releases on the store's clock. Results are
 * printed as `[stack] ...` lines.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';

import type { StackLimit } from '../../nodes/shared/core/ratelimit/stack';
import type { Store } from '../../nodes/shared/stores';
import { postgresHarness, redisHarness, sqliteHarness, type StoreHarness } from '../support/stores';

const harnesses: StoreHarness[] = [sqliteHarness(), redisHarness(), postgresHarness()];

let counter = 0;
function fresh(label: string): string {
	counter += 1;
	return `${label}-${counter}-${process.pid}`;
}

const lease = () => randomUUID();

interface RaceOutput {
	grants: Array<{ lease: string; at: number; inFlight: number | null }>;
	releases: Array<{ lease: string; at: number; released: number }>;
	refusals: number;
}

async function race(
	harness: StoreHarness,
	ns: string,
	limits: StackLimit[],
	processes: number,
	clients: number,
	grantsEach: number,
	holdMs: number,
	deadlineMs: number,
): Promise<RaceOutput> {
	const script = path.join(__dirname, '..', 'support', 'stack-race-child.js');
	const config = JSON.stringify(harness.config(clients + 1));
	const children = Array.from({ length: processes }, () =>
		spawn(
			process.execPath,
			[
				script,
				config,
				ns,
				'limiter',
				JSON.stringify(limits),
				String(clients),
				String(grantsEach),
				String(holdMs),
				String(deadlineMs),
			],
			{ stdio: ['pipe', 'pipe', 'pipe'] },
		),
	);
	const runs = children.map((child) => {
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
		const ready = new Promise<void>((resolve, reject) => {
			child.stdout.on('data', () => (stdout.includes('ready\n') ? resolve() : undefined));
			child.once('exit', (code) =>
				reject(new Error(`race child exited early (${code}): ${stderr}`)),
			);
		});
		const done = new Promise<RaceOutput>((resolve, reject) => {
			child.once('exit', (code) => {
				if (code !== 0) return reject(new Error(`race child failed (${code}): ${stderr}`));
				resolve(JSON.parse(stdout.split('\n').filter(Boolean).pop() ?? '{}') as RaceOutput);
			});
		});
		done.catch(() => undefined);
		return { ready, done };
	});
	await Promise.all(runs.map((run) => run.ready));
	for (const child of children) child.stdin.end('go\n');
	const outputs = await Promise.all(runs.map((run) => run.done));
	return {
		grants: outputs.flatMap((output) => output.grants),
		releases: outputs.flatMap((output) => output.releases),
		refusals: outputs.reduce((sum, output) => sum + output.refusals, 0),
	};
}

/**
 * The most slots held at once, from the store's clock: at each grant, the earlier grants
 * whose release the store had not applied yet. A release stamped in the same millisecond
 * as a grant is counted as before it (the store orders them; the clock cannot say how).
 */
function maxInFlight(output: RaceOutput): number {
	const releasedAt = new Map(output.releases.map((release) => [release.lease, release.at]));
	let most = 0;
	for (const grant of output.grants) {
		const held = output.grants.filter(
			(other) => other.at <= grant.at && (releasedAt.get(other.lease) ?? Infinity) > grant.at,
		).length;
		most = Math.max(most, held);
	}
	return most;
}

/** The most grants in any stretch of time, over what the bucket allows in that stretch. */
function worstRateExcess(
	grants: RaceOutput['grants'],
	rate: Extract<StackLimit, { kind: 'rate' }>,
): number {
	const times = grants.map((grant) => grant.at).sort((a, b) => a - b);
	let worst = -Infinity;
	for (let i = 0; i < times.length; i++) {
		for (let j = i; j < times.length; j++) {
			const allowed =
				rate.capacity +
				rate.increaseAmount * (Math.floor((times[j] - times[i]) / rate.increaseIntervalMs) + 1);
			worst = Math.max(worst, j - i + 1 - allowed);
		}
	}
	return worst;
}

for (const harness of harnesses) {
	describe(`stacked limits on ${harness.backend}`, () => {
		let store: Store;

		before(async () => {
			await harness.check();
			store = harness.create();
		});

		after(async () => {
			await store.close();
			await harness.cleanup();
		});

		test('a window cap grants bursts up to its limit, then refuses until the window ends', async () => {
			const ns = fresh('stack-window');
			const window: StackLimit = {
				kind: 'window',
				limit: 5,
				id: '2026-12-06',
				endsAt: Date.now() + 60_000,
			};
			const first = await store.stack!(ns, 'k', {
				limits: [window],
				units: [1, 1, 1].map((tokens) => ({ tokens })),
			});
			assert.equal(first.granted, 3);
			const second = await store.stack!(ns, 'k', {
				limits: [window],
				units: [{ tokens: 2 }, { tokens: 1 }],
			});
			assert.equal(second.granted, 1, 'the second unit does not fit the window of 5');
			assert.deepEqual(second.blockedBy, ['window']);
			assert.ok(second.retryAfterMs !== null && second.retryAfterMs > 50_000);
			assert.equal(second.usage.windowUsed, 5);
			// The next window starts afresh; an older window id (a clock behind) counts into the newer.
			const next = await store.stack!(ns, 'k', {
				limits: [{ ...window, id: '2026-12-07', endsAt: Date.now() + 120_000 }],
				units: [{ tokens: 4 }],
			});
			assert.equal(next.granted, 1);
			const behind = await store.stack!(ns, 'k', { limits: [window], units: [{ tokens: 2 }] });
			assert.equal(
				behind.granted,
				0,
				'a caller still on the older window counts into the newer one',
			);
			assert.equal(behind.usage.windowUsed, 4);
		});

		test('a rate, a window and an in-flight cap are granted together or not at all', async () => {
			const ns = fresh('stack-all');
			const limits: StackLimit[] = [
				{ kind: 'rate', capacity: 3, increaseAmount: 1, increaseIntervalMs: 60_000 },
				{ kind: 'window', limit: 100, id: 'w', endsAt: Date.now() + 60_000 },
				{ kind: 'inFlight', max: 2, leaseMs: 60_000 },
			];
			const ids = [lease(), lease(), lease()];
			const first = await store.stack!(ns, 'k', {
				limits,
				units: ids.map((leaseId) => ({ tokens: 1, leaseId })),
			});
			assert.equal(first.granted, 2);
			assert.deepEqual(first.blockedBy, ['inFlight']);
			// Nothing of the refused unit was taken: 1 token left, 2 used of the window.
			assert.deepEqual(first.usage, { tokens: 1, windowUsed: 2, inFlight: 2 });
			const release = await store.stack!(ns, 'k', {
				limits: [],
				units: [],
				release: [ids[0], 'unknown'],
			});
			assert.equal(release.released, 1);
			const again = await store.stack!(ns, 'k', {
				limits,
				units: [lease(), lease()].map((leaseId) => ({ tokens: 1, leaseId })),
			});
			assert.equal(again.granted, 1, 'the bucket kept its state through the release');
			assert.deepEqual(again.blockedBy.sort(), ['inFlight', 'rate']);
			assert.deepEqual(again.usage, { tokens: 0, windowUsed: 3, inFlight: 2 });
		});

		test("a lease nobody releases gives its slot back when it runs out (a killed worker's)", async () => {
			const ns = fresh('stack-lease');
			const limits: StackLimit[] = [{ kind: 'inFlight', max: 1, leaseMs: 300 }];
			const held = await store.stack!(ns, 'k', {
				limits,
				units: [{ tokens: 1, leaseId: lease() }],
			});
			assert.equal(held.granted, 1);
			const refused = await store.stack!(ns, 'k', {
				limits,
				units: [{ tokens: 1, leaseId: lease() }],
			});
			assert.equal(refused.granted, 0);
			assert.ok(refused.retryAfterMs !== null && refused.retryAfterMs <= 300);
			await delay(350);
			const back = await store.stack!(ns, 'k', {
				limits,
				units: [{ tokens: 1, leaseId: lease() }],
			});
			assert.equal(back.granted, 1);
			assert.equal(back.usage.inFlight, 1);
		});

		test('the state is an ordinary record that expires when nothing is held', async () => {
			const ns = fresh('stack-record');
			await store.stack!(ns, 'k', {
				limits: [{ kind: 'inFlight', max: 3, leaseMs: 120_000 }],
				units: [{ tokens: 1, leaseId: 'a' }],
			});
			const record = (await store.read(ns, ['k'])).records.get('k');
			assert.ok(record, 'the state is readable');
			assert.equal(Object.keys((record.value as { l: object }).l).length, 1);
			assert.ok(record.expiresAt !== null && record.expiresAt - Date.now() > 100_000);
			assert.ok(record.expiresAt - Date.now() <= 125_000);
		});

		test('a bad request is a TypeError before any round trip', async () => {
			await assert.rejects(
				store.stack!('ns', 'k', {
					limits: [{ kind: 'inFlight', max: 1, leaseMs: 1000 }],
					units: [{ tokens: 1 }],
				}),
				TypeError,
			);
			await assert.rejects(
				store.stack!('ns', 'k', {
					limits: [{ kind: 'rate', capacity: 0, increaseAmount: 1, increaseIntervalMs: 1 }],
					units: [],
				}),
				TypeError,
			);
		});

		test(
			'16 clients in 4 processes racing never exceed any stacked limit',
			{ timeout: 120_000 },
			async () => {
				const ns = fresh('stack-race');
				const rate = {
					kind: 'rate',
					capacity: 5,
					increaseAmount: 5,
					increaseIntervalMs: 250,
				} as const;
				const limits: StackLimit[] = [
					rate,
					{ kind: 'window', limit: 60, id: 'race', endsAt: Date.now() + 10 * 60_000 },
					{ kind: 'inFlight', max: 4, leaseMs: 30_000 },
				];
				const output = await race(harness, ns, limits, 4, 4, 6, 30, 60_000);
				const concurrency = maxInFlight(output);
				const reported = Math.max(...output.grants.map((grant) => grant.inFlight ?? 0));
				const excess = worstRateExcess(output.grants, rate);
				const span =
					Math.max(...output.grants.map((g) => g.at)) - Math.min(...output.grants.map((g) => g.at));
				console.log(
					`[stack] ${harness.backend}: 16 clients, limits 20/s (burst 5) + 60 per window + 4 in flight -> ${output.grants.length} grants in ${span} ms, ${output.refusals} refusals, max in flight ${concurrency} (store reported ${reported}), worst rate excess ${excess}`,
				);
				assert.equal(output.grants.length, 60, 'the window is used up exactly');
				assert.equal(new Set(output.grants.map((grant) => grant.lease)).size, 60);
				assert.ok(concurrency <= 4, `at most 4 in flight, saw ${concurrency}`);
				assert.ok(reported <= 4);
				assert.ok(excess <= 0, `never more than the bucket allows, saw ${excess} over`);
				assert.ok(output.releases.every((release) => release.released === 1));
				// The race ran at the rate, not slower: 60 grants at 20/s after a burst of 5.
				assert.ok(span >= (55 / 20) * 1000 - 300, `grants spread over ${span} ms`);
			},
		);
	});
}
