/**
 * Version 1.1's breaker: failures not counted, the count window (last N calls), the
 * consecutive window (failures in a row), the open duration growing after each failed
 * half-open round, and records written before them still read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type {
	BreakerCall,
	BreakerPolicy,
	BreakerState,
	BreakerStamp,
} from '../../../nodes/shared/core/breaker';
import {
	asBreakerState,
	breakerStats,
	breakerStateTtlMs,
	decideChecks,
	decideRecords,
	initialBreakerState,
	MAX_WINDOW_CALLS,
	openDurationMs,
	resolveBreakerPolicy,
} from '../../../nodes/shared/core/breaker';
import type { JsonValue } from '../../../nodes/shared/core/json';
import { FakeClock } from './clock';

const BASE: Partial<BreakerPolicy> = {
	failureRatePercent: 50,
	minimumCalls: 4,
	windowMs: 10_000,
	openMs: 1000,
	halfOpenProbes: 1,
	slowCallMs: 1000,
};

/** A breaker driven batch by batch through the pure functions, as the node drives it. */
function breakerOf(overrides: Partial<BreakerPolicy> = {}) {
	const clock = new FakeClock();
	const policy = resolveBreakerPolicy({ ...BASE, ...overrides });
	let state: BreakerState | undefined;
	const changes: string[] = [];
	const check = (count = 1): BreakerStamp[] => {
		const decision = decideChecks(state, count, clock.now());
		state = decision.state;
		if (decision.change) changes.push(`${decision.change.from}→${decision.change.to}`);
		return Array.from({ length: decision.admitted }, () => ({
			generation: decision.state.generation,
			probe: decision.probe,
			checkedAt: clock.now(),
		}));
	};
	/** Records a batch: S success, F failure, I failure not counted, s slow success. */
	const record = (letters: string, stamps: Array<BreakerStamp | null> = []) => {
		const calls = [...letters].map(
			(letter, index): BreakerCall => ({
				outcome: letter === 'S' || letter === 's' ? 'success' : 'failure',
				stamp:
					letter === 's'
						? { generation: state?.generation ?? 0, probe: false, checkedAt: clock.now() - 5000 }
						: (stamps[index] ?? null),
				counted: letter !== 'I',
			}),
		);
		const decision = decideRecords(state, calls, policy, clock.now());
		state = decision.state;
		if (decision.change) changes.push(`${decision.change.from}→${decision.change.to}`);
		return decision;
	};
	return {
		clock,
		policy,
		changes,
		check,
		record,
		get state() {
			assert.ok(state);
			return state;
		},
	};
}

describe('failures the rules do not count', () => {
	it('never open the breaker, whatever their number, and show in Stats as not counted', () => {
		const breaker = breakerOf();
		const decision = breaker.record('IIIIIIIIII');
		assert.deepEqual(
			decision.calls.map((call) => call.role),
			Array(10).fill('notCounted'),
		);
		assert.equal(breaker.state.status, 'closed');
		const stats = breakerStats(breaker.state, breaker.clock.now());
		assert.deepEqual(
			[stats.calls, stats.failures, stats.failuresNotCounted, stats.tripWindow.calls],
			[10, 0, 10, 0],
		);
	});

	it('do not count towards the minimum number of calls either', () => {
		const breaker = breakerOf();
		breaker.record('FFFIII');
		assert.equal(breaker.state.status, 'closed', '3 counted failures, 4 calls needed');
		breaker.record('F');
		assert.equal(breaker.state.status, 'open');
	});

	it('as a half-open probe free the slot for another call', () => {
		const breaker = breakerOf();
		breaker.record('FFFF');
		breaker.clock.advance(1000);
		const [probe] = breaker.check();
		assert.equal(probe.probe, true);
		assert.deepEqual(breaker.check(), [], 'one probe only');
		breaker.record('I', [probe]);
		assert.equal(breaker.state.status, 'halfOpen');
		const [next] = breaker.check();
		assert.ok(next?.probe, 'the slot is free again');
		breaker.record('S', [next]);
		assert.equal(breaker.state.status, 'closed');
	});
});

