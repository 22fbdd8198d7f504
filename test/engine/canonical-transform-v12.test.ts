/**
 * Canonical Transform 1.2 through the real n8n engine (in process): the shorter mapping
 * row (Target Field, Value From, Source Field or Value, Convert As, and the converter's
 * settings in the row's Options). The invoice workflow of canonical-transform.test.ts in
 * 1.2 rows gives the same outputs; every converter's settings in Options convert as the
 * same settings on a 1.1 row; fixed-value rows; settings not added keep the converter's
 * defaults; Export Mapping and presets on 1.2.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import {
	MANUAL_TRIGGER,
	assertEachInputLeavesOnce,
	buildWorkflow,
	runWorkflow,
	startEngine,
	stopEngine,
	type Link,
	type WorkflowJson,
} from './harness';
import { findPackageRoot } from './node-types';
import {
	LEDGER_FROM_STRIPE,
	LEDGER_FROM_XERO,
	LEDGER_ROWS_V12,
	STRIPE_CANONICAL,
	STRIPE_ERROR,
	STRIPE_INVOICES,
	STRIPE_MAPPING_V12,
	XERO_CANONICAL,
	XERO_ERROR,
	XERO_INVOICES,
	XERO_PROFILE,
	XERO_ROWS_V12,
	fixedRow,
	row,
	rowV12,
} from './canonical-transform.fixtures';
import {
	CANONICAL_TRANSFORM,
	nodeTypes,
	runOne,
	sourceNode,
	transformNodeAt,
	withoutCorrelation,
	type NodeSpec,
} from './canonical-transform.support';

const transformNode = transformNodeAt(1.2);

const fieldsMapping = (
	rows: IDataObject[],
	profile: IDataObject = {},
	options: IDataObject = {},
): IDataObject => ({ mappingSource: 'fields', mappings: { field: rows }, profile, options });

const errorsOf = (items: INodeExecutionData[]) => items.map((item) => item.json.error);

/**
 * One row per converter with settings in Options, the 1.1 row with the same settings,
 * an input value and the output both must give.
 */
const CONVERTER_CASES: Array<{
	name: string;
	v11: IDataObject;
	value: unknown;
	expected: unknown;
}> = [
	{ name: 'Copy As Is', v11: row('out', 'in', 'copy'), value: { a: [1] }, expected: { a: [1] } },
	{
		name: 'Text',
		v11: row('out', 'in', 'string', {
			textCase: 'title',
			collapseWhitespace: true,
			maxLength: 20,
			textTrim: true,
		}),
		value: '  acme   pty  ltd ',
		expected: 'Acme Pty Ltd',
	},
	{
		name: 'Number',
		v11: row('out', 'in', 'number', {
			numberDecimals: 1,
			numberRounding: 'halfEven',
			numberOutput: 'text',
		}),
		value: '2.25',
		expected: '2.2',
	},
	{
		name: 'Boolean',
		v11: row('out', 'in', 'boolean', { booleanOutput: 'pair', trueValue: 'J', falseValue: 'N' }),
		value: 'yes',
		expected: 'J',
	},
	{
		name: 'Date / Time',
		v11: row('out', 'in', 'date', {
			dateInput: 'custom',
			dateInputFormat: 'dd MMM yyyy HH:mm',
			dateZone: 'Australia/Sydney',
			dateOutput: 'iso',
			dateOutputZone: 'Asia/Tokyo',
		}),
		value: '04 Mar 2025 10:00',
		expected: '2025-03-04T08:00:00.000+09:00',
	},
	{
		name: 'Money',
		v11: row('out', 'in', 'money', {
			moneyInput: 'minor',
			currency: 'ISK',
			moneyOutput: 'minor',
			moneyOutputUnits: 'stripe',
			moneyRounding: 'halfUp',
		}),
		value: 500,
		expected: 50000,
	},
	{
		name: 'Phone Number',
		v11: row('out', 'in', 'phone', { phoneCountry: 'AU', phoneFormat: 'international' }),
		value: '02 9876 5432',
		expected: '+61 2 9876 5432',
	},
	{
		name: 'Email',
		v11: row('out', 'in', 'email', { emailLowerCase: false }),
		value: ' Bob@Example.COM ',
		expected: 'Bob@Example.COM',
	},
	{
		name: 'ABN',
		v11: row('out', 'in', 'abn', { identifierFormat: 'formatted' }),
		value: '51824753556',
		expected: '51 824 753 556',
	},
	{
		name: 'ACN',
		v11: row('out', 'in', 'acn', { identifierFormat: 'formatted' }),
		value: '004085616',
		expected: '004 085 616',
	},
	{
		name: 'Value Map',
		v11: row('out', 'in', 'valueMap', {
			valueMap: '{ "PAID": "paid" }',
			caseInsensitive: false,
			unmappedValue: 'default',
			valueMapDefault: '"other"',
		}),
		value: 'paid',
		expected: 'other',
	},
];

