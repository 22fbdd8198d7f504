// Workflows and executions as the tests see them: every output of every node, by index and
// by the name the editor shows (the node's outputs expression evaluated on its parameters).
import vm from 'node:vm';
import type { IDataObject, INodeExecutionData, IRunExecutionData, ITaskData } from 'n8n-workflow';

export interface WorkflowNodeJson {
	name: string;
	type: string;
	typeVersion: number;
	onError?: string;
	[key: string]: unknown;
}

export interface WorkflowJson {
	id?: string;
	name?: string;
	nodes: WorkflowNodeJson[];
	connections: IDataObject;
	settings?: IDataObject;
	pinData?: IDataObject;
	[key: string]: unknown;
}

export interface ImportedWorkflow {
	id: string;
	name: string;
	versionId: string;
	active: boolean;
	nodes: WorkflowNodeJson[];
}

export interface NodeRun {
	/** Every output, by index: main outputs in order, then the error output (if onError = continueErrorOutput). */
	outputs: INodeExecutionData[][];
	/**
	 * The same outputs by name, as the editor labels them: the node's outputNames or output
	 * displayNames (its outputs expression evaluated on the workflow's parameters), else
	 * 'main', 'output 1', …; the error output is 'error'.
	 */
	byName: Record<string, INodeExecutionData[]>;
	/** Set when the node failed (and did not route the error to an output). */
	error?: unknown;
	executionStatus?: string;
	raw: ITaskData;
}

export interface Execution {
	id: string;
	status: string;
	finished: boolean;
	mode: string;
	workflowId: string;
	data: IRunExecutionData;
	/** The workflow error, if the execution failed. */
	error?: unknown;
	/** Names of the nodes that ran, in order of execution (runData order). */
	nodesRun: string[];
	/** One run of a node (runIndex 0 by default); throws when the node did not run. */
	node(name: string, runIndex?: number): NodeRun;
	/** Shorthand for node(name).outputs[output] (or byName[output] for a string) as plain JSON objects. */
	json(name: string, output?: number | string, runIndex?: number): IDataObject[];
}

export interface LoadedNodeType {
	name: string;
	version: number | number[];
	outputs?: unknown;
	outputNames?: string[];
}

/** Names of a node's outputs as the editor shows them: outputNames, output displayNames, or its outputs expression evaluated on its parameters. */
function describedOutputNames(
	description: LoadedNodeType | undefined,
	parameters: IDataObject,
	nodeVersion: number,
): Array<string | undefined> {
	if (!description) return [];
	if (Array.isArray(description.outputNames)) return description.outputNames;
	let outputs: unknown = description.outputs;
	if (typeof outputs === 'string' && outputs.startsWith('={{') && outputs.endsWith('}}')) {
		// The node's own code (e.g. `={{(function …)($parameter, $nodeVersion)}}`), as n8n's editor evaluates it.
		try {
			outputs = vm.runInNewContext(
				outputs.slice(3, -2),
				{ $parameter: parameters, $nodeVersion: nodeVersion },
				{ timeout: 1000 },
			);
		} catch {
			outputs = undefined;
		}
	}
	if (!Array.isArray(outputs)) return [];
	return outputs.map((output: unknown) =>
		output &&
		typeof output === 'object' &&
		typeof (output as { displayName?: unknown }).displayName === 'string'
			? (output as { displayName: string }).displayName
			: undefined,
	);
}

function outputNamesFor(
	types: LoadedNodeType[],
	workflowNode: WorkflowNodeJson | undefined,
	count: number,
): string[] {
	let described: Array<string | undefined> = [];
	if (workflowNode) {
		const versions = types.filter((type) => type.name === workflowNode.type);
		const matching =
			versions.find((type) =>
				Array.isArray(type.version)
					? type.version.includes(workflowNode.typeVersion)
					: type.version === workflowNode.typeVersion,
			) ?? versions[0];
		described = describedOutputNames(
			matching,
			(workflowNode.parameters ?? {}) as IDataObject,
			workflowNode.typeVersion,
		);
	}
	const hasErrorOutput = workflowNode?.onError === 'continueErrorOutput';
	const mainCount = Math.max(0, hasErrorOutput ? count - 1 : count);
	const names: string[] = [];
	for (let index = 0; index < mainCount; index++) {
		names.push(described[index] ?? (index === 0 ? 'main' : `output ${index}`));
	}
	if (hasErrorOutput) names.push('error');
	return names;
}

export function toExecution(
	raw: IDataObject,
	data: IRunExecutionData,
	types: LoadedNodeType[],
): Execution {
	const workflowNodes = ((raw.workflowData as IDataObject | undefined)?.nodes ??
		[]) as WorkflowNodeJson[];
	const runData = data.resultData?.runData ?? {};
	const node = (name: string, runIndex = 0): NodeRun => {
		const runs = runData[name];
		if (!runs || !runs[runIndex]) {
			throw new Error(
				`node "${name}" has no run ${runIndex} in execution ${String(raw.id)}; nodes that ran: ${Object.keys(runData).join(', ') || 'none'}`,
			);
		}
		const task = runs[runIndex];
		const outputs = (task.data?.main ?? []).map((items) => items ?? []);
		const names = outputNamesFor(
			types,
			workflowNodes.find((candidate) => candidate.name === name),
			outputs.length,
		);
		const byName: Record<string, INodeExecutionData[]> = {};
		outputs.forEach((items, index) => {
			byName[names[index] ?? `output ${index}`] = items;
		});
		return { outputs, byName, error: task.error, executionStatus: task.executionStatus, raw: task };
	};
	return {
		id: String(raw.id),
		status: String(raw.status),
		finished: Boolean(raw.finished),
		mode: String(raw.mode),
		workflowId: String(raw.workflowId),
		data,
		error: data.resultData?.error,
		nodesRun: Object.keys(runData),
		node,
		json(name, output = 0, runIndex = 0) {
			const run = node(name, runIndex);
			const items = typeof output === 'number' ? run.outputs[output] : run.byName[output];
			if (!items)
				throw new Error(
					`node "${name}" has no output ${String(output)}; it has ${Object.keys(run.byName).join(', ')}`,
				);
			return items.map((item) => item.json);
		},
	};
}

/** The JSON object that ends `text` (n8n's CLI prints log lines, then the result). */
export function lastJsonObject(text: string): IDataObject | undefined {
	const starts = [...text.matchAll(/^\{/gm)].map((match) => match.index ?? 0);
	for (const start of starts) {
		try {
			const parsed: unknown = JSON.parse(text.slice(start));
			if (parsed && typeof parsed === 'object' && Object.keys(parsed).length > 0)
				return parsed as IDataObject;
		} catch {
			// log output before the result: try the next candidate
		}
	}
	return undefined;
}