describe('count window: the last N calls', () => {
	it('judges the rates over the last calls, not over time', () => {
		const breaker = breakerOf({ windowType: 'count', windowCalls: 6, minimumCalls: 6 });
		breaker.record('FFF');
		breaker.clock.advance(60_000);
		breaker.record('SS');
		assert.equal(breaker.state.status, 'closed', '5 calls, 6 needed');
		breaker.clock.advance(60_000);
		breaker.record('S');
		assert.equal(breaker.state.status, 'open', '3 of the last 6 calls failed, minutes apart');
		assert.match(
			breaker.state.lastChange?.reason ?? '',
			/^failure rate 50% \(3 of the last 6 calls\) reached 50%$/,
		);
	});

	it('forgets calls beyond the window size', () => {
		const breaker = breakerOf({ windowType: 'count', windowCalls: 4, minimumCalls: 4 });
		breaker.record('F');
		breaker.record('SSSS');
		assert.equal(breaker.state.recent, '....');
		breaker.record('F');
		assert.equal(breaker.state.status, 'closed', '1 of the last 4');
		assert.deepEqual(breakerStats(breaker.state, breaker.clock.now()).recentCalls, {
			calls: 4,
			failures: 1,
			slow: 0,
		});
	});

	it('judges once the window is full when it is smaller than Minimum Calls', () => {
		const breaker = breakerOf({ windowType: 'count', windowCalls: 2, minimumCalls: 10 });
		breaker.record('FF');
		assert.equal(breaker.state.status, 'open');
	});

	it('takes a batch good calls first: the order of its items never matters', () => {
		for (const batch of ['FFSS', 'SSFF', 'FSFS']) {
			const breaker = breakerOf({ windowType: 'count', windowCalls: 2, minimumCalls: 2 });
			breaker.record(batch);
			assert.equal(breaker.state.status, 'open', batch);
		}
	});

	it('counts slow calls for the slow-call rate', () => {
		const breaker = breakerOf({ windowType: 'count', windowCalls: 4, minimumCalls: 4 });
		breaker.record('ssSS');
		assert.equal(breaker.state.status, 'open');
		assert.match(breaker.state.lastChange?.reason ?? '', /^slow-call rate 50%/);
	});

	it('starts afresh after each change of status', () => {
		const breaker = breakerOf({ windowType: 'count', windowCalls: 4, minimumCalls: 4 });
		breaker.record('FFFF');
		assert.equal(breaker.state.recent, '');
	});

	it('stays bounded at the largest window', () => {
		const breaker = breakerOf({ windowType: 'count', windowCalls: MAX_WINDOW_CALLS });
		breaker.record('S'.repeat(MAX_WINDOW_CALLS + 500));
		assert.equal(breaker.state.recent.length, MAX_WINDOW_CALLS);
	});
});

describe('consecutive window: failures in a row', () => {
	it('opens after N failed or slow calls in a row; a good call ends the run', () => {
		const breaker = breakerOf({ windowType: 'consecutive', consecutiveFailures: 3 });
		breaker.record('FF');
		breaker.record('S');
		assert.equal(breaker.state.run, 0);
		breaker.record('F');
		breaker.record('s');
		assert.equal(breaker.state.status, 'closed');
		breaker.record('F');
		assert.equal(breaker.state.status, 'open', 'failed, slow, failed: 3 in a row');
		assert.equal(breaker.state.lastChange?.reason, '3 failed or slow calls in a row reached 3');
	});

	it('ignores the failure rate and Minimum Calls', () => {
		const breaker = breakerOf({
			windowType: 'consecutive',
			consecutiveFailures: 2,
			minimumCalls: 100,
		});
		breaker.record('SSSSSSSSFF');
		assert.equal(breaker.state.status, 'open', '2 in a row after 8 successes');
	});

	it('takes a batch good calls first', () => {
		const breaker = breakerOf({ windowType: 'consecutive', consecutiveFailures: 3 });
		breaker.record('FFFS');
		assert.equal(breaker.state.status, 'open', 'the success counts before the failures');
		const other = breakerOf({ windowType: 'consecutive', consecutiveFailures: 3 });
		other.record('FF');
		other.record('SF');
		assert.equal(other.state.run, 1, 'a success in the batch ends the run before its failures');
	});

	it('does not count failures the rules ignore', () => {
		const breaker = breakerOf({ windowType: 'consecutive', consecutiveFailures: 2 });
		breaker.record('F');
		breaker.record('I');
		assert.equal(breaker.state.run, 1, 'a 400 neither extends nor ends the run');
		breaker.record('F');
		assert.equal(breaker.state.status, 'open');
	});
});

