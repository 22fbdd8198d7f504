import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { BreakerCall, BreakerPolicy, BreakerState } from '../../../nodes/shared/core/breaker';
import type { JsonValue } from '../../../nodes/shared/core/json';
import {
	asBreakerState,
	breakerStateTtlMs,
	decideChecks,
	decideRecords,
	decideSetState,
	initialBreakerState,
	resolveBreakerPolicy,
} from '../../../nodes/shared/core/breaker';
import { Breaker } from '../../support/breaker';
import { FakeClock } from './clock';

const POLICY: Partial<BreakerPolicy> = {
	failureRatePercent: 50,
	slowCallMs: 1000,
	slowCallRatePercent: 50,
	minimumCalls: 4,
	windowMs: 10_000,
	windowBuckets: 10,
	openMs: 30_000,
	halfOpenProbes: 2,
	probeTimeoutMs: 5000,
};

function setUp(overrides: Partial<BreakerPolicy> = {}) {
	const clock = new FakeClock();
	const breaker = new Breaker({ policy: { ...POLICY, ...overrides }, clock });
	/** One call through the breaker: check, then record the outcome if it proceeded. */
	const call = (outcome: 'success' | 'failure', tookMs = 0) => {
		const ticket = breaker.check();
		clock.advance(tookMs);
		if (ticket.route === 'open') return 'refused';
		return outcome === 'success' ? breaker.success(ticket).role : breaker.failure(ticket).role;
	};
	const calls = (outcomes: string) =>
		[...outcomes].map((letter) => call(letter === 'F' ? 'failure' : 'success'));
	return { clock, breaker, call, calls };
}

/** A breaker opened by four failures at the clock's current time. */
function opened(overrides: Partial<BreakerPolicy> = {}) {
	const setup = setUp(overrides);
	setup.calls('FFFF');
	assert.equal(setup.breaker.status, 'open');
	return setup;
}

describe('closed → open', () => {
	it('stays closed until the window holds the minimum number of calls', () => {
		const { breaker, calls } = setUp();
		calls('FFF');
		assert.equal(breaker.status, 'closed', '3 failures of 3 calls, but 4 are needed to judge');
		calls('F');
		assert.equal(breaker.status, 'open');
	});

	it('opens when the failure rate reaches the threshold', () => {
		const { breaker, calls } = setUp();
		calls('SSF');
		calls('F');
		assert.equal(breaker.status, 'open', '2 of 4 is 50%: at the threshold opens');
		assert.match(
			breaker.changes[0].reason,
			/^failure rate 50% \(2 of 4 calls in the last 10 s\) reached 50%$/,
		);
		assert.deepEqual([breaker.changes[0].from, breaker.changes[0].to], ['closed', 'open']);
	});

	it('stays closed below the threshold', () => {
		const { breaker, calls } = setUp();
		calls('SSSFSSSF');
		assert.equal(breaker.status, 'closed', '25% failures');
	});

	it('opens on slow calls even when they succeed', () => {
		const { breaker, clock } = setUp();
		const tickets = [1, 2, 3, 4].map(() => breaker.check());
		clock.advance(1001);
		const roles = tickets.map((ticket) => breaker.success(ticket));
		assert.deepEqual(
			roles.map((call) => [call.slow, call.latencyMs]),
			Array(4).fill([true, 1001]),
		);
		assert.equal(breaker.status, 'open');
		assert.match(
			breaker.changes[0].reason,
			/slow-call rate 100% \(4 of 4 calls in the last 10 s took over 1 s\) reached 50%/,
		);
	});

	it('does not count a call as slow at exactly the slow-call duration', () => {
		const { breaker, call } = setUp();
		for (let index = 0; index < 4; index++) call('success', 1000);
		assert.equal(breaker.status, 'closed');
	});

	it('forgets failures that slid out of the window', () => {
		const { breaker, clock, calls } = setUp();
		calls('FFF');
		clock.advance(10_000);
		calls('SF');
		assert.equal(breaker.status, 'closed', 'only 2 calls left in the window');
		calls('SS');
		assert.equal(breaker.status, 'closed', '1 failure in 4');
	});

	it('keeps the correlation ID of the failure that opened it', () => {
		const now = 1_000_000;
		const calls: BreakerCall[] = ['a', 'b', 'c', 'd'].map((id) => ({
			outcome: 'failure',
			stamp: null,
			correlationId: id,
		}));
		const decision = decideRecords(undefined, calls, resolveBreakerPolicy(POLICY), now);
		assert.equal(decision.change?.correlationId, 'd');
		assert.equal(decision.state.opens, 1);
	});
});

