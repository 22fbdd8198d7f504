import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { configError, time } from '../../shared';

/**
 * Dead Letter's numbers, read once and checked before any item is: a bad one is a
 * configuration error naming the parameter (no item caused it). Field names go through
 * `fieldNameOption`, the rest of the parameters through `getNodeParameter`.
 */

/** Settled records are kept this long by default. */
export const DEFAULT_RETENTION_DAYS = 30;

export function readOptions(context: IExecuteFunctions): IDataObject {
	return context.getNodeParameter('options', 0, {}) as IDataObject;
}

/** A whole number parameter of at least `min` (a fraction is rounded down). */
export function countParameter(
	context: IExecuteFunctions,
	name: string,
	label: string,
	fallback: number,
	min: number,
): number {
	const value = Number(context.getNodeParameter(name, 0, fallback));
	if (!Number.isFinite(value) || value < min)
		throw configError(context, label, `must be a number of at least ${min}`, `It is ${value}.`);
	return Math.floor(value);
}

/** A duration in minutes, hours or days as milliseconds, checked positive (or zero when allowed). */
export function durationParameter(
	context: IExecuteFunctions,
	name: string,
	label: string,
	fallback: number,
	unitMs: number,
	allowZero = false,
): number {
	const value = Number(context.getNodeParameter(name, 0, fallback));
	if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
		const sign = allowZero ? 'non-negative' : 'positive';
		throw configError(context, label, `must be a ${sign} number`, `It is ${value}.`);
	}
	return Math.round(value * unitMs);
}

/** A non-negative whole number from the options collection; empty is the default. */
export function optionCount(
	context: IExecuteFunctions,
	options: IDataObject,
	name: string,
	label: string,
	fallback: number,
): number {
	const raw = options[name];
	const value = raw === undefined || raw === '' ? fallback : Number(raw);
	if (!Number.isFinite(value) || value < 0)
		throw configError(context, label, 'must be a number of at least 0', `It is ${String(raw)}.`);
	return Math.floor(value);
}

/** The retention of settled records from the options, in ms; 0 turns the automatic purge off. */
export function retentionMsOf(context: IExecuteFunctions, options: IDataObject): number {
	const raw = options.retentionDays;
	const value = raw === undefined || raw === '' ? DEFAULT_RETENTION_DAYS : Number(raw);
	if (!Number.isFinite(value) || value < 0) {
		throw configError(
			context,
			'Delete Settled Records After (Days)',
			'must be a non-negative number',
			`It is ${String(raw)}.`,
		);
	}
	return Math.round(value * time.DAY_MS);
}
