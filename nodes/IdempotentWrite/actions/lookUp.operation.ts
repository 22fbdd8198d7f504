import { idempotency, updateDisplayOptions, type OperationContext } from '../../shared';
import { describeRecord, outputItem } from './items';
import { keyItemsAfterClaim } from './keys';
import { afterClaimKeyProperties } from './keys.descriptions';
import type { OutputName } from './outputs';
import { idempotencyNamespace } from './settings';

/** Look Up: show what the store knows about each item's key. */

export const description = updateDisplayOptions(
	{ show: { operation: ['lookUp'] } },
	afterClaimKeyProperties,
);

export async function execute(op: OperationContext<OutputName<'lookUp'>>): Promise<void> {
	const { context, items } = op;
	const { keyed, fields } = keyItemsAfterClaim(op);
	if (keyed.length === 0) return;
	const store = await op.store();
	const namespace = idempotencyNamespace(context);
	const { records } = await store.read(namespace, [...new Set(keyed.map((item) => item.key))]);
	for (const item of keyed) {
		const record = idempotency.asClaimRecord(records.get(item.key)?.value);
		op.outputs.push(
			'Done',
			outputItem(items[item.index], item, fields, {
				found: record !== undefined,
				...describeRecord(record),
			}),
		);
	}
}
