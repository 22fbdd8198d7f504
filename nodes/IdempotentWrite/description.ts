import type { INodeProperties } from 'n8n-workflow';

import { correlationFieldProperty, scopeProperty, storeProperty } from '../shared';

export const IDEMPOTENT_WRITE_STORES = ['embedded', 'redis', 'postgres'] as const;

/** Claimed Key's default: the key a Claim node put on this very item. */
export const DEFAULT_CLAIMED_KEY = '={{ $json.idempotency?.key }}';

/**
 * Output names per operation. Evaluated by n8n in the editor from the node's
 * parameters, so it is serialised into an expression: it must not refer to anything
 * outside its own body.
 */
export function outputsForOperation(parameters: { operation?: string }) {
	if ((parameters.operation ?? 'claim') === 'claim') {
		return ['Proceed', 'Duplicate', 'In Flight', 'Conflict', 'Reconcile'].map((displayName) => ({
			type: 'main',
			displayName,
		}));
	}
	return [{ type: 'main', displayName: 'Done' }];
}

const claimOnly = { show: { operation: ['claim'] } };
// Version 2 changed defaults (Reconcile after a lease runs out; a bounded wait for
// in-flight claims, applied in execute.ts). n8n stores only parameters that differ from
// their default, so version 1 keeps its own defaults: workflows saved with it behave as before.
const claimV1 = { show: { operation: ['claim'], '@version': [1] } };
const claimFromV2 = { show: { operation: ['claim'], '@version': [2] } };
const afterClaim = {
	show: { operation: ['complete', 'release', 'markOutcomeUnknown', 'lookUp', 'forget'] },
};

