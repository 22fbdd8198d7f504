import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { failClosed, failClosedRoutesFrom } from '../shared';
import { OUTPUTS, outputNames, REFUSAL_OUTPUTS } from './actions/outputs';
import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';

export class CanonicalTransform implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Canonical Transform',
		name: 'canonicalTransform',
		icon: { light: 'file:canonicalTransform.svg', dark: 'file:canonicalTransform.dark.svg' },
		group: ['transform'],
		subtitle:
			'={{ $parameter["operation"] === "exportMapping" ? "Export mapping" : ($parameter["mappingSource"] === "json" ? "Mapping from JSON" : "Mapping from fields") }}',
		description:
			"Translate a vendor's format into one canonical model and back: dates, money, phones, booleans, identifiers",
		defaults: { name: 'Canonical Transform' },
		inputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		...versionDescription,
	};

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
