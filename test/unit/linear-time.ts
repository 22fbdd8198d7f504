/**
 * Shape-of-growth timing for "runs in linear time" tests: times `run` (CPU time) on inputs growing
 * 10× at a time, prints the figures, and checks that 10× the input costs less than 20×
 * the time. Quadratic work costs 100× per 10× and exponential work never finishes, so
 * both fail. The machine is shared: a size is timed up to `tries` times and the best
 * kept, but a clearly superlinear first time fails at once rather than being retried
 * (a quadratic implementation would otherwise be retried for minutes).
 */
import assert from 'node:assert/strict';

export interface GrowthFigure {
	size: number;
	ms: number;
}

/** 10× the input may cost at most this many times the time. */
export const GROWTH_LIMIT = 20;

/**
 * Milliseconds of CPU time (user + system) `run` took: on a shared machine the wall
 * clock also counts the time other processes had the CPU.
 */
export function timeOnce(run: () => unknown): number {
	const start = process.cpuUsage();
	run();
	const used = process.cpuUsage(start);
	return (used.user + used.system) / 1000;
}

export function timeBest(run: () => unknown, tries = 3): number {
	let best = Number.POSITIVE_INFINITY;
	for (let attempt = 0; attempt < tries; attempt++) best = Math.min(best, timeOnce(run));
	return best;
}

/**
 * `make(size)` builds the input, `run(input)` does the work. Sizes must grow 10× at a
 * time. Times under `floorMs` count as `floorMs`: below that the clock, the scheduler
 * and the garbage collector decide, not the algorithm.
 */
export function assertLinearGrowth<T>(
	label: string,
	sizes: readonly number[],
	make: (size: number) => T,
	run: (input: T) => unknown,
	floorMs = 10,
	tries = 5,
): GrowthFigure[] {
	const figures: GrowthFigure[] = [];
	const report = () =>
		`${label}: ${figures.map(({ size, ms }) => `${size.toLocaleString('en')} → ${ms.toFixed(2)} ms`).join(', ')}`;
	for (const size of sizes) {
		const input = make(size);
		const previous = figures.at(-1);
		if (previous === undefined) run(input); // warm up: compile, inline caches
		let best = Number.POSITIVE_INFINITY;
		let ratio = 0;
		for (let attempt = 0; attempt < tries; attempt++) {
			best = Math.min(
				best,
				timeOnce(() => run(input)),
			);
			if (previous === undefined) continue;
			ratio = best / Math.max(previous.ms, floorMs);
			if (ratio < GROWTH_LIMIT || ratio > 3 * GROWTH_LIMIT) break;
		}
		figures.push({ size, ms: best });
		if (previous !== undefined && ratio >= GROWTH_LIMIT) {
			console.log(report());
			assert.fail(
				`${label}: ${size} cost ${best.toFixed(1)} ms, ${ratio.toFixed(1)}× the ${previous.ms.toFixed(1)} ms of ${previous.size}: not linear`,
			);
		}
	}
	console.log(report());
	return figures;
}
