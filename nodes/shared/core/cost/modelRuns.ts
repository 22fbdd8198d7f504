import { isPlainObject } from '../json';
import { parseUsage, type TokenUsage } from './usage';

/*
 * The token usage of n8n's AI model sub-nodes (OpenAI Chat Model, Anthropic Chat Model…
 * under an AI Agent or LLM chain), as n8n 2.x records it in an execution's run data: each
 * model call is one run of the model node, whose `ai_languageModel` output holds
 * `{ response, tokenUsage: { promptTokens, completionTokens, totalTokens } }` — or
 * `tokenUsageEstimate` when the vendor's answer had no usage — and whose input override
 * holds the call's `options` (the model's settings, its name among them). The AI Agent's
 * own output drops this (n8n issue #26301); this reads it where n8n keeps it.
 */

/** One model call, from the model node's run data. */
export interface ModelRun {
	node: string;
	/** The run's index among the node's runs in the execution: with the execution id, the call's identity. */
	runIndex: number;
	usage: TokenUsage;
	/** The model named in the call's settings, or null. */
	model: string | null;
	/** True when n8n only had its own estimate (the response carried no usage). */
	estimated: boolean;
}

export interface ModelRunsResult {
	runs: ModelRun[];
	/** Node names that have no run data in the execution (not run yet, misspelt). */
	missing: string[];
	/** Runs whose usage could not be read, with why. */
	problems: string[];
}

/** The model's name in a call's settings: LangChain's `model` / `modelName` (`model_name`, `modelId` for some vendors). */
function modelOfOptions(options: unknown): string | null {
	if (!isPlainObject(options)) return null;
	for (const key of ['model', 'modelName', 'model_name', 'modelId', 'deploymentName']) {
		const value = options[key];
		if (typeof value === 'string' && value.trim() !== '') return value.trim();
	}
	return null;
}

/** The first item's json of a connection's first output in a task's data, or undefined. */
function firstJson(connections: unknown, type: string): Record<string, unknown> | undefined {
	if (!isPlainObject(connections)) return undefined;
	const outputs = connections[type];
	const item = Array.isArray(outputs) && Array.isArray(outputs[0]) ? outputs[0][0] : undefined;
	return isPlainObject(item) && isPlainObject(item.json) ? item.json : undefined;
}

/**
 * Every model call the named nodes made in an execution's run data (n8n's
 * `resultData.runData`), in node order then run order. Runs that failed (no output) are
 * skipped: a failed call is not billed by the vendors this reads.
 */
export function modelRunsOf(runData: unknown, nodes: readonly string[]): ModelRunsResult {
	const result: ModelRunsResult = { runs: [], missing: [], problems: [] };
	if (!isPlainObject(runData)) {
		result.missing.push(...nodes);
		return result;
	}
	for (const node of nodes) {
		const tasks = Object.prototype.hasOwnProperty.call(runData, node) ? runData[node] : undefined;
		if (!Array.isArray(tasks)) {
			result.missing.push(node);
			continue;
		}
		tasks.forEach((task: unknown, runIndex) => {
			if (!isPlainObject(task)) return;
			const output = firstJson(task.data, 'ai_languageModel');
			if (output === undefined) return;
			const parsed = parseUsage(output, 'langchain');
			if (!parsed.ok) {
				result.problems.push(`${node}, run ${runIndex + 1}: ${parsed.problem}`);
				return;
			}
			const input = firstJson(task.inputOverride, 'ai_languageModel');
			result.runs.push({
				node,
				runIndex,
				usage: parsed.usage,
				model: modelOfOptions(input?.options) ?? parsed.model,
				estimated: !isPlainObject(output.tokenUsage),
			});
		});
	}
	return result;
}

/**
 * Splits a total in nanos over `count` records as evenly as whole nanos allow (the first
 * ones carry the remainder), so the parts add up to the total exactly.
 */
export function splitNanos(total: number, count: number): number[] {
	if (count <= 0) return [];
	const share = Math.floor(total / count);
	const remainder = total - share * count;
	return Array.from({ length: count }, (_, index) => share + (index < remainder ? 1 : 0));
}
