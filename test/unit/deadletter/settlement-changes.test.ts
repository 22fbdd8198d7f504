// The queue settlement fields a dead letter's schedule depends on (issue 19): a new
// category and a lease taken back, checked before any store is touched (the stores'
// behaviour: test/stores/queue-settle-class.test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { normalizeSettlements } from '../../../nodes/shared/stores/validate';

describe('queue settlements that change the schedule', () => {
	test('a category and countLease false pass through; absent, nothing changes', () => {
		assert.deepEqual(
			normalizeSettlements([
				{ id: 'a', owner: 'o', status: 'pending', category: 'rateLimit', countLease: false },
				{ id: 'b', status: 'done' },
				{ id: 'c', owner: 'o', status: 'pending', countLease: true },
			]).map(({ id, category, uncount }) => ({ id, category, uncount })),
			[
				{ id: 'a', category: 'rateLimit', uncount: true },
				{ id: 'b', category: null, uncount: false },
				{ id: 'c', category: null, uncount: false },
			],
		);
	});

	test('refuses a take-back without the lease owner, a non-boolean countLease and a bad category', () => {
		const bad: Array<[unknown, RegExp]> = [
			[{ id: 'a', status: 'pending', countLease: false }, /countLease false needs the owner/],
			[{ id: 'a', owner: 'o', status: 'pending', countLease: 0 }, /countLease must be a boolean/],
			[{ id: 'a', status: 'pending', category: '' }, /category/],
			[{ id: 'a', status: 'pending', category: 7 }, /category/],
			[{ id: 'a', status: 'pending', category: 'x\u0000' }, /category/],
		];
		for (const [settlement, message] of bad)
			assert.throws(() => normalizeSettlements([settlement]), message, JSON.stringify(settlement));
	});
});
