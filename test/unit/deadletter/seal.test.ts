/**
 * The sealed original of a dead letter (AES-256-GCM with the user's key) and what a
 * replay sends: the captured payload, never a redaction placeholder.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';

import {
	buildDeadLetter,
	checkKeyring,
	createRedactor,
	failureFacts,
	fillFromOriginal,
	findPlaceholders,
	parseKeyring,
	replayPayload,
	seal,
	SealError,
	unseal,
	unwrapReplayed,
	type DeadLetterData,
} from '../../../nodes/shared/core/deadletter';

const KEY_1 = randomBytes(32).toString('base64');
const KEY_2 = randomBytes(32).toString('hex');
const ring = (keyId = 'k1', key = KEY_1, previousKeys = '') =>
	parseKeyring({ keyId, key, previousKeys });

function reason(fn: () => unknown): string {
	try {
		fn();
	} catch (error) {
		assert.ok(error instanceof SealError, `a SealError, not ${String(error)}`);
		return `${error.reason}: ${error.message}`;
	}
	assert.fail('did not throw');
}

describe('keys', () => {
	test('a 32-byte key in base64 (standard or URL-safe) or hex; anything else is refused, naming the line', () => {
		checkKeyring(ring());
		checkKeyring(ring('k2', KEY_2));
		checkKeyring(ring('k3', KEY_1.replace(/\+/g, '-').replace(/\//g, '_')));
		for (const bad of ['', 'passphrase', KEY_1.slice(0, 40), `${KEY_2}00`, 'é'.repeat(44)])
			assert.match(
				reason(() => ring('k1', bad)),
				/^badKey: Key \(key ID "k1"\) is not a 32-byte key/,
			);
		assert.match(
			reason(() => ring('', KEY_1)),
			/^badKey: Key: the key ID must be/,
		);
		assert.match(
			reason(() => ring('a b', KEY_1)),
			/key ID must be/,
		);
		assert.match(
			reason(() => ring('k2', KEY_2, `\n# old\nk1=${KEY_1}\nnot a line`)),
			/^badKey: Previous Keys, line 4: write it as <key id>=<key>/,
		);
		assert.match(
			reason(() => ring('k1', KEY_1, `k1=${KEY_2}`)),
			/key ID "k1" is used twice/,
		);
		assert.doesNotMatch(
			reason(() => ring('k1', `${KEY_2.slice(0, 60)}`)),
			new RegExp(KEY_2.slice(0, 20)),
		);
	});
});

describe('seal and unseal', () => {
	const value = JSON.parse(
		'{"__proto__":{"a":1},"b":"Zoë ✓","c":[1,null,{"d":true}],"api_key":"x"}',
	);

	test('round trip gives the same JSON text back, __proto__ as data; a fresh IV each time', () => {
		const keys = ring();
		const sealed = seal(value, keys, 'record-1');
		assert.equal(sealed.kid, 'k1');
		assert.equal(JSON.stringify(unseal(sealed, keys, 'record-1')), JSON.stringify(value));
		assert.notEqual(seal(value, keys, 'record-1').iv, sealed.iv);
		assert.ok(!JSON.stringify(sealed).includes('api_key'));
	});

	test('the wrong key, another record, altered data or an unknown key id fail with a reason', () => {
		const sealed = seal(value, ring(), 'record-1');
		assert.match(
			reason(() => unseal(sealed, ring('k1', KEY_2), 'record-1')),
			/^wrongKey: key ID "k1"/,
		);
		assert.match(
			reason(() => unseal(sealed, ring(), 'record-2')),
			/^wrongKey/,
		);
		const altered = { ...sealed, data: Buffer.from('x').toString('base64') };
		assert.match(
			reason(() => unseal(altered, ring(), 'record-1')),
			/^wrongKey/,
		);
		assert.match(
			reason(() => unseal(sealed, ring('k9', KEY_2), 'record-1')),
			/^unknownKey: it was encrypted with key ID "k1", which the Encryption Key credential does not hold \(known: "k9"\)/,
		);
		assert.match(
			reason(() => unseal({ ...sealed, iv: 'AA==' }, ring(), 'record-1')),
			/^malformed/,
		);
	});

	test('rotation: a record sealed with an old key opens while that key is under Previous Keys', () => {
		const sealed = seal(value, ring('k1', KEY_1), 'r');
		const rotated = ring('k2', KEY_2, `k1=${KEY_1}`);
		assert.equal(JSON.stringify(unseal(sealed, rotated, 'r')), JSON.stringify(value));
		assert.equal(seal(value, rotated, 'r').kid, 'k2', 'new records take the new key');
	});
});

describe('what a replay sends', () => {
	const redactor = createRedactor();
	const payload = {
		id: 7,
		api_key: 'k_live_123456789abcdef',
		note: 'Authorization: Bearer abcdefghijklmnop',
		ok: 'kept',
	};
	const data = (
		keyring: ReturnType<typeof ring> | null,
		input: Record<string, unknown> = payload,
	) =>
		buildDeadLetter(
			{
				id: 'r-7',
				payload: input,
				binary: null,
				facts: failureFacts({ message: 'Service Unavailable', httpCode: '503' }),
				classification: { class: 'transient', reason: 'HTTP 503' },
				failedNode: 'Vendor',
				workflow: { id: '1', name: 'w' },
				executionId: '9',
				correlationId: 'c',
			},
			redactor,
			keyring,
		);

	test('a record counts what redaction took, and seals the original only when something was taken', () => {
		const sealed = data(ring());
		assert.equal(sealed.payloadLost, 2);
		assert.ok(sealed.sealed);
		assert.equal(sealed.payload.api_key, '[REDACTED]');
		const clean = data(ring(), { id: 1, email: 'a@example.com' });
		assert.equal(clean.payloadLost, 0);
		assert.equal(clean.sealed, null, 'nothing to seal');
		assert.equal(data(null).sealed, null);
	});

	test('sealed: the captured payload; without the key: Needs Input naming the fields', () => {
		const record = data(ring());
		assert.deepEqual(replayPayload('r-7', record, null, ring()), {
			ready: true,
			payload,
			edited: false,
			fromSealed: true,
		});
		assert.deepEqual(replayPayload('r-7', record, null, null), {
			ready: false,
			placeholders: { paths: ['api_key', 'note'], count: 2 },
			edited: false,
		});
		assert.throws(
			() => replayPayload('r-8', record, null, ring()),
			SealError,
			'bound to its record',
		);
	});

	test('an exact record is sent as stored, even with "[REDACTED]" in its data; an older record is looked at', () => {
		const exact = data(null, { id: 1, text: 'literally [REDACTED] upstream' });
		assert.equal(replayPayload('r-7', exact, null, null).ready, true);
		const older = { ...exact, payloadLost: undefined } as DeadLetterData;
		assert.equal(replayPayload('r-7', older, null, null).ready, false);
	});

	test('an edit keeps its changes; placeholders it left are filled from the original, or named', () => {
		const record = data(ring());
		const edited = { ...record.payload, ok: 'changed' };
		const withKey = replayPayload('r-7', record, edited, ring());
		assert.deepEqual(withKey, {
			ready: true,
			payload: { ...payload, ok: 'changed' },
			edited: true,
			fromSealed: true,
		});
		const withoutKey = replayPayload('r-7', record, edited, null);
		assert.equal(withoutKey.ready, false);
		const filled = { ...edited, api_key: 'new', note: 'no secret' };
		assert.deepEqual(replayPayload('r-7', record, filled, null), {
			ready: true,
			payload: filled,
			edited: true,
			fromSealed: false,
		});
		// A placeholder the edit moved elsewhere is not filled: only the same place, same text.
		const moved = { ...record.payload, other: '[REDACTED]' };
		const result = replayPayload('r-7', record, moved, ring());
		assert.deepEqual(result.ready ? null : result.placeholders.paths, ['other']);
	});

	test('placeholders are found in arrays, nested objects and cut values; hostile shapes stay bounded', () => {
		assert.deepEqual(
			findPlaceholders({
				a: [{ b: 'x [REDACTED] y' }],
				c: '[circular]',
				d: '[cut: nested deeper than 200 levels]',
			}),
			{
				paths: ['a[0].b', 'c', 'd'],
				count: 3,
			},
		);
		const wide = Array.from({ length: 200 }, () => '[REDACTED]');
		const found = findPlaceholders(wide);
		assert.equal(found.count, 200);
		assert.equal(found.paths.length, 50);
		let deep: unknown = '[REDACTED]';
		for (let level = 0; level < 10_000; level++) deep = { n: deep };
		assert.equal(findPlaceholders(deep).count, 1, 'no recursion: 10,000 levels');
		assert.deepEqual(fillFromOriginal('[REDACTED]', '[REDACTED]', 'secret'), 'secret');
		assert.deepEqual(
			fillFromOriginal(['[REDACTED]'], 'x', ['s']),
			['[REDACTED]'],
			'shape changed: kept',
		);
	});

	test('a replayed item of version 2.2 is captured again as its payload field', () => {
		const marker = { id: 'x', queue: 'q', attempt: 2, payloadField: 'payload' };
		assert.deepEqual(unwrapReplayed({ payload: { id: 1 } }, [undefined, marker]), { id: 1 });
		assert.deepEqual(unwrapReplayed({ payload: 'text' }, [marker]), { payload: 'text' });
		assert.deepEqual(
			unwrapReplayed({ payload: { id: 1 } }, [{ ...marker, payloadField: undefined }]),
			{
				payload: { id: 1 },
			},
		);
	});
});
