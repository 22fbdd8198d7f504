import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { failClosed, failClosedRoutesFrom, storeCredentialTests } from '../shared';
import { ENCRYPTION_TEST, testEncryptionKey } from './actions/encryption';
import { OUTPUTS, outputNames, REFUSAL_OUTPUTS, REFUSAL_OUTPUTS_V1 } from './actions/outputs';
import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';

export class DeadLetter implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Dead Letter',
		name: 'deadLetter',
		icon: { light: 'file:deadLetter.svg', dark: 'file:deadLetter.dark.svg' },
		group: ['transform'],
		subtitle:
			'={{ $parameter["operation"] + ($parameter["scope"] ? ": " + $parameter["scope"] : "") }}',
		description:
			'Capture failed items with their error and class, alert on queue depth, replay and resolve them',
		defaults: { name: 'Dead Letter' },
		inputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		...versionDescription,
		// Literal, so n8n's linter can see the store credential is tested (testedBy).
		// No Redis: dead letters need a durable store.
		credentials: [
			{
				name: 'integrationGuardsPostgresApi',
				required: true,
				testedBy: 'integrationGuardsPostgresTest',
				displayOptions: { show: { store: ['postgres'] } },
			},
			{
				// Capture Failed Execution reads the failed execution through this n8n's public API.
				name: 'integrationGuardsN8nApi',
				required: true,
				displayOptions: { show: { operation: ['captureExecution'] } },
			},
			{
				// The key Capture seals captured payloads with, and Replay opens them with (version 2.2).
				name: 'integrationGuardsEncryptionApi',
				required: true,
				testedBy: 'integrationGuardsEncryptionTest',
				displayOptions: { show: { redactedValues: ['encrypted'] } },
			},
		],
	};

	methods = {
		credentialTest: { ...storeCredentialTests, [ENCRYPTION_TEST]: testEncryptionKey },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await failClosed(
			this,
			(context) => {
				const { parameters, typeVersion } = context.getNode();
				return failClosedRoutesFrom(
					outputNames(parameters, OUTPUTS, typeVersion).map((displayName) => ({ displayName })),
					typeVersion >= 2 ? REFUSAL_OUTPUTS : REFUSAL_OUTPUTS_V1,
				);
			},
			async () => await router(this),
		);
	}
}
