// Compatibility: the package in the last n8n 1.x that runs on Node 20 (1.123.50; see
// scripts/n8n-runtime.mjs for why not 1.123.81) on Node 20, installed from its
// tarball the way a user would. Every declared node and credential loads, each credential
// passes n8n's own credential test against the local Redis and Postgres, one workflow per
// stateful node keeps its state in Redis or Postgres across two executions, and the
// embedded store (node:sqlite, Node >= 22.5) fails with the message that says so.
//
// Which workflow runs for which node is data-driven: package.json's `n8n.nodes` against
// STATEFUL_WORKFLOWS below. A declared node that is neither in the table nor explicitly
// listed in WITHOUT_STORE_WORKFLOW fails the test (add its workflow here).
//
// The 1.x runtime is installed by `node scripts/n8n-runtime.mjs ensure v1` (or `ensure all`,
// which `npm test` runs first); this test runs it too, so it also works on its own.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import Redis from 'ioredis';
import type { IDataObject } from 'n8n-workflow';
import { Client } from 'pg';

import { outageWorkflow, stoppedRedis } from './guard-outage';
import {
	PACKAGE_NAME,
	repoRoot,
	startN8n,
	type Execution,
	type ImportedWorkflow,
	type N8nInstance,
	type Runtime,
	type WorkflowJson,
} from './harness';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const PG = { host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' };
const REDIS = { host: '127.0.0.1', port: 6379 };
const REDIS_PREFIX = `guards-compat-${RUN}:`;
const PG_TABLE_PREFIX = `compat_${RUN}_`;
const REDIS_DATA = { ...REDIS, database: 0, keyPrefix: REDIS_PREFIX };
const POSTGRES_DATA = {
	...PG,
	password: '',
	ssl: 'disable',
	schema: 'public',
	tablePrefix: PG_TABLE_PREFIX,
};
/** What a cold install may take at most (npm install + compiling sqlite3 on 2 cores: 15 min measured on a loaded machine). */
const INSTALL_LIMIT_MS = 30 * 60 * 1000;
/** The message of nodes/shared/stores/sqlite.ts when node:sqlite is missing. */
const EMBEDDED_NEEDS_NODE =
	/embedded store needs Node\.js >= 22\.5 with node:sqlite .*this process runs Node 20\./;

type Credentials = Record<'redis' | 'postgres', { id: string; name: string }>;

interface StatefulCase {
	/** Which backend the workflow keeps its state in. */
	store: 'redis' | 'postgres';
	/** What it proves, for the test title. */
	what: string;
	/** The workflows, imported in order; each is run `runs` times (default 1), in order. */
	workflows(credentials: Credentials): Array<{ workflow: WorkflowJson; runs?: number }>;
	/** Gets every execution, in the order they ran. */
	check(executions: Execution[]): void;
}

const node = (shortName: string) => `${PACKAGE_NAME}.${shortName}`;

const storeCredential = (store: 'redis' | 'postgres', credentials: Credentials) =>
	store === 'redis'
		? { integrationGuardsRedisApi: credentials.redis }
		: { integrationGuardsPostgresApi: credentials.postgres };

/** Manual Trigger → Code (the given items) → `rest`, chained in order on output 0. */
function chain(name: string, items: IDataObject[], rest: WorkflowJson['nodes']): WorkflowJson {
	const nodes: WorkflowJson['nodes'] = [
		{
			parameters: {},
			name: 'Start',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 0],
		},
		{
			parameters: { jsCode: `return ${JSON.stringify(items)}.map((json) => ({ json }));` },
			name: 'Items',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [200, 0],
		},
		...rest.map((entry, index) => ({ position: [400 + 200 * index, 0], ...entry })),
	];
	const connections: WorkflowJson['connections'] = {};
	for (let index = 0; index < nodes.length - 1; index++) {
		connections[nodes[index].name] = {
			main: [[{ node: nodes[index + 1].name, type: 'main', index: 0 }]],
		};
	}
	return { name: `compat ${name} ${RUN}`, nodes, connections, settings: { executionOrder: 'v1' } };
}

const total = (execution: Execution, name: string) =>
	execution.node(name).outputs.reduce((sum, items) => sum + items.length, 0);

