import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import { failClosed, failClosedRoutesFrom, storeCredentialTests } from '../shared';
import { inputsFor, INPUTS, OUTPUTS, outputNames, REFUSAL_OUTPUTS } from './actions/outputs';
import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';

export class CircuitBreaker implements INodeType {
	description: INodeTypeDescription = {
		...versionDescription,
		// Literal here rather than in versionDescription, because n8n's linter reads them here.
		icon: { light: 'file:circuitBreaker.svg', dark: 'file:circuitBreaker.dark.svg' },
		subtitle:
			'={{ $parameter["operation"] === "stats" ? "stats" : $parameter["operation"] + ": " + $parameter["breakerName"] }}',
		usableAsTool: true,
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
			(context) => {
				const { parameters } = context.getNode();
				return failClosedRoutesFrom(
					outputNames(parameters, OUTPUTS).map((displayName) => ({ displayName })),
					REFUSAL_OUTPUTS,
					inputsFor(parameters, INPUTS).length,
				);
			},
			async () => await router(this),
		);
	}
}
