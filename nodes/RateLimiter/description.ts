import type { INodeProperties } from 'n8n-workflow';

import { correlationFieldProperty, storeProperty } from '../shared';

/** Where each operation can keep its state: limiters in process or in Redis; quotas in any store. */
export const LIMITER_STORES = ['embedded', 'redis'] as const;
export const QUOTA_STORES = ['embedded', 'redis', 'postgres'] as const;

/** The generic credential types of n8n's HTTP Request node that Send Request accepts. */
export const GENERIC_AUTH_TYPES = [
	'httpBasicAuth',
	'httpBearerAuth',
	'httpHeaderAuth',
	'httpQueryAuth',
] as const;

/**
 * Outputs per operation. Evaluated by n8n in the editor from the node's parameters, so it
 * is serialised into an expression: it must not refer to anything outside its body.
 */
export function outputsForParameters(parameters: { operation?: string }) {
	const names: Record<string, string[]> = {
		waitForSlot: ['Proceed', 'Over Limit'],
		sendRequest: ['Success', 'Failed'],
		backoff: ['Retry', 'Give Up'],
		quota: ['Continue', 'Alert'],
	};
	return (names[parameters.operation ?? 'waitForSlot'] ?? ['Proceed', 'Over Limit']).map(
		(displayName) => ({ type: 'main', displayName }),
	);
}

const limiterOps = { show: { operation: ['waitForSlot', 'sendRequest'] } };
const sendOnly = { show: { operation: ['sendRequest'] } };
const backoffOnly = { show: { operation: ['backoff'] } };
const quotaOnly = { show: { operation: ['quota'] } };
const inOptions = (operations: string[]) => ({ show: { '/operation': operations } });

/* --------------------------------------------------------------- Limiter */

const limiterProperties: INodeProperties[] = [
	{
		displayName: 'Limiter Name',
		name: 'limiterName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. hubspot',
		description:
			'The limit this node takes its turn from. Every Rate Limiter node, in any workflow, with the same name, store and limit shares one limit.',
		displayOptions: limiterOps,
	},
	{
		...storeProperty([...LIMITER_STORES]),
		description:
			'Embedded: the limit is shared by every execution in this n8n process. Redis: shared by the main process and every worker in queue mode. If Redis cannot be reached nothing is sent and the node fails naming it; under On Error: Continue every item leaves on the error output (or on Over Limit / Failed, with the error), never on Proceed or Success.',
		displayOptions: limiterOps,
	},
	/* eslint-disable n8n-nodes-base/node-param-min-value-wrong-for-limit, n8n-nodes-base/node-param-default-wrong-for-limit, n8n-nodes-base/node-param-description-wrong-for-limit -- a rate limit, not a page size */
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 0.001 },
		default: 10,
		required: true,
		description: "The vendor's documented limit: requests allowed per interval",
		displayOptions: limiterOps,
	},
	/* eslint-enable n8n-nodes-base/node-param-min-value-wrong-for-limit, n8n-nodes-base/node-param-default-wrong-for-limit, n8n-nodes-base/node-param-description-wrong-for-limit */
	{
		displayName: 'Per',
		name: 'per',
		type: 'options',
		options: [
			{ name: 'Second', value: 'second' },
			{ name: 'Minute', value: 'minute' },
			{ name: 'Hour', value: 'hour' },
			{ name: 'Day', value: 'day' },
		],
		default: 'second',
		displayOptions: limiterOps,
	},
	{
		displayName: 'Target Utilization (%)',
		name: 'targetUtilization',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 100 },
		default: 90,
		description:
			'Share of the limit to use. Below 100 leaves headroom for clock drift and other clients of the same account.',
		displayOptions: limiterOps,
	},
	{
		displayName: 'Tokens per Item',
		name: 'tokensPerItem',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 1,
		description:
			'How much of the limit each item uses. Use an expression when a call counts more than once, e.g. the number of records in a bulk call.',
		displayOptions: limiterOps,
	},
	{
		displayName: 'Max Wait (Seconds)',
		name: 'maxWait',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description:
			'Items that would wait longer for their turn leave on Over Limit (Wait for Slot) or Failed (Send Request) right away. 0 waits as long as needed.',
		displayOptions: limiterOps,
	},
];

/* ---------------------------------------------------------- Send Request */

