import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	INodeCredentialTestResult,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { openStore } from '../stores/factory';
import type {
	PostgresSslMode,
	PostgresStoreConfig,
	RedisStoreConfig,
	Store,
	StoreBackend,
	StoreConfig,
} from '../stores/types';

export const REDIS_CREDENTIAL = 'integrationGuardsRedisApi';
export const POSTGRES_CREDENTIAL = 'integrationGuardsPostgresApi';

/** The `store` parameter's values; `embedded` is the SQLite file in the n8n user folder. */
export type StoreChoice = 'embedded' | 'redis' | 'postgres';

const STORE_OPTIONS: Record<StoreChoice, INodePropertyOptions> = {
	embedded: {
		name: 'Embedded',
		value: 'embedded',
		description:
			'A SQLite file in the n8n user folder. Nothing to configure; not shared between hosts.',
	},
	redis: {
		name: 'Redis',
		value: 'redis',
		description: 'Shared by every worker in queue mode',
	},
	postgres: {
		name: 'Postgres',
		value: 'postgres',
		description: 'Durable and shared by every worker in queue mode',
	},
};

/** The Store parameter, offering the backends a node supports. */
export function storeProperty(choices: StoreChoice[]): INodeProperties {
	return {
		displayName: 'Store',
		name: 'store',
		type: 'options',
		options: choices.map((choice) => STORE_OPTIONS[choice]),
		default: 'embedded',
		description:
			'Where this node keeps its state. Use Redis or Postgres when n8n runs in queue mode with several workers.',
	};
}

export function redisConfigFromCredential(data: ICredentialDataDecryptedObject): RedisStoreConfig {
	return {
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
	};
}

export function postgresConfigFromCredential(
	data: ICredentialDataDecryptedObject,
): PostgresStoreConfig {
	return {
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
	};
}

/**
 * The embedded store's file: one per n8n user folder, shared by every node of the
 * package. `getStoragePath()` is per node type (`.n8n/storage/<type>`), so we go one up.
 */
export function embeddedStoreFile(nodeStoragePath: string): string {
	return path.join(path.dirname(nodeStoragePath), 'integration-guards', 'guards.sqlite');
}

/**
 * Opens (or reuses, per credential) the store the user chose for this node.
 * Fails with a NodeOperationError pointing at the Store parameter when the backend
 * does not support what the node needs.
 */
export async function storeForNode(
	context: IExecuteFunctions,
	supported: StoreChoice[],
): Promise<Store> {
	const choice = context.getNodeParameter('store', 0, 'embedded') as StoreChoice;
	if (!supported.includes(choice)) {
		throw new NodeOperationError(
			context.getNode(),
			`This node cannot keep its state in ${choice}`,
			{
				description: `Choose one of: ${supported.map((value) => STORE_OPTIONS[value].name).join(', ')}.`,
			},
		);
	}
	let config: StoreConfig;
	if (choice === 'redis') {
		config = redisConfigFromCredential(await loadCredential(context, REDIS_CREDENTIAL, 'Redis'));
	} else if (choice === 'postgres') {
		config = postgresConfigFromCredential(
			await loadCredential(context, POSTGRES_CREDENTIAL, 'Postgres'),
		);
	} else {
		config = { backend: 'sqlite', file: embeddedStoreFile(context.helpers.getStoragePath()) };
	}
	return openStore(config);
}

/**
 * The store credential, read by n8n from its own database on every execution. When that
 * fails (n8n's database restarting, say) the error must say so, not blame our store.
 */
async function loadCredential(
	context: IExecuteFunctions,
	type: string,
	label: string,
): Promise<ICredentialDataDecryptedObject> {
	try {
		return await context.getCredentials(type);
	} catch (error) {
		// n8n's own answers (no credential chosen, say) are already worded for the user.
		if (error instanceof NodeOperationError) throw new NodeOperationError(context.getNode(), error);
		const cause = error instanceof Error ? error.message : String(error);
		const failure = new NodeOperationError(
			context.getNode(),
			`Could not load the ${label} store credential from n8n's database: ${cause}`,
			{
				description:
					'n8n keeps credentials in its own database; check that it is reachable (in queue mode, from every worker), then run again. The store itself was not contacted.',
			},
		);
		// NodeOperationError rewrites messages that mention ECONNREFUSED: keep the cause.
		failure.message = `Could not load the ${label} store credential from n8n's database: ${cause}`;
		throw failure;
	}
}

export function backendLabel(backend: StoreBackend): string {
	return { sqlite: 'Embedded store', redis: 'Redis', postgres: 'Postgres' }[backend];
}

/** Where the Test button writes its probe record (removed again; it expires within a minute anyway). */
const PROBE_NAMESPACE = 'integration-guards:credential-test';

/**
 * The Test button: connects with exactly these settings, then does what the nodes do (a
 * record written and deleted), so a read-only replica, missing permissions or a full
 * server show here rather than in a workflow; and reports settings that work but not as
 * the user thinks, such as a password the server never checks.
 */
async function testConnection(config: StoreConfig): Promise<INodeCredentialTestResult> {
	// A fresh, uncached connection: the test must prove these exact settings work now.
	const store = openStore(config, { cache: false });
	try {
		await store.ping();
		const key = `probe-${randomUUID()}`;
		const [written] = await store.write(PROBE_NAMESPACE, [
			{ key, value: { probe: true }, ifVersion: 0, ttlMs: 60_000 },
		]);
		await store.delete(PROBE_NAMESPACE, [{ key, ifVersion: written.version }]);
		const problems = (await store.checkSettings?.()) ?? [];
		if (problems.length > 0)
			return {
				status: 'Error',
				message: `Connected to ${store.location}, but ${problems.join(' ')}`,
			};
		return {
			status: 'OK',
			message: `Connected to ${store.location}; a test record was written and deleted`,
		};
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	} finally {
		await store.close().catch(() => undefined);
	}
}

/** `methods.credentialTest` of every node that offers Redis or Postgres. */
export const storeCredentialTests = {
	async integrationGuardsRedisTest(
		this: ICredentialTestFunctions,
		credential: ICredentialsDecrypted,
	): Promise<INodeCredentialTestResult> {
		return await testConnection(redisConfigFromCredential(credential.data ?? {}));
	},
	async integrationGuardsPostgresTest(
		this: ICredentialTestFunctions,
		credential: ICredentialsDecrypted,
	): Promise<INodeCredentialTestResult> {
		return await testConnection(postgresConfigFromCredential(credential.data ?? {}));
	},
};
