import type { INodeProperties } from 'n8n-workflow';

import { idempotency, paths, updateDisplayOptions, type OperationContext } from '../../shared';
import { finish } from './finish';
import { afterClaimKeyProperties, BEFORE_3, FROM_3 } from './keys.descriptions';
import type { OutputName } from './outputs';

function resultFields(
	version: NonNullable<INodeProperties['displayOptions']>['show'],
	defaultFields: string,
): INodeProperties {
	return {
		displayName: 'Result Fields to Keep',
		name: 'resultFields',
		type: 'string',
		default: defaultFields,
		placeholder: 'e.g. invoiceNumber, status',
		description:
			"Comma-separated fields of the write's response to keep. Later duplicates carry them, so the workflow can answer as the first time.",
		displayOptions: { show: version },
	};
}

/** Complete: mark the key done after the write succeeded, keeping result fields for later duplicates. */
const properties: INodeProperties[] = [
	...afterClaimKeyProperties,
	resultFields(BEFORE_3, 'id'),
	// Version 3 prefills nothing: the user names the fields of their vendor's answer.
	resultFields(FROM_3, ''),
];

export const description = updateDisplayOptions({ show: { operation: ['complete'] } }, properties);

export async function execute(op: OperationContext<OutputName<'complete'>>): Promise<void> {
	const resultFields = paths.parseFieldList(
		String(op.context.getNodeParameter('resultFields', 0, '')),
	);
	await finish(op, 'complete', idempotency.decideComplete, resultFields);
}
