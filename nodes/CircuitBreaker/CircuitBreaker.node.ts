import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import { failClosed, failClosedRoutesFrom, storeCredentialTests } from '../shared';
import { inputsForParameters, outputsForParameters, properties } from './description';
import { executeCircuitBreaker } from './execute';

/** The outputs that are not a happy path: where items go when the node fails closed under On Error: Continue. */
const REFUSAL_OUTPUTS = ['Open', 'Failure'];

export class CircuitBreaker implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Circuit Breaker',
		name: 'circuitBreaker',
		icon: { light: 'file:circuitBreaker.svg', dark: 'file:circuitBreaker.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ $parameter["operation"] === "stats" ? "stats" : $parameter["operation"] + ": " + $parameter["breakerName"] }}',
		description:
			'Stop calling a failing hop: check a breaker before the call, record the outcome after it',
		defaults: { name: 'Circuit Breaker' },
		// Record takes the vendor node's success and error outputs on two inputs.
		inputs: `={{(${inputsForParameters.toString()})($parameter)}}`,
		outputs: `={{(${outputsForParameters.toString()})($parameter)}}`,
		usableAsTool: true,
		// Literal, so n8n's linter can see each store credential is tested (testedBy).
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
		properties,
	};

	methods = { credentialTest: storeCredentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await failClosed(
			this,
			(context) =>
				failClosedRoutesFrom(
					outputsForParameters(context.getNode().parameters),
					REFUSAL_OUTPUTS,
					inputsForParameters(context.getNode().parameters).length,
				),
			async () => await executeCircuitBreaker(this),
		);
	}
}
