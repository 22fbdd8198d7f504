// Schema Guard's result carries the schema's version as text on every output: a valid item, an
// invalid one, one let through with a change, and the drift report, whether Schema Version was
// typed in the panel ("1"), written as a number in the workflow's JSON, or given by an
// expression that resolves to a number. (n8n's table view shows "1" and 1 alike: the JSON view
// and this test tell them apart.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INode } from 'n8n-workflow';

import { SchemaGuard } from '../../nodes/SchemaGuard/SchemaGuard.node';
import { closeAllStores } from '../../nodes/shared/stores/factory';
import {
	buildWorkflow,
	loadPackageTypes,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
	type EngineResult,
	type Link,
	type NodeTypeInput,
} from './harness';

const SCHEMA_GUARD = 'n8n-nodes-integration-guards.schemaGuard';
const GUARD = 'Schema Guard';

function extraNodeTypes(): Record<string, NodeTypeInput> {
	return loadPackageTypes().nodes.has(SCHEMA_GUARD) ? {} : { [SCHEMA_GUARD]: SchemaGuard };
}

const SCHEMA = JSON.stringify({
	type: 'object',
	properties: { id: { type: 'integer' }, email: { type: 'string', format: 'email' } },
	required: ['id'],
});

const ITEMS = [
	{ id: 1, email: 'a@example.com' },
	{ id: 'two' },
	{ id: 3, extra: true },
	{ id: 4, email: 'not-an-email' },
];

async function runGuard(parameters: IDataObject): Promise<EngineResult> {
	const node: Partial<INode> & Pick<INode, 'name' | 'type'> = {
		name: GUARD,
		type: SCHEMA_GUARD,
		parameters: { schemaSource: 'jsonSchema', jsonSchema: SCHEMA, ...parameters },
	};
	const sinks = [0, 1, 2].map((index) => ({ name: `Sink ${index}`, type: TEST_NOOP }));
	const links: Link[] = [
		['Source', GUARD],
		...sinks.map((sink, index): Link => [GUARD, index, sink.name]),
	];
	const workflow = buildWorkflow(
		[
			{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(ITEMS) } },
			node,
			...sinks,
		],
		links,
	);
	return await runWorkflow({ workflow, nodeTypes: extraNodeTypes() });
}

describe("Schema Guard's version field, in the n8n engine", () => {
	before(async () => await startEngine());
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	const cases: Array<[string, IDataObject, string]> = [
		['the default (typed in the panel)', {}, '1'],
		['text', { schemaVersion: '2024-05', schemaName: 'contact' }, '2024-05'],
		['a number in the workflow JSON', { schemaVersion: 2 }, '2'],
		['an expression resolving to a number', { schemaVersion: '={{ 1 + 2 }}' }, '3'],
	];
	for (const [name, parameters, expected] of cases) {
		test(`${name}: the same text on Valid, Invalid and the drift report`, async () => {
			const run = await runGuard(parameters);
			assert.equal(run.status, 'success');
			const valid = run.output(GUARD, 'Valid');
			const invalid = run.output(GUARD, 'Invalid');
			const report = run.output(GUARD, 'Drift Report');
			assert.deepEqual(
				valid.map((item) => item.json.id),
				[1, 3],
			);
			assert.deepEqual(
				invalid.map((item) => item.json.id),
				['two', 4],
			);
			assert.equal(report.length, 1);
			const versions = [
				...[...valid, ...invalid].map((item) => (item.json.schemaGuard as IDataObject).version),
				(report[0].json.schema as IDataObject).version,
			];
			for (const version of versions) assert.equal(version, expected);
			// The schema's name: null on items when none is given, the name when it is.
			const names = [...valid, ...invalid].map(
				(item) => (item.json.schemaGuard as IDataObject).schema,
			);
			for (const each of names) assert.equal(each, parameters.schemaName ?? null);
		});
	}
});
