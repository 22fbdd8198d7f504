import type { JsonValue } from '../json';
import { MappingError } from './errors';
import type { SourceProfile } from './profile';
import type { MappingInput } from './schema';

/*
 * Vendor presets: for a source object (a Stripe invoice, a Xero contact…) and a canonical
 * model, the mapping a builder would otherwise set up row by row. A preset is data: a
 * profile and a list of mapping entries in the mapping JSON's own form, expanded by
 * presetMapping() and checked by the same compiler as any mapping. Edits are rows of the
 * node's Fields list: a row with a preset field's target replaces it, any other row is
 * added; profile settings given in the node override the preset's.
 */

export const CANONICAL_MODELS = ['customer', 'invoice', 'order', 'payment'] as const;
export type CanonicalModel = (typeof CANONICAL_MODELS)[number];

export const PRESET_SOURCES = [
	'hubspotCompany',
	'hubspotContact',
	'hubspotDeal',
	'quickbooksCustomer',
	'quickbooksInvoice',
	'salesforceAccount',
	'salesforceContact',
	'salesforceOpportunity',
	'shopifyCustomer',
	'shopifyOrder',
	'stripeCharge',
	'stripeCustomer',
	'stripeInvoice',
	'xeroContact',
	'xeroInvoice',
] as const;
export type PresetSource = (typeof PRESET_SOURCES)[number];

type FieldInput = MappingInput['fields'][number];

export interface Preset {
	source: PresetSource;
	model: CanonicalModel;
	/** The constant written to `source` in the canonical item: "stripe", "xero"… */
	system: string;
	/** The vendor's API reference page for the object read. */
	reference: string;
	profile: Partial<SourceProfile>;
	/** The mapping entries; `missing: "error"` marks a required canonical field. */
	fields: FieldInput[];
}

// Mapping entries, written short. Required fields fail the item when missing; optional ones are skipped.
type Need = { missing: 'error' | 'skip' };
const required: Need = { missing: 'error' };
const optional: Need = { missing: 'skip' };
const text = (target: string, source: string, need = optional): FieldInput => ({
	target,
	source,
	convert: 'string',
	...need,
});
const email = (target: string, source: string): FieldInput => ({
	target,
	source,
	convert: 'email',
	...optional,
});
const phone = (target: string, source: string): FieldInput => ({
	target,
	source,
	convert: 'phone',
	...optional,
});
const quantity = (target: string, source: string): FieldInput => ({
	target,
	source,
	convert: 'number',
	...optional,
});
const constant = (target: string, value: JsonValue): FieldInput => ({
	target,
	value,
	convert: 'copy',
	...required,
});
/** Money as the canonical object { currency, amount, amountMinor }. */
const money = (
	target: string,
	source: string,
	currencyField: string,
	input: 'amount' | 'minor',
	need = optional,
): FieldInput => ({
	target,
	source,
	convert: 'money',
	options: { input, currencyField, output: 'object' },
	...need,
});
/** A calendar date ("2025-03-04", output "date") or an instant (ISO 8601 in UTC, with milliseconds). */
const date =
	(output: 'date' | 'iso') =>
	(target: string, source: string, input: 'auto' | 'unixSeconds' = 'auto'): FieldInput => ({
		target,
		source,
		convert: 'date',
		options: { input, output },
		...optional,
	});
const day = date('date');
const instant = date('iso');
const status = (
	target: string,
	source: string,
	map: Record<string, string>,
	otherwise: string | null = null,
): FieldInput => ({
	target,
	source,
	convert: 'valueMap',
	options:
		otherwise === null
			? { map, unmapped: 'error' }
			: { map, unmapped: 'default', default: otherwise },
	...optional,
});

const STRIPE = { minorUnits: 'stripe' } as const;
const API = {
	stripeCharge: 'https://docs.stripe.com/api/charges/object',
	stripeInvoice: 'https://docs.stripe.com/api/invoices/object',
	stripeCustomer: 'https://docs.stripe.com/api/customers/object',
	xeroInvoice: 'https://developer.xero.com/documentation/api/accounting/invoices',
	xeroContact: 'https://developer.xero.com/documentation/api/accounting/contacts',
	hubspotContact: 'https://developers.hubspot.com/docs/api/crm/contacts',
	hubspotCompany: 'https://developers.hubspot.com/docs/api/crm/companies',
	hubspotDeal: 'https://developers.hubspot.com/docs/api/crm/deals',
	salesforceAccount:
		'https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_account.htm',
	salesforceContact:
		'https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contact.htm',
	salesforceOpportunity:
		'https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunity.htm',
	shopifyOrder: 'https://shopify.dev/docs/api/admin-rest/latest/resources/order',
	shopifyCustomer: 'https://shopify.dev/docs/api/admin-rest/latest/resources/customer',
	quickbooksInvoice:
		'https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice',
	quickbooksCustomer:
		'https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer',
} as const satisfies Record<PresetSource, string>;

