import type { INodeProperties } from 'n8n-workflow';

import { correlationFieldProperty } from '../shared';

const fieldsMode = { show: { mappingSource: ['fields'] } };

/** Shown inside a mapping row only for the chosen converter. */
const whenConverter = (...converters: string[]) => ({ show: { convert: converters } });

const ROUNDING_OPTIONS = [
	{
		name: "Half Even (Banker's Rounding)",
		value: 'halfEven',
		description: '2.345 → 2.34, 2.355 → 2.36',
	},
	{ name: 'Half Up', value: 'halfUp', description: '2.345 → 2.35 (halves away from zero)' },
	{
		name: 'Refuse Extra Decimals',
		value: 'error',
		description: 'A value with more decimals than allowed is an error',
	},
];

const DATE_FIELDS: INodeProperties[] = [
	{
		displayName: 'Input Format',
		name: 'dateInput',
		type: 'options',
		options: [
			{
				name: 'Auto-Detect',
				value: 'auto',
				description:
					'Try every format; an ambiguous value such as 03/04/2025 is an error, never a guess',
			},
			{ name: 'Custom', value: 'custom', description: 'Luxon format tokens' },
			{ name: 'DD/MM/YYYY', value: 'dmy', description: 'Also with - or . and an optional time.' },
			{ name: 'ISO 8601', value: 'iso', description: 'E.g. 2025-03-04T10:00:00+11:00.' },
			{
				name: 'Microsoft JSON Date',
				value: 'msJson',
				description: '/Date(1741046400000+0000)/, as Xero and older .NET APIs send',
			},
			{ name: 'MM/DD/YYYY', value: 'mdy', description: 'Also with - or . and an optional time.' },
			{ name: 'RFC 2822', value: 'rfc2822', description: 'E.g. Tue, 04 Mar 2025 10:00:00 +0000.' },
			{ name: 'SQL', value: 'sql', description: 'E.g. 2025-03-04 10:00:00.' },
			{ name: 'Unix Milliseconds', value: 'unixMs' },
			{ name: 'Unix Seconds', value: 'unixSeconds' },
			{ name: 'YYYY/MM/DD', value: 'ymd', description: 'Also with - or' },
		],
		default: 'auto',
		displayOptions: whenConverter('date'),
	},
	{
		displayName: 'Custom Input Format',
		name: 'dateInputFormat',
		type: 'string',
		default: '',
		placeholder: 'e.g. dd MMM yyyy HH:mm',
		description: 'Luxon format tokens; month names are read in English',
		displayOptions: { show: { convert: ['date'], dateInput: ['custom'] } },
	},
	{
		displayName: 'Input Time Zone',
		name: 'dateZone',
		type: 'string',
		default: '',
		placeholder: 'e.g. Australia/Sydney',
		description:
			"Zone of values written without an offset. Empty uses the source profile's time zone (UTC unless set) — never the server's.",
		displayOptions: whenConverter('date'),
	},
	{
		displayName: 'Output Format',
		name: 'dateOutput',
		type: 'options',
		options: [
			{ name: 'Custom', value: 'custom', description: 'Luxon format tokens' },
			{ name: 'Date Only (YYYY-MM-DD)', value: 'date' },
			{ name: 'ISO 8601', value: 'iso', description: 'E.g. 2025-03-04T10:00:00Z.' },
			{ name: 'RFC 2822', value: 'rfc2822' },
			{ name: 'Unix Milliseconds', value: 'unixMs' },
			{ name: 'Unix Seconds', value: 'unixSeconds' },
		],
		default: 'iso',
		displayOptions: whenConverter('date'),
	},
	{
		displayName: 'Custom Output Format',
		name: 'dateOutputFormat',
		type: 'string',
		default: '',
		placeholder: 'e.g. dd/MM/yyyy',
		description: 'Luxon format tokens; month names are written in English',
		displayOptions: { show: { convert: ['date'], dateOutput: ['custom'] } },
	},
	{
		displayName: 'Output Time Zone',
		name: 'dateOutputZone',
		type: 'string',
		default: 'UTC',
		placeholder: 'e.g. UTC or Australia/Sydney',
		displayOptions: {
			show: { convert: ['date'], dateOutput: ['iso', 'date', 'rfc2822', 'custom'] },
		},
	},
];

const MONEY_FIELDS: INodeProperties[] = [
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
		displayOptions: whenConverter('money'),
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

const NUMBER_FIELDS: INodeProperties[] = [
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
		displayOptions: whenConverter('number'),
	},
];

const BOOLEAN_FIELDS: INodeProperties[] = [
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
		displayOptions: whenConverter('boolean'),
	},
	{
		displayName: 'True Output',
		name: 'trueValue',
		type: 'string',
		default: 'Y',
		displayOptions: { show: { convert: ['boolean'], booleanOutput: ['pair'] } },
	},
	{
		displayName: 'False Output',
		name: 'falseValue',
		type: 'string',
		default: 'N',
		displayOptions: { show: { convert: ['boolean'], booleanOutput: ['pair'] } },
	},
];

