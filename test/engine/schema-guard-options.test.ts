// Schema Guard's options for the JSON Schema standard, in the real n8n engine: Field to
// Check, Dialect (and the hint that names it), Referenced Schemas, Check Formats.
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

async function runGuard(parameters: IDataObject, items: object[]): Promise<EngineResult> {
	const node: Partial<INode> & Pick<INode, 'name' | 'type'> = {
		name: GUARD,
		type: SCHEMA_GUARD,
		parameters: { schemaSource: 'jsonSchema', ...parameters },
	};
	const sinks = [0, 1, 2].map((index) => ({ name: `Sink ${index}`, type: TEST_NOOP }));
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

const messages = (run: EngineResult) =>
	run
		.output(GUARD, 'Invalid')
		.map((item) =>
			((item.json.schemaGuard as IDataObject).problems as IDataObject[]).map(
				(problem) => problem.message,
			),
		);

describe('Schema Guard options for the JSON Schema standard, in the n8n engine', () => {
	before(async () => await startEngine());
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	test('Field to Check validates the value at a path, names fields relative to it, and refuses an item without it', async () => {
		const run = await runGuard(
			{
				jsonSchema: JSON.stringify({
					type: 'object',
					properties: { age: { type: 'integer' } },
					required: ['age'],
				}),
				options: { fieldToCheck: 'body' },
			},
			[{ body: { age: 41 }, headers: { a: 1 } }, { body: { age: '41' } }, { headers: {} }],
		);
		const valid = run.output(GUARD, 'Valid');
		assert.deepEqual(
			valid.map((item) => item.json.body),
			[{ age: 41 }],
		);
		assert.deepEqual(messages(run), [
			['age should be an integer, but it is a string ("41")'],
			['body is missing: Field to Check names it, but the item does not have it'],
		]);
	});

	test('Field to Check takes any JSON value, a list included, and Discard Value writes back at the path', async () => {
		const run = await runGuard(
			{
				jsonSchema: JSON.stringify({
					type: 'array',
					items: { type: 'object', properties: { sku: { type: 'string' } } },
				}),
				onFieldAdded: 'discardValue',
				options: { fieldToCheck: 'order.lines' },
			},
			[{ order: { id: 1, lines: [{ sku: 'a', extra: true }] } }],
		);
		const [item] = run.output(GUARD, 'Valid');
		assert.deepEqual(item.json.order, { id: 1, lines: [{ sku: 'a' }] });
	});

	test('the hint names the dialect and why; Dialect overrides it', async () => {
		const schema = JSON.stringify({
			definitions: { n: { type: 'integer' } },
			properties: { n: { $ref: '#/definitions/n' } },
		});
		const detected = await runGuard({ jsonSchema: schema }, [{ n: 1 }]);
		const hints = detected.nodes[GUARD].hints.map((hint) => hint.message);
		assert.ok(
			hints.includes(
				'Read as JSON Schema draft-07: the schema has no $schema and uses definitions.',
			),
			hints.join('\n'),
		);
		const chosen = await runGuard({ jsonSchema: schema, options: { dialect: 'draft2019-09' } }, [
			{ n: 'x' },
		]);
		assert.ok(
			chosen.nodes[GUARD].hints.some((hint) =>
				hint.message.startsWith('Read as JSON Schema 2019-09'),
			),
		);
		assert.equal(chosen.output(GUARD, 'Invalid').length, 1);
	});

	test('Referenced Schemas resolve remote refs; an unresolved one stops the node naming it', async () => {
		const jsonSchema = JSON.stringify({
			type: 'object',
			properties: { address: { $ref: 'https://example.com/address.json' } },
		});
		const address = { $id: 'https://example.com/address.json', type: 'object', required: ['city'] };
		const resolved = await runGuard(
			{ jsonSchema, options: { referencedSchemas: JSON.stringify([address]) } },
			[{ address: { city: 'Hobart' } }, { address: {} }],
		);
		assert.equal(resolved.output(GUARD, 'Valid').length, 1);
		assert.deepEqual(messages(resolved), [
			['address.city is missing: the schema requires it (a value)'],
		]);
		const missing = await runGuard({ jsonSchema }, [{ address: {} }]);
		assert.equal(missing.status, 'error');
		assert.match(
			String(missing.error?.message),
			/\/properties\/address\/\$ref: refers to "https:\/\/example.com\/address.json"/,
		);
		assert.match(String(missing.error?.description), /Referenced Schemas/);
	});

	test('Check Formats off reads format as a label', async () => {
		const jsonSchema = JSON.stringify({
			type: 'object',
			properties: { email: { format: 'email' } },
		});
		const items = [{ email: 'not an email' }];
		assert.equal((await runGuard({ jsonSchema }, items)).output(GUARD, 'Invalid').length, 1);
		const off = await runGuard({ jsonSchema, options: { checkFormats: false } }, items);
		assert.equal(off.output(GUARD, 'Valid').length, 1);
	});
});
