import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import {
	createOperationContext,
	finishOperation,
	runPerItemKey,
	type OperationContext,
} from '../../shared';
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

/** Version 1.1: a Budget Name expression names a budget per item. */
export const PER_ITEM_BUDGETS_VERSION = 1.1;

/** The output an item whose Budget Name fails leaves on, for the operations that read it per item. */
const NAME_FAILURE_OUTPUT: Partial<{ [Op in Operation]: OutputOf<Op> }> = {
	checkBudget: 'Over Budget',
	recordUsage: 'Alert',
	cacheLookup: 'Miss',
	cacheStore: 'Stored',
};

/**
 * Runs the operation. From version 1.1 a Budget Name expression is evaluated per item on
 * Check Budget, Record Usage, Cache Lookup and Cache Store: the items are grouped by
 * budget and the operation runs once per group, its store round trips once per budget.
 * Report, and version 1, read it from the first item.
 */
export async function router(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = context.getNodeParameter('operation', 0) as Operation;
	const failedOutput = NAME_FAILURE_OUTPUT[operation];
	if (context.getNode().typeVersion < PER_ITEM_BUDGETS_VERSION || failedOutput === undefined)
		return await runOperation(context, operation);
	const names: readonly string[] = OUTPUTS[operation];
	return await runPerItemKey(
		context,
		'budgetName',
		{
			label: 'Budget Name',
			example: 'llm-enrichment',
			outputCount: names.length,
			failedOutput: names.indexOf(failedOutput),
		},
		async (groupContext) => await runOperation(groupContext, operation),
	);
}

async function runOperation(
	context: IExecuteFunctions,
	operation: Operation,
): Promise<INodeExecutionData[][]> {
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
