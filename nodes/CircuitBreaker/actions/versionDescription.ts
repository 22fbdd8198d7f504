import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';

import {
	outputsExpression,
	scopeProperty,
	storeProperty,
	pairedSelectorProperty,
	unlessPaired,
} from '../../shared';
import * as check from './check.operation';
import { CIRCUIT_BREAKER_STORES, PAIRING_VERSION } from './common';
import { OUTPUTS, outputNames } from './outputs';
import * as record from './record.operation';
import * as setState from './setState.operation';
import * as stats from './stats.operation';

export const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Check',
				value: 'check',
				action: 'Check the breaker before a call',
				description:
					'Before the hop: routes Proceed while the breaker is closed (or as a half-open probe), Open while it is open',
			},
			{
				name: 'Record',
				value: 'record',
				action: 'Record the outcome of a call',
				description:
					'After the hop: counts successes, failures and latency, and opens or closes the breaker',
			},
			{
				name: 'Set State',
				value: 'setState',
				action: 'Force open disable or reset a breaker',
				description:
					'Force the breaker open (e.g. during maintenance), disable it, or reset it to closed',
			},
			{
				name: 'Stats',
				value: 'stats',
				action: 'Report calls error rate and latency per hop',
				description:
					'One item per breaker: state, calls, error rate and latency percentiles over the window',
			},
		],
		default: 'check',
	},
	storeProperty([...CIRCUIT_BREAKER_STORES]),
	pairedSelectorProperty(
		{ selector: 'scopeFrom', firstLabel: 'Check' },
		'Scope and Breaker Name From',
		'Scope and Breaker Name',
		{ operation: ['record'], '@version': [{ _cnd: { gte: PAIRING_VERSION } }] },
	),
	// Not shown while Record takes the Check node's (version 1.2).
	...unlessPaired(scopeProperty('e.g. crm-hops'), {
		selector: 'scopeFrom',
		secondOperations: ['record'],
		fromVersion: PAIRING_VERSION,
	}),
	...check.description,
	...record.description,
	...setState.description,
	...stats.description,
];

/** The version part of the description; the base part is literal in the node class. */
export const versionDescription = {
	// 1.1 counts failures by kind, adds the count and consecutive windows and grows the
	// open duration (behind @version display conditions); 1.2 has Record take Scope and
	// Breaker Name from the matching Check node by default. A version 2 is a new folder.
	version: [1, 1.1, 1.2],
	defaultVersion: 1.2,
	// The expression's type is the template n8n declares; outputsExpression builds one.
	outputs: outputsExpression(outputNames, OUTPUTS) as `={{${string}}}`,
	properties,
} satisfies Partial<INodeTypeDescription>;
