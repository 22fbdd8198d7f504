// Vendor presets (nodes/shared/core/transform/presets.ts) on the vendors' documented
// example payloads (test/fixtures/vendors/<vendor>/, sources in its README), field by
// field: every canonical field each preset writes is stated here by hand.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import {
	MappingError,
	PRESETS,
	PRESET_SOURCES,
	compileMapping,
	presetMapping,
	type PresetEdits,
	type TransformResult,
} from '../../../nodes/shared/core/transform';

// Compiled to build/test/unit/transform: the fixtures stay in the source tree.
const root = path.resolve(__dirname, '../../../..');

export function vendorFixture(name: string): Record<string, unknown> {
	return JSON.parse(
		readFileSync(path.join(root, 'test/fixtures/vendors', `${name}.json`), 'utf8'),
	) as Record<string, unknown>;
}

/** The preset compiled as Canonical Transform 1.1 compiles it (mapping version 2). */
function run(source: string, model: string, item: unknown, edits: PresetEdits = {}) {
	return compileMapping(presetMapping(source, model, edits), { defaultVersion: 2 }).apply(item);
}

function ok(result: TransformResult): Record<string, unknown> {
	assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.failures, null, 1));
	return result.json as Record<string, unknown>;
}

const usd = (amount: string, amountMinor: number) => ({ currency: 'USD', amount, amountMinor });

