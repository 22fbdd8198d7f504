import type { IExecuteFunctions, INodeExecutionData, NodeExecutionHint } from 'n8n-workflow';

import { systemClock, type Clock } from '../core/clock';
import type { Store } from '../stores/types';
import { OutputRoutes } from './outputs';
import { storeForNode, type StoreChoice } from './store';

/**
 * What every operation's `execute` gets: one object instead of six parameters. An
 * operation reads its settings from `context` (through `shared/n8n/parameters`), routes
 * each item with `outputs.push(name, item)`, adds hints for the panel, and takes time
 * from `clock` when it does not take it from the store.
 */
export interface OperationContext<Output extends string = string> {
	readonly context: IExecuteFunctions;
	/** The node's main input (input 0). */
	readonly items: INodeExecutionData[];
	/** The operation's outputs, by name, in the order its declaration gives. */
	readonly outputs: OutputRoutes<Output>;
	/** Shown above the output in the panel once the operation returns. */
	readonly hints: NodeExecutionHint[];
	readonly clock: Clock;
	/** The store chosen in the node's Store parameter, opened once per execution on first use. */
	store(): Promise<Store>;
}

export interface OperationContextOptions<Output extends string> {
	/** The operation's output names, from the node's declaration. */
	outputs: readonly Output[];
	/** The backends the node offers in its Store parameter. */
	stores?: readonly StoreChoice[];
	clock?: Clock;
}

export function createOperationContext<Output extends string>(
	context: IExecuteFunctions,
	options: OperationContextOptions<Output>,
): OperationContext<Output> {
	const { stores = [], clock = systemClock } = options;
	let opened: Promise<Store> | undefined;
	return {
		context,
		items: context.getInputData(),
		outputs: new OutputRoutes(options.outputs),
		hints: [],
		clock,
		store: async () => await (opened ??= storeForNode(context, [...stores])),
	};
}

/** The operation's result for n8n: its outputs, with its hints handed to the panel. */
export function finishOperation(operation: OperationContext): INodeExecutionData[][] {
	if (operation.hints.length > 0) operation.context.addExecutionHints(...operation.hints);
	return operation.outputs.buckets;
}
