import { randomUUID } from 'node:crypto';
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { OperationContext } from '../../shared';
import { hash, numberParameter, operationError, ratelimit, stores, time } from '../../shared';
import type { LimiterSettings } from './limiter';
import type { OutputOf } from './outputs';

/**
 * Wait for Slot's "Also Limit": a cap per day or month and a cap on items in flight, on top
 * of the limiter's rate. With either set, all three are granted together by the store's
 * one atomic step (Store.stack: a Lua script on Redis, one transaction in SQLite), so a
 * grant never counts against one limit and then fails another. The in-flight slots are
 * leases: Release Slot gives them back after the vendor node, and a slot nobody gives
 * back (a killed worker's) returns when its lease runs out.
 */

/** Where the stacked state lives in the store: one record per limiter key. */
export const STACK_NAMESPACE = 'ratelimit:stack';

/** How often an item waiting for an in-flight slot asks again: a release frees it at once. */
const IN_FLIGHT_POLL_MS = 100;
/** Units per store call: a bigger run is granted a chunk at a time. */
const CHUNK = 500;

export const alsoLimitDescription: INodeProperties = {
	displayName: 'Also Limit',
	name: 'alsoLimit',
	type: 'collection',
	placeholder: 'Add Limit',
	default: {},
	description:
		'Limits granted together with Limit, in one atomic step of the store: an item proceeds only when every one of them allows it',
	options: [
		{
			displayName: 'Period Cap (Tokens)',
			name: 'periodCap',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 0,
			description:
				"Tokens allowed per calendar day or month, in the workflow's time zone, e.g. 10,000 per day on top of 10 per second. Bursts are allowed within the period. Items past the cap leave on Over Limit at once. 0 is no cap.",
		},
		{
			displayName: 'Cap Period',
			name: 'capPeriod',
			type: 'options',
			options: [
				{ name: 'Day', value: 'day' },
				{ name: 'Month', value: 'month' },
			],
			default: 'day',
			description: 'The calendar period Period Cap (Tokens) counts in',
		},
		{
			displayName: 'Max In Flight',
			name: 'maxInFlight',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 0,
			description:
				'Items of this limiter between Wait for Slot and Release Slot at once, across executions (and every worker on Redis). Each item on Proceed holds a slot: put a Rate Limiter with Release Slot after the vendor node. Items beyond it in one run leave on Over Limit: send at most this many per run. 0 is no cap.',
		},
		{
			displayName: 'Lease (Seconds)',
			name: 'leaseSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 300,
			description:
				'A slot nobody releases (the workflow failed, a worker was killed) returns after this long. Longer than the vendor call takes.',
		},
	],
};

export interface StackSettings {
	periodCap: number;
	capPeriod: 'day' | 'month';
	maxInFlight: number;
	leaseMs: number;
	timeZone: string;
}

/** The Also Limit settings, or null when none is set (Wait for Slot takes its turn as before). */
export function readStackSettings(context: IExecuteFunctions): StackSettings | null {
	const periodCap = numberParameter(context, 'alsoLimit.periodCap', 'Period Cap (Tokens)', 0, {
		min: 0,
		integer: true,
		zero: '0 is no cap',
	});
	const maxInFlight = numberParameter(context, 'alsoLimit.maxInFlight', 'Max In Flight', 0, {
		min: 0,
		integer: true,
		zero: '0 is no cap',
	});
	if (periodCap === 0 && maxInFlight === 0) return null;
	const leaseSeconds = numberParameter(context, 'alsoLimit.leaseSeconds', 'Lease (Seconds)', 300, {
		min: 1,
		unit: 'seconds',
	});
	const capPeriod = context.getNodeParameter('alsoLimit.capPeriod', 0, 'day') as string;
	if (capPeriod !== 'day' && capPeriod !== 'month')
		throw operationError(context, `Cap Period "${capPeriod}" is not a period`, {
			description: 'Choose Day or Month.',
		});
	return {
		periodCap,
		capPeriod,
		maxInFlight,
		leaseMs: leaseSeconds * time.SECOND_MS,
		timeZone: context.getTimezone(),
	};
}

/** The record the stacked state of a limiter key lives in (hashed when very long). */
export function stackKey(limiterKey: string): string {
	return Buffer.byteLength(limiterKey) <= 512 ? limiterKey : `#${hash.stableHash(limiterKey)}`;
}

/** The limits of one call, with the period window of `now`. */
function stackLimits(
	settings: LimiterSettings,
	stack: StackSettings,
	now: number,
): ratelimit.StackLimit[] {
	const limits: ratelimit.StackLimit[] = [
		{
			kind: 'rate',
			capacity: settings.plan.capacity,
			increaseAmount: settings.plan.increaseAmount,
			increaseIntervalMs: settings.plan.increaseIntervalMs,
		},
	];
	if (stack.periodCap > 0) {
		const window = ratelimit.quotaWindow(now, stack.capPeriod, stack.timeZone);
		limits.push({ kind: 'window', limit: stack.periodCap, id: window.id, endsAt: window.end });
	}
	if (stack.maxInFlight > 0)
		limits.push({ kind: 'inFlight', max: stack.maxInFlight, leaseMs: stack.leaseMs });
	return limits;
}

