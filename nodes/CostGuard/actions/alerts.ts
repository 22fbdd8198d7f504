import type { INodeExecutionData } from 'n8n-workflow';

import { cost, type stores } from '../../shared';
import type { BudgetHandle } from './budget';

/*
 * Budget alerts, shared by Check Budget and Record Usage: which thresholds a budget's
 * spend (or its forecast) has reached in each window, the counter that lets exactly one
 * node send each alert, and the Alert item.
 */

/** A period's spend as the alert logic sees it. */
export interface SpendStanding {
	window: cost.BudgetWindow;
	spentNanos: number;
	limitNanos: number;
}

export interface AlertCandidate {
	kind: cost.AlertKind;
	threshold: number;
	standing: SpendStanding;
	forecastNanos: number | null;
}

/** Every (kind, period, threshold) a budget's spend has reached now. */
export function alertCandidates(
	config: cost.BudgetConfig,
	standings: SpendStanding[],
	now: number,
): AlertCandidate[] {
	const candidates: AlertCandidate[] = [];
	for (const standing of standings) {
		const forecast = cost.forecastNanos(standing.spentNanos, standing.window, now);
		for (const threshold of cost.reachedThresholds(
			standing.spentNanos,
			standing.limitNanos,
			config.thresholds.actual,
		)) {
			candidates.push({ kind: 'actual', threshold, standing, forecastNanos: forecast });
		}
		if (forecast !== null) {
			for (const threshold of cost.reachedThresholds(
				forecast,
				standing.limitNanos,
				config.thresholds.forecast,
			)) {
				candidates.push({ kind: 'forecast', threshold, standing, forecastNanos: forecast });
			}
		}
	}
	return candidates;
}

/** One counter per alert, per window: whoever increments it to 1 sends the alert, on every backend, once. */
export function alertClaim(
	handle: BudgetHandle,
	candidate: AlertCandidate,
	now: number,
): stores.CounterIncrement {
	return {
		key: cost.budgetKeys.alert(
			handle.name,
			candidate.kind,
			candidate.standing.window,
			candidate.threshold,
		),
		by: 1,
		ttlMs: cost.windowTtlMs(candidate.standing.window, now),
	};
}

const PERIOD_WORDS: Record<cost.BudgetPeriod, string> = {
	hour: 'hourly',
	day: 'daily',
	month: 'monthly',
};

export function alertItem(
	handle: BudgetHandle,
	config: cost.BudgetConfig,
	candidate: AlertCandidate,
	now: number,
	pairedWith: number,
): INodeExecutionData {
	const { standing } = candidate;
	const amount = candidate.kind === 'actual' ? standing.spentNanos : (candidate.forecastNanos ?? 0);
	const verb = candidate.kind === 'actual' ? 'has spent' : 'is forecast to spend';
	return {
		json: {
			budget: handle.name,
			alert: candidate.kind,
			period: standing.window.period,
			window: standing.window.id,
			windowStart: new Date(standing.window.start).toISOString(),
			windowEnd: new Date(standing.window.end).toISOString(),
			thresholdPercent: candidate.threshold,
			percent: cost.percentOf(amount, standing.limitNanos),
			spent: cost.nanosToNumber(standing.spentNanos),
			spentExact: cost.formatNanos(standing.spentNanos),
			forecast:
				candidate.forecastNanos === null ? null : cost.nanosToNumber(candidate.forecastNanos),
			limit: cost.nanosToNumber(standing.limitNanos),
			currency: config.currency,
			message: `Budget "${handle.name}" ${verb} ${cost.formatNanos(amount)} ${config.currency} of its ${PERIOD_WORDS[standing.window.period]} limit ${cost.formatNanos(standing.limitNanos)} ${config.currency} (${candidate.threshold}% threshold, window ${standing.window.id})`,
			at: new Date(now).toISOString(),
		},
		pairedItem: { item: pairedWith },
	};
}

/** The windows holding `now` for each period the config limits with money. */
export function moneyWindows(
	config: cost.BudgetConfig,
	now: number,
): Array<{ window: cost.BudgetWindow; limitNanos: number }> {
	const windows: Array<{ window: cost.BudgetWindow; limitNanos: number }> = [];
	for (const period of ['hour', 'day', 'month'] as cost.BudgetPeriod[]) {
		const limit = config.limits[period]?.moneyNanos;
		if (limit !== null && limit !== undefined)
			windows.push({ window: cost.windowAt(period, now, config.zone), limitNanos: limit });
	}
	return windows;
}
