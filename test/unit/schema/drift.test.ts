import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import type { CompiledSchema } from '../../../nodes/shared/core/schema/compile';
import {
	DriftCollector,
	nullRateJumps,
	sortEntries,
	type DriftEntry,
	type NullStat,
} from '../../../nodes/shared/core/schema/drift';
import {
	baselineFor,
	markerKey,
	MARKER_COUNT_KEY,
	planMarkers,
	readDriftMemory,
	rememberDrift,
	schemaIdentity,
	type CounterStep,
	type DriftMemorySettings,
} from '../../../nodes/shared/core/schema/memory';
import { buildDriftReport } from '../../../nodes/shared/core/schema/report';
import { openStore } from '../../../nodes/shared/stores/factory';
import type { Store } from '../../../nodes/shared/stores/types';
import { check, compile, object } from './helpers';

const SCHEMA = compile(
	object(
		{
			id: { type: 'integer' },
			email: { type: ['string', 'null'] },
			status: { enum: ['active', 'paused'] },
			age: { type: 'integer' },
			lines: {
				type: 'array',
				items: object({ sku: { type: 'string' }, note: { type: ['string', 'null'] } }, ['sku']),
			},
		},
		['id', 'email'],
	),
);

/** Runs a batch through validation and the collector, as the node does. */
function collect(
	items: Array<Record<string, unknown>>,
	schema: CompiledSchema = SCHEMA,
	options = {},
): DriftCollector {
	const collector = new DriftCollector(schema.model, options);
	items.forEach((item, index) => {
		const verdict = check(schema, item);
		collector.observe(
			index,
			verdict.findings,
			item,
			typeof item.correlationId === 'string' ? item.correlationId : undefined,
		);
	});
	return collector;
}

const compact = (entries: DriftEntry[]) =>
	entries.map((entry) => [entry.kind, entry.path, entry.count, entry.examples]);

describe('drift detection: every kind, counted per item with examples', () => {
	it('reports fields added, required missing, types changed and unseen enum values', () => {
		const collector = collect([
			{ id: 1, email: 'a@x.io', status: 'active' },
			{ id: 2, email: 'b@x.io', nickname: 'B', correlationId: 'c-1' },
			{ id: '3', status: 'archived', nickname: 'C', correlationId: 'c-2' },
			{ id: 4.5, email: 'd@x.io', status: 'deleted', age: 'old' },
			{ id: 5, email: 'e@x.io', status: 'archived' },
		]);
		assert.deepEqual(compact(collector.entries()), [
			['fieldAdded', 'correlationId', 2, [1, 2]],
			['fieldAdded', 'nickname', 2, [1, 2]],
			['requiredMissing', 'email', 1, [2]],
			['typeChanged', 'age', 1, [3]],
			['typeChanged', 'id', 2, [2, 3]],
			['unseenEnumValue', 'status', 3, [2, 3, 4]],
		]);
		const byPath = new Map(
			collector.entries().map((entry) => [`${entry.kind} ${entry.path}`, entry]),
		);
		assert.deepEqual(byPath.get('fieldAdded nickname')?.exampleCorrelationIds, ['c-1', 'c-2']);
		assert.deepEqual(byPath.get('typeChanged id')?.received, { string: 1, number: 1 });
		assert.deepEqual(byPath.get('typeChanged id')?.details, ['string', 'number']);
		assert.equal(byPath.get('typeChanged id')?.expected, 'an integer');
		assert.deepEqual(byPath.get('unseenEnumValue status')?.values, [
			{ value: 'archived', count: 2 },
			{ value: 'deleted', count: 1 },
		]);
		assert.deepEqual(byPath.get('unseenEnumValue status')?.details, ['"archived"', '"deleted"']);
		assert.deepEqual(collector.itemsWithDrift(), [1, 2, 3, 4]);
	});

	it('counts an item once per drift, however many array elements show it', () => {
		const collector = collect([
			{ id: 1, email: null, lines: [{ note: 'a' }, { note: 'b' }, { sku: 'C', colour: 'red' }] },
		]);
		assert.deepEqual(compact(collector.entries()), [
			['fieldAdded', 'lines[].colour', 1, [0]],
			['requiredMissing', 'lines[].sku', 1, [0]],
		]);
	});

	it('does not count invalid values (a pattern, a length) as drift', () => {
		const schema = compile(object({ code: { type: 'string', pattern: '^[A-Z]+$' } }));
		const collector = collect([{ code: 'abc' }], schema);
		assert.deepEqual(collector.entries(), []);
		assert.deepEqual(collector.itemsWithDrift(), []);
	});

	it('keeps at most 5 examples, 100 entries and 20 values per field, counting the rest', () => {
		const items = Array.from({ length: 30 }, (_, index) => ({
			id: index,
			email: null,
			status: `s${index}`,
			[`f${index}`]: 1,
		}));
		const collector = collect(items, SCHEMA, { maxEntries: 10 });
		const entries = collector.entries();
		assert.equal(entries.length, 10);
		assert.equal(collector.overflow, 21, 'further new fields are counted, not kept');
		const status = entries.find((entry) => entry.kind === 'unseenEnumValue');
		assert.equal(status?.count, 30);
		assert.deepEqual(status?.examples, [0, 1, 2, 3, 4]);
		assert.equal(status?.values?.length, 20);
	});

	it('counts nulls of nullable fields, also inside arrays, only where their parent is', () => {
		const collector = collect([
			{
				id: 1,
				email: null,
				lines: [
					{ sku: 'A', note: null },
					{ sku: 'B', note: 'x' },
				],
			},
			{ id: 2, email: 'b@x.io', lines: [{ sku: 'C' }] },
			{ id: 3, email: null },
		]);
		const stats = new Map(collector.nullStats().map((stat) => [stat.path, stat]));
		assert.deepEqual(stats.get('email'), {
			path: 'email',
			observed: 3,
			nulls: 2,
			examples: [0, 2],
			exampleCorrelationIds: [],
		});
		assert.deepEqual(stats.get('lines[].note'), {
			path: 'lines[].note',
			observed: 2,
			nulls: 1,
			examples: [0],
			exampleCorrelationIds: [],
		});
	});
});

