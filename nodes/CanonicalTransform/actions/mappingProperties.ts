import type { DisplayCondition, INodeProperties } from 'n8n-workflow';

import { correlationFieldProperty } from '../../shared';
import { FIELD_VALUES } from './fieldValues';
import { PROFILE_OPTIONS } from './profileOptions';
import { FIELD_VALUES_V12 } from './rowOptions';

const presetMode = { show: { mappingSource: ['preset'] } };
const panelModes = { show: { mappingSource: ['fields', 'preset'] } };

const MISSING_OPTIONS = [
	{ name: 'Error', value: 'error', description: 'The item goes to the error output' },
	{ name: 'Set Null', value: 'null', description: 'Write null to the target' },
	{ name: 'Skip Field', value: 'skip', description: 'Leave the target out' },
	{ name: 'Use Default', value: 'default', description: "Each field's Default Value" },
];

/** The vendor objects a preset reads (core: transform.PRESETS). */
const PRESET_SOURCE_OPTIONS = [
	{ name: 'HubSpot Company', value: 'hubspotCompany' },
	{ name: 'HubSpot Contact', value: 'hubspotContact' },
	{ name: 'HubSpot Deal', value: 'hubspotDeal' },
	{ name: 'QuickBooks Customer', value: 'quickbooksCustomer' },
	{ name: 'QuickBooks Invoice', value: 'quickbooksInvoice' },
	{ name: 'Salesforce Account', value: 'salesforceAccount' },
	{ name: 'Salesforce Contact', value: 'salesforceContact' },
	{ name: 'Salesforce Opportunity', value: 'salesforceOpportunity' },
	{ name: 'Shopify Customer', value: 'shopifyCustomer' },
	{ name: 'Shopify Order', value: 'shopifyOrder' },
	{ name: 'Stripe Charge', value: 'stripeCharge' },
	{ name: 'Stripe Customer', value: 'stripeCustomer' },
	{ name: 'Stripe Invoice', value: 'stripeInvoice' },
	{ name: 'Xero Contact', value: 'xeroContact' },
	{ name: 'Xero Invoice', value: 'xeroInvoice' },
];

/** Fields: the row of versions 1 and 1.1, or the shorter row of 1.2. */
function fieldsProperty(
	versions: DisplayCondition,
	values: INodeProperties[],
	description: string,
): INodeProperties {
	return {
		displayName: 'Fields',
		name: 'mappings',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Field',
		default: {},
		description,
		displayOptions: { show: { ...panelModes.show, '@version': [versions] } },
		options: [{ displayName: 'Field', name: 'field', values }],
	};
}

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
			{
				name: 'Vendor Preset',
				value: 'preset',
				description:
					'A ready mapping from a Stripe, Xero, HubSpot, Salesforce, Shopify or QuickBooks object, editable below',
			},
		],
		default: 'fields',
		description: 'Where the mapping comes from',
	},
	{
		displayName: 'Source Object',
		name: 'presetSource',
		type: 'options',
		noDataExpression: true,
		options: PRESET_SOURCE_OPTIONS,
		default: 'stripeInvoice',
		description: 'The vendor object each input item is, as its API returns it',
		displayOptions: presetMode,
	},
	{
		displayName: 'Canonical Model',
		name: 'presetModel',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Customer', value: 'customer', description: 'Contacts, companies, accounts' },
			{
				name: 'Invoice',
				value: 'invoice',
				description: 'Invoices; deals, opportunities and orders as what they bill',
			},
			{
				name: 'Order',
				value: 'order',
				description: 'Shopify orders, HubSpot deals, opportunities',
			},
			{ name: 'Payment', value: 'payment', description: 'Stripe charges' },
		],
		default: 'invoice',
		description:
			'The model to write. Fields below replace the preset field with the same target or add one.',
		displayOptions: presetMode,
	},
	{
		displayName: 'Remove Preset Fields',
		name: 'presetRemove',
		type: 'string',
		default: '',
		placeholder: 'e.g. lines[*].quantity, dueOn',
		description: 'Comma-separated targets of the preset to leave out',
		displayOptions: presetMode,
	},
	{
		displayName: 'Mapping (JSON)',
		name: 'mappingJson',
		type: 'json',
		default:
			'{\n  "profile": {},\n  "fields": [\n    { "target": "id", "source": "id", "convert": "copy" }\n  ]\n}',
		required: true,
		description:
			'A mapping with its profile, as Export Mapping writes it, or an expression that gives one, e.g. the output of an Export Mapping node. An expression that does not read the current item is read once per execution.',
		displayOptions: { show: { mappingSource: ['json'] } },
	},
	fieldsProperty(
		{ _cnd: { lt: 1.2 } },
		FIELD_VALUES,
		'Each row writes one target field from one source field or a constant, through one converter. With a preset, a row replaces the preset field with the same target, or adds one.',
	),
	fieldsProperty(
		{ _cnd: { gte: 1.2 } },
		FIELD_VALUES_V12,
		'Each row writes one target field from a field of the input item or a fixed value, converted as chosen; add options to a row for its converter settings. With a preset, a row replaces the preset field with the same target, or adds one.',
	),
	{
		displayName: 'Source Profile',
		name: 'profile',
		type: 'collection',
		placeholder: 'Add Profile Setting',
		default: {},
		description:
			"How the source system writes dates, numbers, currencies, phone numbers and yes/no, applied to every field. With a preset, settings added here override the preset's.",
		displayOptions: panelModes,
		options: PROFILE_OPTIONS,
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		description: 'Settings for the whole mapping',
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
				displayOptions: { show: { '/mappingSource': ['fields', 'preset'] } },
			},
			{
				displayName: 'Missing Values',
				name: 'missing',
				type: 'options',
				options: MISSING_OPTIONS,
				default: 'skip',
				description:
					'What an absent, null or blank source value becomes, unless the field says otherwise',
				displayOptions: {
					show: { '/mappingSource': ['fields', 'preset'], '@version': [{ _cnd: { lt: 1.1 } }] },
				},
			},
			{
				displayName: 'Missing Values',
				name: 'missing',
				type: 'options',
				options: MISSING_OPTIONS,
				default: 'error',
				description:
					'What an absent, null or blank source value becomes, unless the field says otherwise. Every field is required unless its If Missing says otherwise.',
				displayOptions: {
					show: { '/mappingSource': ['fields', 'preset'], '@version': [{ _cnd: { gte: 1.1 } }] },
				},
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
				description: 'What happens to the input fields that no row reads',
				displayOptions: { show: { '/mappingSource': ['fields', 'preset'] } },
			},
		],
	},
];
