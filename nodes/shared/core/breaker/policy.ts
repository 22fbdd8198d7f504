import { SettingsError } from '../errors/settings';
import { DAY_MS, SECOND_MS } from '../time';

/**
 * How a circuit breaker decides, after Resilience4j's count of the same ideas: a failure
 * rate and a slow-call rate over a sliding time window, judged once the window holds a
 * minimum number of calls; a fixed open duration; a few probes while half-open.
 *
 * A type, not an interface, so that it is assignable to JsonValue: the policy is stored
 * with the breaker's state, so Check and Stats follow what Record last set.
 */
export type BreakerPolicy = {
	/** Open when at least this share of the calls in the window failed, percent (0 < x ≤ 100). */
	failureRatePercent: number;
	/** A call that takes longer than this counts as slow, ms. */
	slowCallMs: number;
	/** Open when at least this share of the calls in the window were slow, percent (0 < x ≤ 100). */
	slowCallRatePercent: number;
	/** The rates are judged only once the window holds this many calls, calls. */
	minimumCalls: number;
	/** The sliding window the rates are taken over, ms. */
	windowMs: number;
	/** Time buckets the window is kept in: it slides in steps of windowMs / windowBuckets. */
	windowBuckets: number;
	/** How long the breaker stays open before it lets probes through, ms. */
	openMs: number;
	/** Calls let through while half-open; their outcomes close or reopen the breaker, calls. */
	halfOpenProbes: number;
	/** A probe not recorded within this time is given up on and its slot freed, ms. */
	probeTimeoutMs: number;
	/**
	 * What judges a closed breaker: the time window (the rates over windowMs), the last
	 * windowCalls calls (the rates over them), or consecutiveFailures failed or slow calls
	 * in a row.
	 */
	windowType: BreakerWindowType;
	/** The count window: the rates are taken over the last this many calls, calls. */
	windowCalls: number;
	/** The consecutive window: open after this many failed or slow calls in a row, calls. */
	consecutiveFailures: number;
	/** Each half-open round that fails multiplies the open duration by this (1: fixed), factor. */
	openBackoffMultiplier: number;
	/** The open duration grows to this at most (never below openMs), ms. */
	maxOpenMs: number;
};

export type BreakerWindowType = 'time' | 'count' | 'consecutive';

export const BREAKER_WINDOW_TYPES: readonly BreakerWindowType[] = ['time', 'count', 'consecutive'];

/** The numeric options, each checked against its limits. */
type NumericOption = Exclude<keyof BreakerPolicy, 'windowType'>;

/** Every default in one place. */
export const DEFAULT_BREAKER_POLICY: Readonly<BreakerPolicy> = Object.freeze({
	failureRatePercent: 50,
	// "A hop that answers in 30 s is failing too."
	slowCallMs: 30 * SECOND_MS,
	slowCallRatePercent: 50,
	minimumCalls: 10,
	windowMs: 60 * SECOND_MS,
	windowBuckets: 12,
	openMs: 120 * SECOND_MS,
	halfOpenProbes: 3,
	probeTimeoutMs: 60 * SECOND_MS,
	// Version 1's breaker: a time window and a fixed open duration.
	windowType: 'time',
	windowCalls: 100,
	consecutiveFailures: 5,
	openBackoffMultiplier: 1,
	maxOpenMs: 30 * 60 * SECOND_MS,
});

/** The count window keeps one letter per call: its size is bounded. */
export const MAX_WINDOW_CALLS = 10_000;

/** What each option accepts; checked in this order. */
const LIMITS: Record<
	NumericOption,
	{ min: number; max: number; integer: boolean; unit: string; minExclusive?: boolean }
> = {
	failureRatePercent: { min: 0, minExclusive: true, max: 100, integer: false, unit: 'percent' },
	slowCallMs: { min: 0, minExclusive: true, max: DAY_MS, integer: false, unit: 'ms' },
	slowCallRatePercent: { min: 0, minExclusive: true, max: 100, integer: false, unit: 'percent' },
	minimumCalls: { min: 1, max: 1_000_000, integer: true, unit: 'calls' },
	windowMs: { min: 10, max: 30 * DAY_MS, integer: false, unit: 'ms' },
	windowBuckets: { min: 1, max: 60, integer: true, unit: 'buckets' },
	openMs: { min: 0, minExclusive: true, max: 30 * DAY_MS, integer: false, unit: 'ms' },
	halfOpenProbes: { min: 1, max: 1000, integer: true, unit: 'calls' },
	probeTimeoutMs: { min: 0, minExclusive: true, max: DAY_MS, integer: false, unit: 'ms' },
	windowCalls: { min: 1, max: MAX_WINDOW_CALLS, integer: true, unit: 'calls' },
	consecutiveFailures: { min: 1, max: MAX_WINDOW_CALLS, integer: true, unit: 'calls' },
	openBackoffMultiplier: { min: 1, max: 10, integer: false, unit: 'factor' },
	maxOpenMs: { min: 0, minExclusive: true, max: 30 * DAY_MS, integer: false, unit: 'ms' },
};

