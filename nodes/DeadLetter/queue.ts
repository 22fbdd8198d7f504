import { randomBytes, randomUUID } from 'node:crypto';

import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	ISourceData,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type {
	AlertReason,
	AlertThresholds,
	JsonObject,
	MarkerTrust,
	QueueStats,
	RecordQueue,
	ReplayMarker,
	Store,
} from '../shared';
import {
	asAlertMarker,
	asReplayMarker,
	markerMac,
	verifyMarker,
	correlationFieldProperty,
	isPlainObject,
	itemError,
	observeQueue,
	resolveScope,
	scopeNamespace,
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
			'Whether to replace secrets with [REDACTED] before anything is stored: fields whose names end in key, secret, token, password, auth, signature, cookie and the like, plus Fields to Redact; header lines, Bearer and Basic credentials, JWTs, private keys, vendor keys, passwords in URLs and secrets in JSON held in text',
	},
	{
		displayName: 'Fields to Redact',
		name: 'redactFields',
		type: 'string',
		default: '',
		placeholder: 'ssn, iban',
		description:
			'Comma-separated name endings redacted in addition to the built-in ones (authorization, auth, cookie, key, secret, token, password, passphrase, pwd, credentials, signature, session…). A field is redacted when its name, ignoring case, dashes and underscores, ends with one of them.',
	},
];

/** Record namespace of the store's own secrets; the MAC key of replay markers is one record, written once. */
const SECRET_NAMESPACE = 'deadletter-secrets';
const MARKER_KEY = 'replay-marker-mac';
const markerSecrets = new Map<string, Promise<Buffer>>();

/**
 * The store's secret for replay markers: created once in the store (written only if
 * absent, then read back, so racing processes agree), cached per store in the process.
 */
export async function markerSecret(store: Store): Promise<Buffer> {
	const cacheKey = `${store.backend}|${store.location}`;
	let secret = markerSecrets.get(cacheKey);
	if (secret === undefined) {
		secret = loadMarkerSecret(store);
		markerSecrets.set(cacheKey, secret);
		secret.catch(() => markerSecrets.delete(cacheKey));
	}
	return await secret;
}

async function loadMarkerSecret(store: Store): Promise<Buffer> {
	const read = async () =>
		(await store.read(SECRET_NAMESPACE, [MARKER_KEY])).records.get(MARKER_KEY)?.value;
	let value = await read();
	if (typeof value !== 'string') {
		await store.write(SECRET_NAMESPACE, [
			{ key: MARKER_KEY, value: randomBytes(32).toString('base64'), ifVersion: 0, ttlMs: null },
		]);
		value = await read();
	}
	if (typeof value !== 'string' || value.length < 40)
		throw new Error(`${store.location}: the dead-letter marker secret could not be created`);
	return Buffer.from(value, 'base64');
}

/** The lease owner of one Replay run: unique, so no other run's marker can match it. */
export function replayOwner(context: IExecuteFunctions): string {
	return `replay:${context.getExecutionId() || 'manual'}:${randomUUID()}`;
}

/** The signed marker fields Replay adds to each item it hands out. */
export function signMarker(
	secret: Buffer,
	fields: { id: string; queue: string; attempt: number; owner: string },
): { owner: string; mac: string } {
	return { owner: fields.owner, mac: markerMac(secret, fields) };
}

/** A replay marker found for an item, and whether it is bound to a lease of this queue. */
export interface FoundMarker {
	marker: ReplayMarker;
	trust: MarkerTrust;
}

/**
 * The first marker among `candidates` (the item's own field, the item it was sent as,
 * the Replay's paired item) that verifies; else the first one found, untrusted; else null.
 */
