import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { AlertReason, AlertThresholds, JsonObject, QueueStats, RecordQueue, Store } from '../shared';
import {
	asAlertMarker,
	correlationFieldProperty,
	isPlainObject,
	DEFAULT_REDACT_FIELDS,
	itemError,
	observeQueue,
	resolveScope,
	storeForNode,
	updateRecords,
} from '../shared';

/** Dead letters must survive a restart and be shared by workers: no Redis (DESIGN.md). */
export const DEAD_LETTER_STORES = ['embedded', 'postgres'] as const;

/** Store queue names are `deadletter:<queue>`, so a scope name never collides with another node's. */
const QUEUE_KIND = 'deadletter';
/** Record namespace of the alert markers, one record per queue. */
const ALERT_NAMESPACE = 'deadletter-alerts';
const HOUR_MS = 3_600_000;

export const maxAttemptsProperty: INodeProperties = {
	displayName: 'Max Attempts',
	name: 'maxAttempts',
	type: 'number',
	typeOptions: { minValue: 1, numberPrecision: 0 },
	default: 5,
	description:
		'Deliveries a record gets, counting the one that failed first. A record that fails its last replay is parked as poison: kept, but never replayed again.',
	displayOptions: { show: { operation: ['capture', 'replay'] } },
};

export const alertProperties: INodeProperties[] = [
	{
		displayName: 'Depth Alert Threshold',
		name: 'depthThreshold',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 0 },
		default: 100,
		description:
			'Send one item to Depth Alert when the queue reaches this many open (pending or replaying) records. One per crossing: it fires again only after the queue went below. 0 turns it off.',
		displayOptions: { show: { operation: ['capture', 'stats'] } },
	},
	{
		displayName: 'Age Alert (Hours)',
		name: 'ageAlertHours',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 24,
		description:
			'Send one item to Depth Alert when the oldest open record is this old. Checked by Capture and Stats: run Stats on a schedule to hear of it without new failures. 0 turns it off.',
		displayOptions: { show: { operation: ['capture', 'stats'] } },
	},
];

/** Options several operations share, each shown where it applies. */
export const correlationOption: INodeProperties = { ...correlationFieldProperty };

export const outputFieldOption: INodeProperties = {
	displayName: 'Output Field',
	name: 'outputField',
	type: 'string',
	default: 'deadLetter',
	description:
		'Field holding the dead-letter ID, class, attempt and status on each item. Capture and Resolve read it back from replayed items, so use the same name on every Dead Letter node.',
};

export const redactionOptions: INodeProperties[] = [
	{
		displayName: 'Redact Secrets',
		name: 'redactSecrets',
		type: 'boolean',
		default: true,
		description:
			'Whether to replace secrets with [REDACTED] before anything is stored: fields named like Fields to Redact, Bearer and Basic credentials, JWTs, passwords in URLs and secret query parameters',
	},
	{
		displayName: 'Fields to Redact',
		name: 'redactFields',
		type: 'string',
		default: DEFAULT_REDACT_FIELDS.join(', '),
		description:
			'Comma-separated name endings. A field is redacted when its name, ignoring case, dashes and underscores, ends with one of them: "token" covers accessToken and X-Auth-Token.',
	},
];

/** The queue this node works on, in the store the user chose. */
export interface QueueHandle {
	store: Store;
	queue: RecordQueue;
	/** Name in the store: `deadletter:<label>`. */
	name: string;
	/** Name as the user knows it. */
	label: string;
}

/** Opens the store and checks it has a queue; errors are left to the caller (storeFailure). */
export async function openQueue(context: IExecuteFunctions, label?: string): Promise<QueueHandle> {
	const store = await storeForNode(context, [...DEAD_LETTER_STORES]);
	if (store.queue === undefined) {
		throw new NodeOperationError(context.getNode(), `${store.location} has no durable queue for dead letters`, {
			description: 'Choose the Embedded or the Postgres store.',
		});
	}
	const name = label === undefined ? resolveScope(context, QUEUE_KIND) : `${QUEUE_KIND}:${label}`;
	return { store, queue: store.queue, name, label: name.slice(QUEUE_KIND.length + 1) };
}

