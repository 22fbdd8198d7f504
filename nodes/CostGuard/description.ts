import type { INodeProperties } from 'n8n-workflow';

import { correlationFieldProperty, scopeProperty, storeProperty } from '../shared';

export const COST_GUARD_STORES = ['embedded', 'redis', 'postgres'] as const;

/**
 * Output names per operation. Evaluated by n8n in the editor from the node's
 * parameters, so it is serialised into an expression: it must not refer to anything
 * outside its own body.
 */
export function outputsForOperation(parameters: { operation?: string }) {
	const names: Record<string, string[]> = {
		checkBudget: ['Within Budget', 'Over Budget', 'Alert'],
		recordUsage: ['Recorded', 'Alert'],
		report: ['Report'],
		cacheLookup: ['Hit', 'Miss'],
		cacheStore: ['Stored'],
	};
	return (names[parameters.operation ?? 'checkBudget'] ?? ['Done']).map((displayName) => ({
		type: 'main',
		displayName,
	}));
}

const check = { show: { operation: ['checkBudget'] } };
const record = { show: { operation: ['recordUsage'] } };

const moneyLimit = (period: string, name: string): INodeProperties => ({
	displayName: `${period} Limit`,
	name,
	type: 'string',
	default: '',
	placeholder: 'e.g. 25.00',
	description: `Most the budget may spend per ${period === 'Hourly' ? 'hour' : period === 'Daily' ? 'day' : 'month'}, in the currency of the prices (USD for the built-in table), as a decimal. Empty for no limit.`,
});

const itemLimit = (period: string, name: string): INodeProperties => ({
	displayName: `${period} Item Limit`,
	name,
	type: 'number',
	typeOptions: { minValue: 0, numberPrecision: 0 },
	default: 0,
	description: `Most items let through per ${period === 'Hourly' ? 'hour' : period === 'Daily' ? 'day' : 'month'}, whatever they cost: a volume guard rail. 0 for no limit.`,
});

const priceFields: INodeProperties[] = [
	{
		displayName: 'Input Price',
		name: 'input',
		type: 'string',
		default: '',
		placeholder: 'e.g. 2.50',
		description: 'Price per million input tokens',
	},
	{
		displayName: 'Cached Input Price',
		name: 'cachedInput',
		type: 'string',
		default: '',
		placeholder: 'e.g. 1.25',
		description:
			'Price per million input tokens read from the prompt cache. Empty: the input price.',
	},
	{
		displayName: 'Cache Write Price',
		name: 'cacheWrite',
		type: 'string',
		default: '',
		placeholder: 'e.g. 3.75',
		description:
			'Price per million input tokens written to the prompt cache (Anthropic). Empty: the input price.',
	},
	{
		displayName: 'Output Price',
		name: 'output',
		type: 'string',
		default: '',
		placeholder: 'e.g. 10.00',
		description: 'Price per million output tokens',
	},
];

