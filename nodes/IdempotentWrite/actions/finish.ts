import type { NodeExecutionHint } from 'n8n-workflow';

import {
	deadletter,
	hint,
	idempotency,
	paths,
	type OperationContext,
	type json,
	stores,
} from '../../shared';
import { describeRecord, outputItem } from './items';
import { keyItems, readKeySettings } from './keys';
import type { OutputName } from './outputs';
import {
	claimOwner,
	idempotencyNamespace,
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
	const outcomes = await stores.updateRecords(
		store,
		namespace,
		keyed.map((item) => item.key),
		(current, now, position) => {
			const decision = decide(idempotency.asClaimRecord(current?.value), requests[position], now);
			return { outcome: { ...decision, claimFound: current !== undefined }, write: decision.write };
		},
	);
	keyed.forEach((item, position) => {
		const { outcome, record, claimFound } = outcomes[position];
		op.outputs.push(
			'Done',
			outputItem(items[item.index], item, fields, {
				outcome,
				claimFound,
				...describeRecord(record),
			}),
		);
	});
	const unmatched = outcomes.filter((outcome) => !outcome.claimFound).length;
	if (unmatched > 0)
		op.hints.push(noClaimHint(operation, fields.outputField, unmatched, keyed.length));
}

/** A Complete, Release or Mark Outcome Unknown whose key matches no claim: say so, it is usually a wiring mistake. */
function noClaimHint(
	operation: FinishOperation,
	field: string,
	unmatched: number,
	total: number,
): NodeExecutionHint {
	const what =
		operation === 'complete'
			? 'were recorded as completed anyway (the write happened)'
			: operation === 'release'
				? 'had nothing to release'
				: 'were recorded as outcome unknown anyway';
	return hint(
		`Idempotent Write: ${unmatched} of ${total} item(s) matched no claim and ${what} (${field}.claimFound is false). Check that Store, Scope and the key settings are the same as on the Claim node, and that the claim's retention had not run out.`,
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
