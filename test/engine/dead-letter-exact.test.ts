/**
 * Dead Letter version 2.2 (issue 19, item 4): a replay sends exactly what was captured.
 * The payload comes back whole under `payload`, the marker beside it under
 * `deadLetter`, so a body of {{ $json.payload }} sends nothing of ours. Redacted
 * values are either opened from the record's sealed original (Encryption Key
 * credential) or the record leaves on Needs Input, naming them, until an edited
 * replay fills them in. Through the real n8n engine, embedded store.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { DeadLetter } from '../../nodes/DeadLetter/DeadLetter.node';
import { closeAllStores } from '../../nodes/shared/stores/factory';
import {
	assertEachInputLeavesOnce,
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
const FAIL = 'test.failAll';
const FILL = 'test.fillSecret';
const CREDENTIAL = 'integrationGuardsEncryptionApi';
const API_KEY = 'k_live_0123456789abcdefXYZ';

/** Test-only vendor: every item fails with a 503, as n8n's error output hands it on. */
class FailAll implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Fail All',
		name: 'failAll',
		group: ['transform'],
		version: 1,
		description: 'Test only: fails every item with a 503',
		defaults: { name: 'Fail All' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [
			this.getInputData().map((_item, index) => ({
				json: { error: { message: 'Service Unavailable', httpCode: '503' } },
				pairedItem: { item: index },
			})),
		];
	}
}

/** Test-only person: fills `payload.api_key` (and fixes `payload.email`) on Needs Input items. */
class FillSecret implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Fill Secret',
		name: 'fillSecret',
		group: ['transform'],
		version: 1,
		description: 'Test only: fills the redacted api_key',
		defaults: { name: 'Fill Secret' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Value', name: 'value', type: 'string', default: '' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const value = this.getNodeParameter('value', 0) as string;
		return [
			this.getInputData().map((item, index) => ({
				json: {
					...item.json,
					payload: {
						...(item.json.payload as IDataObject),
						...(value === '' ? {} : { api_key: value }),
						email: 'fixed@example.com',
					},
				},
				pairedItem: { item: index },
			})),
		];
	}
}

const nodeTypes = { [DEAD_LETTER]: DeadLetter, [FAIL]: FailAll, [FILL]: FillSecret };
let queues = 0;
const newQueue = () => `engine-dl-exact-${process.pid}-${++queues}`;

const key = () => randomBytes(32).toString('base64');
const KEY_1 = key();
const KEY_2 = key();

/** Records with a secret in them, nested and in text, plus unicode and a __proto__ field. */
function records(): IDataObject[] {
	const withProto = JSON.parse('{"__proto__": {"x": 1}, "id": 3, "email": "c@example.com"}');
	return [
		{ id: 1, email: 'a@example.com', api_key: API_KEY, nested: { list: [1, 'two', null] } },
		{
			id: 2,
			email: 'b@example.com',
			note: `call with Authorization: Bearer ${API_KEY}`,
			name: 'Zoë ✓',
		},
		withProto,
	];
}

type Encryption = { keyId: string; key: string; previousKeys?: string } | null;

/** The credential's fields as n8n stores them. */
const credentialData = (encryption: NonNullable<Encryption>) => ({
	keyId: encryption.keyId,
	secretKey: encryption.key,
	previousSecretKeys: encryption.previousKeys ?? '',
});

function dlNode(
	name: string,
	parameters: IDataObject,
	encryption: Encryption,
	extra: Partial<INode> = {},
): Partial<INode> & Pick<INode, 'name' | 'type'> {
	return {
		name,
		type: DEAD_LETTER,
		typeVersion: 2.2,
		parameters: {
			...parameters,
			...(encryption ? { redactedValues: 'encrypted' } : {}),
		} as INode['parameters'],
		...(encryption ? { credentials: { [CREDENTIAL]: { id: 'enc-1', name: 'Encryption' } } } : {}),
		...extra,
	};
}

