import type { INodeProperties } from 'n8n-workflow';

import { correlationFieldProperty } from '../../shared';
import { BEFORE_2_1, FROM_2_1 } from './keys.descriptions';
import { defaultOutputField } from './settings';

/**
 * The Options collection, one for the versions before 2.1 and one from 2.1 on: they
 * differ only in Output Field's default (`idempotency`, then `idempotentWrite`). Each
 * option shows on the operations that read it.
 */

const afterClaim = ['complete', 'release', 'markOutcomeUnknown', 'lookUp', 'forget'];
const finishing = ['claim', 'complete', 'release', 'markOutcomeUnknown'];

function optionsCollection(
	version: number,
	show: INodeProperties['displayOptions'],
): INodeProperties {
	const outputField = defaultOutputField(version);
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show,
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
				displayOptions: { show: { '/operation': afterClaim, '/keySource': ['claimed'] } },
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
						description: `Send duplicates out of Proceed with ${outputField}.duplicate set to true`,
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
		],
	};
}

export const optionsCollections: INodeProperties[] = [
	optionsCollection(2, { show: BEFORE_2_1 }),
	optionsCollection(2.1, { show: FROM_2_1 }),
];