/** What became of one item: granted (with its lease), or refused and why. */
export type StackOutcome =
	| { granted: true; at: number; leaseId: string | null; usage: stores.StackResult['usage'] }
	| {
			granted: false;
			reason: 'periodCap' | 'maxWait' | 'inFlightThisRun';
			retryAfterMs: number | null;
	  };

/**
 * Grants the items (by index, in order) under the stacked limits: a chunk per store call,
 * waiting between calls for what the store said (a release frees an in-flight slot at any
 * time: asked again every 100 ms). Items past the period cap, past Max Wait, or waiting for
 * a slot this very run holds are refused. A store failure rejects (the node fails closed;
 * slots granted before it return with their leases).
 */
export async function grantStacked(
	op: OperationContext<OutputOf<'waitForSlot'>>,
	settings: LimiterSettings,
	stack: StackSettings,
	tokens: Float64Array,
	wanted: number[],
): Promise<Map<number, StackOutcome>> {
	const store = await op.store();
	if (!store.stack)
		throw operationError(op.context, `${store.location} cannot hold stacked limits`, {
			description: 'Choose Embedded or Redis.',
		});
	const key = stackKey(settings.limiterKey);
	const signal = op.context.getExecutionCancelSignal?.();
	const deadline = settings.maxWaitMs > 0 ? Date.now() + settings.maxWaitMs : Infinity;
	const outcomes = new Map<number, StackOutcome>();
	const refuseRest = (
		from: number,
		reason: 'periodCap' | 'maxWait' | 'inFlightThisRun',
		retry: number | null,
	) => {
		for (const index of wanted.slice(from))
			outcomes.set(index, { granted: false, reason, retryAfterMs: retry });
	};
	let position = 0;
	while (position < wanted.length) {
		const chunk = wanted.slice(position, position + CHUNK);
		const leaseIds = chunk.map(() => (stack.maxInFlight > 0 ? randomUUID() : null));
		const result = await store.stack(STACK_NAMESPACE, key, {
			limits: stackLimits(settings, stack, Date.now()),
			units: chunk.map((index, at) => ({
				tokens: tokens[index],
				...(leaseIds[at] === null ? {} : { leaseId: leaseIds[at] as string }),
			})),
		});
		for (let at = 0; at < result.granted; at++)
			outcomes.set(chunk[at], {
				granted: true,
				at: result.now,
				leaseId: leaseIds[at],
				usage: result.usage,
			});
		position += result.granted;
		if (result.granted === chunk.length) continue;
		const retry = result.retryAfterMs ?? IN_FLIGHT_POLL_MS;
		if (result.blockedBy.includes('window')) {
			refuseRest(position, 'periodCap', retry);
			break;
		}
		if (result.blockedBy.includes('inFlight') && position >= stack.maxInFlight) {
			refuseRest(position, 'inFlightThisRun', null);
			break;
		}
		const wait = result.blockedBy.includes('inFlight') ? Math.min(retry, IN_FLIGHT_POLL_MS) : retry;
		if (Date.now() + retry > deadline && Date.now() + wait > deadline) {
			refuseRest(position, 'maxWait', retry);
			break;
		}
		await stores.pause(wait, signal);
	}
	return outcomes;
}

/** The details of an item that Also Limit granted or refused, added under Output Field. */
export function stackDetails(
	outcome: StackOutcome,
	stack: StackSettings,
	settings: LimiterSettings,
	started: number,
): IDataObject {
	const limits: IDataObject = {
		...(stack.periodCap > 0 ? { periodCap: stack.periodCap, capPeriod: stack.capPeriod } : {}),
		...(stack.maxInFlight > 0 ? { maxInFlight: stack.maxInFlight } : {}),
	};
	if (!outcome.granted)
		return {
			...limits,
			reason: outcome.reason,
			...(outcome.retryAfterMs === null ? {} : { retryAfterMs: outcome.retryAfterMs }),
			maxWaitMs: settings.maxWaitMs,
		};
	return {
		...limits,
		waitedMs: Math.max(0, outcome.at - started),
		grantedAt: new Date(outcome.at).toISOString(),
		...(outcome.usage.windowUsed === null ? {} : { periodUsed: outcome.usage.windowUsed }),
		...(outcome.leaseId === null
			? {}
			: {
					inFlight: outcome.usage.inFlight,
					// Text, so an expression in Release Slot's Lease reads it as it is.
					lease: outcome.leaseId,
					leaseExpiresAt: new Date(outcome.at + stack.leaseMs).toISOString(),
				}),
	};
}
