import type { INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { configError, transform, updateDisplayOptions, type OperationContext } from '../../shared';
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
	if (plan.expressionSources.size > 0) {
		const rows = [...plan.expressionSources].map((row) => row + 1).join(', ');
		throw configError(
			context,
			`Mapping entry ${rows}`,
			'takes its value from an expression, which a JSON mapping cannot carry',
			'Give those rows a source path to export the mapping, or add the values with a Set node after the Canonical Transform that reads the JSON.',
		);
	}
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
	// One mapping for the whole batch: paired with every input item, as an aggregate is.
	return {
		json: { mapping: transform.exportMapping(compiled) },
		pairedItem: Array.from({ length: op.items.length }, (_, item) => ({ item })),
	};
}
