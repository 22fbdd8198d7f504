import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import * as n8nWorkflow from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { readCorrelationId, uuidv7 } from '../core/correlation';
import { redactSecretText } from '../core/deadletter/redact';
import { StoreError } from '../stores/types';
import { assertNamespace, MAX_NAMESPACE_BYTES } from '../stores/validate';
import { operationError } from './parameters';

/** The Scope parameter: which state a node shares with other nodes and workflows. */
export function scopeProperty(example: string): INodeProperties {
	return {
		displayName: 'Scope',
		name: 'scope',
		type: 'string',
		default: '',
		placeholder: example,
		hint: 'Empty: this workflow only. Nodes that share state need the same Scope',
		description:
			"Name of the state this node uses. Leave empty to keep it to this workflow. A name is instance-wide: every workflow on this n8n that uses it shares the state, and their authors can read and change it. Use project: and a name (e.g. project:orders) to share it only with the workflows of this workflow's project. Names starting with workflow- are reserved.",
	};
}

export const correlationFieldProperty: INodeProperties = {
	displayName: 'Correlation ID Field',
	name: 'correlationField',
	type: 'string',
	default: 'correlationId',
	description:
		'Field that carries the correlation ID through the workflow. Stored with every record.',
};

/** An empty Scope: the workflow's own state, `<kind>:workflow-<id>`. */
const WORKFLOW_SCOPE = 'workflow-';
/** A Scope shared by the workflows of one project: `project:<name>`. */
const PROJECT_SCOPE = /^project:/i;
/** How the Scope parameter is labelled in the panel, where a node renames it. */
const SCOPE_LABEL: Record<string, string> = { deadletter: 'Queue' };

/**
 * The store namespace of a node's state from its Scope parameter: `<kind>:<scope>`.
 *
 * - Empty: `<kind>:workflow-<workflow id>`, the form every release has stored a workflow's
 *   own state under. It holds live idempotency keys and dead letters, so it stays byte for
 *   byte: a new form would forget those keys after an upgrade and let writes run twice.
 * - A name: `<kind>:<name>`, unchanged too, and instance-wide by design (the panel says so).
 *   A name could take the default's form and reach another workflow's state (workflow ids
 *   are in every editor URL), so a name starting with `workflow-` is refused, unless it
 *   is this workflow's own default, which is the same state. Stores compare namespaces
 *   as bytes (Postgres COLLATE "C", SQLite's binary collation, Redis keys): `Workflow-1`
 *   or a look-alike is another namespace, not a way in, and is left alone.
 * - `project:<name>`: `<kind>:project:<project id>:<name>`, shared by the workflows of
 *   this workflow's project. No name can produce it: every Scope starting with `project:`
 *   is this form and always gets the running workflow's own project.
 * Refusing the reserved form, rather than moving either namespace, keeps the state of
 * both kinds of existing workflows where it is.
 */
export function resolveScope(context: IExecuteFunctions, kind: string): string {
	return scopeNamespace(context, kind, String(context.getNodeParameter('scope', 0, '') ?? ''));
}

/** `resolveScope` for a scope typed elsewhere (e.g. a list of queue names); `label` names that field in errors. */
export function scopeNamespace(
	context: IExecuteFunctions,
	kind: string,
	typed: string,
	label = SCOPE_LABEL[kind] ?? 'Scope',
): string {
	const scope = typed.trim();
	const own = `${WORKFLOW_SCOPE}${context.getWorkflow().id ?? 'unsaved'}`;
	let name = scope === '' ? own : scope;
	if (PROJECT_SCOPE.test(scope)) {
		name = projectScope(context, scope, label);
	} else if (name.startsWith(WORKFLOW_SCOPE) && name !== own) {
		throw new NodeOperationError(
			context.getNode(),
			`${label} "${scope}" is reserved: names starting with "${WORKFLOW_SCOPE}" are the state of one workflow each`,
			{
				description: `Leave ${label} empty to use this workflow's own state, use project:<name> to share with the workflows of this project, or choose a name that does not start with "${WORKFLOW_SCOPE}" (shared by every workflow on this n8n that uses it).`,
			},
		);
	}
	const namespace = `${kind}:${name}`;
	try {
		return assertNamespace(namespace);
	} catch (error) {
		throw new NodeOperationError(
			context.getNode(),
			`${label} "${scope.slice(0, 80)}" cannot be used: ${error instanceof Error ? error.message : String(error)}`,
			{
				description: `Use a shorter name: stored with its prefix ("${kind}:"), it may have at most ${MAX_NAMESPACE_BYTES} bytes of UTF-8, and no NUL or unpaired surrogate characters.`,
			},
		);
	}
}

