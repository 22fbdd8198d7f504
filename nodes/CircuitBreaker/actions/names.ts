import type { IExecuteFunctions } from 'n8n-workflow';

import { breaker, configError, groupItemsByKey, isExpression, itemKeyOf } from '../../shared';
import { CLASSIFYING_VERSION } from './policy';

/**
 * Breaker Name: one per execution (the first item's), or, in version 1.1 when it is an
 * expression, one per item — a breaker per tenant, account or host in one batch. The
 * per-item names are read, checked, grouped and capped by the package's one helper for
 * names of shared state (nodes/shared/n8n/itemKeys.ts, as Rate Limiter's and Cost
 * Guard's), with the breaker's own rule as its extra check. Unlike those nodes, a breaker
 * batch is one store round trip for all its breakers (and Record's Failure input takes
 * names from Check stamps), so the groups are read here rather than run one by one.
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
	if (!perItem) {
		const name = breakerName(context);
		return { of: () => name, distinct: [name], perItem };
	}
	const { groups, failed } = groupItemsByKey(context, 'breakerName', count, {
		label: 'Breaker Name',
		example: 'salesforce',
		maxKeys: MAX_BREAKERS_PER_EXECUTION,
		maxLength: breaker.MAX_BREAKER_NAME_LENGTH,
		unit: 'breakers',
		problem: breaker.breakerNameProblem,
	});
	// A breaker batch is decided as one: an item without a usable name fails the node.
	if (failed.length > 0) throw failed[0].error;
	const names: string[] = [];
	for (const [name, indexes] of groups) for (const index of indexes) names[index] = name;
	return { of: (index) => names[index], distinct: [...groups.keys()], perItem };
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
 * A plain Breaker Name (read once), trimmed and checked: a bad one is the node's
 * configuration, not an item's. A number is a name too (an account ID, say).
 */
export function breakerName(context: IExecuteFunctions): string {
	const raw: unknown = context.getNodeParameter('breakerName', 0, '');
	const read = itemKeyOf(raw, breaker.MAX_BREAKER_NAME_LENGTH);
	const name = typeof read === 'string' ? read : '';
	const problem = typeof read === 'string' ? breaker.breakerNameProblem(name) : read.problem;
	if (problem === null) return name;
	throw configError(
		context,
		'Breaker Name',
		problem,
		'Name the hop this breaker guards, e.g. "salesforce", the same on its Check and Record nodes.',
	);
}