describe('Canonical Transform 1.2 in the n8n engine', () => {
	before(startEngine);
	after(stopEngine);

	test('the invoice workflow in 1.2 rows: the same canonical invoices, ledger rows and errors as version 1', async () => {
		const nodes: NodeSpec[] = [
			{ name: 'Start', type: MANUAL_TRIGGER },
			sourceNode('Xero Invoices', XERO_INVOICES),
			sourceNode('Stripe Invoices', STRIPE_INVOICES),
			transformNode('Xero to Canonical', fieldsMapping(XERO_ROWS_V12, XERO_PROFILE), {
				onError: 'continueErrorOutput',
			}),
			transformNode(
				'Stripe to Canonical',
				{ mappingSource: 'json', mappingJson: JSON.stringify(STRIPE_MAPPING_V12) },
				{ onError: 'continueErrorOutput' },
			),
			transformNode('Canonical to Ledger', fieldsMapping(LEDGER_ROWS_V12), {
				onError: 'continueErrorOutput',
			}),
		];
		const links: Link[] = [
			['Start', 'Xero Invoices'],
			['Start', 'Stripe Invoices'],
			['Xero Invoices', 'Xero to Canonical'],
			['Stripe Invoices', 'Stripe to Canonical'],
			['Xero to Canonical', 0, 'Canonical to Ledger'],
			['Stripe to Canonical', 0, 'Canonical to Ledger'],
		];
		const workflow = buildWorkflow(nodes, links);
		assert.doesNotMatch(
			JSON.stringify(workflow.nodes.find((node) => node.name === 'Xero to Canonical')),
			/\{\{/,
			'the source system is a fixed value, not an expression',
		);
		const result = await runWorkflow({ workflow, nodeTypes });
		assert.equal(result.status, 'success', result.error?.message);
		const xero = result.outputs('Xero to Canonical');
		const stripe = result.outputs('Stripe to Canonical');
		assert.deepEqual(withoutCorrelation(xero[0]), XERO_CANONICAL);
		assert.deepEqual(errorsOf(xero[1]), [XERO_ERROR]);
		assert.deepEqual(withoutCorrelation(stripe[0]), STRIPE_CANONICAL);
		assert.deepEqual(errorsOf(stripe[1]), [STRIPE_ERROR]);
		const runs = result.nodes['Canonical to Ledger'].runs;
		const byBranch = new Map(runs.map((run) => [run.source[0]?.previousNode, run.outputs]));
		assert.deepEqual(withoutCorrelation(byBranch.get('Xero to Canonical')![0]), LEDGER_FROM_XERO);
		assert.deepEqual(
			withoutCorrelation(byBranch.get('Stripe to Canonical')![0]),
			LEDGER_FROM_STRIPE,
		);
		assert.deepEqual(
			[...byBranch.values()].map((outputs) => outputs[1]),
			[[], []],
		);
		for (const name of ['Xero to Canonical', 'Stripe to Canonical', 'Canonical to Ledger'])
			assertEachInputLeavesOnce(result, name);
	});

	test('each Convert As: settings in the row’s Options convert as the same settings on a 1.1 row', async () => {
		const items = [{ in: undefined as unknown }];
		for (const { name, v11, value, expected } of CONVERTER_CASES) {
			items[0] = { in: value };
			const [fromV12] = await runOne(items, transformNode('Map', fieldsMapping([rowV12(v11)])));
			const [fromV11] = await runOne(
				items,
				transformNode('Map', fieldsMapping([{ ...v11, valueFrom: 'field' }]), {
					typeVersion: 1.1,
				}),
			);
			assert.deepEqual(withoutCorrelation(fromV12), [{ out: expected }], `${name} in 1.2`);
			assert.deepEqual(withoutCorrelation(fromV11), [{ out: expected }], `${name} in 1.1`);
		}
	});

	test('settings not added keep the converter’s defaults; settings of another converter are ignored', async () => {
		const rows: IDataObject[] = [
			{ target: 'money', source: 'amount', convert: 'money' },
			// Output Minor Units is offered while Output is not added (Minor Units), and applies.
			{
				target: 'isk',
				source: 'isk',
				convert: 'money',
				options: { currency: 'ISK', moneyOutputUnits: 'stripe' },
			},
			{ target: 'text', source: 'name', convert: 'string' },
			{ target: 'number', source: 'qty', convert: 'number', options: { numberOutput: 'text' } },
			{ target: 'rounded', source: 'qty', convert: 'number', options: { numberDecimals: 2 } },
			{ target: 'flag', source: 'ok', convert: 'boolean', options: { booleanOutput: 'pair' } },
			{ target: 'flagged', source: 'sent', convert: 'boolean', options: { booleanOutput: 'pair' } },
			{ target: 'when', source: 'at', convert: 'date' },
			// Left over from Convert As: Date / Time, and not an option of Text.
			{ target: 'left', source: 'name', convert: 'string', options: { dateOutput: 'unixMs' } },
		];
		const [converted] = await runOne(
			[
				{
					amount: 'AUD 12.50',
					name: '  Acme  ',
					qty: '1.005',
					ok: 'no',
					sent: 'yes',
					isk: '500',
					at: '2025-03-04',
				},
			],
			transformNode('Map', fieldsMapping(rows)),
		);
		assert.deepEqual(withoutCorrelation(converted), [
			{
				money: 1250,
				isk: 50000,
				text: 'Acme',
				number: '1.005',
				rounded: 1.01,
				flag: 'N',
				flagged: 'Y',
				when: '2025-03-04T00:00:00.000Z',
				left: 'Acme',
			},
		]);
	});

	test('fixed-value rows: text, JSON and quoted text, converted like a source value', async () => {
		const rows: IDataObject[] = [
			fixedRow('source', 'xero', 'string', { textCase: 'upper' }),
			fixedRow('zero', '0', 'copy'),
			fixedRow('quoted', '"0"', 'copy'),
			fixedRow('object', '{ "a": [1, true, null] }', 'copy'),
			fixedRow('issuedOn', '04/03/2025', 'date', { dateInput: 'dmy', dateOutput: 'date' }),
			fixedRow('fee', '5', 'money', { currency: 'JPY', moneyOutput: 'text' }),
			{ target: 'id', source: 'id', convert: 'copy' },
		];
		const [converted] = await runOne(
			[{ id: 1 }, { id: 2 }],
			transformNode('Map', fieldsMapping(rows)),
		);
		const fixed = {
			source: 'XERO',
			zero: 0,
			quoted: '0',
			object: { a: [1, true, null] },
			issuedOn: '2025-03-04',
			fee: 'JPY 5',
		};
		assert.deepEqual(withoutCorrelation(converted), [
			{ ...fixed, id: 1 },
			{ ...fixed, id: 2 },
		]);
	});

	test('If Missing in a row’s Options: error by default, skip, null or a default value', async () => {
		const rows: IDataObject[] = [
			{ target: 'id', source: 'id', convert: 'copy' },
			{ target: 'skipped', source: 'a', convert: 'string', options: { missing: 'skip' } },
			{ target: 'nulled', source: 'b', convert: 'number', options: { missing: 'null' } },
			{
				target: 'defaulted',
				source: 'c',
				convert: 'date',
				options: { missing: 'default', defaultValue: '"on receipt"' },
			},
			{ target: 'required', source: 'd', convert: 'email' },
		];
		const [converted, failed] = await runOne(
			[{ id: 1, d: 'a@b.co' }, { id: 2 }],
			transformNode('Map', fieldsMapping(rows), { onError: 'continueErrorOutput' }),
		);
		assert.deepEqual(withoutCorrelation(converted), [
			{ id: 1, nulled: null, defaulted: 'on receipt', required: 'a@b.co' },
		]);
		assert.deepEqual(
			failed.map((item) => item.pairedItem),
			[{ item: 1 }],
		);
		assert.match(String(failed[0].json.error), /^Item 1: field "required" from "d": .* is missing/);
	});

	test('an expression in a row’s Options is evaluated per item when it reads the item', async () => {
		const rows: IDataObject[] = [
			{
				target: 'price',
				source: 'amount',
				convert: 'money',
				options: { currency: '={{ $json.cur }}', moneyOutput: 'text' },
			},
		];
		const items = [
			{ amount: '1.50', cur: 'AUD' },
			{ amount: '2', cur: 'JPY' },
		];
		const [converted] = await runOne(items, transformNode('Map', fieldsMapping(rows)));
		assert.deepEqual(withoutCorrelation(converted), [{ price: 'AUD 1.50' }, { price: 'JPY 2' }]);
	});

	test('Export Mapping of 1.2 rows writes the same mapping as the 1.1 rows; read back as JSON it converts the same', async () => {
		const rows = XERO_ROWS_V12;
		const exportNode = (name: string, parameters: IDataObject, typeVersion: number) =>
			transformNode(name, { ...parameters, operation: 'exportMapping' }, { typeVersion });
		const [fromV12] = await runOne(
			[{}],
			exportNode('Export', fieldsMapping(rows, XERO_PROFILE, { mappingName: 'xero' }), 1.2),
		);
		const v11Rows = rows.map((entry) => {
			const { options, ...rest } = entry;
			return { ...rest, ...(options as IDataObject | undefined) };
		});
		const [fromV11] = await runOne(
			[{}],
			exportNode('Export', fieldsMapping(v11Rows, XERO_PROFILE, { mappingName: 'xero' }), 1.1),
		);
		const mapping = fromV12[0].json.mapping as IDataObject;
		assert.deepEqual(mapping, fromV11[0].json.mapping);
		assert.equal(mapping.version, 2);
		assert.deepEqual((mapping.fields as IDataObject[])[0], {
			target: 'source',
			value: 'xero',
			convert: 'string',
			options: {
				trim: true,
				case: 'keep',
				collapseWhitespace: false,
				emptyToNull: false,
				maxLength: null,
			},
		});

		const [converted, failed] = await runOne(
			XERO_INVOICES,
			transformNode(
				'Import',
				{ mappingSource: 'json', mappingJson: JSON.stringify(mapping) },
				{ onError: 'continueErrorOutput' },
			),
		);
		assert.deepEqual(withoutCorrelation(converted), XERO_CANONICAL);
		assert.deepEqual(errorsOf(failed), [XERO_ERROR]);
	});

	test('a preset with 1.2 rows: a row with Options replaces the preset field, a fixed-value row adds one', async () => {
		const invoice = JSON.parse(
			readFileSync(path.join(findPackageRoot(), 'test/fixtures/vendors/xero/invoice.json'), 'utf8'),
		) as IDataObject;
		const [converted] = await runOne(
			[invoice],
			transformNode('Preset', {
				mappingSource: 'preset',
				presetSource: 'xeroInvoice',
				mappings: {
					field: [
						{
							target: 'issuedOn',
							source: 'DateString',
							convert: 'date',
							options: { dateOutput: 'custom', dateOutputFormat: 'dd/MM/yyyy' },
						},
						fixedRow('ledger', 'AR', 'string'),
					],
				},
			}),
		);
		const [result] = withoutCorrelation(converted);
		assert.equal(result.source, 'xero');
		assert.equal(result.issuedOn, '02/11/2018');
		assert.equal(result.ledger, 'AR');
	});
});

describe('examples/canonical-transform.json', () => {
	// canonical-transform.test.ts runs the example and checks its outputs against version 1's.
	test('its Canonical Transform nodes are version 1.2, the source system a fixed value, no expression', () => {
		const file = path.join(findPackageRoot(), 'examples/canonical-transform.json');
		const workflow = JSON.parse(readFileSync(file, 'utf8')) as WorkflowJson;
		const transforms = workflow.nodes.filter((node) => node.type === CANONICAL_TRANSFORM);
		assert.deepEqual(
			transforms.map((node) => node.typeVersion),
			[1.2, 1.2, 1.2],
		);
		for (const node of transforms) assert.doesNotMatch(JSON.stringify(node.parameters), /\{\{/);
	});
});
