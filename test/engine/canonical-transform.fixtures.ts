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
		Contact: {
			ContactID: 'c3',
			Name: 'Typo Ltd',
			EmailAddress: 'typo@example.com',
			TaxNumber: '51 824 753 557',
			Phones: [],
		},
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

export const row = (
	target: string,
	source: string,
	convert: string,
	extra: IDataObject = {},
): IDataObject => ({ target, source, convert, ...extra });

export const XERO_ROWS: IDataObject[] = [
	row('source', '={{ "xero" }}', 'string'),
	row('invoice.id', 'InvoiceID', 'copy'),
	row('invoice.number', 'InvoiceNumber', 'string', { textCase: 'upper' }),
	row('invoice.status', 'Status', 'valueMap', {
		valueMap: '{ "DRAFT": "draft", "AUTHORISED": "open", "PAID": "paid", "VOIDED": "void" }',
	}),
	row('invoice.paid', 'Status', 'valueMap', {
		valueMap: '{ "PAID": true }',
		unmappedValue: 'default',
		valueMapDefault: 'false',
	}),
	row('invoice.issuedOn', 'Date', 'date', {
		dateOutput: 'date',
		dateOutputZone: 'Australia/Sydney',
	}),
	row('invoice.dueOn', 'DueDateString', 'date', {
		dateOutput: 'date',
		dateOutputZone: 'Australia/Sydney',
	}),
	row('invoice.total', 'Total', 'money', { currencyField: 'CurrencyCode', moneyOutput: 'object' }),
	row('invoice.sent', 'SentToContact', 'boolean'),
	row('customer.name', 'Contact.Name', 'string'),
	row('customer.email', 'Contact.EmailAddress', 'email'),
	row('customer.phone', 'Contact.Phones[0].PhoneNumber', 'phone'),
	row('customer.abn', 'Contact.TaxNumber', 'abn'),
	row('lines[*].description', 'LineItems[*].Description', 'string'),
	row('lines[*].quantity', 'LineItems[*].Quantity', 'number'),
	row('lines[*].amount', 'LineItems[*].LineAmount', 'money', {
		currencyField: 'CurrencyCode',
		moneyOutput: 'object',
	}),
];

export const XERO_PROFILE: IDataObject = {
	zone: 'Australia/Sydney',
	dateOrder: 'dayFirst',
	defaultCountry: 'AU',
	currencySymbols: '$=AUD',
};

export const STRIPE_MAPPING = {
	name: 'stripe-invoice-to-canonical',
	profile: { zone: 'UTC' },
	fields: [
		{ target: 'source', value: 'stripe', convert: 'string' },
		{ target: 'invoice.id', source: 'id', convert: 'copy' },
		{ target: 'invoice.number', source: 'number', convert: 'string', options: { case: 'upper' } },
		{
			target: 'invoice.status',
			source: 'status',
			convert: 'valueMap',
			options: {
				map: { draft: 'draft', open: 'open', paid: 'paid', void: 'void', uncollectible: 'void' },
			},
		},
		{ target: 'invoice.paid', source: 'paid', convert: 'boolean' },
		{
			target: 'invoice.issuedOn',
			source: 'created',
			convert: 'date',
			options: { input: 'unixSeconds', output: 'date' },
		},
		{
			target: 'invoice.dueOn',
			source: 'due_date',
			convert: 'date',
			options: { input: 'unixSeconds', output: 'date' },
		},
		{
			target: 'invoice.total',
			source: 'total',
			convert: 'money',
			options: { input: 'minor', currencyField: 'currency', output: 'object' },
		},
		{ target: 'customer.name', source: 'customer_name', convert: 'string' },
		{ target: 'customer.email', source: 'customer_email', convert: 'email' },
		{ target: 'customer.phone', source: 'customer_phone', convert: 'phone' },
		{ target: 'customer.abn', source: 'metadata.abn', convert: 'abn' },
		{ target: 'lines[*].description', source: 'lines.data[*].description', convert: 'string' },
		{ target: 'lines[*].quantity', source: 'lines.data[*].quantity', convert: 'number' },
		{
			target: 'lines[*].amount',
			source: 'lines.data[*].amount',
			convert: 'money',
			options: { input: 'minor', currencyField: 'lines.data[*].currency', output: 'object' },
		},
	],
};

