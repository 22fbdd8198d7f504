import type { INodeProperties } from 'n8n-workflow';

/*
 * Parameters and options several Cost Guard operations share. Each operation file puts
 * the ones it uses in its own description; updateDisplayOptions shows them for that
 * operation only.
 */

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
		displayName: 'Cache Write Price (1 Hour)',
		name: 'cacheWrite1h',
		type: 'string',
		default: '',
		placeholder: 'e.g. 6.00',
		description:
			'Price per million input tokens written to the prompt cache with a one-hour lifetime (Anthropic). Empty: the cache write price.',
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

/** Price List, Price Overrides, Unknown Model and Fallback Price: Check Budget and Record Usage price tokens. */
export const priceProperties: INodeProperties[] = [
	{
		displayName: 'Price List (JSON)',
		name: 'priceList',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		placeholder: "e.g. {{ JSON.stringify($('Get Prices').first().json) }}",
		description:
			"Prices that replace the built-in table's, in the format of LiteLLM's model price file (model_prices_and_context_window) (input_cost_per_token, output_cost_per_token, cache and long-context fields, per token). Usually an expression reading the file fetched by an HTTP Request node. Price Overrides win over it. Empty: the built-in table only.",
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
						description: "The model name as the vendor's response gives it",
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
		description: 'What to do with an item whose model has no price in the table or the overrides',
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
		description: 'Prices per million tokens for models that have none',
		placeholder: 'Add Price',
		default: {},
		displayOptions: { show: { unknownModel: ['fallback'] } },
		options: priceFields,
	},
];

/** The Options collection of one operation, holding the options given (in alphabetical order). */
export function optionsCollection(options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options,
	};
}

export const costFieldOption: INodeProperties = {
	displayName: 'Cost Field',
	name: 'costField',
	type: 'string',
	default: 'cost',
	description:
		'Field Record Usage writes the cost to, and Cache Store reads it from (to count the cost a hit avoids)',
};

export const currencyOption: INodeProperties = {
	displayName: 'Currency',
	name: 'currency',
	type: 'string',
	default: 'USD',
	description:
		'Currency of the limits and prices, shown on items and reports (the built-in prices are USD)',
};

export const ignoreCaseOption: INodeProperties = {
	displayName: 'Ignore Case',
	name: 'ignoreCase',
	type: 'boolean',
	default: false,
	description: 'Whether "Hello" and "hello" share a cache key',
};

export const timeZoneOption: INodeProperties = {
	displayName: 'Time Zone',
	name: 'timeZone',
	type: 'string',
	default: '',
	placeholder: 'e.g. Europe/Berlin',
	description:
		"Zone whose hours, days and months are the budget's windows. Empty: the workflow's time zone. Check Budget saves it with the limits and every node of the budget then counts in it; set the same zone on the budget's other nodes, so what they count before its first check lands in the same windows.",
};
