/**
 * Circuit Breaker through the real n8n engine (in process), on the embedded store:
 * failures through Record's two inputs open the breaker, Check routes Open while it is
 * open and lets a probe through after the open duration, Stats and Set State. Every
 * output and every pairing is asserted. A stand-in vendor node plays the HTTP Request
 * node: it replaces each item with the vendor's answer, and fails the items that say so.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import type {
	IDataObject,
	IExecuteFunctions,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	INodeTypeDescription,
	IWorkflowSettings,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { CircuitBreaker } from '../../nodes/CircuitBreaker/CircuitBreaker.node';
import { OPEN_BACKOFF_MULTIPLIER_1_1 } from '../../nodes/CircuitBreaker/actions/policy';
import { properties } from '../../nodes/CircuitBreaker/actions/versionDescription';
import { DEFAULT_BREAKER_POLICY } from '../../nodes/shared/core/breaker';
import { closeAllStores } from '../../nodes/shared/stores/factory';
import {
	assertEachInputLeavesOnce,
	assertPairing,
	buildWorkflow,
	loadPackageTypes,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
	medianRunMs,
	type EngineResult,
	type Link,
	type NodeTypeInput,
	type WorkflowJson,
} from './harness';
import { findPackageRoot } from './node-types';
import { TestVendor, VENDOR, vendor } from './vendor-node';

const BREAKER = 'n8n-nodes-integration-guards.circuitBreaker';
let scopeCounter = 0;
const freshScope = () => `engine-breaker-${++scopeCounter}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Registered from package.json once it lists the node; until then, given to each run. */
function nodeTypes(): Record<string, NodeTypeInput> {
	const types: Record<string, NodeTypeInput> = { [VENDOR]: TestVendor };
	if (!loadPackageTypes().nodes.has(BREAKER)) types[BREAKER] = CircuitBreaker;
	return types;
}

type NodeSpec = Partial<INode> & Pick<INode, 'name' | 'type'>;

function source(items: object[]): NodeSpec {
	return { name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } };
}

function breaker(
	name: string,
	operation: string,
	scope: string,
	parameters: INodeParameters = {},
	extra: Partial<INode> = {},
): NodeSpec {
	return {
		name,
		type: BREAKER,
		parameters: { operation, scope, breakerName: 'crm', ...parameters },
		...extra,
	};
}

/** A short policy so the tests can watch the breaker open and probe. */
const POLICY: INodeParameters = { minimumCalls: 4, failureRatePercent: 50, openSeconds: 0.5 };

/**
 * The workflow the node is made for: Check → vendor → Record (success and error outputs
 * on its two inputs), with a fallback on Open and sinks after Record.
 */
function guardedCall(
	scope: string,
	items: object[],
	record: INodeParameters = {},
	vendor: INodeParameters = {},
): WorkflowJson {
	const { options, ...parameters } = record;
	return buildWorkflow(
		[
			source(items),
			breaker('Check', 'check', scope),
			{ name: 'Vendor', type: VENDOR, parameters: vendor, onError: 'continueErrorOutput' },
			{ name: 'Fallback', type: TEST_NOOP },
			breaker('Record', 'record', scope, {
				...POLICY,
				...parameters,
				options: { halfOpenProbes: 1, ...(options as INodeParameters) },
			}),
			{ name: 'Synced', type: TEST_NOOP },
			{ name: 'Failed', type: TEST_NOOP },
		],
		[
			['Source', 'Check'],
			['Check', 0, 'Vendor'],
			['Check', 1, 'Fallback'],
			['Vendor', 0, 'Record', 0],
			['Vendor', 1, 'Record', 1],
			['Record', 0, 'Synced'],
			['Record', 1, 'Failed'],
		],
	);
}

async function run(
	workflow: WorkflowJson,
	options: Partial<Parameters<typeof runWorkflow>[0]> = {},
): Promise<EngineResult> {
	const result = await runWorkflow({ workflow, nodeTypes: nodeTypes(), ...options });
	return result;
}

/** Source → one breaker node → a sink per output. */
async function runSingle(
	node: NodeSpec,
	items: object[],
	outputCount: number,
	options: Partial<Parameters<typeof runWorkflow>[0]> = {},
) {
	const sinks = Array.from({ length: outputCount }, (_, index) => ({
		name: `Sink ${index}`,
		type: TEST_NOOP,
	}));
	const links: Link[] = [
		['Source', node.name],
		...sinks.map((sink, index): Link => [node.name, index, sink.name]),
	];
	return await run(buildWorkflow([source(items), node, ...sinks], links), options);
}

