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
	return pairedItem(source, item.index, {
		...source.json,
		[fields.correlationField]: item.correlationId,
		[fields.outputField]: { key: item.key, ...details },
	});
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
