import type {
	BreakerAction,
	BreakerChange,
	BreakerPolicy,
	BreakerStamp,
	BreakerState,
	BreakerStats,
	BreakerStatus,
	RecordedCall,
} from '../../nodes/shared/core/breaker';
import {
	breakerStats,
	decideChecks,
	decideRecords,
	decideSetState,
	effectiveStatus,
	initialBreakerState,
	resolveBreakerPolicy,
} from '../../nodes/shared/core/breaker';
import type { Clock } from '../../nodes/shared/core/clock';
import { systemClock } from '../../nodes/shared/core/clock';

/** Check's answer for one call: proceed with a stamp to hand back to Record, or open. */
export type BreakerTicket =
	| { route: 'proceed'; stamp: BreakerStamp }
	| { route: 'open'; stamp: null };

export interface BreakerOptions {
	/** Overrides of DEFAULT_BREAKER_POLICY. */
	policy?: Partial<BreakerPolicy>;
	clock?: Clock;
	/** A state saved with toJSON(), to carry on where it left off. */
	initialState?: BreakerState;
}

/**
 * One breaker in memory, cockatiel-style: a small object over the pure functions of
 * state.ts with the clock injected and the state serialisable (toJSON / initialState).
 * The Circuit Breaker node keeps the same state in a store instead, so that every worker
 * shares it; this is the same protocol for code that runs in one process. Test support
 * only (the unit tests drive the protocol through it): it is not part of the bundle.
 */
export class Breaker {
	private current: BreakerState;
	private readonly policy: BreakerPolicy;
	private readonly clock: Clock;
	/** Every change of status so far, oldest first. */
	readonly changes: BreakerChange[] = [];

	constructor(options: BreakerOptions = {}) {
		this.clock = options.clock ?? systemClock;
		this.policy = resolveBreakerPolicy(options.policy);
		this.current = options.initialState ?? initialBreakerState(this.clock.now(), this.policy);
	}

	/** The status a Check would see now. */
	get status(): BreakerStatus {
		return effectiveStatus(this.current, this.clock.now());
	}

	/** Asks to make one call. */
	check(): BreakerTicket {
		const now = this.clock.now();
		const decision = decideChecks(this.current, 1, now);
		this.apply(decision.state, decision.change);
		if (decision.admitted === 0) return { route: 'open', stamp: null };
		return {
			route: 'proceed',
			stamp: { generation: decision.state.generation, probe: decision.probe, checkedAt: now },
		};
	}

	/** The call succeeded; pass its ticket so its latency and probe are known. */
	success(ticket: BreakerTicket | null = null): RecordedCall {
		return this.record('success', ticket);
	}

	failure(ticket: BreakerTicket | null = null): RecordedCall {
		return this.record('failure', ticket);
	}

	setState(action: BreakerAction): void {
		const decision = decideSetState(this.current, action, this.clock.now());
		this.apply(decision.state, decision.change);
	}

	stats(): BreakerStats {
		return breakerStats(this.current, this.clock.now());
	}

	toJSON(): BreakerState {
		return this.current;
	}

	private record(outcome: 'success' | 'failure', ticket: BreakerTicket | null): RecordedCall {
		const decision = decideRecords(
			this.current,
			[{ outcome, stamp: ticket?.stamp ?? null }],
			this.policy,
			this.clock.now(),
		);
		this.apply(decision.state, decision.change);
		return decision.calls[0];
	}

	private apply(state: BreakerState, change: BreakerChange | null): void {
		this.current = state;
		if (change !== null) this.changes.push(change);
	}
}
