import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import {
	createOperationContext,
	finishOperation,
	type OperationContext,
	pairWithFirstOperation,
	type PairedOperationSpec,
} from '../../shared';
import * as claim from './claim.operation';
import * as complete from './complete.operation';
import * as forget from './forget.operation';
import * as lookUp from './lookUp.operation';
import * as markOutcomeUnknown from './markOutcomeUnknown.operation';
import { OUTPUTS, type Operation } from './outputs';
import * as release from './release.operation';
import { IDEMPOTENT_WRITE_STORES, options } from './settings';

/** Idempotent Write's entry point: one case per operation, each with its declared outputs. */
export async function router(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = context.getNodeParameter('operation', 0) as Operation;
	switch (operation) {
		case 'claim':
			return await run(context, OUTPUTS.claim, claim.execute);
		case 'complete':
			return await run(context, OUTPUTS.complete, complete.execute, true);
		case 'release':
			return await run(context, OUTPUTS.release, release.execute, true);
		case 'markOutcomeUnknown':
			return await run(context, OUTPUTS.markOutcomeUnknown, markOutcomeUnknown.execute, true);
		case 'lookUp':
			return await run(context, OUTPUTS.lookUp, lookUp.execute);
		case 'forget':
			return await run(context, OUTPUTS.forget, forget.execute);
		default: {
			const unknown: never = operation;
			throw new Error(`Idempotent Write has no operation "${String(unknown)}"`);
		}
	}
}

/** One operation: its context (outputs by name, the node's store), its execute, its outputs and hints. */
async function run<Output extends string>(
	context: IExecuteFunctions,
	outputs: readonly Output[],
	execute: (op: OperationContext<Output>) => Promise<void>,
	afterClaim = false,
): Promise<INodeExecutionData[][]> {
	// Version 3: Complete, Release and Mark Outcome Unknown take the Claim node's Scope.
	const paired = afterClaim
		? pairWithFirstOperation(context, claimPairing(context))
		: { context, hint: undefined };
	const op = createOperationContext(paired.context, {
		outputs,
		stores: IDEMPOTENT_WRITE_STORES,
	});
	if (paired.hint) op.hints.push(paired.hint);
	await execute(op);
	return finishOperation(op);
}

/** What a finishing operation takes from its Claim node: the Scope; the Store must be the same. */
function claimPairing(context: IExecuteFunctions): PairedOperationSpec {
	return {
		selector: 'scopeFrom',
		selectorLabel: 'Scope From',
		firstOperations: ['claim'],
		defaultOperation: 'claim',
		firstLabel: 'Claim',
		nodeLabel: 'Idempotent Write',
		parameters: [{ name: 'scope', label: 'Scope', fallback: '' }],
		mustMatch: [{ name: 'store', label: 'Store', fallback: 'embedded' }],
		named: String(options(context).claimNode ?? ''),
	};
}
