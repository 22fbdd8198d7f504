/**
 * Schema Guard through the real n8n engine (in process): a "vendor v2" payload split
 * into Valid and Invalid with the right reasons and one drift report; drift memory on
 * the embedded store (SQLite in the harness's temporary n8n user folder) so a second
 * run raises no new alert; contracts, error output and bad schemas. Every output and
 * every pairing is asserted.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INode, INodeExecutionData } from 'n8n-workflow';

import { SchemaGuard } from '../../nodes/SchemaGuard/SchemaGuard.node';
import { closeAllStores } from '../../nodes/shared/stores/factory';
import {
	assertPairing,
	buildWorkflow,
	engineN8nFolder,
	loadPackageTypes,
	pairedItemsOf,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
	type EngineResult,
	type Link,
	type NodeTypeInput,
} from './harness';
import { findPackageRoot } from './node-types';

const SCHEMA_GUARD = 'n8n-nodes-integration-guards.schemaGuard';
const GUARD = 'Schema Guard';
let scopeCounter = 0;

/** Registered from package.json once it lists the node; until then, given to each run. */
function extraNodeTypes(): Record<string, NodeTypeInput> {
	return loadPackageTypes().nodes.has(SCHEMA_GUARD) ? {} : { [SCHEMA_GUARD]: SchemaGuard };
}

/** The contract a consumer of "contact v1" relies on. */
const CONTACT_V1 = {
	$schema: 'https://json-schema.org/draft/2020-12/schema',
	type: 'object',
	properties: {
		id: { type: 'integer' },
		email: { type: 'string', format: 'email' },
		name: { type: 'string', minLength: 1 },
		age: { type: 'integer', minimum: 0 },
		phone: { type: 'string' },
		status: { enum: ['active', 'paused'] },
		correlationId: { type: 'string' },
	},
	required: ['id', 'email', 'name', 'phone'],
};

/**
 * The vendor shipped v2: `nickname` added, `age` now a string, `phone` gone (not in every
 * record yet: a rollout), and a status value nobody has seen.
 */
const VENDOR_V2 = [
	{
		id: 1,
		email: 'ada@example.com',
		name: 'Ada',
		age: 36,
		phone: '+61 2 5550 0101',
		status: 'active',
		correlationId: 'c-0',
	},
	{
		id: 2,
		email: 'bo@example.com',
		name: 'Bo',
		age: '41',
		nickname: 'Bobby',
		status: 'active',
		correlationId: 'c-1',
	},
	{
		id: 3,
		email: 'cy@example.com',
		name: 'Cy',
		age: 29,
		phone: '+61 2 5550 0103',
		nickname: 'C',
		correlationId: 'c-2',
	},
	{
		id: 4,
		email: 'di@example.com',
		name: 'Di',
		age: '35',
		phone: '+61 2 5550 0104',
		status: 'archived',
		correlationId: 'c-3',
	},
];

function guardNode(
	parameters: IDataObject,
	extra: Partial<INode> = {},
): Partial<INode> & Pick<INode, 'name' | 'type'> {
	return {
		name: GUARD,
		type: SCHEMA_GUARD,
		parameters: {
			schemaSource: 'jsonSchema',
			jsonSchema: JSON.stringify(CONTACT_V1, null, 2),
			schemaName: 'vendor-contact',
			schemaVersion: '1',
			...parameters,
		},
		...extra,
	};
}

