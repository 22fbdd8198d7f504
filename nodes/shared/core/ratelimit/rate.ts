/**
 * From the limit a vendor documents to the limiter we run: a token bucket filled at the
 * target rate (limit × utilisation), one increase every few tens of milliseconds at most,
 * holding at most `burst` tokens. Any window of the vendor's interval then sees at most
 * target + burst tokens, so a burst of 1 at 90% stays under the limit by construction,
 * and the requests leave evenly spaced instead of in a clump at each window start.
 */
import { SettingsError } from '../errors/settings';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../time';

export type RatePer = 'second' | 'minute' | 'hour' | 'day';

export const PER_MS: Readonly<Record<RatePer, number>> = Object.freeze({
	second: SECOND_MS,
	minute: MINUTE_MS,
	hour: HOUR_MS,
	day: DAY_MS,
});

export interface RateSettings {
	/** Requests (tokens) the vendor allows per interval. */
	limit: number;
	per: RatePer;
	/** Share of the limit we aim at, percent (0 < u ≤ 100). */
	targetUtilization: number;
	/** Tokens the bucket holds at most: how many may leave at once after a quiet spell. */
	burst: number;
}

export interface LimiterPlan {
	/** Tokens per interval we aim at (limit × utilisation). */
	target: number;
	intervalMs: number;
	/** Tokens added per increase. */
	increaseAmount: number;
	/** Ms between increases (rounded up, so the rate never exceeds the target). */
	increaseIntervalMs: number;
	/** Bucket size: tokens available at once, and at the start (Burst, at least one increase). */
	capacity: number;
	/** The rate we aim at, tokens per second (for reports). */
	targetPerSecond: number;
}

/** Increases closer than this cost timers and Redis calls for no smoother output. */
export const MIN_INCREASE_INTERVAL_MS = 25;

/** A rate setting out of range: a SettingsError whose option is the setting's key. */
export class RateSettingsError extends SettingsError<keyof RateSettings> {
	constructor(setting: keyof RateSettings, value: unknown, expected: string) {
		super(setting, value, expected, `${setting} must be ${expected}, got ${String(value)}`);
		this.name = 'RateSettingsError';
	}

	/** The setting's key (the option, as every SettingsError names it). */
	get setting(): keyof RateSettings {
		return this.option;
	}
}

export function isRateSettingsError(error: unknown): error is RateSettingsError {
	return error instanceof RateSettingsError;
}

/** The limiter for the settings; a setting out of range is a RateSettingsError naming it. */
export function planLimiter(settings: RateSettings): LimiterPlan {
	const { limit, per, targetUtilization, burst } = settings;
	if (typeof limit !== 'number' || !Number.isFinite(limit) || limit <= 0 || limit > 1e9) {
		throw new RateSettingsError('limit', limit, 'a number above 0 (and at most 1,000,000,000)');
	}
	if (!Object.prototype.hasOwnProperty.call(PER_MS, per))
		throw new RateSettingsError('per', per, 'second, minute, hour or day');
	if (
		typeof targetUtilization !== 'number' ||
		!Number.isFinite(targetUtilization) ||
		targetUtilization <= 0 ||
		targetUtilization > 100
	) {
		throw new RateSettingsError(
			'targetUtilization',
			targetUtilization,
			'a percentage above 0 and at most 100',
		);
	}
	if (typeof burst !== 'number' || !Number.isInteger(burst) || burst < 1 || burst > 1e6) {
		throw new RateSettingsError('burst', burst, 'a whole number from 1 to 1,000,000');
	}
	const intervalMs = PER_MS[per];
	const target = (limit * targetUtilization) / 100;
	// Whole tokens per increase, at least MIN_INCREASE_INTERVAL_MS apart. When that takes
	// several tokens, up to twice as many are considered, for the whole-millisecond
	// interval that loses the least rate; one token at a time is never grouped (smoothest).
	const smallest = Math.max(1, Math.ceil((MIN_INCREASE_INTERVAL_MS * target) / intervalMs));
	const { increaseAmount, increaseIntervalMs } = leastLossIncrease(smallest, intervalMs, target);
	return {
		target,
		intervalMs,
		increaseAmount,
		increaseIntervalMs,
		// At least one increase's worth, or the bucket would drop part of every increase.
		capacity: Math.max(burst, increaseAmount),
		targetPerSecond: (increaseAmount * SECOND_MS) / increaseIntervalMs,
	};
}

/**
 * Of the amounts from `smallest` to twice that, the one whose whole-millisecond interval
 * loses the least rate (the smallest on a tie, within 1e-12). Only the largest amount of
 * each interval can win (same interval, more tokens, less loss), so each interval is
 * tried once: about MIN_INCREASE_INTERVAL_MS of them, where trying every amount cost one
 * step per token (a second per execution at a limit of 1,000,000,000 per second).
 */
function leastLossIncrease(
	smallest: number,
	intervalMs: number,
	target: number,
): { increaseAmount: number; increaseIntervalMs: number } {
	const intervalOf = (amount: number) => Math.ceil((amount * intervalMs) / target);
	const loss = (amount: number, interval: number) =>
		(interval - (amount * intervalMs) / target) / interval;
	let increaseAmount = smallest;
	let increaseIntervalMs = intervalOf(smallest);
	if (smallest <= 1) return { increaseAmount, increaseIntervalMs };
	const most = smallest * 2;
	for (let interval = intervalOf(smallest + 1); interval <= intervalOf(most); interval++) {
		// The largest amount whose interval is this one (the division may round either way).
		let amount = Math.min(most, Math.floor((interval * target) / intervalMs));
		while (amount > smallest && intervalOf(amount) > interval) amount--;
		while (amount < most && intervalOf(amount + 1) <= interval) amount++;
		if (amount <= smallest || intervalOf(amount) !== interval) continue;
		if (loss(amount, interval) < loss(increaseAmount, increaseIntervalMs) - 1e-12) {
			increaseAmount = amount;
			increaseIntervalMs = interval;
		}
	}
	return { increaseAmount, increaseIntervalMs };
}

/**
 * How long `tokens` more will wait when `ahead` tokens are already queued and `available`
 * are in the bucket now, ms. The estimate the Over Limit route is decided on, up front.
 */
export function estimateWaitMs(
	plan: LimiterPlan,
	ahead: number,
	tokens: number,
	available: number,
): number {
	const deficit = Math.max(0, ahead) + tokens - Math.max(0, available);
	if (deficit <= 0) return 0;
	return Math.ceil(deficit / plan.increaseAmount) * plan.increaseIntervalMs;
}

/**
 * Tokens an item asks for: a whole number from 1. A number-like string is accepted (an
 * expression often yields one); anything else is null (the item's error).
 */
export function tokensOf(value: unknown): number | null {
	const number =
		typeof value === 'string' && /^\s*\d+(\.0+)?\s*$/.test(value) ? Number(value) : value;
	if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > 1e6)
		return null;
	return number;
}
