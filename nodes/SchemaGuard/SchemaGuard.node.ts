import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { failClosed, failClosedRoutesFrom, storeCredentialTests } from '../shared';
import { outputsForSettings, properties } from './description';
import { executeSchemaGuard } from './execute';

/** The outputs that are not a happy path: where items go when the node fails closed under On Error: Continue. */
const REFUSAL_OUTPUTS = ['Invalid'];

export class SchemaGuard implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Schema Guard',
		name: 'schemaGuard',
		icon: { light: 'file:schemaGuard.svg', dark: 'file:schemaGuard.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ $parameter["schemaName"] ? $parameter["schemaName"] + " v" + $parameter["schemaVersion"] : "" }}',
		description:
			'Check items against a schema at the boundary: split valid from invalid and catch schema drift',
		defaults: { name: 'Schema Guard' },
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{(${outputsForSettings.toString()})($parameter)}}`,
		usableAsTool: true,
		// Literal, so n8n's linter can see each store credential is tested (testedBy). Only
		// asked for when drift memory is on and a shared store is chosen.
		credentials: [
			{
				name: 'integrationGuardsRedisApi',
				required: true,
				testedBy: 'integrationGuardsRedisTest',
				displayOptions: { show: { driftMemory: [true], store: ['redis'] } },
			},
			{
				name: 'integrationGuardsPostgresApi',
				required: true,
				testedBy: 'integrationGuardsPostgresTest',
				displayOptions: { show: { driftMemory: [true], store: ['postgres'] } },
			},
		],
		properties,
	};

	methods = { credentialTest: storeCredentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await failClosed(
			this,
			(context) =>
				failClosedRoutesFrom(outputsForSettings(context.getNode().parameters), REFUSAL_OUTPUTS),
			async () => await executeSchemaGuard(this),
		);
	}
}