const requestProperties: INodeProperties[] = [
	{
		displayName: 'Method',
		name: 'method',
		type: 'options',
		options: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'].map((method) => ({
			name: method,
			value: method,
		})),
		default: 'GET',
		displayOptions: sendOnly,
	},
	{
		displayName: 'URL',
		name: 'url',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. https://api.example.com/v1/contacts',
		displayOptions: sendOnly,
	},
	{
		displayName: 'Authentication',
		name: 'authentication',
		type: 'options',
		options: [
			{ name: 'None', value: 'none' },
			{
				name: 'Generic Credential Type',
				value: 'genericCredentialType',
				description: "One of n8n's generic credentials, as the HTTP Request node uses them",
			},
		],
		default: 'none',
		displayOptions: sendOnly,
	},
	{
		displayName: 'Generic Auth Type',
		name: 'genericAuthType',
		type: 'options',
		options: [
			{ name: 'Basic Auth', value: 'httpBasicAuth' },
			{ name: 'Bearer Auth', value: 'httpBearerAuth' },
			{ name: 'Header Auth', value: 'httpHeaderAuth' },
			{ name: 'Query Auth', value: 'httpQueryAuth' },
		],
		default: 'httpHeaderAuth',
		description:
			"The credential is sent to the URL's origin only. A redirect to another origin (scheme, host or port) is followed without it: the credential's header or query parameter, and any Authorization or Cookie header, are dropped.",
		displayOptions: {
			show: { operation: ['sendRequest'], authentication: ['genericCredentialType'] },
		},
	},
	{
		displayName: 'Send Query Parameters',
		name: 'sendQuery',
		type: 'boolean',
		default: false,
		noDataExpression: true,
		displayOptions: sendOnly,
	},
	{
		displayName: 'Query Parameters',
		name: 'queryParameters',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Parameter',
		default: { parameters: [{ name: '', value: '' }] },
		options: [
			{
				name: 'parameters',
				displayName: 'Parameter',
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: '' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '' },
				],
			},
		],
		displayOptions: { show: { operation: ['sendRequest'], sendQuery: [true] } },
	},
	{
		displayName: 'Send Headers',
		name: 'sendHeaders',
		type: 'boolean',
		default: false,
		noDataExpression: true,
		displayOptions: sendOnly,
	},
	{
		displayName: 'Header Parameters',
		name: 'headerParameters',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Header',
		default: { parameters: [{ name: '', value: '' }] },
		options: [
			{
				name: 'parameters',
				displayName: 'Header',
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: '' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '' },
				],
			},
		],
		displayOptions: { show: { operation: ['sendRequest'], sendHeaders: [true] } },
	},
	{
		displayName: 'Send Body',
		name: 'sendBody',
		type: 'boolean',
		default: false,
		noDataExpression: true,
		displayOptions: sendOnly,
	},
	{
		displayName: 'JSON Body',
		name: 'jsonBody',
		type: 'json',
		default: '={{ $json }}',
		description: 'The request body, per item. In bulk mode, one record of the batch.',
		displayOptions: { show: { operation: ['sendRequest'], sendBody: [true] } },
	},
];