describe('null-rate jumps', () => {
	const stat = (nulls: number, observed: number): NullStat => ({
		path: 'email',
		observed,
		nulls,
		examples: [0],
		exampleCorrelationIds: [],
	});
	const settings = { thresholdPoints: 25, minValues: 20 };

	it('reports a rise of at least the threshold over the baseline', () => {
		const [jump] = nullRateJumps([stat(12, 40)], () => 0.02, settings);
		assert.deepEqual(jump, {
			kind: 'nullRateJump',
			path: 'email',
			count: 12,
			examples: [0],
			exampleCorrelationIds: [],
			nullRate: 0.3,
			baselineNullRate: 0.02,
			observed: 40,
			details: [''],
		});
	});

	it('stays quiet under the threshold, below the minimum of values, and without a baseline', () => {
		assert.deepEqual(
			nullRateJumps([stat(10, 40)], () => 0.02, settings),
			[],
			'25% - 2% < 25 points',
		);
		assert.deepEqual(
			nullRateJumps([stat(19, 19)], () => 0, settings),
			[],
			'too few values',
		);
		assert.deepEqual(
			nullRateJumps([stat(40, 40)], () => undefined, settings),
			[],
			'no baseline',
		);
	});

	it('takes the baseline from memory when there is enough of it, else from the schema', () => {
		const schema = compile(object({ email: { type: ['string', 'null'], 'x-null-rate': 0.1 } }));
		const history = new Map([['email', { rate: 0.5, observed: 100 }]]);
		assert.equal(baselineFor('email', schema.model, history, 20), 0.5);
		assert.equal(
			baselineFor('email', schema.model, new Map([['email', { rate: 0.5, observed: 5 }]]), 20),
			0.1,
		);
		assert.equal(baselineFor('other', schema.model, new Map(), 20), undefined);
	});
});

