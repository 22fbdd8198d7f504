/**
 * Circuit Breaker 1.1 through the real n8n engine (in process): Record counts failures
 * by status, network error and timeout (a 400 is recorded as not counted, a 503 counts),
 * by expression, or all (version 1 — a workflow saved with version 1 behaves as before);
 * the count and consecutive windows; the open duration growing after a failed probe; the
 * store unreachable under each On Error; a Breaker Name that is not text, and a Breaker
 * Name per item (one breaker per vendor or tenant in one batch). Every output
 * and every pairing is asserted. A stand-in vendor answers each item with the error shape
 * n8n's HTTP Request node (or a vendor node) puts on its error output.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type {
	IDataObject,
	IExecuteFunctions,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { CircuitBreaker } from '../../nodes/CircuitBreaker/CircuitBreaker.node';
import { closeAllStores } from '../../nodes/shared/stores/factory';
import {
	assertEachInputLeavesOnce,
	assertPairing,
	buildWorkflow,
	loadPackageTypes,
	medianRunMs,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
	type EngineResult,
	type Link,
	type NodeTypeInput,
	type WorkflowJson,
} from './harness';

const BREAKER = 'n8n-nodes-integration-guards.circuitBreaker';
const STATUS_VENDOR = 'test.statusVendor';
let scopeCounter = 0;
const freshScope = () => `engine-breaker-failures-${++scopeCounter}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A vendor whose answer each item decides: `status` fails the call with the HTTP Request
 * node's request error for that status (statusCode, status, the body under `error`);
 * `message` with a vendor node's `{ error: message }`; `code` with a network error. With
 * "On Error: Continue (using error output)" the engine moves `{ error }` items to the
 * error output, as it does for n8n's own nodes.
 */
class StatusVendor implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Status Vendor',
		name: 'statusVendor',
		group: ['transform'],
		version: 1,
		description: 'Harness only: fails each item the way it says',
		defaults: { name: 'Vendor' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [
			this.getInputData().map((item, index): INodeExecutionData => {
				const { status, message, code } = item.json as {
					status?: number;
					message?: string;
					code?: string;
				};
				const pairedItem = { item: index };
				if (typeof status === 'number') {
					const error = Object.assign(
						new Error(`${status} - {"message":"vendor says ${status}"}`),
						{
							name: 'AxiosError',
							code: status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST',
							statusCode: status,
							status,
							error: { message: `vendor says ${status}` },
						},
					);
					return { json: { error: error as unknown as IDataObject }, pairedItem };
				}
				if (typeof message === 'string') return { json: { error: message }, pairedItem };
				if (typeof code === 'string')
					return { json: { error: { message: `connect ${code}`, code } }, pairedItem };
				return { json: { id: `crm-${index}` }, pairedItem };
			}),
		];
	}
}

function nodeTypes(): Record<string, NodeTypeInput> {
	const types: Record<string, NodeTypeInput> = { [STATUS_VENDOR]: StatusVendor };
	if (!loadPackageTypes().nodes.has(BREAKER)) types[BREAKER] = CircuitBreaker;
	return types;
}

type NodeSpec = Partial<INode> & Pick<INode, 'name' | 'type'>;

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
		typeVersion: 1.1,
		parameters: { operation, scope, breakerName: 'crm', ...parameters },
		...extra,
	};
}

// Open long enough that a slow machine never sees it half-open between two runs of a test.
const POLICY: INodeParameters = { minimumCalls: 4, failureRatePercent: 50, openSeconds: 60 };

