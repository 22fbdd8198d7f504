/**
 * Schema Guard hardening in a real n8n (issue 14):
 * - finding 4: while Schema Guard checks a value against a backtracking-prone pattern,
 *   n8n's /healthz keeps answering (before the fix one 30-character value froze n8n for
 *   seconds). The input is kept small enough that a backtracking engine finishes in
 *   seconds, so the test fails rather than hangs where patterns are not linear;
 * - finding 1: with drift memory on and its Redis stopped, no item reaches Valid: each
 *   leaves on the error output, naming the store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import { startRedis, type PrivateService } from '../support/services';
import {
	PACKAGE_NAME,
	startN8n,
	type Execution,
	type N8nInstance,
	type WorkflowJson,
} from './harness';

const SCHEMA_GUARD = `${PACKAGE_NAME}.schemaGuard`;

/** Manual Trigger → Code (the items) → Schema Guard, its outputs unwired. */
function guardWorkflow(
	name: string,
	items: IDataObject[],
	guardParameters: IDataObject,
	extra: IDataObject = {},
): WorkflowJson {
	return {
		name,
		nodes: [
			{
				parameters: {},
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
			},
			{
				parameters: { jsCode: `return ${JSON.stringify(items)}.map((json) => ({ json }));` },
				name: 'Items',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [200, 0],
			},
			{
				parameters: guardParameters,
				name: 'Schema Guard',
				type: SCHEMA_GUARD,
				typeVersion: 1,
				position: [400, 0],
				...extra,
			},
		],
		connections: {
			Start: { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
			Items: { main: [[{ node: 'Schema Guard', type: 'main', index: 0 }]] },
		},
	} as WorkflowJson;
}

describe('Schema Guard in a real n8n: hardening', () => {
	let n8n: N8nInstance;
	let redis: PrivateService;

	before(async () => {
		redis = await startRedis({ appendOnly: false });
		n8n = await startN8n();
	});
	after(async () => {
		await n8n?.stop();
		await redis?.dispose();
	});

	it('n8n keeps answering /healthz while Schema Guard checks values against "^(a+)+$" and "^([a-zA-Z0-9]+\\s?)*$" (finding 4)', async () => {
		const schema = {
			type: 'object',
			properties: {
				a: { type: 'string', pattern: '^(a+)+$' },
				words: { type: 'string', pattern: '^([a-zA-Z0-9]+\\s?)*$' },
			},
		};
		// 26 characters: a backtracking engine takes seconds, not hours, so this fails rather than hangs.
		const text = `${'a'.repeat(26)}!`;
		const workflow = await n8n.importWorkflow(
			guardWorkflow(
				'schema guard: exponential patterns',
				[
					{ a: text, words: text },
					{ a: 'aaa', words: 'hello world' },
				],
				{
					schemaSource: 'jsonSchema',
					jsonSchema: JSON.stringify(schema),
					driftReport: false,
				},
			),
		);
		let running = true;
		const answeredAt: number[] = [];
		const failures: string[] = [];
		const probe = (async () => {
			while (running) {
				try {
					const response = await fetch(`${n8n.baseUrl}/healthz`, {
						signal: AbortSignal.timeout(120_000),
					});
					await response.arrayBuffer();
					if (response.status === 200) answeredAt.push(Date.now());
					else failures.push(`HTTP ${response.status}`);
				} catch (error) {
					// A frozen server may drop the connection: a failed probe, not an answer.
					failures.push(String((error as Error).cause ?? error));
				}
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
		})();
		const started = Date.now();
		let execution: Execution | undefined;
		try {
			execution = await n8n.executeById(workflow.id);
		} finally {
			running = false;
			await probe;
		}
		const finished = Date.now();
		const marks = [started, ...answeredAt.filter((at) => at > started && at < finished), finished];
		const gaps = marks.slice(1).map((at, index) => at - marks[index]);
		const longest = Math.max(...gaps);
		console.log(
			`Schema Guard on ${text.length} characters: execution ${finished - started} ms, ${gaps.length} /healthz answers, longest gap ${longest} ms`,
		);
		assert.ok(
			longest < 1000,
			`n8n did not answer /healthz for ${longest} ms while Schema Guard ran (failed probes: ${failures.join('; ') || 'none'})`,
		);
		assert.deepEqual(failures, [], 'every /healthz probe answered');
		assert.equal(execution.status, 'success', JSON.stringify(execution.error));
		assert.deepEqual(
			[
				execution.json('Schema Guard', 'Valid').map((item) => item.words),
				execution.json('Schema Guard', 'Invalid').map((item) => item.a),
			],
			[['hello world'], [text]],
		);
	});

	it('with drift memory on and its Redis stopped, every item leaves on the error output, none on Valid (finding 1)', async () => {
		const credential = await n8n.createCredential(
			'integrationGuardsRedisApi',
			'Schema Guard Redis',
			{
				host: redis.host,
				port: redis.port,
				database: 0,
				keyPrefix: 'schema-guard-e2e:',
			},
		);
		// No drift in these items: with the store down they must not pass unchecked by the memory either.
		const items = [
			{ id: 1, email: 'a@example.com' },
			{ id: 2, email: 'b@example.com' },
		];
		const workflow = await n8n.importWorkflow(
			guardWorkflow(
				'schema guard: drift memory store stopped',
				items,
				{
					schemaSource: 'jsonSchema',
					jsonSchema: JSON.stringify({
						type: 'object',
						properties: { id: { type: 'integer' }, email: { type: 'string' } },
						required: ['id', 'email'],
					}),
					schemaName: 'contact',
					driftMemory: true,
					store: 'redis',
					scope: 'e2e-contacts',
				},
				{
					onError: 'continueErrorOutput',
					credentials: { integrationGuardsRedisApi: { id: credential.id, name: credential.name } },
				},
			),
		);
		const healthy = await n8n.executeById(workflow.id);
		assert.equal(healthy.status, 'success', JSON.stringify(healthy.error));
		assert.deepEqual(
			healthy.json('Schema Guard', 'Valid').map((item) => item.id),
			[1, 2],
			'with Redis up both are valid',
		);

		await redis.stop();
		const stopped = await n8n.executeById(workflow.id);
		assert.equal(stopped.status, 'success', JSON.stringify(stopped.error));
		const guard = stopped.node('Schema Guard');
		assert.deepEqual(guard.byName.Valid ?? [], [], 'no item on Valid with the store down');
		assert.deepEqual(guard.byName.Invalid ?? [], []);
		const errors = stopped.json('Schema Guard', 'error');
		assert.deepEqual(
			errors.map((item) => item.id),
			[1, 2],
		);
		for (const item of errors)
			assert.match(String(item.error), new RegExp(`Redis at 127\\.0\\.0\\.1:${redis.port}`));
	});
});
