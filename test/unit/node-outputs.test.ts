// Every node declares its outputs once (actions/outputs.ts, or outputs.ts for a node with
// one operation), and what the editor shows comes from that declaration: for each
// operation and node version, the outputs n8n evaluates from the node's description are
// the declared names, in the declared order, and the same names the node's own routing
// computes (`outputNames`). An output renamed, moved or added in one place and not the
// other fails here, before items reach a wrong branch.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, it } from 'node:test';

import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

const root = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
	n8n: { nodes: string[] };
};

type Declaration = Record<string, readonly string[]>;
interface OutputsModule {
	OUTPUTS?: Declaration;
	OUTPUT_NAMES?: readonly string[];
	REFUSAL_OUTPUTS?: readonly string[];
	REFUSAL_OUTPUTS_V1?: readonly string[];
	outputNames?: (parameters: object, declared: Declaration, version: number) => readonly string[];
}

function load(entry: string): {
	node: INodeType;
	outputs: OutputsModule | undefined;
	file: string;
} {
	const compiled = path.join(root, 'build', entry.replace(/^dist\//, ''));
	const [Ctor] = Object.values(require(compiled) as Record<string, new () => INodeType>);
	const folder = path.dirname(compiled);
	const file = [path.join(folder, 'actions', 'outputs.js'), path.join(folder, 'outputs.js')].find(
		existsSync,
	);
	return {
		node: new Ctor(),
		outputs: file ? (require(file) as OutputsModule) : undefined,
		file: file ?? '',
	};
}

/** The output names n8n shows for these parameters: the description's expression, evaluated as the editor does. */
function shownOutputs(
	description: INodeTypeDescription,
	parameters: object,
	version: number,
): Array<string | undefined> {
	let outputs: unknown = description.outputs;
	if (typeof outputs === 'string') {
		assert.ok(outputs.startsWith('={{') && outputs.endsWith('}}'), 'outputs is an expression');
		// Out of the other realm, so deepStrictEqual compares values, not prototypes.
		outputs = JSON.parse(
			JSON.stringify(
				vm.runInNewContext(outputs.slice(3, -2), { $parameter: parameters, $nodeVersion: version }),
			),
		);
	}
	assert.ok(Array.isArray(outputs), 'outputs is a list');
	return outputs.map((output: unknown) =>
		typeof output === 'object' && output !== null && 'displayName' in output
			? String((output as { displayName: unknown }).displayName)
			: undefined,
	);
}

function operationsOffered(description: INodeTypeDescription): string[] {
	return [
		...new Set(
			description.properties
				.filter((property) => property.name === 'operation')
				.flatMap((property) => property.options ?? [])
				.flatMap((option) => ('value' in option ? [String(option.value)] : [])),
		),
	];
}

function isSubsequence(names: readonly string[], declared: readonly string[]): boolean {
	let at = 0;
	for (const name of names) {
		at = declared.indexOf(name, at);
		if (at === -1) return false;
		at++;
	}
	return true;
}

describe('every node declares its outputs once, and the editor shows the declaration', () => {
	for (const entry of manifest.n8n.nodes) {
		const { node, outputs, file } = load(entry);
		const { description } = node;
		const label = description.displayName;

		it(`${label}: has an outputs declaration`, () => {
			assert.ok(outputs, `${label} has no actions/outputs.ts or outputs.ts`);
			assert.ok(outputs.OUTPUTS ?? outputs.OUTPUT_NAMES, `${file} exports no OUTPUTS`);
		});
		if (!outputs) continue;

		const operations = operationsOffered(description);
		const declared: Declaration =
			outputs.OUTPUTS ??
			Object.fromEntries([[operations[0] ?? 'default', outputs.OUTPUT_NAMES ?? []]]);
		const versions = Array.isArray(description.version)
			? description.version
			: [description.version];

		it(`${label}: every operation offered is declared, and nothing else`, () => {
			if (operations.length > 0) {
				assert.deepEqual([...operations].sort(), Object.keys(declared).sort());
			} else {
				assert.equal(Object.keys(declared).length, 1, 'one operation, one declaration');
			}
		});

		it(`${label}: its refusal outputs are declared outputs`, () => {
			const all = new Set(Object.values(declared).flat());
			for (const name of [
				...(outputs.REFUSAL_OUTPUTS ?? []),
				...(outputs.REFUSAL_OUTPUTS_V1 ?? []),
			]) {
				assert.ok(all.has(name), `refusal output "${name}" is not declared`);
			}
		});

		for (const [operation, names] of Object.entries(declared)) {
			it(`${label}, ${operation}: names are unique`, () => {
				assert.equal(new Set(names).size, names.length, names.join(', '));
			});
			for (const version of versions) {
				it(`${label} v${version}, ${operation}: the editor shows the declared outputs in order`, () => {
					const parameters = operations.length > 0 ? { operation } : {};
					const shown = shownOutputs(description, parameters, version);
					if (shown.every((name) => name === undefined)) {
						// One unnamed output (Canonical Transform): the declaration names it for routing.
						assert.equal(shown.length, names.length);
						return;
					}
					const named = shown.map(String);
					assert.ok(
						isSubsequence(named, names),
						`shown [${named.join(', ')}] is not in declared order [${names.join(', ')}]`,
					);
					if (outputs.outputNames) {
						assert.deepEqual(named, [...outputs.outputNames(parameters, declared, version)]);
					} else {
						assert.deepEqual(named, [...names]);
					}
				});
			}
		}
	}
});
