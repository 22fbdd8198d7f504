import type { INodeExecutionData } from 'n8n-workflow';

import {
	deadletter,
	failItem,
	itemError,
	operationError,
	type OperationContext,
} from '../../shared';
import type { OutputName } from './outputs';
import type { QueueHandle } from './queue';
import type { Replayed, ReplaySettings } from './replayRecords';

/**
 * Version 2.2's replay payloads: the captured payload (opened from its sealed original
 * when redaction changed it), or — when values are missing — the record back in the
 * queue and on Needs Input, naming them. A lease that sent nothing is not an attempt.
 */

export interface Held {
	record: Replayed;
	needsInput: deadletter.Placeholders | null;
}

/** What Replay 2.2 does with each leased record: send it, hold it for input, or hold it unopened. */
export interface PayloadDecisions {
	/** Records whose payload is the captured one (opened from its sealed original if need be). */
	sendable: Replayed[];
	/** Records that still hold redaction placeholders: they need someone to fill them in. */
	held: Held[];
	/** Records whose sealed original did not open with the keyring. */
	unopened: Array<{ record: Replayed; error: deadletter.SealError }>;
}

/**
 * Decides each record's payload (deadletter.replayPayload). Throws `fail(message)`,
 * naming the record, on anything but a SealError.
 */
export function decidePayloads(
	records: Replayed[],
	keyring: deadletter.Keyring | null,
	fail: (message: string) => Error,
): PayloadDecisions {
	const decisions: PayloadDecisions = { sendable: [], held: [], unopened: [] };
	for (const record of records) {
		try {
			const decided = deadletter.replayPayload(record.entry.id, record.data, record.given, keyring);
			if (decided.ready) {
				decisions.sendable.push({ ...record, payload: decided.payload, edited: decided.edited });
			} else {
				decisions.held.push({ record, needsInput: decided.placeholders });
			}
		} catch (error) {
			if (!(error instanceof deadletter.SealError))
				throw fail(`Dead letter ${record.entry.id}: ${(error as Error).message}`);
			decisions.unopened.push({ record, error });
		}
	}
	return decisions;
}

/**
 * The records whose payload can be sent as captured. The others are released at once
 * (so an edited replay can take them) and leave on Needs Input, or as an error when
 * their original does not open with the credential's keys: with the node set to stop
 * on errors, every record of this run is released first, so none waits for its lease.
 */
export async function sendablePayloads(
	op: OperationContext<OutputName<'replay'>>,
	handle: QueueHandle,
	records: Replayed[],
	owner: string,
	settings: ReplaySettings,
): Promise<Replayed[]> {
	const { context, items, outputs } = op;
	const { sendable, held, unopened } = decidePayloads(records, settings.keyring, (message) =>
		operationError(context, message),
	);
	const failures = unopened.map(({ record, error }) =>
		itemError(
			context,
			record.pairedIndex,
			`Dead letter ${record.entry.id} was not replayed: its captured payload could not be decrypted: ${error.message}`,
			'The record is back in the queue, unchanged. Give the Encryption Key credential the key it was encrypted with (as Key, or a line of Previous Keys), then replay it.',
		),
	);
	if (failures.length > 0 && !context.continueOnFail()) {
		// The node stops: nothing of this run goes out, so every record goes back now.
		await holdRecords(handle, owner, [...records.map((record) => ({ record, needsInput: null }))]);
		throw failures[0];
	}
	await holdRecords(handle, owner, [
		...held,
		...unopened.map(({ record }) => ({ record, needsInput: null })),
	]);
	const now = op.clock.now();
	for (const { record, needsInput } of held)
		outputs.push('Needs Input', needsInputItem(record, needsInput!, handle, settings, now));
	unopened.forEach(({ record }, position) =>
		failItem(
			context,
			outputs.buckets,
			items[record.pairedIndex],
			record.pairedIndex,
			failures[position],
			outputs.index('Not Replayed'),
		),
	);
	return sendable;
}

/** Back to pending, the lease not counted as an attempt; Needs Input records say which fields they wait for. */
export async function holdRecords(handle: QueueHandle, owner: string, held: Held[]): Promise<void> {
	if (held.length === 0) return;
	await handle.queue.settle(
		handle.name,
		held.map(({ record, needsInput }) => ({
			id: record.entry.id,
			owner,
			status: 'pending' as const,
			countLease: false,
			...(needsInput === null ? {} : { dataPatch: { needsInput: needsInput.paths } }),
		})),
	);
}

/**
 * A record that waits for someone: the payload as shown (redacted: an edit that still
 * misses values is redacted too, so a secret typed in half-way is not put in the run
 * data), and the fields to fill in. Fill them in, then send the item to a Replay with
 * Records: Records Named by Input Items.
 */
export function needsInputItem(
	record: Replayed,
	placeholders: deadletter.Placeholders,
	handle: QueueHandle,
	settings: ReplaySettings,
	now: number,
): INodeExecutionData {
	const view = deadletter.describeDeadLetter(record.entry, now, handle.label);
	const payload =
		record.given === null ? record.data.payload : deadletter.redactSecrets(record.given);
	return {
		json: {
			[settings.payloadField]: payload,
			[settings.outputField]: {
				...view,
				status: 'pending',
				leaseUntil: null,
				attempt: deadletter.attemptOf(record.entry) - 1,
				replayed: false,
				needsInput: placeholders.paths,
				needsInputCount: placeholders.count,
				notReplayedReason: `${placeholders.count} redacted value${placeholders.count === 1 ? '' : 's'} to fill in: ${placeholders.paths.join(', ')}`,
			},
		},
		pairedItem: { item: record.pairedIndex },
	};
}
