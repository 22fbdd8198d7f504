import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { headerSafe, traceIdFor, traceparentFor } from '../../../nodes/shared/core/ratelimit';

describe('correlation across the boundary: traceparent', () => {
	it('takes a UUID correlation ID as the trace ID, hashes anything else, never all zeros', () => {
		assert.equal(
			traceIdFor('0190D7A4-5C2E-7B3A-8F00-123456789ABC'),
			'0190d7a45c2e7b3a8f00123456789abc',
		);
		assert.match(traceIdFor('order-1'), /^[0-9a-f]{32}$/);
		assert.equal(traceIdFor('order-1'), traceIdFor('order-1'), 'one ID, one trace');
		assert.notEqual(traceIdFor('00000000-0000-0000-0000-000000000000'), '0'.repeat(32));
	});

	it('formats version 00, sampled, with the parent ID given', () => {
		const parent = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
		assert.equal(
			traceparentFor('0190d7a45c2e7b3a8f00123456789abc', parent),
			'00-0190d7a45c2e7b3a8f00123456789abc-0102030405060708-01',
		);
		assert.match(traceparentFor('x', new Uint8Array(8)), /-0000000000000001-01$/);
	});

	it('sends only header-safe values', () => {
		assert.equal(headerSafe('order-1'), 'order-1');
		assert.equal(headerSafe('a\r\nX-Injected: 1'), null);
		assert.equal(headerSafe(''), null);
		assert.equal(headerSafe('x'.repeat(201)), null);
	});
});
