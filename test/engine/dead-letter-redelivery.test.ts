/**
 * Redelivery through the real n8n engine (in process), on the embedded store: Dead
 * Letter captures a vendor's failures, the Dead Letter Trigger's poll (run by the
 * engine's own PollContext, as n8n runs a polling trigger in the editor) emits the
 * records due under the schedule, the vendor is called again, and Resolve or Capture
 * settles each. Schedules in seconds, jitter off where a test times a step.
 */
import assert from 'node:assert/strict';
import { after, beforeEach, describe, test } from 'node:test';

import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import {
	assertEachInputLeavesOnce,
	buildWorkflow,
	runWorkflow,
	stopEngine,
	TEST_SOURCE,
	type EngineResult,
	type WorkflowJson,
} from './harness';

const DEAD_LETTER = 'n8n-nodes-integration-guards.deadLetter';
const TRIGGER = 'n8n-nodes-integration-guards.deadLetterTrigger';
const VENDOR = 'test.recordingVendor';

/** The vendor's state: which failure each order gets while down, every order it accepted, every replayed body. */
const vendorState = {
	down: new Map<string, string>(),
	delivered: [] as Array<Record<string, unknown>>,
	/** The body of each redelivery, as the vendor receives it: JSON of `$json.payload`. */
	bodies: [] as string[],
};

/** Accepts an order (recording what it was sent) or fails it with the message its kind gives. */
class RecordingVendor implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Recording Vendor',
		name: 'recordingVendor',
		group: ['transform'],
		version: 1,
		description: 'Harness only: records what it accepts',
		defaults: { name: 'Vendor' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [
			this.getInputData().map((item, index): INodeExecutionData => {
				// A redelivery sends the body the example sends, {{ JSON.stringify($json.payload) }}.
				const replayed = item.json.deadLetter !== undefined;
				const body = (replayed ? item.json.payload : item.json) as IDataObject;
				if (replayed) vendorState.bodies.push(JSON.stringify(body));
				const failure = vendorState.down.get(String(body.orderId));
				if (failure === undefined) {
					vendorState.delivered.push(structuredClone(body));
					return { json: { accepted: body.orderId }, pairedItem: { item: index } };
				}
				return { json: { error: failure }, pairedItem: { item: index } };
			}),
		];
	}
}

const FAILURES = {
	transient: 'Service Unavailable (503)',
	rateLimit: '429 Too Many Requests',
	auth: '401 Unauthorized: invalid token',
	data: '422 Unprocessable Entity: email is invalid',
};

const ENCRYPTION = 'integrationGuardsEncryptionApi';
const API_KEY = 'k_live_0123456789abcdefXYZ';
/** An Encryption Key credential as n8n stores it, and one with another key under the same ID. */
const KEY = {
	keyId: 'k1',
	secretKey: Buffer.alloc(32, 7).toString('base64'),
	previousSecretKeys: '',
};
const WRONG_KEY = { ...KEY, secretKey: Buffer.alloc(32, 9).toString('base64') };

let queueCounter = 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function run(workflow: WorkflowJson, key: typeof KEY | null = null): Promise<EngineResult> {
	return runWorkflow({
		workflow,
		nodeTypes: { [VENDOR]: RecordingVendor },
		...(key ? { credentials: { [ENCRYPTION]: key } } : {}),
	});
}

/** Its nodes of `type` set to Redacted Values: Keep Encrypted, with the Encryption Key credential. */
function encrypted(workflow: WorkflowJson, type: string): WorkflowJson {
	for (const node of workflow.nodes)
		if (node.type === type) {
			node.parameters = { ...node.parameters, redactedValues: 'encrypted' };
			node.credentials = { [ENCRYPTION]: { id: 'enc-1', name: 'Encryption' } };
		}
	return workflow;
}

/** The payload of a trigger item (Dead Letter 2.2's shape: the payload apart from our fields). */
const payloadOf = (item: INodeExecutionData) => item.json.payload as IDataObject;

