import { idempotency, updateDisplayOptions, type OperationContext } from '../../shared';
import { finish } from './finish';
import { afterClaimKeyProperties } from './keys.descriptions';
import type { OutputName } from './outputs';

/** Mark Outcome Unknown: after a timeout or dropped connection, the next claim routes to Reconcile instead of writing again. */

export const description = updateDisplayOptions(
	{ show: { operation: ['markOutcomeUnknown'] } },
	afterClaimKeyProperties,
);

export async function execute(
	op: OperationContext<OutputName<'markOutcomeUnknown'>>,
): Promise<void> {
	await finish(op, 'markOutcomeUnknown', idempotency.decideOutcomeUnknown, []);
}
