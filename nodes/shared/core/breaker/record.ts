/** Record: the outcome of a batch of calls counted, and the breaker judged once for it. */
import type { BreakerPolicy } from './policy';
import { callsToReach, policiesDiffer, reachesRate } from './policy';
import { changeStatus, initialBreakerState } from './state';
import type {
	BreakerChange,
	BreakerStamp,
	BreakerState,
	BreakerStatus,
	ProbeCounts,
} from './state';
import type { CallCounts, ObservedCall } from './window';
import {
	addToRecent,
	batchOrder,
	countInWindow,
	extendRun,
	liveBuckets,
	observeInStats,
	recentTotals,
	windowTotals,
} from './window';
import { percent, seconds } from './words';

export type BreakerCall = {
	outcome: 'success' | 'failure';
	/** From Check's stamp; null when the call carried none (latency unknown). */
	stamp: BreakerStamp | null;
	correlationId?: string | null;
	/**
	 * False for a failure the rules do not count (a 400 for bad data): it is in the
	 * statistics as not counted and decides nothing. Absent or true: it counts.
	 */
	counted?: boolean;
};

/**
 * What a recorded call counted for: the window that opens a closed breaker, a half-open
 * probe, the statistics only (a late call from an earlier period, or one recorded while
 * the breaker was open, forced open or disabled), or nothing but the statistics' count of
 * failures not counted (a failure the rules ignore; as a probe it frees its slot).
 */
export type CallRole = 'window' | 'probe' | 'statsOnly' | 'notCounted';

export type RecordedCall = { role: CallRole; latencyMs: number | null; slow: boolean };

export type BreakerRecord = {
	calls: RecordedCall[];
	state: BreakerState;
	change: BreakerChange | null;
	/** True when `policy` replaced a different stored policy. */
	policyChanged: boolean;
};

const isIgnored = (call: BreakerCall) => call.outcome === 'failure' && call.counted === false;

/**
 * Records a batch of calls that finished at `now`. The batch counts as simultaneous: all
 * its calls are added, then the breaker is judged once, so the order of the items (or of
 * a Success and a Failure input) never changes the outcome.
 */
export function decideRecords(
	current: BreakerState | undefined,
	calls: readonly BreakerCall[],
	policy: BreakerPolicy,
	now: number,
): BreakerRecord {
	const base = current ?? initialBreakerState(now, policy);
	const policyChanged = current !== undefined && policiesDiffer(current.policy, policy);
	const { roles, freedProbes } = assignRoles(base, calls);
	const recorded = calls.map((call, index): RecordedCall => {
		const latencyMs = call.stamp === null ? null : Math.max(0, now - call.stamp.checkedAt);
		return {
			role: roles[index],
			latencyMs,
			slow: latencyMs !== null && latencyMs > policy.slowCallMs,
		};
	});
	const observed = recorded.map(
		(call, index): ObservedCall => ({
			failed: calls[index].outcome === 'failure' && !isIgnored(calls[index]),
			notCounted: isIgnored(calls[index]),
			slow: call.slow,
			latencyMs: call.latencyMs,
		}),
	);
	let state: BreakerState = {
		...base,
		policy: { ...policy },
		stats: observeInStats(base.stats, now, policy, observed),
	};
	const lastFailure =
		[...calls].reverse().find((call) => call.outcome === 'failure' && !isIgnored(call))
			?.correlationId ?? null;
	let change: BreakerChange | null = null;
	if (state.status === 'closed') {
		const judged = observed.filter((_, index) => roles[index] === 'window');
		state = {
			...state,
			window: countInWindow(state.window, now, policy, countsOf(observed, roles, 'window')),
		};
		let reason: string | null;
		if (policy.windowType === 'count') {
			const recent = addToRecent(state.recent, batchOrder(judged), policy.windowCalls);
			state = { ...state, recent };
			reason = tripReason(recentTotals(recent), policy);
		} else if (policy.windowType === 'consecutive') {
			const run = extendRun(state.run, batchOrder(judged));
			state = { ...state, run };
			reason = run >= policy.consecutiveFailures ? runReason(run, policy) : null;
		} else {
			reason = tripReason(windowTotals(state.window, now, policy), policy);
		}
		if (reason !== null)
			({ state, change } = changeStatus(state, 'open', now, reason, lastFailure));
	} else if (state.status === 'halfOpen' && state.probes !== null) {
		const counts = countsOf(observed, roles, 'probe');
		const probes = {
			...state.probes,
			// A probe whose failure the rules ignore says nothing: its slot goes to another call.
			granted: state.probes.granted - freedProbes,
			recorded: state.probes.recorded + counts.calls,
			failed: state.probes.failed + counts.failures,
			slow: state.probes.slow + counts.slow,
		};
		state = { ...state, probes };
		const verdict = judgeProbes(probes, policy);
		if (verdict !== null)
			({ state, change } = changeStatus(
				state,
				verdict.to,
				now,
				verdict.reason,
				verdict.to === 'open' ? lastFailure : null,
			));
	} else {
		state = { ...state, window: liveBuckets(state.window, now, policy) };
	}
	return { calls: recorded, state, change, policyChanged };
}

