import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import {
	createOperationContext,
	finishOperation,
	operationError,
	type OperationContext,
} from '../../shared';
import * as capture from './capture.operation';
import * as captureExecution from './captureExecution.operation';
import * as list from './list.operation';
import { OUTPUTS, outputNames, type Operation, type OutputName } from './outputs';
import * as purge from './purge.operation';
import { DEAD_LETTER_STORES } from './queue';
import * as release from './release.operation';
import * as replay from './replay.operation';
import * as resolve from './resolve.operation';
import * as stats from './stats.operation';

/**
 * Runs the chosen operation with one operation context, whose outputs are the ones the
 * panel shows: `outputNames` over the declared OUTPUTS, for this node's version.
 */
export async function router(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = context.getNodeParameter('operation', 0) as Operation;
	const incoming =
		operation === 'capture' ? context.getNodeParameter('incoming', 0, 'failed') : undefined;
	const op = createOperationContext(context, {
		outputs: outputNames({ operation, incoming }, OUTPUTS, context.getNode().typeVersion),
		stores: DEAD_LETTER_STORES,
	});
	switch (operation) {
		case 'capture':
			await capture.execute(narrow(op, operation));
			break;
		case 'captureExecution':
			await captureExecution.execute(narrow(op, operation));
			break;
		case 'replay':
			await replay.execute(narrow(op, operation));
			break;
		case 'resolve':
			await resolve.execute(narrow(op, operation));
			break;
		case 'list':
			await list.execute(narrow(op, operation));
			break;
		case 'stats':
			await stats.execute(narrow(op, operation));
			break;
		case 'purge':
			await purge.execute(narrow(op, operation));
			break;
		case 'release':
			await release.execute(narrow(op, operation));
			break;
	}
	return finishOperation(op);
}

/** The context as the operation sees it: outputs that `outputNames` picked among its declared ones. */
function narrow<Op extends Operation>(
	op: OperationContext,
	operation: Op,
): OperationContext<OutputName<Op>> {
	const declared: readonly string[] = OUTPUTS[operation];
	const stray = op.outputs.names.filter((name) => !declared.includes(name));
	if (stray.length > 0)
		throw operationError(
			op.context,
			`Outputs ${stray.join(', ')} are not declared for ${operation}`,
		);
	return op as OperationContext<OutputName<Op>>;
}
