/**
 * The Test button of the Redis and Postgres store credentials, against real servers: it
 * must pass for working settings and say what is wrong otherwise, including settings
 * that connect but not as the user thinks (a password the server never checks, a
 * read-only server). Answers are printed as `[credential test] ...` lines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Redis from 'ioredis';
import { Client } from 'pg';
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';
import { storeCredentialTests } from '../../nodes/shared/n8n/store';
import { startRedis, type PrivatePostgres, type PrivateService } from '../support/services';
import { startPasswordCheckedPostgres } from '../support/password-postgres';
import { postgresHarness, redisHarness, RUN_ID } from '../support/stores';

const redis = redisHarness();
const postgres = postgresHarness();

async function testRedis(
	data: ICredentialDataDecryptedObject,
	label: string,
): Promise<INodeCredentialTestResult> {
	const result = await storeCredentialTests.integrationGuardsRedisTest.call(
		{} as ICredentialTestFunctions,
		{
			id: 'test',
			name: label,
			type: 'integrationGuardsRedisApi',
			data: { keyPrefix: `guards-test:${RUN_ID}:`, database: 0, ...data },
		},
	);
	console.log(`[credential test] Redis, ${label}: ${result.status}: ${result.message}`);
	return result;
}

async function testPostgres(
	data: ICredentialDataDecryptedObject,
	label: string,
): Promise<INodeCredentialTestResult> {
	const config = postgres.config();
	const result = await storeCredentialTests.integrationGuardsPostgresTest.call(
		{} as ICredentialTestFunctions,
		{
			id: 'test',
			name: label,
			type: 'integrationGuardsPostgresApi',
			data: {
				database: config.backend === 'postgres' ? config.database : 'test',
				ssl: 'disable',
				schema: `guards_test_${RUN_ID}`,
				tablePrefix: `g${RUN_ID}_`,
				...data,
			},
		},
	);
	console.log(`[credential test] Postgres, ${label}: ${result.status}: ${result.message}`);
	return result;
}

async function rawRedis(port: number, password?: string): Promise<Redis> {
	const client = new Redis({
		host: '127.0.0.1',
		port,
		password,
		lazyConnect: true,
		maxRetriesPerRequest: 1,
		retryStrategy: () => null,
	});
	client.on('error', () => undefined);
	await client.connect();
	return client;
}

describe('Redis credential test', () => {
	let secured: PrivateService;

	before(async () => {
		await redis.check();
		secured = await startRedis({ appendOnly: false });
		const admin = await rawRedis(secured.port);
		await admin.config('SET', 'requirepass', 'correct horse');
		admin.disconnect();
	});

	after(async () => {
		await secured?.dispose();
		await redis.cleanup();
	});

	test('a Redis without a password: OK without one; with one, the test says the password is never checked', async () => {
		const plain = await testRedis(
			{ host: '127.0.0.1', port: 6379 },
			'no password, server without password',
		);
		assert.equal(plain.status, 'OK');
		assert.match(plain.message, /Connected to Redis at 127\.0\.0\.1:6379/);
		const ignored = await testRedis(
			{ host: '127.0.0.1', port: 6379, password: 'hunter2-never-checked' },
			'password, server without password',
		);
		assert.equal(ignored.status, 'Error');
		assert.match(
			ignored.message,
			/Redis at 127\.0\.0\.1:6379.*does not ask for a password.*never checked/,
		);
		assert.ok(!ignored.message.includes('hunter2'), 'the message never shows the password');
	});

	test('a Redis with a password: OK with the right one; the wrong one or none is refused', async () => {
		const right = await testRedis(
			{ host: '127.0.0.1', port: secured.port, password: 'correct horse' },
			'right password',
		);
		assert.equal(right.status, 'OK', right.message);
		const wrong = await testRedis(
			{ host: '127.0.0.1', port: secured.port, password: 'wrong horse' },
			'wrong password',
		);
		assert.equal(wrong.status, 'Error');
		assert.match(wrong.message, /credentials rejected/);
		assert.ok(!wrong.message.includes('wrong horse'));
		const none = await testRedis({ host: '127.0.0.1', port: secured.port }, 'no password');
		assert.equal(none.status, 'Error');
		assert.match(none.message, /NOAUTH|credentials rejected/);
	});

	test('a read-only replica answers PING but cannot hold state: the test says so', async () => {
		const admin = await rawRedis(secured.port, 'correct horse');
		try {
			// A replica of a primary that is not there: it answers, and refuses every write.
			await admin.call('REPLICAOF', '127.0.0.1', '1');
			const readOnly = await testRedis(
				{ host: '127.0.0.1', port: secured.port, password: 'correct horse' },
				'read-only replica',
			);
			assert.equal(readOnly.status, 'Error');
			assert.match(readOnly.message, /READONLY/);
		} finally {
			await admin.call('REPLICAOF', 'NO', 'ONE');
			admin.disconnect();
		}
	});
});

describe('Postgres credential test', () => {
	let secured: PrivatePostgres;
	const readOnlyRole = `guards_ro_${RUN_ID}`;

	before(async () => {
		await postgres.check();
		secured = await startPasswordCheckedPostgres();
	});

	after(async () => {
		await secured?.dispose();
		const config = postgres.config();
		if (config.backend === 'postgres') {
			const admin = new Client({
				host: config.host,
				port: config.port,
				user: config.user,
				database: config.database,
			});
			try {
				await admin.connect();
				await admin.query(`DROP SCHEMA IF EXISTS "guards_test_${RUN_ID}" CASCADE`);
				await admin.query(`DROP ROLE IF EXISTS ${readOnlyRole}`);
			} finally {
				await admin.end().catch(() => undefined);
			}
		}
		await postgres.cleanup();
	});

	test('a server with trust authentication: OK without a password; with one, the test says it is never checked', async () => {
		const plain = await testPostgres(
			{ host: '127.0.0.1', port: 5432, user: 'postgres' },
			'no password, trust',
		);
		assert.equal(plain.status, 'OK', plain.message);
		const ignored = await testPostgres(
			{ host: '127.0.0.1', port: 5432, user: 'postgres', password: 'hunter2-never-checked' },
			'password, trust',
		);
		assert.equal(ignored.status, 'Error');
		assert.match(
			ignored.message,
			/Postgres at 127\.0\.0\.1:5432.*without asking for a password.*never checked/,
		);
		assert.ok(!ignored.message.includes('hunter2'));
	});

	test('a server that checks the password: OK with the right one, refused with a wrong one', async () => {
		const data = {
			host: '127.0.0.1',
			port: secured.port,
			user: 'guards_checked',
			database: 'postgres',
		};
		const right = await testPostgres({ ...data, password: 'correct horse' }, 'right password');
		assert.equal(right.status, 'OK', right.message);
		const wrong = await testPostgres({ ...data, password: 'wrong horse' }, 'wrong password');
		assert.equal(wrong.status, 'Error');
		assert.match(wrong.message, /login rejected/);
	});

	test('a user that can read but not write (read-only transactions): the test says so', async () => {
		const config = postgres.config();
		assert.equal(config.backend, 'postgres');
		const schema = `guards_test_${RUN_ID}`;
		// The tables exist (created by a working credential), so only reads are needed to open the store.
		assert.equal(
			(await testPostgres({ host: '127.0.0.1', port: 5432, user: 'postgres' }, 'set-up')).status,
			'OK',
		);
		const admin = new Client({
			host: config.host,
			port: config.port,
			user: config.user,
			database: config.database,
		});
		await admin.connect();
		try {
			await admin.query(`DROP ROLE IF EXISTS ${readOnlyRole}`);
			await admin.query(`CREATE ROLE ${readOnlyRole} LOGIN`);
			await admin.query(`GRANT USAGE ON SCHEMA "${schema}" TO ${readOnlyRole}`);
			await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO ${readOnlyRole}`);
			await admin.query(`ALTER ROLE ${readOnlyRole} SET default_transaction_read_only = on`);
		} finally {
			await admin.end();
		}
		const readOnly = await testPostgres(
			{ host: '127.0.0.1', port: 5432, user: readOnlyRole },
			'read-only user',
		);
		assert.equal(readOnly.status, 'Error');
		assert.match(readOnly.message, /write failed|permission denied/);
	});
});
