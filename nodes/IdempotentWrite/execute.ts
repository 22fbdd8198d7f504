import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeExecutionHint,
} from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import type {
	ClaimDecision,
	ClaimRecord,
	ClaimRoute,
	FinishRequest,
	JsonObject,
	Store,
	Transition,
} from '../shared';
import {
	asClaimRecord,
	correlationIdFor,
	createRedactor,
	DEFAULT_UNKNOWN_RETENTION_MS,
	decideClaim,
	decideComplete,
	decideOutcomeUnknown,
	decideRelease,
	failItem,
	idempotencyKey,
	itemError,
	pairedItem,
	parseFieldList,
	payloadFingerprint,
	pickFields,
	resolveScope,
	storeFailure,
	storeForNode,
	updateRecords,
} from '../shared';
import { DEFAULT_CLAIMED_KEY, IDEMPOTENT_WRITE_STORES } from './description';

type Operation = 'claim' | 'complete' | 'release' | 'markOutcomeUnknown' | 'lookUp' | 'forget';

const CLAIM_OUTPUTS: Record<ClaimRoute, number> = {
	proceed: 0,
	duplicate: 1,
	inFlight: 2,
	conflict: 3,
	reconcile: 4,
};
const WAIT_POLL_MS = 250;
/** Wait for In-Flight Claims (Seconds) when the option is not set, from version 2 on (its default in description.ts). */
const DEFAULT_WAIT_SECONDS = 30;
/** Keys are SHA-256 hex (core/idempotency.ts). */
const CLAIMED_KEY = /^[0-9a-f]{64}$/;

interface Settings {
	operation: Operation;
	keySource: 'fields' | 'expression' | 'claimed';
	/** Claimed Key left at its default, `{{ $json.idempotency?.key }}`. */
	claimedKeyIsDefault: boolean;
	keyFields: string[];
	conflictFields: string[];
	resultFields: string[];
	leaseMs: number;
	retentionMs: number;
	unknownRetentionMs: number;
	waitMs: number;
	/** Claim nodes to trace an item back to when it carries no claimed key, nearest first. */
	claimNodes: ClaimNodeRef[];
	flagDuplicates: boolean;
	afterExpiredLease: 'proceed' | 'reconcile';
	errorMessage: string;
	correlationField: string;
	outputField: string;
}

/** A Claim node before this one, and the field its key is in. */
interface ClaimNodeRef {
	name: string;
	outputField: string;
}

/** An input item that got a key; items that could not are already on their way out as errors. */
interface KeyedItem {
	index: number;
	key: string;
	correlationId: string;
	fingerprint: string | null;
}

export async function executeIdempotentWrite(
	context: IExecuteFunctions,
): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const settings = readSettings(context);
	const outputs: INodeExecutionData[][] =
		settings.operation === 'claim' ? [[], [], [], [], []] : [[]];
	const keyed = keyItems(context, items, settings, outputs);
	if (keyed.length === 0) return outputs;

	let store: Store;
	try {
		store = await storeForNode(context, [...IDEMPOTENT_WRITE_STORES]);
	} catch (error) {
		throw storeFailure(context, error);
	}
	const namespace = resolveScope(context, 'idempotency');
	const owner = `execution-${context.getExecutionId() ?? 'manual'}`;
	const hints: NodeExecutionHint[] = [];

	try {
		switch (settings.operation) {
			case 'claim':
				await claim(store, namespace, owner, keyed, items, settings, outputs);
				break;
			case 'complete':
			case 'release':
			case 'markOutcomeUnknown':
				await finish(store, namespace, owner, keyed, items, settings, outputs[0], hints);
				break;
			case 'lookUp':
				await lookUp(store, namespace, keyed, items, settings, outputs[0]);
				break;
			case 'forget':
				await forget(store, namespace, keyed, items, settings, outputs[0]);
				break;
		}
	} catch (error) {
		throw storeFailure(context, error);
	}
	if (hints.length > 0) context.addExecutionHints(...hints);
	return outputs;
}

