import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { configError, cost, paths, time, type OperationContext } from '../../shared';
import type { BudgetHandle } from './budget';
import { failItemTo, moneyProblem, readPriceBook, redactedItemError } from './budget';
import type { OutputOf } from './outputs';
import { readReleases, type Priced } from './usage';

/*
 * Record Usage from n8n's AI model nodes: the token usage of every call the named model
 * sub-nodes (OpenAI Chat Model under an AI Agent, say) made in this execution, read from
 * the execution's run data, priced per call and recorded once. The AI Agent's own output
 * carries no usage (n8n issue #26301); its model node's runs do.
 */

type Op = OperationContext<OutputOf<'recordUsage'>>;

/**
 * A call is recorded once per execution: its claim (execution, node, run) is made 1 by
 * the Record Usage that records it. Kept long enough for an execution that waits (a Wait
 * node, an approval) and records again after.
 */
const CALL_CLAIM_TTL_MS = 8 * time.DAY_MS;

/** The execution's run data, as n8n's engine keeps it while the execution runs. */
function runDataOf(context: IExecuteFunctions): unknown {
	const engine = context as unknown as {
		runExecutionData?: { resultData?: { runData?: unknown } };
	};
	return engine.runExecutionData?.resultData?.runData;
}

/** A priced call, before it is claimed. */
interface PricedCall {
	run: cost.ModelRun;
	model: string;
	nanos: number;
	price: cost.ModelPrice;
	tier: cost.PricedUsage['tier'];
}

/**
 * The model node runs to record, priced. Null when they cannot all be priced: every item
 * then fails (nothing is recorded, nothing claimed), naming the call.
 */
export function priceModelRuns(op: Op): PricedCall[] | null {
	const { context, items } = op;
	const nodes = paths.parseFieldList(String(context.getNodeParameter('modelNodes', 0, '')));
	if (nodes.length === 0)
		throw configError(
			context,
			'Model Nodes',
			'is empty',
			'Name the AI model sub-nodes whose calls to record, e.g. OpenAI Chat Model (comma-separated for several).',
		);
	const runData = runDataOf(context);
	if (runData === undefined)
		throw configError(
			context,
			'Usage Format',
			"cannot read this n8n's run data",
			"This n8n does not give nodes the execution's run data: record the model's usage with another Usage Format.",
		);
	const found = cost.modelRunsOf(runData, nodes);
	if (found.missing.length === nodes.length)
		throw configError(
			context,
			'Model Nodes',
			`names no node that ran in this execution (${found.missing.map((node) => `"${node}"`).join(', ')})`,
			'Name the model sub-node exactly as on the canvas, e.g. OpenAI Chat Model, and put Record Usage after the AI Agent or chain it serves.',
		);
	const book = readPriceBook(context);
	const modelParameter = String(context.getNodeParameter('model', 0, '')).trim();
	const batch = context.getNodeParameter('options.batch', 0, false) === true;
	const calls: PricedCall[] = [];
	let problem = found.problems[0] ?? null;
	for (const run of found.runs) {
		if (problem !== null) break;
		const model = modelParameter || run.model || '';
		const price = model === '' ? null : book.priceOf(model);
		if (price === null) {
			problem =
				model === ''
					? `${run.node}, call ${run.runIndex + 1}: the call names no model (set the Model parameter)`
					: `${run.node}, call ${run.runIndex + 1}: no price for model "${model}"`;
			break;
		}
		try {
			const priced = cost.priceUsage(run.usage, price, { batch });
			calls.push({ run, model, nanos: priced.nanos, price, tier: priced.tier });
		} catch (error) {
			problem = `${run.node}, call ${run.runIndex + 1}: ${moneyProblem(error)}`;
		}
	}
	if (problem === null) return calls;
	items.forEach((source, index) =>
		failItemTo(
			op,
			'Alert',
			source,
			index,
			redactedItemError(
				context,
				index,
				`The AI model calls cannot be priced: ${problem}`,
				'Add the model under Price Overrides or a Price List, or choose Use a Fallback Price under Unknown Model. Nothing was recorded.',
			),
		),
	);
	return null;
}

/** Claims the calls no Record Usage of this execution recorded yet; returns them. */
export async function claimCalls(
	handle: BudgetHandle,
	executionId: string,
	calls: PricedCall[],
): Promise<PricedCall[]> {
	if (calls.length === 0) return [];
	const claims = await handle.store.increment(
		handle.namespace,
		calls.map((call) => ({
			key: cost.budgetKeys.call(handle.name, executionId, call.run.node, call.run.runIndex),
			by: 1,
			ttlMs: CALL_CLAIM_TTL_MS,
		})),
	);
	return calls.filter((_, position) => claims[position] === 1);
}

/**
 * The items as records sharing the claimed calls' cost: each carries an equal share (to
 * the nano; the parts add up to the total) and the calls' figures.
 */
export function sharedRecords(op: Op, name: string, calls: PricedCall[]): Priced[] {
	const indices = op.items.map((_, index) => index);
	const total = calls.reduce((sum, call) => sum + call.nanos, 0);
	const shares = cost.splitNanos(total, indices.length);
	const releases = readReleases(op, name, indices);
	const usage: cost.TokenUsage = {
		inputTokens: 0,
		cachedInputTokens: 0,
		cacheWriteTokens: 0,
		outputTokens: 0,
		reasoningTokens: 0,
	};
	for (const call of calls) {
		usage.inputTokens += call.run.usage.inputTokens;
		usage.cachedInputTokens += call.run.usage.cachedInputTokens;
		usage.cacheWriteTokens += call.run.usage.cacheWriteTokens;
		usage.outputTokens += call.run.usage.outputTokens;
	}
	const models = [...new Set(calls.map((call) => call.model))];
	const summary: IDataObject = {
		count: calls.length,
		estimated: calls.filter((call) => call.run.estimated).length,
		amount: cost.nanosToNumber(total),
		exact: cost.formatNanos(total),
		nanos: total,
		models,
		nodes: [...new Set(calls.map((call) => call.run.node))],
		records: indices.length,
	};
	const fallbackPrice: cost.ModelPrice = calls[0]?.price ?? {
		...cost.compilePrice('none', { input: '0', output: '0' }, 'builtIn'),
		checked: null,
	};
	return indices.map((index, position) => ({
		index,
		nanos: shares[position],
		usage,
		model: models.join(', '),
		price: fallbackPrice,
		tier: calls.some((call) => call.tier === 'longContext') ? 'longContext' : 'standard',
		batch: false,
		release: releases[position],
		calls: summary,
	}));
}
