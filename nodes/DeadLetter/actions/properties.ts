import type { INodeProperties } from 'n8n-workflow';

import { correlationFieldProperty, scopeProperty } from '../../shared';
import { DEFAULT_RETENTION_DAYS } from './parameters';

/** The Scope parameter, labelled as the queue it names. */
export const queueProperty: INodeProperties = {
	...scopeProperty('e.g. salesforce-sync'),
	displayName: 'Queue',
	description:
		'Name of the dead-letter queue. Use the same name in the workflow that replays it. Leave empty to keep the queue to this workflow.',
};

export const maxAttemptsProperty: INodeProperties = {
	displayName: 'Max Attempts',
	name: 'maxAttempts',
	type: 'number',
	typeOptions: { minValue: 1, numberPrecision: 0 },
	default: 5,
	description:
		'Deliveries a record gets, counting the one that failed first. A record that fails its last replay is parked as poison: kept, but never replayed again.',
	displayOptions: { show: { operation: ['capture', 'captureExecution', 'replay'] } },
};

export const alertProperties: INodeProperties[] = [
	{
		displayName: 'Depth Alert Threshold',
		name: 'depthThreshold',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 0 },
		default: 100,
		description:
			'Send one item to Depth Alert when the queue reaches this many open (pending or replaying) records. One per crossing: it fires again only after the queue went below. 0 turns it off.',
		displayOptions: { show: { operation: ['capture', 'captureExecution', 'stats'] } },
	},
	{
		displayName: 'Age Alert (Hours)',
		name: 'ageAlertHours',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 24,
		description:
			'Send one item to Depth Alert when the oldest open record is this old. Checked by Capture and Stats: run Stats on a schedule to hear of it without new failures. 0 turns it off.',
		displayOptions: { show: { operation: ['capture', 'captureExecution', 'stats'] } },
	},
];

/** Options several operations share, each shown where it applies. */
export const correlationOption: INodeProperties = { ...correlationFieldProperty };

export const outputFieldOption: INodeProperties = {
	displayName: 'Output Field',
	name: 'outputField',
	type: 'string',
	default: 'deadLetter',
	description:
		'Field holding the dead-letter ID, class, attempt and status on each item. Capture and Resolve read it back from replayed items, so use the same name on every Dead Letter node.',
};

export const redactionOptions: INodeProperties[] = [
	{
		displayName: 'Redact Secrets',
		name: 'redactSecrets',
		type: 'boolean',
		default: true,
		description:
			'Whether to replace secrets with [REDACTED] before anything is stored: fields whose names end in key, secret, token, password, auth, signature, cookie and the like, plus Fields to Redact; header lines, Bearer and Basic credentials, JWTs, private keys, vendor keys, passwords in URLs and secrets in JSON held in text',
	},
	{
		displayName: 'Fields to Redact',
		name: 'redactFields',
		type: 'string',
		default: '',
		placeholder: 'ssn, iban',
		description:
			'Comma-separated name endings redacted in addition to the built-in ones (authorization, auth, cookie, key, secret, token, password, passphrase, pwd, credentials, signature, session…). A field is redacted when its name, ignoring case, dashes and underscores, ends with one of them.',
	},
];

export const retentionOption: INodeProperties = {
	displayName: 'Delete Settled Records After (Days)',
	name: 'retentionDays',
	type: 'number',
	typeOptions: { minValue: 0 },
	default: DEFAULT_RETENTION_DAYS,
	description:
		'Resolved and poison records are deleted this long after they were settled. Capture and Replay check at most every 10 minutes per queue. Pending and replaying records are never deleted. 0 keeps them until a Purge.',
};

/**
 * How Replay (from input items) and Resolve find the record an item names: by default
 * without an expression (see ReplayLookup), or by an expression the user writes.
 */
export function recordIdProperties(show: Record<string, string[]> = {}): INodeProperties[] {
	return [
		{
			displayName: 'Record ID From',
			name: 'idSource',
			type: 'options',
			noDataExpression: true,
			options: [
				{
					name: 'Expression',
					value: 'expression',
					description:
						"An expression gives each item's dead-letter ID. Resolve settles that record whoever holds it: name only IDs you trust (from List, say), not ones from incoming data.",
				},
				{
					name: 'Found Automatically',
					value: 'auto',
					description:
						"The item's deadLetter field; when a node after the Replay replaced the item, the Replay node's paired item. Resolve acts only on fields its Replay signed, while that replay holds the record. Fast: no expression per item.",
				},
			],
			default: 'auto',
			description: 'How each item names the dead-letter record it settles',
			displayOptions: { show },
		},
		{
			displayName: 'Dead Letter ID',
			name: 'deadLetterId',
			type: 'string',
			default: '={{ $json.deadLetter?.id }}',
			required: true,
			description: 'The ID of the record each item names',
			displayOptions: { show: { ...show, idSource: ['expression'] } },
		},
	];
}
