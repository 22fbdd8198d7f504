import type { INodeProperties } from 'n8n-workflow';

import { burstOption, maxHoldOption } from './limiter';
import { bodyProperties } from './sendRequest.body';
import { paginationProperty } from './sendRequest.pagination';
import { correlationFieldOption, optionsCollection } from './settings';

/** Send Request's own parameters (the limiter's are in limiter.ts), in the panel's order. */

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
		description: 'The HTTP method of the request',
	},
	{
		displayName: 'URL',
		name: 'url',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. https://api.example.com/v1/contacts',
		description: "The URL to send each item's request to",
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
		description:
			"How requests sign in to the API. n8n's predefined credentials of other nodes (Salesforce, HubSpot…) are open to n8n's own HTTP Request node only; use their generic equivalent here, such as OAuth2 API.",
	},
	{
		displayName: 'Generic Auth Type',
		name: 'genericAuthType',
		type: 'options',
		options: [
			{ name: 'Basic Auth', value: 'httpBasicAuth' },
			{ name: 'Bearer Auth', value: 'httpBearerAuth' },
			{ name: 'Header Auth', value: 'httpHeaderAuth' },
			{
				name: 'OAuth1 API',
				value: 'oAuth1Api',
				description: 'Each request is signed by n8n with the connected OAuth1 account',
			},
			{
				name: 'OAuth2 API',
				value: 'oAuth2Api',
				description:
					'The access token is added by n8n, which fetches a new one (Client Credentials grant or refresh token) when the API answers 401 and keeps it in the credential',
			},
			{ name: 'Query Auth', value: 'httpQueryAuth' },
		],
		default: 'httpHeaderAuth',
		description:
			"The kind of n8n credential to sign in with. The credential is sent to the URL's origin only. A redirect to another origin (scheme, host or port) is followed without it: the credential's header or query parameter, and any Authorization or Cookie header, are dropped.",
		displayOptions: { show: { authentication: ['genericCredentialType'] } },
	},
	{
		displayName: 'Send Query Parameters',
		name: 'sendQuery',
		type: 'boolean',
		default: false,
		noDataExpression: true,
		description: 'Whether the request has query parameters',
	},
	{
		displayName: 'Query Parameters',
		name: 'queryParameters',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Parameter',
		default: { parameters: [{ name: '', value: '' }] },
		description: 'Query parameters added to the URL',
		options: [
			{
				name: 'parameters',
				displayName: 'Parameter',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						description: 'Name of the query parameter',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						description: 'Value of the query parameter',
					},
				],
			},
		],
		displayOptions: { show: { sendQuery: [true] } },
	},
	{
		displayName: 'Send Headers',
		name: 'sendHeaders',
		type: 'boolean',
		default: false,
		noDataExpression: true,
		description: 'Whether the request has headers of its own',
	},
	{
		displayName: 'Header Parameters',
		name: 'headerParameters',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Header',
		default: { parameters: [{ name: '', value: '' }] },
		description: 'Headers sent with the request',
		options: [
			{
				name: 'parameters',
				displayName: 'Header',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						description: 'Name of the header',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						description: 'Value of the header',
					},
				],
			},
		],
		displayOptions: { show: { sendHeaders: [true] } },
	},
	{
		displayName: 'Send Body',
		name: 'sendBody',
		type: 'boolean',
		default: false,
		noDataExpression: true,
		description: 'Whether the request has a body',
	},
	...bodyProperties,
	{
		displayName: 'JSON Body',
		name: 'jsonBody',
		type: 'json',
		default: '={{ $json }}',
		description: 'The request body, per item. In bulk mode, one record of the batch.',
		// Version 2.2 also sends forms and files (Body Content Type); older versions JSON only.
		displayOptions: {
			show: { sendBody: [true] },
			hide: { contentType: ['form-urlencoded', 'multipart-form-data', 'binaryData'] },
		},
	},
];

/** Retry settings: top-level from version 2.2, in Request Options before it. */
const retryProperties: INodeProperties[] = [
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
		displayName: 'Retry On Status',
		name: 'retryOn',
		type: 'string',
		default: '429, 5xx',
		placeholder: 'e.g. 429, 502, 503, 504',
		description: 'Response statuses to retry: codes and classes like 5xx, comma-separated',
	},
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
		displayName: 'Max Delay (Seconds)',
		name: 'maxDelay',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 30,
		description:
			"Longest computed wait between tries. A vendor's Retry-After is honoured up to this or 60 seconds, whichever is longer; beyond that the item leaves on Failed.",
	},
];

function sortedByName(properties: INodeProperties[]): INodeProperties[] {
	return [...properties].sort((a, b) => a.displayName.localeCompare(b.displayName));
}

/** Request Options; the retry settings join it before version 2.2. */
function requestOptions(retry: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Request Options',
		name: 'requestOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		// Sorted by name, as n8n's collections are.
		options: sortedByName([
			...retry,
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
				description: "The header that carries the item's idempotency key",
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
				displayName: 'Timeout (Seconds)',
				name: 'timeout',
				type: 'number',
				typeOptions: { minValue: 0.1 },
				default: 30,
				description:
					'Hard deadline of each try: connecting, redirects and the whole response. A server that keeps sending slowly cannot stretch it. A try that runs out counts as a network error (ETIMEDOUT).',
			},
		]),
	};
}

const BEFORE_2_1 = { '@version': [{ _cnd: { lt: 2.1 } }] };
const FROM_2_1 = { '@version': [{ _cnd: { gte: 2.1 } }] };
const BEFORE_2_2 = { '@version': [{ _cnd: { lt: 2.2 } }] };
const FROM_2_2 = { '@version': [{ _cnd: { gte: 2.2 } }] };

const correlationHeaderOption: INodeProperties = {
	displayName: 'Correlation ID Header',
	name: 'correlationHeader',
	type: 'string',
	default: '',
	placeholder: 'e.g. X-Correlation-ID',
	description:
		"Request header that carries the item's correlation ID (from Correlation ID Field) to the vendor, so its logs can be joined to the item. Empty sends none; a header the item sets itself wins.",
};

const sendTraceparentOption: INodeProperties = {
	displayName: 'Send Traceparent',
	name: 'sendTraceparent',
	type: 'boolean',
	default: false,
	description:
		"Whether to send a W3C traceparent header whose trace ID comes from the item's correlation ID (its hex when it is a UUID), for tracing systems",
};

export const properties: INodeProperties[] = [
	...requestProperties,
	// Version 2.2 shows the retry settings as fields of their own, with their defaults.
	...retryProperties.map((property) => ({ ...property, displayOptions: { show: FROM_2_2 } })),
	{ ...requestOptions([]), displayOptions: { show: FROM_2_2 } },
	paginationProperty,
	{ ...requestOptions(retryProperties), displayOptions: { show: BEFORE_2_2 } },
	optionsCollection([
		burstOption,
		correlationFieldOption,
		// Version 2.1 sends the correlation ID and a traceparent by default; older versions do not.
		{ ...correlationHeaderOption, default: '', displayOptions: { show: BEFORE_2_1 } },
		{ ...correlationHeaderOption, default: 'X-Correlation-ID', displayOptions: { show: FROM_2_1 } },
		{ ...sendTraceparentOption, default: false, displayOptions: { show: BEFORE_2_1 } },
		{ ...sendTraceparentOption, default: true, displayOptions: { show: FROM_2_1 } },
		maxHoldOption,
	]),
];
