import type { IExecuteFunctions } from 'n8n-workflow';

import { breaker, time, toParameterError } from '../../shared';

/** The version that counts failures by kind, has the count and consecutive windows and grows the open duration. */
export const CLASSIFYING_VERSION = 1.1;

/** Version 1.1's open duration doubles after each failed half-open round, unless the option says otherwise. */
export const OPEN_BACKOFF_MULTIPLIER_1_1 = 2;

/**
 * Record's policy parameters: where each is, its label, the factor from its unit to the
 * policy's, and the version that has it.
 */
const POLICY_PARAMETERS: Record<
	Exclude<keyof breaker.BreakerPolicy, 'windowBuckets' | 'windowType'>,
	{ parameter: string; label: string; scale: number; inOptions: boolean; since?: number }
> = {
	failureRatePercent: {
		parameter: 'failureRatePercent',
		label: 'Failure Rate Threshold (%)',
		scale: 1,
		inOptions: false,
	},
	minimumCalls: { parameter: 'minimumCalls', label: 'Minimum Calls', scale: 1, inOptions: false },
	windowMs: {
		parameter: 'windowSeconds',
		label: 'Window (Seconds)',
		scale: time.SECOND_MS,
		inOptions: false,
	},
	openMs: {
		parameter: 'openSeconds',
		label: 'Open Duration (Seconds)',
		scale: time.SECOND_MS,
		inOptions: false,
	},
	halfOpenProbes: {
		parameter: 'halfOpenProbes',
		label: 'Half-Open Probes',
		scale: 1,
		inOptions: true,
	},
	probeTimeoutMs: {
		parameter: 'probeTimeoutSeconds',
		label: 'Probe Timeout (Seconds)',
		scale: time.SECOND_MS,
		inOptions: true,
	},
	slowCallMs: {
		parameter: 'slowCallSeconds',
		label: 'Slow Call Threshold (Seconds)',
		scale: time.SECOND_MS,
		inOptions: true,
	},
	slowCallRatePercent: {
		parameter: 'slowCallRatePercent',
		label: 'Slow Call Rate Threshold (%)',
		scale: 1,
		inOptions: true,
	},
	windowCalls: {
		parameter: 'windowCalls',
		label: 'Window Size (Calls)',
		scale: 1,
		inOptions: false,
		since: CLASSIFYING_VERSION,
	},
	consecutiveFailures: {
		parameter: 'consecutiveFailures',
		label: 'Failures in a Row',
		scale: 1,
		inOptions: false,
		since: CLASSIFYING_VERSION,
	},
	openBackoffMultiplier: {
		parameter: 'openBackoffMultiplier',
		label: 'Open Duration Multiplier',
		scale: 1,
		inOptions: true,
	},
	maxOpenMs: {
		parameter: 'maxOpenSeconds',
		label: 'Max Open Duration (Seconds)',
		scale: time.SECOND_MS,
		inOptions: true,
	},
};

type PolicyOption = keyof typeof POLICY_PARAMETERS;

const POLICY_LABELS = {
	...Object.fromEntries(
		Object.entries(POLICY_PARAMETERS).map(([option, { label }]) => [option, label]),
	),
	windowType: 'Window Type',
} as Record<PolicyOption | 'windowType', string>;

/**
 * The Record node's policy; a value out of range fails the node, naming the parameter
 * and quoting the value as the user gave it (in the parameter's unit).
 */
export function readPolicy(context: IExecuteFunctions): breaker.BreakerPolicy {
	const version = context.getNode().typeVersion;
	const overrides: Partial<breaker.BreakerPolicy> = {};
	const given: Partial<Record<PolicyOption, unknown>> = {};
	if (version >= CLASSIFYING_VERSION) {
		overrides.windowType = context.getNodeParameter(
			'windowType',
			0,
			'time',
		) as breaker.BreakerWindowType;
		overrides.openBackoffMultiplier = OPEN_BACKOFF_MULTIPLIER_1_1;
	}
	for (const [option, { parameter, scale, inOptions, since = 1 }] of Object.entries(
		POLICY_PARAMETERS,
	) as Array<[PolicyOption, (typeof POLICY_PARAMETERS)[PolicyOption]]>) {
		if (version < since) continue;
		// null as the fallback: an option the user did not add keeps the policy default.
		const value = context.getNodeParameter(inOptions ? `options.${parameter}` : parameter, 0, null);
		if (value === null || value === '') continue;
		given[option] = value;
		overrides[option] = typeof value === 'number' ? value * scale : Number.NaN;
	}
	try {
		return breaker.resolveBreakerPolicy(overrides);
	} catch (error) {
		if (
			breaker.isBreakerPolicyError(error) &&
			error.option !== 'windowType' &&
			error.option in given
		) {
			const option = error.option as PolicyOption;
			const inUnits = new breaker.BreakerPolicyError(option, given[option], error.expected);
			throw toParameterError(context, inUnits, POLICY_LABELS);
		}
		throw toParameterError(context, error, POLICY_LABELS);
	}
}
