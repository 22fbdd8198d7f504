import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { initialBreakerState, type BreakerState } from '../../nodes/shared/core/breaker/state';
import { budgetKeys, parseBudgetKey } from '../../nodes/shared/core/cost/budget';
import { windowAt } from '../../nodes/shared/core/cost/windows';
import { alertKey, checkedKey, checkedMark } from '../../nodes/shared/core/expiry/alerts';
import type { LimiterRecord, LimiterView } from '../../nodes/shared/core/ratelimit/learned';
import {
	parseQuotaKey,
	quotaSettingsKey,
	quotaWindow,
} from '../../nodes/shared/core/ratelimit/quota';
import { DRIFT_KINDS } from '../../nodes/shared/core/schema/drift';
import { markerKey, parseMemoryKey, sightingKey } from '../../nodes/shared/core/schema/memory';
import {
	buildSnapshot,
	esc,
	renderStatusPage,
	type StatusEntry,
	type StatusInput,
} from '../../nodes/shared/core/status';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../nodes/shared/core/time';

const NOW = Date.UTC(2026, 11, 6, 10, 30);

function entry(
	namespace: string,
	key: string,
	value: StatusEntry['value'],
	expiresAt: number | null = null,
): StatusEntry {
	return { namespace, key, value, version: 1, expiresAt };
}

function input(partial: Partial<StatusInput>): StatusInput {
	return {
		now: NOW,
		store: { backend: 'sqlite', location: 'SQLite at /tmp/x.sqlite' },
		scope: null,
		records: [],
		counters: [],
		queues: [],
		cap: { limit: 1000, reached: false },
		driftDays: 7,
		...partial,
	};
}

function openBreaker(): BreakerState {
	const state = initialBreakerState(NOW - HOUR_MS);
	state.status = 'open';
	state.since = NOW - 2 * MINUTE_MS;
	state.openUntil = NOW + 28 * 1000;
	state.opens = 1;
	state.lastChange = {
		from: 'closed',
		to: 'open',
		at: NOW - 2 * MINUTE_MS,
		reason: 'failure rate 100%',
		correlationId: null,
	};
	state.stats = [
		{
			start: NOW - 40_000,
			calls: 4,
			failures: 0,
			slow: 0,
			notCounted: 0,
			measured: 4,
			latencySumMs: 400,
			latencyMinMs: 90,
			latencyMaxMs: 110,
			latency: { '40': 4 },
		},
		{
			start: NOW - 20_000,
			calls: 6,
			failures: 6,
			slow: 0,
			notCounted: 0,
			measured: 0,
			latencySumMs: 0,
			latencyMinMs: null,
			latencyMaxMs: null,
			latency: {},
		},
	];
	return state;
}

