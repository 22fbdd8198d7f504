/**
 * Dead Letter through the real n8n engine (in process), on the embedded store: capture
 * from an upstream node's error output, classes and routes, depth alerts, replay and
 * resolve, lease expiry, concurrent replays, edited payloads, poison parking — every
 * output and every pairing.
 *
 * The vendor is a test-only node that fails chosen items the way n8n's own nodes do
 * with "On Error: Continue (using error output)": the HTTP Request node puts the
 * request error itself on `json.error` (an AxiosError with statusCode, the response
 * body on `error`, and the request's headers under `options`) and, from version 4.5,
 * NodeApiError's view of it on `json.details`; vendor nodes put only `error.message`.
 */
import assert from 'node:assert/strict';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
	NodeApiError,
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type JsonObject,
} from 'n8n-workflow';

import { DeadLetter } from '../../nodes/DeadLetter/DeadLetter.node';
import { closeAllStores } from '../../nodes/shared/stores/factory';
import {
	assertEachInputLeavesOnce,
	assertPairing,
	buildWorkflow,
	engineN8nFolder,
	pairedItemsOf,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
	type CredentialFixtures,
	type EngineResult,
	type Link,
	type WorkflowJson,
} from './harness';

const DEAD_LETTER = 'n8n-nodes-integration-guards.deadLetter';
const VENDOR = 'test.flakyVendor';
const EDIT = 'test.editPayload';
const PLANTED_BEARER = 'sk_live_TESTSECRET0123456789abcdef';
const CAPTURE_OUTPUTS = ['Captured', 'Auth Failure', 'Depth Alert'];
const NOT_CAPTURED = 'Not Captured';

/** How the vendor fails one record, keyed by the record's `id`. */
type FailureSpec =
	| { kind: 'http'; status: number; body?: unknown; retryAfter?: string } // HTTP Request 4.2
	| { kind: 'httpDetails'; status: number; body?: unknown } // HTTP Request 4.5+
	| { kind: 'vendor'; status: number } // a vendor node: error.message only
	| { kind: 'network'; code: string; message: string }
	| { kind: 'itemError'; status: number }; // `item.error` instead of json.error

const STATUS_TEXT: Record<number, string> = {
	400: 'Bad Request',
	401: 'Unauthorized',
	403: 'Forbidden',
	422: 'Unprocessable Entity',
	429: 'Too Many Requests',
	503: 'Service Unavailable',
};

/** The request error n8n's legacy request adapter throws for a non-2xx answer. */
function axiosError(status: number, body: unknown, retryAfter?: string): Error {
	const error = new Error(`${status} - ${JSON.stringify(body)}`);
	error.name = 'AxiosError';
	Object.assign(error, {
		isAxiosError: true,
		code: status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST',
		options: {
			url: 'https://api.vendor.test/v1/contacts?api_key=k_live_0123456789',
			method: 'POST',
			headers: { Authorization: `Bearer ${PLANTED_BEARER}`, 'Content-Type': 'application/json' },
		},
		statusCode: status,
		status,
		error: body,
		response: {
			headers: {
				'content-type': 'application/json',
				...(retryAfter ? { 'retry-after': retryAfter } : {}),
			},
			status,
			statusText: STATUS_TEXT[status] ?? 'Error',
		},
	});
	// What HttpRequestV3 does to a 429 before it passes the reason on.
	if (status === 429)
		error.message = "Try spacing your requests out using the batching settings under 'Options'";
	return error;
}

function failureItem(node: INode, spec: FailureSpec, itemIndex: number): INodeExecutionData {
	switch (spec.kind) {
		case 'http':
			return {
				json: {
					error: axiosError(
						spec.status,
						spec.body ?? {},
						spec.retryAfter,
					) as unknown as IDataObject,
				},
				pairedItem: { item: itemIndex },
			};
		case 'httpDetails': {
			const reason = axiosError(spec.status, spec.body ?? {});
			const apiError = new NodeApiError(node, reason as unknown as JsonObject, { itemIndex });
			const details = {
				message: apiError.message,
				description: apiError.description ?? null,
				httpCode: apiError.httpCode,
				body: spec.body ?? null,
				context: apiError.context,
			};
			return {
				json: { error: reason as unknown as IDataObject, details: details as IDataObject },
				pairedItem: { item: itemIndex },
			};
		}
		case 'vendor':
			return {
				json: {
					error: new NodeApiError(
						node,
						{ message: 'vendor said no' },
						{ httpCode: String(spec.status) },
					).message,
				},
				pairedItem: { item: itemIndex },
			};
		case 'network': {
			const error = Object.assign(new Error(spec.message), { code: spec.code });
			return { json: { error: error as unknown as IDataObject }, pairedItem: { item: itemIndex } };
		}
		case 'itemError':
			return {
				json: {},
				error: new NodeApiError(node, { message: 'rejected' }, { httpCode: String(spec.status) }),
				pairedItem: { item: itemIndex },
			};
	}
}

/** Test-only vendor: fails the items named in `failures` (by `id`), answers the rest. */
class FlakyVendor implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Flaky Vendor',
		name: 'flakyVendor',
		group: ['transform'],
		version: 1,
		description: 'Test only: fails chosen items like n8n nodes do',
		defaults: { name: 'Flaky Vendor' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Failures (JSON)', name: 'failures', type: 'json', default: '{}' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const raw = this.getNodeParameter('failures', 0, '{}');
		const failures = (typeof raw === 'string' ? JSON.parse(raw || '{}') : raw) as Record<
			string,
			FailureSpec
		>;
		const output: INodeExecutionData[] = [];
		for (const [index, item] of this.getInputData().entries()) {
			const spec = failures[String(item.json.id)] ?? failures['*'];
			if (spec === undefined) {
				output.push({
					json: { vendorId: `v-${String(item.json.id)}`, email: item.json.email ?? null },
					pairedItem: { item: index },
				});
				continue;
			}
			if (!this.continueOnFail())
				throw new NodeApiError(this.getNode(), { message: 'failed' }, { httpCode: '500' });
			output.push(failureItem(this.getNode(), spec, index));
		}
		return [output];
	}
}

/** Test-only stand-in for a person fixing a record: sets payload.email on List's items. */
class EditPayload implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Edit Payload',
		name: 'editPayload',
		group: ['transform'],
		version: 1,
		description: 'Test only: fixes the email of each listed record',
		defaults: { name: 'Edit Payload' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [
			this.getInputData().map((item, index) => ({
				json: {
					...item.json,
					payload: { ...(item.json.payload as IDataObject), email: 'fixed@example.com' },
				},
				pairedItem: { item: index },
			})),
		];
	}
}

/** Test-only mapping step: keeps only the record's own fields, dropping the deadLetter marker. */
class MapToRequest implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Map to Request',
		name: 'mapToRequest',
		group: ['transform'],
		version: 1,
		description: 'Test only: keeps id and email',
		defaults: { name: 'Map to Request' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [
			this.getInputData().map((item, index) => ({
				json: { id: item.json.id, email: item.json.email ?? null },
				pairedItem: { item: index },
			})),
		];
	}
}

/**
 * Test-only vendor answering every item with a response that replaces it, as a vendor
 * node or HTTP Request does: `responses` by the record's `id`, else `{ ok: true }`.
 * A response `{ "$error": "message" }` is an error item the way nodes emit one under
 * "Continue (using regular output)": `{ error }` in place of the item.
 */
class Responder implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Responder',
		name: 'responder',
		group: ['transform'],
		version: 1,
		description: 'Test only: answers each item with a canned response',
		defaults: { name: 'Responder' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{ displayName: 'Responses (JSON)', name: 'responses', type: 'json', default: '{}' },
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const raw = this.getNodeParameter('responses', 0, '{}');
		const responses = (typeof raw === 'string' ? JSON.parse(raw || '{}') : raw) as Record<
			string,
			IDataObject
		>;
		return [
			this.getInputData().map((item, index) => {
				const response = responses[String(item.json.id)] ?? {
					ok: true,
					received: item.json.id ?? null,
				};
				const json = typeof response.$error === 'string' ? { error: response.$error } : response;
				return { json, pairedItem: { item: index } };
			}),
		];
	}
}

