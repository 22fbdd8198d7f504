/**
 * Depth and age alerts: one alert per crossing, not one per record.
 *
 * Every Capture and Stats observes the queue (depth = pending + replaying records, and
 * the oldest open record's age) and compares it with the marker the last observation
 * left in the store. An alert fires when a measure goes from below its threshold to at
 * or above it; while it stays above, nothing fires; once an observation sees it below
 * again, the next rise fires again.
 *
 * Concurrent observers write the marker with compare-and-set (stores/update.ts), so of
 * two executions that both see the queue cross, one alerts and the other, deciding
 * again on the marker the first wrote, does not. An observation older than the
 * marker's is ignored, so a slow execution cannot replay a crossing that a newer
 * observation already saw end.
 */

export type AlertReason = 'depth' | 'age';

// A type, not an interface, so that it is assignable to JsonValue when stored.
export type QueueAlertMarker = {
	/** Store clock of the observation that wrote the marker, epoch ms. */
	observedAt: number;
	depth: number;
	depthAbove: boolean;
	ageAbove: boolean;
};

export interface QueueObservation {
	/** Pending plus replaying records. */
	depth: number;
	/** enqueuedAt of the oldest open record, or null when the queue is empty. */
	oldestOpenAt: number | null;
	/** The store's clock when the queue was observed. */
	now: number;
}

export interface AlertThresholds {
	/** Alert when depth reaches this; null: no depth alert. */
	depth: number | null;
	/** Alert when the oldest open record is this old (ms); null: no age alert. */
	ageMs: number | null;
}

export interface AlertDecision {
	/** Measures that crossed their threshold with this observation. */
	crossings: AlertReason[];
	/** The marker to write, or null when the stored one is still right. */
	write: QueueAlertMarker | null;
}

/** Decides the alerts of one observation against the stored marker. */
export function observeQueue(
	marker: QueueAlertMarker | undefined,
	observation: QueueObservation,
	thresholds: AlertThresholds,
): AlertDecision {
	if (marker !== undefined && observation.now < marker.observedAt)
		return { crossings: [], write: null };
	const depthAbove = thresholds.depth !== null && observation.depth >= thresholds.depth;
	const ageAbove =
		thresholds.ageMs !== null &&
		observation.oldestOpenAt !== null &&
		observation.now - observation.oldestOpenAt >= thresholds.ageMs;
	const crossings: AlertReason[] = [];
	if (depthAbove && marker?.depthAbove !== true) crossings.push('depth');
	if (ageAbove && marker?.ageAbove !== true) crossings.push('age');
	const changed =
		marker === undefined || marker.depthAbove !== depthAbove || marker.ageAbove !== ageAbove;
	return {
		crossings,
		write: changed
			? { observedAt: observation.now, depth: observation.depth, depthAbove, ageAbove }
			: null,
	};
}

/** Reads a stored marker; anything else (absent, or not a marker) counts as none. */
export function asAlertMarker(value: unknown): QueueAlertMarker | undefined {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
	const marker = value as Partial<QueueAlertMarker>;
	if (
		typeof marker.observedAt !== 'number' ||
		typeof marker.depthAbove !== 'boolean' ||
		typeof marker.ageAbove !== 'boolean'
	) {
		return undefined;
	}
	return {
		observedAt: marker.observedAt,
		depth: typeof marker.depth === 'number' ? marker.depth : 0,
		depthAbove: marker.depthAbove,
		ageAbove: marker.ageAbove,
	};
}
