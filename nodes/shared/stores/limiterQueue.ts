/**
 * The requests waiting on a limiter: first come first served in a queue whose dequeue is
 * O(1) (a head index, compacted now and then; Array.shift moves the whole array, which
 * made 100,000 waiting items quadratic), and one `abort` listener per cancel signal
 * rather than one per request (each addEventListener scans the signal's listeners:
 * quadratic again).
 */

import type { LimiterPlan } from '../core/ratelimit/rate';
import { cancelled } from './limiterWait';

/** One call's tokens: one or more units (an item each), granted in order, a chunk at a time. */
export interface TokenRequest {
	readonly tokens: readonly number[];
	/** Units granted so far: the index of the next unit to grant. */
	next: number;
	readonly signal: AbortSignal | undefined;
	/** The pump granted units [from, to), `tokens` in all. */
	granted(from: number, to: number, tokens: number): void;
	/** The request will get nothing more: cancelled, or the limiter's store failed. */
	fail(error: unknown): void;
}

/** Below this many dequeued slots the array is not compacted. */
const COMPACT_AFTER = 1024;

/** A FIFO queue: push, peek and shift in O(1) (amortised), `at` for scanning from the head. */
export class Fifo<T> {
	private items: Array<T | undefined> = [];
	private head = 0;

	get size(): number {
		return this.items.length - this.head;
	}

	push(item: T): void {
		this.items.push(item);
	}

	/** The item `offset` places from the head (0: the head). */
	at(offset: number): T | undefined {
		return this.items[this.head + offset];
	}

	shift(): T | undefined {
		if (this.head >= this.items.length) return undefined;
		const item = this.items[this.head];
		this.items[this.head++] = undefined;
		if (this.head === this.items.length) {
			this.items = [];
			this.head = 0;
		} else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.items.length) {
			// Each item is moved at most once per halving: O(1) per shift, amortised.
			this.items = this.items.slice(this.head);
			this.head = 0;
		}
		return item;
	}

	/** Removes the items `remove` holds, keeping the order of the rest (O(n), once per call). */
	removeAll(remove: ReadonlySet<T>): void {
		const kept: T[] = [];
		for (let index = this.head; index < this.items.length; index++) {
			const item = this.items[index] as T;
			if (!remove.has(item)) kept.push(item);
		}
		this.items = kept;
		this.head = 0;
	}

	/** Empties the queue, returning what it held, in order. */
	drain(): T[] {
		const all = this.items.slice(this.head) as T[];
		this.items = [];
		this.head = 0;
		return all;
	}
}

/**
 * The waiting requests of each cancel signal, with one `abort` listener per signal for as
 * long as one of its requests waits. On abort, `onAbort` gets the signal's requests (all
 * of them, then forgotten); a request that finishes is deleted, and with the last one the
 * listener goes too, so nothing is left on the signal or here after an execution.
 */
export class AbortRegistry {
	private readonly bySignal = new Map<
		AbortSignal,
		{ requests: Set<TokenRequest>; listener: () => void }
	>();

	constructor(private readonly onAbort: (requests: ReadonlySet<TokenRequest>) => void) {}

	add(request: TokenRequest): void {
		const signal = request.signal;
		if (!signal) return;
		let entry = this.bySignal.get(signal);
		if (!entry) {
			const requests = new Set<TokenRequest>();
			const listener = () => {
				this.bySignal.delete(signal);
				this.onAbort(requests);
			};
			entry = { requests, listener };
			this.bySignal.set(signal, entry);
			signal.addEventListener('abort', listener, { once: true });
		}
		entry.requests.add(request);
	}

	delete(request: TokenRequest): void {
		const signal = request.signal;
		if (!signal) return;
		const entry = this.bySignal.get(signal);
		if (!entry?.requests.delete(request) || entry.requests.size > 0) return;
		this.bySignal.delete(signal);
		signal.removeEventListener('abort', entry.listener);
	}

	/** Signals with a listener of ours on them (tests: nothing is left after an execution). */
	get signals(): number {
		return this.bySignal.size;
	}
}

/** The waiting requests of one limiter, in order, and how a take's tokens are handed out. */
export class WaitingRequests {
	private readonly queue = new Fifo<TokenRequest>();
	/** One abort listener per cancel signal: its requests leave at once, taking nothing more. */
	private readonly aborts = new AbortRegistry((requests) => {
		this.queue.removeAll(requests);
		for (const request of requests) request.fail(cancelled());
	});

	get size(): number {
		return this.queue.size;
	}

	/** Cancel signals with a listener of ours on them. */
	get signals(): number {
		return this.aborts.signals;
	}

	add(request: TokenRequest): void {
		this.aborts.add(request);
		this.queue.push(request);
	}

	/**
	 * The tokens of the units from the head of the queue that fit in one take: what one
	 * increase of the bucket adds, or the head unit's tokens, or what the bucket holds now
	 * (`available`) when that is more, at most its capacity.
	 */
	tokensToTake(plan: Pick<LimiterPlan, 'capacity' | 'increaseAmount'>, available: number): number {
		const head = this.queue.at(0);
		if (!head) return 0;
		const chunk = Math.min(
			plan.capacity,
			Math.max(plan.increaseAmount, head.tokens[head.next], available),
		);
		let take = 0;
		for (let offset = 0; offset < this.queue.size; offset++) {
			const request = this.queue.at(offset)!;
			for (let unit = request.next; unit < request.tokens.length; unit++) {
				if (take + request.tokens[unit] > chunk) return take;
				take += request.tokens[unit];
			}
		}
		return take;
	}

	/**
	 * Hands `granted` tokens to the units waiting, in order, as far as they go; a request
	 * whose units all got theirs leaves the queue. Tokens left over (a request cancelled
	 * meanwhile) are dropped, never given twice. Nothing granted: the head unit wants more
	 * than the bucket's `capacity`, and would wait for ever; its request fails.
	 */
	handOut(granted: number, capacity: number): void {
		if (granted === 0) {
			const request = this.queue.shift();
			if (!request) return;
			this.aborts.delete(request);
			request.fail(
				new Error(
					`${request.tokens[request.next]} tokens are more than the limiter holds (${capacity})`,
				),
			);
			return;
		}
		let left = granted;
		while (this.queue.size > 0) {
			const request = this.queue.at(0)!;
			const from = request.next;
			let given = 0;
			while (request.next < request.tokens.length && request.tokens[request.next] <= left) {
				left -= request.tokens[request.next];
				given += request.tokens[request.next];
				request.next++;
			}
			const done = request.next === request.tokens.length;
			if (done) {
				this.queue.shift();
				this.aborts.delete(request);
			}
			if (request.next > from) request.granted(from, request.next, given);
			if (!done) return;
		}
	}

	/** Fails every waiting request. */
	failAll(error: unknown): void {
		for (const request of this.queue.drain()) {
			this.aborts.delete(request);
			request.fail(error);
		}
	}
}
