import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { createOperationContext, finishOperation, type OperationContext } from '../../shared';
import { OUTPUTS, type Operation } from './outputs';
import { GUARDS_STATUS_STORES } from './read';
import * as renderPage from './renderPage.operation';
import * as snapshot from './snapshot.operation';

/** Guards Status's entry point: one case per operation, each with its declared outputs. */
export async function router(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = context.getNodeParameter('operation', 0) as Operation;
	switch (operation) {
		case 'snapshot':
			return await run(context, OUTPUTS.snapshot, snapshot.execute);
		case 'renderPage':
			return await run(context, OUTPUTS.renderPage, renderPage.execute);
		default: {
			const unknown: never = operation;
			throw new Error(`Guards Status has no operation "${String(unknown)}"`);
		}
	}
}

/** One operation: its context (outputs by name, the node's store), its execute, its outputs and hints. */
async function run<Output extends string>(
	context: IExecuteFunctions,
	outputs: readonly Output[],
	execute: (op: OperationContext<Output>) => Promise<void>,
): Promise<INodeExecutionData[][]> {
	const op = createOperationContext(context, { outputs, stores: GUARDS_STATUS_STORES });
	await execute(op);
	return finishOperation(op);
}
