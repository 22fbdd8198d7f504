// Rate Limiter wrapping n8n's OWN HTTP Request node (issue 18): the vendor node keeps its
// credential (Header Auth here), the Rate Limiter paces it and learns from its answers. Against
// a private nginx (test/support/nginx.ts) with limit_req at 10 r/s, burst 5 (nodelay, 429 with
// Retry-After: 1), 300 items per pattern, counted at the server (its access log, by X-Item-Id):
//   (0) HTTP Request alone at its defaults: the baseline (the node fails, most items are refused);
//   (1) the documented Wait for Slot pattern: Loop Over Items (Batch Size 1) → Wait for Slot →
//       HTTP Request → back to the loop (examples/rate-limiter-wait-for-slot-loop.json);
//   (2) Learn From Response on HTTP Request's error output, Retry back through Wait for Slot
//       (examples/rate-limiter-learn-from-response.json), and (3) the same with the limit
//       configured too high, so that 429s are learned from and retried;
//   (4) HTTP Request at its defaults (error output) → Backoff, Paced (version 2.1), Retry back
//       (examples/rate-limiter-backoff-paced.json).
// Each pattern: 300/300 items delivered exactly once, the execution succeeds, no item gives up,
// and the vendor accepts at least 80 % of its limit. The figures go to stderr (docs/nodes/rate-limiter.md
// quotes them). About 2 to 3 minutes on a busy 2-core machine.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import { startVendor, type Vendor } from '../support/nginx';
import {
	PACKAGE_NAME,
	repoRoot,
	startN8n,
	type Execution,
	type N8nInstance,
	type WorkflowJson,
} from './harness';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const ITEMS = 300;
const RATE = 10;
const BURST = 5;
const RATE_LIMITER = `${PACKAGE_NAME}.rateLimiter`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function example(name: string): WorkflowJson {
	return JSON.parse(readFileSync(path.join(repoRoot(), 'examples', name), 'utf8')) as WorkflowJson;
}

/**
 * The shipped example as a test runs it: ITEMS customers, Call Vendor pointed at the vendor
 * with a Header Auth credential, a limiter name of its own.
 */
function prepared(
	name: string,
	url: string,
	credential: { id: string; name: string },
	label: string,
	items = ITEMS,
): WorkflowJson {
	const json = example(name);
	json.name = `${label} ${RUN}`;
	for (const node of json.nodes) {
		const parameters = node.parameters as IDataObject;
		if (node.name === 'Customers (Test Data)') {
			const code = String(parameters.jsCode);
			assert.match(code, /const COUNT = \d+;/);
			parameters.jsCode = code
				.replace(/const COUNT = \d+;/, `const COUNT = ${items};`)
				.replace("'customer-'", `'${label}-${RUN}-'`);
		}
		if (node.name === 'Call Vendor') {
			Object.assign(parameters, {
				url,
				authentication: 'genericCredentialType',
				genericAuthType: 'httpHeaderAuth',
			});
			node.credentials = { httpHeaderAuth: credential };
		}
		if (node.type === RATE_LIMITER) parameters.limiterName = `${label}-${RUN}`;
	}
	return json;
}

async function run(n8n: N8nInstance, workflow: WorkflowJson): Promise<Execution> {
	const imported = await n8n.importWorkflow(workflow);
	const started = await n8n.api<{ executionId?: string }>(
		'POST',
		`/rest/workflows/${imported.id}/run`,
		{ triggerToStartFrom: { name: 'Start' } },
	);
	assert.ok(started.executionId, `no execution started: ${JSON.stringify(started)}`);
	const execution = await n8n.waitForExecution(started.executionId, 240_000);
	await sleep(300); // nginx logs a request once it has answered
	return execution;
}

/** Items on one output of a node, over all its runs (a loop runs a node once per item). */
function itemsOn(execution: Execution, node: string, output: string | number): number {
	const runs = execution.data.resultData.runData[node] ?? [];
	let total = 0;
	runs.forEach((_, runIndex) => {
		const result = execution.node(node, runIndex);
		total +=
			(typeof output === 'number' ? result.outputs[output] : result.byName[output])?.length ?? 0;
	});
	return total;
}

