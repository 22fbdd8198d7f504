import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';

import { outputsExpression, scopeProperty, storeProperty } from '../../shared';
import { OUTPUTS, outputNames } from './outputs';
import { GUARDS_STATUS_STORES } from './read';
import * as renderPage from './renderPage.operation';
import * as snapshot from './snapshot.operation';

export const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Snapshot',
				value: 'snapshot',
				action: 'Read every guard s state as JSON',
				description:
					'One item: breakers, rate limiters, quotas, budgets, dead-letter queues, schema drift and credential expiries in the store',
			},
			{
				name: 'Render Page',
				value: 'renderPage',
				action: 'Render a status page of every guard',
				description: 'One item with a self-contained HTML page of the same, for Respond to Webhook',
			},
		],
		default: 'snapshot',
		description:
			'What to make of the guards in the store: JSON for a workflow, or a page for people',
	},
	{
		...storeProperty([...GUARDS_STATUS_STORES]),
		description:
			'The store whose guards to show: the one your guard nodes use (each store is shown on its own). Nothing is written.',
	},
	{
		...scopeProperty('e.g. crm'),
		description:
			"Show only this scope's guards: a name, project: and a name, or workflow- and a workflow ID. Leave empty to show every scope in the store, the other workflows' included (names and counts only).",
	},
	...snapshot.description,
	...renderPage.description,
];

/** The version part of the description; the base part is literal in the node class. */
export const versionDescription = {
	version: 1,
	outputs: outputsExpression(outputNames, OUTPUTS) as `={{${string}}}`,
	properties,
} satisfies Partial<INodeTypeDescription>;
