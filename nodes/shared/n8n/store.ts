import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	INodeCredentialTestResult,
	INodeCredentialDescription,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { MINUTE_MS } from '../core/time';
import {
	BACKENDS,
	BACKEND_LIST,
	backendForChoice,
	type CredentialBackend,
	type StoreChoice,
} from '../stores/backends';
import { connectionTarget, withConnectionHint } from '../stores/connectionErrors';
import { openStore } from '../stores/factory';
import { StoreError } from '../stores/types';
import type {
	PostgresStoreConfig,
	RedisStoreConfig,
	Store,
	StoreBackend,
	StoreConfig,
} from '../stores/types';
import { operationError } from './parameters';

export type { StoreChoice } from '../stores/backends';

export const REDIS_CREDENTIAL = BACKENDS.redis.credentialName;
export const POSTGRES_CREDENTIAL = BACKENDS.postgres.credentialName;

/** The Store parameter's option for a choice, from the backend registry. */
function storeOption(choice: StoreChoice): INodePropertyOptions {
	const { option } = backendForChoice(choice);
	return { name: option.name, value: choice, description: option.description };
}

/** The Store parameter, offering the backends a node supports. */
export function storeProperty(choices: StoreChoice[]): INodeProperties {
	return {
		displayName: 'Store',
		name: 'store',
		type: 'options',
		options: choices.map(storeOption),
		default: 'embedded',
		description:
			'Where this node keeps its state. Use Redis or Postgres when n8n runs in queue mode with several workers.',
	};
}

export function redisConfigFromCredential(data: ICredentialDataDecryptedObject): RedisStoreConfig {
	return BACKENDS.redis.fromCredential(data);
}

export function postgresConfigFromCredential(
	data: ICredentialDataDecryptedObject,
): PostgresStoreConfig {
	return BACKENDS.postgres.fromCredential(data);
}

/** The registry entries that need a credential, in registry order. */
function credentialBackends(): Array<CredentialBackend<StoreConfig>> {
	return BACKEND_LIST.filter(
		(entry): entry is CredentialBackend<StoreConfig> => entry.credentialName !== undefined,
	);
}

type ShowConditions = NonNullable<
	NonNullable<INodeCredentialDescription['displayOptions']>['show']
>;

/**
 * The store credentials a node class declares for a Store parameter offering `choices`,
 * shown under `show` (the Store parameter's own conditions): one per choice that needs a
 * credential, required, tested by its backend's Test button, shown when that store is
 * chosen. Node classes keep this block literal (n8n's linter reads `testedBy` there);
 * test/unit/store-registry checks each equals what this returns.
 */
export function credentialsFor(
	choices: readonly StoreChoice[],
	show: ShowConditions = {},
): INodeCredentialDescription[] {
	return credentialBackends()
		.filter((entry) => choices.includes(entry.choice))
		.map((entry) => ({
			name: entry.credentialName,
			required: true,
			testedBy: entry.testName,
			displayOptions: { show: { ...show, store: [entry.choice] } },
		}));
}

/**
 * credentialsFor over every Store parameter of a node (Rate Limiter has one per kind of
 * operation). A credential offered by several keeps only the conditions they share: the
 * Store parameter itself is hidden wherever none of them shows.
 */
export function credentialsForProperties(
	properties: readonly INodeProperties[],
): INodeCredentialDescription[] {
	const stores = properties.filter((property) => property.name === 'store');
	return credentialBackends().flatMap((entry) => {
		const offering = stores.filter((property) =>
			(property.options ?? []).some((option) => 'value' in option && option.value === entry.choice),
		);
		if (offering.length === 0) return [];
		const [first, ...others] = offering.map((property) => property.displayOptions?.show ?? {});
		const shared = Object.fromEntries(
			Object.entries(first).filter(([name, values]) =>
				others.every((show) => JSON.stringify(show[name]) === JSON.stringify(values)),
			),
		) as ShowConditions;
		return credentialsFor([entry.choice], shared);
	});
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
				description: `Choose one of: ${supported.map((value) => backendForChoice(value).option.name).join(', ')}.`,
			},
		);
	}
	const entry = backendForChoice(choice);
	const config: StoreConfig =
		entry.credentialName === undefined
			? entry.fromStoragePath(embeddedStoreFile(context.helpers.getStoragePath()))
			: entry.fromCredential(await loadCredential(context, entry.credentialName, entry.label));
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
		// operationError keeps the cause, which NodeOperationError rewrites when it mentions ECONNREFUSED.
		throw operationError(
			context,
			`Could not load the ${label} store credential from n8n's database: ${cause}`,
			{
				description:
					'n8n keeps credentials in its own database; check that it is reachable (in queue mode, from every worker), then run again. The store itself was not contacted.',
			},
		);
	}
}

export function backendLabel(backend: StoreBackend): string {
	return BACKENDS[backend].label;
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
			{ key, value: { probe: true }, ifVersion: 0, ttlMs: MINUTE_MS },
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
		// A StoreError already names the cause and the field to fix (the stores call
		// withConnectionHint); an error from anywhere else gets the same explanation here.
		const message = error instanceof Error ? error.message : String(error);
		const target = connectionTarget(config);
		return {
			status: 'Error',
			message:
				target && !(error instanceof StoreError)
					? withConnectionHint(message, error, target)
					: message,
		};
	} finally {
		await store.close().catch(() => undefined);
	}
}

type CredentialTest = (
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
) => Promise<INodeCredentialTestResult>;

/** `methods.credentialTest` of every node that offers a store with a credential: one test per backend, by its testName. */
export const storeCredentialTests: Record<string, CredentialTest> = Object.fromEntries(
	credentialBackends().map((entry): [string, CredentialTest] => [
		entry.testName,
		async function (this: ICredentialTestFunctions, credential: ICredentialsDecrypted) {
			return await testConnection(entry.fromCredential(credential.data ?? {}));
		},
	]),
);
