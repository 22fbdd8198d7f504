import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { failClosed, failClosedRoutesFrom, storeCredentialTests } from '../shared';
import { OUTPUTS, outputNames, REFUSAL_OUTPUTS } from './actions/outputs';
import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';

export class GuardsStatus implements INodeType {
	/** The base part of the description, literal for n8n's linter; then the version part. */
	description: INodeTypeDescription = {
		displayName: 'Guards Status',
		name: 'guardsStatus',
		icon: { light: 'file:guardsStatus.svg', dark: 'file:guardsStatus.dark.svg' },
		group: ['transform'],
		subtitle: '={{ $parameter["operation"] === "renderPage" ? "render page" : "snapshot" }}',
		description:
			'See every guard at once: open breakers, rate limits, budgets, quotas, dead letters, schema drift and credential expiries',
		defaults: { name: 'Guards Status' },
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
