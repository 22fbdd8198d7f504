// Every node class's store credentials, checked against the backend registry. The node
// classes keep their credentials blocks literal (n8n's linter reads `testedBy` there), so
// this test is what keeps them in step with the registry: a block that drifts (a store
// offered without its credential, a wrong testedBy, a display rule that does not match the
// Store parameter's) fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import type {
	INodeCredentialDescription,
	INodeProperties,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import {
	credentialsFor,
	credentialsForProperties,
	storeCredentialTests,
	storeProperty,
} from '../../nodes/shared/n8n/store';
import { BACKEND_LIST } from '../../nodes/shared/stores/backends';

const root = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
	n8n: { nodes: string[]; credentials: string[] };
};

/** The built node class of a package.json entry: dist/nodes/X/X.node.js → build/nodes/X/X.node.js. */
function loadNode(entry: string): INodeType {
	const compiled = path.join(root, 'build', entry.replace(/^dist\//, ''));
	const exported = require(compiled) as Record<string, new () => INodeType>;
	const [Ctor] = Object.values(exported);
	return new Ctor();
}

/** Each version's description (a VersionedNodeType has several). */
function descriptions(
	node: INodeType,
): Array<{ version: string; description: INodeTypeDescription }> {
	const versions = (node as { nodeVersions?: Record<string, INodeType> }).nodeVersions;
	if (!versions) return [{ version: '', description: node.description }];
	return Object.entries(versions).map(([version, type]) => ({
		version: ` v${version}`,
		description: type.description,
	}));
}

const STORE_CREDENTIALS = new Set(
	BACKEND_LIST.flatMap((entry) => (entry.credentialName ? [entry.credentialName] : [])),
);

function storeCredentials(description: INodeTypeDescription): INodeCredentialDescription[] {
	return (description.credentials ?? []).filter((credential) =>
		STORE_CREDENTIALS.has(credential.name),
	);
}

function storeProperties(description: INodeTypeDescription): INodeProperties[] {
	return description.properties.filter((property) => property.name === 'store');
}

function offered(property: INodeProperties): string[] {
	return (property.options ?? []).flatMap((option) =>
		'value' in option ? [String(option.value)] : [],
	);
}

describe('store credentials of every node follow the backend registry', () => {
	for (const entry of manifest.n8n.nodes) {
		const node = loadNode(entry);
		for (const { version, description } of descriptions(node)) {
			const name = `${description.displayName}${version}`;

			it(`${name}: its credentials block is the registry's for the stores it offers`, () => {
				assert.deepEqual(
					storeCredentials(description),
					credentialsForProperties(description.properties),
				);
			});

			const stores = storeProperties(description);
			if (stores.length === 1) {
				it(`${name}: one Store parameter, so exactly credentialsFor(its choices, its display rule)`, () => {
					const [store] = stores;
					assert.deepEqual(
						storeCredentials(description),
						credentialsFor(
							offered(store) as Parameters<typeof credentialsFor>[0],
							(store.displayOptions?.show ?? {}) as Parameters<typeof credentialsFor>[1],
						),
					);
				});
			}

			if (stores.length > 0) {
				it(`${name}: offers only registry backends, and has a Test for each store credential`, () => {
					const choices = new Set(BACKEND_LIST.map((backend) => backend.choice as string));
					for (const store of stores)
						for (const choice of offered(store)) assert.ok(choices.has(choice), choice);
					const tests = node.methods?.credentialTest ?? {};
					for (const credential of storeCredentials(description))
						assert.equal(typeof tests[credential.testedBy as string], 'function', credential.name);
				});
			}
		}
	}
});

describe('the registry', () => {
	it('has a credential class in package.json for every backend with a credential', () => {
		const declared = manifest.n8n.credentials.map((file) => {
			const compiled = path.join(root, 'build', file.replace(/^dist\//, ''));
			const exported = require(compiled) as Record<string, new () => { name: string }>;
			return new (Object.values(exported)[0])().name;
		});
		for (const name of STORE_CREDENTIALS) assert.ok(declared.includes(name), name);
	});

	it('has one credential test per backend with a credential, under its testName', () => {
		assert.deepEqual(
			Object.keys(storeCredentialTests).sort(),
			BACKEND_LIST.flatMap((entry) => (entry.testName ? [entry.testName] : [])).sort(),
		);
	});

	it('a drifted credentials block is told apart', () => {
		const properties = [{ ...storeProperty(['embedded', 'redis', 'postgres']) }];
		const expected = credentialsForProperties(properties);
		assert.deepEqual(
			expected.map((credential) => credential.name),
			['integrationGuardsRedisApi', 'integrationGuardsPostgresApi'],
		);
		const withoutTest = expected.map((credential) => ({ ...credential, testedBy: undefined }));
		assert.notDeepEqual(withoutTest, expected);
		const missingPostgres = expected.slice(0, 1);
		assert.notDeepEqual(missingPostgres, expected);
		const wrongRule = [
			expected[0],
			{ ...expected[1], displayOptions: { show: { store: ['redis'] } } },
		];
		assert.notDeepEqual(wrongRule, expected);
	});

	it('Store parameters shown under different rules share a credential shown by the store alone', () => {
		const limiter = {
			...storeProperty(['embedded', 'redis']),
			displayOptions: { show: { operation: ['a'] } },
		};
		const quota = {
			...storeProperty(['embedded', 'redis', 'postgres']),
			displayOptions: { show: { operation: ['quota'] } },
		};
		assert.deepEqual(
			credentialsForProperties([limiter, quota]).map((credential) => credential.displayOptions),
			[{ show: { store: ['redis'] } }, { show: { operation: ['quota'], store: ['postgres'] } }],
		);
	});
});
