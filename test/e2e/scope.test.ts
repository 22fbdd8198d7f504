// Scope isolation in a real n8n 2.40.7 (finding 6 of issue 14): a workflow cannot take
// another workflow's default scope (`workflow-<id>`, the id is in the editor URL), and a
// project scope (`project:<name>`) works because n8n 2.x gives nodes the workflow's
// project: two workflows of one project share it. Rate Limiter version 2 (the default for
// new nodes) namespaces its quotas and limiters the same way.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { PACKAGE_NAME, startN8n, type N8nInstance, type WorkflowJson } from './harness';

const RUN = `${process.pid}-${Date.now()}`;

const START: WorkflowJson['nodes'][number] = {
	parameters: {},
	name: 'Start',
	type: 'n8n-nodes-base.manualTrigger',
	typeVersion: 1,
	position: [0, 0],
};

/** Manual Trigger → Set (invoice) → Idempotent Write Claim with this Scope. */
function claimWorkflow(name: string, scope: string, invoice: string): WorkflowJson {
	return {
		name,
		nodes: [
			START,
			{
				parameters: {
					mode: 'manual',
					assignments: {
						assignments: [{ id: 'a1', name: 'invoice', value: invoice, type: 'string' }],
					},
					options: {},
				},
				name: 'Invoice',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				position: [220, 0],
			},
			{
				parameters: { operation: 'claim', scope, keySource: 'fields', keyFields: 'invoice' },
				name: 'Claim',
				type: `${PACKAGE_NAME}.idempotentWrite`,
				typeVersion: 1,
				position: [440, 0],
			},
		],
		connections: {
			Start: { main: [[{ node: 'Invoice', type: 'main', index: 0 }]] },
			Invoice: { main: [[{ node: 'Claim', type: 'main', index: 0 }]] },
		},
	};
}

/** Manual Trigger → Rate Limiter version 2 Quota, counting one use into `quotaName` in this Scope. */
function quotaWorkflow(name: string, scope: string, quotaName: string): WorkflowJson {
	return {
		name,
		nodes: [
			START,
			{
				parameters: {
					operation: 'quota',
					scope,
					quotaName,
					quota: 100,
					period: 'day',
					timeZone: 'UTC',
				},
				name: 'Quota',
				type: `${PACKAGE_NAME}.rateLimiter`,
				typeVersion: 2,
				position: [220, 0],
			},
		],
		connections: { Start: { main: [[{ node: 'Quota', type: 'main', index: 0 }]] } },
	};
}

describe('Scopes in a real n8n', () => {
	let n8n: N8nInstance;
	before(async () => {
		n8n = await startN8n();
	});
	after(async () => {
		await n8n?.stop();
	});

	it("refuses a Scope naming another workflow's default, and shares project:<name> within the project", async () => {
		const invoice = `INV-${RUN}`;
		const first = await n8n.importWorkflow(claimWorkflow('scope: workflow A', '', invoice));
		const claimedByA = await n8n.executeById(first.id);
		assert.equal(claimedByA.status, 'success', JSON.stringify(claimedByA.error));
		assert.equal(claimedByA.json('Claim', 'Proceed').length, 1);

		const intruder = await n8n.importWorkflow(
			claimWorkflow("scope: workflow B typing A's default", `workflow-${first.id}`, invoice),
		);
		const refused = await n8n.executeById(intruder.id);
		assert.equal(
			refused.status,
			'error',
			`workflow B reached workflow A's keys: ${JSON.stringify(refused.data.resultData.runData.Claim?.[0]?.data)}`,
		);
		assert.match(
			JSON.stringify(refused.node('Claim').error ?? refused.error),
			new RegExp(`Scope \\\\"workflow-${first.id}\\\\" is reserved`),
		);

		// Both workflows belong to the owner's personal project: a project scope is shared.
		const scope = `project:orders-${RUN}`;
		const inProject = await n8n.executeById(
			(await n8n.importWorkflow(claimWorkflow('scope: project, first', scope, invoice))).id,
		);
		assert.equal(
			inProject.status,
			'success',
			`n8n gave the node no project: ${JSON.stringify(inProject.error)}`,
		);
		assert.equal(inProject.json('Claim', 'Proceed').length, 1);
		const again = await n8n.executeById(
			(await n8n.importWorkflow(claimWorkflow('scope: project, second', scope, invoice))).id,
		);
		assert.equal(again.status, 'success', JSON.stringify(again.error));
		assert.equal(
			again.json('Claim', 'Proceed').length,
			0,
			"the second workflow of the project sees the first one's key",
		);
		assert.equal(
			again.json('Claim', 'In Flight').length + again.json('Claim', 'Duplicate').length,
			1,
		);
	});

	it('Rate Limiter version 2: an empty Scope keeps two saved workflows apart, a project scope shares', async () => {
		const quotaName = `api-${RUN}`;
		const usage = async (name: string, scope: string) => {
			const { id } = await n8n.importWorkflow(quotaWorkflow(name, scope, quotaName));
			const run = await n8n.executeById(id);
			assert.equal(run.status, 'success', JSON.stringify(run.error));
			return run
				.json('Quota', 'Continue')
				.map((json) => (json.rateLimiter as { usage: number }).usage);
		};
		assert.deepEqual(await usage('quota: workflow A', ''), [1]);
		assert.deepEqual(await usage('quota: workflow B', ''), [1], "B counted into A's quota");
		const scope = `project:quotas-${RUN}`;
		assert.deepEqual(await usage('quota: project, first', scope), [1]);
		assert.deepEqual(
			await usage('quota: project, second', scope),
			[2],
			'the project shares one quota',
		);
	});
});
