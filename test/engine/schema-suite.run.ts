/**
 * Runs one keyword file of the JSON Schema Test Suite through Schema Guard in the real
 * engine: one workflow per file (Start → a Source and a Schema Guard per test group), so
 * the engine's per-execution cost is paid once per file, not once per group. Each guard
 * continues on its error output, so one refused schema does not stop the others: its
 * run's error (or items on its error output) marks its tests as refused.
 */
import type { IDataObject, INode, INodeParameters, INodeProperties } from 'n8n-workflow';

import { SchemaGuard } from '../../nodes/SchemaGuard/SchemaGuard.node';
import type { Draft, Outcome, SuiteFile } from './schema-suite.cases';
import {
	buildWorkflow,
	loadPackageTypes,
	MANUAL_TRIGGER,
	pairedItemsOf,
	runWorkflow,
	TEST_SOURCE,
	type Link,
	type NodeTypeInput,
} from './harness';

export const SCHEMA_GUARD = 'n8n-nodes-integration-guards.schemaGuard';

/** Registered from package.json once it lists the node; until then, given to each run. */
export function schemaGuardTypes(): Record<string, NodeTypeInput> {
	return loadPackageTypes().nodes.has(SCHEMA_GUARD) ? {} : { [SCHEMA_GUARD]: SchemaGuard };
}

const isObject = (value: unknown): value is IDataObject =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether this Schema Guard has the Field to Check option (issue 16). Without it the test
 * wraps each schema as the schema of property `value` (figures for comparison only: refs
 * to the document root then point at the wrapper).
 */
export function hasFieldToCheck(): boolean {
	const options = new SchemaGuard().description.properties.find(
		(property) => property.name === 'options',
	);
	return (options?.options ?? []).some(
		(option) => (option as INodeProperties).name === 'fieldToCheck',
	);
}

/** `{ properties: { value: schema } }`, with the keywords that belong at the root kept there. */
function wrapUnderValue(schema: unknown): unknown {
	const inner = isObject(schema) ? { ...schema } : schema;
	const root: IDataObject = { type: 'object', required: ['value'] };
	if (isObject(inner)) {
		for (const key of ['$schema', '$id', '$defs', 'definitions']) {
			if (key in inner) {
				root[key] = inner[key];
				delete inner[key];
			}
		}
	}
	root.properties = { value: inner as IDataObject };
	return root;
}

/**
 * The guard's parameters for one group; remotes only for schemas that name the suite's host.
 * Check Formats is on only for optional/format/: the drafts make `format` an annotation by
 * default (the main format.json tests say so), and the suite tests assertion apart.
 */
export function guardParameters(
	schema: unknown,
	draft: Draft,
	remotes: Record<string, unknown>,
	withField: boolean,
	checkFormats: boolean,
): INodeParameters {
	const text = JSON.stringify(withField ? schema : wrapUnderValue(schema));
	const options: INodeParameters = { dialect: draft.dialect, annotateValid: false, checkFormats };
	if (withField) options.fieldToCheck = 'value';
	// Every remote would be compiled for every group; a ref into a remote always names
	// http://localhost:1234 (in the ref or in an $id it resolves against).
	if (text.includes('localhost:1234')) options.referencedSchemas = JSON.stringify(remotes);
	return { schemaSource: 'jsonSchema', jsonSchema: text, driftReport: false, options };
}

function routeOf(outputName: string): 'valid' | 'invalid' | 'error' {
	if (outputName === 'Valid') return 'valid';
	if (outputName === 'Invalid') return 'invalid';
	return 'error';
}

/** Test id → outcome, for every test of every group of the file. */
export async function runSuiteFile(
	file: SuiteFile,
	draft: Draft,
	remotes: Record<string, unknown>,
	withField: boolean,
): Promise<Map<string, Outcome>> {
	const outcomes = new Map<string, Outcome>();
	const nodes: Array<Partial<INode> & Pick<INode, 'name' | 'type'>> = [
		{ name: 'Start', type: MANUAL_TRIGGER },
	];
	const links: Link[] = [];
	const asked: Array<{ guard: string; tests: Array<{ id: string; valid: boolean }> }> = [];

	file.groups.forEach((group, index) => {
		const items: IDataObject[] = [];
		const tests: Array<{ id: string; valid: boolean }> = [];
		for (const test of group.tests) {
			items.push({ value: test.data as IDataObject });
			tests.push({ id: test.id, valid: test.valid });
		}
		if (items.length === 0) return;
		const source = `Source ${index}`;
		const guard = `Guard ${index}`;
		nodes.push(
			{ name: source, type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
			{
				name: guard,
				type: SCHEMA_GUARD,
				parameters: guardParameters(
					group.schema,
					draft,
					remotes,
					withField,
					file.section === 'format',
				),
				onError: 'continueErrorOutput',
			},
		);
		links.push(['Start', source], [source, guard]);
		asked.push({ guard, tests });
	});
	if (asked.length === 0) return outcomes;

	const run = await runWorkflow({
		workflow: buildWorkflow(nodes, links),
		nodeTypes: schemaGuardTypes(),
	});
	for (const { guard, tests } of asked) {
		const node = run.nodes[guard];
		// Not a refusal: the workflow itself broke (the engine, the harness), so no figure holds.
		if (node === undefined)
			throw new Error(`${file.file}: ${guard} did not run: ${run.error?.message ?? run.status}`);
		if (node.error !== undefined) {
			for (const test of tests)
				outcomes.set(test.id, { result: 'refused', message: node.error.message });
			continue;
		}
		const routes = new Array<Outcome | undefined>(tests.length);
		node.outputs.forEach((items, outputIndex) => {
			const route = routeOf(node.outputNames[outputIndex]);
			for (const item of items) {
				const index = pairedItemsOf(item)?.[0]?.item;
				if (index === undefined || index >= tests.length) continue;
				if (route === 'error') {
					routes[index] = { result: 'refused', message: String(item.json.error) };
				} else if ((route === 'valid') === tests[index].valid) {
					routes[index] = { result: 'passed' };
				} else {
					routes[index] = { result: 'failed', route: route === 'valid' ? 'Valid' : 'Invalid' };
				}
			}
		});
		tests.forEach((test, index) =>
			outcomes.set(test.id, routes[index] ?? { result: 'failed', route: 'no output' }),
		);
	}
	return outcomes;
}
