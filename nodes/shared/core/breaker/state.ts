import type { JsonValue } from '../json';
import { isPlainObject } from '../json';
import { DAY_MS } from '../time';
import type { BreakerPolicy } from './policy';
import {
	callsToReach,
	DEFAULT_BREAKER_POLICY,
	policiesDiffer,
	reachesRate,
	resolveBreakerPolicy,
} from './policy';
import type { CallCounts, ObservedCall, StatsBucket, WindowBucket } from './window';
import { countInWindow, liveBuckets, observeInStats, windowTotals } from './window';
import { percent, seconds } from './words';

/**
 * The circuit breaker as pure functions over one serialisable state record. The store
 * only reads and compare-and-sets the record (stores/update.ts), so racing workers
 * agree; every rule lives here. `now` is always the store's clock.
 *
 *   closed ──failure or slow-call rate reached──▶ open ──open duration over, next Check──▶ halfOpen
 *     ▲                                             ▲                                       │
 *     └──────────── probes succeeded ───────────────┼─────────── probes failed ─────────────┘
 *   forcedOpen and disabled are set by hand (Set State) and left only by hand.
 *
 * Every change of status increments `generation`. Check stamps it on the item, so a
 * Record that arrives late from an earlier period (a call started before the breaker
 * opened) is counted in the statistics but does not decide anything.
 */
export type BreakerStatus = 'closed' | 'open' | 'halfOpen' | 'forcedOpen' | 'disabled';

export const BREAKER_STATUSES: readonly BreakerStatus[] = [
	'closed',
	'open',
	'halfOpen',
	'forcedOpen',
	'disabled',
];

export type BreakerChange = {
	from: BreakerStatus;
	to: BreakerStatus;
	/** Epoch ms on the store's clock. */
	at: number;
	reason: string;
	/** The correlation ID of the last failed call that opened the breaker, if it had one. */
	correlationId: string | null;
};

export type ProbeCounts = {
	granted: number;
	recorded: number;
	failed: number;
	slow: number;
	/** Epoch ms of the last grant: outstanding probes are given up on probeTimeoutMs after it. */
	lastGrantedAt: number;
};

// Types, not interfaces, so that the state is assignable to JsonValue when stored.
export type BreakerState = {
	/** Format of this record, for later migrations. */
	format: 1;
	status: BreakerStatus;
	/** Incremented by every change of status. */
	generation: number;
	/** When the breaker entered its status. */
	since: number;
	/** While open: when probing may start. */
	openUntil: number | null;
	/** While half-open: the probes let through and what became of them. */
	probes: ProbeCounts | null;
	/** Times the breaker opened on its own (forced opens not counted). */
	opens: number;
	lastChange: BreakerChange | null;
	/** The policy Record last applied; Check and Stats follow it. */
	policy: BreakerPolicy;
	/** The calls that decide when a closed breaker opens; cleared by every change of status. */
	window: WindowBucket[];
	/** Every recorded call, for Stats; kept across changes of status. */
	stats: StatsBucket[];
};

/** What Check stamps on an item so Record can tell probes and latency. */
export type BreakerStamp = {
	generation: number;
	probe: boolean;
	/** Epoch ms on the store's clock when Check let the call through. */
	checkedAt: number;
};

/** An idle breaker's record is forgotten after this (never while forced open or disabled). */
export const BREAKER_RETENTION_MS = 30 * DAY_MS;

export function initialBreakerState(
	now: number,
	policy: BreakerPolicy = DEFAULT_BREAKER_POLICY,
): BreakerState {
	return {
		format: 1,
		status: 'closed',
		generation: 0,
		since: now,
		openUntil: null,
		probes: null,
		opens: 0,
		lastChange: null,
		policy: { ...policy },
		window: [],
		stats: [],
	};
}

/** The status as Check will see it: an open breaker whose time is up is half-open. */
export function effectiveStatus(state: BreakerState, now: number): BreakerStatus {
	return state.status === 'open' && now >= (state.openUntil ?? 0) ? 'halfOpen' : state.status;
}

/** How long the record is kept: for good while set by hand, else a long retention. */
export function breakerStateTtlMs(state: BreakerState): number | null {
	if (state.status === 'forcedOpen' || state.status === 'disabled') return null;
	return Math.max(BREAKER_RETENTION_MS, 2 * state.policy.openMs);
}

