import type { INodeProperties } from 'n8n-workflow';

import { correlationFieldProperty, scopeProperty, storeProperty } from '../shared';

export const CIRCUIT_BREAKER_STORES = ['embedded', 'redis', 'postgres'] as const;

/**
 * Inputs and outputs per operation. Evaluated by n8n in the editor from the node's
 * parameters, so they are serialised into expressions: they must not refer to anything
 * outside their own bodies.
 */
export function inputsForParameters(parameters: { operation?: string; outcomeFrom?: string }) {
	if (
		(parameters.operation ?? 'check') === 'record' &&
		(parameters.outcomeFrom ?? 'inputs') === 'inputs'
	) {
		return ['Success', 'Failure'].map((displayName) => ({ type: 'main', displayName }));
	}
	return ['main'];
}

export function outputsForParameters(parameters: { operation?: string }) {
	const names: Record<string, string[]> = {
		check: ['Proceed', 'Open'],
		record: ['Success', 'Failure'],
		stats: ['Stats'],
		setState: ['Done'],
	};
	return (names[parameters.operation ?? 'check'] ?? ['Done']).map((displayName) => ({
		type: 'main',
		displayName,
	}));
}

/*
 * The policy parameters' defaults are DEFAULT_BREAKER_POLICY in the parameters' units,
 * written out because n8n's linter reads them literally; the engine test checks that
 * they agree.
 */
const checkOrRecord = { show: { '/operation': ['check', 'record'] } };
const recordOnly = { show: { '/operation': ['record'] } };

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
	{
		displayName: 'Breaker Name',
		name: 'breakerName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. salesforce',
		description:
			'The hop this breaker guards. Check, Record and Set State nodes with the same name and scope share one breaker, in every workflow and on every worker.',
		displayOptions: { show: { operation: ['check', 'record', 'setState'] } },
	},
	{
		displayName: 'New State',
		name: 'newState',
		type: 'options',
		options: [
			{
				name: 'Closed (Reset)',
				value: 'reset',
				description: 'Close the breaker and start its window afresh',
			},
			{
				name: 'Disabled',
				value: 'disable',
				description:
					'Every Check proceeds and the breaker never opens, until it is reset. Calls are still counted.',
			},
			{
				name: 'Forced Open',
				value: 'forceOpen',
				description:
					"Every Check routes to Open until the breaker is reset, e.g. during a vendor's maintenance window",
			},
		],
		default: 'reset',
		displayOptions: { show: { operation: ['setState'] } },
	},
	{
		displayName: 'Breakers',
		name: 'breakerNames',
		type: 'string',
		default: '',
		placeholder: 'e.g. salesforce, xero',
		description: 'Comma-separated breaker names. Leave empty to report every breaker in the scope.',
		displayOptions: { show: { operation: ['stats'] } },
	},
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
		displayOptions: { show: { operation: ['record'] } },
	},
	{
		displayName: 'Outcome Field',
		name: 'outcomeField',
		type: 'string',
		default: 'error',
		required: true,
		placeholder: 'e.g. error',
		description: 'Field path that tells whether the call failed',
		displayOptions: { show: { operation: ['record'], outcomeFrom: ['field'] } },
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
		displayOptions: { show: { operation: ['record'], outcomeFrom: ['field'] } },
	},
	{
		displayName: 'Failure Rate Threshold (%)',
		name: 'failureRatePercent',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 100 },
		default: 50,
		description: 'The breaker opens when at least this share of the calls in the window failed',
		displayOptions: { show: { operation: ['record'] } },
	},
	{
		displayName: 'Minimum Calls',
		name: 'minimumCalls',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 10,
		description:
			'The rates are only judged once the window holds this many calls, so two early failures do not open the breaker',
		displayOptions: { show: { operation: ['record'] } },
	},
	{
		displayName: 'Window (Seconds)',
		name: 'windowSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 60,
		description: 'The sliding window the rates and the statistics are taken over',
		displayOptions: { show: { operation: ['record'] } },
	},
	{
		displayName: 'Open Duration (Seconds)',
		name: 'openSeconds',
		type: 'number',
		typeOptions: { minValue: 0.1 },
		default: 120,
		description: 'How long the breaker stays open before it lets probe calls through',
		displayOptions: { show: { operation: ['record'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Check Stamp',
				name: 'checkStamp',
				type: 'string',
				default: '',
				placeholder: "e.g. {{ $('Check Salesforce').item.json.circuitBreaker }}",
				description:
					"Where the Check node's stamp is, for items on Success (or the only input). Empty reads the Output Field of the item. A vendor node usually replaces the item, so refer back to the Check node to measure latency.",
				displayOptions: recordOnly,
			},
			{ ...correlationFieldProperty, displayOptions: recordOnly },
			{
				displayName: 'Half-Open Probes',
				name: 'halfOpenProbes',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 3,
				description:
					'Calls let through once the open duration is over. Enough failures among them reopen the breaker; otherwise it closes.',
				displayOptions: recordOnly,
			},
			{
				displayName: 'If the Store Is Unreachable',
				name: 'onStoreError',
				type: 'options',
				options: [
					{
						name: 'Fail the Node',
						value: 'fail',
						description:
							'No item leaves on Proceed or Success. With On Error set to Continue, every item leaves as an error item instead: on the error output, or with Continue (using regular output) on Open (Check) or Failure (Record).',
					},
					{
						name: 'Let Items Through',
						value: 'letThrough',
						description:
							"Check sends every item to Proceed and Record passes items on unrecorded, each with the store's error",
					},
				],
				default: 'fail',
				displayOptions: checkOrRecord,
			},
			{
				displayName: 'Output Field',
				name: 'outputField',
				type: 'string',
				default: 'circuitBreaker',
				description:
					"Field added to each item with the breaker's name, route and state. Record reads the Check stamp from it.",
			},
			{
				displayName: 'Probe Timeout (Seconds)',
				name: 'probeTimeoutSeconds',
				type: 'number',
				typeOptions: { minValue: 0.1 },
				default: 60,
				description:
					'A probe not recorded within this time is given up on, and another call may probe',
				displayOptions: recordOnly,
			},
			{
				displayName: 'Slow Call Rate Threshold (%)',
				name: 'slowCallRatePercent',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 100 },
				default: 50,
				description:
					'The breaker opens when at least this share of the calls in the window were slow',
				displayOptions: recordOnly,
			},
			{
				displayName: 'Slow Call Threshold (Seconds)',
				name: 'slowCallSeconds',
				type: 'number',
				typeOptions: { minValue: 0.001 },
				default: 30,
				description:
					'A call that takes longer than this counts as slow: a hop that answers in 30 seconds is failing too',
				displayOptions: recordOnly,
			},
		],
	},
];
