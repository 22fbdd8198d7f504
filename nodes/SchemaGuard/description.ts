import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { correlationFieldProperty, scopeProperty, storeProperty } from '../shared';

export const SCHEMA_GUARD_STORES = ['embedded', 'redis', 'postgres'] as const;

const memoryOn = { show: { driftMemory: [true] } };

function contractOptions(kind: {
	evolve: string;
	discardValue: string;
	discardRow: string;
	freeze: string;
}): INodePropertyOptions[] {
	return [
		{ name: 'Evolve', value: 'evolve', description: `Accept the change: ${kind.evolve}` },
		{ name: 'Discard Value', value: 'discardValue', description: kind.discardValue },
		{
			name: 'Discard Item',
			value: 'discardRow',
			description: `Refuse the whole item: ${kind.discardRow}`,
		},
		{ name: 'Freeze', value: 'freeze', description: kind.freeze },
	];
}

const FIELD_TYPE_OPTIONS: INodePropertyOptions[] = [
	{ name: 'Any', value: 'any', description: 'Any value; only its presence is checked' },
	{ name: 'Array', value: 'array', description: 'A list of values' },
	{ name: 'Boolean', value: 'boolean', description: 'True or false' },
	{ name: 'Integer', value: 'integer', description: 'A whole number' },
	{ name: 'Number', value: 'number', description: 'Any number, whole or decimal' },
	{
		name: 'Object',
		value: 'object',
		description: 'Describe its fields as name.field, or leave it free-form',
	},
	{ name: 'String', value: 'string', description: 'Text' },
];

const FORMAT_OPTIONS: INodePropertyOptions[] = [
	{ name: 'Date (YYYY-MM-DD)', value: 'date' },
	{ name: 'Date-Time (with Time Zone)', value: 'date-time' },
	{ name: 'Email', value: 'email' },
	{ name: 'Host Name', value: 'hostname' },
	{ name: 'IPv4', value: 'ipv4' },
	{ name: 'IPv6', value: 'ipv6' },
	{ name: 'Time (with Time Zone)', value: 'time' },
	{ name: 'URI', value: 'uri' },
	{ name: 'UUID', value: 'uuid' },
];

const fieldList: INodeProperties = {
	displayName: 'Fields',
	name: 'fields',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true, sortable: true },
	placeholder: 'Add Field',
	default: {},
	description:
		'The fields every item must have. Nest with dots and brackets: customer.email, lines[].sku, tags[] (the elements of tags).',
	displayOptions: { show: { schemaSource: ['fields'] } },
	options: [
		{
			displayName: 'Field',
			name: 'field',
			values: [
				{
					displayName: 'Allow Null',
					name: 'nullable',
					type: 'boolean',
					default: false,
					description:
						'Whether null is accepted besides the type. Nullable fields are watched for null-rate jumps.',
				},
				{
					displayName: 'Constraints',
					name: 'constraints',
					type: 'collection',
					placeholder: 'Add Constraint',
					default: {},
					description:
						'More rules the value must follow: allowed values, a format, a range or a pattern',
					options: [
						{
							displayName: 'Allowed Values',
							name: 'allowedValues',
							type: 'string',
							default: '',
							placeholder: 'e.g. active, paused, closed',
							description:
								'Comma-separated, or a JSON list for values with commas. A value outside the list makes the item invalid and shows in the drift report.',
						},
						{
							displayName: 'Description',
							name: 'description',
							type: 'string',
							default: '',
							description: 'A note kept in the schema',
						},
						{
							displayName: 'Format',
							name: 'format',
							type: 'options',
							options: FORMAT_OPTIONS,
							default: 'email',
							description: 'For strings: the form the text must have',
						},
						{
							displayName: 'Maximum',
							name: 'maximum',
							type: 'number',
							default: 0,
							description:
								'Strings: longest length. Numbers: largest value. Arrays: most items. Objects: most fields.',
						},
						{
							displayName: 'Minimum',
							name: 'minimum',
							type: 'number',
							default: 0,
							description:
								'Strings: shortest length. Numbers: smallest value. Arrays: fewest items. Objects: fewest fields.',
						},
						{
							displayName: 'Pattern',
							name: 'pattern',
							type: 'string',
							default: '',
							placeholder: 'e.g. ^[A-Z]{3}-\\d+$',
							description:
								'For strings: a regular expression the text must match. Anchor it with ^ and $ to match the whole text. Runs in linear time, so backreferences and lookaround are not available.',
						},
					],
				},
				{
					displayName: 'Name',
					name: 'name',
					type: 'string',
					default: '',
					required: true,
					placeholder: 'e.g. customer.email',
					description:
						'The field to check. Nest with dots and brackets: customer.email, lines[].sku.',
				},
				{
					displayName: 'Required',
					name: 'required',
					type: 'boolean',
					default: true,
					description:
						'Whether every item must have this field (a nested field: whenever its parent is there)',
				},
				{
					displayName: 'Type',
					name: 'type',
					type: 'options',
					options: FIELD_TYPE_OPTIONS,
					default: 'string',
					description: 'The type the value must have',
				},
			],
		},
	],
};

