/**
 * A version our nodes stamp on items has one type whatever the output (issue 22: Schema
 * Guard wrote `schemaGuard.version` as the number 1 on Valid and the string "1" on
 * Invalid, so a downstream IF on it matched one branch only). Runs Schema Guard through
 * the real n8n engine over items that reach every output, for each way the schema and its
 * version are given, and checks every field named `version` (or ending in Version) at any
 * depth of any item: one JSON type per field path across all outputs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/stores/factory';
import {
	buildWorkflow,
	runWorkflow,
	startEngine,
	stopEngine,
	TEST_NOOP,
	TEST_SOURCE,
	type Link,
} from './harness';

const SCHEMA_GUARD = 'n8n-nodes-integration-guards.schemaGuard';

/** Field path (array indices left out) → the JSON types seen there, with the outputs that held each. */
export function versionTypes(outputs: INodeExecutionData[][]): Map<string, Map<string, number[]>> {
	const seen = new Map<string, Map<string, number[]>>();
	const visit = (value: unknown, where: string[], output: number, depth: number) => {
		if (depth > 8 || value === null || typeof value !== 'object') return;
		for (const [key, entry] of Object.entries(value as IDataObject)) {
			const here = Array.isArray(value) ? where : [...where, key];
			if (!Array.isArray(value) && /(^v|V)ersion$/.test(key)) {
				const type = entry === null ? 'null' : Array.isArray(entry) ? 'array' : typeof entry;
				const path = here.join('.');
				const types = seen.get(path) ?? new Map<string, number[]>();
				types.set(type, [...new Set([...(types.get(type) ?? []), output])]);
				seen.set(path, types);
			}
			visit(entry, here, output, depth + 1);
		}
	};
	outputs.forEach((items, output) => items.forEach((item) => visit(item.json, [], output, 0)));
	return seen;
}

/** The paths whose type differs by output, worded for the assertion message. */
function mixedTypes(outputs: INodeExecutionData[][], names: string[]): string[] {
	return [...versionTypes(outputs)]
		.filter(([, types]) => types.size > 1)
		.map(
			([path, types]) =>
				`${path}: ${[...types].map(([type, on]) => `${type} on ${on.map((index) => names[index] ?? index).join(', ')}`).join('; ')}`,
		);
}

const CONTACTS = [
	{ email: 'ann@example.com', name: 'Ann', age: 31 },
	{ email: 'not-an-email', name: 'Bob', age: 40 },
	{ email: 'cy@example.com', name: 'Cy', age: 'old', nickname: 'C' },
	{ email: 'di@example.com', age: 22 },
];
const SCHEMA = {
	type: 'object',
	properties: {
		email: { type: 'string', format: 'email' },
		name: { type: 'string' },
		age: { type: 'integer' },
	},
	required: ['email', 'name'],
};

const CONFIGURATIONS: Array<{ label: string; parameters: INodeParameters }> = [
	{
		label: 'a pasted JSON Schema, version typed as 1',
		parameters: {
			schemaSource: 'jsonSchema',
			jsonSchema: JSON.stringify(SCHEMA),
			schemaVersion: '1',
		},
	},
	{
		label: 'a pasted JSON Schema, named, version 2.1',
		parameters: {
			schemaSource: 'jsonSchema',
			jsonSchema: JSON.stringify(SCHEMA),
			schemaName: 'contact',
			schemaVersion: '2.1',
		},
	},
	{
		// A workflow JSON (an import, an example, the public API) can hold the number.
		label: 'a pasted JSON Schema, version stored as the number 1',
		parameters: {
			schemaSource: 'jsonSchema',
			jsonSchema: JSON.stringify(SCHEMA),
			schemaVersion: 1,
		},
	},
	{
		label: 'a field list, default version',
		parameters: {
			schemaSource: 'fields',
			fields: {
				field: [
					{ name: 'email', type: 'string', required: true },
					{ name: 'name', type: 'string', required: true },
					{ name: 'age', type: 'integer' },
				],
			},
		},
	},
	{
		label: 'a sample payload',
		parameters: {
			schemaSource: 'sample',
			sample: JSON.stringify({ email: 'x@example.com', name: 'X', age: 1 }),
		},
	},
];

describe('the version our nodes stamp on items has one type across outputs', () => {
	before(startEngine);
	after(async () => {
		await closeAllStores();
		await stopEngine();
	});

	test('the checker finds a version whose type differs by output', () => {
		const item = (version: unknown): INodeExecutionData => ({ json: { schemaGuard: { version } } });
		assert.deepEqual(mixedTypes([[item(1)], [item('1')]], ['Valid', 'Invalid']), [
			'schemaGuard.version: number on Valid; string on Invalid',
		]);
		assert.deepEqual(mixedTypes([[item('1')], [item('1')]], ['Valid', 'Invalid']), []);
	});

	for (const { label, parameters } of CONFIGURATIONS) {
		test(`Schema Guard, ${label}`, async () => {
			const sinks = ['Valid', 'Invalid', 'Drift Report'].map((name) => ({ name, type: TEST_NOOP }));
			const links: Link[] = [
				['Source', 'Schema Guard'],
				...sinks.map((sink, index): Link => ['Schema Guard', index, sink.name]),
			];
			const workflow = buildWorkflow(
				[
					{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(CONTACTS) } },
					{ name: 'Schema Guard', type: SCHEMA_GUARD, parameters },
					...sinks,
				],
				links,
			);
			const run = await runWorkflow({ workflow });
			assert.equal(run.status, 'success', JSON.stringify(run.error));
			const outputs = run.outputs('Schema Guard');
			const names = run.nodes['Schema Guard'].outputNames ?? [];
			assert.ok(
				outputs.filter((items) => items.length > 0).length >= 2,
				`items reach at least two outputs: ${outputs.map((items) => items.length).join(', ')}`,
			);
			assert.ok(versionTypes(outputs).size > 0, 'the items carry a version');
			console.log(
				`[stamp types] ${label}: ${[...versionTypes(outputs)].map(([path, types]) => `${path} ${[...types.keys()].join('/')}`).join(', ')}`,
			);
			assert.deepEqual(mixedTypes(outputs, names), []);
		});
	}
});
