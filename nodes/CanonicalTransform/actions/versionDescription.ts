import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as exportMapping from './exportMapping.operation';
import { mappingProperties } from './mappingProperties';
import * as transform from './transform.operation';

const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Export Mapping',
			value: 'exportMapping',
			action: 'Export the mapping as JSON',
			description:
				'Output the checked mapping as JSON, every default filled in, to share one canonical model between workflows',
		},
		{
			name: 'Transform',
			value: 'transform',
			action: 'Transform items into another model',
			description:
				'Map and convert every item; items that cannot be converted go to the error output',
		},
	],
	default: 'transform',
	description: 'Convert the items, or output the mapping as JSON',
};

export const properties: INodeProperties[] = [
	operationProperty,
	...transform.description,
	...exportMapping.description,
	...mappingProperties,
];

/**
 * The version part of the node's description; the base part (name, icon, subtitle,
 * inputs and the other fields n8n's linter wants literal) is in the node class.
 *
 * Either operation has one output, unnamed in the panel as it has been since version 1:
 * a name would change what saved workflows show. The operations route by the names
 * declared in OUTPUTS (outputs.ts), and a unit test checks that every operation declares
 * exactly as many outputs as this list has.
 */
export const versionDescription = {
	/**
	 * 1.1: mappings of version 2 (a missing value fails the item by default, ISO instants
	 * keep ".000", a date-time without an offset keeps its written date in a date output).
	 * Version 1 keeps its defaults, so saved workflows convert as before.
	 */
	/**
	 * 1.2: the same mappings as 1.1, a shorter panel. A row of Fields shows Target Field,
	 * Value From (Field or Fixed Value), Source Field or Value and Convert As; the chosen
	 * converter's settings and If Missing are in the row's Options.
	 */
	version: [1, 1.1, 1.2],
	defaultVersion: 1.2,
	outputs: [NodeConnectionTypes.Main],
	properties,
} satisfies Partial<INodeTypeDescription>;