/**
 * Every body the vendor was sent by a redelivery is the captured order exactly: no
 * field of ours, no placeholder. Returns how many there were.
 */
function assertBodiesExact(orders: Array<Record<string, unknown>>): number {
	for (const body of vendorState.bodies) {
		assert.doesNotMatch(body, /deadLetter|correlationId|\[REDACTED\]/, body);
		const sent = JSON.parse(body) as IDataObject;
		const order = orders.find((candidate) => candidate.orderId === sent.orderId);
		assert.deepEqual(sent, order, 'the body is the captured record, exactly');
	}
	return vendorState.bodies.length;
}

/** Source → Vendor → (error output) Capture, into `queue`. */
function captureWorkflow(queue: string, orders: Array<Record<string, unknown>>): WorkflowJson {
	return buildWorkflow(
		[
			{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(orders) } },
			{ name: 'Vendor', type: VENDOR, onError: 'continueErrorOutput' },
			{
				name: 'Capture',
				type: DEAD_LETTER,
				typeVersion: 2.2,
				parameters: { operation: 'capture', scope: queue, maxAttempts: 10 },
			},
		],
		[
			['Source', 'Vendor'],
			['Vendor', 1, 'Capture'],
		],
	);
}

/** Trigger → Vendor → Resolve (success) or Capture (failure), the redelivery workflow. */
function redeliveryWorkflow(queue: string, trigger: Record<string, unknown>): WorkflowJson {
	const node = (
		name: string,
		parameters: Record<string, unknown>,
	): Partial<INode> & Pick<INode, 'name' | 'type'> => ({
		name,
		type: DEAD_LETTER,
		typeVersion: 2.2,
		parameters: { scope: queue, ...parameters },
	});
	return buildWorkflow(
		[
			{
				name: 'Trigger',
				type: TRIGGER,
				parameters: { scope: queue, jitterPercent: 0, transientMinutes: '0.02, 0.02', ...trigger },
			},
			{ name: 'Vendor', type: VENDOR, onError: 'continueErrorOutput' },
			node('Resolve', { operation: 'resolve' }),
			node('Capture', { operation: 'capture', maxAttempts: 10 }),
		],
		[
			['Trigger', 'Vendor'],
			['Vendor', 0, 'Resolve'],
			['Vendor', 1, 'Capture'],
		],
	);
}

/** What the trigger emitted on Records and on Alerts in one run (its poll). */
function emitted(result: EngineResult): {
	records: INodeExecutionData[];
	alerts: INodeExecutionData[];
} {
	assert.equal(result.status, 'success', result.error?.message);
	const trigger = result.nodes.Trigger;
	return { records: trigger?.outputs[0] ?? [], alerts: trigger?.outputs[1] ?? [] };
}

/** The trigger with a Postgres credential chosen (its data comes from runWorkflow's credentials). */
function withCredential(workflow: WorkflowJson): WorkflowJson {
	for (const node of workflow.nodes)
		if (node.type === TRIGGER)
			node.credentials = { integrationGuardsPostgresApi: { id: '1', name: 'Unreachable' } };
	return workflow;
}

async function listQueue(queue: string): Promise<Record<string, unknown>[]> {
	const result = await run(
		buildWorkflow(
			[
				{ name: 'Source', type: TEST_SOURCE, parameters: { items: '[{}]' } },
				{
					name: 'List',
					type: DEAD_LETTER,
					typeVersion: 2.2,
					parameters: { operation: 'list', scope: queue, statuses: [] },
				},
			],
			[['Source', 'List']],
		),
	);
	assert.equal(result.status, 'success', result.error?.message);
	return result.nodes.List.outputs[0].map(
		(item) => item.json.deadLetter as Record<string, unknown>,
	);
}

