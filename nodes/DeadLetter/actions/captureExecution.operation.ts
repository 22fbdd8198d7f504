import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import {
	correlation,
	correlationIdFor,
	deadletter,
	failItem,
	hash,
	hint,
	itemError,
	n8nApiCall,
	n8nApiProblem,
	n8nApiRedirect,
	N8N_API_CREDENTIAL,
	normaliseBaseUrl,
	updateDisplayOptions,
	type OperationContext,
} from '../../shared';
import { maxOpenRecordsOption } from './capture.operation';
import type { Failure } from './captureRecords';
import { storeAndRoute } from './captureRoute';
import { readCaptureSettings, type CaptureSettings } from './captureSettings';
import type { OutputName } from './outputs';
import {
	correlationOption,
	outputFieldOption,
	redactionOptions,
	retentionOption,
} from './properties';

/** A failed execution with its data can be large: the API answer is read up to this. */
const MAX_EXECUTION_BYTES = 64 * 1024 * 1024;
const DEFAULT_TIMEOUT_SECONDS = 30;

const properties: INodeProperties[] = [
	{
		displayName:
			'Use in an error workflow: Error Trigger → this node. It reads the failed execution through the n8n API and captures the items the failed node was given, one record each. Set this workflow as the Error Workflow in the settings of the workflows to watch.',
		name: 'captureExecutionNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Execution ID',
		name: 'executionId',
		type: 'string',
		default: '={{ $json.execution.id }}',
		required: true,
		description: "The failed execution's ID. The Error Trigger gives it in its execution field.",
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			correlationOption,
			maxOpenRecordsOption,
			outputFieldOption,
			...redactionOptions,
			retentionOption,
			{
				displayName: 'Timeout (Seconds)',
				name: 'timeoutSeconds',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: DEFAULT_TIMEOUT_SECONDS,
				description: 'Hard deadline of the call to the n8n API, its answer included',
			},
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { operation: ['captureExecution'] } },
	properties,
);

/**
 * Captures a failed execution of another workflow: reads it through the n8n public API
 * (with its data), takes the items its failed node was given, and stores one record per
 * item, classified from that node's error and named with its workflow, node and
 * execution. Capturing the same execution again stores nothing twice (the record ids
 * come from the execution and the node). An execution that cannot be read leaves on Not
 * Captured (or the error output), with the reason.
 */
export async function execute(op: OperationContext<OutputName<'captureExecution'>>): Promise<void> {
	const { context, items, outputs } = op;
	const settings = await readCaptureSettings(context);
	const notCaptured = outputs.index('Not Captured');
	const api = await apiSettings(context);
	const failures: Failure[] = [];
	const now = op.clock.now();
	const read = new Map<string, deadletter.FailedExecution | string>();
	for (let index = 0; index < items.length; index++) {
		const id = String(context.getNodeParameter('executionId', index, '') ?? '').trim();
		if (id === '') {
			const error = itemError(
				context,
				index,
				`Item ${index} names no failed execution`,
				'Connect an Error Trigger (it gives execution.id), or set Execution ID.',
			);
			failItem(context, outputs.buckets, items[index], index, error, notCaptured);
			continue;
		}
		let execution = read.get(id);
		if (execution === undefined) {
			execution = await fetchExecution(context, api, id, items[index].json);
			read.set(id, execution);
		}
		if (typeof execution === 'string' || execution.items.length === 0) {
			const reason =
				typeof execution === 'string'
					? execution
					: `Execution ${id} failed at "${execution.failedNode}", which was given no items (a trigger fails before it has any)`;
			const error = itemError(
				context,
				index,
				`Item ${index} was not captured: ${reason}`,
				'Nothing was stored for this execution.',
			);
			failItem(context, outputs.buckets, items[index], index, error, notCaptured);
			continue;
		}
		failures.push(...failuresOf(execution, index, settings, now));
		if (execution.truncated)
			op.hints.push(
				hint(
					`Execution ${id}: only the first ${deadletter.MAX_EXECUTION_ITEMS} items of "${execution.failedNode}" were captured`,
					'warning',
				),
			);
	}
	if (failures.length === 0) return;
	await storeAndRoute(op, failures, settings, notCaptured);
}

