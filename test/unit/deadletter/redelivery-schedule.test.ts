import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
	ANY_MORE_ATTEMPTS,
	checkPolicy,
	DEFAULT_REDELIVERY_POLICY,
	dueRules,
	FAILURE_CLASSES,
	parseSchedule,
	planRedelivery,
	releaseTimeOf,
	redeliveryWaitMs,
	type RedeliveryPolicy,
	type ScheduledEntry,
} from '../../../nodes/shared/core/deadletter';
import { isSettingsError } from '../../../nodes/shared/core/errors/settings';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = 1_800_000_000_000;
const policy = DEFAULT_REDELIVERY_POLICY;

function entry(overrides: Partial<ScheduledEntry> = {}): ScheduledEntry {
	return {
		category: 'transient',
		attempts: 0,
		enqueuedAt: T0,
		lastTryAt: T0,
		jitter: 0.5,
		retryAfterSeconds: null,
		...overrides,
	};
}

/** A seeded draw in [0, 1): the randomness the store would give, injected. */
function draws(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
		return state / 2 ** 32;
	};
}

describe('redelivery schedule', () => {
	it('waits 1, 5, 30, 120 and 720 minutes for transient failures, the middle draw exactly', () => {
		const waits = [0, 1, 2, 3, 4].map((attempts) =>
			redeliveryWaitMs(policy, 'transient', attempts, 0.5, null),
		);
		assert.deepEqual(
			waits,
			[1, 5, 30, 120, 720].map((m) => m * MINUTE),
		);
		assert.equal(redeliveryWaitMs(policy, 'transient', 5, 0.5, null), null, 'past the schedule');
	});

	it('spreads each wait by ± the jitter, and every draw stays within the bounds', () => {
		const draw = draws(42);
		const seen: number[] = [];
		for (let run = 0; run < 2000; run++) {
			const wait = redeliveryWaitMs(policy, 'transient', 1, draw(), null)!;
			assert.ok(wait >= 4 * MINUTE && wait <= 6 * MINUTE, `${wait} within 5 min ± 20 %`);
			seen.push(wait);
		}
		// Spread, not a constant: the draws cover most of the band.
		assert.ok(Math.min(...seen) < 4.1 * MINUTE && Math.max(...seen) > 5.9 * MINUTE);
		assert.equal(redeliveryWaitMs(policy, 'transient', 1, 0, null), 4 * MINUTE);
	});

	it('treats a stored draw out of range (older rows, hostile data) as the middle', () => {
		for (const jitter of [-1, 1, 7, Number.NaN, Infinity, '0.9' as unknown as number])
			assert.equal(redeliveryWaitMs(policy, 'transient', 0, jitter, null), MINUTE);
	});

	it("waits for a rate limit's Retry-After, never less, capped at the longest honoured", () => {
		for (const u of [0, 0.3, 0.99]) {
			const wait = redeliveryWaitMs(policy, 'rateLimit', 0, u, 90)!;
			assert.ok(wait >= 90_000 && wait <= 90_000 * 1.2, `${wait}`);
		}
		assert.equal(redeliveryWaitMs(policy, 'rateLimit', 0, 0, 10 ** 12), policy.maxRetryAfterMs);
		// No Retry-After in the record: the rate-limit schedule.
		assert.equal(redeliveryWaitMs(policy, 'rateLimit', 2, 0.5, null), 15 * MINUTE);
		assert.equal(
			redeliveryWaitMs(policy, 'rateLimit', 0, 0.5, -5),
			MINUTE,
			'a negative one is ignored',
		);
		// Transient does not honour one.
		assert.equal(redeliveryWaitMs(policy, 'transient', 0, 0.5, 3600), MINUTE);
	});

	it('plans due and waiting records from the last try', () => {
		assert.deepEqual(planRedelivery(policy, entry(), T0 + MINUTE, null), {
			kind: 'due',
			dueAt: T0 + MINUTE,
		});
		assert.deepEqual(planRedelivery(policy, entry(), T0 + MINUTE - 1, null), {
			kind: 'waiting',
			dueAt: T0 + MINUTE,
		});
		const second = entry({ attempts: 1, lastTryAt: T0 + 10 * MINUTE });
		assert.equal(planRedelivery(policy, second, T0 + 14 * MINUTE, null).kind, 'waiting');
		assert.equal(planRedelivery(policy, second, T0 + 15 * MINUTE, null).kind, 'due');
	});

	it('never redelivers data failures, and parks what is used up or too old', () => {
		assert.deepEqual(
			planRedelivery(policy, entry({ category: 'data' }), T0 + 99 * HOUR, null).kind,
			'park',
		);
		assert.equal(
			planRedelivery(policy, entry({ category: 'data' }), T0 + HOUR, null).kind,
			'manual',
		);
		const used = planRedelivery(policy, entry({ attempts: 5 }), T0 + 1, null);
		assert.equal(used.kind, 'park');
		const old = planRedelivery(policy, entry({ attempts: 0 }), T0 + 72 * HOUR, null);
		assert.deepEqual(old, { kind: 'park', reason: 'older than the maximum age (72 h)' });
		const ageless = { ...policy, maxAgeMs: 0 };
		assert.equal(
			planRedelivery(ageless, entry({ category: 'data' }), T0 + 9999 * HOUR, null).kind,
			'manual',
		);
	});

	it('holds auth failures until a release that came after their last try', () => {
		const auth = entry({ category: 'auth', lastTryAt: T0 + 5 * MINUTE });
		assert.equal(planRedelivery(policy, auth, T0 + HOUR, null).kind, 'waitingForRelease');
		assert.equal(planRedelivery(policy, auth, T0 + HOUR, T0).kind, 'waitingForRelease');
		assert.deepEqual(planRedelivery(policy, auth, T0 + HOUR, T0 + 6 * MINUTE), {
			kind: 'due',
			dueAt: T0 + 6 * MINUTE,
		});
	});

	it('reads an unknown or missing class as unknown (the transient schedule by default)', () => {
		assert.equal(planRedelivery(policy, entry({ category: null }), T0 + MINUTE, null).kind, 'due');
		assert.equal(
			planRedelivery(policy, entry({ category: '__proto__' }), T0 + MINUTE, null).kind,
			'due',
		);
	});

	it('turns the policy into one store rule per class and step, plus one that parks', () => {
		const { rules, parkBefore } = dueRules(policy, T0, null);
		assert.equal(parkBefore, T0 - 72 * HOUR);
		const transient = rules.filter((rule) => rule.category === 'transient');
		assert.equal(transient.length, 6);
		assert.deepEqual(
			transient.map((rule) => [rule.minAttempts, rule.maxAttempts, rule.waitMs, rule.jitterMs]),
			[
				[0, 0, 0.8 * MINUTE, 0.4 * MINUTE],
				[1, 1, 4 * MINUTE, 2 * MINUTE],
				[2, 2, 24 * MINUTE, 12 * MINUTE],
				[3, 3, 96 * MINUTE, 48 * MINUTE],
				[4, 4, 576 * MINUTE, 288 * MINUTE],
				[5, ANY_MORE_ATTEMPTS, 0, 0],
			],
		);
		assert.ok(rules.every((rule) => rule.category !== 'data' && rule.category !== 'auth'));
		assert.ok(
			rules
				.filter((rule) => rule.category === 'rateLimit')
				.every((r, i, all) => (i < all.length - 1 ? r.retryAfterFactor === 0.2 : true)),
		);
		const released = dueRules(policy, T0, T0 - 5).rules.filter((rule) => rule.category === 'auth');
		assert.deepEqual(
			released.map((rule) => rule.releasedAt),
			[T0 - 5],
		);
		assert.equal(dueRules({ ...policy, maxAgeMs: 0 }, T0, null).parkBefore, null);
	});

	it('agrees with the store rules at every draw: a record is due exactly when a rule says so', () => {
		const draw = draws(7);
		for (let run = 0; run < 3000; run++) {
			const category = FAILURE_CLASSES[Math.floor(draw() * FAILURE_CLASSES.length)];
			const record = entry({
				category,
				attempts: Math.floor(draw() * 7),
				lastTryAt: T0,
				jitter: draw(),
				retryAfterSeconds: draw() < 0.5 ? Math.floor(draw() * 600) : null,
			});
			const now = T0 + Math.floor(draw() * 15 * HOUR);
			const plan = planRedelivery(policy, record, now, null);
			const { rules } = dueRules(policy, now, null);
			const byRule = rules.some((rule) => {
				if (rule.category !== category) return false;
				if (record.attempts < rule.minAttempts || record.attempts > rule.maxAttempts) return false;
				const wait =
					rule.retryAfterFactor !== null && record.retryAfterSeconds !== null
						? Math.min(record.retryAfterSeconds * 1000, rule.maxRetryAfterMs) *
							(1 + rule.retryAfterFactor * record.jitter)
						: rule.waitMs + rule.jitterMs * record.jitter;
				return record.lastTryAt + wait <= now + 1;
			});
			// Parked for age is the store's parkBefore, not a rule; used-up schedules are a rule with no wait.
			const expected =
				plan.kind === 'due' || (plan.kind === 'park' && !plan.reason.startsWith('older'));
			const dueAt = 'dueAt' in plan ? plan.dueAt : null;
			// Rounding of the spread may differ by a millisecond or two at the boundary.
			if (dueAt !== null && Math.abs(dueAt - now) <= 2) continue;
			assert.equal(byRule, expected, JSON.stringify({ record, now, plan }));
		}
	});
});