describe('Guards Status: key parsers beside the owning cores', () => {
	it('parseBudgetKey inverts budgetKeys, names with "/" included', () => {
		const window = windowAt('day', NOW, 'UTC');
		for (const name of ['llm', 'a/b/config', 'x/alert/actual']) {
			assert.deepEqual(parseBudgetKey(budgetKeys.config(name)), { kind: 'config', budget: name });
			assert.deepEqual(parseBudgetKey(budgetKeys.counter(name, 'spent', window)), {
				kind: 'counter',
				budget: name,
				counter: 'spent',
				period: 'day',
				window: window.id,
			});
			assert.deepEqual(parseBudgetKey(budgetKeys.alert(name, 'forecast', window, 75)), {
				kind: 'alert',
				budget: name,
				alert: 'forecast',
				period: 'day',
				window: window.id,
				threshold: 75,
			});
			assert.equal(parseBudgetKey(budgetKeys.bucket(name, window, 12))?.kind, 'bucket');
			assert.equal(parseBudgetKey(budgetKeys.cache(name, 'abc'))?.kind, 'cache');
		}
		const hour = windowAt('hour', NOW, 'Europe/Berlin');
		assert.equal(
			(parseBudgetKey(budgetKeys.counter('b', 'spent', hour)) as { window: string }).window,
			hour.id,
		);
		for (const key of [
			'',
			'budget/',
			'budget/x',
			'other/x/config',
			'__proto__',
			'budget/x/spent/week/1',
		])
			assert.equal(parseBudgetKey(key), null, key);
	});

	it('parseQuotaKey reads the Quota operation’s counter and alert keys', () => {
		for (const period of ['hour', 'day', 'week', 'month'] as const) {
			const id = quotaWindow(NOW, period, 'UTC').id;
			assert.deepEqual(parseQuotaKey(`a:b:${period}:${id}`), {
				quota: 'a:b',
				period,
				window: id,
				alertedThreshold: null,
			});
			assert.equal(parseQuotaKey(`q:${period}:${id}:alerted:90`)?.alertedThreshold, 90);
		}
		for (const key of ['q', 'q:day', 'q:year:2026', ':day:2026-01-01', 'q:day:<script>'])
			assert.equal(parseQuotaKey(key), null, key);
	});

	it('parseMemoryKey reads markers, null counts and hashed keys', () => {
		const key = markerKey('orders@2', { kind: 'typeChanged', path: 'lines[].qty' }, 'string');
		assert.deepEqual(parseMemoryKey(key, DRIFT_KINDS), {
			kind: 'marker',
			identity: 'orders@2',
			drift: 'typeChanged',
			path: 'lines[].qty',
			detail: 'string',
		});
		assert.deepEqual(
			parseMemoryKey(markerKey('a:b@-', { kind: 'fieldAdded', path: 'x' }, ''), DRIFT_KINDS),
			{
				kind: 'marker',
				identity: 'a:b@-',
				drift: 'fieldAdded',
				path: 'x',
				detail: '',
			},
		);
		assert.equal(
			parseMemoryKey(markerKey('s', { kind: 'fieldAdded', path: 'x'.repeat(500) }, ''), DRIFT_KINDS)
				?.kind,
			'hashed',
		);
		assert.equal(parseMemoryKey('drift-marker-count', DRIFT_KINDS)?.kind, 'markerCount');
		assert.equal(parseMemoryKey('drift:nothing', DRIFT_KINDS), null);
	});
});

