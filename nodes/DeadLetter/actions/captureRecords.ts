import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { deadletter, hash, type stores } from '../../shared';
import { binaryFor } from './binary';
import type { CaptureSettings } from './captureSettings';
import { markerSecret, pickMarker, type FoundMarker } from './markers';
import type { QueueHandle } from './queue';

/** Capture's records: what a failed item becomes in the queue, and the item it leaves as. */

/** A failed item on its way into the queue. */
export interface Failure {
	index: number;
	verdict: Extract<deadletter.ItemVerdict, { failed: true }>;
	correlationId: string;
	/** The item the failing node was given, when found: its payload is what is stored. */
	sent: INodeExecutionData | null;
	/** Replay markers that may name this item's record, nearest first. */
	markers: unknown[];
	marker?: FoundMarker | null;
	/**
	 * Set when the failure happened in another execution (Capture Failed Execution): where,
	 * and what names its record (the same execution and node give the same ids).
	 */
	origin?: {
		seed: string;
		seq: number;
		workflow: { id: string | null; name: string | null };
		executionId: string;
		failedNode: string;
	};
	/** Set for new records. */
	id?: string;
	entry?: stores.NewQueueEntry;
	/** Set for replayed records that failed again. */
	settlement?: stores.QueueSettlement;
	outcome?: 'captured' | 'alreadyCaptured' | 'returned' | 'poison' | 'notOpen' | 'queueFull';
}

/**
 * New failures become queue entries; replayed ones that failed again become
 * settlements of their record (back to pending, or parked as poison at the maximum).
 */
export async function prepareRecords(
	context: IExecuteFunctions,
	handle: QueueHandle,
	items: INodeExecutionData[],
	failures: Failure[],
	settings: CaptureSettings,
): Promise<void> {
	const seed = batchSeed(context);
	const workflow = context.getWorkflow();
	const executionId = context.getExecutionId() || null;
	const fallbackNode = sourceNode(context);
	const secret = failures.some((failure) =>
		failure.markers.some((marker) => marker !== undefined && marker !== null),
	)
		? await markerSecret(handle.store)
		: null;
	for (const failure of failures) {
		const { verdict, origin } = failure;
		const failedNode = origin?.failedNode ?? verdict.facts.node ?? fallbackNode;
		failure.marker = secret === null ? null : pickMarker(secret, handle.label, failure.markers);
		verdict.replay = failure.marker?.marker ?? null;
		if (failure.marker?.trust.trusted) {
			// A record this queue's Replay leased: settled only while that lease is held.
			const replay = failure.marker.marker;
			failure.id = replay.id;
			failure.settlement = {
				id: replay.id,
				owner: failure.marker.trust.owner,
				status: deadletter.statusAfterFailedAttempt(replay.attempt, settings.maxAttempts),
				// Version 2.2: the class of this failure decides the record's next wait, not its first one's.
				...(settings.reclassify ? { category: verdict.classification.class } : {}),
				dataPatch: deadletter.recapturePatch(
					{
						...verdict,
						id: replay.id,
						failedNode,
						executionId: origin?.executionId ?? executionId,
						edited: replay.edited,
					},
					settings.redactor,
					settings.keyring,
				),
			};
			continue;
		}
		const id = origin
			? deadletter.deadLetterId(origin.seed, origin.seq)
			: deadletter.deadLetterId(seed, failure.index);
		const data = deadletter.buildDeadLetter(
			{
				id,
				payload: verdict.payload,
				binary: await binaryFor(
					context,
					failure.sent?.binary ? failure.sent : items[failure.index],
					settings.binaryContentMaxBytes,
				),
				facts: verdict.facts,
				classification: verdict.classification,
				failedNode,
				workflow: origin?.workflow ?? { id: workflow.id ?? null, name: workflow.name ?? null },
				executionId: origin?.executionId ?? executionId,
				correlationId: failure.correlationId,
			},
			settings.redactor,
			settings.keyring,
		);
		failure.id = id;
		failure.entry = { id, category: verdict.classification.class, data };
	}
}

/**
 * Settlements first, then the new entries: if the enqueue fails after the settle
 * succeeded, the items fail and a retry settles the same records the same way.
 */