function fixtures(encryption: Encryption): CredentialFixtures {
	return encryption ? { [CREDENTIAL]: credentialData(encryption) } : {};
}

async function capture(queue: string, encryption: Encryption, items = records()) {
	const sinks = ['Captured', 'Auth Failure', 'Depth Alert', 'Not Captured'];
	const result = await runWorkflow({
		workflow: buildWorkflow(
			[
				{
					name: 'Source',
					type: TEST_SOURCE,
					parameters: {
						items: JSON.stringify(items),
						binary: JSON.stringify({
							file: { content: 'hello pdf', fileName: 'a.pdf', mimeType: 'application/pdf' },
						}),
					},
				},
				{ name: 'Vendor', type: FAIL, onError: 'continueErrorOutput' },
				{ name: 'Delivered', type: TEST_NOOP },
				dlNode(
					'Capture',
					{ operation: 'capture', scope: queue, options: { binaryContentMaxMb: 1 } },
					encryption,
				),
				...sinks.map((name) => ({ name, type: TEST_NOOP })),
			],
			[
				['Source', 'Vendor'],
				['Vendor', 0, 'Delivered'],
				['Vendor', 1, 'Capture'],
				...sinks.map((name, index): Link => ['Capture', index, name]),
			],
		),
		nodeTypes,
		credentials: fixtures(encryption),
	});
	assert.equal(result.status, 'success', result.error?.message);
	assert.equal(result.output('Capture', 'Captured').length, items.length);
	return result;
}

/** Replay from the queue → a vendor that takes everything (a NoOp) → Resolve. */
async function replay(
	queue: string,
	encryption: Encryption,
	node: Partial<INode> = {},
	parameters: IDataObject = {},
): Promise<EngineResult> {
	const replaySinks = ['Not Replayed', 'Needs Input', 'Replay Error'];
	return await runWorkflow({
		workflow: buildWorkflow(
			[
				{ name: 'Start', type: TEST_NOOP },
				dlNode('Replay', { operation: 'replay', scope: queue, ...parameters }, encryption, node),
				{ name: 'Vendor', type: TEST_NOOP },
				dlNode('Resolve', { operation: 'resolve', scope: queue }, null),
				{ name: 'Resolved', type: TEST_NOOP },
				{ name: 'Not Resolved', type: TEST_NOOP },
				...replaySinks.map((name) => ({ name, type: TEST_NOOP })),
			],
			[
				['Start', 'Replay'],
				['Replay', 0, 'Vendor'],
				['Vendor', 'Resolve'],
				['Resolve', 0, 'Resolved'],
				['Resolve', 1, 'Not Resolved'],
				...replaySinks.map((name, index): Link => ['Replay', index + 1, name]),
			],
		),
		nodeTypes,
		credentials: fixtures(encryption),
	});
}

async function list(queue: string): Promise<IDataObject[]> {
	const result = await runWorkflow({
		workflow: buildWorkflow(
			[
				{ name: 'Start', type: TEST_NOOP },
				dlNode('List', { operation: 'list', scope: queue, statuses: [], limit: 100 }, null),
				{ name: 'Records', type: TEST_NOOP },
			],
			[
				['Start', 'List'],
				['List', 'Records'],
			],
		),
		nodeTypes,
	});
	return result.output('List', 'Records').map((item) => item.json);
}

const byId = (items: INodeExecutionData[]) =>
	Object.fromEntries(items.map((item) => [String((item.json.payload as IDataObject).id), item]));

