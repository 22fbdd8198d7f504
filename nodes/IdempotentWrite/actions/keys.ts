import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import {
	configError,
	correlationIdFor,
	failItem,
	idempotency,
	itemError,
	operationError,
	paths,
	type OperationContext,
} from '../../shared';
import {
	correlationField,
	defaultClaimedKey,
	defaultOutputField,
	options,
	outputField,
} from './settings';

/**
 * Which key each item acts on: from fields, from an expression, or (after a Claim) the
 * key the Claim node put on the item, traced back through the pairing when a vendor node
 * replaced the item. Every operation keys its items here.
 */

/** Keys are SHA-256 hex (core/idempotency.ts). */
const CLAIMED_KEY = /^[0-9a-f]{64}$/;

export interface KeySettings {
	keySource: 'fields' | 'expression' | 'claimed';
	/** Claimed Key left at its default, `{{ $json.<default output field>?.key }}`. */
	claimedKeyIsDefault: boolean;
	/** The field the default Claimed Key reads: the default Output Field of this node's version. */
	claimedKeyField: string;
	keyFields: string[];
	/** Claim only: payload fields whose values must match for a repeat to be a duplicate. */
	conflictFields: string[];
	/** Claim nodes to trace an item back to when it carries no claimed key, nearest first. */
	claimNodes: ClaimNodeRef[];
	correlationField: string;
}

/** A Claim node before this one, and the field its key is in. */
interface ClaimNodeRef {
	name: string;
	outputField: string;
}

/** An input item that got a key; items that could not are already on their way out as errors. */
export interface KeyedItem {
	index: number;
	key: string;
	correlationId: string;
	fingerprint: string | null;
}

type KeyResult = { key: string } | { problem: string; fix: string };

/** The key settings of an operation: Claim keys from fields or an expression, the others also from the claimed key. */
export function readKeySettings(
	context: IExecuteFunctions,
	operation: 'claim' | 'afterClaim',
): KeySettings {
	const keySource = context.getNodeParameter(
		'keySource',
		0,
		operation === 'claim' ? 'fields' : 'claimed',
	) as KeySettings['keySource'];
	const keyFields =
		keySource === 'fields'
			? paths.parseFieldList(String(context.getNodeParameter('keyFields', 0, '')))
			: [];
	if (keySource === 'fields' && keyFields.length === 0) {
		throw operationError(context, 'No key fields given in Key Fields', {
			description:
				'Enter the field that is the same on every copy of one record in Key Fields, e.g. "orderId" (several: "invoice.number, customer.email").',
		});
	}
	const { typeVersion, parameters } = context.getNode();
	const claimedKeyIsDefault = [undefined, '', defaultClaimedKey(typeVersion)].includes(
		parameters.claimedKey as string | undefined,
	);
	return {
		keySource,
		claimedKeyIsDefault,
		claimedKeyField: defaultOutputField(typeVersion),
		keyFields,
		conflictFields:
			operation === 'claim'
				? paths.parseFieldList(String(context.getNodeParameter('conflictFields', 0, '')))
				: [],
		claimNodes:
			keySource === 'claimed' && claimedKeyIsDefault
				? claimNodesBefore(context, String(options(context).claimNode ?? '').trim())
				: [],
		correlationField: correlationField(context),
	};
}

/**
 * Computes each item's key; items without one leave as errors (or fail the node) on
 * `errorOutput`, never on a happy path: an item without a key cannot be written safely.
 */
export function keyItems<Output extends string>(
	op: OperationContext<Output>,
	settings: KeySettings,
	errorOutput: Output,
): KeyedItem[] {
	const { context, items } = op;
	const keyed: KeyedItem[] = [];
	const traceClaim = claimTracer(context, settings.claimNodes);
	const fail = (index: number, problem: string, fix: string) =>
		failItem(
			context,
			op.outputs.buckets,
			items[index],
			index,
			itemError(context, index, problem, fix),
			op.outputs.index(errorOutput),
		);
	for (let index = 0; index < items.length; index++) {
		const json = items[index].json;
		const found = keyOf(context, json, index, settings, traceClaim);
		if ('problem' in found) {
			fail(index, found.problem, found.fix);
			continue;
		}
		let fingerprint: string | null = null;
		if (settings.conflictFields.length > 0) {
			const conflictValues = paths.pickFields(json, settings.conflictFields).values;
			try {
				fingerprint = idempotency.payloadFingerprint(conflictValues);
			} catch (error) {
				fail(
					index,
					`The Conflict Check Fields of item ${index} could not be compared: ${(error as Error).message}`,
					'Choose conflict check fields with plain values, not deeply nested objects.',
				);
				continue;
			}
		}
		keyed.push({
			index,
			key: found.key,
			// Empty Correlation ID Field (version 3): the item's correlationId when it has one.
			correlationId: correlationIdFor(json, settings.correlationField || 'correlationId').id,
			fingerprint,
		});
	}
	return keyed;
}