export async function storeRecords(
	handle: QueueHandle,
	failures: Failure[],
	maxOpenRecords: number,
): Promise<void> {
	const settling = failures.filter((failure) => failure.settlement !== undefined);
	if (settling.length > 0) {
		const applied = await handle.queue.settle(
			handle.name,
			settling.map((failure) => failure.settlement!),
		);
		settling.forEach((failure, position) => {
			failure.outcome = !applied[position]
				? 'notOpen'
				: failure.settlement!.status === 'discarded'
					? 'poison'
					: 'returned';
		});
	}
	let adding = failures.filter((failure) => failure.entry !== undefined);
	if (adding.length > 0 && maxOpenRecords > 0) {
		// The cap: new records past it are refused, each item told so (never dropped silently).
		const stats = await handle.queue.stats(handle.name);
		const room = Math.max(0, maxOpenRecords - stats.pending - stats.leased);
		for (const failure of adding.slice(room)) failure.outcome = 'queueFull';
		adding = adding.slice(0, room);
	}
	if (adding.length > 0) {
		const added = new Set(
			await handle.queue.enqueue(
				handle.name,
				adding.map((failure) => failure.entry!),
			),
		);
		for (const failure of adding)
			failure.outcome = added.has(failure.id!) ? 'captured' : 'alreadyCaptured';
	}
}

export function capturedItem(
	source: INodeExecutionData,
	failure: Failure,
	handle: QueueHandle,
	settings: CaptureSettings,
): INodeExecutionData {
	const { verdict } = failure;
	const attempt =
		verdict.replay !== null && failure.settlement !== undefined ? verdict.replay.attempt : 1;
	const summary: IDataObject = {
		id: failure.id ?? null,
		queue: handle.label,
		outcome: failure.outcome ?? null,
		...(failure.marker && !failure.marker.trust.trusted
			? { untrustedMarker: failure.marker.trust.reason }
			: {}),
		status:
			failure.outcome === 'poison' ? 'poison' : failure.outcome === 'notOpen' ? null : 'pending',
		class: verdict.classification.class,
		reason: verdict.classification.reason,
		attempt,
		error: errorSummary(failure),
		...(failure.origin
			? {
					failedNode: failure.origin.failedNode,
					workflow: failure.origin.workflow,
					executionId: failure.origin.executionId,
				}
			: {}),
	};
	const pairedItem = { item: failure.index };
	if (settings.summaryOnly) {
		// Version 2.1: the record is in the queue; a second copy of its payload (and binary) in
		// every output item only fills n8n's run data. Nodes after Capture reach the payload
		// through the item pairing ($('Vendor').item), as for any node's input.
		const json = {
			[settings.correlationField]: failure.correlationId,
			[settings.outputField]: summary,
		};
		return { json, pairedItem };
	}
	summary.correlationId = failure.correlationId;
	summary.idempotencyKey = (failure.entry?.data.idempotencyKey as string | undefined) ?? null;
	const json: IDataObject = {
		...(verdict.payload as IDataObject),
		[settings.correlationField]: failure.correlationId,
		[settings.outputField]: summary,
	};
	const item: INodeExecutionData = { json, pairedItem };
	if (source.binary) item.binary = source.binary;
	return item;
}

/**
 * The error as downstream nodes (an alert, a Slack message) want it: short, redacted.
 * Taken from the error the record keeps, redacted once: the same fields, as the same walk left them.
 */
function errorSummary(failure: Failure): IDataObject {
	const stored = (failure.entry?.data.error ?? failure.settlement?.dataPatch?.error) as
		| IDataObject
		| undefined;
	const summary: IDataObject = {};
	for (const field of ['message', 'description', 'httpCode', 'code'] as const)
		if (stored?.[field] !== undefined) summary[field] = stored[field];
	return summary;
}

/**
 * What makes this batch's record IDs: the same workflow, execution, node and run give
 * the same IDs, so a capture n8n retries stores nothing twice.
 */
function batchSeed(context: IExecuteFunctions): string | null {
	const executionId = context.getExecutionId();
	if (!executionId) return null;
	let runIndex = 0;
	try {
		runIndex = Number(context.getWorkflowDataProxy(0).$runIndex) || 0;
	} catch {
		// Without a run index (not seen in n8n 2.x) the batch is told apart by execution alone.
	}
	return hash.stableHash({
		workflow: context.getWorkflow().id ?? null,
		executionId,
		node: context.getNode().name,
		runIndex,
	});
}

/** The node the items came from: where they failed when Capture sits on its error output. */
function sourceNode(context: IExecuteFunctions): string | null {
	try {
		return context.getExecuteData().source?.main?.[0]?.previousNode ?? null;
	} catch {
		return null;
	}
}