describe('Guards Status: buildSnapshot', () => {
	it('decodes every guard with its core, per scope', () => {
		const day = windowAt('day', NOW, 'UTC');
		const yesterday = windowAt('day', day.start - 1, 'UTC');
		const snapshot = buildSnapshot(
			input({
				records: [
					entry('breaker:crm', 'registry', { names: ['sf'] }),
					entry('breaker:crm', 'breaker:sf', openBreaker()),
					entry('cost:workflow-7', budgetKeys.config('llm'), {
						zone: 'UTC',
						currency: 'EUR',
						limits: { day: { moneyNanos: 10_000_000_000, items: null } },
						thresholds: { actual: [50], forecast: [] },
					}),
					entry(
						'expiry:ops',
						alertKey('cred-1', 'due soon'),
						{ alertedAt: NOW - HOUR_MS, status: 'due soon' },
						NOW + 23 * HOUR_MS,
					),
					entry('quota', `openai:day:${quotaWindow(NOW, 'day', 'UTC').id}:alerted:75`, {
						at: 'x',
						usage: 80,
					}),
					entry('quota', quotaSettingsKey('openai', 'day'), {
						limit: 100,
						thresholds: [50, 75, 90],
						timeZone: 'UTC',
						window: quotaWindow(NOW, 'day', 'UTC').id,
						updatedAt: new Date(NOW).toISOString(),
					}),
					// Checked, never alerted: listed all the same, the one that expires next first.
					entry(
						'expiry:ops',
						checkedKey('n8n:cred-2'),
						checkedMark(
							'ok',
							{ name: 'Stripe', kind: 'n8n', expiresAt: NOW + 40 * DAY_MS, daysLeft: 40 },
							NOW - MINUTE_MS,
						),
					),
				],
				counters: [
					entry('cost:workflow-7', budgetKeys.counter('llm', 'spent', day), 6_000_000_000),
					entry('cost:workflow-7', budgetKeys.counter('llm', 'spent', yesterday), 2_500_000_000),
					entry('cost:workflow-7', budgetKeys.alert('llm', 'actual', day, 50), 1),
					entry('quota', `openai:day:${quotaWindow(NOW, 'day', 'UTC').id}`, 80),
					entry(
						'schema-drift:orders',
						markerKey('orders@1', { kind: 'fieldAdded', path: 'coupon' }, ''),
						3,
						NOW + 29 * DAY_MS,
					),
					entry(
						'schema-drift:orders',
						sightingKey('first', markerKey('orders@1', { kind: 'fieldAdded', path: 'coupon' }, '')),
						NOW - 20 * DAY_MS,
					),
					entry(
						'schema-drift:orders',
						sightingKey('last', markerKey('orders@1', { kind: 'fieldAdded', path: 'coupon' }, '')),
						NOW - HOUR_MS,
					),
					entry(
						'schema-drift:orders',
						markerKey('orders@1', { kind: 'fieldAdded', path: 'old' }, ''),
						1,
						NOW + 10 * DAY_MS,
					),
					entry(
						'schema-drift:orders',
						sightingKey('first', markerKey('orders@1', { kind: 'fieldAdded', path: 'old' }, '')),
						NOW - 20 * DAY_MS,
					),
					// Written before sightings were kept: listed, its dates unknown.
					entry(
						'schema-drift:orders',
						markerKey('orders@1', { kind: 'requiredMissing', path: 'legacy' }, ''),
						2,
						NOW + 10 * DAY_MS,
					),
				],
				queues: [
					entry('deadletter:billing', 'auth', {
						open: 2,
						leased: 0,
						oldestOpenAt: NOW - 3 * HOUR_MS,
					}),
					entry('deadletter:billing', '', { open: 1, leased: 1, oldestOpenAt: NOW - MINUTE_MS }),
				],
			}),
		);
		const [breaker] = snapshot.breakers;
		assert.deepEqual(
			[breaker.scope, breaker.name, breaker.state, breaker.halfOpenInSeconds],
			['crm', 'sf', 'open', 28],
		);
		assert.deepEqual([breaker.calls, breaker.failures, breaker.failureRatePercent], [10, 6, 60]);
		assert.ok(breaker.p95Ms !== null && breaker.p95Ms > 0);
		assert.equal(breaker.buckets.length, 2);
		const [budget] = snapshot.budgets;
		assert.deepEqual(
			[budget.scope, budget.name, budget.currency, budget.limitsKnown],
			['workflow-7', 'llm', 'EUR', true],
		);
		const dayRow = budget.periods.find((p) => p.period === 'day')!;
		assert.deepEqual([dayRow.spent, dayRow.limit, dayRow.percentOfLimit], [6, 10, 60]);
		assert.ok(dayRow.forecast !== null && dayRow.forecast > 6);
		assert.deepEqual(dayRow.thresholdsCrossed, [{ kind: 'actual', threshold: 50 }]);
		assert.deepEqual(dayRow.history, [
			{ window: yesterday.id, spent: 2.5 },
			{ window: day.id, spent: 6 },
		]);
		assert.deepEqual(
			snapshot.quotas.map((q) => [
				q.scope,
				q.name,
				q.usage,
				q.limit,
				q.percentOfLimit,
				q.remaining,
				q.thresholdsCrossed,
				q.thresholdsAlerted,
			]),
			[['(instance-wide)', 'openai', 80, 100, 80, 20, [50, 75], [75]]],
		);
		const [queue] = snapshot.deadLetters;
		assert.deepEqual(
			[queue.scope, queue.open, queue.leased, queue.oldestAgeSeconds],
			['billing', 3, 1, 3 * 3600],
		);
		assert.deepEqual(
			queue.classes.map((c) => [c.class, c.open]),
			[
				['auth', 2],
				['(none)', 1],
			],
		);
		// The marker last seen 20 days ago is outside the 7 days asked for; one seen an hour
		// ago is in, first seen 20 days ago; one without sightings is in, its dates unknown.
		assert.deepEqual(
			snapshot.drift.map((d) => [d.path, d.timesSeen, d.firstSeenAt, d.lastSeenAt]),
			[
				[
					'coupon',
					3,
					new Date(NOW - 20 * DAY_MS).toISOString(),
					new Date(NOW - HOUR_MS).toISOString(),
				],
				['legacy', 2, null, null],
			],
		);
		assert.deepEqual(
			snapshot.expiries.map((e) => [e.scope, e.status, e.name, e.expiresAt, e.alertedAt]),
			[
				['ops', 'ok', 'Stripe', new Date(NOW + 40 * DAY_MS).toISOString(), null],
				['ops', 'due soon', null, null, new Date(NOW - HOUR_MS).toISOString()],
			],
			'a credential checked and never alerted shows; a record written before names were kept still shows (by hash)',
		);
		assert.deepEqual(snapshot.totals, {
			breakers: 1,
			breakersOpen: 1,
			budgets: 1,
			budgetsOverThreshold: 1,
			quotas: 1,
			limitersHeld: 0,
			deadLetters: 3,
			driftFindings: 2,
			expiryAlerts: 1,
			expiries: 2,
		});
		assert.equal(snapshot.complete, true);
	});

	it("decodes Rate Limiter's shared buckets and holds (Redis), version 1 and 2 keys, per scope", () => {
		const v2 = `${encodeURIComponent(' ["ratelimit:crm","<b>hubspot</b>"]')}:0123456789ab`;
		const other = `${encodeURIComponent(' ["ratelimit:other","x"]')}:0123456789ab`;
		const limiters = [
			entry('ratelimit', v2, {
				settings: { capacity: 9, increaseAmount: 1, increaseIntervalMs: 111, tokens: 3 },
			}),
			entry('ratelimit', v2, { holdUntil: NOW + 30_000 }),
			entry('ratelimit', 'legacy:0123456789ab', {
				settings: { capacity: 1, increaseAmount: 1, increaseIntervalMs: 1000, tokens: 1 },
			}),
			entry('ratelimit', 'past:0123456789ab', { holdUntil: NOW - 1 }),
			entry('ratelimit', other, { holdUntil: NOW + 1000 }),
			entry('ratelimit', `${encodeURIComponent(' [1,2]')}:0123456789ab`, { holdUntil: NOW + 1000 }),
			entry('ratelimit', '%E0%A4%A:0123456789ab', { holdUntil: NOW + 1000 }),
		];
		const all = buildSnapshot(input({ limiters }));
		assert.deepEqual(
			all.limiters.shared.map((row) => [
				row.scope,
				row.name,
				row.configured?.perSecond ?? null,
				row.tokens,
				row.holdInSeconds,
			]),
			[
				['(instance-wide)', 'legacy', 1, 1, null],
				['(instance-wide)', 'past', null, null, null],
				['crm', '<b>hubspot</b>', 9.009, 3, 30],
				['other', 'x', null, null, 1],
			],
		);
		assert.equal(all.totals.limitersHeld, 2);
		assert.deepEqual(
			buildSnapshot(input({ scope: 'crm', limiters })).limiters.shared.map((row) => row.name),
			['<b>hubspot</b>'],
		);
		const page = renderStatusPage(all);
		assert.ok(page.includes('&lt;b&gt;hubspot&lt;/b&gt;'));
		assert.match(page, /held 30 s/);
	});

	it('keeps to the Scope filter: a longer scope name found by the prefix scan is left out', () => {
		const snapshot = buildSnapshot(
			input({
				scope: 'crm',
				records: [
					entry('breaker:crm', 'breaker:a', openBreaker()),
					entry('breaker:crm2', 'breaker:b', openBreaker()),
				],
			}),
		);
		assert.deepEqual(
			snapshot.breakers.map((b) => b.name),
			['a'],
		);
	});

	it('says so when the cap stopped the scan, and survives hostile records', () => {
		const snapshot = buildSnapshot(
			input({
				cap: { limit: 5, reached: true },
				records: [
					entry('breaker:x', 'breaker:__proto__', { status: 'open' }),
					entry('breaker:x', 'breaker:y', 'not an object'),
					entry('expiry:x', '__proto__', { alertedAt: 'soon', status: 1 }),
					entry('cost:x', budgetKeys.config('b'), ['wrong']),
				],
				counters: [entry('cost:x', 'budget/b/spent/day/2026-12-06', 'NaN' as never)],
				queues: [entry('deadletter:q', 'c', null)],
			}),
		);
		assert.equal(snapshot.complete, false);
		assert.match(snapshot.warnings.join('\n'), /Stopped after reading 5 entries/);
		assert.match(snapshot.warnings.join('\n'), /not in a known format/);
		assert.equal(snapshot.breakers.length, 0);
		assert.equal(snapshot.expiries.length, 0);
		assert.equal(snapshot.budgets[0].limitsKnown, false);
		assert.equal(snapshot.deadLetters[0].open, 0);
		renderStatusPage(snapshot);
	});
});