describe('presets: Invoice', () => {
	it('Stripe Invoice', () => {
		assert.deepEqual(ok(run('stripeInvoice', 'invoice', vendorFixture('stripe/invoice'))), {
			source: 'stripe',
			id: 'in_1MtHbELkdIwHu7ixl4OzzPMv',
			status: 'draft',
			customer: {
				id: 'cus_NeZwdNtLEOXuvB',
				name: 'Jenny Rosen',
				email: 'jennyrosen@example.com',
			},
			total: usd('10.00', 1000),
			amountDue: usd('10.00', 1000),
			issuedOn: '2023-04-04',
			dueOn: '2023-04-18',
			lines: [
				{
					description: 'My First Invoice Item (created for API docs)',
					quantity: 1,
					amount: usd('10.00', 1000),
				},
			],
		});
	});

	it('Stripe Invoice in ISK: Stripe writes two decimals, the canonical amount has none', () => {
		const invoice = vendorFixture('stripe/invoice');
		const isk = { ...invoice, currency: 'isk', total: 50000, amount_due: 50000, lines: undefined };
		const json = ok(run('stripeInvoice', 'invoice', isk));
		assert.deepEqual(json.total, { currency: 'ISK', amount: '500', amountMinor: 500 });
	});

	it('Xero Invoice: the written dates stay as written in any profile zone', () => {
		const expected = {
			source: 'xero',
			id: '243216c5-369e-4056-ac67-05388f86dc81',
			number: 'OIT00546',
			title: 'Ref 3456',
			status: 'open',
			customer: {
				id: '025867f1-d741-4d6b-b1af-9ac774b59ba7',
				name: 'City Agency',
				email: 'citya@example.com',
			},
			total: { currency: 'NZD', amount: '2025.00', amountMinor: 202500 },
			amountDue: { currency: 'NZD', amount: '2025.00', amountMinor: 202500 },
			issuedOn: '2018-11-02',
			dueOn: '2018-11-12',
			updatedAt: '2018-02-15T09:12:30.940Z',
			lines: [
				{
					description: 'Onsite project management',
					quantity: 1,
					amount: { currency: 'NZD', amount: '1800.00', amountMinor: 180000 },
				},
			],
		};
		const invoice = vendorFixture('xero/invoice');
		assert.deepEqual(ok(run('xeroInvoice', 'invoice', invoice)), expected);
		assert.deepEqual(
			ok(run('xeroInvoice', 'invoice', invoice, { profile: { zone: 'Pacific/Auckland' } })),
			expected,
		);
	});

	it('HubSpot Deal, with the currency the portal uses', () => {
		const deal = vendorFixture('hubspot/deal');
		assert.deepEqual(
			ok(run('hubspotDeal', 'invoice', deal, { profile: { defaultCurrency: 'USD' } })),
			{
				source: 'hubspot',
				id: '512',
				title: 'Custom data integrations',
				status: 'open',
				total: usd('1500.00', 150000),
				issuedOn: '2019-12-07',
				updatedAt: '2019-12-07T16:50:06.678Z',
			},
		);
		// Without a currency the deal fails, naming the fix: never a total without one.
		const failed = run('hubspotDeal', 'invoice', deal);
		assert.ok(!failed.ok);
		assert.deepEqual(
			failed.failures.map((failure) => [failure.field, failure.reason]),
			[['total', 'has no currency']],
		);
	});

	it('Salesforce Opportunity, with the org currency', () => {
		assert.deepEqual(
			ok(
				run('salesforceOpportunity', 'invoice', vendorFixture('salesforce/opportunity'), {
					profile: { defaultCurrency: 'USD' },
				}),
			),
			{
				source: 'salesforce',
				id: '006D000000CpVRUIA3',
				title: 'Edge Emergency Generator',
				status: 'paid',
				customer: { id: '001D000000IqhSLIAZ' },
				total: usd('75000.00', 7500000),
				issuedOn: '2024-03-15',
				updatedAt: '2024-03-15T09:30:00.000Z',
			},
		);
	});

	it('Shopify Order', () => {
		const line = (colour: string) => ({
			description: `IPod Nano - 8gb - ${colour}`,
			quantity: 1,
			amount: usd('199.00', 19900),
		});
		assert.deepEqual(ok(run('shopifyOrder', 'invoice', vendorFixture('shopify/order'))), {
			source: 'shopify',
			id: '450789469',
			number: '#1001',
			status: 'paid',
			customer: { id: '207119551', email: 'bob.norman@mail.example.com' },
			total: usd('598.94', 59894),
			issuedOn: '2008-01-10',
			updatedAt: '2008-01-10T16:00:00.000Z',
			lines: [line('green'), line('red'), line('black')],
		});
	});

	it('QuickBooks Invoice, with the company currency', () => {
		const json = ok(
			run('quickbooksInvoice', 'invoice', vendorFixture('quickbooks/invoice'), {
				profile: { defaultCurrency: 'USD' },
			}),
		);
		assert.deepEqual(json, {
			source: 'quickbooks',
			id: '239',
			number: '1037',
			customer: { id: '24', name: 'Sonnenschein Family Store', email: 'familiystore@intuit.com' },
			total: usd('362.07', 36207),
			amountDue: usd('362.07', 36207),
			issuedOn: '2014-09-19',
			dueOn: '2014-10-19',
			updatedAt: '2014-09-19T20:16:17.000Z',
			lines: [
				{ description: 'Rock Fountain', quantity: 1, amount: usd('275.00', 27500) },
				{ description: 'Fountain Pump', quantity: 1, amount: usd('12.75', 1275) },
				{
					description: 'Concrete for fountain installation',
					quantity: 5,
					amount: usd('47.50', 4750),
				},
				// QuickBooks' subtotal line: an amount only.
				{ amount: usd('335.25', 33525) },
			],
		});
	});
});