function changeStatus(
	state: BreakerState,
	to: BreakerStatus,
	now: number,
	reason: string,
	correlationId: string | null = null,
): { state: BreakerState; change: BreakerChange } {
	const change: BreakerChange = { from: state.status, to, at: now, reason, correlationId };
	const next: BreakerState = {
		...state,
		status: to,
		generation: state.generation + 1,
		since: now,
		openUntil: to === 'open' ? now + state.policy.openMs : null,
		probes:
			to === 'halfOpen'
				? { granted: 0, recorded: 0, failed: 0, slow: 0, lastGrantedAt: now }
				: null,
		opens: state.opens + (to === 'open' ? 1 : 0),
		lastChange: change,
		// A new period judges its own calls, as Resilience4j resets its metrics.
		window: [],
	};
	return { state: next, change };
}

/* ------------------------------------------------------------------ Check */

export type BreakerCheck = {
	/** The first `admitted` calls of the batch proceed; the rest route to Open. */
	admitted: number;
	/** Whether the admitted calls are half-open probes. */
	probe: boolean;
	state: BreakerState;
	change: BreakerChange | null;
	/** Whether `state` must be written: a change of status, or probes granted. */
	write: boolean;
};

/**
 * Check for a batch of `calls`: all proceed while closed or disabled, none while open or
 * forced open, and while half-open as many as there are probe slots left. A closed
 * breaker is only read, so the common path costs no write.
 */
export function decideChecks(
	current: BreakerState | undefined,
	calls: number,
	now: number,
): BreakerCheck {
	const state = current ?? initialBreakerState(now);
	switch (state.status) {
		case 'closed':
		case 'disabled':
			return { admitted: calls, probe: false, state, change: null, write: false };
		case 'forcedOpen':
			return { admitted: 0, probe: false, state, change: null, write: false };
		case 'open': {
			if (now < (state.openUntil ?? 0))
				return { admitted: 0, probe: false, state, change: null, write: false };
			const opened = changeStatus(
				state,
				'halfOpen',
				now,
				`open for ${seconds(now - state.since)}: probing with ${state.policy.halfOpenProbes} calls`,
			);
			return { ...grantProbes(opened.state, calls, now), change: opened.change, write: true };
		}
		case 'halfOpen':
			return grantProbes(state, calls, now);
	}
}

function grantProbes(state: BreakerState, calls: number, now: number): BreakerCheck {
	let probes = state.probes ?? { granted: 0, recorded: 0, failed: 0, slow: 0, lastGrantedAt: now };
	// Probes that never reported (their execution died, or nothing records them) would hold
	// the breaker half-open for good: after the probe timeout their slots are free again.
	if (
		probes.granted > probes.recorded &&
		now - probes.lastGrantedAt >= state.policy.probeTimeoutMs
	) {
		probes = { ...probes, granted: probes.recorded };
	}
	const admitted = Math.min(calls, Math.max(0, state.policy.halfOpenProbes - probes.granted));
	if (admitted === 0) {
		const changed = probes !== state.probes;
		return {
			admitted: 0,
			probe: true,
			state: changed ? { ...state, probes } : state,
			change: null,
			write: changed,
		};
	}
	const next = {
		...state,
		probes: { ...probes, granted: probes.granted + admitted, lastGrantedAt: now },
	};
	return { admitted, probe: true, state: next, change: null, write: true };
}

/* ----------------------------------------------------------------- Record */

export type BreakerCall = {
	outcome: 'success' | 'failure';
	/** From Check's stamp; null when the call carried none (latency unknown). */
	stamp: BreakerStamp | null;
	correlationId?: string | null;
};

/**
 * What a recorded call counted for: the window that opens a closed breaker, a half-open
 * probe, or the statistics only (a late call from an earlier period, or one recorded
 * while the breaker was open, forced open or disabled).
 */
export type CallRole = 'window' | 'probe' | 'statsOnly';

export type RecordedCall = { role: CallRole; latencyMs: number | null; slow: boolean };

