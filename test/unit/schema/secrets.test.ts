/**
 * What Schema Guard and Canonical Transform say about a value never carries a secret
 * from the data (issue 14, finding 5): by the field's name, by the value's shape.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DriftCollector } from '../../../nodes/shared/core/schema/drift';
import { describeFound, shownValue } from '../../../nodes/shared/core/schema/secrets';
import { showValue } from '../../../nodes/shared/core/transform/errors';
import { check, compile, object } from './helpers';

const STRIPE = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
const JWT =
	'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

describe('Schema Guard describes values without secrets', () => {
	const cases: Array<[string, readonly (string | number)[], unknown, string]> = [
		['a secret name, string', ['customer', 'apiKey'], 'k-123456789', 'a string ([REDACTED])'],
		['a secret name, number', ['pin', 'password'], 1234, 'an integer ([REDACTED])'],
		['a secret name in an array', ['users', 0, 'accessToken'], 'abc', 'a string ([REDACTED])'],
		['a vendor key by shape', ['status'], STRIPE, 'a string ("[REDACTED]")'],
		['a JWT by shape', ['status'], JWT, 'a string ("[REDACTED]")'],
		[
			'a bearer token by shape',
			['note'],
			'Bearer abcdefghijklmnopqrstuvwxyz',
			'a string ("Bearer [REDACTED]")',
		],
		[
			'a URL password by shape',
			['url'],
			'https://user:pa55word-long@db.example.com',
			'a string ("https://user:[REDACTED]@db.example.com")',
		],
		['an ordinary value', ['status'], 'archived', 'a string ("archived")'],
		['an ordinary number', ['age'], 42, 'an integer (42)'],
		['a missing value', ['apiKey'], undefined, 'nothing (the field is missing)'],
	];
	for (const [name, path, value, words] of cases) {
		it(name, () => assert.equal(describeFound(path, value), words));
	}

	it("redacts inside objects (an enum value that is an object) and keeps a long string's length", () => {
		assert.deepEqual(shownValue(['status'], { token: 'abc', kind: 'x' }), {
			token: '[REDACTED]',
			kind: 'x',
		});
		assert.equal(
			describeFound(['status'], `${STRIPE} ${'x'.repeat(10_000)}`),
			'a string ("[REDACTED] xxxxxxxxxxxxxxxxxxxxxxxxxxxxx"… (10033 characters))',
		);
	});
});

describe('Schema Guard names fields without secrets', () => {
	it('a new field keyed by a token is named redacted, and still removed by Discard Value', () => {
		const schema = compile(
			object({ id: { type: 'integer' }, tokens: { type: 'object', properties: {} } }, ['id']),
		);
		const item = { id: 1, [STRIPE]: true, tokens: { [JWT]: 'x' } };
		const evolved = check(schema, item);
		assert.equal(evolved.outcome, 'valid');
		const said = JSON.stringify([
			evolved.changes,
			evolved.findings.map((finding) => [finding.fieldPath, finding.message]),
		]);
		assert.ok(!said.includes(STRIPE) && !said.includes(JWT), said);
		assert.deepEqual(
			evolved.changes.map((change) => change.path),
			['tokens["[REDACTED]"]', '["[REDACTED]"]'],
		);
		const discarded = check(schema, item, { fieldAdded: 'discardValue' });
		assert.deepEqual(discarded.json, { id: 1, tokens: {} });
		const collector = new DriftCollector(schema.model);
		collector.observe(0, evolved.findings, item, undefined);
		assert.ok(!JSON.stringify(collector.entries()).includes(STRIPE));
	});
});

describe('Canonical Transform error messages quote values without secrets', () => {
	it('redacts by the source or target field name', () => {
		assert.equal(showValue('hunter2hunter2', 'pin', '"password"'), '[REDACTED]');
		assert.equal(showValue('hunter2hunter2', 'headers.authorization'), '[REDACTED]');
		assert.equal(showValue(null, '"password"'), 'null');
	});

	it('redacts by shape, before cutting', () => {
		assert.equal(showValue(`key ${STRIPE}`), '"key [REDACTED]"');
		assert.equal(showValue({ nested: { secret: 'x' } }), '{"nested":{"secret":"[REDACTED]"}}');
		assert.equal(showValue('Thirty-first of February'), '"Thirty-first of February"');
	});
});
