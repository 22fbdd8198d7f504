import type { OperationContext } from '../../shared';
import {
	hint,
	operationError,
	storeFailure,
	stores,
	time,
	updateDisplayOptions,
} from '../../shared';
import { readAuth } from './http';
import {
	configuredLimit,
	limitHint,
	observedLimit,
	openLimiter,
	readLimiterSettings,
} from './limiter';
import type { OutputOf } from './outputs';
import { route } from './sendRequest.route';
import {
	admit,
	limiterUnavailable,
	mapConcurrent,
	overLimit,
	send,
	sendPages,
	type UnitResult,
} from './sendRequest.send';
import { readPagination } from './sendRequest.pagination';
import { properties } from './sendRequest.properties';
import { readRequestSettings } from './sendRequest.settings';
import { buildUnits } from './sendRequest.units';
import { inInputOrder } from './settings';

/** Send Request's own parameters; the limiter's are in limiter.ts. */
export const description = updateDisplayOptions(
	{ show: { operation: ['sendRequest'] } },
	properties,
);

/**
 * Send Request: one HTTP request per item (or per batch in bulk mode) through the
 * shared limiter, retried by p-retry with our backoff (full jitter, Retry-After and
 * rate-limit resets honoured). Every try takes its tokens from the limiter, so retries
 * never push the rate over the target. Items leave on Success or, after the last try,
 * on Failed with the status, error and attempts.
 *
 * Settings (sendRequest.settings.ts) → units (sendRequest.units.ts) → send
 * (sendRequest.send.ts) → route (sendRequest.route.ts).
 */
export async function execute(op: OperationContext<OutputOf<'sendRequest'>>): Promise<void> {
	const { context, items, outputs } = op;
	const limits = readLimiterSettings(context);
	const request = readRequestSettings(context);
	const pagination = readPagination(context);
	if (pagination && request.bulkSize > 1)
		throw operationError(context, 'Pagination and a Bulk Size over 1 cannot be used together', {
			description: 'Set Bulk Size to 1 to fetch pages per item, or turn Pagination off.',
		});
	if (items.length === 0) return;
	const auth = await readAuth(context);
	const units = await buildUnits(context, items, limits, request, auth, outputs);

	let limiter: stores.TokenLimiter;
	let results: UnitResult[];
	// The first failure of the limiter's store. Before anything was sent it fails the node
	// (fail closed); once requests went out, their answers must not be thrown away: every
	// unit then leaves on Failed (reason limiterUnavailable), and no new request is sent.
	let limiterFailure: unknown;
	try {
		limiter = await openLimiter(context, limits);
		const admitted = await admit(limiter, limits, units);
		const signal = context.getExecutionCancelSignal?.();
		results = await mapConcurrent(units, request.concurrency, async (unit, position) => {
			if (admitted[position] !== null) return overLimit(admitted[position] as number);
			if (limiterFailure !== undefined) return limiterUnavailable(context, limiterFailure, null);
			const result = pagination
				? await sendPages(context, limiter, unit, limits, request, pagination, signal)
				: await send(context, limiter, unit, limits, request, signal);
			if (result.reason === 'limiterUnavailable') limiterFailure ??= result.limiterError;
			return result;
		});
	} catch (error) {
		throw storeFailure(context, error);
	}
	if (limiterFailure !== undefined && results.every((result) => result.last === null)) {
		throw operationError(context, String(limiterFailure), {
			description:
				"Nothing was sent: the rate limiter could not give a slot. Check that its store is running and reachable from n8n (the credential's Test button), then run again.",
		});
	}

	const meta = {
		limiter: limits.limiterName,
		store: limits.store,
		configured: configuredLimit(limits),
		...observedLimit(limits, limiter),
	};
	units.forEach((unit, position) =>
		route(items, unit, results[position], limits, request, meta, outputs),
	);
	inInputOrder(outputs.buckets);

	const retried = results.filter((result) => result.attempts > 1).length;
	const tooMany = results.reduce((sum, result) => sum + result.tooManyRequests, 0);
	const failed = results.filter((result) => !result.ok).length;
	if (retried > 0 || failed > 0) {
		op.hints.push(
			hint(
				`Rate limiter "${limits.limiterName}": ${units.length} request(s), ${retried} retried, ${failed} failed after retries; the vendor answered 429 ${tooMany} time(s).`,
				failed > 0 ? 'warning' : 'info',
			),
		);
	}
	const capped = results.flatMap((result) => (result.hold?.capped ? [result.hold] : []));
	if (capped.length > 0) {
		const asked = Math.max(...capped.map((hold) => hold.requestedMs));
		op.hints.push(
			hint(
				`Rate limiter "${limits.limiterName}": the vendor asked to hold for ${Math.ceil(asked / time.SECOND_MS)} s; held ${limits.maxHoldMs / time.SECOND_MS} s (Max Hold).`,
				'warning',
			),
		);
	}
	const observed = limitHint(limits, limiter);
	if (observed) op.hints.push(observed);
}
