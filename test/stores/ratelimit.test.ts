/**
 * The Rate Limiter's limit shared through Redis: separate processes (two n8n workers, as
 * far as the limiter can tell) taking tokens from one limiter name never exceed the
 * limit together, and achieve the target rate between them. Redis must be running
 * (127.0.0.1:6379 by default): a missing Redis fails the suite, saying how to start it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { planLimiter, readRateLimitHeaders } from '../../nodes/shared/core/ratelimit';
import { closeAllLimiters, limiterFor } from '../../nodes/shared/stores/limiter';
import { Limiter } from '../../nodes/shared/stores/limiterBucket';
import type { RedisStoreConfig } from '../../nodes/shared/stores/types';
import { StoreError } from '../../nodes/shared/stores/types';
import { redisHarness, RUN_ID } from '../support/stores';

const redis = redisHarness();

/** Starts `workers` child processes on one limiter, releases them together, returns every grant time. */
async function race(
	name: string,
	workers: number,
	jobsEach: number,
	limit: number,
	utilization: number,
): Promise<number[][]> {
	const config = redis.config() as { host: string; port: number; keyPrefix: string };
	const script = path.join(__dirname, '..', 'support', 'ratelimit-child.js');
	const children = Array.from({ length: workers }, () =>
		spawn(
			process.execPath,
			[
				script,
				config.host,
				String(config.port),
				config.keyPrefix,
				name,
				String(limit),
				'second',
				String(utilization),
				String(jobsEach),
			],
			{
				stdio: ['pipe', 'pipe', 'pipe'],
			},
		),
	);
	const results = children.map((child) => {
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
		const ready = new Promise<void>((resolve, reject) => {
			child.stdout.on('data', () => (stdout.includes('ready\n') ? resolve() : undefined));
			child.once('exit', (code) =>
				reject(new Error(`limiter child exited early (${code}): ${stderr}`)),
			);
		});
		const done = new Promise<number[]>((resolve, reject) => {
			child.once('exit', (code) => {
				if (code !== 0) return reject(new Error(`limiter child failed (${code}): ${stderr}`));
				const line = stdout.split('\n').find((entry) => entry.startsWith('{'));
				resolve((JSON.parse(line ?? '{}') as { granted: number[] }).granted);
			});
		});
		return { child, ready, done };
	});
	const timer = setTimeout(() => children.forEach((child) => child.kill()), 60_000);
	try {
		await Promise.all(results.map((result) => result.ready));
		for (const { child } of results) child.stdin.end('go\n');
		return await Promise.all(results.map((result) => result.done));
	} finally {
		clearTimeout(timer);
	}
}

/** The most grants inside any window of `windowMs`. */
function busiestWindow(times: number[], windowMs: number): number {
	const sorted = [...times].sort((a, b) => a - b);
	let most = 0;
	let start = 0;
	for (let end = 0; end < sorted.length; end++) {
		while (sorted[end] - sorted[start] >= windowMs) start++;
		most = Math.max(most, end - start + 1);
	}
	return most;
}