describe('open duration growing after each failed half-open round', () => {
	it('doubles per failed round up to the cap, and starts again once closed', () => {
		const breaker = breakerOf({ openBackoffMultiplier: 2, maxOpenMs: 5000 });
		breaker.record('FFFF');
		const openFor = () => (breaker.state.openUntil ?? 0) - breaker.state.since;
		const durations = [openFor()];
		for (let round = 0; round < 4; round++) {
			breaker.clock.advance(openFor());
			const [probe] = breaker.check();
			breaker.record('F', [probe]);
			durations.push(openFor());
		}
		assert.deepEqual(durations, [1000, 2000, 4000, 5000, 5000]);
		assert.equal(breaker.state.failedRounds, 4);
		assert.match(
			breaker.state.lastChange?.reason ?? '',
			/; open for 5 s after 4 failed probe round\(s\)$/,
		);
		assert.equal(breakerStats(breaker.state, breaker.clock.now()).failedProbeRounds, 4);
		breaker.clock.advance(openFor());
		const [probe] = breaker.check();
		breaker.record('S', [probe]);
		assert.equal(breaker.state.status, 'closed');
		assert.equal(breaker.state.failedRounds, 0);
		breaker.record('FFFF');
		assert.equal(openFor(), 1000, 'a new outage opens for the base duration');
	});

	it('stays fixed with a multiplier of 1 (version 1)', () => {
		const breaker = breakerOf();
		breaker.record('FFFF');
		for (let round = 0; round < 3; round++) {
			breaker.clock.advance(1000);
			const [probe] = breaker.check();
			breaker.record('F', [probe]);
			assert.equal((breaker.state.openUntil ?? 0) - breaker.state.since, 1000);
		}
	});

	const policy = (multiplier: number, openMs: number, maxOpenMs: number) =>
		resolveBreakerPolicy({ openBackoffMultiplier: multiplier, openMs, maxOpenMs });
	const table: Array<[string, BreakerPolicy, number, number]> = [
		['no round failed', policy(2, 1000, 60_000), 0, 1000],
		['three rounds', policy(2, 1000, 60_000), 3, 8000],
		['a cap below the open duration keeps the open duration', policy(2, 10_000, 1000), 5, 10_000],
		['a huge number of rounds is the cap', policy(10, 1000, 60_000), 1e9, 60_000],
		['Infinity rounds reads as none', policy(2, 1000, 60_000), Infinity, 1000],
		['NaN rounds reads as none', policy(2, 1000, 60_000), Number.NaN, 1000],
		['negative rounds read as none', policy(2, 1000, 60_000), -3, 1000],
		['a fractional multiplier', policy(1.5, 1000, 60_000), 2, 2250],
	];
	for (const [label, given, rounds, expected] of table) {
		it(label, () => assert.equal(openDurationMs(given, rounds), expected));
	}

	it('keeps the record at least twice the longest open duration', () => {
		const state = initialBreakerState(0, resolveBreakerPolicy({ maxOpenMs: 20 * 86_400_000 }));
		assert.ok((breakerStateTtlMs(state) ?? 0) >= 2 * (20 * 86_400_000));
	});
});

