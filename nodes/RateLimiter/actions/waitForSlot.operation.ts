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
import {
	alsoLimitDescription,
	grantStacked,
	readStackSettings,
	stackDetails,
	type StackSettings,
} from './waitForSlot.stack';

/** Wait for Slot's own parameters; the limiter's are in limiter.ts. */
export const description = updateDisplayOptions({ show: { operation: ['waitForSlot'] } }, [
	{
		displayName:
			"Items leave on Proceed together, when the last one got its turn: the next node gets them as one batch, and n8n's HTTP Request and most vendor nodes send a batch all at once. Before a vendor node, release one item per run: Loop Over Items (Batch Size 1) → Wait for Slot → the vendor node → back to Loop Over Items. The example rate-limiter-wait-for-slot-loop.json shows it.",
		name: 'waitForSlotNotice',
		type: 'notice',
		default: '',
	},
	alsoLimitDescription,
	optionsCollection([burstOption, maxHoldOption]),
]);

/** Nodes that take a batch one item (or one batch) per run: what Wait for Slot may feed at once. */
const PACING_NODES = new Set(['n8n-nodes-base.splitInBatches']);

/**
 * The nodes right after this one that would get the batch at once, and are not a loop (or a
 * Rate Limiter, which paces itself): read from the workflow's connections where n8n gives
 * them (getChildNodes, getParentNodes); none when it does not.
 */