/** One item's key, or what is wrong with it and how to fix it. */
function keyOf(
	context: IExecuteFunctions,
	json: INodeExecutionData['json'],
	index: number,
	settings: KeySettings,
	traceClaim: (index: number) => string | undefined,
): KeyResult {
	const fix = claimedKeyFix(settings.claimedKeyField);
	if (settings.keySource === 'claimed') {
		// The default expression reads the item's own field: read it directly rather than
		// evaluating an expression per item (about 0.5 ms each in n8n).
		let claimed: unknown;
		try {
			claimed = settings.claimedKeyIsDefault
				? (json[settings.claimedKeyField] as { key?: unknown } | undefined)?.key
				: (context.getNodeParameter('claimedKey', index, '') as unknown);
		} catch (error) {
			// e.g. $('Claim').item when the pairing back to the Claim node is lost: this item only.
			return {
				problem: `Item ${index}: Claimed Key could not be evaluated: ${(error as Error).message}`,
				fix,
			};
		}
		if (typeof claimed === 'string' && CLAIMED_KEY.test(claimed)) return { key: claimed };
		// A vendor node usually replaced the item: follow its pairing back to the Claim node.
		const traced = traceClaim(index);
		if (traced !== undefined) return { key: traced };
		return { problem: `Item ${index} carries no claimed key`, fix };
	}
	if (settings.keySource === 'fields') {
		const { values, missing } = paths.pickFields(json, settings.keyFields);
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
function hashed(values: unknown, index: number): KeyResult {
	try {
		return { key: idempotency.idempotencyKey(values) };
	} catch (error) {
		return {
			problem: `The key of item ${index} could not be computed: ${(error as Error).message}`,
			fix: 'Choose key fields with plain values (an ID, a number, an email), not deeply nested objects.',
		};
	}
}

function claimedKeyFix(field: string): string {
	return `Claimed Key must give the key a Claim node put on the item. Left at its default, the item is traced back through its pairing to the Claim node before this one: check that the nodes in between keep the pairing (or name the node under Options → Claim Node), or refer back to it, e.g. {{ $('Claim').item.json.${field}.key }}.`;
}

/**
 * The Claim nodes an item may be traced back to: the one named under Options, else every
 * enabled Idempotent Write Claim before this node, nearest first. Each writes its key to
 * its own Output Field, whose default depends on its version.
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
		throw configError(
			context,
			'Claim Node',
			`"${named}" is not an Idempotent Write Claim before this node`,
			'Enter the name of the Claim node this item passed through, or leave Claim Node empty to use the nearest one.',
		);
	}
	return claims.map((parent) => {
		const parentOptions = (parent.parameters?.options ?? {}) as IDataObject;
		const fallback = defaultOutputField(parent.typeVersion);
		return {
			name: parent.name,
			outputField: String(parentOptions.outputField ?? fallback).trim() || fallback,
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
	type ItemMatching = (index: number) => INodeExecutionData | undefined;
	let matchers: Array<{ node: ClaimNodeRef; itemMatching: ItemMatching }> | undefined;
	return (index) => {
		if (claimNodes.length === 0) return undefined;
		if (matchers === undefined) {
			const proxy = context.getWorkflowDataProxy(0);
			matchers = claimNodes.flatMap((node) => {
				try {
					const itemMatching = (proxy.$(node.name) as { itemMatching: ItemMatching }).itemMatching;
					return [{ node, itemMatching }];
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

/**
 * Look Up and Forget: the keys of items that went through a Claim, and the fields their
 * output items carry; items without a key have already left as errors on Done.
 */
export function keyItemsAfterClaim(op: OperationContext<'Done'>): {
	keyed: KeyedItem[];
	fields: { correlationField: string; outputField: string };
} {
	const settings = readKeySettings(op.context, 'afterClaim');
	return {
		keyed: keyItems(op, settings, 'Done'),
		fields: { correlationField: settings.correlationField, outputField: outputField(op.context) },
	};
}
