import type { IDataObject, IExecuteFunctions, INodeExecutionData, ISourceData } from 'n8n-workflow';

import { json } from '../../shared';

/**
 * Following n8n's item pairing back from this node: to the items the node before it was
 * sent (what Capture stores), and to the Replay node's items (where Capture and Resolve
 * find the record an item names).
 */

/** The Dead Letter node's type name ends so, whatever the package prefix. */
const DEAD_LETTER_TYPE = /\.deadLetter$/;
/** The Dead Letter Trigger hands out records as a Replay does. */
const DEAD_LETTER_TRIGGER_TYPE = /\.deadLetterTrigger$/;

/**
 * Finds the dead-letter field a Replay put on an item: on the item itself, or — when a
 * node after the Replay replaced the item (a vendor's response) — on the item it pairs
 * back to in the nearest Replay node upstream. Follows the pairing the way n8n's engine
 * does for error outputs (`$getPairedItem`), not through `$('Replay').item`: that one
 * evaluates this node's outputs expression in the expression sandbox on every call
 * (measured: ~1.5 ms per item, against ~0.05 ms here).
 */
export class ReplayLookup {
	private readonly replayNode: string | null;
	private walker: ((index: number) => INodeExecutionData | null) | undefined;

	constructor(
		private readonly context: IExecuteFunctions,
		private readonly outputField: string,
	) {
		this.replayNode = nearestReplayNode(context);
	}

	/** The field's value on the item, else on its paired Replay item; undefined when neither has one. */
	field(itemJson: IDataObject, index: number): unknown {
		const own = itemJson[this.outputField];
		if (json.isPlainObject(own) && typeof own.id === 'string') return own;
		return this.fromReplay(index);
	}

	/** Every value that may be the item's replay marker, nearest first: its own field, then the Replay's paired item's. */
	candidates(itemJson: IDataObject, index: number): unknown[] {
		return [itemJson[this.outputField], this.fromReplay(index)];
	}

	/** The field on the paired item of the Replay node upstream, if there is one. */
	fromReplay(index: number): unknown {
		if (this.replayNode === null) return undefined;
		this.walker ??= pairingWalker(this.context, this.replayNode);
		try {
			return this.walker(index)?.json?.[this.outputField];
		} catch {
			// No pairing path back to the Replay node for this item.
			return undefined;
		}
	}

	/** The record ID the item names, or null. */
	id(itemJson: IDataObject, index: number): string | null {
		const field = this.field(itemJson, index);
		const id = json.isPlainObject(field) ? field.id : undefined;
		return typeof id === 'string' && id.trim() !== '' ? id.trim() : null;
	}
}

/** Walks from input item `index` (main input 0) back to its paired item in `nodeName`. */
function pairingWalker(
	context: IExecuteFunctions,
	nodeName: string,
): (index: number) => INodeExecutionData | null {
	const proxy = context.getWorkflowDataProxy(0);
	const source = context.getInputSourceData(0);
	return (index) => proxy.$getPairedItem(nodeName, source, { item: index });
}

/**
 * The items the node before this one was given: the records as they were sent, before
 * that node failed or answered. Capture stores these, not the error item (n8n's error
 * output merges the input under `error`; a vendor's regular output replaces the item
 * with its response). Found through n8n's paired items, one step back from the node
 * this node's input comes from. Null for an item without a pairing (that node is a
 * trigger, or did not pair its output).
 */
export class SentItems {
	private readonly source: ISourceData | null;
	private readonly parents: string[];
	private walkers = new Map<string, (index: number) => INodeExecutionData | null>();

	constructor(private readonly context: IExecuteFunctions) {
		this.source = inputSource(context);
		this.parents = [];
		if (this.source === null) return;
		try {
			this.parents = context
				.getParentNodes(this.source.previousNode, { depth: 1 })
				.filter((node) => !node.disabled)
				.map((node) => node.name);
		} catch {
			// No parents known: nothing to pair with.
		}
	}

	/** The name of the node this node's input comes from, or null. */
	get previousNode(): string | null {
		return this.source?.previousNode ?? null;
	}

	/** The item the previous node was given for its output item `index`. */
	item(index: number): INodeExecutionData | null {
		const found: Array<{ parent: string; item: INodeExecutionData }> = [];
		for (const parent of this.parents) {
			let walker = this.walkers.get(parent);
			if (walker === undefined) {
				walker = pairingWalker(this.context, parent);
				this.walkers.set(parent, walker);
			}
			try {
				const item = walker(index);
				if (item) found.push({ parent, item });
			} catch {
				// Not this parent (or no single paired item): try the next.
			}
		}
		if (found.length <= 1) return found[0]?.item ?? null;
		// Several parents reached: the walk to a farther one went on through the nearer
		// one. The item's own parent is the one that is no other's ancestor.
		const ancestors = new Set(
			found.flatMap((entry) => this.context.getParentNodes(entry.parent).map((node) => node.name)),
		);
		return (found.find((entry) => !ancestors.has(entry.parent)) ?? found[0]).item;
	}
}

function inputSource(context: IExecuteFunctions): ISourceData | null {
	try {
		return context.getInputSourceData(0) ?? null;
	} catch {
		return null;
	}
}

function nearestReplayNode(context: IExecuteFunctions): string | null {
	try {
		const parents = context.getParentNodes(context.getNode().name, { includeNodeParameters: true });
		const replay = parents.find(
			(parent) =>
				!parent.disabled &&
				((DEAD_LETTER_TYPE.test(parent.type) && parent.parameters?.operation === 'replay') ||
					DEAD_LETTER_TRIGGER_TYPE.test(parent.type)),
		);
		return replay?.name ?? null;
	} catch {
		return null;
	}
}

/** Reads the record ID of each item, per the Record ID From parameter. */
export function recordIdReader(
	context: IExecuteFunctions,
	outputField: string,
): (itemJson: IDataObject, index: number) => string | null {
	if (context.getNodeParameter('idSource', 0, 'auto') === 'auto') {
		const lookup = new ReplayLookup(context, outputField);
		return (itemJson, index) => lookup.id(itemJson, index);
	}
	return (_json, index) => {
		const id = context.getNodeParameter('deadLetterId', index, '') as unknown;
		return typeof id === 'string' && id.trim() !== '' ? id.trim() : null;
	};
}