/**
 * A policy option out of range: a core SettingsError (option, value, expected), so the
 * node turns it into a parameter error the same way as every other settings error.
 * Its own brand too, so `isBreakerPolicyError` still tells it apart across copies of
 * this module.
 */
export class BreakerPolicyError extends SettingsError<keyof BreakerPolicy> {
	readonly isBreakerPolicyError = true;

	constructor(option: keyof BreakerPolicy, value: unknown, expected: string) {
		super(
			option,
			value,
			expected,
			`Breaker policy option ${option} must be ${expected}; got ${JSON.stringify(value) ?? String(value)}`,
		);
		this.name = 'BreakerPolicyError';
	}
}

export function isBreakerPolicyError(error: unknown): error is BreakerPolicyError {
	return (
		error instanceof Error && (error as Partial<BreakerPolicyError>).isBreakerPolicyError === true
	);
}

/** The defaults overridden by `overrides` (undefined entries ignored), checked. */
export function resolveBreakerPolicy(overrides: Partial<BreakerPolicy> = {}): BreakerPolicy {
	const policy: BreakerPolicy = { ...DEFAULT_BREAKER_POLICY };
	for (const option of Object.keys(LIMITS) as NumericOption[]) {
		const value = overrides[option];
		if (value !== undefined) policy[option] = value;
		checkOption(option, policy[option]);
	}
	if (overrides.windowType !== undefined) {
		if (!BREAKER_WINDOW_TYPES.includes(overrides.windowType)) {
			throw new BreakerPolicyError(
				'windowType',
				overrides.windowType,
				`one of ${BREAKER_WINDOW_TYPES.join(', ')}`,
			);
		}
		policy.windowType = overrides.windowType;
	}
	return policy;
}

function checkOption(option: NumericOption, value: unknown): void {
	const limit = LIMITS[option];
	const kind = limit.integer ? 'a whole number' : 'a number';
	const lower = limit.minExclusive ? `above ${limit.min}` : `at least ${limit.min}`;
	const expected = `${kind} ${lower} and at most ${limit.max} (${limit.unit})`;
	if (typeof value !== 'number' || !Number.isFinite(value))
		throw new BreakerPolicyError(option, value, expected);
	if (limit.integer && !Number.isInteger(value))
		throw new BreakerPolicyError(option, value, expected);
	const tooLow = limit.minExclusive ? value <= limit.min : value < limit.min;
	if (tooLow || value > limit.max) throw new BreakerPolicyError(option, value, expected);
}

/** Whether two policies differ in any option. */
export function policiesDiffer(a: BreakerPolicy, b: BreakerPolicy): boolean {
	return (Object.keys(DEFAULT_BREAKER_POLICY) as Array<keyof BreakerPolicy>).some(
		(option) => a[option] !== b[option],
	);
}

/**
 * How long the breaker stays open after `failedRounds` half-open rounds failed in a row:
 * openMs, multiplied by openBackoffMultiplier for each, capped at maxOpenMs (but never
 * below openMs). Computed without overflow for any number of rounds.
 */
export function openDurationMs(policy: BreakerPolicy, failedRounds: number): number {
	const cap = Math.max(policy.openMs, policy.maxOpenMs);
	const rounds = Number.isFinite(failedRounds) ? Math.max(0, Math.floor(failedRounds)) : 0;
	if (policy.openBackoffMultiplier <= 1 || rounds === 0) return policy.openMs;
	const grown = policy.openMs * Math.pow(policy.openBackoffMultiplier, Math.min(rounds, 1000));
	return Number.isFinite(grown) ? Math.min(cap, grown) : cap;
}

/**
 * The least number of bad calls out of `calls` that reaches `percent`: with 50% of 3
 * probes, 2. Computed in integers where possible, so 50% of 10 is 5, not 5.000000001.
 */
export function callsToReach(percent: number, calls: number): number {
	return Math.max(1, Math.ceil(Math.round(percent * calls * 1e6) / 1e8));
}

/** Whether `bad` out of `calls` reaches `percent`. */
export function reachesRate(bad: number, calls: number, percent: number): boolean {
	return calls > 0 && bad >= callsToReach(percent, calls);
}
