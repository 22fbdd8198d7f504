import type { IDataObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { OperationContext } from '../../shared';
import {
	failItem,
	hint,
	pairedItem,
	ratelimit,
	storeFailure,
	time,
	updateDisplayOptions,
	stores,
} from '../../shared';
import {
	acquireOptions,
	burstOption,
	configuredLimit,
	limitHint,
	maxHoldOption,
	openLimiter,
	readLimiterSettings,
	tokensForItem,
} from './limiter';
import type { OutputOf } from './outputs';
import { inInputOrder, optionsCollection, withField } from './settings';

/** Wait for Slot's own parameters; the limiter's are in limiter.ts. */
export const description = updateDisplayOptions({ show: { operation: ['waitForSlot'] } }, [
	optionsCollection([burstOption, maxHoldOption]),
]);

/**
 * Wait for Slot: every item waits for its tokens from the shared limiter, then leaves on
 * Proceed. With a Max Wait, the wait of each item is estimated up front from the tokens
 * queued ahead of it (in this process, or across the cluster on Redis) and the bucket's
 * refill rate; items that would wait longer leave on Over Limit at once, taking nothing.
 */
export async function execute(op: OperationContext<OutputOf<'waitForSlot'>>): Promise<void> {
	const { context, items, outputs } = op;
	const settings = readLimiterSettings(context);
	if (items.length === 0) return;

	const wanted: Array<{ index: number; tokens: number }> = [];
	items.forEach((item, index) => {
		const tokens = tokensForItem(context, settings, index);
		if (tokens instanceof NodeOperationError)
			failItem(context, outputs.buckets, item, index, tokens, outputs.index('Over Limit'));
		else wanted.push({ index, tokens });
	});

	try {
		const limiter = await openLimiter(context, settings);
		// By item index: the estimate (with a Max Wait), the time its slot was granted.
		const estimates = new Array<number | null>(items.length).fill(null);
		let admitted = wanted;
		if (settings.maxWaitMs > 0 && wanted.length > 0) {
			const { ahead, available, holdMs: hold } = await limiter.snapshot(settings.maxHoldMs);
			let queued = ahead;
			admitted = [];
			for (const entry of wanted) {
				const estimate =
					ratelimit.estimateWaitMs(settings.plan, queued, entry.tokens, available) + hold;
				estimates[entry.index] = estimate;
				if (estimate > settings.maxWaitMs) continue;
				admitted.push(entry);
				queued += entry.tokens;
			}
		}
		const started = Date.now();
		const signal = context.getExecutionCancelSignal?.();
		// Every admitted item in one request: tokens a chunk at a time, one abort listener.
		const results = await limiter.acquireEach(
			admitted.map((entry) => entry.tokens),
			signal,
			acquireOptions(settings),
		);
		const grantedAt = new Array<number | null>(items.length).fill(null);
		admitted.forEach((entry, position) => {
			const result = results[position];
			// A hold the vendor asked for after the estimate would outlast Max Wait: Over Limit.
			if (result instanceof stores.HoldPastMaxWait)
				estimates[entry.index] = result.at - started + result.holdMs;
			else grantedAt[entry.index] = result;
		});
		const base = {
			limiter: settings.limiterName,
			store: settings.store,
			configured: configuredLimit(settings),
		};
		let overLimit = 0;
		// Units of one chunk share their grant time: its ISO text is made once.
		let lastGrant = NaN;
		let lastGrantText = '';
		for (const entry of wanted) {
			const source = items[entry.index];
			const grant = grantedAt[entry.index];
			const estimate = estimates[entry.index];
			if (grant !== null && grant !== lastGrant) {
				lastGrant = grant;
				lastGrantText = new Date(grant).toISOString();
			}
			const details: IDataObject =
				grant !== null
					? {
							...base,
							route: 'proceed',
							tokens: entry.tokens,
							waitedMs: grant - started,
							grantedAt: lastGrantText,
							estimatedWaitMs: estimate,
						}
					: {
							...base,
							route: 'overLimit',
							tokens: entry.tokens,
							estimatedWaitMs: estimate,
							maxWaitMs: settings.maxWaitMs,
						};
			if (grant === null) overLimit++;
			outputs.push(
				grant !== null ? 'Proceed' : 'Over Limit',
				pairedItem(source, entry.index, withField(source, settings.outputField, details)),
			);
		}
		if (overLimit > 0) {
			op.hints.push(
				hint(
					`Rate limiter "${settings.limiterName}": ${overLimit} item(s) would have waited longer than ${settings.maxWaitMs / time.SECOND_MS} s and left on Over Limit.`,
				),
			);
		}
		const observed = limitHint(settings, limiter);
		if (observed) op.hints.push(observed);
	} catch (error) {
		throw storeFailure(context, error);
	}
	inInputOrder(outputs.buckets);
}