/**
 * The Invoice model: source, id, number, title, status (draft, open, paid, void,
 * uncollectible), customer { id, name, email }, total and amountDue as money objects,
 * issuedOn and dueOn as dates, updatedAt as an instant, lines[*] { description,
 * quantity, amount }. Required: source, id, total.
 */
const INVOICES: Array<Omit<Preset, 'model'>> = [
	{
		source: 'stripeInvoice',
		system: 'stripe',
		reference: API.stripeInvoice,
		profile: STRIPE,
		fields: [
			text('id', 'id', required),
			text('number', 'number'),
			text('title', 'description'),
			status('status', 'status', {
				draft: 'draft',
				open: 'open',
				paid: 'paid',
				void: 'void',
				uncollectible: 'uncollectible',
			}),
			text('customer.id', 'customer'),
			text('customer.name', 'customer_name'),
			email('customer.email', 'customer_email'),
			money('total', 'total', 'currency', 'minor', required),
			money('amountDue', 'amount_due', 'currency', 'minor'),
			day('issuedOn', 'created', 'unixSeconds'),
			day('dueOn', 'due_date', 'unixSeconds'),
			text('lines[*].description', 'lines.data[*].description'),
			quantity('lines[*].quantity', 'lines.data[*].quantity'),
			money('lines[*].amount', 'lines.data[*].amount', 'lines.data[*].currency', 'minor'),
		],
	},
	{
		source: 'xeroInvoice',
		system: 'xero',
		reference: API.xeroInvoice,
		profile: {},
		fields: [
			text('id', 'InvoiceID', required),
			text('number', 'InvoiceNumber'),
			text('title', 'Reference'),
			status('status', 'Status', {
				DRAFT: 'draft',
				SUBMITTED: 'draft',
				AUTHORISED: 'open',
				PAID: 'paid',
				VOIDED: 'void',
				DELETED: 'void',
			}),
			text('customer.id', 'Contact.ContactID'),
			text('customer.name', 'Contact.Name'),
			email('customer.email', 'Contact.EmailAddress'),
			money('total', 'Total', 'CurrencyCode', 'amount', required),
			money('amountDue', 'AmountDue', 'CurrencyCode', 'amount'),
			// The written dates, not the /Date(…)/ instants: Xero's dates are calendar dates.
			day('issuedOn', 'DateString'),
			day('dueOn', 'DueDateString'),
			instant('updatedAt', 'UpdatedDateUTC'),
			text('lines[*].description', 'LineItems[*].Description'),
			quantity('lines[*].quantity', 'LineItems[*].Quantity'),
			money('lines[*].amount', 'LineItems[*].LineAmount', 'CurrencyCode', 'amount'),
		],
	},
	{
		source: 'hubspotDeal',
		system: 'hubspot',
		reference: API.hubspotDeal,
		profile: {},
		fields: [
			text('id', 'id', required),
			text('title', 'properties.dealname'),
			status('status', 'properties.dealstage', { closedwon: 'paid', closedlost: 'void' }, 'open'),
			money('total', 'properties.amount', 'properties.deal_currency_code', 'amount', required),
			day('issuedOn', 'properties.closedate'),
			instant('updatedAt', 'updatedAt'),
		],
	},
	{
		source: 'salesforceOpportunity',
		system: 'salesforce',
		reference: API.salesforceOpportunity,
		profile: {},
		fields: [
			text('id', 'Id', required),
			text('title', 'Name'),
			status('status', 'StageName', { 'Closed Won': 'paid', 'Closed Lost': 'void' }, 'open'),
			text('customer.id', 'AccountId'),
			// CurrencyIsoCode exists only in multi-currency orgs: set Default Currency otherwise.
			money('total', 'Amount', 'CurrencyIsoCode', 'amount', required),
			day('issuedOn', 'CloseDate'),
			instant('updatedAt', 'LastModifiedDate'),
		],
	},
	{
		source: 'shopifyOrder',
		system: 'shopify',
		reference: API.shopifyOrder,
		profile: {},
		fields: [
			text('id', 'id', required),
			text('number', 'name'),
			status(
				'status',
				'financial_status',
				{
					pending: 'open',
					authorized: 'open',
					partially_paid: 'open',
					paid: 'paid',
					partially_refunded: 'paid',
					refunded: 'void',
					voided: 'void',
				},
				'open',
			),
			text('customer.id', 'customer.id'),
			email('customer.email', 'email'),
			money('total', 'total_price', 'currency', 'amount', required),
			day('issuedOn', 'created_at'),
			instant('updatedAt', 'updated_at'),
			text('lines[*].description', 'line_items[*].name'),
			quantity('lines[*].quantity', 'line_items[*].quantity'),
			money('lines[*].amount', 'line_items[*].price', 'currency', 'amount'),
		],
	},
	{
		source: 'quickbooksInvoice',
		system: 'quickbooks',
		reference: API.quickbooksInvoice,
		profile: {},
		fields: [
			text('id', 'Id', required),
			text('number', 'DocNumber'),
			text('customer.id', 'CustomerRef.value'),
			text('customer.name', 'CustomerRef.name'),
			email('customer.email', 'BillEmail.Address'),
			// CurrencyRef is sent only with multicurrency on: set Default Currency otherwise.
			money('total', 'TotalAmt', 'CurrencyRef.value', 'amount', required),
			money('amountDue', 'Balance', 'CurrencyRef.value', 'amount'),
			day('issuedOn', 'TxnDate'),
			day('dueOn', 'DueDate'),
			instant('updatedAt', 'MetaData.LastUpdatedTime'),
			text('lines[*].description', 'Line[*].Description'),
			quantity('lines[*].quantity', 'Line[*].SalesItemLineDetail.Qty'),
			money('lines[*].amount', 'Line[*].Amount', 'CurrencyRef.value', 'amount'),
		],
	},
];

