import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { readCorrelationId, uuidv7 } from '../core/correlation';
import { StoreError } from '../stores/types';

/** The Scope parameter: which state a node shares with other nodes and workflows. */
export function scopeProperty(example: string): INodeProperties {
	return {
		displayName: 'Scope',
		name: 'scope',
		type: 'string',
		default: '',
		placeholder: example,
		description:
			'Name of the state this node uses. Nodes with the same scope share it, across workflows. Leave empty to keep it to this workflow.',
	};
}

export const correlationFieldProperty: INodeProperties = {
	displayName: 'Correlation ID Field',
	name: 'correlationField',
	type: 'string',
	default: 'correlationId',
	description: 'Field that carries the correlation ID through the workflow. Stored with every record.',
};

/** The scope name for the store: the user's, else one per workflow. */
export function resolveScope(context: IExecuteFunctions, kind: string): string {
	const scope = String(context.getNodeParameter('scope', 0, '')).trim();
	return `${kind}:${scope !== '' ? scope : `workflow-${context.getWorkflow().id ?? 'unsaved'}`}`;
}

/**
 * The item's correlation ID, or a new UUIDv7 when it has none: the nodes that create
 * records make sure every record can be traced.
 */
export function correlationIdFor(json: IDataObject, field: string): { id: string; assigned: boolean } {
	const existing = readCorrelationId(json, field);
	return existing !== undefined ? { id: existing, assigned: false } : { id: uuidv7(), assigned: true };
}

/**
 * Output item that pairs back to its input item (on input `input` of a node with
 * several inputs); the input is never mutated.
 */
export function pairedItem(source: INodeExecutionData, itemIndex: number, json: IDataObject, input?: number): INodeExecutionData {
	const item: INodeExecutionData = { json, pairedItem: input ? { item: itemIndex, input } : { item: itemIndex } };
	if (source.binary) item.binary = source.binary;
	return item;
}

/**
 * Per-item failure: with "On Error: Continue" the item leaves carrying the error;
 * otherwise the node fails, naming the item.
 *
 * With "Continue (using error output)" the item holds only `error` and `details`: the
 * engine then moves it to the error output and merges the input item's fields
 * underneath, so the original payload travels with the error. (An item with
 * `item.error` set would instead lose its fields.) With "Continue (using regular
 * output)" it stays on `output` with its fields and the error.
 */
export function failItem(
	context: IExecuteFunctions,
	outputs: INodeExecutionData[][],
	source: INodeExecutionData,
	itemIndex: number,
	error: NodeOperationError,
	output = 0,
	input = 0,
): void {
	if (!context.continueOnFail()) throw error;
	const failure: IDataObject = {
		error: error.message,
		details: { itemIndex, description: error.description ?? null, node: context.getNode().name },
	};
	const json = context.getNode().onError === 'continueErrorOutput' ? failure : { ...source.json, ...failure };
	outputs[output].push({ json, pairedItem: input ? { item: itemIndex, input } : { item: itemIndex } });
}

export function itemError(
	context: IExecuteFunctions,
	itemIndex: number,
	message: string,
	description: string,
): NodeOperationError {
	return new NodeOperationError(context.getNode(), message, { itemIndex, description });
}

/**
 * A store failure fails the node (fail closed): no item is routed on a guess. The
 * message names the backend, where it is and the cause.
 */
export function storeFailure(context: IExecuteFunctions, error: unknown): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	const message = error instanceof Error ? error.message : String(error);
	const description =
		error instanceof StoreError
			? error.backend === 'sqlite'
				? 'The embedded store could not be used. Check that the n8n user folder is writable and has free space.'
				: `Check that ${error.location} is running and reachable from n8n, and that the credential is right (use its Test button).`
			: 'The store rejected the operation.';
	const failure = new NodeOperationError(context.getNode(), message, { description });
	// NodeOperationError swaps messages that mention ECONNREFUSED and the like for a generic
	// "The service refused the connection": keep ours, which names the store and host.
	failure.message = message;
	return failure;
}

/**
 * Where a guard's items go when it cannot decide for them: how many outputs the
 * operation has, and the one that is not a happy path (Over Limit, Open, Invalid, …).
 * `refusal` is 0 only for operations with a single output.
 */
export interface FailClosedRoutes {
	outputs: number;
	refusal: number;
	/** Main inputs the operation reads (Circuit Breaker Record takes two). */
	inputs?: number;
}

/**
 * Runs a guard's execute so that it fails closed. Without "On Error: Continue" a thrown
 * error fails the node, as before. Under Continue, n8n would put the node's whole input
 * on output 0 (its happy path: Proceed, Success, Valid) when the node throws, so the
 * guard never throws there: every input item leaves as an error item on `refusal`.
 * Under "Continue (using error output)" n8n moves those items to the error output with
 * their fields; under "Continue (using regular output)" they stay on `refusal`,
 * carrying `error` and `details`.
 */
export async function failClosed(
	context: IExecuteFunctions,
	routes: (context: IExecuteFunctions) => FailClosedRoutes,
	execute: () => Promise<INodeExecutionData[][]>,
): Promise<INodeExecutionData[][]> {
	try {
		return await execute();
	} catch (thrown) {
		const error = storeFailure(context, thrown);
		if (!context.continueOnFail()) throw error;
		const { outputs: count, refusal, inputs = 1 } = routes(context);
		const outputs: INodeExecutionData[][] = Array.from({ length: Math.max(count, refusal + 1) }, () => []);
		for (let input = 0; input < inputs; input++) {
			context.getInputData(input).forEach((item, index) => failItem(context, outputs, item, index, error, refusal, input));
		}
		return outputs;
	}
}

/**
 * The fail-closed routes of an operation from its output list: the first output named
 * in `refusals` (the node's non-happy outputs), else output 0 when it is the only one.
 */
export function failClosedRoutesFrom(
	outputs: Array<{ displayName: string }>,
	refusals: readonly string[],
	inputs = 1,
): FailClosedRoutes {
	const refusal = outputs.findIndex((output) => refusals.includes(output.displayName));
	return { outputs: outputs.length, refusal: Math.max(refusal, 0), inputs };
}
