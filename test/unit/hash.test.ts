import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { stableHash, stableStringify } from '../../nodes/shared/core/hash';

describe('stableStringify', () => {
	it('gives the same string whatever the key order, at every depth', () => {
		assert.equal(
			stableStringify({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'x' } }),
			stableStringify({ a: { c: 'x', d: [1, { x: 1, y: 2 }] }, b: 1 }),
		);
	});

	it('keeps array order, since it carries meaning', () => {
		assert.notEqual(stableStringify([1, 2]), stableStringify([2, 1]));
	});

	it('treats __proto__ and constructor as plain keys without touching prototypes', () => {
		const hostile = JSON.parse(
			'{"__proto__": {"polluted": true}, "constructor": {"prototype": 1}}',
		) as object;
		const text = stableStringify(hostile);
		assert.match(text, /__proto__/);
		assert.equal(({} as Record<string, unknown>).polluted, undefined);
	});

	it('encodes values JSON cannot hold, so they still hash distinctly', () => {
		assert.equal(stableStringify({ a: undefined, b: 1 }), '{"b":1}');
		assert.equal(stableStringify(Number.NaN), '"NaN"');
		assert.equal(stableStringify(10n), '"10"');
		assert.equal(stableStringify(new Date(0)), '"1970-01-01T00:00:00.000Z"');
	});

	it('refuses cycles with a clear error instead of overflowing the stack', () => {
		const cyclic: Record<string, unknown> = { a: 1 };
		cyclic.self = cyclic;
		assert.throws(() => stableStringify(cyclic), /contains itself/);
	});

	it('accepts the same object twice when it is not a cycle', () => {
		const shared = { x: 1 };
		assert.equal(stableStringify({ a: shared, b: shared }), '{"a":{"x":1},"b":{"x":1}}');
	});
});

describe('stableHash', () => {
	it('is a 64-character hex SHA-256', () => {
		assert.match(stableHash({ a: 1 }), /^[0-9a-f]{64}$/);
	});

	it('distinguishes a number from its string', () => {
		assert.notEqual(stableHash({ id: 1 }), stableHash({ id: '1' }));
	});
});
