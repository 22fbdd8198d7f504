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
	breakerName,
	breakerNamespace,
	changeHint,
	describeChange,
	iso,
	letsItemsThrough,
	letThroughHint,
	outputField,
	updateBreaker,
} from './common';
import {
	breakerNameProperty,
	onStoreErrorOption,
	optionsCollection,
	outputFieldOption,
} from './common.descriptions';
import type { OutputName } from './outputs';

/** Check: before the hop, Proceed while the breaker is closed (or as a probe), Open while it is open. */

const properties: INodeProperties[] = [
	breakerNameProperty,
	optionsCollection([onStoreErrorOption, outputFieldOption]),
];

export const description = updateDisplayOptions({ show: { operation: ['check'] } }, properties);

export async function execute(op: OperationContext<OutputName<'check'>>): Promise<void> {
	const { context, items } = op;
	const name = breakerName(context);
	const field = outputField(context);
	const letThrough = letsItemsThrough(context);
	if (items.length === 0) return;
	const namespace = breakerNamespace(context);
	try {
		const store = await op.store();
		const { outcome: decision, now } = await updateBreaker(
			store,
			namespace,
			name,
			(current, time) => {
				const checked = breaker.decideChecks(current, items.length, time);
				return { outcome: checked, write: checked.write ? checked.state : null };
			},
		);
		const { state } = decision;
		const stateChange = describeChange(decision.change);
		// The same for every item: formatted once, not twice per item.
		const checkedAt = iso(now);
		const openUntil = iso(state.openUntil);
		items.forEach((source, index) => {
			const proceed = index < decision.admitted;
			const details: IDataObject = {
				name,
				route: proceed ? 'proceed' : 'open',
				state: state.status,
				probe: proceed && decision.probe,
				generation: state.generation,
				checkedAt,
				openUntil,
				stateChange,
			};
			op.outputs.push(
				proceed ? 'Proceed' : 'Open',
				pairedItem(source, index, { ...source.json, [field]: details }),
			);
		});
		if (decision.change !== null) op.hints.push(changeHint(name, decision.change, state));
		const refused = items.length - decision.admitted;
		if (refused > 0) op.hints.push(openHint(name, state, refused, decision.probe));
	} catch (error) {
		if (!letThrough || !(error instanceof stores.StoreError)) throw storeFailure(context, error);
		// The breaker protects the hop; it must not become the outage: every item proceeds.
		const storeError = error.message;
		items.forEach((source, index) => {
			op.outputs.push(
				'Proceed',
				pairedItem(source, index, {
					...source.json,
					[field]: { name, state: 'unknown', storeError, route: 'proceed' },
				}),
			);
		});
		op.hints.push(letThroughHint(name, storeError));
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