/** `project:<name>` → `project:<project id>:<name>`, or an error naming the field when n8n gives no project. */
function projectScope(context: IExecuteFunctions, scope: string, label: string): string {
	const name = scope.slice('project:'.length).trim();
	if (name === '') {
		throw new NodeOperationError(
			context.getNode(),
			`${label} "${scope}" needs a name after "project:"`,
			{
				description:
					"For example project:orders: the state is shared by the workflows of this workflow's project that use that name.",
			},
		);
	}
	const project = workflowProjectId(context);
	if (project === undefined) {
		throw new NodeOperationError(
			context.getNode(),
			`${label} "${scope}" needs the workflow's project, and this n8n does not tell nodes which project a workflow belongs to`,
			{
				description: `Project scopes need n8n 2.x and a saved workflow. Leave ${label} empty to keep the state to this workflow, or use a plain name (shared by every workflow on this n8n that uses it).`,
			},
		);
	}
	return `project:${project}:${name}`;
}

/**
 * The running workflow's project. n8n 2.x sets it on the execution's additional data
 * (`additionalData.projectId`, the workflow's owning project, looked up by the server in
 * regular mode and by each queue-mode worker); n8n-workflow's IExecuteFunctions does not
 * declare it, so it is read with care, and n8n 1.x, which lacks it, gets undefined. A
 * value with `:` would make the namespace ambiguous: refused the same way.
 */
function workflowProjectId(context: IExecuteFunctions): string | undefined {
	const projectId = (context as { additionalData?: { projectId?: unknown } }).additionalData
		?.projectId;
	return typeof projectId === 'string' && projectId !== '' && !projectId.includes(':')
		? projectId
		: undefined;
}

/**
 * The item's correlation ID, or a new UUIDv7 when it has none: the nodes that create
 * records make sure every record can be traced.
 */
export function correlationIdFor(
	json: IDataObject,
	field: string,
): { id: string; assigned: boolean } {
	const existing = readCorrelationId(json, field);
	return existing !== undefined
		? { id: existing, assigned: false }
		: { id: uuidv7(), assigned: true };
}

/**
 * Output item that pairs back to its input item (on input `input` of a node with
 * several inputs); the input is never mutated.
 */
export function pairedItem(
	source: INodeExecutionData,
	itemIndex: number,
	json: IDataObject,
	input?: number,
): INodeExecutionData {
	const item: INodeExecutionData = {
		json,
		pairedItem: input ? { item: itemIndex, input } : { item: itemIndex },
	};
	if (source.binary) item.binary = source.binary;
	return item;
}

/** The input item an output item pairs back to (0 when it has no single pairing): sorts outputs into input order. */
export function pairIndex(item: INodeExecutionData): number {
	const paired = item.pairedItem;
	return typeof paired === 'object' && paired !== null && !Array.isArray(paired) ? paired.item : 0;
}

/**
 * Per-item failure: with "On Error: Continue" the item leaves carrying the error;
 * otherwise the node fails, naming the item.
 *
 * With "Continue (using error output)" the item holds only the error: the engine then
 * moves it to the error output and merges the input item's fields underneath, so the
 * original payload travels with the error. (An item with `item.error` set would instead
 * lose its fields.) Which error-only items the engine moves depends on n8n: see
 * `errorOnlyJson`. With "Continue (using regular output)" it stays on `output` with its
 * fields and the error.
 */
export function failItem(
	context: IExecuteFunctions,
	outputs: INodeExecutionData[][],
	source: INodeExecutionData,
	itemIndex: number,
	error: NodeOperationError,
	output = 0,
	input = 0,
): void {
	withoutSecrets(error);
	if (!context.continueOnFail()) throw error;
	const details: IDataObject = {
		itemIndex,
		description: error.description ?? null,
		node: context.getNode().name,
	};
	const json =
		context.getNode().onError === 'continueErrorOutput'
			? errorOnlyJson(error.message, details)
			: { ...source.json, error: error.message, details };
	outputs[output].push({
		json,
		pairedItem: input ? { item: itemIndex, input } : { item: itemIndex },
	});
}