/**
 * One workflow (or two) per stateful node, keyed by the node's type name. Each runs twice
 * or in two steps, so that the second result can only come from the store.
 */
const STATEFUL_WORKFLOWS: Record<string, StatefulCase> = {
	idempotentWrite: {
		store: 'redis',
		what: 'a completed key is a Duplicate on the next execution',
		workflows: (credentials) => [
			{
				runs: 2,
				workflow: chain(
					'idempotent write',
					[{ invoice: `INV-${RUN}-1` }, { invoice: `INV-${RUN}-2` }],
					[
						{
							parameters: {
								operation: 'claim',
								store: 'redis',
								scope: `compat-${RUN}`,
								keySource: 'fields',
								keyFields: 'invoice',
								leaseMinutes: 2,
								options: {},
							},
							name: 'Claim',
							type: node('idempotentWrite'),
							typeVersion: 1,
							credentials: storeCredential('redis', credentials),
						},
						{
							parameters: {
								operation: 'complete',
								store: 'redis',
								scope: `compat-${RUN}`,
								keySource: 'claimed',
								claimedKey: "={{ $('Claim').item.json.idempotency.key }}",
								resultFields: '',
								options: {},
							},
							name: 'Complete',
							type: node('idempotentWrite'),
							typeVersion: 1,
							credentials: storeCredential('redis', credentials),
						},
					],
				),
			},
		],
		check([first, second]) {
			assert.equal(
				first.node('Claim').byName.Proceed?.length,
				2,
				`first run: both keys proceed: ${JSON.stringify(first.node('Claim').byName)}`,
			);
			assert.equal(total(first, 'Complete'), 2, 'first run: both keys completed');
			assert.equal(
				second.node('Claim').byName.Duplicate?.length,
				2,
				`second run: both keys are duplicates: ${JSON.stringify(second.node('Claim').byName)}`,
			);
			assert.deepEqual(
				second.node('Claim').byName.Duplicate.map((item) => item.pairedItem),
				[{ item: 0 }, { item: 1 }],
			);
		},
	},
	circuitBreaker: {
		store: 'redis',
		what: 'a breaker forced open by Set State routes the next Check to Open',
		workflows: (credentials) => {
			const breaker = { store: 'redis', scope: `compat-${RUN}`, breakerName: 'crm' };
			return [
				{
					workflow: chain(
						'circuit breaker open',
						[{ maintenance: true }],
						[
							{
								parameters: {
									operation: 'setState',
									...breaker,
									newState: 'forceOpen',
									options: {},
								},
								name: 'Force Open',
								type: node('circuitBreaker'),
								typeVersion: 1,
								credentials: storeCredential('redis', credentials),
							},
						],
					),
				},
				{
					workflow: chain(
						'circuit breaker check',
						[{ contact: 1 }, { contact: 2 }],
						[
							{
								parameters: { operation: 'check', ...breaker, options: {} },
								name: 'Check',
								type: node('circuitBreaker'),
								typeVersion: 1,
								credentials: storeCredential('redis', credentials),
							},
						],
					),
				},
			];
		},
		check([, checked]) {
			const check = checked.node('Check');
			assert.deepEqual(Object.keys(check.byName), ['Proceed', 'Open']);
			assert.equal(
				check.byName.Open.length,
				2,
				`both items route to Open: ${JSON.stringify(check.byName)}`,
			);
			assert.equal(check.byName.Proceed.length, 0);
		},
	},
	guardsStatus: {
		store: 'redis',
		what: 'Snapshot shows a breaker forced open in the same scope',
		workflows: (credentials) => {
			const scope = { store: 'redis', scope: `compat-status-${RUN}` };
			return [
				{
					workflow: chain(
						'guards status',
						[{ maintenance: true }],
						[
							{
								parameters: {
									operation: 'setState',
									...scope,
									breakerName: 'erp',
									newState: 'forceOpen',
									options: {},
								},
								name: 'Force Open',
								type: node('circuitBreaker'),
								typeVersion: 1,
								credentials: storeCredential('redis', credentials),
							},
							{
								parameters: { operation: 'snapshot', ...scope, options: {} },
								name: 'Snapshot',
								type: node('guardsStatus'),
								typeVersion: 1,
								credentials: storeCredential('redis', credentials),
							},
						],
					),
				},
			];
		},
		check([run]) {
			const snapshot = run.node('Snapshot').outputs[0] ?? [];
			assert.equal(snapshot.length, 1, `one snapshot item: ${JSON.stringify(snapshot)}`);
			const status = snapshot[0].json.guardsStatus as { breakers?: Array<IDataObject> };
			assert.deepEqual(
				(status.breakers ?? []).map((row) => [row.name, row.state]),
				[['erp', 'forcedOpen']],
				JSON.stringify(status),
			);
		},
	},
	deadLetter: {
		store: 'postgres',
		what: 'failed items captured in one execution are replayed by another',
		workflows: (credentials) => {
			const queue = { store: 'postgres', scope: `compat-${RUN}` };
			const failures = [1, 2, 3].map((id) => ({
				id,
				error: { message: 'Service temporarily unavailable', httpCode: 503 },
			}));
			return [
				{
					workflow: chain('dead letter capture', failures, [
						{
							parameters: { operation: 'capture', ...queue, incoming: 'failed' },
							name: 'Capture',
							type: node('deadLetter'),
							typeVersion: 1,
							credentials: storeCredential('postgres', credentials),
						},
					]),
				},
				{
					workflow: chain(
						'dead letter replay',
						[{ replay: true }],
						[
							{
								parameters: { operation: 'replay', ...queue },
								name: 'Replay',
								type: node('deadLetter'),
								typeVersion: 1,
								credentials: storeCredential('postgres', credentials),
							},
						],
					),
				},
			];
		},
		check([captured, replayed]) {
			assert.equal(
				captured.node('Capture').byName.Captured?.length,
				3,
				`three dead letters captured: ${JSON.stringify(captured.node('Capture').byName)}`,
			);
			const replay = replayed.node('Replay').byName.Replay ?? [];
			assert.deepEqual(
				replay.map((item) => item.json.id).sort(),
				[1, 2, 3],
				`the replay returns the three captured payloads: ${JSON.stringify(replayed.node('Replay').byName)}`,
			);
		},
	},
	schemaGuard: {
		store: 'postgres',
		what: 'drift memory reports a new field once, not again on the next execution',
		workflows: (credentials) => [
			{
				runs: 2,
				workflow: chain(
					'schema guard drift memory',
					[
						{ id: 1, nickname: 'Ada' },
						{ id: 2, nickname: 'Grace' },
					],
					[
						{
							parameters: {
								schemaSource: 'fields',
								fields: { field: [{ name: 'id', type: 'integer', required: true }] },
								schemaName: 'compat-contact',
								schemaVersion: '1',
								onFieldAdded: 'evolve',
								driftReport: true,
								driftMemory: true,
								store: 'postgres',
								scope: `compat-${RUN}`,
								options: {},
							},
							name: 'Schema Guard',
							type: node('schemaGuard'),
							typeVersion: 1,
							credentials: storeCredential('postgres', credentials),
						},
					],
				),
			},
		],
		check([first, second]) {
			const outputs = (execution: Execution) =>
				execution.node('Schema Guard').outputs.map((items) => items.length);
			assert.deepEqual(
				outputs(first),
				[2, 0, 1],
				`first run: two valid items and one drift report: ${JSON.stringify(first.node('Schema Guard').byName)}`,
			);
			assert.match(JSON.stringify(first.node('Schema Guard').outputs[2][0].json), /nickname/);
			assert.deepEqual(
				outputs(second),
				[2, 0, 0],
				`second run: the same drift is remembered, not reported again: ${JSON.stringify(second.node('Schema Guard').byName)}`,
			);
		},
	},
	rateLimiter: {
		store: 'redis',
		what: 'a quota counted across executions alerts once when the second run crosses 75 %',
		workflows: (credentials) => [
			{
				runs: 2,
				workflow: chain(
					'rate limiter quota',
					[{ call: 1 }, { call: 2 }],
					[
						{
							parameters: {
								operation: 'quota',
								store: 'redis',
								quotaName: `compat-${RUN}`,
								quota: 4,
								period: 'day',
								thresholds: '75',
							},
							name: 'Quota',
							type: node('rateLimiter'),
							typeVersion: 1,
							credentials: storeCredential('redis', credentials),
						},
					],
				),
			},
		],
		check([first, second]) {
			const quota = (execution: Execution) => execution.node('Quota').byName;
			assert.equal(
				quota(first).Continue?.length,
				2,
				`first run: both items continue: ${JSON.stringify(quota(first))}`,
			);
			assert.equal(quota(first).Alert?.length ?? 0, 0, 'first run: 2 of 4 is under 75 %, no alert');
			assert.equal(
				quota(second).Continue?.length,
				2,
				`second run: both items continue: ${JSON.stringify(quota(second))}`,
			);
			assert.equal(
				quota(second).Alert?.length,
				1,
				`second run: 4 of 4 crossed 75 % once, counted over both executions: ${JSON.stringify(quota(second))}`,
			);
		},
	},
	costGuard: {
		store: 'postgres',
		what: 'an item budget shared across executions lets the third item of two runs through and holds the fourth',
		workflows: (credentials) => [
			{
				runs: 2,
				workflow: chain(
					'cost guard item budget',
					[{ text: 'a' }, { text: 'b' }],
					[
						{
							parameters: {
								operation: 'checkBudget',
								store: 'postgres',
								scope: `compat-${RUN}`,
								budgetName: 'llm',
								limits: { dailyItems: 3 },
								estimate: 'none',
								options: { timeZone: 'UTC' },
							},
							name: 'Check Budget',
							type: node('costGuard'),
							typeVersion: 1,
							credentials: storeCredential('postgres', credentials),
						},
					],
				),
			},
		],
		check([first, second]) {
			const budget = (execution: Execution) => execution.node('Check Budget').byName;
			assert.equal(
				budget(first)['Within Budget']?.length,
				2,
				`first run: both items within 3 a day: ${JSON.stringify(budget(first))}`,
			);
			assert.equal(
				budget(second)['Within Budget']?.length,
				1,
				`second run: one more fits: ${JSON.stringify(budget(second))}`,
			);
			assert.equal(
				budget(second)['Over Budget']?.length,
				1,
				`second run: the fourth item is over: ${JSON.stringify(budget(second))}`,
			);
		},
	},
	credentialExpiryCheck: {
		store: 'postgres',
		what: 'alert memory flags a credential due in 2 days as a new alert once, not on the next run',
		workflows: (credentials) => [
			{
				runs: 2,
				workflow: chain(
					'credential expiry alert memory',
					[{ run: true }],
					[
						{
							parameters: {
								sources: ['register'],
								registerSource: 'parameter',
								register: {
									entries: [
										{
											name: `Vendor refresh token ${RUN}`,
											expiresAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
											owner: 'ops@example.com',
										},
									],
								},
								alertMemory: true,
								store: 'postgres',
								scope: `compat-${RUN}`,
								options: {},
							},
							name: 'Check',
							type: node('credentialExpiryCheck'),
							typeVersion: 1,
							credentials: storeCredential('postgres', credentials),
						},
					],
				),
			},
		],
		check([first, second]) {
			const attention = (execution: Execution) => execution.node('Check').byName.Attention ?? [];
			assert.equal(
				attention(first).length,
				1,
				`first run: the token is critical: ${JSON.stringify(first.node('Check').byName)}`,
			);
			assert.equal(attention(first)[0].json.status, 'critical');
			assert.equal(attention(first)[0].json.alert, true, 'first run: a new alert');
			assert.equal(attention(second).length, 1);
			assert.equal(attention(second)[0].json.alert, false, 'second run: remembered, no new alert');
		},
	},
};