describe('Rate Limiter shared through Redis', () => {
	before(async () => await redis.check());
	after(async () => {
		await closeAllLimiters();
		await redis.cleanup();
	});

	test('two worker processes on one limiter stay under the limit together, at the target rate', async () => {
		const limit = 20;
		const grants = await race(`workers-${RUN_ID}`, 2, 30, limit, 90);
		const all = grants.flat().sort((a, b) => a - b);
		assert.equal(all.length, 60);
		assert.ok(
			grants.every((times) => times.length === 30),
			'both workers got all their tokens',
		);
		const busiest = busiestWindow(all, 1000);
		assert.ok(busiest <= limit, `${busiest} grants in one second, limit ${limit}`);
		// Neither worker starves while the other is served: from the start, each worker's longest
		// wait between grants stays short. (Bottleneck's cluster gives no fair share between
		// processes, so one worker may finish its 30 earlier and the other continue alone.)
		const longestWaits = grants.map((times) =>
			Math.max(...times.map((time, index) => time - (index === 0 ? all[0] : times[index - 1]))),
		);
		console.log(`two workers: longest wait between grants ${longestWaits.join(' ms, ')} ms`);
		for (const wait of longestWaits)
			assert.ok(
				wait < 2000,
				`a worker waited ${wait} ms for a grant while the other was served (longest waits: ${longestWaits.join(', ')} ms)`,
			);
		const rate = (all.length - 1) / ((all[all.length - 1] - all[0]) / 1000);
		// Target 18/s: never above it (within 5 %: timers, Redis round trips). The floor is
		// loose on purpose: with a burst of 1 the bucket holds one token, so while both
		// client processes are starved of CPU (a busy machine: 14.96/s seen at load 11 on 2
		// cores, 17.6–18.2/s in the runs around it) refills are lost. That is the limiter
		// erring on the safe side, never above the limit; the ceiling is the property.
		assert.ok(
			rate <= 18 * 1.05 && rate >= 18 * 0.6,
			`achieved ${rate.toFixed(2)}/s for a target of 18/s`,
		);
		console.log(
			`two workers: ${rate.toFixed(2)} grants/s (target 18), busiest second ${busiest} (limit ${limit})`,
		);
	});

	test('a hold one worker learns from the vendor (Retry-After, nothing remaining) holds the other workers too', async () => {
		const plan = planLimiter({ limit: 100, per: 'second', targetUtilization: 90, burst: 1 });
		const config = redis.config() as { host: string; port: number; keyPrefix: string };
		const base = {
			backend: 'redis' as const,
			host: config.host,
			port: config.port,
			db: 0,
			tls: false,
			keyPrefix: config.keyPrefix,
		};
		const name = `hold-${RUN_ID}`;
		// Two limiter instances on one Redis limit (different client settings keep them apart in this process).
		const first = limiterFor(name, plan, { ...base, timeoutMs: 4000 });
		const second = limiterFor(name, plan, { ...base, timeoutMs: 4001 });
		assert.notEqual(first, second);
		await Promise.all([first.ready(), second.ready()]);
		await second.acquire(1);
		const now = Date.now();
		await first.observe(readRateLimitHeaders({ 'retry-after': '1' }, now), now, 429);
		const started = Date.now();
		await second.acquire(1);
		assert.ok(Date.now() - started >= 900, `the other worker waited ${Date.now() - started} ms`);
		assert.ok(second.learned.waitMs(Date.now()) === 0);
	});

	test('a learned hold is capped for every worker, and one the node refused holds nobody (issue 14, finding 10)', async () => {
		const plan = planLimiter({ limit: 100, per: 'second', targetUtilization: 90, burst: 1 });
		const config = redis.config() as { host: string; port: number; keyPrefix: string };
		const base = {
			backend: 'redis' as const,
			host: config.host,
			port: config.port,
			db: 0,
			tls: false,
			keyPrefix: config.keyPrefix,
		};
		const bounded = async (what: Promise<void>) =>
			await Promise.race([
				what,
				new Promise<never>((_, reject) =>
					setTimeout(
						() =>
							reject(new Error('still held after 10 s: a day-long hold stalls the other worker')),
						10_000,
					).unref(),
				),
			]);
		const day = (now: number) => readRateLimitHeaders({ 'retry-after': '86400' }, now);

		const refusedName = `refused-${RUN_ID}`;
		const first = limiterFor(refusedName, plan, { ...base, timeoutMs: 4000 });
		const second = limiterFor(refusedName, plan, { ...base, timeoutMs: 4001 });
		await Promise.all([first.ready(), second.ready()]);
		let now = Date.now();
		const refused = await first.observe(day(now), now, 429, { maxHoldMs: 60_000, record: false });
		assert.deepEqual(refused, {
			requestedMs: 86_400_000,
			heldMs: 0,
			capped: false,
			recorded: false,
		});
		let started = Date.now();
		await bounded(second.acquire(1));
		assert.ok(
			Date.now() - started < 500,
			`a refused hold held the other worker ${Date.now() - started} ms`,
		);

		const cappedName = `capped-${RUN_ID}`;
		const third = limiterFor(cappedName, plan, { ...base, timeoutMs: 4000 });
		const fourth = limiterFor(cappedName, plan, { ...base, timeoutMs: 4001 });
		await Promise.all([third.ready(), fourth.ready()]);
		now = Date.now();
		const capped = await third.observe(day(now), now, 429, { maxHoldMs: 1000 });
		assert.deepEqual(capped, {
			requestedMs: 86_400_000,
			heldMs: 1000,
			capped: true,
			recorded: true,
		});
		assert.ok(
			(await fourth.snapshot()).holdMs > 500,
			'the other worker sees the hold up front (Max Wait estimates)',
		);
		started = Date.now();
		await bounded(fourth.acquire(1));
		console.log(
			`a 86400 s Retry-After capped at 1 s: the other worker waited ${Date.now() - started} ms`,
		);
		assert.ok(Date.now() - started >= 400, 'the capped hold still holds');
	});

	test('a cancelled execution stops waiting at once and takes no token from the others', async () => {
		const plan = planLimiter({ limit: 2, per: 'second', targetUtilization: 100, burst: 1 });
		const limiter = limiterFor(`cancel-${RUN_ID}`, plan);
		await limiter.acquire(1);
		const controller = new AbortController();
		const started = Date.now();
		const cancelledWait = limiter.acquire(1, controller.signal);
		const otherWait = limiter.acquire(1);
		setTimeout(() => controller.abort(), 100);
		await assert.rejects(cancelledWait, /cancelled while waiting for the rate limiter/);
		assert.ok(Date.now() - started < 400, 'the cancelled wait ended at once');
		await otherWait;
		// The next token comes 500 ms after the first; the cancelled request did not take it.
		assert.ok(Date.now() - started < 900, `the other request waited ${Date.now() - started} ms`);
		await assert.rejects(limiter.acquire(1, AbortSignal.abort()), /cancelled/);
	});

	test('two executions taking a batch each from one Redis limiter never get more than the bucket gives', async () => {
		// 400 a second: 10 tokens every 25 ms, at most 10 at once. Two limiters on the same
		// keys, each on its own connection (another timeout), as two workers would have; each
		// asks for 150 items in one call.
		const plan = planLimiter({ limit: 400, per: 'second', targetUtilization: 100, burst: 1 });
		const name = `batches-${RUN_ID}`;
		const workers = [0, 1].map(
			(worker) =>
				new Limiter(name, plan, {
					...(redis.config() as RedisStoreConfig),
					timeoutMs: 5000 + worker,
				}),
		);
		const started = Date.now();
		try {
			const results = await Promise.all(
				workers.map(async (worker) => {
					const times = await worker.acquireEach(new Array<number>(150).fill(1));
					return times.map((time) => {
						assert.equal(typeof time, 'number', 'every unit granted');
						return time as number;
					});
				}),
			);
			const all = results.flat().sort((a, b) => a - b);
			assert.equal(all.length, 300);
			// By any moment, the bucket (which started after `started`) has given at most its
			// capacity plus one increase per interval begun since: a grant is recorded here only
			// after Redis made it, so a late record can only lower the count.
			all.forEach((time, index) => {
				const intervals = Math.floor((time - started) / plan.increaseIntervalMs) + 1;
				const most = plan.capacity + intervals * plan.increaseAmount;
				assert.ok(
					index + 1 <= most,
					`${index + 1} grants by ${time - started} ms, at most ${most}`,
				);
			});
			const rate = ((all.length - plan.capacity) * 1000) / (all[all.length - 1] - all[0]);
			console.log(`two batches on Redis: ${rate.toFixed(1)} grants/s (target 400)`);
			for (const worker of workers) assert.deepEqual(worker.waiting, { requests: 0, signals: 0 });
		} finally {
			await Promise.all(workers.map(async (worker) => await worker.close()));
		}
	});

	test('an unreachable Redis fails with a StoreError naming it, within the timeout', async () => {
		const plan = planLimiter({ limit: 10, per: 'second', targetUtilization: 90, burst: 1 });
		const unreachable = redis.unreachable() as { host: string; port: number; keyPrefix: string };
		const limiter = limiterFor(`down-${RUN_ID}`, plan, {
			backend: 'redis',
			host: unreachable.host,
			port: unreachable.port,
			db: 0,
			tls: false,
			keyPrefix: unreachable.keyPrefix,
		});
		const started = Date.now();
		await assert.rejects(
			() => limiter.ready(),
			(error: unknown) =>
				error instanceof StoreError &&
				/^Redis at 127\.0\.0\.1:1 \(db 0\): unreachable/.test(error.message),
		);
		assert.ok(Date.now() - started < 7000);
	});
});
