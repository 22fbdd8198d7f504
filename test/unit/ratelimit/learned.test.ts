import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	cappedHold,
	compareLimits,
	DEFAULT_MAX_HOLD_MS,
	holdFrom,
	LearnedLimit,
	readRateLimitHeaders,
} from '../../../nodes/shared/core/ratelimit';

const NOW = Date.parse('2026-11-27T08:00:00.000Z');

describe('learned limits', () => {
	it('holds until the reset when the vendor says nothing is left, before any 429', () => {
		const facts = readRateLimitHeaders(
			{ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2' },
			NOW,
		);
		assert.equal(holdFrom(facts, NOW, 200), NOW + 2000);
		const learned = new LearnedLimit();
		learned.observe(facts, NOW, 200);
		assert.equal(learned.waitMs(NOW), 2000);
		assert.equal(learned.waitMs(NOW + 2500), 0);
		assert.deepEqual(learned.observed, {
			limit: 10,
			remaining: 0,
			resetAt: '2026-11-27T08:00:02.000Z',
			windowSeconds: null,
			observedAt: '2026-11-27T08:00:00.000Z',
		});
	});

	it('holds for Retry-After on 429 and 503, not on a success that merely mentions it', () => {
		const facts = readRateLimitHeaders({ 'retry-after': '5' }, NOW);
		assert.equal(holdFrom(facts, NOW, 429), NOW + 5000);
		assert.equal(holdFrom(facts, NOW, 503), NOW + 5000);
		assert.equal(holdFrom(facts, NOW, 200), null);
		assert.equal(
			holdFrom(
				readRateLimitHeaders({ 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': '9' }, NOW),
				NOW,
				200,
			),
			null,
		);
	});

	it('never shortens a hold when responses race', () => {
		const learned = new LearnedLimit();
		learned.observe(readRateLimitHeaders({ 'retry-after': '10' }, NOW), NOW, 429);
		learned.observe(readRateLimitHeaders({ 'retry-after': '1' }, NOW), NOW, 429);
		assert.equal(learned.waitMs(NOW), 10_000);
	});

	it('caps a learned hold (default five minutes), says so, and records none the node refused', () => {
		const day = readRateLimitHeaders({ 'retry-after': '86400' }, NOW);
		assert.equal(DEFAULT_MAX_HOLD_MS, 300_000);
		assert.deepEqual(cappedHold(day, NOW, 429, DEFAULT_MAX_HOLD_MS), {
			until: NOW + 300_000,
			hold: { requestedMs: 86_400_000, heldMs: 300_000, capped: true, recorded: true },
		});
		assert.deepEqual(
			cappedHold(readRateLimitHeaders({ 'retry-after': '5' }, NOW), NOW, 429, 60_000)?.hold,
			{ requestedMs: 5000, heldMs: 5000, capped: false, recorded: true },
		);
		assert.equal(
			cappedHold(readRateLimitHeaders({ 'retry-after': '5' }, NOW), NOW, 200, 60_000),
			null,
		);
		const learned = new LearnedLimit();
		assert.deepEqual(learned.observe(day, NOW, 429), {
			requestedMs: 86_400_000,
			heldMs: 300_000,
			capped: true,
			recorded: true,
		});
		assert.equal(learned.waitMs(NOW), 300_000, 'the default cap');
		const refused = new LearnedLimit();
		assert.deepEqual(refused.observe(day, NOW, 429, 60_000, false), {
			requestedMs: 86_400_000,
			heldMs: 0,
			capped: false,
			recorded: false,
		});
		assert.equal(refused.waitMs(NOW), 0, 'a refused hold holds nobody');
		const farReset = readRateLimitHeaders(
			{ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '86400' },
			NOW,
		);
		assert.equal(new LearnedLimit().observe(farReset, NOW, 200, 2000)?.heldMs, 2000);
	});

	it('compares the observed limit with the configured one, across windows', () => {
		const observed = (limit: number, windowSeconds: number | null) => ({
			limit,
			remaining: 1,
			resetAt: null,
			windowSeconds,
			observedAt: '',
		});
		assert.equal(compareLimits({ limit: 100, per: 'minute' }, observed(60, null)).verdict, 'lower');
		assert.equal(compareLimits({ limit: 100, per: 'minute' }, observed(100, 60)).verdict, 'same');
		// 10 per second is 600 per minute: more than the 100 documented.
		assert.equal(compareLimits({ limit: 100, per: 'minute' }, observed(10, 1)).verdict, 'higher');
		assert.equal(compareLimits({ limit: 100, per: 'minute' }, null).verdict, 'unknown');
		assert.equal(
			compareLimits({ limit: 100, per: 'minute' }, { ...observed(1, null), limit: null }).verdict,
			'unknown',
		);
	});
});
