/**
 * The registry of store backends: everything the package knows about a backend, in one
 * entry. The factory creates stores from it; `shared/n8n/store.ts` derives the Store
 * parameter's options, the credential each choice needs, its Test button and the
 * credentials block every node class declares (checked by test/unit/store-registry).
 *
 * Adding a backend: an entry here, a credential class in `credentials/`, an adapter
 * implementing `Store` (types.ts), and the conformance suite run against it
 * (test/support/stores.ts).
 */
import { PostgresStore } from './postgres';
import { RedisStore } from './redis';
import { SqliteStore } from './sqlite';
import type {
	PostgresSslMode,
	PostgresStoreConfig,
	RedisStoreConfig,
	SqliteStoreConfig,
	Store,
	StoreBackend,
	StoreConfig,
} from './types';

/** The `store` parameter's values; `embedded` is the SQLite file in the n8n user folder. */
export type StoreChoice = 'embedded' | 'redis' | 'postgres';

/** What n8n hands over for a credential: its fields by name (n8n's ICredentialDataDecryptedObject). */
export type CredentialData = Record<string, unknown>;

interface BackendBase<Config extends StoreConfig> {
	backend: Config['backend'];
	/** Its value in a node's Store parameter. */
	choice: StoreChoice;
	/** How errors and messages name it: "Redis", "Embedded store". */
	label: string;
	/** Its option in the Store parameter. */
	option: { name: string; description: string };
	create(config: Config): Store;
}

/** A backend the user connects to through one of the package's credentials. */
export interface CredentialBackend<Config extends StoreConfig> extends BackendBase<Config> {
	/** The credential type's `name` (credentials/<Name>.credentials.ts). */
	credentialName: string;
	/** The `methods.credentialTest` function that backs the credential's Test button. */
	testName: string;
	fromCredential(data: CredentialData): Config;
}

/** The embedded backend: a file in the n8n user folder, no credential. */
export interface EmbeddedBackend extends BackendBase<SqliteStoreConfig> {
	credentialName?: undefined;
	testName?: undefined;
	/** The config of the shared store file, from any node's storage path. */
	fromStoragePath(file: string): SqliteStoreConfig;
}

export type BackendEntry = EmbeddedBackend | CredentialBackend<StoreConfig>;

const sqlite: EmbeddedBackend = {
	backend: 'sqlite',
	choice: 'embedded',
	label: 'Embedded store',
	option: {
		name: 'Embedded',
		description:
			'A SQLite file in the n8n user folder. Nothing to configure; not shared between hosts.',
	},
	fromStoragePath: (file) => ({ backend: 'sqlite', file }),
	create: (config) => new SqliteStore(config),
};

const redis: CredentialBackend<RedisStoreConfig> = {
	backend: 'redis',
	choice: 'redis',
	label: 'Redis',
	option: { name: 'Redis', description: 'Shared by every worker in queue mode' },
	credentialName: 'integrationGuardsRedisApi',
	testName: 'integrationGuardsRedisTest',
	fromCredential: (data) => ({
		backend: 'redis',
		host: String(data.host ?? 'localhost'),
		port: Number(data.port ?? 6379),
		username: data.user ? String(data.user) : undefined,
		password: data.password ? String(data.password) : undefined,
		db: Number(data.database ?? 0),
		tls: data.ssl === true,
		tlsRejectUnauthorized: data.ignoreSslIssues !== true,
		tlsCa: data.caCertificate ? String(data.caCertificate) : undefined,
		keyPrefix: typeof data.keyPrefix === 'string' ? data.keyPrefix : 'n8n-guards:',
	}),
	create: (config) => new RedisStore(config),
};

const postgres: CredentialBackend<PostgresStoreConfig> = {
	backend: 'postgres',
	choice: 'postgres',
	label: 'Postgres',
	option: { name: 'Postgres', description: 'Durable and shared by every worker in queue mode' },
	credentialName: 'integrationGuardsPostgresApi',
	testName: 'integrationGuardsPostgresTest',
	fromCredential: (data) => ({
		backend: 'postgres',
		host: String(data.host ?? 'localhost'),
		port: Number(data.port ?? 5432),
		database: String(data.database ?? 'postgres'),
		user: String(data.user ?? 'postgres'),
		password: data.password ? String(data.password) : undefined,
		ssl: (data.ssl as PostgresSslMode | undefined) ?? 'disable',
		sslCa: data.caCertificate ? String(data.caCertificate) : undefined,
		schema: typeof data.schema === 'string' && data.schema !== '' ? data.schema : 'public',
		tablePrefix: typeof data.tablePrefix === 'string' ? data.tablePrefix : 'n8n_guards_',
	}),
	create: (config) => new PostgresStore(config),
};

/** Every backend, by `backend`; the order is the Store parameter's and the credentials block's. */
export const BACKENDS = { sqlite, redis, postgres } as const satisfies Record<
	StoreBackend,
	BackendEntry
>;

/** The entries in registry order. */
export const BACKEND_LIST: readonly BackendEntry[] = Object.values(BACKENDS);

export function isStoreBackend(value: unknown): value is StoreBackend {
	return typeof value === 'string' && Object.hasOwn(BACKENDS, value);
}

/** The entry behind a Store parameter value. */
export function backendForChoice(choice: StoreChoice): BackendEntry {
	const entry = BACKEND_LIST.find((candidate) => candidate.choice === choice);
	if (!entry) throw new TypeError(`Unknown store choice ${JSON.stringify(choice)}`);
	return entry;
}

/** A new, unshared store for a config (the factory caches them). */
export function createStore(config: StoreConfig): Store {
	return (BACKENDS[config.backend] as BackendBase<StoreConfig>).create(config);
}
