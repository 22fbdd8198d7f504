/**
 * Scope isolation through the real n8n engine (finding 6 of issue 14), on the embedded
 * store: workflow 2 cannot reach workflow 1's own state (its idempotency keys, dead
 * letters, breakers) by typing workflow 1's default scope, `workflow-1` — workflow ids are
 * in every editor URL. The default keeps its stored form, names stay instance-wide, and a
 * project scope (`project:<name>`) is shared within a project and not across projects.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import {
	buildWorkflow,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
	type EngineResult,
	type Link,
} from './harness';

const IDEMPOTENT_WRITE = 'n8n-nodes-integration-guards.idempotentWrite';
const DEAD_LETTER = 'n8n-nodes-integration-guards.deadLetter';
const BREAKER = 'n8n-nodes-integration-guards.circuitBreaker';
const IN_PROJECT = 'test.inProject';

type NodeSpec = Partial<INode> & Pick<INode, 'name' | 'type'>;

/**
 * Stand-in for n8n 2.x's server, which puts the workflow's owning project on the
 * execution's additional data (`additionalData.projectId`, see workflow-execute-additional-data's
 * getBase in n8n 2.40.7) before any node runs. The engine harness builds its own additional
 * data without one, so this node, placed first, sets it the same way.
 */
class InProject implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'In Project',
		name: 'inProject',
		group: ['transform'],
		version: 1,
		description: 'Test only: the execution belongs to this project, as n8n 2.x says',
		defaults: { name: 'In Project' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Project ID', name: 'projectId', type: 'string', default: '' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		(this as unknown as { additionalData: { projectId?: string } }).additionalData.projectId =
			String(this.getNodeParameter('projectId', 0));
		return [this.getInputData()];
	}
}

/**
 * Workflow `id` (in project `projectId`, if given): Source → node → a sink per output.
 * Returns the run; a node that throws fails the execution (no On Error setting).
 */
