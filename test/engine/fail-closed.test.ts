/**
 * The adapter's fail-closed contract (issue 14, finding 1), pinned on a minimal guard in
 * the real engine: whatever a guard throws under "On Error: Continue", no item reaches its
 * happy-path output; and what an error says is redacted before n8n shows or stores it
 * (finding 5). Each node's own store-outage tests build on this.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type {
	IExecuteFunctions,
	INode,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { failClosed, failClosedRoutesFrom, failItem, pairedItem } from '../../nodes/shared';
import { assertEachInputLeavesOnce, buildWorkflow, runWorkflow, stopEngine } from './harness';

after(stopEngine);

const SECRET = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
const OUTPUTS = [{ displayName: 'Proceed' }, { displayName: 'Refused' }];

/** Proceed / Refused; `mode` decides how it fails: the whole batch, or item 1 alone. */
class TestGuard implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Guard',
		name: 'guard',
		group: ['transform'],
		version: 1,
		description: 'test guard',
		defaults: { name: 'Guard' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Proceed', 'Refused'],
		properties: [{ displayName: 'Mode', name: 'mode', type: 'string', default: 'batch' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await failClosed(
			this,
			() => failClosedRoutesFrom(OUTPUTS, ['Refused']),
			async () => {
				const mode = this.getNodeParameter('mode', 0) as string;
				if (mode === 'batch') {
					throw new NodeOperationError(
						this.getNode(),
						`Redis at 127.0.0.1:1 refused the connection (AUTH ${SECRET})`,
						{
							description: `Check the credential; the vendor said: Authorization: Bearer ${SECRET}`,
						},
					);
				}
				const outputs: INodeExecutionData[][] = [[], []];
				this.getInputData().forEach((item, index) => {
					if (index !== 1) outputs[0].push(pairedItem(item, index, { ...item.json }));
					else
						failItem(
							this,
							outputs,
							item,
							index,
							new NodeOperationError(
								this.getNode(),
								`The field "apiKey" is "${SECRET}", not a number`,
								{ itemIndex: index },
							),
							1,
						);
				});
				return outputs;
			},
		);
	}
}

function guardWorkflow(mode: string, onError?: INode['onError']) {
	return buildWorkflow(
		[
			{
				name: 'Source',
				type: 'test.source',
				parameters: { items: JSON.stringify([{ id: 1 }, { id: 2 }, { id: 3 }]) },
			},
			{ name: 'Guard', type: 'test.guard', parameters: { mode }, ...(onError ? { onError } : {}) },
		],
		[['Source', 'Guard']],
	);
}

const run = (mode: string, onError?: INode['onError']) =>
	runWorkflow({ workflow: guardWorkflow(mode, onError), nodeTypes: { 'test.guard': TestGuard } });

describe('fail closed: a guard that throws never reaches its happy path', () => {
	it('Continue (using error output): every item on the error output with its fields, none on Proceed', async () => {
		const result = await run('batch', 'continueErrorOutput');
		assert.equal(result.status, 'success', result.error?.message);
		assert.deepEqual(result.output('Guard', 'Proceed'), []);
		assert.deepEqual(result.output('Guard', 'Refused'), []);
		const errors = result.output('Guard', 'Error');
		assert.deepEqual(
			errors.map((item) => item.json.id),
			[1, 2, 3],
		);
		for (const item of errors)
			assert.match(String(item.json.error), /^Redis at 127\.0\.0\.1:1 refused the connection/);
		assertEachInputLeavesOnce(result, 'Guard');
	});

	it('Continue (using regular output): every item on the refusal output with the error, none on Proceed', async () => {
		const result = await run('batch', 'continueRegularOutput');
		assert.deepEqual(result.output('Guard', 'Proceed'), []);
		const refused = result.output('Guard', 'Refused');
		assert.deepEqual(
			refused.map((item) => item.json.id),
			[1, 2, 3],
		);
		for (const item of refused)
			assert.ok(
				typeof item.json.error === 'string' && item.json.details !== undefined,
				JSON.stringify(item.json),
			);
		assertEachInputLeavesOnce(result, 'Guard');
	});

	it('without Continue the node fails, and the execution with it', async () => {
		const result = await run('batch');
		assert.equal(result.status, 'error');
		assert.match(String(result.error?.message), /refused the connection/);
	});

	it('the messages of a failed batch and of a failed item are redacted wherever n8n shows them', async () => {
		for (const onError of ['continueErrorOutput', 'continueRegularOutput', undefined] as const) {
			for (const mode of ['batch', 'item']) {
				const result = await run(mode, onError);
				const shown = JSON.stringify({
					outputs: result.outputs('Guard'),
					error: result.error?.message,
					description: result.error?.description,
					nodeError: result.nodes.Guard?.error,
				});
				assert.ok(
					!shown.includes(SECRET),
					`${mode} under ${onError ?? 'stop'}: the secret is shown: ${shown.slice(0, 400)}`,
				);
				assert.match(
					shown,
					/REDACTED/,
					`${mode} under ${onError ?? 'stop'}: the message is still there, redacted`,
				);
			}
		}
	});
});
