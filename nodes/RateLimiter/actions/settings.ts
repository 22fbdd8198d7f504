import type {
	IDataObject,
	IDisplayOptions,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import {
	correlation,
	correlationFieldProperty,
	fieldNameOption,
	pairIndex,
	resolveScope,
	scopeProperty,
} from '../../shared';

/**
 * What every operation of the Rate Limiter reads alike: the parameter labels its core
 * settings errors are named by, the Scope that namespaces limiters and quotas (version
 * 2), the Output Field and Correlation ID Field options, and the order items leave in.
 */

/**
 * The label of each parameter a core settings error can name, by the core's option key
 * (RateSettingsError, BackoffPolicyError, QuotaSettingsError): the node's one label map,
 * handed to withParameterLabels.
 */
export const labels = {
	limit: 'Limit',
	per: 'Per',
	targetUtilization: 'Target Utilization (%)',
	burst: 'Burst (Tokens)',
	baseMs: 'Base Delay (Seconds)',
	maxMs: 'Max Delay (Seconds)',
	factor: 'Factor',
	jitter: 'Jitter',
	period: 'Period',
	timeZone: 'Time Zone',
	thresholds: 'Alert Thresholds (%)',
	quota: 'Quota',
} as const;

/* ---------------------------------------------------------------- Scope */

/** Shown from version 2 on: version 1 workflows keep their instance-wide names. */
const FROM_VERSION_2: IDisplayOptions['show'] = { '@version': [{ _cnd: { gte: 2 } }] };

/** Scope (version 2): namespaces the limiter or quota the Limiter Name / Quota Name names. */
export const scopeParameter: INodeProperties = {
	...scopeProperty('e.g. crm'),
	displayOptions: {
		show: {
			operation: ['waitForSlot', 'sendRequest', 'learnFromResponse', 'quota', 'releaseSlot'],
			...FROM_VERSION_2,
		},
	},
};

/** Scope of Backoff, Paced (version 2.1): the limiter its retries take their slots from. */
export const pacedScopeParameter: INodeProperties = {
	...scopeParameter,
	displayOptions: {
		show: { operation: ['backoff'], pacing: ['paced'], '@version': [{ _cnd: { gte: 2.1 } }] },
	},
};

/**
 * The store namespace of a version 2 limiter or quota, from its Scope (`<kind>:workflow-<id>`
 * when empty, `<kind>:<name>`, `<kind>:project:<id>:<name>`); null in version 1, whose
 * names are instance-wide and keep the keys they always had.
 */
export function scopeOf(context: IExecuteFunctions, kind: string): string | null {
	return context.getNode().typeVersion >= 2 ? resolveScope(context, kind) : null;
}

/* -------------------------------------------------------------- Options */

const outputFieldOption: INodeProperties = {
	displayName: 'Output Field',
	name: 'outputField',
	type: 'string',
	default: 'rateLimiter',
	description:
		'Field added to each item with what the limiter did: tokens, waits, attempts, the limit observed',
};

export const correlationFieldOption: INodeProperties = {
	...correlationFieldProperty,
	description:
		"Field of each item that holds its correlation ID. When an item has one, it is copied into the details under Output Field (correlationId) and into the error of an item that leaves on Failed, so a request or a retry can be traced to the item's other records. Nothing is stored.",
};

/** An operation's Options collection: the options given (in the panel's order), then Output Field. */
export function optionsCollection(options: INodeProperties[] = []): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [...options, outputFieldOption],
	};
}

export function readOutputField(context: IExecuteFunctions): string {
	return fieldNameOption(context, 'options.outputField', 'Output Field', 'rateLimiter');
}

export function readCorrelationField(context: IExecuteFunctions): string {
	return fieldNameOption(
		context,
		'options.correlationField',
		'Correlation ID Field',
		'correlationId',
	);
}

/**
 * The item's correlation ID from the Correlation ID Field, as a field to spread into the
 * details or the error the node adds: `{ correlationId }`, nothing when the item has none.
 */
export function correlationOf(item: INodeExecutionData, field: string): IDataObject {
	const id = correlation.readCorrelationId(item.json, field);
	return id === undefined ? {} : { correlationId: id };
}

/* ---------------------------------------------------------------- Items */

export function withField(
	source: INodeExecutionData,
	field: string,
	details: IDataObject,
): IDataObject {
	return { ...source.json, [field]: details };
}

/** Items that failed (with On Error: Continue) were routed first: each output back in input order. */
export function inInputOrder(buckets: INodeExecutionData[][]): void {
	for (const bucket of buckets) bucket.sort((a, b) => pairIndex(a) - pairIndex(b));
}

export function round(value: number): number {
	return Math.round(value * 1000) / 1000;
}
