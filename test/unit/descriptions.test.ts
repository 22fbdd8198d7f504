// Every node's parameter descriptions, checked the way n8n resolves them. A display rule inside
// a collection that names a top-level parameter without the leading '/' never matches (the
// option is never offered), and n8n 1.x fails every run of the workflow with "Could not
// resolve parameter dependencies" — a bug no engine test sees.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import type { INodeProperties, INodePropertyCollection, INodeType } from 'n8n-workflow';

const root = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
	n8n: { nodes: string[] };
};

function loadNode(entry: string): INodeType {
	// dist/nodes/X/X.node.js → build/nodes/X/X.node.js (the tsc output the tests run on)
	const compiled = path.join(root, 'build', entry.replace(/^dist\//, ''));
	const exported = require(compiled) as Record<string, new () => INodeType>;
	const [Ctor] = Object.values(exported);
	return new Ctor();
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
					// n8n reads @version from the node wherever the rule is (node-helpers getPropertyValues).
					if (!key.startsWith('/') && key !== '@version' && !siblings.has(key))
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
	for (const entry of manifest.n8n.nodes) {
		const node = loadNode(entry);
		const name = node.description.displayName;
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