const MAP = 'test.mapToRequest';
const RESPONDER = 'test.responder';
const nodeTypes = {
	[DEAD_LETTER]: DeadLetter,
	[VENDOR]: FlakyVendor,
	[EDIT]: EditPayload,
	[MAP]: MapToRequest,
	[RESPONDER]: Responder,
};

let queueCounter = 0;
const newQueue = () => `engine-dl-${process.pid}-${++queueCounter}`;

type NodeSpec = Partial<INode> & Pick<INode, 'name' | 'type'>;

function source(records: object[]): NodeSpec {
	return { name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(records) } };
}

function vendor(failures: Record<string, FailureSpec>, name = 'Vendor'): NodeSpec {
	return {
		name,
		type: VENDOR,
		parameters: { failures: JSON.stringify(failures) },
		onError: 'continueErrorOutput',
	};
}

function deadLetter(name: string, parameters: IDataObject): NodeSpec {
	return { name, type: DEAD_LETTER, typeVersion: 2, parameters: parameters as INode['parameters'] };
}

function sinks(node: string, count: number, prefix = node): { nodes: NodeSpec[]; links: Link[] } {
	const nodes = Array.from({ length: count }, (_, index) => ({
		name: `${prefix} ${index}`,
		type: TEST_NOOP,
	}));
	return { nodes, links: nodes.map((sink, index): Link => [node, index, sink.name]) };
}

async function run(workflow: WorkflowJson, credentials = {}): Promise<EngineResult> {
	const result = await runWorkflow({ workflow, nodeTypes, credentials });
	assert.equal(result.status, 'success', result.error?.message);
	return result;
}

/** Source → Vendor → (ok: Delivered) (error: Capture → a sink per output). */
async function captureRun(
	queue: string,
	records: object[],
	failures: Record<string, FailureSpec>,
	capture: IDataObject = {},
): Promise<EngineResult> {
	const out = sinks('Capture', 4);
	return await run(
		buildWorkflow(
			[
				source(records),
				vendor(failures),
				{ name: 'Delivered', type: TEST_NOOP },
				deadLetter('Capture', { operation: 'capture', scope: queue, ...capture }),
				...out.nodes,
			],
			[['Source', 'Vendor'], ['Vendor', 0, 'Delivered'], ['Vendor', 1, 'Capture'], ...out.links],
		),
	);
}

/** One Dead Letter node on its own (List, Stats, Purge, Replay from the queue). */
async function single(parameters: IDataObject, outputs = 1): Promise<EngineResult> {
	const out = sinks('DL', outputs);
	return await run(
		buildWorkflow(
			[{ name: 'Start', type: TEST_NOOP }, deadLetter('DL', parameters), ...out.nodes],
			[['Start', 'DL'], ...out.links],
		),
	);
}

async function listRecords(queue: string, statuses: string[] = []): Promise<IDataObject[]> {
	const result = await single({ operation: 'list', scope: queue, statuses, limit: 1000 });
	return result.output('DL', 'Records').map((item) => item.json);
}

async function stats(queue: string, parameters: IDataObject = {}): Promise<EngineResult> {
	return await single({ operation: 'stats', scope: queue, ...parameters }, 2);
}

const dl = (item: INodeExecutionData) => item.json.deadLetter as IDataObject;
const ids = (items: INodeExecutionData[]) => items.map((item) => item.json.id);
const paired = (items: INodeExecutionData[]) =>
	items.map((item) => pairedItemsOf(item)?.map((entry) => entry.item));