/** Source → Schema Guard → one sink per output (error output included when there is one). */
async function runGuard(
	node: Partial<INode> & Pick<INode, 'name' | 'type'>,
	items: object[],
	outputCount: number,
): Promise<EngineResult> {
	const sinks = Array.from({ length: outputCount }, (_, index) => ({
		name: `Sink ${index}`,
		type: TEST_NOOP,
	}));
	const links: Link[] = [
		['Source', GUARD],
		...sinks.map((sink, index): Link => [GUARD, index, sink.name]),
	];
	const workflow = buildWorkflow(
		[
			{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
			node,
			...sinks,
		],
		links,
	);
	return await runWorkflow({ workflow, nodeTypes: extraNodeTypes() });
}

const ids = (items: INodeExecutionData[]) => items.map((item) => item.json.id);
const paired = (items: INodeExecutionData[]) =>
	items.map((item) => pairedItemsOf(item)?.map((entry) => entry.item));
const result = (item: INodeExecutionData) => item.json.schemaGuard as IDataObject;
const problems = (item: INodeExecutionData) =>
	(result(item).problems as IDataObject[]).map(
		(problem) => `${String(problem.kind)} ${String(problem.path)}`,
	);

/**
 * Every input item leaves exactly once on Valid, Invalid or the error output (the drift
 * report is a summary and pairs with the items that drifted, so it is not counted).
 */
function assertEachItemRoutedOnce(
	run: EngineResult,
	itemOutputs: number[],
	inputCount: number,
): void {
	const seen = new Array<number>(inputCount).fill(0);
	const outputs = run.outputs(GUARD);
	for (const output of itemOutputs) {
		for (const item of outputs[output]) {
			const entries = pairedItemsOf(item) ?? [];
			assert.equal(entries.length, 1, 'an item output pairs with exactly one input item');
			seen[entries[0].item]++;
		}
	}
	assert.deepEqual(
		seen,
		new Array<number>(inputCount).fill(1),
		'every input item leaves exactly once',
	);
}

describe('Schema Guard in the n8n engine', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	test('splits a vendor v2 payload into Valid and Invalid with reasons, and one drift report', async () => {
		const run = await runGuard(guardNode({}), VENDOR_V2, 3);
		assert.equal(run.status, 'success');
		assert.deepEqual(run.nodes[GUARD].outputNames, ['Valid', 'Invalid', 'Drift Report']);
		const [valid, invalid, report] = run.outputs(GUARD);

		assert.deepEqual(ids(valid), [1, 3]);
		assert.deepEqual(paired(valid), [[0], [2]]);
		assert.deepEqual(result(valid[0]), {
			valid: true,
			schema: 'vendor-contact',
			version: '1',
			changes: [],
		});
		assert.equal(valid[1].json.nickname, 'C', 'Evolve passes the new field on');
		assert.deepEqual(result(valid[1]).changes, [
			{
				kind: 'fieldAdded',
				path: 'nickname',
				action: 'evolve',
				expected: 'no such field (the schema does not list it)',
				received: 'a string ("C")',
			},
		]);

		assert.deepEqual(ids(invalid), [2, 4]);
		assert.deepEqual(paired(invalid), [[1], [3]]);
		assert.deepEqual(problems(invalid[0]), ['typeChanged age', 'requiredMissing phone']);
		assert.deepEqual(problems(invalid[1]), ['typeChanged age', 'unseenEnumValue status']);
		const [ageProblem, phoneProblem] = result(invalid[0]).problems as IDataObject[];
		assert.deepEqual(ageProblem, {
			kind: 'typeChanged',
			path: 'age',
			pointer: '/age',
			expected: 'an integer',
			received: 'a string ("41")',
			message: 'age should be an integer, but it is a string ("41")',
		});
		assert.equal(phoneProblem.message, 'phone is missing: the schema requires it (a string)');
		assert.equal(result(invalid[1]).problemCount, 2);
		assert.equal(invalid[0].json.age, '41', 'Invalid items leave as they came, plus the result');

		assert.equal(report.length, 1, 'one drift report per execution');
		assert.deepEqual(paired(report), [[1, 2, 3]], 'the report pairs with the items that drifted');
		const summary = report[0].json;
		assert.equal(summary.summary, '4 kinds of drift in 3 of 4 items');
		assert.deepEqual(
			{
				items: summary.items,
				valid: summary.valid,
				invalid: summary.invalid,
				errors: summary.errors,
				newDrift: summary.newDrift,
			},
			{ items: 4, valid: 2, invalid: 2, errors: 0, newDrift: 4 },
		);
		const drift = summary.drift as IDataObject[];
		assert.deepEqual(
			drift.map((entry) => [
				entry.kind,
				entry.path,
				entry.count,
				entry.examples,
				entry.exampleCorrelationIds,
			]),
			[
				['fieldAdded', 'nickname', 2, [1, 2], ['c-1', 'c-2']],
				['requiredMissing', 'phone', 1, [1], ['c-1']],
				['typeChanged', 'age', 2, [1, 3], ['c-1', 'c-3']],
				['unseenEnumValue', 'status', 1, [3], ['c-3']],
			],
		);
		assert.deepEqual(drift[2].received, { string: 2 });
		assert.deepEqual(drift[3].values, [{ value: 'archived', count: 1 }]);
		assert.equal(drift[2].description, 'age is string instead of an integer in 2 of 4 items');
		assert.deepEqual(summary.schema, {
			name: 'vendor-contact',
			version: '1',
			fingerprint: (summary.schema as IDataObject).fingerprint,
			source: 'jsonSchema',
		});
		assert.match(String((summary.schema as IDataObject).fingerprint), /^[0-9a-f]{64}$/);

		assert.ok(
			run.nodes[GUARD].hints.some((hint) =>
				hint.message.startsWith('Schema drift: New field nickname in 2 of 4 items'),
			),
		);
		assertPairing(run);
		assertEachItemRoutedOnce(run, [0, 1], VENDOR_V2.length);
	});

	test('with drift memory on the embedded store, the second run raises no new drift alert', async () => {
		const scope = `engine-drift-${++scopeCounter}`;
		const node = guardNode({ driftMemory: true, store: 'embedded', scope });

		const first = await runGuard(node, VENDOR_V2, 3);
		assert.equal(first.status, 'success');
		const [valid1, invalid1, report1] = first.outputs(GUARD);
		assert.deepEqual(
			[ids(valid1), ids(invalid1)],
			[
				[1, 3],
				[2, 4],
			],
		);
		assert.equal(report1.length, 1);
		assert.equal(report1[0].json.memory, true);
		assert.equal(report1[0].json.newDrift, 4);
		assert.ok((report1[0].json.drift as IDataObject[]).every((entry) => entry.new === true));
		assert.ok(
			existsSync(path.join(engineN8nFolder, 'storage', 'integration-guards', 'guards.sqlite')),
			'the embedded store lives in the n8n user folder',
		);

		const second = await runGuard(node, VENDOR_V2, 3);
		assert.equal(second.status, 'success');
		const [valid2, invalid2, report2] = second.outputs(GUARD);
		assert.deepEqual(
			[ids(valid2), ids(invalid2)],
			[
				[1, 3],
				[2, 4],
			],
			'items are still routed the same way',
		);
		assert.deepEqual(paired(valid2), [[0], [2]]);
		assert.deepEqual(paired(invalid2), [[1], [3]]);
		assert.deepEqual(problems(invalid2[0]), ['typeChanged age', 'requiredMissing phone']);
		assert.deepEqual(report2, [], 'no new drift: no report');
		assert.ok(
			second.nodes[GUARD].hints.some(
				(hint) => hint.message === 'Schema drift seen before (4 kinds); no new alert',
			),
		);

		// A value never seen before is new drift, even at a known path.
		const third = await runGuard(
			node,
			[{ ...VENDOR_V2[0], status: 'deleted', correlationId: 'c-9' }],
			3,
		);
		const report3 = third.outputs(GUARD)[2];
		assert.equal(report3.length, 1);
		assert.equal(report3[0].json.newDrift, 1);
		assert.deepEqual(
			(report3[0].json.drift as IDataObject[]).map((entry) => [
				entry.kind,
				entry.path,
				entry.new,
				entry.values,
			]),
			[['unseenEnumValue', 'status', true, [{ value: 'deleted', count: 1 }]]],
		);
		assert.deepEqual(paired(report3), [[0]]);
		for (const run of [first, second, third]) assertPairing(run);
		assertEachItemRoutedOnce(second, [0, 1], VENDOR_V2.length);
	});

	test('a new schema version starts a fresh drift memory', async () => {
		const scope = `engine-drift-${++scopeCounter}`;
		const v1 = guardNode({ driftMemory: true, scope });
		const v2 = guardNode({ driftMemory: true, scope, schemaVersion: '2' });
		assert.equal((await runGuard(v1, VENDOR_V2, 3)).outputs(GUARD)[2].length, 1);
		assert.equal((await runGuard(v1, VENDOR_V2, 3)).outputs(GUARD)[2].length, 0);
		assert.equal((await runGuard(v2, VENDOR_V2, 3)).outputs(GUARD)[2].length, 1);
	});

	test("reports a jump in a nullable field's null rate against the schema's expected rate", async () => {
		const schema = {
			type: 'object',
			properties: {
				id: { type: 'integer' },
				phone: { type: ['string', 'null'], 'x-null-rate': 0.05 },
			},
			required: ['id', 'phone'],
		};
		const items = [
			{ id: 1, phone: null },
			{ id: 2, phone: null },
			{ id: 3, phone: '+61 2 5550 0103' },
			{ id: 4, phone: null },
		];
		const node = guardNode({
			jsonSchema: JSON.stringify(schema),
			options: { nullRateMinValues: 4, nullRateJump: 50 },
		});
		const run = await runGuard(node, items, 3);
		const [valid, invalid, report] = run.outputs(GUARD);
		assert.deepEqual(
			[ids(valid), ids(invalid)],
			[[1, 2, 3, 4], []],
			'nulls are allowed: every item is valid',
		);
		assert.equal(report.length, 1);
		assert.deepEqual(report[0].json.drift, [
			{
				kind: 'nullRateJump',
				path: 'phone',
				description: 'phone is null in 75% of 4 values (expected about 5%)',
				count: 3,
				examples: [0, 1, 3],
				new: true,
				nullRate: 0.75,
				baselineNullRate: 0.05,
				observed: 4,
			},
		]);
		assert.deepEqual(paired(report), [[0, 1, 3]]);
		assertPairing(run);
	});

	test('Discard Value strips new fields and types, fills missing ones with null; the input is untouched', async () => {
		const node = guardNode({
			onFieldAdded: 'discardValue',
			onTypeChanged: 'discardValue',
			onRequiredMissing: 'discardValue',
		});
		const run = await runGuard(node, VENDOR_V2, 3);
		const [valid, invalid] = run.outputs(GUARD);
		assert.deepEqual(ids(valid), [1, 2, 3], 'item 4 still fails: its status is not allowed');
		assert.deepEqual(ids(invalid), [4]);
		assert.deepEqual(problems(invalid[0]), ['unseenEnumValue status']);
		const bo = valid[1].json;
		assert.equal('nickname' in bo, false);
		assert.equal('age' in bo, false);
		assert.equal(bo.phone, null);
		assert.deepEqual(
			(result(valid[1]).changes as IDataObject[]).map(
				(change) => `${String(change.action)} ${String(change.kind)} ${String(change.path)}`,
			),
			[
				'discardValue typeChanged age',
				'discardValue requiredMissing phone',
				'discardValue fieldAdded nickname',
			],
		);
		const sourceItems = run.outputs('Source')[0];
		assert.equal(sourceItems[1].json.nickname, 'Bobby', 'the input item keeps its fields');
		assert.equal(sourceItems[1].json.age, '41');
		assertPairing(run);
		assertEachItemRoutedOnce(run, [0, 1], VENDOR_V2.length);
	});

	test('Freeze with "Continue (using error output)" sends the drifting items to the error output, naming the change', async () => {
		const node = guardNode(
			{ onFieldAdded: 'freeze', driftReport: false },
			{ onError: 'continueErrorOutput' },
		);
		const run = await runGuard(node, VENDOR_V2, 3);
		assert.equal(run.status, 'success');
		assert.deepEqual(run.nodes[GUARD].outputNames, ['Valid', 'Invalid', 'Error']);
		const [valid, invalid, errors] = run.outputs(GUARD);
		assert.deepEqual(ids(valid), [1]);
		assert.deepEqual(ids(invalid), [4]);
		assert.deepEqual(paired(errors), [[1], [2]]);
		assert.equal(
			errors[0].json.error,
			'Schema drift in item 1: nickname is a new field: the schema does not list it',
		);
		assert.match(
			String((errors[0].json.details as IDataObject).description),
			/^On New Fields is set to Freeze\./,
		);
		assert.equal(errors[0].json.nickname, 'Bobby', 'the payload travels with the error');
		assertPairing(run);
		assertEachItemRoutedOnce(run, [0, 1, 2], VENDOR_V2.length);
	});

	test('Freeze without an error output stops the execution, naming the item and the change', async () => {
		const run = await runGuard(guardNode({ onTypeChanged: 'freeze' }), VENDOR_V2, 3);
		assert.equal(run.status, 'error');
		assert.equal(
			run.error?.message,
			'Schema drift in item 1: age should be an integer, but it is a string ("41")',
		);
		assert.equal(run.nodes['Sink 0'], undefined, 'nothing was passed on');
	});

	test('an invalid schema fails before any item, pointing at the JSON pointer', async () => {
		const broken = {
			...CONTACT_V1,
			properties: { ...CONTACT_V1.properties, age: { type: 'int' } },
		};
		const run = await runGuard(guardNode({ jsonSchema: JSON.stringify(broken) }), VENDOR_V2, 3);
		assert.equal(run.status, 'error');
		assert.equal(
			run.error?.message,
			'Schema at /properties/age/type: a string ("int") is not a valid value here: it must be one of "array", "boolean", "integer", "null", "number", "object", "string"',
		);
		assert.match(
			String(run.error?.description),
			/Fix the JSON Schema parameter at \/properties\/age\/type/,
		);
		assert.equal(run.nodes['Sink 0'], undefined);
	});

	test('a field list builds the same contract, without the output field on valid items', async () => {
		const node = guardNode({
			schemaSource: 'fields',
			fields: {
				field: [
					{ name: 'id', type: 'integer', required: true },
					{ name: 'email', type: 'string', required: true, constraints: { format: 'email' } },
					{ name: 'name', type: 'string', required: true, constraints: { minimum: 1 } },
					{ name: 'age', type: 'integer', required: false, constraints: { minimum: 0 } },
					{ name: 'phone', type: 'string', required: true },
					{
						name: 'status',
						type: 'string',
						required: false,
						constraints: { allowedValues: 'active, paused' },
					},
					{ name: 'correlationId', type: 'string', required: false },
				],
			},
			options: { annotateValid: false },
		});
		const run = await runGuard(node, VENDOR_V2, 3);
		const [valid, invalid, report] = run.outputs(GUARD);
		assert.deepEqual(ids(valid), [1, 3]);
		assert.deepEqual(valid[0].json, VENDOR_V2[0], 'valid items leave exactly as they came');
		assert.deepEqual(ids(invalid), [2, 4]);
		assert.deepEqual(problems(invalid[0]), ['typeChanged age', 'requiredMissing phone']);
		assert.equal(report.length, 1);
		assertPairing(run);
		assertEachItemRoutedOnce(run, [0, 1], VENDOR_V2.length);
	});

	test('a sample payload is inferred, checked against, and offered for pinning', async () => {
		const node = guardNode({ schemaSource: 'sample', sample: JSON.stringify([VENDOR_V2[0]]) });
		const run = await runGuard(node, VENDOR_V2, 3);
		const [valid, invalid, report] = run.outputs(GUARD);
		assert.deepEqual(ids(valid), [1]);
		// Item 3 misses status, which the single sample had: required.
		assert.deepEqual(ids(invalid), [2, 3, 4]);
		const inferred = report[0].json.inferredSchema as IDataObject;
		assert.deepEqual(inferred.required, [
			'id',
			'email',
			'name',
			'age',
			'phone',
			'status',
			'correlationId',
		]);
		assert.deepEqual((inferred.properties as IDataObject).email, {
			type: 'string',
			format: 'email',
		});
		assert.ok(
			run.nodes[GUARD].hints.some((hint) =>
				hint.message.startsWith('Schema inferred from the sample (7 fields). To pin it'),
			),
		);
		assertPairing(run);
		assertEachItemRoutedOnce(run, [0, 1], VENDOR_V2.length);
	});

	test("the example workflow's Schema Guard runs as shipped on its pinned vendor v2 batch", async () => {
		const example = JSON.parse(
			readFileSync(path.join(findPackageRoot(), 'examples', 'schema-guard.json'), 'utf8'),
		) as {
			nodes: INode[];
			pinData: Record<string, Array<{ json: { body: { contacts: object[] } } }>>;
		};
		const guard = example.nodes.find((node) => node.type === SCHEMA_GUARD);
		assert.ok(guard, 'the example uses the Schema Guard node');
		const contacts = example.pinData['Contacts Received'][0].json.body.contacts;
		const scope = `engine-example-${++scopeCounter}`;
		const node = { ...guard, name: GUARD, parameters: { ...guard.parameters, scope } };
		const first = await runGuard(node, contacts, 3);
		const [valid, invalid, report] = first.outputs(GUARD);
		assert.deepEqual([ids(valid), ids(invalid), report.length], [[1, 3], [2, 4], 1]);
		const second = await runGuard(node, contacts, 3);
		assert.deepEqual(second.outputs(GUARD)[2], [], 'remembered: no second alert');
		assertPairing(first);
		assertPairing(second);
	});

	test('prints what the node costs per item in the engine, beside a No Operation node on the same items', async () => {
		const items = Array.from({ length: 10_000 }, (_, index) => ({
			...VENDOR_V2[0],
			id: index + 1,
			correlationId: `c-${index}`,
		}));
		const workflow = buildWorkflow(
			[
				{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
				guardNode({}),
				{ name: 'Baseline', type: TEST_NOOP },
			],
			[
				['Source', GUARD],
				['Source', 'Baseline'],
			],
		);
		// Best of three: the first run also compiles the schema and warms V8 and zod up.
		const timings: Array<[number, number]> = [];
		for (let round = 0; round < 3; round++) {
			const run = await runWorkflow({ workflow, nodeTypes: extraNodeTypes() });
			assert.equal(run.output(GUARD, 'Valid').length, 10_000);
			assertPairing(run, [GUARD]);
			timings.push([run.nodes[GUARD].task.executionTime, run.nodes.Baseline.task.executionTime]);
		}
		const guardMs = Math.min(...timings.map(([guard]) => guard));
		const baselineMs = Math.min(...timings.map(([, baseline]) => baseline));
		console.log(
			`Schema Guard in the engine: 10000 items, best of 3: ${guardMs} ms (${((guardMs * 1000) / 10_000).toFixed(1)} µs/item, ${Math.round(10_000_000 / Math.max(guardMs, 1)).toLocaleString('en')} items/s); No Operation on the same items: ${baselineMs} ms`,
		);
	});
});
