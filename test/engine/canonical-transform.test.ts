/**
 * Canonical Transform through the real n8n engine (in process): a Xero-style and a
 * Stripe-style invoice mapped into one canonical model, and the canonical model mapped
 * out to a third (ledger) format. Every output is asserted exactly, the error output
 * included, with its pairing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INode, INodeExecutionData } from 'n8n-workflow';

import { CanonicalTransform } from '../../nodes/CanonicalTransform/CanonicalTransform.node';
import {
	MANUAL_TRIGGER,
	TEST_SOURCE,
	assertEachInputLeavesOnce,
	assertPairing,
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
	LEDGER_ROWS,
	STRIPE_CANONICAL,
	STRIPE_ERROR,
	STRIPE_INVOICES,
	STRIPE_MAPPING,
	XERO_CANONICAL,
	XERO_ERROR,
	XERO_INVOICES,
	XERO_PROFILE,
	XERO_ROWS,
	row,
} from './canonical-transform.fixtures';

const CANONICAL_TRANSFORM = 'n8n-nodes-integration-guards.canonicalTransform';
/** Until package.json lists the node, register it for these runs (same type name). */
const nodeTypes = { [CANONICAL_TRANSFORM]: CanonicalTransform };
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type NodeSpec = Partial<INode> & Pick<INode, 'name' | 'type'>;

function transformNode(
	name: string,
	parameters: IDataObject,
	extra: Partial<INode> = {},
): NodeSpec {
	return {
		name,
		type: CANONICAL_TRANSFORM,
		parameters: { operation: 'transform', ...parameters },
		...extra,
	};
}

const fieldsMapping = (
	rows: IDataObject[],
	profile: IDataObject = {},
	options: IDataObject = {},
): IDataObject => ({
	mappingSource: 'fields',
	mappings: { field: rows },
	profile,
	options,
});

const jsonMapping = (mapping: unknown): IDataObject => ({
	mappingSource: 'json',
	mappingJson: typeof mapping === 'string' ? mapping : JSON.stringify(mapping, null, 2),
});

function sourceNode(name: string, items: object[], position: [number, number]): NodeSpec {
	return { name, type: TEST_SOURCE, parameters: { items: JSON.stringify(items) }, position };
}

