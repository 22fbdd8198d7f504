/**
 * Hostile schemas and items for Schema Guard (schema-guard-hostile.test.ts): one guard
 * run through the real engine, summed up as where each input item went. The regular
 * expression cases run in a child process (schema-guard-hostile.child.ts) so a
 * backtracking engine that never returns is killed and reported, not a hung test run.
 */
import type { IDataObject, INode, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import {
	buildWorkflow,
	pairedItemsOf,
	runWorkflow,
	TEST_SOURCE,
	type EngineResult,
} from './harness';
import { SCHEMA_GUARD, schemaGuardTypes } from './schema-suite.run';

export const GUARD = 'Schema Guard';

export interface GuardRun {
	status: string;
	/** The execution's error (a node that threw without an error output). */
	error?: { name?: string; message: string; description?: string };
	/** The guard's own run error (it threw, and the engine went on). */
	nodeError?: string;
	/** Input item indexes per output. */
	valid: number[];
	invalid: number[];
	errors: number[];
	/** The output field of each Invalid item, as JSON (problems, paths, values). */
	invalidResults: string[];
	/** The error message of each item on the error output. */
	errorMessages: string[];
}

export interface GuardOptions {
	onError?: INode['onError'];
	options?: INodeParameters;
	/** Items given as JSON text through a Source node (as a webhook body would be parsed). */
	viaJsonText?: boolean;
}

export function guardNode(
	schema: unknown,
	options: GuardOptions = {},
): Partial<INode> & Pick<INode, 'name' | 'type'> {
	return {
		name: GUARD,
		type: SCHEMA_GUARD,
		parameters: {
			schemaSource: 'jsonSchema',
			jsonSchema: typeof schema === 'string' ? schema : JSON.stringify(schema),
			driftReport: false,
			options: options.options ?? {},
		},
		...(options.onError ? { onError: options.onError } : {}),
	};
}

const indexes = (items: INodeExecutionData[] | undefined): number[] =>
	(items ?? []).map((item) => pairedItemsOf(item)?.[0]?.item ?? -1);

export function summarise(run: EngineResult, outputField = 'schemaGuard'): GuardRun {
	const node = run.nodes[GUARD];
	const named = (name: string): INodeExecutionData[] | undefined =>
		node?.outputs[node.outputNames.indexOf(name)];
	const errorDescription = (run.error as { description?: unknown } | undefined)?.description;
	return {
		status: run.status,
		error: run.error && {
			name: run.error.name,
			message: run.error.message,
			description: typeof errorDescription === 'string' ? errorDescription : undefined,
		},
		nodeError: node?.error?.message,
		valid: indexes(named('Valid')),
		invalid: indexes(named('Invalid')),
		errors: indexes(named('Error')),
		invalidResults: (named('Invalid') ?? []).map((item) => JSON.stringify(item.json[outputField])),
		errorMessages: (named('Error') ?? []).map((item) => String(item.json.error)),
	};
}

/** One guard run over `items`: straight into the guard, or through a Source as JSON text. */
export async function runGuard(
	schema: unknown,
	items: IDataObject[],
	options: GuardOptions = {},
): Promise<GuardRun> {
	const guard = guardNode(schema, options);
	const workflow = options.viaJsonText
		? buildWorkflow(
				[
					{ name: 'Source', type: TEST_SOURCE, parameters: { items: JSON.stringify(items) } },
					guard,
				],
				[['Source', GUARD]],
			)
		: buildWorkflow([guard], []);
	const run = await runWorkflow({
		workflow,
		nodeTypes: schemaGuardTypes(),
		...(options.viaJsonText ? {} : { startItems: items.map((json) => ({ json })) }),
	});
	return summarise(run);
}

const A = 'a'.repeat(100_000);

/** Catastrophic-backtracking patterns on 100,000 characters: each answers, and rightly. */
export const REGEX_CASES: Record<
	string,
	{ schema: unknown; items: IDataObject[]; valid: number[]; invalid: number[] }
> = {
	pattern: {
		schema: {
			type: 'object',
			properties: { s: { type: 'string', pattern: '^(a+)+$' } },
			required: ['s'],
		},
		items: [{ s: `${A}!` }, { s: A }],
		valid: [1],
		invalid: [0],
	},
	patternProperties: {
		schema: {
			type: 'object',
			patternProperties: { '^(a+)+$': { type: 'integer' } },
			additionalProperties: false,
		},
		items: [{ [`${A}!`]: 1 }, { [A]: 'x' }, { [A]: 1 }],
		valid: [2],
		invalid: [0, 1],
	},
	propertyNames: {
		schema: { type: 'object', propertyNames: { pattern: '^(a+)+$' } },
		items: [{ [`${A}!`]: 1 }, { [A]: 1 }],
		valid: [1],
		invalid: [0],
	},
};

export const RESULT_MARKER = 'HOSTILE_RESULT ';