const field = (item: INodeExecutionData) => item.json.circuitBreaker as IDataObject;
const fieldsOf = (items: INodeExecutionData[], key: string) =>
	items.map((item) => field(item)[key]);
const hintsOf = (result: EngineResult, node: string) =>
	result.nodes[node].hints.map((hint) => hint.message);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Opens the scope's breaker "crm" with four failures. */
async function openBreaker(scope: string): Promise<EngineResult> {
	const result = await run(
		guardedCall(scope, [{ fail: true }, { fail: true }, { fail: true }, { fail: true }]),
	);
	assert.deepEqual(fieldsOf(result.output('Record', 'Failure'), 'state'), [
		'open',
		'open',
		'open',
		'open',
	]);
	return result;
}

describe('Circuit Breaker in the n8n engine', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	test('Check routes Proceed while closed and stamps each item; Record counts the successes', async () => {
		const scope = freshScope();
		const result = await run(guardedCall(scope, [{ n: 1 }, { n: 2 }, { n: 3 }]));
		assert.equal(result.status, 'success', result.error?.message);
		assert.deepEqual(result.nodes.Check.outputNames, ['Proceed', 'Open']);
		assert.deepEqual(result.nodes.Record.outputNames, ['Success', 'Failure']);
		const proceed = result.output('Check', 'Proceed');
		assert.deepEqual(
			proceed.map((item) => item.json.n),
			[1, 2, 3],
		);
		assert.deepEqual(
			proceed.map((item) => item.pairedItem),
			[{ item: 0 }, { item: 1 }, { item: 2 }],
		);
		assert.deepEqual(result.output('Check', 'Open'), []);
		const stamp = field(proceed[0]);
		assert.match(String(stamp.checkedAt), ISO);
		assert.deepEqual(
			{ ...stamp, checkedAt: undefined },
			{
				name: 'crm',
				route: 'proceed',
				state: 'closed',
				probe: false,
				generation: 0,
				checkedAt: undefined,
				openUntil: null,
				stateChange: null,
			},
		);
		assert.deepEqual(
			Object.keys(result.output('Source', 0)[0].json),
			['n'],
			'the input item is never changed',
		);

		const synced = result.output('Record', 'Success');
		assert.deepEqual(
			synced.map((item) => item.json.id),
			['crm-0', 'crm-1', 'crm-2'],
		);
		assert.deepEqual(
			synced.map((item) => item.pairedItem),
			[{ item: 0 }, { item: 1 }, { item: 2 }],
		);
		assert.deepEqual(field(synced[0]), {
			name: 'crm',
			outcome: 'success',
			latencyMs: null,
			slow: false,
			counted: 'window',
			state: 'closed',
			generation: 0,
			stateChange: null,
		});
		assert.deepEqual(result.output('Record', 'Failure'), []);
		assert.match(
			hintsOf(result, 'Record')[0],
			/3 successful call\(s\) carried no Check stamp, so their latency is unknown/,
		);
		for (const node of ['Check', 'Record']) assertEachInputLeavesOnce(result, node);
		assertPairing(result);
	});

	test('failures through the Failure input open the breaker; Check then routes Open', async () => {
		const scope = freshScope();
		const items = [
			{ n: 1 },
			{ n: 2, fail: true },
			{ n: 3, fail: true },
			{ n: 4 },
			{ n: 5, fail: true },
		];
		const first = await run(guardedCall(scope, items));
		assert.equal(first.status, 'success', first.error?.message);
		assert.equal(first.output('Check', 'Proceed').length, 5);
		const synced = first.output('Record', 'Success');
		const failed = first.output('Record', 'Failure');
		assert.deepEqual(
			synced.map((item) => item.pairedItem),
			[{ item: 0 }, { item: 1 }],
		);
		assert.deepEqual(
			failed.map((item) => item.pairedItem),
			[
				{ item: 0, input: 1 },
				{ item: 1, input: 1 },
				{ item: 2, input: 1 },
			],
		);
		// The engine keeps the input item's fields under an error item: the stamp survives.
		assert.deepEqual(
			failed.map((item) => [item.json.n, item.json.error]),
			[
				[2, 'Service Unavailable (503)'],
				[3, 'Service Unavailable (503)'],
				[5, 'Service Unavailable (503)'],
			],
		);
		for (const item of failed)
			assert.ok(
				typeof field(item).latencyMs === 'number' && (field(item).latencyMs as number) >= 0,
			);
		assert.deepEqual(fieldsOf([...synced, ...failed], 'state'), Array(5).fill('open'));
		const change = field(failed[0]).stateChange as IDataObject;
		assert.deepEqual(
			[change.from, change.to, change.reason],
			['closed', 'open', 'failure rate 60% (3 of 5 calls in the last 60 s) reached 50%'],
		);
		assert.match(String(change.at), ISO);
		assert.ok(
			hintsOf(first, 'Record').some((hint) =>
				/"crm" is now open \(was closed\): failure rate 60%.*Checks route to Open until/.test(hint),
			),
		);
		assertEachInputLeavesOnce(first, 'Record');

		const second = await run(guardedCall(scope, [{ n: 6 }, { n: 7 }]));
		assert.deepEqual(second.output('Check', 'Proceed'), []);
		const refused = second.output('Check', 'Open');
		assert.deepEqual(
			refused.map((item) => [item.json.n, field(item).route, field(item).state]),
			[
				[6, 'open', 'open'],
				[7, 'open', 'open'],
			],
		);
		assert.match(String(field(refused[0]).openUntil), ISO);
		assert.equal(second.nodes.Vendor, undefined, 'the failing hop is not called');
		assert.ok(second.nodes.Fallback, 'the Open route runs the fallback');
		assert.match(hintsOf(second, 'Check')[0], /"crm" is open until .*: 2 item\(s\) sent to Open/);
		assertEachInputLeavesOnce(second, 'Check');
	});

	test('after the open duration one probe proceeds; its success closes the breaker', async () => {
		const scope = freshScope();
		await openBreaker(scope);
		await sleep(600);
		const probing = await run(guardedCall(scope, [{ n: 1 }, { n: 2 }, { n: 3 }]));
		const [probe] = probing.output('Check', 'Proceed');
		assert.equal(probing.output('Check', 'Proceed').length, 1);
		assert.deepEqual(
			[probe.json.n, field(probe).probe, field(probe).state, field(probe).generation],
			[1, true, 'halfOpen', 2],
		);
		assert.deepEqual(
			[
				(field(probe).stateChange as IDataObject).from,
				(field(probe).stateChange as IDataObject).to,
			],
			['open', 'halfOpen'],
		);
		assert.deepEqual(
			probing.output('Check', 'Open').map((item) => [item.json.n, field(item).probe]),
			[
				[2, false],
				[3, false],
			],
		);
		assert.deepEqual(
			probing.output('Check', 'Open').map((item) => item.pairedItem),
			[{ item: 1 }, { item: 2 }],
		);
		const [recorded] = probing.output('Record', 'Success');
		assert.deepEqual([field(recorded).counted, field(recorded).state], ['probe', 'closed']);
		assert.match(
			String((field(recorded).stateChange as IDataObject).reason),
			/probes passed: 1 of 1 succeeded/,
		);
		assert.ok(hintsOf(probing, 'Check').some((hint) => /is now half-open \(was open\)/.test(hint)));
		assert.ok(
			hintsOf(probing, 'Record').some((hint) => /is now closed \(was half-open\)/.test(hint)),
		);
		assertEachInputLeavesOnce(probing, 'Check');

		const closed = await run(guardedCall(scope, [{ n: 4 }, { n: 5 }]));
		assert.equal(closed.output('Check', 'Proceed').length, 2);
	});

	test('a failed probe reopens the breaker for another open duration', async () => {
		const scope = freshScope();
		await openBreaker(scope);
		await sleep(600);
		const probing = await run(guardedCall(scope, [{ n: 1, fail: true }, { n: 2 }]));
		assert.deepEqual(
			probing.output('Check', 'Open').map((item) => item.json.n),
			[2],
		);
		const [failed] = probing.output('Record', 'Failure');
		assert.deepEqual(
			[failed.json.n, field(failed).counted, field(failed).state],
			[1, 'probe', 'open'],
		);
		assert.equal((field(failed).stateChange as IDataObject).reason, '1 of 1 probes failed');
		assert.deepEqual(failed.pairedItem, { item: 0, input: 1 });
		const again = await run(guardedCall(scope, [{ n: 3 }]));
		assert.deepEqual(
			again.output('Check', 'Open').map((item) => item.json.n),
			[3],
		);
	});

	test("Check Stamp refers back to the Check node and measures the hop's latency", async () => {
		const scope = freshScope();
		const stamped = { options: { checkStamp: "={{ $('Check').item.json.circuitBreaker }}" } };
		const result = await run(
			guardedCall(scope, [{ n: 1 }, { n: 2, fail: true }], stamped, { delayMs: 150 }),
		);
		assert.equal(result.status, 'success', result.error?.message);
		const [success] = result.output('Record', 'Success');
		const [failure] = result.output('Record', 'Failure');
		for (const item of [success, failure]) {
			const latency = field(item).latencyMs as number;
			assert.ok(latency >= 150 && latency < 5000, `latency ${latency} ms`);
		}
		assert.ok(!hintsOf(result, 'Record').some((hint) => /no Check stamp/.test(hint)));

		const broken = { options: { checkStamp: "={{ $('No Such Node').item.json.circuitBreaker }}" } };
		const unstamped = await run(guardedCall(freshScope(), [{ n: 1 }], broken));
		assert.equal(unstamped.status, 'success', unstamped.error?.message);
		assert.deepEqual(
			fieldsOf(unstamped.output('Record', 'Success'), 'latencyMs'),
			[null],
			'recorded, without latency',
		);
		assert.match(
			hintsOf(unstamped, 'Record')[0],
			/Check Stamp could not be read for 1 item\(s\), so their latency is unknown: /,
		);

		const stats = await runSingle(breaker('Stats', 'stats', scope), [{}], 1);
		const [report] = stats.output('Stats', 0);
		const latency = report.json.latencyMs as IDataObject;
		assert.equal(latency.measured, 2);
		assert.ok((latency.p50 as number) >= 140 && (latency.p99 as number) <= (latency.max as number));
	});

	test('Record with one input reads the outcome from a field; an item without one leaves on the error output', async () => {
		const scope = freshScope();
		const node = breaker(
			'Record',
			'record',
			scope,
			{ outcomeFrom: 'field', outcomeField: 'ok', failedWhen: 'false' },
			{ onError: 'continueErrorOutput' },
		);
		const result = await runSingle(node, [{ ok: true }, { ok: false }, { ok: 'yes' }], 3);
		assert.equal(result.status, 'success', result.error?.message);
		assert.deepEqual(result.nodes.Record.outputNames, ['Success', 'Failure', 'Error']);
		assert.deepEqual(
			result.output('Record', 'Success').map((item) => [item.json.ok, item.pairedItem]),
			[[true, { item: 0 }]],
		);
		assert.deepEqual(
			result.output('Record', 'Failure').map((item) => [item.json.ok, item.pairedItem]),
			[[false, { item: 1 }]],
		);
		const [error] = result.output('Record', 'Error');
		assert.match(String(error.json.error), /Item 2 has no true or false in outcome field "ok"/);
		assert.deepEqual([error.json.ok, error.pairedItem], ['yes', { item: 2 }]);
		assertEachInputLeavesOnce(result, 'Record');

		const present = breaker('Record', 'record', scope, { outcomeFrom: 'field' });
		const errors = await runSingle(
			present,
			[{}, { error: 'boom' }, { error: '' }, { error: { message: 'x' } }],
			2,
		);
		assert.deepEqual(
			errors.output('Record', 'Success').map((item) => item.pairedItem),
			[{ item: 0 }, { item: 2 }],
		);
		assert.deepEqual(
			errors.output('Record', 'Failure').map((item) => item.pairedItem),
			[{ item: 1 }, { item: 3 }],
		);
		assertEachInputLeavesOnce(errors, 'Record');
	});

	test('Stats reports every breaker of the scope, or the ones named', async () => {
		const scope = freshScope();
		const recordOn = (name: string, items: object[]) =>
			runSingle(
				breaker('Record', 'record', scope, { breakerName: name, outcomeFrom: 'field' }),
				items,
				2,
			);
		await recordOn('erp', [{}, {}]);
		await recordOn('crm', [{}, { error: 'HTTP 500' }, {}]);
		const all = await runSingle(
			breaker('Stats', 'stats', scope),
			[{ trigger: 1 }, { trigger: 2 }],
			1,
		);
		assert.deepEqual(all.nodes.Stats.outputNames, ['Stats']);
		const reports = all.output('Stats', 0);
		assert.deepEqual(
			reports.map((item) => item.json.breaker),
			['crm', 'erp'],
		);
		assert.deepEqual(
			reports.map((item) => item.pairedItem),
			[
				[{ item: 0 }, { item: 1 }],
				[{ item: 0 }, { item: 1 }],
			],
		);
		const crm = reports[0].json;
		assert.deepEqual(
			[
				crm.state,
				crm.known,
				crm.calls,
				crm.failures,
				crm.errorRatePercent,
				crm.slowCalls,
				crm.windowSeconds,
				crm.opens,
			],
			['closed', true, 3, 1, 33.3, 0, 60, 0],
		);
		assert.deepEqual(crm.latencyMs, {
			measured: 0,
			mean: null,
			min: null,
			max: null,
			p50: null,
			p95: null,
			p99: null,
		});
		assert.deepEqual(crm.policy, {
			failureRatePercent: 50,
			minimumCalls: 10,
			windowSeconds: 60,
			openSeconds: 120,
			halfOpenProbes: 3,
			probeTimeoutSeconds: 60,
			slowCallSeconds: 30,
			slowCallRatePercent: 50,
			windowType: 'time',
			windowCalls: 100,
			consecutiveFailures: 5,
			// Recorded by version 1 nodes: a fixed open duration.
			openBackoffMultiplier: 1,
			maxOpenSeconds: 1800,
		});
		assert.deepEqual(
			[crm.failuresNotCounted, crm.recentCalls, crm.consecutiveFailures, crm.failedProbeRounds],
			[0, null, null, 0],
		);
		assert.match(String(crm.reportedAt), ISO);
		assertPairing(all);

		const named = await runSingle(
			breaker('Stats', 'stats', scope, { breakerNames: 'erp, billing' }),
			[{}],
			1,
		);
		assert.deepEqual(
			named.output('Stats', 0).map((item) => [item.json.breaker, item.json.known, item.json.calls]),
			[
				['erp', true, 2],
				['billing', false, 0],
			],
		);

		const empty = await runSingle(breaker('Stats', 'stats', freshScope()), [{}], 1);
		assert.deepEqual(empty.output('Stats', 0), []);
		assert.match(hintsOf(empty, 'Stats')[0], /No circuit breaker has been used in this scope yet/);
	});

	test('Set State: forced open routes every Check to Open until reset; disabled never opens', async () => {
		const scope = freshScope();
		const set = (newState: string) =>
			runSingle(breaker('Set', 'setState', scope, { newState }), [{ ticket: 'OPS-1' }], 1);
		const forced = await set('forceOpen');
		assert.deepEqual(forced.nodes.Set.outputNames, ['Done']);
		const [done] = forced.output('Set', 0);
		assert.deepEqual([done.json.ticket, done.pairedItem], ['OPS-1', { item: 0 }]);
		assert.deepEqual(
			{ ...field(done), stateChange: undefined },
			{
				name: 'crm',
				action: 'forceOpen',
				state: 'forcedOpen',
				generation: 1,
				stateChange: undefined,
			},
		);
		assert.equal((field(done).stateChange as IDataObject).reason, 'forced open by hand');
		assert.match(hintsOf(forced, 'Set')[0], /"crm" is now forced open \(was closed\)/);

		const refused = await run(guardedCall(scope, [{ n: 1 }]));
		assert.deepEqual(fieldsOf(refused.output('Check', 'Open'), 'state'), ['forcedOpen']);
		assert.match(hintsOf(refused, 'Check')[0], /is forced open \(Set State → Reset closes it\)/);

		const reset = await set('reset');
		assert.equal(field(reset.output('Set', 0)[0]).state, 'closed');
		assert.equal((await run(guardedCall(scope, [{ n: 2 }]))).output('Check', 'Proceed').length, 1);

		await set('disable');
		const failing = await run(
			guardedCall(
				scope,
				Array.from({ length: 6 }, () => ({ fail: true })),
			),
		);
		assert.deepEqual(
			fieldsOf(failing.output('Record', 'Failure'), 'counted'),
			Array(6).fill('statsOnly'),
		);
		assert.deepEqual(
			fieldsOf(failing.output('Record', 'Failure'), 'state'),
			Array(6).fill('disabled'),
		);
		assert.equal((await run(guardedCall(scope, [{ n: 3 }]))).output('Check', 'Proceed').length, 1);
		const again = await set('disable');
		assert.equal(field(again.output('Set', 0)[0]).stateChange, null, 'already disabled: no change');
	});

	test('bad configuration fails before any item is processed, naming the parameter', async () => {
		const scope = freshScope();
		const noName = await runSingle(
			breaker('Check', 'check', scope, { breakerName: '  ' }),
			[{}],
			2,
		);
		assert.equal(noName.status, 'error');
		assert.match(String(noName.error?.message), /Breaker Name is empty/);
		const badRate = await runSingle(
			breaker('Record', 'record', scope, { outcomeFrom: 'field', failureRatePercent: 0 }),
			[{}],
			2,
		);
		assert.equal(badRate.status, 'error');
		assert.match(String(badRate.error?.message), /Failure Rate Threshold \(%\) is out of range: 0/);
		const noField = await runSingle(
			breaker('Record', 'record', scope, { outcomeFrom: 'field', outcomeField: ' ' }),
			[{}],
			2,
		);
		assert.match(String(noField.error?.message), /Outcome Field is empty/);
		const badOpen = await runSingle(
			breaker('Record', 'record', scope, { outcomeFrom: 'field', openSeconds: -1 }),
			[{}],
			2,
		);
		assert.match(String(badOpen.error?.message), /Open Duration \(Seconds\) is out of range: -1/);
	});

	test('an unreachable store fails the node naming it, unless items may pass without the breaker', async () => {
		const redis = { store: 'redis' };
		const credentials = { integrationGuardsRedisApi: { host: '127.0.0.1', port: 1 } };
		const withCredential = {
			credentials: { integrationGuardsRedisApi: { id: 'redis-1', name: 'Redis' } },
		};
		const failing = await runSingle(
			breaker('Check', 'check', freshScope(), redis, withCredential),
			[{ n: 1 }],
			2,
			{ credentials },
		);
		assert.equal(failing.status, 'error');
		// n8n's NodeOperationError swaps a message mentioning ECONNREFUSED for its generic
		// "The service refused the connection"; the store's own words stay in `messages`,
		// and the description names where the store is.
		const error = failing.error as { description?: string; messages?: string[] } | undefined;
		assert.match(
			String(error?.description),
			/Check that Redis at 127\.0\.0\.1:1 \(db 0\) is running/,
		);
		assert.match(
			String(error?.messages?.[0]),
			/^Redis at 127\.0\.0\.1:1 \(db 0\): unreachable: connect ECONNREFUSED/,
		);

		const letThrough = { ...redis, options: { onStoreError: 'letThrough' } };
		const passed = await runSingle(
			breaker('Check', 'check', freshScope(), letThrough, withCredential),
			[{ n: 1 }, { n: 2 }],
			2,
			{ credentials },
		);
		assert.equal(passed.status, 'success', passed.error?.message);
		const proceed = passed.output('Check', 'Proceed');
		assert.deepEqual(
			proceed.map((item) => [item.json.n, field(item).route, field(item).state]),
			[
				[1, 'proceed', 'unknown'],
				[2, 'proceed', 'unknown'],
			],
		);
		assert.match(String(field(proceed[0]).storeError), /Redis at 127\.0\.0\.1:1/);
		assert.match(
			hintsOf(passed, 'Check')[0],
			/the store failed, so items were let through without the breaker/,
		);
		assertEachInputLeavesOnce(passed, 'Check');
	});

	describe('store unreachable under On Error: Continue: every item an error, never Proceed (finding 1)', () => {
		const credentials = { integrationGuardsRedisApi: { host: '127.0.0.1', port: 1 } };
		const withCredential = {
			credentials: { integrationGuardsRedisApi: { id: 'redis-1', name: 'Redis' } },
		};
		const items = [{ n: 1, apiKey: 'sk_live_secret' }, { n: 2 }];
		/** Each operation: its parameters, output names and refusal output (REFUSAL_OUTPUTS). */
		const cases: Array<{
			label: string;
			operation: string;
			parameters: INodeParameters;
			outputs: string[];
			refusal: string;
		}> = [
			{
				label: 'Check',
				operation: 'check',
				parameters: {},
				outputs: ['Proceed', 'Open'],
				refusal: 'Open',
			},
			{
				label: 'Check with "If the Store Is Unreachable: Fail the Node"',
				operation: 'check',
				parameters: { options: { onStoreError: 'fail' } },
				outputs: ['Proceed', 'Open'],
				refusal: 'Open',
			},
			{
				label: 'Record (two inputs)',
				operation: 'record',
				parameters: {},
				outputs: ['Success', 'Failure'],
				refusal: 'Failure',
			},
			{
				label: 'Record (Outcome Field)',
				operation: 'record',
				parameters: { outcomeFrom: 'field' },
				outputs: ['Success', 'Failure'],
				refusal: 'Failure',
			},
			{
				label: 'Stats',
				operation: 'stats',
				parameters: { breakerNames: 'crm' },
				outputs: ['Stats'],
				refusal: 'Stats',
			},
			{
				label: 'Set State',
				operation: 'setState',
				parameters: { newState: 'forceOpen' },
				outputs: ['Done'],
				refusal: 'Done',
			},
		];
		/** Source → node (Record on two inputs: through the stand-in vendor, one item failing) → a sink per output. */
		async function runDown(
			testCase: (typeof cases)[number],
			onError?: INode['onError'],
			sinks = testCase.outputs.length,
		) {
			const node = breaker(
				'Guard',
				testCase.operation,
				freshScope(),
				{ store: 'redis', ...testCase.parameters },
				{ ...withCredential, ...(onError ? { onError } : {}) },
			);
			const twoInputs =
				testCase.operation === 'record' && testCase.parameters.outcomeFrom === undefined;
			if (!twoInputs) return await runSingle(node, items, sinks, { credentials });
			const sinkNodes = Array.from({ length: sinks }, (_, index) => ({
				name: `Sink ${index}`,
				type: TEST_NOOP,
			}));
			const workflow = buildWorkflow(
				[
					source([{ n: 1 }, { n: 2, fail: true }]),
					{ name: 'Vendor', type: VENDOR, onError: 'continueErrorOutput' },
					node,
					...sinkNodes,
				],
				[
					['Source', 'Vendor'],
					['Vendor', 0, 'Guard', 0],
					['Vendor', 1, 'Guard', 1],
					...sinkNodes.map((sink, index): Link => ['Guard', index, sink.name]),
				],
			);
			return await run(workflow, { credentials });
		}

		for (const testCase of cases) {
			test(`${testCase.label}: Continue (using error output) puts every item on the error output`, async () => {
				const result = await runDown(testCase, 'continueErrorOutput', testCase.outputs.length + 1);
				assert.equal(result.status, 'success', result.error?.message);
				// (n8n names a single output "Success" once the error output is added.)
				assert.deepEqual(result.nodes.Guard.outputNames.length, testCase.outputs.length + 1);
				assert.equal(result.nodes.Guard.outputNames.at(-1), 'Error');
				const outputs = result.outputs('Guard');
				outputs
					.slice(0, -1)
					.forEach((output, index) =>
						assert.deepEqual(output, [], `nothing on ${testCase.outputs[index]}`),
					);
				assert.equal(outputs.at(-1)!.length, 2);
				for (const item of outputs.at(-1)!)
					assert.match(String(item.json.error), /Redis at 127\.0\.0\.1:1 \(db 0\): unreachable/);
				assertEachInputLeavesOnce(result, 'Guard');
			});

			test(`${testCase.label}: Continue (using regular output) puts every item on ${testCase.refusal}, carrying the error`, async () => {
				const result = await runDown(testCase, 'continueRegularOutput');
				assert.equal(result.status, 'success', result.error?.message);
				const refused = result.output('Guard', testCase.refusal);
				assert.equal(refused.length, 2);
				for (const item of refused)
					assert.match(String(item.json.error), /Redis at 127\.0\.0\.1:1/);
				if (testCase.refusal !== testCase.outputs[0])
					assert.deepEqual(
						result.output('Guard', testCase.outputs[0]),
						[],
						`nothing on ${testCase.outputs[0]}`,
					);
				assertEachInputLeavesOnce(result, 'Guard');
			});

			test(`${testCase.label}: without Continue the node fails naming the store`, async () => {
				const result = await runDown(testCase);
				assert.equal(result.status, 'error');
				const error = result.error as { description?: string; messages?: string[] } | undefined;
				assert.match(
					`${String(result.error?.message)} ${error?.messages?.join(' ')} ${error?.description}`,
					/Redis at 127\.0\.0\.1:1 \(db 0\)/,
				);
			});
		}
	});

	test('cost per item: Check and Record against two No Operation nodes (printed, not asserted)', async (t) => {
		const count = 5000;
		const items = Array.from({ length: count }, (_, index) => ({ index, name: `item ${index}` }));
		const scope = freshScope();
		const guarded = buildWorkflow(
			[
				source(items),
				breaker('Check', 'check', scope),
				breaker('Record', 'record', scope, { outcomeFrom: 'field', minimumCalls: 1_000_000 }),
			],
			[
				['Source', 'Check'],
				['Check', 0, 'Record'],
			],
		);
		const baseline = buildWorkflow(
			[source(items), { name: 'Check', type: TEST_NOOP }, { name: 'Record', type: TEST_NOOP }],
			[
				['Source', 'Check'],
				['Check', 'Record'],
			],
		);
		const median = (workflow: WorkflowJson) =>
			medianRunMs(run, workflow, (result) =>
				assert.equal(result.output('Record', 0).length, count),
			);
		const withBreaker = await median(guarded);
		const withNoOps = await median(baseline);
		t.diagnostic(
			`${count} items, Source -> Check -> Record (embedded store) ${withBreaker.toFixed(1)} ms vs Source -> NoOp -> NoOp ${withNoOps.toFixed(1)} ms: ${(((withBreaker - withNoOps) * 1000) / count / 2).toFixed(2)} µs more per item per node`,
		);
	});

	test('the policy parameters default to DEFAULT_BREAKER_POLICY', () => {
		const defaults = new Map<string, unknown>();
		for (const property of properties) {
			defaults.set(property.name, property.default);
			for (const option of (property.options ?? []) as Array<{ name: string; default?: unknown }>) {
				if ('default' in option) defaults.set(option.name, option.default);
			}
		}
		assert.deepEqual(
			{
				failureRatePercent: defaults.get('failureRatePercent'),
				minimumCalls: defaults.get('minimumCalls'),
				windowMs: (defaults.get('windowSeconds') as number) * 1000,
				openMs: (defaults.get('openSeconds') as number) * 1000,
				halfOpenProbes: defaults.get('halfOpenProbes'),
				probeTimeoutMs: (defaults.get('probeTimeoutSeconds') as number) * 1000,
				slowCallMs: (defaults.get('slowCallSeconds') as number) * 1000,
				slowCallRatePercent: defaults.get('slowCallRatePercent'),
				windowBuckets: DEFAULT_BREAKER_POLICY.windowBuckets,
				windowType: defaults.get('windowType'),
				windowCalls: defaults.get('windowCalls'),
				consecutiveFailures: defaults.get('consecutiveFailures'),
				// Version 1.1's default (version 1 keeps the duration fixed: the core's 1).
				openBackoffMultiplier: 1,
				maxOpenMs: (defaults.get('maxOpenSeconds') as number) * 1000,
			},
			{ ...DEFAULT_BREAKER_POLICY },
		);
		assert.equal(defaults.get('openBackoffMultiplier'), OPEN_BACKOFF_MULTIPLIER_1_1);
	});
});

