/**
 * Capture, decided per item without the store: is the item a failure, of which class,
 * and what record keeps it. The node adds ids, times and the store round trip.
 */
import { createHash, hash as oneShotHash } from 'node:crypto';

import type { JsonObject } from '../json';
import { classifyFailure, type Classification } from './classify';
import { classifyContent } from './content';
import { failureFacts, type FailureFacts } from './facts';
import { findHiddenFailure, type CompiledBodyPattern, type HiddenFailure } from './patterns';
import {
	splitFailedItem,
	type DeadLetterData,
	type ReplayMarker,
	type StoredFailure,
} from './record';
import type { RedactResult, Redactor } from './redact';
import { seal, type Keyring } from './seal';

/** A response body kept with the error is cut beyond this many characters of JSON. */
export const MAX_ERROR_BODY_CHARS = 64 * 1024;

/** What arrives at Capture: only failures, or every response (find the failures hidden in them). */
export type IncomingItems = 'failed' | 'responses';

export interface CaptureSettings {
	incoming: IncomingItems;
	/** The field holding the error (n8n's error output uses `error`). */
	errorField: string;
	/** The field a replay puts its marker in (and Capture its summary). */
	outputField: string;
	patterns: readonly CompiledBodyPattern[];
	detectCommonFailures: boolean;
}

export type ItemVerdict =
	| { failed: false }
	| {
			failed: true;
			facts: FailureFacts;
			classification: Classification;
			/** The item without its error fields. */
			payload: Record<string, unknown>;
			replay: ReplayMarker | null;
	  };

/**
 * Whether an item is a failure and of which class. `itemError` is n8n's `item.error`,
 * read when the json carries no error. A rule the user wrote with a class wins over
 * every other evidence: they know their API.
 */
export function examineItem(
	json: Record<string, unknown>,
	itemError: unknown,
	settings: CaptureSettings,
	nowMs = Date.now(),
): ItemVerdict {
	const parts = splitFailedItem(json, { error: settings.errorField, output: settings.outputField });
	const error = parts.error ?? itemError;
	const hasError = error !== undefined && error !== null && error !== '' && error !== false;
	const hidden = findHiddenFailure(parts.payload, settings.patterns, settings.detectCommonFailures);
	if (!hasError && hidden === null && settings.incoming === 'responses') return { failed: false };

	if (!hasError && hidden !== null) {
		const facts = failureFacts(hidden.message, undefined, nowMs);
		return {
			failed: true,
			facts,
			classification: classifyHidden(hidden, json),
			payload: parts.payload,
			replay: parts.replay,
		};
	}
	const facts = failureFacts(hasError ? error : undefined, parts.details, nowMs);
	let classification = classifyFailure(facts);
	if (hidden !== null && (hidden.class !== null || classification.class === 'unknown')) {
		classification = classifyHidden(hidden, json);
	}
	return { failed: true, facts, classification, payload: parts.payload, replay: parts.replay };
}

/**
 * Whether the item found through n8n's pairing (what the previous node was given) is the
 * record to store, rather than the item Capture received. It is when the previous node's
 * answer replaced the record (All Responses), when n8n replaced a failed item's fields
 * (`item.error`, or nothing left but the error), or when n8n's error output merged the
 * record under the error (every field of the one is on the other). Not when the previous
 * node made the failed items itself (a Code node marking records after a trigger): its
 * input is then a trigger's item, not the record.
 */
export function isSentRecord(
	incoming: IncomingItems,
	item: Record<string, unknown>,
	itemError: unknown,
	sent: Record<string, unknown>,
	fields: { error: string; output: string },
): boolean {
	const sentKeys = Object.keys(sent).filter((key) => key !== fields.output);
	if (sentKeys.length === 0) return false;
	if (incoming === 'responses' || (itemError !== undefined && itemError !== null)) return true;
	if (Object.keys(splitFailedItem(item, fields).payload).length === 0) return true;
	return sentKeys.every((key) => Object.hasOwn(item, key));
}

/** A failure found in a response: the rule's class, else what the body says (its status, code, words). */
function classifyHidden(hidden: HiddenFailure, body: Record<string, unknown>): Classification {
	if (hidden.class !== null)
		return { class: hidden.class, reason: `in the response: ${hidden.where}` };
	const { class: failureClass, reason } = classifyContent(body, hidden.message) ?? {
		class: 'unknown',
		reason: 'no status, code or known message',
	};
	return { class: failureClass, reason: `in the response (${hidden.where}): ${reason}` };
}

