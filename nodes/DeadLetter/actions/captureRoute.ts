import { failItem, itemError, storeFailure, type OperationContext } from '../../shared';
import { addDepthAlert } from './alerts';
import { capturedItem, prepareRecords, storeRecords, type Failure } from './captureRecords';
import type { CaptureSettings } from './captureSettings';
import type { OutputName } from './outputs';
import { openQueue, purgeSettledNow, type QueueHandle } from './queue';

type CaptureOutputs = OutputName<'capture'> | OutputName<'captureExecution'>;

/**
 * Stores the failures and routes each: Captured, or Auth Failure for the class that
 * pages someone; what the queue refused (full) or could not take (unreachable) fails
 * on `notCaptured` (the error output when the node continues), never on Captured. Then
 * the depth alert and the retention purge. Shared by Capture and Capture Failed Execution.
 */
export async function storeAndRoute(
	op: OperationContext<CaptureOutputs>,
	failures: Failure[],
	settings: CaptureSettings,
	notCaptured: number,
): Promise<void> {
	const { context, items, outputs } = op;
	let handle: QueueHandle;
	try {
		handle = await openQueue(op);
		await prepareRecords(context, handle, items, failures, settings);
		await storeRecords(handle, failures, settings.maxOpenRecords);
	} catch (error) {
		// Not captured: each item fails once on Not Captured, never Captured.
		const failure = storeFailure(context, error);
		for (const index of new Set(failures.map((entry) => entry.index)))
			failItem(context, outputs.buckets, items[index], index, failure, notCaptured);
		return;
	}

	for (const failure of failures) {
		if (failure.outcome === 'queueFull') {
			const { index } = failure;
			const error = itemError(
				context,
				index,
				`Item ${index} was not captured: dead-letter queue "${handle.label}" holds ${settings.maxOpenRecords} open records (Max Open Records)`,
				'Nothing was stored for this item. Replay or resolve the open records, or raise Max Open Records under Options.',
			);
			failItem(context, outputs.buckets, items[index], index, error, notCaptured);
			continue;
		}
		const route = failure.verdict.classification.class === 'auth' ? 'Auth Failure' : 'Captured';
		outputs.push(route, capturedItem(items[failure.index], failure, handle, settings));
	}
	await addDepthAlert(op, handle, settings.thresholds, failures[0].index);
	await purgeSettledNow(op, handle, settings.retentionMs);
}
