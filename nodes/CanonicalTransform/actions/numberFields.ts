import type { INodeProperties } from 'n8n-workflow';

import { ROUNDING_OPTIONS, whenConverter } from './converter';

/** A mapping row's settings for Convert As: Number. */
export const NUMBER_FIELDS: INodeProperties[] = [
	{
		displayName: 'Decimal Places',
		name: 'numberDecimals',
		type: 'number',
		typeOptions: { minValue: -1, maxValue: 20 },
		default: -1,
		description: 'Round to this many decimal places; -1 keeps the value as it is',
		displayOptions: whenConverter('number'),
	},
	{
		displayName: 'Rounding',
		name: 'numberRounding',
		type: 'options',
		options: ROUNDING_OPTIONS,
		default: 'halfUp',
		description: 'How to round to the decimal places',
		displayOptions: whenConverter('number'),
	},
	{
		displayName: 'Output',
		name: 'numberOutput',
		type: 'options',
		options: [
			{ name: 'Number', value: 'number' },
			{ name: 'Text', value: 'text', description: 'The exact decimal as text, e.g. "1234.50"' },
		],
		default: 'number',
		description: 'Whether to write a JSON number or the exact decimal as text',
		displayOptions: whenConverter('number'),
	},
];
