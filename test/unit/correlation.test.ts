import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readCorrelationId, uuidv7 } from '../../nodes/shared/core/correlation';

describe('uuidv7', () => {
	it('has the version 7 and RFC variant bits', () => {
		const id = uuidv7();
		assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
	});

	it('encodes the time first, so ids sort by creation time', () => {
		const earlier = uuidv7(1_700_000_000_000, Buffer.alloc(10, 0xff));
		const later = uuidv7(1_700_000_000_001, Buffer.alloc(10, 0x00));
		assert.ok(earlier < later);
		assert.equal(
			earlier.slice(0, 13).replace('-', ''),
			(1_700_000_000_000).toString(16).padStart(12, '0'),
		);
	});

	it('is unique across many calls', () => {
		assert.equal(new Set(Array.from({ length: 10_000 }, () => uuidv7())).size, 10_000);
	});

	it('is strictly increasing within a burst, past 4096 ids in one millisecond', () => {
		const at = Date.now() + 60_000;
		const ids = Array.from({ length: 10_000 }, () => uuidv7(at));
		for (let i = 1; i < ids.length; i++)
			assert.ok(ids[i - 1] < ids[i], `${ids[i - 1]} < ${ids[i]}`);
		for (const id of ids)
			assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
		const millis = (id: string) => Number.parseInt(id.slice(0, 13).replace('-', ''), 16);
		assert.equal(millis(ids[0]), at);
		// 4096 counter values per millisecond at most: the time moved on, by little.
		assert.ok(millis(ids.at(-1)!) > at && millis(ids.at(-1)!) <= at + 5);
	});

	it('never goes back when the clock does', () => {
		const later = uuidv7(Date.now() + 120_000);
		assert.ok(uuidv7(Date.now()) > later);
	});
});

describe('readCorrelationId', () => {
	it('accepts non-empty strings and finite numbers only', () => {
		assert.equal(readCorrelationId({ c: 'abc' }, 'c'), 'abc');
		assert.equal(readCorrelationId({ c: 42 }, 'c'), '42');
		for (const value of ['', '   ', null, {}, [], Number.NaN, true]) {
			assert.equal(readCorrelationId({ c: value }, 'c'), undefined);
		}
	});

	it('ignores inherited properties', () => {
		assert.equal(readCorrelationId({}, 'constructor'), undefined);
	});
});
