import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { failClosed } from '../shared';

import { properties } from './description';
import { executeCanonicalTransform } from './execute';

export class CanonicalTransform implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Canonical Transform',
		name: 'canonicalTransform',
		icon: { light: 'file:canonicalTransform.svg', dark: 'file:canonicalTransform.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ $parameter["operation"] === "exportMapping" ? "Export mapping" : ($parameter["mappingSource"] === "json" ? "Mapping from JSON" : "Mapping from fields") }}',
		description:
			"Translate a vendor's format into one canonical model and back: dates, money, phones, booleans, identifiers",
		defaults: { name: 'Canonical Transform' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		properties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await failClosed(
			this,
			() => ({ outputs: 1, refusal: 0 }),
			async () => await executeCanonicalTransform(this),
		);
	}
}
