/**
 * Durations in milliseconds, the one unit the package stores and compares times in
 * (epoch ms from a Clock). Labels in the panel name their own unit; code converts here.
 */
export const SECOND_MS = 1_000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
