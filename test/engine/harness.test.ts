/**
 * Tests of the engine harness itself, with harness test nodes and tiny nodes defined here.
 * They also pin down how the real n8n engine routes items and errors, which every node of
 * the package relies on (see the notes at the top of harness.ts).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
	NodeConnectionTypes,
	NodeOperationError,
	Workflow,
	type ICredentialType,
	type INodeCredentials,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import {
	activeExpressionEngine,
	assertEachInputLeavesOnce,
	assertPairing,
	buildWorkflow,
	engineN8nFolder,
	engineUserFolder,
	loadPackageTypes,
	runWorkflow,
	startEngine,
	stopEngine,
	storagePathFor,
	waitForWarmIsolate,
	type WorkflowJson,
} from './harness';
import { FixtureCredentialsHelper } from './credentials-helper';
import { HarnessNodeTypes, findPackageRoot } from './node-types';

after(async () => {
	await stopEngine();
});

function describeNode(
	name: string,
	extra: Partial<INodeTypeDescription> = {},
): INodeTypeDescription {
	return {
		displayName: name,
		name,
		group: ['transform'],
		version: 1,
		description: `test node ${name}`,
		defaults: { name },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
		...extra,
	};
}

/**
 * Two named outputs (Even / Odd by `json.n`) and per-item errors: an item with
 * `json.bad` becomes `{ json: { error } }` when the node may continue, else it throws.
 * With `json.itemError` it returns the n8n-style `item.error` instead.
 */
class TestRouter implements INodeType {
	description = describeNode('router', {
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Even', 'Odd'],
	});

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const even: INodeExecutionData[] = [];
		const odd: INodeExecutionData[] = [];
		for (const [index, item] of this.getInputData().entries()) {
			const pairedItem = { item: index };
			if (item.json.bad === true || item.json.itemError === true) {
				const error = new NodeOperationError(this.getNode(), `item ${index} is bad`, {
					itemIndex: index,
					description: 'Remove "bad" from the item',
				});
				if (!this.continueOnFail()) throw error;
				even.push(
					item.json.itemError === true
						? { json: {}, error, pairedItem }
						: { json: { error: error.message }, pairedItem },
				);
				continue;
			}
			if (item.json.mixedError === true) {
				// An error key next to other keys: NOT treated as an error item by the engine.
				even.push({ json: { ...item.json, error: 'looks like an error' }, pairedItem });
				continue;
			}
			(Number(item.json.n) % 2 === 0 ? even : odd).push({ json: { ...item.json }, pairedItem });
		}
		return [even, odd];
	}
}

/** Throws for the whole batch. */
class TestThrower implements INodeType {
	description = describeNode('thrower');

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		throw new NodeOperationError(this.getNode(), 'the whole batch failed');
	}
}

/** Adds `value` (a parameter, usually an expression) and the active expression engine. */
class TestCompute implements INodeType {
	description = describeNode('compute', {
		properties: [{ displayName: 'Value', name: 'value', type: 'number', default: 0 }],
	});

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [
			this.getInputData().map((item, index) => ({
				json: {
					...item.json,
					value: this.getNodeParameter('value', index) as number,
					engine: activeExpressionEngine(),
				},
				pairedItem: { item: index },
			})),
		];
	}
}

/** Reports its credentials, storage path and continueOnFail(). */
class TestProbe implements INodeType {
	description = describeNode('probe', {
		credentials: [
			{ name: 'testApi', required: true, displayOptions: { show: { useCredential: [true] } } },
			{ name: 'optionalApi', required: false },
		],
		properties: [
			{ displayName: 'Use Credential', name: 'useCredential', type: 'boolean', default: false },
			{ displayName: 'Read Optional', name: 'readOptional', type: 'boolean', default: false },
		],
	});

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const json: Record<string, unknown> = {
			storagePath: this.helpers.getStoragePath(),
			continueOnFail: this.continueOnFail(),
		};
		if (this.getNodeParameter('useCredential', 0) === true)
			json.credentials = await this.getCredentials('testApi');
		if (this.getNodeParameter('readOptional', 0) === true) {
			try {
				json.optional = await this.getCredentials('optionalApi');
			} catch (error) {
				json.optionalError = (error as Error).message;
			}
		}
		return [[{ json: json as INodeExecutionData['json'], pairedItem: { item: 0 } }]];
	}
}

