import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import { failClosed, failClosedRoutesFrom, storeCredentialTests } from '../shared';
import { OUTPUTS, outputNames, REFUSAL_OUTPUTS } from './actions/outputs';
import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';

export class IdempotentWrite implements INodeType {
	description: INodeTypeDescription = {
		...versionDescription,
		// Literal here rather than in versionDescription, because n8n's linter reads them here.
		icon: { light: 'file:idempotentWrite.svg', dark: 'file:idempotentWrite.dark.svg' },
		subtitle: '={{ $parameter["operation"] }}',
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
			(context) =>
				failClosedRoutesFrom(
					outputNames(context.getNode().parameters, OUTPUTS).map((displayName) => ({
						displayName,
					})),
					REFUSAL_OUTPUTS,
				),
			async () => await router(this),
		);
	}
}
