/**
 * Canonical Transform 1.1 through the real n8n engine (in process): five vendors' objects
 * (Stripe, Xero, HubSpot, Salesforce, Shopify; the documented examples in
 * test/fixtures/vendors) into one Invoice model with a preset each and no expression;
 * the behaviour of version 1 kept for saved workflows; constant rows; Export Mapping of
 * an expression row, read back as JSON.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import {
	MANUAL_TRIGGER,
	buildWorkflow,
	runWorkflow,
	startEngine,
	stopEngine,
	type Link,
} from './harness';
import { findPackageRoot } from './node-types';
import {
	nodeTypes,
	runOne,
	sourceNode,
	transformNodeAt,
	withoutCorrelation,
	type NodeSpec,
} from './canonical-transform.support';

const transformNode = transformNodeAt(1.1);

function vendorFixture(name: string): IDataObject {
	const file = path.join(findPackageRoot(), 'test/fixtures/vendors', `${name}.json`);
	return JSON.parse(readFileSync(file, 'utf8')) as IDataObject;
}

/** Each Canonical Transform's parameters exactly as the builder set them: everything else is a default. */
const PRESET_NODES: Array<{ vendor: string; fixture: string; parameters: IDataObject }> = [
	{ vendor: 'Stripe', fixture: 'stripe/invoice', parameters: { mappingSource: 'preset' } },
	{
		vendor: 'Xero',
		fixture: 'xero/invoice',
		parameters: { mappingSource: 'preset', presetSource: 'xeroInvoice' },
	},
	{
		vendor: 'HubSpot',
		fixture: 'hubspot/deal',
		parameters: {
			mappingSource: 'preset',
			presetSource: 'hubspotDeal',
			// The deal's currency is the portal's, not in the object.
			profile: { defaultCurrency: 'USD' },
		},
	},
	{
		vendor: 'Salesforce',
		fixture: 'salesforce/opportunity',
		parameters: {
			mappingSource: 'preset',
			presetSource: 'salesforceOpportunity',
			// Single-currency orgs send no CurrencyIsoCode.
			profile: { defaultCurrency: 'USD' },
		},
	},
	{
		vendor: 'Shopify',
		fixture: 'shopify/order',
		parameters: { mappingSource: 'preset', presetSource: 'shopifyOrder' },
	},
];

/** Settings a builder touched: every leaf value set in a node's parameters. */
function settingsTouched(parameters: IDataObject): number {
	return Object.values(parameters).reduce<number>(
		(count, value) =>
			count +
			(value !== null && typeof value === 'object' && !Array.isArray(value)
				? settingsTouched(value as IDataObject)
				: 1),
		0,
	);
}

