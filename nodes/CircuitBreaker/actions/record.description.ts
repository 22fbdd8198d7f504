import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

/** Version 1.1's parameters: failures counted by kind, the count and consecutive windows. */
const FROM_1_1: IDisplayOptions['show'] = { '@version': [{ _cnd: { gte: 1.1 } }] };

/*
 * Record's own parameters. The policy parameters' defaults are DEFAULT_BREAKER_POLICY in
 * the parameters' units, written out because n8n's linter reads them literally; the
 * engine test checks that they agree.
 */

export const recordProperties: INodeProperties[] = [
	{
		displayName: 'Outcome From',
		name: 'outcomeFrom',
		type: 'options',
		description:
			"How Record tells a failed call from a good one: by the input it arrives on (the vendor node's outputs) or by a field of the item",
		options: [
			{
				name: 'Inputs (Success and Failure)',
				value: 'inputs',
				description:
					"Wire the vendor node's success output to Success and its error output to Failure",
			},
			{
				name: 'Field',
				value: 'field',
				description: 'One input; a field of each item says whether the call failed',
			},
		],
		default: 'inputs',
	},
	{
		displayName: 'Outcome Field',
		name: 'outcomeField',
		type: 'string',
		default: 'error',
		required: true,
		placeholder: 'e.g. error',
		description: 'Field path that tells whether the call failed',
		displayOptions: { show: { outcomeFrom: ['field'] } },
	},
	{
		displayName: 'Failed When',
		name: 'failedWhen',
		type: 'options',
		description: 'Which value of the Outcome Field means the call failed',
		options: [
			{
				name: 'Field Has a Value',
				value: 'present',
				description:
					'E.g. the error field n8n adds with On Error: Continue. Empty, null and false count as no value.',
			},
			{
				name: 'Field Is False',
				value: 'false',
				description: 'E.g. ok or success. The field must be true or false.',
			},
		],
		default: 'present',
		displayOptions: { show: { outcomeFrom: ['field'] } },
	},
	{
		displayName: 'Counted Failures',
		name: 'countedFailures',
		type: 'options',
		options: [
			{
				name: 'By Status, Network Error and Timeout',
				value: 'rules',
				description:
					'A failure counts when its HTTP status is in Counted Statuses, or it is a network error or a timeout. Other failures (a 400 for bad data) are recorded as not counted.',
			},
			{
				name: 'Every Failure',
				value: 'all',
				description: 'Every failure counts, whatever it says (version 1)',
			},
			{
				name: 'By Expression',
				value: 'expression',
				description:
					'Count This Failure decides per item. Needs Outcome From: Field: expressions see the first input only.',
			},
		],
		default: 'rules',
		description: 'Which failures count towards opening the breaker',
		displayOptions: { show: FROM_1_1 },
	},
	{
		displayName: 'Counted Statuses',
		name: 'countedStatuses',
		type: 'string',
		default: '5xx, 408, 429',
		placeholder: 'e.g. 5xx, 408, 429',
		description:
			'Statuses (503), ranges (500-599) and classes (5xx), comma-separated. A failure with any other status does not count: the hop answered.',
		displayOptions: { show: { ...FROM_1_1, countedFailures: ['rules'] } },
	},
	{
		displayName: 'Count Network Errors',
		name: 'countNetworkErrors',
		type: 'boolean',
		default: true,
		description: 'Whether a refused or reset connection, or a host that cannot be found, counts',
		displayOptions: { show: { ...FROM_1_1, countedFailures: ['rules'] } },
	},
	{
		displayName: 'Count Timeouts',
		name: 'countTimeouts',
		type: 'boolean',
		default: true,
		description: 'Whether a call that timed out counts',
		displayOptions: { show: { ...FROM_1_1, countedFailures: ['rules'] } },
	},
	{
		displayName: 'Count Unrecognised Failures',
		name: 'countUnrecognised',
		type: 'boolean',
		default: true,
		description:
			'Whether a failure without a status, a network code or a timeout counts. On by default: a breaker should not ignore an outage because its error is worded oddly.',
		displayOptions: { show: { ...FROM_1_1, countedFailures: ['rules'] } },
	},
	{
		displayName: 'Count This Failure',
		name: 'countFailure',
		type: 'boolean',
		default: true,
		description:
			"Whether the failure counts: an expression per item that gives true or false, e.g. on the item's error.httpCode",
		displayOptions: { show: { ...FROM_1_1, countedFailures: ['expression'] } },
	},
	{
		displayName: 'Window Type',
		name: 'windowType',
		type: 'options',
		options: [
			{
				name: 'Time',
				value: 'time',
				description: 'The failure and slow-call rates over the last Window (Seconds)',
			},
			{
				name: 'Last Calls',
				value: 'count',
				description: 'The failure and slow-call rates over the last Window Size (Calls) calls',
			},
			{
				name: 'Failures in a Row',
				value: 'consecutive',
				description: 'Open after this many failed or slow calls in a row',
			},
		],
		default: 'time',
		description: 'What judges a closed breaker',
		displayOptions: { show: FROM_1_1 },
	},
	{
		displayName: 'Window Size (Calls)',
		name: 'windowCalls',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 10000 },
		default: 100,
		description: 'The rates are taken over this many of the last calls',
		displayOptions: { show: { ...FROM_1_1, windowType: ['count'] } },
	},
	{
		displayName: 'Failures in a Row',
		name: 'consecutiveFailures',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 10000 },
		default: 5,
		description:
			'The breaker opens after this many failed or slow calls in a row; a good call starts the count again',
		displayOptions: { show: { ...FROM_1_1, windowType: ['consecutive'] } },
	},
	{
		displayName: 'Failure Rate Threshold (%)',
		name: 'failureRatePercent',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 100 },
		default: 50,
		description: 'The breaker opens when at least this share of the calls in the window failed',
		displayOptions: { hide: { windowType: ['consecutive'] } },
	},
	{
		displayName: 'Minimum Calls',
		name: 'minimumCalls',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 10,
		description:
			'The rates are only judged once the window holds this many calls, so two early failures do not open the breaker',
		displayOptions: { hide: { windowType: ['consecutive'] } },
	},
	{
		displayName: 'Window (Seconds)',
		name: 'windowSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 60,
		description: 'The sliding window the rates and the statistics are taken over',
		displayOptions: { hide: { windowType: ['count', 'consecutive'] } },
	},
	{
		displayName: 'Open Duration (Seconds)',
		name: 'openSeconds',
		type: 'number',
		typeOptions: { minValue: 0.1 },
		default: 120,
		description:
			'How long the breaker stays open before it lets probe calls through. From version 1.1 it grows after each half-open round that fails (Options → Open Duration Multiplier).',
	},
];

