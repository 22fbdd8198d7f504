import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeExecutionHint,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { estimateWaitMs, failItem, HoldPastMaxWait, pairedItem, storeFailure } from '../shared';
import {
	acquireOptions,
	configuredLimit,
	limitHint,
	openLimiter,
	readLimiterSettings,
	tokensForItem,
	withField,
} from './settings';

const PROCEED = 0;
const OVER_LIMIT = 1;

/**
 * Wait for Slot: every item waits for its tokens from the shared limiter, then leaves on
 * Proceed. With a Max Wait, the wait of each item is estimated up front from the tokens
 * queued ahead of it (in this process, or across the cluster on Redis) and the bucket's
 * refill rate; items that would wait longer leave on Over Limit at once, taking nothing.
 */
export async function executeWaitForSlot(
	context: IExecuteFunctions,
): Promise<INodeExecutionData[][]> {
	const settings = readLimiterSettings(context);
	const items = context.getInputData();
	const outputs: INodeExecutionData[][] = [[], []];
	if (items.length === 0) return outputs;

	const wanted: Array<{ index: number; tokens: number }> = [];
	items.forEach((item, index) => {
		const tokens = tokensForItem(context, settings, index);
		if (tokens instanceof NodeOperationError)
			failItem(context, outputs, item, index, tokens, OVER_LIMIT);
		else wanted.push({ index, tokens });
	});

	const hints: NodeExecutionHint[] = [];
	try {
		const limiter = await openLimiter(context, settings);
		const estimates = new Map<number, number>();
		let admitted = wanted;
		if (settings.maxWaitMs > 0 && wanted.length > 0) {
			const { ahead, available, holdMs: hold } = await limiter.snapshot(settings.maxHoldMs);
			let queued = ahead;
			admitted = [];
			for (const entry of wanted) {
				const estimate = estimateWaitMs(settings.plan, queued, entry.tokens, available) + hold;
				estimates.set(entry.index, estimate);
				if (estimate > settings.maxWaitMs) continue;
				admitted.push(entry);
				queued += entry.tokens;
			}
		}
		const started = Date.now();
		const signal = context.getExecutionCancelSignal?.();
		const bounds = acquireOptions(settings);
		const granted = await Promise.all(
			admitted.map(async (entry) => {
				try {
					await limiter.acquire(entry.tokens, signal, bounds);
				} catch (error) {
					// A hold the vendor asked for after the estimate would outlast Max Wait: Over Limit.
					if (!(error instanceof HoldPastMaxWait)) throw storeFailure(context, error);
					estimates.set(entry.index, Date.now() - started + error.holdMs);
					return null;
				}
				return { ...entry, waitedMs: Date.now() - started, grantedAt: new Date().toISOString() };
			}),
		);
		const byIndex = new Map(
			granted.flatMap((entry) => (entry ? [[entry.index, entry] as const] : [])),
		);
		const base = {
			limiter: settings.limiterName,
			store: settings.store,
			configured: configuredLimit(settings),
		};
		let overLimit = 0;
		for (const entry of wanted) {
			const source = items[entry.index];
			const grant = byIndex.get(entry.index);
			const estimate = estimates.get(entry.index) ?? null;
			const details: IDataObject = grant
				? {
						...base,
						route: 'proceed',
						tokens: entry.tokens,
						waitedMs: grant.waitedMs,
						grantedAt: grant.grantedAt,
						estimatedWaitMs: estimate,
					}
				: {
						...base,
						route: 'overLimit',
						tokens: entry.tokens,
						estimatedWaitMs: estimate,
						maxWaitMs: settings.maxWaitMs,
					};
			if (!grant) overLimit++;
			outputs[grant ? PROCEED : OVER_LIMIT].push(
				pairedItem(source, entry.index, withField(source, settings.outputField, details)),
			);
		}
		if (overLimit > 0) {
			hints.push({
				message: `Rate limiter "${settings.limiterName}": ${overLimit} item(s) would have waited longer than ${settings.maxWaitMs / 1000} s and left on Over Limit.`,
				type: 'info',
				location: 'outputPane',
			});
		}
		const hint = limitHint(settings, limiter);
		if (hint) hints.push(hint);
	} catch (error) {
		throw storeFailure(context, error);
	}
	// Items that failed (with On Error: Continue) came first; keep input order per output.
	for (const output of outputs) output.sort((a, b) => pairIndex(a) - pairIndex(b));
	if (hints.length > 0) context.addExecutionHints(...hints);
	return outputs;
}

export function pairIndex(item: INodeExecutionData): number {
	const paired = item.pairedItem;
	return typeof paired === 'object' && paired !== null && !Array.isArray(paired) ? paired.item : 0;
}
