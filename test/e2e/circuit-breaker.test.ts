// Circuit Breaker in a real n8n with its store stopped (issue 14, finding 1): Check with
// "If the Store Is Unreachable: Fail the Node" (the default) and On Error "Continue
// (using error output)" puts every item on the error output, none on Proceed.
//
// Version 1.1 against n8n's own HTTP Request node (its error output on) and a local
// stand-in vendor on 127.0.0.1 that answers 400s, then 503s: the 400s are recorded as
// not counted and leave the breaker closed, the 503s open it, and each failed probe keeps
// it open longer.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { outageWorkflow, stoppedRedis } from './guard-outage';
import { PACKAGE_NAME, startN8n, type N8nInstance, type WorkflowJson } from './harness';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;

describe('n8n end to end: Circuit Breaker', () => {
	let n8n: N8nInstance;

	before(async () => {
		n8n = await startN8n();
	});

	after(async () => {
		await n8n?.stop();
	});

	it('the store stopped (a private Redis): Check under Continue (using error output) puts every item on the error output, none on Proceed', async () => {
		const { redis, credential } = await stoppedRedis(n8n, 'Stopped Redis');
		try {
			const guard = {
				type: `${PACKAGE_NAME}.circuitBreaker`,
				typeVersion: 1,
				parameters: {
					operation: 'check',
					scope: `outage-${RUN}`,
					breakerName: 'vendor',
					options: { onStoreError: 'fail' },
				},
			};
			const workflow = await n8n.importWorkflow(
				outageWorkflow(`e2e circuit breaker outage ${RUN}`, guard, credential),
			);
			const execution = await n8n.executeById(workflow.id, { triggerNode: 'Run' });
			assert.equal(execution.status, 'success', JSON.stringify(execution.error));
			const check = execution.node('Guard').byName;
			const routed = Object.fromEntries(
				Object.entries(check).map(([name, items]) => [name, items.length]),
			);
			console.log(`[e2e] Check with its Redis stopped: ${JSON.stringify(routed)}`);
			assert.deepEqual(routed, { Proceed: 0, Open: 0, error: 2 });
			for (const item of check.error)
				assert.match(
					String(item.json.error),
					new RegExp(`Redis at 127\\.0\\.0\\.1:${redis.port} \\(db 0\\): unreachable`),
				);
			assert.deepEqual(
				check.error.map((item) => item.json.orderId),
				['o-1', 'o-2'],
				'the items travel with their error',
			);
		} finally {
			await redis.dispose();
		}
	});

	describe("version 1.1 with n8n's HTTP Request: which failures count", () => {
		/** The stand-in vendor: answers every request with `answer.status`, and counts them. */
		const answer = { status: 400, hits: 0, byPath: {} as Record<string, number> };
		let vendor: Server;
		before(async () => {
			vendor = createServer((request, response) => {
				answer.hits++;
				request.resume();
				const status = answer.byPath[request.url ?? ''] ?? answer.status;
				response.writeHead(status, { 'content-type': 'application/json' });
				response.end(JSON.stringify({ message: `stand-in answers ${status}` }));
			});
			await new Promise<void>((resolve) => vendor.listen(0, '127.0.0.1', resolve));
		});
		after(async () => {
			await new Promise((resolve) => vendor?.close(resolve));
		});

		const BREAKER_TYPE = `${PACKAGE_NAME}.circuitBreaker`;

		/** Run → n items → Check → HTTP Request (error output) → Record (two inputs) → sinks. */
		function guardedCall(scope: string, count: number, perVendor = false): WorkflowJson {
			const base = `http://127.0.0.1:${(vendor.address() as AddressInfo).port}/v1`;
			// Per vendor: items alternate crm and erp, each vendor's calls on its own breaker.
			const url = perVendor ? `=${base}/{{ $json.vendor }}` : `${base}/orders`;
			const names = perVendor
				? { check: '={{ $json.vendor }}', record: "={{ $('Check').item.json.vendor }}" }
				: { check: 'vendor', record: 'vendor' };
			const node = (
				name: string,
				type: string,
				typeVersion: number,
				parameters: IDataObject,
				x: number,
			) => ({
				id: name,
				name,
				type,
				typeVersion,
				position: [x, 0] as [number, number],
				parameters,
			});
			return {
				name: `e2e circuit breaker 1.1 ${scope} ${count}${perVendor ? ' per vendor' : ''}`,
				nodes: [
					node('Run', 'n8n-nodes-base.manualTrigger', 1, {}, 0),
					node(
						'Orders',
						'n8n-nodes-base.code',
						2,
						{
							jsCode: `return Array.from({ length: ${count} }, (_, n) => ({ json: { order: n, vendor: n % 2 ? 'erp' : 'crm' } }));`,
						},
						200,
					),
					node(
						'Check',
						BREAKER_TYPE,
						1.1,
						{ operation: 'check', scope, breakerName: names.check },
						400,
					),
					{
						...node(
							'HTTP Request',
							'n8n-nodes-base.httpRequest',
							4.5,
							{
								method: 'POST',
								url,
								sendBody: true,
								specifyBody: 'json',
								jsonBody: '={{ JSON.stringify($json) }}',
								options: {},
							},
							600,
						),
						onError: 'continueErrorOutput',
					},
					node('Fallback', 'n8n-nodes-base.noOp', 1, {}, 600),
					node(
						'Record',
						BREAKER_TYPE,
						1.1,
						{
							operation: 'record',
							scope,
							breakerName: names.record,
							minimumCalls: 4,
							openSeconds: 2,
							options: { halfOpenProbes: 1, maxOpenSeconds: 10 },
						},
						800,
					),
					node('Synced', 'n8n-nodes-base.noOp', 1, {}, 1000),
					node('Failed', 'n8n-nodes-base.noOp', 1, {}, 1000),
				],
				connections: {
					Run: { main: [[{ node: 'Orders', type: 'main', index: 0 }]] },
					Orders: { main: [[{ node: 'Check', type: 'main', index: 0 }]] },
					Check: {
						main: [
							[{ node: 'HTTP Request', type: 'main', index: 0 }],
							[{ node: 'Fallback', type: 'main', index: 0 }],
						],
					},
					'HTTP Request': {
						main: [
							[{ node: 'Record', type: 'main', index: 0 }],
							[{ node: 'Record', type: 'main', index: 1 }],
						],
					},
					Record: {
						main: [
							[{ node: 'Synced', type: 'main', index: 0 }],
							[{ node: 'Failed', type: 'main', index: 0 }],
						],
					},
				},
			} as unknown as WorkflowJson;
		}

		const stamp = (item: INodeExecutionData) => item.json.circuitBreaker as IDataObject;

		it('400s do not open the breaker, 503s do, and each failed probe keeps it open longer', async () => {
			const scope = `classify-${RUN}`;
			const workflows = new Map<number, string>();
			const runWith = async (status: number, count: number) => {
				answer.status = status;
				let id = workflows.get(count);
				if (id === undefined) {
					id = (await n8n.importWorkflow(guardedCall(scope, count))).id;
					workflows.set(count, id);
				}
				const execution = await n8n.executeById(id, { triggerNode: 'Run' });
				assert.equal(execution.status, 'success', JSON.stringify(execution.error));
				return execution;
			};

			// 400s for bad data: the vendor answered, the breaker stays closed.
			for (let round = 0; round < 2; round++) {
				const bad = await runWith(400, 6);
				const failed = bad.node('Record').byName.Failure;
				assert.equal(failed.length, 6);
				for (const item of failed) {
					assert.equal(stamp(item).counted, 'notCounted');
					assert.equal(stamp(item).state, 'closed');
					assert.deepEqual(
						[
							(stamp(item).failure as IDataObject).httpCode,
							(stamp(item).failure as IDataObject).counted,
						],
						[400, false],
					);
				}
				if (round === 0) {
					const { circuitBreaker, ...shape } = failed[0].json;
					const error = shape.error as IDataObject;
					const summary = {
						fields: Object.keys(shape),
						errorFields: Object.keys(error),
						message: error.message,
						status: error.status,
						code: error.code,
						details: shape.details,
					};
					console.log(
						`[e2e] HTTP Request 4.5's error output, as Record sees it: ${JSON.stringify(summary).slice(0, 800)}`,
					);
					console.log(
						`[e2e] Record's verdict on it: ${JSON.stringify((circuitBreaker as IDataObject).failure)}`,
					);
				}
				assert.equal(bad.node('Check').byName.Proceed.length, 6, 'the breaker stayed closed');
			}
			assert.equal(answer.hits, 12);

			// 503s: the hop is down, the breaker opens.
			const down = await runWith(503, 6);
			const failures = down.node('Record').byName.Failure;
			assert.deepEqual(
				failures.map((item) => [
					stamp(item).counted,
					(stamp(item).failure as IDataObject).httpCode,
					stamp(item).state,
				]),
				Array(6).fill(['window', 503, 'open']),
			);
			const opened = stamp(failures[0]).stateChange as IDataObject;
			assert.match(
				String(opened.reason),
				/^failure rate 100% \(6 of 6 calls in the last 60 s\) reached 50%$/,
			);
			console.log(`[e2e] 12 x 400 then 6 x 503: opened on "${String(opened.reason)}"`);

			// Open: the hop is not called.
			const refused = await runWith(503, 6);
			assert.equal(refused.node('Check').byName.Open.length, 6);
			assert.equal(answer.hits, 18, 'no call while open');

			// Each failed probe: open for longer (2 s, then 4 s, then 8 s).
			const durations: number[] = [];
			let openUntil = Date.parse(String(stamp(refused.node('Check').byName.Open[0]).openUntil));
			durations.push(openUntil - Date.parse(String(opened.at)));
			for (let round = 1; round <= 2; round++) {
				await new Promise((resolve) =>
					setTimeout(resolve, Math.max(0, openUntil - Date.now()) + 300),
				);
				const probing = await runWith(503, 2);
				assert.deepEqual(
					[probing.node('Check').byName.Proceed.length, probing.node('Check').byName.Open.length],
					[1, 1],
					'one probe, the other call refused',
				);
				const reopened = stamp(probing.node('Record').byName.Failure[0]).stateChange as IDataObject;
				assert.match(
					String(reopened.reason),
					new RegExp(`^1 of 1 probes failed; open for \\d+ s after ${round} failed probe round`),
				);
				const still = await runWith(503, 2);
				assert.equal(still.node('Check').byName.Open.length, 2, 'still open right after');
				openUntil = Date.parse(String(stamp(still.node('Check').byName.Open[0]).openUntil));
				durations.push(openUntil - Date.parse(String(reopened.at)));
			}
			console.log(
				`[e2e] open durations after 0, 1, 2 failed probe rounds: ${durations.join(', ')} ms`,
			);
			assert.deepEqual(durations, [2000, 4000, 8000]);
		});

		it("a Breaker Name per item: the failing vendor's breaker opens, the other vendor's calls go on", async () => {
			const scope = `per-vendor-${RUN}`;
			answer.byPath = { '/v1/crm': 503, '/v1/erp': 200 };
			try {
				const workflow = await n8n.importWorkflow(guardedCall(scope, 8, true));
				const run = async () => {
					const execution = await n8n.executeById(workflow.id, { triggerNode: 'Run' });
					assert.equal(execution.status, 'success', JSON.stringify(execution.error));
					return execution;
				};
				const first = await run();
				const record = first.node('Record').byName;
				assert.deepEqual(
					record.Failure.map((item) => [stamp(item).name, stamp(item).state]),
					Array(4).fill(['crm', 'open']),
				);
				assert.deepEqual(
					record.Success.map((item) => [stamp(item).name, stamp(item).state]),
					Array(4).fill(['erp', 'closed']),
				);
				const hits = answer.hits;
				const second = await run();
				const check = second.node('Check').byName;
				assert.deepEqual(
					check.Open.map((item) => [item.json.vendor, stamp(item).name]),
					Array(4).fill(['crm', 'crm']),
				);
				assert.deepEqual(
					check.Proceed.map((item) => item.json.vendor),
					Array(4).fill('erp'),
				);
				assert.equal(answer.hits - hits, 4, 'only the erp calls were made');
				console.log(
					`[e2e] per vendor: crm (503) opened after 4 calls, erp (200) kept going: ${check.Proceed.length} proceed, ${check.Open.length} open`,
				);
			} finally {
				answer.byPath = {};
			}
		});
	});
});
