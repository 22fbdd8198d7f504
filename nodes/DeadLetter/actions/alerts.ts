import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { deadletter, hint, type json, type OperationContext, time, stores } from '../../shared';
import { countParameter, durationParameter } from './parameters';
import type { QueueHandle } from './queue';

/**
 * Depth and age alerts: Capture and Stats observe the queue against its thresholds and
 * send one Depth Alert item per crossing.
 */

/** Record namespace of the alert markers, one record per queue. */
const ALERT_NAMESPACE = 'deadletter-alerts';

export function readThresholds(context: IExecuteFunctions): deadletter.AlertThresholds {
	const depth = countParameter(context, 'depthThreshold', 'Depth Alert Threshold', 100, 0);
	const ageMs = durationParameter(
		context,
		'ageAlertHours',
		'Age Alert (Hours)',
		24,
		time.HOUR_MS,
		true,
	);
	return { depth: depth > 0 ? depth : null, ageMs: ageMs > 0 ? ageMs : null };
}

export function alertsEnabled(thresholds: deadletter.AlertThresholds): boolean {
	return thresholds.depth !== null || thresholds.ageMs !== null;
}

/**
 * Observes the queue against its alert marker: returns the measures that crossed with
 * this observation. The marker is compare-and-set, so concurrent executions alert once.
 */
export async function observeAlerts(
	handle: QueueHandle,
	stats: stores.QueueStats,
	thresholds: deadletter.AlertThresholds,
): Promise<deadletter.AlertReason[]> {
	const observation = {
		depth: stats.pending + stats.leased,
		oldestOpenAt: stats.oldestOpenAt,
		now: stats.now,
	};
	const [crossings] = await stores.updateRecords<deadletter.AlertReason[]>(
		handle.store,
		ALERT_NAMESPACE,
		[handle.name],
		(current) => {
			const decision = deadletter.observeQueue(
				deadletter.asAlertMarker(current?.value),
				observation,
				thresholds,
			);
			return {
				outcome: decision.crossings,
				write: decision.write ? { value: decision.write, ttlMs: null } : undefined,
			};
		},
	);
	return crossings;
}

/** The Depth Alert item: what crossed, and the queue as it stood. */
export function alertItem(
	handle: QueueHandle,
	stats: stores.QueueStats,
	thresholds: deadletter.AlertThresholds,
	crossings: deadletter.AlertReason[],
	pairedIndex: number,
): INodeExecutionData {
	const depth = stats.pending + stats.leased;
	const ageHours =
		stats.oldestOpenAt === null
			? null
			: Math.round(((stats.now - stats.oldestOpenAt) / time.HOUR_MS) * 10) / 10;
	const parts: string[] = [];
	if (crossings.includes('depth'))
		parts.push(`holds ${depth} open records (alert at ${thresholds.depth})`);
	if (crossings.includes('age'))
		parts.push(
			`its oldest open record is ${ageHours} hours old (alert at ${(thresholds.ageMs ?? 0) / time.HOUR_MS})`,
		);
	return {
		json: {
			queue: handle.label,
			reasons: crossings,
			message: `Dead-letter queue "${handle.label}" ${parts.join(' and ')}`,
			...statsJson(stats),
			depthThreshold: thresholds.depth,
			ageAlertHours: thresholds.ageMs === null ? null : thresholds.ageMs / time.HOUR_MS,
		},
		pairedItem: { item: pairedIndex },
	};
}

/** Counts as users read them: open depth, each status, the oldest open record. */
export function statsJson(stats: stores.QueueStats): json.JsonObject {
	return {
		depth: stats.pending + stats.leased,
		pending: stats.pending,
		replaying: stats.leased,
		resolved: stats.done,
		poison: stats.discarded,
		oldestOpenAt: stats.oldestOpenAt === null ? null : new Date(stats.oldestOpenAt).toISOString(),
		oldestAgeMinutes:
			stats.oldestOpenAt === null
				? null
				: Math.max(0, Math.floor((stats.now - stats.oldestOpenAt) / time.MINUTE_MS)),
		observedAt: new Date(stats.now).toISOString(),
	};
}

/**
 * Depth and age alerts after Capture stored its records, on Depth Alert. A failure here
 * must not undo the capture, so it becomes a warning in the execution, not an error.
 */
export async function addDepthAlert<Name extends string>(
	op: OperationContext<Name | 'Depth Alert'>,
	handle: QueueHandle,
	thresholds: deadletter.AlertThresholds,
	pairedIndex: number,
): Promise<void> {
	if (!alertsEnabled(thresholds)) return;
	try {
		const stats = await handle.queue.stats(handle.name);
		const crossings = await observeAlerts(handle, stats, thresholds);
		if (crossings.length > 0)
			op.outputs.push('Depth Alert', alertItem(handle, stats, thresholds, crossings, pairedIndex));
	} catch (error) {
		op.hints.push(
			hint(
				`The items were captured, but the depth alert could not be checked: ${(error as Error).message}`,
				'warning',
			),
		);
	}
}
