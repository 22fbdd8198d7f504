import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { PostgresStore } from '../../nodes/shared/stores/postgres';
import { RedisStore } from '../../nodes/shared/stores/redis';
import { SqliteStore } from '../../nodes/shared/stores/sqlite';
import type {
	PostgresStoreConfig,
	RedisStoreConfig,
	SqliteStoreConfig,
	Store,
	StoreBackend,
	StoreConfig,
} from '../../nodes/shared/stores/types';

/**
 * One harness per backend for the conformance suite: where the real service is, how
 * to make independent Store instances on this run's own key space, and how to clean
 * up. Every run gets its own Redis key prefix, Postgres schema + table prefix and
 * SQLite folder, so runs never see each other's data.
 */
export interface StoreHarness {
	backend: StoreBackend;
	/** Where the service is expected, for messages. */
	endpoint: string;
	/** Throws, with how to start the service, when it cannot be reached. Never skips. */
	check(): Promise<void>;
	/** A config on this run's key space; `connections` bounds a Postgres pool. */
	config(connections?: number): StoreConfig;
	/** A new, independent Store (its own connection or file handle). */
	create(connections?: number): Store;
	/** A config whose server cannot be reached: a closed port on this host. */
	unreachable(): StoreConfig;
	/** A config on an address that does not answer at all (a black hole), with a short timeout. */
	blackhole?(): StoreConfig;
	cleanup(): Promise<void>;
}

/**
 * A loopback server that accepts connections and never answers: a "black hole" for
 * testing timeouts. Tests only ever talk to this machine (127.0.0.0/8), never to a
 * routed address.
 */
const silentServer = net.createServer((socket) => {
	socket.on('error', () => undefined);
	socket.unref();
});
silentServer.listen(0, '127.0.0.1');
silentServer.unref();

function silentPort(): number {
	const address = silentServer.address();
	if (address === null || typeof address === 'string')
		throw new Error('The silent loopback server is not listening yet');
	return address.port;
}

export const RUN_ID = `${Date.now().toString(36)}${process.pid.toString(36)}`;

const REDIS_START =
	'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log';
const POSTGRES_START = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

function envNumber(name: string, fallback: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isSafeInteger(value))
		throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
	return value;
}

/** The suite runs every backend for real: a missing service is a failure, in CI and outside it. */
function unavailable(
	service: string,
	endpoint: string,
	cause: unknown,
	start: string,
	envVars: string,
): Error {
	const why = process.env.CI
		? 'CI must run the store conformance suite against every backend.'
		: 'The store conformance suite never skips a backend (a skipped backend hides bugs), outside CI too.';
	return new Error(
		`${service} is not reachable at ${endpoint}: ${(cause as Error)?.message ?? String(cause)}\n${why}\nStart it with:\n  ${start}\nor point ${envVars} at a running one.`,
	);
}

export function sqliteHarness(): StoreHarness {
	// Nothing is created up front: the store must create the folders itself, and a run
	// that filters these tests out leaves nothing behind.
	const folder = path.join(tmpdir(), `guards-store-${RUN_ID}-${randomBytes(4).toString('hex')}`);
	const file = path.join(folder, 'state', 'guards.sqlite');
	const config = (): SqliteStoreConfig => ({ backend: 'sqlite', file });
	return {
		backend: 'sqlite',
		endpoint: file,
		async check() {
			const store = new SqliteStore(config());
			try {
				await store.ping();
			} finally {
				await store.close();
			}
		},
		config,
		create: () => new SqliteStore(config()),
		// A folder that cannot be created: its parent is a regular file.
		unreachable: () => {
			mkdirSync(folder, { recursive: true });
			writeFileSync(path.join(folder, 'not-a-folder'), '');
			return { backend: 'sqlite', file: path.join(folder, 'not-a-folder', 'guards.sqlite') };
		},
		async cleanup() {
			rmSync(folder, { recursive: true, force: true });
		},
	};
}

