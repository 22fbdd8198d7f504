// Canonical Transform 1.2 in the last n8n 1.x (1.123.50 on Node 20), installed from the
// tarball: the example workflow (rows with per-row Options, a fixed-value row) runs there
// with the outputs of version 1. n8n 1.x resolves parameter dependencies at every run and
// fails a workflow whose display rules it cannot resolve; 1.2's rows hold one Options
// collection per converter, shown by Convert As.
//
// Needs the 1.x runtime: `node scripts/n8n-runtime.mjs ensure v1` (compat.test.ts installs
// it when missing; this test only looks it up, and fails saying how to install it).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import {
	LEDGER_FROM_STRIPE,
	LEDGER_FROM_XERO,
	STRIPE_CANONICAL,
	STRIPE_ERROR,
	XERO_CANONICAL,
	XERO_ERROR,
} from '../engine/canonical-transform.fixtures';
import {
	repoRoot,
	startN8n,
	type ImportedWorkflow,
	type N8nInstance,
	type Runtime,
	type WorkflowJson,
} from './harness';

function v1Runtime(): Runtime {
	const script = path.join(repoRoot(), 'scripts', 'n8n-runtime.mjs');
	const out = execFileSync(process.execPath, [script, 'paths', 'v1', '--json'], {
		cwd: repoRoot(),
		encoding: 'utf8',
	});
	const runtime = JSON.parse(out.trim().split('\n').pop() ?? '') as Runtime;
	assert.ok(
		runtime.installed,
		'n8n 1.x is not installed: run `node scripts/n8n-runtime.mjs ensure v1`',
	);
	return runtime;
}

const withoutCorrelation = (items: Array<{ json: IDataObject }>) =>
	items.map(({ json }) => {
		const { correlationId, ...rest } = json;
		assert.equal(typeof correlationId, 'string');
		return rest;
	});

describe('Canonical Transform 1.2 in n8n 1.x on Node 20', () => {
	let n8n: N8nInstance;

	before(async () => {
		n8n = await startN8n({ runtime: v1Runtime() });
	});

	after(async () => {
		await n8n?.stop();
	});

	it('runs examples/canonical-transform.json with the outputs of version 1', async () => {
		const json = JSON.parse(
			readFileSync(
				process.env.N8N_GUARDS_CT_EXAMPLE ??
					path.join(repoRoot(), 'examples/canonical-transform.json'),
				'utf8',
			),
		) as WorkflowJson;
		const trigger = json.nodes.find((node) => node.type === 'n8n-nodes-base.manualTrigger')!;
		// As the 1.x editor saves a new workflow: 1.x needs `active` in the body.
		const { id } = await n8n.api<ImportedWorkflow>('POST', '/rest/workflows', {
			name: json.name,
			nodes: json.nodes,
			connections: json.connections,
			settings: json.settings ?? { executionOrder: 'v1' },
			pinData: {},
			active: false,
		});
		// A manual run as the 1.x editor starts it: the workflow in the request body.
		const workflowData = await n8n.api<IDataObject>('GET', `/rest/workflows/${id}`);
		const started = await n8n.api<{ executionId?: string }>('POST', `/rest/workflows/${id}/run`, {
			workflowData,
			triggerToStartFrom: { name: trigger.name },
		});
		assert.ok(started.executionId, `a manual run started: ${JSON.stringify(started)}`);
		const execution = await n8n.waitForExecution(started.executionId);
		assert.equal(execution.status, 'success', JSON.stringify(execution.error));
		// n8n 1.123 moves to the error output only an item whose json is `{ error }` or
		// `{ error, message }` (2.40 also takes `details`): the failed invoice must leave
		// there, with its fields, never on the way on.
		for (const [node, expected, error, input] of [
			['Xero to Canonical', XERO_CANONICAL, XERO_ERROR, 'InvoiceID'],
			['Stripe to Canonical', STRIPE_CANONICAL, STRIPE_ERROR, 'id'],
		] as const) {
			const [converted, failed] = execution.node(node).outputs;
			assert.deepEqual(withoutCorrelation(converted), expected, node);
			assert.deepEqual(
				failed.map((item) => item.json.error),
				[error],
				`${node}: the failed invoice on the error output`,
			);
			assert.ok(
				Object.hasOwn(failed[0].json, input),
				`${node}: the failed invoice keeps its fields`,
			);
			const { message } = failed[0].json;
			assert.ok(typeof message === 'string' && message !== '', `${node}: what to do, as message`);
		}
		const ledger = [
			execution.node('Canonical to Ledger', 0),
			execution.node('Canonical to Ledger', 1),
		];
		const byBranch = new Map(
			ledger.map((run) => [run.raw.source[0]?.previousNode, run.outputs[0]]),
		);
		assert.deepEqual(withoutCorrelation(byBranch.get('Xero to Canonical')!), LEDGER_FROM_XERO);
		assert.deepEqual(withoutCorrelation(byBranch.get('Stripe to Canonical')!), LEDGER_FROM_STRIPE);
	});
});
