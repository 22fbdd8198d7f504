/**
 * A failed n8n execution, as n8n's public API returns it (GET /api/v1/executions/{id}
 * ?includeData=true): which node failed, with what error, and the items that node was
 * given — what Dead Letter captures from an Error Trigger workflow, for workflows that
 * have no Capture of their own.
 */
import { isPlainObject, type JsonObject } from '../json';
import { prop } from './facts';

/** Most input items taken from one failed execution. */
export const MAX_EXECUTION_ITEMS = 100_000;

export interface FailedExecutionItem {
	json: Record<string, unknown>;
	/** n8n's binary data objects of the item (references into its binary store), if any. */
	binary: Record<string, unknown> | null;
}

export interface FailedExecution {
	executionId: string;
	workflow: { id: string | null; name: string | null };
	/** The node that failed. */
	failedNode: string;
	/** The error n8n saved for it (a serialised NodeApiError or NodeOperationError). */
	error: unknown;
	/** The items the failed node was given, in order, from each of its inputs. */
	items: FailedExecutionItem[];
	/** More items than MAX_EXECUTION_ITEMS were given: the rest were not taken. */
	truncated: boolean;
}

/** Why a failed execution cannot be read; the message says what to do. */
export class FailedExecutionError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'FailedExecutionError';
	}
}

const text = (value: unknown): string | null =>
	typeof value === 'string' && value !== ''
		? value
		: typeof value === 'number'
			? String(value)
			: null;

/**
 * Reads a failed execution. `hint` is what the Error Trigger said (its
 * `execution.lastNodeExecuted` and `execution.error`), used when the saved data does
 * not name the node or the error. Throws FailedExecutionError when the execution has no
 * data to capture from.
 */
export function readFailedExecution(
	execution: unknown,
	hint: { failedNode?: string | null; error?: unknown } = {},
): FailedExecution {
	const id = text(prop(execution, 'id'));
	if (!isPlainObject(execution) || id === null)
		throw new FailedExecutionError('The n8n API did not answer with an execution');
	if (prop(execution, 'dataTooLargeToDisplay') === true)
		throw new FailedExecutionError(
			`Execution ${id} is too large for the n8n API to return its data (N8N_EXECUTIONS_MAX_DISPLAY_SIZE)`,
		);
	const resultData = prop(prop(execution, 'data'), 'resultData');
	const runData = prop(resultData, 'runData');
	if (!isPlainObject(runData))
		throw new FailedExecutionError(
			`Execution ${id} was saved without its data: set the workflow's "Save failed production executions" to Save, and give the API key access to the workflow`,
		);
	const error = prop(resultData, 'error') ?? hint.error ?? null;
	const failedNode =
		text(prop(prop(error, 'node'), 'name')) ??
		text(prop(resultData, 'lastNodeExecuted')) ??
		(hint.failedNode || null);
	if (failedNode === null)
		throw new FailedExecutionError(`Execution ${id} does not say which node failed`);
	const workflowData = prop(execution, 'workflowData');
	const workflow = {
		id: text(prop(workflowData, 'id')) ?? text(prop(execution, 'workflowId')),
		name: text(prop(workflowData, 'name')),
	};
	const runs = Object.hasOwn(runData, failedNode) ? prop(runData, failedNode) : undefined;
	const last = Array.isArray(runs) && runs.length > 0 ? runs[runs.length - 1] : null;
	const { items, truncated } = inputItems(runData, last);
	return {
		executionId: id,
		workflow,
		failedNode,
		error: prop(last, 'error') ?? error,
		items,
		truncated,
	};
}

/**
 * The failed run's input: its `inputOverride` when n8n kept one, otherwise each source
 * it names (previous node, its output and run) looked up in the run data.
 */
function inputItems(
	runData: Record<string, unknown>,
	run: unknown,
): { items: FailedExecutionItem[]; truncated: boolean } {
	const lists: unknown[] = [];
	const override = prop(prop(run, 'inputOverride'), 'main');
	if (Array.isArray(override)) lists.push(...override);
	else {
		const sources = prop(run, 'source');
		for (const source of Array.isArray(sources) ? sources : []) {
			const previous = text(prop(source, 'previousNode'));
			if (previous === null || !Object.hasOwn(runData, previous)) continue;
			const runs = prop(runData, previous);
			const runIndex = Number(prop(source, 'previousNodeRun') ?? 0);
			const output = Number(prop(source, 'previousNodeOutput') ?? 0);
			const previousRun = Array.isArray(runs)
				? runs[Number.isInteger(runIndex) ? runIndex : 0]
				: undefined;
			const main = prop(prop(previousRun, 'data'), 'main');
			if (Array.isArray(main)) lists.push(main[Number.isInteger(output) ? output : 0]);
		}
	}
	const items: FailedExecutionItem[] = [];
	let truncated = false;
	for (const list of lists) {
		if (!Array.isArray(list)) continue;
		for (const entry of list) {
			if (items.length >= MAX_EXECUTION_ITEMS) {
				truncated = true;
				break;
			}
			const json = prop(entry, 'json');
			if (!isPlainObject(json)) continue;
			const binary = prop(entry, 'binary');
			items.push({
				json,
				binary: isPlainObject(binary) && Object.keys(binary).length > 0 ? binary : null,
			});
		}
	}
	return { items, truncated };
}

/** What identifies a failed execution's records: the same execution and node give the same ids. */
export function failedExecutionSeed(
	execution: Pick<FailedExecution, 'executionId' | 'failedNode'>,
): JsonObject {
	return { failedExecution: execution.executionId, node: execution.failedNode };
}
