import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import {
	createOperationContext,
	finishOperation,
	runPerItemKey,
	type OperationContext,
	pairWithFirstOperation,
	stampExpression,
	type FirstOperation,
	type PairedOperationSpec,
} from '../../shared';
import { COST_GUARD_STORES } from './budget';
import { CACHE_FIELD } from './cache';
import * as cacheLookup from './cacheLookup.operation';
import * as cacheStore from './cacheStore.operation';
import * as checkBudget from './checkBudget.operation';
import { OUTPUTS, type Operation, type OutputOf } from './outputs';
import { PAIRING_VERSION } from './pairing';
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

/** What a second operation takes from its first: Scope and Budget Name; the Store must be the same. */
function pairing(first: string, firstLabel: string): PairedOperationSpec {
	return {
		selector: 'scopeFrom',
		selectorLabel: 'Scope and Budget Name From',
		firstOperations: [first],
		defaultOperation: 'checkBudget',
		firstLabel,
		nodeLabel: 'Cost Guard',
		parameters: [
			{ name: 'scope', label: 'Scope', fallback: '' },
			{
				name: 'budgetName',
				label: 'Budget Name',
				fallback: '',
				// A per-item budget: the one the first node named for the item (its stamp;
				// Cache Lookup stamps it from version 1.2).
				fromStamp: (node: FirstOperation) =>
					first === 'checkBudget'
						? stampExpression(node, 'costGuard', 'budget')
						: node.typeVersion >= PAIRING_VERSION
							? stampExpression(node, CACHE_FIELD, 'budget')
							: undefined,
			},
		],
		mustMatch: [{ name: 'store', label: 'Store', fallback: 'embedded' }],
	};
}

const PAIRINGS: Partial<Record<Operation, PairedOperationSpec>> = {
	recordUsage: pairing('checkBudget', 'Check Budget'),
	cacheStore: pairing('cacheLookup', 'Cache Lookup'),
};

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
export async function router(node: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = node.getNodeParameter('operation', 0) as Operation;
	// Version 1.2: Record Usage and Cache Store take Scope and Budget Name from their first node.
	const pairing = PAIRINGS[operation];
	const paired = pairing ? pairWithFirstOperation(node, pairing) : { context: node };
	if (paired.hint) node.addExecutionHints(paired.hint);
	const context = paired.context;
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
