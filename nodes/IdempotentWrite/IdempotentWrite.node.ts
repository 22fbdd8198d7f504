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

export class IdempotentWrite implements INodeType {
	/** The base part of the description, literal for n8n's linter; then the version part. */
	description: INodeTypeDescription = {
		displayName: 'Idempotent Write',
		name: 'idempotentWrite',
		icon: { light: 'file:idempotentWrite.svg', dark: 'file:idempotentWrite.dark.svg' },
		group: ['transform'],
		subtitle: '={{ $parameter["operation"] }}',
		description:
			'Make writes exactly-once: claim a key before the write, complete or release it after',
		defaults: { name: 'Idempotent Write' },
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