export function pickMarker(
	secret: Buffer,
	queue: string,
	candidates: unknown[],
): FoundMarker | null {
	let untrusted: FoundMarker | null = null;
	for (const candidate of candidates) {
		const marker = asReplayMarker(candidate);
		if (marker === null) continue;
		const trust = verifyMarker(secret, marker, queue);
		if (trust.trusted) return { marker, trust };
		untrusted ??= { marker, trust };
	}
	return untrusted;
}

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
		throw new NodeOperationError(
			context.getNode(),
			`${store.location} has no durable queue for dead letters`,
			{
				description: 'Choose the Embedded or the Postgres store.',
			},
		);
	}
	// A typed queue name (Stats' Other Queues) gets the same namespacing as the Queue field: no other workflow's own queue.
	const name =
		label === undefined
			? resolveScope(context, QUEUE_KIND)
			: scopeNamespace(context, QUEUE_KIND, label, 'Other Queues');
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
export function countParameter(
	context: IExecuteFunctions,
	name: string,
	label: string,
	fallback: number,
	min: number,
): number {
	const value = Number(context.getNodeParameter(name, 0, fallback));
	if (!Number.isFinite(value) || value < min) {
		throw itemError(
			context,
			0,
			`${label} must be a number of at least ${min}`,
			`It is ${String(value)}.`,
		);
	}
	return Math.floor(value);
}

/** A duration in minutes or hours as milliseconds, checked positive (or zero when allowed). */
export function durationParameter(
	context: IExecuteFunctions,
	name: string,
	label: string,
	fallback: number,
	unitMs: number,
	allowZero = false,
): number {
	const value = Number(context.getNodeParameter(name, 0, fallback));
	if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
		throw itemError(
			context,
			0,
			`${label} must be a ${allowZero ? 'non-negative' : 'positive'} number`,
			`It is ${String(value)}.`,
		);
	}
	return Math.round(value * unitMs);
}

/** A non-negative whole number from the options collection, checked. */
export function optionCount(
	context: IExecuteFunctions,
	options: IDataObject,
	name: string,
	label: string,
	fallback: number,
): number {
	const value =
		options[name] === undefined || options[name] === '' ? fallback : Number(options[name]);
	if (!Number.isFinite(value) || value < 0) {
		throw itemError(
			context,
			0,
			`${label} must be a number of at least 0`,
			`It is ${String(options[name])}.`,
		);
	}
	return Math.floor(value);
}

const DAY_MS = 86_400_000;
/** Settled records are kept this long by default. */
export const DEFAULT_RETENTION_DAYS = 30;
/** How often Capture and Replay look for settled records past retention, per queue. */
const PURGE_INTERVAL_MS = 10 * 60_000;
const MAINTENANCE_NAMESPACE = 'deadletter-maintenance';
const lastPurges = new Map<string, number>();

export const retentionOption: INodeProperties = {
	displayName: 'Delete Settled Records After (Days)',
	name: 'retentionDays',
	type: 'number',
	typeOptions: { minValue: 0 },
	default: DEFAULT_RETENTION_DAYS,
	description:
		'Resolved and poison records are deleted this long after they were settled. Capture and Replay check at most every 10 minutes per queue. Pending and replaying records are never deleted. 0 keeps them until a Purge.',
};

/** The retention of settled records from the options, in ms; 0 turns the automatic purge off. */
export function retentionMsOf(context: IExecuteFunctions, options: IDataObject): number {
	const value =
		options.retentionDays === undefined || options.retentionDays === ''
			? DEFAULT_RETENTION_DAYS
			: Number(options.retentionDays);
	if (!Number.isFinite(value) || value < 0) {
		throw itemError(
			context,
			0,
			'Delete Settled Records After (Days) must be a non-negative number',
			`It is ${String(options.retentionDays)}.`,
		);
	}
	return Math.round(value * DAY_MS);
}

/**
 * Deletes settled records past retention, at most once per interval per queue across
 * every process (a marker record with that TTL decides who purges). A failure here must
 * not undo the operation's work: it becomes a warning in the execution.
 */
