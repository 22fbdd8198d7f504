/**
 * Shape-of-growth timing for "runs in linear time" tests: times `run` on inputs of
 * growing size (best of a few tries, so a busy machine adds less noise), prints the
 * figures, and checks that 10× the input costs less than 20× the time. Quadratic
 * work costs 100× per 10× and exponential work never finishes, so both fail.
 */
import assert from "node:assert/strict";

export interface GrowthFigure {
  size: number;
  ms: number;
}

export function timeBest(run: () => unknown, tries = 3): number {
  let best = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < tries; attempt++) {
    const start = process.hrtime.bigint();
    run();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best;
}

/**
 * `make(size)` builds the input, `run(input)` does the work. Sizes must grow 10× at a
 * time. Times under `floorMs` count as `floorMs`: below a millisecond the clock and
 * the garbage collector decide, not the algorithm.
 */
export function assertLinearGrowth<T>(
  label: string,
  sizes: readonly number[],
  make: (size: number) => T,
  run: (input: T) => unknown,
  floorMs = 2,
): GrowthFigure[] {
  const figures = sizes.map((size) => {
    const input = make(size);
    run(input); // warm up: compile, inline caches
    return { size, ms: timeBest(() => run(input)) };
  });
  console.log(
    `${label}: ${figures.map(({ size, ms }) => `${size.toLocaleString("en")} → ${ms.toFixed(2)} ms`).join(", ")}`,
  );
  for (let index = 1; index < figures.length; index++) {
    const before = figures[index - 1];
    const after = figures[index];
    const ratio = after.ms / Math.max(before.ms, floorMs);
    assert.ok(
      ratio < 2 * (after.size / before.size),
      `${label}: ${after.size} cost ${after.ms.toFixed(1)} ms, ${ratio.toFixed(1)}× the ${before.ms.toFixed(1)} ms of ${before.size}: not linear`,
    );
  }
  return figures;
}
