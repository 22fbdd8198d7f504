/* eslint-disable n8n-nodes-base/node-filename-against-convention -- not a node file: the description's base and version parts, spread into CircuitBreaker.node.ts (the rule takes any object with displayName, name and group for a node's) */
import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';

import { outputsExpression, scopeProperty, storeProperty } from '../../shared';
import * as check from './check.operation';
import { CIRCUIT_BREAKER_STORES } from './common';
import { INPUTS_EXPRESSION, OUTPUTS, outputNames } from './outputs';
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
	scopeProperty('e.g. crm-hops'),
	...check.description,
	...record.description,
	...setState.description,
	...stats.description,
];

/**
 * What every version of Circuit Breaker is. Its icon, subtitle, usableAsTool and
 * credentials are written in CircuitBreaker.node.ts, where n8n's linter reads them.
 */
const baseDescription = {
	displayName: 'Circuit Breaker',
	name: 'circuitBreaker',
	group: ['transform'],
	description:
		'Stop calling a failing hop: check a breaker before the call, record the outcome after it',
	defaults: { name: 'Circuit Breaker' },
	// Record takes the vendor node's success and error outputs on two inputs.
	inputs: INPUTS_EXPRESSION,
} satisfies Partial<INodeTypeDescription>;

/** Version 1: its operations, outputs and parameters. A version 2 is a new folder. */
export const versionDescription = {
	...baseDescription,
	version: 1,
	// The expression's type is the template n8n declares; outputsExpression builds one.
	outputs: outputsExpression(outputNames, OUTPUTS) as `={{${string}}}`,
	properties,
} satisfies Omit<INodeTypeDescription, 'credentials' | 'icon' | 'subtitle' | 'usableAsTool'>;
