import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

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
	description: INodeTypeDescription = {
		...versionDescription,
		// Literal here, so n8n's linter can check them: the icon files, the subtitle, tool use,
		// and that each store credential is tested (testedBy).
		icon: { light: 'file:costGuard.svg', dark: 'file:costGuard.dark.svg' },
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["budgetName"] }}',
		usableAsTool: true,
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
