import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import {
	createOperationContext,
	finishOperation,
	type OperationContext,
	pairWithFirstOperation,
	stampExpression,
	type PairedOperationSpec,
} from '../../shared';
import * as check from './check.operation';
import { CIRCUIT_BREAKER_STORES } from './common';
import { OUTPUTS, type Operation } from './outputs';
import * as record from './record.operation';
import * as setState from './setState.operation';
import * as stats from './stats.operation';

/** Circuit Breaker's entry point: one case per operation, each with its declared outputs. */
export async function router(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = context.getNodeParameter('operation', 0) as Operation;
	switch (operation) {
		case 'check':
			return await run(context, OUTPUTS.check, check.execute);
		case 'record':
			return await run(context, OUTPUTS.record, record.execute, true);
		case 'setState':
			return await run(context, OUTPUTS.setState, setState.execute);
		case 'stats':
			return await run(context, OUTPUTS.stats, stats.execute);
		default: {
			const unknown: never = operation;
			throw new Error(`Circuit Breaker has no operation "${String(unknown)}"`);
		}
	}
}

/** One operation: its context (outputs by name, the node's store), its execute, its outputs and hints. */
async function run<Output extends string>(
	context: IExecuteFunctions,
	outputs: readonly Output[],
	execute: (op: OperationContext<Output>) => Promise<void>,
	afterCheck = false,
): Promise<INodeExecutionData[][]> {
	// Version 1.2: Record takes Scope and Breaker Name from the matching Check node.
	const paired = afterCheck
		? pairWithFirstOperation(context, CHECK_PAIRING)
		: { context, hint: undefined };
	const op = createOperationContext(paired.context, {
		outputs,
		stores: CIRCUIT_BREAKER_STORES,
	});
	if (paired.hint) op.hints.push(paired.hint);
	await execute(op);
	return finishOperation(op);
}

/** What Record takes from its Check node: Scope and Breaker Name; the Store must be the same. */
const CHECK_PAIRING: PairedOperationSpec = {
	selector: 'scopeFrom',
	selectorLabel: 'Scope and Breaker Name From',
	firstOperations: ['check'],
	defaultOperation: 'check',
	firstLabel: 'Check',
	nodeLabel: 'Circuit Breaker',
	parameters: [
		{ name: 'scope', label: 'Scope', fallback: '' },
		{
			name: 'breakerName',
			label: 'Breaker Name',
			fallback: '',
			// A per-item name: each call's breaker is the one Check named for its item.
			fromStamp: (first) => stampExpression(first, 'circuitBreaker', 'name'),
		},
	],
	mustMatch: [{ name: 'store', label: 'Store', fallback: 'embedded' }],
};
