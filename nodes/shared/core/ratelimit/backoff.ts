/**
 * Backoff maths for retries: exponential growth from a base, capped, with jitter, and a
 * server's own wait (Retry-After, a rate-limit reset) taking precedence when it says more.
 * Times in milliseconds. The random source is injected so tests can pin the jitter.
 */
import { SettingsError } from '../errors/settings';
import { MINUTE_MS, SECOND_MS } from '../time';

export type JitterMode = 'full' | 'equal' | 'none';

export interface BackoffPolicy {
	/** Delay before the first retry, before jitter, ms. */
	baseMs: number;
	/** Growth per attempt (2 doubles the delay each time). */
	factor: number;
	/** Upper bound of the computed delay, ms (a server's Retry-After may ask for more; see capServerWait). */
	maxMs: number;
	/**
	 * full: uniform in [0, delay] (AWS "full jitter": spreads clients best);
	 * equal: uniform in [delay/2, delay]; none: exactly delay.
	 */
	jitter: JitterMode;
}

export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({
	baseMs: SECOND_MS,
	factor: 2,
	maxMs: MINUTE_MS,
	jitter: 'full',
});

/** A backoff option out of range: a SettingsError naming the policy's option. */
export class BackoffPolicyError extends SettingsError<keyof BackoffPolicy> {
	constructor(option: keyof BackoffPolicy, value: unknown, expected: string) {
		super(option, value, expected, `Backoff ${option} must be ${expected}, got ${String(value)}`);
		this.name = 'BackoffPolicyError';
	}
}

export function isBackoffPolicyError(error: unknown): error is BackoffPolicyError {
	return error instanceof BackoffPolicyError;
}

/** The policy with defaults filled in; a value out of range is a BackoffPolicyError naming the option. */
export function resolveBackoffPolicy(overrides: Partial<BackoffPolicy> = {}): BackoffPolicy {
	const policy: BackoffPolicy = { ...DEFAULT_BACKOFF };
	for (const [key, value] of Object.entries(overrides) as Array<[keyof BackoffPolicy, unknown]>) {
		if (value !== undefined) (policy as unknown as Record<string, unknown>)[key] = value;
	}
	const finite = (value: unknown): value is number =>
		typeof value === 'number' && Number.isFinite(value);
	if (!finite(policy.baseMs) || policy.baseMs < 0)
		throw new BackoffPolicyError('baseMs', policy.baseMs, 'a number of at least 0');
	if (!finite(policy.factor) || policy.factor < 1 || policy.factor > 10) {
		throw new BackoffPolicyError('factor', policy.factor, 'a number from 1 to 10');
	}
	if (!finite(policy.maxMs) || policy.maxMs < policy.baseMs) {
		throw new BackoffPolicyError('maxMs', policy.maxMs, 'a number no smaller than the base delay');
	}
	if (!['full', 'equal', 'none'].includes(policy.jitter))
		throw new BackoffPolicyError('jitter', policy.jitter, 'full, equal or none');
	return policy;
}

/**
 * The delay before retry number `retry` (1 = the first retry), with jitter. `random`
 * returns [0, 1). Hostile attempt counts (NaN, negative, huge) are clamped, never
 * overflow: the result is always a finite number in [0, maxMs].
 */
export function backoffDelay(
	retry: number,
	policy: BackoffPolicy,
	random: () => number = Math.random,
): number {
	const n = Number.isFinite(retry) ? Math.max(1, Math.floor(retry)) : 1;
	// factor^(n-1) overflows to Infinity for large n; min() with maxMs keeps it finite.
	const exponential = Math.min(
		policy.maxMs,
		policy.baseMs * policy.factor ** Math.min(n - 1, 1000),
	);
	const ceiling = Number.isFinite(exponential) ? exponential : policy.maxMs;
	const r = clampUnit(random());
	switch (policy.jitter) {
		case 'full':
			return Math.round(ceiling * r);
		case 'equal':
			return Math.round(ceiling / 2 + (ceiling / 2) * r);
		case 'none':
			return Math.round(ceiling);
	}
}

function clampUnit(value: number): number {
	if (!Number.isFinite(value) || value < 0) return 0;
	return value >= 1 ? 0.999999 : value;
}

/**
 * What to wait before the next attempt: the server's word (Retry-After, or a rate-limit
 * reset) when it gave one, otherwise the computed backoff. A server wait shorter than
 * the backoff still gets the backoff (retrying exactly at the reset makes every client
 * collide); a longer one is honoured.
 */
export function nextDelay(
	computedMs: number,
	serverWaitMs: number | null,
): { delayMs: number; source: 'backoff' | 'server' } {
	if (serverWaitMs === null || !Number.isFinite(serverWaitMs) || serverWaitMs <= computedMs) {
		return { delayMs: computedMs, source: 'backoff' };
	}
	return { delayMs: Math.ceil(serverWaitMs), source: 'server' };
}
