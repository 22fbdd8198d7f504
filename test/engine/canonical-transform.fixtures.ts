/**
 * The payloads and mappings of the Canonical Transform engine test, shared with the
 * script that writes examples/canonical-transform.json (so the example is what the
 * test runs).
 */
import type { IDataObject } from 'n8n-workflow';

// ---------------------------------------------------------------------------------
// Payloads as the vendors send them (trimmed to the fields mapped).

export const XERO_INVOICES = [
	{
		Type: 'ACCREC',
		InvoiceID: '243216c5-369e-4056-ac67-05388f86dc81',
		InvoiceNumber: 'inv-0042',
		Status: 'AUTHORISED',
		Date: '/Date(1741046400000+0000)/',
		DueDateString: '2025-04-03T00:00:00',
		CurrencyCode: 'AUD',
		Total: 1234.5,
		SentToContact: true,
		Contact: {
			ContactID: 'bd2270c3-8706-4c11-9cfb-000b551c3f51',
			Name: ' Acme Pty Ltd ',
			EmailAddress: ' Accounts@Acme.COM.au ',
			TaxNumber: '51 824 753 556',
			Phones: [{ PhoneType: 'DEFAULT', PhoneNumber: '02 9876 5432' }],
		},
		LineItems: [
			{ Description: 'Widget', Quantity: 2, LineAmount: 1000 },
			{ Description: 'Freight', Quantity: 1, LineAmount: '$234.50' },
		],
		correlationId: 'order-7781',
	},
	{
		Type: 'ACCREC',
		InvoiceID: '7d1e2f3a-0000-4000-8000-000000000002',
		InvoiceNumber: 'INV-0043',
		Status: 'PAID',
		Date: '/Date(1740960000000+0000)/',
		DueDateString: '2025-03-31T00:00:00',
		CurrencyCode: 'AUD',
		Total: '99.90',
		SentToContact: false,
		Contact: {
			ContactID: 'c2',
			Name: 'Bondi Surf Co',
			EmailAddress: 'hello@bondisurf.example',
			TaxNumber: '',
			Phones: [{ PhoneType: 'DEFAULT', PhoneNumber: '0412 345 678' }],
		},
		LineItems: [{ Description: 'Wax', Quantity: 10, LineAmount: 99.9 }],
	},
	{
		Type: 'ACCREC',
		InvoiceID: 'bad-1',
		InvoiceNumber: 'INV-0044',
		Status: 'AUTHORISED',
		Date: '/Date(1740960000000+0000)/',
		DueDateString: '2025-03-31T00:00:00',
		CurrencyCode: 'AUD',
		Total: '12,34',
		SentToContact: true,
		Contact: { ContactID: 'c3', Name: 'Typo Ltd', EmailAddress: 'typo@example.com', TaxNumber: '51 824 753 557', Phones: [] },
		LineItems: [],
	},
];

export const STRIPE_INVOICES = [
	{
		id: 'in_1OxYz2AbCdEfGh',
		object: 'invoice',
		number: 'str-0099',
		status: 'open',
		created: 1741046400,
		due_date: 1743638400,
		currency: 'usd',
		total: 123450,
		paid: false,
		customer_name: 'Bob Jones',
		customer_email: 'BOB@Example.com',
		customer_phone: '+1 415 555 2671',
		lines: {
			data: [
				{ description: 'Pro plan', quantity: 1, amount: 100000, currency: 'usd' },
				{ description: 'Seats', quantity: 3, amount: 23450, currency: 'usd' },
			],
		},
		metadata: { abn: '' },
	},
	{
		id: 'in_2',
		object: 'invoice',
		number: 'STR-0100',
		status: 'uncollectible',
		created: 1741046400,
		due_date: null,
		currency: 'jpy',
		total: 5000,
		paid: false,
		customer_name: 'Kaito Sato',
		customer_email: 'kaito@example.jp',
		customer_phone: '+81 3-1234-5678',
		lines: { data: [{ description: 'Consulting', quantity: 1, amount: 5000, currency: 'jpy' }] },
		metadata: { abn: 'ABN 53 004 085 616' },
	},
	{
		id: 'in_bad',
		object: 'invoice',
		number: 'STR-0101',
		status: 'open',
		created: 1741046400,
		due_date: 1743638400,
		currency: 'xyz',
		total: 100,
		paid: 'sometimes',
		customer_name: 'Grenada Ltd',
		customer_email: 'ops@grenada.example',
		customer_phone: '+1 473 392 1330',
		lines: { data: [] },
		metadata: {},
	},
];

// ---------------------------------------------------------------------------------
// Mappings: Xero set up in the node's panel, Stripe pasted as JSON, the ledger in the panel.

export const row = (target: string, source: string, convert: string, extra: IDataObject = {}): IDataObject => ({ target, source, convert, ...extra });