describe('Dead Letter Trigger: redelivery in the engine', () => {
	let queue: string;
	beforeEach(() => {
		queue = `redeliver-engine-${Date.now()}-${++queueCounter}`;
		vendorState.down.clear();
		vendorState.delivered.length = 0;
		vendorState.bodies.length = 0;
	});
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	test('transient failures go again on the schedule until the vendor recovers, each accepted once', async () => {
		const orders = [1, 2, 3].map((orderId) => ({ orderId, amount: orderId * 10 }));
		for (const order of orders) vendorState.down.set(String(order.orderId), FAILURES.transient);
		const captured = await run(captureWorkflow(queue, orders));
		assert.equal(captured.status, 'success', captured.error?.message);
		assert.equal(captured.nodes.Capture.outputs[0].length, 3);
		assert.deepEqual(
			captured.nodes.Capture.outputs[0].map(
				(item) => (item.json.deadLetter as { class: string }).class,
			),
			['transient', 'transient', 'transient'],
		);

		const redeliver = redeliveryWorkflow(queue, {});
		assert.deepEqual(
			emitted(await run(redeliver)).records,
			[],
			'nothing due before the first wait',
		);
		await sleep(1300);
		const first = await run(redeliver);
		assert.deepEqual(
			emitted(first).records.map((item) => [
				payloadOf(item).orderId,
				payloadOf(item).amount,
				(item.json.deadLetter as { attempt: number }).attempt,
			]),
			[
				[1, 10, 2],
				[2, 20, 2],
				[3, 30, 2],
			],
		);
		// Still down: Capture sends them back to the queue.
		assert.deepEqual(
			first.nodes.Capture.outputs[0].map(
				(item) => (item.json.deadLetter as { outcome: string }).outcome,
			),
			['returned', 'returned', 'returned'],
		);
		assertEachInputLeavesOnce(first, 'Capture');
		assert.deepEqual(emitted(await run(redeliver)).records, [], 'the next step waits again');

		vendorState.down.clear();
		await sleep(1300);
		const second = await run(redeliver);
		assert.equal(emitted(second).records.length, 3);
		assert.deepEqual(
			second.nodes.Resolve.outputs[0].map(
				(item) => (item.json.deadLetter as { status: string }).status,
			),
			['resolved', 'resolved', 'resolved'],
		);
		assertEachInputLeavesOnce(second, 'Resolve');
		assert.deepEqual(
			vendorState.delivered.map((order) => order.orderId).sort(),
			[1, 2, 3],
			'each order accepted exactly once',
		);
		assert.equal(assertBodiesExact(orders), 6, 'two redeliveries of three orders');
		await sleep(1300);
		assert.deepEqual(emitted(await run(redeliver)).records, [], 'resolved records never go again');
		assert.deepEqual(
			(await listQueue(queue)).map((record) => record.status),
			['resolved', 'resolved', 'resolved'],
		);

		// Retention: resolved records older than the (here: one second) retention are deleted at a poll.
		const purging = redeliveryWorkflow(queue, { options: { resolvedRetentionDays: 1 / 86_400 } });
		await sleep(1100);
		emitted(await run(purging));
		assert.deepEqual(await listQueue(queue), []);
	});

	test('records past their schedule are parked and reported on Alerts, not sent', async () => {
		vendorState.down.set('7', FAILURES.transient);
		await run(captureWorkflow(queue, [{ orderId: 7 }]));
		const redeliver = redeliveryWorkflow(queue, { transientMinutes: '0.01' });
		await sleep(700);
		assert.equal(emitted(await run(redeliver)).records.length, 1);
		await sleep(100);
		const parked = emitted(await run(redeliver));
		assert.deepEqual(parked.records, []);
		assert.equal(parked.alerts.length, 1);
		assert.equal(parked.alerts[0].json.kind, 'parked');
		assert.match(String(parked.alerts[0].json.parkedReason), /transient schedule is used up/);
		assert.deepEqual(
			(await listQueue(queue)).map((record) => record.status),
			['poison'],
		);
		assert.equal(vendorState.delivered.length, 0);
	});

	test('data failures never go by themselves; auth failures go after Release Auth Records', async () => {
		vendorState.down.set('1', FAILURES.data);
		vendorState.down.set('2', FAILURES.auth);
		const captured = await run(captureWorkflow(queue, [{ orderId: 1 }, { orderId: 2 }]));
		assert.equal(captured.status, 'success', captured.error?.message);
		const classes = [
			...captured.nodes.Capture.outputs[0],
			...captured.nodes.Capture.outputs[1],
		].map((item) => (item.json.deadLetter as { class: string }).class);
		assert.deepEqual(classes.sort(), ['auth', 'data']);
		vendorState.down.clear();
		const redeliver = redeliveryWorkflow(queue, {});
		await sleep(1300);
		assert.deepEqual(emitted(await run(redeliver)).records, [], 'neither goes by itself');

		const released = await run(
			buildWorkflow(
				[
					{ name: 'Source', type: TEST_SOURCE, parameters: { items: '[{}]' } },
					{
						name: 'Release',
						type: DEAD_LETTER,
						typeVersion: 2.2,
						parameters: { operation: 'release', scope: queue },
					},
				],
				[['Source', 'Release']],
			),
		);
		assert.equal(released.status, 'success', released.error?.message);
		assert.equal(released.nodes.Release.outputs[0].length, 1);
		const after = await run(redeliver);
		assert.deepEqual(
			emitted(after).records.map((item) => payloadOf(item).orderId),
			[2],
		);
		assert.equal(after.nodes.Resolve.outputs[0].length, 1);
		assert.deepEqual(
			vendorState.delivered.map((order) => order.orderId),
			[2],
		);
		assert.deepEqual(emitted(await run(redeliver)).records, [], 'one release, one redelivery');
	});

	test('two polls at once never emit the same record', async () => {
		const orders = Array.from({ length: 40 }, (_, i) => ({ orderId: i }));
		for (const order of orders) vendorState.down.set(String(order.orderId), FAILURES.transient);
		await run(captureWorkflow(queue, orders));
		vendorState.down.clear();
		await sleep(1300);
		const redeliver = redeliveryWorkflow(queue, { maxRecords: 15 });
		const runs = await Promise.all([run(redeliver), run(redeliver), run(redeliver)]);
		const ids = runs.flatMap((result) =>
			emitted(result).records.map((item) => payloadOf(item).orderId),
		);
		assert.equal(ids.length, 40, 'every due record emitted');
		assert.equal(new Set(ids).size, 40, 'none twice');
		assert.equal(vendorState.delivered.length, 40);
		assert.equal(assertBodiesExact(orders), 40);
	});

	test('a record that lost a value to redaction is never sent with a placeholder: held, reported once on Alerts, no try counted', async () => {
		const orders = [
			{ orderId: 5, api_key: API_KEY, amount: 50 },
			{ orderId: 6, amount: 60 },
		];
		for (const order of orders) vendorState.down.set(String(order.orderId), FAILURES.transient);
		await run(captureWorkflow(queue, orders));
		vendorState.down.clear();
		const redeliver = redeliveryWorkflow(queue, {});
		await sleep(1300);
		const first = await run(redeliver);
		const { records, alerts } = emitted(first);
		assert.deepEqual(
			records.map((item) => payloadOf(item).orderId),
			[6],
		);
		assert.deepEqual(payloadOf(records[0]), orders[1], 'the payload exactly as captured');
		assert.deepEqual(Object.keys(records[0].json).sort(), ['deadLetter', 'payload']);
		assert.equal(alerts.length, 1);
		const alert = alerts[0].json;
		assert.equal(alert.kind, 'needsInput');
		assert.match(String(alert.message), /api_key/);
		const marker = alert.deadLetter as IDataObject;
		assert.deepEqual(marker.needsInput, ['api_key']);
		assert.equal(marker.status, 'pending');
		assert.ok(!JSON.stringify(alert).includes(API_KEY), 'the secret is not on Alerts');
		assert.equal(assertBodiesExact(orders), 1, 'only the whole record went to the vendor');

		// Leased again at the next step: held silently, still not sent, still no try counted.
		await sleep(1300);
		const second = emitted(await run(redeliver));
		assert.deepEqual(second.records, []);
		assert.deepEqual(second.alerts, [], 'reported once');
		const listed = await listQueue(queue);
		const held = listed.find((record) => record.status === 'pending')!;
		assert.equal(held.attempt, 1, 'the leases that sent nothing are no attempts');
		assert.equal(vendorState.bodies.length, 1);
	});

	test('records that wait for input do not take the slots of those that can go', async () => {
		const waiting = [1, 2, 3].map((orderId) => ({ orderId, api_key: `${API_KEY}${orderId}` }));
		const whole = [4, 5].map((orderId) => ({ orderId }));
		for (const order of [...waiting, ...whole])
			vendorState.down.set(String(order.orderId), FAILURES.transient);
		// The waiting records first: the lease takes the oldest.
		await run(captureWorkflow(queue, waiting));
		await run(captureWorkflow(queue, whole));
		vendorState.down.clear();
		await sleep(1300);
		const { records, alerts } = emitted(await run(redeliveryWorkflow(queue, { maxRecords: 2 })));
		assert.deepEqual(
			records.map((item) => payloadOf(item).orderId),
			[4, 5],
		);
		assert.deepEqual(
			alerts.map((item) => (item.json.deadLetter as IDataObject).id).length,
			3,
			'each waiting record reported',
		);
		assert.equal(assertBodiesExact(whole), 2);
	});

	test('with Keep Encrypted and the Encryption Key credential, the sealed original is sent exactly; a wrong key sends nothing and says so', async () => {
		const orders = [{ orderId: 8, api_key: API_KEY, nested: { token: 'tok_abc', list: [1, 2] } }];
		vendorState.down.set('8', FAILURES.transient);
		const captured = await run(encrypted(captureWorkflow(queue, orders), DEAD_LETTER), KEY);
		assert.equal(captured.status, 'success', captured.error?.message);
		vendorState.down.clear();
		await sleep(1300);

		const wrong = await run(encrypted(redeliveryWorkflow(queue, {}), TRIGGER), WRONG_KEY);
		const refused = emitted(wrong);
		assert.deepEqual(refused.records, []);
		assert.deepEqual(
			refused.alerts.map((item) => item.json.kind),
			['notOpened'],
		);
		assert.match(String(refused.alerts[0].json.message), /could not be decrypted/);
		assert.equal(vendorState.bodies.length, 0);

		await sleep(1300);
		const right = await run(encrypted(redeliveryWorkflow(queue, {}), TRIGGER), KEY);
		const { records, alerts } = emitted(right);
		assert.deepEqual(alerts, []);
		assert.equal(records.length, 1);
		assert.deepEqual(payloadOf(records[0]), orders[0], 'opened: the payload as captured');
		assert.equal(
			(records[0].json.deadLetter as IDataObject).attempt,
			2,
			'the refused lease was no try',
		);
		assert.equal(assertBodiesExact(orders), 1);
		assert.equal(right.nodes.Resolve.outputs[0].length, 1);
	});

	test('a redelivery that fails with another class moves the record to that schedule: 429 to the rate-limit waits, 422 to a person', async () => {
		vendorState.down.set('3', FAILURES.transient);
		await run(captureWorkflow(queue, [{ orderId: 3 }]));
		// Transient waits 1.2 s; rate-limit waits 6 s: which one the record follows shows.
		const redeliver = redeliveryWorkflow(queue, {
			transientMinutes: '0.02, 0.02, 0.02',
			rateLimitMinutes: '0.1, 0.1, 0.1',
		});
		const classOf = async () => (await listQueue(queue)).map((record) => record.class);
		await sleep(1300);
		vendorState.down.set('3', FAILURES.rateLimit);
		assert.equal(emitted(await run(redeliver)).records.length, 1);
		assert.deepEqual(await classOf(), ['rateLimit']);
		await sleep(1300);
		assert.deepEqual(emitted(await run(redeliver)).records, [], 'not on the transient wait');
		await sleep(5000);
		vendorState.down.set('3', FAILURES.data);
		const second = emitted(await run(redeliver)).records;
		assert.equal((second[0].json.deadLetter as IDataObject).attempt, 3);
		assert.deepEqual(await classOf(), ['data']);
		await sleep(1300);
		assert.deepEqual(emitted(await run(redeliver)).records, [], 'a data error waits for a person');
		assert.equal(vendorState.bodies.length, 2);
		assert.equal(vendorState.delivered.length, 0);
	});

	test('a Capture saved before version 2.2 keeps the record in its first class (class filters and schedule as before)', async () => {
		vendorState.down.set('4', FAILURES.transient);
		await run(captureWorkflow(queue, [{ orderId: 4 }]));
		const redeliver = redeliveryWorkflow(queue, { transientMinutes: '0.02, 0.02, 0.02' });
		for (const node of redeliver.nodes) if (node.name === 'Capture') node.typeVersion = 2.1;
		await sleep(1300);
		vendorState.down.set('4', FAILURES.data);
		assert.equal(emitted(await run(redeliver)).records.length, 1);
		// The record says what the last failure was, and stays where its first one put it.
		assert.deepEqual(
			(await listQueue(queue)).map((record) => record.class),
			['data'],
		);
		await sleep(1300);
		assert.equal(
			emitted(await run(redeliver)).records.length,
			1,
			'still on the transient schedule',
		);
	});

	test('a record held back (its original did not open) waits the step of its tries once it went and failed, not of its leases', async () => {
		const orders = [{ orderId: 9, api_key: API_KEY }];
		vendorState.down.set('9', FAILURES.transient);
		await run(encrypted(captureWorkflow(queue, orders), DEAD_LETTER), KEY);
		// Step 1 waits 1.2 s, step 2 waits 6 s, the later ones 1.2 s again.
		const redeliver = encrypted(
			redeliveryWorkflow(queue, { transientMinutes: '0.02, 0.1, 0.02, 0.02, 0.02' }),
			TRIGGER,
		);
		for (let lease = 0; lease < 3; lease++) {
			await sleep(1300);
			const refused = emitted(await run(redeliver, WRONG_KEY));
			assert.deepEqual(
				refused.alerts.map((item) => item.json.kind),
				['notOpened'],
			);
		}
		await sleep(1300);
		const sent = emitted(await run(redeliver, KEY)).records;
		assert.equal((sent[0].json.deadLetter as IDataObject).attempt, 2, 'its first redelivery');
		// Failed again (the vendor is still down): one try, so step 2's 6 s, not step 5's 1.2 s.
		await sleep(1500);
		assert.deepEqual(emitted(await run(redeliver, KEY)).records, []);
		vendorState.down.clear();
		await sleep(5000);
		const again = emitted(await run(redeliver, KEY)).records;
		assert.equal((again[0].json.deadLetter as IDataObject).attempt, 3);
		assert.equal(assertBodiesExact(orders), 2);
		assert.equal(vendorState.delivered.length, 1);
	});

	test('a depth alert on Alerts once the queue crosses its threshold', async () => {
		vendorState.down.set('1', FAILURES.data);
		vendorState.down.set('2', FAILURES.data);
		await run(captureWorkflow(queue, [{ orderId: 1 }, { orderId: 2 }]));
		const redeliver = redeliveryWorkflow(queue, { depthThreshold: 2 });
		const first = emitted(await run(redeliver));
		assert.deepEqual(first.records, []);
		assert.deepEqual(
			first.alerts.map((item) => [item.json.kind, item.json.depth]),
			[['depth', 2]],
		);
		assert.deepEqual(emitted(await run(redeliver)).alerts, [], 'one alert per crossing');
	});

	test('Release Auth Records with its store unreachable: nothing released on a happy path, under each On Error setting', async () => {
		const credentials = {
			integrationGuardsPostgresApi: {
				host: '127.0.0.1',
				port: 1,
				database: 'none',
				user: 'none',
				password: 'x',
				ssl: 'disable',
			},
		};
		for (const onError of [
			'stopWorkflow',
			'continueRegularOutput',
			'continueErrorOutput',
		] as const) {
			const result = await runWorkflow({
				workflow: buildWorkflow(
					[
						{ name: 'Source', type: TEST_SOURCE, parameters: { items: '[{"a":1}]' } },
						{
							name: 'Release',
							type: DEAD_LETTER,
							typeVersion: 2.2,
							onError,
							parameters: { operation: 'release', scope: queue, store: 'postgres' },
							credentials: { integrationGuardsPostgresApi: { id: '1', name: 'Unreachable' } },
						},
					],
					[['Source', 'Release']],
				),
				credentials,
			});
			const release = result.nodes.Release;
			if (onError === 'stopWorkflow') {
				assert.equal(result.status, 'error');
				assert.match(String(result.error?.message), /Postgres at 127\.0\.0\.1:1/);
				continue;
			}
			assert.equal(result.status, 'success', result.error?.message);
			const released = release.outputs[0];
			const errors = onError === 'continueErrorOutput' ? release.outputs[1] : released;
			assert.equal(errors.length, 1, onError);
			assert.match(JSON.stringify(errors[0].json), /Postgres at 127\.0\.0\.1:1/);
			assert.ok(
				!released.some((item) => item.json.authReleasedAt !== undefined),
				'nothing released',
			);
			assertEachInputLeavesOnce(result, 'Release');
		}
	});

	test('a bad schedule or an unreachable store fails the poll, naming the parameter or the store', async () => {
		const bad = await run(redeliveryWorkflow(queue, { transientMinutes: '1, soon' }));
		assert.equal(bad.status, 'error');
		assert.match(String(bad.error?.message), /Transient Schedule \(Minutes\)/);
		for (const jitterPercent of [-1, 101, Number.NaN]) {
			const result = await run(redeliveryWorkflow(queue, { jitterPercent }));
			assert.equal(result.status, 'error');
			assert.match(String(result.error?.message), /Jitter \(%\)/);
		}
		const hostile: Array<[Record<string, unknown>, RegExp]> = [
			[{ maxRecords: 0 }, /Max Records per Poll/],
			[{ maxRecords: 1e9 }, /Max Records per Poll/],
			[{ leaseMinutes: 0 }, /Lease \(Minutes\)/],
			[{ leaseMinutes: 'soon' }, /Lease \(Minutes\)/],
			[{ maxAgeHours: -1 }, /Park Records Older Than/],
			[{ rateLimitMinutes: '1,,-5' }, /Rate Limit Schedule/],
			[{ transientMinutes: Array(60).fill('1').join(',') }, /Transient Schedule/],
			[{ depthThreshold: 1.5 }, /Depth Alert Threshold/],
			[{ options: { outputField: '__proto__' } }, /Output Field/],
			[{ options: { outputField: 'payload' } }, /Output Field/],
			[{ options: { resolvedRetentionDays: -3 } }, /Delete Resolved Records After/],
			[{ options: { maxRetryAfterHours: Infinity } }, /Longest Retry-After/],
		];
		for (const [parameters, label] of hostile) {
			const result = await run(redeliveryWorkflow(queue, parameters));
			assert.equal(result.status, 'error', JSON.stringify(parameters));
			assert.match(String(result.error?.message), label, JSON.stringify(parameters));
		}
		const unreachable = await runWorkflow({
			workflow: withCredential(redeliveryWorkflow(queue, { store: 'postgres' })),
			nodeTypes: { [VENDOR]: RecordingVendor },
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
		});
		assert.equal(unreachable.status, 'error');
		assert.match(String(unreachable.error?.message), /Postgres at 127\.0\.0\.1:1/);
	});
});
