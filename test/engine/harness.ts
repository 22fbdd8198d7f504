/**
 * Engine-level test harness: runs workflow JSON (as n8n exports it) through the real n8n
 * engine in process — `WorkflowExecute` from the published n8n-core, with n8n-workflow's
 * `vm` expression engine as the server uses it — and returns every output of every node,
 * items untouched (`pairedItem` included).
 *
 * No server, database or DI registrations: the engine needs lifecycle hooks, a small
 * `additionalData` and a credentials helper (here: fixtures by credential type).
 *
 * How the engine treats errors (read before asserting on error paths; harness.test.ts
 * pins each of these down):
 * - Error output (`onError: 'continueErrorOutput'`): after the node returns, the engine
 *   moves to the error output (the last main output) every item that has `item.error`,
 *   or whose `json` has an `error` key and NO keys other than error/message/details.
 *   An item `{ json: { id: 1, error: 'x' } }` stays on its regular output.
 *   - `json.error` items: their json is merged OVER the json of the input item they
 *     are paired with, so the error item carries the original fields plus `error`.
 *   - `item.error` items: their json is then REPLACED by `{ error: item.error.message }`
 *     (the original fields are lost; the error object stays on `item.error`).
 * - A node that THROWS is not routed to the error output. With onError
 *   continueErrorOutput or continueRegularOutput (or legacy continueOnFail) its INPUT
 *   items are passed on unchanged on output 0 (the first regular output), the node's
 *   run carries the error (`nodes[name].error`), and the run goes on. If no other node
 *   runs after it, the execution's status is 'error'. Without onError the execution
 *   stops with status 'error' and `result.error` set.
 *   So a node that wants per-item error routing catches per item and returns items
 *   shaped as above when `this.continueOnFail()` is true.
 * - `this.continueOnFail()` is true for onError continueRegularOutput and
 *   continueErrorOutput (and legacy `continueOnFail: true`).
 * - Items a node returns without `pairedItem` get one from the engine only when it can
 *   guess: a single input item, or one output with as many items as the input. With
 *   several outputs and several input items it does not guess, and pairing is lost —
 *   set `pairedItem` yourself, always.
 * - `this.getInputData()` returns fresh item objects with `pairedItem` set to their own
 *   index — `{ item: i, input: undefined }`, so items passed through unchanged compare
 *   deep-equal to `{ item: i, input: undefined }`, not `{ item: i }` — but the `json`
 *   objects are SHARED with the previous node's output: copy before changing
 *   (`{ ...item.json }`), never mutate.
 * - Each execution takes a fresh expression isolate (as on a server), so a run costs
 *   ~50–250 ms more than its nodes; see waitForWarmIsolate for timings.
 */
// First, for its side effect: n8n's environment must be set before n8n-core is loaded.
// eslint-disable-next-line import-x/no-duplicates
import './env';

