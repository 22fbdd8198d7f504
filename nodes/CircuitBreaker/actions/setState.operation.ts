import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { breaker, pairedItem, updateDisplayOptions, type OperationContext } from '../../shared';
import {
	breakerNamespace,
	changeHint,
	describeChange,
	outputField,
	updateBreakers,
} from './common';
import { breakerNameProperty, optionsCollection, outputFieldOption } from './common.descriptions';
import { breakerNames } from './names';
import type { OutputName } from './outputs';

/** Set State: force the breaker open (e.g. during maintenance), disable it, or reset it to closed. */

const properties: INodeProperties[] = [
	breakerNameProperty,
	{
		displayName: 'New State',
		name: 'newState',
		type: 'options',
		description:
			'What to do with the breaker: every Check and Record with the same Scope and Breaker Name sees it at once',
		options: [
			{
				name: 'Closed (Reset)',
				value: 'reset',
				description: 'Close the breaker and start its window afresh',
			},
			{
				name: 'Disabled',
				value: 'disable',
				description:
					'Every Check proceeds and the breaker never opens, until it is reset. Calls are still counted.',
			},
			{
				name: 'Forced Open',
				value: 'forceOpen',
				description:
					"Every Check routes to Open until the breaker is reset, e.g. during a vendor's maintenance window",
			},
		],
		default: 'reset',
	},
	optionsCollection([outputFieldOption]),
];

export const description = updateDisplayOptions({ show: { operation: ['setState'] } }, properties);

export async function execute(op: OperationContext<OutputName<'setState'>>): Promise<void> {
	const { context, items } = op;
	const names = breakerNames(context, items.length);
	const field = outputField(context);
	const action = context.getNodeParameter('newState', 0, 'reset') as breaker.BreakerAction;
	if (items.length === 0) return;
	const namespace = breakerNamespace(context);
	const { outcomes } = await updateBreakers(
		await op.store(),
		namespace,
		names.distinct,
		(_, current, now) => {
			const decided = breaker.decideSetState(current, action, now);
			return { outcome: decided, write: decided.write ? decided.state : null };
		},
	);
	const details = new Map(
		[...outcomes].map(([name, decision]): [string, IDataObject] => [
			name,
			{
				name,
				action,
				state: decision.state.status,
				generation: decision.state.generation,
				stateChange: describeChange(decision.change),
			},
		]),
	);
	items.forEach((source, index) => {
		op.outputs.push(
			'Done',
			pairedItem(source, index, { ...source.json, [field]: details.get(names.of(index))! }),
		);
	});
	for (const [name, decision] of outcomes)
		if (decision.change !== null) op.hints.push(changeHint(name, decision.change, decision.state));
}
