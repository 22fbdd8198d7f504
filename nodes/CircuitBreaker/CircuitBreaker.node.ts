import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import { failClosed, failClosedRoutesFrom, storeCredentialTests } from '../shared';
import {
	inputsFor,
	INPUTS,
	INPUTS_EXPRESSION,
	OUTPUTS,
	outputNames,
	REFUSAL_OUTPUTS,
} from './actions/outputs';
import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';

export class CircuitBreaker implements INodeType {
	/** The base part of the description, literal for n8n's linter; then the version part. */
	description: INodeTypeDescription = {
		displayName: 'Circuit Breaker',
		name: 'circuitBreaker',
		icon: { light: 'file:circuitBreaker.svg', dark: 'file:circuitBreaker.dark.svg' },
		group: ['transform'],
		subtitle:
			'={{ $parameter["operation"] === "stats" ? "stats" : $parameter["scopeFrom"] === "paired" ? $parameter["operation"] + ": as its Check" : $parameter["operation"] + ": " + $parameter["breakerName"] }}',
		description:
			'Stop calling a failing hop: check a breaker before the call, record the outcome after it',
		defaults: { name: 'Circuit Breaker' },
		// Record takes the vendor node's success and error outputs on two inputs.
		inputs: INPUTS_EXPRESSION,
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