describe('drift memory on the Store: alert once', () => {
	const folder = mkdtempSync(path.join(tmpdir(), 'schema-drift-'));
	const store: Store = openStore(
		{ backend: 'sqlite', file: path.join(folder, 'guards.sqlite') },
		{ cache: false },
	);
	after(async () => {
		await store.close();
		rmSync(folder, { recursive: true, force: true });
	});

	const DAY_MS = 86_400_000;
	const MEMORY: DriftMemorySettings = {
		lifetimeMs: 30 * DAY_MS,
		alertAgainMs: null,
		maxMarkers: 10_000,
	};
	const NULL_RATE = { thresholdPoints: 25, minValues: 20 };

	/** What the node does with drift memory on, recording every counter step it sends. */
	async function remember(
		namespace: string,
		entries: DriftEntry[],
		stats: NullStat[] = [],
		settings = MEMORY,
		steps: CounterStep[] = [],
	) {
		return await rememberDrift(
			async (batch) => {
				steps.push(...batch);
				return await store.increment(namespace, batch);
			},
			{
				identity: 'contact@1',
				entries,
				nullStats: stats,
				model: SCHEMA.model,
				nullRate: NULL_RATE,
				settings,
			},
		);
	}

	it('marks each drift new the first time only, and a new detail at a known path anew', async () => {
		const batch = collect([{ id: '1', email: null, status: 'archived', extra: 1 }]).entries();
		const first = await remember('drift-a', batch);
		assert.deepEqual(first.isNew, [true, true, true]);
		const second = await remember('drift-a', batch);
		assert.deepEqual(second.isNew, [false, false, false]);
		const another = collect([{ id: 1, email: null, status: 'deleted' }]).entries();
		assert.deepEqual((await remember('drift-a', another)).isNew, [true]);
		assert.deepEqual(
			(await remember('drift-b', batch)).isNew,
			[true, true, true],
			'another scope has its own memory',
		);
	});

	it("learns each nullable field's null rate, so a later jump shows, once", async () => {
		const quiet = Array.from({ length: 40 }, (_, index) => ({
			id: index,
			email: index % 20 === 0 ? null : 'a@x.io',
		}));
		const noisy = Array.from({ length: 40 }, (_, index) => ({
			id: index,
			email: index % 2 === 0 ? null : 'a@x.io',
		}));
		const first = await remember('nulls', [], collect(quiet).nullStats());
		assert.deepEqual(first.entries, [], 'nothing known before the first batch');
		const second = await remember('nulls', [], collect(noisy).nullStats());
		assert.deepEqual(
			second.entries.map((jump) => [jump.kind, jump.path, jump.nullRate, jump.baselineNullRate]),
			[['nullRateJump', 'email', 0.5, 0.05]],
		);
		assert.deepEqual(second.isNew, [true]);
		const history = new Map([['email', { rate: 0.05, observed: 40 }]]);
		const jumps = nullRateJumps(
			collect(noisy).nullStats(),
			(field) => baselineFor(field, SCHEMA.model, history, 20),
			NULL_RATE,
		);
		const markers = planMarkers('contact@1', jumps, MEMORY.lifetimeMs);
		assert.deepEqual(
			readDriftMemory(markers, await store.increment('nulls', markers.increments)).isNew,
			[false],
			'the jump was remembered',
		);
	});

	it('lets a marker expire so the drift alerts again', async () => {
		const entries = collect([{ id: 1, email: null, extra: true }]).entries();
		// Wide enough that a loaded machine cannot let the marker expire between the first two.
		const settings = { ...MEMORY, alertAgainMs: 1_000 };
		assert.deepEqual((await remember('ttl', entries, [], settings)).isNew, [true]);
		assert.deepEqual((await remember('ttl', entries, [], settings)).isNew, [false]);
		await new Promise((resolve) => setTimeout(resolve, 1_100));
		assert.deepEqual((await remember('ttl', entries, [], settings)).isNew, [true]);
	});

	it('gives everything it stores a lifetime by default: markers, null counts and the marker count', async () => {
		const steps: CounterStep[] = [];
		const items = [
			{ id: 1, email: null, extra: 1, status: 'gone' },
			...Array.from({ length: 30 }, (_, index) => ({
				id: index,
				email: 'a@x.io',
				[`new${index}`]: 1,
			})),
		];
		await remember('lifetime', collect(items).entries(), collect(items).nullStats(), MEMORY, steps);
		assert.ok(
			steps.some((step) => step.key.startsWith('nulls:')) &&
				steps.some((step) => step.key.startsWith('drift:')),
		);
		assert.deepEqual(
			steps.filter((step) => step.ttlMs !== 30 * DAY_MS),
			[],
			'every counter expires after 30 days',
		);
		const sooner: CounterStep[] = [];
		await remember(
			'lifetime-2',
			collect(items).entries(),
			[],
			{ ...MEMORY, alertAgainMs: DAY_MS },
			sooner,
		);
		assert.deepEqual(
			[
				...new Set(
					sooner.map((step) =>
						// A marker and its sightings (first:drift:…, last:drift:…) live alike.
						/^((first|last):)?drift:/.test(step.key)
							? `marker ${step.ttlMs}`
							: `${step.key} ${step.ttlMs}`,
					),
				),
			],
			[`${MARKER_COUNT_KEY} ${30 * DAY_MS}`, `marker ${DAY_MS}`],
		);
	});

	it('stops making markers once a scope holds its maximum, and says so', async () => {
		const settings = { ...MEMORY, maxMarkers: 5 };
		const batch = (run: number) =>
			collect(
				Array.from({ length: 4 }, (_, index) => ({
					id: index,
					email: 'a@x.io',
					[`run${run}field${index}`]: 1,
				})),
			).entries();
		const steps: CounterStep[] = [];
		const first = await remember('capped', batch(1), [], settings, steps);
		assert.deepEqual([first.isNew.every(Boolean), first.full], [true, undefined]);
		const second = await remember('capped', batch(2), [], settings, steps);
		assert.deepEqual(
			[second.isNew.every(Boolean), second.full],
			[true, undefined],
			'4 < 5: still remembered (this batch takes it past)',
		);
		const markersMade = () =>
			new Set(steps.filter((step) => step.key.startsWith('drift:')).map((step) => step.key)).size;
		assert.equal(markersMade(), 8);
		for (let run = 3; run <= 7; run++) {
			const later = await remember('capped', batch(run), [], settings, steps);
			assert.deepEqual(later.full, { markers: 8, maxMarkers: 5 }, `run ${run}`);
			assert.ok(later.isNew.every(Boolean), 'not remembered, so reported');
		}
		assert.equal(markersMade(), 8, 'no marker made past the maximum');
		assert.deepEqual(
			(await remember('capped', batch(1), [], settings)).isNew,
			[true, true, true, true],
			'while full, known drift is reported too',
		);
	});

	it('makes one store call without drift: a store that cannot be reached shows on every run', async () => {
		const steps: CounterStep[] = [];
		await remember('quiet', [], [], MEMORY, steps);
		assert.deepEqual(steps, [{ key: MARKER_COUNT_KEY, by: 0, ttlMs: MEMORY.lifetimeMs }]);
	});

	it('names memory by schema name and version, else by fingerprint, and hashes long keys', () => {
		assert.equal(schemaIdentity(' contact ', '2', 'f'.repeat(64)), 'contact@2');
		assert.equal(schemaIdentity('', '2', 'abcdef0123456789'.repeat(4)), 'schema-abcdef0123456789');
		assert.equal(
			markerKey('contact@2', { kind: 'typeChanged', path: 'age' }, 'string'),
			'drift:contact@2:typeChanged:age:string',
		);
		assert.match(
			markerKey(
				'contact@2',
				{ kind: 'unseenEnumValue', path: 'status' },
				JSON.stringify('x'.repeat(2000)),
			),
			/^drift:#[0-9a-f]{64}$/,
		);
	});

	it('refuses an answer that does not match the plan', () => {
		const plan = planMarkers(
			'contact@1',
			collect([{ id: 1, email: null, extra: true }]).entries(),
			MEMORY.lifetimeMs,
		);
		// A marker and its two sightings (first, last).
		assert.throws(() => readDriftMemory(plan, []), /answered 0 counters for 3 asked/);
	});
});

