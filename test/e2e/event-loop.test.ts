// Issue 14, finding 3, in a real n8n: Dead Letter Capture redacts a failed item on
// n8n's main thread. On main its JWT and URL-password patterns backtracked
// quadratically, so 1 MiB of "eyJ-" froze the whole process for minutes: /healthz went
// unanswered, every other workflow stalled. Here a poller asks /healthz every 50 ms
// while Capture stores 2 MiB of adversarial text, and no answer may be more than
// MAX_GAP_MS late. The wait is bounded (DEADLINE_MS): on a frozen n8n the test fails
// by its gap, and stop() kills what does not stop.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import {
	PACKAGE_NAME,
	startN8n,
	type Execution,
	type N8nInstance,
	type WorkflowJson,
} from './harness';

const MAX_GAP_MS = 1000;
const DEADLINE_MS = 45_000;
const MiB = 1024 * 1024;
const SECRET = 'Zq7s3cr3tEventLoop';

/** A Code node's item: a failed order with 1 MiB of each attack and a planted secret. */
const FAILED_ITEM_CODE = `
const jwtAttack = 'eyJ-'.repeat(${MiB / 4});
const urlAttack = 'a.'.repeat(${MiB / 2}) + '://';
return [{ json: {
	orderId: 'ord_1',
	note: jwtAttack,
	callback: urlAttack,
	headers: { 'X-Api-Key': '${SECRET}' },
	error: { message: 'Request failed with status code 503', description: 'upstream: ' + jwtAttack.slice(0, 4096) },
} }];`;

const workflow: WorkflowJson = {
	name: 'event loop: adversarial text into Dead Letter',
	nodes: [
		{
			id: 'trigger',
			name: 'Start',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		},
		{
			id: 'code',
			name: 'Failed Item',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [220, 0],
			parameters: { jsCode: FAILED_ITEM_CODE },
		},
		{
			id: 'capture',
			name: 'Capture Failure',
			type: `${PACKAGE_NAME}.deadLetter`,
			typeVersion: 1,
			position: [440, 0],
			parameters: { operation: 'capture', scope: 'e2e-event-loop' },
		},
	],
	connections: {
		Start: { main: [[{ node: 'Failed Item', type: 'main', index: 0 }]] },
		'Failed Item': { main: [[{ node: 'Capture Failure', type: 'main', index: 0 }]] },
	},
};

interface Health {
	answers: number;
	/** The longest time without an answer, from the run's start to the last answer (or the deadline). */
	maxGapMs: number;
	/** The longest single /healthz round trip. */
	slowestMs: number;
}

/** Asks /healthz every 50 ms until `done` settles or the deadline passes. */
async function pollHealth(
	baseUrl: string,
	done: Promise<unknown>,
	deadline: number,
): Promise<Health> {
	let finished = false;
	void done.finally(() => (finished = true));
	const health: Health = { answers: 0, maxGapMs: 0, slowestMs: 0 };
	let lastAnswer = Date.now();
	while (!finished && Date.now() < deadline) {
		const asked = Date.now();
		try {
			const response = await fetch(`${baseUrl}/healthz`, {
				signal: AbortSignal.timeout(Math.max(1, deadline - asked)),
			});
			await response.arrayBuffer();
			if (response.ok) {
				const now = Date.now();
				health.answers++;
				health.slowestMs = Math.max(health.slowestMs, now - asked);
				health.maxGapMs = Math.max(health.maxGapMs, now - lastAnswer);
				lastAnswer = now;
			}
		} catch {
			// No answer before the deadline: the gap below says how long.
		}
		await sleep(50);
	}
	health.maxGapMs = Math.max(health.maxGapMs, Math.min(Date.now(), deadline) - lastAnswer);
	return health;
}

let n8n: N8nInstance | undefined;

describe('n8n stays responsive while Dead Letter redacts adversarial text', () => {
	before(async () => {
		n8n = await startN8n();
	});
	after(async () => {
		await n8n?.stop();
	});

	it('2 MiB of "eyJ-" and "a." + "://" in a failed item: /healthz never waits more than a second, the secret is not stored', async () => {
		assert.ok(n8n !== undefined);
		const imported = await n8n.importWorkflow(workflow);
		const started = Date.now();
		const deadline = started + DEADLINE_MS;
		const run: Promise<Execution> = n8n.executeById(imported.id);
		const outcome = run.then(
			(execution) => ({ execution, error: null }),
			(error: unknown) => ({ execution: null, error }),
		);
		const health = await pollHealth(n8n.baseUrl, outcome, deadline);
		const settled = await Promise.race([
			outcome,
			sleep(Math.max(0, deadline - Date.now())).then(() => null),
		]);
		const seconds = ((Date.now() - started) / 1000).toFixed(1);
		console.log(
			`/healthz: ${health.answers} answers, longest gap ${health.maxGapMs} ms, slowest answer ${health.slowestMs} ms; run ${settled === null ? `unfinished after ${seconds} s` : `done in ${seconds} s`}`,
		);

		assert.ok(
			health.maxGapMs < MAX_GAP_MS,
			`n8n did not answer /healthz for ${health.maxGapMs} ms while Capture redacted the item (limit ${MAX_GAP_MS} ms)`,
		);
		assert.ok(settled !== null, `the execution did not finish within ${DEADLINE_MS / 1000} s`);
		assert.equal(settled.error, null, `the execution failed: ${String(settled.error)}`);
		const execution = settled.execution!;
		const captured = execution.json('Capture Failure', 'Captured');
		assert.equal(
			captured.length,
			1,
			`one item captured; outputs: ${JSON.stringify(Object.keys(execution.node('Capture Failure').byName))}`,
		);
		const record = captured[0].deadLetter as { id?: unknown } | undefined;
		assert.equal(typeof record?.id, 'string', 'the item says which dead letter holds it');

		// What the queue holds: the payload with the planted secret redacted.
		const listing = await n8n.importWorkflow({
			name: 'event loop: list the dead letter',
			nodes: [
				{
					id: 'trigger',
					name: 'Start',
					type: 'n8n-nodes-base.manualTrigger',
					typeVersion: 1,
					position: [0, 0],
					parameters: {},
				},
				{
					id: 'list',
					name: 'List',
					type: `${PACKAGE_NAME}.deadLetter`,
					typeVersion: 1,
					position: [220, 0],
					parameters: { operation: 'list', scope: 'e2e-event-loop' },
				},
			],
			connections: { Start: { main: [[{ node: 'List', type: 'main', index: 0 }]] } },
		});
		const listed = await n8n.executeById(listing.id);
		const stored = JSON.stringify(listed.node('List').outputs);
		assert.ok(stored.includes('ord_1'), 'the record is in the queue');
		assert.ok(!stored.includes(SECRET), 'the planted X-Api-Key was redacted before it was stored');
	});
});
