import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	backoffDelay,
	BackoffPolicyError,
	DEFAULT_BACKOFF,
	isBackoffPolicyError,
	nextDelay,
	resolveBackoffPolicy,
} from '../../../nodes/shared/core/ratelimit';
import { seededRandom as seeded } from '../../support/fuzz';

describe('backoff policy', () => {
	it('has its defaults in one frozen object', () => {
		assert.deepEqual(DEFAULT_BACKOFF, { baseMs: 1000, factor: 2, maxMs: 60_000, jitter: 'full' });
		assert.ok(Object.isFrozen(DEFAULT_BACKOFF));
	});

	it('names the option that is out of range', () => {
		const cases: Array<[Record<string, unknown>, string]> = [
			[{ baseMs: -1 }, 'baseMs'],
			[{ baseMs: Number.NaN }, 'baseMs'],
			[{ factor: 0.5 }, 'factor'],
			[{ factor: Number.POSITIVE_INFINITY }, 'factor'],
			[{ baseMs: 5000, maxMs: 1000 }, 'maxMs'],
			[{ jitter: 'random' }, 'jitter'],
			[{ baseMs: '1000' }, 'baseMs'],
		];
		for (const [overrides, option] of cases) {
			assert.throws(
				() => resolveBackoffPolicy(overrides as never),
				(error: unknown) =>
					isBackoffPolicyError(error) &&
					error.option === option &&
					error instanceof BackoffPolicyError,
				JSON.stringify(overrides),
			);
		}
	});
});

describe('backoffDelay', () => {
	const none = resolveBackoffPolicy({ baseMs: 100, factor: 2, maxMs: 10_000, jitter: 'none' });

	it('grows exponentially from the base and stops at the max', () => {
		assert.deepEqual(
			[1, 2, 3, 4, 5, 6, 7, 8].map((retry) => backoffDelay(retry, none)),
			[100, 200, 400, 800, 1600, 3200, 6400, 10_000],
		);
	});

	it('keeps full jitter within [0, ceiling] and actually spreads', () => {
		const policy = { ...none, jitter: 'full' as const };
		const random = seeded(7);
		for (let retry = 1; retry <= 10; retry++) {
			const ceiling = Math.min(10_000, 100 * 2 ** (retry - 1));
			const draws = Array.from({ length: 2000 }, () => backoffDelay(retry, policy, random));
			assert.ok(
				draws.every((delay) => delay >= 0 && delay <= ceiling),
				`retry ${retry}`,
			);
			// Spread: both the lower and the upper fifth of the range are hit.
			assert.ok(
				draws.some((delay) => delay < ceiling * 0.2) &&
					draws.some((delay) => delay > ceiling * 0.8),
				`retry ${retry} spread`,
			);
		}
	});

	it('keeps equal jitter within [ceiling/2, ceiling]', () => {
		const policy = { ...none, jitter: 'equal' as const };
		const random = seeded(11);
		for (let retry = 1; retry <= 10; retry++) {
			const ceiling = Math.min(10_000, 100 * 2 ** (retry - 1));
			for (let draw = 0; draw < 500; draw++) {
				const delay = backoffDelay(retry, policy, random);
				assert.ok(delay >= ceiling / 2 && delay <= ceiling, `retry ${retry}: ${delay}`);
			}
		}
	});

	it('survives hostile attempt counts and random sources', () => {
		const policy = resolveBackoffPolicy();
		for (const retry of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, 1e308, 2 ** 53, 1.7]) {
			const delay = backoffDelay(retry, policy, () => 0.5);
			assert.ok(
				Number.isFinite(delay) && delay >= 0 && delay <= policy.maxMs,
				`${retry} → ${delay}`,
			);
		}
		for (const random of [
			() => Number.NaN,
			() => -1,
			() => 1,
			() => 7,
			() => Number.POSITIVE_INFINITY,
		]) {
			const delay = backoffDelay(3, policy, random);
			assert.ok(Number.isFinite(delay) && delay >= 0 && delay <= 4000, String(delay));
		}
	});
});

describe('nextDelay', () => {
	it('honours a server wait longer than the backoff, and keeps the backoff otherwise', () => {
		assert.deepEqual(nextDelay(1000, 30_000), { delayMs: 30_000, source: 'server' });
		assert.deepEqual(nextDelay(1000, 200), { delayMs: 1000, source: 'backoff' });
		assert.deepEqual(nextDelay(1000, null), { delayMs: 1000, source: 'backoff' });
		assert.deepEqual(nextDelay(1000, Number.NaN), { delayMs: 1000, source: 'backoff' });
		assert.deepEqual(nextDelay(0, 1500.2), { delayMs: 1501, source: 'server' });
	});
});