function readSettings(context: IExecuteFunctions): Settings {
	const operation = context.getNodeParameter('operation', 0) as Operation;
	const options = context.getNodeParameter('options', 0, {}) as IDataObject;
	const keySource = context.getNodeParameter(
		'keySource',
		0,
		operation === 'claim' ? 'fields' : 'claimed',
	) as Settings['keySource'];
	const keyFields =
		keySource === 'fields'
			? parseFieldList(String(context.getNodeParameter('keyFields', 0, '')))
			: [];
	if (keySource === 'fields' && keyFields.length === 0) {
		throw itemError(
			context,
			0,
			'No key fields given',
			'Enter at least one field path in Key Fields, e.g. "id".',
		);
	}
	const leaseMinutes =
		operation === 'claim' ? Number(context.getNodeParameter('leaseMinutes', 0, 5)) : 5;
	const retentionHours = Number(options.retentionHours ?? 24);
	const unknownRetentionHours = Number(
		options.unknownRetentionHours ?? DEFAULT_UNKNOWN_RETENTION_MS / 3_600_000,
	);
	// Without the option, version 2 waits for an in-flight claim (bounded); version 1 did not.
	const waitSeconds =
		operation !== 'claim'
			? 0
			: Number(
					options.waitSeconds ?? (context.getNode().typeVersion >= 2 ? DEFAULT_WAIT_SECONDS : 0),
				);
	for (const [name, value] of [
		['Lease (Minutes)', leaseMinutes],
		['Retention (Hours)', retentionHours],
		['Outcome Unknown Retention (Hours)', unknownRetentionHours],
	] as const) {
		if (!Number.isFinite(value) || value <= 0) {
			throw itemError(context, 0, `${name} must be a positive number`, `It is ${String(value)}.`);
		}
	}
	const claimedKeyIsDefault = [undefined, '', DEFAULT_CLAIMED_KEY].includes(
		context.getNode().parameters.claimedKey as string | undefined,
	);
	return {
		operation,
		keySource,
		claimedKeyIsDefault,
		keyFields,
		conflictFields:
			operation === 'claim'
				? parseFieldList(String(context.getNodeParameter('conflictFields', 0, '')))
				: [],
		resultFields:
			operation === 'complete'
				? parseFieldList(String(context.getNodeParameter('resultFields', 0, '')))
				: [],
		leaseMs: Math.round(leaseMinutes * 60_000),
		retentionMs: Math.round(retentionHours * 3_600_000),
		unknownRetentionMs: Math.round(unknownRetentionHours * 3_600_000),
		claimNodes:
			keySource === 'claimed' && claimedKeyIsDefault
				? claimNodesBefore(context, String(options.claimNode ?? '').trim())
				: [],
		waitMs: Number.isFinite(waitSeconds) && waitSeconds > 0 ? Math.min(waitSeconds, 300) * 1000 : 0,
		flagDuplicates: options.duplicates === 'flag',
		afterExpiredLease:
			operation === 'claim' &&
			context.getNodeParameter('afterExpiredLease', 0, defaultAfterExpiredLease(context)) ===
				'reconcile'
				? 'reconcile'
				: 'proceed',
		errorMessage: String(options.errorMessage ?? ''),
		correlationField: String(options.correlationField ?? 'correlationId') || 'correlationId',
		outputField: String(options.outputField ?? 'idempotency') || 'idempotency',
	};
}

/** One item's key, or what is wrong with it and how to fix it. */
function keyOf(
	context: IExecuteFunctions,
	json: INodeExecutionData['json'],
	index: number,
	settings: Settings,
	traceClaim: (index: number) => string | undefined,
): { key: string } | { problem: string; fix: string } {
	if (settings.keySource === 'claimed') {
		// The default expression reads the item's own field: read it directly rather than
		// evaluating an expression per item (about 0.5 ms each in n8n).
		let claimed: unknown;
		try {
			claimed = settings.claimedKeyIsDefault
				? (json.idempotency as { key?: unknown } | undefined)?.key
				: (context.getNodeParameter('claimedKey', index, '') as unknown);
		} catch (error) {
			// e.g. $('Claim').item when the pairing back to the Claim node is lost: this item only.
			return {
				problem: `Item ${index}: Claimed Key could not be evaluated: ${(error as Error).message}`,
				fix: CLAIMED_KEY_FIX,
			};
		}
		if (typeof claimed === 'string' && CLAIMED_KEY.test(claimed)) return { key: claimed };
		// A vendor node usually replaced the item: follow its pairing back to the Claim node.
		const traced = traceClaim(index);
		if (traced !== undefined) return { key: traced };
		return { problem: `Item ${index} carries no claimed key`, fix: CLAIMED_KEY_FIX };
	}
	if (settings.keySource === 'fields') {
		const { values, missing } = pickFields(json, settings.keyFields);
		if (missing.length === 0) return hashed(values, index);
		return {
			problem: `Item ${index} has no value in key field ${missing.map((field) => `"${field}"`).join(', ')}`,
			fix: 'Every item needs a value in each Key Field. Fix the data upstream, or choose fields every item has.',
		};
	}
	const value = context.getNodeParameter('keyValue', index, '') as unknown;
	if (
		value !== undefined &&
		value !== null &&
		!(typeof value === 'string' && value.trim() === '')
	) {
		return hashed({ key: value }, index);
	}
	return {
		problem: `The key of item ${index} is empty`,
		fix: 'The Key expression must give a non-empty value for every item, e.g. {{ $json.eventId }}.',
	};
}

