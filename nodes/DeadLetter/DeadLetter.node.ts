import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { failClosed, failClosedRoutesFrom, storeCredentialTests } from '../shared';
import { router } from './router';
import { outputsForOperation, properties } from './description';

/** The outputs that are not a happy path: where items go when the node fails closed under On Error: Continue. */
const REFUSAL_OUTPUTS = ['Not Captured', 'Not Replayed', 'Not Resolved'];
/** Capture version 1 has no Not Captured output: what could not be stored pages someone, as an auth failure does. */
const REFUSAL_OUTPUTS_V1 = ['Auth Failure', ...REFUSAL_OUTPUTS];

export class DeadLetter implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Dead Letter',
		name: 'deadLetter',
		icon: { light: 'file:deadLetter.svg', dark: 'file:deadLetter.dark.svg' },
		group: ['transform'],
		// Version 2 adds Capture's Not Captured output.
		version: [1, 2],
		defaultVersion: 2,
		subtitle:
			'={{ $parameter["operation"] + ($parameter["scope"] ? ": " + $parameter["scope"] : "") }}',
		description:
			'Capture failed items with their error and class, alert on queue depth, replay and resolve them',
		defaults: { name: 'Dead Letter' },
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{(${outputsForOperation.toString()})($parameter, $nodeVersion)}}`,
		usableAsTool: true,
		// Literal, so n8n's linter can see the store credential is tested (testedBy).
		// No Redis: dead letters need a durable store.
		credentials: [
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
			(context) => {
				const { parameters, typeVersion } = context.getNode();
				return failClosedRoutesFrom(
					outputsForOperation(parameters, typeVersion),
					typeVersion >= 2 ? REFUSAL_OUTPUTS : REFUSAL_OUTPUTS_V1,
				);
			},
			async () => await router(this),
		);
	}
}
