import type { INodeProperties } from 'n8n-workflow';

import { storeProperty } from '../shared';
import { redactedValuesProperty } from '../DeadLetter/actions/encryption';
import { outputFieldOption, queueProperty } from '../DeadLetter/actions/properties';

/** Dead letters need a durable store shared by the workers: no Redis (DESIGN.md). */
export const TRIGGER_STORES = ['embedded', 'postgres'] as const;

/** Settled records are deleted this long after they were settled, by default. */
export const DEFAULT_RESOLVED_RETENTION_DAYS = 30;
export const DEFAULT_PARKED_RETENTION_DAYS = 90;

/** Where the trigger's items hold the payload, as Dead Letter 2.2's Replay. */
export const PAYLOAD_FIELD = 'payload';

/**
 * Defaults are literals (n8n's linter reads them so); they are the core's
 * DEFAULT_REDELIVERY_POLICY, which test/unit/deadletter/redelivery-schedule.test.ts checks.
 */
export const properties: INodeProperties[] = [
	{
		displayName:
			'Emits the records of the queue that are due for redelivery, each leased to this run: send it again, then Resolve it on success or Capture it on failure (Dead Letter nodes with the same Queue). Records not settled before the lease ends come back.',
		name: 'triggerNotice',
		type: 'notice',
		default: '',
	},
	storeProperty([...TRIGGER_STORES]),
	queueProperty,
	{
		displayName: 'Max Records per Poll',
		name: 'maxRecords',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 10000, numberPrecision: 0 },
		default: 100,
		description: 'Most due records one poll leases and emits; the rest wait for the next poll',
	},
	{
		displayName: 'Lease (Minutes)',
		name: 'leaseMinutes',
		type: 'number',
		typeOptions: { minValue: 0.01 },
		default: 10,
		description:
			'How long a run holds the records it was given. A record neither resolved nor captured again by then (the worker died, say) is due again at once. Make it longer than the replay takes.',
	},
	{
		displayName: 'Transient Schedule (Minutes)',
		name: 'transientMinutes',
		type: 'string',
		default: '1, 5, 30, 120, 720',
		placeholder: 'e.g. 1, 5, 30, 120, 720',
		description:
			'Waits before each redelivery of a transient failure (timeouts, 5xx, network), separated by commas, counted from the last failure. Once used up, the record is parked. Empty: never redelivered automatically.',
	},
	{
		displayName: 'Rate Limit Schedule (Minutes)',
		name: 'rateLimitMinutes',
		type: 'string',
		default: '1, 5, 15, 60, 240',
		placeholder: 'e.g. 1, 5, 15, 60, 240',
		description:
			'Waits before each redelivery of a rate-limited record (429), separated by commas. With Wait for Retry-After, a record whose vendor sent Retry-After waits for that instead. Empty: never redelivered automatically.',
	},
	{
		displayName: 'Wait for Retry-After',
		name: 'retryAfter',
		type: 'boolean',
		default: true,
		description:
			"Whether a rate-limited record waits for the vendor's Retry-After (when it sent one) instead of the schedule's wait; the jitter only lengthens it",
	},
	{
		displayName: 'Auth Failures',
		name: 'authRedelivery',
		type: 'options',
		options: [
			{
				name: 'After a Release',
				value: 'afterRelease',
				description:
					"Wait until a Dead Letter node's Release Auth Records operation runs for this queue (after Credential Expiry Check passes, or by hand), then redeliver those that failed before it",
			},
			{
				name: 'On the Transient Schedule',
				value: 'schedule',
				description: 'Retry as a transient failure: for credentials that recover by themselves',
			},
			{
				name: 'Never',
				value: 'never',
				description: 'Leave them to a person (Replay by hand after fixing the credential)',
			},
		],
		default: 'afterRelease',
		description: 'When records that failed on authentication (401, 403, expired tokens) go again',
	},
	{
		displayName: 'Unknown Failures',
		name: 'unknownRedelivery',
		type: 'options',
		options: [
			{ name: 'On the Transient Schedule', value: 'schedule' },
			{ name: 'Never', value: 'never' },
		],
		default: 'schedule',
		description:
			'When records whose failure could not be classified go again. Data failures (400, 422, validation) are never redelivered automatically: fix them and Replay them by hand.',
	},
	{
		displayName: 'Jitter (%)',
		name: 'jitterPercent',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 100 },
		default: 20,
		description:
			'Each wait is spread by up to this much either way, at random per record, so records that failed together do not all go again at once',
	},
	{
		displayName: 'Park Records Older Than (Hours)',
		name: 'maxAgeHours',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 72,
		description:
			'Open records captured longer ago than this are parked (kept as poison, never redelivered) and reported on Alerts. 0: no maximum age.',
	},
	{
		...redactedValuesProperty,
		options: [
			{
				name: 'Ask for Them (Needs Input)',
				value: 'needsInput',
				description:
					'A record that lost values to redaction is not sent: it stays pending (no try counted) and is reported once on Alerts, naming them. Fill them in and replay it with a Dead Letter node.',
			},
			{
				name: 'Keep Encrypted',
				value: 'encrypted',
				description:
					'Open the payload Capture kept encrypted, with the same Encryption Key credential, and send it as it was; records without an encrypted original are reported as with Needs Input',
			},
		],
		description:
			'What the trigger does with records whose stored payload lost values to redaction. A record is never sent with a placeholder. Use the credential of the Capture that stored them.',
		displayOptions: undefined,
	},
	{
		displayName: 'Depth Alert Threshold',
		name: 'depthThreshold',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 0 },
		default: 0,
		description:
			'Send one item to Alerts when the queue reaches this many open records. One per crossing. 0 turns it off.',
	},
	{
		displayName: 'Age Alert (Hours)',
		name: 'ageAlertHours',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description:
			'Send one item to Alerts when the oldest open record is this old. One per crossing. 0 turns it off.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Delete Parked Records After (Days)',
				name: 'parkedRetentionDays',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: DEFAULT_PARKED_RETENTION_DAYS,
				description:
					'Parked (poison) records are deleted this long after they were parked, a bounded batch each poll. 0 keeps them until a Purge.',
			},
			{
				displayName: 'Delete Resolved Records After (Days)',
				name: 'resolvedRetentionDays',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: DEFAULT_RESOLVED_RETENTION_DAYS,
				description:
					'Resolved records are deleted this long after they were resolved, a bounded batch each poll. 0 keeps them until a Purge.',
			},
			{
				displayName: 'Longest Retry-After (Hours)',
				name: 'maxRetryAfterHours',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 24,
				description: 'A longer Retry-After from a vendor is cut to this',
			},
			outputFieldOption,
		],
	},
];
