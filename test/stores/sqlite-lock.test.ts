/**
 * The embedded store must never wait on SQLite's lock on the main thread: while another
 * process holds the file's write lock (another n8n on the same user folder, a worker on
 * the same host), n8n's event loop keeps running and the store's calls complete once
 * the lock is released, or fail with a StoreError after the busy timeout. Figures are
 * printed as `[lock] ...` lines.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { SqliteStore } from '../../nodes/shared/stores/sqlite';
import { StoreError } from '../../nodes/shared/stores/types';
import { RUN_ID } from '../support/stores';

const folder = path.join(tmpdir(), `guards-lock-${RUN_ID}-${randomBytes(4).toString('hex')}`);
const file = path.join(folder, 'guards.sqlite');

after(() => rmSync(folder, { recursive: true, force: true }));

/** Another process that takes the write lock, holds it for `ms`, and reports both moments (epoch ms). */
async function lockHolder(
	ms: number,
): Promise<{ locked: number; released: Promise<number>; child: ChildProcessWithoutNullStreams }> {
	const script = path.join(__dirname, '..', 'support', 'sqlite-race-child.js');
	const child = spawn(process.execPath, [script, file, 'hold', String(ms)], {
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	const moment = (word: string) =>
		new Promise<number>((resolve, reject) => {
			const check = () => {
				const match = new RegExp(`${word} (\\d+)\\n`).exec(stdout);
				if (match) resolve(Number(match[1]));
			};
			child.stdout.on('data', check);
			child.once('exit', (code) =>
				reject(new Error(`lock holder exited (${code}) before "${word}": ${stderr}`)),
			);
		});
	const released = moment('released');
	released.catch(() => undefined);
	return { locked: await moment('locked'), released, child };
}

interface LoopFigures {
	/** Longest time the loop itself was busy between two ticks of a 5 ms interval: a stall of this process. */
	maxBusyMs: number;
	/** Longest lateness of a 5 ms interval tick, whatever the cause (this process, or others competing for the CPU). */
	maxDriftMs: number;
}

interface Tick {
	/** Epoch ms when the previous tick ran: the stretch this tick measures began then. */
	since: number;
	busyMs: number;
	driftMs: number;
}

/**
 * Watches the event loop with a 5 ms interval. A blocked loop shows as a late tick
 * during which the loop was busy (event loop utilization); a tick late only because
 * other processes had the CPU (a loaded test machine) finds the loop idle. The tests
 * assert the busy figure and print the raw drift beside it.
 */
function watchEventLoop(): () => Tick[] {
	const ticks: Tick[] = [];
	let last = performance.now();
	let lastEpoch = Date.now();
	let lastUtilization = performance.eventLoopUtilization();
	const tick = () => {
		const now = performance.now();
		const utilization = performance.eventLoopUtilization();
		ticks.push({
			since: lastEpoch,
			busyMs: performance.eventLoopUtilization(utilization, lastUtilization).active,
			driftMs: Math.max(0, now - last - 5),
		});
		last = now;
		lastEpoch = Date.now();
		lastUtilization = utilization;
	};
	const interval = setInterval(tick, 5);
	return () => {
		tick();
		clearInterval(interval);
		return ticks;
	};
}

/** The worst stretch among the ticks that began before `until` (epoch ms). */
function worst(ticks: Tick[], until = Infinity): LoopFigures {
	const measured = ticks.filter((tick) => tick.since < until);
	return {
		maxBusyMs: Math.max(0, ...measured.map((tick) => tick.busyMs)),
		maxDriftMs: Math.max(0, ...measured.map((tick) => tick.driftMs)),
	};
}

function describeLoop({ maxBusyMs, maxDriftMs }: LoopFigures): string {
	return `longest busy stretch ${maxBusyMs.toFixed(1)} ms, max timer drift ${maxDriftMs.toFixed(1)} ms`;
}

test(
	'a write lock held by another process for 3 s leaves the event loop responsive; the writes land once it is released',
	{ timeout: 30_000 },
	async () => {
		const store = new SqliteStore({ backend: 'sqlite', file });
		const late = new SqliteStore({ backend: 'sqlite', file });
		try {
			// The same calls once beforehand, so what is measured is waiting, not first-use costs (compiling, preparing statements).
			await Promise.all([
				store.write('lock', [{ key: 'before', value: 1 }]),
				store.increment('lock', [{ key: 'warm-up', by: 1 }]),
				store.queue.enqueue('lock', [{ id: 'warm-up', data: {} }]),
				store.read('lock', ['before']),
			]);
			const holder = await lockHolder(3000);
			const stop = watchEventLoop();
			const started = Date.now();
			const [claim, increments, enqueued, read, opened] = await Promise.all([
				store.write('lock', [{ key: 'claim', value: 'mine', ifVersion: 0 }]),
				store.increment('lock', [{ key: 'count', by: 2 }]),
				store.queue.enqueue('lock', [{ id: 'entry-1', data: { a: 1 } }]),
				// WAL: readers do not wait for the writer.
				store.read('lock', ['before']),
				// A store opened while the lock is held (schema already current) opens too.
				late.write('lock', [{ key: 'late', value: 2 }]),
			]);
			const finished = Date.now();
			const released = await holder.released;
			const ticks = stop();
			const whileLocked = worst(ticks, released);
			console.log(
				`[lock] lock held ${released - holder.locked} ms by another process; writes finished ${finished - started} ms after they started, ` +
					`${finished - released} ms after the release; event loop while the lock was held: ${describeLoop(whileLocked)}; ` +
					`until the writes finished: ${describeLoop(worst(ticks))} (5 ms interval)`,
			);
			assert.equal(claim[0].applied, true);
			assert.deepEqual(increments, [2]);
			assert.deepEqual(enqueued, ['entry-1']);
			assert.equal(read.records.get('before')?.value, 1);
			assert.equal(opened[0].applied, true);
			assert.ok(
				finished >= released,
				'the writes completed while the other process still held the lock',
			);
			assert.ok(
				whileLocked.maxBusyMs < 50,
				`the event loop was blocked ${whileLocked.maxBusyMs.toFixed(1)} ms while another process held the lock`,
			);
			const { records } = await store.read('lock', ['claim', 'late']);
			assert.equal(records.get('claim')?.value, 'mine');
			assert.equal(records.get('late')?.value, 2);
		} finally {
			await store.close();
			await late.close();
		}
	},
);

test(
	'while the lock is held, racing calls of several connections keep their atomicity: one claim wins, every increment lands',
	{ timeout: 30_000 },
	async () => {
		const stores = Array.from({ length: 8 }, () => new SqliteStore({ backend: 'sqlite', file }));
		try {
			await Promise.all(stores.map((store) => store.ping()));
			const holder = await lockHolder(1000);
			const [claims, increments] = await Promise.all([
				Promise.all(
					stores.map((store, index) =>
						store.write('atomic', [{ key: 'claim', value: index, ifVersion: 0 }]),
					),
				),
				Promise.all(
					stores.flatMap((store) => [
						store.increment('atomic', [{ key: 'count', by: 1 }]),
						store.increment('atomic', [{ key: 'count', by: 1 }]),
					]),
				),
			]);
			const finished = Date.now();
			assert.ok(
				finished >= (await holder.released),
				'the calls completed while the other process still held the lock',
			);
			const winners = claims.filter(([claim]) => claim.applied);
			console.log(
				`[lock] 8 connections racing behind a 1 s lock: ${winners.length} claim applied of 8; increments saw ${increments
					.flat()
					.sort((a, b) => a - b)
					.join(' ')}`,
			);
			assert.equal(winners.length, 1);
			assert.ok(claims.every(([claim]) => claim.version === winners[0][0].version));
			assert.deepEqual(
				increments.flat().sort((a, b) => a - b),
				Array.from({ length: 16 }, (_, index) => index + 1),
			);
		} finally {
			await Promise.all(stores.map((store) => store.close()));
		}
	},
);

test(
	'a lock held past the busy timeout fails the call with a StoreError naming the file, without stalling the event loop',
	{ timeout: 30_000 },
	async () => {
		const store = new SqliteStore({ backend: 'sqlite', file, busyTimeoutMs: 500 });
		try {
			await store.ping();
			const holder = await lockHolder(2000);
			const stop = watchEventLoop();
			const started = Date.now();
			const error = await store.write('lock', [{ key: 'too-late', value: 1, ifVersion: 0 }]).then(
				() => assert.fail('the write succeeded while another process held the lock'),
				(failure: unknown) => failure,
			);
			const elapsedMs = Date.now() - started;
			const loop = worst(stop());
			console.log(
				`[lock] busy timeout 500 ms: failed after ${elapsedMs} ms; event loop: ${describeLoop(loop)} (5 ms interval); ${(error as Error).message}`,
			);
			assert.ok(error instanceof StoreError, `expected a StoreError, got ${String(error)}`);
			assert.ok(error.message.includes(file), `"${error.message}" does not name the file`);
			assert.match(error.message, /locked by another process/);
			assert.ok(loop.maxBusyMs < 50, `the event loop was blocked ${loop.maxBusyMs.toFixed(1)} ms`);
			await holder.released;
			// Nothing of the failed batch was applied; the key is still free.
			assert.equal(
				(await store.write('lock', [{ key: 'too-late', value: 2, ifVersion: 0 }]))[0].applied,
				true,
			);
			assert.equal((await store.read('lock', ['too-late'])).records.get('too-late')?.value, 2);
		} finally {
			await store.close();
		}
	},
);
