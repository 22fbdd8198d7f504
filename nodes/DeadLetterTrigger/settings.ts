import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import {
	configError,
	deadletter,
	fieldNameOption,
	numberParameter,
	checkNumber,
	time,
	withParameterLabels,
} from '../shared';
import {
	DEFAULT_PARKED_RETENTION_DAYS,
	DEFAULT_RESOLVED_RETENTION_DAYS,
	PAYLOAD_FIELD,
} from './properties';

/** The trigger's parameters, read once per poll and checked before the store is touched. */
export interface TriggerSettings {
	policy: deadletter.RedeliveryPolicy;
	maxRecords: number;
	leaseMs: number;
	thresholds: deadletter.AlertThresholds;
	resolvedRetentionMs: number;
	parkedRetentionMs: number;
	outputField: string;
}

const TRANSIENT_LABEL = 'Transient Schedule (Minutes)';
const RATE_LIMIT_LABEL = 'Rate Limit Schedule (Minutes)';

export function readTriggerSettings(context: IExecuteFunctions): TriggerSettings {
	const options = context.getNodeParameter('options', 0, {}) as IDataObject;
	const optionDays = (name: string, label: string, fallback: number) =>
		checkNumber(context, options[name] ?? fallback, label, { min: 0, unit: 'days' }) * time.DAY_MS;
	const hours = (name: string, label: string, fallback: number) =>
		numberParameter(context, name, label, fallback, { min: 0, max: 87_600, unit: 'hours' }) *
		time.HOUR_MS;

	const policy = withParameterLabels(
		context,
		{ [TRANSIENT_LABEL]: TRANSIENT_LABEL, [RATE_LIMIT_LABEL]: RATE_LIMIT_LABEL },
		() => {
			const transient = deadletter.parseSchedule(
				context.getNodeParameter('transientMinutes', 0, '1, 5, 30, 120, 720'),
				time.MINUTE_MS,
				TRANSIENT_LABEL,
			);
			const rateLimit = deadletter.parseSchedule(
				context.getNodeParameter('rateLimitMinutes', 0, '1, 5, 15, 60, 240'),
				time.MINUTE_MS,
				RATE_LIMIT_LABEL,
			);
			const scheduled = (delaysMs: number[], retryAfter = false) => ({
				mode: (delaysMs.length > 0 ? 'schedule' : 'never') as deadletter.RedeliveryMode,
				delaysMs,
				retryAfter,
			});
			const auth = context.getNodeParameter('authRedelivery', 0, 'afterRelease');
			const unknown = context.getNodeParameter('unknownRedelivery', 0, 'schedule');
			return deadletter.checkPolicy({
				classes: {
					transient: scheduled(transient),
					rateLimit: scheduled(rateLimit, context.getNodeParameter('retryAfter', 0, true) === true),
					auth:
						auth === 'schedule'
							? scheduled(transient)
							: {
									mode: auth === 'never' ? 'never' : 'afterRelease',
									delaysMs: [],
									retryAfter: false,
								},
					data: { mode: 'never', delaysMs: [], retryAfter: false },
					unknown: unknown === 'never' ? scheduled([]) : scheduled(transient),
				},
				jitter:
					numberParameter(context, 'jitterPercent', 'Jitter (%)', 20, { min: 0, max: 100 }) / 100,
				maxAgeMs: hours('maxAgeHours', 'Park Records Older Than (Hours)', 72),
				maxRetryAfterMs:
					checkNumber(context, options.maxRetryAfterHours ?? 24, 'Longest Retry-After (Hours)', {
						min: 0,
						max: 24 * 365,
						unit: 'hours',
					}) * time.HOUR_MS,
			});
		},
	);
	const depth = numberParameter(context, 'depthThreshold', 'Depth Alert Threshold', 0, {
		min: 0,
		integer: true,
	});
	const ageMs = hours('ageAlertHours', 'Age Alert (Hours)', 0);
	return {
		policy,
		maxRecords: numberParameter(context, 'maxRecords', 'Max Records per Poll', 100, {
			min: 1,
			max: 10_000,
			integer: true,
		}),
		leaseMs: Math.round(
			numberParameter(context, 'leaseMinutes', 'Lease (Minutes)', 10, {
				min: 0,
				minExclusive: true,
				max: 7 * 24 * 60,
				unit: 'minutes',
			}) * time.MINUTE_MS,
		),
		thresholds: { depth: depth > 0 ? depth : null, ageMs: ageMs > 0 ? ageMs : null },
		resolvedRetentionMs: optionDays(
			'resolvedRetentionDays',
			'Delete Resolved Records After (Days)',
			DEFAULT_RESOLVED_RETENTION_DAYS,
		),
		parkedRetentionMs: optionDays(
			'parkedRetentionDays',
			'Delete Parked Records After (Days)',
			DEFAULT_PARKED_RETENTION_DAYS,
		),
		outputField: readOutputField(context),
	};
}

/** The marker's field: beside the payload (under `payload`), never over it. */
function readOutputField(context: IExecuteFunctions): string {
	const outputField = fieldNameOption(context, 'options.outputField', 'Output Field', 'deadLetter');
	if (outputField === PAYLOAD_FIELD)
		throw configError(
			context,
			'Output Field',
			`must not be "${PAYLOAD_FIELD}"`,
			`Each record's payload is under "${PAYLOAD_FIELD}"; the dead-letter marker needs its own field.`,
		);
	return outputField;
}
