import type { INodeProperties } from 'n8n-workflow';

/** Source Profile: how the source system writes values, applied to every field of the mapping. */
export const PROFILE_OPTIONS: INodeProperties[] = [
	{
		displayName: 'Currency Symbols',
		name: 'currencySymbols',
		type: 'string',
		default: '',
		placeholder: 'e.g. $=AUD, ¥=JPY',
		description:
			'What the source means by a symbol: "$" alone could be AUD, USD, NZD and more, and is refused until declared',
	},
	{
		displayName: 'Date Order',
		name: 'dateOrder',
		type: 'options',
		options: [
			{
				name: 'Auto (Refuse Ambiguous Dates)',
				value: 'auto',
				description: '13/04/2025 is read; 03/04/2025 is an error',
			},
			{ name: 'Day First (DD/MM/YYYY)', value: 'dayFirst' },
			{ name: 'Month First (MM/DD/YYYY)', value: 'monthFirst' },
		],
		default: 'auto',
		description: 'How the source orders day and month in dates such as 03/04/2025',
	},
	{
		displayName: 'Decimal Separator',
		name: 'decimal',
		type: 'options',
		options: [
			{
				name: 'Auto (Refuse Ambiguous Numbers)',
				value: 'auto',
				description: '1,234.5 and 1.234,5 are read; 1,234 is an error',
			},
			{ name: 'Comma (1.234,56)', value: 'comma' },
			{ name: 'Point (1,234.56)', value: 'point' },
		],
		default: 'point',
		description: 'How the source writes decimals and thousands',
	},
	{
		displayName: 'Default Country',
		name: 'defaultCountry',
		type: 'string',
		default: '',
		placeholder: 'e.g. AU',
		description: 'Two-letter country of phone numbers written without a country code',
	},
	{
		displayName: 'Default Currency',
		name: 'defaultCurrency',
		type: 'string',
		default: '',
		placeholder: 'e.g. AUD',
		description: 'Currency of amounts that name none and have no currency field',
	},
	{
		displayName: 'False Values',
		name: 'falseValues',
		type: 'string',
		default: 'false, f, no, n, 0, off',
		description: 'Comma-separated words that mean false, in any case',
	},
	{
		displayName: 'Minor Units',
		name: 'minorUnits',
		type: 'options',
		options: [
			{
				name: 'ISO 4217',
				value: 'iso4217',
				description: 'Whole-number amounts have the decimals of ISO 4217: JPY 0, USD 2, KWD 3',
			},
			{
				name: 'Stripe',
				value: 'stripe',
				description:
					"Stripe's table: ISK has two decimals (50000 is 500 kr), MGA none; the rest as ISO 4217",
			},
		],
		default: 'iso4217',
		description: 'Whose decimals apply to amounts sent in minor units (Input: Minor Units)',
	},
	{
		displayName: 'Time Zone',
		name: 'zone',
		type: 'string',
		default: 'UTC',
		placeholder: 'e.g. Australia/Sydney',
		description: "Zone of dates and times written without an offset. Never the server's zone.",
	},
	{
		displayName: 'True Values',
		name: 'trueValues',
		type: 'string',
		default: 'true, t, yes, y, 1, on',
		description: 'Comma-separated words that mean true, in any case',
	},
];