/** An order is an invoice's fields with orderedOn for issuedOn and no due date. */
function asOrder(preset: Omit<Preset, 'model'>): Omit<Preset, 'model'> {
	return {
		...preset,
		fields: preset.fields
			.filter((field) => field.target !== 'dueOn' && field.target !== 'amountDue')
			.map((field) => (field.target === 'issuedOn' ? { ...field, target: 'orderedOn' } : field)),
	};
}

/**
 * The Payment model: source, id, status (succeeded, pending, failed), amount (money),
 * amountRefunded, paidAt, customer.id, invoiceId, description. Required: source, id, amount.
 */
const PAYMENTS: Array<Omit<Preset, 'model'>> = [
	{
		source: 'stripeCharge',
		system: 'stripe',
		reference: API.stripeCharge,
		profile: STRIPE,
		fields: [
			text('id', 'id', required),
			status('status', 'status', {
				succeeded: 'succeeded',
				pending: 'pending',
				failed: 'failed',
			}),
			money('amount', 'amount', 'currency', 'minor', required),
			money('amountRefunded', 'amount_refunded', 'currency', 'minor'),
			instant('paidAt', 'created', 'unixSeconds'),
			text('customer.id', 'customer'),
			text('invoiceId', 'invoice'),
			text('description', 'description'),
		],
	},
];

/**
 * The Customer model: source, id, name, firstName, lastName, email, phone (E.164),
 * company, country, createdAt, updatedAt. Required: source, id.
 */
const CUSTOMERS: Array<Omit<Preset, 'model'>> = [
	{
		source: 'stripeCustomer',
		system: 'stripe',
		reference: API.stripeCustomer,
		profile: STRIPE,
		fields: [
			text('id', 'id', required),
			text('name', 'name'),
			email('email', 'email'),
			phone('phone', 'phone'),
			text('country', 'address.country'),
			instant('createdAt', 'created', 'unixSeconds'),
		],
	},
	{
		source: 'xeroContact',
		system: 'xero',
		reference: API.xeroContact,
		profile: {},
		fields: [
			text('id', 'ContactID', required),
			text('name', 'Name'),
			text('firstName', 'FirstName'),
			text('lastName', 'LastName'),
			email('email', 'EmailAddress'),
			instant('updatedAt', 'UpdatedDateUTC'),
		],
	},
	{
		source: 'hubspotContact',
		system: 'hubspot',
		reference: API.hubspotContact,
		profile: {},
		fields: [
			text('id', 'id', required),
			text('firstName', 'properties.firstname'),
			text('lastName', 'properties.lastname'),
			email('email', 'properties.email'),
			phone('phone', 'properties.phone'),
			text('company', 'properties.company'),
			instant('createdAt', 'createdAt'),
			instant('updatedAt', 'updatedAt'),
		],
	},
	{
		source: 'hubspotCompany',
		system: 'hubspot',
		reference: API.hubspotCompany,
		profile: {},
		fields: [
			text('id', 'id', required),
			text('name', 'properties.name'),
			text('company', 'properties.name'),
			text('website', 'properties.domain'),
			phone('phone', 'properties.phone'),
			text('country', 'properties.country'),
			instant('createdAt', 'createdAt'),
			instant('updatedAt', 'updatedAt'),
		],
	},
	{
		source: 'salesforceAccount',
		system: 'salesforce',
		reference: API.salesforceAccount,
		profile: {},
		fields: [
			text('id', 'Id', required),
			text('name', 'Name'),
			text('company', 'Name'),
			phone('phone', 'Phone'),
			text('website', 'Website'),
			text('country', 'BillingCountry'),
			instant('createdAt', 'CreatedDate'),
			instant('updatedAt', 'LastModifiedDate'),
		],
	},
	{
		source: 'salesforceContact',
		system: 'salesforce',
		reference: API.salesforceContact,
		profile: {},
		fields: [
			text('id', 'Id', required),
			text('name', 'Name'),
			text('firstName', 'FirstName'),
			text('lastName', 'LastName'),
			email('email', 'Email'),
			phone('phone', 'Phone'),
			text('country', 'MailingCountry'),
			instant('createdAt', 'CreatedDate'),
			instant('updatedAt', 'LastModifiedDate'),
		],
	},
	{
		source: 'shopifyCustomer',
		system: 'shopify',
		reference: API.shopifyCustomer,
		profile: {},
		fields: [
			text('id', 'id', required),
			text('firstName', 'first_name'),
			text('lastName', 'last_name'),
			email('email', 'email'),
			phone('phone', 'phone'),
			text('country', 'default_address.country_code'),
			instant('createdAt', 'created_at'),
			instant('updatedAt', 'updated_at'),
		],
	},
	{
		source: 'quickbooksCustomer',
		system: 'quickbooks',
		reference: API.quickbooksCustomer,
		profile: {},
		fields: [
			text('id', 'Id', required),
			text('name', 'DisplayName'),
			text('firstName', 'GivenName'),
			text('lastName', 'FamilyName'),
			text('company', 'CompanyName'),
			email('email', 'PrimaryEmailAddr.Address'),
			phone('phone', 'PrimaryPhone.FreeFormNumber'),
			text('country', 'BillAddr.Country'),
			instant('createdAt', 'MetaData.CreateTime'),
			instant('updatedAt', 'MetaData.LastUpdatedTime'),
		],
	},
];