describe('Dead Letter 2.2: a replay sends exactly what was captured', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	test('with the Encryption Key credential: the captured payload whole, binary too, metadata apart; List stays redacted', async () => {
		const queue = newQueue();
		const encryption = { keyId: 'key-1', key: KEY_1 };
		await capture(queue, encryption);

		const listed = await list(queue);
		const shown = JSON.stringify(listed);
		assert.ok(!shown.includes(API_KEY), 'List shows no secret');
		assert.ok(!shown.includes('sealed'), 'nor the sealed original');
		assert.ok(shown.includes('[REDACTED]'));

		const result = await replay(queue, encryption);
		assert.equal(result.status, 'success', result.error?.message);
		assert.deepEqual(result.nodes.Replay.outputNames, ['Replay', 'Not Replayed', 'Needs Input']);
		const replayed = result.output('Replay', 'Replay');
		assert.equal(replayed.length, 3);
		const expected = records();
		for (const item of replayed) {
			assert.deepEqual(Object.keys(item.json), ['payload', 'deadLetter']);
			const payload = item.json.payload as IDataObject;
			const original = expected[Number(payload.id) - 1];
			// Byte for byte: the same JSON text, key order and __proto__ included.
			assert.equal(JSON.stringify(payload), JSON.stringify(original));
			assert.equal((await result.binary(item.binary!.file)).toString(), 'hello pdf');
			const marker = item.json.deadLetter as IDataObject;
			assert.equal(marker.payloadField, 'payload');
			assert.equal(marker.attempt, 2);
			assert.match(String(marker.idempotencyKey), /^[0-9a-f]{64}$/);
		}
		assert.equal(Object.hasOwn(byId(replayed)['3'].json.payload as object, '__proto__'), true);
		assert.equal(result.output('Resolve', 'Resolved').length, 3, 'Resolve finds each record');
		assertPairing(result);
		assert.deepEqual(
			(await list(queue)).map((record) => (record.deadLetter as IDataObject).status),
			['resolved', 'resolved', 'resolved'],
		);
	});

	test('without the credential: records that lost values leave on Needs Input, naming them; the rest replay; an edited replay fills them in', async () => {
		const queue = newQueue();
		await capture(queue, null);
		const first = await replay(queue, null);
		assert.equal(first.status, 'success', first.error?.message);
		const sent = first.output('Replay', 'Replay');
		assert.deepEqual(
			sent.map((item) => (item.json.payload as IDataObject).id),
			[3],
			'the record that lost nothing is sent as captured',
		);
		assert.equal(JSON.stringify(sent[0].json.payload), JSON.stringify(records()[2]));
		const waiting = byId(first.output('Replay', 'Needs Input'));
		assert.deepEqual(Object.keys(waiting).sort(), ['1', '2']);
		assert.deepEqual((waiting['1'].json.deadLetter as IDataObject).needsInput, ['api_key']);
		assert.deepEqual((waiting['2'].json.deadLetter as IDataObject).needsInput, ['note']);
		assert.equal((waiting['1'].json.payload as IDataObject).api_key, '[REDACTED]');
		assert.ok(!JSON.stringify(first.outputs('Replay')).includes(API_KEY));
		for (const item of Object.values(waiting)) {
			assert.deepEqual(item.pairedItem, { item: 0 });
			assert.equal((item.json.deadLetter as IDataObject).status, 'pending');
			assert.equal((item.json.deadLetter as IDataObject).attempt, 1, 'no attempt counted');
		}
		assertPairing(first);

		// Again and again: still pending, still attempt 1 (a Needs Input lease is no attempt).
		for (let run = 0; run < 6; run++) {
			const again = await replay(queue, null, {}, { maxAttempts: 2 });
			assert.equal(again.output('Replay', 'Needs Input').length, 2);
		}
		const stored = await list(queue);
		for (const record of stored.filter(
			(entry) => (entry.deadLetter as IDataObject).status !== 'resolved',
		)) {
			assert.equal((record.deadLetter as IDataObject).status, 'pending');
			assert.equal((record.deadLetter as IDataObject).attempt, 1);
		}

		// A person fills api_key of record 1 (and not the note of record 2): record 1 goes, 2 waits.
		const edited = await runWorkflow({
			workflow: buildWorkflow(
				[
					{ name: 'Start', type: TEST_NOOP },
					dlNode('Replay', { operation: 'replay', scope: queue }, null),
					{ name: 'Fill', type: FILL, parameters: { value: 'k_new_filled_by_hand_123456' } },
					dlNode('Replay Edited', { operation: 'replay', scope: queue, source: 'items' }, null),
					...['Sent', 'Not Replayed', 'Still Needs Input', 'Unused 1', 'Unused 2'].map((name) => ({
						name,
						type: TEST_NOOP,
					})),
				],
				[
					['Start', 'Replay'],
					['Replay', 0, 'Unused 1'],
					['Replay', 1, 'Unused 2'],
					['Replay', 2, 'Fill'],
					['Fill', 'Replay Edited'],
					['Replay Edited', 0, 'Sent'],
					['Replay Edited', 1, 'Not Replayed'],
					['Replay Edited', 2, 'Still Needs Input'],
				],
			),
			nodeTypes,
		});
		assert.equal(edited.status, 'success', edited.error?.message);
		const [goes] = edited.output('Replay Edited', 'Replay');
		assert.deepEqual(goes.json.payload, {
			id: 1,
			email: 'fixed@example.com',
			api_key: 'k_new_filled_by_hand_123456',
			nested: { list: [1, 'two', null] },
		});
		assert.equal((goes.json.deadLetter as IDataObject).edited, true);
		const [waits] = edited.output('Replay Edited', 'Needs Input');
		assert.equal((waits.json.payload as IDataObject).id, 2);
		assert.deepEqual((waits.json.deadLetter as IDataObject).needsInput, ['note']);
		assertEachInputLeavesOnce(edited, 'Replay Edited');
		assertPairing(edited);
	});

	test('an edited replay with the credential: untouched placeholders are filled from the sealed original', async () => {
		const queue = newQueue();
		const encryption = { keyId: 'key-1', key: KEY_1 };
		await capture(queue, encryption);
		const result = await runWorkflow({
			workflow: buildWorkflow(
				[
					{ name: 'Start', type: TEST_NOOP },
					dlNode('List', { operation: 'list', scope: queue, statuses: [], limit: 100 }, null),
					{ name: 'Fill', type: FILL, parameters: { value: '' } },
					dlNode('Replay', { operation: 'replay', scope: queue, source: 'items' }, encryption),
					...['Sent', 'Not Replayed', 'Needs Input'].map((name) => ({ name, type: TEST_NOOP })),
				],
				[
					['Start', 'List'],
					['List', 'Fill'],
					['Fill', 'Replay'],
					['Replay', 0, 'Sent'],
					['Replay', 1, 'Not Replayed'],
					['Replay', 2, 'Needs Input'],
				],
			),
			nodeTypes,
			credentials: fixtures(encryption),
		});
		assert.equal(result.status, 'success', result.error?.message);
		const sent = byId(result.output('Replay', 'Replay'));
		assert.equal((sent['1'].json.payload as IDataObject).api_key, API_KEY);
		assert.equal((sent['1'].json.payload as IDataObject).email, 'fixed@example.com');
		assert.equal((sent['2'].json.payload as IDataObject).note, records()[1].note);
		assert.equal(result.output('Replay', 'Needs Input').length, 0);
	});

	test('a wrong key: a clear error, the record back in the queue unchanged; the right key replays it', async () => {
		const queue = newQueue();
		await capture(queue, { keyId: 'key-1', key: KEY_1 }, [records()[0]]);
		const wrong = { keyId: 'key-1', key: KEY_2 };

		const stopped = await replay(queue, wrong);
		assert.equal(stopped.status, 'error');
		assert.match(
			String(stopped.error?.message),
			/was not replayed: its captured payload could not be decrypted: key ID "key-1" in the Encryption Key credential is not the key it was encrypted with/,
		);
		let [record] = await list(queue);
		assert.equal((record.deadLetter as IDataObject).status, 'pending', 'released at once');
		assert.equal((record.deadLetter as IDataObject).attempt, 1);

		const continued = await replay(queue, wrong, { onError: 'continueRegularOutput' });
		assert.equal(continued.status, 'success', continued.error?.message);
		assert.equal(continued.output('Replay', 'Replay').length, 0);
		const [refused] = continued.output('Replay', 'Not Replayed');
		assert.match(String(refused.json.error), /could not be decrypted/);
		assert.deepEqual(refused.pairedItem, { item: 0 });
		assertEachInputLeavesOnce(continued, 'Replay');

		const unknown = await replay(queue, { keyId: 'key-9', key: KEY_2 });
		assert.match(
			String(unknown.error?.message),
			/key ID "key-1", which the Encryption Key credential does not hold/,
		);

		[record] = await list(queue);
		assert.equal((record.deadLetter as IDataObject).status, 'pending');
		assert.equal((record.deadLetter as IDataObject).attempt, 1);

		// Rotation: a new current key, the old one under Previous Keys, opens it.
		const rotated = await replay(queue, {
			keyId: 'key-2',
			key: KEY_2,
			previousKeys: `key-1=${KEY_1}`,
		});
		assert.equal(rotated.status, 'success', rotated.error?.message);
		const [item] = rotated.output('Replay', 'Replay');
		assert.equal(JSON.stringify(item.json.payload), JSON.stringify(records()[0]));
	});

	test('a malformed key is a configuration error naming the credential; nothing is leased', async () => {
		const queue = newQueue();
		await capture(queue, null, [records()[2]]);
		const result = await replay(queue, { keyId: 'key-1', key: 'too short' });
		assert.equal(result.status, 'error');
		assert.match(
			String(result.error?.message),
			/^The Encryption Key credential cannot be used\. Key \(key ID "key-1"\) is not a 32-byte key: give 44 characters of base64/,
		);
		const [record] = await list(queue);
		assert.equal((record.deadLetter as IDataObject).status, 'pending');
		assert.equal((record.deadLetter as IDataObject).attempt, 1);
	});

	test('a replay that fails again is captured as the payload, not as the replayed item', async () => {
		const queue = newQueue();
		const encryption = { keyId: 'key-1', key: KEY_1 };
		await capture(queue, encryption, [records()[0]]);
		const result = await runWorkflow({
			workflow: buildWorkflow(
				[
					{ name: 'Start', type: TEST_NOOP },
					dlNode('List', { operation: 'list', scope: queue, statuses: [], limit: 100 }, null),
					{ name: 'Fill', type: FILL, parameters: { value: '' } },
					dlNode('Replay', { operation: 'replay', scope: queue, source: 'items' }, encryption),
					{ name: 'Vendor', type: FAIL, onError: 'continueErrorOutput' },
					{ name: 'Delivered', type: TEST_NOOP },
					dlNode('Capture Again', { operation: 'capture', scope: queue }, encryption),
					...['Back', 'Auth', 'Alert', 'Not Captured'].map((name) => ({ name, type: TEST_NOOP })),
				],
				[
					['Start', 'List'],
					['List', 'Fill'],
					['Fill', 'Replay'],
					['Replay', 0, 'Vendor'],
					['Vendor', 0, 'Delivered'],
					['Vendor', 1, 'Capture Again'],
					['Capture Again', 0, 'Back'],
					['Capture Again', 1, 'Auth'],
					['Capture Again', 2, 'Alert'],
					['Capture Again', 3, 'Not Captured'],
				],
			),
			nodeTypes,
			credentials: fixtures(encryption),
		});
		assert.equal(result.status, 'success', result.error?.message);
		assert.equal(
			(result.output('Capture Again', 'Captured')[0].json.deadLetter as IDataObject).outcome,
			'returned',
		);
		const [record] = await list(queue);
		assert.deepEqual(record.payload, {
			id: 1,
			email: 'fixed@example.com',
			api_key: '[REDACTED]',
			nested: { list: [1, 'two', null] },
		});
		// The edit is the record now, sealed again: the next replay sends it whole.
		const next = await replay(queue, encryption);
		const [item] = next.output('Replay', 'Replay');
		assert.deepEqual(item.json.payload, { ...records()[0], email: 'fixed@example.com' });
		assert.equal((item.json.deadLetter as IDataObject).attempt, 3);
	});
});