export const XERO_ROWS: IDataObject[] = [
	row('source', '={{ "xero" }}', 'string'),
	row('invoice.id', 'InvoiceID', 'copy'),
	row('invoice.number', 'InvoiceNumber', 'string', { textCase: 'upper' }),
	row('invoice.status', 'Status', 'valueMap', { valueMap: '{ "DRAFT": "draft", "AUTHORISED": "open", "PAID": "paid", "VOIDED": "void" }' }),
	row('invoice.paid', 'Status', 'valueMap', { valueMap: '{ "PAID": true }', unmappedValue: 'default', valueMapDefault: 'false' }),
	row('invoice.issuedOn', 'Date', 'date', { dateOutput: 'date', dateOutputZone: 'Australia/Sydney' }),
	row('invoice.dueOn', 'DueDateString', 'date', { dateOutput: 'date', dateOutputZone: 'Australia/Sydney' }),
	row('invoice.total', 'Total', 'money', { currencyField: 'CurrencyCode', moneyOutput: 'object' }),
	row('invoice.sent', 'SentToContact', 'boolean'),
	row('customer.name', 'Contact.Name', 'string'),
	row('customer.email', 'Contact.EmailAddress', 'email'),
	row('customer.phone', 'Contact.Phones[0].PhoneNumber', 'phone'),
	row('customer.abn', 'Contact.TaxNumber', 'abn'),
	row('lines[*].description', 'LineItems[*].Description', 'string'),
	row('lines[*].quantity', 'LineItems[*].Quantity', 'number'),
	row('lines[*].amount', 'LineItems[*].LineAmount', 'money', { currencyField: 'CurrencyCode', moneyOutput: 'object' }),
];

export const XERO_PROFILE: IDataObject = { zone: 'Australia/Sydney', dateOrder: 'dayFirst', defaultCountry: 'AU', currencySymbols: '$=AUD' };

export const STRIPE_MAPPING = {
	name: 'stripe-invoice-to-canonical',
	profile: { zone: 'UTC' },
	fields: [
		{ target: 'source', value: 'stripe', convert: 'string' },
		{ target: 'invoice.id', source: 'id', convert: 'copy' },
		{ target: 'invoice.number', source: 'number', convert: 'string', options: { case: 'upper' } },
		{ target: 'invoice.status', source: 'status', convert: 'valueMap', options: { map: { draft: 'draft', open: 'open', paid: 'paid', void: 'void', uncollectible: 'void' } } },
		{ target: 'invoice.paid', source: 'paid', convert: 'boolean' },
		{ target: 'invoice.issuedOn', source: 'created', convert: 'date', options: { input: 'unixSeconds', output: 'date' } },
		{ target: 'invoice.dueOn', source: 'due_date', convert: 'date', options: { input: 'unixSeconds', output: 'date' } },
		{ target: 'invoice.total', source: 'total', convert: 'money', options: { input: 'minor', currencyField: 'currency', output: 'object' } },
		{ target: 'customer.name', source: 'customer_name', convert: 'string' },
		{ target: 'customer.email', source: 'customer_email', convert: 'email' },
		{ target: 'customer.phone', source: 'customer_phone', convert: 'phone' },
		{ target: 'customer.abn', source: 'metadata.abn', convert: 'abn' },
		{ target: 'lines[*].description', source: 'lines.data[*].description', convert: 'string' },
		{ target: 'lines[*].quantity', source: 'lines.data[*].quantity', convert: 'number' },
		{ target: 'lines[*].amount', source: 'lines.data[*].amount', convert: 'money', options: { input: 'minor', currencyField: 'lines.data[*].currency', output: 'object' } },
	],
};

export const LEDGER_ROWS: IDataObject[] = [
	row('DocNo', 'invoice.number', 'string'),
	row('Origin', 'source', 'string', { textCase: 'upper' }),
	row('Status', 'invoice.status', 'valueMap', { valueMap: '{ "draft": "DRAFT", "open": "OUTSTANDING", "paid": "CLOSED", "void": "CANCELLED" }' }),
	row('IssueDate', 'invoice.issuedOn', 'date', { dateInput: 'iso', dateOutput: 'custom', dateOutputFormat: 'dd/MM/yyyy' }),
	row('DueDate', 'invoice.dueOn', 'date', { dateInput: 'iso', dateOutput: 'custom', dateOutputFormat: 'dd/MM/yyyy', missing: 'default', defaultValue: '"on receipt"' }),
	row('Amount', 'invoice.total', 'money', { moneyOutput: 'text' }),
	row('AmountMinor', 'invoice.total', 'money', { moneyOutput: 'minor' }),
	row('Paid', 'invoice.paid', 'boolean', { booleanOutput: 'pair', trueValue: 'Y', falseValue: 'N' }),
	row('Customer.Name', 'customer.name', 'string'),
	row('Customer.Email', 'customer.email', 'email'),
	row('Customer.Phone', 'customer.phone', 'phone', { phoneFormat: 'international' }),
	row('Customer.ABN', 'customer.abn', 'abn', { identifierFormat: 'formatted' }),
	row('Lines[*].Text', 'lines[*].description', 'string'),
	row('Lines[*].Qty', 'lines[*].quantity', 'number', { numberDecimals: 2, numberOutput: 'text' }),
	row('Lines[*].Amount', 'lines[*].amount', 'money', { moneyOutput: 'decimal' }),
];