export const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Cache Lookup',
				value: 'cacheLookup',
				action: 'Look up a cached response',
				description:
					'Before the vendor: routes Hit with the stored response, Miss to call the vendor',
			},
			{
				name: 'Cache Store',
				value: 'cacheStore',
				action: 'Store a response in the cache',
				description: 'After the vendor: keeps the response for repeated inputs, with what it cost',
			},
			{
				name: 'Check Budget',
				value: 'checkBudget',
				action: 'Check the budget before spending',
				description:
					'Before an expensive step: routes Within Budget, Over Budget, and one Alert per threshold per window',
			},
			{
				name: 'Record Usage',
				value: 'recordUsage',
				action: 'Record the cost of a response',
				description:
					'After the step: prices the usage in the response, adds cost to the item and to the budget',
			},
			{
				name: 'Report',
				value: 'report',
				action: 'Report spend and cost per record',
				description:
					'Spend per window, cost per record (average and p95), regressions, and cost avoided by the cache',
			},
		],
		default: 'checkBudget',
	},
	storeProperty([...COST_GUARD_STORES]),
	{
		displayName:
			'If the store cannot be reached the node fails, naming it. Under On Error → Continue (using error output) every item goes to the error output instead; under Continue (using regular output) to Over Budget, Alert (Record Usage: nothing was recorded) or Miss (Cache Lookup: the cache is skipped, and the Check Budget after it fails closed on the same store), with an error field. No item reaches Within Budget or Hit without the store.',
		name: 'storeFailureNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { operation: ['checkBudget', 'recordUsage', 'cacheLookup'] } },
	},
	scopeProperty('e.g. marketing'),
	{
		displayName: 'Budget Name',
		name: 'budgetName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. llm-enrichment',
		description:
			'The budget to check, record to, report on, or keep the cache in. Nodes with the same name and scope share it, in every workflow and on every worker. An expression is read from the first item: one budget per run. Everything a budget stores expires: its counters 8 windows after their own, its limits 400 days after its last check, cached responses after their Time to Live.',
	},

	/* ------------------------------------------------------------ Check Budget */
	{
		displayName: 'Limits',
		name: 'limits',
		type: 'collection',
		placeholder: 'Add Limit',
		default: {},
		displayOptions: check,
		options: [
			moneyLimit('Daily', 'dailyLimit'),
			itemLimit('Daily', 'dailyItems'),
			moneyLimit('Hourly', 'hourlyLimit'),
			itemLimit('Hourly', 'hourlyItems'),
			moneyLimit('Monthly', 'monthlyLimit'),
			itemLimit('Monthly', 'monthlyItems'),
		],
	},
	{
		displayName: 'Estimate Cost From',
		name: 'estimate',
		type: 'options',
		displayOptions: check,
		options: [
			{
				name: 'Nothing (Recorded Spend Only)',
				value: 'none',
				description: 'Let items through until the recorded spend reaches a limit',
			},
			{
				name: 'Fixed Cost per Item',
				value: 'fixed',
				description: 'Every item is expected to cost the same, or an expression per item',
			},
			{
				name: 'Prompt Tokens',
				value: 'tokens',
				description:
					"Count the prompt's tokens and price them with the model's price, plus the expected output",
			},
		],
		default: 'none',
	},
	{
		displayName: 'Estimated Cost per Item',
		name: 'estimatedCost',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. 0.002',
		description:
			'Expected cost of one item, as a decimal in the currency of the limits. May be an expression.',
		displayOptions: { show: { operation: ['checkBudget'], estimate: ['fixed'] } },
	},
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		required: true,
		placeholder: 'e.g. {{ $json.text }}',
		description:
			"The text sent to the model, usually an expression. Tokens are counted with OpenAI's o200k_base encoding (an estimate for other vendors).",
		displayOptions: { show: { operation: ['checkBudget'], estimate: ['tokens'] } },
	},
	{
		displayName: 'Model',
		name: 'estimateModel',
		type: 'string',
		default: 'gpt-4o-mini',
		required: true,
		description: 'Model whose price the estimate uses (built-in table or a price override below)',
		displayOptions: { show: { operation: ['checkBudget'], estimate: ['tokens'] } },
	},
	{
		displayName: 'Expected Output Tokens',
		name: 'expectedOutputTokens',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 0 },
		default: 500,
		description: 'Output tokens to expect per call, e.g. the max_tokens you send',
		displayOptions: { show: { operation: ['checkBudget'], estimate: ['tokens'] } },
	},

	/* ------------------------------------------------------------ Record Usage */
	{
		displayName: 'Usage Format',
		name: 'usageFormat',
		type: 'options',
		displayOptions: record,
		options: [
			{
				name: 'Anthropic Messages',
				value: 'anthropic',
				description:
					'Reads usage.input_tokens, output_tokens, cache_read_input_tokens and cache_creation_input_tokens',
			},
			{
				name: 'Detect',
				value: 'auto',
				description: 'Recognise OpenAI, Anthropic or n8n AI node usage in the response',
			},
			{ name: 'Fields', value: 'fields', description: 'Name the fields holding the token counts' },
			{
				name: 'N8n AI Node Token Usage',
				value: 'langchain',
				description:
					"Reads tokenUsage.promptTokens and completionTokens, as n8n's AI model nodes report them",
			},
			{
				name: 'OpenAI Chat Completions',
				value: 'openaiChat',
				description:
					'Reads usage.prompt_tokens, completion_tokens and prompt_tokens_details.cached_tokens',
			},
			{
				name: 'OpenAI Responses',
				value: 'openaiResponses',
				description:
					'Reads usage.input_tokens, output_tokens and input_tokens_details.cached_tokens',
			},
		],
		default: 'auto',
	},
	{
		displayName: 'Input Count Field',
		name: 'inputCountField',
		description: 'Field holding the number of input tokens (uncached)',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. meta.tokens.in',
		displayOptions: { show: { operation: ['recordUsage'], usageFormat: ['fields'] } },
	},
	{
		displayName: 'Output Count Field',
		name: 'outputCountField',
		description: 'Field holding the number of output tokens',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. meta.tokens.out',
		displayOptions: { show: { operation: ['recordUsage'], usageFormat: ['fields'] } },
	},
	{
		displayName: 'Model',
		name: 'model',
		type: 'string',
		default: '',
		placeholder: 'e.g. gpt-4o-mini',
		description:
			'Model to price the usage at. Empty: the model named in the response (its "model" field).',
		displayOptions: record,
	},
	{
		displayName: 'Price Overrides',
		name: 'priceOverrides',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Model Price',
		default: {},
		description:
			"Prices per million tokens that replace the built-in table's, or add models it does not have",
		displayOptions: { show: { operation: ['checkBudget', 'recordUsage'] } },
		options: [
			{
				displayName: 'Model',
				name: 'models',
				values: [
					{
						displayName: 'Model',
						name: 'model',
						type: 'string',
						default: '',
						placeholder: 'e.g. gpt-4o-mini',
					},
					...priceFields,
				],
			},
		],
	},
	{
		displayName: 'Unknown Model',
		name: 'unknownModel',
		type: 'options',
		displayOptions: { show: { operation: ['checkBudget', 'recordUsage'] } },
		options: [
			{
				name: 'Fail the Item',
				value: 'error',
				description: 'An item whose model has no price is an error: add a price override',
			},
			{
				name: 'Use a Fallback Price',
				value: 'fallback',
				description: 'Price unknown models at the fallback prices',
			},
		],
		default: 'error',
	},
	{
		displayName: 'Fallback Price',
		name: 'fallbackPrice',
		type: 'collection',
		placeholder: 'Add Price',
		default: {},
		displayOptions: {
			show: { operation: ['checkBudget', 'recordUsage'], unknownModel: ['fallback'] },
		},
		options: priceFields,
	},

	/* ------------------------------------------------------------------ Cache */
	{
		displayName: 'Key Fields',
		name: 'keyFields',
		type: 'string',
		default: '',
		placeholder: 'e.g. text, language',
		description:
			'Comma-separated fields whose values make the cache key: items with the same values (after trimming and collapsing spaces) share a response',
		displayOptions: { show: { operation: ['cacheLookup'] } },
	},
	{
		displayName: 'Cache Key From',
		name: 'keyFrom',
		type: 'options',
		displayOptions: { show: { operation: ['cacheStore'] } },
		options: [
			{
				name: "Cache Lookup's Key",
				value: 'key',
				description: 'The key Cache Lookup put on the item, usually referred to with an expression',
			},
			{
				name: 'Key Fields',
				value: 'fields',
				description: 'The same fields as the Cache Lookup node, read from this item',
			},
		],
		default: 'key',
	},
	{
		displayName: 'Cache Key',
		name: 'cacheKey',
		type: 'string',
		default: '',
		required: true,
		placeholder: "e.g. {{ $('Cache Lookup').item.json.costGuardCache.key }}",
		description:
			'The key from the Cache Lookup node. A vendor node replaces the item, so refer back to the lookup with an expression.',
		displayOptions: { show: { operation: ['cacheStore'], keyFrom: ['key'] } },
	},
	{
		displayName: 'Key Fields',
		name: 'keyFields',
		type: 'string',
		default: '',
		placeholder: 'e.g. text, language',
		description: "The same fields as the Cache Lookup node's Key Fields",
		displayOptions: { show: { operation: ['cacheStore'], keyFrom: ['fields'] } },
	},
	{
		displayName: 'Time to Live (Hours)',
		name: 'ttlHours',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 24,
		description:
			'How long a stored response is served, and kept in the store. 0 keeps it until it is replaced (the store then grows with every new input).',
		displayOptions: { show: { operation: ['cacheStore'] } },
	},
	{
		displayName: 'Hit Output',
		name: 'hitOutput',
		type: 'options',
		displayOptions: { show: { operation: ['cacheLookup'] } },
		options: [
			{
				name: 'Stored Response',
				value: 'replace',
				description:
					'The item becomes the stored response, as the vendor node would have output it',
			},
			{
				name: 'Input Merged With Response',
				value: 'merge',
				description: "The input item's fields, then the stored response's on top",
			},
			{
				name: 'Input With Response in a Field',
				value: 'field',
				description: 'The input item with the stored response in a field',
			},
		],
		default: 'replace',
	},
	{
		displayName: 'Response Field',
		name: 'responseField',
		type: 'string',
		default: 'response',
		displayOptions: { show: { operation: ['cacheLookup'], hitOutput: ['field'] } },
	},

	/* ----------------------------------------------------------------- Report */
	{
		displayName: 'Trailing Windows',
		name: 'trailingWindows',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 8, numberPrecision: 0 },
		default: 7,
		description:
			'Previous windows the cost per record is compared with, for the regression flag (at most 8 are kept)',
		displayOptions: { show: { operation: ['report'] } },
	},

	/* ---------------------------------------------------------------- Options */
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Actual Alert Thresholds (%)',
				name: 'actualThresholds',
				type: 'string',
				default: '50, 75, 100',
				description:
					'Percentages of each money limit that send one Alert item per window when the recorded spend reaches them. Empty for none.',
				displayOptions: { show: { '/operation': ['checkBudget'] } },
			},
			{
				displayName: 'Cache Response Field',
				name: 'cacheResponseField',
				type: 'string',
				default: '',
				placeholder: 'e.g. choices[0].message.content',
				description: 'Field of the item to keep as the response. Empty: the whole item.',
				displayOptions: { show: { '/operation': ['cacheStore'] } },
			},
			{
				displayName: 'Check Stamp',
				name: 'checkStamp',
				type: 'string',
				default: '',
				placeholder: "e.g. {{ $('Check Budget').item.json.costGuard }}",
				description:
					"The stamp Check Budget put on the item. A vendor node replaces the item: refer back to Check Budget here so the item's reserved estimate is released when its real cost is recorded.",
				displayOptions: { show: { '/operation': ['recordUsage'] } },
			},
			{
				displayName: 'Cost Field',
				name: 'costField',
				type: 'string',
				default: 'cost',
				description:
					'Field Record Usage writes the cost to, and Cache Store reads it from (to count the cost a hit avoids)',
				displayOptions: { show: { '/operation': ['recordUsage', 'cacheStore'] } },
			},
			{
				...correlationFieldProperty,
				displayOptions: { show: { '/operation': ['recordUsage'] } },
			},
			{
				displayName: 'Currency',
				name: 'currency',
				type: 'string',
				default: 'USD',
				description:
					'Currency of the limits and prices, shown on items and reports (the built-in prices are USD)',
				displayOptions: { show: { '/operation': ['checkBudget', 'recordUsage'] } },
			},
			{
				displayName: 'Forecast Alert Thresholds (%)',
				name: 'forecastThresholds',
				type: 'string',
				default: '50, 75, 100',
				description:
					"Percentages of each money limit that send one Alert item per window when the spend, at its rate so far, is forecast to reach them by the window's end. Forecasts start after a tenth of the window. Empty for none.",
				displayOptions: { show: { '/operation': ['checkBudget'] } },
			},
			{
				displayName: 'Ignore Case',
				name: 'ignoreCase',
				type: 'boolean',
				default: false,
				description: 'Whether "Hello" and "hello" share a cache key',
				displayOptions: { show: { '/operation': ['cacheLookup', 'cacheStore'] } },
			},
			{
				displayName: 'Max Responses Cached per Day',
				name: 'maxCachedPerDay',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 0 },
				default: 10000,
				description:
					"Most new responses this budget's cache takes per day (UTC), so the data cannot grow the store without bound: responses past it leave on Stored with stored: false. 0 for no limit.",
				displayOptions: { show: { '/operation': ['cacheStore'] } },
			},
			{
				displayName: 'Output Field',
				name: 'outputField',
				type: 'string',
				default: 'costGuard',
				description: 'Field holding the budget decision on each item (route, estimate, windows)',
				displayOptions: { show: { '/operation': ['checkBudget'] } },
			},
			{
				displayName: 'Over Budget',
				name: 'overBudget',
				type: 'options',
				options: [
					{
						name: 'Route to Over Budget',
						value: 'route',
						description: 'Items that do not fit leave on the Over Budget output',
					},
					{
						name: 'Stop the Workflow',
						value: 'stop',
						description:
							'An item that does not fit fails the node, so nothing after it runs (its estimate is not reserved)',
					},
				],
				default: 'route',
				displayOptions: { show: { '/operation': ['checkBudget'] } },
			},
			{
				displayName: 'Time Zone',
				name: 'timeZone',
				type: 'string',
				default: '',
				placeholder: 'e.g. Europe/Berlin',
				description:
					"Zone whose hours, days and months are the budget's windows. Empty: the workflow's time zone. Check Budget saves it with the limits and every node of the budget then counts in it; set the same zone on the budget's other nodes, so what they count before its first check lands in the same windows.",
				displayOptions: {
					show: { '/operation': ['checkBudget', 'recordUsage', 'cacheLookup', 'report'] },
				},
			},
		],
	},
];
