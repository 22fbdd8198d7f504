import type { Clock } from '../../../nodes/shared/core/clock';

/** A clock the test moves by hand. Starts at a round epoch so bucket boundaries are easy to see. */
export class FakeClock implements Clock {
	constructor(public time = 1_800_000_000_000) {}

	now(): number {
		return this.time;
	}

	advance(ms: number): void {
		this.time += ms;
	}
}