export const LEDGER_ROWS: IDataObject[] = [
	row('DocNo', 'invoice.number', 'string'),
	row('Origin', 'source', 'string', { textCase: 'upper' }),
	row('Status', 'invoice.status', 'valueMap', {
		valueMap: '{ "draft": "DRAFT", "open": "OUTSTANDING", "paid": "CLOSED", "void": "CANCELLED" }',
	}),
	row('IssueDate', 'invoice.issuedOn', 'date', {
		dateInput: 'iso',
		dateOutput: 'custom',
		dateOutputFormat: 'dd/MM/yyyy',
	}),
	row('DueDate', 'invoice.dueOn', 'date', {
		dateInput: 'iso',
		dateOutput: 'custom',
		dateOutputFormat: 'dd/MM/yyyy',
		missing: 'default',
		defaultValue: '"on receipt"',
	}),
	row('Amount', 'invoice.total', 'money', { moneyOutput: 'text' }),
	row('AmountMinor', 'invoice.total', 'money', { moneyOutput: 'minor' }),
	row('Paid', 'invoice.paid', 'boolean', {
		booleanOutput: 'pair',
		trueValue: 'Y',
		falseValue: 'N',
	}),
	row('Customer.Name', 'customer.name', 'string'),
	row('Customer.Email', 'customer.email', 'email'),
	row('Customer.Phone', 'customer.phone', 'phone', { phoneFormat: 'international' }),
	row('Customer.ABN', 'customer.abn', 'abn', { identifierFormat: 'formatted' }),
	row('Lines[*].Text', 'lines[*].description', 'string'),
	row('Lines[*].Qty', 'lines[*].quantity', 'number', { numberDecimals: 2, numberOutput: 'text' }),
	row('Lines[*].Amount', 'lines[*].amount', 'money', { moneyOutput: 'decimal' }),
];

// What the invoice workflow must output (correlation IDs left out: they are generated).
export const XERO_CANONICAL: IDataObject[] = [
	{
		source: 'xero',
		invoice: {
			id: '243216c5-369e-4056-ac67-05388f86dc81',
			number: 'INV-0042',
			status: 'open',
			paid: false,
			issuedOn: '2025-03-04',
			dueOn: '2025-04-03',
			total: { currency: 'AUD', amount: '1234.50', amountMinor: 123450 },
			sent: true,
		},
		customer: {
			name: 'Acme Pty Ltd',
			email: 'accounts@acme.com.au',
			phone: '+61298765432',
			abn: '51824753556',
		},
		lines: [
			{
				description: 'Widget',
				quantity: 2,
				amount: { currency: 'AUD', amount: '1000.00', amountMinor: 100000 },
			},
			{
				description: 'Freight',
				quantity: 1,
				amount: { currency: 'AUD', amount: '234.50', amountMinor: 23450 },
			},
		],
	},
	{
		source: 'xero',
		invoice: {
			id: '7d1e2f3a-0000-4000-8000-000000000002',
			number: 'INV-0043',
			status: 'paid',
			paid: true,
			issuedOn: '2025-03-03',
			dueOn: '2025-03-31',
			total: { currency: 'AUD', amount: '99.90', amountMinor: 9990 },
			sent: false,
		},
		customer: { name: 'Bondi Surf Co', email: 'hello@bondisurf.example', phone: '+61412345678' },
		lines: [
			{
				description: 'Wax',
				quantity: 10,
				amount: { currency: 'AUD', amount: '99.90', amountMinor: 9990 },
			},
		],
	},
];

export const XERO_ERROR =
	'Item 2: 2 fields failed — field "invoice.total" from "Total": "12,34" has thousands separators in the wrong places. Fix: Set Decimal Separator in the source profile to the style this source uses (point: 1,234.56; comma: 1.234,56). | field "customer.abn" from "Contact.TaxNumber": "51 824 753 557" fails the ABN check digits (a typo, or not an ABN). Fix: Correct the ABN at the source; check it on the Australian Business Register.';

export const STRIPE_CANONICAL: IDataObject[] = [
	{
		source: 'stripe',
		invoice: {
			id: 'in_1OxYz2AbCdEfGh',
			number: 'STR-0099',
			status: 'open',
			paid: false,
			issuedOn: '2025-03-04',
			dueOn: '2025-04-03',
			total: { currency: 'USD', amount: '1234.50', amountMinor: 123450 },
		},
		customer: { name: 'Bob Jones', email: 'bob@example.com', phone: '+14155552671' },
		lines: [
			{
				description: 'Pro plan',
				quantity: 1,
				amount: { currency: 'USD', amount: '1000.00', amountMinor: 100000 },
			},
			{
				description: 'Seats',
				quantity: 3,
				amount: { currency: 'USD', amount: '234.50', amountMinor: 23450 },
			},
		],
	},
	{
		source: 'stripe',
		invoice: {
			id: 'in_2',
			number: 'STR-0100',
			status: 'void',
			paid: false,
			issuedOn: '2025-03-04',
			total: { currency: 'JPY', amount: '5000', amountMinor: 5000 },
		},
		customer: {
			name: 'Kaito Sato',
			email: 'kaito@example.jp',
			phone: '+81312345678',
			abn: '53004085616',
		},
		lines: [
			{
				description: 'Consulting',
				quantity: 1,
				amount: { currency: 'JPY', amount: '5000', amountMinor: 5000 },
			},
		],
	},
];

export const STRIPE_ERROR =
	'Item 2: 3 fields failed — field "invoice.paid" from "paid": "sometimes" is not one of the true or false words (true, t, yes, y, 1, on, false, f, no, n, 0, off). Fix: Add the word to True Values or False Values in the source profile, or correct the value at the source. | field "invoice.total" from "total": 100 has the currency "xyz" (the currency field), which is not an ISO 4217 code. Fix: Send a three-letter code such as AUD, USD or JPY. | field "customer.phone" from "customer_phone": "+1 473 392 1330" is not a valid GD phone number. Fix: Correct the number at the source; check the country code and the number of digits.';