const requestOptions: INodeProperties = {
	displayName: 'Request Options',
	name: 'requestOptions',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	displayOptions: sendOnly,
	options: [
		{
			displayName: 'Base Delay (Seconds)',
			name: 'baseDelay',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 1,
			description:
				'Wait before the first retry; each further retry waits up to twice as long, with random jitter',
		},
		{
			displayName: 'Bulk Body Field',
			name: 'bulkBodyField',
			type: 'string',
			default: '',
			placeholder: 'e.g. records',
			description:
				'In bulk mode, the records are sent as a list under this field of the body. Leave empty to send the records as a JSON array.',
		},
		{
			displayName: 'Bulk Results Path',
			name: 'bulkResultsPath',
			type: 'string',
			default: '',
			placeholder: 'e.g. results',
			description:
				'Where the response lists one result per record, in order. Leave empty to look for a list of the right length in the body, results, data, items or records.',
		},
		{
			displayName: 'Bulk Size',
			name: 'bulkSize',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 1,
			description:
				'Items per request, for APIs with a batch endpoint. 1 sends one request per item. A request uses Tokens per Item of the first item in it.',
		},
		{
			displayName: 'Idempotency Key Field',
			name: 'idempotencyKeyField',
			type: 'string',
			default: '',
			placeholder: 'e.g. idempotencyKey',
			description:
				'Field of the item holding its idempotency key. Sent in the Idempotency Key Header; POST and PATCH requests are retried only for items that have one.',
		},
		{
			displayName: 'Idempotency Key Header',
			name: 'idempotencyKeyHeader',
			type: 'string',
			default: 'Idempotency-Key',
		},
		{
			displayName: 'Max Attempts',
			name: 'maxAttempts',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 50 },
			default: 5,
			description:
				'Tries per request, the first included. After the last, the item leaves on Failed.',
		},
		{
			displayName: 'Max Concurrent Requests',
			name: 'concurrency',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 100 },
			default: 5,
			description:
				'Requests of this node in flight at once (the limit decides how often they start)',
		},
		{
			displayName: 'Max Delay (Seconds)',
			name: 'maxDelay',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 30,
			description:
				"Longest computed wait between tries. A vendor's Retry-After is honoured up to this or 60 seconds, whichever is longer; beyond that the item leaves on Failed.",
		},
		{
			displayName: 'Max Response Size (MiB)',
			name: 'maxResponseSize',
			type: 'number',
			typeOptions: { minValue: 0.001 },
			default: 10,
			description:
				'Largest response body a try reads. A larger one fails the try, not retried, and the item leaves on Failed naming this limit.',
		},
		{
			displayName: 'Response Field',
			name: 'responseField',
			type: 'string',
			default: 'response',
			description: 'Field added to each item with the response: status, headers and body',
		},
		{
			displayName: 'Retry Network Errors',
			name: 'retryNetworkErrors',
			type: 'boolean',
			default: true,
			description: 'Whether to retry connection resets, refusals and timeouts',
		},
		{
			displayName: 'Retry Non-Idempotent Requests',
			name: 'retryNonIdempotent',
			type: 'boolean',
			default: false,
			description:
				'Whether to retry POST and PATCH requests of items without an idempotency key. A retried write may happen twice.',
		},
		{
			displayName: 'Retry On Status',
			name: 'retryOn',
			type: 'string',
			default: '429, 5xx',
			placeholder: 'e.g. 429, 502, 503, 504',
			description: 'Response statuses to retry: codes and classes like 5xx, comma-separated',
		},
		{
			displayName: 'Timeout (Seconds)',
			name: 'timeout',
			type: 'number',
			typeOptions: { minValue: 0.1 },
			default: 30,
			description:
				'Hard deadline of each try: connecting, redirects and the whole response. A server that keeps sending slowly cannot stretch it. A try that runs out counts as a network error (ETIMEDOUT).',
		},
	],
};

/* --------------------------------------------------------------- Backoff */

const backoffProperties: INodeProperties[] = [
	{
		displayName:
			'Wire the error output of a vendor node here, and Retry back into that node. Waits up to 65 seconds happen in this node; longer ones put the execution to wait like the Wait node.',
		name: 'backoffNotice',
		type: 'notice',
		default: '',
		displayOptions: backoffOnly,
	},
	{
		displayName: 'Attempt Field',
		name: 'attemptField',
		type: 'string',
		default: '_retry.attempt',
		description:
			'Field that counts the attempts of each item. Backoff increments it; missing means the first attempt failed.',
		displayOptions: backoffOnly,
	},
	{
		displayName: 'Max Attempts',
		name: 'maxAttempts',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 100 },
		default: 5,
		description:
			'Attempts in all, the first included. An item that failed this many times leaves on Give Up.',
		displayOptions: backoffOnly,
	},
	{
		displayName: 'Base Delay (Seconds)',
		name: 'baseDelay',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 1,
		description: 'Wait before the first retry; each further retry waits up to Factor times as long',
		displayOptions: backoffOnly,
	},
	{
		displayName: 'Max Delay (Seconds)',
		name: 'maxDelay',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 60,
		description:
			"Longest computed wait. A vendor's Retry-After may ask for longer, up to Max Server Wait.",
		displayOptions: backoffOnly,
	},
	{
		displayName: 'Backoff Options',
		name: 'backoffOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: backoffOnly,
		options: [
			{
				displayName: 'Error Field',
				name: 'errorField',
				type: 'string',
				default: 'error',
				description:
					'Field holding the error the vendor node put on the item; Retry-After and rate-limit headers are read from it',
			},
			{
				displayName: 'Factor',
				name: 'factor',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 10 },
				default: 2,
				description: 'Growth of the delay per attempt',
			},
			{
				displayName: 'Honor Retry-After',
				name: 'honorRetryAfter',
				type: 'boolean',
				default: true,
				description:
					"Whether to wait as long as the vendor's Retry-After or rate-limit reset asks, when that is longer than the backoff",
			},
			{
				displayName: 'Jitter',
				name: 'jitter',
				type: 'options',
				options: [
					{
						name: 'Full',
						value: 'full',
						description: 'Random between 0 and the delay: spreads clients best',
					},
					{
						name: 'Equal',
						value: 'equal',
						description: 'Random between half the delay and the delay',
					},
					{ name: 'None', value: 'none', description: 'Exactly the delay' },
				],
				default: 'full',
			},
			{
				displayName: 'Max Server Wait (Seconds)',
				name: 'maxServerWait',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 3600,
				description: 'An item whose vendor asks to wait longer than this leaves on Give Up instead',
			},
			{
				displayName: 'Remove Error Field on Retry',
				name: 'removeError',
				type: 'boolean',
				default: true,
				description:
					'Whether items on Retry leave without the error field (its message is kept in the attempt details)',
			},
		],
	},
];

