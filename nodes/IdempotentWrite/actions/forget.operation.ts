import { updateDisplayOptions, type OperationContext } from '../../shared';
import { outputItem } from './items';
import { keyItemsAfterClaim } from './keys';
import { afterClaimKeyProperties } from './keys.descriptions';
import type { OutputName } from './outputs';
import { idempotencyNamespace } from './settings';

/** Forget: delete each item's key, so the next claim proceeds as if it was never seen. */

export const description = updateDisplayOptions(
	{ show: { operation: ['forget'] } },
	afterClaimKeyProperties,
);

export async function execute(op: OperationContext<OutputName<'forget'>>): Promise<void> {
	const { context, items } = op;
	const { keyed, fields } = keyItemsAfterClaim(op);
	if (keyed.length === 0) return;
	const store = await op.store();
	const removed = await store.delete(
		idempotencyNamespace(context),
		keyed.map((item) => ({ key: item.key })),
	);
	keyed.forEach((item, position) => {
		op.outputs.push(
			'Done',
			outputItem(items[item.index], item, fields, { forgotten: removed[position] }),
		);
	});
}