describe('the drift report', () => {
	it('summarises the batch with counts, examples and descriptions', () => {
		const collector = collect([
			{ id: 1, email: null },
			{ id: '2', email: 'b@x.io', status: 'archived', correlationId: 'c-1' },
		]);
		const entries = sortEntries([...collector.entries()]);
		const report = buildDriftReport({
			schema: { name: 'contact', version: '1', fingerprint: 'abc', source: 'jsonSchema' },
			entries,
			isNew: entries.map((_, index) => index !== 0),
			memory: true,
			counts: { items: 2, valid: 1, invalid: 1, errors: 0, withDrift: 1 },
			moreDrift: 0,
		});
		assert.equal(report.summary, '3 kinds of drift in 1 of 2 items, 2 new');
		assert.equal(report.newDrift, 2);
		assert.deepEqual(
			(report.drift as Array<Record<string, unknown>>).map((entry) => [
				entry.kind,
				entry.description,
				entry.new,
			]),
			[
				['fieldAdded', 'New field correlationId in 1 of 2 items', false],
				['typeChanged', 'id is string instead of an integer in 1 of 2 items', true],
				[
					'unseenEnumValue',
					'status has values never seen before ("archived") in 1 of 2 items',
					true,
				],
			],
		);
	});

	it('writes values an expression left as JSON', () => {
		const schema = compile(object({ when: { enum: ['now'] } }));
		const collector = collect([{ when: new Date(0) }], schema);
		const entries = collector.entries();
		const report = buildDriftReport({
			schema: { name: '', version: '', fingerprint: 'abc', source: 'jsonSchema' },
			entries,
			isNew: [true],
			memory: false,
			counts: { items: 1, valid: 0, invalid: 1, errors: 0, withDrift: 1 },
			moreDrift: 0,
		});
		const [entry] = report.drift as Array<Record<string, unknown>>;
		assert.deepEqual(entry.values, [{ value: '1970-01-01T00:00:00.000Z', count: 1 }]);
		assert.equal(report.summary, '1 kind of drift in 1 of 1 item');
	});
});