/** A node that breaks pairing on purpose: drop, duplicate or point past the input. */
class TestBadPairing implements INodeType {
	description = describeNode('badPairing', {
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		properties: [{ displayName: 'Fault', name: 'fault', type: 'string', default: 'outOfRange' }],
	});

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const fault = this.getNodeParameter('fault', 0) as string;
		const fresh = (index: number): INodeExecutionData => ({
			json: { ...items[index].json },
			pairedItem: { item: index },
		});
		switch (fault) {
			case 'outOfRange':
				return [[{ json: {}, pairedItem: { item: items.length } }], []];
			case 'missing':
				return [items.map((item) => ({ json: { ...item.json } })), []];
			case 'duplicate':
				return [items.map((_, index) => fresh(index)), [fresh(0)]];
			case 'drop':
				return [items.slice(1).map((_, index) => fresh(index + 1)), []];
			default:
				return [items.map((_, index) => fresh(index)), []];
		}
	}
}

/** Outputs given as an expression over its parameters, like n8n's Switch node. */
class TestDynamicOutputs implements INodeType {
	description = describeNode('dynamicOutputs', {
		outputs: `={{ Array.from({ length: $parameter.count }, (_, index) => ({ type: 'main', displayName: 'Out ' + index })) }}`,
		properties: [{ displayName: 'Count', name: 'count', type: 'number', default: 2 }],
	});

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const count = this.getNodeParameter('count', 0) as number;
		const outputs: INodeExecutionData[][] = Array.from({ length: count }, () => []);
		this.getInputData().forEach((item, index) =>
			outputs[index % count].push({ json: { ...item.json }, pairedItem: { item: index } }),
		);
		return outputs;
	}
}

class TestApi implements ICredentialType {
	name = 'testApi';
	displayName = 'Test API';
	properties: ICredentialType['properties'] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
		},
		{ displayName: 'Region', name: 'region', type: 'string', default: 'eu-west-1' },
	];
	authenticate: ICredentialType['authenticate'] = {
		type: 'generic',
		properties: { headers: { Authorization: '=Bearer {{$credentials.apiKey}}' } },
	};
}

const testNodeTypes = {
	'test.router': TestRouter,
	'test.thrower': TestThrower,
	'test.compute': TestCompute,
	'test.probe': TestProbe,
	'test.badPairing': TestBadPairing,
	'test.dynamicOutputs': TestDynamicOutputs,
};

function source(items: object[]) {
	return { name: 'Source', type: 'test.source', parameters: { items: JSON.stringify(items) } };
}