describe('Guards Status: renderStatusPage', () => {
	const hostile = '<script>window.pwned=1</script>"\'&`';
	const page = renderStatusPage(
		buildSnapshot(
			input({
				store: { backend: 'redis', location: `Redis at <b>host</b>:6379` },
				records: [
					entry('breaker:<img src=x onerror=alert(1)>', `breaker:${hostile}`, openBreaker()),
				],
				queues: [
					entry(`deadletter:${hostile}`, hostile, { open: 1, leased: 0, oldestOpenAt: NOW }),
				],
				counters: [
					entry(
						'schema-drift:s',
						markerKey('<s>@1', { kind: 'fieldAdded', path: '</td><script>x()</script>' }, ''),
						1,
						NOW + 30 * DAY_MS,
					),
				],
			}),
		),
		{ title: '<title>', refreshSeconds: 30 },
	);

	it('shows data as text: no tag from data survives', () => {
		assert.equal(page.match(/<script/gi), null);
		assert.equal(page.match(/<img/gi), null);
		assert.ok(page.includes(esc(hostile)));
		assert.ok(page.includes('&lt;script&gt;window.pwned=1&lt;/script&gt;&quot;&#39;&amp;&#96;'));
		assert.ok(page.includes('Redis at &lt;b&gt;host&lt;/b&gt;:6379'));
		assert.ok(!page.includes('onerror=alert(1)>'));
	});

	it('is self-contained: no external resource, no script, a CSP that forbids them', () => {
		assert.doesNotMatch(page, /<[^>]*\s(src|href)\s*=/i);
		assert.doesNotMatch(page, /url\(/i);
		assert.doesNotMatch(page, /https?:\/\//i);
		assert.match(
			page,
			/Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'/,
		);
		assert.match(page, /<meta name="viewport" content="width=device-width/);
		assert.match(page, /<meta http-equiv="refresh" content="30">/);
	});

	it('draws charts only from stored data, and refreshes only when asked', () => {
		assert.match(page, /<svg class="chart"/);
		assert.match(page, /<svg class="timeline"/);
		const bare = renderStatusPage(buildSnapshot(input({})));
		assert.doesNotMatch(bare, /<svg/);
		assert.doesNotMatch(bare, /http-equiv="refresh"/);
		assert.match(bare, /No circuit breaker state in this store/);
		assert.match(
			renderStatusPage(buildSnapshot(input({})), { refreshSeconds: 10 ** 9 }),
			/content="86400"/,
		);
	});
});

describe('Guards Status: credentials that expire next', () => {
	const mark = (name: string, expiresInDays: number | null, at: number, status = 'due soon') => ({
		alertedAt: at,
		status,
		name,
		kind: 'register',
		expiresAt: expiresInDays === null ? null : NOW + expiresInDays * DAY_MS,
		daysLeft: expiresInDays,
		checkedAt: at,
	});

	it('one row per credential (its latest status), sorted by expiry date, names on the page', () => {
		const snapshot = buildSnapshot(
			input({
				records: [
					entry(
						'expiry:ops',
						alertKey('register:b', 'due soon'),
						mark('<b>B</b>', 9, NOW - HOUR_MS),
					),
					entry('expiry:ops', alertKey('register:a', 'due soon'), mark('A', 3, NOW - 2 * HOUR_MS)),
					entry(
						'expiry:ops',
						alertKey('register:a', 'critical'),
						mark('A', 2, NOW - HOUR_MS, 'critical'),
					),
					entry('expiry:ops', alertKey('register:c', 'unknown'), mark('C', null, NOW, 'unknown')),
					entry('expiry:ops', alertKey('register:old', 'expired'), {
						alertedAt: NOW,
						status: 'expired',
					}),
				],
			}),
		);
		assert.deepEqual(
			snapshot.expiries.map((e) => [e.name, e.status, e.daysLeft]),
			[
				['A', 'critical', 2],
				['<b>B</b>', 'due soon', 9],
				['C', 'unknown', null],
				[null, 'expired', null],
			],
		);
		assert.equal(snapshot.expiries[0].expiresAt, new Date(NOW + 2 * DAY_MS).toISOString());
		assert.equal(snapshot.expiries[0].kind, 'register');
		const html = renderStatusPage(snapshot);
		const section = html.slice(html.indexOf('id="expiries"'));
		assert.ok(section.indexOf('>A<') < section.indexOf('&lt;b&gt;B&lt;/b&gt;'));
		assert.ok(section.includes(new Date(NOW + 2 * DAY_MS).toISOString()));
		assert.ok(section.includes('2 days at the last check'));
		assert.ok(!html.includes('<b>B</b>'), 'names from data are escaped');
		assert.ok(section.includes('(name not recorded)'));
	});
});

describe('Guards Status: the limiters this n8n process holds', () => {
	const view = (name: string, shared: boolean, hold: number | null): LimiterView => ({
		id: `${encodeURIComponent(name)}:0123456789ab`,
		location: shared ? 'Redis at 127.0.0.1:6379 (db 0)' : 'in this n8n process',
		shared,
		plan: { increaseAmount: 1, increaseIntervalMs: 100, capacity: 5 },
		tokens: shared ? null : 2,
		learned: {
			limit: 100,
			remaining: 0,
			resetAt: null,
			windowSeconds: 60,
			observedAt: new Date(NOW - 1000).toISOString(),
		},
		holdUntil: hold,
	});
	const hubspot = ' ["ratelimit:crm","hubspot"]';

	it('on the Embedded store: each in-process limiter with its tokens, learned limit and hold, per scope', () => {
		const processLimiters = [
			view(hubspot, false, NOW + 30_000),
			view(' ["ratelimit:other","x"]', false, null),
			view('legacy', false, NOW - 1),
			view(' ["ratelimit:crm","on-redis"]', true, null),
		];
		const snapshot = buildSnapshot(input({ processLimiters }));
		assert.deepEqual(
			snapshot.limiters.process.map((row) => [
				row.scope,
				row.name,
				row.location,
				row.tokens,
				row.configured?.perSecond,
				row.learnedLimit?.limit,
				row.holdInSeconds,
			]),
			[
				['(instance-wide)', 'legacy', 'this n8n process', 2, 10, 100, null],
				['crm', 'hubspot', 'this n8n process', 2, 10, 100, 30],
				['other', 'x', 'this n8n process', 2, 10, 100, null],
			],
		);
		assert.equal(snapshot.totals.limitersHeld, 1);
		assert.match(snapshot.limiters.note, /this n8n process/);
		assert.deepEqual(
			buildSnapshot(input({ scope: 'crm', processLimiters })).limiters.process.map((r) => r.name),
			['hubspot'],
		);
		const html = renderStatusPage(snapshot);
		const limits = html.slice(html.indexOf('id="limits"'));
		assert.ok(limits.includes('100 per 1 min'));
		assert.match(limits, /0 left · [^<]+ · this n8n process/);
		assert.ok(limits.includes('held 30'));
	});

	it('on Redis: the shared bucket shows what this process learned of it; on Postgres no process limiter', () => {
		const id = `${encodeURIComponent(hubspot)}:0123456789ab`;
		const limiters = [
			entry('ratelimit', id, {
				settings: { capacity: 5, increaseAmount: 1, increaseIntervalMs: 100, tokens: 4 },
			}),
			entry('ratelimit', `${encodeURIComponent(' ["ratelimit:crm","b"]')}:0123456789ab`, {
				holdUntil: NOW + 5000,
			}),
		];
		const redis = buildSnapshot(
			input({
				store: { backend: 'redis', location: 'Redis at 127.0.0.1:6379 (db 0)' },
				limiters,
				processLimiters: [view(hubspot, true, null), view(hubspot, false, NOW + 1000)],
			}),
		);
		assert.deepEqual(
			redis.limiters.shared.map((row) => [row.name, row.learnedLimit?.learnedBy ?? null]),
			[
				['b', null],
				['hubspot', 'this n8n process'],
			],
		);
		assert.deepEqual(redis.limiters.process, [], 'Embedded limiters are not shown for Redis');
		assert.match(redis.limiters.note, /the latest any worker learned/);
		const postgres = buildSnapshot(
			input({
				store: { backend: 'postgres', location: 'Postgres' },
				processLimiters: [view(hubspot, false, NOW + 1000)],
			}),
		);
		assert.deepEqual([postgres.limiters.process, postgres.limiters.shared], [[], []]);
		assert.match(postgres.limiters.note, /only its Quotas/);
	});
});

describe("Guards Status: every process's limiter records", () => {
	const id = (scope: string, name: string) =>
		`${encodeURIComponent(` ${JSON.stringify([`ratelimit:${scope}`, name])}`)}:0123456789ab`;
	const record = (
		limiterId: string,
		backend: LimiterRecord['backend'],
		by: string,
		learnedLimit: number | null,
		observedAgoMs = 1000,
	): LimiterRecord => ({
		id: limiterId,
		backend,
		plan: { increaseAmount: 9, increaseIntervalMs: 1000, capacity: 2 },
		configured: { limit: 10, per: 'second', targetUtilization: 90, burst: 2 },
		learned:
			learnedLimit === null
				? null
				: {
						limit: learnedLimit,
						remaining: 3,
						resetAt: null,
						windowSeconds: 60,
						observedAt: new Date(NOW - observedAgoMs).toISOString(),
						by,
					},
		updatedAt: new Date(NOW - observedAgoMs).toISOString(),
		by,
	});

	it('on Redis: each worker’s record beside the shared bucket, configured and learned', () => {
		const crm = id('crm', 'hubspot');
		const billing = id('crm', 'stripe');
		const snapshot = buildSnapshot(
			input({
				store: { backend: 'redis', location: 'Redis at 127.0.0.1:6379 (db 1)' },
				records: [
					entry('ratelimit:crm', crm, record(crm, 'redis', 'worker-a pid 1', 120)),
					entry('ratelimit:crm', billing, record(billing, 'redis', 'worker-b pid 2', 25)),
					// An Embedded limiter's record is not one of this store's limiters.
					entry('ratelimit:crm', id('crm', 'x'), record(id('crm', 'x'), 'embedded', 'p', 1)),
					entry('ratelimit:crm', 'junk', { id: 3 }),
				],
				limiters: [
					entry('ratelimit', crm, {
						settings: { capacity: 2, increaseAmount: 9, increaseIntervalMs: 1000, tokens: 1 },
					}),
				],
			}),
		);
		assert.deepEqual(
			snapshot.limiters.shared.map((row) => [
				row.name,
				row.configured?.limit,
				row.configured?.per,
				row.configured?.perSecond,
				row.tokens,
				row.learnedLimit?.limit,
				row.learnedLimit?.learnedBy,
			]),
			[
				['hubspot', 10, 'second', 9, 1, 120, 'worker-a pid 1'],
				['stripe', 10, 'second', 9, null, 25, 'worker-b pid 2'],
			],
		);
		const html = renderStatusPage(snapshot);
		assert.ok(html.includes('10 per second'));
		assert.ok(html.includes('worker-b pid 2'));
	});

	it('this process’s memory wins only when it learned later than the record says', () => {
		const crm = id('crm', 'hubspot');
		const view: LimiterView = {
			id: crm,
			location: 'Redis',
			shared: true,
			plan: { increaseAmount: 9, increaseIntervalMs: 1000, capacity: 2 },
			tokens: null,
			learned: {
				limit: 50,
				remaining: 0,
				resetAt: null,
				windowSeconds: 60,
				observedAt: new Date(NOW - 10).toISOString(),
			},
			holdUntil: null,
		};
		const redis = (observedAgoMs: number) =>
			buildSnapshot(
				input({
					store: { backend: 'redis', location: 'Redis' },
					records: [entry('ratelimit:crm', crm, record(crm, 'redis', 'w', 120, observedAgoMs))],
					processLimiters: [view],
				}),
			).limiters.shared[0].learnedLimit;
		assert.deepEqual([redis(1000)?.limit, redis(1000)?.learnedBy], [50, 'this n8n process']);
		assert.deepEqual([redis(0)?.limit, redis(0)?.learnedBy], [120, 'w']);
	});

	it('on Embedded: limiters another process recorded in the shared file, tokens only where held here', () => {
		const here = id('crm', 'hubspot');
		const there = id('crm', 'other-process');
		const snapshot = buildSnapshot(
			input({
				records: [
					entry('ratelimit:crm', here, record(here, 'embedded', 'host pid 1', 100)),
					entry('ratelimit:crm', there, record(there, 'embedded', 'host pid 2', null)),
				],
				processLimiters: [
					{
						id: here,
						location: 'in this n8n process',
						shared: false,
						plan: { increaseAmount: 9, increaseIntervalMs: 1000, capacity: 2 },
						tokens: 2,
						learned: null,
						holdUntil: null,
					},
				],
			}),
		);
		assert.deepEqual(
			snapshot.limiters.process.map((row) => [
				row.name,
				row.location,
				row.tokens,
				row.configured?.limit,
				row.learnedLimit?.limit ?? null,
				row.recordedBy,
			]),
			[
				['hubspot', 'this n8n process', 2, 10, 100, 'host pid 1'],
				['other-process', 'each n8n process', null, 10, null, 'host pid 2'],
			],
		);
		assert.deepEqual(
			buildSnapshot(
				input({
					scope: 'other',
					records: [entry('ratelimit:crm', here, record(here, 'embedded', 'p', 1))],
				}),
			).limiters.process,
			[],
		);
	});
});
