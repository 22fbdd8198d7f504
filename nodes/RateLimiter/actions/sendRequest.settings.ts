import type { IExecuteFunctions, IHttpRequestMethods } from 'n8n-workflow';

import {
	checkNumber,
	configError,
	fieldNameOption,
	type NumberBounds,
	optionsOf,
	ratelimit,
	time,
} from '../../shared';
import type { ContentType } from './sendRequest.body';
import { readCorrelationField } from './settings';

/** What Send Request reads once per execution, besides the limiter's settings. */
export interface RequestSettings {
	method: IHttpRequestMethods;
	maxAttempts: number;
	rules: ratelimit.RetryRules;
	backoff: ratelimit.BackoffPolicy;
	idempotencyKeyField: string;
	idempotencyKeyHeader: string;
	concurrency: number;
	timeoutMs: number;
	maxResponseBytes: number;
	bulkSize: number;
	bulkBodyField: string;
	bulkResultsPath: string;
	responseField: string;
	correlationField: string;
	/** Header for the item's correlation ID ('' sends none). */
	correlationHeader: string;
	sendTraceparent: boolean;
	sendBody: boolean;
	/** The body's format: JSON before version 2.2. */
	contentType: ContentType;
	sendHeaders: boolean;
	sendQuery: boolean;
}

const MIB = 1_048_576;

export function readRequestSettings(context: IExecuteFunctions): RequestSettings {
	const option = optionsOf(context, 'requestOptions');
	// Version 2.2 shows the retry settings as fields of their own; older ones in Request Options.
	const topLevel = context.getNode().typeVersion >= 2.2;
	const retry = (name: string, fallback: unknown): unknown =>
		topLevel ? context.getNodeParameter(name, 0, fallback) : option(name, fallback);
	const number = (
		name: string,
		label: string,
		fallback: number,
		bounds: NumberBounds,
		read: (name: string, fallback: unknown) => unknown = option,
	) => checkNumber(context, read(name, fallback), label, bounds);
	const wholeNumber = (name: string, label: string, fallback: number, min: number, max: number) =>
		number(name, label, fallback, { min, max, integer: true });
	const seconds = (
		name: string,
		label: string,
		fallback: number,
		min: number,
		read: (name: string, fallback: unknown) => unknown = option,
	) => number(name, label, fallback, { min, unit: 'seconds' }, read) * time.SECOND_MS;
	const retryOn = String(retry('retryOn', ratelimit.DEFAULT_RETRY_STATUSES));
	const parsed = ratelimit.parseStatusList(retryOn);
	if ('bad' in parsed) {
		throw configError(
			context,
			'Retry On Status',
			`has an entry that is not a status: "${parsed.bad}"`,
			'List statuses and classes, e.g. 429, 502, 503 or 429, 5xx.',
		);
	}
	const baseMs = seconds('baseDelay', 'Base Delay (Seconds)', 1, 0, retry);
	const maxMs = seconds('maxDelay', 'Max Delay (Seconds)', 30, 0, retry);
	if (maxMs < baseMs)
		throw configError(
			context,
			'Max Delay (Seconds)',
			'is shorter than Base Delay (Seconds)',
			'Make Max Delay at least as long as Base Delay.',
		);
	const url = context.getNodeParameter('url', 0, '');
	if (typeof url === 'string' && url.trim() === '')
		throw configError(
			context,
			'URL',
			'is empty',
			'Enter the address to call, e.g. https://api.example.com/v1/contacts.',
		);
	const contentType = (
		topLevel ? context.getNodeParameter('contentType', 0, 'json') : 'json'
	) as ContentType;
	const bulkSize = wholeNumber('bulkSize', 'Bulk Size', 1, 1, 10_000);
	if (bulkSize > 1 && contentType !== 'json' && context.getNodeParameter('sendBody', 0, false))
		throw configError(
			context,
			'Bulk Size',
			`is ${bulkSize} with a ${contentType} body`,
			'Bulk mode sends the records as one JSON body: set Body Content Type to JSON, or Bulk Size to 1.',
		);
	return {
		method: String(
			context.getNodeParameter('method', 0, 'GET'),
		).toUpperCase() as IHttpRequestMethods,
		maxAttempts: number(
			'maxAttempts',
			'Max Attempts',
			5,
			{ min: 1, max: 50, integer: true },
			retry,
		),
		rules: {
			statuses: parsed.statuses,
			networkErrors: option('retryNetworkErrors', true) !== false,
			nonIdempotent: option('retryNonIdempotent', false) === true,
		},
		backoff: ratelimit.resolveBackoffPolicy({ baseMs, maxMs, factor: 2, jitter: 'full' }),
		idempotencyKeyField: String(option('idempotencyKeyField', '')).trim(),
		idempotencyKeyHeader:
			String(option('idempotencyKeyHeader', 'Idempotency-Key')).trim() || 'Idempotency-Key',
		concurrency: wholeNumber('concurrency', 'Max Concurrent Requests', 5, 1, 100),
		timeoutMs: seconds('timeout', 'Timeout (Seconds)', 30, 0.1),
		maxResponseBytes: Math.round(
			number('maxResponseSize', 'Max Response Size (MiB)', 10, { min: 0.001, unit: 'MiB' }) * MIB,
		),
		bulkSize,
		bulkBodyField: String(option('bulkBodyField', '')).trim(),
		bulkResultsPath: String(option('bulkResultsPath', '')).trim(),
		responseField: fieldNameOption(
			context,
			'requestOptions.responseField',
			'Response Field',
			'response',
		),
		correlationField: readCorrelationField(context),
		...correlationHeaders(context),
		sendBody: context.getNodeParameter('sendBody', 0, false) === true,
		contentType,
		sendHeaders: context.getNodeParameter('sendHeaders', 0, false) === true,
		sendQuery: context.getNodeParameter('sendQuery', 0, false) === true,
	};
}

/** Correlation ID Header and Send Traceparent, on by default from version 2.1. */
function correlationHeaders(
	context: IExecuteFunctions,
): Pick<RequestSettings, 'correlationHeader' | 'sendTraceparent'> {
	const current = context.getNode().typeVersion >= 2.1;
	const header = String(
		context.getNodeParameter('options.correlationHeader', 0, current ? 'X-Correlation-ID' : ''),
	).trim();
	if (header !== '' && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/.test(header))
		throw configError(
			context,
			'Correlation ID Header',
			`is not a header name: "${header.slice(0, 100)}"`,
			'Use letters, digits and dashes, e.g. X-Correlation-ID, or leave it empty to send none.',
		);
	return {
		correlationHeader: header.toLowerCase(),
		sendTraceparent: context.getNodeParameter('options.sendTraceparent', 0, current) === true,
	};
}
