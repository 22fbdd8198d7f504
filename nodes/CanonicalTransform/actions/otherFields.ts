import type { INodeProperties } from 'n8n-workflow';

import { whenConverter } from './converter';

/** A mapping row's settings for the other converters: Phone Number, ABN and ACN, Text, Email, Value Map. */
export const OTHER_FIELDS: INodeProperties[] = [
	{
		displayName: 'Default Country',
		name: 'phoneCountry',
		type: 'string',
		default: '',
		placeholder: 'e.g. AU',
		description:
			"Two-letter country of numbers written without a country code. Empty uses the source profile's.",
		displayOptions: whenConverter('phone'),
	},
	{
		displayName: 'Format',
		name: 'phoneFormat',
		type: 'options',
		options: [
			{ name: 'E.164', value: 'e164', description: '+61298765432' },
			{ name: 'International', value: 'international', description: '+61 2 9876 5432' },
			{ name: 'National', value: 'national', description: '(02) 9876 5432' },
			{
				name: 'RFC 3966 URI',
				value: 'rfc3966',
				description: 'A tel: URI, e.g. tel:+61-2-9876-5432',
			},
		],
		default: 'e164',
		description: 'How to write the phone number',
		displayOptions: whenConverter('phone'),
	},
	{
		displayName: 'Format',
		name: 'identifierFormat',
		type: 'options',
		options: [
			{ name: 'Digits Only', value: 'digits', description: '51824753556' },
			{
				name: 'Grouped',
				value: 'formatted',
				description: '51 824 753 556 (ABN), 004 085 616 (ACN)',
			},
		],
		default: 'digits',
		description: 'How to write the number',
		displayOptions: whenConverter('abn', 'acn'),
	},
	{
		displayName: 'Trim',
		name: 'textTrim',
		type: 'boolean',
		default: true,
		description: 'Whether to remove spaces at both ends',
		displayOptions: whenConverter('string'),
	},
	{
		displayName: 'Case',
		name: 'textCase',
		type: 'options',
		options: [
			{ name: 'Keep', value: 'keep' },
			{ name: 'Lower Case', value: 'lower' },
			{ name: 'Title Case', value: 'title' },
			{ name: 'Upper Case', value: 'upper' },
		],
		default: 'keep',
		description: 'Change the case of the text',
		displayOptions: whenConverter('string'),
	},
	{
		displayName: 'Collapse Whitespace',
		name: 'collapseWhitespace',
		type: 'boolean',
		default: false,
		description: 'Whether to turn runs of spaces, tabs and new lines into one space',
		displayOptions: whenConverter('string'),
	},
	{
		displayName: 'Empty to Null',
		name: 'emptyToNull',
		type: 'boolean',
		default: false,
		description: 'Whether an empty result becomes null',
		displayOptions: whenConverter('string'),
	},
	{
		displayName: 'Max Length',
		name: 'maxLength',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description: 'Longer text is an error (not cut short). 0 for no limit.',
		displayOptions: whenConverter('string'),
	},
	{
		displayName: 'Lower Case',
		name: 'emailLowerCase',
		type: 'boolean',
		default: true,
		description: 'Whether to lower-case the whole address',
		displayOptions: whenConverter('email'),
	},
	{
		displayName: 'Value Map',
		name: 'valueMap',
		type: 'json',
		default: '{\n  "AUTHORISED": "open",\n  "PAID": "paid"\n}',
		description: 'Source value → canonical value, as a JSON object',
		displayOptions: whenConverter('valueMap'),
	},
	{
		displayName: 'Case Insensitive',
		name: 'caseInsensitive',
		type: 'boolean',
		default: true,
		description: 'Whether to compare values trimmed and ignoring case',
		displayOptions: whenConverter('valueMap'),
	},
	{
		displayName: 'If Not in Map',
		name: 'unmappedValue',
		type: 'options',
		options: [
			{ name: 'Error', value: 'error', description: 'The item goes to the error output' },
			{ name: 'Keep As Is', value: 'keep', description: 'Write the source value unchanged' },
			{ name: 'Use Default', value: 'default', description: 'Write the Default' },
		],
		default: 'error',
		description: 'What a value that is not in the map becomes',
		displayOptions: whenConverter('valueMap'),
	},
	{
		displayName: 'Default',
		name: 'valueMapDefault',
		type: 'string',
		default: '',
		description:
			'Used for values not in the map. Read as JSON when it is JSON (0, true, null, "text"), else as text.',
		displayOptions: { show: { convert: ['valueMap'], unmappedValue: ['default'] } },
	},
];