const OTHER_FIELDS: INodeProperties[] = [
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
			{ name: 'RFC 3966 URI', value: 'rfc3966', description: 'Tel:+61-2-9876-5432' },
		],
		default: 'e164',
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
			{ name: 'Error', value: 'error' },
			{ name: 'Keep As Is', value: 'keep' },
			{ name: 'Use Default', value: 'default' },
		],
		default: 'error',
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

const FIELD_VALUES: INodeProperties[] = [
	{
		displayName: 'Target Field',
		name: 'target',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. invoice.total or lines[*].amount',
		description:
			'Path in the output item. Use [*] to write one value per element of a source list.',
	},
	{
		displayName: 'Source Field',
		name: 'source',
		type: 'string',
		default: '',
		placeholder: 'e.g. Total or LineItems[*].UnitAmount',
		description:
			'Path in the input item, or an expression that gives the value. An expression that refers to the item ($JSON, .item) is evaluated for each item, which costs time; one that does not is evaluated once.',
	},
	{
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
			{ name: 'Date / Time', value: 'date' },
			{ name: 'Email', value: 'email', description: 'Trimmed, lower-cased and checked' },
			{
				name: 'Money',
				value: 'money',
				description: "Exact, in the currency's minor units; never floating point",
			},
			{ name: 'Number', value: 'number', description: "In the profile's decimal style" },
			{ name: 'Phone Number', value: 'phone', description: 'Checked, in E.164 or another format' },
			{ name: 'Text', value: 'string', description: 'Trim, case, whitespace' },
			{ name: 'Value Map', value: 'valueMap', description: 'Source values to canonical values' },
		],
		default: 'copy',
	},
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
			{ name: 'Set Null', value: 'null' },
			{ name: 'Skip Field', value: 'skip', description: 'Leave the target out' },
			{ name: 'Use Default', value: 'default' },
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

const PROFILE_OPTIONS: INodeProperties[] = [
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

export const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Export Mapping',
				value: 'exportMapping',
				action: 'Export the mapping as JSON',
				description:
					'Output the checked mapping as JSON, every default filled in, to share one canonical model between workflows',
			},
			{
				name: 'Transform',
				value: 'transform',
				action: 'Transform items into another model',
				description:
					'Map and convert every item; items that cannot be converted go to the error output',
			},
		],
		default: 'transform',
	},
	{
		displayName: 'Mapping From',
		name: 'mappingSource',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Fields Below',
				value: 'fields',
				description: 'Set up the mapping here, field by field',
			},
			{
				name: 'JSON',
				value: 'json',
				description:
					'Paste a mapping exported from another Canonical Transform, or reference one with an expression',
			},
		],
		default: 'fields',
	},
	{
		displayName: 'Mapping (JSON)',
		name: 'mappingJson',
		type: 'json',
		default:
			'{\n  "profile": {},\n  "fields": [\n    { "target": "id", "source": "id", "convert": "copy" }\n  ]\n}',
		required: true,
		description:
			"A mapping with its profile, as Export Mapping writes it. An expression that does not refer to the current item, e.g. {{ $('Load Model').first().JSON.mapping }}, is read once per execution.",
		displayOptions: { show: { mappingSource: ['json'] } },
	},
	{
		displayName: 'Fields',
		name: 'mappings',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Field',
		default: {},
		description: 'Each row writes one target field from one source field, through one converter',
		displayOptions: fieldsMode,
		options: [{ displayName: 'Field', name: 'field', values: FIELD_VALUES }],
	},
	{
		displayName: 'Source Profile',
		name: 'profile',
		type: 'collection',
		placeholder: 'Add Profile Setting',
		default: {},
		description:
			'How the source system writes dates, numbers, currencies, phone numbers and yes/no, applied to every field',
		displayOptions: fieldsMode,
		options: PROFILE_OPTIONS,
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				...correlationFieldProperty,
				description: 'Field that carries the correlation ID. Items without one get a new UUIDv7.',
				displayOptions: { show: { '/operation': ['transform'] } },
			},
			{
				displayName: 'Mapping Name',
				name: 'mappingName',
				type: 'string',
				default: '',
				placeholder: 'e.g. xero-invoice-to-canonical',
				description: 'Name written into the exported mapping',
				displayOptions: { show: { '/mappingSource': ['fields'] } },
			},
			{
				displayName: 'Missing Values',
				name: 'missing',
				type: 'options',
				options: [
					{ name: 'Error', value: 'error', description: 'The item goes to the error output' },
					{ name: 'Set Null', value: 'null' },
					{ name: 'Skip Field', value: 'skip', description: 'Leave the target out' },
					{ name: 'Use Default', value: 'default', description: "Each field's Default Value" },
				],
				default: 'skip',
				description:
					'What an absent, null or blank source value becomes, unless the field says otherwise',
				displayOptions: { show: { '/mappingSource': ['fields'] } },
			},
			{
				displayName: 'Unmapped Fields',
				name: 'unmapped',
				type: 'options',
				options: [
					{ name: 'Drop', value: 'drop', description: 'The output has only the target fields' },
					{
						name: 'Keep',
						value: 'keep',
						description: 'Fields no row reads stay at their own paths',
					},
				],
				default: 'drop',
				displayOptions: { show: { '/mappingSource': ['fields'] } },
			},
		],
	},
];
