import type { INodeProperties } from 'n8n-workflow';

import { correlationFieldProperty } from '../../shared';
import { FIELD_VALUES } from './fieldValues';
import { PROFILE_OPTIONS } from './profileOptions';

const fieldsMode = { show: { mappingSource: ['fields'] } };

/**
 * The mapping, which both operations read: Transform applies it to every item, Export
 * Mapping writes it out as JSON. Mapping From, Mapping (JSON), Fields, Source Profile and
 * Options; Options holds the one setting only Transform uses (Correlation ID Field).
 */
export const mappingProperties: INodeProperties[] = [
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
