import { SECOND_MS } from '../time';

/** "120 s", "1.5 s", "250 ms": durations in the reasons people read. */
export function seconds(ms: number): string {
	if (ms < SECOND_MS) return `${Math.round(ms)} ms`;
	return `${Math.round(ms / 100) / 10} s`;
}

/** A share in percent to one decimal; 0 of nothing is 0. */
export function percent(part: number, whole: number): number {
	return whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10;
}
