import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IDataObject } from 'n8n-workflow';

import { assertNoSecretLeak, fuzzCases } from '../support/fuzz';

/** The fuzz tests' own checks must be able to fail. */
describe('fuzz support', () => {
	const secret = 'sk_live_SECRETz123';
	const run = (outputJson: IDataObject) => ({
		nodes: {
			Guard: {
				runs: [
					{
						inputs: [[{ json: { apiKey: secret, id: 1 } }]],
						outputNames: ['Proceed'],
						outputs: [[{ json: outputJson, pairedItem: { item: 0 } }]],
					},
				],
			},
		},
	});

	it('lets a secret pass through where the input held it', () => {
		assertNoSecretLeak(run({ apiKey: secret, id: 1, route: 'proceed' }), 'Guard', [secret]);
	});

	it('fails when a secret moved into a new field or an error message', () => {
		assert.throws(
			() => assertNoSecretLeak(run({ id: 1, details: { sample: secret } }), 'Guard', [secret]),
			/\$\.details\.sample/,
		);
		assert.throws(
			() => assertNoSecretLeak(run({ error: `bad key ${secret}` }), 'Guard', [secret]),
			/\$\.error/,
		);
	});

	it('replays the same cases from the same seed, and plants secrets in every case', () => {
		const first = fuzzCases({ seed: 7, hugeBytes: 1024 });
		assert.deepEqual(
			fuzzCases({ seed: 7, hugeBytes: 1024 }).map((fuzz) => fuzz.items),
			first.map((fuzz) => fuzz.items),
		);
		for (const fuzz of first) {
			assert.ok(
				fuzz.secrets.length > 0 && fuzz.secrets.every((secret) => fuzz.items.includes(secret)),
				fuzz.name,
			);
		}
		assert.ok(
			first.some((fuzz) => fuzz.items.includes('"__proto__"')),
			'a case with an own __proto__ key',
		);
	});
});
