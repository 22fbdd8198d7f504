import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';

import {
	outputsExpression,
	scopeProperty,
	storeProperty,
	pairedSelectorProperty,
	unlessPaired,
} from '../../shared';
import { COST_GUARD_STORES } from './budget';
import * as cacheLookup from './cacheLookup.operation';
import * as cacheStore from './cacheStore.operation';
import * as checkBudget from './checkBudget.operation';
import { outputNames, OUTPUTS } from './outputs';
import { PAIRING_VERSION } from './pairing';
import * as recordUsage from './recordUsage.operation';
import * as report from './report.operation';

const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Cache Lookup',
			value: 'cacheLookup',
			action: 'Look up a cached response',
			description:
				'Before the vendor: routes Hit with the stored response, Miss to call the vendor',
		},
		{
			name: 'Cache Store',
			value: 'cacheStore',
			action: 'Store a response in the cache',
			description: 'After the vendor: keeps the response for repeated inputs, with what it cost',
		},
		{
			name: 'Check Budget',
			value: 'checkBudget',
			action: 'Check the budget before spending',
			description:
				'Before an expensive step: routes Within Budget, Over Budget, and one Alert per threshold per window',
		},
		{
			name: 'Record Usage',
			value: 'recordUsage',
			action: 'Record the cost of a response',
			description:
				'After the step: prices the usage in the response, adds cost to the item and to the budget',
		},
		{
			name: 'Report',
			value: 'report',
			action: 'Report spend and cost per record',
			description:
				'Spend per window, cost per record (average and p95), regressions, and cost avoided by the cache',
		},
	],
	default: 'checkBudget',
};

const budgetNameProperty: INodeProperties = {
	displayName: 'Budget Name',
	name: 'budgetName',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. llm-enrichment',
	hint: 'Nodes with the same name and scope share one budget',
	description:
		'The budget to check, record to, report on, or keep the cache in. Nodes with the same name and scope share it, in every workflow and on every worker. An expression gives each item its budget (from version 1.1; Report and version 1 read it from the first item): items are grouped by budget, at most 100 budgets per run. Everything a budget stores expires: its counters 8 windows after their own, its limits 400 days after its last check, cached responses after their Time to Live.',
};

/** Record Usage and Cache Store take Scope and Budget Name from their first node (version 1.2). */
const PAIRED_PARAMETER = {
	selector: 'scopeFrom',
	secondOperations: ['recordUsage', 'cacheStore'],
	fromVersion: PAIRING_VERSION,
};

/** Operation, Store, Scope and Budget Name: every operation's first parameters. */
const commonProperties: INodeProperties[] = [
	operationProperty,
	storeProperty([...COST_GUARD_STORES]),
	{
		displayName:
			'If the store cannot be reached the node fails, naming it. Under On Error → Continue (using error output) every item goes to the error output instead; under Continue (using regular output) to Over Budget, Alert (Record Usage: nothing was recorded) or Miss (Cache Lookup: the cache is skipped, and the Check Budget after it fails closed on the same store), with an error field. No item reaches Within Budget or Hit without the store.',
		name: 'storeFailureNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { operation: ['checkBudget', 'recordUsage', 'cacheLookup'] } },
	},
	pairedSelectorProperty(
		{ selector: 'scopeFrom', firstLabel: 'Check Budget' },
		'Scope and Budget Name From',
		'Scope and Budget Name',
		{ operation: ['recordUsage'], '@version': [{ _cnd: { gte: PAIRING_VERSION } }] },
	),
	pairedSelectorProperty(
		{ selector: 'scopeFrom', firstLabel: 'Cache Lookup' },
		'Scope and Budget Name From',
		'Scope and Budget Name',
		{ operation: ['cacheStore'], '@version': [{ _cnd: { gte: PAIRING_VERSION } }] },
	),
	// Scope and Budget Name are not shown while taken from the first node (version 1.2).
	...unlessPaired(scopeProperty('e.g. marketing'), PAIRED_PARAMETER),
	...unlessPaired(budgetNameProperty, PAIRED_PARAMETER),
];

/** The version part of the description; the base part is literal in the node class. */
export const versionDescription = {
	// Version 1: the parameters and outputs saved workflows rely on. A version 2 is a new folder.
	// Version 1.1: a Budget Name expression names a budget per item (version 1: the first item's).
	// Version 1.2: Record Usage and Cache Store take Scope and Budget Name from the matching
	// Check Budget and Cache Lookup nodes by default.
	version: [1, 1.1, 1.2],
	defaultVersion: 1.2,
	outputs: outputsExpression(outputNames, OUTPUTS) as `={{${string}}}`,
	properties: [
		...commonProperties,
		...checkBudget.description,
		...recordUsage.description,
		...cacheLookup.description,
		...cacheStore.description,
		...report.description,
	],
} satisfies Partial<INodeTypeDescription>;
