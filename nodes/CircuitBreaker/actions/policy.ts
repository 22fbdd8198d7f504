import type { IExecuteFunctions } from 'n8n-workflow';

import { breaker, time, toParameterError } from '../../shared';

/** Record's policy parameters: where each is, its label, and the factor from its unit to the policy's. */
const POLICY_PARAMETERS: Record<
	Exclude<keyof breaker.BreakerPolicy, 'windowBuckets'>,
	{ parameter: string; label: string; scale: number; inOptions: boolean }
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
};

type PolicyOption = keyof typeof POLICY_PARAMETERS;

const POLICY_LABELS = Object.fromEntries(
	Object.entries(POLICY_PARAMETERS).map(([option, { label }]) => [option, label]),
) as Record<PolicyOption, string>;

/**
 * The Record node's policy; a value out of range fails the node, naming the parameter
 * and quoting the value as the user gave it (in the parameter's unit).
 */
export function readPolicy(context: IExecuteFunctions): breaker.BreakerPolicy {
	const overrides: Partial<breaker.BreakerPolicy> = {};
	const given: Partial<Record<PolicyOption, unknown>> = {};
	for (const [option, { parameter, scale, inOptions }] of Object.entries(
		POLICY_PARAMETERS,
	) as Array<[PolicyOption, (typeof POLICY_PARAMETERS)[PolicyOption]]>) {
		// null as the fallback: an option the user did not add keeps the policy default.
		const value = context.getNodeParameter(inOptions ? `options.${parameter}` : parameter, 0, null);
		if (value === null || value === '') continue;
		given[option] = value;
		overrides[option] = typeof value === 'number' ? value * scale : Number.NaN;
	}
	try {
		return breaker.resolveBreakerPolicy(overrides);
	} catch (error) {
		if (breaker.isBreakerPolicyError(error) && error.option in given) {
			const option = error.option as PolicyOption;
			const inUnits = new breaker.BreakerPolicyError(option, given[option], error.expected);
			throw toParameterError(context, inUnits, POLICY_LABELS);
		}
		throw toParameterError(context, error, POLICY_LABELS);
	}
}
