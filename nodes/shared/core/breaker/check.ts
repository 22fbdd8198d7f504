/** Check: which calls of a batch may proceed, and the probes of a half-open breaker. */
import { changeStatus, initialBreakerState } from './state';
import type { BreakerChange, BreakerState } from './state';
import { seconds } from './words';

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
