import type { IDataObject, IExecuteFunctions, NodeExecutionHint } from 'n8n-workflow';

import {
	deadletter,
	failItem,
	hint,
	itemError,
	idempotency,
	paths,
	type OperationContext,
	type json,
	stores,
} from '../../shared';
import { describeRecord, outputItem } from './items';
import { keyItems, readKeySettings, type KeyedItem } from './keys';
import type { OutputName } from './outputs';
import {
	claimOwner,
	idempotencyNamespace,
	isNewcomerVersion,
	options,
	outputField,
	retentionMs,
	unknownRetentionMs,
} from './settings';

/**
 * What Complete, Release and Mark Outcome Unknown share: each finishes the claim of its
 * items' keys with its own rule of the protocol, and says so when a key matched no claim.
 */

type FinishOperation = 'complete' | 'release' | 'markOutcomeUnknown';

type Decide = (
	current: idempotency.ClaimRecord | undefined,
	request: idempotency.FinishRequest,
	now: number,
) => idempotency.Transition<string>;

export async function finish(
	op: OperationContext<OutputName<FinishOperation>>,
	operation: FinishOperation,
	decide: Decide,
	resultFields: string[],
): Promise<void> {
	const { context, items } = op;
	const keySettings = readKeySettings(context, 'afterClaim');
	const retention = retentionMs(context);
	const unknownRetention = unknownRetentionMs(context);
	const fields = {
		correlationField: keySettings.correlationField,
		outputField: outputField(context),
	};
	const errorMessage = String(options(context).errorMessage ?? '');
	const keyed = keyItems(op, keySettings, 'Done');
	if (keyed.length === 0) return;
	const store = await op.store();
	const namespace = idempotencyNamespace(context);
	const owner = claimOwner(context);
	const requests = keyed.map((item): idempotency.FinishRequest => {
		const source = items[item.index].json;
		return {
			owner,
			retentionMs: retention,
			correlationId: item.correlationId,
			result:
				operation === 'complete'
					? (paths.pickFields(source, resultFields).values as json.JsonObject)
					: null,
			error: errorMessage !== '' ? errorMessage : errorText(source.error),
			unknownRetentionMs: unknownRetention,
		};
	});
	const newcomer = isNewcomerVersion(context);
	// Version 3, If No Claim Is Found → Fail the Item: nothing is recorded for such a key.
	const failUnclaimed = newcomer && options(context).ifNoClaim === 'error';
	const outcomes = await stores.updateRecords(
		store,
		namespace,
		keyed.map((item) => item.key),
		(current, now, position) => {
			if (current === undefined && failUnclaimed)
				return {
					outcome: { outcome: 'noClaim', record: undefined, claimFound: false },
					write: undefined,
				};
			const decision = decide(idempotency.asClaimRecord(current?.value), requests[position], now);
			return { outcome: { ...decision, claimFound: current !== undefined }, write: decision.write };
		},
	);
	const scope = describeScope(context);
	keyed.forEach((item, position) => {
		const { outcome, record, claimFound } = outcomes[position];
		if (!claimFound && failUnclaimed) {
			failItem(
				context,
				op.outputs.buckets,
				items[item.index],
				item.index,
				itemError(
					context,
					item.index,
					`Item ${item.index}: key ${item.key.slice(0, 12)}… has no claim in ${scope}, so nothing was ${OPERATION_WORDS[operation].done}`,
					NO_CLAIM_FIX,
				),
				op.outputs.index('Done'),
			);
			return;
		}
		op.outputs.push(
			'Done',
			outputItem(
				items[item.index],
				item,
				fields,
				newcomer
					? { outcome, claimFound, ...leanFinish(operation, record) }
					: { outcome, claimFound, ...describeRecord(record) },
			),
		);
	});
	const unmatched = keyed.filter((_, position) => !outcomes[position].claimFound);
	if (unmatched.length > 0)
		op.hints.push(
			noClaimHint(operation, {
				field: fields.outputField,
				scope,
				unmatched,
				total: keyed.length,
				failed: failUnclaimed,
			}),
		);
}

/** Version 3's stamp after Complete (its kept result) or Release and Mark Outcome Unknown (the error kept). */
function leanFinish(
	operation: FinishOperation,
	record: idempotency.ClaimRecord | undefined,
): IDataObject {
	if (!record) return { status: 'absent' };
	return operation === 'complete'
		? { status: record.status, result: record.result }
		: { status: record.status, lastError: record.lastError };
}

const OPERATION_WORDS: Record<FinishOperation, { done: string; anyway: string }> = {
	complete: {
		done: 'completed',
		anyway: 'were recorded as completed anyway (the write happened)',
	},
	release: { done: 'released', anyway: 'had nothing to release' },
	markOutcomeUnknown: {
		done: 'marked outcome unknown',
		anyway: 'were recorded as outcome unknown anyway',
	},
};

const NO_CLAIM_FIX =
	"Check that Store, Scope and the key settings are the same as on the Claim node (Scope From: the matching Claim node does this for Scope), and that the claim's retention had not run out.";

/** The scope as the user typed it, for messages. */
function describeScope(context: IExecuteFunctions): string {
	const scope = String(context.getNodeParameter('scope', 0, '') ?? '').trim();
	return scope === '' ? "this workflow's own scope (Scope empty)" : `scope "${scope}"`;
}

/** A Complete, Release or Mark Outcome Unknown whose key matches no claim: say so, it is usually a wiring mistake. */
function noClaimHint(
	operation: FinishOperation,
	found: { field: string; scope: string; unmatched: KeyedItem[]; total: number; failed: boolean },
): NodeExecutionHint {
	const what = found.failed ? 'failed' : OPERATION_WORDS[operation].anyway;
	const shown = found.unmatched
		.slice(0, 3)
		.map((item) => `item ${item.index} (key ${item.key.slice(0, 12)}…)`)
		.join(', ');
	const more = found.unmatched.length > 3 ? ` and ${found.unmatched.length - 3} more` : '';
	return hint(
		`Idempotent Write: ${found.unmatched.length} of ${found.total} item(s) matched no claim in ${found.scope} and ${what} (${found.field}.claimFound is false): ${shown}${more}. ${NO_CLAIM_FIX}`,
		'warning',
	);
}

/** Error text kept with a key is capped: it comes from the item (a vendor's answer, say). */
const MAX_ERROR_CHARS = 1000;
const redactor = deadletter.createRedactor();

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