const FIELDS_SOURCE = {
	name: 'Fields',
	value: 'fields',
	description: 'Values of chosen fields identify the record',
};
const EXPRESSION_SOURCE = {
	name: 'Expression',
	value: 'expression',
	description: 'An expression gives the key, e.g. a webhook event ID',
};
const finishing = {
	show: { '/operation': ['claim', 'complete', 'release', 'markOutcomeUnknown'] },
};

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
	scopeProperty('e.g. xero-invoices'),
	{
		displayName: 'Key From',
		name: 'keySource',
		type: 'options',
		options: [FIELDS_SOURCE, EXPRESSION_SOURCE],
		default: 'fields',
		description: 'What identifies one logical record',
		displayOptions: claimOnly,
	},
	{
		displayName: 'Key From',
		name: 'keySource',
		type: 'options',
		options: [
			{
				name: 'Claimed Key',
				value: 'claimed',
				description: 'The key a Claim node put on the item (idempotency.key)',
			},
			FIELDS_SOURCE,
			EXPRESSION_SOURCE,
		],
		default: 'claimed',
		description:
			'Which key to act on. With Fields or Expression, use the same setting as the Claim node.',
		displayOptions: afterClaim,
	},
	{
		displayName: 'Claimed Key',
		name: 'claimedKey',
		type: 'string',
		default: DEFAULT_CLAIMED_KEY,
		description:
			'The key the Claim node put on the item (its Output Field, idempotency by default). Left at its default or empty, an item that carries no key (a vendor node replaced it) is traced back through its pairing to the Claim node before this one.',
		hint: "e.g. {{ $('Claim').item.json.idempotency.key }}",
		displayOptions: { show: { keySource: ['claimed'] } },
	},
	{
		displayName: 'Key Fields',
		name: 'keyFields',
		type: 'string',
		default: 'id',
		required: true,
		placeholder: 'e.g. invoice.number, customer.email',
		description:
			'Comma-separated field paths. Their values are hashed; field order in objects does not matter.',
		displayOptions: { show: { keySource: ['fields'] } },
	},
	{
		displayName: 'Key',
		name: 'keyValue',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. {{ $json.eventId }}',
		description: 'The value that identifies the record; it is hashed into the key',
		displayOptions: { show: { keySource: ['expression'] } },
	},
	{
		displayName: 'Conflict Check Fields',
		name: 'conflictFields',
		type: 'string',
		default: '',
		placeholder: 'e.g. amount, currency',
		description:
			'Comma-separated payload fields. If a key comes back with different values in these fields, the item goes to Conflict instead of being treated as a duplicate. Leave empty to skip the check.',
		displayOptions: claimOnly,
	},
	{
		displayName: 'Lease (Minutes)',
		name: 'leaseMinutes',
		type: 'number',
		typeOptions: { minValue: 0.05 },
		default: 5,
		description:
			'How long a claim is held for the write. If the execution dies before Complete or Release, the key can be claimed again after this. Make it longer than the write can take.',
		displayOptions: claimOnly,
	},
	{
		displayName: 'After a Lease Runs Out',
		name: 'afterExpiredLease',
		type: 'options',
		options: [
			{
				name: 'Proceed (Retry the Write)',
				value: 'proceed',
				description:
					'Only safe when the vendor honours the Idempotency-Key header: a vendor that ignores it creates the record again if the dead execution had written',
			},
			{
				name: 'Reconcile (Check Before Writing)',
				value: 'reconcile',
				description:
					'The execution that held the claim may have written before it died: route to Reconcile to look the record up first. Exactly once whether or not the vendor honours the Idempotency-Key header.',
			},
		],
		default: 'proceed',
		description: 'What a claim means when its execution died before Complete or Release',
		displayOptions: claimV1,
	},
	{
		displayName: 'After a Lease Runs Out',
		name: 'afterExpiredLease',
		type: 'options',
		options: [
			{
				name: 'Reconcile (Check Before Writing)',
				value: 'reconcile',
				description:
					'The execution that held the claim may have written before it died: route to Reconcile to look the record up first. Exactly once whether or not the vendor honours the Idempotency-Key header.',
			},
			{
				name: 'Proceed (Retry the Write)',
				value: 'proceed',
				description:
					'Only safe when the vendor honours the Idempotency-Key header: a vendor that ignores it creates the record again if the dead execution had written',
			},
		],
		default: 'reconcile',
		description:
			'What a claim means when its execution died before Complete or Release. Wire Reconcile to a look-up at the vendor, then Complete (found) or write (not found).',
		displayOptions: claimFromV2,
	},
	{
		displayName: 'Result Fields to Keep',
		name: 'resultFields',
		type: 'string',
		default: 'id',
		placeholder: 'e.g. invoiceNumber, status',
		description:
			"Comma-separated fields of the write's response to keep. Later duplicates carry them, so the workflow can answer as the first time.",
		displayOptions: { show: { operation: ['complete'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{ ...correlationFieldProperty },
			{
				displayName: 'Claim Node',
				name: 'claimNode',
				type: 'string',
				default: '',
				placeholder: 'e.g. Claim Invoice',
				description:
					'The Claim node to trace items back to when they carry no claimed key. Empty uses the nearest Claim node before this one.',
				displayOptions: {
					show: {
						'/operation': ['complete', 'release', 'markOutcomeUnknown', 'lookUp', 'forget'],
						'/keySource': ['claimed'],
					},
				},
			},
			{
				displayName: 'Duplicates',
				name: 'duplicates',
				type: 'options',
				options: [
					{ name: 'Route to Duplicate Output', value: 'route' },
					{
						name: 'Pass Through Flagged',
						value: 'flag',
						description: 'Send duplicates out of Proceed with idempotency.duplicate set to true',
					},
				],
				default: 'route',
				displayOptions: { show: { '/operation': ['claim'] } },
			},
			{
				displayName: 'Error Message',
				name: 'errorMessage',
				type: 'string',
				default: '',
				description:
					"Why the write failed, kept with the key. Empty uses the item's error field when it has one.",
				displayOptions: { show: { '/operation': ['release', 'markOutcomeUnknown'] } },
			},
			{
				displayName: 'Outcome Unknown Retention (Hours)',
				name: 'unknownRetentionHours',
				type: 'number',
				typeOptions: { minValue: 0.01 },
				default: 168, // 7 days: core DEFAULT_UNKNOWN_RETENTION_MS
				description:
					'How long a key whose outcome is unknown (Mark Outcome Unknown, or a Reconcile claim) is kept for reconciliation. After this the next claim proceeds as if the key was new.',
				displayOptions: { show: { '/operation': ['claim', 'markOutcomeUnknown'] } },
			},
			{
				displayName: 'Output Field',
				name: 'outputField',
				type: 'string',
				default: 'idempotency',
				description: 'Field added to each item with the key, the route and what the store knows',
			},
			{
				displayName: 'Retention (Hours)',
				name: 'retentionHours',
				type: 'number',
				typeOptions: { minValue: 0.01 },
				default: 24,
				description:
					'How long a finished key is remembered. Duplicates that arrive later than this are treated as new records.',
				displayOptions: finishing,
			},
			{
				displayName: 'Wait for In-Flight Claims (Seconds)',
				name: 'waitSeconds',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 300 },
				default: 30,
				description:
					'When another execution holds the key (a copy arrived during the first attempt), wait up to this long for it to finish, then route the item by its outcome: Duplicate, Proceed or Reconcile. Still held after the wait: In Flight. 0 routes In Flight at once. Without this option: 30 on nodes added since version 2, 0 on version 1.',
				displayOptions: { show: { '/operation': ['claim'] } },
			},
		],
	},
];