describe('examples/circuit-breaker.json', () => {
	before(startEngine);
	after(async () => {
		vendor.down = false;
		await closeAllStores();
		await stopEngine();
	});

	/** The example as exported, with harness stand-ins for the n8n nodes it uses. */
	function example(): WorkflowJson & { settings?: IWorkflowSettings } {
		const file = path.join(findPackageRoot(), 'examples/circuit-breaker.json');
		const workflow = JSON.parse(readFileSync(file, 'utf8')) as WorkflowJson;
		const scope = freshScope();
		for (const node of workflow.nodes) {
			if (node.type === BREAKER) node.parameters = { ...node.parameters, scope };
		}
		return workflow;
	}
	const standIns = () => ({
		...nodeTypes(),
		'n8n-nodes-base.httpRequest': TestVendor,
		'n8n-nodes-base.scheduleTrigger': PassThrough,
	});

	test('runs unchanged: calls go through while the CRM answers, and stop once it fails', async () => {
		const workflow = example();
		const healthy = await runWorkflow({
			workflow,
			nodeTypes: standIns(),
			startNode: 'Sync Contacts',
		});
		assert.equal(healthy.status, 'success', healthy.error?.message);
		assert.equal(healthy.output('Check CRM', 'Proceed').length, 1);
		assert.equal(healthy.output('Record CRM Call', 'Success').length, 1);

		vendor.down = true;
		for (let attempt = 0; attempt < 5; attempt++)
			await runWorkflow({ workflow, nodeTypes: standIns(), startNode: 'Sync Contacts' });
		const refused = await runWorkflow({
			workflow,
			nodeTypes: standIns(),
			startNode: 'Sync Contacts',
		});
		assert.equal(refused.output('Check CRM', 'Open').length, 1);
		assert.ok(refused.nodes['Park Until the CRM Recovers'], 'the Open route runs');
		vendor.down = false;

		const report = await runWorkflow({ workflow, nodeTypes: standIns(), startNode: 'Every Hour' });
		const [crm] = report.output('CRM Health', 'Stats');
		assert.deepEqual([crm.json.breaker, crm.json.state], ['crm', 'open']);
		assertPairing(report);
	});
});

/** Stands in for a trigger in workflows started by the harness: passes its items on. */
class PassThrough implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Pass Through',
		name: 'passThrough',
		group: ['transform'],
		version: 1,
		description: 'Harness only: passes its items on',
		defaults: { name: 'Pass Through' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
		usableAsTool: true,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}
