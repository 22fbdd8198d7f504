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