describe('Dead Letter in the n8n engine', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	test('Capture takes the error output of a node: classes, Auth Failure, payload without the error, secrets redacted', async () => {
		const queue = newQueue();
		const records = [
			{ id: 1, email: 'ok@example.com' },
			{ id: 2, email: 'a@example.com' },
			{ id: 3, email: 'b@example.com', headers: { Authorization: `Bearer ${PLANTED_BEARER}` } },
			{ id: 4, email: 'c@example.com' },
			{ id: 5, email: 'd@example.com', correlationId: 'corr-5' },
			{ id: 6, email: 'e@example.com' },
			{ id: 7, email: 'not-an-email', apiKey: 'k-123456789' },
			{ id: 8, email: 'f@example.com' },
			{ id: 9, email: 'g@example.com' },
			{ id: 10, email: 'h@example.com' },
			{ id: 11, email: 'i@example.com' },
		];
		const failures: Record<string, FailureSpec> = {
			2: { kind: 'http', status: 401, body: { message: 'Invalid token' } },
			3: {
				kind: 'httpDetails',
				status: 403,
				body: { error: { message: 'Forbidden', access_token: PLANTED_BEARER } },
			},
			4: { kind: 'http', status: 429, body: { message: 'Too many requests' }, retryAfter: '30' },
			5: { kind: 'http', status: 503, body: '<html>Service Unavailable</html>' },
			6: { kind: 'network', code: 'ECONNRESET', message: 'socket hang up' },
			7: {
				kind: 'httpDetails',
				status: 422,
				body: { errors: [{ field: 'email', message: 'is not a valid email' }] },
			},
			8: { kind: 'vendor', status: 401 },
			9: { kind: 'vendor', status: 429 },
			10: {
				kind: 'http',
				status: 400,
				body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
			},
			11: { kind: 'itemError', status: 500 },
		};
		const result = await captureRun(queue, records, failures, { depthThreshold: 5 });

		assert.deepEqual(
			result.output('Delivered', 0).map((item) => item.json.vendorId),
			['v-1'],
		);
		assert.deepEqual(result.nodes.Capture.outputNames, [...CAPTURE_OUTPUTS, NOT_CAPTURED]);
		const captured = result.output('Capture', 'Captured');
		const auth = result.output('Capture', 'Auth Failure');
		const classOf = (items: INodeExecutionData[]) =>
			Object.fromEntries(
				items.map((item) => [String(item.json.id ?? 'no-payload'), dl(item).class]),
			);
		assert.deepEqual(classOf(auth), { 2: 'auth', 3: 'auth', 8: 'auth', 10: 'auth' });
		// 11 lost its fields on n8n's error output (item.error): found again through its pairing.
		assert.deepEqual(classOf(captured), {
			4: 'rateLimit',
			5: 'transient',
			6: 'transient',
			7: 'data',
			9: 'rateLimit',
			11: 'transient',
		});

		// Each failed item leaves exactly once, paired with the error item it came from.
		const errorInputs = result.nodes.Capture.inputs[0];
		assert.equal(errorInputs.length, 10);
		const routed = [...captured, ...auth];
		assert.deepEqual(
			routed.map((item) => pairedItemsOf(item)!.length),
			new Array(10).fill(1),
		);
		assert.deepEqual(
			[...new Set(paired(routed).flat())].sort((a, b) => a! - b!),
			[0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
		);
		for (const item of routed) {
			const input = errorInputs[pairedItemsOf(item)![0].item];
			// (11's error item lost its fields to n8n: nothing to compare.)
			if (input.json.id !== undefined)
				assert.equal(item.json.id, input.json.id, 'paired with its own error item');
		}

		// The payload is the item as it was before the Vendor: no error, no details.
		const four = captured.find((item) => item.json.id === 4)!;
		assert.deepEqual(Object.keys(four.json).sort(), ['correlationId', 'deadLetter', 'email', 'id']);
		assert.match(
			String(four.json.correlationId),
			/^[0-9a-f-]{36}$/,
			'a correlation ID is assigned',
		);
		assert.equal(
			captured.find((item) => item.json.id === 5)!.json.correlationId,
			'corr-5',
			'an existing one is kept',
		);
		assert.deepEqual(
			{ ...dl(four), id: undefined, correlationId: undefined, idempotencyKey: undefined },
			{
				id: undefined,
				queue,
				outcome: 'captured',
				status: 'pending',
				class: 'rateLimit',
				reason: 'HTTP 429',
				attempt: 1,
				error: {
					message: "Try spacing your requests out using the batching settings under 'Options'",
					description: null,
					httpCode: 429,
					code: 'ERR_BAD_REQUEST',
				},
				correlationId: undefined,
				idempotencyKey: undefined,
			},
		);
		assert.match(String(dl(four).idempotencyKey), /^[0-9a-f]{64}$/);

		// One depth alert for the batch that crossed 5, paired with the first captured item.
		const alerts = result.output('Capture', 'Depth Alert');
		assert.equal(alerts.length, 1);
		assert.deepEqual(alerts[0].json.reasons, ['depth']);
		assert.equal(alerts[0].json.depth, 10);
		assert.equal(alerts[0].json.depthThreshold, 5);
		assert.deepEqual(alerts[0].pairedItem, { item: 0 });
		assertPairing(result);

		// What was stored: original payloads, classes, no secret anywhere.
		const stored = await listRecords(queue);
		assert.equal(stored.length, 10);
		const text = JSON.stringify(stored);
		assert.ok(!text.includes(PLANTED_BEARER), 'the bearer token is not stored');
		assert.ok(!text.includes('k-123456789'), 'the api key field is not stored');
		const storedThree = stored.find((record) => (record.payload as IDataObject).id === 3)!;
		assert.deepEqual((storedThree.payload as IDataObject).headers, { Authorization: '[REDACTED]' });
		assert.equal(((storedThree.deadLetter as IDataObject).error as IDataObject).httpCode, 403);
		assert.equal((storedThree.deadLetter as IDataObject).failedNode, 'Vendor');
		const storedSeven = stored.find((record) => (record.payload as IDataObject).id === 7)!;
		assert.equal((storedSeven.payload as IDataObject).apiKey, '[REDACTED]');
		assert.deepEqual(((storedSeven.deadLetter as IDataObject).error as IDataObject).body, {
			errors: [{ field: 'email', message: 'is not a valid email' }],
		});
		const storedFour = stored.find((record) => (record.payload as IDataObject).id === 4)!;
		assert.equal(
			((storedFour.deadLetter as IDataObject).error as IDataObject).retryAfterSeconds,
			30,
		);
	});

	test('one Depth Alert per crossing: not again while above, again after the queue went below', async () => {
		const queue = newQueue();
		const fail = (from: number, count: number) =>
			Array.from({ length: count }, (_, index) => ({ id: from + index }));
		const transient: Record<string, FailureSpec> = { '*': { kind: 'http', status: 503 } };
		const alertsOf = (result: EngineResult) => result.output('Capture', 'Depth Alert');

		assert.equal(
			alertsOf(await captureRun(queue, fail(1, 2), transient, { depthThreshold: 3 })).length,
			0,
		);
		assert.equal(
			alertsOf(await captureRun(queue, fail(3, 3), transient, { depthThreshold: 3 })).length,
			1,
			'crossed 3',
		);
		assert.equal(
			alertsOf(await captureRun(queue, fail(6, 2), transient, { depthThreshold: 3 })).length,
			0,
			'still above',
		);
		assert.equal(
			(await stats(queue, { depthThreshold: 3 })).output('DL', 'Depth Alert').length,
			0,
			'Stats sees no new crossing',
		);

		// Replay and resolve everything: the queue empties, Stats observes it below.
		const replayed = await replayAndResolve(queue, { maxRecords: 100 });
		assert.equal(replayed.output('Resolve', 'Resolved').length, 7);
		const empty = await stats(queue, { depthThreshold: 3 });
		assert.equal(empty.output('DL', 'Stats')[0].json.depth, 0);
		assert.equal(empty.output('DL', 'Depth Alert').length, 0);

		assert.equal(
			alertsOf(await captureRun(queue, fail(20, 4), transient, { depthThreshold: 3 })).length,
			1,
			'crossed again',
		);
	});

	test('Replay hands out the original payloads with ID, attempt, idempotency key; Resolve settles them', async () => {
		const queue = newQueue();
		await captureRun(
			queue,
			[
				{ id: 1, email: 'a@x.test', correlationId: 'c-1' },
				{ id: 2, email: 'b@x.test' },
				{ id: 3, email: 'c@x.test' },
			],
			{
				1: { kind: 'http', status: 503 },
				2: { kind: 'network', code: 'ETIMEDOUT', message: 'connect ETIMEDOUT' },
				3: { kind: 'http', status: 400, body: { message: 'email is required' } },
			},
		);
		const result = await replayAndResolve(queue, { classes: ['transient'] });
		const replayed = result.output('Replay', 'Replay');
		assert.deepEqual(result.nodes.Replay.outputNames, ['Replay', 'Not Replayed']);
		assert.deepEqual(ids(replayed), [1, 2]);
		assert.deepEqual(
			replayed.map((item) => item.json.email),
			['a@x.test', 'b@x.test'],
		);
		assert.equal(replayed[0].json.correlationId, 'c-1');
		for (const item of replayed) {
			assert.equal(dl(item).attempt, 2);
			assert.equal(dl(item).edited, false);
			assert.match(String(dl(item).idempotencyKey), /^[0-9a-f]{64}$/);
			assert.deepEqual(item.pairedItem, { item: 0 });
		}
		assert.deepEqual(result.output('Replay', 'Not Replayed'), []);
		const resolved = result.output('Resolve', 'Resolved');
		assert.deepEqual(
			resolved.map((item) => dl(item).id),
			replayed.map((item) => dl(item).id),
		);
		assert.deepEqual(
			resolved.map((item) => dl(item).resolved),
			[true, true],
		);
		assert.deepEqual(paired(resolved), [[0], [1]]);
		assert.deepEqual(result.output('Resolve', 'Not Resolved'), []);
		assertPairing(result);
		assertEachInputLeavesOnce(result, 'Resolve');

		const after = (await stats(queue)).output('DL', 'Stats')[0].json;
		assert.deepEqual(
			{
				depth: after.depth,
				pending: after.pending,
				resolved: after.resolved,
				byClass: after.byClass,
			},
			{
				depth: 1,
				pending: 1,
				resolved: 2,
				byClass: { auth: 0, rateLimit: 0, transient: 0, data: 1, unknown: 0 },
			},
		);

		// Resolving again: not open any more.
		const again = await run(
			buildWorkflow(
				[
					source(resolved.map((item) => ({ deadLetter: { id: dl(item).id } }))),
					deadLetter('Resolve', { operation: 'resolve', scope: queue }),
					...sinks('Resolve', 2).nodes,
				],
				[['Source', 'Resolve'], ...sinks('Resolve', 2).links],
			),
		);
		assert.equal(again.output('Resolve', 'Not Resolved').length, 2);
		assertEachInputLeavesOnce(again, 'Resolve');

		// Purge removes the resolved records only; Stats reports several queues, one item each.
		const purge = await single({ operation: 'purge', scope: queue, retentionDays: 0 });
		assert.deepEqual(
			{ ...purge.output('DL', 'Done')[0].json, olderThan: undefined },
			{ queue, purged: 2, olderThan: undefined },
		);
		assert.deepEqual(purge.output('DL', 'Done')[0].pairedItem, { item: 0 });
		const other = newQueue();
		const both = (await stats(queue, { options: { otherQueues: other } })).output('DL', 'Stats');
		assert.deepEqual(
			both.map((item) => [item.json.queue, item.json.depth, item.json.resolved]),
			[
				[queue, 1, 0],
				[other, 0, 0],
			],
		);
	});

	test('a lease that runs out returns the records to the queue, with the attempt counted', async () => {
		const queue = newQueue();
		await captureRun(queue, [{ id: 1 }, { id: 2 }], { '*': { kind: 'http', status: 502 } });
		const replay = { operation: 'replay', scope: queue, leaseMinutes: 0.03 };
		const first = await single(replay, 2);
		assert.deepEqual(ids(first.output('DL', 'Replay')), [1, 2]);
		assert.deepEqual(
			first.output('DL', 'Replay').map((item) => dl(item).attempt),
			[2, 2],
		);
		assert.deepEqual(
			ids((await single(replay, 2)).output('DL', 'Replay')),
			[],
			'leased: nobody else gets them',
		);
		const listed = await listRecords(queue, ['replaying']);
		assert.equal(listed.length, 2);

		await new Promise((resolve) => setTimeout(resolve, 2000));
		const third = await single(replay, 2);
		assert.deepEqual(ids(third.output('DL', 'Replay')), [1, 2], 'back after the lease ran out');
		assert.deepEqual(
			third.output('DL', 'Replay').map((item) => dl(item).attempt),
			[3, 3],
		);
	});

	test('records whose replays keep dying are parked as poison at Max Attempts, not handed out forever', async () => {
		const queue = newQueue();
		await captureRun(queue, [{ id: 1 }], { 1: { kind: 'http', status: 503 } });
		const replay = { operation: 'replay', scope: queue, leaseMinutes: 0.01, maxAttempts: 2 };
		assert.deepEqual(
			ids((await single(replay, 2)).output('DL', 'Replay')),
			[1],
			'attempt 2: replayed, then the replay "crashes"',
		);
		await new Promise((resolve) => setTimeout(resolve, 800));
		const parked = await single(replay, 2);
		assert.deepEqual(parked.output('DL', 'Replay'), []);
		const [notReplayed] = parked.output('DL', 'Not Replayed');
		assert.deepEqual(
			{
				status: dl(notReplayed).status,
				attempt: dl(notReplayed).attempt,
				reason: dl(notReplayed).notReplayedReason,
			},
			{
				status: 'poison',
				attempt: 3,
				reason: 'parked as poison: past Max Attempts',
			},
		);
		assert.deepEqual(notReplayed.pairedItem, { item: 0 });
		assert.equal((await stats(queue)).output('DL', 'Stats')[0].json.poison, 1);
	});

	test('Replay from input items: unknown, repeated and missing IDs leave on Not Replayed or the error output', async () => {
		const queue = newQueue();
		await captureRun(queue, [{ id: 1 }], { 1: { kind: 'http', status: 503 } });
		const [record] = await listRecords(queue);
		const id = (record.deadLetter as IDataObject).id;
		const out = sinks('Replay', 3);
		const result = await run(
			buildWorkflow(
				[
					source([
						{ deadLetter: { id: 'no-such-record' } },
						{ deadLetter: { id } },
						{ deadLetter: { id } },
						{ note: 'names nothing' },
					]),
					{
						...deadLetter('Replay', { operation: 'replay', scope: queue, source: 'items' }),
						onError: 'continueErrorOutput',
					},
					...out.nodes,
				],
				[['Source', 'Replay'], ...out.links],
			),
		);
		assert.deepEqual(result.nodes.Replay.outputNames, ['Replay', 'Not Replayed', 'Error']);
		const [replayed, notReplayed, errors] = result.outputs('Replay');
		assert.deepEqual(
			replayed.map((item) => [dl(item).id, item.pairedItem]),
			[[id, { item: 1 }]],
		);
		assert.deepEqual(
			notReplayed.map((item) => [item.pairedItem, dl(item).notReplayedReason]),
			[
				[{ item: 0 }, 'no such record in this queue'],
				[{ item: 2 }, 'named twice in this batch: replayed for the first item only'],
			],
		);
		assert.equal(errors.length, 1);
		assert.deepEqual(errors[0].pairedItem, { item: 3 });
		assert.match(String(errors[0].json.error), /Item 3 names no dead letter/);
		assertEachInputLeavesOnce(result, 'Replay');
	});

	test('concurrent replays never hand out the same record twice', async () => {
		const queue = newQueue();
		const records = Array.from({ length: 24 }, (_, index) => ({ id: index + 1 }));
		await captureRun(queue, records, { '*': { kind: 'http', status: 503 } }, { depthThreshold: 0 });
		const runs = await Promise.all(
			Array.from(
				{ length: 4 },
				async () => await single({ operation: 'replay', scope: queue, maxRecords: 8 }, 2),
			),
		);
		const handedOut = runs.flatMap((result) => ids(result.output('DL', 'Replay')));
		assert.equal(handedOut.length, 24);
		assert.equal(new Set(handedOut).size, 24, 'no record twice');
		for (const result of runs) assertPairing(result);
	});

	test('an edited payload is replayed instead of the stored one', async () => {
		const queue = newQueue();
		await captureRun(queue, [{ id: 7, email: 'not-an-email' }], {
			7: { kind: 'httpDetails', status: 422, body: { message: 'email is not valid' } },
		});
		const out = sinks('Replay', 2);
		const result = await run(
			buildWorkflow(
				[
					{ name: 'Start', type: TEST_NOOP },
					deadLetter('List', { operation: 'list', scope: queue, classes: ['data'] }),
					{ name: 'Fix', type: EDIT },
					deadLetter('Replay', { operation: 'replay', scope: queue, source: 'items' }),
					vendor({}, 'Vendor'),
					deadLetter('Resolve', {
						operation: 'resolve',
						scope: queue,
						idSource: 'expression',
						deadLetterId: "={{ $('Replay').item.json.deadLetter.id }}",
					}),
					...out.nodes,
				],
				[
					['Start', 'List'],
					['List', 'Fix'],
					['Fix', 'Replay'],
					...out.links,
					['Replay', 0, 'Vendor'],
					['Vendor', 0, 'Resolve'],
				],
			),
		);
		const replayed = result.output('Replay', 'Replay');
		assert.equal(replayed.length, 1);
		assert.equal(replayed[0].json.email, 'fixed@example.com');
		assert.equal(replayed[0].json.id, 7);
		assert.equal(dl(replayed[0]).edited, true);
		assert.deepEqual(replayed[0].pairedItem, { item: 0 });
		assert.deepEqual(
			result.output('Resolve', 'Resolved').map((item) => dl(item).resolved),
			[true],
		);
		assertPairing(result);
		assertEachInputLeavesOnce(result, 'Replay');
	});

	test('a replay that fails again goes back with attempt + 1, then is parked as poison at Max Attempts', async () => {
		const queue = newQueue();
		await captureRun(queue, [{ id: 1 }], { 1: { kind: 'http', status: 503 } }, { maxAttempts: 3 });
		const replayFailing = async () => {
			const out = sinks('Recapture', 4);
			return await run(
				buildWorkflow(
					[
						{ name: 'Start', type: TEST_NOOP },
						deadLetter('Replay', { operation: 'replay', scope: queue, maxAttempts: 3 }),
						// Drops the deadLetter field: Capture finds the record through the pairing.
						{ name: 'Map', type: MAP },
						vendor({ 1: { kind: 'http', status: 401, body: { error: 'invalid_token' } } }),
						deadLetter('Recapture', { operation: 'capture', scope: queue, maxAttempts: 3 }),
						...out.nodes,
					],
					[
						['Start', 'Replay'],
						['Replay', 0, 'Map'],
						['Map', 'Vendor'],
						['Vendor', 1, 'Recapture'],
						...out.links,
					],
				),
			);
		};
		const second = await replayFailing();
		const back = second.output('Recapture', 'Auth Failure');
		assert.equal(back.length, 1, 'the new failure is an auth failure');
		assert.deepEqual(
			{
				outcome: dl(back[0]).outcome,
				status: dl(back[0]).status,
				attempt: dl(back[0]).attempt,
				class: dl(back[0]).class,
			},
			{
				outcome: 'returned',
				status: 'pending',
				attempt: 2,
				class: 'auth',
			},
		);
		const records = await listRecords(queue);
		assert.equal(records.length, 1, 'the same record, not a new one');
		assert.equal(dl(back[0]).id, (records[0].deadLetter as IDataObject).id);
		assert.deepEqual(back[0].pairedItem, { item: 0 });
		assertPairing(second);

		const third = await replayFailing();
		const parked = third.output('Recapture', 'Auth Failure');
		assert.deepEqual(
			{
				outcome: dl(parked[0]).outcome,
				status: dl(parked[0]).status,
				attempt: dl(parked[0]).attempt,
			},
			{ outcome: 'poison', status: 'poison', attempt: 3 },
		);

		const counts = (await stats(queue)).output('DL', 'Stats')[0].json;
		assert.deepEqual({ depth: counts.depth, poison: counts.poison }, { depth: 0, poison: 1 });
		assert.deepEqual(
			ids((await single({ operation: 'replay', scope: queue }, 2)).output('DL', 'Replay')),
			[],
			'poison is never replayed',
		);
		const [record] = await listRecords(queue, ['poison']);
		assert.equal(
			((record.deadLetter as IDataObject).error as IDataObject).httpCode,
			401,
			'the latest error is kept',
		);
	});

	test('All Responses: failures hidden in 200 bodies are captured, the rest leave on Succeeded', async () => {
		const queue = newQueue();
		const responses = [
			{ ok: true, channel: 'C1' },
			{ ok: false, error: 'invalid_auth' },
			{ errcode: 45009, errmsg: 'api freq out of limit' },
			{ result: { state: 'REJECTED', note: 'duplicate order' } },
			{ data: { id: 1 } },
		];
		const out = sinks('Capture', 5);
		const result = await run(
			buildWorkflow(
				[
					source(responses),
					deadLetter('Capture', {
						operation: 'capture',
						scope: queue,
						incoming: 'responses',
						failurePatterns: {
							rules: [{ field: 'result.state', match: 'equals', value: 'REJECTED', class: 'data' }],
						},
					}),
					...out.nodes,
				],
				[['Source', 'Capture'], ...out.links],
			),
		);
		assert.deepEqual(result.nodes.Capture.outputNames, [
			...CAPTURE_OUTPUTS,
			'Succeeded',
			NOT_CAPTURED,
		]);
		assert.deepEqual(
			result.output('Capture', 'Succeeded').map((item) => item.json),
			[responses[0], responses[4]],
		);
		assert.deepEqual(paired(result.output('Capture', 'Succeeded')), [[0], [4]]);
		assert.deepEqual(
			result.output('Capture', 'Auth Failure').map((item) => [dl(item).class, dl(item).reason]),
			[['auth', 'error code invalid_auth']],
		);
		assert.deepEqual(
			result.output('Capture', 'Captured').map((item) => dl(item).class),
			['rateLimit', 'data'],
		);
		assert.deepEqual(paired(result.output('Capture', 'Captured')), [[2], [3]]);
		assertEachInputLeavesOnce(result, 'Capture');
	});

	test('a payload of several MB is kept whole, and binary data comes back on replay', async () => {
		const queue = newQueue();
		const big = 'x'.repeat(5 * 1024 * 1024);
		const out = sinks('Capture', 4);
		const flat = {
			name: 'Source',
			type: TEST_SOURCE,
			parameters: {
				items: JSON.stringify([{ id: 1, blob: big }]),
				binary: JSON.stringify({
					file: { content: 'hello pdf', fileName: 'a.pdf', mimeType: 'application/pdf' },
				}),
			},
		};
		await run(
			buildWorkflow(
				[
					flat,
					deadLetter('Capture', {
						operation: 'capture',
						scope: queue,
						options: { binaryContentMaxMb: 1 },
					}),
					...out.nodes,
				],
				[['Source', 'Capture'], ...out.links],
			),
		);
		const replay = await single({ operation: 'replay', scope: queue }, 2);
		const [item] = replay.output('DL', 'Replay');
		assert.equal((item.json.blob as string).length, big.length);
		assert.equal(item.json.blob, big);
		assert.equal(item.binary?.file.fileName, 'a.pdf');
		assert.equal((await replay.binary(item.binary!.file)).toString(), 'hello pdf');

		// Without Keep Binary Content, a reference to n8n's binary data is kept.
		const referenced = newQueue();
		await run(
			buildWorkflow(
				[flat, deadLetter('Capture', { operation: 'capture', scope: referenced }), ...out.nodes],
				[['Source', 'Capture'], ...out.links],
			),
		);
		const [again] = (await single({ operation: 'replay', scope: referenced }, 2)).output(
			'DL',
			'Replay',
		);
		assert.equal(again.binary?.file.mimeType, 'application/pdf');
		assert.match(String(again.binary?.file.id), /.+/);
	});

	test('when the store cannot be reached, failed items go to the error output, never to Captured', async () => {
		const out = sinks('Capture', 4);
		const workflow = buildWorkflow(
			[
				source([{ id: 1 }, { id: 2 }]),
				{
					...deadLetter('Capture', { operation: 'capture', store: 'postgres', scope: newQueue() }),
					onError: 'continueErrorOutput',
					credentials: { integrationGuardsPostgresApi: { id: '1', name: 'Unreachable' } },
				},
				...out.nodes,
			],
			[['Source', 'Capture'], ...out.links],
		);
		const result = await run(workflow, {
			integrationGuardsPostgresApi: {
				host: '127.0.0.1',
				port: 1,
				database: 'none',
				user: 'none',
				password: 'x',
				ssl: 'disable',
			},
		});
		const outputs = result.outputs('Capture');
		assert.deepEqual(result.nodes.Capture.outputNames, [...CAPTURE_OUTPUTS, NOT_CAPTURED, 'Error']);
		assert.deepEqual([outputs[0], outputs[1], outputs[2], outputs[3]], [[], [], [], []]);
		assert.equal(outputs[4].length, 2);
		// n8n rewrites a message naming ECONNREFUSED into its own text and keeps ours in the description.
		assert.match(
			String((outputs[4][0].json.details as IDataObject).description),
			/Postgres at 127\.0\.0\.1:1/,
		);
		assert.equal(outputs[4][0].json.id, 1, 'the error item keeps its fields');
		assertEachInputLeavesOnce(result, 'Capture');
	});

	// Issue 14, finding 2: the record stored (and replayed) is the one the failing node was sent.
	describe('the stored payload is the record that was sent, in every Incoming Items mode and failure shape', () => {
		const sent = [
			{ id: 1, email: 'ok@x.test' },
			{ id: 2, email: 'a@x.test', amount: 12.5 },
			// Fields an error item would clobber or that look like n8n's own error fields.
			{
				id: 3,
				email: 'b@x.test',
				error: null,
				details: { httpCode: 'none', note: 'customer field' },
			},
			{ id: 4, email: 'c@x.test', nested: { lines: [{ sku: 'A', qty: 2 }] } },
			{ id: 5, email: 'd@x.test', message: 'hello' },
		];
		const failedIds = [2, 3, 4, 5];

		/** Stored payloads by id, and what Replay hands out for them (without its own fields). */
		async function storedAndReplayed(
			queue: string,
		): Promise<{ stored: Record<string, unknown>; replayed: Record<string, unknown> }> {
			const records = await listRecords(queue);
			const stored = Object.fromEntries(
				records.map((record) => [String((record.payload as IDataObject).id), record.payload]),
			);
			const replay = await single({ operation: 'replay', scope: queue, maxRecords: 100 }, 2);
			const replayed = Object.fromEntries(
				replay.output('DL', 'Replay').map((item) => {
					const rest = { ...item.json };
					delete rest.deadLetter;
					delete rest.correlationId;
					return [String(rest.id), rest];
				}),
			);
			return { stored, replayed };
		}

		function assertSent(
			result: { stored: Record<string, unknown>; replayed: Record<string, unknown> },
			label: string,
		) {
			const expected = Object.fromEntries(
				sent
					.filter((record) => failedIds.includes(record.id))
					.map((record) => [String(record.id), record]),
			);
			assert.deepEqual(result.stored, expected, `${label}: stored payloads`);
			assert.deepEqual(result.replayed, expected, `${label}: replayed payloads`);
		}

		const errorShapes: Array<[string, FailureSpec]> = [
			[
				'HTTP Request 4.2 error (json.error)',
				{ kind: 'http', status: 503, body: { message: 'down' } },
			],
			[
				'HTTP Request 4.5 error with details',
				{ kind: 'httpDetails', status: 422, body: { errors: [{ message: 'bad' }] } },
			],
			['vendor node error (message only)', { kind: 'vendor', status: 500 }],
			['item.error (json replaced by n8n)', { kind: 'itemError', status: 500 }],
		];
		for (const [label, spec] of errorShapes) {
			test(`Failed Items from the error output: ${label}`, async () => {
				const queue = newQueue();
				const failures = Object.fromEntries(failedIds.map((id) => [String(id), spec]));
				const result = await captureRun(queue, sent, failures);
				assertEachInputLeavesOnce(result, 'Capture');
				assertSent(await storedAndReplayed(queue), label);
			});
		}

		const responseShapes: Array<[string, (id: number) => IDataObject, IDataObject]> = [
			[
				'{"success":false} in a 200',
				(id) => ({ success: false, message: `record ${id} rejected` }),
				{},
			],
			[
				'errors:[...] in a 200',
				(id) => ({ data: null, errors: [{ message: `invalid record ${id}` }] }),
				{},
			],
			['{ok:false} in a 200', () => ({ ok: false, error: 'invalid_auth' }), {}],
			[
				'HTTP Request "Never Error" with the status code',
				() => ({
					statusCode: 422,
					headers: { 'content-type': 'application/json' },
					body: { message: 'unprocessable' },
				}),
				{
					failurePatterns: {
						rules: [
							{ field: 'statusCode', match: 'regex', value: '^[45][0-9][0-9]$', class: 'auto' },
						],
					},
				},
			],
			[
				'an error item on the regular output ("Continue (using regular output)")',
				(id) => ({ $error: `request ${id} failed` }),
				{},
			],
		];
		for (const [label, response, extra] of responseShapes) {
			test(`All Responses: ${label}`, async () => {
				const queue = newQueue();
				const responses = Object.fromEntries(failedIds.map((id) => [String(id), response(id)]));
				const out = sinks('Capture', 5);
				const result = await run(
					buildWorkflow(
						[
							source(sent),
							{
								name: 'Vendor',
								type: RESPONDER,
								parameters: { responses: JSON.stringify(responses) },
							},
							deadLetter('Capture', {
								operation: 'capture',
								scope: queue,
								incoming: 'responses',
								...extra,
							}),
							...out.nodes,
						],
						[['Source', 'Vendor'], ['Vendor', 'Capture'], ...out.links],
					),
				);
				assert.deepEqual(
					result.output('Capture', 'Succeeded').map((item) => item.json),
					[{ ok: true, received: 1 }],
					'the success passes on as answered',
				);
				const captured = [
					...result.output('Capture', 'Captured'),
					...result.output('Capture', 'Auth Failure'),
				];
				assert.deepEqual(
					captured.map((item) => item.json.id).sort(),
					failedIds,
					'Captured shows the record, not the response',
				);
				assertEachInputLeavesOnce(result, 'Capture');
				assertSent(await storedAndReplayed(queue), label);
			});
		}

		test("Failed Items behind a node that handles the error (a Rate Limiter's Give Up): the record without the error", async () => {
			const queue = newQueue();
			const failures = Object.fromEntries(
				failedIds.map((id) => [
					String(id),
					{ kind: 'httpDetails', status: 503, body: { message: 'down' } } as FailureSpec,
				]),
			);
			const out = sinks('Capture', 4);
			await run(
				buildWorkflow(
					[
						source(sent),
						vendor(failures),
						{ name: 'Back Off', type: TEST_NOOP },
						deadLetter('Capture', { operation: 'capture', scope: queue }),
						...out.nodes,
					],
					[['Source', 'Vendor'], ['Vendor', 1, 'Back Off'], ['Back Off', 'Capture'], ...out.links],
				),
			);
			const records = await listRecords(queue);
			const stored = Object.fromEntries(
				records.map((record) => [String((record.payload as IDataObject).id), record.payload]),
			);
			// Record 3's own error: null and details survive only where n8n did not overwrite them: here the error output did.
			assert.deepEqual(stored['2'], sent[1]);
			assert.deepEqual(stored['4'], sent[3]);
			assert.deepEqual(stored['5'], sent[4]);
			assert.equal((stored['3'] as IDataObject).email, 'b@x.test');
			assert.ok(!('error' in (stored['2'] as IDataObject)), 'no error field in the record');
		});

		/** Start → the given nodes → Capture; the payloads stored. */
		async function storedAfter(nodes: NodeSpec[], capture: IDataObject): Promise<unknown[]> {
			const queue = newQueue();
			const out = sinks('Capture', 5);
			const chain = [
				{ name: 'Start', type: TEST_NOOP },
				...nodes,
				deadLetter('Capture', { operation: 'capture', scope: queue, ...capture }),
			];
			const links = chain.slice(1).map((node, index): Link => [chain[index].name, node.name]);
			await run(buildWorkflow([...chain, ...out.nodes], [...links, ...out.links]));
			return (await listRecords(queue)).map((record) => record.payload);
		}

		test("failed items a node made itself after a trigger are kept as they are, not as the trigger's item", async () => {
			const marked = {
				id: 8,
				email: 'm@x.test',
				error: { message: 'Service temporarily unavailable', httpCode: 503 },
			};
			assert.deepEqual(await storedAfter([source([marked])], {}), [{ id: 8, email: 'm@x.test' }]);
		});

		test('Stored Payload: This Item keeps the item Capture receives, the response here', async () => {
			const responder = {
				name: 'Vendor',
				type: RESPONDER,
				parameters: { responses: JSON.stringify({ 9: { success: false, message: 'no' } }) },
			};
			const capture = { incoming: 'responses', options: { payloadFrom: 'item' } };
			assert.deepEqual(
				await storedAfter([source([{ id: 9, email: 'x@x.test' }]), responder], capture),
				[{ success: false, message: 'no' }],
			);
			assert.deepEqual(
				await storedAfter([source([{ id: 9, email: 'x@x.test' }]), responder], {
					incoming: 'responses',
				}),
				[{ id: 9, email: 'x@x.test' }],
				'by default: the record sent',
			);
		});
	});

	// Issue 14, finding 7: a replay marker is trusted only when its Replay signed it for the lease.
	describe('forged replay markers', () => {
		async function openRecord(queue: string): Promise<IDataObject> {
			await captureRun(
				queue,
				[{ id: 1, email: 'victim@x.test' }],
				{ 1: { kind: 'http', status: 503, body: { message: 'victim error' } } },
				{ maxAttempts: 2 },
			);
			const [record] = await listRecords(queue);
			return record.deadLetter as IDataObject;
		}

		async function assertUntouched(queue: string, victim: IDataObject) {
			const [after] = (
				await listRecords(queue, ['pending', 'replaying', 'poison', 'resolved'])
			).filter((record) => (record.deadLetter as IDataObject).id === victim.id);
			const view = after.deadLetter as IDataObject;
			assert.deepEqual(
				{ status: view.status, attempt: view.attempt, error: view.error },
				{ status: 'pending', attempt: 1, error: victim.error },
				'the victim record is untouched',
			);
			assert.deepEqual(after.payload, { id: 1, email: 'victim@x.test' });
		}

		const forgeries: Array<[string, (victim: IDataObject, queue: string) => IDataObject]> = [
			[
				'a bare marker (as before signatures)',
				(victim, queue) => ({ id: victim.id, queue, attempt: 2 }),
			],
			[
				'a marker with a made-up owner and MAC',
				(victim, queue) => ({
					id: victim.id,
					queue,
					attempt: 2,
					owner: 'replay:1:x',
					mac: 'a'.repeat(64),
				}),
			],
			[
				'a marker with a malformed MAC',
				(victim, queue) => ({ id: victim.id, queue, attempt: 9, owner: 'replay:1:x', mac: 'zz' }),
			],
		];
		for (const [label, forge] of forgeries) {
			test(`Capture: ${label} cannot park, overwrite or settle another record, nor keep its own failure out of the queue`, async () => {
				const queue = newQueue();
				const victim = await openRecord(queue);
				const forged = { id: 66, email: 'attacker@x.test', deadLetter: forge(victim, queue) };
				const result = await captureRun(
					queue,
					[forged],
					{ 66: { kind: 'http', status: 400, body: { message: 'attacker error' } } },
					{ maxAttempts: 2 },
				);
				const [item] = [
					...result.output('Capture', 'Captured'),
					...result.output('Capture', 'Auth Failure'),
				];
				assert.equal(dl(item).outcome, 'captured', 'stored as a new record');
				assert.notEqual(dl(item).id, victim.id);
				assert.match(String(dl(item).untrustedMarker), /.+/);
				assertEachInputLeavesOnce(result, 'Capture');
				await assertUntouched(queue, victim);
				const records = await listRecords(queue);
				assert.equal(records.length, 2, 'the forged item is in the queue too');
				assert.deepEqual(
					records.find((record) => (record.deadLetter as IDataObject).id === dl(item).id)!.payload,
					{ id: 66, email: 'attacker@x.test' },
				);
			});

			test(`Resolve: ${label} is refused on Not Resolved, with the reason`, async () => {
				const queue = newQueue();
				const victim = await openRecord(queue);
				const out = sinks('Resolve', 2);
				const result = await run(
					buildWorkflow(
						[
							source([{ deadLetter: forge(victim, queue) }]),
							{
								...deadLetter('Resolve', { operation: 'resolve', scope: queue }),
								onError: 'continueErrorOutput',
							},
							...out.nodes,
						],
						[['Source', 'Resolve'], ...out.links],
					),
				);
				assert.deepEqual(result.output('Resolve', 'Resolved'), []);
				const [refused] = result.output('Resolve', 'Not Resolved');
				assert.equal(dl(refused).resolved, false);
				assert.match(
					String(dl(refused).notResolvedReason),
					/not bound to a replay of this queue|no Replay signed it/,
				);
				assertEachInputLeavesOnce(result, 'Resolve');
				await assertUntouched(queue, victim);
			});
		}

		test('a genuine marker moved onto another item, or edited, is not trusted; the genuine one still settles', async () => {
			const queue = newQueue();
			const victim = await openRecord(queue);
			const replay = await single({ operation: 'replay', scope: queue }, 2);
			const [replayed] = replay.output('DL', 'Replay');
			const genuine = dl(replayed);
			assert.match(String(genuine.mac), /^[0-9a-f]{64}$/);
			const out = sinks('Resolve', 2);
			const result = await run(
				buildWorkflow(
					[
						source([
							{ deadLetter: { ...genuine, attempt: 7 } },
							{ deadLetter: { ...genuine, owner: 'replay:other' } },
							{ deadLetter: genuine },
						]),
						deadLetter('Resolve', { operation: 'resolve', scope: queue }),
						...out.nodes,
					],
					[['Source', 'Resolve'], ...out.links],
				),
			);
			assert.deepEqual(paired(result.output('Resolve', 'Not Resolved')), [[0], [1]]);
			assert.deepEqual(paired(result.output('Resolve', 'Resolved')), [[2]]);
			assert.equal(dl(result.output('Resolve', 'Resolved')[0]).id, victim.id);
		});
	});

	test("Stats: Other Queues cannot name another workflow's own queue", async () => {
		const result = await runWorkflow({
			workflow: buildWorkflow(
				[
					{ name: 'Start', type: TEST_NOOP },
					deadLetter('DL', {
						operation: 'stats',
						scope: newQueue(),
						options: { otherQueues: 'workflow-4711' },
					}),
				],
				[['Start', 'DL']],
			),
			nodeTypes,
		});
		assert.equal(result.status, 'error');
		assert.match(String(result.error?.message), /Other Queues "workflow-4711" is reserved/);
	});

	// Issue 14, finding 11: settled records have a bounded lifetime; open records a cap.
	test('settled records past retention are deleted by Capture on its own, at most once per interval', async () => {
		const queue = newQueue();
		await captureRun(queue, [{ id: 1 }, { id: 2 }], { '*': { kind: 'http', status: 503 } });
		assert.equal((await replayAndResolve(queue, {})).output('Resolve', 'Resolved').length, 2);
		// Default retention (30 days): a capture now keeps them.
		await captureRun(queue, [{ id: 3 }], { '*': { kind: 'http', status: 503 } });
		assert.equal((await stats(queue)).output('DL', 'Stats')[0].json.resolved, 2);
		await new Promise((resolve) => setTimeout(resolve, 1200));
		// A retention of about a second: the next capture deletes them.
		await captureRun(
			queue,
			[{ id: 4 }],
			{ '*': { kind: 'http', status: 503 } },
			{ options: { retentionDays: 0.00001 } },
		);
		const counts = (await stats(queue)).output('DL', 'Stats')[0].json;
		assert.deepEqual(
			{ resolved: counts.resolved, pending: counts.pending },
			{ resolved: 0, pending: 2 },
			'settled records gone, open ones kept',
		);
	});

	test('Max Open Records: past the cap new failures leave as errors with the reason, never dropped silently', async () => {
		const queue = newQueue();
		const records = Array.from({ length: 5 }, (_, index) => ({ id: index + 1 }));
		const out = sinks('Capture', 4);
		const result = await run(
			buildWorkflow(
				[
					source(records),
					vendor({ '*': { kind: 'http', status: 503 } }),
					{
						...deadLetter('Capture', {
							operation: 'capture',
							scope: queue,
							options: { maxOpenRecords: 3 },
						}),
						onError: 'continueErrorOutput',
					},
					...out.nodes,
					{ name: 'Errors', type: TEST_NOOP },
				],
				[['Source', 'Vendor'], ['Vendor', 1, 'Capture'], ...out.links, ['Capture', 4, 'Errors']],
			),
		);
		assert.deepEqual(ids(result.output('Capture', 'Captured')), [1, 2, 3]);
		const refused = result.output('Capture', 'Error');
		assert.deepEqual(
			refused.map((item) => item.json.id),
			[4, 5],
		);
		assert.match(
			String(refused[0].json.error),
			/not captured: dead-letter queue ".+" holds 3 open records \(Max Open Records\)/,
		);
		assertEachInputLeavesOnce(result, 'Capture');
		assert.equal((await stats(queue)).output('DL', 'Stats')[0].json.depth, 3);

		// Without On Error: Continue the node fails, naming the cap.
		const failing = await runWorkflow({
			workflow: buildWorkflow(
				[
					source([{ id: 6 }]),
					vendor({ '*': { kind: 'http', status: 503 } }),
					deadLetter('Capture', {
						operation: 'capture',
						scope: queue,
						options: { maxOpenRecords: 3 },
					}),
				],
				[
					['Source', 'Vendor'],
					['Vendor', 1, 'Capture'],
				],
			),
			nodeTypes,
		});
		assert.equal(failing.status, 'error');
		assert.match(String(failing.error?.message), /Max Open Records/);
	});

	// Issue 14, finding 1: with the store unreachable no operation emits on a happy path.
	const backends: Array<{
		label: string;
		store: IDataObject;
		credentials: CredentialFixtures;
		names: RegExp;
		block?: () => () => void;
	}> = [
		{
			label: 'Postgres credential pointing at a closed port',
			store: { store: 'postgres' },
			credentials: {
				integrationGuardsPostgresApi: {
					host: '127.0.0.1',
					port: 1,
					database: 'none',
					user: 'none',
					password: 'x',
					ssl: 'disable',
				},
			},
			names: /Postgres at 127\.0\.0\.1:1/,
		},
		{
			label: 'embedded store folder unusable',
			store: { store: 'embedded' },
			credentials: {},
			names: /embedded store|SQLite|guards\.sqlite/i,
			// A file where the store's folder goes: the store cannot be opened (root ignores permissions).
			block: () => {
				const folder = path.join(engineN8nFolder, 'storage', 'integration-guards');
				const aside = `${folder}.aside`;
				if (existsSync(folder)) renameSync(folder, aside);
				writeFileSync(folder, 'not a folder');
				return () => {
					rmSync(folder, { force: true });
					if (existsSync(aside)) renameSync(aside, folder);
				};
			},
		},
	];
	for (const backend of backends) {
		describe(`store unreachable (${backend.label}): every operation fails closed`, () => {
			let unblock: (() => void) | undefined;
			before(async () => {
				await closeAllStores();
				unblock = backend.block?.();
			});
			after(async () => {
				await closeAllStores();
				unblock?.();
			});
			const operations: Array<[string, IDataObject, string[], string]> = [
				['Capture', { operation: 'capture' }, [...CAPTURE_OUTPUTS, NOT_CAPTURED], NOT_CAPTURED],
				[
					'Capture (All Responses)',
					{
						operation: 'capture',
						incoming: 'responses',
						failurePatterns: { rules: [{ field: 'id', match: 'exists', class: 'data' }] },
					},
					[...CAPTURE_OUTPUTS, 'Succeeded', NOT_CAPTURED],
					NOT_CAPTURED,
				],
				[
					'Replay (from the queue)',
					{ operation: 'replay' },
					['Replay', 'Not Replayed'],
					'Not Replayed',
				],
				[
					'Replay (named by items)',
					{ operation: 'replay', source: 'items' },
					['Replay', 'Not Replayed'],
					'Not Replayed',
				],
				// By expression: the store must answer (a marker that does not verify is refused without it).
				[
					'Resolve',
					{
						operation: 'resolve',
						idSource: 'expression',
						deadLetterId: '={{ $json.deadLetter.id }}',
					},
					['Resolved', 'Not Resolved'],
					'Not Resolved',
				],
				['List', { operation: 'list' }, ['Records'], 'Records'],
				['Stats', { operation: 'stats' }, ['Stats', 'Depth Alert'], 'Stats'],
				['Purge', { operation: 'purge' }, ['Done'], 'Done'],
			];
			const inputs = [
				{ id: 1, error: 'failed upstream', deadLetter: { id: 'r-1', queue: 'q', attempt: 2 } },
				{ id: 2, error: 'failed upstream', deadLetter: { id: 'r-2', queue: 'q', attempt: 2 } },
			];
			for (const [label, parameters, outputNames, refusal] of operations) {
				for (const onError of [
					'continueErrorOutput',
					'continueRegularOutput',
					undefined,
				] as const) {
					test(`${label}, ${onError ?? 'no On Error setting'}`, async () => {
						const node = {
							...deadLetter('DL', { ...parameters, ...backend.store, scope: newQueue() }),
							...(onError ? { onError } : {}),
							...(backend.store.store === 'postgres'
								? {
										credentials: { integrationGuardsPostgresApi: { id: '1', name: 'Unreachable' } },
									}
								: {}),
						};
						// n8n names a single output "Success" once the error output is added.
						const names =
							onError === 'continueErrorOutput'
								? [...(outputNames.length === 1 ? ['Success'] : outputNames), 'Error']
								: outputNames;
						const out = sinks('DL', names.length);
						const result = await runWorkflow({
							workflow: buildWorkflow(
								[source(inputs), node, ...out.nodes],
								[['Source', 'DL'], ...out.links],
							),
							nodeTypes,
							credentials: backend.credentials,
						});
						if (onError === undefined) {
							assert.equal(result.status, 'error');
							assert.match(`${result.error?.message} ${result.error?.description}`, backend.names);
							return;
						}
						assert.equal(result.status, 'success', result.error?.message);
						assert.deepEqual(result.nodes.DL.outputNames, names);
						const where = onError === 'continueErrorOutput' ? 'Error' : refusal;
						result.outputs('DL').forEach((items, index) => {
							if (names[index] !== where) assert.deepEqual(items, [], `nothing on ${names[index]}`);
						});
						const failed = result.output('DL', where);
						assert.deepEqual(
							failed.map((item) => item.json.id),
							[1, 2],
							`every item on ${where}`,
						);
						for (const item of failed)
							assert.match(
								`${String(item.json.error)} ${String((item.json.details as IDataObject).description)}`,
								backend.names,
							);
						assertEachInputLeavesOnce(result, 'DL');
					});
				}
			}
		});
	}

	// Version 1 (saved before Not Captured existed): its outputs and its error output's index stay where
	// saved workflows wired them, and what cannot be stored leaves on Auth Failure, never on Captured.
	test('Capture version 1 keeps its outputs; a store outage leaves on the error output it had, or on Auth Failure', async () => {
		const unreachable: CredentialFixtures = {
			integrationGuardsPostgresApi: {
				host: '127.0.0.1',
				port: 1,
				database: 'none',
				user: 'none',
				password: 'x',
				ssl: 'disable',
			},
		};
		const inputs = [
			{ id: 1, error: 'failed upstream' },
			{ id: 2, error: 'failed upstream' },
		];
		for (const onError of ['continueErrorOutput', 'continueRegularOutput'] as const) {
			const node = {
				...deadLetter('DL', { operation: 'capture', store: 'postgres', scope: newQueue() }),
				typeVersion: 1,
				onError,
				credentials: { integrationGuardsPostgresApi: { id: '1', name: 'Unreachable' } },
			};
			const names =
				onError === 'continueErrorOutput' ? [...CAPTURE_OUTPUTS, 'Error'] : CAPTURE_OUTPUTS;
			const out = sinks('DL', names.length);
			const result = await runWorkflow({
				workflow: buildWorkflow(
					[source(inputs), node, ...out.nodes],
					[['Source', 'DL'], ...out.links],
				),
				nodeTypes,
				credentials: unreachable,
			});
			assert.equal(result.status, 'success', result.error?.message);
			assert.deepEqual(result.nodes.DL.outputNames, names);
			const where = onError === 'continueErrorOutput' ? 'Error' : 'Auth Failure';
			assert.equal(names.indexOf(where), onError === 'continueErrorOutput' ? 3 : 1);
			result.outputs('DL').forEach((items, index) => {
				if (names[index] !== where) assert.deepEqual(items, [], `nothing on ${names[index]}`);
			});
			assert.deepEqual(
				result.output('DL', where).map((item) => item.json.id),
				[1, 2],
				`every item on ${where}`,
			);
			assertEachInputLeavesOnce(result, 'DL');
		}
	});
});

/** Replay → Vendor (recovered) → Resolve, with a sink on every output. */
async function replayAndResolve(queue: string, replay: IDataObject): Promise<EngineResult> {
	const replayOut = sinks('Replay', 2);
	const resolveOut = sinks('Resolve', 2);
	return await run(
		buildWorkflow(
			[
				{ name: 'Start', type: TEST_NOOP },
				deadLetter('Replay', { operation: 'replay', scope: queue, ...replay }),
				vendor({}),
				deadLetter('Resolve', { operation: 'resolve', scope: queue }),
				...replayOut.nodes.slice(1),
				...resolveOut.nodes,
			],
			[
				['Start', 'Replay'],
				['Replay', 0, 'Vendor'],
				replayOut.links[1],
				['Vendor', 0, 'Resolve'],
				...resolveOut.links,
			],
		),
	);
}
