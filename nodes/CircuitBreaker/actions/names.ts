import type { IExecuteFunctions } from 'n8n-workflow';

import { breaker, configError, errors, isExpression, itemError } from '../../shared';
import { CLASSIFYING_VERSION } from './policy';

/**
 * Breaker Name: one per execution (the first item's), or, in version 1.1 when it is an
 * expression, one per item — a breaker per tenant, account or host in one batch.
 *
 * Seam: the generic per-item key helper (nodes/shared/n8n/itemKeys.ts, written beside
 * this for the Rate Limiter) does the same evaluation, check, grouping and cap; when it
 * lands, `breakerNames` becomes a call to it with `breakerNameProblem` as the check.
 */

/** Distinct breakers one execution may touch: each is a record in the same round trip. */
export const MAX_BREAKERS_PER_EXECUTION = 100;

export type BreakerNames = {
	/** The breaker of each item, by item index. */
	of: (index: number) => string;
	/** The distinct names, in the order the items first give them. */
	distinct: string[];
	/** Whether the name is evaluated per item (version 1.1, an expression). */
	perItem: boolean;
};

/** The breaker of each of the first `count` items. */
export function breakerNames(context: IExecuteFunctions, count: number): BreakerNames {
	const perItem =
		context.getNode().typeVersion >= CLASSIFYING_VERSION && isExpression(context, 'breakerName');
	if (perItem && count === 0) {
		// No item to name a breaker (Record's calls may all be on the Failure input).
		return { of: noItem, distinct: [], perItem };
	}
	if (!perItem || count === 1) {
		const name = breakerName(context, 0, perItem);
		return { of: () => name, distinct: [name], perItem };
	}
	const names: string[] = [];
	const distinct = new Set<string>();
	for (let index = 0; index < count; index++) {
		const name = breakerName(context, index, true);
		names.push(name);
		if (!distinct.has(name)) checkBreakerCount(context, distinct.size + 1, index, name);
		distinct.add(name);
	}
	return { of: (index) => names[index], distinct: [...distinct], perItem };
}

/** Fails when the `count`th distinct breaker of an execution (item `index` gives `name`) is over the cap. */
export function checkBreakerCount(
	context: IExecuteFunctions,
	count: number,
	index: number,
	name: string,
): void {
	if (count <= MAX_BREAKERS_PER_EXECUTION) return;
	throw configError(
		context,
		'Breaker Name',
		`gives more than ${MAX_BREAKERS_PER_EXECUTION} different breakers in one execution (item ${index} gives "${name}")`,
		`Name breakers after something with few values (a vendor, a host, an account), or split the batch: at most ${MAX_BREAKERS_PER_EXECUTION} breakers per execution.`,
	);
}

function noItem(index: number): string {
	throw new Error(`Circuit Breaker: no Breaker Name was read for item ${index}`);
}

/**
 * Breaker Name for item `index`, trimmed and checked. An expression that gives something
 * other than text (an object would make a breaker called "[object Object]") is an error
 * naming the item. A number is a name too (an account ID, say).
 */
export function breakerName(context: IExecuteFunctions, index = 0, perItem = false): string {
	const raw: unknown = context.getNodeParameter('breakerName', index, '');
	if (typeof raw !== 'string' && !(typeof raw === 'number' && Number.isFinite(raw))) {
		throw itemError(
			context,
			index,
			`Breaker Name of item ${index} is ${describeKind(raw)}, not text: ${errors.describeValue(raw)}`,
			'Make the Breaker Name expression give the name as text, e.g. {{ $json.vendor.name }} rather than {{ $json.vendor }}.',
		);
	}
	const name = String(raw).trim();
	const problem = breaker.breakerNameProblem(name);
	if (problem === null) return name;
	if (perItem) {
		throw itemError(
			context,
			index,
			`Breaker Name of item ${index} ${problem}`,
			'Make the Breaker Name expression give a name for every item, e.g. "salesforce".',
		);
	}
	throw configError(
		context,
		'Breaker Name',
		problem,
		'Name the hop this breaker guards, e.g. "salesforce", the same on its Check and Record nodes.',
	);
}

function describeKind(value: unknown): string {
	if (value === null || value === undefined) return String(value);
	if (Array.isArray(value)) return 'a list';
	if (typeof value === 'object') return 'an object';
	if (typeof value === 'number') return 'not a finite number';
	return `a ${typeof value}`;
}
