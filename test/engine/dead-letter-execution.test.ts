/**
 * Dead Letter's Capture Failed Execution (issue 19, item 3) through the real n8n engine:
 * an error workflow's item names a failed execution; the node reads it from a stand-in
 * of n8n's public API (GET /api/v1/executions/{id}?includeData=true, the API key in a
 * header), takes the items its failed node was given, and stores one record each,
 * classified from that node's error, named with its workflow, node and execution. The
 * real n8n is in test/e2e/dead-letter-failed-execution.test.ts.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INode } from 'n8n-workflow';

import { DeadLetter } from '../../nodes/DeadLetter/DeadLetter.node';
import { closeAllStores } from '../../nodes/shared/stores/factory';
import {
	assertPairing,
	buildWorkflow,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
	type CredentialFixtures,
	type EngineResult,
	type Link,
} from './harness';

const DEAD_LETTER = 'n8n-nodes-integration-guards.deadLetter';
const API_KEY = 'n8n_api_test_key_0123456789';
const RECORDS = [
	{ id: 1, email: 'a@example.com', api_key: 'k_live_secret_0001' },
	{ id: 2, email: 'b@example.com' },
	{ id: 3, email: 'c@example.com' },
];

function failedExecution(
	id: string,
	error: IDataObject,
	failedNode = 'Upsert Contact',
): IDataObject {
	return {
		id,
		finished: false,
		mode: 'trigger',
		status: 'error',
		workflowId: 'wf-7',
		workflowData: { id: 'wf-7', name: 'Sync Contacts' },
		data: {
			resultData: {
				runData: {
					Start: [{ data: { main: [[{ json: {} }]] }, source: [] }],
					'Make Records': [
						{
							data: { main: [RECORDS.map((json) => ({ json, pairedItem: { item: 0 } }))] },
							source: [{ previousNode: 'Start' }],
						},
					],
					[failedNode]: [
						{
							error,
							source: [{ previousNode: 'Make Records', previousNodeOutput: 0, previousNodeRun: 0 }],
						},
					],
				},
				lastNodeExecuted: failedNode,
				error,
			},
		},
	};
}

const HTTP_503 = {
	message: 'Service unavailable - try again later',
	description: 'upstream down',
	httpCode: '503',
	name: 'NodeApiError',
	node: { name: 'Upsert Contact' },
};

interface Api {
	server: Server;
	url: string;
	executions: Map<string, IDataObject>;
	keys: string[];
}

async function startApi(): Promise<Api> {
	const executions = new Map<string, IDataObject>();
	const keys: string[] = [];
	const server = createServer((request, response) => {
		keys.push(String(request.headers['x-n8n-api-key']));
		const url = new URL(request.url ?? '/', 'http://x');
		const match = /^\/api\/v1\/executions\/([^/]+)$/.exec(url.pathname);
		const answer = (status: number, body: unknown) => {
			response.writeHead(status, { 'content-type': 'application/json' });
			response.end(JSON.stringify(body));
		};
		if (request.headers['x-n8n-api-key'] !== API_KEY)
			return answer(401, { message: 'unauthorized' });
		if (!match || url.searchParams.get('includeData') !== 'true')
			return answer(400, { message: 'bad' });
		const execution = executions.get(decodeURIComponent(match[1]));
		return execution ? answer(200, execution) : answer(404, { message: 'Not Found' });
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		server,
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		executions,
		keys,
	};
}

let api: Api;
let queues = 0;
const newQueue = () => `engine-dl-exec-${process.pid}-${++queues}`;
const OUTPUTS = ['Captured', 'Auth Failure', 'Depth Alert', 'Not Captured'];

/** Error Trigger items (as n8n gives them) → Capture Failed Execution → a sink per output. */
async function capture(
	queue: string,
	triggerItems: IDataObject[],
	node: Partial<INode> = {},
	apiKey = API_KEY,
	store: { parameters: IDataObject; credentials: CredentialFixtures } = {
		parameters: {},
		credentials: {},
	},
): Promise<EngineResult> {
	return await runWorkflow({
		workflow: buildWorkflow(
			[
				{
					name: 'Error Trigger',
					type: TEST_SOURCE,
					parameters: { items: JSON.stringify(triggerItems) },
				},
				{
					name: 'Capture',
					type: DEAD_LETTER,
					typeVersion: 2.2,
					parameters: {
						operation: 'captureExecution',
						scope: queue,
						...store.parameters,
					} as INode['parameters'],
					credentials: {
						integrationGuardsN8nApi: { id: 'n8n-1', name: 'n8n' },
						integrationGuardsPostgresApi: { id: 'pg-1', name: 'Postgres' },
					},
					...node,
				},
				...OUTPUTS.map((name) => ({ name, type: TEST_NOOP })),
			],
			[
				['Error Trigger', 'Capture'],
				...OUTPUTS.map((name, index): Link => ['Capture', index, name]),
			],
		),
		nodeTypes: { [DEAD_LETTER]: DeadLetter },
		credentials: {
			integrationGuardsN8nApi: { baseUrl: `${api.url}/`, apiKey },
			...store.credentials,
		},
	});
}

