/**
 * The store credentials' Test button, and the stores' own errors, name the cause of a
 * failed connection and the credential field to fix (nodes/shared/stores/connectionErrors.ts),
 * against real servers on 127.0.0.1: a wrong port, a host name that does not resolve
 * (`no-such-host.invalid`, reserved by RFC 6761, so no resolver answers it), a wrong
 * password (a temporary ACL user on the shared Redis; a private Postgres that checks
 * passwords), TLS asked of a server without it and the reverse (a private redis-server
 * with only a TLS port), a certificate this machine does not trust, and a password given
 * to a server that has none. Answers are printed as `[connection error] ...` lines.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Redis from 'ioredis';
import { Client } from 'pg';
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { storeCredentialTests } from '../../nodes/shared/n8n/store';
import { openStore } from '../../nodes/shared/stores/factory';
import { closedPort, makeSelfSignedCertificate } from '../support/tls';
import { freeLoopbackPort, type PrivatePostgres } from '../support/services';
import { startPasswordCheckedPostgres } from '../support/password-postgres';
import { RUN_ID } from '../support/stores';

const REDIS_CREDENTIAL = 'Integration Guards Redis Store credential';
const POSTGRES_CREDENTIAL = 'Integration Guards Postgres Store credential';

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
	console.log(`[connection error] Redis, ${label}: ${result.status}: ${result.message}`);
	return result;
}

async function testPostgres(
	data: ICredentialDataDecryptedObject,
	label: string,
): Promise<INodeCredentialTestResult> {
	const result = await storeCredentialTests.integrationGuardsPostgresTest.call(
		{} as ICredentialTestFunctions,
		{
			id: 'test',
			name: label,
			type: 'integrationGuardsPostgresApi',
			data: {
				host: '127.0.0.1',
				port: 5432,
				user: 'postgres',
				database: 'test',
				ssl: 'disable',
				schema: `guards_conn_${RUN_ID}`,
				tablePrefix: `c${RUN_ID}_`,
				...data,
			},
		},
	);
	console.log(`[connection error] Postgres, ${label}: ${result.status}: ${result.message}`);
	return result;
}

function assertError(result: INodeCredentialTestResult, pattern: RegExp): void {
	assert.equal(result.status, 'Error', result.message);
	assert.match(result.message, pattern);
}

/** A redis-server that listens only with TLS, on a free port, with a self-signed certificate. */
async function startTlsRedis(): Promise<{ port: number; ca: string; stop(): Promise<void> }> {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'guards-redis-tls-'));
	const { key, cert } = makeSelfSignedCertificate(2);
	writeFileSync(path.join(dir, 'key.pem'), key);
	writeFileSync(path.join(dir, 'cert.pem'), cert);
	const port = await freeLoopbackPort();
	const child: ChildProcess = spawn(
		process.env.GUARDS_REDIS_SERVER || 'redis-server',
		[
			'--port',
			'0',
			'--tls-port',
			String(port),
			'--tls-cert-file',
			path.join(dir, 'cert.pem'),
			'--tls-key-file',
			path.join(dir, 'key.pem'),
			'--tls-auth-clients',
			'no',
			'--bind',
			'127.0.0.1',
			'--save',
			'',
			'--appendonly',
			'no',
			'--dir',
			dir,
			'--logfile',
			path.join(dir, 'redis.log'),
		],
		{ stdio: 'ignore' },
	);
	const stop = async () => {
		if (child.exitCode === null) {
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.kill('SIGKILL');
			await exited;
		}
		rmSync(dir, { recursive: true, force: true });
	};
	const deadline = Date.now() + 15_000;
	for (;;) {
		const listening = await new Promise<boolean>((resolve) => {
			const socket = net.connect({ host: '127.0.0.1', port }, () => {
				socket.destroy();
				resolve(true);
			});
			socket.once('error', () => resolve(false));
		});
		if (listening) break;
		if (child.exitCode !== null || Date.now() > deadline) {
			const log = (() => {
				try {
					return readFileSync(path.join(dir, 'redis.log'), 'utf8').slice(-2000);
				} catch {
					return '';
				}
			})();
			await stop();
			throw new Error(
				`redis-server with --tls-port did not start (is it built with TLS? Debian's is):\n${log}`,
			);
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	return { port, ca: cert, stop };
}

describe('Redis connection errors name the cause and the field to fix', () => {
	let tlsRedis: Awaited<ReturnType<typeof startTlsRedis>>;
	const aclUser = `guards_conn_${RUN_ID}`;
	let admin: Redis;

	before(async () => {
		admin = new Redis({
			host: '127.0.0.1',
			port: 6379,
			lazyConnect: true,
			retryStrategy: () => null,
		});
		admin.on('error', () => undefined);
		await admin.connect();
		await admin.call('ACL', 'SETUSER', aclUser, 'on', '>right horse', '~*', '+@all');
		tlsRedis = await startTlsRedis();
	});

	after(async () => {
		await admin?.call('ACL', 'DELUSER', aclUser).catch(() => undefined);
		admin?.disconnect();
		await tlsRedis?.stop();
	});

	test('a wrong port: nothing listens there; check Host and Port', async () => {
		const port = await closedPort();
		const result = await testRedis({ host: '127.0.0.1', port }, 'wrong port');
		assertError(
			result,
			new RegExp(
				`unreachable: connect ECONNREFUSED.*Nothing listens at 127\\.0\\.0\\.1:${port}: check Host and Port in the ${REDIS_CREDENTIAL}`,
			),
		);
	});

	test('a host name that does not resolve: says so, and to check Host', async () => {
		const result = await testRedis({ host: 'no-such-host.invalid', port: 6379 }, 'bad host');
		assertError(
			result,
			new RegExp(
				`The host name "no-such-host\\.invalid" does not resolve.*check Host in the ${REDIS_CREDENTIAL}`,
			),
		);
		assert.doesNotMatch(result.message, /enableOfflineQueue|Stream isn't writeable/);
	});

	test('a port number typed into Host: says Host holds a number', async () => {
		const result = await testRedis({ host: '6390', port: 6390 }, 'port typed into Host');
		assertError(result, /Host "6390" is a number, not a host name.*Port/);
		assert.doesNotMatch(result.message, /enableOfflineQueue|Stream isn't writeable/);
	});

	test('a wrong password for an ACL user: names the user, and to check User and Password', async () => {
		const right = await testRedis(
			{ host: '127.0.0.1', port: 6379, user: aclUser, password: 'right horse' },
			'ACL user, right password',
		);
		assert.equal(right.status, 'OK', right.message);
		const wrong = await testRedis(
			{ host: '127.0.0.1', port: 6379, user: aclUser, password: 'wrong horse' },
			'ACL user, wrong password',
		);
		assertError(
			wrong,
			new RegExp(
				`WRONGPASS.*refused user "${aclUser}" with this password.*check User and Password in the ${REDIS_CREDENTIAL}`,
			),
		);
		assert.ok(!wrong.message.includes('wrong horse'), 'the message never shows the password');
	});

	test('a password given to a server without one: says the server has none', async () => {
		const result = await testRedis(
			{ host: '127.0.0.1', port: 6379, password: 'never-checked' },
			'password, server without password',
		);
		assertError(result, /does not ask for a password.*clear Password/);
		assert.ok(!result.message.includes('never-checked'));
	});

	test('TLS asked of a server without TLS: says the server may not use TLS; turn off SSL', async () => {
		const result = await testRedis(
			{ host: '127.0.0.1', port: 6379, ssl: true },
			'SSL on, server without TLS',
		);
		assertError(
			result,
			new RegExp(`server may not use TLS \\(turn off SSL in the ${REDIS_CREDENTIAL}\\)`),
		);
	});

	test('no TLS to a server that only speaks TLS: says it may accept only TLS; turn on SSL', async () => {
		const result = await testRedis(
			{ host: '127.0.0.1', port: tlsRedis.port },
			'SSL off, TLS-only server',
		);
		assertError(
			result,
			new RegExp(`may accept only TLS connections \\(turn on SSL in the ${REDIS_CREDENTIAL}\\)`),
		);
	});

	test('TLS with a certificate this machine does not trust: says so; CA Certificate or Ignore SSL Issues', async () => {
		const untrusted = await testRedis(
			{ host: '127.0.0.1', port: tlsRedis.port, ssl: true },
			'SSL on, self-signed certificate',
		);
		assertError(
			untrusted,
			/certificate is not trusted by this machine: paste .* into CA Certificate.*Ignore SSL Issues/,
		);
		const trusted = await testRedis(
			{ host: '127.0.0.1', port: tlsRedis.port, ssl: true, caCertificate: tlsRedis.ca },
			'SSL on, its CA pasted',
		);
		assert.equal(trusted.status, 'OK', trusted.message);
	});

	test('the store itself (not only the Test button) explains a failed connection', async () => {
		const store = openStore(
			{
				backend: 'redis',
				host: 'no-such-host.invalid',
				port: 6379,
				db: 0,
				tls: false,
				keyPrefix: 'x:',
			},
			{ cache: false },
		);
		try {
			await assert.rejects(
				store.read('conn-errors', ['a']),
				(error: Error) =>
					/Redis at no-such-host\.invalid:6379 \(db 0\): unreachable: .*ENOTFOUND.*does not resolve.*check Host/.test(
						error.message,
					) || assert.fail(error.message),
			);
		} finally {
			await store.close();
		}
	});
});

describe('Postgres connection errors name the cause and the field to fix', () => {
	let checked: PrivatePostgres;

	before(async () => {
		checked = await startPasswordCheckedPostgres();
	});

	after(async () => {
		await checked?.dispose();
		const admin = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
		try {
			await admin.connect();
			await admin.query(`DROP SCHEMA IF EXISTS "guards_conn_${RUN_ID}" CASCADE`);
		} finally {
			await admin.end().catch(() => undefined);
		}
	});

	test('a wrong port: nothing listens there; check Host and Port', async () => {
		const port = await closedPort();
		const result = await testPostgres({ port }, 'wrong port');
		assertError(
			result,
			new RegExp(
				`ECONNREFUSED.*Nothing listens at 127\\.0\\.0\\.1:${port}: check Host and Port in the ${POSTGRES_CREDENTIAL}`,
			),
		);
	});

	test('a host name that does not resolve: says so, and to check Host', async () => {
		const result = await testPostgres({ host: 'no-such-host.invalid' }, 'bad host');
		assertError(
			result,
			new RegExp(
				`"no-such-host\\.invalid" does not resolve.*check Host in the ${POSTGRES_CREDENTIAL}`,
			),
		);
	});

	test('a wrong password (28P01): names the user, and to check User and Password', async () => {
		const data = { port: checked.port, user: 'guards_checked', database: 'postgres' };
		const right = await testPostgres({ ...data, password: 'correct horse' }, 'right password');
		assert.equal(right.status, 'OK', right.message);
		const wrong = await testPostgres({ ...data, password: 'wrong horse' }, 'wrong password');
		assertError(
			wrong,
			new RegExp(
				`login rejected: .*Wrong password for user "guards_checked": check User and Password in the ${POSTGRES_CREDENTIAL}`,
			),
		);
		assert.ok(!wrong.message.includes('wrong horse'));
	});

	test('SSL asked of a server without SSL: says so; set SSL to Disable', async () => {
		const result = await testPostgres({ ssl: 'require' }, 'SSL require, server without SSL');
		assertError(
			result,
			new RegExp(
				`does not use SSL, but this credential asks for it: set SSL to Disable in the ${POSTGRES_CREDENTIAL}`,
			),
		);
	});

	test('a password given to a server that never asks for one: says it is never checked', async () => {
		const result = await testPostgres({ password: 'never-checked' }, 'password, trust');
		assertError(result, /without asking for a password.*never checked/);
	});

	test('a user and a database that do not exist: named, with the field to fix', async () => {
		const user = await testPostgres({ user: 'no_such_user_guards' }, 'no such user');
		assertError(user, /no user "no_such_user_guards": check User/);
		const database = await testPostgres({ database: 'no_such_db_guards' }, 'no such database');
		assertError(database, /no database "no_such_db_guards": check Database/);
	});
});