describe('policy options of version 1.1', () => {
	const bad: Array<[string, Partial<BreakerPolicy> | Record<string, unknown>]> = [
		['an unknown window type', { windowType: 'sliding' }],
		['__proto__ as window type', { windowType: '__proto__' }],
		['a window of 0 calls', { windowCalls: 0 }],
		['a window too large', { windowCalls: MAX_WINDOW_CALLS + 1 }],
		['half a call in a row', { consecutiveFailures: 1.5 }],
		['a multiplier below 1', { openBackoffMultiplier: 0.5 }],
		['a multiplier of NaN', { openBackoffMultiplier: Number.NaN }],
		['a max open duration of 0', { maxOpenMs: 0 }],
		['a max open duration as text', { maxOpenMs: '60000' }],
	];
	for (const [label, overrides] of bad) {
		it(`refuses ${label}`, () => {
			assert.throws(() => resolveBreakerPolicy(overrides as Partial<BreakerPolicy>), {
				name: 'BreakerPolicyError',
			});
		});
	}
});

describe('records written before version 1.1', () => {
	/** A record as version 1 stored it: no recent, run, failedRounds, notCounted, new policy options. */
	function oldRecord(): JsonValue {
		return {
			format: 1,
			status: 'halfOpen',
			generation: 3,
			since: 1_800_000_000_000,
			openUntil: null,
			probes: { granted: 1, recorded: 0, failed: 0, slow: 0, lastGrantedAt: 1_800_000_000_000 },
			opens: 2,
			lastChange: null,
			policy: {
				failureRatePercent: 50,
				slowCallMs: 30000,
				slowCallRatePercent: 50,
				minimumCalls: 4,
				windowMs: 60000,
				windowBuckets: 12,
				openMs: 1000,
				halfOpenProbes: 1,
				probeTimeoutMs: 60000,
			},
			window: [],
			stats: [
				{
					start: 1_800_000_000_000,
					calls: 5,
					failures: 4,
					slow: 0,
					measured: 0,
					latencySumMs: 0,
					latencyMinMs: null,
					latencyMaxMs: null,
					latency: {},
				},
			],
		};
	}

	it('read with empty new fields and the version 1 policy', () => {
		const state = asBreakerState(oldRecord());
		assert.ok(state);
		assert.deepEqual(
			[state.recent, state.run, state.failedRounds, state.stats[0].notCounted],
			['', 0, 0, 0],
		);
		assert.deepEqual([state.policy.windowType, state.policy.openBackoffMultiplier], ['time', 1]);
		const stats = breakerStats(state, 1_800_000_000_000);
		assert.deepEqual([stats.calls, stats.failures, stats.failuresNotCounted], [5, 4, 0]);
	});

	it('carry on: a failed probe reopens the old breaker, and it grows under a 1.1 policy', () => {
		const state = asBreakerState(oldRecord());
		const policy = resolveBreakerPolicy({ ...BASE, openBackoffMultiplier: 2 });
		const stamp = { generation: 3, probe: true, checkedAt: 1_800_000_000_000 };
		const decision = decideRecords(
			state,
			[{ outcome: 'failure', stamp }],
			policy,
			1_800_000_000_500,
		);
		assert.equal(decision.state.status, 'open');
		assert.equal(decision.state.failedRounds, 1);
		assert.equal((decision.state.openUntil ?? 0) - 1_800_000_000_500, 2000);
	});

	it('with odd values in the new fields read them as empty', () => {
		const record = {
			...(oldRecord() as object),
			recent: 42,
			run: -1,
			failedRounds: 'many',
		} as unknown as JsonValue;
		const state = asBreakerState(record);
		assert.deepEqual([state?.recent, state?.run, state?.failedRounds], ['', 0, 0]);
	});
});
