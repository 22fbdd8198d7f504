import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import {
	clock,
	createOperationContext,
	finishOperation,
	operationError,
	runPerItemKey,
	type OperationContext,
	type StoreChoice,
} from '../../shared';
import * as backoff from './backoff.operation';
import { OUTPUTS, outputNames, type Operation, type OutputOf } from './outputs';
import * as learnFromResponse from './learnFromResponse.operation';
import { LIMITER_STORES } from './limiter';
import * as quota from './quota.operation';
import * as releaseSlot from './releaseSlot.operation';
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

/** Version 2.1 (unreleased, the newest): a Limiter Name or Quota Name expression names a limiter or quota per item. */
export const PER_ITEM_NAMES_VERSION = 2.1;

/** The output an item whose Limiter Name or Quota Name fails leaves on, by operation. */
const NAME_FAILURE_OUTPUT: { [Op in Operation]: OutputOf<Op> } = {
	waitForSlot: 'Over Limit',
	sendRequest: 'Failed',
	backoff: 'Give Up',
	quota: 'Continue',
	learnFromResponse: 'Give Up',
	releaseSlot: 'Continue',
};

/**
 * Runs the node's operation; `nodeClock` is the node's (the system clock unless a test
 * gives one). From version 2.1 a Limiter Name (Quota Name) expression is evaluated per
 * item: the items are grouped by name and the operation runs once per group, one limiter
 * (quota) and its store round trips per name. Before 2.1 it is read from the first item.
 */
export async function router(
	context: IExecuteFunctions,
	nodeClock: clock.Clock,
): Promise<INodeExecutionData[][]> {
	const operation = context.getNodeParameter('operation', 0) as Operation;
	if (context.getNode().typeVersion < PER_ITEM_NAMES_VERSION)
		return await runOperation(context, operation, nodeClock);
	const names = outputNames({ operation }, OUTPUTS, context.getNode().typeVersion);
	const quota = operation === 'quota';
	return await runPerItemKey(
		context,
		quota ? 'quotaName' : 'limiterName',
		{
			label: quota ? 'Quota Name' : 'Limiter Name',
			example: quota ? 'openai-monthly' : 'hubspot',
			outputCount: names.length,
			failedOutput: Math.max(0, names.indexOf(NAME_FAILURE_OUTPUT[operation] ?? '')),
		},
		async (groupContext) => await runOperation(groupContext, operation, nodeClock),
	);
}

async function runOperation(
	context: IExecuteFunctions,
	operation: Operation,
	nodeClock: clock.Clock,
): Promise<INodeExecutionData[][]> {
	switch (operation) {
		case 'waitForSlot': {
			// The limiter's store holds Also Limit's stacked state.
			const op = contextFor(context, operation, nodeClock, LIMITER_STORES);
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
		case 'releaseSlot': {
			const op = contextFor(context, operation, nodeClock, LIMITER_STORES);
			await releaseSlot.execute(op);
			return finishOperation(op);
		}
		default:
			throw operationError(context, `Unknown operation "${String(operation)}"`, {
				description:
					'Choose Wait for Slot, Send Request, Backoff, Learn From Response, Quota or Release Slot.',
			});
	}
}
