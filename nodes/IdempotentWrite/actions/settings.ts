import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { configError, fieldNameOption, idempotency, resolveScope, time } from '../../shared';

/** What the operations of Idempotent Write read alike: fields, durations, the owner of a claim. */

export const IDEMPOTENT_WRITE_STORES = ['embedded', 'redis', 'postgres'] as const;

/**
 * Version 3, the newcomer's version: repeats of a key in one batch go to Duplicate, a
 * manual run claims for a short test lease, Complete, Release and Mark Outcome Unknown
 * take their Scope from the matching Claim node, and items carry a lean stamp under
 * Output Field and no correlation ID unless a Correlation ID Field is set.
 */
export const NEWCOMER_VERSION = 3;

/** Lease in Manual Runs (Seconds) when the option is not set (version 3). */
export const DEFAULT_TEST_LEASE_SECONDS = 10;

export function isNewcomerVersion(context: IExecuteFunctions): boolean {
	return context.getNode().typeVersion >= NEWCOMER_VERSION;
}

/**
 * Output Field's default: `idempotency` up to version 2, the node's own name from 2.1 on
 * (as every other node: `rateLimiter`, `circuitBreaker`, ...). n8n stores only parameters
 * that differ from their default, so a node saved before 2.1 keeps writing `idempotency`.
 */
export function defaultOutputField(version: number): string {
	return version >= 2.1 ? 'idempotentWrite' : 'idempotency';
}

/** Claimed Key's default: the key a Claim node of the same version put on this very item. */
export function defaultClaimedKey(version: number): string {
	return `={{ $json.${defaultOutputField(version)}?.key }}`;
}

export function outputField(context: IExecuteFunctions): string {
	const fallback = defaultOutputField(context.getNode().typeVersion);
	return fieldNameOption(context, 'options.outputField', 'Output Field', fallback);
}

/**
 * Correlation ID Field: `correlationId` up to version 2.1 (added to every item that has
 * none); from version 3 empty by default: the item's `correlationId` is read when it has
 * one, and nothing is added to the item unless a field is named.
 */
export function correlationField(context: IExecuteFunctions): string {
	return fieldNameOption(
		context,
		'options.correlationField',
		'Correlation ID Field',
		isNewcomerVersion(context) ? '' : 'correlationId',
	);
}

/** A duration parameter in `unit` (ms per unit), which must be a positive number. */
export function positiveDuration(
	context: IExecuteFunctions,
	label: string,
	value: unknown,
	unitMs: number,
): number {
	const amount = Number(value);
	if (!Number.isFinite(amount) || amount <= 0) {
		throw configError(context, label, 'must be a positive number', `It is ${String(amount)}.`);
	}
	return Math.round(amount * unitMs);
}

/** The Options collection, read once: durations read from it fall back as they always have. */
export function options(context: IExecuteFunctions): IDataObject {
	return context.getNodeParameter('options', 0, {}) as IDataObject;
}

/** Retention (Hours): how long a finished key is remembered. */
export function retentionMs(context: IExecuteFunctions): number {
	const hours = options(context).retentionHours ?? 24;
	return positiveDuration(context, 'Retention (Hours)', hours, time.HOUR_MS);
}

/** Outcome Unknown Retention (Hours): how long a key whose outcome is unknown is kept. */
export function unknownRetentionMs(context: IExecuteFunctions): number {
	const hours =
		options(context).unknownRetentionHours ??
		idempotency.DEFAULT_UNKNOWN_RETENTION_MS / time.HOUR_MS;
	return positiveDuration(context, 'Outcome Unknown Retention (Hours)', hours, time.HOUR_MS);
}

/** Who holds a claim: this execution. */
export function claimOwner(context: IExecuteFunctions): string {
	return `execution-${context.getExecutionId() ?? 'manual'}`;
}

/** The store namespace of the node's Scope. */
export function idempotencyNamespace(context: IExecuteFunctions): string {
	return resolveScope(context, 'idempotency');
}
