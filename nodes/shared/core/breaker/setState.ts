/** Set State: the manual states (forced open, disabled) and reset. */
import { changeStatus, initialBreakerState } from './state';
import type { BreakerChange, BreakerState, BreakerStatus } from './state';

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