/** The key of one item's values; a value that cannot be hashed (nested too deep for the stack) fails that item only. */
function hashed(
	values: unknown,
	index: number,
): { key: string } | { problem: string; fix: string } {
	try {
		return { key: idempotencyKey(values) };
	} catch (error) {
		return {
			problem: `The key of item ${index} could not be computed: ${(error as Error).message}`,
			fix: 'Choose key fields with plain values (an ID, a number, an email), not deeply nested objects.',
		};
	}
}

const CLAIMED_KEY_FIX =
	"Claimed Key must give the key a Claim node put on the item. Left at its default, the item is traced back through its pairing to the Claim node before this one: check that the nodes in between keep the pairing (or name the node under Options → Claim Node), or refer back to it, e.g. {{ $('Claim').item.json.idempotency.key }}.";

/** What version 1 and version 2 default to when the parameter is not stored. */
function defaultAfterExpiredLease(context: IExecuteFunctions): 'proceed' | 'reconcile' {
	return context.getNode().typeVersion >= 2 ? 'reconcile' : 'proceed';
}

/**
 * The Claim nodes an item may be traced back to: the one named under Options, else every
 * enabled Idempotent Write Claim before this node, nearest first.
 */
function claimNodesBefore(context: IExecuteFunctions, named: string): ClaimNodeRef[] {
	const self = context.getNode();
	const parents = context.getParentNodes(self.name, { includeNodeParameters: true });
	const claims = parents.filter(
		(parent) =>
			parent.type === self.type &&
			!parent.disabled &&
			((parent.parameters?.operation as string | undefined) ?? 'claim') === 'claim' &&
			(named === '' || parent.name === named),
	);
	if (named !== '' && claims.length === 0) {
		throw itemError(
			context,
			0,
			`Claim Node "${named}" is not an Idempotent Write Claim before this node`,
			'Enter the name of the Claim node this item passed through, or leave Claim Node empty to use the nearest one.',
		);
	}
	return claims.map((parent) => {
		const options = (parent.parameters?.options ?? {}) as IDataObject;
		return {
			name: parent.name,
			outputField: String(options.outputField ?? 'idempotency') || 'idempotency',
		};
	});
}

/**
 * Finds, for an input item, the key a Claim node gave the item it pairs back to, through
 * n8n's item lineage (`$('Claim').itemMatching(i)`). The lookups are made once per
 * execution, on the first item that needs one.
 */
function claimTracer(
	context: IExecuteFunctions,
	claimNodes: ClaimNodeRef[],
): (index: number) => string | undefined {
	let matchers:
		| Array<{ node: ClaimNodeRef; itemMatching: (index: number) => INodeExecutionData | undefined }>
		| undefined;
	return (index) => {
		if (claimNodes.length === 0) return undefined;
		if (matchers === undefined) {
			const proxy = context.getWorkflowDataProxy(0);
			matchers = claimNodes.flatMap((node) => {
				try {
					return [
						{
							node,
							itemMatching: (
								proxy.$(node.name) as {
									itemMatching: (index: number) => INodeExecutionData | undefined;
								}
							).itemMatching,
						},
					];
				} catch {
					return []; // not connected before this node in this run
				}
			});
		}
		for (const { node, itemMatching } of matchers) {
			try {
				const key = (itemMatching(index)?.json?.[node.outputField] as { key?: unknown } | undefined)
					?.key;
				if (typeof key === 'string' && CLAIMED_KEY.test(key)) return key;
			} catch {
				// Not paired to this Claim node (another branch, or the pairing was lost): try the next.
			}
		}
		return undefined;
	};
}