export function readOptions(context: IExecuteFunctions): IDataObject {
	return context.getNodeParameter('options', 0, {}) as IDataObject;
}

/** A non-empty field name from the options, or the default. */
export function fieldOption(options: IDataObject, name: string, fallback: string): string {
	const value = options[name];
	return typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
}

/** A whole number parameter, checked: bad configuration fails before any item is read. */
export function countParameter(context: IExecuteFunctions, name: string, label: string, fallback: number, min: number): number {
	const value = Number(context.getNodeParameter(name, 0, fallback));
	if (!Number.isFinite(value) || value < min) {
		throw itemError(context, 0, `${label} must be a number of at least ${min}`, `It is ${String(value)}.`);
	}
	return Math.floor(value);
}

/** A duration in minutes or hours as milliseconds, checked positive (or zero when allowed). */
export function durationParameter(context: IExecuteFunctions, name: string, label: string, fallback: number, unitMs: number, allowZero = false): number {
	const value = Number(context.getNodeParameter(name, 0, fallback));
	if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
		throw itemError(context, 0, `${label} must be a ${allowZero ? 'non-negative' : 'positive'} number`, `It is ${String(value)}.`);
	}
	return Math.round(value * unitMs);
}

export function readThresholds(context: IExecuteFunctions): AlertThresholds {
	const depth = countParameter(context, 'depthThreshold', 'Depth Alert Threshold', 100, 0);
	const ageMs = durationParameter(context, 'ageAlertHours', 'Age Alert (Hours)', 24, HOUR_MS, true);
	return { depth: depth > 0 ? depth : null, ageMs: ageMs > 0 ? ageMs : null };
}

export function alertsEnabled(thresholds: AlertThresholds): boolean {
	return thresholds.depth !== null || thresholds.ageMs !== null;
}

/**
 * Observes the queue against its alert marker: returns the measures that crossed with
 * this observation. The marker is compare-and-set, so concurrent executions alert once.
 */
export async function observeAlerts(handle: QueueHandle, stats: QueueStats, thresholds: AlertThresholds): Promise<AlertReason[]> {
	const observation = { depth: stats.pending + stats.leased, oldestOpenAt: stats.oldestOpenAt, now: stats.now };
	const [crossings] = await updateRecords<AlertReason[]>(handle.store, ALERT_NAMESPACE, [handle.name], (current) => {
		const decision = observeQueue(asAlertMarker(current?.value), observation, thresholds);
		return { outcome: decision.crossings, write: decision.write ? { value: decision.write, ttlMs: null } : undefined };
	});
	return crossings;
}

/** The Depth Alert item: what crossed, and the queue as it stood. */
export function alertItem(
	handle: QueueHandle,
	stats: QueueStats,
	thresholds: AlertThresholds,
	crossings: AlertReason[],
	pairedIndex: number,
): INodeExecutionData {
	const depth = stats.pending + stats.leased;
	const ageHours = stats.oldestOpenAt === null ? null : Math.round(((stats.now - stats.oldestOpenAt) / HOUR_MS) * 10) / 10;
	const parts: string[] = [];
	if (crossings.includes('depth')) parts.push(`holds ${depth} open records (alert at ${thresholds.depth})`);
	if (crossings.includes('age')) parts.push(`its oldest open record is ${ageHours} hours old (alert at ${(thresholds.ageMs ?? 0) / HOUR_MS})`);
	return {
		json: {
			queue: handle.label,
			reasons: crossings,
			message: `Dead-letter queue "${handle.label}" ${parts.join(' and ')}`,
			...statsJson(stats),
			depthThreshold: thresholds.depth,
			ageAlertHours: thresholds.ageMs === null ? null : thresholds.ageMs / HOUR_MS,
		},
		pairedItem: { item: pairedIndex },
	};
}