describe('Canonical Transform 1.1 in the n8n engine', () => {
	before(startEngine);
	after(stopEngine);

	// The same with version 1.2 (the shorter row panel; presets unchanged).
	for (const typeVersion of [1.1, 1.2])
		test(`five vendors into one Invoice model, one preset each, no expression (${typeVersion})`, async () => {
			const nodes: NodeSpec[] = [{ name: 'Start', type: MANUAL_TRIGGER }];
			const links: Link[] = [];
			for (const { vendor, fixture, parameters } of PRESET_NODES) {
				nodes.push(sourceNode(`${vendor} Object`, [vendorFixture(fixture)]));
				nodes.push(
					transformNode(`${vendor} to Invoice`, parameters, {
						onError: 'continueErrorOutput',
						typeVersion,
					}),
				);
				links.push(['Start', `${vendor} Object`], [`${vendor} Object`, `${vendor} to Invoice`]);
			}
			const workflow = buildWorkflow(nodes, links);
			for (const node of workflow.nodes)
				assert.doesNotMatch(
					JSON.stringify(node.parameters),
					/=\{\{|\{\{/,
					`${node.name}: no expression`,
				);
			const touched = PRESET_NODES.map(({ parameters }) => settingsTouched(parameters));
			assert.deepEqual(touched, [1, 2, 3, 3, 2]);
			assert.equal(
				touched.reduce((sum, count) => sum + count, 0),
				11,
				'settings touched for five vendors (205 without presets)',
			);

			const result = await runWorkflow({ workflow, nodeTypes });
			assert.equal(result.status, 'success', result.error?.message);
			const invoices: IDataObject[] = [];
			for (const { vendor } of PRESET_NODES) {
				const [converted, failed] = result.outputs(`${vendor} to Invoice`);
				assert.deepEqual(failed, [], `${vendor}: nothing on the error output`);
				assert.deepEqual(
					converted.map((item) => item.pairedItem),
					[{ item: 0 }],
				);
				invoices.push(...withoutCorrelation(converted));
			}
			// One model: the same required fields, money as one object shape, dates as dates.
			assert.deepEqual(
				invoices.map(({ source, id, total, issuedOn }) => ({ source, id, total, issuedOn })),
				[
					{
						source: 'stripe',
						id: 'in_1MtHbELkdIwHu7ixl4OzzPMv',
						total: { currency: 'USD', amount: '10.00', amountMinor: 1000 },
						issuedOn: '2023-04-04',
					},
					{
						source: 'xero',
						id: '243216c5-369e-4056-ac67-05388f86dc81',
						total: { currency: 'NZD', amount: '2025.00', amountMinor: 202500 },
						issuedOn: '2018-11-02',
					},
					{
						source: 'hubspot',
						id: '512',
						total: { currency: 'USD', amount: '1500.00', amountMinor: 150000 },
						issuedOn: '2019-12-07',
					},
					{
						source: 'salesforce',
						id: '006D000000CpVRUIA3',
						total: { currency: 'USD', amount: '75000.00', amountMinor: 7500000 },
						issuedOn: '2024-03-15',
					},
					{
						source: 'shopify',
						id: '450789469',
						total: { currency: 'USD', amount: '598.94', amountMinor: 59894 },
						issuedOn: '2008-01-10',
					},
				],
			);
			const allowed = new Set([
				'source',
				'id',
				'number',
				'title',
				'status',
				'customer',
				'total',
				'amountDue',
				'issuedOn',
				'dueOn',
				'updatedAt',
				'lines',
			]);
			for (const invoice of invoices)
				for (const key of Object.keys(invoice))
					assert.ok(allowed.has(key), `${key} is in the model`);
			assert.deepEqual(
				invoices.map((invoice) => invoice.status),
				['draft', 'open', 'open', 'paid', 'paid'],
			);
		});

	test('a Stripe charge without an amount leaves on the error output (1.1), and ISK is read with Stripe’s decimals', async () => {
		const charge = vendorFixture('stripe/charge');
		const withoutAmount = { ...charge };
		delete withoutAmount.amount;
		const isk = { ...charge, id: 'ch_isk', currency: 'isk', amount: 50000, amount_refunded: 0 };
		const [converted, failed] = await runOne(
			[withoutAmount, isk],
			transformNode(
				'Charges',
				{ mappingSource: 'preset', presetSource: 'stripeCharge', presetModel: 'payment' },
				{ onError: 'continueErrorOutput' },
			),
		);
		assert.deepEqual(
			converted.map((item) => [item.json.id, item.json.amount, item.pairedItem]),
			[['ch_isk', { currency: 'ISK', amount: '500', amountMinor: 500 }, { item: 1 }]],
		);
		assert.equal(failed.length, 1);
		assert.deepEqual(failed[0].pairedItem, { item: 0 });
		assert.match(String(failed[0].json.error), /field "amount" from "amount": .* is missing/);
	});

	const versionRows: IDataObject[] = [
		{ target: 'issuedOn', source: 'DateString', convert: 'date', dateOutput: 'date' },
		{ target: 'updatedAt', source: 'Updated', convert: 'date' },
		{ target: 'total', source: 'Total', convert: 'number' },
	];
	const versionItems = [
		{ DateString: '2018-11-02T00:00:00', Updated: '2018-11-02T10:00:59Z', Total: 5 },
		{ DateString: '2018-11-02T00:00:00', Updated: '2018-11-02T10:00:59Z' },
	];
	const versionParameters: IDataObject = {
		mappingSource: 'fields',
		mappings: { field: versionRows },
		profile: { zone: 'Pacific/Auckland' },
	};

	test('a workflow saved with version 1 converts as before', async () => {
		const [converted, failed] = await runOne(
			versionItems,
			transformNode('Old', versionParameters, { typeVersion: 1, onError: 'continueErrorOutput' }),
		);
		assert.deepEqual(withoutCorrelation(converted), [
			{ issuedOn: '2018-11-01', updatedAt: '2018-11-02T10:00:59Z', total: 5 },
			{ issuedOn: '2018-11-01', updatedAt: '2018-11-02T10:00:59Z' },
		]);
		assert.deepEqual(failed, []);
	});

	test('version 1.1: written dates kept, milliseconds always, a missing value fails the item', async () => {
		const [converted, failed] = await runOne(
			versionItems,
			transformNode('New', versionParameters, { onError: 'continueErrorOutput' }),
		);
		assert.deepEqual(withoutCorrelation(converted), [
			{ issuedOn: '2018-11-02', updatedAt: '2018-11-02T10:00:59.000Z', total: 5 },
		]);
		assert.deepEqual(
			failed.map((item) => item.pairedItem),
			[{ item: 1 }],
		);
		assert.match(String(failed[0].json.error), /field "total" from "Total": .* is missing/);
	});

	test('constant rows, and Export Mapping keeps an expression row that Mapping From: JSON evaluates', async () => {
		const rows: IDataObject[] = [
			{ target: 'source', valueFrom: 'constant', constantValue: 'xero', convert: 'copy' },
			{ target: 'id', source: 'InvoiceID', convert: 'string' },
			{ target: 'label', source: "={{ $json.InvoiceNumber + ' / ' + $json.Reference }}" },
		];
		const invoice = vendorFixture('xero/invoice');
		const expected = {
			source: 'xero',
			id: '243216c5-369e-4056-ac67-05388f86dc81',
			label: 'OIT00546 / Ref 3456',
		};
		const [fromFields] = await runOne(
			[invoice],
			transformNode('Fields', { mappingSource: 'fields', mappings: { field: rows } }),
		);
		assert.deepEqual(withoutCorrelation(fromFields), [expected]);

		const [exported] = await runOne(
			[invoice],
			transformNode('Export', {
				operation: 'exportMapping',
				mappingSource: 'fields',
				mappings: { field: rows },
			}),
		);
		const mapping = exported[0].json.mapping as { version: number; fields: IDataObject[] };
		assert.equal(mapping.version, 2);
		assert.deepEqual(mapping.fields[0].value, 'xero');
		assert.equal(
			mapping.fields[2].expression,
			"{{ $json.InvoiceNumber + ' / ' + $json.Reference }}",
		);
		assert.equal(mapping.fields[2].source, undefined);

		const [fromJson] = await runOne(
			[invoice, { ...invoice, InvoiceNumber: 'INV-2' }],
			transformNode('Import', { mappingSource: 'json', mappingJson: JSON.stringify(mapping) }),
		);
		assert.deepEqual(withoutCorrelation(fromJson), [
			expected,
			{ ...expected, label: 'INV-2 / Ref 3456' },
		]);
	});

	test('a mapping read through an expression (from data) may not carry expression entries', async () => {
		const mapping = {
			fields: [{ target: 'secret', expression: '{{ $execution.id }}', convert: 'string' }],
		};
		const once = buildWorkflow(
			[
				{ name: 'Start', type: MANUAL_TRIGGER },
				sourceNode('Source', [{ mapping }]),
				transformNode('From Data', {
					mappingSource: 'json',
					mappingJson: "={{ $('Source').first().json.mapping }}",
				}),
			],
			[
				['Start', 'Source'],
				['Source', 'From Data'],
			],
		);
		const refused = await runWorkflow({ workflow: once, nodeTypes });
		assert.equal(refused.status, 'error');
		assert.match(String(refused.error?.message), /read through an expression, from data/);

		const [converted, failed] = await runOne(
			[{ mapping }],
			transformNode(
				'Per Item',
				{ mappingSource: 'json', mappingJson: '={{ $json.mapping }}' },
				{ onError: 'continueErrorOutput' },
			),
		);
		assert.deepEqual(converted, []);
		assert.match(String(failed[0].json.error), /read through an expression, from data/);
	});

	test('Export Mapping of a preset writes the whole mapping, editable as JSON', async () => {
		const [exported] = await runOne(
			[{}],
			transformNode('Export', {
				operation: 'exportMapping',
				mappingSource: 'preset',
				presetSource: 'xeroInvoice',
			}),
		);
		const mapping = exported[0].json.mapping as { name: string; fields: IDataObject[] };
		assert.equal(mapping.name, 'xeroInvoice-to-invoice');
		assert.deepEqual(
			mapping.fields.map((field) => field.target),
			[
				'source',
				'id',
				'number',
				'title',
				'status',
				'customer.id',
				'customer.name',
				'customer.email',
				'total',
				'amountDue',
				'issuedOn',
				'dueOn',
				'updatedAt',
				'lines[*].description',
				'lines[*].quantity',
				'lines[*].amount',
			],
		);
	});

	test('a preset with an expression row is refused before any item, naming the row', async () => {
		const workflow = buildWorkflow(
			[
				{ name: 'Start', type: MANUAL_TRIGGER },
				sourceNode('Source', [{}]),
				transformNode('Preset', {
					mappingSource: 'preset',
					mappings: { field: [{ target: 'x', source: '={{ $json.a }}' }] },
				}),
			],
			[
				['Start', 'Source'],
				['Source', 'Preset'],
			],
		);
		const result = await runWorkflow({ workflow, nodeTypes });
		assert.equal(result.status, 'error');
		assert.match(String(result.error?.message), /row 1.*expression/);
	});
});
