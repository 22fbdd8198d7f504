import { cost, storeFailure, type OperationContext, type stores } from '../../shared';
import { alertCandidates, alertClaim, type AlertCandidate } from './alerts';
import { counterIncrement, type BudgetHandle } from './budget';

/*
 * Check Budget's reservation protocol over the store's counters: reserve a batch's
 * estimate in every limited window, then settle (give back what did not go through and
 * claim the alerts due).
 */

/** The budget as this run sees it: its windows now, by the store's clock. */
export interface Budget {
	handle: BudgetHandle;
	config: cost.BudgetConfig;
	periods: cost.BudgetPeriod[];
	windows: Map<cost.BudgetPeriod, cost.BudgetWindow>;
	now: number;
}

/** The items with an estimate, which the batch reserves for. */
export interface Batch {
	/** Input indices. */
	candidates: number[];
	estimates: number[];
	nanos: number;
}

/** Gives back a reservation of `nanos` and `count` items in every window that limits them. */
function giveBack(budget: Budget, nanos: number, count: number): stores.CounterIncrement[] {
	const { handle, config, now } = budget;
	return budget.periods.flatMap((period) => {
		const window = budget.windows.get(period)!;
		const limit = config.limits[period]!;
		return [
			...(limit.moneyNanos !== null && nanos !== 0
				? [counterIncrement(handle, 'reserved', window, -nanos, now)]
				: []),
			...(limit.items !== null && count !== 0
				? [counterIncrement(handle, 'items', window, -count, now)]
				: []),
		];
	});
}

/**
 * The items let through, counted in every period whose item count reserve() did not
 * already hold (no item limit there), so Report's itemsLetThrough is right on a
 * money-only budget, and in the periods the budget does not limit.
 */
function countLetThrough(budget: Budget, admitted: number): stores.CounterIncrement[] {
	if (admitted === 0) return [];
	const { handle, config, now } = budget;
	return cost.BUDGET_PERIODS.filter(
		(period) => (config.limits[period]?.items ?? null) === null,
	).map((period) =>
		counterIncrement(
			handle,
			'items',
			budget.windows.get(period) ?? cost.windowAt(period, now, config.zone),
			admitted,
			now,
		),
	);
}

/**
 * One round trip: reads the spend and reserves the whole batch's estimate and item count
 * in every limited window. Returns each period's standing before this batch.
 */
export async function reserve(budget: Budget, batch: Batch): Promise<cost.PeriodStanding[]> {
	const { handle, config, now } = budget;
	const count = batch.candidates.length;
	const increments: stores.CounterIncrement[] = [];
	const slots: Array<{ period: cost.BudgetPeriod; counter: 'spent' | 'reserved' | 'items' }> = [];
	for (const period of budget.periods) {
		const window = budget.windows.get(period)!;
		const limit = config.limits[period]!;
		increments.push(counterIncrement(handle, 'spent', window, 0, now));
		slots.push({ period, counter: 'spent' });
		if (limit.moneyNanos !== null) {
			increments.push(counterIncrement(handle, 'reserved', window, batch.nanos, now));
			slots.push({ period, counter: 'reserved' });
		}
		if (limit.items !== null) {
			increments.push(counterIncrement(handle, 'items', window, count, now));
			slots.push({ period, counter: 'items' });
		}
	}
	const values = await handle.store.increment(handle.namespace, increments);
	return budget.periods.map((period) => {
		const value = (counter: string) => {
			const slot = slots.findIndex((entry) => entry.period === period && entry.counter === counter);
			return slot < 0 ? 0 : values[slot];
		};
		return {
			period,
			limit: config.limits[period]!,
			spentNanos: value('spent'),
			reservedNanos: value('reserved') - batch.nanos,
			items: value('items') - count,
		};
	});
}

/**
 * Gives back what did not go through (everything, when the workflow stops) and claims
 * the alerts now due, in one round trip. Returns the alerts this node claimed. If the
 * store fails here the whole reservation is given back before failing, or a store
 * hiccup would hold that budget until the window ends.
 */
export async function settle(
	op: OperationContext,
	budget: Budget,
	batch: Batch,
	standings: cost.PeriodStanding[],
	admission: cost.Admission,
	stopping: boolean,
): Promise<AlertCandidate[]> {
	const { handle, config, now } = budget;
	const count = batch.candidates.length;
	const changes = stopping
		? giveBack(budget, batch.nanos, count)
		: giveBack(budget, batch.nanos - admission.admittedNanos, count - admission.admittedCount);
	const spendStandings = standings
		.filter((standing) => standing.limit.moneyNanos !== null)
		.map((standing) => ({
			window: budget.windows.get(standing.period)!,
			spentNanos: standing.spentNanos,
			limitNanos: standing.limit.moneyNanos!,
		}));
	// When the workflow stops no Alert item can leave: leave the alerts unclaimed for the next run.
	const alerts = stopping ? [] : alertCandidates(config, spendStandings, now);
	if (!stopping) changes.push(...countLetThrough(budget, admission.admittedCount));
	const claimsFrom = changes.length;
	changes.push(...alerts.map((alert) => alertClaim(handle, alert, now)));
	let claimed: number[] = [];
	try {
		claimed = changes.length > 0 ? await handle.store.increment(handle.namespace, changes) : [];
	} catch (error) {
		const all = giveBack(budget, batch.nanos, count);
		if (all.length > 0) await handle.store.increment(handle.namespace, all).catch(() => undefined);
		throw storeFailure(op.context, error);
	}
	return alerts.filter((_, position) => claimed[claimsFrom + position] === 1);
}