export const properties: INodeProperties[] = [
	{
		displayName: 'Schema Source',
		name: 'schemaSource',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Field List', value: 'fields', description: 'List the fields here' },
			{
				name: 'JSON Schema',
				value: 'jsonSchema',
				description: 'Paste a JSON Schema (draft 2020-12 or draft-07)',
			},
			{
				name: 'Sample Payload',
				value: 'sample',
				description:
					'Infer the schema from an example; the node shows what it inferred so you can pin it',
			},
		],
		default: 'fields',
		description: 'How the expected shape of each item is given',
	},
	fieldList,
	{
		displayName: 'JSON Schema',
		name: 'jsonSchema',
		type: 'json',
		default:
			'{\n  "type": "object",\n  "properties": {\n    "id": { "type": "integer" }\n  },\n  "required": ["id"]\n}',
		required: true,
		description:
			'The schema every item must match. Fields it lists are checked; fields it does not list are "new fields" for the contract below. Read once per execution.',
		displayOptions: { show: { schemaSource: ['jsonSchema'] } },
	},
	{
		displayName: 'Sample Payload',
		name: 'sample',
		type: 'json',
		default: '{\n  "id": 1,\n  "email": "ada@example.com"\n}',
		required: true,
		description:
			'One example item, or a JSON list of them. Fields in every example are required; numbers are checked as numbers; formats (email, date-time, UUID) are kept when every example has them.',
		displayOptions: { show: { schemaSource: ['sample'] } },
	},
	{
		displayName: 'Schema Name',
		name: 'schemaName',
		type: 'string',
		default: '',
		placeholder: 'e.g. hubspot-contact',
		description:
			'Recorded on every output item and in the drift report. With drift memory, the name and version identify what is remembered.',
	},
	{
		displayName: 'Schema Version',
		name: 'schemaVersion',
		type: 'string',
		default: '1',
		description:
			'Bump it when you change the schema on purpose: drift memory starts afresh for a new version',
	},
	{
		displayName: 'On New Fields',
		name: 'onFieldAdded',
		type: 'options',
		options: contractOptions({
			evolve: 'pass the item on with the new field, and report it as drift',
			discardValue: 'Remove the new field, pass the item on, and report it',
			discardRow: 'it goes to the Invalid output with the problem named',
			freeze: 'Stop: the node fails, naming the field',
		}),
		default: 'evolve',
		description:
			'What to do with fields the schema does not list. Where the schema says additionalProperties: false, Evolve acts as Discard Item.',
	},
	{
		displayName: 'On Type Changes',
		name: 'onTypeChanged',
		type: 'options',
		options: contractOptions({
			evolve: 'pass the item on with the value as it came, and report it as drift',
			discardValue: 'Remove the value of the wrong type, pass the item on, and report it',
			discardRow: 'it goes to the Invalid output with the problem named',
			freeze: 'Stop: the node fails, naming the field',
		}),
		default: 'discardRow',
		description:
			'What to do when a field arrives with another type than the schema says (a number as text, say)',
	},
	{
		displayName: 'On Missing Fields',
		name: 'onRequiredMissing',
		type: 'options',
		options: contractOptions({
			evolve: 'pass the item on without the field, and report it as drift',
			discardValue: 'Pass the item on with the field set to null, and report it',
			discardRow: 'it goes to the Invalid output with the problem named',
			freeze: 'Stop: the node fails, naming the field',
		}),
		default: 'discardRow',
		description: 'What to do when a required field is missing',
	},
	{
		displayName: 'Drift Report Output',
		name: 'driftReport',
		type: 'boolean',
		default: true,
		noDataExpression: true,
		description:
			'Whether to add a third output with one summary item when the items differ from the schema: new fields, missing fields, type changes, unseen values, null-rate jumps',
	},
	{
		displayName: 'Remember Drift',
		name: 'driftMemory',
		type: 'boolean',
		default: false,
		description:
			"Whether to report each kind of drift once, the first time it is seen, instead of on every execution. Also learns each nullable field's usual share of nulls.",
	},
	{ ...storeProperty([...SCHEMA_GUARD_STORES]), displayOptions: memoryOn },
	{ ...scopeProperty('e.g. hubspot-contacts'), displayOptions: memoryOn },
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		description:
			'Dialect, formats, referenced schemas, the part of the item to check, and what the result and drift memory hold',
		options: [
			{
				displayName: 'Add Result to Valid Items',
				name: 'annotateValid',
				type: 'boolean',
				default: true,
				description:
					'Whether valid items get the output field (schema, version, changes let through). Turn off when the next node maps every field of the item, e.g. a database insert.',
			},
			{
				displayName: 'Alert Again After (Days)',
				name: 'alertAgainDays',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description:
					'With drift memory: report a drift again after this many days. 0 reports it once, until Remember Drift For runs out.',
				displayOptions: { show: { '/driftMemory': [true] } },
			},
			{
				displayName: 'Check Formats',
				name: 'checkFormats',
				type: 'boolean',
				default: true,
				description:
					'Whether "format" is a rule (an email field must hold an email address) or only a label, as JSON Schema 2020-12 reads it by default. Checked: date-time, date, time, duration, email, idn-email, hostname, ipv4, ipv6, uri, uri-reference, iri, iri-reference, uri-template, uuid, JSON pointers, regex, and OpenAPI\'s byte, int32, int64.',
			},
			{ ...correlationFieldProperty },
			{
				displayName: 'Dialect',
				name: 'dialect',
				type: 'options',
				options: [
					{
						name: 'Auto-Detect',
						value: 'auto',
						description:
							'$schema decides; without it, draft-07 keywords (definitions, dependencies, array items) mean draft-07, else 2020-12',
					},
					{
						name: 'JSON Schema 2019-09',
						value: 'draft2019-09',
						description: 'Read the schema by the 2019-09 rules',
					},
					{
						name: 'JSON Schema 2020-12',
						value: 'draft2020-12',
						description: 'Read the schema by the 2020-12 rules, the current standard',
					},
					{
						name: 'JSON Schema Draft-07',
						value: 'draft-07',
						description: 'Read the schema by the draft-07 rules (definitions, dependencies)',
					},
					{
						name: 'OpenAPI 3.0',
						value: 'openapi3.0',
						description:
							'Schema objects from an OpenAPI 3.0 document: nullable: true also allows null',
					},
				],
				default: 'auto',
				description: 'Which version of JSON Schema the schema is written in',
			},
			{
				displayName: 'Field to Check',
				name: 'fieldToCheck',
				type: 'string',
				default: '',
				placeholder: 'e.g. body',
				description:
					'Dot-notation path of the value to check, e.g. body after a Webhook node. Empty checks the whole item. Problems name fields relative to it.',
			},
			{
				displayName: 'Max Problems per Item',
				name: 'maxProblems',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 20,
				description: 'Invalid items list at most this many problems (all are counted)',
			},
			{
				displayName: 'Max Remembered Drifts',
				name: 'maxDriftMarkers',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 10000,
				description:
					'With drift memory: at most this many drifts (a new field, type or enum value each) are remembered per scope, so data cannot grow the store without bound. When it is full, drift is reported on every execution and the node says so.',
				displayOptions: { show: { '/driftMemory': [true] } },
			},
			{
				displayName: 'Null Rate Jump (Percentage Points)',
				name: 'nullRateJump',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 100 },
				default: 25,
				description:
					'Report a nullable field whose share of nulls rose by at least this much over its usual share (learned with drift memory, or the x-null-rate of an inferred schema)',
			},
			{
				displayName: 'Null Rate Minimum Values',
				name: 'nullRateMinValues',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 20,
				description:
					'Fewer values of a field than this in one execution say nothing about its null rate',
			},
			{
				displayName: 'Output Field',
				name: 'outputField',
				type: 'string',
				default: 'schemaGuard',
				description:
					'Field added to each item with the result: valid or not, the problems, the changes let through',
			},
			{
				displayName: 'Referenced Schemas',
				name: 'referencedSchemas',
				type: 'json',
				default: '[]',
				description:
					'Schemas the schema refers to by URI ($ref), as a JSON array of schemas that carry their own URI, or a JSON object of schemas keyed by URI. Schema Guard never fetches a schema from the network; the JSON Schema meta-schemas are built in.',
			},
			{
				displayName: 'Remember Drift For (Days)',
				name: 'driftMemoryDays',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 30,
				description:
					"With drift memory: how long a drift, and each field's null counts, are remembered. After that the same drift is reported again, once.",
				displayOptions: { show: { '/driftMemory': [true] } },
			},
		],
	},
];
