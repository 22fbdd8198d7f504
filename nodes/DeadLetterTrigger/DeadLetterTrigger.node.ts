import type {
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { storeCredentialTests } from '../shared';
import { ENCRYPTION_TEST, testEncryptionKey } from '../DeadLetter/actions/encryption';
import { OUTPUT_NAMES } from './outputs';
import { pollQueue } from './poll';
import { properties } from './properties';

export class DeadLetterTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Dead Letter Trigger',
		name: 'deadLetterTrigger',
		icon: { light: 'file:deadLetterTrigger.svg', dark: 'file:deadLetterTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle:
			'={{ $parameter["scope"] ? "Queue: " + $parameter["scope"] : "This workflow\'s queue" }}',
		description:
			'Starts a workflow with the dead letters due for redelivery, leased, on a schedule per failure class',
		defaults: { name: 'Dead Letter Trigger' },
		polling: true,
		inputs: [],
		outputs: OUTPUT_NAMES.map((displayName) => ({ type: NodeConnectionTypes.Main, displayName })),
		outputNames: [...OUTPUT_NAMES],
		// Literal, so n8n's linter can see the store credential is tested (testedBy). No Redis.
		credentials: [
			{
				name: 'integrationGuardsPostgresApi',
				required: true,
				testedBy: 'integrationGuardsPostgresTest',
				displayOptions: { show: { store: ['postgres'] } },
			},
			{
				name: 'integrationGuardsEncryptionApi',
				required: true,
				testedBy: 'integrationGuardsEncryptionTest',
				displayOptions: { show: { redactedValues: ['encrypted'] } },
			},
		],
		properties,
	};

	methods = {
		credentialTest: { ...storeCredentialTests, [ENCRYPTION_TEST]: testEncryptionKey },
	};

	/** Records due for redelivery on Records, alerts (crossings, parked records) on Alerts; null when neither. */
	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const { records, alerts } = await pollQueue(this);
		if (records.length === 0 && alerts.length === 0) return null;
		return [records, alerts];
	}
}