/* ----------------------------------------------------------------- Quota */

const quotaProperties: INodeProperties[] = [
	{
		displayName: 'Quota Name',
		name: 'quotaName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. openai-monthly',
		description:
			'The quota counted. Every Quota node with the same name and store counts into it, in any workflow.',
		displayOptions: quotaOnly,
	},
	{
		...storeProperty([...QUOTA_STORES]),
		description:
			'Where the counts live. If the store cannot be reached the node fails naming it; under On Error: Continue every item leaves on the error output (or on Alert, with the error), never on Continue.',
		displayOptions: quotaOnly,
	},
	{
		displayName: 'Quota',
		name: 'quota',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 10000,
		required: true,
		description: 'Uses allowed per period',
		displayOptions: quotaOnly,
	},
	{
		displayName: 'Period',
		name: 'period',
		type: 'options',
		options: [
			{ name: 'Hour', value: 'hour' },
			{ name: 'Day', value: 'day' },
			{ name: 'Week', value: 'week', description: 'ISO weeks, from Monday' },
			{ name: 'Month', value: 'month' },
		],
		default: 'day',
		displayOptions: quotaOnly,
	},
	{
		displayName: 'Time Zone',
		name: 'timeZone',
		type: 'string',
		default: '',
		placeholder: 'e.g. America/New_York',
		description: "Where the period starts at midnight. Leave empty for the workflow's time zone.",
		displayOptions: quotaOnly,
	},
	{
		displayName: 'Use per Item',
		name: 'usePerItem',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 1,
		description:
			'How much of the quota each item uses, e.g. an expression reading the tokens an LLM call used',
		displayOptions: quotaOnly,
	},
	{
		displayName: 'Alert Thresholds (%)',
		name: 'thresholds',
		type: 'string',
		default: '75',
		placeholder: 'e.g. 75, 90, 100',
		description:
			'An Alert item leaves once per period for each threshold the usage crosses, whichever worker crossed it',
		displayOptions: quotaOnly,
	},
];

/* --------------------------------------------------------------- Options */

const options: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Burst (Tokens)',
			name: 'burst',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 1,
			description:
				'Tokens that may be used at once after a quiet spell. 1 spaces every request evenly; more lets short bursts through (at most the limit minus the target). Must be at least the tokens of any one item.',
			displayOptions: inOptions(['waitForSlot', 'sendRequest']),
		},
		{ ...correlationFieldProperty, displayOptions: inOptions(['backoff', 'sendRequest']) },
		{
			displayName: 'Max Hold (Seconds)',
			name: 'maxHold',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 300,
			description:
				"Longest a vendor's answer (429 with Retry-After, or nothing remaining until a reset) may hold this limiter for everyone using it, every worker on Redis. A longer ask is capped, and the item says so; an ask the node refuses for its own item (longer than it would retry after) holds nobody. Max Wait applies to holds too.",
			displayOptions: inOptions(['waitForSlot', 'sendRequest']),
		},
		{
			displayName: 'Output Field',
			name: 'outputField',
			type: 'string',
			default: 'rateLimiter',
			description:
				'Field added to each item with what the limiter did: tokens, waits, attempts, the limit observed',
		},
	],
};

export const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Wait for Slot',
				value: 'waitForSlot',
				action: 'Wait for a slot under the limit',
				description:
					'Before any vendor node: items leave on Proceed when the limit allows, or on Over Limit past the max wait',
			},
			{
				name: 'Send Request',
				value: 'sendRequest',
				action: 'Send throttled HTTP requests with retries',
				description:
					'HTTP requests through the limiter, retried with backoff on 429, 5xx and network errors; Success or Failed',
			},
			{
				name: 'Backoff',
				value: 'backoff',
				action: 'Wait and retry a failed call',
				description:
					"After a vendor node's error output: waits with exponential backoff and routes Retry, or Give Up at the max",
			},
			{
				name: 'Quota',
				value: 'quota',
				action: 'Count use against a daily or monthly quota',
				description:
					'Counts use per day or month and sends an Alert item when usage crosses a threshold',
			},
		],
		default: 'waitForSlot',
	},
	...limiterProperties,
	...requestProperties,
	requestOptions,
	...backoffProperties,
	...quotaProperties,
	options,
];
