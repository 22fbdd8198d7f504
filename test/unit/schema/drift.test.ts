import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import type { CompiledSchema } from '../../../nodes/shared/core/schema/compile';
import { DriftCollector, nullRateJumps, sortEntries, type DriftEntry, type NullStat } from '../../../nodes/shared/core/schema/drift';
import {
	baselineFor,
	markerKey,
	planDriftMemory,
	planMarkers,
	readDriftMemory,
	schemaIdentity,
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
			lines: { type: 'array', items: object({ sku: { type: 'string' }, note: { type: ['string', 'null'] } }, ['sku']) },
		},
		['id', 'email'],
	),
);

/** Runs a batch through validation and the collector, as the node does. */
function collect(items: Array<Record<string, unknown>>, schema: CompiledSchema = SCHEMA, options = {}): DriftCollector {
	const collector = new DriftCollector(schema.model, options);
	items.forEach((item, index) => {
		const verdict = check(schema, item);
		collector.observe(index, verdict.findings, item, typeof item.correlationId === 'string' ? item.correlationId : undefined);
	});
	return collector;
}

const compact = (entries: DriftEntry[]) => entries.map((entry) => [entry.kind, entry.path, entry.count, entry.examples]);

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
		const byPath = new Map(collector.entries().map((entry) => [`${entry.kind} ${entry.path}`, entry]));
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
		const collector = collect([{ id: 1, email: null, lines: [{ note: 'a' }, { note: 'b' }, { sku: 'C', colour: 'red' }] }]);
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
		const items = Array.from({ length: 30 }, (_, index) => ({ id: index, email: null, status: `s${index}`, [`f${index}`]: 1 }));
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
			{ id: 1, email: null, lines: [{ sku: 'A', note: null }, { sku: 'B', note: 'x' }] },
			{ id: 2, email: 'b@x.io', lines: [{ sku: 'C' }] },
			{ id: 3, email: null },
		]);
		const stats = new Map(collector.nullStats().map((stat) => [stat.path, stat]));
		assert.deepEqual(stats.get('email'), { path: 'email', observed: 3, nulls: 2, examples: [0, 2], exampleCorrelationIds: [] });
		assert.deepEqual(stats.get('lines[].note'), { path: 'lines[].note', observed: 2, nulls: 1, examples: [0], exampleCorrelationIds: [] });
	});
});

describe('null-rate jumps', () => {
	const stat = (nulls: number, observed: number): NullStat => ({ path: 'email', observed, nulls, examples: [0], exampleCorrelationIds: [] });
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
		assert.deepEqual(nullRateJumps([stat(10, 40)], () => 0.02, settings), [], '25% - 2% < 25 points');
		assert.deepEqual(nullRateJumps([stat(19, 19)], () => 0, settings), [], 'too few values');
		assert.deepEqual(nullRateJumps([stat(40, 40)], () => undefined, settings), [], 'no baseline');
	});

	it('takes the baseline from memory when there is enough of it, else from the schema', () => {
		const schema = compile(object({ email: { type: ['string', 'null'], 'x-null-rate': 0.1 } }));
		const history = new Map([['email', { rate: 0.5, observed: 100 }]]);
		assert.equal(baselineFor('email', schema.model, history, 20), 0.5);
		assert.equal(baselineFor('email', schema.model, new Map([['email', { rate: 0.5, observed: 5 }]]), 20), 0.1);
		assert.equal(baselineFor('other', schema.model, new Map(), 20), undefined);
	});
});

