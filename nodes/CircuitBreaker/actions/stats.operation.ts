import type { IDataObject, INodeProperties } from 'n8n-workflow';

import {
	breaker,
	hint,
	paths,
	time,
	updateDisplayOptions,
	type OperationContext,
} from '../../shared';
import { breakerNamespace, describeChange, iso } from './common';
import type { OutputName } from './outputs';

/** Stats: one item per breaker, with its state, calls, error rate and latency percentiles over the window. */

const properties: INodeProperties[] = [
	{
		displayName: 'Breakers',
		name: 'breakerNames',
		type: 'string',
		default: '',
		placeholder: 'e.g. salesforce, xero',
		description: 'Comma-separated breaker names. Leave empty to report every breaker in the scope.',
	},
];

export const description = updateDisplayOptions({ show: { operation: ['stats'] } }, properties);

export async function execute(op: OperationContext<OutputName<'stats'>>): Promise<void> {
	const { context, items } = op;
	let names = paths.parseFieldList(String(context.getNodeParameter('breakerNames', 0, '')));
	if (items.length === 0) return;
	const namespace = breakerNamespace(context);
	const store = await op.store();
	if (names.length === 0) {
		const { records } = await store.read(namespace, [breaker.BREAKER_REGISTRY_KEY]);
		names = breaker.asBreakerRegistry(records.get(breaker.BREAKER_REGISTRY_KEY)?.value).names;
	}
	if (names.length === 0) {
		op.hints.push(hint('No circuit breaker has been used in this scope yet.'));
		return;
	}
	const { now, records } = await store.read(namespace, names.map(breaker.breakerKey));
	// A report on the whole input: each item pairs with every input item.
	const paired = items.map((_, index) => ({ item: index }));
	for (const name of names) {
		const figures = breaker.breakerStats(
			breaker.asBreakerState(records.get(breaker.breakerKey(name))?.value),
			now,
		);
		op.outputs.push('Stats', { json: statsJson(name, figures, now), pairedItem: paired });
	}
}

function statsJson(name: string, figures: breaker.BreakerStats, now: number): IDataObject {
	const inSeconds = (ms: number) => ms / time.SECOND_MS;
	return {
		breaker: name,
		state: figures.status,
		known: figures.known,
		since: iso(figures.since),
		openUntil: iso(figures.openUntil),
		windowSeconds: inSeconds(figures.windowMs),
		calls: figures.calls,
		failures: figures.failures,
		failuresNotCounted: figures.failuresNotCounted,
		errorRatePercent: figures.failureRatePercent,
		slowCalls: figures.slowCalls,
		slowCallRatePercent: figures.slowCallRatePercent,
		latencyMs: {
			measured: figures.latency.measured,
			mean: figures.latency.meanMs,
			min: figures.latency.minMs,
			max: figures.latency.maxMs,
			p50: figures.latency.p50Ms,
			p95: figures.latency.p95Ms,
			p99: figures.latency.p99Ms,
		},
		recentCalls: figures.recentCalls,
		consecutiveFailures: figures.consecutiveFailures,
		probes: figures.probes,
		opens: figures.opens,
		failedProbeRounds: figures.failedProbeRounds,
		lastChange: describeChange(figures.lastChange),
		policy: {
			failureRatePercent: figures.policy.failureRatePercent,
			minimumCalls: figures.policy.minimumCalls,
			windowSeconds: inSeconds(figures.policy.windowMs),
			openSeconds: inSeconds(figures.policy.openMs),
			halfOpenProbes: figures.policy.halfOpenProbes,
			probeTimeoutSeconds: inSeconds(figures.policy.probeTimeoutMs),
			slowCallSeconds: inSeconds(figures.policy.slowCallMs),
			slowCallRatePercent: figures.policy.slowCallRatePercent,
			windowType: figures.policy.windowType,
			windowCalls: figures.policy.windowCalls,
			consecutiveFailures: figures.policy.consecutiveFailures,
			openBackoffMultiplier: figures.policy.openBackoffMultiplier,
			maxOpenSeconds: inSeconds(figures.policy.maxOpenMs),
		},
		reportedAt: iso(now),
	};
}
