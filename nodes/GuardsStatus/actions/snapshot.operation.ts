import type { INodeProperties } from 'n8n-workflow';

import { fieldNameOption, hint, updateDisplayOptions, type OperationContext } from '../../shared';
import type { OutputName } from './outputs';
import { readOptions, readSnapshot } from './read';

/** Snapshot: one item with every guard's state in the store, as JSON. */

const properties: INodeProperties[] = [
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		description: 'How much to read, and where the snapshot goes',
		options: [
			...readOptions,
			{
				displayName: 'Output Field',
				name: 'outputField',
				type: 'string',
				default: 'guardsStatus',
				description: 'Field of the output item that holds the snapshot',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { operation: ['snapshot'] } }, properties);

export async function execute(op: OperationContext<OutputName<'snapshot'>>): Promise<void> {
	const { context, items } = op;
	const field = fieldNameOption(context, 'options.outputField', 'Output Field', 'guardsStatus');
	if (items.length === 0) return;
	const snapshot = await readSnapshot(op);
	if (!snapshot.complete) op.hints.push(hint(snapshot.warnings.join(' '), 'warning'));
	// A report on the whole input: the item pairs with every input item.
	op.outputs.push('Snapshot', {
		json: { [field]: snapshot as unknown as Record<string, never> },
		pairedItem: items.map((_, index) => ({ item: index })),
	});
}