function batchTakers(context: OperationContext['context']): string[] {
	const self = context.getNode();
	try {
		if (typeof context.getChildNodes !== 'function' || typeof context.getParentNodes !== 'function')
			return [];
		return context
			.getChildNodes(self.name)
			.filter(
				(child) =>
					!child.disabled &&
					!PACING_NODES.has(child.type) &&
					child.type !== self.type &&
					context
						.getParentNodes(child.name, { depth: 1 })
						.some((parent) => parent.name === self.name),
			)
			.map((child) => child.name);
	} catch {
		return [];
	}
}

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

	// By item index, in flat arrays (no object per item: 100,000 items are the norm here).
	// Tokens wanted (0: the item failed), the estimate and the grant time (NaN: none).
	const tokens = new Float64Array(items.length);
	const wanted: number[] = [];
	items.forEach((item, index) => {
		const itemTokens = tokensForItem(context, settings, index);
		if (itemTokens instanceof NodeOperationError)
			failItem(context, outputs.buckets, item, index, itemTokens, outputs.index('Over Limit'));
		else {
			tokens[index] = itemTokens;
			wanted.push(index);
		}
	});

	const stack = readStackSettings(context);
	if (stack !== null) {
		await executeStacked(op, settings, stack, tokens, wanted);
		inInputOrder(outputs.buckets);
		return;
	}

	try {
		const limiter = await openLimiter(context, settings);
		const estimates = new Float64Array(items.length).fill(NaN);
		let admitted = wanted;
		if (settings.maxWaitMs > 0 && wanted.length > 0) {
			const { ahead, available, holdMs: hold } = await limiter.snapshot(settings.maxHoldMs);
			let queued = ahead;
			admitted = [];
			for (const index of wanted) {
				const estimate =
					ratelimit.estimateWaitMs(settings.plan, queued, tokens[index], available) + hold;
				estimates[index] = estimate;
				if (estimate > settings.maxWaitMs) continue;
				admitted.push(index);
				queued += tokens[index];
			}
		}
		const started = Date.now();
		const signal = context.getExecutionCancelSignal?.();
		// Every admitted item in one request: tokens a chunk at a time, one abort listener.
		const results = await limiter.acquireEach(
			admitted.map((index) => tokens[index]),
			signal,
			acquireOptions(settings),
		);
		const grantedAt = new Float64Array(items.length).fill(NaN);
		admitted.forEach((index, position) => {
			const result = results[position];
			// A hold the vendor asked for after the estimate would outlast Max Wait: Over Limit.
			if (result instanceof stores.HoldPastMaxWait)
				estimates[index] = result.at - started + result.holdMs;
			else grantedAt[index] = result;
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
		for (const index of wanted) {
			const source = items[index];
			const grant = grantedAt[index];
			const granted = !Number.isNaN(grant);
			const estimate = Number.isNaN(estimates[index]) ? null : estimates[index];
			if (granted && grant !== lastGrant) {
				lastGrant = grant;
				lastGrantText = new Date(grant).toISOString();
			}
			const details: IDataObject = granted
				? {
						...base,
						route: 'proceed',
						tokens: tokens[index],
						waitedMs: grant - started,
						grantedAt: lastGrantText,
						estimatedWaitMs: estimate,
					}
				: {
						...base,
						route: 'overLimit',
						tokens: tokens[index],
						estimatedWaitMs: estimate,
						maxWaitMs: settings.maxWaitMs,
					};
			if (!granted) overLimit++;
			outputs.push(
				granted ? 'Proceed' : 'Over Limit',
				pairedItem(source, index, withField(source, settings.outputField, details)),
			);
		}
		if (overLimit > 0) {
			op.hints.push(
				hint(
					`Rate limiter "${settings.limiterName}": ${overLimit} item(s) would have waited longer than ${settings.maxWaitMs / time.SECOND_MS} s and left on Over Limit.`,
				),
			);
		}
		const proceeded = outputs.buckets[outputs.index('Proceed')].length;
		const takers = proceeded > settings.plan.capacity ? batchTakers(context) : [];
		if (takers.length > 0) {
			op.hints.push(
				hint(
					`Rate limiter "${settings.limiterName}": ${proceeded} items leave on Proceed at once, more than the burst of ${settings.plan.capacity}; ${takers.map((name) => `"${name}"`).join(', ')} gets them as one batch and, like HTTP Request, may send them all at once. Put this node in a loop that releases one item per run: Loop Over Items (Batch Size 1) → Wait for Slot → the vendor node → back to Loop Over Items.`,
					'warning',
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

/**
 * Wait for Slot with Also Limit: the rate, the period cap and the in-flight cap granted
 * together by the store (waitForSlot.stack.ts). Items granted leave on Proceed, with their
 * lease when there is an in-flight cap; the others on Over Limit, saying which limit.
 */
async function executeStacked(
	op: OperationContext<OutputOf<'waitForSlot'>>,
	settings: ReturnType<typeof readLimiterSettings>,
	stack: StackSettings,
	tokens: Float64Array,
	wanted: number[],
): Promise<void> {
	const { context, items, outputs } = op;
	const started = Date.now();
	let outcomes;
	try {
		outcomes = await grantStacked(op, settings, stack, tokens, wanted);
	} catch (error) {
		throw storeFailure(context, error);
	}
	const base = {
		limiter: settings.limiterName,
		store: settings.store,
		configured: configuredLimit(settings),
	};
	const refused = { periodCap: 0, maxWait: 0, inFlightThisRun: 0 };
	for (const index of wanted) {
		const source = items[index];
		const outcome = outcomes.get(index);
		if (outcome === undefined) continue;
		if (!outcome.granted) refused[outcome.reason]++;
		const details: IDataObject = {
			...base,
			route: outcome.granted ? 'proceed' : 'overLimit',
			tokens: tokens[index],
			...stackDetails(outcome, stack, settings, started),
		};
		outputs.push(
			outcome.granted ? 'Proceed' : 'Over Limit',
			pairedItem(source, index, withField(source, settings.outputField, details)),
		);
	}
	const name = `Rate limiter "${settings.limiterName}"`;
	if (refused.periodCap > 0)
		op.hints.push(
			hint(
				`${name}: ${refused.periodCap} item(s) left on Over Limit: the cap of ${stack.periodCap} per ${stack.capPeriod} is used up until the period ends.`,
			),
		);
	if (refused.inFlightThisRun > 0)
		op.hints.push(
			hint(
				`${name}: ${refused.inFlightThisRun} item(s) left on Over Limit: this run already holds all ${stack.maxInFlight} in-flight slots, which return only after the vendor node. Send at most Max In Flight items per run: Loop Over Items (Batch Size 1) → Wait for Slot → the vendor node → Release Slot → back to Loop Over Items.`,
				'warning',
			),
		);
	if (refused.maxWait > 0)
		op.hints.push(
			hint(
				`${name}: ${refused.maxWait} item(s) would have waited longer than ${settings.maxWaitMs / time.SECOND_MS} s and left on Over Limit.`,
			),
		);
}
