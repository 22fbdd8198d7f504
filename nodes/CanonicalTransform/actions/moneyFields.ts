import type { INodeProperties } from 'n8n-workflow';

import { ROUNDING_OPTIONS, whenConverter } from './converter';

/** A mapping row's settings for Convert As: Money. */
export const MONEY_FIELDS: INodeProperties[] = [
	{
		displayName: 'Amount Is',
		name: 'moneyInput',
		type: 'options',
		options: [
			{
				name: 'Amount as Written',
				value: 'amount',
				description: '1234.5, "1,234.50", "AUD 12.50", "1.234,56 €"',
			},
			{
				name: 'Minor Units (Cents)',
				value: 'minor',
				description: 'Whole cents, as Stripe sends them: 123450 is 1234.50',
			},
		],
		default: 'amount',
		description: 'How the source writes the amount',
		displayOptions: whenConverter('money'),
	},
	{
		displayName: 'Currency Field',
		name: 'currencyField',
		type: 'string',
		default: '',
		placeholder: 'e.g. CurrencyCode',
		description:
			'Path of the field with the ISO 4217 code (any case). Use [*] as in the source for a currency per list element.',
		displayOptions: whenConverter('money'),
	},
	{
		displayName: 'Currency',
		name: 'currency',
		type: 'string',
		default: '',
		placeholder: 'e.g. AUD',
		description:
			"Fixed ISO 4217 code for every value. Empty uses the currency field, a code or symbol in the value, or the profile's default currency.",
		displayOptions: whenConverter('money'),
	},
	{
		displayName: 'Output',
		name: 'moneyOutput',
		type: 'options',
		options: [
			{
				name: 'Amount and Currency (Object)',
				value: 'object',
				description: '{ currency: "AUD", amount: "1234.50", amountMinor: 123450 }',
			},
			{
				name: 'Decimal Number',
				value: 'number',
				description: '1234.5, for APIs that want a JSON number',
			},
			{
				name: 'Decimal Text',
				value: 'decimal',
				description: '"1234.50", with the currency\'s decimals (JPY 0, USD 2, KWD 3)',
			},
			{ name: 'Minor Units (Integer)', value: 'minor', description: '123450' },
			{ name: 'Text With Code', value: 'text', description: '"AUD 1234.50"' },
		],
		default: 'minor',
		description: 'How to write the amount in the output',
		displayOptions: whenConverter('money'),
	},
	{
		displayName: 'Output Minor Units',
		name: 'moneyOutputUnits',
		type: 'options',
		options: [
			{
				name: 'ISO 4217',
				value: 'iso4217',
				description: 'The decimals of ISO 4217: ISK 500 kr is 500',
			},
			{
				name: 'Stripe',
				value: 'stripe',
				description: "Stripe's table, to send to Stripe: ISK 500 kr is 50000, MGA has no decimals",
			},
		],
		default: 'iso4217',
		description: 'Whose decimals the minor units written follow',
		displayOptions: { show: { convert: ['money'], moneyOutput: ['minor'] } },
	},
	{
		displayName: 'Rounding',
		name: 'moneyRounding',
		type: 'options',
		options: ROUNDING_OPTIONS,
		default: 'error',
		description: 'What to do with more decimals than the currency has (12.345 AUD)',
		displayOptions: whenConverter('money'),
	},
];