describe('engine harness', () => {
	it('runs a workflow as n8n exports it, manual trigger included', async () => {
		const exported: WorkflowJson = {
			name: 'exported',
			nodes: [
				{
					parameters: {},
					id: 'a1',
					name: 'When clicking ‘Execute workflow’',
					type: 'n8n-nodes-base.manualTrigger',
					typeVersion: 1,
					position: [0, 0],
				},
				{
					parameters: { items: '[{"a":1},{"a":2}]' },
					id: 'a2',
					name: 'Source',
					type: 'test.source',
					typeVersion: 1,
					position: [200, 0],
				},
				{
					parameters: {},
					id: 'a3',
					name: 'Pass',
					type: 'n8n-nodes-base.noOp',
					typeVersion: 1,
					position: [400, 0],
				},
				{
					parameters: { content: 'a note' },
					id: 'a4',
					name: 'Sticky Note',
					type: 'n8n-nodes-base.stickyNote',
					typeVersion: 1,
					position: [0, 300],
				},
			],
			connections: {
				'When clicking ‘Execute workflow’': {
					main: [[{ node: 'Source', type: 'main', index: 0 }]],
				},
				Source: { main: [[{ node: 'Pass', type: 'main', index: 0 }]] },
			},
			settings: { executionOrder: 'v1' },
		};
		const result = await runWorkflow({ workflow: exported });
		assert.equal(result.status, 'success');
		assert.equal(result.error, undefined);
		assert.deepEqual(result.executionOrder, ['When clicking ‘Execute workflow’', 'Source', 'Pass']);
		assert.deepEqual(result.outputs('Source'), [
			[
				{ json: { a: 1 }, pairedItem: { item: 0 } },
				{ json: { a: 2 }, pairedItem: { item: 0 } },
			],
		]);
		// Items passed through unchanged carry the pairing the engine gave the input items.
		assert.deepEqual(result.outputs('Pass'), [
			[
				{ json: { a: 1 }, pairedItem: { item: 0, input: undefined } },
				{ json: { a: 2 }, pairedItem: { item: 1, input: undefined } },
			],
		]);
		assert.equal(
			result.outputs('Pass')[0][0].json,
			result.outputs('Source')[0][0].json,
			'json is shared, not copied',
		);
		assert.deepEqual(result.outputs('When clicking ‘Execute workflow’'), [
			[{ json: {}, pairedItem: { item: 0, input: undefined } }],
		]);
		assertPairing(result);
	});

	it('returns every named output and the error output, in order, items whole', async () => {
		const workflow = buildWorkflow(
			[
				source([{ n: 1 }, { n: 2 }, { n: 3, bad: true }, { n: 4 }, { n: 5 }]),
				{ name: 'Router', type: 'test.router', onError: 'continueErrorOutput' },
			],
			[['Source', 'Router']],
		);
		const result = await runWorkflow({ workflow, nodeTypes: testNodeTypes });
		assert.equal(result.status, 'success');
		const router = result.nodes.Router;
		assert.deepEqual(router.outputNames, ['Even', 'Odd', 'Error']);
		assert.deepEqual(router.outputs, [
			[
				{ json: { n: 2 }, pairedItem: { item: 1 } },
				{ json: { n: 4 }, pairedItem: { item: 3 } },
			],
			[
				{ json: { n: 1 }, pairedItem: { item: 0 } },
				{ json: { n: 5 }, pairedItem: { item: 4 } },
			],
			// The engine merged the paired input item's json under the error item's json.
			[{ json: { n: 3, bad: true, error: 'item 2 is bad' }, pairedItem: { item: 2 } }],
		]);
		assert.deepEqual(result.output('Router', 'Error'), router.outputs[2]);
		assert.deepEqual(result.output('Router', 1), router.outputs[1]);
		assertPairing(result);
		assertEachInputLeavesOnce(result, 'Router');
	});

	it("names outputs given as an expression (evaluated in the run's isolate)", async () => {
		const workflow = buildWorkflow(
			[
				source([{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }]),
				{
					name: 'Split',
					type: 'test.dynamicOutputs',
					parameters: { count: 3 },
					onError: 'continueErrorOutput',
				},
			],
			[['Source', 'Split']],
		);
		const result = await runWorkflow({ workflow, nodeTypes: testNodeTypes });
		assert.deepEqual(result.nodes.Split.outputNames, ['Out 0', 'Out 1', 'Out 2', 'Error']);
		assert.deepEqual(
			result.outputs('Split').map((items) => items.map((item) => item.json.n)),
			[[0, 3], [1], [2], []],
		);
		assertEachInputLeavesOnce(result, 'Split');
	});

	it('engine: item.error goes to the error output with json replaced by { error: message }', async () => {
		const workflow = buildWorkflow(
			[
				source([{ n: 1, itemError: true }]),
				{ name: 'Router', type: 'test.router', onError: 'continueErrorOutput' },
			],
			[['Source', 'Router']],
		);
		const result = await runWorkflow({ workflow, nodeTypes: testNodeTypes });
		const [errorItem] = result.output('Router', 'Error');
		assert.deepEqual(errorItem.json, { error: 'item 0 is bad' });
		assert.ok(errorItem.error instanceof NodeOperationError);
		assert.deepEqual(errorItem.pairedItem, { item: 0 });
	});

	it('engine: json.error next to other keys is not an error item; it stays on its output', async () => {
		const workflow = buildWorkflow(
			[
				source([{ n: 1, mixedError: true }]),
				{ name: 'Router', type: 'test.router', onError: 'continueErrorOutput' },
			],
			[['Source', 'Router']],
		);
		const result = await runWorkflow({ workflow, nodeTypes: testNodeTypes });
		assert.deepEqual(result.output('Router', 'Even'), [
			{ json: { n: 1, mixedError: true, error: 'looks like an error' }, pairedItem: { item: 0 } },
		]);
		assert.deepEqual(result.output('Router', 'Error'), []);
	});

	it('engine: with continueRegularOutput error items stay where the node put them', async () => {
		const workflow = buildWorkflow(
			[
				source([{ n: 1, bad: true }]),
				{ name: 'Router', type: 'test.router', onError: 'continueRegularOutput' },
			],
			[['Source', 'Router']],
		);
		const result = await runWorkflow({ workflow, nodeTypes: testNodeTypes });
		assert.deepEqual(result.nodes.Router.outputNames, ['Even', 'Odd']);
		assert.deepEqual(result.outputs('Router'), [
			[{ json: { error: 'item 0 is bad' }, pairedItem: { item: 0 } }],
			[],
		]);
	});

	it('engine: a node that throws under continueErrorOutput passes its INPUT on output 0, not the error output', async () => {
		const workflow = buildWorkflow(
			[
				source([{ n: 1 }, { n: 2 }]),
				{ name: 'Thrower', type: 'test.thrower', onError: 'continueErrorOutput' },
				{ name: 'After Success', type: 'test.noop' },
				{ name: 'After Error', type: 'test.noop' },
			],
			[
				['Source', 'Thrower'],
				['Thrower', 0, 'After Success'],
				['Thrower', 1, 'After Error'],
			],
		);
		const result = await runWorkflow({ workflow, nodeTypes: testNodeTypes });
		const thrower = result.nodes.Thrower;
		assert.equal(thrower.error?.message, 'the whole batch failed');
		assert.deepEqual(thrower.outputNames, ['Success', 'Error']);
		assert.deepEqual(thrower.outputs, [
			[
				{ json: { n: 1 }, pairedItem: { item: 0, input: undefined } },
				{ json: { n: 2 }, pairedItem: { item: 1, input: undefined } },
			],
			[],
		]);
		assert.deepEqual(result.executionOrder, ['Source', 'Thrower', 'After Success']);
		assert.equal(result.status, 'success', 'a node ran after the failed one');
		assertPairing(result);
	});

	it('engine: a throwing node that runs last under continueErrorOutput leaves the execution in error', async () => {
		const workflow = buildWorkflow(
			[
				source([{ n: 1 }]),
				{ name: 'Thrower', type: 'test.thrower', onError: 'continueErrorOutput' },
			],
			[['Source', 'Thrower']],
		);
		const result = await runWorkflow({ workflow, nodeTypes: testNodeTypes });
		assert.equal(result.status, 'error');
		assert.equal(result.error?.message, 'the whole batch failed');
		assert.deepEqual(result.outputs('Thrower')[0], [
			{ json: { n: 1 }, pairedItem: { item: 0, input: undefined } },
		]);
	});

	it('engine: a node that throws without onError stops the execution', async () => {
		const workflow = buildWorkflow(
			[
				source([{ n: 1, bad: true }]),
				{ name: 'Router', type: 'test.router' },
				{ name: 'After', type: 'test.noop' },
			],
			[
				['Source', 'Router'],
				['Router', 'After'],
			],
		);
		const result = await runWorkflow({ workflow, nodeTypes: testNodeTypes });
		assert.equal(result.status, 'error');
		assert.equal(result.error?.message, 'item 0 is bad');
		assert.equal(result.nodes.Router.error?.message, 'item 0 is bad');
		assert.deepEqual(result.outputs('Router'), [[], []]);
		assert.equal(result.nodes.After, undefined);
		assert.throws(() => result.outputs('After'), /did not run/);
	});

	it('engine: continueOnFail() is true for both continue modes and legacy continueOnFail', async () => {
		const cases = [
			[{}, false],
			[{ onError: 'stopWorkflow' }, false],
			[{ onError: 'continueRegularOutput' }, true],
			[{ onError: 'continueErrorOutput' }, true],
			[{ continueOnFail: true }, true],
		] as const;
		for (const [settings, expected] of cases) {
			const result = await runWorkflow({
				workflow: buildWorkflow([{ name: 'Probe', type: 'test.probe', ...settings }], []),
				nodeTypes: testNodeTypes,
			});
			assert.equal(
				result.outputs('Probe')[0][0].json.continueOnFail,
				expected,
				JSON.stringify(settings),
			);
		}
	});

	it('evaluates expressions through the vm engine, as a server does', async () => {
		const workflow = buildWorkflow(
			[
				source([{ a: 1 }, { a: 41 }]),
				{ name: 'Compute', type: 'test.compute', parameters: { value: '={{ $json.a + 1 }}' } },
			],
			[['Source', 'Compute']],
		);
		const result = await runWorkflow({ workflow, nodeTypes: testNodeTypes });
		assert.deepEqual(result.outputs('Compute'), [
			[
				{ json: { a: 1, value: 2, engine: 'vm' }, pairedItem: { item: 0 } },
				{ json: { a: 41, value: 42, engine: 'vm' }, pairedItem: { item: 1 } },
			],
		]);
		assert.equal(activeExpressionEngine(), 'vm');
	});

	it('gives fixture credentials to this.getCredentials(), with the type defaults filled in', async () => {
		const workflow = buildWorkflow(
			[
				{
					name: 'Probe',
					type: 'test.probe',
					parameters: { useCredential: true },
					credentials: { testApi: { id: '1', name: 'Test account' } },
				},
			],
			[],
		);
		const result = await runWorkflow({
			workflow,
			nodeTypes: testNodeTypes,
			credentialTypes: [TestApi],
			credentials: { testApi: { apiKey: 'secret-key' } },
		});
		assert.equal(result.status, 'success', result.error?.message);
		assert.deepEqual(result.outputs('Probe')[0][0].json.credentials, {
			apiKey: 'secret-key',
			region: 'eu-west-1',
		});
	});

	it('fails like a server when a credential is missing', async () => {
		const withReference = (credentials: INodeCredentials) =>
			buildWorkflow(
				[{ name: 'Probe', type: 'test.probe', parameters: { useCredential: true }, credentials }],
				[],
			);

		const noFixture = await runWorkflow({
			workflow: withReference({ testApi: { id: '1', name: 'Test account' } }),
			nodeTypes: testNodeTypes,
		});
		assert.equal(noFixture.status, 'error');
		assert.match(noFixture.error?.message ?? '', /does not exist for type "testApi"/);

		const noReference = await runWorkflow({
			workflow: withReference({}),
			nodeTypes: testNodeTypes,
			credentials: { testApi: { apiKey: 'k' } },
		});
		assert.equal(noReference.status, 'error');
		assert.match(
			noReference.error?.message ?? '',
			/Node does not have any credentials set for "testApi"/,
		);
	});

	it('engine: reading an optional credential the node has not set throws "Node does not require credentials"', async () => {
		const workflow = buildWorkflow(
			[{ name: 'Probe', type: 'test.probe', parameters: { readOptional: true } }],
			[],
		);
		const result = await runWorkflow({
			workflow,
			nodeTypes: testNodeTypes,
			credentials: { optionalApi: { a: 1 } },
		});
		assert.equal(
			result.outputs('Probe')[0][0].json.optionalError,
			'Node does not require credentials',
		);

		const set = buildWorkflow(
			[
				{
					name: 'Probe',
					type: 'test.probe',
					parameters: { readOptional: true },
					credentials: { optionalApi: { id: '7', name: 'x' } },
				},
			],
			[],
		);
		const withCredential = await runWorkflow({
			workflow: set,
			nodeTypes: testNodeTypes,
			credentials: { optionalApi: { a: 1 } },
		});
		assert.deepEqual(withCredential.outputs('Probe')[0][0].json.optional, { a: 1 });
	});

	it('applies generic credential authentication like the server', async () => {
		const nodeTypes = new HarnessNodeTypes(testNodeTypes);
		const node = {
			id: 'p',
			name: 'Probe',
			type: 'test.probe',
			typeVersion: 1,
			position: [0, 0] as [number, number],
			parameters: {},
		};
		const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
		const helper = new FixtureCredentialsHelper({}, new Map([['testApi', new TestApi()]]));
		// The vm engine evaluates only inside an execution's isolate; a node calling
		// httpRequestWithAuthentication is inside one. Here we take one ourselves.
		await startEngine();
		const options = await workflow.expression.withIsolate(
			async () =>
				await helper.authenticate(
					{ apiKey: 'k1' },
					'testApi',
					{ url: 'http://x', headers: {} },
					workflow,
					node,
				),
		);
		assert.deepEqual(options.headers, { Authorization: 'Bearer k1' });
		const missing = await helper
			.getCredentials({ id: '1', name: 'Test account' }, 'testApi')
			.catch((error: Error) => error);
		assert.match(String(missing), /no fixture given/);
		const withFixture = new FixtureCredentialsHelper({ testApi: { apiKey: 'k2' } }, new Map());
		const stored = await withFixture.getCredentials({ id: '1', name: 'Test account' }, 'testApi');
		assert.deepEqual(await stored.getData(), { apiKey: 'k2' });
	});

	it('points this.helpers.getStoragePath() into the temporary user folder', async () => {
		const result = await runWorkflow({
			workflow: buildWorkflow([{ name: 'Probe', type: 'test.probe' }], []),
			nodeTypes: testNodeTypes,
		});
		const storagePath = result.outputs('Probe')[0][0].json.storagePath;
		assert.equal(storagePath, storagePathFor('test.probe'));
		assert.equal(storagePath, path.join(engineUserFolder, '.n8n', 'storage', 'test.probe'));
		assert.ok(engineN8nFolder.startsWith(engineUserFolder));
		assert.equal(
			existsSync(String(storagePath)),
			false,
			'n8n does not create the folder; the node must',
		);
	});

	it('test.source emits binary data stored in the binary data store, as in a server', async () => {
		const workflow = buildWorkflow(
			[
				{
					name: 'Source',
					type: 'test.source',
					parameters: {
						items: JSON.stringify([{ id: 1 }, { id: 2 }]),
						binary: JSON.stringify([
							{ data: { content: 'a,b\n1,2\n', fileName: 'one.csv', mimeType: 'text/csv' } },
							null,
						]),
					},
				},
				{ name: 'Pass', type: 'test.noop' },
			],
			[['Source', 'Pass']],
		);
		const result = await runWorkflow({ workflow });
		const [first, second] = result.output('Pass', 0);
		assert.equal(second.binary, undefined);
		const file = first.binary?.data;
		assert.ok(file !== undefined);
		assert.equal(file.fileName, 'one.csv');
		assert.equal(file.mimeType, 'text/csv');
		assert.equal(
			file.data,
			'filesystem-v2',
			'stored like a regular-mode server: read it through the helpers',
		);
		assert.equal((await result.binary(file)).toString('utf8'), 'a,b\n1,2\n');
	});

	it('reports workflow issues found before the run (a required parameter left empty) as a failed execution', async () => {
		const result = await runWorkflow({
			workflow: buildWorkflow([{ name: 'Needy', type: 'test.needy' }], []),
			nodeTypes: {
				'test.needy': {
					description: describeNode('needy', {
						properties: [
							{ displayName: 'Table', name: 'table', type: 'string', required: true, default: '' },
						],
					}),
					execute: async () => [[]],
				},
			},
		});
		assert.equal(result.status, 'error');
		assert.match(result.error?.message ?? '', /issues/i);
		assert.deepEqual(result.executionOrder, []);
		assert.deepEqual(result.nodes, {});
	});

	it('feeds startItems to the start node', async () => {
		const result = await runWorkflow({
			workflow: buildWorkflow(
				[
					{ name: 'First', type: 'test.noop' },
					{ name: 'Second', type: 'test.noop' },
				],
				[['First', 'Second']],
			),
			startItems: [{ json: { a: 1 } }, { json: { a: 2 } }],
		});
		assert.equal(result.startNode, 'First');
		assert.deepEqual(
			result.outputs('Second')[0].map((item) => item.json),
			[{ a: 1 }, { a: 2 }],
		);
		assert.deepEqual(result.nodes.First.inputs, [[{ json: { a: 1 } }, { json: { a: 2 } }]]);
		assertPairing(result);
	});

	it('assertPairing catches pairedItem that is missing or points past the input', async () => {
		for (const fault of ['outOfRange', 'missing']) {
			const result = await runWorkflow({
				workflow: buildWorkflow(
					[
						source([{ n: 1 }, { n: 2 }]),
						{ name: 'Bad', type: 'test.badPairing', parameters: { fault } },
					],
					[['Source', 'Bad']],
				),
				nodeTypes: testNodeTypes,
			});
			assert.equal(result.status, 'success');
			assert.throws(() => assertPairing(result), /pairedItem broken/, fault);
			assert.doesNotThrow(() => assertPairing(result, ['Source']));
		}
	});

	it('assertEachInputLeavesOnce catches dropped and duplicated items', async () => {
		for (const [fault, expected] of [
			['drop', /left on 0 outputs/],
			['duplicate', /left on 2 outputs/],
			['none', undefined],
		] as const) {
			const result = await runWorkflow({
				workflow: buildWorkflow(
					[
						source([{ n: 1 }, { n: 2 }]),
						{ name: 'Bad', type: 'test.badPairing', parameters: { fault } },
					],
					[['Source', 'Bad']],
				),
				nodeTypes: testNodeTypes,
			});
			if (expected === undefined) assertEachInputLeavesOnce(result, 'Bad');
			else assert.throws(() => assertEachInputLeavesOnce(result, 'Bad'), expected);
		}
	});

	it('registers the package nodes under their real type names', (t) => {
		const root = findPackageRoot();
		const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
			name: string;
			n8n: { nodes: string[]; credentials: string[] };
		};
		const types = loadPackageTypes();
		assert.equal(types.nodes.size, manifest.n8n.nodes.length);
		assert.equal(types.credentials.size, manifest.n8n.credentials.length);
		for (const typeName of types.nodes.keys())
			assert.ok(typeName.startsWith(`${manifest.name}.`), typeName);
		const known = new HarnessNodeTypes().knownTypeNames();
		for (const typeName of types.nodes.keys()) assert.ok(known.includes(typeName), typeName);
		t.diagnostic(`package node types: ${[...types.nodes.keys()].join(', ') || 'none listed yet'}`);
		t.diagnostic(
			`package credential types: ${[...types.credentials.keys()].join(', ') || 'none listed yet'}`,
		);
	});

	it('loads one CommonJS copy of n8n-workflow (and no ESM copy)', () => {
		const harness = path.join(__dirname, 'harness.js');
		const script = `
			const { registerHooks } = require('node:module');
			const seen = new Set();
			registerHooks({
				resolve(specifier, context, next) {
					const resolved = next(specifier, context);
					if (resolved.url.includes('/n8n-workflow/')) seen.add(resolved.url.replace(/\\/dist\\/(cjs|esm)\\/.*$/, '/dist/$1'));
					return resolved;
				},
			});
			const h = require(${JSON.stringify(harness)});
			const workflow = h.buildWorkflow([{ name: 'S', type: 'test.source', parameters: { items: '={{ JSON.stringify([{ a: 1 + 1 }]) }}' } }], []);
			h.runWorkflow({ workflow }).then(async (result) => {
				await h.stopEngine();
				process.stdout.write(JSON.stringify({ status: result.status, a: result.outputs('S')[0][0].json.a, seen: [...seen] }));
			});
		`;
		const output = JSON.parse(
			execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }),
		) as {
			status: string;
			a: number;
			seen: string[];
		};
		assert.equal(output.status, 'success');
		assert.equal(output.a, 2);
		const expected = `file://${path.join(findPackageRoot(), 'node_modules/n8n-workflow/dist/cjs')}`;
		assert.deepEqual(output.seen, [expected]);
	});

	it('throughput: 10,000 items through four simple nodes (printed, not asserted)', async (t) => {
		const count = 10_000;
		const items = Array.from({ length: count }, (_, index) => ({ index, name: `item ${index}` }));
		const workflow = buildWorkflow(
			[
				source(items),
				{ name: 'A', type: 'test.noop' },
				{ name: 'B', type: 'test.noop' },
				{ name: 'C', type: 'test.noop' },
			],
			[
				['Source', 'A'],
				['A', 'B'],
				['B', 'C'],
			],
		);
		await runWorkflow({ workflow }); // warm up
		const runs: number[] = [];
		let last;
		for (let run = 0; run < 5; run++) {
			await waitForWarmIsolate();
			const started = process.hrtime.bigint();
			last = await runWorkflow({ workflow });
			runs.push(Number(process.hrtime.bigint() - started) / 1e6);
		}
		assert.ok(last !== undefined);
		assert.equal(last.outputs('C')[0].length, count);
		assertPairing(last);
		const median = [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)];
		t.diagnostic(
			`10,000 items x 4 nodes (source + 3 pass-through), warm isolate: ${runs.map((ms) => ms.toFixed(1)).join(' / ')} ms; median ${median.toFixed(1)} ms = ${((median * 1000) / count / 4).toFixed(2)} µs per item per node`,
		);

		const expressionCount = 1_000;
		const perItem = buildWorkflow(
			[
				source(items.slice(0, expressionCount)),
				{ name: 'Compute', type: 'test.compute', parameters: { value: '={{ $json.index + 1 }}' } },
			],
			[['Source', 'Compute']],
		);
		await waitForWarmIsolate();
		const started = process.hrtime.bigint();
		const computed = await runWorkflow({ workflow: perItem, nodeTypes: testNodeTypes });
		const ms = Number(process.hrtime.bigint() - started) / 1e6;
		assert.equal(computed.outputs('Compute')[0][expressionCount - 1].json.value, expressionCount);
		t.diagnostic(
			`1,000 items with one vm expression each: ${ms.toFixed(1)} ms = ${((ms * 1000) / expressionCount).toFixed(1)} µs per item`,
		);
	});
});