export async function purgeSettledNow(
	context: IExecuteFunctions,
	handle: QueueHandle,
	retentionMs: number,
): Promise<void> {
	if (retentionMs <= 0) return;
	// Checking more often than the retention itself would find nothing new.
	const intervalMs = Math.max(1, Math.min(PURGE_INTERVAL_MS, retentionMs));
	const key = `${handle.store.backend}|${handle.store.location}|${handle.name}|${intervalMs}`;
	const now = Date.now();
	if ((lastPurges.get(key) ?? -Infinity) > now - intervalMs) return;
	lastPurges.set(key, now);
	try {
		// Keyed by the interval too: a node with a shorter retention is not held back by a longer one's turn.
		const turnKey = `${handle.name}|${intervalMs}`;
		const [turn] = await handle.store.write(MAINTENANCE_NAMESPACE, [
			{ key: turnKey, value: { purgedAt: now }, ifVersion: 0, ttlMs: intervalMs },
		]);
		if (turn.applied) await handle.queue.purge(handle.name, now - retentionMs);
	} catch (error) {
		context.addExecutionHints({
			message: `Settled dead letters past retention could not be deleted: ${(error as Error).message}`,
			type: 'warning',
			location: 'outputPane',
		});
	}
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
export async function observeAlerts(
	handle: QueueHandle,
	stats: QueueStats,
	thresholds: AlertThresholds,
): Promise<AlertReason[]> {
	const observation = {
		depth: stats.pending + stats.leased,
		oldestOpenAt: stats.oldestOpenAt,
		now: stats.now,
	};
	const [crossings] = await updateRecords<AlertReason[]>(
		handle.store,
		ALERT_NAMESPACE,
		[handle.name],
		(current) => {
			const decision = observeQueue(asAlertMarker(current?.value), observation, thresholds);
			return {
				outcome: decision.crossings,
				write: decision.write ? { value: decision.write, ttlMs: null } : undefined,
			};
		},
	);
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
	const ageHours =
		stats.oldestOpenAt === null
			? null
			: Math.round(((stats.now - stats.oldestOpenAt) / HOUR_MS) * 10) / 10;
	const parts: string[] = [];
	if (crossings.includes('depth'))
		parts.push(`holds ${depth} open records (alert at ${thresholds.depth})`);
	if (crossings.includes('age'))
		parts.push(
			`its oldest open record is ${ageHours} hours old (alert at ${(thresholds.ageMs ?? 0) / HOUR_MS})`,
		);
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
		oldestAgeMinutes:
			stats.oldestOpenAt === null
				? null
				: Math.max(0, Math.floor((stats.now - stats.oldestOpenAt) / 60_000)),
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

	/** Every value that may be the item's replay marker, nearest first: its own field, then the Replay's paired item's. */
	candidates(json: IDataObject, index: number): unknown[] {
		return [json[this.outputField], this.fromReplay(index)];
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
				DEAD_LETTER_TYPE.test(parent.type) &&
				parent.parameters?.operation === 'replay',
		);
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
				{
					name: 'Expression',
					value: 'expression',
					description:
						"An expression gives each item's dead-letter ID. Resolve settles that record whoever holds it: name only IDs you trust (from List, say), not ones from incoming data.",
				},
				{
					name: 'Found Automatically',
					value: 'auto',
					description:
						"The item's deadLetter field; when a node after the Replay replaced the item, the Replay node's paired item. Resolve acts only on fields its Replay signed, while that replay holds the record. Fast: no expression per item.",
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
export function recordIdReader(
	context: IExecuteFunctions,
	outputField: string,
): (json: IDataObject, index: number) => string | null {
	if (context.getNodeParameter('idSource', 0, 'auto') === 'auto') {
		const lookup = new ReplayLookup(context, outputField);
		return (json, index) => lookup.id(json, index);
	}
	return (_json, index) => {
		const id = context.getNodeParameter('deadLetterId', index, '') as unknown;
		return typeof id === 'string' && id.trim() !== '' ? id.trim() : null;
	};
}
