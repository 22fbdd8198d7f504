import type { INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { transform, updateDisplayOptions, type OperationContext } from '../../shared';
import type { OutputName } from './outputs';
import { planMapping, type MappingPlan } from './plan';

/**
 * Export Mapping has no parameters of its own: it writes out the mapping both operations
 * share (mappingProperties.ts).
 */
const properties: INodeProperties[] = [];

export const description = updateDisplayOptions(
	{ show: { operation: ['exportMapping'] } },
	properties,
);

/** Outputs the checked mapping as JSON, every default filled in: one item for the whole batch. */
export async function execute(op: OperationContext<OutputName<'exportMapping'>>): Promise<void> {
	if (op.items.length === 0) return;
	const plan = planMapping(op.context);
	op.outputs.push('Mapping', exportItem(op, plan));
}

function exportItem(
	op: OperationContext<OutputName<'exportMapping'>>,
	plan: MappingPlan,
): INodeExecutionData {
	const { context } = op;
	let compiled: transform.CompiledMapping;
	try {
		compiled = plan.compiled ?? plan.compiledFor(0);
	} catch (error) {
		throw new NodeOperationError(
			context.getNode(),
			error instanceof Error ? error.message : String(error),
			{
				description: error instanceof transform.MappingError ? error.fix : undefined,
			},
		);
	}
	const mapping = transform.exportMapping(compiled);
	// Rows whose Source Field is an expression keep it, as "expression": Mapping From: JSON evaluates it per item.
	const fields = mapping.fields as Array<Record<string, unknown>>;
	for (const [row, expression] of plan.expressionTexts) fields[row].expression = expression;
	// One mapping for the whole batch: paired with every input item, as an aggregate is.
	return {
		json: { mapping },
		pairedItem: Array.from({ length: op.items.length }, (_, item) => ({ item })),
	};
}
