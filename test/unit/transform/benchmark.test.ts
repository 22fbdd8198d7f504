import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compileMapping } from '../../../nodes/shared/core/transform';

/*
 * A figure, not a test of speed: 10,000 items through a 10-field mapping in plain
 * Node (no n8n). Printed as a diagnostic; nothing is timed in an assertion.
 */
describe('benchmark', () => {
	it('10,000 items × 10 fields through the compiled mapping (printed, not asserted)', (t) => {
		const mapping = compileMapping({
			profile: {
				zone: 'Australia/Sydney',
				dateOrder: 'dayFirst',
				currencySymbols: { $: 'AUD' },
				defaultCountry: 'AU',
			},
			fields: [
				{
					target: 'invoice.number',
					source: 'InvoiceNumber',
					convert: 'string',
					options: { case: 'upper' },
				},
				{ target: 'invoice.issued', source: 'DateString', convert: 'date' },
				{
					target: 'invoice.total',
					source: 'Total',
					convert: 'money',
					options: { currencyField: 'CurrencyCode', output: 'object' },
				},
				{
					target: 'invoice.due',
					source: 'AmountDue',
					convert: 'money',
					options: { output: 'minor' },
				},
				{
					target: 'invoice.status',
					source: 'Status',
					convert: 'valueMap',
					options: { map: { AUTHORISED: 'open', PAID: 'paid' } },
				},
				{ target: 'invoice.sent', source: 'SentToContact', convert: 'boolean' },
				{ target: 'customer.email', source: 'Contact.EmailAddress', convert: 'email' },
				{ target: 'customer.phone', source: 'Contact.Phone', convert: 'phone' },
				{ target: 'customer.abn', source: 'Contact.TaxNumber', convert: 'abn' },
				{ target: 'customer.id', source: 'Contact.ContactID', convert: 'copy' },
			],
		});
		const items = Array.from({ length: 10_000 }, (_, index) => ({
			InvoiceNumber: `inv-${index}`,
			DateString: '2025-03-04T10:00:00',
			Total: 1234.5 + index,
			AmountDue: `$${(index % 900) + 1},234.50`,
			CurrencyCode: 'AUD',
			Status: index % 2 === 0 ? 'AUTHORISED' : 'PAID',
			SentToContact: index % 3 === 0 ? 'true' : 'N',
			Contact: {
				ContactID: `c-${index}`,
				EmailAddress: ` Person${index}@Example.COM `,
				Phone: '02 9876 5432',
				TaxNumber: '51 824 753 556',
			},
		}));
		const run = () => {
			let good = 0;
			for (const item of items) if (mapping.apply(item).ok) good++;
			return good;
		};
		assert.equal(run(), items.length, 'warm-up: every item converts');
		const times: number[] = [];
		for (let round = 0; round < 3; round++) {
			const started = process.hrtime.bigint();
			run();
			times.push(Number(process.hrtime.bigint() - started) / 1e6);
		}
		const best = Math.min(...times);
		t.diagnostic(
			`10,000 items × 10 fields (string, date, 2× money, value map, boolean, email, phone, ABN, copy): ${times.map((ms) => ms.toFixed(0)).join(' / ')} ms; best ${Math.round((items.length / best) * 1000).toLocaleString('en-US')} items/s = ${((best * 1000) / items.length).toFixed(1)} µs per item`,
		);
	});
});