async function inWorkflow(
	id: string,
	node: NodeSpec,
	items: object[],
	outputs: number,
	projectId?: string,
): Promise<EngineResult> {
	const sinks = Array.from({ length: outputs }, (_, index) => ({
		name: `Sink ${index}`,
		type: TEST_NOOP,
	}));
	const head: NodeSpec[] = [
		{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
	];
	const links: Link[] = [...sinks.map((sink, index): Link => [node.name, index, sink.name])];
	if (projectId === undefined) {
		links.push(['Source', node.name]);
	} else {
		head.push({ name: 'Project', type: IN_PROJECT, parameters: { projectId } });
		links.push(['Source', 'Project'], ['Project', node.name]);
	}
	const workflow = {
		...buildWorkflow([...head, node, ...sinks], links),
		id,
		name: `workflow ${id}`,
	};
	return await runWorkflow({ workflow, nodeTypes: { [IN_PROJECT]: InProject } });
}

const idempotency = (
	operation: string,
	scope: string,
	parameters: INodeParameters = {},
): NodeSpec => ({
	name: 'Idempotent Write',
	type: IDEMPOTENT_WRITE,
	parameters: { operation, scope, keySource: 'fields', keyFields: 'invoice', ...parameters },
});
const deadLetter = (
	operation: string,
	scope: string,
	parameters: INodeParameters = {},
): NodeSpec => ({
	name: 'Dead Letter',
	type: DEAD_LETTER,
	parameters: { operation, scope, ...parameters },
});
const breaker = (operation: string, scope: string, parameters: INodeParameters = {}): NodeSpec => ({
	name: 'Circuit Breaker',
	type: BREAKER,
	parameters: { operation, scope, breakerName: 'crm', ...parameters },
});

/** Claim outputs: Proceed, Duplicate, In Flight, Conflict, Reconcile. */
const CLAIM_OUTPUTS = 5;
const claimed = (result: EngineResult) => {
	assert.equal(result.status, 'success', result.error?.message);
	const outputs = result.outputs('Idempotent Write');
	return { proceed: outputs[0].length, notNew: outputs[1].length + outputs[2].length };
};

/** The execution failed at the guard with the reserved-scope error, and nothing left the guard. */
function assertRefused(result: EngineResult, node: string, label = 'Scope'): void {
	assert.equal(
		result.status,
		'error',
		`workflow 2 reached workflow 1's state: the execution succeeded (${JSON.stringify(result.outputs(node)?.map((items) => items.length))} items out)`,
	);
	assert.match(String(result.error?.message), new RegExp(`^${label} "workflow-1" is reserved`));
	assert.match(
		String((result.error as { description?: string } | undefined)?.description),
		new RegExp(`Leave ${label} empty`),
	);
	assert.equal(result.nodes[node]?.outputs.flat().length ?? 0, 0);
}

describe('Scope isolation between workflows in the n8n engine', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	test('workflow 2 cannot read or forget workflow 1\'s idempotency keys by typing Scope "workflow-1"', async () => {
		const first = claimed(
			await inWorkflow('1', idempotency('claim', ''), [{ invoice: 'INV-1' }], CLAIM_OUTPUTS),
		);
		assert.deepEqual(first, { proceed: 1, notNew: 0 });

		assertRefused(
			await inWorkflow('2', idempotency('lookUp', 'workflow-1'), [{ invoice: 'INV-1' }], 1),
			'Idempotent Write',
		);
		assertRefused(
			await inWorkflow('2', idempotency('forget', ' workflow-1 '), [{ invoice: 'INV-1' }], 1),
			'Idempotent Write',
		);
		assertRefused(
			await inWorkflow(
				'2',
				idempotency('claim', 'workflow-1'),
				[{ invoice: 'INV-1' }],
				CLAIM_OUTPUTS,
			),
			'Idempotent Write',
		);

		// Workflow 1's key is still there: the same invoice is not new to it.
		assert.deepEqual(
			claimed(
				await inWorkflow('1', idempotency('claim', ''), [{ invoice: 'INV-1' }], CLAIM_OUTPUTS),
			),
			{ proceed: 0, notNew: 1 },
		);
		// Workflow 2's own state is its own: the invoice is new there.
		assert.deepEqual(
			claimed(
				await inWorkflow('2', idempotency('claim', ''), [{ invoice: 'INV-1' }], CLAIM_OUTPUTS),
			),
			{ proceed: 1, notNew: 0 },
		);
	});

	test('workflow 2 cannot list, replay or resolve workflow 1\'s dead letters by typing Queue "workflow-1"', async () => {
		const payload = { id: 'DL-1', customer: 'workflow 1 only', error: 'HTTP 422' };
		const captured = await inWorkflow('1', deadLetter('capture', ''), [payload], 3);
		assert.equal(captured.status, 'success', captured.error?.message);
		assert.equal(captured.output('Dead Letter', 0).length, 1, 'captured by workflow 1');
		const id = (captured.output('Dead Letter', 0)[0].json.deadLetter as { id: string }).id;

		assertRefused(
			await inWorkflow('2', deadLetter('list', 'workflow-1', { limit: 100 }), [{}], 1),
			'Dead Letter',
			'Queue',
		);
		assertRefused(
			await inWorkflow('2', deadLetter('replay', 'workflow-1'), [{}], 2),
			'Dead Letter',
			'Queue',
		);
		assertRefused(
			await inWorkflow('2', deadLetter('resolve', 'workflow-1'), [{ deadLetter: { id } }], 2),
			'Dead Letter',
			'Queue',
		);

		// Still in workflow 1's queue, untouched (not leased by the replay attempt).
		const listed = await inWorkflow('1', deadLetter('list', '', { limit: 100 }), [{}], 1);
		assert.equal(listed.status, 'success', listed.error?.message);
		const records = listed.output('Dead Letter', 0).map(
			(item) =>
				item.json as {
					deadLetter: { id: string; status: string; attempt: number };
					payload?: { customer?: string };
				},
		);
		assert.equal(records.length, 1);
		assert.deepEqual(
			[records[0].deadLetter.id, records[0].deadLetter.status, records[0].deadLetter.attempt],
			[id, 'pending', 1],
		);
		assert.equal(records[0].payload?.customer, 'workflow 1 only');
	});

	test('workflow 2 cannot force open workflow 1\'s breaker by typing Scope "workflow-1"', async () => {
		assertRefused(
			await inWorkflow(
				'2',
				breaker('setState', 'workflow-1', { newState: 'forceOpen' }),
				[{ ticket: 'OPS-1' }],
				1,
			),
			'Circuit Breaker',
		);
		const check = await inWorkflow('1', breaker('check', ''), [{ n: 1 }], 2);
		assert.equal(check.status, 'success', check.error?.message);
		assert.equal(
			check.output('Circuit Breaker', 0).length,
			1,
			"workflow 1's breaker is still closed: Proceed",
		);
	});

	test('a workflow typing its own default gets its own state; names stay shared across workflows', async () => {
		claimed(await inWorkflow('1', idempotency('claim', ''), [{ invoice: 'OWN-1' }], CLAIM_OUTPUTS));
		assert.deepEqual(
			claimed(
				await inWorkflow(
					'1',
					idempotency('claim', 'workflow-1'),
					[{ invoice: 'OWN-1' }],
					CLAIM_OUTPUTS,
				),
			),
			{ proceed: 0, notNew: 1 },
		);

		assert.deepEqual(
			claimed(
				await inWorkflow(
					'1',
					idempotency('claim', 'shared-orders'),
					[{ invoice: 'NAMED-1' }],
					CLAIM_OUTPUTS,
				),
			),
			{ proceed: 1, notNew: 0 },
		);
		assert.deepEqual(
			claimed(
				await inWorkflow(
					'2',
					idempotency('claim', 'shared-orders'),
					[{ invoice: 'NAMED-1' }],
					CLAIM_OUTPUTS,
				),
			),
			{ proceed: 0, notNew: 1 },
		);
	});

	test('a project scope is shared by the workflows of one project and by no other project', async () => {
		const scope = 'project:orders';
		assert.deepEqual(
			claimed(
				await inWorkflow(
					'1',
					idempotency('claim', scope),
					[{ invoice: 'PRJ-1' }],
					CLAIM_OUTPUTS,
					'projectA',
				),
			),
			{ proceed: 1, notNew: 0 },
		);
		assert.deepEqual(
			claimed(
				await inWorkflow(
					'2',
					idempotency('claim', scope),
					[{ invoice: 'PRJ-1' }],
					CLAIM_OUTPUTS,
					'projectA',
				),
			),
			{ proceed: 0, notNew: 1 },
		);
		assert.deepEqual(
			claimed(
				await inWorkflow(
					'3',
					idempotency('claim', scope),
					[{ invoice: 'PRJ-1' }],
					CLAIM_OUTPUTS,
					'projectB',
				),
			),
			{ proceed: 1, notNew: 0 },
		);
		// Naming the other project in the scope does not get there either.
		assert.deepEqual(
			claimed(
				await inWorkflow(
					'3',
					idempotency('claim', 'project:projectA:orders'),
					[{ invoice: 'PRJ-1' }],
					CLAIM_OUTPUTS,
					'projectB',
				),
			),
			{ proceed: 1, notNew: 0 },
		);
		// Without a project from n8n (n8n 1.x), a project scope fails rather than widen to the instance.
		const noProject = await inWorkflow(
			'4',
			idempotency('claim', scope),
			[{ invoice: 'PRJ-1' }],
			CLAIM_OUTPUTS,
		);
		assert.equal(noProject.status, 'error');
		assert.match(
			String(noProject.error?.message),
			/^Scope "project:orders" needs the workflow's project/,
		);
	});

	test('under On Error "Continue (using error output)", a refused scope sends every item to the error output', async () => {
		const node = { ...idempotency('claim', 'workflow-1'), onError: 'continueErrorOutput' as const };
		const result = await inWorkflow(
			'2',
			node,
			[{ invoice: 'E-1' }, { invoice: 'E-2' }],
			CLAIM_OUTPUTS + 1,
		);
		assert.equal(result.status, 'success', result.error?.message);
		const outputs = result.outputs('Idempotent Write');
		assert.deepEqual(
			outputs.slice(0, CLAIM_OUTPUTS).map((items) => items.length),
			[0, 0, 0, 0, 0],
		);
		assert.deepEqual(
			outputs[CLAIM_OUTPUTS].map((item) => item.json.invoice),
			['E-1', 'E-2'],
		);
		assert.match(String(outputs[CLAIM_OUTPUTS][0].json.error), /Scope "workflow-1" is reserved/);
	});
});
