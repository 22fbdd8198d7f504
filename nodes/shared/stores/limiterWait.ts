/**
 * How a request waits for the rate limiter: pauses that a cancelled execution stops,
 * and the error of a learned hold longer than the caller's Max Wait.
 */
import { sleep } from 'n8n-workflow';

import { SECOND_MS } from '../core/time';

/** A learned hold would keep the request waiting past its Max Wait: it leaves over limit instead. */
export class HoldPastMaxWait extends Error {
	/** When the hold was found (epoch ms): the item's estimate is from here. */
	readonly at = Date.now();

	constructor(readonly holdMs: number) {
		super(
			`The vendor asked the limiter to hold ${Math.ceil(holdMs / SECOND_MS)} s, longer than Max Wait`,
		);
		this.name = 'HoldPastMaxWait';
	}
}

/** Slices of a pause: how soon a cancelled execution stops waiting. */
const PAUSE_SLICE_MS = 250;

/**
 * Waits `ms` on n8n's sleep, in slices so a cancelled execution stops within a slice
 * (n8n-workflow 2.x has no sleepWithAbort). Rejects with an AbortError when `signal` aborts.
 */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
	const until = Date.now() + ms;
	for (let left = ms; left > 0; left = until - Date.now()) {
		if (signal?.aborted) throw cancelled();
		await sleep(Math.min(left, PAUSE_SLICE_MS));
	}
	if (signal?.aborted) throw cancelled();
}

const CANCELLED = 'The execution was cancelled while waiting for the rate limiter';

export function cancelled(): Error {
	const error = new Error(CANCELLED);
	error.name = 'AbortError';
	return error;
}

export function isCancelled(error: unknown): boolean {
	return error instanceof Error && error.message === CANCELLED;
}
