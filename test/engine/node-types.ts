/**
 * The node and credential type registry of the harness.
 *
 * The package's own nodes and credentials are loaded the way n8n loads a community
 * package: from the files listed in package.json's `n8n.nodes` / `n8n.credentials`
 * (`dist/...` there; the tsc output under `build/` here), taking from each file the class
 * named like the file (`Foo.node.js` exports `Foo`), and registering nodes as
 * `<package name>.<description.name>` — e.g. `n8n-nodes-integration-guards.schemaGuard` —
 * so a workflow runs unchanged here and in a real n8n.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type {
	ICredentialType,
	IDataObject,
	INodeType,
	INodeTypes,
	IVersionedNodeType,
} from 'n8n-workflow';

import { harnessNodeTypes } from './test-nodes';

export type NodeTypeLike = INodeType | IVersionedNodeType;
/** A node type as tests give it: an instance, or a class with a no-argument constructor. */
export type NodeTypeInput = NodeTypeLike | (new () => NodeTypeLike);
export type CredentialTypeInput = ICredentialType | (new () => ICredentialType);

interface PackageManifest {
	name: string;
	n8n?: { nodes?: string[]; credentials?: string[] };
}

export interface PackageTypes {
	packageName: string;
	/** Node types keyed by their full type name. */
	nodes: Map<string, NodeTypeLike>;
	/** Credential types keyed by their `name`. */
	credentials: Map<string, ICredentialType>;
}

export function isVersionedNodeType(type: NodeTypeLike): type is IVersionedNodeType {
	return 'nodeVersions' in type && typeof (type as IVersionedNodeType).getNodeType === 'function';
}

function instantiate<T extends object>(input: T | (new () => T)): T {
	return typeof input === 'function' ? new input() : input;
}

export function toNodeType(input: NodeTypeInput): NodeTypeLike {
	return instantiate(input);
}

export function toCredentialType(input: CredentialTypeInput): ICredentialType {
	return instantiate(input);
}

/** The repository root: the nearest folder above this file with a package.json. */
export function findPackageRoot(from: string = __dirname): string {
	let dir = from;
	while (!existsSync(path.join(dir, 'package.json'))) {
		const parent = path.dirname(dir);
		if (parent === dir) throw new Error(`No package.json above ${from}`);
		dir = parent;
	}
	return dir;
}

/** Maps a `dist/...` entry of package.json to the tsc output under `build/`. */
function compiledPath(root: string, entry: string): string {
	return path.join(root, 'build', entry.replace(/^(\.\/)?dist\//, ''));
}

function loadExportedClass(file: string, entry: string): unknown {
	if (!existsSync(file)) {
		throw new Error(
			`package.json lists "${entry}" but ${file} does not exist. Compile first: npx tsc -p tsconfig.json`,
		);
	}
	// n8n looks the class up by the file name: Foo.node.js must export class Foo.
	const className = path.basename(file).split('.')[0];
	// A plain require: the files to load are only known at run time, and must resolve to
	// the same CommonJS copy of n8n-workflow that n8n-core uses.
	const loaded: unknown = require(file);
	const exported = (loaded as Record<string, unknown>)[className];
	if (typeof exported !== 'function') {
		throw new Error(
			`${file} does not export a class named "${className}" (n8n finds the class by the file name)`,
		);
	}
	return exported;
}

let packageTypesCache: PackageTypes | undefined;

/** The package's own node and credential types (loaded once per process). */
export function loadPackageTypes(): PackageTypes {
	if (packageTypesCache !== undefined) return packageTypesCache;
	const root = findPackageRoot();
	const manifest = JSON.parse(
		readFileSync(path.join(root, 'package.json'), 'utf8'),
	) as PackageManifest;
	const nodes = new Map<string, NodeTypeLike>();
	const credentials = new Map<string, ICredentialType>();
	for (const entry of manifest.n8n?.nodes ?? []) {
		const Ctor = loadExportedClass(compiledPath(root, entry), entry) as new () => NodeTypeLike;
		const nodeType = new Ctor();
		nodes.set(`${manifest.name}.${nodeType.description.name}`, nodeType);
	}
	for (const entry of manifest.n8n?.credentials ?? []) {
		const Ctor = loadExportedClass(compiledPath(root, entry), entry) as new () => ICredentialType;
		const credentialType = new Ctor();
		credentials.set(credentialType.name, credentialType);
	}
	packageTypesCache = { packageName: manifest.name, nodes, credentials };
	return packageTypesCache;
}

/** `INodeTypes` over package nodes, harness test nodes and the extra types of one run. */
export class HarnessNodeTypes implements INodeTypes {
	private readonly types = new Map<string, NodeTypeLike>();

	constructor(extra: Record<string, NodeTypeInput> = {}) {
		for (const [name, type] of Object.entries(harnessNodeTypes())) this.types.set(name, type);
		for (const [name, type] of loadPackageTypes().nodes) this.types.set(name, type);
		for (const [name, type] of Object.entries(extra)) this.types.set(name, toNodeType(type));
	}

	knownTypeNames(): string[] {
		return [...this.types.keys()].sort();
	}

	getByName(nodeType: string): NodeTypeLike {
		const type = this.types.get(nodeType);
		if (type === undefined) {
			throw new Error(
				`Unrecognized node type: "${nodeType}". Known here: ${this.knownTypeNames().join(', ')}. ` +
					'Package nodes come from package.json n8n.nodes (compiled to build/); give others in runWorkflow({ nodeTypes }).',
			);
		}
		return type;
	}

	getByNameAndVersion(nodeType: string, version?: number): INodeType {
		const type = this.getByName(nodeType);
		return isVersionedNodeType(type) ? type.getNodeType(version) : type;
	}

	getKnownTypes(): IDataObject {
		const known: IDataObject = {};
		for (const name of this.types.keys()) known[name] = { className: name, sourcePath: '' };
		return known;
	}
}