/**
 * Declared nodes with no workflow above, each with the reason. Only these may be
 * missing from STATEFUL_WORKFLOWS; any other declared node fails the coverage test.
 */
const WITHOUT_STORE_WORKFLOW: Record<string, string> = {
	canonicalTransform: 'keeps no state (a pure mapping); its loading is checked like every node',
	deadLetterTrigger:
		'a polling trigger, run by activation, not by a manual chain; it leases from the Postgres queue the deadLetter case fills and replays, and its loading is checked like every node',
};

/** POST /rest/workflows as the 1.x editor saves a new workflow: 1.x needs `active` in the body (2.x sets it itself). */
async function importWorkflow(n8n: N8nInstance, json: WorkflowJson): Promise<ImportedWorkflow> {
	return await n8n.api<ImportedWorkflow>('POST', '/rest/workflows', {
		name: json.name,
		nodes: json.nodes,
		connections: json.connections,
		settings: json.settings ?? { executionOrder: 'v1' },
		pinData: {},
		active: false,
	});
}

/**
 * A manual run from the workflow's trigger, as the 1.x editor starts it: n8n 1.x wants the
 * workflow in the request body (`workflowData`), where 2.x (the harness's executeById)
 * reads it from its database. Then waits for the saved execution.
 */
async function runManually(n8n: N8nInstance, id: string, trigger = 'Start'): Promise<Execution> {
	const workflowData = await n8n.api<IDataObject>('GET', `/rest/workflows/${id}`);
	const started = await n8n.api<{ executionId?: string }>('POST', `/rest/workflows/${id}/run`, {
		workflowData,
		triggerToStartFrom: { name: trigger },
	});
	if (!started.executionId)
		throw new Error(
			`the manual run of workflow ${id} started no execution: ${JSON.stringify(started)}`,
		);
	return await n8n.waitForExecution(started.executionId);
}