/** Check → vendor → Record (success and error outputs on its two inputs) → sinks. */
function guardedCall(
	scope: string,
	items: object[],
	record: INodeParameters = {},
	version = 1.1,
	extra: Partial<INode> = {},
): WorkflowJson {
	const { options, ...parameters } = record;
	return buildWorkflow(
		[
			{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
			{ ...breaker('Check', 'check', scope), typeVersion: version },
			{ name: 'Vendor', type: STATUS_VENDOR, onError: 'continueErrorOutput' },
			{ name: 'Fallback', type: TEST_NOOP },
			{
				...breaker(
					'Record',
					'record',
					scope,
					{ ...POLICY, ...parameters, options: { halfOpenProbes: 1, ...(options as object) } },
					extra,
				),
				typeVersion: version,
			},
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
	return await runWorkflow({ workflow, nodeTypes: nodeTypes(), ...options });
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
	const source = {
		name: 'Source',
		type: TEST_SOURCE,
		parameters: { items: JSON.stringify(items) },
	};
	return await run(buildWorkflow([source, node, ...sinks], links), options);
}

const field = (item: INodeExecutionData) => item.json.circuitBreaker as IDataObject;
const failureOf = (item: INodeExecutionData) => field(item).failure as IDataObject;
const statuses = (...list: number[]) => list.map((status) => ({ status }));

async function stats(scope: string): Promise<IDataObject> {
	const result = await runSingle(
		breaker('Stats', 'stats', scope, { breakerNames: 'crm' }),
		[{}],
		1,
	);
	return result.output('Stats', 0)[0].json;
}

describe('Circuit Breaker 1.1 in the n8n engine: which failures count', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	test('400s are recorded as not counted and never open the breaker; 503s open it', async () => {
		const scope = freshScope();
		const first = await run(guardedCall(scope, [...statuses(400, 400, 400, 400, 400), { ok: 1 }]));
		assert.equal(first.status, 'success', first.error?.message);
		const failed = first.output('Record', 'Failure');
		assert.equal(failed.length, 5);
		assert.deepEqual(
			failed.map((item) => item.pairedItem),
			[0, 1, 2, 3, 4].map((item) => ({ item, input: 1 })),
		);
		assert.deepEqual(
			failed.map((item) => [field(item).counted, field(item).state]),
			Array(5).fill(['notCounted', 'closed']),
		);
		assert.deepEqual(failureOf(failed[0]), {
			counted: false,
			kind: 'status',
			httpCode: 400,
			code: 'ERR_BAD_REQUEST',
			class: 'data',
			reason: 'HTTP 400 is not in 5xx, 408, 429',
		});
		const synced = first.output('Record', 'Success');
		assert.deepEqual(
			synced.map((item) => [item.pairedItem, field(item).counted, field(item).failure]),
			[[{ item: 0 }, 'window', undefined]],
		);
		assertEachInputLeavesOnce(first, 'Record');
		assertEachInputLeavesOnce(first, 'Check');
		assertPairing(first);
		const afterFirst = await stats(scope);
		assert.deepEqual(
			[afterFirst.state, afterFirst.calls, afterFirst.failures, afterFirst.failuresNotCounted],
			['closed', 6, 0, 5],
		);

		const second = await run(guardedCall(scope, statuses(503, 503, 503, 503)));
		const counted = second.output('Record', 'Failure');
		assert.deepEqual(
			counted.map((item) => [failureOf(item).counted, failureOf(item).httpCode, field(item).state]),
			Array(4).fill([true, 503, 'open']),
		);
		assert.match(
			String((field(counted[0]).stateChange as IDataObject).reason),
			/^failure rate 80% \(4 of 5 calls in the last 60 s\) reached 50%$/,
		);
		assertEachInputLeavesOnce(second, 'Record');

		const third = await run(guardedCall(scope, [{ ok: 1 }]));
		assert.equal(third.output('Check', 'Open').length, 1, 'open: the hop is not called');
		assert.equal(third.nodes.Vendor, undefined);
	});

	test('the same 400s through version 1 (a workflow saved before 1.1) open the breaker as before', async () => {
		const scope = freshScope();
		const result = await run(guardedCall(scope, statuses(400, 400, 400, 400), {}, 1));
		assert.equal(result.status, 'success', result.error?.message);
		const failed = result.output('Record', 'Failure');
		assert.deepEqual(
			failed.map((item) => [field(item).counted, field(item).state]),
			[
				['window', 'open'],
				['window', 'open'],
				['window', 'open'],
				['window', 'open'],
			],
		);
		assert.equal(
			failed[0].json.circuitBreaker && field(failed[0]).failure,
			undefined,
			'no verdict in version 1',
		);
		assert.deepEqual(
			Object.keys(field(failed[0])),
			['name', 'outcome', 'latencyMs', 'slow', 'counted', 'state', 'generation', 'stateChange'],
			"version 1's fields, in its order",
		);
		assertEachInputLeavesOnce(result, 'Record');
	});

	test('network errors, timeouts, 429s and vendor messages count; Every Failure counts a 400', async () => {
		const scope = freshScope();
		const items = [
			{ code: 'ECONNREFUSED' },
			{ code: 'ETIMEDOUT' },
			{ status: 429 },
			{ message: 'The service was not able to process your request' },
			{ message: 'Bad request - please check your parameters' },
		];
		const result = await run(guardedCall(scope, items, { minimumCalls: 100 }));
		assert.deepEqual(
			result.output('Record', 'Failure').map((item) => {
				const verdict = failureOf(item);
				return [verdict.kind, verdict.counted, verdict.httpCode];
			}),
			[
				['network', true, null],
				['timeout', true, null],
				['status', true, 429],
				['status', true, 500],
				['status', false, 400],
			],
		);
		const all = await run(
			guardedCall(freshScope(), statuses(400), { countedFailures: 'all', minimumCalls: 100 }),
		);
		assert.deepEqual(failureOf(all.output('Record', 'Failure')[0]).counted, true);
		assert.equal(field(all.output('Record', 'Failure')[0]).counted, 'window');
	});

	test('Counted Statuses and the switches change what counts', async () => {
		const scope = freshScope();
		const result = await run(
			guardedCall(scope, [...statuses(400, 503, 404), { code: 'ECONNRESET' }], {
				countedStatuses: '4xx',
				countNetworkErrors: false,
				minimumCalls: 100,
			}),
		);
		assert.deepEqual(
			result.output('Record', 'Failure').map((item) => failureOf(item).counted),
			[true, false, true, false],
		);
		const bad = await run(
			guardedCall(freshScope(), statuses(400), { countedStatuses: '5xx, 7xx' }),
		);
		assert.equal(bad.status, 'error');
		assert.match(
			String(bad.error?.message),
			/^Counted Statuses has an entry that is not a status: "7xx"/,
		);
	});

	test("By Expression decides per item with Outcome From: Field; anything but true or false is that item's error", async () => {
		const scope = freshScope();
		const node = breaker(
			'Record',
			'record',
			scope,
			{
				...POLICY,
				minimumCalls: 100,
				outcomeFrom: 'field',
				countedFailures: 'expression',
				countFailure:
					'={{ $json.error === "quota" ? false : $json.error === "odd" ? "yes" : true }}',
			},
			{ onError: 'continueErrorOutput' },
		);
		const result = await runSingle(
			node,
			[{ error: 'quota' }, { error: 'down' }, { ok: 1 }, { error: 'odd' }],
			3,
		);
		assert.equal(result.status, 'success', result.error?.message);
		const failed = result.output('Record', 'Failure');
		assert.deepEqual(
			failed.map((item) => [item.pairedItem, failureOf(item).counted, field(item).counted]),
			[
				[{ item: 0 }, false, 'notCounted'],
				[{ item: 1 }, true, 'window'],
			],
		);
		assert.deepEqual(
			result.output('Record', 'Success').map((item) => item.pairedItem),
			[{ item: 2 }],
		);
		const errors = result.outputs('Record')[2];
		assert.deepEqual(
			errors.map((item) => [item.pairedItem, item.json.error]),
			[[{ item: 3 }, 'Count This Failure of item 3 is not true or false: "yes"']],
		);
		assertEachInputLeavesOnce(result, 'Record');

		const onInputs = await run(
			guardedCall(freshScope(), statuses(400), { countedFailures: 'expression' }),
		);
		assert.equal(onInputs.status, 'error');
		assert.match(
			String(onInputs.error?.message),
			/^Counted Failures is By Expression, but the failures come on the Failure input/,
		);
	});
});

describe('Circuit Breaker 1.1 in the n8n engine: windows and the growing open duration', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	test('Last Calls: the rates over the last N calls', async () => {
		const scope = freshScope();
		const parameters = { windowType: 'count', windowCalls: 4, minimumCalls: 4 };
		await run(guardedCall(scope, [{ ok: 1 }, { ok: 2 }, ...statuses(503)], parameters));
		const second = await run(guardedCall(scope, statuses(502), parameters));
		const [failed] = second.output('Record', 'Failure');
		assert.equal(field(failed).state, 'open');
		assert.equal(
			(field(failed).stateChange as IDataObject).reason,
			'failure rate 50% (2 of the last 4 calls) reached 50%',
		);
		const report = await stats(scope);
		assert.deepEqual(
			[(report.policy as IDataObject).windowType, (report.policy as IDataObject).windowCalls],
			['count', 4],
		);
	});

	test('Failures in a Row: a success ends the run; N in a row open the breaker', async () => {
		const scope = freshScope();
		const parameters = { windowType: 'consecutive', consecutiveFailures: 3 };
		await run(guardedCall(scope, statuses(503, 503), parameters));
		assert.equal((await stats(scope)).consecutiveFailures, 2);
		await run(guardedCall(scope, [{ ok: 1 }], parameters));
		assert.equal((await stats(scope)).consecutiveFailures, 0);
		const last = await run(guardedCall(scope, statuses(503, 400, 503, 503), parameters));
		const failed = last.output('Record', 'Failure');
		assert.deepEqual(
			failed.map((item) => field(item).counted),
			['window', 'notCounted', 'window', 'window'],
		);
		assert.equal(
			(field(failed[0]).stateChange as IDataObject).reason,
			'3 failed or slow calls in a row reached 3',
		);
	});

	test('each failed probe keeps the breaker open longer (doubling by default), up to the cap', async () => {
		const scope = freshScope();
		const parameters = { openSeconds: 0.3, options: { maxOpenSeconds: 0.9 } };
		const open = await run(guardedCall(scope, statuses(503, 503, 503, 503), parameters));
		const openFor = (item: INodeExecutionData) => {
			const change = field(item).stateChange as IDataObject;
			return change;
		};
		assert.equal(field(open.output('Record', 'Failure')[0]).state, 'open');
		const durations: number[] = [];
		let wait = 300;
		for (let round = 0; round < 3; round++) {
			await sleep(wait + 50);
			const probe = await run(guardedCall(scope, statuses(503, 503), parameters));
			assert.deepEqual(
				[probe.output('Check', 'Proceed').length, probe.output('Check', 'Open').length],
				[1, 1],
				'one probe, the other call refused',
			);
			const [failed] = probe.output('Record', 'Failure');
			assert.match(String(openFor(failed).reason), /^1 of 1 probes failed; open for /);
			const report = await stats(scope);
			wait = Date.parse(String(report.openUntil)) - Date.parse(String(report.since));
			durations.push(wait);
			assert.equal(report.failedProbeRounds, round + 1);
		}
		assert.deepEqual(durations, [600, 900, 900], 'doubled, then capped at Max Open Duration');
	});
});

describe('Circuit Breaker 1.1 in the n8n engine: cost per item (printed, not asserted)', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	test('Record counting failures by kind, and a Breaker Name per item, against version 1', async (t) => {
		const count = 2000;
		// Every item a failure carrying HTTP Request's error shape (field mode: one input).
		const items = Array.from({ length: count }, (_, index) => ({
			index,
			tenant: `t${index % 10}`,
			error: {
				message: '503 - {"message":"down"}',
				name: 'AxiosError',
				code: 'ERR_BAD_RESPONSE',
				status: 503,
			},
		}));
		const recordOnly = (version: number, parameters: INodeParameters = {}) =>
			buildWorkflow(
				[
					{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
					{
						...breaker('Record', 'record', freshScope(), {
							outcomeFrom: 'field',
							minimumCalls: 1_000_000,
							...parameters,
						}),
						typeVersion: version,
					},
				],
				[['Source', 'Record']],
			);
		const median = (workflow: WorkflowJson) =>
			medianRunMs(run, workflow, (result) =>
				assert.equal(result.output('Record', 'Failure').length, count),
			);
		const version1 = await median(recordOnly(1));
		const byKind = await median(recordOnly(1.1));
		const perItem = await median(recordOnly(1.1, { breakerName: '={{ $json.tenant }}' }));
		// The same expression per item where version 1 already evaluates one: the Check Stamp
		// (on a single input, read for every item), to tell the expression's cost from the grouping's.
		const stampExpression = await median(
			recordOnly(1.1, { options: { checkStamp: '={{ $json.tenant }}' } }),
		);
		const perMs = (ms: number) => ((ms * 1000) / count).toFixed(1);
		t.diagnostic(
			`${count} failures through Record: version 1 ${version1.toFixed(1)} ms (${perMs(version1)} µs/item), 1.1 by kind ${byKind.toFixed(1)} ms (${perMs(byKind)} µs/item), 1.1 by kind with a Breaker Name per item over 10 tenants ${perItem.toFixed(1)} ms (${perMs(perItem)} µs/item); 1.1 by kind with the same expression as Check Stamp instead ${stampExpression.toFixed(1)} ms (${perMs(stampExpression)} µs/item)`,
		);
	});
});

describe('Circuit Breaker 1.1 in the n8n engine: Breaker Name and the store', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	for (const [label, expression, kind] of [
		['an object', '={{ $json.vendor }}', /is not text but \{"id":7\}/],
		['a list', '={{ [1, 2] }}', /is not text but \[1,2\]/],
		['a boolean', '={{ true }}', /is not text but true/],
	] as Array<[string, string, RegExp]>) {
		test(`a Breaker Name that gives ${label} is an error naming the item and the field`, async () => {
			const result = await runSingle(
				breaker('Check', 'check', freshScope(), { breakerName: expression }),
				[{ vendor: { id: 7 } }],
				2,
			);
			assert.equal(result.status, 'error');
			assert.match(String(result.error?.message), /^Breaker Name of item 0 /);
			assert.match(String(result.error?.message), kind);
		});
	}

	test('a Breaker Name per item: each breaker judges its own items, in one batch', async () => {
		const scope = freshScope();
		const perItem = { breakerName: "={{ $('Check').item.json.vendor }}" };
		const workflow = (items: object[]) => {
			const built = guardedCall(scope, items, { ...perItem, minimumCalls: 2, openSeconds: 60 });
			for (const node of built.nodes)
				if (node.name === 'Check')
					node.parameters = { ...node.parameters, breakerName: '={{ $json.vendor }}' };
			return built;
		};
		const first = await run(
			workflow([
				{ vendor: 'crm', status: 503 },
				{ vendor: 'erp' },
				{ vendor: 'crm', status: 503 },
				{ vendor: 'erp', status: 400 },
				{ vendor: 'erp' },
			]),
		);
		assert.equal(first.status, 'success', first.error?.message);
		assert.deepEqual(
			first.output('Check', 'Proceed').map((item) => [item.pairedItem, field(item).name]),
			[
				[{ item: 0 }, 'crm'],
				[{ item: 1 }, 'erp'],
				[{ item: 2 }, 'crm'],
				[{ item: 3 }, 'erp'],
				[{ item: 4 }, 'erp'],
			],
		);
		assert.deepEqual(
			first.output('Record', 'Failure').map((item) => [field(item).name, field(item).state]),
			[
				['crm', 'open'],
				['crm', 'open'],
				['erp', 'closed'],
			],
		);
		assert.deepEqual(
			first
				.output('Record', 'Success')
				.map((item) => [item.pairedItem, field(item).name, field(item).state]),
			[
				[{ item: 0 }, 'erp', 'closed'],
				[{ item: 1 }, 'erp', 'closed'],
			],
		);
		assertEachInputLeavesOnce(first, 'Check');
		assertEachInputLeavesOnce(first, 'Record');
		assertPairing(first);

		// Every call failing (nothing on the Success input): the breakers come from the stamps.
		const outage = await run(
			workflow([
				{ vendor: 'erp', status: 400 },
				{ vendor: 'erp', status: 422 },
			]),
		);
		assert.equal(outage.status, 'success', outage.error?.message);
		assert.deepEqual(
			outage
				.output('Record', 'Failure')
				.map((item) => [item.pairedItem, field(item).name, field(item).counted, field(item).state]),
			[
				[{ item: 0, input: 1 }, 'erp', 'notCounted', 'closed'],
				[{ item: 1, input: 1 }, 'erp', 'notCounted', 'closed'],
			],
		);
		assertEachInputLeavesOnce(outage, 'Record');

		const second = await run(workflow([{ vendor: 'erp' }, { vendor: 'crm' }, { vendor: 'erp' }]));
		assert.deepEqual(
			second.output('Check', 'Open').map((item) => [item.pairedItem, field(item).name]),
			[[{ item: 1 }, 'crm']],
		);
		assert.deepEqual(
			second.output('Check', 'Proceed').map((item) => [item.pairedItem, field(item).name]),
			[
				[{ item: 0 }, 'erp'],
				[{ item: 2 }, 'erp'],
			],
		);
		const report = await runSingle(breaker('Stats', 'stats', scope), [{}], 1);
		assert.deepEqual(
			report.output('Stats', 0).map((item) => [item.json.breaker, item.json.state]),
			[
				['crm', 'open'],
				['erp', 'closed'],
			],
			'both breakers are registered for Stats',
		);
	});

	test("a Breaker Name per item: more than 100 breakers in one execution is an error; a failure without a stamp is its item's error", async () => {
		const many = Array.from({ length: 101 }, (_, index) => ({ vendor: `v${index}` }));
		const capped = await runSingle(
			breaker('Check', 'check', freshScope(), { breakerName: '={{ $json.vendor }}' }),
			many,
			2,
		);
		assert.equal(capped.status, 'error');
		assert.match(
			String(capped.error?.message),
			/^Breaker Name gives more than 100 different breakers in one execution \(item 100 brings one more\)/,
		);

		const workflow = buildWorkflow(
			[
				{
					name: 'Source',
					type: TEST_SOURCE,
					parameters: {
						items: JSON.stringify([{ vendor: 'crm', status: 503 }, { vendor: 'crm' }]),
					},
				},
				{ name: 'Vendor', type: STATUS_VENDOR, onError: 'continueErrorOutput' },
				breaker(
					'Guard',
					'record',
					freshScope(),
					{ breakerName: "={{ $('Source').item.json.vendor }}" },
					{ onError: 'continueErrorOutput' },
				),
				{ name: 'Sink 0', type: TEST_NOOP },
				{ name: 'Sink 1', type: TEST_NOOP },
				{ name: 'Sink 2', type: TEST_NOOP },
			],
			[
				['Source', 'Vendor'],
				['Vendor', 0, 'Guard', 0],
				['Vendor', 1, 'Guard', 1],
				['Guard', 0, 'Sink 0'],
				['Guard', 1, 'Sink 1'],
				['Guard', 2, 'Sink 2'],
			],
		);
		const unstamped = await run(workflow);
		assert.equal(unstamped.status, 'success', unstamped.error?.message);
		assert.deepEqual(
			unstamped.output('Guard', 'Success').map((item) => field(item).name),
			['crm'],
		);
		assert.deepEqual(
			unstamped.outputs('Guard')[2].map((item) => item.json.error),
			['Item 0 of the Failure input carries no Check stamp, so its breaker is unknown'],
		);
		assertEachInputLeavesOnce(unstamped, 'Guard');
	});

	test('version 1 reads a Breaker Name expression once, for the first item, as before', async () => {
		const result = await runSingle(
			{
				...breaker('Check', 'check', freshScope(), { breakerName: '={{ $json.vendor }}' }),
				typeVersion: 1,
			},
			[{ vendor: 'crm' }, { vendor: 'erp' }],
			2,
		);
		assert.deepEqual(
			result.output('Check', 'Proceed').map((item) => field(item).name),
			['crm', 'crm'],
		);
	});

	test('a Breaker Name that gives a number names the breaker', async () => {
		const result = await runSingle(
			breaker('Check', 'check', freshScope(), { breakerName: '={{ $json.account }}' }),
			[{ account: 42 }],
			2,
		);
		assert.equal(result.status, 'success', result.error?.message);
		assert.equal(field(result.output('Check', 'Proceed')[0]).name, '42');
	});

	describe('store unreachable: Record 1.1 on two inputs under each On Error', () => {
		const credentials = { integrationGuardsRedisApi: { host: '127.0.0.1', port: 1 } };
		const withCredential = {
			credentials: { integrationGuardsRedisApi: { id: 'redis-1', name: 'Redis' } },
		};
		async function runDown(onError?: INode['onError']) {
			const sinks = Array.from(
				{ length: onError === 'continueErrorOutput' ? 3 : 2 },
				(_, index) => ({
					name: `Sink ${index}`,
					type: TEST_NOOP,
				}),
			);
			const workflow = buildWorkflow(
				[
					{
						name: 'Source',
						type: TEST_SOURCE,
						parameters: { items: JSON.stringify([{ ok: 1 }, { status: 503 }, { status: 400 }]) },
					},
					{ name: 'Vendor', type: STATUS_VENDOR, onError: 'continueErrorOutput' },
					breaker(
						'Guard',
						'record',
						freshScope(),
						{ store: 'redis' },
						{ ...withCredential, ...(onError ? { onError } : {}) },
					),
					...sinks,
				],
				[
					['Source', 'Vendor'],
					['Vendor', 0, 'Guard', 0],
					['Vendor', 1, 'Guard', 1],
					...sinks.map((sink, index): Link => ['Guard', index, sink.name]),
				],
			);
			return await run(workflow, { credentials });
		}

		test('Continue (using error output): every item on the error output', async () => {
			const result = await runDown('continueErrorOutput');
			assert.equal(result.status, 'success', result.error?.message);
			const [success, failure, errors] = result.outputs('Guard');
			assert.deepEqual([success, failure], [[], []]);
			assert.equal(errors.length, 3);
			for (const item of errors)
				assert.match(String(item.json.error), /Redis at 127\.0\.0\.1:1 \(db 0\): unreachable/);
			assertEachInputLeavesOnce(result, 'Guard');
		});

		test('Continue (using regular output): every item on Failure, carrying the error', async () => {
			const result = await runDown('continueRegularOutput');
			assert.equal(result.status, 'success', result.error?.message);
			assert.deepEqual(result.output('Guard', 'Success'), []);
			const refused = result.output('Guard', 'Failure');
			assert.equal(refused.length, 3);
			for (const item of refused) assert.match(String(item.json.error), /Redis at 127\.0\.0\.1:1/);
			assertEachInputLeavesOnce(result, 'Guard');
		});

		test('Stop Workflow: the node fails naming the store', async () => {
			const result = await runDown();
			assert.equal(result.status, 'error');
			const error = result.error as { description?: string; messages?: string[] } | undefined;
			assert.match(
				`${String(result.error?.message)} ${error?.messages?.join(' ')} ${error?.description}`,
				/Redis at 127\.0\.0\.1:1 \(db 0\)/,
			);
		});

		test('Let Items Through: items pass on unrecorded, with their verdict and the store error', async () => {
			const workflow = buildWorkflow(
				[
					{
						name: 'Source',
						type: TEST_SOURCE,
						parameters: { items: JSON.stringify([{ ok: 1 }, { status: 503 }, { status: 400 }]) },
					},
					{ name: 'Vendor', type: STATUS_VENDOR, onError: 'continueErrorOutput' },
					breaker(
						'Guard',
						'record',
						freshScope(),
						{ store: 'redis', options: { onStoreError: 'letThrough' } },
						withCredential,
					),
					{ name: 'Sink 0', type: TEST_NOOP },
					{ name: 'Sink 1', type: TEST_NOOP },
				],
				[
					['Source', 'Vendor'],
					['Vendor', 0, 'Guard', 0],
					['Vendor', 1, 'Guard', 1],
					['Guard', 0, 'Sink 0'],
					['Guard', 1, 'Sink 1'],
				],
			);
			const result = await run(workflow, { credentials });
			assert.equal(result.status, 'success', result.error?.message);
			assert.deepEqual(
				result
					.output('Guard', 'Failure')
					.map((item) => [item.pairedItem, field(item).counted, failureOf(item).counted]),
				[
					[{ item: 0, input: 1 }, 'notRecorded', true],
					[{ item: 1, input: 1 }, 'notRecorded', false],
				],
			);
			assert.equal(result.output('Guard', 'Success').length, 1);
			assertEachInputLeavesOnce(result, 'Guard');
		});
	});
});
