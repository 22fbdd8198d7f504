import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { createOperationContext, finishOperation, type OperationContext } from '../../shared';
import { COST_GUARD_STORES } from './budget';
import * as cacheLookup from './cacheLookup.operation';
import * as cacheStore from './cacheStore.operation';
import * as checkBudget from './checkBudget.operation';
import { OUTPUTS, type Operation, type OutputOf } from './outputs';
import * as recordUsage from './recordUsage.operation';
import * as report from './report.operation';

/** Runs an operation with its declared outputs and the node's store; returns its outputs, handing its hints to the panel. */
async function run<Op extends Operation>(
	context: IExecuteFunctions,
	operation: Op,
	execute: (op: OperationContext<OutputOf<Op>>) => Promise<void>,
): Promise<INodeExecutionData[][]> {
	const op = createOperationContext<OutputOf<Op>>(context, {
		outputs: OUTPUTS[operation],
		stores: COST_GUARD_STORES,
	});
	await execute(op);
	return finishOperation(op);
}

export async function router(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = context.getNodeParameter('operation', 0) as Operation;
	switch (operation) {
		case 'checkBudget':
			return await run(context, operation, checkBudget.execute);
		case 'recordUsage':
			return await run(context, operation, recordUsage.execute);
		case 'report':
			return await run(context, operation, report.execute);
		case 'cacheLookup':
			return await run(context, operation, cacheLookup.execute);
		case 'cacheStore':
			return await run(context, operation, cacheStore.execute);
	}
}
