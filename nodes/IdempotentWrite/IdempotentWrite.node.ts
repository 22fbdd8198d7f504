import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { storeCredentials, storeCredentialTests } from '../shared';
import { IDEMPOTENT_WRITE_STORES, outputsForOperation, properties } from './description';
import { executeIdempotentWrite } from './execute';

export class IdempotentWrite implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Idempotent Write',
		name: 'idempotentWrite',
		icon: { light: 'file:idempotentWrite.svg', dark: 'file:idempotentWrite.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] }}',
		description: 'Make writes exactly-once: claim a key before the write, complete or release it after',
		defaults: { name: 'Idempotent Write' },
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{(${outputsForOperation.toString()})($parameter)}}`,
		credentials: storeCredentials([...IDEMPOTENT_WRITE_STORES]),
		properties,
	};

	methods = { credentialTest: storeCredentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeIdempotentWrite(this);
	}
}