describe('open → half-open → closed or open', () => {
	it('routes Open while open, and lets a probe through once the open duration is over', () => {
		const { breaker, clock, call } = opened();
		assert.equal(call('success'), 'refused');
		clock.advance(29_999);
		assert.equal(breaker.check().route, 'open');
		clock.advance(1);
		assert.equal(
			breaker.status,
			'halfOpen',
			'Stats and Check see half-open as soon as the time is up',
		);
		const ticket = breaker.check();
		assert.equal(ticket.route, 'proceed');
		assert.equal(ticket.stamp?.probe, true);
		assert.deepEqual([breaker.changes[1].from, breaker.changes[1].to], ['open', 'halfOpen']);
		assert.match(breaker.changes[1].reason, /open for 30 s: probing with 2 calls/);
	});

	it('lets only the configured number of probes through', () => {
		const { breaker, clock } = opened();
		clock.advance(30_000);
		assert.deepEqual(
			[1, 2, 3].map(() => breaker.check().route),
			['proceed', 'proceed', 'open'],
		);
	});

	it('closes once the probes succeeded, with an empty window', () => {
		const { breaker, clock } = opened();
		clock.advance(30_000);
		const [first, second] = [breaker.check(), breaker.check()];
		breaker.success(first);
		assert.equal(breaker.status, 'halfOpen', 'one success of two: a failure could still reopen it');
		breaker.success(second);
		assert.equal(breaker.status, 'closed');
		assert.match(breaker.changes.at(-1)!.reason, /probes passed: 2 of 2 succeeded/);
		assert.deepEqual(breaker.stats().tripWindow, { calls: 0, failures: 0, slow: 0 });
	});

	it('reopens as soon as enough probes failed, for another open duration', () => {
		const { breaker, clock } = opened();
		clock.advance(30_000);
		const [first, second] = [breaker.check(), breaker.check()];
		breaker.failure(first);
		assert.equal(breaker.status, 'open', '1 of 2 probes is 50%: certain before the second reports');
		assert.equal(breaker.toJSON().openUntil, clock.now() + 30_000);
		assert.equal(breaker.toJSON().opens, 2);
		assert.equal(breaker.success(second).role, 'statsOnly', 'the late probe decides nothing');
		assert.equal(breaker.status, 'open');
	});

	it('reopens when probes are slow', () => {
		const { breaker, clock } = opened();
		clock.advance(30_000);
		const ticket = breaker.check();
		clock.advance(1500);
		breaker.success(ticket);
		assert.equal(breaker.status, 'open');
		assert.match(breaker.changes.at(-1)!.reason, /1 of 2 probes took over 1 s/);
	});

	it('needs more failed probes when there are more probes', () => {
		const { breaker, clock } = opened({ halfOpenProbes: 3 });
		clock.advance(30_000);
		const tickets = [breaker.check(), breaker.check(), breaker.check()];
		breaker.failure(tickets[0]);
		assert.equal(breaker.status, 'halfOpen', '1 of 3 is below 50%: wait');
		breaker.success(tickets[1]);
		assert.equal(breaker.status, 'halfOpen', 'the third decides');
		breaker.failure(tickets[2]);
		assert.equal(breaker.status, 'open');
	});

	it('frees the slots of probes that never report after the probe timeout', () => {
		const { breaker, clock } = opened();
		clock.advance(30_000);
		breaker.check();
		breaker.check();
		clock.advance(4999);
		assert.equal(breaker.check().route, 'open');
		clock.advance(1);
		const retry = breaker.check();
		assert.equal(retry.route, 'proceed', 'the lost probes gave their slots back');
		breaker.success(retry);
		breaker.success(breaker.check());
		assert.equal(breaker.status, 'closed');
	});

	it('counts a call checked before the breaker opened in the stats only', () => {
		const { breaker, clock, calls } = setUp();
		const early = breaker.check();
		calls('FFFF');
		clock.advance(30_000);
		breaker.check();
		assert.equal(breaker.success(early).role, 'statsOnly');
		assert.equal(breaker.toJSON().probes?.recorded, 0);
		assert.equal(
			breaker.stats().calls,
			1,
			'counted (the four failures slid out of the 10 s window meanwhile)',
		);
	});

	it('counts unstamped records as probes while probes are outstanding', () => {
		const policy = resolveBreakerPolicy(POLICY);
		const now = 5_000_000;
		const open = decideRecords(
			undefined,
			Array(4).fill({ outcome: 'failure', stamp: null }),
			policy,
			now,
		).state;
		const half = decideChecks(open, 5, now + 30_000);
		assert.equal(half.admitted, 2);
		assert.equal(half.write, true);
		const late = {
			outcome: 'success',
			stamp: { generation: 0, probe: false, checkedAt: now },
		} as const;
		const record = decideRecords(
			half.state,
			[
				late,
				{ outcome: 'success', stamp: null },
				{ outcome: 'success', stamp: null },
				{ outcome: 'success', stamp: null },
			],
			policy,
			now + 30_100,
		);
		assert.deepEqual(
			record.calls.map((call) => call.role),
			['statsOnly', 'probe', 'probe', 'statsOnly'],
		);
		assert.equal(record.state.status, 'closed');
	});
});

