import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { idempotency, pairedItem } from '../../shared';
import type { KeyedItem } from './keys';

/** An operation's output item: the input's fields, its correlation ID, and what the node found under Output Field. */
export function outputItem(
	source: INodeExecutionData,
	item: KeyedItem,
	fields: { correlationField: string; outputField: string },
	details: IDataObject,
): INodeExecutionData {
	const json: IDataObject = { ...source.json };
	// An empty Correlation ID Field (version 3) adds nothing to the item.
	if (fields.correlationField !== '') json[fields.correlationField] = item.correlationId;
	json[fields.outputField] = { key: item.key, ...details };
	return pairedItem(source, item.index, json);
}

/**
 * The lean stamp of version 3: the route and the key's status, and only what that route
 * needs (the kept result of a duplicate, the lease of a key in flight, the attempts of a
 * reconcile), so a write that sends the whole item carries little of ours.
 */
export function leanRecord(
	route: idempotency.ClaimRoute,
	record: idempotency.ClaimRecord | undefined,
): IDataObject {
	if (!record) return { status: 'absent' };
	const details: IDataObject = { status: record.status };
	if (route === 'duplicate' && record.result !== null) details.result = record.result;
	if (route === 'inFlight') details.leaseUntil = iso(record.leaseUntil);
	if (route === 'reconcile') {
		details.attempts = record.attempts;
		details.lastError = record.lastError;
	}
	return details;
}

/** What a user needs to know about a key, with times as ISO strings. */
export function describeRecord(record: idempotency.ClaimRecord | undefined): IDataObject {
	if (!record) return { status: 'absent' };
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

/** The claims of one batch share their times: the last one formatted is kept (a third of describeRecord's time). */
let lastTime = Number.NaN;
let lastIso = '';

function iso(time: number | null): string | null {
	if (time === null) return null;
	if (time !== lastTime) {
		lastIso = new Date(time).toISOString();
		lastTime = time;
	}
	return lastIso;
}
