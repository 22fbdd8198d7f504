import type { JsonValue } from '../json';
import { isPlainObject } from '../json';
import { DAY_MS } from '../time';
import type { BreakerPolicy } from './policy';
import { DEFAULT_BREAKER_POLICY, openDurationMs, resolveBreakerPolicy } from './policy';
import type { StatsBucket, WindowBucket } from './window';
import { seconds } from './words';

/**
 * The circuit breaker as pure functions over one serialisable state record. The store
 * only reads and compare-and-sets the record (stores/update.ts), so racing workers
 * agree; every rule lives in this folder: the record and its transitions here, what
 * Check, Record and Set State decide in check.ts, record.ts and setState.ts. `now` is
 * always the store's clock.
 *
 *   closed ──failure or slow-call rate reached──▶ open ──open duration over, next Check──▶ halfOpen
 *     ▲                                             ▲                                       │
 *     └──────────── probes succeeded ───────────────┼─────────── probes failed ─────────────┘
 *   forcedOpen and disabled are set by hand (Set State) and left only by hand.
 *
 * The rates are taken over a time window or the last N calls; or the breaker opens on N
 * failed or slow calls in a row (policy.windowType). Each half-open round that fails
 * opens it for longer (policy.openBackoffMultiplier, capped at maxOpenMs).
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
	/**
	 * The count window: one letter per counted call, oldest first (RECENT_LETTERS), the last
	 * windowCalls calls. Empty under the other windows; cleared by every change of status.
	 */
	recent: string;
	/** The consecutive window: failed or slow calls in a row; cleared by every change of status. */
	run: number;
	/** Half-open rounds that failed in a row: the open duration grows with them. 0 once closed. */
	failedRounds: number;
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
		recent: '',
		run: 0,
		failedRounds: 0,
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
	return Math.max(BREAKER_RETENTION_MS, 2 * Math.max(state.policy.openMs, state.policy.maxOpenMs));
}

/** The record moved to status `to`: a new period (generation), with its own window and probes. */
export function changeStatus(
	state: BreakerState,
	to: BreakerStatus,
	now: number,
	reason: string,
	correlationId: string | null = null,
): { state: BreakerState; change: BreakerChange } {
	// A half-open round that fails opens for longer; any other change starts the count again.
	const failedRounds =
		to === 'open' && state.status === 'halfOpen'
			? state.failedRounds + 1
			: to === 'halfOpen'
				? state.failedRounds
				: 0;
	const openFor = openDurationMs(state.policy, failedRounds);
	const grown = to === 'open' && openFor !== state.policy.openMs;
	const change: BreakerChange = {
		from: state.status,
		to,
		at: now,
		reason: grown
			? `${reason}; open for ${seconds(openFor)} after ${failedRounds} failed probe round(s)`
			: reason,
		correlationId,
	};
	const next: BreakerState = {
		...state,
		status: to,
		generation: state.generation + 1,
		since: now,
		openUntil: to === 'open' ? now + openFor : null,
		probes:
			to === 'halfOpen'
				? { granted: 0, recorded: 0, failed: 0, slow: 0, lastGrantedAt: now }
				: null,
		opens: state.opens + (to === 'open' ? 1 : 0),
		lastChange: change,
		// A new period judges its own calls, as Resilience4j resets its metrics.
		window: [],
		recent: '',
		run: 0,
		failedRounds,
	};
	return { state: next, change };
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
	// Records written before the count and consecutive windows and the growing open
	// duration lack their fields: they read as empty.
	const stored = value as unknown as BreakerState;
	return {
		...stored,
		policy: storedPolicy(value.policy),
		recent: typeof value.recent === 'string' ? value.recent : '',
		run: wholeNumber(value.run),
		failedRounds: wholeNumber(value.failedRounds),
		stats: stored.stats.map((bucket) =>
			typeof bucket.notCounted === 'number' ? bucket : { ...bucket, notCounted: 0 },
		),
	};
}

function wholeNumber(value: unknown): number {
	return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

/** A stored policy, or the defaults where it is unusable: a breaker must keep working. */
function storedPolicy(value: unknown): BreakerPolicy {
	try {
		return resolveBreakerPolicy(isPlainObject(value) ? (value as Partial<BreakerPolicy>) : {});
	} catch {
		return { ...DEFAULT_BREAKER_POLICY };
	}
}