describe('a batch', () => {
	const policy = resolveBreakerPolicy(POLICY);
	const now = 7_000_000;
	const outcomes = (letters: string): BreakerCall[] =>
		[...letters].map((letter) => ({
			outcome: letter === 'F' ? 'failure' : 'success',
			stamp: null,
		}));

	it('is judged as a whole, whatever the order of its calls', () => {
		const forward = decideRecords(undefined, outcomes('SSSSFFFF'), policy, now);
		const backward = decideRecords(undefined, outcomes('FFFFSSSS'), policy, now);
		assert.equal(forward.state.status, 'open');
		assert.deepEqual(backward.state, forward.state);
		assert.deepEqual(
			forward.calls.map((call) => call.role),
			Array(8).fill('window'),
		);
	});

	it('is checked with one decision: all, none, or the probe slots', () => {
		const closed = decideChecks(undefined, 100, now);
		assert.deepEqual([closed.admitted, closed.probe, closed.write], [100, false, false]);
		const open = decideRecords(undefined, outcomes('FFFF'), policy, now).state;
		const refused = decideChecks(open, 100, now + 1);
		assert.deepEqual([refused.admitted, refused.write], [0, false]);
		const probing = decideChecks(open, 100, now + 30_000);
		assert.deepEqual(
			[probing.admitted, probing.probe, probing.state.status, probing.change?.to],
			[2, true, 'halfOpen', 'halfOpen'],
		);
		const full = decideChecks(probing.state, 100, now + 30_001);
		assert.deepEqual([full.admitted, full.write], [0, false]);
	});

	it('never changes the state it was given', () => {
		const state = decideRecords(undefined, outcomes('SSF'), policy, now).state;
		const frozen = structuredClone(state);
		decideRecords(state, outcomes('FFFF'), policy, now + 10);
		decideChecks(state, 3, now + 20);
		decideSetState(state, 'forceOpen', now + 30);
		assert.deepEqual(state, frozen);
	});

	it('applies the policy Record gives and says when it changed', () => {
		const first = decideRecords(undefined, outcomes('S'), policy, now);
		assert.equal(first.policyChanged, false);
		const changed = decideRecords(first.state, outcomes('S'), { ...policy, openMs: 1000 }, now);
		assert.equal(changed.policyChanged, true);
		assert.equal(changed.state.policy.openMs, 1000);
	});
});

