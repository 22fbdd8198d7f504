/**
 * The token bucket of a limiter in one process: `capacity` tokens at most, `increaseAmount`
 * more every `increaseIntervalMs`, on a fixed grid from its creation, so a late look never
 * loses time (the tokens of every interval that passed are added, up to the capacity).
 * Refilled when asked, not by a timer; taking is synchronous. Bottleneck did this with a
 * job per take that cost milliseconds of timers however few tokens it weighed: a fixed
 * cost per execution 10 to 100 times the whole work of 1,000 items. On Redis bottleneck
 * keeps the bucket (its scripts run on the server's clock, shared by the workers).
 */
import type { LimiterPlan } from './rate';

export class TokenBucket {
	private tokens: number;
	private nextRefillAt: number;

	constructor(
		private readonly plan: Pick<LimiterPlan, 'capacity' | 'increaseAmount' | 'increaseIntervalMs'>,
		now: number,
	) {
		this.tokens = plan.capacity;
		this.nextRefillAt = now + plan.increaseIntervalMs;
	}

	/** Tokens in the bucket at `now`. */
	available(now: number): number {
		this.refill(now);
		return this.tokens;
	}

	/**
	 * Takes `weight` tokens when the bucket holds them at `now` (returns 0); otherwise takes
	 * nothing and returns the ms until the refill after which it will hold them.
	 */
	take(weight: number, now: number): number {
		this.refill(now);
		if (this.tokens >= weight) {
			this.tokens -= weight;
			return 0;
		}
		const refills = Math.ceil((weight - this.tokens) / this.plan.increaseAmount);
		return this.nextRefillAt + (refills - 1) * this.plan.increaseIntervalMs - now;
	}

	private refill(now: number): void {
		if (now < this.nextRefillAt) return;
		const { increaseAmount, increaseIntervalMs, capacity } = this.plan;
		const intervals = Math.floor((now - this.nextRefillAt) / increaseIntervalMs) + 1;
		this.nextRefillAt += intervals * increaseIntervalMs;
		this.tokens = Math.min(capacity, this.tokens + intervals * increaseAmount);
	}
}
