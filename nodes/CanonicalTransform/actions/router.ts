import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { createOperationContext, finishOperation, type OperationContext } from '../../shared';
import * as exportMapping from './exportMapping.operation';
import { OUTPUTS, outputNames, type Operation, type OutputName } from './outputs';
import * as transform from './transform.operation';

/** Runs the chosen operation with one operation context, whose outputs are the ones OUTPUTS declares for it. */
export async function router(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = context.getNodeParameter('operation', 0) as Operation;
	const op = createOperationContext(context, { outputs: outputNames({ operation }, OUTPUTS) });
	switch (operation) {
		case 'exportMapping':
			await exportMapping.execute(op as OperationContext<OutputName<'exportMapping'>>);
			break;
		case 'transform':
		default:
			// Anything but Export Mapping transforms, as before the router: outputNames agrees.
			await transform.execute(op as OperationContext<OutputName<'transform'>>);
			break;
	}
	return finishOperation(op);
}
