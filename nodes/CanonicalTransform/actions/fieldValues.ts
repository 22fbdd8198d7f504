import type { INodeProperties } from 'n8n-workflow';

import { BOOLEAN_FIELDS } from './booleanFields';
import { DATE_FIELDS } from './dateFields';
import { MONEY_FIELDS } from './moneyFields';
import { NUMBER_FIELDS } from './numberFields';
import { OTHER_FIELDS } from './otherFields';

/** Target Field, shared by the rows of every version. */
export const TARGET_FIELD: INodeProperties = {
	displayName: 'Target Field',
	name: 'target',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. invoice.total or lines[*].amount',
	description: 'Path in the output item. Use [*] to write one value per element of a source list.',
};

/** Source Field, shared by the rows of every version (shown for Value From: Source Field or Field). */
export const SOURCE_FIELD: INodeProperties = {
	displayName: 'Source Field',
	name: 'source',
	type: 'string',
	default: '',
	placeholder: 'e.g. Total or LineItems[*].UnitAmount',
	description:
		'Path in the input item, or an expression that gives the value. An expression that reads the current item is evaluated for each item, which costs time; any other is evaluated once.',
	displayOptions: { show: { valueFrom: ['field'] } },
};

/** Convert As, shared by the rows of every version. */
export const CONVERT_AS: INodeProperties = {
	displayName: 'Convert As',
	name: 'convert',
	type: 'options',
	options: [
		{
			name: 'ABN (Australian Business Number)',
			value: 'abn',
			description: '11 digits, check digits validated',
		},
		{
			name: 'ACN (Australian Company Number)',
			value: 'acn',
			description: '9 digits, check digit validated; ARBN too',
		},
		{
			name: 'Boolean',
			value: 'boolean',
			description: "True/false, 1/0, Y/N, yes/no, on/off: the profile's words",
		},
		{ name: 'Copy As Is', value: 'copy', description: 'Any value, deep-copied' },
		{
			name: 'Date / Time',
			value: 'date',
			description: 'Read in any common format, written as ISO 8601 unless set otherwise',
		},
		{ name: 'Email', value: 'email', description: 'Trimmed, lower-cased and checked' },
		{
			name: 'Money',
			value: 'money',
			description: "Exact, in the currency's minor units; never floating point",
		},
		{ name: 'Number', value: 'number', description: "In the profile's decimal style" },
		{ name: 'Phone Number', value: 'phone', description: 'Checked, in E.164 or another format' },
		{ name: 'Text', value: 'string', description: 'Trimmed; case, whitespace and length as set' },
		{ name: 'Value Map', value: 'valueMap', description: 'Source values to canonical values' },
	],
	default: 'copy',
	description: "How to read, check and write the value, with the converter's settings below",
};

/** One row of Fields: target, source, converter, the chosen converter's settings, what a missing value becomes. */
export const FIELD_VALUES: INodeProperties[] = [
	TARGET_FIELD,
	{
		displayName: 'Value From',
		name: 'valueFrom',
		type: 'options',
		options: [
			{
				name: 'Source Field',
				value: 'field',
				description: 'A path in the input item, or an expression',
			},
			{
				name: 'Constant Value',
				value: 'constant',
				description: 'The same value for every item, e.g. the source system "xero"',
			},
		],
		default: 'field',
		description: 'Where the value of the target comes from',
	},
	SOURCE_FIELD,
	{
		displayName: 'Constant Value',
		name: 'constantValue',
		type: 'string',
		default: '',
		placeholder: 'e.g. xero',
		description:
			'Written to the target for every item, then converted like a source value. JSON is read as JSON (0, true, null, {…}); other text as text.',
		displayOptions: { show: { valueFrom: ['constant'] } },
	},
	CONVERT_AS,
	...DATE_FIELDS,
	...MONEY_FIELDS,
	...NUMBER_FIELDS,
	...BOOLEAN_FIELDS,
	...OTHER_FIELDS,
	{
		displayName: 'If Missing',
		name: 'missing',
		type: 'options',
		options: [
			{ name: 'Error', value: 'error', description: 'The item goes to the error output' },
			{ name: 'Set Null', value: 'null', description: 'Write null to the target' },
			{ name: 'Skip Field', value: 'skip', description: 'Leave the target out' },
			{ name: 'Use Default', value: 'default', description: 'Write the Default Value' },
			{ name: 'Use Node Setting', value: 'inherit', description: 'Missing Values under Options' },
		],
		default: 'inherit',
		description: 'When the source is absent, null, or (except for Text and Copy) blank',
	},
	{
		displayName: 'Default Value',
		name: 'defaultValue',
		type: 'string',
		default: '',
		description:
			'Used as is, not converted. Read as JSON when it is JSON (0, true, null, "text", {…}), else as text.',
		displayOptions: { show: { missing: ['default'] } },
	},
];
