import type { BreakerPolicy } from './policy';
import type { BreakerChange, BreakerState, BreakerStatus } from './state';
import { effectiveStatus, initialBreakerState } from './state';
import type { CallCounts, LatencySummary } from './window';
import { recentTotals, statsTotals, windowTotals } from './window';
import { percent } from './words';

/** One hop's view over the window: the per-boundary figures an alerting workflow needs. */
export type BreakerStats = {
	/** False for a breaker nothing was ever recorded for or set on. */
	known: boolean;
	/** As Check sees it now: an open breaker whose time is up is half-open. */
	status: BreakerStatus;
	since: number;
	openUntil: number | null;
	generation: number;
	windowMs: number;
	calls: number;
	/** Failures that count towards opening the breaker. */
	failures: number;
	/** Failures the rules do not count (a 400 for bad data): recorded, but they decide nothing. */
	failuresNotCounted: number;
	slowCalls: number;
	/** Null when the window holds no calls. */
	failureRatePercent: number | null;
	slowCallRatePercent: number | null;
	latency: LatencySummary;
	/** The calls a closed breaker is judging now: those since its last change of status. */
	tripWindow: CallCounts;
	/** Under the count window: the last calls it holds (at most windowCalls). */
	recentCalls: CallCounts | null;
	/** Under the consecutive window: failed or slow calls in a row so far. */
	consecutiveFailures: number | null;
	/** Half-open rounds failed in a row: the open duration grew this many times. */
	failedProbeRounds: number;
	probes: {
		allowed: number;
		granted: number;
		recorded: number;
		failed: number;
		slow: number;
	} | null;
	opens: number;
	lastChange: BreakerChange | null;
	policy: BreakerPolicy;
};

export function breakerStats(state: BreakerState | undefined, now: number): BreakerStats {
	const current = state ?? initialBreakerState(now);
	const { policy } = current;
	const totals = statsTotals(current.stats, now, policy);
	const rate = (part: number) => (totals.calls === 0 ? null : percent(part, totals.calls));
	return {
		known: state !== undefined,
		status: effectiveStatus(current, now),
		since:
			current.status === 'open' && effectiveStatus(current, now) === 'halfOpen'
				? (current.openUntil ?? current.since)
				: current.since,
		openUntil: current.openUntil,
		generation: current.generation,
		windowMs: policy.windowMs,
		calls: totals.calls,
		failures: totals.failures,
		failuresNotCounted: totals.notCounted,
		slowCalls: totals.slow,
		failureRatePercent: rate(totals.failures),
		slowCallRatePercent: rate(totals.slow),
		latency: totals.latency,
		tripWindow: windowTotals(current.window, now, policy),
		recentCalls: policy.windowType === 'count' ? recentTotals(current.recent) : null,
		consecutiveFailures: policy.windowType === 'consecutive' ? current.run : null,
		failedProbeRounds: current.failedRounds,
		probes:
			current.probes === null
				? null
				: {
						allowed: policy.halfOpenProbes,
						granted: current.probes.granted,
						recorded: current.probes.recorded,
						failed: current.probes.failed,
						slow: current.probes.slow,
					},
		opens: current.opens,
		lastChange: current.lastChange,
		policy,
	};
}