import path from 'node:path';
import assert from 'node:assert/strict';
import {
	BinaryDataService,
	ExecutionLifecycleHooks,
	ExternalSecretsProxy,
	WorkflowExecute,
} from 'n8n-core';
import {
	Expression,
	NodeHelpers,
	Workflow,
	createRunExecutionData,
	type ExecutionError,
	type ExecutionStatus,
	type IBinaryData,
	type ICredentialType,
	type IConnections,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type IPairedItemData,
	type IRun,
	type ISourceData,
	type ITaskData,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type IWorkflowSettings,
	type NodeExecutionHint,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

// eslint-disable-next-line import-x/no-duplicates
import { engineN8nFolder } from './env';
import {
	FixtureCredentialsHelper,
	type CredentialFixtures,
	type CredentialUpdate,
} from './credentials-helper';
import {
	HarnessNodeTypes,
	loadPackageTypes,
	toCredentialType,
	type CredentialTypeInput,
	type NodeTypeInput,
} from './node-types';
import { STICKY_NOTE } from './test-nodes';

export { engineN8nFolder, engineUserFolder } from './env';
export type { CredentialFixtures, CredentialUpdate } from './credentials-helper';
export type { CredentialTypeInput, NodeTypeInput } from './node-types';
export { loadPackageTypes } from './node-types';
export * from './test-nodes';

/*
 * One copy of n8n-workflow, or `instanceof` checks (NodeOperationError, Expression state,
 * the vm engine) silently break between our code and n8n-core. Both must resolve the same
 * CommonJS entry.
 */
const coreEntry = require.resolve('n8n-core');
const workflowForCore = require.resolve('n8n-workflow', { paths: [path.dirname(coreEntry)] });
if (workflowForCore !== require.resolve('n8n-workflow')) {
	throw new Error(
		`Two copies of n8n-workflow: n8n-core uses ${workflowForCore}, the tests ${require.resolve('n8n-workflow')}`,
	);
}
// The DI container n8n-core itself uses (a transitive dependency: resolve it through n8n-core).
const { Container } = require(
	require.resolve('@n8n/di', { paths: [path.dirname(coreEntry)] }),
) as typeof import('@n8n/di');

/** Workflow JSON as n8n exports it; only nodes and connections are required. */
export interface WorkflowJson {
	id?: string;
	name?: string;
	nodes: INode[];
	connections: IConnections;
	/** Defaults to `{ executionOrder: 'v1' }`, what n8n sets on new workflows. */
	settings?: IWorkflowSettings;
	staticData?: IDataObject;
	/** Ignored: pinned data only applies to manual runs from the editor. */
	pinData?: unknown;
}

export interface RunWorkflowOptions {
	workflow: WorkflowJson;
	/** Node types for this run beyond the package's and the harness's, keyed by type name. */
	nodeTypes?: Record<string, NodeTypeInput>;
	/** Credential data by credential type name, returned to `this.getCredentials(type)`. */
	credentials?: CredentialFixtures;
	/** Credential types beyond the package's (for defaults, `authenticate`, `extends`). */
	credentialTypes?: CredentialTypeInput[];
	/** Items fed to the start node. Default: one empty item, as a manual trigger emits. */
	startItems?: INodeExecutionData[];
	/** The node to start from. Default: the only node without incoming connections. */
	startNode?: string;
	/** Default 'manual' (`$execution.mode` is then 'test'). */
	mode?: WorkflowExecuteMode;
	/** `$vars`. */
	variables?: IDataObject;
}

/** One run of one node. */
export interface NodeRun {
	/**
	 * Every main output in the node's order — named outputs, then the error output when
	 * onError is continueErrorOutput — padded with [] to the declared count. Items are the
	 * engine's own objects: nothing stripped or copied.
	 */
	outputs: INodeExecutionData[][];
	/** Output names aligned with `outputs` (`outputNames`, display names, 'Success'/'Error'). */
	outputNames: string[];
	/** The items this run received, per input (rebuilt from the run's `source`). */
	inputs: INodeExecutionData[][];
	source: Array<ISourceData | null>;
	/** The error of this run: a thrown error (the run may still have passed items on). */
	error?: ExecutionError;
	executionStatus?: ExecutionStatus;
	hints: NodeExecutionHint[];
	task: ITaskData;
}

/** A node that ran: its first run's fields, plus all runs (more than one in loops). */
export interface NodeResult extends NodeRun {
	runs: NodeRun[];
}

export interface EngineResult {
	status: ExecutionStatus;
	/** The execution error (status 'error'), e.g. a node that threw without onError. */
	error?: ExecutionError;
	/** Node names in the order they finished. */
	executionOrder: string[];
	/** Every node that ran, by name. Nodes that did not run are absent. */
	nodes: Record<string, NodeResult>;
	/** All outputs of a node's first run; fails the test if the node did not run. */
	outputs(nodeName: string): INodeExecutionData[][];
	/** One output by index or name (e.g. 'Valid', 'Error'); fails if the node did not run. */
	output(nodeName: string, output: number | string): INodeExecutionData[];
	/** The bytes of a binary property, wherever n8n stored them. */
	binary(data: IBinaryData): Promise<Buffer>;
	/** Credential updates nodes made (token refresh), in order. */
	credentialUpdates: CredentialUpdate[];
	/** The workflow's static data after the run (`this.getWorkflowStaticData`). */
	staticData: IDataObject;
	startNode: string;
	startItems: INodeExecutionData[];
	/** The raw `IRun` from the engine. */
	run: IRun;
}

/** The expression engine settings of an n8n 2.x server (@n8n/config ExpressionEngineConfig). */
const SERVER_EXPRESSION_ENGINE = {
	engine: 'vm',
	poolSize: 1,
	maxCodeCacheSize: 1024,
	bridgeTimeout: 5000,
	bridgeMemoryLimit: 128,
} as const;

const BASE_URL = 'http://localhost:5678/';

let engineReady: Promise<void> | undefined;
let executionCounter = 0;

/**
 * Initialises what an n8n server initialises once per process: the `vm` expression
 * engine (isolated-vm) and the binary data store in filesystem mode (the server default
 * in regular mode), under the temporary user folder. Called by runWorkflow.
 */
export async function startEngine(): Promise<void> {
	engineReady ??= (async () => {
		await initExpressionEngineWithRetry();
		await Container.get(BinaryDataService).init();
	})();
	await engineReady;
}

/**
 * Creating the first isolate can miss its bridge timeout when the machine is saturated
 * (seen on 2 cores while other processes compiled): retry a few times before failing.
 */
async function initExpressionEngineWithRetry(attempts = 3): Promise<void> {
	for (let attempt = 1; ; attempt++) {
		try {
			await Expression.initExpressionEngine({ ...SERVER_EXPRESSION_ENGINE });
			return;
		} catch (error) {
			if (attempt >= attempts) throw error;
			await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
		}
	}
}

/** Releases the expression isolates. Call from an `after()` hook; runWorkflow restarts it. */
export async function stopEngine(): Promise<void> {
	// Let the pool finish the isolate it builds in the background first: disposed mid-build,
	// that isolate is released unawaited and isolated-vm can abort the process at exit
	// (IsolateEnvironment::GetCurrent), failing a file whose tests all passed.
	await waitForWarmIsolate();
	engineReady = undefined;
	await Expression.disposeExpressionEngine();
}

/**
 * Waits until the pool holds a warm expression isolate. Like a server, the engine takes a
 * fresh isolate for every execution and builds the next one in the background (50–250 ms
 * of CPU); a run that starts before that finishes builds its own. Call this before timing
 * a run so the figure is the engine's, not the isolate start-up.
 */
export async function waitForWarmIsolate(): Promise<void> {
	// `vmEvaluator` is private in n8n-workflow's typings; it is the only handle on the pool.
	const { vmEvaluator } = Expression as unknown as {
		vmEvaluator?: { waitForReplenishment?: () => Promise<void> };
	};
	await vmEvaluator?.waitForReplenishment?.();
}

/**
 * The middle of three timed runs of a workflow after an untimed warm-up, in ms: what the
 * engine-level cost-per-item diagnostics report. `check` asserts each run did the whole work.
 */
export async function medianRunMs<W>(
	run: (workflow: W) => Promise<EngineResult>,
	workflow: W,
	check: (result: EngineResult) => void,
): Promise<number> {
	await run(workflow);
	const runs: number[] = [];
	for (let attempt = 0; attempt < 3; attempt++) {
		await waitForWarmIsolate();
		const started = process.hrtime.bigint();
		const result = await run(workflow);
		runs.push(Number(process.hrtime.bigint() - started) / 1e6);
		check(result);
	}
	return [...runs].sort((a, b) => a - b)[1];
}

/** 'vm' once the engine runs, as on a server; 'legacy' means expressions bypass the isolate. */
export function activeExpressionEngine(): string {
	return Expression.getActiveImplementation();
}

/** Where `this.helpers.getStoragePath()` points for a node type in this process. */
export function storagePathFor(nodeType: string): string {
	return path.join(engineN8nFolder, 'storage', nodeType);
}

function isPlainData(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null;
}

function findStartNode(workflow: Workflow, explicit: string | undefined): INode {
	if (explicit !== undefined) {
		const node = workflow.getNode(explicit);
		if (node === null) throw new Error(`startNode "${explicit}" is not in the workflow`);
		return node;
	}
	const roots = Object.values(workflow.nodes).filter((node) => {
		if (node.disabled === true || node.type === STICKY_NOTE) return false;
		const incoming = workflow.connectionsByDestinationNode[node.name]?.main ?? [];
		return incoming.every((connections) => !connections || connections.length === 0);
	});
	if (roots.length !== 1) {
		throw new Error(
			`Cannot tell the start node: ${roots.length === 0 ? 'no node' : `${roots.map((node) => `"${node.name}"`).join(', ')}`} without incoming connections. Pass runWorkflow({ startNode })`,
		);
	}
	return roots[0];
}

function declaredOutputNames(workflow: Workflow, node: INode): string[] {
	const nodeType = workflow.nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
	const outputs = NodeHelpers.getNodeOutputs(workflow, node, nodeType.description).filter(
		(output) => (typeof output === 'string' ? output : output.type) === 'main',
	);
	return outputs.map((output, index) => {
		const fromNames = nodeType.description.outputNames?.[index];
		if (fromNames !== undefined) return fromNames;
		if (typeof output !== 'string' && output.displayName !== undefined) return output.displayName;
		return `output ${index}`;
	});
}

function buildWorkflowBase(
	json: WorkflowJson,
	id: string,
	settings: IWorkflowSettings,
): IWorkflowBase {
	const now = new Date();
	return {
		id,
		name: json.name ?? 'engine test',
		active: false,
		isArchived: false,
		activeVersionId: null,
		createdAt: now,
		updatedAt: now,
		nodes: json.nodes,
		connections: json.connections,
		settings,
		staticData: json.staticData,
	};
}

function buildAdditionalData(
	hooks: ExecutionLifecycleHooks,
	executionId: string,
	workflowId: string,
	credentialsHelper: FixtureCredentialsHelper,
	variables: IDataObject,
): IWorkflowExecuteAdditionalData {
	const unsupported = (what: string) => async (): Promise<never> => {
		throw new Error(`${what} is not supported by the engine harness; cover it in the e2e tests`);
	};
	return {
		hooks,
		credentialsHelper,
		executionId,
		workflowId,
		currentNodeExecutionIndex: 0,
		variables,
		externalSecretsProxy: new ExternalSecretsProxy(),
		restApiUrl: `${BASE_URL}rest`,
		instanceBaseUrl: BASE_URL,
		formBaseUrl: `${BASE_URL}form`,
		formWaitingBaseUrl: `${BASE_URL}form-waiting`,
		formTestBaseUrl: `${BASE_URL}form-test`,
		webhookBaseUrl: `${BASE_URL}webhook`,
		webhookWaitingBaseUrl: `${BASE_URL}webhook-waiting`,
		webhookTestBaseUrl: `${BASE_URL}webhook-test`,
		mcpBaseUrl: `${BASE_URL}mcp`,
		mcpTestBaseUrl: `${BASE_URL}mcp-test`,
		executeWorkflow: unsupported('Executing a sub-workflow'),
		startRunnerTask: unsupported('A task runner (Code node)'),
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		logAiEvent: () => undefined,
	};
}

/** Runs a workflow through the real engine and collects every node's outputs. */
export async function runWorkflow(options: RunWorkflowOptions): Promise<EngineResult> {
	await startEngine();
	const json = structuredClone(options.workflow);
	const mode = options.mode ?? 'manual';
	const startItems = options.startItems ?? [{ json: {} }];
	const workflowId = json.id ?? 'engine-test';
	const executionId = String(++executionCounter);
	const settings: IWorkflowSettings = { executionOrder: 'v1', ...json.settings };

	const nodeTypes = new HarnessNodeTypes(options.nodeTypes);
	const credentialTypes = new Map<string, ICredentialType>(loadPackageTypes().credentials);
	for (const input of options.credentialTypes ?? []) {
		const credentialType = toCredentialType(input);
		credentialTypes.set(credentialType.name, credentialType);
	}
	const credentialsHelper = new FixtureCredentialsHelper(
		options.credentials ?? {},
		credentialTypes,
	);

	const workflow = new Workflow({
		id: workflowId,
		name: json.name,
		nodes: json.nodes,
		connections: json.connections,
		active: false,
		nodeTypes,
		staticData: json.staticData,
		settings,
	});
	const startNode = findStartNode(workflow, options.startNode);

	const hooks = new ExecutionLifecycleHooks(
		mode,
		executionId,
		buildWorkflowBase(json, workflowId, settings),
	);
	const executionOrder: string[] = [];
	const outputNamesByNode = new Map<string, string[]>();
	hooks.addHandler('nodeExecuteAfter', (nodeName) => {
		executionOrder.push(nodeName);
		// Here, not after the run: outputs given as an expression (outputs that depend on
		// parameters) are evaluated in the execution's isolate, released when the run ends.
		const node = workflow.getNode(nodeName);
		if (node !== null && !outputNamesByNode.has(nodeName))
			outputNamesByNode.set(nodeName, declaredOutputNames(workflow, node));
	});
	const additionalData = buildAdditionalData(
		hooks,
		executionId,
		workflowId,
		credentialsHelper,
		options.variables ?? {},
	);

	const runExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [
				{ node: startNode, data: { main: [structuredClone(startItems)] }, source: null },
			],
		},
	});

	let run: IRun;
	try {
		run = await new WorkflowExecute(additionalData, mode, runExecutionData).processRunExecutionData(
			workflow,
		);
	} catch (error) {
		// Problems found before any node runs (e.g. a required parameter missing) are thrown
		// synchronously; a server reports them as a failed execution, and so do we.
		const message = error instanceof Error ? error.message : String(error);
		run = {
			data: runExecutionData,
			mode,
			startedAt: new Date(),
			status: 'error',
			storedAt: 'db',
		};
		run.data.resultData.error = {
			...(isPlainData(error) ? error : {}),
			message,
			stack: error instanceof Error ? error.stack : undefined,
		} as ExecutionError;
	}

	const runData = run.data.resultData.runData;
	const inputsOf = (nodeName: string, task: ITaskData): INodeExecutionData[][] => {
		if (task.source.length === 0) return nodeName === startNode.name ? [startItems] : [];
		return task.source.map((source) => {
			if (source === null) return [];
			const previous = runData[source.previousNode]?.[source.previousNodeRun ?? 0];
			return previous?.data?.main?.[source.previousNodeOutput ?? 0] ?? [];
		});
	};

	const nodes: Record<string, NodeResult> = {};
	for (const [nodeName, tasks] of Object.entries(runData)) {
		const node = workflow.getNode(nodeName);
		if (node === null || tasks.length === 0) continue;
		const names = outputNamesByNode.get(nodeName) ?? [];
		const runs = tasks.map((task): NodeRun => {
			const produced = task.data?.main ?? [];
			const count = Math.max(names.length, produced.length);
			return {
				outputs: Array.from({ length: count }, (_, index) => produced[index] ?? []),
				outputNames: Array.from({ length: count }, (_, index) => names[index] ?? `output ${index}`),
				inputs: inputsOf(nodeName, task),
				source: task.source,
				error: task.error,
				executionStatus: task.executionStatus,
				hints: task.hints ?? [],
				task,
			};
		});
		nodes[nodeName] = { ...runs[0], runs };
	}

	const nodeResult = (nodeName: string): NodeResult => {
		const result = nodes[nodeName];
		if (result === undefined) {
			assert.fail(
				`Node "${nodeName}" did not run (ran: ${executionOrder.join(', ') || 'none'}; status ${run.status}${run.data.resultData.error ? `, error: ${run.data.resultData.error.message}` : ''})`,
			);
		}
		return result;
	};

	return {
		status: run.status,
		error: run.data.resultData.error,
		executionOrder,
		nodes,
		outputs: (nodeName) => nodeResult(nodeName).outputs,
		output: (nodeName, output) => {
			const result = nodeResult(nodeName);
			const index = typeof output === 'number' ? output : result.outputNames.indexOf(output);
			if (index < 0 || index >= result.outputs.length) {
				assert.fail(
					`Node "${nodeName}" has no output ${JSON.stringify(output)} (outputs: ${result.outputNames.join(', ')})`,
				);
			}
			return result.outputs[index];
		},
		binary: async (data) => await Container.get(BinaryDataService).getAsBuffer(data),
		credentialUpdates: credentialsHelper.updates,
		staticData: workflow.staticData,
		startNode: startNode.name,
		startItems,
		run,
	};
}