/** The three-format workflow: Xero and Stripe into the canonical model, then out to the ledger format. */
function invoiceWorkflow(onError: INode['onError'] = 'continueErrorOutput'): WorkflowJson {
	const nodes: NodeSpec[] = [
		{ name: 'Start', type: MANUAL_TRIGGER, position: [0, 150] },
		sourceNode('Xero Invoices', XERO_INVOICES, [200, 0]),
		sourceNode('Stripe Invoices', STRIPE_INVOICES, [200, 300]),
		transformNode('Xero to Canonical', fieldsMapping(XERO_ROWS, XERO_PROFILE), {
			onError,
			position: [400, 0],
		}),
		transformNode('Stripe to Canonical', jsonMapping(STRIPE_MAPPING), {
			onError,
			position: [400, 300],
		}),
		transformNode('Canonical to Ledger', fieldsMapping(LEDGER_ROWS), {
			onError,
			position: [700, 150],
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
	return buildWorkflow(nodes, links);
}

const jsonOf = (items: INodeExecutionData[]) => items.map((item) => item.json);
const pairingOf = (items: INodeExecutionData[]) => items.map((item) => item.pairedItem);

/** Items with the correlation IDs checked and taken out, so the rest compares exactly. */
function withoutCorrelation(items: INodeExecutionData[]): IDataObject[] {
	return items.map(({ json }) => {
		const { correlationId, ...rest } = json;
		assert.equal(typeof correlationId, 'string');
		return rest;
	});
}

// ---------------------------------------------------------------------------------
// Expected outputs.

/**
 * A failed item carries its input's fields plus `error` and `details` (nodes/shared/n8n
 * failItem): split it into the error and the untouched input.
 */
function failuresOf(
	items: INodeExecutionData[],
): Array<{ error: unknown; itemIndex: unknown; input: IDataObject }> {
	return items.map((item) => {
		const { error, details, ...input } = item.json;
		return { error, itemIndex: (details as IDataObject | undefined)?.itemIndex, input };
	});
}

describe('Canonical Transform in the n8n engine', () => {
	before(startEngine);
	after(stopEngine);

	test('Xero and Stripe invoices into one canonical model and out to a ledger format, bad items on the error output', async () => {
		const result = await runWorkflow({ workflow: invoiceWorkflow(), nodeTypes });
		assert.equal(result.status, 'success', result.error?.message);

		const xero = result.outputs('Xero to Canonical');
		assert.deepEqual(result.nodes['Xero to Canonical'].outputNames, ['Success', 'Error']);
		assert.deepEqual(withoutCorrelation(xero[0]), XERO_CANONICAL);
		assert.equal(xero[0][0].json.correlationId, 'order-7781', 'an existing correlation ID is kept');
		assert.match(String(xero[0][1].json.correlationId), UUID_V7, 'a missing one is assigned');
		assert.deepEqual(pairingOf(xero[0]), [{ item: 0 }, { item: 1 }]);
		assert.deepEqual(failuresOf(xero[1]), [
			{ error: XERO_ERROR, itemIndex: 2, input: XERO_INVOICES[2] },
		]);
		assert.deepEqual(pairingOf(xero[1]), [{ item: 2 }]);
		assert.match(
			String((xero[1][0].json.details as IDataObject).description),
			/^field "invoice\.total".*\nfield "customer\.abn"/,
		);

		const stripe = result.outputs('Stripe to Canonical');
		assert.deepEqual(withoutCorrelation(stripe[0]), STRIPE_CANONICAL);
		assert.deepEqual(pairingOf(stripe[0]), [{ item: 0 }, { item: 1 }]);
		assert.deepEqual(failuresOf(stripe[1]), [
			{ error: STRIPE_ERROR, itemIndex: 2, input: STRIPE_INVOICES[2] },
		]);
		assert.deepEqual(pairingOf(stripe[1]), [{ item: 2 }]);

		// The ledger node runs once per incoming branch.
		const ledgerRuns = result.nodes['Canonical to Ledger'].runs;
		assert.equal(ledgerRuns.length, 2);
		const byBranch = new Map(ledgerRuns.map((run) => [run.source[0]?.previousNode, run]));
		const fromXero = byBranch.get('Xero to Canonical')!;
		const fromStripe = byBranch.get('Stripe to Canonical')!;
		assert.deepEqual(withoutCorrelation(fromXero.outputs[0]), LEDGER_FROM_XERO);
		assert.deepEqual(withoutCorrelation(fromStripe.outputs[0]), LEDGER_FROM_STRIPE);
		assert.deepEqual(
			[fromXero.outputs[1], fromStripe.outputs[1]],
			[[], []],
			"nothing on the ledger's error output",
		);
		assert.deepEqual(pairingOf(fromStripe.outputs[0]), [{ item: 0 }, { item: 1 }]);
		// One correlation ID from the vendor payload to the ledger row.
		assert.deepEqual(
			fromXero.outputs[0].map((item) => item.json.correlationId),
			xero[0].map((item) => item.json.correlationId),
		);
		assert.deepEqual(
			fromStripe.outputs[0].map((item) => item.json.correlationId),
			stripe[0].map((item) => item.json.correlationId),
		);

		// Inputs are never changed: the sources' items are as they were sent.
		assert.deepEqual(jsonOf(result.outputs('Xero Invoices')[0]), XERO_INVOICES);
		assert.deepEqual(jsonOf(result.outputs('Stripe Invoices')[0]), STRIPE_INVOICES);

		assertPairing(result);
		for (const name of ['Xero to Canonical', 'Stripe to Canonical', 'Canonical to Ledger'])
			assertEachInputLeavesOnce(result, name);
	});

	test('without an error output, the first bad item fails the node, naming the item, field, value and fix', async () => {
		const workflow = buildWorkflow(
			[
				sourceNode('Xero Invoices', XERO_INVOICES, [0, 0]),
				transformNode('Xero to Canonical', fieldsMapping(XERO_ROWS, XERO_PROFILE)),
			],
			[['Xero Invoices', 'Xero to Canonical']],
		);
		const result = await runWorkflow({ workflow, nodeTypes });
		assert.equal(result.status, 'error');
		assert.equal(result.error?.message, XERO_ERROR);
		assert.equal((result.error as { context?: { itemIndex?: number } }).context?.itemIndex, 2);
	});

	test('with "Continue (using regular output)" the bad item stays on the output, paired, with its error', async () => {
		const workflow = buildWorkflow(
			[
				sourceNode('Stripe Invoices', STRIPE_INVOICES, [0, 0]),
				transformNode('Stripe to Canonical', jsonMapping(STRIPE_MAPPING), {
					onError: 'continueRegularOutput',
				}),
			],
			[['Stripe Invoices', 'Stripe to Canonical']],
		);
		const result = await runWorkflow({ workflow, nodeTypes });
		const [output] = result.outputs('Stripe to Canonical');
		assert.equal(output.length, 3);
		assert.deepEqual(failuresOf([output[2]]), [
			{ error: STRIPE_ERROR, itemIndex: 2, input: STRIPE_INVOICES[2] },
		]);
		assert.deepEqual(pairingOf(output), [{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	test('a malformed mapping fails the node before any item, naming the entry and the fix', async () => {
		const rows = [...XERO_ROWS];
		rows[7] = { ...rows[7], currency: 'DOLLARS' };
		const workflow = buildWorkflow(
			[
				sourceNode('Xero Invoices', XERO_INVOICES, [0, 0]),
				transformNode('Xero to Canonical', fieldsMapping(rows, XERO_PROFILE)),
			],
			[['Xero Invoices', 'Xero to Canonical']],
		);
		const result = await runWorkflow({ workflow, nodeTypes });
		assert.equal(result.status, 'error');
		assert.equal(
			result.error?.message,
			'Mapping entry 8 (target "invoice.total"): options.currency "DOLLARS" is not an ISO 4217 currency code with a minor unit',
		);
		assert.equal(
			result.error?.description,
			'Use a three-letter code such as AUD, USD, EUR, JPY or KWD.',
		);

		const json = buildWorkflow(
			[
				sourceNode('Stripe Invoices', STRIPE_INVOICES, [0, 0]),
				transformNode(
					'Stripe to Canonical',
					jsonMapping(
						'{ "fields": [ { "target": "a", "source": "id", "convert": "copy", "option": {} } ] }',
					),
				),
			],
			[['Stripe Invoices', 'Stripe to Canonical']],
		);
		const malformed = await runWorkflow({ workflow: json, nodeTypes });
		assert.equal(malformed.status, 'error');
		assert.match(
			String(malformed.error?.message),
			/^Mapping \(JSON\): Mapping entry 1 \(target "a"\): Unrecognized key\(s\) in object: 'option'/,
		);
	});

	test("Export Mapping writes the panel's mapping as JSON; another node reads it with an expression and converts the same", async () => {
		const rows = XERO_ROWS.filter((entry) => entry.target !== 'source');
		const workflow = buildWorkflow(
			[
				{ name: 'Start', type: MANUAL_TRIGGER },
				transformNode('Export', {
					...fieldsMapping(rows, XERO_PROFILE, { mappingName: 'xero-invoice-to-canonical' }),
					operation: 'exportMapping',
				}),
				sourceNode('Xero Invoices', XERO_INVOICES.slice(0, 2), [0, 0]),
				transformNode('From Panel', fieldsMapping(rows, XERO_PROFILE)),
				transformNode('From JSON', jsonMapping("={{ $('Export').first().json.mapping }}")),
			],
			[
				['Start', 'Export'],
				['Export', 'Xero Invoices'],
				['Xero Invoices', 'From Panel'],
				['Xero Invoices', 'From JSON'],
			],
		);
		const exported = await runWorkflow({ workflow, nodeTypes });
		assert.equal(exported.status, 'success', exported.error?.message);
		const [exportItems] = exported.outputs('Export');
		assert.equal(exportItems.length, 1);
		assert.deepEqual(exportItems[0].pairedItem, [{ item: 0 }]);
		const mapping = exportItems[0].json.mapping as IDataObject;
		assert.equal(mapping.name, 'xero-invoice-to-canonical');
		assert.deepEqual((mapping.profile as IDataObject).currencySymbols, { $: 'AUD' });
		assert.deepEqual((mapping.fields as IDataObject[])[6], {
			target: 'invoice.total',
			source: 'Total',
			convert: 'money',
			options: {
				input: 'amount',
				currency: null,
				currencyField: 'CurrencyCode',
				output: 'object',
				rounding: 'error',
			},
		});

		// The exported rows leave out the expression-sourced "source" row (a JSON mapping cannot carry expressions).
		const expected = XERO_CANONICAL.map((item) =>
			Object.fromEntries(Object.entries(item).filter(([key]) => key !== 'source')),
		);
		assert.deepEqual(withoutCorrelation(exported.outputs('From JSON')[0]), expected);
		assert.deepEqual(withoutCorrelation(exported.outputs('From Panel')[0]), expected);
		assertPairing(exported);
	});

	test('expressions: per item only when they read the item; option expressions that do are checked per item', async () => {
		const items = [
			{ name: 'a', amount: '1.50', cur: 'AUD' },
			{ name: 'b', amount: '2', cur: 'JPY' },
			{ name: 'c', amount: '3', cur: 'NOPE' },
		];
		const rows: IDataObject[] = [
			row('label', '={{ $json.name.toUpperCase() + "-" + $itemIndex }}', 'string'),
			row('system', '={{ "shop" }}', 'string'),
			row('price', 'amount', 'money', { currency: '={{ $json.cur }}', moneyOutput: 'text' }),
		];
		const workflow = buildWorkflow(
			[
				sourceNode('Source', items, [0, 0]),
				transformNode('Map', fieldsMapping(rows), { onError: 'continueErrorOutput' }),
			],
			[['Source', 'Map']],
		);
		const result = await runWorkflow({ workflow, nodeTypes });
		const [output, errors] = result.outputs('Map');
		assert.deepEqual(withoutCorrelation(output), [
			{ label: 'A-0', system: 'shop', price: 'AUD 1.50' },
			{ label: 'B-1', system: 'shop', price: 'JPY 2' },
		]);
		assert.deepEqual(failuresOf(errors), [
			{
				error:
					'Item 2: Mapping entry 3 (target "price"): options.currency "NOPE" is not an ISO 4217 currency code with a minor unit',
				itemIndex: 2,
				input: items[2],
			},
		]);
		assert.deepEqual(pairingOf(errors), [{ item: 2 }]);
		const hints = result.nodes.Map.hints.map((hint) => hint.message);
		assert.equal(hints.length, 2);
		assert.match(hints[0], /Source Field of "label" is an expression evaluated for every item/);
		assert.match(hints[1], /compiled per distinct value/);
		assertEachInputLeavesOnce(result, 'Map');
	});

	test('keeps unmapped fields and binary data, and never changes the input item', async () => {
		const items = [{ id: 1, email: ' A@B.CO ', meta: { keep: true, drop: 'x' } }];
		const rows: IDataObject[] = [
			row('email', 'email', 'email'),
			row('dropped', 'meta.drop', 'string'),
		];
		const workflow = buildWorkflow(
			[
				{
					name: 'Source',
					type: TEST_SOURCE,
					parameters: {
						items: JSON.stringify(items),
						binary: JSON.stringify({ file: { content: 'hello', fileName: 'a.txt' } }),
					},
				},
				transformNode(
					'Map',
					fieldsMapping(rows, {}, { unmapped: 'keep', correlationField: 'traceId' }),
				),
			],
			[['Source', 'Map']],
		);
		const result = await runWorkflow({ workflow, nodeTypes });
		assert.equal(result.status, 'success', result.error?.message);
		const [[item]] = result.outputs('Map');
		const { traceId, ...rest } = item.json;
		assert.match(String(traceId), UUID_V7);
		assert.deepEqual(rest, { id: 1, email: 'a@b.co', meta: { keep: true }, dropped: 'x' });
		assert.equal((await result.binary(item.binary!.file)).toString(), 'hello');
		assert.deepEqual(result.outputs('Source')[0][0].json, items[0]);
	});
});

describe('examples/canonical-transform.json', () => {
	before(startEngine);
	after(stopEngine);

	test('runs in the engine (its Code nodes replaced by test sources with the same items) with the outputs above', async () => {
		const file = path.join(findPackageRoot(), 'examples/canonical-transform.json');
		const workflow = JSON.parse(readFileSync(file, 'utf8')) as WorkflowJson;
		for (const node of workflow.nodes) {
			if (node.type !== 'n8n-nodes-base.code') continue;
			// The example's Code nodes only return literal items: run that code here, without n8n.
			const code = String(node.parameters.jsCode);
			const returned = runInNewContext(`(function () { ${code} })()`) as Array<{ json: object }>;
			Object.assign(node, {
				type: TEST_SOURCE,
				typeVersion: 1,
				parameters: { items: JSON.stringify(returned.map((entry) => entry.json)) },
			});
		}
		const result = await runWorkflow({ workflow, nodeTypes });
		assert.equal(result.status, 'success', result.error?.message);
		const xero = result.outputs('Xero to Canonical');
		const stripe = result.outputs('Stripe to Canonical');
		assert.deepEqual(withoutCorrelation(xero[0]), XERO_CANONICAL);
		assert.deepEqual(
			failuresOf(xero[1]).map((failure) => failure.error),
			[XERO_ERROR],
		);
		assert.deepEqual(withoutCorrelation(stripe[0]), STRIPE_CANONICAL);
		assert.deepEqual(
			failuresOf(stripe[1]).map((failure) => failure.error),
			[STRIPE_ERROR],
		);
		const runs = result.nodes['Canonical to Ledger'].runs;
		const byBranch = new Map(runs.map((run) => [run.source[0]?.previousNode, run.outputs[0]]));
		assert.deepEqual(withoutCorrelation(byBranch.get('Xero to Canonical')!), LEDGER_FROM_XERO);
		assert.deepEqual(withoutCorrelation(byBranch.get('Stripe to Canonical')!), LEDGER_FROM_STRIPE);
		assertPairing(result);
	});
});