describe('drift memory on the Store: alert once', () => {
	const folder = mkdtempSync(path.join(tmpdir(), 'schema-drift-'));
	const store: Store = openStore({ backend: 'sqlite', file: path.join(folder, 'guards.sqlite') }, { cache: false });
	after(async () => {
		await store.close();
		rmSync(folder, { recursive: true, force: true });
	});

	/** What the node does with drift memory on: one increment round trip, then the reading. */
	async function remember(namespace: string, entries: DriftEntry[], stats: NullStat[] = []) {
		const plan = planDriftMemory('contact@1', entries, stats, null);
		return readDriftMemory(plan, await store.increment(namespace, plan.increments));
	}

	it('marks each drift new the first time only, and a new detail at a known path anew', async () => {
		const batch = collect([{ id: '1', email: null, status: 'archived', extra: 1 }]).entries();
		const first = await remember('drift-a', batch);
		assert.deepEqual(first.isNew, [true, true, true]);
		const second = await remember('drift-a', batch);
		assert.deepEqual(second.isNew, [false, false, false]);
		const another = collect([{ id: 1, email: null, status: 'deleted' }]).entries();
		assert.deepEqual((await remember('drift-a', another)).isNew, [true]);
		assert.deepEqual((await remember('drift-b', batch)).isNew, [true, true, true], 'another scope has its own memory');
	});

	it('learns each nullable field\'s null rate, so a later jump shows', async () => {
		const quiet = Array.from({ length: 40 }, (_, index) => ({ id: index, email: index % 20 === 0 ? null : 'a@x.io' }));
		const noisy = Array.from({ length: 40 }, (_, index) => ({ id: index, email: index % 2 === 0 ? null : 'a@x.io' }));
		const settings = { thresholdPoints: 25, minValues: 20 };
		const first = await remember('nulls', [], collect(quiet).nullStats());
		assert.equal(first.history.size, 0, 'nothing known before the first batch');
		const second = await remember('nulls', [], collect(noisy).nullStats());
		assert.deepEqual(second.history.get('email'), { rate: 0.05, observed: 40 });
		const jumps = nullRateJumps(collect(noisy).nullStats(), (field) => baselineFor(field, SCHEMA.model, second.history, 20), settings);
		assert.deepEqual(jumps.map((jump) => [jump.path, jump.nullRate, jump.baselineNullRate]), [['email', 0.5, 0.05]]);
		const markers = planMarkers('contact@1', jumps, null);
		assert.deepEqual(readDriftMemory(markers, await store.increment('nulls', markers.increments)).isNew, [true]);
		assert.deepEqual(readDriftMemory(markers, await store.increment('nulls', markers.increments)).isNew, [false]);
	});

	it('lets a marker expire so the drift alerts again', async () => {
		const entries = collect([{ id: 1, email: null, extra: true }]).entries();
		const plan = planDriftMemory('contact@1', entries, [], 30);
		assert.deepEqual(readDriftMemory(plan, await store.increment('ttl', plan.increments)).isNew, [true]);
		assert.deepEqual(readDriftMemory(plan, await store.increment('ttl', plan.increments)).isNew, [false]);
		await new Promise((resolve) => setTimeout(resolve, 60));
		assert.deepEqual(readDriftMemory(plan, await store.increment('ttl', plan.increments)).isNew, [true]);
	});

	it('names memory by schema name and version, else by fingerprint, and hashes long keys', () => {
		assert.equal(schemaIdentity(' contact ', '2', 'f'.repeat(64)), 'contact@2');
		assert.equal(schemaIdentity('', '2', 'abcdef0123456789'.repeat(4)), 'schema-abcdef0123456789');
		assert.equal(markerKey('contact@2', { kind: 'typeChanged', path: 'age' }, 'string'), 'drift:contact@2:typeChanged:age:string');
		assert.match(markerKey('contact@2', { kind: 'unseenEnumValue', path: 'status' }, JSON.stringify('x'.repeat(2000))), /^drift:#[0-9a-f]{64}$/);
	});

	it('refuses an answer that does not match the plan', () => {
		const plan = planDriftMemory('contact@1', collect([{ id: 1, email: null, extra: true }]).entries(), [], null);
		assert.throws(() => readDriftMemory(plan, []), /answered 0 counters for 1 asked/);
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
			(report.drift as Array<Record<string, unknown>>).map((entry) => [entry.kind, entry.description, entry.new]),
			[
				['fieldAdded', 'New field correlationId in 1 of 2 items', false],
				['typeChanged', 'id is string instead of an integer in 1 of 2 items', true],
				['unseenEnumValue', 'status has values never seen before ("archived") in 1 of 2 items', true],
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