describe('presets: Order, Payment, Customer', () => {
	it('Shopify Order as an Order: orderedOn, no due date', () => {
		const json = ok(run('shopifyOrder', 'order', vendorFixture('shopify/order')));
		assert.equal(json.orderedOn, '2008-01-10');
		assert.equal(json.issuedOn, undefined);
		assert.deepEqual(json.total, usd('598.94', 59894));
	});

	it('Stripe Charge as a Payment', () => {
		assert.deepEqual(ok(run('stripeCharge', 'payment', vendorFixture('stripe/charge'))), {
			source: 'stripe',
			id: 'ch_3MmlLrLkdIwHu7ix0snN0B15',
			status: 'succeeded',
			amount: usd('10.99', 1099),
			amountRefunded: usd('0.00', 0),
			paidAt: '2023-03-17T22:02:19.000Z',
		});
	});

	it('a Stripe Charge without an amount fails, never a payment without a total', () => {
		const charge = vendorFixture('stripe/charge');
		delete charge.amount;
		const result = run('stripeCharge', 'payment', charge);
		assert.ok(!result.ok);
		assert.deepEqual(
			result.failures.map((failure) => [failure.field, failure.reason]),
			[['amount', 'is missing']],
		);
	});

	it('Stripe Customer', () => {
		assert.deepEqual(ok(run('stripeCustomer', 'customer', vendorFixture('stripe/customer'))), {
			source: 'stripe',
			id: 'cus_NffrFeUfNV2Hib',
			name: 'Jenny Rosen',
			email: 'jennyrosen@example.com',
			createdAt: '2023-04-07T18:59:53.000Z',
		});
	});

	it('Xero Contact', () => {
		assert.deepEqual(ok(run('xeroContact', 'customer', vendorFixture('xero/contact'))), {
			source: 'xero',
			id: 'bd2270c3-8706-4c11-9cfb-000b551c3f51',
			name: 'ABC Limited',
			firstName: 'Andrea',
			lastName: 'Dutchess',
			email: 'a.dutchess@abclimited.com',
			updatedAt: '2017-03-01T18:03:42.280Z',
		});
	});

	const us = { profile: { defaultCountry: 'US' } };

	it('HubSpot Contact, with the country of its phone numbers', () => {
		assert.deepEqual(ok(run('hubspotContact', 'customer', vendorFixture('hubspot/contact'), us)), {
			source: 'hubspot',
			id: '512',
			firstName: 'Bryan',
			lastName: 'Cooper',
			email: 'bcooper@biglytics.net',
			phone: '+18779290687',
			company: 'Biglytics',
			createdAt: '2019-10-30T03:30:17.883Z',
			updatedAt: '2019-12-07T16:50:06.678Z',
		});
		const failed = run('hubspotContact', 'customer', vendorFixture('hubspot/contact'));
		assert.ok(!failed.ok);
		assert.equal(failed.failures[0].field, 'phone');
		assert.match(failed.failures[0].fix, /Default Country/);
	});

	it('HubSpot Company', () => {
		assert.deepEqual(ok(run('hubspotCompany', 'customer', vendorFixture('hubspot/company'), us)), {
			source: 'hubspot',
			id: '512',
			name: 'Biglytics',
			company: 'Biglytics',
			website: 'biglytics.net',
			phone: '+18779290687',
			createdAt: '2019-10-30T03:30:17.883Z',
			updatedAt: '2019-12-07T16:50:06.678Z',
		});
	});

	it('Salesforce Account', () => {
		assert.deepEqual(
			ok(run('salesforceAccount', 'customer', vendorFixture('salesforce/account'), us)),
			{
				source: 'salesforce',
				id: '001D000000IqhSLIAZ',
				name: 'Edge Communications',
				company: 'Edge Communications',
				phone: '+15127576000',
				website: 'http://edgecomm.com',
				country: 'US',
				createdAt: '2024-01-10T17:02:11.000Z',
				updatedAt: '2024-03-15T09:30:00.000Z',
			},
		);
	});

	it('Salesforce Contact', () => {
		assert.deepEqual(
			ok(run('salesforceContact', 'customer', vendorFixture('salesforce/contact'), us)),
			{
				source: 'salesforce',
				id: '003D000000QV9n2IAD',
				name: 'Rose Gonzalez',
				firstName: 'Rose',
				lastName: 'Gonzalez',
				email: 'rose@edge.com',
				phone: '+15127576000',
				country: 'US',
				createdAt: '2024-01-10T17:02:11.000Z',
				updatedAt: '2024-03-15T09:30:00.000Z',
			},
		);
	});

	it('Shopify Customer', () => {
		assert.deepEqual(ok(run('shopifyCustomer', 'customer', vendorFixture('shopify/customer'))), {
			source: 'shopify',
			id: '207119551',
			firstName: 'Bob',
			lastName: 'Norman',
			email: 'bob.norman@mail.example.com',
			phone: '+16136120707',
			country: 'US',
			createdAt: '2024-01-02T14:00:00.000Z',
			updatedAt: '2024-01-02T14:00:00.000Z',
		});
	});

	it('QuickBooks Customer', () => {
		assert.deepEqual(
			ok(run('quickbooksCustomer', 'customer', vendorFixture('quickbooks/customer'), us)),
			{
				source: 'quickbooks',
				id: '2',
				name: "Bill's Windsurf Shop",
				firstName: 'Bill',
				lastName: 'Lucchini',
				company: "Bill's Windsurf Shop",
				email: 'surf@intuit.com',
				phone: '+14154446538',
				createdAt: '2014-09-11T23:49:28.000Z',
				updatedAt: '2014-09-18T19:56:01.000Z',
			},
		);
	});
});

