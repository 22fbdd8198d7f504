import { idempotency, updateDisplayOptions, type OperationContext } from '../../shared';
import { finish } from './finish';
import { afterClaimKeyProperties } from './keys.descriptions';
import type { OutputName } from './outputs';

/** Release: free the claim after the write failed for sure, so a retry may proceed. */

export const description = updateDisplayOptions(
	{ show: { operation: ['release'] } },
	afterClaimKeyProperties,
);

export async function execute(op: OperationContext<OutputName<'release'>>): Promise<void> {
	await finish(op, 'release', idempotency.decideRelease, []);
}