/** Computes each item's key; items without one leave as errors (or fail the node). */
function keyItems(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
	settings: Settings,
	outputs: INodeExecutionData[][],
): KeyedItem[] {
	const keyed: KeyedItem[] = [];
	// Never Proceed: an item without a key cannot be written safely.
	const errorOutput = settings.operation === 'claim' ? CLAIM_OUTPUTS.conflict : 0;
	const traceClaim = claimTracer(context, settings.claimNodes);
	for (let index = 0; index < items.length; index++) {
		const json = items[index].json;
		const found = keyOf(context, json, index, settings, traceClaim);
		if ('problem' in found) {
			failItem(
				context,
				outputs,
				items[index],
				index,
				itemError(context, index, found.problem, found.fix),
				errorOutput,
			);
			continue;
		}
		const { key } = found;
		let fingerprint: string | null = null;
		if (settings.conflictFields.length > 0) {
			const conflictValues = pickFields(json, settings.conflictFields).values;
			try {
				fingerprint = payloadFingerprint(conflictValues);
			} catch (error) {
				const problem = `The Conflict Check Fields of item ${index} could not be compared: ${(error as Error).message}`;
				failItem(
					context,
					outputs,
					items[index],
					index,
					itemError(
						context,
						index,
						problem,
						'Choose conflict check fields with plain values, not deeply nested objects.',
					),
					errorOutput,
				);
				continue;
			}
		}
		keyed.push({
			index,
			key,
			correlationId: correlationIdFor(json, settings.correlationField).id,
			fingerprint,
		});
	}
	return keyed;
}

async function claim(
	store: Store,
	namespace: string,
	owner: string,
	keyed: KeyedItem[],
	items: INodeExecutionData[],
	settings: Settings,
	outputs: INodeExecutionData[][],
): Promise<void> {
	const claimOnce = async (batch: KeyedItem[]) =>
		await updateRecords<ClaimDecision>(
			store,
			namespace,
			batch.map((item) => item.key),
			(current, now, position) => {
				const decision = decideClaim(
					asClaimRecord(current?.value),
					{
						fingerprint: batch[position].fingerprint,
						owner,
						leaseMs: settings.leaseMs,
						retentionMs: settings.retentionMs,
						correlationId: batch[position].correlationId,
						afterExpiredLease: settings.afterExpiredLease,
						unknownRetentionMs: settings.unknownRetentionMs,
					},
					now,
				);
				return { outcome: decision, write: decision.write };
			},
		);

	let decisions = await claimOnce(keyed);
	const final = new Map<number, ClaimDecision>();
	const deadline = Date.now() + settings.waitMs;
	let waiting: KeyedItem[] = [];
	keyed.forEach((item, position) => {
		// A repeat of a key claimed earlier in this very batch is held by us: nothing can
		// finish it while this node runs, so waiting would only burn the whole limit.
		const heldByAnother = decisions[position].record.owner !== owner;
		if (decisions[position].route === 'inFlight' && settings.waitMs > 0 && heldByAnother)
			waiting.push(item);
		else final.set(item.index, decisions[position]);
	});
	// Items held by another execution: poll until it finishes, or the wait runs out.
	while (waiting.length > 0) {
		const lastRound = Date.now() + WAIT_POLL_MS >= deadline;
		await sleep(Math.max(0, Math.min(WAIT_POLL_MS, deadline - Date.now())));
		decisions = await claimOnce(waiting);
		const stillWaiting: KeyedItem[] = [];
		waiting.forEach((item, position) => {
			if (decisions[position].route === 'inFlight' && !lastRound) stillWaiting.push(item);
			else final.set(item.index, decisions[position]);
		});
		waiting = stillWaiting;
	}

	for (const item of keyed) {
		const decision = final.get(item.index)!;
		const duplicateFlagged = decision.route === 'duplicate' && settings.flagDuplicates;
		const output = duplicateFlagged ? CLAIM_OUTPUTS.proceed : CLAIM_OUTPUTS[decision.route];
		outputs[output].push(
			outputItem(items[item.index], item, settings, {
				route: decision.route,
				duplicate: decision.route === 'duplicate',
				...describeRecord(decision.record),
			}),
		);
	}
}

