import type { IDataObject, INodeProperties, NodeExecutionHint } from 'n8n-workflow';

import {
	breaker,
	hint,
	pairedItem,
	storeFailure,
	stores,
	updateDisplayOptions,
	type OperationContext,
} from '../../shared';
import {
	breakerNamespace,
	changeHint,
	describeChange,
	iso,
	letsItemsThrough,
	letThroughHint,
	outputField,
	updateBreakers,
} from './common';
import {
	breakerNameProperty,
	onStoreErrorOption,
	optionsCollection,
	outputFieldOption,
} from './common.descriptions';
import { breakerNames } from './names';
import type { OutputName } from './outputs';

/** Check: before the hop, Proceed while the breaker is closed (or as a probe), Open while it is open. */

const properties: INodeProperties[] = [
	breakerNameProperty,
	optionsCollection([onStoreErrorOption, outputFieldOption]),
];

export const description = updateDisplayOptions({ show: { operation: ['check'] } }, properties);

export async function execute(op: OperationContext<OutputName<'check'>>): Promise<void> {
	const { context, items } = op;
	const names = breakerNames(context, items.length);
	const field = outputField(context);
	const letThrough = letsItemsThrough(context);
	if (items.length === 0) return;
	const namespace = breakerNamespace(context);
	try {
		const store = await op.store();
		// Each breaker judges its own items: how many there are, in their order.
		const counts = new Map<string, number>();
		items.forEach((_, index) => {
			const name = names.of(index);
			counts.set(name, (counts.get(name) ?? 0) + 1);
		});
		const { outcomes, now } = await updateBreakers(
			store,
			namespace,
			names.distinct,
			(name, current, time) => {
				const checked = breaker.decideChecks(current, counts.get(name) ?? 0, time);
				return { outcome: checked, write: checked.write ? checked.state : null };
			},
		);
		// The same for every item of a breaker: formatted once, not twice per item.
		const checkedAt = iso(now);
		const shared = new Map(
			[...outcomes].map(([name, decision]) => [
				name,
				{
					openUntil: iso(decision.state.openUntil),
					stateChange: describeChange(decision.change),
					seen: 0,
				},
			]),
		);
		items.forEach((source, index) => {
			const name = names.of(index);
			const decision = outcomes.get(name)!;
			const breakerItems = shared.get(name)!;
			const proceed = breakerItems.seen++ < decision.admitted;
			const details: IDataObject = {
				name,
				route: proceed ? 'proceed' : 'open',
				state: decision.state.status,
				probe: proceed && decision.probe,
				generation: decision.state.generation,
				checkedAt,
				openUntil: breakerItems.openUntil,
				stateChange: breakerItems.stateChange,
			};
			op.outputs.push(
				proceed ? 'Proceed' : 'Open',
				pairedItem(source, index, { ...source.json, [field]: details }),
			);
		});
		for (const [name, decision] of outcomes) {
			const { state } = decision;
			if (decision.change !== null) op.hints.push(changeHint(name, decision.change, state));
			const refused = (counts.get(name) ?? 0) - decision.admitted;
			if (refused > 0) op.hints.push(openHint(name, state, refused, decision.probe));
		}
	} catch (error) {
		if (!letThrough || !(error instanceof stores.StoreError)) throw storeFailure(context, error);
		// The breaker protects the hop; it must not become the outage: every item proceeds.
		const storeError = error.message;
		items.forEach((source, index) => {
			op.outputs.push(
				'Proceed',
				pairedItem(source, index, {
					...source.json,
					[field]: { name: names.of(index), state: 'unknown', storeError, route: 'proceed' },
				}),
			);
		});
		for (const name of names.distinct) op.hints.push(letThroughHint(name, storeError));
	}
}

function openHint(
	name: string,
	state: breaker.BreakerState,
	refused: number,
	probing: boolean,
): NodeExecutionHint {
	const why =
		state.status === 'forcedOpen'
			? 'is forced open (Set State → Reset closes it)'
			: probing
				? 'is half-open and its probe calls are out'
				: `is open until ${iso(state.openUntil)}`;
	return hint(`Circuit breaker "${name}" ${why}: ${refused} item(s) sent to Open.`);
}