export type BreakerRecord = {
	calls: RecordedCall[];
	state: BreakerState;
	change: BreakerChange | null;
	/** True when `policy` replaced a different stored policy. */
	policyChanged: boolean;
};

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
	const roles = assignRoles(base, calls);
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
			failed: calls[index].outcome === 'failure',
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
		[...calls].reverse().find((call) => call.outcome === 'failure')?.correlationId ?? null;
	let change: BreakerChange | null = null;
	if (state.status === 'closed') {
		state = {
			...state,
			window: countInWindow(state.window, now, policy, countsOf(observed, roles, 'window')),
		};
		const reason = tripReason(windowTotals(state.window, now, policy), policy);
		if (reason !== null)
			({ state, change } = changeStatus(state, 'open', now, reason, lastFailure));
	} else if (state.status === 'halfOpen' && state.probes !== null) {
		const counts = countsOf(observed, roles, 'probe');
		const probes = {
			...state.probes,
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
 * the item, stamp and all, and while half-open only probes were let through.
 */
function assignRoles(state: BreakerState, calls: readonly BreakerCall[]): CallRole[] {
	const current = (call: BreakerCall) =>
		call.stamp !== null && call.stamp.generation === state.generation;
	if (state.status === 'closed')
		return calls.map((call) => (call.stamp === null || current(call) ? 'window' : 'statsOnly'));
	const roles = calls.map((): CallRole => 'statsOnly');
	if (state.status !== 'halfOpen' || state.probes === null) return roles;
	let outstanding = state.probes.granted - state.probes.recorded;
	for (const stamped of [true, false]) {
		calls.forEach((call, index) => {
			if (outstanding <= 0) return;
			const fits = stamped ? current(call) && call.stamp?.probe === true : call.stamp === null;
			if (!fits) return;
			roles[index] = 'probe';
			outstanding--;
		});
	}
	return roles;
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

/** Why a closed breaker opens now, or null while it stays closed. */
export function tripReason(totals: CallCounts, policy: BreakerPolicy): string | null {
	if (totals.calls < policy.minimumCalls) return null;
	const over = `of ${totals.calls} calls in the last ${seconds(policy.windowMs)}`;
	if (reachesRate(totals.failures, totals.calls, policy.failureRatePercent)) {
		return `failure rate ${percent(totals.failures, totals.calls)}% (${totals.failures} ${over}) reached ${policy.failureRatePercent}%`;
	}
	if (reachesRate(totals.slow, totals.calls, policy.slowCallRatePercent)) {
		return `slow-call rate ${percent(totals.slow, totals.calls)}% (${totals.slow} ${over} took over ${seconds(policy.slowCallMs)}) reached ${policy.slowCallRatePercent}%`;
	}
	return null;
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

/* -------------------------------------------------------------- Set State */

export type BreakerAction = 'forceOpen' | 'disable' | 'reset';

export const BREAKER_ACTIONS: readonly BreakerAction[] = ['forceOpen', 'disable', 'reset'];

export type BreakerSetState = { state: BreakerState; change: BreakerChange | null; write: boolean };

/**
 * Manual states, as in Resilience4j: forced open (every Check routes Open, e.g. during a
 * vendor's maintenance) and disabled (every Check proceeds); both stay until changed by
 * hand. Reset closes the breaker with an empty window, whatever its status.
 */
export function decideSetState(
	current: BreakerState | undefined,
	action: BreakerAction,
	now: number,
): BreakerSetState {
	const state = current ?? initialBreakerState(now);
	const to: BreakerStatus =
		action === 'forceOpen' ? 'forcedOpen' : action === 'disable' ? 'disabled' : 'closed';
	if (action !== 'reset' && state.status === to) return { state, change: null, write: false };
	const reason = {
		forceOpen: 'forced open by hand',
		disable: 'disabled by hand',
		reset: 'reset by hand',
	}[action];
	const changed = changeStatus(state, to, now, reason);
	// A reset of a closed breaker clears its window but is no change of status.
	const change = changed.change.from === to ? null : changed.change;
	return {
		state: change === null ? { ...changed.state, lastChange: state.lastChange } : changed.state,
		change,
		write: true,
	};
}

/* ---------------------------------------------------------------- Reading */

/** Reads a stored value back as breaker state, refusing anything that is not one. */
export function asBreakerState(value: JsonValue | undefined): BreakerState | undefined {
	if (value === undefined) return undefined;
	if (
		!isPlainObject(value) ||
		value.format !== 1 ||
		!BREAKER_STATUSES.includes(value.status as BreakerStatus) ||
		typeof value.generation !== 'number' ||
		!Array.isArray(value.window) ||
		!Array.isArray(value.stats)
	) {
		throw new Error(
			'The stored circuit breaker state is not in the expected format (was the scope used by something else?)',
		);
	}
	return { ...(value as unknown as BreakerState), policy: storedPolicy(value.policy) };
}

/** A stored policy, or the defaults where it is unusable: a breaker must keep working. */
function storedPolicy(value: unknown): BreakerPolicy {
	try {
		return resolveBreakerPolicy(isPlainObject(value) ? (value as Partial<BreakerPolicy>) : {});
	} catch {
		return { ...DEFAULT_BREAKER_POLICY };
	}
}
