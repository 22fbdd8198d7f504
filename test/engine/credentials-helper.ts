/**
 * A credentials helper that serves fixture credentials, keyed by credential type, in place
 * of n8n's database-backed one. It follows the server's `CredentialsHelper`
 * (packages/cli/src/credentials-helper.ts) where a node can tell the difference:
 * - a node credential reference without an `id` fails ('Found credential with no ID.');
 * - with no fixture for the type it fails like a credential missing from the database;
 * - defaults of the credential type's properties fill what the fixture leaves out, and
 *   `={{ … }}` expressions in the data are resolved against the current item;
 * - `authenticate` (function or generic), `preAuthentication` of expirable credentials,
 *   `extends` (parent types) and `restrictToSupportedNodes` behave as in the server.
 * Updates a node writes (token refresh) land in the fixture map and in `updates`.
 */
import { getAdditionalKeys } from 'n8n-core';
import {
	ICredentials,
	ICredentialsHelper,
	NodeHelpers,
	type ICredentialDataDecryptedObject,
	type ICredentialsEncrypted,
	type ICredentialsExpressionResolveValues,
	type ICredentialType,
	type IDataObject,
	type IExecuteData,
	type IHttpRequestHelper,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeParameters,
	type INodeProperties,
	type IRequestOptionsSimplified,
	type IWorkflowExecuteAdditionalData,
	type Workflow,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

/** Fixture credential data keyed by credential type name (e.g. `{ redisApi: { host: … } }`). */
export type CredentialFixtures = Record<string, ICredentialDataDecryptedObject>;

export interface CredentialUpdate {
	type: string;
	credential: INodeCredentialsDetails;
	data: ICredentialDataDecryptedObject;
}

/**
 * Credentials held in clear. n8n-core's `Credentials` encrypts with the instance's key
 * provider, which only a server configures; nothing in the engine needs the encryption.
 */
export class FixtureCredentials extends ICredentials {
	private plain: ICredentialDataDecryptedObject;

	constructor(
		nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	) {
		super(nodeCredentials, type);
		this.plain = structuredClone(data);
	}

	async getData(): Promise<ICredentialDataDecryptedObject> {
		return structuredClone(this.plain);
	}

	async setData(data: ICredentialDataDecryptedObject): Promise<void> {
		this.plain = structuredClone(data);
	}

	async updateData(
		toUpdate: Partial<ICredentialDataDecryptedObject>,
		toDelete: string[] = [],
	): Promise<void> {
		const next: ICredentialDataDecryptedObject = { ...this.plain };
		for (const [key, value] of Object.entries(toUpdate)) if (value !== undefined) next[key] = value;
		for (const key of toDelete) delete next[key];
		this.plain = next;
	}

	getDataToSave(): ICredentialsEncrypted {
		return { id: this.id, name: this.name, type: this.type, data: JSON.stringify(this.plain) };
	}
}

export class FixtureCredentialsHelper extends ICredentialsHelper {
	/** Every update a node made, in order. */
	readonly updates: CredentialUpdate[] = [];

	private readonly fixtures: CredentialFixtures;

	constructor(
		fixtures: CredentialFixtures,
		private readonly credentialTypes: ReadonlyMap<string, ICredentialType>,
	) {
		super();
		this.fixtures = structuredClone(fixtures);
	}

	/** The current data of a fixture (after any update a node made). */
	fixture(type: string): ICredentialDataDecryptedObject | undefined {
		return this.fixtures[type];
	}

	getParentTypes(name: string): string[] {
		const parents = this.credentialTypes.get(name)?.extends ?? [];
		return parents.flatMap((parent) => [parent, ...this.getParentTypes(parent)]);
	}

	isCredentialUsableByNode(credentialType: string, nodeType: string): boolean {
		const type = this.credentialTypes.get(credentialType);
		if (type?.restrictToSupportedNodes !== true) return true;
		return type.supportedNodes?.includes(nodeType) ?? false;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const authenticate = this.credentialTypes.get(typeName)?.authenticate;
		if (authenticate === undefined) return requestOptions as IHttpRequestOptions;
		if (typeof authenticate === 'function') {
			return await authenticate(credentials, requestOptions as IHttpRequestOptions);
		}
		requestOptions.headers ??= {};
		if (authenticate.type !== 'generic') return requestOptions as IHttpRequestOptions;
		if (workflow === undefined || node === undefined) {
			throw new Error(
				`Generic authentication of "${typeName}" needs the workflow and node to resolve its expressions`,
			);
		}
		const options = requestOptions as unknown as Record<string, IDataObject | undefined>;
		for (const [outerKey, outerValue] of Object.entries(authenticate.properties)) {
			for (const [key, value] of Object.entries(outerValue as IDataObject)) {
				const target = (options[outerKey] ??= {});
				target[this.resolveValue(key, credentials, workflow, node)] = this.resolveValue(
					value,
					credentials,
					workflow,
					node,
				);
			}
		}
		return requestOptions as IHttpRequestOptions;
	}

	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const type = this.credentialTypes.get(typeName);
		if (type?.preAuthentication === undefined) return undefined;
		const expirable = type.properties.find(
			(property) => property.type === 'hidden' && property.typeOptions?.expirable === true,
		);
		if (expirable === undefined) return undefined;
		if (credentials[expirable.name] !== '' && !credentialsExpired) return undefined;
		const output = await type.preAuthentication.call(helpers, credentials);
		if (output[expirable.name] === undefined) return undefined;
		const nodeCredential = node.credentials?.[typeName];
		if (nodeCredential === undefined) return undefined;
		const updated = Object.assign(credentials, output);
		await this.updateCredentials(nodeCredential, typeName, updated);
		return updated;
	}

	async runPreAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const preAuthentication = this.credentialTypes.get(typeName)?.preAuthentication;
		if (preAuthentication === undefined) return undefined;
		const output = await preAuthentication.call(helpers, credentials);
		return { ...credentials, ...output } as ICredentialDataDecryptedObject;
	}

	async getCredentials(
		nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<FixtureCredentials> {
		return new FixtureCredentials(
			nodeCredentials,
			type,
			this.requireFixture(nodeCredentials, type),
		);
	}

	async getDecrypted(
		additionalData: IWorkflowExecuteAdditionalData,
		nodeCredentials: INodeCredentialsDetails,
		type: string,
		mode: WorkflowExecuteMode,
		executeData?: IExecuteData,
		raw?: boolean,
		expressionResolveValues?: ICredentialsExpressionResolveValues,
	): Promise<ICredentialDataDecryptedObject> {
		const original = structuredClone(this.requireFixture(nodeCredentials, type));
		if (raw === true || !this.credentialTypes.has(type)) return original;

		let data = (NodeHelpers.getNodeParameters(
			this.getCredentialsProperties(type),
			original as INodeParameters,
			true,
			false,
			null,
			null,
		) ?? {}) as ICredentialDataDecryptedObject;
		if (original.oauthTokenData !== undefined) data.oauthTokenData = original.oauthTokenData;

		if (expressionResolveValues !== undefined) {
			const { workflow, runExecutionData, runIndex, itemIndex, node, connectionInputData } =
				expressionResolveValues;
			data = workflow.expression.getParameterValue(
				data as INodeParameters,
				runExecutionData,
				runIndex,
				itemIndex,
				node.name,
				connectionInputData,
				mode,
				getAdditionalKeys(additionalData, mode, null),
				executeData,
				false,
				data,
			) as ICredentialDataDecryptedObject;
		}
		return data;
	}

	async updateCredentials(
		nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		this.fixtures[type] = structuredClone(data);
		this.updates.push({ type, credential: nodeCredentials, data: structuredClone(data) });
	}

	async updateCredentialsOauthTokenData(
		nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		const updated = {
			...this.requireFixture(nodeCredentials, type),
			oauthTokenData: data.oauthTokenData,
		};
		await this.updateCredentials(nodeCredentials, type, updated);
	}

	getCredentialsProperties(type: string): INodeProperties[] {
		const credentialType = this.credentialTypes.get(type);
		if (credentialType === undefined) return [];
		if (credentialType.extends === undefined) return credentialType.properties;
		const combined: INodeProperties[] = [];
		for (const parent of credentialType.extends) {
			NodeHelpers.mergeNodeProperties(combined, this.getCredentialsProperties(parent));
		}
		// The type's own properties take precedence over its parents'.
		NodeHelpers.mergeNodeProperties(combined, credentialType.properties);
		return combined;
	}

	private requireFixture(
		nodeCredentials: INodeCredentialsDetails,
		type: string,
	): ICredentialDataDecryptedObject {
		if (!nodeCredentials.id) {
			throw new Error(
				`Found credential with no ID. (type "${type}", name "${nodeCredentials.name}"): give the node { credentials: { ${type}: { id, name } } } as an n8n export does`,
			);
		}
		const data = this.fixtures[type];
		if (data === undefined) {
			throw new Error(
				`Credential with ID "${nodeCredentials.id}" does not exist for type "${type}": no fixture given. Pass runWorkflow({ credentials: { ${type}: { … } } })`,
			);
		}
		return data;
	}

	private resolveValue(
		value: unknown,
		credentials: ICredentialDataDecryptedObject,
		workflow: Workflow,
		node: INode,
	): string {
		if (typeof value !== 'string' || !value.startsWith('=')) return String(value);
		const resolved = workflow.expression.getSimpleParameterValue(
			node,
			value,
			'internal',
			{ $credentials: credentials },
			undefined,
			'',
		);
		return resolved ? String(resolved) : '';
	}
}