const trigger = (id: string) => ({
	execution: { id, lastNodeExecuted: 'Upsert Contact', error: { message: 'x' }, mode: 'trigger' },
	workflow: { id: 'wf-7', name: 'Sync Contacts' },
});

async function replayed(queue: string): Promise<IDataObject[]> {
	const result = await runWorkflow({
		workflow: buildWorkflow(
			[
				{ name: 'Start', type: TEST_NOOP },
				{
					name: 'Replay',
					type: DEAD_LETTER,
					typeVersion: 2.2,
					parameters: { operation: 'replay', scope: queue } as INode['parameters'],
				},
				{ name: 'Sent', type: TEST_NOOP },
			],
			[
				['Start', 'Replay'],
				['Replay', 0, 'Sent'],
			],
		),
		nodeTypes: { [DEAD_LETTER]: DeadLetter },
	});
	assert.equal(result.status, 'success', result.error?.message);
	return result.output('Replay', 'Replay').map((item) => item.json);
}

describe('Dead Letter: Capture Failed Execution', () => {
	before(async () => {
		await startEngine();
		api = await startApi();
	});
	after(async () => {
		await closeAllStores();
		await stopEngine();
		api?.server.close();
	});

	test('one record per item the failed node was given, classed from its error, named with workflow, node and execution', async () => {
		const queue = newQueue();
		api.executions.set('42', failedExecution('42', HTTP_503));
		const result = await capture(queue, [trigger('42')]);
		assert.equal(result.status, 'success', result.error?.message);
		assert.deepEqual(result.nodes.Capture.outputNames, OUTPUTS);
		const captured = result.output('Capture', 'Captured');
		assert.equal(captured.length, 3);
		for (const item of captured) {
			assert.deepEqual(item.pairedItem, { item: 0 });
			const summary = item.json.deadLetter as IDataObject;
			assert.equal(summary.class, 'transient');
			assert.equal(summary.outcome, 'captured');
			assert.equal(summary.failedNode, 'Upsert Contact');
			assert.deepEqual(summary.workflow, { id: 'wf-7', name: 'Sync Contacts' });
			assert.equal(summary.executionId, '42');
			assert.equal((summary.error as IDataObject).httpCode, 503);
		}
		assertPairing(result);
		assert.ok(
			api.keys.every((key) => key === API_KEY),
			'the API key goes in its header',
		);

		// The same failed execution again (an error workflow retried): nothing stored twice.
		const again = await capture(queue, [trigger('42')]);
		assert.deepEqual(
			again
				.output('Capture', 'Captured')
				.map((item) => (item.json.deadLetter as IDataObject).outcome),
			['alreadyCaptured', 'alreadyCaptured', 'alreadyCaptured'],
		);

		// A replay sends each record as the failed node was given it.
		const sent = await replayed(queue);
		assert.deepEqual(
			sent.map((json) => json.payload),
			[{ ...RECORDS[0], api_key: '[REDACTED]' }, RECORDS[1], RECORDS[2]].slice(1),
			'records 2 and 3; record 1 lost its api_key to redaction',
		);
	});

	test('an auth error routes every record to Auth Failure', async () => {
		const queue = newQueue();
		api.executions.set(
			'43',
			failedExecution('43', {
				message: 'Authorization failed - please check your credentials',
				httpCode: '401',
				node: { name: 'Upsert Contact' },
			}),
		);
		const result = await capture(queue, [trigger('43')]);
		assert.equal(result.output('Capture', 'Auth Failure').length, 3);
		assert.equal(result.output('Capture', 'Captured').length, 0);
	});

	test('what cannot be read leaves on Not Captured with the reason, under Continue; otherwise the node fails', async () => {
		const queue = newQueue();
		api.executions.set('44', { id: '44', status: 'error', data: { resultData: {} } });
		const trig = failedExecution('45', HTTP_503);
		((trig.data as IDataObject).resultData as IDataObject).runData = {
			Trigger: [{ error: HTTP_503, source: [] }],
		};
		((trig.data as IDataObject).resultData as IDataObject).lastNodeExecuted = 'Trigger';
		((trig.data as IDataObject).resultData as IDataObject).error = {
			...HTTP_503,
			node: { name: 'Trigger' },
		};
		api.executions.set('45', trig);
		api.executions.set('46', failedExecution('46', HTTP_503));
		const items = [trigger('404'), trigger('44'), trigger('45'), { execution: {} }, trigger('46')];
		const result = await capture(queue, items, { onError: 'continueRegularOutput' });
		assert.equal(result.status, 'success', result.error?.message);
		const refused = result.output('Capture', 'Not Captured');
		assert.deepEqual(
			refused.map((item) => item.pairedItem),
			[{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }],
		);
		assert.match(String(refused[0].json.error), /execution 404 was not found/);
		assert.match(String(refused[1].json.error), /was saved without its data/);
		assert.match(String(refused[2].json.error), /failed at "Trigger", which was given no items/);
		assert.match(String(refused[3].json.error), /names no failed execution/);
		assert.equal(result.output('Capture', 'Captured').length, 3, 'execution 46 is captured');

		const stopped = await capture(newQueue(), [trigger('404')]);
		assert.equal(stopped.status, 'error');
		assert.match(String(stopped.error?.message), /was not found/);

		const badKey = await capture(
			newQueue(),
			[trigger('46')],
			{ onError: 'continueRegularOutput' },
			'wrong',
		);
		assert.match(
			String(badKey.output('Capture', 'Not Captured')[0].json.error),
			/answered HTTP 401: unauthorized\. Check the API key and that it has the scope execution:read/,
		);
	});

	test('store unreachable: no record looks captured, under each On Error setting; otherwise the node fails naming the store', async () => {
		api.executions.set('47', failedExecution('47', HTTP_503));
		const unreachable = {
			parameters: { store: 'postgres' },
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
		};
		const regular = await capture(
			newQueue(),
			[trigger('47')],
			{ onError: 'continueRegularOutput' },
			API_KEY,
			unreachable,
		);
		assert.equal(regular.output('Capture', 'Captured').length, 0);
		const [refused] = regular.output('Capture', 'Not Captured');
		assert.match(String(refused.json.error), /Postgres at 127\.0\.0\.1:1/);
		assert.deepEqual(refused.pairedItem, { item: 0 });
		assert.equal(regular.output('Capture', 'Not Captured').length, 1, 'the item fails once');

		const errorOutput = await capture(
			newQueue(),
			[trigger('47')],
			{ onError: 'continueErrorOutput' },
			API_KEY,
			unreachable,
		);
		assert.equal(errorOutput.output('Capture', 'Captured').length, 0);
		assert.equal(errorOutput.outputs('Capture').at(-1)?.length, 1, 'on the error output');

		const stopped = await capture(newQueue(), [trigger('47')], {}, API_KEY, unreachable);
		assert.equal(stopped.status, 'error');
		assert.match(String(stopped.error?.message), /Postgres at 127\.0\.0\.1:1/);
	});
});