/** Runs `node scripts/n8n-runtime.mjs ensure v1 --json` (install if needed; bounded) and returns the 1.x runtime. */
async function ensureV1Runtime(): Promise<Runtime> {
	const script = path.join(repoRoot(), 'scripts', 'n8n-runtime.mjs');
	const never = process.env.N8N_GUARDS_INSTALL === 'never';
	const started = Date.now();
	const { code, stdout, stderr } = await new Promise<{
		code: number | null;
		stdout: string;
		stderr: string;
	}>((resolve) => {
		const child = spawn(process.execPath, [script, never ? 'paths' : 'ensure', 'v1', '--json'], {
			cwd: repoRoot(),
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let out = '';
		let err = '';
		child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => {
			err += chunk.toString();
			process.stderr.write(chunk);
		});
		const timer = setTimeout(() => {
			err += `\n[compat] the n8n 1.x install took longer than ${INSTALL_LIMIT_MS / 60000} minutes; stopped it\n`;
			child.kill('SIGTERM');
		}, INSTALL_LIMIT_MS);
		child.on('close', (exitCode) => {
			clearTimeout(timer);
			resolve({ code: exitCode, stdout: out, stderr: err });
		});
	});
	let runtime: Runtime | undefined;
	try {
		runtime = JSON.parse(stdout.trim().split('\n').pop() ?? '') as Runtime;
	} catch {
		runtime = undefined;
	}
	if (code !== 0 || !runtime?.installed) {
		throw new Error(
			`n8n 1.x (the compatibility runtime) is not installed: \`node scripts/n8n-runtime.mjs ${never ? 'paths' : 'ensure'} v1\` exited ${code}` +
				`${never ? ' (N8N_GUARDS_INSTALL=never)' : ''}. Install it with \`node scripts/n8n-runtime.mjs ensure v1\` ` +
				`(needs the npm registry, g++ and python3; about 15 minutes, 1.8 GB).\n${stderr.slice(-4000)}`,
		);
	}
	process.stderr.write(
		`[compat] n8n ${runtime.n8nVersion} on Node ${runtime.nodeVersion} ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
	);
	return runtime;
}

describe('compatibility: n8n 1.x on Node 20', () => {
	let n8n: N8nInstance;
	let credentials: Credentials;
	let sql: Client | undefined;
	let redis: Redis | undefined;

	before(async () => {
		// The stores first: a missing service fails here, saying how to start it.
		sql = new Client({ ...PG, connectionTimeoutMillis: 5000 });
		await sql.connect().catch((error: Error) => {
			throw new Error(
				`Postgres is not reachable on 127.0.0.1:5432 (${error.message}); start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`,
			);
		});
		redis = new Redis({
			...REDIS,
			lazyConnect: true,
			maxRetriesPerRequest: 1,
			retryStrategy: () => null,
		});
		await redis.connect().catch((error: Error) => {
			throw new Error(
				`Redis is not reachable on 127.0.0.1:6379 (${error.message}); start it with: redis-server --daemonize yes --bind 127.0.0.1`,
			);
		});

		const runtime = await ensureV1Runtime();
		assert.match(runtime.n8nVersion, /^1\.123\.\d+$/);
		assert.match(runtime.nodeVersion, /^20\./);
		n8n = await startN8n({ runtime });
		credentials = {
			redis: await n8n.createCredential(
				'integrationGuardsRedisApi',
				'Guards Redis (compat)',
				REDIS_DATA,
			),
			postgres: await n8n.createCredential(
				'integrationGuardsPostgresApi',
				'Guards Postgres (compat)',
				POSTGRES_DATA,
			),
		};
	});

	after(async () => {
		await n8n?.stop();
		if (redis) {
			const keys = await redis.keys(`${REDIS_PREFIX}*`).catch(() => [] as string[]);
			if (keys.length) await redis.del(...keys).catch(() => undefined);
			redis.disconnect();
		}
		if (sql) {
			const { rows } = await sql
				.query<{
					tablename: string;
				}>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE $1`, [
					`${PG_TABLE_PREFIX}%`,
				])
				.catch(() => ({ rows: [] as Array<{ tablename: string }> }));
			for (const { tablename } of rows)
				await sql
					.query(`DROP TABLE IF EXISTS public."${tablename}" CASCADE`)
					.catch(() => undefined);
			await sql.end().catch(() => undefined);
		}
	});

	it('runs the n8n 1.x release on Node 20', async () => {
		const settings = await n8n.api<{ versionCli?: string }>('GET', '/rest/settings');
		assert.equal(
			settings.versionCli,
			n8n.runtime.n8nVersion,
			'n8n reports the version we installed',
		);
		assert.match(n8n.runtime.nodeVersion, /^20\./);
	});

	it('loads every node and credential the package declares', () => {
		assert.ok(
			n8n.declared.nodes.length >= 5,
			`the package declares its nodes: ${n8n.declared.nodes.join(', ')}`,
		);
		assert.ok(
			n8n.declared.credentials.length >= 2,
			`the package declares its credentials: ${n8n.declared.credentials.join(', ')}`,
		);
		const missingNodes = n8n.declared.nodes.filter((name) => !n8n.loadedNodeTypes.includes(name));
		const missingCredentials = n8n.declared.credentials.filter(
			(name) => !n8n.loadedCredentialTypes.includes(name),
		);
		assert.deepEqual(
			{ missingNodes, missingCredentials },
			{ missingNodes: [], missingCredentials: [] },
		);
	});

	it("passes n8n's credential test for the Redis and Postgres credentials", async () => {
		// n8n tests a stored credential (by id) with the data the editor sends along.
		for (const [type, stored, data] of [
			['integrationGuardsRedisApi', credentials.redis, REDIS_DATA],
			['integrationGuardsPostgresApi', credentials.postgres, POSTGRES_DATA],
		] as const) {
			const result = await n8n.api<{ status: string; message: string }>(
				'POST',
				'/rest/credentials/test',
				{
					credentials: { id: stored.id, name: stored.name, type, data },
				},
			);
			assert.equal(result.status, 'OK', `${type}: ${JSON.stringify(result)}`);
		}
	});

	it('has a store workflow for every declared node, or a listed reason why not', () => {
		const shortNames = n8n.declared.nodes.map((name) => name.slice(PACKAGE_NAME.length + 1));
		const uncovered = shortNames.filter(
			(name) => !(name in STATEFUL_WORKFLOWS) && !(name in WITHOUT_STORE_WORKFLOW),
		);
		assert.deepEqual(
			uncovered,
			[],
			`declared nodes with no workflow in test/e2e/compat.test.ts STATEFUL_WORKFLOWS (add one, or list the node in WITHOUT_STORE_WORKFLOW with the reason)`,
		);
		const stale = [
			...Object.keys(STATEFUL_WORKFLOWS),
			...Object.keys(WITHOUT_STORE_WORKFLOW),
		].filter((name) => !shortNames.includes(name));
		assert.deepEqual(stale, [], 'entries for nodes the package no longer declares');
	});

	for (const [shortName, statefulCase] of Object.entries(STATEFUL_WORKFLOWS)) {
		it(`${shortName} on ${statefulCase.store}: ${statefulCase.what}`, async () => {
			const executions: Execution[] = [];
			for (const { workflow, runs = 1 } of statefulCase.workflows(credentials)) {
				const imported = await importWorkflow(n8n, workflow);
				for (let run = 0; run < runs; run++) {
					const execution = await runManually(n8n, imported.id);
					assert.equal(
						execution.status,
						'success',
						`${workflow.name}, run ${run + 1}: ${JSON.stringify(execution.error)}\n${n8n.logTail(30)}`,
					);
					executions.push(execution);
				}
			}
			statefulCase.check(executions);
		});
	}

	it('keeps the state in the stores it was given (Redis keys, Postgres tables of this run)', async () => {
		assert.ok(redis && sql);
		const keys = await redis.keys(`${REDIS_PREFIX}*`);
		assert.ok(keys.length > 0, `Redis holds keys under ${REDIS_PREFIX}`);
		const { rows } = await sql.query<{ tablename: string }>(
			`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE $1`,
			[`${PG_TABLE_PREFIX}%`],
		);
		assert.ok(rows.length > 0, `Postgres holds tables prefixed ${PG_TABLE_PREFIX}`);
	});

	// n8n 1.x moves to the error output only `{ error }` or `{ error, message }` items:
	// anything else stays where the node put it (nodes/shared/n8n/common.ts, errorOnlyJson).
	it('fails closed: with its Redis stopped, Claim under Continue (using error output) puts every item on the error output with its fields, none on Proceed', async () => {
		const { redis: stopped, credential } = await stoppedRedis(n8n, 'Stopped Redis (compat)');
		try {
			const guard = {
				type: node('idempotentWrite'),
				typeVersion: 3,
				parameters: {
					operation: 'claim',
					scope: `compat-outage-${RUN}`,
					keySource: 'fields',
					keyFields: 'orderId',
					options: {},
				},
			};
			const imported = await importWorkflow(
				n8n,
				outageWorkflow(`compat outage ${RUN}`, guard, credential),
			);
			const execution = await runManually(n8n, imported.id, 'Run');
			assert.equal(execution.status, 'success', JSON.stringify(execution.error));
			const claim = execution.node('Guard').byName;
			const routed = Object.fromEntries(
				Object.entries(claim).map(([name, items]) => [name, items.length]),
			);
			assert.deepEqual(routed, {
				Proceed: 0,
				Duplicate: 0,
				'In Flight': 0,
				Conflict: 0,
				Reconcile: 0,
				error: 2,
			});
			assert.deepEqual(
				claim.error.map((item) => item.json.orderId),
				['o-1', 'o-2'],
				'the items travel with their error',
			);
			for (const item of claim.error) {
				assert.match(
					String(item.json.error),
					new RegExp(`Redis at 127\\.0\\.0\\.1:${stopped.port} \\(db 0\\): unreachable`),
				);
				assert.ok(String(item.json.message).length > 0, 'what to do, as message');
			}
		} finally {
			await stopped.dispose();
		}
	});

	it('fails the embedded store on Node 20 with the "needs Node >= 22.5" message', async () => {
		// A Circuit Breaker Check as dropped on the canvas: its Store parameter defaults to Embedded.
		const workflow = chain(
			'embedded store',
			[{ contact: 1 }],
			[
				{
					parameters: {
						operation: 'check',
						scope: `compat-${RUN}`,
						breakerName: 'crm',
						options: {},
					},
					name: 'Check',
					type: node('circuitBreaker'),
					typeVersion: 1,
				},
			],
		);
		const imported = await importWorkflow(n8n, workflow);
		const execution = await runManually(n8n, imported.id);
		assert.equal(execution.status, 'error', 'the execution fails');
		const check = execution.node('Check');
		const error = check.error as { message?: string; description?: string } | undefined;
		assert.ok(error, `the Check node failed: ${JSON.stringify(check.byName)}`);
		assert.match(`${error.message ?? ''} ${error.description ?? ''}`, EMBEDDED_NEEDS_NODE);
		assert.match(`${error.message ?? ''} ${error.description ?? ''}`, /Redis or Postgres/);
	});
});