interface Figures {
	pattern: string;
	delivered: number;
	duplicates: number;
	rateLimited: number;
	acceptedPerSecond: number;
	status: string;
}

const figures: Figures[] = [];

function record(pattern: string, vendor: Vendor, execution: Execution, items = ITEMS): Figures {
	const summary = vendor.summary();
	const row: Figures = {
		pattern,
		delivered: summary.acceptedItems,
		duplicates: summary.duplicates,
		rateLimited: summary.rateLimited,
		acceptedPerSecond: summary.acceptedPerSecond,
		status: execution.status,
	};
	figures.push(row);
	process.stderr.write(
		`[e2e] ${pattern}: ${execution.status}; ${summary.acceptedItems}/${items} items delivered, ${summary.duplicates} duplicates, ` +
			`${summary.requests} requests, ${summary.rateLimited} × 429 from the vendor, accepted ${summary.acceptedPerSecond.toFixed(2)}/s ` +
			`(${((summary.acceptedPerSecond / RATE) * 100).toFixed(0)} % of ${RATE}/s), most in 1 s: ${vendor.maxAcceptedInWindow(1000)}\n`,
	);
	return row;
}

function assertExactlyOnceAtRate(row: Figures): void {
	assert.equal(row.status, 'success');
	assert.equal(row.delivered, ITEMS, 'every item delivered');
	assert.equal(row.duplicates, 0, 'none twice');
	assert.ok(
		row.acceptedPerSecond >= 0.8 * RATE,
		`at least 80 % of the limit: ${row.acceptedPerSecond.toFixed(2)}/s`,
	);
}

