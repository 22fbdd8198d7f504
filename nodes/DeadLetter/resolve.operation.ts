import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { failItem, isPlainObject, itemError, storeFailure } from '../shared';
import { fieldOption, openQueue, outputFieldOption, readOptions, recordIdProperties, recordIdReader, type QueueHandle } from './queue';

const RESOLVED = 0;
const NOT_RESOLVED = 1;

const show = { show: { operation: ['resolve'] } };

export const description: INodeProperties[] = [
	...recordIdProperties({ operation: ['resolve'] }),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show,
		options: [outputFieldOption],
	},
];

/**
 * Marks records done. Any open record is resolved, whoever holds its lease: the write
 * it stood for has happened. A record already resolved, parked as poison or unknown
 * leaves on Not Resolved.
 */
export async function execute(context: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[][]> {
	const outputField = fieldOption(readOptions(context), 'outputField', 'deadLetter');
	const outputs: INodeExecutionData[][] = [[], []];
	const named: Array<{ index: number; id: string }> = [];
	const readId = recordIdReader(context, outputField);
	for (let index = 0; index < items.length; index++) {
		const id = readId(items[index].json, index);
		if (id !== null) {
			named.push({ index, id });
			continue;
		}
		const error = itemError(
			context,
			index,
			`Item ${index} names no dead letter`,
			"The item carries no deadLetter field, and no Replay node upstream pairs with it. Connect Resolve after a Replay (through the nodes that write the record), or set Record ID From to Expression.",
		);
		failItem(context, outputs, items[index], index, error, NOT_RESOLVED);
	}
	if (named.length === 0) return outputs;

	let handle: QueueHandle;
	let applied: boolean[];
	try {
		handle = await openQueue(context);
		applied = await handle.queue.settle(
			handle.name,
			named.map(({ id }) => ({ id, status: 'done' as const })),
		);
	} catch (error) {
		throw storeFailure(context, error);
	}
	named.forEach(({ index, id }, position) => {
		const previous = items[index].json[outputField];
		const json: IDataObject = {
			...items[index].json,
			[outputField]: {
				...(isPlainObject(previous) ? (previous as IDataObject) : {}),
				id,
				queue: handle.label,
				resolved: applied[position],
				...(applied[position] ? { status: 'resolved' } : { notResolvedReason: 'not open: already resolved, parked as poison, or no such record in this queue' }),
			},
		};
		const item: INodeExecutionData = { json, pairedItem: { item: index } };
		if (items[index].binary) item.binary = items[index].binary;
		outputs[applied[position] ? RESOLVED : NOT_RESOLVED].push(item);
	});
	return outputs;
}