describe('manual states', () => {
	it('forced open refuses every call until reset, whatever happens', () => {
		const { breaker, clock, call } = setUp();
		breaker.setState('forceOpen');
		assert.equal(breaker.status, 'forcedOpen');
		clock.advance(3_600_000);
		assert.equal(call('success'), 'refused');
		breaker.success();
		assert.equal(breaker.status, 'forcedOpen', 'records change nothing');
		breaker.setState('reset');
		assert.equal(breaker.status, 'closed');
		assert.equal(call('success'), 'window');
	});

	it('disabled lets every call through and never opens, but still counts', () => {
		const { breaker, calls } = setUp();
		breaker.setState('disable');
		assert.deepEqual(calls('FFFFFFFF'), Array(8).fill('statsOnly'));
		assert.equal(breaker.status, 'disabled');
		assert.equal(breaker.stats().failures, 8);
	});

	it('reset closes an open breaker and clears its window', () => {
		const { breaker } = opened();
		breaker.setState('reset');
		assert.equal(breaker.status, 'closed');
		assert.deepEqual(breaker.stats().tripWindow, { calls: 0, failures: 0, slow: 0 });
		assert.equal(breaker.stats().failures, 4, 'the statistics keep what happened');
		assert.equal(breaker.changes.at(-1)!.reason, 'reset by hand');
	});

	it('setting the status it already has writes nothing; reset always writes', () => {
		const forced = decideSetState(undefined, 'forceOpen', 1);
		assert.equal(forced.write, true);
		assert.deepEqual(forced.change && [forced.change.from, forced.change.to], [
			'closed',
			'forcedOpen',
		]);
		const again = decideSetState(forced.state, 'forceOpen', 2);
		assert.deepEqual([again.write, again.change], [false, null]);
		const reset = decideSetState(undefined, 'reset', 3);
		assert.deepEqual([reset.write, reset.change, reset.state.generation], [true, null, 1]);
	});

	it('keeps forced and disabled breakers for good, others for a retention period', () => {
		const state = initialBreakerState(0);
		assert.equal(breakerStateTtlMs(decideSetState(state, 'forceOpen', 0).state), null);
		assert.equal(breakerStateTtlMs(decideSetState(state, 'disable', 0).state), null);
		assert.equal(breakerStateTtlMs(state), 30 * 86_400_000);
	});
});

describe('serialisable state', () => {
	it('carries on after a round trip through JSON', () => {
		const { breaker, clock } = opened();
		const saved = JSON.parse(JSON.stringify(breaker)) as unknown;
		const restored = new Breaker({
			policy: POLICY,
			clock,
			initialState: asBreakerState(saved as BreakerState),
		});
		assert.equal(restored.status, 'open');
		clock.advance(30_000);
		assert.equal(restored.check().route, 'proceed');
		assert.deepEqual(restored.toJSON().generation, 2);
	});

	it('increments the generation on every change, and stamps carry it', () => {
		const { breaker, clock } = opened();
		assert.equal(breaker.toJSON().generation, 1);
		clock.advance(30_000);
		const ticket = breaker.check();
		assert.equal(ticket.stamp?.generation, 2);
		assert.equal(ticket.stamp?.checkedAt, clock.now());
	});

	it('refuses a record that is not breaker state', () => {
		assert.equal(asBreakerState(undefined), undefined);
		for (const foreign of [
			{ status: 'inFlight', attempts: 1 },
			'x',
			[],
			{ format: 2, status: 'closed', generation: 0, window: [], stats: [] },
		]) {
			assert.throws(() => asBreakerState(foreign as JsonValue), /not in the expected format/);
		}
	});

	it('falls back to the default policy when the stored one is unusable', () => {
		const state = { ...initialBreakerState(0), policy: { openMs: -5 } } as unknown as BreakerState;
		assert.equal(asBreakerState(state)?.policy.openMs, 120_000);
	});
});
