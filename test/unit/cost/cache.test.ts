import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { asCacheEntry, cacheKeyOf, normaliseForKey } from '../../../nodes/shared/core/cost/cache';
import { estimateCallNanos, promptTokens } from '../../../nodes/shared/core/cost/estimate';
import { priceBook } from '../../../nodes/shared/core/cost/pricing';

describe('cache keys', () => {
	const plain = { ignoreCase: false };

	it('normalises whitespace, and case when asked', () => {
		assert.equal(
			cacheKeyOf({ text: '  Hello   world\n' }, ['text'], plain),
			cacheKeyOf({ text: 'Hello world' }, ['text'], plain),
		);
		assert.notEqual(
			cacheKeyOf({ text: 'Hello' }, ['text'], plain),
			cacheKeyOf({ text: 'hello' }, ['text'], plain),
		);
		assert.equal(
			cacheKeyOf({ text: 'Hello' }, ['text'], { ignoreCase: true }),
			cacheKeyOf({ text: 'hello' }, ['text'], { ignoreCase: true }),
		);
		assert.deepEqual(normaliseForKey({ b: [' x '], a: Number.NaN }, plain), { b: ['x'], a: 'NaN' });
	});

	it('keys on the named fields only, in their order, with missing ones as null', () => {
		const a = cacheKeyOf({ text: 'x', lang: 'en', id: 1 }, ['text', 'lang'], plain);
		assert.equal(a, cacheKeyOf({ lang: 'en', text: 'x', id: 2 }, ['text', 'lang'], plain));
		assert.notEqual(a, cacheKeyOf({ text: 'x', lang: 'de' }, ['text', 'lang'], plain));
		assert.equal(cacheKeyOf({}, ['text'], plain), cacheKeyOf({ text: null }, ['text'], plain));
		assert.notEqual(
			cacheKeyOf({ text: '1' }, ['text'], plain),
			cacheKeyOf({ text: 1 }, ['text'], plain),
		);
		assert.match(a, /^[0-9a-f]{64}$/);
	});

	it('survives hostile input', () => {
		const hostile = JSON.parse('{"__proto__": {"polluted": true}, "text": "x"}');
		assert.match(cacheKeyOf(hostile, ['__proto__', 'text'], plain), /^[0-9a-f]{64}$/);
		assert.equal(({} as Record<string, unknown>).polluted, undefined);
		let deep: unknown = 'x';
		for (let index = 0; index < 100; index++) deep = [deep];
		assert.throws(() => cacheKeyOf({ deep }, ['deep'], plain), /nested more than 64/);
		assert.match(cacheKeyOf({ big: 'y'.repeat(5_000_000) }, ['big'], plain), /^[0-9a-f]{64}$/);
	});

	it('reads stored entries defensively', () => {
		assert.equal(asCacheEntry(null), null);
		assert.equal(asCacheEntry({ costNanos: 5 }), null);
		assert.deepEqual(asCacheEntry({ response: { a: 1 }, costNanos: -3, storedAt: 'x' }), {
			response: { a: 1 },
			costNanos: 0,
			storedAt: 0,
		});
		assert.deepEqual(asCacheEntry({ response: 'text', costNanos: 12, storedAt: 9 }), {
			response: 'text',
			costNanos: 12,
			storedAt: 9,
		});
	});
});

describe('estimate from the prompt', () => {
	it('counts tokens with the o200k_base encoding', () => {
		assert.equal(promptTokens(''), 0);
		assert.equal(promptTokens('Hello world'), 2);
		assert.ok(promptTokens('word '.repeat(1000)) >= 1000);
	});

	it('prices the prompt at the input rate and the expected output at the output rate', () => {
		const price = priceBook().priceOf('gpt-4o-mini')!;
		// 1,000 input at 0.15 and 500 output at 0.60 per million: 150,000 + 300,000 nanos.
		assert.equal(estimateCallNanos(1000, 500, price), 450_000);
		assert.equal(estimateCallNanos(-5, Number.NaN, price), 0);
	});
});
