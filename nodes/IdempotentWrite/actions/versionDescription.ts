import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';

import {
	outputsExpression,
	scopeProperty,
	storeProperty,
	pairedSelectorProperty,
	unlessPaired,
} from '../../shared';
import * as claim from './claim.operation';
import * as complete from './complete.operation';
import * as forget from './forget.operation';
import * as lookUp from './lookUp.operation';
import * as markOutcomeUnknown from './markOutcomeUnknown.operation';
import { optionsCollections } from './options.descriptions';
import { OUTPUTS, outputNames } from './outputs';
import * as release from './release.operation';
import { IDEMPOTENT_WRITE_STORES, NEWCOMER_VERSION } from './settings';

export const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Claim',
				value: 'claim',
				action: 'Claim a key before the write',
				description:
					"Claim each item's key before the write; routes Proceed, Duplicate, In Flight, Conflict or Reconcile. Items without a key never Proceed.",
			},
			{
				name: 'Complete',
				value: 'complete',
				action: 'Complete a key after the write succeeded',
				description:
					'Mark the key done after the write succeeded, keeping result fields for later duplicates',
			},
			{
				name: 'Forget',
				value: 'forget',
				action: 'Forget a key',
				description: 'Delete the key, so the next claim proceeds as if it was never seen',
			},
			{
				name: 'Look Up',
				value: 'lookUp',
				action: 'Look up a key',
				description: 'Show what the store knows about the key',
			},
			{
				name: 'Mark Outcome Unknown',
				value: 'markOutcomeUnknown',
				action: 'Mark a key whose write may or may not have happened',
				description:
					'After a timeout or dropped connection: the next claim routes to Reconcile instead of writing again',
			},
			{
				name: 'Release',
				value: 'release',
				action: 'Release a key after the write failed',
				description: 'Free the claim after the write failed for sure, so a retry may proceed',
			},
		],
		default: 'claim',
	},
	storeProperty([...IDEMPOTENT_WRITE_STORES]),
	{
		displayName:
			'If the store cannot be reached, no item leaves on Proceed: the node fails. With On Error set to Continue, every item leaves as an error item instead: on the error output, or with Continue (using regular output) on Conflict (Claim) or Done.',
		name: 'storeNotice',
		type: 'notice',
		default: '',
	},
	pairedSelectorProperty({ selector: 'scopeFrom', firstLabel: 'Claim' }, 'Scope From', 'Scope', {
		operation: ['complete', 'release', 'markOutcomeUnknown'],
		'@version': [{ _cnd: { gte: NEWCOMER_VERSION } }],
	}),
	// Not shown while Scope From takes the Claim node's (version 3's finishing operations).
	...unlessPaired(scopeProperty('e.g. xero-invoices'), {
		selector: 'scopeFrom',
		secondOperations: ['complete', 'release', 'markOutcomeUnknown'],
		fromVersion: NEWCOMER_VERSION,
	}),
	...claim.description,
	...complete.description,
	...release.description,
	...markOutcomeUnknown.description,
	...lookUp.description,
	...forget.description,
	...optionsCollections,
];

/** The version part of the description; the base part is literal in the node class. */
export const versionDescription = {
	// Versions 1, 2, 2.1 and 3, told apart by `@version` display conditions (IfV2-style).
	// Version 2: Reconcile after a lease runs out, and a 30 s wait for in-flight claims, by
	// default. Version 2.1: Output Field defaults to `idempotentWrite`, the node's own name,
	// as every node's does. Version 3: repeats in one batch go to Duplicate, manual runs
	// claim for a test lease, finishing operations take the Claim node's Scope, items
	// carry a lean stamp and no correlation ID unless asked. Workflows saved with an
	// earlier version keep its defaults.
	version: [1, 2, 2.1, 3],
	defaultVersion: 3,
	// The expression's type is the template n8n declares; outputsExpression builds one.
	outputs: outputsExpression(outputNames, OUTPUTS) as `={{${string}}}`,
	properties,
} satisfies Partial<INodeTypeDescription>;
