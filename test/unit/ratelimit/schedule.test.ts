import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { nextDueAt, takeDue, type Scheduled } from '../../../nodes/shared/core/ratelimit';

const entry = (dueAt: number, seq: number): Scheduled<string> => ({ dueAt, seq, value: `v${seq}` });

describe('per-item retry schedule', () => {
	it('releases at most max items that are due, earliest first, arrival order on a tie', () => {
		const waiting = [entry(300, 0), entry(100, 1), entry(100, 2), entry(200, 3), entry(900, 4)];
		const { released, waiting: left } = takeDue(waiting, 250, 2);
		assert.deepEqual(
			released.map((item) => item.value),
			['v1', 'v2'],
		);
		assert.deepEqual(
			left.map((item) => item.value),
			['v3', 'v0', 'v4'],
		);
		assert.equal(nextDueAt(left), 200);
	});

	it('releases nothing before the first due time, nothing with max 0 or NaN, and never mutates its input', () => {
		const waiting = [entry(500, 0), entry(400, 1)];
		const frozen = Object.freeze([...waiting]);
		assert.equal(takeDue(frozen, 399, 10).released.length, 0);
		assert.equal(takeDue(frozen, 1000, 0).released.length, 0);
		assert.equal(takeDue(frozen, 1000, Number.NaN).released.length, 0);
		assert.equal(takeDue(frozen, 1000, 10).released.length, 2);
		assert.equal(nextDueAt([]), null);
		assert.equal(nextDueAt(frozen), 400);
	});
});