/** `pairedItem` in any of its shapes, as a list of `{ item, input }`. */
export function pairedItemsOf(item: INodeExecutionData): IPairedItemData[] | undefined {
	const { pairedItem } = item;
	if (pairedItem === undefined || pairedItem === null) return undefined;
	if (typeof pairedItem === 'number') return [{ item: pairedItem }];
	return Array.isArray(pairedItem) ? pairedItem : [pairedItem];
}

function selectNodes(
	result: EngineResult,
	nodeNames: string[] | undefined,
): Array<[string, NodeResult]> {
	if (nodeNames === undefined) return Object.entries(result.nodes);
	return nodeNames.map((name) => {
		result.outputs(name); // fails when the node did not run
		return [name, result.nodes[name]];
	});
}

function failWith(problems: string[], what: string): void {
	if (problems.length === 0) return;
	const shown = problems.slice(0, 20).join('\n  ');
	const more = problems.length > 20 ? `\n  … and ${problems.length - 20} more` : '';
	assert.fail(`${what}:\n  ${shown}${more}`);
}

/**
 * Every item on every output (error output included) of the given nodes (default: all
 * that ran) has a `pairedItem`, and each entry points at an input that exists: input
 * index below the number of inputs, item index below that input's item count.
 */
export function assertPairing(result: EngineResult, nodeNames?: string[]): void {
	const problems: string[] = [];
	for (const [name, node] of selectNodes(result, nodeNames)) {
		node.runs.forEach((run, runIndex) => {
			run.outputs.forEach((items, outputIndex) => {
				items.forEach((item, itemIndex) => {
					const where = `"${name}" run ${runIndex} output ${outputIndex} (${run.outputNames[outputIndex]}) item ${itemIndex}`;
					const paired = pairedItemsOf(item);
					if (paired === undefined || paired.length === 0) {
						problems.push(`${where}: no pairedItem`);
						return;
					}
					for (const entry of paired) {
						const input = entry.input ?? 0;
						const available = run.inputs[input]?.length;
						if (available === undefined) {
							problems.push(
								`${where}: pairedItem input ${input}, but the node has ${run.inputs.length} input(s)`,
							);
						} else if (!Number.isInteger(entry.item) || entry.item < 0 || entry.item >= available) {
							problems.push(
								`${where}: pairedItem item ${entry.item}, but input ${input} had ${available} item(s)`,
							);
						}
					}
				});
			});
		});
	}
	failWith(problems, 'pairedItem broken');
}

