import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import {
	clock,
	createOperationContext,
	finishOperation,
	operationError,
	type OperationContext,
	type StoreChoice,
} from '../../shared';
import * as backoff from './backoff.operation';
import { OUTPUTS, outputNames, type Operation, type OutputOf } from './outputs';
import * as learnFromResponse from './learnFromResponse.operation';
import * as quota from './quota.operation';
import * as sendRequest from './sendRequest.operation';
import * as waitForSlot from './waitForSlot.operation';

/**
 * The operation's context: its declared outputs, the stores it offers in Store (Quota's;
 * the limiter's connection is its own), the node's clock.
 */
function contextFor<Op extends Operation>(
	context: IExecuteFunctions,
	operation: Op,
	nodeClock: clock.Clock,
	stores: readonly StoreChoice[] = [],
): OperationContext<OutputOf<Op>> {
	const node = context.getNode();
	return createOperationContext(context, {
		// The version's outputs (Backoff before 2.1 has no No Error).
		outputs: outputNames({ operation }, OUTPUTS, node.typeVersion) as ReadonlyArray<OutputOf<Op>>,
		stores,
		clock: nodeClock,
	});
}

/** Runs the node's operation; `nodeClock` is the node's (the system clock unless a test gives one). */
export async function router(
	context: IExecuteFunctions,
	nodeClock: clock.Clock,
): Promise<INodeExecutionData[][]> {
	const operation = context.getNodeParameter('operation', 0) as Operation;
	switch (operation) {
		case 'waitForSlot': {
			const op = contextFor(context, operation, nodeClock);
			await waitForSlot.execute(op);
			return finishOperation(op);
		}
		case 'sendRequest': {
			const op = contextFor(context, operation, nodeClock);
			await sendRequest.execute(op);
			return finishOperation(op);
		}
		case 'backoff': {
			const op = contextFor(context, operation, nodeClock);
			await backoff.execute(op);
			return finishOperation(op);
		}
		case 'learnFromResponse': {
			const op = contextFor(context, operation, nodeClock);
			await learnFromResponse.execute(op);
			return finishOperation(op);
		}
		case 'quota': {
			const op = contextFor(context, operation, nodeClock, quota.QUOTA_STORES);
			await quota.execute(op);
			return finishOperation(op);
		}
		default:
			throw operationError(context, `Unknown operation "${String(operation)}"`, {
				description: 'Choose Wait for Slot, Send Request, Backoff, Learn From Response or Quota.',
			});
	}
}
