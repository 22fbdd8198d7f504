// Parameter names, values and defaults, output names and their order are a public
// contract: n8n stores a workflow's parameters by name and leaves out those at their
// default, and wires connections by output index. This test keeps what the panel shows
// for every node, version and operation (the parameters shown with their defaults, the
// options of each collection, the outputs) in test/unit/fixtures/panel-contract.json, so
// a change to any of it fails here. A deliberate change (a new node version, a new
// parameter) is recorded with: UPDATE_PANEL_CONTRACT=1 node --test build/test/unit/panel-contract.test.js
// and shows in review as a diff of that file.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { test } from 'node:test';

import type { INodeProperties, INodeType, INodeTypeDescription } from 'n8n-workflow';

const root = path.resolve(__dirname, '../../..');
const snapshotFile = path.join(root, 'test/unit/fixtures/panel-contract.json');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
	n8n: { nodes: string[] };
};

type Parameters = Record<string, unknown>;

/** One rule of a display condition: a value, or n8n's `{ _cnd: { gte: 2 } }` form. */
function matches(rule: unknown, value: unknown): boolean {
	const condition = (rule as { _cnd?: Record<string, unknown> } | null)?._cnd;
	if (!condition) return rule === value;
	const [operator, operand] = Object.entries(condition)[0];
	const [left, right] = [value as number, operand as number];
	switch (operator) {
		case 'gte':
			return left >= right;
		case 'gt':
			return left > right;
		case 'lte':
			return left <= right;
		case 'lt':
			return left < right;
		case 'eq':
			return value === operand;
		case 'not':
			return value !== operand;
		case 'exists':
			return value !== undefined;
		default:
			throw new Error(`display condition ${operator} is not known to this test`);
	}
}

/** Whether n8n's panel shows a property for these parameter values and this version. */
function shown(
	property: Pick<INodeProperties, 'displayOptions'>,
	values: Parameters,
	version: number,
): boolean {
	const value = (key: string) => (key === '@version' ? version : values[key.replace(/^\//, '')]);
	const { show = {}, hide = {} } = property.displayOptions ?? {};
	return (
		Object.entries(show).every(([key, rules]) =>
			(rules ?? []).some((rule) => matches(rule, value(key))),
		) &&
		!Object.entries(hide).some(([key, rules]) =>
			(rules ?? []).some((rule) => matches(rule, value(key))),
		)
	);
}

function outputsShown(description: INodeTypeDescription, values: Parameters, version: number) {
	const outputs: unknown =
		typeof description.outputs === 'string'
			? vm.runInNewContext(description.outputs.slice(3, -2), {
					$parameter: values,
					$nodeVersion: version,
				})
			: description.outputs;
	return (outputs as unknown[]).map((output) =>
		typeof output === 'object' && output !== null && 'displayName' in output
			? String((output as { displayName: unknown }).displayName)
			: String(output),
	);
}

/** What the panel shows for one operation of one version, at the parameters' defaults. */
function panel(description: INodeTypeDescription, operation: string | undefined, version: number) {
	const values: Parameters = operation === undefined ? {} : { operation };
	for (const property of description.properties) {
		if (!(property.name in values) && shown(property, values, version)) {
			values[property.name] = property.default;
		}
	}
	const parameters = description.properties
		.filter((property) => property.type !== 'notice' && shown(property, values, version))
		.map((property) => {
			const entry = `${property.name} = ${JSON.stringify(property.default)}`;
			if (property.type !== 'collection' && property.type !== 'fixedCollection') return entry;
			const options = (property.options ?? [])
				.filter(
					(option) =>
						!('displayOptions' in option) || shown(option as INodeProperties, values, version),
				)
				.map((option) =>
					'default' in option ? `${option.name} = ${JSON.stringify(option.default)}` : option.name,
				)
				.sort();
			return `${entry} { ${options.join(', ')} }`;
		});
	return { parameters, outputs: outputsShown(description, values, version) };
}

function contract(): Record<string, unknown> {
	const result: Record<string, unknown> = {};
	for (const entry of manifest.n8n.nodes) {
		const compiled = path.join(root, 'build', entry.replace(/^dist\//, ''));
		const [Ctor] = Object.values(require(compiled) as Record<string, new () => INodeType>);
		const { description } = new Ctor();
		const versions = Array.isArray(description.version)
			? description.version
			: [description.version];
		const operations = [
			...new Set(
				description.properties
					.filter((property) => property.name === 'operation')
					.flatMap((property) => property.options ?? [])
					.flatMap((option) => ('value' in option ? [String(option.value)] : [])),
			),
		];
		for (const version of versions) {
			for (const operation of operations.length > 0 ? operations : [undefined]) {
				result[`${description.name} v${version}${operation ? ` ${operation}` : ''}`] = panel(
					description,
					operation,
					version,
				);
			}
		}
	}
	// Out of the expressions' realm, as plain JSON.
	return JSON.parse(JSON.stringify(result)) as Record<string, unknown>;
}

test('what the panel shows for every node, version and operation is the recorded contract', () => {
	const now = contract();
	if (process.env.UPDATE_PANEL_CONTRACT) {
		writeFileSync(snapshotFile, `${JSON.stringify(now, null, '\t')}\n`);
		return;
	}
	const recorded = JSON.parse(readFileSync(snapshotFile, 'utf8')) as Record<string, unknown>;
	for (const key of Object.keys(recorded)) {
		assert.ok(
			key in now,
			`${key} is gone: a saved workflow using it would no longer load as before`,
		);
		assert.deepEqual(now[key], recorded[key], `${key} changed`);
	}
	assert.deepEqual(
		Object.keys(now).filter((key) => !(key in recorded)),
		[],
		'new node versions or operations: record them (see the comment at the top)',
	);
});