describe('redelivery policy settings', () => {
	it("the trigger's parameter defaults are the policy's defaults", async () => {
		const { properties } = await import('../../../nodes/DeadLetterTrigger/properties');
		const byName = (name: string) => properties.find((property) => property.name === name)?.default;
		assert.deepEqual(
			parseSchedule(byName('transientMinutes'), MINUTE, 't'),
			policy.classes.transient.delaysMs,
		);
		assert.deepEqual(
			parseSchedule(byName('rateLimitMinutes'), MINUTE, 'r'),
			policy.classes.rateLimit.delaysMs,
		);
		assert.equal(byName('jitterPercent'), policy.jitter * 100);
		assert.equal(Number(byName('maxAgeHours')) * HOUR, policy.maxAgeMs);
		const options = properties.find((property) => property.name === 'options')?.options as Array<{
			name: string;
			default: unknown;
		}>;
		assert.equal(
			Number(options.find((option) => option.name === 'maxRetryAfterHours')?.default) * HOUR,
			policy.maxRetryAfterMs,
		);
	});

	it('parses schedules in a unit, empty as none', () => {
		assert.deepEqual(parseSchedule('1, 5,30 ', MINUTE, 'x'), [MINUTE, 5 * MINUTE, 30 * MINUTE]);
		assert.deepEqual(parseSchedule('0.5', 1000, 'x'), [500]);
		assert.deepEqual(parseSchedule('', MINUTE, 'x'), []);
		assert.deepEqual(parseSchedule(' , ', MINUTE, 'x'), []);
		assert.deepEqual(parseSchedule(3, MINUTE, 'x'), [3 * MINUTE]);
	});

	it('refuses hostile schedules with a settings error naming the option', () => {
		for (const text of [
			'-1',
			'1e3',
			'abc',
			'1, NaN',
			'Infinity',
			'0x10',
			'5 min',
			null,
			{},
			['1'],
			'9'.repeat(400),
			Array(60).fill('1').join(','),
		]) {
			assert.throws(
				() => parseSchedule(text, MINUTE, 'Transient Schedule (Minutes)'),
				(error: unknown) =>
					isSettingsError(error) && error.option === 'Transient Schedule (Minutes)',
				String(text).slice(0, 40),
			);
		}
	});

	it('reads a stored release time, and nothing else', () => {
		assert.equal(releaseTimeOf({ releasedAt: T0 }), T0);
		for (const value of [
			undefined,
			null,
			'x',
			[T0],
			{ releasedAt: String(T0) },
			{ releasedAt: -1 },
			{ releasedAt: 1.5 },
			{ releasedAt: Number.NaN },
			{ releasedAt: 2 ** 60 },
			JSON.parse('{"__proto__": {"releasedAt": 5}}'),
		])
			assert.equal(releaseTimeOf(value), null, JSON.stringify(value));
	});

	it('checks a whole policy: jitter, ages and every class', () => {
		assert.deepEqual(checkPolicy(policy), policy);
		const bad: Array<Partial<RedeliveryPolicy> | Record<string, unknown>> = [
			{ jitter: -0.1 },
			{ jitter: 1.5 },
			{ jitter: Number.NaN },
			{ maxAgeMs: -1 },
			{ maxRetryAfterMs: Infinity },
			{
				classes: {
					...policy.classes,
					auth: { mode: 'sometimes', delaysMs: [], retryAfter: false },
				},
			},
			{
				classes: {
					...policy.classes,
					transient: { mode: 'schedule', delaysMs: [-5], retryAfter: false },
				},
			},
			{
				classes: {
					...policy.classes,
					transient: { mode: 'schedule', delaysMs: 'soon', retryAfter: false },
				},
			},
			{ classes: { transient: policy.classes.transient } },
		];
		for (const change of bad)
			assert.throws(
				() => checkPolicy({ ...policy, ...change } as RedeliveryPolicy),
				isSettingsError,
			);
	});
});