const ORDER_SOURCES: readonly PresetSource[] = [
	'hubspotDeal',
	'salesforceOpportunity',
	'shopifyOrder',
];

/** Every preset, by source and model. */
export const PRESETS: readonly Preset[] = [
	...INVOICES.map((preset) => ({ ...preset, model: 'invoice' as const })),
	...INVOICES.filter((preset) => ORDER_SOURCES.includes(preset.source)).map((preset) => ({
		...asOrder(preset),
		model: 'order' as const,
	})),
	...PAYMENTS.map((preset) => ({ ...preset, model: 'payment' as const })),
	...CUSTOMERS.map((preset) => ({ ...preset, model: 'customer' as const })),
];

export function findPreset(source: string, model: string): Preset | undefined {
	return PRESETS.find((preset) => preset.source === source && preset.model === model);
}

export interface PresetEdits {
	/** Rows that replace the preset's entry with the same target, or add one. */
	fields?: FieldInput[];
	/** Profile settings that override the preset's. */
	profile?: Partial<SourceProfile>;
	/** Targets of preset entries to leave out. */
	remove?: readonly string[];
}

/**
 * The preset for `source` and `model` as a mapping (JSON form), with the builder's
 * edits applied: the same mapping Export Mapping writes, ready to compile.
 */
export function presetMapping(
	source: string,
	model: string,
	edits: PresetEdits = {},
): Record<string, unknown> {
	const preset = findPreset(source, model);
	if (preset === undefined) {
		const models = PRESETS.filter((entry) => entry.source === source).map((entry) => entry.model);
		throw new MappingError(
			models.length === 0
				? `There is no preset for the source "${source}"`
				: `The preset for "${source}" has no ${model} model`,
			models.length === 0
				? `Choose one of: ${PRESET_SOURCES.join(', ')}.`
				: `Choose the Canonical Model ${models.join(' or ')}, or map the fields below.`,
		);
	}
	const edited = new Map((edits.fields ?? []).map((field) => [field.target.trim(), field]));
	const remove = new Set((edits.remove ?? []).map((target) => target.trim()));
	for (const target of remove) {
		if (!preset.fields.some((field) => field.target === target) && target !== 'source') {
			throw new MappingError(
				`Remove Preset Fields names "${target}", which the ${source} preset does not have`,
				`Name targets of the preset: source, ${preset.fields.map((field) => field.target).join(', ')}.`,
			);
		}
	}
	const fields: FieldInput[] = [];
	for (const field of [constant('source', preset.system), ...preset.fields]) {
		if (remove.has(field.target)) continue;
		const replacement = edited.get(field.target);
		edited.delete(field.target);
		fields.push(replacement ?? structuredClone(field));
	}
	fields.push(...edited.values());
	return {
		name: `${source}-to-${model}`,
		profile: { ...preset.profile, ...(edits.profile ?? {}) },
		fields,
	};
}
