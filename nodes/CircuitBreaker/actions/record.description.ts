import type { INodeProperties } from 'n8n-workflow';

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
		displayName: 'Failure Rate Threshold (%)',
		name: 'failureRatePercent',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 100 },
		default: 50,
		description: 'The breaker opens when at least this share of the calls in the window failed',
	},
	{
		displayName: 'Minimum Calls',
		name: 'minimumCalls',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 10,
		description:
			'The rates are only judged once the window holds this many calls, so two early failures do not open the breaker',
	},
	{
		displayName: 'Window (Seconds)',
		name: 'windowSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 60,
		description: 'The sliding window the rates and the statistics are taken over',
	},
	{
		displayName: 'Open Duration (Seconds)',
		name: 'openSeconds',
		type: 'number',
		typeOptions: { minValue: 0.1 },
		default: 120,
		description: 'How long the breaker stays open before it lets probe calls through',
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