export function redisHarness(): StoreHarness {
	const host = process.env.GUARDS_TEST_REDIS_HOST || '127.0.0.1';
	const port = envNumber('GUARDS_TEST_REDIS_PORT', 6379);
	const keyPrefix = `guards-test:${RUN_ID}:`;
	const config = (): RedisStoreConfig => ({
		backend: 'redis',
		host,
		port,
		db: 0,
		tls: false,
		keyPrefix,
		timeoutMs: 5000,
	});
	return {
		backend: 'redis',
		endpoint: `${host}:${port}`,
		async check() {
			const store = new RedisStore({ ...config(), timeoutMs: 2000 });
			try {
				await store.ping();
			} catch (error) {
				throw unavailable(
					'Redis',
					`${host}:${port}`,
					error,
					REDIS_START,
					'GUARDS_TEST_REDIS_HOST / GUARDS_TEST_REDIS_PORT',
				);
			} finally {
				await store.close();
			}
		},
		config,
		create: () => new RedisStore(config()),
		unreachable: () => ({ ...config(), host: '127.0.0.1', port: 1 }),
		blackhole: () => ({ ...config(), host: '127.0.0.1', port: silentPort(), timeoutMs: 1000 }),
		async cleanup() {
			// Only this run's keys: never FLUSHALL a shared server.
			const client = new Redis({
				host,
				port,
				lazyConnect: true,
				maxRetriesPerRequest: 1,
				retryStrategy: () => null,
			});
			client.on('error', () => undefined);
			try {
				await client.connect();
				let cursor = '0';
				do {
					const [next, keys] = await client.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
					cursor = next;
					if (keys.length > 0) await client.unlink(...keys);
				} while (cursor !== '0');
				await client.quit();
			} catch {
				client.disconnect();
			}
		},
	};
}

export function postgresHarness(): StoreHarness {
	const host = process.env.GUARDS_TEST_PG_HOST || '127.0.0.1';
	const port = envNumber('GUARDS_TEST_PG_PORT', 5432);
	const database = process.env.GUARDS_TEST_PG_DATABASE || 'test';
	const user = process.env.GUARDS_TEST_PG_USER || 'postgres';
	const password = process.env.GUARDS_TEST_PG_PASSWORD || undefined;
	const schema = `guards_test_${RUN_ID}`;
	const tablePrefix = `g${RUN_ID}_`;
	const config = (connections = 5): PostgresStoreConfig => ({
		backend: 'postgres',
		host,
		port,
		database,
		user,
		password,
		ssl: 'disable',
		schema,
		tablePrefix,
		maxConnections: connections,
		timeoutMs: 10_000,
	});
	return {
		backend: 'postgres',
		endpoint: `${host}:${port}/${database}`,
		async check() {
			const store = new PostgresStore({ ...config(1), timeoutMs: 2000 });
			try {
				await store.ping();
			} catch (error) {
				throw unavailable(
					'Postgres',
					`${host}:${port}/${database} (user ${user})`,
					error,
					POSTGRES_START,
					'GUARDS_TEST_PG_HOST / GUARDS_TEST_PG_PORT / GUARDS_TEST_PG_DATABASE / GUARDS_TEST_PG_USER',
				);
			} finally {
				await store.close();
			}
		},
		config,
		create: (connections) => new PostgresStore(config(connections)),
		unreachable: () => ({ ...config(1), host: '127.0.0.1', port: 1 }),
		blackhole: () => ({ ...config(1), host: '127.0.0.1', port: silentPort(), timeoutMs: 1000 }),
		async cleanup() {
			const client = new Client({
				host,
				port,
				database,
				user,
				password,
				connectionTimeoutMillis: 5000,
			});
			client.on('error', () => undefined);
			try {
				await client.connect();
				await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
			} catch {
				// Nothing to clean when the server was never reachable.
			} finally {
				await client.end().catch(() => undefined);
			}
		},
	};
}

/** Polls until `probe` holds or `timeoutMs` passes; returns whether it held. Bounded waits only. */
export async function eventually(
	probe: () => Promise<boolean>,
	timeoutMs: number,
	everyMs = 25,
): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (await probe()) return true;
		if (Date.now() > deadline) return false;
		await sleep(everyMs);
	}
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Times a promise that must reject; returns the error and the elapsed milliseconds. */
export async function timedRejection(
	promise: Promise<unknown>,
): Promise<{ error: unknown; elapsedMs: number }> {
	const started = Date.now();
	try {
		await promise;
	} catch (error) {
		return { error, elapsedMs: Date.now() - started };
	}
	throw new Error('expected the call to fail, but it succeeded');
}