export const LEDGER_FROM_XERO: IDataObject[] = [
	{
		DocNo: 'INV-0042',
		Origin: 'XERO',
		Status: 'OUTSTANDING',
		IssueDate: '04/03/2025',
		DueDate: '03/04/2025',
		Amount: 'AUD 1234.50',
		AmountMinor: 123450,
		Paid: 'N',
		Customer: {
			Name: 'Acme Pty Ltd',
			Email: 'accounts@acme.com.au',
			Phone: '+61 2 9876 5432',
			ABN: '51 824 753 556',
		},
		Lines: [
			{ Text: 'Widget', Qty: '2.00', Amount: '1000.00' },
			{ Text: 'Freight', Qty: '1.00', Amount: '234.50' },
		],
	},
	{
		DocNo: 'INV-0043',
		Origin: 'XERO',
		Status: 'CLOSED',
		IssueDate: '03/03/2025',
		DueDate: '31/03/2025',
		Amount: 'AUD 99.90',
		AmountMinor: 9990,
		Paid: 'Y',
		Customer: { Name: 'Bondi Surf Co', Email: 'hello@bondisurf.example', Phone: '+61 412 345 678' },
		Lines: [{ Text: 'Wax', Qty: '10.00', Amount: '99.90' }],
	},
];

export const LEDGER_FROM_STRIPE: IDataObject[] = [
	{
		DocNo: 'STR-0099',
		Origin: 'STRIPE',
		Status: 'OUTSTANDING',
		IssueDate: '04/03/2025',
		DueDate: '03/04/2025',
		Amount: 'USD 1234.50',
		AmountMinor: 123450,
		Paid: 'N',
		Customer: { Name: 'Bob Jones', Email: 'bob@example.com', Phone: '+1 415 555 2671' },
		Lines: [
			{ Text: 'Pro plan', Qty: '1.00', Amount: '1000.00' },
			{ Text: 'Seats', Qty: '3.00', Amount: '234.50' },
		],
	},
	{
		DocNo: 'STR-0100',
		Origin: 'STRIPE',
		Status: 'CANCELLED',
		IssueDate: '04/03/2025',
		DueDate: 'on receipt',
		Amount: 'JPY 5000',
		AmountMinor: 5000,
		Paid: 'N',
		Customer: {
			Name: 'Kaito Sato',
			Email: 'kaito@example.jp',
			Phone: '+81 3 1234 5678',
			ABN: '53 004 085 616',
		},
		Lines: [{ Text: 'Consulting', Qty: '1.00', Amount: '5000' }],
	},
];

// ---------------------------------------------------------------------------------
// Version 1.2: the same mappings as rows of the shorter panel. A row keeps Target Field,
// Value From, Source Field (or Value) and Convert As (and a Value Map's map); every other
// setting moves into the row's Options, under the same name.

/** Row keys that stay on a 1.2 row; every other key of a 1.1 row is an option. */
const ROW_KEYS_V12 = new Set([
	'target',
	'valueFrom',
	'source',
	'constantValue',
	'convert',
	'valueMap',
]);

/** A version 1 or 1.1 row as a version 1.2 row, with extra options merged in. */
export function rowV12(oldRow: IDataObject, extraOptions: IDataObject = {}): IDataObject {
	const newRow: IDataObject = {};
	const options: IDataObject = {};
	for (const [key, value] of Object.entries(oldRow))
		(ROW_KEYS_V12.has(key) ? newRow : options)[key] = value;
	Object.assign(options, extraOptions);
	if (Object.keys(options).length > 0) newRow.options = options;
	return newRow;
}

/** A fixed-value row of version 1.2. */
export const fixedRow = (
	target: string,
	value: string,
	convert: string,
	options?: IDataObject,
): IDataObject => ({
	target,
	valueFrom: 'constant',
	constantValue: value,
	convert,
	...(options ? { options } : {}),
});

/**
 * Missing values fail the item from version 1.1 (version 1 skipped them), so the fields a
 * source may leave out say so: If Missing: Skip Field in their Options.
 */
const OPTIONAL = { missing: 'skip' };

export const XERO_ROWS_V12: IDataObject[] = [
	fixedRow('source', 'xero', 'string'),
	...XERO_ROWS.slice(1).map((entry) =>
		['customer.phone', 'customer.abn'].includes(String(entry.target))
			? rowV12(entry, OPTIONAL)
			: rowV12(entry),
	),
];

export const STRIPE_MAPPING_V12 = {
	...STRIPE_MAPPING,
	fields: STRIPE_MAPPING.fields.map((field) =>
		['invoice.dueOn', 'customer.abn'].includes(field.target) ? { ...field, ...OPTIONAL } : field,
	),
};

export const LEDGER_ROWS_V12: IDataObject[] = LEDGER_ROWS.map((entry) =>
	['Customer.ABN'].includes(String(entry.target)) ? rowV12(entry, OPTIONAL) : rowV12(entry),
);
