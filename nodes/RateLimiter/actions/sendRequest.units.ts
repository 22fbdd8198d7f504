import { randomBytes } from 'node:crypto';

import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { OutputRoutes } from '../../shared';
import { correlation, failItem, operationError, paths, ratelimit } from '../../shared';
import type { Auth, RequestSpec } from './http';
import { tokensForItem, type LimiterSettings } from './limiter';
import type { OutputOf } from './outputs';
import { readBody, type RequestBody } from './sendRequest.body';
import type { RequestSettings } from './sendRequest.settings';

/**
 * Send Request's units: what each item asks for (URL, headers, query, body, idempotency
 * key), and the requests they make, one per item or one per batch in bulk mode. An item
 * whose parameters are wrong leaves on Failed (or fails the node) here.
 */

/** One request: one item, or a batch of items in bulk mode. */
export interface Unit {
	indices: number[];
	tokens: number;
	spec: RequestSpec;
	hasIdempotencyKey: boolean;
}

interface ItemRequest {
	index: number;
	tokens: number;
	url: string;
	headers: Record<string, string>;
	query: Record<string, string>;
	body: RequestBody | undefined;
	idempotencyKey: string | null;
}

function pairs(
	context: IExecuteFunctions,
	parameter: string,
	index: number,
): Record<string, string> {
	const out: Record<string, string> = {};
	const list = context.getNodeParameter(`${parameter}.parameters`, index, []) as Array<{
		name?: unknown;
		value?: unknown;
	}>;
	for (const entry of Array.isArray(list) ? list : []) {
		const name = typeof entry?.name === 'string' ? entry.name.trim() : '';
		if (name === '' || name === '__proto__') continue;
		out[name] = entry.value === undefined || entry.value === null ? '' : String(entry.value);
	}
	return out;
}

/** What one item asks for; a NodeOperationError naming the item when its parameters are wrong. */
async function itemRequest(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
	index: number,
	limits: LimiterSettings,
	request: RequestSettings,
): Promise<ItemRequest | NodeOperationError> {
	const tokens = tokensForItem(context, limits, index);
	if (tokens instanceof NodeOperationError) return tokens;
	try {
		const url = context.getNodeParameter('url', index, '');
		if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/i.test(url.trim())) {
			return operationError(
				context,
				`URL of item ${index} is not an http(s) address: ${JSON.stringify(url)}`,
				{
					itemIndex: index,
					description: 'The URL must start with http:// or https://.',
				},
			);
		}
		let body: RequestBody | undefined;
		if (request.sendBody) {
			const read = await readBody(context, index, request.contentType);
			if (typeof read === 'string')
				return operationError(context, read, {
					itemIndex: index,
					description:
						request.contentType === 'json'
							? 'Check the JSON Body parameter, e.g. {{ $json }} or {"name": "{{ $json.name }}"}.'
							: 'Check Input Data Field Name: it names a binary field of the item, e.g. data.',
				});
			body = read;
		}
		const keyValue =
			request.idempotencyKeyField === ''
				? undefined
				: paths.getPath(items[index].json, request.idempotencyKeyField);
		const idempotencyKey =
			typeof keyValue === 'string' && keyValue.trim() !== ''
				? keyValue.trim()
				: typeof keyValue === 'number'
					? String(keyValue)
					: null;
		return {
			index,
			tokens,
			url: url.trim(),
			headers: request.sendHeaders ? pairs(context, 'headerParameters', index) : {},
			query: request.sendQuery ? pairs(context, 'queryParameters', index) : {},
			body,
			idempotencyKey,
		};
	} catch (error) {
		if (error instanceof NodeOperationError) return error;
		return operationError(context, (error as Error).message, { itemIndex: index });
	}
}

/**
 * The correlation headers of one request: the item's correlation ID under Correlation ID
 * Header and a traceparent from it, unless the item sets that header itself or has no ID.
 */
function traceHeaders(
	item: INodeExecutionData,
	headers: Record<string, string>,
	request: RequestSettings,
): Record<string, string> {
	const id = correlation.readCorrelationId(item.json, request.correlationField);
	const safe = id === undefined ? null : ratelimit.headerSafe(id);
	if (safe === null) return {};
	const has = (name: string) => Object.keys(headers).some((key) => key.toLowerCase() === name);
	const out: Record<string, string> = {};
	if (request.correlationHeader !== '' && !has(request.correlationHeader))
		out[request.correlationHeader] = safe;
	if (request.sendTraceparent && !has('traceparent'))
		out.traceparent = ratelimit.traceparentFor(safe, randomBytes(8));
	return out;
}

export async function buildUnits(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
	limits: LimiterSettings,
	request: RequestSettings,
	auth: Auth,
	outputs: OutputRoutes<OutputOf<'sendRequest'>>,
): Promise<Unit[]> {
	const ready: ItemRequest[] = [];
	for (const [index, item] of items.entries()) {
		const entry = await itemRequest(context, items, index, limits, request);
		if (entry instanceof NodeOperationError)
			failItem(context, outputs.buckets, item, index, entry, outputs.index('Failed'));
		else ready.push(entry);
	}
	return ratelimit.chunk(ready, request.bulkSize).map((group) => {
		const first = group[0];
		const bulk = request.bulkSize > 1;
		// Bulk mode sends JSON (the settings refuse other content types with a Bulk Size).
		const records = group.map((entry) => (entry.body?.kind === 'json' ? entry.body.value : null));
		const body: RequestBody | undefined = !request.sendBody
			? undefined
			: bulk
				? {
						kind: 'json',
						value: request.bulkBodyField === '' ? records : { [request.bulkBodyField]: records },
					}
				: first.body;
		const headers: Record<string, string> = { ...first.headers };
		if (!bulk) Object.assign(headers, traceHeaders(items[first.index], headers, request));
		const hasKey = group.every((entry) => entry.idempotencyKey !== null);
		// In bulk mode one key stands for the batch: the items' keys, joined.
		if (hasKey)
			headers[request.idempotencyKeyHeader.toLowerCase()] = group
				.map((entry) => entry.idempotencyKey)
				.join(',');
		return {
			indices: group.map((entry) => entry.index),
			tokens: first.tokens,
			hasIdempotencyKey: hasKey,
			spec: {
				method: request.method,
				url: first.url,
				headers,
				query: first.query,
				auth,
				body,
				timeoutMs: request.timeoutMs,
				maxResponseBytes: request.maxResponseBytes,
			},
		};
	});
}