async function finish(
	store: Store,
	namespace: string,
	owner: string,
	keyed: KeyedItem[],
	items: INodeExecutionData[],
	settings: Settings,
	output: INodeExecutionData[],
	hints: NodeExecutionHint[],
): Promise<void> {
	const decide: (
		current: ClaimRecord | undefined,
		request: FinishRequest,
		now: number,
	) => Transition<string> =
		settings.operation === 'complete'
			? decideComplete
			: settings.operation === 'release'
				? decideRelease
				: decideOutcomeUnknown;
	const requests = keyed.map((item): FinishRequest => {
		const json = items[item.index].json;
		return {
			owner,
			retentionMs: settings.retentionMs,
			correlationId: item.correlationId,
			result:
				settings.operation === 'complete'
					? (pickFields(json, settings.resultFields).values as JsonObject)
					: null,
			error: settings.errorMessage !== '' ? settings.errorMessage : errorText(json.error),
			unknownRetentionMs: settings.unknownRetentionMs,
		};
	});
	const outcomes = await updateRecords(
		store,
		namespace,
		keyed.map((item) => item.key),
		(current, now, position) => {
			const decision = decide(asClaimRecord(current?.value), requests[position], now);
			return { outcome: { ...decision, claimFound: current !== undefined }, write: decision.write };
		},
	);
	keyed.forEach((item, position) => {
		const { outcome, record, claimFound } = outcomes[position];
		output.push(
			outputItem(items[item.index], item, settings, {
				outcome,
				claimFound,
				...describeRecord(record),
			}),
		);
	});
	const unmatched = outcomes.filter((outcome) => !outcome.claimFound).length;
	if (unmatched > 0) hints.push(noClaimHint(settings, unmatched, keyed.length));
}

/** A Complete, Release or Mark Outcome Unknown whose key matches no claim: say so, it is usually a wiring mistake. */
function noClaimHint(settings: Settings, unmatched: number, total: number): NodeExecutionHint {
	const what =
		settings.operation === 'complete'
			? 'were recorded as completed anyway (the write happened)'
			: settings.operation === 'release'
				? 'had nothing to release'
				: 'were recorded as outcome unknown anyway';
	return {
		message: `Idempotent Write: ${unmatched} of ${total} item(s) matched no claim and ${what} (idempotency.claimFound is false). Check that Store, Scope and the key settings are the same as on the Claim node, and that the claim's retention had not run out.`,
		type: 'warning',
		location: 'outputPane',
	};
}

async function lookUp(
	store: Store,
	namespace: string,
	keyed: KeyedItem[],
	items: INodeExecutionData[],
	settings: Settings,
	output: INodeExecutionData[],
): Promise<void> {
	const { records } = await store.read(namespace, [...new Set(keyed.map((item) => item.key))]);
	for (const item of keyed) {
		const record = asClaimRecord(records.get(item.key)?.value);
		output.push(
			outputItem(items[item.index], item, settings, {
				found: record !== undefined,
				...describeRecord(record),
			}),
		);
	}
}

async function forget(
	store: Store,
	namespace: string,
	keyed: KeyedItem[],
	items: INodeExecutionData[],
	settings: Settings,
	output: INodeExecutionData[],
): Promise<void> {
	const removed = await store.delete(
		namespace,
		keyed.map((item) => ({ key: item.key })),
	);
	keyed.forEach((item, position) => {
		output.push(outputItem(items[item.index], item, settings, { forgotten: removed[position] }));
	});
}

function outputItem(
	source: INodeExecutionData,
	item: KeyedItem,
	settings: Settings,
	details: IDataObject,
): INodeExecutionData {
	return pairedItem(source, item.index, {
		...source.json,
		[settings.correlationField]: item.correlationId,
		[settings.outputField]: { key: item.key, ...details },
	});
}

/** What a user needs to know about a key, with times as ISO strings. */
function describeRecord(record: ClaimRecord | undefined): IDataObject {
	if (!record) return { status: 'absent' };
	const iso = (time: number | null) => (time === null ? null : new Date(time).toISOString());
	return {
		status: record.status,
		attempts: record.attempts,
		owner: record.owner,
		firstClaimedAt: iso(record.firstClaimedAt),
		leaseUntil: iso(record.leaseUntil),
		completedAt: iso(record.completedAt),
		result: record.result,
		lastError: record.lastError,
		firstCorrelationId: record.correlationId,
	};
}

/** Error text kept with a key is capped: it comes from the item (a vendor's answer, say). */
const MAX_ERROR_CHARS = 1000;
const redactor = createRedactor();

/** The item's error as text to keep with the key: redacted (it is stored and shown) and capped. */
function errorText(error: unknown): string | null {
	const message =
		typeof error === 'string'
			? error
			: error &&
				  typeof error === 'object' &&
				  typeof (error as { message?: unknown }).message === 'string'
				? (error as { message: string }).message
				: '';
	if (message === '') return null;
	const capped =
		message.length > MAX_ERROR_CHARS
			? `${message.slice(0, MAX_ERROR_CHARS)}… (${message.length} characters)`
			: message;
	return redactor.redactText(capped);
}