/**
 * Which calls decide. Closed: calls checked in this period, and calls without a stamp
 * (nothing says they are late). Half-open: stamped probes of this period first, then
 * unstamped calls while probes are outstanding — a vendor node's success output replaces
 * the item, stamp and all, and while half-open only probes were let through. A failure
 * the rules ignore decides nothing; while half-open, if it was a probe, its slot is freed.
 */
function assignRoles(
	state: BreakerState,
	calls: readonly BreakerCall[],
): { roles: CallRole[]; freedProbes: number } {
	const current = (call: BreakerCall) =>
		call.stamp !== null && call.stamp.generation === state.generation;
	if (state.status === 'closed') {
		const roles = calls.map(
			(call): CallRole =>
				isIgnored(call)
					? 'notCounted'
					: call.stamp === null || current(call)
						? 'window'
						: 'statsOnly',
		);
		return { roles, freedProbes: 0 };
	}
	const roles = calls.map((call): CallRole => (isIgnored(call) ? 'notCounted' : 'statsOnly'));
	if (state.status !== 'halfOpen' || state.probes === null) return { roles, freedProbes: 0 };
	let outstanding = state.probes.granted - state.probes.recorded;
	let freedProbes = 0;
	calls.forEach((call) => {
		if (outstanding <= 0 || !isIgnored(call) || !current(call) || call.stamp?.probe !== true)
			return;
		freedProbes++;
		outstanding--;
	});
	for (const stamped of [true, false]) {
		calls.forEach((call, index) => {
			if (outstanding <= 0 || isIgnored(call)) return;
			const fits = stamped ? current(call) && call.stamp?.probe === true : call.stamp === null;
			if (!fits) return;
			roles[index] = 'probe';
			outstanding--;
		});
	}
	return { roles, freedProbes };
}

function countsOf(
	observed: readonly ObservedCall[],
	roles: readonly CallRole[],
	role: CallRole,
): CallCounts {
	const counts: CallCounts = { calls: 0, failures: 0, slow: 0 };
	observed.forEach((call, index) => {
		if (roles[index] !== role) return;
		counts.calls++;
		if (call.failed) counts.failures++;
		if (call.slow) counts.slow++;
	});
	return counts;
}

/**
 * Why a closed breaker opens now, or null while it stays closed: the rates over the time
 * window, or over the last windowCalls calls (judged once it holds minimumCalls, or
 * windowCalls when that is fewer).
 */
export function tripReason(totals: CallCounts, policy: BreakerPolicy): string | null {
	const count = policy.windowType === 'count';
	const minimum = count ? Math.min(policy.minimumCalls, policy.windowCalls) : policy.minimumCalls;
	if (totals.calls < minimum) return null;
	const over = count
		? `of the last ${totals.calls} calls`
		: `of ${totals.calls} calls in the last ${seconds(policy.windowMs)}`;
	if (reachesRate(totals.failures, totals.calls, policy.failureRatePercent)) {
		return `failure rate ${percent(totals.failures, totals.calls)}% (${totals.failures} ${over}) reached ${policy.failureRatePercent}%`;
	}
	if (reachesRate(totals.slow, totals.calls, policy.slowCallRatePercent)) {
		return `slow-call rate ${percent(totals.slow, totals.calls)}% (${totals.slow} ${over} took over ${seconds(policy.slowCallMs)}) reached ${policy.slowCallRatePercent}%`;
	}
	return null;
}

/** Why the consecutive window opens the breaker. */
function runReason(run: number, policy: BreakerPolicy): string {
	return `${run} failed or slow calls in a row reached ${policy.consecutiveFailures}`;
}

/**
 * The half-open verdict, as soon as it is certain: open once enough probes failed (or
 * were slow) to reach the threshold over all probes, close once the probes still out
 * could no longer reach it, else wait for more.
 */
function judgeProbes(
	probes: ProbeCounts,
	policy: BreakerPolicy,
): { to: BreakerStatus; reason: string } | null {
	const total = policy.halfOpenProbes;
	const pending = Math.max(0, total - probes.recorded);
	const failuresToOpen = callsToReach(policy.failureRatePercent, total);
	const slowToOpen = callsToReach(policy.slowCallRatePercent, total);
	if (probes.failed >= failuresToOpen)
		return { to: 'open', reason: `${probes.failed} of ${total} probes failed` };
	if (probes.slow >= slowToOpen) {
		return {
			to: 'open',
			reason: `${probes.slow} of ${total} probes took over ${seconds(policy.slowCallMs)}`,
		};
	}
	if (probes.failed + pending < failuresToOpen && probes.slow + pending < slowToOpen) {
		return {
			to: 'closed',
			reason: `probes passed: ${probes.recorded - probes.failed} of ${probes.recorded} succeeded`,
		};
	}
	return null;
}
