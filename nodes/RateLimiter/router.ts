import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { executeBackoff } from './backoff.operation';
import { executeQuota } from './quota.operation';
import { executeSendRequest } from './sendRequest.operation';
import { executeWaitForSlot } from './waitForSlot.operation';

export type Operation = 'waitForSlot' | 'sendRequest' | 'backoff' | 'quota';

export async function executeRateLimiter(
	context: IExecuteFunctions,
): Promise<INodeExecutionData[][]> {
	const operation = context.getNodeParameter('operation', 0) as Operation;
	switch (operation) {
		case 'waitForSlot':
			return await executeWaitForSlot(context);
		case 'sendRequest':
			return await executeSendRequest(context);
		case 'backoff':
			return await executeBackoff(context);
		case 'quota':
			return await executeQuota(context);
		default:
			throw new NodeOperationError(context.getNode(), `Unknown operation "${String(operation)}"`, {
				description: 'Choose Wait for Slot, Send Request, Backoff or Quota.',
			});
	}
}
