import type { IDataObject, INodeProperties, NodeOperationError } from 'n8n-workflow';

import {
	correlation,
	correlationIdFor,
	failItem,
	fieldNameOption,
	hint,
	itemError,
	pairedItem,
	transform,
	updateDisplayOptions,
	type OperationContext,
} from '../../shared';
import type { OutputName } from './outputs';
import { planMapping } from './plan';

/**
 * Transform has no parameters of its own: it reads the mapping both operations share
 * (mappingProperties.ts), whose Options carry its Correlation ID Field.
 */
const properties: INodeProperties[] = [];

export const description = updateDisplayOptions({ show: { operation: ['transform'] } }, properties);

/** Maps and converts every item; an item that cannot be converted fails alone (error output or the node's error). */
export async function execute(op: OperationContext<OutputName<'transform'>>): Promise<void> {
	const { context, items } = op;
	if (items.length === 0) return;
	const plan = planMapping(context);
	const correlationField = fieldNameOption(
		context,
		'options.correlationField',
		'Correlation ID Field',
		'correlationId',
	);
	const converted = op.outputs.index('Converted');
	for (let index = 0; index < items.length; index++) {
		const item = items[index];
		let compiled: transform.CompiledMapping;
		let sources: Map<number, unknown>;
		try {
			compiled = plan.compiled ?? plan.compiledFor(index);
			sources = plan.sourcesFor(index);
		} catch (error) {
			failItem(
				context,
				op.outputs.buckets,
				item,
				index,
				configurationItemError(op, index, error),
				converted,
			);
			continue;
		}
		const result = compiled.apply(item.json, (row) => sources.get(row));
		if (!result.ok) {
			const { message, description } = transform.describeItemFailures(index, result.failures);
			failItem(
				context,
				op.outputs.buckets,
				item,
				index,
				itemError(context, index, message, description),
				converted,
			);
			continue;
		}
		const json = result.json as IDataObject;
		if (correlation.readCorrelationId(json, correlationField) === undefined)
			json[correlationField] = correlationIdFor(item.json, correlationField).id;
		op.outputs.push('Converted', pairedItem(item, index, json));
	}
	op.hints.push(...plan.hints.map((message) => hint(message)));
}

/** A per-item mapping (an expression that reads the item) that is malformed or fails to evaluate. */
function configurationItemError(
	op: OperationContext,
	index: number,
	error: unknown,
): NodeOperationError {
	const { context } = op;
	if (error instanceof transform.MappingError)
		return itemError(context, index, `Item ${index}: ${error.message}`, error.fix);
	const message = error instanceof Error ? error.message : String(error);
	return itemError(
		context,
		index,
		`Item ${index}: an expression of the mapping failed: ${message}`,
		'Check the expressions in the mapping for this item.',
	);
}
