import type { IDataObject, INode, INodeExecutionData, IPairedItemData } from 'n8n-workflow';

import type { OperationContext } from '../../shared';
import { configError, hint, ratelimit, storeFailure, stores, time } from '../../shared';
import type { LimiterSettings } from './limiter';
import { openLimiter } from './limiter';
import type { OutputOf } from './outputs';

/**
 * Backoff, Paced (version 2.1): Retry items wait in the node, each on its own schedule
 * (its backoff, or the vendor's Retry-After), and leave a few per run: when due, and when
 * the shared limiter gives each a slot. The vendor node then gets at most a burst at once,
 * never the whole batch. The waiting items live in n8n's node context for the execution
 * (as Loop Over Items keeps its items); each answer that comes back (the vendor node's
 * success and error outputs are both wired here) runs the node again, and it releases the
 * next ones. Waits up to 65 s happen in the node, longer ones put the execution to wait.
 */

/** A waiting item as kept in the node context: plain JSON, so a waiting execution keeps it. */
interface Waiting {
	json: IDataObject;
	binary?: INodeExecutionData['binary'];
	pairedItem: IPairedItemData;
	/**
	 * The limiter the item takes its slot from (its Limiter Name, per item from version 2.1);
	 * absent: the node's. A run releases only its own limiter's items.
	 */
	limiter?: { key: string; name: string };
}

interface PacedContext {
	pacedQueue?: Array<ratelimit.Scheduled<Waiting>>;
	pacedSeq?: number;
}

const IN_NODE_WAIT_LIMIT_MS = 65 * time.SECOND_MS;

/** The connections into this node, where n8n gives them (2.x: getConnections on the context). */
type ConnectionsReader = (
	node: INode,
	type: string,
) => Array<Array<{ node: string; index: number }> | null> | undefined;

/**
 * Why items waiting here could be stranded, or null: the node must be in a loop (Retry leads
 * back to it), and every node that feeds it must feed it from its first (success) output
 * too, or the items the vendor accepts never bring the node back to release the rest.
 */
function wiringProblem(context: OperationContext['context']): string | null {
	const self = context.getNode();
	try {
		if (
			typeof context.getChildNodes === 'function' &&
			typeof context.getParentNodes === 'function'
		) {
			// In a loop when a node that feeds this one also comes after it.
			const after = new Set(context.getChildNodes(self.name).map((node) => node.name));
			const inLoop = context
				.getParentNodes(self.name, { depth: 1 })
				.some((parent) => after.has(parent.name));
			if (!inLoop)
				return 'Retry does not lead back to this node: wire Retry into the vendor node, and the vendor node back here';
		}
		const read = (context as unknown as { getConnections?: ConnectionsReader }).getConnections;
		if (typeof read !== 'function') return null;
		const feeds = new Map<string, Set<number>>();
		for (const input of read.call(context, self, 'main') ?? [])
			for (const connection of input ?? []) {
				const outputs = feeds.get(connection.node) ?? new Set<number>();
				outputs.add(connection.index);
				feeds.set(connection.node, outputs);
			}
		for (const [node, outputs] of feeds)
			if (!outputs.has(0))
				return `only the error output of "${node}" is wired here: wire its success output here too`;
	} catch {
		return null;
	}
	return null;
}

function itemOf(entry: ratelimit.Scheduled<Waiting>): INodeExecutionData {
	const { json, binary, pairedItem } = entry.value;
	return binary ? { json, binary, pairedItem } : { json, pairedItem };
}

export async function releasePaced(
	op: OperationContext<OutputOf<'backoff'>>,
	settings: LimiterSettings,
	retries: Array<{ index: number; json: IDataObject; delayMs: number }>,
	now: number,
): Promise<void> {
	const { context, items, outputs } = op;
	const problem = wiringProblem(context);
	if (problem !== null)
		throw configError(
			context,
			'Pacing: Paced',
			`keeps Retry items in this node until their turn, but ${problem}.`,
			"Wire the vendor node's success and error outputs into Backoff and Retry back into the vendor node, or choose Pacing: Whole Batch.",
		);
	const memory = context.getContext('node') as PacedContext;
	let seq = memory.pacedSeq ?? 0;
	// Items that arrive in a later run than this one are paired with this run's input via the
	// source it came from, as Loop Over Items pairs the items it releases later.
	const sourceOverwrite = context.getInputSourceData();
	const waiting = [...(memory.pacedQueue ?? [])];
	for (const retry of retries) {
		const source = items[retry.index];
		waiting.push({
			dueAt: now + retry.delayMs,
			seq: seq++,
			value: {
				json: retry.json,
				...(source.binary ? { binary: source.binary } : {}),
				pairedItem: { item: retry.index, sourceOverwrite },
				limiter: { key: settings.limiterKey, name: settings.limiterName },
			},
		});
	}
	memory.pacedSeq = seq;
	memory.pacedQueue = waiting;
	// This run releases the items of its own limiter only (with per-item Limiter Names, one
	// run per name): a burst per name, each paced by its own limiter. Every released item
	// comes back through this node under its name, so a name with items waiting always has
	// a run to release them.
	const mine = (entry: ratelimit.Scheduled<Waiting>) =>
		(entry.value.limiter?.key ?? settings.limiterKey) === settings.limiterKey;
	const own = waiting.filter(mine);
	const others = waiting.filter((entry) => !mine(entry));
	const first = ratelimit.nextDueAt(own);
	if (first === null) return;

	const signal = context.getExecutionCancelSignal?.();
	let at = op.clock.now();
	if (first - at > IN_NODE_WAIT_LIMIT_MS) {
		await context.putExecutionToWait(new Date(first));
		at = first;
	} else if (first > at) {
		await stores.pause(first - at, signal);
		at = op.clock.now();
	}
	// At most one burst per run, each with its slot from the shared limiter.
	const { released, waiting: ownRest } = ratelimit.takeDue(
		own,
		Math.max(at, first),
		settings.plan.capacity,
	);
	const rest = [...others, ...ownRest];
	try {
		const limiter = await openLimiter(context, settings);
		await limiter.acquireEach(
			released.map(() => 1),
			signal,
			{ maxHoldMs: settings.maxHoldMs },
		);
	} catch (thrown) {
		// Fail closed: nothing goes to Retry. Without On Error: Continue the execution fails
		// naming the store; under Continue every waiting item (this run's and earlier runs')
		// leaves on Give Up with the error, none is left behind in the node.
		const error = storeFailure(context, thrown);
		if (!context.continueOnFail()) throw error;
		memory.pacedQueue = [];
		for (const entry of waiting) {
			const item = itemOf(entry);
			outputs.push('Give Up', {
				...item,
				json: { ...item.json, error: { message: error.message, description: error.description } },
			});
		}
		op.hints.push(
			hint(`Backoff: ${waiting.length} waiting item(s) gave up: ${error.message}`, 'warning'),
		);
		return;
	}
	memory.pacedQueue = rest;
	for (const entry of released) outputs.push('Retry', itemOf(entry));
	if (rest.length > 0)
		op.hints.push(
			hint(
				`Backoff: ${released.length} item(s) released to Retry, ${rest.length} waiting for their turn on limiter "${settings.limiterName}".`,
			),
		);
}
