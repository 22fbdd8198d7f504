import type { INodeProperties } from 'n8n-workflow';

import { whenConverter } from './converter';

/** A mapping row's settings for Convert As: Boolean. */
export const BOOLEAN_FIELDS: INodeProperties[] = [
	{
		displayName: 'Output',
		name: 'booleanOutput',
		type: 'options',
		options: [
			{ name: 'Boolean (True/False)', value: 'boolean' },
			{ name: 'Number (1/0)', value: 'number' },
			{ name: 'Pair of Values', value: 'pair', description: 'Text of your choice, e.g. Y and N' },
		],
		default: 'boolean',
		description: 'How to write true and false in the output',
		displayOptions: whenConverter('boolean'),
	},
	{
		displayName: 'True Output',
		name: 'trueValue',
		type: 'string',
		default: 'Y',
		description: 'Written for true',
		displayOptions: { show: { convert: ['boolean'], booleanOutput: ['pair'] } },
	},
	{
		displayName: 'False Output',
		name: 'falseValue',
		type: 'string',
		default: 'N',
		description: 'Written for false',
		displayOptions: { show: { convert: ['boolean'], booleanOutput: ['pair'] } },
	},
];
