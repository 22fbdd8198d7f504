import type { IDataObject, IExecuteFunctions, NodeExecutionHint } from 'n8n-workflow';

import {
	breaker,
	configError,
	errors,
	fieldNameOption,
	hint,
	itemError,
	resolveScope,
	stores,
} from '../../shared';

/** What the operations of Circuit Breaker share: the breaker's name, its store update, words. */

export const CIRCUIT_BREAKER_STORES = ['embedded', 'redis', 'postgres'] as const;

/** Output Field: where each item gets the breaker's name, route and state. */
export function outputField(context: IExecuteFunctions): string {
	return fieldNameOption(context, 'options.outputField', 'Output Field', 'circuitBreaker');
}

/**
 * Breaker Name, trimmed and checked: Check, Record and Set State act on one breaker. It is
 * read for the first item; an expression that gives something other than text (an
 * object would make a breaker called "[object Object]") is an error naming the item.
 * A number is a name too (an account ID, say).
 */
export function breakerName(context: IExecuteFunctions): string {
	const raw: unknown = context.getNodeParameter('breakerName', 0, '');
	if (typeof raw !== 'string' && !(typeof raw === 'number' && Number.isFinite(raw))) {
		throw itemError(
			context,
			0,
			`Breaker Name of item 0 is ${describeKind(raw)}, not text: ${errors.describeValue(raw)}`,
			'Make the Breaker Name expression give the name as text, e.g. {{ $json.vendor.name }} rather than {{ $json.vendor }}.',
		);
	}
	const name = String(raw).trim();
	const problem = breaker.breakerNameProblem(name);
	if (problem !== null) {
		throw configError(
			context,
			'Breaker Name',
			problem,
			'Name the hop this breaker guards, e.g. "salesforce", the same on its Check and Record nodes.',
		);
	}
	return name;
}

/** The store namespace of the node's Scope. */
export function breakerNamespace(context: IExecuteFunctions): string {
	return resolveScope(context, 'breaker');
}

/**
 * One optimistic update of a breaker, with its name added to the scope's registry in
 * the same round trip (written only the first time), so Stats can find it.
 */
export async function updateBreaker<Outcome>(
	store: stores.Store,
	namespace: string,
	name: string,
	decide: (
		current: breaker.BreakerState | undefined,
		now: number,
	) => { outcome: Outcome; write: breaker.BreakerState | null },
): Promise<{ outcome: Outcome; now: number }> {
	const results = await stores.updateRecords<{ outcome: Outcome; now: number } | null>(
		store,
		namespace,
		[breaker.breakerKey(name), breaker.BREAKER_REGISTRY_KEY],
		(current, now, position) => {
			if (position === 1) {
				const registry = breaker.registerBreaker(breaker.asBreakerRegistry(current?.value), name);
				return {
					outcome: null,
					write: registry === null ? undefined : { value: registry, ttlMs: null },
				};
			}
			const decision = decide(breaker.asBreakerState(current?.value), now);
			const write =
				decision.write === null
					? undefined
					: { value: decision.write, ttlMs: breaker.breakerStateTtlMs(decision.write) };
			return { outcome: { outcome: decision.outcome, now }, write };
		},
	);
	return results[0]!;
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

function describeKind(value: unknown): string {
	if (value === null || value === undefined) return String(value);
	if (Array.isArray(value)) return 'a list';
	if (typeof value === 'object') return 'an object';
	if (typeof value === 'number') return 'not a finite number';
	return `a ${typeof value}`;
}

export function iso(time: number | null): string | null {
	return time === null ? null : new Date(time).toISOString();
}