/** Record's entries in its Options collection (the shared ones are added beside them). */
export const recordOptions: INodeProperties[] = [
	{
		displayName: 'Check Stamp',
		name: 'checkStamp',
		type: 'string',
		default: '',
		placeholder: "e.g. {{ $('Check Salesforce').item.json.circuitBreaker }}",
		description:
			"Where the Check node's stamp is, for items on Success (or the only input). Empty reads the Output Field of the item. A vendor node usually replaces the item, so refer back to the Check node to measure latency.",
	},
	{
		displayName: 'Half-Open Probes',
		name: 'halfOpenProbes',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 3,
		description:
			'Calls let through once the open duration is over. Enough failures among them reopen the breaker; otherwise it closes.',
	},
	{
		displayName: 'Max Open Duration (Seconds)',
		name: 'maxOpenSeconds',
		type: 'number',
		typeOptions: { minValue: 0.1 },
		default: 1800,
		description:
			'The open duration grows to this at most, however many half-open rounds fail (never below Open Duration)',
	},
	{
		displayName: 'Open Duration Multiplier',
		name: 'openBackoffMultiplier',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 10, numberPrecision: 2 },
		default: 2,
		description:
			'Each half-open round that fails multiplies the open duration by this, up to Max Open Duration. 1 keeps it fixed (version 1 without this option).',
	},
	{
		displayName: 'Probe Timeout (Seconds)',
		name: 'probeTimeoutSeconds',
		type: 'number',
		typeOptions: { minValue: 0.1 },
		default: 60,
		description: 'A probe not recorded within this time is given up on, and another call may probe',
	},
	{
		displayName: 'Slow Call Rate Threshold (%)',
		name: 'slowCallRatePercent',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 100 },
		default: 50,
		description: 'The breaker opens when at least this share of the calls in the window were slow',
	},
	{
		displayName: 'Slow Call Threshold (Seconds)',
		name: 'slowCallSeconds',
		type: 'number',
		typeOptions: { minValue: 0.001 },
		default: 30,
		description:
			'A call that takes longer than this counts as slow: a hop that answers in 30 seconds is failing too',
	},
];