/**
 * The json of an item n8n moves to the error output. n8n 2.40 moves an item whose json
 * has `error` and nothing but `message` and `details`; n8n 1.x only `{ error }` or
 * `{ error, message }`, and leaves anything else on the output it was put on, which for
 * some operations is the way on (Canonical Transform's only output). So `details` is
 * kept only where n8n-workflow knows the nodes API version (2.40 does, 1.x does not);
 * elsewhere, an older n8n 2 included, the fix travels as `message`, a shape every version
 * moves: never left on a way on.
 */
export function errorOnlyJson(
	error: string,
	details: IDataObject,
	knowsDetails = NEWER_ERROR_OUTPUT,
): IDataObject {
	if (knowsDetails) return { error, details };
	const description = typeof details.description === 'string' ? details.description : '';
	return { error, message: description !== '' ? description : error };
}

const NEWER_ERROR_OUTPUT = 'N8N_NODES_API_VERSION' in n8nWorkflow;

/**
 * An error's message and description may quote item data (a value that failed, a
 * vendor's answer): n8n shows them on outputs and keeps them in its execution log, so
 * they pass the package's redactor first.
 */
function withoutSecrets(error: NodeOperationError): NodeOperationError {
	error.message = redactSecretText(error.message);
	if (typeof error.description === 'string')
		error.description = redactSecretText(error.description);
	return error;
}

export function itemError(
	context: IExecuteFunctions,
	itemIndex: number,
	message: string,
	description: string,
): NodeOperationError {
	return new NodeOperationError(context.getNode(), message, { itemIndex, description });
}

/**
 * A store failure fails the node (fail closed): no item is routed on a guess. The
 * message names the backend, where it is and the cause.
 */
export function storeFailure(context: IExecuteFunctions, error: unknown): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	const message = error instanceof Error ? error.message : String(error);
	const description =
		error instanceof StoreError
			? error.backend === 'sqlite'
				? 'The embedded store could not be used. Check that the n8n user folder is writable and has free space.'
				: `Check that ${error.location} is running and reachable from n8n, and that the credential is right (use its Test button).`
			: 'The store rejected the operation.';
	// Kept as written: it names the store and host, where n8n would say "refused the connection".
	return operationError(context, message, { description });
}

/**
 * Where a guard's items go when it cannot decide for them: how many outputs the
 * operation has, and the one that is not a happy path (Over Limit, Open, Invalid, …).
 * `refusal` is 0 only for operations with a single output.
 */
export interface FailClosedRoutes {
	outputs: number;
	refusal: number;
	/** Main inputs the operation reads (Circuit Breaker Record takes two). */
	inputs?: number;
}

/**
 * Runs a guard's execute so that it fails closed. Without "On Error: Continue" a thrown
 * error fails the node, as before. Under Continue, n8n would put the node's whole input
 * on output 0 (its happy path: Proceed, Success, Valid) when the node throws, so the
 * guard never throws there: every input item leaves as an error item on `refusal`.
 * Under "Continue (using error output)" n8n moves those items to the error output with
 * their fields; under "Continue (using regular output)" they stay on `refusal`,
 * carrying `error` and `details`.
 */
export async function failClosed(
	context: IExecuteFunctions,
	routes: (context: IExecuteFunctions) => FailClosedRoutes,
	execute: () => Promise<INodeExecutionData[][]>,
): Promise<INodeExecutionData[][]> {
	try {
		return await execute();
	} catch (thrown) {
		const error = withoutSecrets(storeFailure(context, thrown));
		if (!context.continueOnFail()) throw error;
		const { outputs: count, refusal, inputs = 1 } = routes(context);
		const outputs: INodeExecutionData[][] = Array.from(
			{ length: Math.max(count, refusal + 1) },
			() => [],
		);
		for (let input = 0; input < inputs; input++) {
			context
				.getInputData(input)
				.forEach((item, index) => failItem(context, outputs, item, index, error, refusal, input));
		}
		return outputs;
	}
}

/**
 * The fail-closed routes of an operation from its output list: the first output named
 * in `refusals` (the node's non-happy outputs), else output 0 when it is the only one.
 */
export function failClosedRoutesFrom(
	outputs: Array<{ displayName: string }>,
	refusals: readonly string[],
	inputs = 1,
): FailClosedRoutes {
	const refusal = outputs.findIndex((output) => refusals.includes(output.displayName));
	return { outputs: outputs.length, refusal: Math.max(refusal, 0), inputs };
}
