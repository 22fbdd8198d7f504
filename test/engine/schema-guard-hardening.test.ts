/**
 * Schema Guard hardening (issue 14) through the real n8n engine, in process:
 * - drift memory is bounded: every marker expires, and a scope holds a maximum of them,
 *   on the embedded store, Redis and Postgres (finding 11);
 * - what Schema Guard says about a value (problems, errors, the drift report) never
 *   quotes a secret from the data (finding 5);
 * - with its store unreachable no item leaves on Valid (finding 1);
 * - user-written patterns run in linear time, and one that needs a backtracking engine
 *   fails as bad configuration before any item (finding 4).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';

import Redis from 'ioredis';
import { Client } from 'pg';
import type { IDataObject, INode } from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import { DAY_MS } from '../../nodes/shared/core/time';
import type { PostgresStoreConfig, RedisStoreConfig } from '../../nodes/shared/stores/types';
import { postgresHarness, redisHarness, RUN_ID } from '../support/stores';
import {
	buildWorkflow,
	engineN8nFolder,
	pairedItemsOf,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
	type CredentialFixtures,
	type EngineResult,
	type Link,
} from './harness';

const SCHEMA_GUARD = 'n8n-nodes-integration-guards.schemaGuard';
const GUARD = 'Schema Guard';
let scopeCounter = 0;
const freshScope = (what: string) => `hardening-${what}-${RUN_ID}-${++scopeCounter}`;

const CONTACT = {
	type: 'object',
	properties: {
		id: { type: 'integer' },
		email: { type: 'string' },
		status: { enum: ['active', 'paused'] },
		apiKey: { type: 'string' },
	},
	required: ['id', 'email'],
};

type GuardNode = Partial<INode> & Pick<INode, 'name' | 'type'>;

function guardNode(parameters: IDataObject, extra: Partial<INode> = {}): GuardNode {
	return {
		name: GUARD,
		type: SCHEMA_GUARD,
		parameters: {
			schemaSource: 'jsonSchema',
			jsonSchema: JSON.stringify(CONTACT),
			schemaName: 'contact',
			schemaVersion: '1',
			...parameters,
		},
		...extra,
	};
}

/** Source → Schema Guard → one sink per output. */
async function runGuard(
	node: GuardNode,
	items: object[],
	outputCount: number,
	credentials?: CredentialFixtures,
): Promise<EngineResult> {
	const sinks = Array.from({ length: outputCount }, (_, index) => ({
		name: `Sink ${index}`,
		type: TEST_NOOP,
	}));
	const links: Link[] = [
		['Source', GUARD],
		...sinks.map((sink, index): Link => [GUARD, index, sink.name]),
	];
	const workflow = buildWorkflow(
		[
			{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
			node,
			...sinks,
		],
		links,
	);
	return await runWorkflow({ workflow, credentials });
}

/** Every input item on exactly one of `outputs` (the drift report, a summary, is not counted). */
function assertEachItemOnce(run: EngineResult, outputs: number[], inputCount: number): void {
	const seen = new Array<number>(inputCount).fill(0);
	for (const output of outputs) {
		for (const item of run.outputs(GUARD)[output] ?? []) {
			const entries = pairedItemsOf(item) ?? [];
			assert.equal(entries.length, 1);
			seen[entries[0].item]++;
		}
	}
	assert.deepEqual(
		seen,
		new Array<number>(inputCount).fill(1),
		'every input item leaves exactly once',
	);
}

/** 100 items, each with a field never seen before: 100 new drift markers per run. */
function freshFields(run: number): object[] {
	return Array.from({ length: 100 }, (_, index) => ({
		id: index,
		email: 'a@example.com',
		[`run${run}_field${index}`]: true,
	}));
}

interface Marker {
	key: string;
	/** Milliseconds left, null when it never expires. */
	ttlMs: number | null;
}

before(startEngine);
after(async () => {
	await closeAllStores();
	await stopEngine();
});

describe('Schema Guard drift memory is bounded (finding 11)', () => {
	const redis = redisHarness();
	const postgres = postgresHarness();
	after(async () => {
		await closeAllStores();
		await redis.cleanup();
		await postgres.cleanup();
	});

	const backends: Array<{
		name: string;
		setup(): Promise<{
			parameters: IDataObject;
			credentials?: CredentialFixtures;
			extra: Partial<INode>;
		}>;
		counters(scope: string): Promise<Marker[]>;
	}> = [
		{
			name: 'embedded',
			async setup() {
				return { parameters: { store: 'embedded' }, extra: {} };
			},
			async counters(scope) {
				const database = new DatabaseSync(
					path.join(engineN8nFolder, 'storage', 'integration-guards', 'guards.sqlite'),
					{ readOnly: true },
				);
				try {
					const rows = database
						.prepare('SELECT key, expires_at FROM guards_counters WHERE instr(ns, ?) > 0')
						.all(scope) as Array<{ key: string; expires_at: number | null }>;
					return rows.map((row) => ({
						key: row.key,
						ttlMs: row.expires_at === null ? null : row.expires_at - Date.now(),
					}));
				} finally {
					database.close();
				}
			},
		},
		{
			name: 'Redis',
			async setup() {
				await redis.check();
				const config = redis.config() as RedisStoreConfig;
				return {
					parameters: { store: 'redis' },
					credentials: {
						integrationGuardsRedisApi: {
							host: config.host,
							port: config.port,
							database: 0,
							keyPrefix: config.keyPrefix,
						},
					},
					extra: { credentials: { integrationGuardsRedisApi: { id: 'redis-1', name: 'Redis' } } },
				};
			},
			async counters() {
				const config = redis.config() as RedisStoreConfig;
				const client = new Redis({
					host: config.host,
					port: config.port,
					lazyConnect: true,
					maxRetriesPerRequest: 1,
				});
				await client.connect();
				try {
					const markers: Marker[] = [];
					let cursor = '0';
					do {
						const [next, keys] = await client.scan(
							cursor,
							'MATCH',
							`${config.keyPrefix}ct:*`,
							'COUNT',
							1000,
						);
						cursor = next;
						for (const key of keys) {
							const ttl = await client.pttl(key);
							markers.push({ key: key.slice(key.indexOf('}:') + 2), ttlMs: ttl < 0 ? null : ttl });
						}
					} while (cursor !== '0');
					return markers;
				} finally {
					await client.quit();
				}
			},
		},
		{
			name: 'Postgres',
			async setup() {
				await postgres.check();
				const { host, port, database, user, schema, tablePrefix } =
					postgres.config() as PostgresStoreConfig;
				return {
					parameters: { store: 'postgres' },
					credentials: {
						integrationGuardsPostgresApi: {
							host,
							port,
							database,
							user,
							password: '',
							ssl: 'disable',
							schema,
							tablePrefix,
						},
					},
					extra: {
						credentials: { integrationGuardsPostgresApi: { id: 'postgres-1', name: 'Postgres' } },
					},
				};
			},
			async counters() {
				const { host, port, database, user, schema, tablePrefix } =
					postgres.config() as PostgresStoreConfig;
				const client = new Client({ host, port, database, user });
				await client.connect();
				try {
					const { rows } = await client.query<{ key: string; ttl_ms: string | null }>(
						`SELECT key, expires_at - (extract(epoch from clock_timestamp()) * 1000)::bigint AS ttl_ms FROM "${schema}"."${tablePrefix}counters"`,
					);
					return rows.map((row) => ({
						key: row.key,
						ttlMs: row.ttl_ms === null ? null : Number(row.ttl_ms),
					}));
				} finally {
					await client.end();
				}
			},
		},
	];

	for (const backend of backends) {
		test(`on ${backend.name}: 5 runs × 100 new fields leave at most the maximum plus one batch of markers, each expiring, and say the memory is full`, async () => {
			const { parameters, credentials, extra } = await backend.setup();
			const scope = freshScope(backend.name.toLowerCase());
			const node = guardNode(
				{ driftMemory: true, scope, ...parameters, options: { maxDriftMarkers: 150 } },
				extra,
			);
			const reports: IDataObject[] = [];
			const hints: string[][] = [];
			for (let run = 1; run <= 5; run++) {
				const result = await runGuard(node, freshFields(run), 3, credentials);
				assert.equal(result.status, 'success', result.error?.message);
				assertEachItemOnce(result, [0, 1], 100);
				assert.equal(
					result.output(GUARD, 'Valid').length,
					100,
					'new fields are evolved: every item valid',
				);
				reports.push(result.output(GUARD, 'Drift Report')[0]?.json ?? {});
				hints.push(result.nodes[GUARD].hints.map((hint) => hint.message));
			}
			const counters = await backend.counters(scope);
			const markers = counters.filter((counter) => counter.key.startsWith('drift:'));
			console.log(
				`${backend.name}: ${markers.length} drift markers after 5 runs × 100 new fields (maximum 150); ${counters.length} counters in all`,
			);
			assert.equal(
				markers.length,
				200,
				'runs 1 and 2 remembered (the second takes the scope past 150); runs 3-5 made none',
			);
			const forever = counters.filter((counter) => counter.ttlMs === null);
			assert.deepEqual(forever, [], 'nothing remembered for ever');
			for (const counter of counters) {
				assert.ok(
					counter.ttlMs! > 29 * DAY_MS && counter.ttlMs! <= 30 * DAY_MS,
					`${counter.key} expires in 30 days by default (${counter.ttlMs} ms)`,
				);
			}
			assert.deepEqual(
				reports.map((report) => report.newDrift),
				[100, 100, 100, 100, 100],
				'drift the memory cannot hold is reported, not hidden',
			);
			assert.deepEqual(
				reports.map((report) => report.memoryFull === undefined),
				[true, true, false, false, false],
			);
			assert.match(
				String(reports[2].memoryFull),
				/Drift memory is full \(200 of 150 remembered drifts in this scope\)/,
			);
			assert.ok(
				hints[4].some((hint) => hint.startsWith('Drift memory is full')),
				'the panel says so',
			);
			assert.ok(!hints[1].some((hint) => hint.startsWith('Drift memory is full')));
		});
	}
});

describe('Schema Guard quotes no secret from the data (finding 5)', () => {
	const STRIPE = `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`;
	const BEARER = 'Bearer abcdefghijklmnopqrstuvwxyz0123456789';
	const URL_PASSWORD = 'pa55word-very-secret';
	const API_KEY = 'k-9f8e7d6c5b4a3f2e1d0c';

	/** What Schema Guard itself wrote on an item: its result field, or the error and its details. */
	function saidAbout(item: IDataObject): string {
		return JSON.stringify([
			item.schemaGuard ?? null,
			item.error ?? null,
			item.details ?? null,
			item.message ?? null,
		]);
	}

	function assertNoSecret(text: string, where: string): void {
		for (const secret of [
			STRIPE,
			'abcdefghijklmnopqrstuvwxyz0123456789',
			URL_PASSWORD,
			API_KEY,
			'424242',
		]) {
			assert.ok(
				!text.includes(secret),
				`${where} quotes a secret (${secret}): ${text.slice(0, 2000)}`,
			);
		}
	}

	const items = [
		{ id: 1, email: 'a@example.com', status: STRIPE },
		{ id: 2, email: 'b@example.com', status: BEARER },
		{ id: 3, email: 'c@example.com', apiKey: 424242 },
		{
			id: 4,
			email: `https://user:${URL_PASSWORD}@db.example.com/x`,
			status: 'active',
			apiKey: { value: API_KEY },
		},
		{ id: `https://user:${URL_PASSWORD}@db.example.com`, email: 'e@example.com' },
	];

	test('problems on Invalid and the drift report describe secret values without them', async () => {
		const schema = {
			...CONTACT,
			properties: { ...CONTACT.properties, email: { type: 'string', maxLength: 20 } },
		};
		const run = await runGuard(guardNode({ jsonSchema: JSON.stringify(schema) }), items, 3);
		assert.equal(run.status, 'success', run.error?.message);
		assertEachItemOnce(run, [0, 1], items.length);
		const [valid, invalid, report] = run.outputs(GUARD);
		assert.equal(valid.length, 0);
		for (const item of invalid)
			assertNoSecret(saidAbout(item.json), `Invalid item ${String(item.json.id)}`);
		assert.equal(report.length, 1);
		assertNoSecret(JSON.stringify(report[0].json), 'the drift report');
		const problems = invalid.flatMap((item) =>
			((item.json.schemaGuard as IDataObject).problems as IDataObject[]).map((problem) =>
				String(problem.message),
			),
		);
		assert.ok(
			problems.includes('apiKey should be a string, but it is an integer ([REDACTED])'),
			problems.join('\n'),
		);
		assert.ok(
			problems.some((message) =>
				message.startsWith(
					'status should be one of "active" or "paused", but it is a string ("[REDACTED]")',
				),
			),
			problems.join('\n'),
		);
		assert.ok(
			problems.some((message) => message.includes('"Bearer [REDACTED]"')),
			problems.join('\n'),
		);
		const values = (
			(report[0].json.drift as IDataObject[]).find((entry) => entry.kind === 'unseenEnumValue')!
				.values as IDataObject[]
		).map((seen) => seen.value);
		assert.deepEqual(values, ['[REDACTED]', 'Bearer [REDACTED]']);
	});

	test('a Freeze error, on the error output or failing the node, does not quote the value', async () => {
		const node = guardNode({ onTypeChanged: 'freeze' }, { onError: 'continueErrorOutput' });
		const run = await runGuard(node, [items[4]], 4);
		const errors = run.outputs(GUARD)[3];
		assert.equal(errors.length, 1);
		assert.match(
			String(errors[0].json.error),
			/^Schema drift in item 0: id should be an integer, but it is a string \("https:\/\/user:\[REDACTED\]@db\.example\.com"/,
		);
		assertNoSecret(saidAbout(errors[0].json), 'the error item');
		const failed = await runGuard(guardNode({ onTypeChanged: 'freeze' }), [items[4]], 3);
		assert.equal(failed.status, 'error');
		assertNoSecret(
			JSON.stringify([failed.error?.message, failed.error?.description]),
			'the node error',
		);
	});
});

describe('Schema Guard with its drift store unreachable routes no item to Valid (finding 1)', () => {
	const credentials: CredentialFixtures = {
		integrationGuardsRedisApi: { host: '127.0.0.1', port: 1, database: 0 },
	};
	const withRedis = {
		credentials: { integrationGuardsRedisApi: { id: 'redis-1', name: 'Unreachable Redis' } },
	};
	const parameters = { driftMemory: true, store: 'redis', scope: 'unreachable' };
	// Valid items with no drift at all, and one that drifts: none may pass unchecked by memory.
	const items = [
		{ id: 1, email: 'a@example.com' },
		{ id: 2, email: 'b@example.com', status: 'active' },
		{ id: 3, email: 'c@example.com', extra: 1 },
	];
	after(closeAllStores);

	test('"Continue (using error output)": every item on the error output, naming the store', async () => {
		const run = await runGuard(
			guardNode(parameters, { ...withRedis, onError: 'continueErrorOutput' }),
			items,
			4,
			credentials,
		);
		assert.equal(run.status, 'success', run.error?.message);
		const [valid, invalid, report, errors] = run.outputs(GUARD);
		assert.deepEqual([valid.length, invalid.length, report.length, errors.length], [0, 0, 0, 3]);
		assertEachItemOnce(run, [0, 1, 3], items.length);
		for (const item of errors) assert.match(String(item.json.error), /Redis at 127\.0\.0\.1:1/);
		assert.deepEqual(
			errors.map((item) => item.json.id),
			[1, 2, 3],
			'the input travels with the error',
		);
		const quiet = await runGuard(
			guardNode(parameters, { ...withRedis, onError: 'continueErrorOutput' }),
			items.slice(0, 2),
			4,
			credentials,
		);
		assert.deepEqual(
			quiet.outputs(GUARD).map((output) => output.length),
			[0, 0, 0, 2],
			'a batch without drift too',
		);
	});

	test('"Continue (using regular output)": every item on Invalid with the error, none on Valid', async () => {
		const run = await runGuard(
			guardNode(parameters, { ...withRedis, onError: 'continueRegularOutput' }),
			items,
			3,
			credentials,
		);
		assert.equal(run.status, 'success', run.error?.message);
		const [valid, invalid, report] = run.outputs(GUARD);
		assert.deepEqual([valid.length, invalid.length, report.length], [0, 3, 0]);
		assertEachItemOnce(run, [0, 1], items.length);
		for (const item of invalid) assert.match(String(item.json.error), /Redis at 127\.0\.0\.1:1/);
	});

	test('without Continue the node fails, naming the store, also for a batch without drift', async () => {
		const run = await runGuard(guardNode(parameters, withRedis), items.slice(0, 2), 3, credentials);
		assert.equal(run.status, 'error');
		assert.match(String(run.error?.message), /Redis at 127\.0\.0\.1:1/);
		assert.equal(run.nodes['Sink 0'], undefined, 'nothing reached Valid');
	});
});

describe('Canonical Transform: a configuration error under Continue makes error items, not raw items (finding 1)', () => {
	const CANONICAL_TRANSFORM = 'n8n-nodes-integration-guards.canonicalTransform';
	const badMapping = {
		operation: 'transform',
		mappingSource: 'json',
		mappingJson:
			'{ "fields": [ { "target": "a", "source": "id", "convert": "money", "options": { "currency": "DOLLARS" } } ] }',
	};
	const items = [{ id: 1, secret: 'x' }, { id: 2 }];

	async function runTransform(onError: INode['onError']): Promise<EngineResult> {
		const workflow = buildWorkflow(
			[
				{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
				{ name: 'Map', type: CANONICAL_TRANSFORM, parameters: badMapping, onError },
				{ name: 'Out', type: TEST_NOOP },
				{ name: 'Errors', type: TEST_NOOP },
			],
			[
				['Source', 'Map'],
				['Map', 0, 'Out'],
				['Map', 1, 'Errors'],
			],
		);
		return await runWorkflow({ workflow });
	}

	test('"Continue (using error output)": every item on the error output with the configuration error', async () => {
		const run = await runTransform('continueErrorOutput');
		assert.equal(run.status, 'success', run.error?.message);
		const [out, errors] = run.outputs('Map');
		assert.deepEqual([out.length, errors.length], [0, 2]);
		for (const item of errors)
			assert.match(
				String(item.json.error),
				/options\.currency "DOLLARS" is not an ISO 4217 currency code/,
			);
		assert.deepEqual(
			errors.map((item) => pairedItemsOf(item)?.[0].item),
			[0, 1],
		);
	});

	test('"Continue (using regular output)": each item carries the error, none passes as if converted', async () => {
		const run = await runTransform('continueRegularOutput');
		const [out] = run.outputs('Map');
		assert.equal(out.length, 2);
		for (const item of out) assert.match(String(item.json.error), /options\.currency "DOLLARS"/);
	});
});

describe('Schema Guard runs user-written patterns in linear time (finding 4)', () => {
	const PATTERNS = {
		a: { type: 'string', pattern: '^(a+)+$' },
		words: { type: 'string', pattern: '^([a-zA-Z0-9]+\\s?)*$' },
	};

	test('"^(a+)+$" and "^([a-zA-Z0-9]+\\s?)*$" on 15 → 100,000 characters: 10× the input costs less than 20× the time', async () => {
		const node = guardNode({
			jsonSchema: JSON.stringify({
				type: 'object',
				properties: PATTERNS,
				required: ['a', 'words'],
			}),
			driftReport: false,
		});
		const figures: string[] = [];
		let previous: { size: number; ms: number } | undefined;
		for (const size of [15, 30, 1000, 10_000, 100_000]) {
			const text = `${'a'.repeat(size)}!`;
			let ms = Number.POSITIVE_INFINITY;
			for (let attempt = 0; attempt < 3; attempt++) {
				const run = await runGuard(node, [{ a: text, words: text }], 2);
				assert.equal(run.output(GUARD, 'Invalid').length, 1);
				ms = Math.min(ms, run.nodes[GUARD].task.executionTime);
				// Far over already (a backtracking engine): no need to wait for more tries.
				if (previous !== undefined && ms > 20 * (size / previous.size) * Math.max(previous.ms, 20))
					break;
			}
			figures.push(`${size.toLocaleString('en')} → ${ms} ms`);
			if (previous !== undefined) {
				assert.ok(
					ms < 2 * (size / previous.size) * Math.max(previous.ms, 20),
					`Schema Guard node time: ${figures.join(', ')}: not linear`,
				);
			}
			previous = { size, ms };
		}
		console.log(`Schema Guard node time, two exponential patterns: ${figures.join(', ')}`);
	});

	test('a pattern the linear engine cannot run fails the node before any item, pointing at the schema path', async () => {
		const schema = {
			type: 'object',
			properties: { code: { type: 'string', pattern: '^(\\w)\\1$' } },
		};
		const run = await runGuard(
			guardNode({ jsonSchema: JSON.stringify(schema) }, { onError: 'continueErrorOutput' }),
			[{ code: 'aa' }, { code: 'ab' }],
			4,
		);
		const [valid, invalid, report, errors] = run.outputs(GUARD);
		assert.deepEqual(
			[valid.length, invalid.length, report.length, errors.length],
			[0, 0, 0, 2],
			'bad configuration: every item on the error output',
		);
		assert.match(
			String(errors[0].json.error),
			/^Schema at \/properties\/code\/pattern: is not a valid regular expression for Schema Guard: .*\^\(\\w\)\\1\$/,
		);
		const failed = await runGuard(
			guardNode({ jsonSchema: JSON.stringify(schema) }),
			[{ code: 'aa' }],
			3,
		);
		assert.equal(failed.status, 'error');
		assert.match(
			String(failed.error?.description),
			/linear-time engine.*Fix the JSON Schema parameter at \/properties\/code\/pattern/,
		);
	});
});
