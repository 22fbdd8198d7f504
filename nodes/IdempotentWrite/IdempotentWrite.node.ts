import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { failClosed, failClosedRoutesFrom, storeCredentialTests } from '../shared';
import { outputsForOperation, properties } from './description';
import { executeIdempotentWrite } from './execute';

/** The outputs that are not a happy path: where items go when the node fails closed under On Error: Continue. */
const REFUSAL_OUTPUTS = ['Conflict'];

export class IdempotentWrite implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Idempotent Write',
		name: 'idempotentWrite',
		icon: { light: 'file:idempotentWrite.svg', dark: 'file:idempotentWrite.dark.svg' },
		group: ['transform'],
		// Version 2: Reconcile after a lease runs out, and a 30 s wait for in-flight claims,
		// by default. Workflows saved with version 1 keep version 1's defaults.
		version: [1, 2],
		defaultVersion: 2,
		subtitle: '={{ $parameter["operation"] }}',
		description:
			'Make writes exactly-once: claim a key before the write, complete or release it after',
		defaults: { name: 'Idempotent Write' },
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{(${outputsForOperation.toString()})($parameter)}}`,
		usableAsTool: true,
		// Literal, so n8n's linter can see each store credential is tested (testedBy).
		credentials: [
			{
				name: 'integrationGuardsRedisApi',
				required: true,
				testedBy: 'integrationGuardsRedisTest',
				displayOptions: { show: { store: ['redis'] } },
			},
			{
				name: 'integrationGuardsPostgresApi',
				required: true,
				testedBy: 'integrationGuardsPostgresTest',
				displayOptions: { show: { store: ['postgres'] } },
			},
		],
		properties,
	};

	methods = { credentialTest: storeCredentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await failClosed(
			this,
			(context) =>
				failClosedRoutesFrom(outputsForOperation(context.getNode().parameters), REFUSAL_OUTPUTS),
			async () => await executeIdempotentWrite(this),
		);
	}
}
