import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { failClosed, failClosedRoutesFrom, storeCredentialTests } from '../shared';
import { properties } from './description';
import { execute } from './execute';
import { OUTPUT_NAMES, REFUSAL_OUTPUTS } from './outputs';

export class CredentialExpiryCheck implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Credential Expiry Check',
		name: 'credentialExpiryCheck',
		icon: { light: 'file:credentialExpiryCheck.svg', dark: 'file:credentialExpiryCheck.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ ($parameter["sources"] || []).join(", ") }}',
		description:
			'Know before a credential expires: check n8n credentials, an expiry register, TLS certificates and tokens',
		defaults: { name: 'Credential Expiry Check' },
		inputs: [NodeConnectionTypes.Main],
		outputs: OUTPUT_NAMES.map((displayName) => ({ type: NodeConnectionTypes.Main, displayName })),
		outputNames: [...OUTPUT_NAMES],
		usableAsTool: true,
		// Literal, so n8n's linter can see each credential is tested.
		credentials: [
			{
				name: 'integrationGuardsN8nApi',
				required: true,
				displayOptions: { show: { sources: ['n8nCredentials'] } },
			},
			{
				name: 'integrationGuardsRedisApi',
				required: true,
				testedBy: 'integrationGuardsRedisTest',
				displayOptions: { show: { alertMemory: [true], store: ['redis'] } },
			},
			{
				name: 'integrationGuardsPostgresApi',
				required: true,
				testedBy: 'integrationGuardsPostgresTest',
				displayOptions: { show: { alertMemory: [true], store: ['postgres'] } },
			},
		],
		properties,
	};

	methods = { credentialTest: storeCredentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await failClosed(
			this,
			() =>
				failClosedRoutesFrom(
					OUTPUT_NAMES.map((displayName) => ({ displayName })),
					REFUSAL_OUTPUTS,
				),
			async () => await execute(this),
		);
	}
}