/** What is kept of an error: its facts, redacted, the body cut when very large. */
export function storedFailure(
	facts: FailureFacts,
	redactor: Redactor,
): { failure: StoredFailure; paths: string[] } {
	const redacted = redactor.redact({ ...facts, node: undefined });
	const failure = redacted.value as unknown as StoredFailure;
	let bodyTruncated = false;
	const bodyText =
		failure.body === null || failure.body === undefined ? '' : JSON.stringify(failure.body);
	if (bodyText.length > MAX_ERROR_BODY_CHARS) {
		failure.body = `${bodyText.slice(0, MAX_ERROR_BODY_CHARS)}…`;
		bodyTruncated = true;
	}
	return {
		failure: { ...failure, body: failure.body ?? null, bodyTruncated },
		paths: redacted.paths.map((path) => `error.${path}`),
	};
}

/** Where an item already carries the key Idempotent Write claimed for it. */
const CLAIMED_KEY = /^[0-9a-f]{64}$/;

/**
 * The idempotency key a replay sends: the one Idempotent Write claimed for the item
 * when it has one (`idempotency.key`), so the original write and every replay share
 * it; otherwise one derived from the record's id, the same for all its replays.
 */
export function replayIdempotencyKey(
	payload: Record<string, unknown>,
	deadLetterId: string,
): string {
	const claimed = (payload.idempotency as { key?: unknown } | undefined)?.key;
	if (typeof claimed === 'string' && CLAIMED_KEY.test(claimed)) return claimed;
	return recordKey(deadLetterId);
}

/**
 * `idempotencyKey({ deadLetter: id })` written out: the SHA-256 of the same stable JSON,
 * without the generic walk and sort once per record (crypto.hash from Node 20.12).
 */
function recordKey(deadLetterId: string): string {
	const text = `{"deadLetter":${JSON.stringify(deadLetterId)}}`;
	return typeof oneShotHash === 'function'
		? oneShotHash('sha256', text)
		: createHash('sha256').update(text).digest('hex');
}

export interface NewDeadLetter {
	id: string;
	payload: Record<string, unknown>;
	binary: JsonObject | null;
	facts: FailureFacts;
	classification: Classification;
	failedNode: string | null;
	workflow: { id: string | null; name: string | null };
	executionId: string | null;
	correlationId: string;
}

/**
 * The payload as a record keeps it: redacted, with how many values that lost, and —
 * when values were lost and a keyring is given — the captured payload sealed, bound
 * to the record's id, so a replay can send it as it was.
 */
function keptPayload(
	id: string,
	payload: Record<string, unknown>,
	redactor: Redactor,
	keyring: Keyring | null,
): { redacted: RedactResult; lost: number; sealed: DeadLetterData['sealed'] } {
	const redacted = redactor.redact(payload);
	const lost = redacted.count + redacted.cut;
	const sealed =
		lost > 0 && keyring !== null ? seal(JSON.parse(JSON.stringify(payload)), keyring, id) : null;
	return { redacted, lost, sealed };
}

/**
 * The stored data of a new dead letter: payload and error redacted, the key fixed for
 * all replays; with a keyring, the captured payload sealed when redaction changed it.
 */
export function buildDeadLetter(
	input: NewDeadLetter,
	redactor: Redactor,
	keyring: Keyring | null = null,
): DeadLetterData {
	const {
		redacted: payload,
		lost,
		sealed,
	} = keptPayload(input.id, input.payload, redactor, keyring);
	const { failure, paths } = storedFailure(input.facts, redactor);
	return {
		v: 1,
		payload: payload.value as JsonObject,
		binary: input.binary,
		error: failure,
		class: input.classification.class,
		reason: input.classification.reason,
		failedNode: input.failedNode ?? input.facts.node,
		workflow: input.workflow,
		executionId: input.executionId,
		correlationId: input.correlationId,
		idempotencyKey: replayIdempotencyKey(input.payload, input.id),
		redacted: [...payload.paths.map((path) => `payload.${path}`), ...paths].slice(0, 50),
		payloadLost: lost,
		sealed,
	};
}

/**
 * The patch a failed replay writes onto its record: the new error and class. An edited
 * payload (fixed by someone, then replayed) replaces the stored one, so the fix is not
 * lost when the replay fails for another reason.
 */
export function recapturePatch(
	input: Omit<NewDeadLetter, 'correlationId' | 'workflow' | 'binary'> & { edited: boolean },
	redactor: Redactor,
	keyring: Keyring | null = null,
): JsonObject {
	const { failure, paths } = storedFailure(input.facts, redactor);
	const patch: JsonObject = {
		error: failure,
		class: input.classification.class,
		reason: input.classification.reason,
		failedNode: input.failedNode ?? input.facts.node,
		executionId: input.executionId,
	};
	if (input.edited) {
		// The edit is the record now: its own redaction, its own sealed original (or none).
		const {
			redacted: payload,
			lost,
			sealed,
		} = keptPayload(input.id, input.payload, redactor, keyring);
		patch.payload = payload.value;
		patch.redacted = [...payload.paths.map((path) => `payload.${path}`), ...paths].slice(0, 50);
		patch.payloadLost = lost;
		patch.sealed = sealed ?? null;
		patch.needsInput = null;
	}
	return patch;
}