describe(
	'n8n end to end: Rate Limiter wrapping HTTP Request, against nginx at 10 r/s burst 5',
	{ timeout: 900_000 },
	() => {
		let n8n: N8nInstance;
		let credential: { id: string; name: string };
		const vendors: Vendor[] = [];

		before(async () => {
			n8n = await startN8n();
			assert.ok(n8n.loadedNodeTypes.includes(RATE_LIMITER), `${RATE_LIMITER} is not loaded`);
			const created = await n8n.createCredential('httpHeaderAuth', `Vendor key ${RUN}`, {
				name: 'X-Api-Key',
				value: `key-${RUN}`,
			});
			credential = { id: created.id, name: created.name };
		});

		after(async () => {
			await Promise.allSettled(vendors.map((vendor) => vendor.stop()));
			await n8n?.stop();
			if (figures.length > 0) {
				process.stderr.write(
					`[e2e] figures (${ITEMS} items, nginx ${RATE} r/s burst ${BURST}):\n` +
						figures
							.map(
								(row) =>
									`  | ${row.pattern} | ${row.status} | ${row.delivered}/${ITEMS} | ${row.duplicates} | ${row.rateLimited} | ${row.acceptedPerSecond.toFixed(2)}/s |`,
							)
							.join('\n') +
						'\n',
				);
			}
		});

		const vendor = async (): Promise<Vendor> => {
			const started = await startVendor({ rate: RATE, burst: BURST, retryAfterSeconds: 1 });
			vendors.push(started);
			return started;
		};

		it('(0) baseline: HTTP Request alone at its defaults fails, the vendor refusing most items', async () => {
			const nginx = await vendor();
			const json = prepared(
				'rate-limiter-wait-for-slot-loop.json',
				`${nginx.url}/customers`,
				credential,
				'alone',
			);
			const keep = new Set(['Start', 'Customers (Test Data)', 'Call Vendor']);
			json.nodes = json.nodes.filter((node) => keep.has(node.name));
			json.connections = {
				Start: { main: [[{ node: 'Customers (Test Data)', type: 'main', index: 0 }]] },
				'Customers (Test Data)': { main: [[{ node: 'Call Vendor', type: 'main', index: 0 }]] },
			};
			const execution = await run(n8n, json);
			const row = record('HTTP Request alone, defaults', nginx, execution);
			assert.equal(row.status, 'error', 'the node fails on the first 429');
			assert.ok(row.rateLimited > 0 && row.delivered < ITEMS);
		});

		it('(1) Wait for Slot, one item per run of Loop Over Items: 300/300 exactly once, at ≥ 80 % of the limit', async () => {
			const nginx = await vendor();
			const execution = await run(
				n8n,
				prepared(
					'rate-limiter-wait-for-slot-loop.json',
					`${nginx.url}/customers`,
					credential,
					'slot',
				),
			);
			const row = record('Wait for Slot in a loop (Loop Over Items, batch 1)', nginx, execution);
			assertExactlyOnceAtRate(row);
			assert.equal(itemsOn(execution, 'All Sent', 0), ITEMS, 'every item back out of the loop');
			assert.equal(row.rateLimited, 0, 'paced under the limit: no 429');
		});

		it('(2) Learn From Response on the error output, Retry through Wait for Slot: 300/300 exactly once, none given up', async () => {
			const nginx = await vendor();
			const execution = await run(
				n8n,
				prepared(
					'rate-limiter-learn-from-response.json',
					`${nginx.url}/customers`,
					credential,
					'learn',
				),
			);
			const row = record('Learn From Response loop', nginx, execution);
			assertExactlyOnceAtRate(row);
			assert.equal(itemsOn(execution, 'All Sent', 0), ITEMS);
			assert.equal(itemsOn(execution, 'Learn From Response', 'Give Up'), 0, 'no item gave up');
			// Every 429 the vendor sent reached Learn From Response as an error item and was retried.
			assert.equal(itemsOn(execution, 'Learn From Response', 'Retry'), row.rateLimited);
		});

		it("(3) Learn From Response when the configured limit is wrong (20/s against 10/s): every 429 retried, the vendor's Retry-After held, 100/100 exactly once", async () => {
			const nginx = await vendor();
			const items = 100;
			const json = prepared(
				'rate-limiter-learn-from-response.json',
				`${nginx.url}/customers`,
				credential,
				'wrong',
				items,
			);
			for (const node of json.nodes)
				if (node.type === RATE_LIMITER)
					Object.assign(node.parameters as IDataObject, { limit: 20, targetUtilization: 100 });
			const execution = await run(n8n, json);
			const row = record(
				'Learn From Response loop, limit configured at 20/s',
				nginx,
				execution,
				items,
			);
			assert.equal(row.status, 'success');
			assert.equal(row.delivered, items);
			assert.equal(row.duplicates, 0);
			assert.ok(row.rateLimited > 0, 'the vendor refused some: the wrong limit was tried');
			assert.equal(
				itemsOn(execution, 'Learn From Response', 'Retry'),
				row.rateLimited,
				'each 429 retried once',
			);
			assert.equal(itemsOn(execution, 'Learn From Response', 'Give Up'), 0);
			// What Learn From Response saw on HTTP Request's error items: the status and the vendor's Retry-After.
			const retried = execution.node('Learn From Response', 0).byName.Retry ?? [];
			const details = retried[0]?.json.rateLimiter as IDataObject | undefined;
			assert.equal(details?.status, 429);
			assert.equal(details?.retryAfterMs, 1000);
			assert.equal((details?.hold as IDataObject | undefined)?.heldMs, 1000);
		});

		it('(4) HTTP Request at its defaults → Backoff, Paced: 300/300 exactly once, none given up, at ≥ 80 % of the limit', async () => {
			const nginx = await vendor();
			const execution = await run(
				n8n,
				prepared(
					'rate-limiter-backoff-paced.json',
					`${nginx.url}/customers`,
					credential,
					'backoff',
				),
			);
			const row = record(
				'HTTP Request (defaults, error output) → Backoff loop, paced',
				nginx,
				execution,
			);
			assertExactlyOnceAtRate(row);
			assert.equal(itemsOn(execution, 'Delivered', 0), ITEMS, 'every item out on No Error, once');
			assert.equal(itemsOn(execution, 'Back Off', 'Give Up'), 0, 'no item gave up');
			assert.equal(itemsOn(execution, 'Not Delivered', 0), 0);
		});
	},
);
