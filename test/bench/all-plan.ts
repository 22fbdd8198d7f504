// How bench:all (all.ts) fits its runs in its time budget: the round trips of each contender's
// runs so far project its next sizes (a line through its last two sizes; from one size, the
// floor's round trip as the fixed part and the rest per item). Each size may take the time left
// less one projected round of every contender at the larger sizes, so the cheap small sizes get
// their rounds and the largest keeps at least one. The most rounds (up to BENCH_REPEATS, with a
// warm-up at every size when they fit) that fit are run; when one round does not fit, the
// costliest contenders are left out, each with a note.
import { count } from './support';

export interface Plan {
	/** Contender key → timed rounds and whether to warm up at this size. */
	runs: Map<string, { rounds: number; warmUp: boolean }>;
	/** Contender key → why it is not run at this size. */
	skipped: Map<string, string>;
	note?: string;
}

/** Round trips measured, ms, by contender key and size. */
export class RoundTrips {
	private readonly byKey = new Map<string, Map<number, number[]>>();

	add(key: string, items: number, ms: number): void {
		let bySize = this.byKey.get(key);
		if (!bySize) this.byKey.set(key, (bySize = new Map()));
		bySize.set(items, [...(bySize.get(items) ?? []), ms]);
	}

	private last(key: string): Array<[number, number]> {
		const bySize = this.byKey.get(key);
		if (!bySize) return [];
		return [...bySize.entries()]
			.sort(([a], [b]) => a - b)
			.slice(-2)
			.map(([items, times]) => [items, Math.min(...times)]);
	}

	/** One run of `key` at `items`, ms; undefined before it ran at all. */
	project(key: string, items: number, floorKey: string): number | undefined {
		const points = this.last(key);
		if (points.length === 0) return undefined;
		if (points.length === 2) {
			const [[n1, t1], [n2, t2]] = points;
			const slope = Math.max(0, (t2 - t1) / (n2 - n1));
			return Math.max(t2, t1 + slope * (items - n1));
		}
		const [[n1, t1]] = points;
		const fixed = Math.min(t1, this.last(floorKey)[0]?.[1] ?? 0);
		return fixed + ((t1 - fixed) / n1) * items;
	}
}

export function planSize(options: {
	keys: string[];
	items: number;
	/** ms this size may take. */
	available: number;
	repeats: number;
	maxRunMs: number;
	warmedUp: Set<string>;
	project: (key: string) => number | undefined;
}): Plan {
	const { keys, items, available, repeats, maxRunMs, warmedUp, project } = options;
	const skipped = new Map<string, string>();
	let candidates = keys.filter((key) => {
		const projected = project(key) ?? 0;
		if (projected <= maxRunMs) return true;
		skipped.set(
			key,
			`not run: one run projected at ${seconds(projected)} from its smaller sizes, over BENCH_CONTENDER_SECONDS (${seconds(maxRunMs)})`,
		);
		return false;
	});
	const cost = (rounds: number, warmAll: boolean) =>
		candidates.reduce((total, key) => {
			const projected = project(key) ?? 0;
			const warm = warmAll || !warmedUp.has(key) ? 1 : 0;
			return total + projected * (rounds + warm);
		}, 0);
	const plan = (rounds: number, warmAll: boolean, note?: string): Plan => ({
		runs: new Map(
			candidates.map((key) => [key, { rounds, warmUp: warmAll || !warmedUp.has(key) }]),
		),
		skipped,
		note,
	});
	if (cost(repeats, true) <= available) return plan(repeats, true);
	for (let rounds = repeats; rounds >= 1; rounds--)
		if (cost(rounds, false) <= available)
			return plan(
				rounds,
				false,
				`${count(items)} items: ${rounds} of ${repeats} timed rounds, no warm-up for contenders warmed up at a smaller size (projected ${seconds(cost(repeats, true))} for all rounds, ${seconds(available)} of the budget left for this size)`,
			);
	// One round each does not fit: leave out the costliest until it does.
	const byCost = [...candidates].sort((a, b) => (project(b) ?? 0) - (project(a) ?? 0));
	for (const key of byCost) {
		if (cost(1, false) <= available) break;
		candidates = candidates.filter((each) => each !== key);
		skipped.set(
			key,
			`not run: one run projected at ${seconds(project(key) ?? 0)}, and one round of every contender did not fit the ${seconds(available)} of BENCH_BUDGET_MINUTES left for this size (the costliest are left out)`,
		);
	}
	return plan(
		1,
		false,
		`${count(items)} items: 1 of ${repeats} timed rounds, no warm-up for contenders warmed up at a smaller size (budget)`,
	);
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
