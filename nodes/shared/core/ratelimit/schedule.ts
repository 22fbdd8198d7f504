/**
 * A per-item retry schedule: each waiting item has its own due time, and leaves when it
 * is due and the limiter gives it a slot, a few at a time, instead of the whole batch
 * after its longest wait. Pure: the caller keeps the entries (in n8n's node context) and
 * passes the time in. Entries are plain JSON, so an execution that waits and resumes
 * keeps them.
 */

export interface Scheduled<Value> {
	/** Epoch ms from which the item may leave. */
	dueAt: number;
	/** Arrival order: items due at the same time leave in the order they came. */
	seq: number;
	value: Value;
}

function byDue<Value>(a: Scheduled<Value>, b: Scheduled<Value>): number {
	return a.dueAt - b.dueAt || a.seq - b.seq;
}

/** When the first waiting item is due (epoch ms), null when none waits. */
export function nextDueAt<Value>(waiting: ReadonlyArray<Scheduled<Value>>): number | null {
	let first: number | null = null;
	for (const entry of waiting) if (first === null || entry.dueAt < first) first = entry.dueAt;
	return first;
}

/**
 * Splits the schedule at `now`: at most `max` items due by then leave, earliest first
 * (arrival order on a tie); the rest keep waiting, in due order.
 */
export function takeDue<Value>(
	waiting: ReadonlyArray<Scheduled<Value>>,
	now: number,
	max: number,
): { released: Array<Scheduled<Value>>; waiting: Array<Scheduled<Value>> } {
	const sorted = [...waiting].sort(byDue);
	let count = 0;
	const limit = Math.max(0, Math.floor(max));
	while (count < sorted.length && count < limit && sorted[count].dueAt <= now) count++;
	return { released: sorted.slice(0, count), waiting: sorted.slice(count) };
}