describe('presets: the table', () => {
	it('every source has a preset, and every preset compiles in both mapping versions', () => {
		for (const source of PRESET_SOURCES)
			assert.ok(
				PRESETS.some((preset) => preset.source === source),
				source,
			);
		for (const preset of PRESETS) {
			for (const defaultVersion of [1, 2] as const)
				compileMapping(presetMapping(preset.source, preset.model), { defaultVersion });
			assert.match(preset.reference, /^https:\/\//);
		}
	});

	it('every preset marks source, id and its amount required, and nothing else', () => {
		const requiredOf = (model: string) =>
			({ invoice: ['total'], order: ['total'], payment: ['amount'], customer: [] })[model]!;
		for (const preset of PRESETS) {
			const mapping = presetMapping(preset.source, preset.model) as {
				fields: Array<{ target: string; missing: string }>;
			};
			assert.deepEqual(
				mapping.fields.filter((field) => field.missing === 'error').map((field) => field.target),
				['source', 'id', ...requiredOf(preset.model)],
				`${preset.source} → ${preset.model}`,
			);
		}
	});

	it('refuses a model the source has no preset for, listing the ones it has', () => {
		assert.throws(
			() => presetMapping('stripeCharge', 'customer'),
			(error: unknown) =>
				error instanceof MappingError &&
				/payment/.test(error.fix) &&
				/no customer/.test(error.message),
		);
		assert.throws(() => presetMapping('__proto__', 'invoice'), MappingError);
		assert.throws(() => presetMapping('constructor', 'invoice'), MappingError);
	});
});

describe('presets: edits', () => {
	const charge = vendorFixture('stripe/charge');

	it('a row with a preset target replaces it; any other row is added', () => {
		const json = ok(
			run('stripeCharge', 'payment', charge, {
				fields: [
					{ target: 'status', value: 'captured', convert: 'string' },
					{ target: 'receipt', source: 'receipt_url', convert: 'string' },
				],
			}),
		);
		assert.equal(json.status, 'captured');
		assert.equal(json.receipt, charge.receipt_url);
		assert.deepEqual(json.amount, usd('10.99', 1099), 'the other preset fields stay');
	});

	it('Remove Preset Fields leaves targets out, and refuses one the preset does not have', () => {
		const json = ok(run('stripeCharge', 'payment', charge, { remove: ['amountRefunded'] }));
		assert.equal(json.amountRefunded, undefined);
		assert.throws(
			() => presetMapping('stripeCharge', 'payment', { remove: ['total'] }),
			/does not have/,
		);
	});

	it("profile settings override the preset's, and the preset table is not changed", () => {
		const before = JSON.stringify(PRESETS);
		const mapping = presetMapping('stripeCharge', 'payment', {
			profile: { minorUnits: 'iso4217' },
			fields: [{ target: 'id', source: 'payment_intent', convert: 'string', missing: 'skip' }],
		}) as { profile: Record<string, unknown> };
		assert.equal(mapping.profile.minorUnits, 'iso4217');
		assert.equal(JSON.stringify(PRESETS), before);
	});
});
