import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { failClosed, failClosedRoutesFrom, storeCredentialTests } from '../shared';
import { outputsForOperation, properties } from './description';
import { router } from './router';

/** The outputs that are not a happy path: where items go when the node fails closed under On Error: Continue. */
const REFUSAL_OUTPUTS = ['Over Budget', 'Alert', 'Miss'];

export class CostGuard implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Cost Guard',
		name: 'costGuard',
		icon: { light: 'file:costGuard.svg', dark: 'file:costGuard.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["budgetName"] }}',
		description:
			'Keep LLM and API spend within budget: check before spending, record real cost, report cost per record, cache repeated input',
		defaults: { name: 'Cost Guard' },
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
			async () => await router(this),
		);
	}
}