/**
 * The routing contract of our nodes: every input item of the node leaves on exactly one
 * output (error output included), each output item paired with exactly one input item.
 * Implies assertPairing for the node.
 */
export function assertEachInputLeavesOnce(result: EngineResult, nodeName: string): void {
	assertPairing(result, [nodeName]);
	const problems: string[] = [];
	result.nodes[nodeName].runs.forEach((run, runIndex) => {
		const seen = run.inputs.map((items) => new Array<number>(items.length).fill(0));
		run.outputs.forEach((items, outputIndex) => {
			items.forEach((item, itemIndex) => {
				const paired = pairedItemsOf(item) ?? [];
				if (paired.length !== 1) {
					problems.push(
						`run ${runIndex} output ${outputIndex} item ${itemIndex}: paired with ${paired.length} input items, expected 1`,
					);
					return;
				}
				seen[paired[0].input ?? 0][paired[0].item]++;
			});
		});
		seen.forEach((counts, input) =>
			counts.forEach((count, item) => {
				if (count !== 1)
					problems.push(
						`run ${runIndex} input ${input} item ${item}: left on ${count} outputs, expected exactly 1`,
					);
			}),
		);
	});
	failWith(problems, `"${nodeName}" does not route each input item exactly once`);
}

/** An n8n node for workflow JSON, with the fields a test rarely cares about filled in. */
export function makeNode(spec: Partial<INode> & Pick<INode, 'name' | 'type'>): INode {
	return {
		id: spec.name,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		...spec,
	};
}

/** A connection: [from, to] joins output 0 to input 0; [from, output, to, input?] others. */
export type Link =
	| [from: string, to: string]
	| [from: string, output: number, to: string, input?: number];

/** Workflow JSON from nodes and links, shaped like an n8n export. */
export function buildWorkflow(
	nodes: Array<Partial<INode> & Pick<INode, 'name' | 'type'>>,
	links: Link[],
	settings?: IWorkflowSettings,
): WorkflowJson {
	const connections: IConnections = {};
	for (const link of links) {
		const [from, output, to, input] =
			link.length === 2 ? [link[0], 0, link[1], 0] : [link[0], link[1], link[2], link[3] ?? 0];
		const outputs = ((connections[from] ??= {}).main ??= []);
		while (outputs.length <= output) outputs.push([]);
		(outputs[output] ??= []).push({ node: to, type: 'main', index: input });
	}
	return { nodes: nodes.map(makeNode), connections, ...(settings ? { settings } : {}) };
}
