import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { failClosed, failClosedRoutesFrom, storeCredentialTests } from '../shared';
import { outputNames, OUTPUTS, REFUSAL_OUTPUTS } from './actions/outputs';
import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';

/** The outputs of the node as configured, for fail-closed routing. */
function outputsOf(context: IExecuteFunctions) {
	const node = context.getNode();
	return outputNames(node.parameters, OUTPUTS, node.typeVersion).map((displayName) => ({
		displayName,
	}));
}

export class CostGuard implements INodeType {
	/** The base part of the description, literal for n8n's linter; then the version part. */
	description: INodeTypeDescription = {
		displayName: 'Cost Guard',
		name: 'costGuard',
		icon: { light: 'file:costGuard.svg', dark: 'file:costGuard.dark.svg' },
		group: ['transform'],
		subtitle:
			'={{ $parameter["operation"] + ": " + ($parameter["scopeFrom"] === "paired" ? "as its first node" : $parameter["budgetName"]) }}',
		description:
			'Keep LLM and API spend within budget: check before spending, record real cost, report cost per record, cache repeated input',
		defaults: { name: 'Cost Guard' },
		inputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		...versionDescription,
		// Each store credential is tested (testedBy).
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
	};

	methods = { credentialTest: storeCredentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await failClosed(
			this,
			(context) => failClosedRoutesFrom(outputsOf(context), REFUSAL_OUTPUTS),
			async () => await router(this),
		);
	}
}
