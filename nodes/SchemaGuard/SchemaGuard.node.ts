import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import {
	failClosed,
	failClosedRoutesFrom,
	outputsExpression,
	storeCredentialTests,
} from '../shared';
import { properties } from './description';
import { execute } from './execute';
import { OUTPUTS, outputNames, REFUSAL_OUTPUTS } from './outputs';

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
		outputs: outputsExpression(outputNames, OUTPUTS) as INodeTypeDescription['outputs'],
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
				failClosedRoutesFrom(
					outputNames(context.getNode().parameters, OUTPUTS).map((displayName) => ({
						displayName,
					})),
					REFUSAL_OUTPUTS,
				),
			async () => await execute(this),
		);
	}
}