/** One failure per input item of the failed node, classified from its error. */
function failuresOf(
	execution: deadletter.FailedExecution,
	index: number,
	settings: CaptureSettings,
	now: number,
): Failure[] {
	const facts = deadletter.failureFacts(execution.error, undefined, now);
	const classification = deadletter.classifyFailure(facts);
	const seed = hash.stableHash(deadletter.failedExecutionSeed(execution));
	return execution.items.map((item, seq) => {
		const markers: unknown[] = [item.json[settings.outputField]];
		const { payload: sent } = deadletter.splitSentItem(item.json, settings.outputField);
		const payload = deadletter.unwrapReplayed(sent, markers);
		const correlationId =
			correlation.readCorrelationId(payload, settings.correlationField) ??
			correlationIdFor(payload as IDataObject, settings.correlationField).id;
		return {
			index,
			verdict: { failed: true, facts, classification, payload, replay: null },
			correlationId,
			sent: {
				json: item.json as IDataObject,
				...(item.binary ? { binary: item.binary as never } : {}),
			},
			markers,
			origin: {
				seed,
				seq,
				workflow: execution.workflow,
				executionId: execution.executionId,
				failedNode: execution.failedNode,
			},
		};
	});
}

interface ApiSettings {
	baseUrl: string;
	timeoutMs: number;
}

async function apiSettings(context: IExecuteFunctions): Promise<ApiSettings> {
	const { baseUrl } = await context.getCredentials(N8N_API_CREDENTIAL);
	const seconds = Number(
		context.getNodeParameter('options.timeoutSeconds', 0, DEFAULT_TIMEOUT_SECONDS),
	);
	return {
		baseUrl: normaliseBaseUrl(baseUrl),
		timeoutMs: (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_TIMEOUT_SECONDS) * 1000,
	};
}

/** The execution read and taken apart, or why it could not be. */
async function fetchExecution(
	context: IExecuteFunctions,
	api: ApiSettings,
	id: string,
	trigger: IDataObject,
): Promise<deadletter.FailedExecution | string> {
	if (!/^https?:\/\//i.test(api.baseUrl))
		return 'the n8n API credential has no http(s) Instance URL';
	const url = `${api.baseUrl}/api/v1/executions/${encodeURIComponent(id)}`;
	const response = await n8nApiCall(
		context,
		{ method: 'GET', url, qs: { includeData: true, ignoreDataSizeLimit: true } },
		api.timeoutMs,
		MAX_EXECUTION_BYTES,
	);
	if ('error' in response)
		return `the n8n API at ${api.baseUrl} could not be reached: ${response.error}`;
	const redirect = n8nApiRedirect(url, response);
	if (redirect) return redirect;
	if (response.statusCode === 401 || response.statusCode === 403)
		return `${n8nApiProblem('The n8n API', response)}. Check the API key and that it has the scope execution:read.`;
	if (response.statusCode === 404)
		return `execution ${id} was not found (${n8nApiProblem('the n8n API', response)}): it was not saved (workflow setting "Save failed production executions"), was pruned, or the API key's project cannot see it`;
	if (response.statusCode >= 400) return n8nApiProblem('The n8n API', response);
	const execution = trigger.execution as IDataObject | undefined;
	try {
		return deadletter.readFailedExecution(response.body, {
			failedNode:
				typeof execution?.lastNodeExecuted === 'string' ? execution.lastNodeExecuted : null,
			error: execution?.error,
		});
	} catch (error) {
		if (error instanceof deadletter.FailedExecutionError) return error.message;
		return `the execution could not be read: ${(error as Error).message}`;
	}
}
