// Every node's parameter descriptions, checked the way n8n resolves them. A display rule inside
// a collection that names a top-level parameter without the leading '/' never matches (the
// option is never offered), and n8n 1.x fails every run of the workflow with "Could not
// resolve parameter dependencies" — a bug no engine test sees.
//
// And the words the panel shows: every parameter at any depth (every node, every version,
// every credential) has a description, n8n's hover help; no text says `$JSON` (copying it
// breaks the expression: n8n's variable is `$json`); and n8n is spelled so, never "N8n".
// The version field our nodes stamp on items is checked in test/engine/stamp-types.test.ts.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import type {
	ICredentialType,
	INodeProperties,
	INodePropertyCollection,
	INodePropertyOptions,
	INodeType,
} from 'n8n-workflow';

const root = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
	n8n: { nodes: string[]; credentials: string[] };
};

function loadNode(entry: string): INodeType {
	// dist/nodes/X/X.node.js → build/nodes/X/X.node.js (the tsc output the tests run on)
	const compiled = path.join(root, 'build', entry.replace(/^dist\//, ''));
	const exported = require(compiled) as Record<string, new () => INodeType>;
	const [Ctor] = Object.values(exported);
	return new Ctor();
}

function loadCredential(entry: string): ICredentialType {
	const compiled = path.join(root, 'build', entry.replace(/^dist\//, ''));
	const exported = require(compiled) as Record<string, new () => ICredentialType>;
	const [Ctor] = Object.values(exported);
	return new Ctor();
}

/** Property types that show no input of their own, so no hover help either. */
const WITHOUT_HELP = new Set(['notice', 'hidden', 'callout', 'button']);
/** Selectors whose options carry the help, as in n8n's own nodes: each option needs a description instead. */
const SELECTORS = new Set(['operation', 'resource']);

/**
 * Every parameter, at any depth (collections, fixed collections' groups), that a user
 * can set but that has no description: its path as the panel names it. All versions at
 * once: a parameter shown only for one version is still in the list. Two kinds are
 * exempt as in n8n's own nodes: a collection (the "Add option" bag: each option in it
 * needs a description) and the Operation or Resource selector (each of its options
 * needs one instead).
 */
export function missingDescriptions(properties: readonly INodeProperties[], where: string[] = []) {
	const missing: string[] = [];
	for (const property of properties) {
		const here = [...where, property.displayName || property.name];
		const options = property.options ?? [];
		if (SELECTORS.has(property.name) && property.type === 'options') {
			// n8n's own nodes describe each operation rather than the selector itself.
			for (const option of options as INodePropertyOptions[])
				if (!(option.description ?? '').trim()) missing.push([...here, option.name].join(' → '));
			continue;
		}
		if (
			!WITHOUT_HELP.has(property.type) &&
			property.type !== 'collection' &&
			!(property.description ?? '').trim()
		)
			missing.push(here.join(' → '));
		if (property.type === 'collection') {
			missing.push(...missingDescriptions(options as INodeProperties[], here));
		} else if (property.type === 'fixedCollection') {
			for (const group of options as INodePropertyCollection[])
				missing.push(
					...missingDescriptions(group.values ?? [], [...here, group.displayName || group.name]),
				);
		}
	}
	return missing;
}

/**
 * Words a user reads or copies that are wrong: `$JSON` (and `.JSON.` after a call, as in
 * `$('X').first().JSON.field`): n8n's variable is lower case, so copying it breaks the
 * expression; "N8n" or "N8N" as a word (the brand is "n8n"; N8N_ environment variable
 * names are fine). Each hit with the path of the text it is in.
 */
const WRONG_WORDS: Array<[RegExp, string]> = [
	[/\$JSON\b/, "`$JSON` (n8n's variable is `$json`)"],
	[/\)\.JSON\b/, "`.JSON` after a call (n8n's property is `.json`)"],
	[/\bN8[nN]\b/, '"N8n" (spell it "n8n")'],
];

export function wrongWords(value: unknown, where: string[] = []): string[] {
	if (typeof value === 'string')
		return WRONG_WORDS.filter(([pattern]) => pattern.test(value)).map(
			([, what]) => `${where.join('.')}: ${what} in ${JSON.stringify(value.slice(0, 120))}`,
		);
	if (Array.isArray(value))
		return value.flatMap((entry, index) => wrongWords(entry, [...where, String(index)]));
	if (value !== null && typeof value === 'object')
		return Object.entries(value).flatMap(([key, entry]) => wrongWords(entry, [...where, key]));
	return [];
}

const REPOSITORY = 'https://github.com/n8n-nodes-integration-guards/n8n-nodes-integration-guards';

/**
 * A Docs link that survives n8n: n8n appends `?utm_source=…` to it, which lands inside a
 * `#anchor` (the anchor then matches nothing). So: a page of this repository under docs/,
 * on its GitHub URL (package.json's repository), without an anchor; the page must exist.
 */
function docsLinkProblem(url: string | undefined): string | undefined {
	if (!url) return 'no Docs link';
	if (url.includes('#')) return `${url} has an anchor, which n8n's ?utm_… suffix breaks`;
	const prefix = `${REPOSITORY}/blob/main/`;
	if (!url.startsWith(prefix)) return `${url} is not a page of ${REPOSITORY}`;
	const file = url.slice(prefix.length);
	if (!/^docs\/[a-z/-]+\.md$/.test(file)) return `${url} is not a page under docs/`;
	if (!existsSync(path.join(root, file))) return `${file} does not exist`;
	return undefined;
}

interface Problem {
	where: string;
	key: string;
}

/** Display rules of options nested in collections that name a parameter not beside them. */
function nestedRuleProblems(
	properties: INodeProperties[],
	where: string[],
	siblings: Set<string> | undefined,
): Problem[] {
	const problems: Problem[] = [];
	for (const property of properties) {
		const here = [...where, property.name];
		if (siblings) {
			for (const rules of [property.displayOptions?.show, property.displayOptions?.hide]) {
				for (const key of Object.keys(rules ?? {})) {
					// n8n reads @version, @tool and @feature from the node itself, at any depth.
					if (!key.startsWith('/') && !key.startsWith('@') && !siblings.has(key))
						problems.push({ where: here.join(' → '), key });
				}
			}
		}
		const options = property.options ?? [];
		if (property.type === 'collection') {
			const children = options as INodeProperties[];
			problems.push(
				...nestedRuleProblems(children, here, new Set(children.map((child) => child.name))),
			);
		} else if (property.type === 'fixedCollection') {
			for (const group of options as INodePropertyCollection[]) {
				const children = group.values ?? [];
				problems.push(
					...nestedRuleProblems(
						children,
						[...here, group.name],
						new Set(children.map((child) => child.name)),
					),
				);
			}
		}
	}
	return problems;
}

describe('node descriptions', () => {
	it('the checks find what they look for', () => {
		assert.deepEqual(
			missingDescriptions([
				{ displayName: 'A', name: 'a', type: 'string', default: '', description: 'Set' },
				{ displayName: 'B', name: 'b', type: 'string', default: '' },
				{ displayName: 'Note', name: 'note', type: 'notice', default: '' },
				{
					displayName: 'Options',
					name: 'options',
					type: 'collection',
					default: {},
					description: 'More',
					options: [{ displayName: 'C', name: 'c', type: 'number', default: 0 }],
				},
				{
					displayName: 'Fields',
					name: 'fields',
					type: 'fixedCollection',
					default: {},
					description: 'Rows',
					options: [
						{
							displayName: 'Field',
							name: 'field',
							values: [
								{ displayName: 'D', name: 'd', type: 'boolean', default: false, description: ' ' },
							],
						},
					],
				},
			]),
			['B', 'Options → C', 'Fields → Field → D'],
		);
		assert.deepEqual(
			missingDescriptions([
				{
					displayName: 'Operation',
					name: 'operation',
					type: 'options',
					noDataExpression: true,
					default: 'a',
					options: [
						{ name: 'Claim', value: 'a', description: 'Claim a key' },
						{ name: 'Complete', value: 'b' },
					],
				},
			]),
			['Operation → Complete'],
		);
		assert.equal(wrongWords({ a: ['{{ $JSON.id }}'] }).length, 1);
		assert.equal(wrongWords("$('X').first().JSON.mapping").length, 1);
		assert.equal(wrongWords('This N8n instance').length, 1);
		assert.deepEqual(
			wrongWords('{{ $json.id }} in n8n; set N8N_ENCRYPTION_KEY; JSON.parse(x)'),
			[],
		);
	});

	for (const entry of manifest.n8n.credentials) {
		const credential = loadCredential(entry);
		const name = credential.displayName;
		it(`credential ${name}: every field has a description`, () => {
			const missing = missingDescriptions(credential.properties);
			assert.deepEqual(missing, [], `${name}: no description on ${missing.join('; ')}`);
		});
		it(`credential ${name}: its Docs link is a docs/ page without an anchor`, () => {
			assert.equal(docsLinkProblem(credential.documentationUrl), undefined);
		});
		it(`credential ${name}: no $JSON, no "N8n" in any text`, () => {
			const { properties, displayName, documentationUrl } = credential;
			const found = wrongWords({ displayName, documentationUrl, properties });
			assert.deepEqual(found, [], `${name}: ${found.join('; ')}`);
		});
	}

	for (const entry of manifest.n8n.nodes) {
		const node = loadNode(entry);
		const name = node.description.displayName;
		it(`${name}: every parameter, at any depth and in every version, has a description`, () => {
			const missing = missingDescriptions(node.description.properties);
			if (missing.length > 0)
				process.stderr.write(
					`[descriptions] ${name}: ${missing.length} without a description:\n  ${missing.join('\n  ')}\n`,
				);
			assert.deepEqual(missing, [], `${name}: no description on ${missing.join('; ')}`);
		});
		it(`${name}: its codex links its docs/nodes page without an anchor, and its search aliases name the package`, () => {
			const codexFile = path.join(root, entry.replace(/^dist\//, '').replace(/\.js$/, '.json'));
			const codex = JSON.parse(readFileSync(codexFile, 'utf8')) as {
				resources?: { primaryDocumentation?: Array<{ url: string }> };
				alias?: string[];
			};
			const links = codex.resources?.primaryDocumentation ?? [];
			assert.equal(links.length, 1, 'one primary documentation link');
			assert.equal(docsLinkProblem(links[0].url), undefined);
			assert.match(links[0].url, /\/docs\/nodes\/[a-z-]+\.md$/);
			assert.equal(docsLinkProblem(node.description.documentationUrl ?? links[0].url), undefined);
			for (const alias of ['Integration Guards', 'n8n-nodes-integration-guards'])
				assert.ok(
					codex.alias?.includes(alias),
					`the alias "${alias}" finds the node by the package's name`,
				);
		});
		it(`${name}: no $JSON, no "N8n" in any text of the node or its codex`, () => {
			const codexFile = path.join(root, entry.replace(/^dist\//, '').replace(/\.js$/, '.json'));
			const codex = JSON.parse(readFileSync(codexFile, 'utf8')) as unknown;
			const found = wrongWords({ description: node.description, codex });
			assert.deepEqual(found, [], `${name}: ${found.join('; ')}`);
		});
		it(`${name}: display rules inside collections name a sibling or a top-level parameter with '/'`, () => {
			const problems = nestedRuleProblems(node.description.properties, [], undefined);
			assert.deepEqual(
				problems,
				[],
				`${name}: ${problems.map((problem) => `${problem.where} shows on "${problem.key}", which is not beside it (use "/${problem.key}")`).join('; ')}`,
			);
		});
		it(`${name}: every top-level display rule names a parameter of the node`, () => {
			const names = new Set(node.description.properties.map((property) => property.name));
			names.add('@version');
			const unknown = node.description.properties.flatMap((property) =>
				[property.displayOptions?.show, property.displayOptions?.hide].flatMap((rules) =>
					Object.keys(rules ?? {})
						.map((key) => key.replace(/^\//, ''))
						.filter((key) => !names.has(key))
						.map((key) => `${property.name} → ${key}`),
				),
			);
			assert.deepEqual(unknown, [], `${name}: display rules on unknown parameters`);
		});
	}
});
