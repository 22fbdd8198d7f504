import type { INodeProperties } from 'n8n-workflow';

import { correlationFieldProperty } from '../../shared';
import { BEFORE_2_1, FROM_3, ONLY_2_1 } from './keys.descriptions';
import { DEFAULT_TEST_LEASE_SECONDS, defaultOutputField, NEWCOMER_VERSION } from './settings';

/**
 * The Options collection, one for the versions before 2.1, one for 2.1 and one from 3 on:
 * 2.1 changed Output Field's default (`idempotency`, then `idempotentWrite`); 3 made the
 * correlation ID opt-in and added the test lease, the item stamp and what to do when a
 * key has no claim. Each option shows on the operations that read it.
 */

const afterClaim = ['complete', 'release', 'markOutcomeUnknown', 'lookUp', 'forget'];
const finishing = ['claim', 'complete', 'release', 'markOutcomeUnknown'];

function optionsCollection(
	version: number,
	show: INodeProperties['displayOptions'],
): INodeProperties {
	const outputField = defaultOutputField(version);
	const newcomer = version >= NEWCOMER_VERSION;
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show,
		options: inOrder(newcomer, [
			newcomer
				? {
						...correlationFieldProperty,
						default: '',
						placeholder: 'e.g. correlationId',
						description:
							"Field that carries the correlation ID through the workflow. Empty: the item's correlationId is read when it has one, and nothing is added to the item. Named: items without one get a new ID in it. Stored with every key either way.",
					}
				: { ...correlationFieldProperty },
			newcomer
				? {
						displayName: 'Claim Node',
						name: 'claimNode',
						type: 'string',
						default: '',
						placeholder: 'e.g. Claim Invoice',
						description:
							'The Claim node this node pairs with: its Scope is used when Scope From is the matching Claim node, and items that carry no claimed key are traced back to it. Empty uses the nearest Claim node before this one.',
						displayOptions: { show: { '/operation': afterClaim } },
					}
				: {
						displayName: 'Claim Node',
						name: 'claimNode',
						type: 'string',
						default: '',
						placeholder: 'e.g. Claim Invoice',
						description:
							'The Claim node to trace items back to when they carry no claimed key. Empty uses the nearest Claim node before this one.',
						displayOptions: { show: { '/operation': afterClaim, '/keySource': ['claimed'] } },
					},
			{
				displayName: 'Duplicates',
				name: 'duplicates',
				type: 'options',
				options: [
					{
						name: 'Route to Duplicate Output',
						value: 'route',
						description: 'Send keys already completed to the Duplicate output',
					},
					{
						name: 'Pass Through Flagged',
						value: 'flag',
						description: newcomer
							? `Send duplicates out of Proceed with ${outputField}.route set to duplicate`
							: `Send duplicates out of Proceed with ${outputField}.duplicate set to true`,
					},
				],
				default: 'route',
				description:
					'Where items whose key was already completed go: their own output, or Proceed with a flag for an If node to act on',
				displayOptions: { show: { '/operation': ['claim'] } },
			},
			...(newcomer ? newcomerOptions : []),
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
				default: outputField,
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
				displayOptions: { show: { '/operation': finishing } },
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
		]),
	};
}

/** Version 3's options in alphabetical order, as n8n's linter wants; earlier versions keep theirs. */
function inOrder(sorted: boolean, options: INodeProperties[]): INodeProperties[] {
	return sorted ? [...options].sort((a, b) => a.displayName.localeCompare(b.displayName)) : options;
}

/** The options version 3 added. */
const newcomerOptions: INodeProperties[] = [
	{
		displayName: 'If No Claim Is Found',
		name: 'ifNoClaim',
		type: 'options',
		options: [
			{
				name: 'Record It and Warn',
				value: 'warn',
				description:
					'Record the outcome anyway (the write did happen) and show a warning naming the items and the scope',
			},
			{
				name: 'Fail the Item',
				value: 'error',
				description:
					'Record nothing for that item: it fails, or goes to the error output under On Error: Continue',
			},
		],
		default: 'warn',
		description:
			"What to do when an item's key has no claim in the scope: usually the Scope or key settings differ from the Claim node's, or its retention ran out",
		displayOptions: { show: { '/operation': ['complete', 'release', 'markOutcomeUnknown'] } },
	},
	{
		displayName: 'Item Stamp',
		name: 'itemStamp',
		type: 'options',
		options: [
			{
				name: 'Key, Route and Status',
				value: 'lean',
				description:
					'Only what the route needs: the kept result of a duplicate, the lease of a key in flight',
			},
			{
				name: 'Everything the Store Knows',
				value: 'full',
				description:
					'Also attempts, owner, claim and completion times, last error and first correlation ID',
			},
		],
		default: 'lean',
		description: 'What Claim adds to each item under Output Field',
		displayOptions: { show: { '/operation': ['claim'] } },
	},
	{
		displayName: 'Lease in Manual Runs (Seconds)',
		name: 'testLeaseSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: DEFAULT_TEST_LEASE_SECONDS,
		description:
			'The lease when the workflow runs from the editor, instead of Lease (Minutes), so a test run without a Complete does not hold its keys for minutes. Production runs (trigger, webhook, schedule) use Lease (Minutes).',
		displayOptions: { show: { '/operation': ['claim'] } },
	},
];

export const optionsCollections: INodeProperties[] = [
	optionsCollection(2, { show: BEFORE_2_1 }),
	optionsCollection(2.1, { show: ONLY_2_1 }),
	optionsCollection(NEWCOMER_VERSION, { show: FROM_3 }),
];