/** Counts as users read them: open depth, each status, the oldest open record. */
export function statsJson(stats: QueueStats): JsonObject {
	return {
		depth: stats.pending + stats.leased,
		pending: stats.pending,
		replaying: stats.leased,
		resolved: stats.done,
		poison: stats.discarded,
		oldestOpenAt: stats.oldestOpenAt === null ? null : new Date(stats.oldestOpenAt).toISOString(),
		oldestAgeMinutes: stats.oldestOpenAt === null ? null : Math.max(0, Math.floor((stats.now - stats.oldestOpenAt) / 60_000)),
		observedAt: new Date(stats.now).toISOString(),
	};
}

/** Runs-once operations (List, Stats, Purge, Replay from the queue) pair what they make with the first input item. */
export const FIRST_ITEM = { item: 0 };

/** Most open records Stats reads to count them by class. */
export const statsSample = 1000;

/** The Dead Letter node's type name ends so, whatever the package prefix. */
const DEAD_LETTER_TYPE = /\.deadLetter$/;

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
	field(json: IDataObject, index: number): unknown {
		const own = json[this.outputField];
		if (isPlainObject(own) && typeof own.id === 'string') return own;
		return this.fromReplay(index);
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
	id(json: IDataObject, index: number): string | null {
		const field = this.field(json, index);
		const id = isPlainObject(field) ? field.id : undefined;
		return typeof id === 'string' && id.trim() !== '' ? id.trim() : null;
	}
}

/** Walks from input item `index` (main input 0) back to its paired item in `nodeName`. */
function pairingWalker(context: IExecuteFunctions, nodeName: string): (index: number) => INodeExecutionData | null {
	const proxy = context.getWorkflowDataProxy(0);
	const source = context.getInputSourceData(0);
	return (index) => proxy.$getPairedItem(nodeName, source, { item: index });
}

function nearestReplayNode(context: IExecuteFunctions): string | null {
	try {
		const parents = context.getParentNodes(context.getNode().name, { includeNodeParameters: true });
		const replay = parents.find((parent) => !parent.disabled && DEAD_LETTER_TYPE.test(parent.type) && parent.parameters?.operation === 'replay');
		return replay?.name ?? null;
	} catch {
		return null;
	}
}

/**
 * How Replay (from input items) and Resolve find the record an item names: by default
 * without an expression (see ReplayLookup), or by an expression the user writes.
 */
export function recordIdProperties(show: Record<string, string[]>): INodeProperties[] {
	return [
		{
			displayName: 'Record ID From',
			name: 'idSource',
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Expression', value: 'expression', description: 'An expression gives each item\'s dead-letter ID' },
				{
					name: 'Found Automatically',
					value: 'auto',
					description:
						'The item\'s deadLetter field; when a node after the Replay replaced the item, the Replay node\'s paired item. Fast: no expression per item.',
				},
			],
			default: 'auto',
			displayOptions: { show },
		},
		{
			displayName: 'Dead Letter ID',
			name: 'deadLetterId',
			type: 'string',
			default: '={{ $json.deadLetter?.id }}',
			required: true,
			description: 'The ID of the record each item names',
			displayOptions: { show: { ...show, idSource: ['expression'] } },
		},
	];
}

/** Reads the record ID of each item, per the Record ID From parameter. */
export function recordIdReader(context: IExecuteFunctions, outputField: string): (json: IDataObject, index: number) => string | null {
	if (context.getNodeParameter('idSource', 0, 'auto') === 'auto') {
		const lookup = new ReplayLookup(context, outputField);
		return (json, index) => lookup.id(json, index);
	}
	return (_json, index) => {
		const id = context.getNodeParameter('deadLetterId', index, '') as unknown;
		return typeof id === 'string' && id.trim() !== '' ? id.trim() : null;
	};
}
