/**
 * Where time comes from, injected so tests run on a fake clock. Epoch ms. One for the
 * package: every policy that needs "now" outside a store round trip takes a Clock.
 */
export interface Clock {
	now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
