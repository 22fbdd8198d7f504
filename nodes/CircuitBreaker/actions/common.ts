import type { IDataObject, IExecuteFunctions, NodeExecutionHint } from 'n8n-workflow';

import { breaker, fieldNameOption, hint, resolveScope, stores } from '../../shared';

/** What the operations of Circuit Breaker share: the breakers' store update, words. */

export const CIRCUIT_BREAKER_STORES = ['embedded', 'redis', 'postgres'] as const;

/** Version 1.2: Record takes Scope and Breaker Name from the matching Check node by default. */
export const PAIRING_VERSION = 1.2;

/** Output Field: where each item gets the breaker's name, route and state. */
export function outputField(context: IExecuteFunctions): string {
	return fieldNameOption(context, 'options.outputField', 'Output Field', 'circuitBreaker');
}

/** The store namespace of the node's Scope. */
export function breakerNamespace(context: IExecuteFunctions): string {
	return resolveScope(context, 'breaker');
}

/**
 * One optimistic update of one or more breakers (the distinct names of a batch, in one
 * store round trip), with their names added to the scope's registry in the same round
 * trip (written only the first time), so Stats can find them.
 */
export async function updateBreakers<Outcome>(
	store: stores.Store,
	namespace: string,
	names: readonly string[],
	decide: (
		name: string,
		current: breaker.BreakerState | undefined,
		now: number,
	) => { outcome: Outcome; write: breaker.BreakerState | null },
): Promise<{ outcomes: Map<string, Outcome>; now: number }> {
	const registry = names.length;
	const results = await stores.updateRecords<{ outcome: Outcome; now: number } | null>(
		store,
		namespace,
		[...names.map(breaker.breakerKey), breaker.BREAKER_REGISTRY_KEY],
		(current, now, position) => {
			if (position === registry) {
				let listed = breaker.asBreakerRegistry(current?.value);
				let changed = false;
				for (const name of names) {
					const next = breaker.registerBreaker(listed, name);
					if (next !== null) {
						listed = next;
						changed = true;
					}
				}
				return {
					outcome: null,
					write: changed ? { value: listed, ttlMs: null } : undefined,
				};
			}
			const decision = decide(names[position], breaker.asBreakerState(current?.value), now);
			const write =
				decision.write === null
					? undefined
					: { value: decision.write, ttlMs: breaker.breakerStateTtlMs(decision.write) };
			return { outcome: { outcome: decision.outcome, now }, write };
		},
	);
	const outcomes = new Map<string, Outcome>();
	names.forEach((name, position) => outcomes.set(name, results[position]!.outcome));
	return { outcomes, now: results[0]!.now };
}

/* ------------------------------------------------------------------ Words */

const STATUS_WORDS: Record<breaker.BreakerStatus, string> = {
	closed: 'closed',
	open: 'open',
	halfOpen: 'half-open',
	forcedOpen: 'forced open',
	disabled: 'disabled',
};

export function describeChange(change: breaker.BreakerChange | null): IDataObject | null {
	if (change === null) return null;
	return {
		from: change.from,
		to: change.to,
		at: iso(change.at),
		reason: change.reason,
		correlationId: change.correlationId,
	};
}

export function changeHint(
	name: string,
	change: breaker.BreakerChange,
	state: breaker.BreakerState,
): NodeExecutionHint {
	const until = change.to === 'open' ? ` Checks route to Open until ${iso(state.openUntil)}.` : '';
	return hint(
		`Circuit breaker "${name}" is now ${STATUS_WORDS[change.to]} (was ${STATUS_WORDS[change.from]}): ${change.reason}.${until}`,
		change.to === 'open' || change.to === 'forcedOpen' ? 'warning' : 'info',
	);
}

/** The hint when the store failed and the user chose to let items through. */
export function letThroughHint(name: string, storeError: string): NodeExecutionHint {
	return hint(
		`Circuit breaker "${name}": the store failed, so items were let through without the breaker: ${storeError}`,
		'warning',
	);
}

/** Whether the user chose to let items through when the store fails (Check and Record). */
export function letsItemsThrough(context: IExecuteFunctions): boolean {
	return context.getNodeParameter('options.onStoreError', 0, 'fail') === 'letThrough';
}

export function iso(time: number | null): string | null {
	return time === null ? null : new Date(time).toISOString();
}
